// keisan MNIST example: loading, training, evaluation, metrics and weights.
// SPDX-License-Identifier: MIT
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <keisan/data/mnist.hpp>
#include <keisan/data/shard.hpp>
#include <keisan/io/checkpoint.hpp>
#include <keisan/io/safetensors.hpp>
#include <keisan/optim/accumulate.hpp>
#include <keisan/optim/schedule.hpp>
#ifdef KEISAN_MNIST_MPI
#include <keisan/dist/allreduce.hpp>
#include <keisan/dist/broadcast.hpp>
#endif
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <system_error>

#include "app.hpp"
#include "checkpoints.hpp"
#include "output_paths.hpp"
#include "progress.hpp"

namespace mnist_example {
namespace {

using Clock = std::chrono::steady_clock;

/// The update rule the flags name, with --weight-decay on the weights only (not biases, not
/// BatchNorm's gamma and beta: the book's MultiLayerNetExtend decays W alone).
std::unique_ptr<keisan::Optimizer<float>> make_optimizer(const Config& c, const keisan::ParameterList<float>& params) {
  const auto with_decay = [&](auto options) {
    options.weight_decay = c.weight_decay;
    options.decay = keisan::Decay::weights_only;
    return options;
  };
  keisan::SGDOptions momentum = with_decay(keisan::SGDOptions{});
  momentum.momentum = 0.9;
  if (c.optimizer == "momentum") return std::make_unique<keisan::SGD<float>>(params, c.lr, momentum);
  momentum.nesterov = true;
  if (c.optimizer == "nesterov") return std::make_unique<keisan::SGD<float>>(params, c.lr, momentum);
  if (c.optimizer == "adagrad")
    return std::make_unique<keisan::AdaGrad<float>>(params, c.lr, with_decay(keisan::AdaGradOptions{}));
  if (c.optimizer == "rmsprop")
    return std::make_unique<keisan::RMSProp<float>>(params, c.lr, with_decay(keisan::RMSPropOptions{}));
  if (c.optimizer == "adam")
    return std::make_unique<keisan::Adam<float>>(params, c.lr, with_decay(keisan::AdamOptions{}));
  return std::make_unique<keisan::SGD<float>>(params, c.lr, with_decay(keisan::SGDOptions{}));
}

/// Images per evaluation pass: 1,000 for the MLP; 100 for the CNNs, whose activations are large
/// (deep-cnn: about 0.4 MB per image).
keisan::Index evaluation_chunk(const Config& c) {
  return c.model == "mlp" ? 1000 : 100;
}

/// Floats a CNN holds per image (every op's output and saved matrices, with as many again for their
/// gradients), and its parameter count: measured on two blank images. An upper bound: conv2d's
/// im2col buffer, counted here per image, stops growing at one chunk of images.
void cnn_footprint(const Config& c, double& params, double& per_image) {
  keisan::Rng rng(c.seed);
  auto net = make_net<float>(c, rng);
  params = 0;
  for (const auto& p : net.parameters()) params += static_cast<double>(p.parameter->value().size());
  keisan::Graph<float> g;
  const keisan::Matrix<float> image = keisan::Matrix<float>::Zero(2, 784);  // two: BatchNorm needs a batch
  (void)net(g.input(image));
  double values = 0;
  for (keisan::Index i = 0; i < static_cast<keisan::Index>(g.size()); ++i) {
    const auto& n = g.node(i);
    values += static_cast<double>(n.own_value.size());
    for (std::size_t k = 0; k < n.num_saved(); ++k) values += static_cast<double>(n.saved(k).size());
  }
  per_image = 2 * values / 2;  // with their gradients, per image
}

bool has_mnist(const std::string& dir) {
  for (const char* stem :
       {"train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"}) {
    const std::string path = dir + "/" + stem;
    std::error_code ec;  // existence only: opening a FIFO to find out would block
    if (!std::filesystem::exists(path, ec) && !std::filesystem::exists(path + ".gz", ec)) return false;
  }
  return true;
}

std::string default_cache_dir() {
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg && *xdg) return std::string(xdg) + "/keisan/mnist";
  if (const char* home = std::getenv("HOME"); home && *home) return std::string(home) + "/.cache/keisan/mnist";
  return "";
}

keisan::Index argmax(const keisan::Matrix<float>& logits, keisan::Index row) {
  keisan::Index arg = 0;
  logits.row(row).maxCoeff(&arg);
  return arg;
}

/// Refuses weights that hold NaN or infinity, naming the tensor (a diverged run's file).
void require_finite(const keisan::StateList<float>& state, const std::string& flag, const std::string& path) {
  for (const auto& t : state)
    if (t.matrix != nullptr && !t.matrix->allFinite()) {
      std::string what = flag;
      what.append(" ").append(path).append(": tensor '").append(t.name).append("' holds NaN or infinity");
      throw std::invalid_argument(what);
    }
}

/// `dir/stem`, or `dir/stem.gz` when only that exists (as load_mnist picks them): for messages.
std::string mnist_file(const std::string& dir, const std::string& stem) {
  const std::string raw = dir + "/" + stem;
  std::error_code ec;
  return std::filesystem::exists(raw, ec) ? raw : raw + ".gz";
}

/// Refuses a data set the network cannot use, naming its file: no images, or images that are not
/// MNIST's 28x28.
void check_images(const Images& set, const std::string& file, const char* role) {
  if (set.size() == 0) throw keisan::FormatError("keisan: " + file + ": holds no images; nothing to " + role);
  if (set.num_features() != 784)
    throw keisan::FormatError("keisan: " + file + ": images of " + std::to_string(set.num_features()) +
                              " pixels; this network takes MNIST's 28x28 = 784");
}

std::string human_bytes(double bytes) {
  const char* units[] = {"bytes", "KB", "MB", "GB", "TB", "PB", "EB"};
  int u = 0;
  while (bytes >= 1000 && u < 6) {
    bytes /= 1000;
    ++u;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, u == 0 ? "%.0f %s" : "%.1f %s", bytes, units[u]);
  return buf;
}

/// Refuses, before anything is allocated, a model or batch this machine cannot hold: the
/// weights, their gradients and the optimizer's state, and the activations of a batch (or of the
/// evaluation chunks), all float, against the machine's physical memory. Also a
/// batch larger than the training set. The MLP is sized from the flags (its layers may be
/// anything); the CNNs, whose weights are fixed and small, by running two images (cnn_footprint).
void check_sizes(const Config& c, keisan::Index train_size) {
  if (c.batch > train_size)
    throw std::invalid_argument("--batch " + std::to_string(c.batch) + " is larger than the training set (" +
                                std::to_string(train_size) + " images)");
  double params = 0, per_image = 0;  // in doubles: 784 x 10^9 x 10^9 must not overflow
  std::string model = "--model " + c.model;
  if (c.model == "mlp") {
    double widths = 0, in = 784;
    for (int h : c.hidden) {
      params += in * h + h;
      widths += h;
      in = h;
    }
    params += in * 10 + 10;
    per_image = 784 + (4 + (c.batchnorm ? 4 : 0) + (c.dropout > 0 ? 3 : 0)) * widths + 40;
    model = "--hidden";
    for (int h : c.hidden) model += " " + std::to_string(h);
  } else {
    cnn_footprint(c, params, per_image);
  }
  const double state = c.optimizer == "adam" ? 2 : c.optimizer == "sgd" ? 0 : 1;
  const double rows = std::max<double>(c.batch, static_cast<double>(evaluation_chunk(c)));
  const double bytes = 4 * (params * (2 + state) + rows * per_image) + (c.gradcheck ? 16 * params : 0);
  const long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
  const double memory = pages > 0 && page > 0 ? static_cast<double>(pages) * static_cast<double>(page) : 0;
  if (memory > 0 && bytes > memory)
    throw std::invalid_argument(
        model + " with --batch " + std::to_string(c.batch) + " needs about " + human_bytes(bytes) +
        " of memory (weights, gradients, optimizer state, activations); this machine has " + human_bytes(memory));
}

/// The Dropout engines' states as checkpoint metadata ("dropout.0.rng", ...), so that --resume
/// draws the masks an uninterrupted run would have drawn (state() holds no engine).
void save_dropout_engines(keisan::Sequential<float>& net, std::map<std::string, std::string>& extra) {
  const auto layers = dropout_layers(net);
  for (std::size_t k = 0; k < layers.size(); ++k) {
    std::ostringstream text;
    text << layers[k]->rng();
    extra["dropout." + std::to_string(k) + ".rng"] = text.str();
  }
}

/// Restores what save_dropout_engines wrote; refuses a checkpoint without it, or with a bad one.
void restore_dropout_engines(keisan::Sequential<float>& net, const std::map<std::string, std::string>& extra,
                             const std::string& path) {
  const auto layers = dropout_layers(net);
  for (std::size_t k = 0; k < layers.size(); ++k) {
    const std::string key = "dropout." + std::to_string(k) + ".rng";
    const auto it = extra.find(key);
    std::istringstream text(it == extra.end() ? std::string() : it->second);
    keisan::Rng engine;
    if (!(text >> engine)) {
      std::string what = "--resume ";
      what.append(path).append(": the checkpoint holds no valid '").append(key);
      what.append("' (the state of dropout layer ").append(std::to_string(k)).append("'s random engine)");
      throw std::invalid_argument(what);
    }
    layers[k]->rng() = engine;
  }
}

}  // namespace

int run(const Config& c) {
  keisan::set_num_threads(c.threads);
  std::string dir = c.data;
  if (dir.empty()) {
    const std::string cache = default_cache_dir();
    if (!cache.empty() && has_mnist(cache)) {
      dir = cache;
    } else {
      dir = KEISAN_MNIST_SUBSET_DIR;
      std::printf(
          "note: full MNIST not found in %s; using the bundled subset (run scripts/fetch-mnist.sh for the full set)\n",
          cache.c_str());
    }
  }
  const bool writer = c.rank == 0;  // under mpirun, rank 0 alone writes files (main.cpp mutes the others' stdout)
  if (writer) {
    check_output_path(c.metrics, "--metrics", Output::in_place);
    check_output_path(c.dot, "--dot", Output::in_place);
    check_output_path(c.save, "--save", Output::replaced);
  }
  const auto mnist = keisan::load_mnist<float, std::uint8_t>(dir);
  check_images(mnist.train, mnist_file(dir, "train-images-idx3-ubyte"), "train on");
  check_images(mnist.test, mnist_file(dir, "t10k-images-idx3-ubyte"), "test on");
  Images first_images;  // --train-limit N: a copy of the first N (else unused)
  if (c.train_limit > 0) {
    if (c.train_limit > mnist.train.size())
      throw std::invalid_argument("--train-limit " + std::to_string(c.train_limit) +
                                  " is larger than the training set (" + std::to_string(mnist.train.size()) +
                                  " images)");
    const keisan::Index n = static_cast<keisan::Index>(c.train_limit);
    first_images = Images(mnist.train.features().topRows(n),
                          std::vector<int>(mnist.train.labels().begin(), mnist.train.labels().begin() + n), 10,
                          mnist.train.scale());
  }
  const Images& train = c.train_limit > 0 ? first_images : mnist.train;
  Images first_tests;  // --test-limit N: the first N test images
  if (c.test_limit > 0) {
    if (c.test_limit > mnist.test.size())
      throw std::invalid_argument("--test-limit " + std::to_string(c.test_limit) + " is larger than the test set (" +
                                  std::to_string(mnist.test.size()) + " images)");
    const keisan::Index n = static_cast<keisan::Index>(c.test_limit);
    first_tests =
        Images(mnist.test.features().topRows(n),
               std::vector<int>(mnist.test.labels().begin(), mnist.test.labels().begin() + n), 10, mnist.test.scale());
  }
  const Images& test = c.test_limit > 0 ? first_tests : mnist.test;
  check_sizes(c, train.size());
  std::printf("data: %s (%lld train, %lld test images) from %s\n",
              mnist.train.size() == 60000 ? "full MNIST" : "MNIST subset", static_cast<long long>(mnist.train.size()),
              static_cast<long long>(mnist.test.size()), dir.c_str());
  if (c.train_limit > 0 || c.test_limit > 0)
    std::printf("using the first %lld training and %lld test images (--train-limit, --test-limit)\n",
                static_cast<long long>(train.size()), static_cast<long long>(test.size()));

  keisan::Rng rng(c.seed);
  auto net = make_net<float>(c, rng);
  auto params = net.parameters();
  if (!c.load.empty()) {  // the model's tensors: from a weights file or a checkpoint (its optimizer ignored)
    check_recorded_flags(keisan::read_safetensors_info(c.load).metadata, c, "--load", c.load, false);
    keisan::load_safetensors(c.load, net.state(), {/*allow_missing=*/false, /*allow_unexpected=*/true});
    require_finite(net.state(), "--load", c.load);
    std::printf("loaded %s\n", c.load.c_str());
  }
  char decay[64] = "";
  if (c.weight_decay > 0) std::snprintf(decay, sizeof decay, ", weight decay %g", c.weight_decay);
  std::printf("model: %s, %s, %s lr %g%s%s, batch %d, %s sampling, seed %llu, %d thread(s)\n", net.describe().c_str(),
              c.activation.c_str(), c.optimizer.c_str(), c.lr, c.lr_schedule == "cosine" ? " cosine to 0" : "", decay,
              c.batch, c.sampler.c_str(), static_cast<unsigned long long>(c.seed), keisan::num_threads());
  // Micro-batches per optimizer step: --accumulate K in one process, or one per process under
  // mpirun. Part k of every global batch is rows [k*B/parts, (k+1)*B/parts) (keisan::batch_part).
  const int parts = c.processes > 1 ? c.processes : c.accumulate;
  if (parts > 1 && c.processes > 1)
    std::printf("data-parallel: %d processes, %s allreduce, each %d rows of every batch of %d\n", c.processes,
                c.allreduce.c_str(), c.batch / parts, c.batch);
  else if (parts > 1)
    std::printf("gradient accumulation: %d micro-batches of %d rows per step of %d\n", parts, c.batch / parts, c.batch);
  if (c.gradcheck && !run_gradcheck(c, net, train)) return 1;

  auto opt = make_optimizer(c, params);
  const keisan::Sampling mode = c.sampler == "replacement" ? keisan::Sampling::replacement : keisan::Sampling::shuffle;
  keisan::MinibatchSampler sampler(train.size(), c.batch, {mode, false, c.seed});
  const int epochs = c.epochs >= 0
                         ? c.epochs
                         : static_cast<int>((10000 + sampler.batches_per_epoch() - 1) / sampler.batches_per_epoch());
  // The rate of optimizer step t (0-based; opt->steps() is saved, so a resumed run continues the
  // same curve). cosine anneals over the steps of all --epochs, which the checkpoint records.
  const keisan::CosineLR cosine(c.lr, std::max<std::int64_t>(1, std::int64_t{epochs} * sampler.batches_per_epoch()));
  // What checkpoints record and a resume is checked against: the epoch count resolved, so a run
  // with the automatic count and one that names the same number aim cosine at the same end.
  Config recorded = c;
  recorded.epochs = epochs;
  const auto set_rate = [&] {
    if (c.lr_schedule == "cosine") cosine.apply(*opt, opt->steps());
  };
  std::int64_t total_steps = 0;
  if (!c.resume.empty()) {  // everything where the file left it: weights, optimizer, sampler, step
    check_recorded_flags(keisan::read_safetensors_info(c.resume).metadata, recorded, "--resume", c.resume, true);
    const keisan::CheckpointInfo info = keisan::load_checkpoint(c.resume, net.state(), opt->state());
    require_finite(net.state(), "--resume", c.resume);
    if (!info.sampler)
      throw std::invalid_argument("--resume " + c.resume + ": the checkpoint holds no sampler position");
    sampler.restore(*info.sampler);
    restore_dropout_engines(net, info.extra, c.resume);
    total_steps = info.step;
    std::printf("resumed %s at epoch %lld, step %lld\n", c.resume.c_str(), static_cast<long long>(info.epoch),
                static_cast<long long>(info.step));
  }
#ifdef KEISAN_MNIST_MPI
  std::optional<keisan::dist::GradientAllreduce<float>> reducer;  // mpirun -np P > 1
  if (c.processes > 1) {
    // Rank 0's weights and optimizer state everywhere (all ranks drew or loaded the same ones
    // already; this makes sure), then the one flat buffer the gradients are summed through,
    // with three extras: the micro-batch's loss, its hits, and a Ctrl-C flag all ranks agree on.
    const keisan::dist::Communicator world;
    keisan::dist::broadcast(world, net.state());
    keisan::dist::broadcast(world, opt->state());
    reducer.emplace(
        world, params,
        c.allreduce == "deterministic" ? keisan::dist::Reduction::deterministic : keisan::dist::Reduction::fast, 3);
  }
#endif
  std::optional<keisan::GradientAccumulator<float>> accumulator;  // --accumulate K > 1
  if (c.accumulate > 1) accumulator.emplace(params);
  const auto write_checkpoint = [&](const std::string& path) {
    keisan::CheckpointInfo info;
    info.epoch = sampler.epoch();
    info.step = total_steps;
    info.seed = c.seed;
    info.sampler = sampler.state();
    info.extra = run_metadata(recorded);
    info.extra.erase("seed");  // the checkpoint's own "seed" says it
    save_dropout_engines(net, info.extra);
    keisan::save_checkpoint(path, net.state(), opt->state(), info);
  };
  std::ofstream metrics;
  if (writer && !c.metrics.empty()) {
    metrics.open(c.metrics);
    if (!metrics) throw keisan::FormatError("keisan: " + c.metrics + ": cannot open for writing");
    metrics << "epoch,train_loss,train_acc,test_acc,seconds,lr\n";
    if (!metrics.flush()) throw keisan::FormatError("keisan: " + c.metrics + ": write failed");
  }

  keisan::Graph<float> g;
  g.set_detect_anomaly(c.detect_anomaly);
  keisan::Evaluator<float> evaluator(evaluation_chunk(c));
  keisan::Batch<float> batch;
  std::vector<keisan::Index> idx, micro;
  micro.reserve(static_cast<std::size_t>(c.batch));
  catch_interrupt();
  net.train();  // batch statistics and dropout while training (the Evaluator switches to eval and back)
  // An epoch the sampler has begun and not finished (a resumed mid-epoch checkpoint) is finished
  // first; then new epochs up to `epochs` in all.
  const bool mid_epoch = sampler.epoch() > 0 && sampler.state().produced < sampler.batches_per_epoch();
  for (auto epoch = mid_epoch ? sampler.epoch() : sampler.epoch() + 1; epoch <= epochs; ++epoch) {
    const auto t0 = Clock::now();
    if (epoch != sampler.epoch()) sampler.begin_epoch();
    const keisan::Index done_before = sampler.state().produced;
    Progress progress(static_cast<int>(epoch), epochs, sampler.batches_per_epoch() - done_before, c.batch);
    double loss_sum = 0;
    keisan::Index hits = 0, seen = 0, steps = 0;
    while (sampler.next(idx)) {
      bool stop = false;
      if (parts == 1) {  // one batch per step, one process
        train.gather(idx, batch);
        g.clear();
        opt->zero_grad();
        auto logits = net(g.input(batch.x));
        auto loss = keisan::softmax_cross_entropy(logits, batch.labels);
        g.backward(loss);
        set_rate();
        opt->step();
        ++total_steps;
        loss_sum += static_cast<double>(loss.value()(0, 0));
        for (keisan::Index i = 0; i < logits.rows(); ++i)
          hits += argmax(logits.value(), i) == batch.labels[static_cast<std::size_t>(i)];
        seen += logits.rows();
        stop = interrupted(static_cast<long long>(total_steps));
      } else {
        // Micro-batches: each one's mean-loss gradient alone, then their mean in micro-batch
        // order (a last short batch that does not split evenly: weighted by rows). One process
        // runs them all and sums with the accumulator; under mpirun rank r runs micro-batch r and
        // the allreduce sums over ranks, in rank order in deterministic mode: the same float
        // additions, so the same bits.
        const auto rows = static_cast<keisan::Index>(idx.size());
        const bool even = rows % parts == 0;
        const float divisor = static_cast<float>(even ? parts : rows);
        const int first = c.processes > 1 ? c.rank : 0, last = c.processes > 1 ? c.rank + 1 : parts;
        float loss_part = 0, hits_part = 0, weight = 1;
        for (int k = first; k < last; ++k) {
          const keisan::RowRange r = keisan::batch_part(rows, k, parts);
          weight = even ? 1.0F : static_cast<float>(r.size());
          opt->zero_grad();
          float micro_loss = 0, micro_hits = 0;
          if (r.size() > 0) {  // a short last batch may leave a micro-batch empty: zero gradient
            micro.assign(idx.begin() + r.begin, idx.begin() + r.end);
            train.gather(micro, batch);
            g.clear();
            auto logits = net(g.input(batch.x));
            auto loss = keisan::softmax_cross_entropy(logits, batch.labels);
            g.backward(loss);
            micro_loss = loss.value()(0, 0);
            for (keisan::Index i = 0; i < logits.rows(); ++i)
              micro_hits += argmax(logits.value(), i) == batch.labels[static_cast<std::size_t>(i)] ? 1.0F : 0.0F;
          }
          if (accumulator) accumulator->add(weight);
          loss_part = k == first ? weight * micro_loss : loss_part + weight * micro_loss;
          hits_part += micro_hits;
        }
        if (accumulator) {
          accumulator->store(divisor);
        }
#ifdef KEISAN_MNIST_MPI
        else {
          float* extras = reducer->extras();
          extras[0] = loss_part;
          extras[1] = hits_part;
          extras[2] = interrupted(static_cast<long long>(total_steps) + 1) ? 1.0F : 0.0F;  // agreed by all
          reducer->reduce(weight, divisor);
          loss_part = extras[0];
          hits_part = extras[1];
          stop = extras[2] > 0;
        }
#endif
        set_rate();
        opt->step();
        ++total_steps;
        loss_sum += static_cast<double>(loss_part / divisor);
        hits += static_cast<keisan::Index>(hits_part);
        seen += rows;
        if (c.processes == 1) stop = interrupted(static_cast<long long>(total_steps));
      }
      check_failure_hook(static_cast<long long>(total_steps), c.rank);
      ++steps;
      progress.update(steps, loss_sum / static_cast<double>(steps));
      if (stop) {  // the step is complete: save it, say how to go on
        progress.finish();
        const std::string path = c.save.empty() ? "interrupted.safetensors" : c.save;
        if (writer) write_checkpoint(path);
        std::printf("interrupted in epoch %lld after step %lld: wrote %s\nresume with: %s\n",
                    static_cast<long long>(epoch), static_cast<long long>(total_steps), path.c_str(),
                    resume_command(c, path).c_str());
        std::fflush(stdout);
        return 130;
      }
    }
    progress.finish();
    const double train_loss = loss_sum / static_cast<double>(steps);
    const double train_acc = static_cast<double>(hits) / static_cast<double>(seen);
    const double seconds = std::chrono::duration<double>(Clock::now() - t0).count();
    const double test_acc = evaluator.accuracy(net, test);
    std::printf("epoch %2lld  train loss %.4f  train acc %.4f  test acc %.4f  %.2fs\n", static_cast<long long>(epoch),
                train_loss, train_acc, test_acc, seconds);
    std::fflush(stdout);
    if (metrics.is_open()) {  // flushed each epoch: a run cut short keeps the epochs it finished
      // lr: the rate of the epoch's last step (with --lr-schedule cosine, lr_at(steps so far - 1))
      metrics << epoch << ',' << train_loss << ',' << train_acc << ',' << test_acc << ',' << seconds << ','
              << opt->learning_rate() << '\n';
      if (!metrics.flush()) throw keisan::FormatError("keisan: " + c.metrics + ": write failed");
    }
    if (writer && c.checkpoint_every > 0 && epoch % c.checkpoint_every == 0 && epoch < epochs) {
      write_checkpoint(c.save);
      std::printf("checkpoint: wrote %s (epoch %lld)\n", c.save.c_str(), static_cast<long long>(epoch));
    }
  }

  if (writer && !c.dot.empty()) {  // one step's graph, values and gradient norms included
    train.slice(0, std::min<keisan::Index>(c.batch, train.size()), batch);
    g.clear();
    g.backward(keisan::softmax_cross_entropy(net(g.input(batch.x)), batch.labels));
    std::ofstream dot(c.dot);
    if (!dot) throw keisan::FormatError("keisan: " + c.dot + ": cannot open for writing");
    dot << keisan::to_dot(g, {true}, net.parameters());
    dot.close();  // a full disk shows here, not in the destructor
    if (!dot) throw keisan::FormatError("keisan: " + c.dot + ": write failed");
    std::printf("wrote the graph of one training step to %s (render: dot -Tpng %s -o graph.png)\n", c.dot.c_str(),
                c.dot.c_str());
  }
  std::vector<std::vector<long>> confusion(10, std::vector<long>(10, 0));
  const std::vector<int>& predicted = evaluator.predict(net, test);
  keisan::Index hits = 0;
  for (std::size_t i = 0; i < predicted.size(); ++i) {
    const int truth = test.labels()[i];
    hits += predicted[i] == truth;
    ++confusion[static_cast<std::size_t>(truth)][static_cast<std::size_t>(predicted[i])];
  }
  const double accuracy = static_cast<double>(hits) / static_cast<double>(predicted.size());
  std::printf("test accuracy: %.4f\n", accuracy);
  std::printf("confusion matrix (rows: true digit, columns: predicted)\n     ");
  for (int p = 0; p < 10; ++p) std::printf("%6d", p);
  std::printf("\n");
  for (int t = 0; t < 10; ++t) {
    std::printf("%5d", t);
    for (int p = 0; p < 10; ++p)
      std::printf("%6ld", confusion[static_cast<std::size_t>(t)][static_cast<std::size_t>(p)]);
    std::printf("\n");
  }
  if (writer && !c.save.empty()) {  // a checkpoint: the weights, the optimizer, and where training stands
    write_checkpoint(c.save);
    std::printf("saved %s\n", c.save.c_str());
  }
  return 0;
}

}  // namespace mnist_example
