// keisan MNIST example: run metadata, the checks of --load and --resume, and Ctrl-C.
// SPDX-License-Identifier: MIT
#include "checkpoints.hpp"

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>

namespace mnist_example {
namespace {

volatile std::sig_atomic_t interrupt_flag = 0;
long long sigint_after_step = -1;                // KEISAN_MNIST_SIGINT_AFTER_STEP, read by catch_interrupt()
long long fail_rank = -1, fail_after_step = -1;  // KEISAN_MNIST_FAIL_AFTER_STEP=RANK:STEP

extern "C" void on_interrupt(int /*signal*/) {
  interrupt_flag = 1;
}

std::string format_double(double x) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.17g", x);  // round-trips exactly
  return buf;
}

/// A recorded number as people write it ("0.3", not "0.29999999999999999"): the shortest form
/// that reads back as the same double. Text that is not a number stays as it is.
std::string readable_number(const std::string& text) {
  char* end = nullptr;
  const double x = std::strtod(text.c_str(), &end);
  if (text.empty() || *end != '\0') return text;
  char buf[32];
  for (int digits = 1; digits <= 17; ++digits) {
    std::snprintf(buf, sizeof buf, "%.*g", digits, x);
    if (std::strtod(buf, nullptr) == x) break;
  }
  return buf;
}

}  // namespace

std::map<std::string, std::string> run_metadata(const Config& c) {
  std::map<std::string, std::string> out{{"model", c.model},
                                         {"batchnorm", c.batchnorm ? "on" : "off"},
                                         {"dropout-scaling", c.dropout_scaling},
                                         {"weight-decay", format_double(c.weight_decay)},
                                         {"optimizer", c.optimizer},
                                         {"lr", format_double(c.lr)},
                                         {"lr-schedule", c.lr_schedule},
                                         {"batch", std::to_string(c.batch)},
                                         // micro-batches per step: one process's --accumulate K or
                                         // mpirun -np P (the same steps, so the same files)
                                         {"accumulate", std::to_string(c.accumulate * c.processes)},
                                         {"sampler", c.sampler},
                                         {"train-limit", c.train_limit > 0 ? std::to_string(c.train_limit) : "all"},
                                         {"seed", std::to_string(c.seed)}};
  // cosine's curve spans all --epochs: a resumed run must aim at the same end (a training run
  // passes its resolved count; "auto" only where none was resolved, which nothing compares)
  if (c.lr_schedule == "cosine") out["epochs"] = c.epochs >= 0 ? std::to_string(c.epochs) : "auto";
  if (c.model == "mlp") {  // the CNNs' layers are fixed
    std::string hidden;
    for (int h : c.hidden) hidden += (hidden.empty() ? "" : ",") + std::to_string(h);
    out["hidden"] = hidden;
    out["activation"] = c.activation;
    out["dropout"] = format_double(c.dropout);
  }
  return out;
}

void check_recorded_flags(const std::map<std::string, std::string>& recorded, const Config& c, const std::string& flag,
                          const std::string& path, bool training) {
  if (recorded.count("model") == 0) return;  // not written by this example: shapes decide
  const auto mine = run_metadata(c);
  // Files written before these flags existed were MLPs without them (and any model trained at a
  // constant rate: a CNN file from before its cosine default resumes with --lr-schedule constant).
  const std::map<std::string, std::string> before_the_flag{
      {"batchnorm", "off"},   {"dropout", "0"},    {"dropout-scaling", "inverted"}, {"weight-decay", "0"},
      {"train-limit", "all"}, {"accumulate", "1"}, {"lr-schedule", "constant"}};
  const bool same_model = recorded.at("model") == c.model;
  std::string differences;
  for (const std::string key :
       {"model", "hidden", "activation", "batchnorm", "dropout", "dropout-scaling", "weight-decay", "optimizer", "lr",
        "lr-schedule", "epochs", "batch", "accumulate", "sampler", "train-limit", "seed"}) {
    // The model's flags (dropout-scaling changes what evaluation computes); weight decay, like the
    // optimizer, shapes only the training.
    const bool model_key = key == "model" || key == "hidden" || key == "activation" || key == "batchnorm" ||
                           key == "dropout" || key == "dropout-scaling";
    if (!model_key && !training) continue;
    const bool mlp_only = key == "hidden" || key == "activation" || key == "dropout";
    if (mlp_only && (!same_model || c.model != "mlp")) continue;  // another model: "--model" says it
    // cosine's curve ends at --epochs: compared when both runs anneal (else --lr-schedule says it)
    if (key == "epochs" &&
        (c.lr_schedule != "cosine" || recorded.count("lr-schedule") == 0 || recorded.at("lr-schedule") != "cosine"))
      continue;
    const bool has_dropout = c.model == "deep-cnn" || c.dropout > 0;
    if (key == "dropout-scaling" && (!same_model || !has_dropout)) continue;  // no Dropout: no difference
    auto it = recorded.find(key);
    const auto old = before_the_flag.find(key);
    const std::string theirs = it != recorded.end()           ? it->second
                               : old != before_the_flag.end() ? old->second
                                                              : "(not recorded)";
    const bool number = key == "lr" || key == "dropout" || key == "weight-decay";  // compared as numbers
    const std::string a = number ? readable_number(theirs) : theirs,
                      b = number ? readable_number(mine.at(key)) : mine.at(key);
    if (a != b) {
      differences.append(differences.empty() ? "" : ", ").append("--").append(key).append(" ").append(a);
      differences.append(" (this run: ").append(b).append(")");
    }
  }
  if (!differences.empty())
    throw std::invalid_argument(flag + " " + path + ": the file was written by a run with " + differences +
                                (training ? "; resume with the same flags" : "; give the same model flags"));
}

void catch_interrupt() {
  struct sigaction action {};
  action.sa_handler = on_interrupt;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESETHAND;  // a second Ctrl-C is the default: the program ends at once
  sigaction(SIGINT, &action, nullptr);
  // mpirun ends the job on Ctrl-C, but passes SIGUSR1 on to every rank: `kill -USR1 <mpirun>`
  // stops a data-parallel run as Ctrl-C stops one process (all ranks after the same step).
  sigaction(SIGUSR1, &action, nullptr);
  if (const char* text = std::getenv("KEISAN_MNIST_SIGINT_AFTER_STEP")) {
    char* end = nullptr;
    sigint_after_step = std::strtoll(text, &end, 10);
    if (*text == '\0' || *end != '\0' || sigint_after_step < 1)
      throw std::invalid_argument(std::string("KEISAN_MNIST_SIGINT_AFTER_STEP: '") + text +
                                  "' is not a step number (1 or more)");
  }
}

void check_failure_hook(long long step, int rank) {
  static bool read = false;
  if (!read) {
    read = true;
    if (const char* text = std::getenv("KEISAN_MNIST_FAIL_AFTER_STEP")) {
      char* end = nullptr;
      fail_rank = std::strtoll(text, &end, 10);
      const bool colon = end != text && *end == ':';
      if (colon) fail_after_step = std::strtoll(end + 1, &end, 10);
      if (!colon || *end != '\0' || fail_rank < 0 || fail_after_step < 1)
        throw std::invalid_argument(std::string("KEISAN_MNIST_FAIL_AFTER_STEP: '") + text +
                                    "' is not RANK:STEP (a rank >= 0 and a step >= 1)");
    }
  }
  if (rank == fail_rank && step == fail_after_step)
    throw std::runtime_error("rank " + std::to_string(rank) + " fails after step " + std::to_string(step) +
                             ", as KEISAN_MNIST_FAIL_AFTER_STEP asks");
}

bool interrupted(long long step) {
  if (step == sigint_after_step) std::raise(SIGINT);  // delivered before raise returns
  return interrupt_flag != 0;
}

std::string resume_command(const Config& c, const std::string& path) {
  std::string out;
  for (std::size_t i = 0; i < c.command.size(); ++i) {
    const std::string& arg = c.command[i];
    if (arg == "--resume") {
      ++i;  // and its value
      continue;
    }
    if (arg.rfind("--resume=", 0) == 0) continue;
    out += (out.empty() ? "" : " ") + arg;
  }
  return out + " --resume " + path;
}

}  // namespace mnist_example
