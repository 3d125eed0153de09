// keisan MNIST example: trains a multilayer perceptron or one of the book's CNNs on MNIST and
// reports its test accuracy. Defaults reproduce Deep Learning from Scratch's TwoLayerNet: 784-50-10,
// sigmoid, SGD lr 0.1, batch 100. Run with --help for every flag. This file: the command line (CLI11).
// SPDX-License-Identifier: MIT
#include <CLI/CLI.hpp>
#include <cerrno>
#include <climits>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <new>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "config.hpp"
#ifdef KEISAN_MNIST_MPI
#include <keisan/dist/communicator.hpp>
#endif

namespace {

/// A whole number in [lo, hi]; otherwise the message says so in words ("--batch: must be a whole
/// number >= 1, got 0"), instead of CLI11's range of 300 digits.
CLI::Validator whole_number(long long lo, unsigned long long hi, const std::string& words, const std::string& help) {
  return CLI::Validator(
      [=](std::string& text) -> std::string {
        const char* s = text.c_str();
        while (*s == ' ') ++s;
        char* end = nullptr;
        errno = 0;
        bool ok = *s != '\0' && *s != '+';
        if (ok && *s == '-') {
          const long long v = std::strtoll(s, &end, 10);
          ok = errno == 0 && *end == '\0' && v >= lo;
        } else if (ok) {
          const unsigned long long v = std::strtoull(s, &end, 10);
          ok = errno == 0 && *end == '\0' && (lo <= 0 || v >= static_cast<unsigned long long>(lo));
          if (ok && v > hi) return "must be at most " + std::to_string(hi) + ", got " + text;
        }
        return ok ? std::string() : "must be " + words + ", got " + text;
      },
      help);
}

/// A finite number > 0.
CLI::Validator positive_number() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        char* end = nullptr;
        const double v = std::strtod(text.c_str(), &end);
        const bool ok = !text.empty() && *end == '\0' && std::isfinite(v) && v > 0;
        return ok ? std::string() : "must be a positive number, got " + text;
      },
      "> 0");
}

/// A finite number in [0, hi) (hi > 0), or >= 0 when `hi` is infinite.
CLI::Validator fraction_or_amount(double hi, const std::string& words, const std::string& help) {
  return CLI::Validator(
      [=](std::string& text) -> std::string {
        char* end = nullptr;
        const double v = std::strtod(text.c_str(), &end);
        const bool ok = !text.empty() && *end == '\0' && std::isfinite(v) && v >= 0 && v < hi;
        return ok ? std::string() : "must be " + words + ", got " + text;
      },
      help);
}

/// The flags that size the model, as given, for messages: "--hidden 50" or "--model deep-cnn".
std::string model_flags(const mnist_example::Config& c) {
  if (c.model != "mlp") return "--model " + c.model;
  std::string out = "--hidden";
  for (int h : c.hidden) out += " " + std::to_string(h);
  return out;
}

/// "rank 1 of 2: " under mpirun, else nothing: which process an error message comes from.
std::string rank_prefix(const mnist_example::Config& c) {
  return c.processes > 1 ? "rank " + std::to_string(c.rank) + " of " + std::to_string(c.processes) + ": " : "";
}

/// After an error on one process of several: MPI_Abort, which ends every rank (the others may be
/// waiting in a collective for this one and would wait forever).
void end_all_ranks(const mnist_example::Config& c) {
#ifdef KEISAN_MNIST_MPI
  if (c.processes > 1) {
    std::fflush(stdout);
    std::fflush(stderr);
    keisan::dist::Communicator().abort(1);
  }
#else
  (void)c;
#endif
}

#ifndef KEISAN_MNIST_MPI
/// The process count an MPI launcher announced in the environment (Open MPI, MPICH/PMI, PMIx),
/// or 1: a program built without MPI uses it to refuse running as several copies.
int launcher_size() {
  for (const char* name : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE"})
    if (const char* v = std::getenv(name); v != nullptr && *v != '\0') return std::atoi(v);
  return 1;
}
#endif

}  // namespace

int main(int argc, char** argv) {
  mnist_example::Config c;
#ifdef KEISAN_MNIST_MPI
  // Under mpirun (or srun): MPI for the whole run. Started alone: one process, no MPI at all.
  std::optional<keisan::dist::Environment> mpi;
  std::optional<keisan::dist::Communicator> world;
  if (keisan::dist::launched_by_mpi()) {
    try {
      mpi.emplace(argc, argv);
      world.emplace();
    } catch (const std::exception& e) {
      std::fprintf(stderr, "error: %s\n", e.what());
      return 1;
    }
    c.rank = world->rank();
    c.processes = world->size();
  }
#else
  if (launcher_size() > 1) {
    std::fprintf(stderr,
                 "error: started as %d processes (mpirun?), but this mnist was built without MPI: each would train "
                 "alone; install libopenmpi-dev and rebuild\n",
                 launcher_size());
    return 1;
  }
#endif
  // Only rank 0 prints progress and results; the others' errors still go to stderr.
  if (c.rank != 0 && std::freopen("/dev/null", "w", stdout) == nullptr) {
    std::fprintf(stderr, "error: rank %d: cannot redirect standard output to /dev/null\n", c.rank);
    return 1;
  }
  CLI::App app{"Train a multilayer perceptron or a CNN on MNIST with keisan (defaults: the book's TwoLayerNet)"};
  app.add_option("--data", c.data,
                 "directory with the four MNIST IDX files (.gz or raw); default: the cache "
                 "filled by scripts/fetch-mnist.sh, else the bundled subset")
      ->check(CLI::ExistingDirectory);
  app.add_option("--model", c.model,
                 "mlp: Affine layers (--hidden); simple-cnn: the book's SimpleConvNet; deep-cnn: its DeepConvNet. "
                 "The CNNs default to adam lr 0.001, he init, 20 epochs")
      ->check(CLI::IsMember({"mlp", "simple-cnn", "deep-cnn"}))
      ->capture_default_str();
  auto* epochs = app.add_option("--epochs", c.epochs,
                                "passes over the training set (0: only evaluate); default: enough for the "
                                "book's 10,000 iterations (17 epochs on full MNIST); 20 for the CNNs")
                     ->check(whole_number(0, INT_MAX, "a whole number >= 0 (0: only evaluate)", ">= 0"));
  app.add_option("--batch", c.batch, "minibatch size (at most the training set's size)")
      ->check(whole_number(1, INT_MAX, "a whole number >= 1", ">= 1"))
      ->capture_default_str();
  auto* accumulate =
      app.add_option("--accumulate", c.accumulate,
                     "micro-batches per optimizer step, each of batch/K rows: the mean of their gradients "
                     "(memory of a batch/K batch, the update of a --batch one)")
          ->check(whole_number(1, INT_MAX, "a whole number >= 1", ">= 1"))
          ->capture_default_str();
  auto* allreduce = app.add_option("--allreduce", c.allreduce,
                                   "under mpirun: fast (MPI_Allreduce) or deterministic (gather, sum in rank order: "
                                   "the bits of one process with --accumulate N)")
                        ->check(CLI::IsMember({"fast", "deterministic"}))
                        ->capture_default_str();
  auto* lr =
      app.add_option("--lr", c.lr, "learning rate (CNNs: 0.001)")->check(positive_number())->capture_default_str();
  auto* schedule = app.add_option("--lr-schedule", c.lr_schedule,
                                  "constant: --lr at every step (the book's); cosine: from --lr down to 0 over the "
                                  "run's --epochs; default constant, the CNNs cosine")
                       ->check(CLI::IsMember({"constant", "cosine"}));
  auto* hidden = app.add_option("--hidden", c.hidden, "hidden layer sizes, e.g. --hidden 256 128 (mlp only)")
                     ->check(whole_number(1, INT_MAX, "a whole number >= 1 (each size)", ">= 1"))
                     ->capture_default_str();
  auto* activation = app.add_option("--activation", c.activation, "hidden activation (mlp only; the CNNs use relu)")
                         ->check(CLI::IsMember({"sigmoid", "relu", "tanh"}))
                         ->capture_default_str();
  app.add_flag("--batchnorm", c.batchnorm,
               "BatchNorm after each hidden Affine (CNNs: and each convolution), before the activation");
  auto* dropout =
      app.add_option("--dropout", c.dropout, "Dropout with this probability after each hidden activation (mlp only)")
          ->check(fraction_or_amount(1, "a number in [0, 1)", "[0, 1)"))
          ->capture_default_str();
  auto* scaling =
      app.add_option("--dropout-scaling", c.dropout_scaling,
                     "where Dropout keeps the expected value: inverted (kept units x 1/(1-p) while training) or "
                     "at-eval (the book's: x (1-p) when evaluating); default inverted, deep-cnn at-eval")
          ->check(CLI::IsMember({"inverted", "at-eval"}));
  app.add_option("--weight-decay", c.weight_decay,
                 "L2 penalty on the weights, not on biases or BatchNorm's gamma and beta")
      ->check(fraction_or_amount(HUGE_VAL, "a number >= 0", ">= 0"))
      ->capture_default_str();
  auto* optimizer =
      app.add_option("--optimizer", c.optimizer, "update rule (momentum/nesterov: SGD with 0.9; CNNs: adam)")
          ->check(CLI::IsMember({"sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam"}))
          ->capture_default_str();
  app.add_option("--sampler", c.sampler, "shuffle: every image once per epoch; replacement: the book's random choice")
      ->check(CLI::IsMember({"shuffle", "replacement"}))
      ->capture_default_str();
  auto* init = app.add_option("--init", c.init, "weight initialisation: book (0.01 N(0,1)), xavier, he (CNNs: he)")
                   ->check(CLI::IsMember({"book", "xavier", "he"}))
                   ->capture_default_str();
  app.add_option("--train-limit", c.train_limit, "train on the first N training images only (quick runs, tests)")
      ->check(whole_number(1, LLONG_MAX, "a whole number >= 1", ">= 1"));
  app.add_option("--test-limit", c.test_limit, "evaluate on the first N test images only (quick runs, tests)")
      ->check(whole_number(1, LLONG_MAX, "a whole number >= 1", ">= 1"));
  app.add_option("--seed", c.seed, "seed of the initial weights, the sampler and the dropout masks")
      ->check(whole_number(0, UINT64_MAX, "a whole number >= 0", ">= 0"))
      ->capture_default_str();
  app.add_option("--threads", c.threads, "threads keisan uses: products and every large op (needs an OpenMP build)")
      ->check(whole_number(1, 1024, "a whole number from 1 to 1024", "1 to 1024"))
      ->capture_default_str();
  app.add_option("--metrics", c.metrics, "write per-epoch metrics as CSV to this file");
  auto* save =
      app.add_option("--save", c.save,
                     "write a checkpoint (.safetensors: weights, optimizer state, where training stands) at the end; "
                     "Ctrl-C writes it too");
  app.add_option("--checkpoint-every", c.checkpoint_every, "also write --save every N epochs")
      ->check(whole_number(1, INT_MAX, "a whole number >= 1", ">= 1"))
      ->needs(save);
  auto* load = app.add_option("--load", c.load,
                              "load the model's weights (from weights or a checkpoint) before training; evaluate "
                              "with --epochs 0, or fine-tune")
                   ->check(CLI::ExistingFile);
  app.add_option("--resume", c.resume,
                 "continue the training a checkpoint stopped (same flags; --epochs counts all epochs)")
      ->check(CLI::ExistingFile)
      ->excludes(load);
  app.add_flag("--gradcheck", c.gradcheck, "check the model's gradients against finite differences before training");
  app.add_flag("--detect-anomaly", c.detect_anomaly,
               "check every op's output and gradient for NaN/inf and stop at the first, naming the op");
  app.add_option("--dot", c.dot, "write the graph of one training step as Graphviz DOT (render: dot -Tpng)");
  std::ostream muted(nullptr);  // rank != 0: every rank parses the same flags; rank 0 says what is wrong
  std::ostream& err = c.rank == 0 ? std::cerr : muted;
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e, std::cout, err);
  }
  const auto refuse = [&](const CLI::Option* flag, const std::string& why) {
    return app.exit(CLI::ValidationError(flag->get_name(), why), std::cout, err);
  };
  if (c.batch % c.accumulate != 0)
    return refuse(accumulate, "--batch " + std::to_string(c.batch) + " is not divisible by --accumulate " +
                                  std::to_string(c.accumulate) + " (the micro-batches must be equal)");
#ifdef KEISAN_MNIST_MPI
  if (c.processes > 1) {
    const std::string np = " with " + std::to_string(c.processes) + " processes";
    if (c.accumulate > 1)
      return refuse(accumulate, "not supported" + np +
                                    " (each process already takes one micro-batch of every step; "
                                    "--batch is the global batch)");
    if (c.batch % c.processes != 0)
      return app.exit(CLI::ValidationError("--batch", std::to_string(c.batch) + " is not divisible by the " +
                                                          std::to_string(c.processes) +
                                                          " processes (each takes an equal part of every batch)"),
                      std::cout, err);
    // Layers with their own state per process would make the ranks differ: refused, not ignored.
    if (c.batchnorm)
      return app.exit(
          CLI::ValidationError("--batchnorm",
                               "not supported" + np + " yet (each process would keep its own running statistics)"),
          std::cout, err);
    if (c.dropout > 0 || c.model == "deep-cnn")
      return app.exit(
          CLI::ValidationError(c.dropout > 0 ? "--dropout" : "--model deep-cnn",
                               "not supported" + np + " yet (each process would draw its own dropout masks)"),
          std::cout, err);
  } else if (allreduce->count() > 0) {
    std::printf("note: --allreduce has no effect in one process (start it with mpirun -np N)\n");
  }
  if (c.rank != 0) {  // rank 0 writes the files
    c.metrics.clear();
    c.dot.clear();
  }
#else
  if (allreduce->count() > 0)
    return refuse(allreduce, "this mnist was built without MPI (install libopenmpi-dev and rebuild)");
#endif
  if (c.model != "mlp") {
    // The CNNs' layers are fixed: flags that shape an MLP are refused, not silently ignored.
    for (const auto* flag : {hidden, activation, dropout})
      if (flag->count() > 0) return refuse(flag, "only for --model mlp (" + c.model + "'s layers are fixed)");
    // The book's CNN settings, where the flag was not given.
    c.activation = "relu";
    if (optimizer->count() == 0) c.optimizer = "adam";
    if (lr->count() == 0) c.lr = 0.001;
    if (init->count() == 0) c.init = "he";
    if (epochs->count() == 0) c.epochs = 20;
  }
  if (scaling->count() == 0) c.dropout_scaling = c.model == "deep-cnn" ? "at-eval" : "inverted";
  // The CNNs' last epochs swing at a constant rate (deep-cnn +-0.2 points, 0.9906-0.9931 after 20;
  // simple-cnn 0.9884-0.9904): annealed to 0 they settle (deep-cnn 0.9958-0.9960 from epoch 16 on,
  // seed 42; simple-cnn 0.9902-0.9907 from epoch 10). --lr-schedule constant is the book's.
  if (schedule->count() == 0 && c.model != "mlp") c.lr_schedule = "cosine";
  c.command.assign(argv, argv + argc);
  int rc = 1;
  try {
    rc = mnist_example::run(c);
  } catch (const std::bad_alloc&) {
    std::fprintf(stderr, "error: %sout of memory with %s --batch %d; try smaller sizes\n", rank_prefix(c).c_str(),
                 model_flags(c).c_str(), c.batch);
    end_all_ranks(c);
    return 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s%s\n", rank_prefix(c).c_str(), e.what());
    end_all_ranks(c);
    return 1;
  }
  // What was printed must have arrived (stdout on a full disk would lose it without a word).
  if (std::fflush(stdout) != 0 || std::ferror(stdout) != 0) {
    std::fprintf(stderr, "error: standard output: write failed\n");
    return 1;
  }
  return rc;
}
