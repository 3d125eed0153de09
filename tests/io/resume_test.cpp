// keisan tests: training stopped and resumed from a checkpoint ends bit-identical to the run that
// was never stopped — every optimizer, both sampling modes, at an epoch boundary and mid-epoch.
// SPDX-License-Identifier: MIT
#include <cstring>
#include <functional>
#include <keisan/io/checkpoint.hpp>
#include <memory>

#include "support/helpers.hpp"
#include "support/synthetic.hpp"
#include "support/temp_dir.hpp"

namespace {
using keisan::Index;
using Net = keisan::Sequential<float>;
using MakeOptimizer = std::function<std::unique_ptr<keisan::Optimizer<float>>(const keisan::ParameterList<float>&)>;

constexpr Index total_epochs = 3;

struct Run {
  Net net;
  std::unique_ptr<keisan::Optimizer<float>> opt;
  keisan::MinibatchSampler sampler;
  keisan::Graph<float> graph;
  keisan::Batch<float> batch;
  std::vector<Index> idx;
  std::int64_t steps = 0;

  Run(std::uint64_t init_seed, const MakeOptimizer& make, keisan::Sampling mode, Index n)
      : net(keisan::test::small_net<float>(init_seed)), sampler(n, 32, {mode, false, /*seed=*/77}) {
    opt = make(net.parameters());
  }

  /// Trains until `total_epochs` are done, or until `stop_after` steps in all (-1: no stop).
  void train(const keisan::Dataset<float>& data, std::int64_t stop_after = -1) {
    for (;;) {
      while (sampler.next(idx)) {
        data.gather(idx, batch);
        graph.clear();
        opt->zero_grad();
        graph.backward(keisan::softmax_cross_entropy(net(graph.input(batch.x)), batch.labels));
        opt->step();
        if (++steps == stop_after) return;
      }
      if (sampler.epoch() >= total_epochs) return;
      sampler.begin_epoch();
    }
  }

  void save(const std::string& path) {
    keisan::CheckpointInfo info;
    info.epoch = sampler.epoch();
    info.step = steps;
    info.seed = 77;
    info.sampler = sampler.state();
    keisan::save_checkpoint(path, net.state(), opt->state(), info);
  }

  void resume(const std::string& path) {
    const keisan::CheckpointInfo info = keisan::load_checkpoint(path, net.state(), opt->state());
    REQUIRE(info.sampler.has_value());
    sampler.restore(*info.sampler);
    steps = info.step;
  }
};

bool bit_identical(const keisan::Matrix<float>& a, const keisan::Matrix<float>& b) {
  return a.rows() == b.rows() && a.cols() == b.cols() &&
         std::memcmp(a.data(), b.data(), static_cast<std::size_t>(a.size()) * sizeof(float)) == 0;
}
}  // namespace

TEST_CASE("Checkpoints: a resumed run ends bit-identical to the uninterrupted one", "[io][optim][data]") {
  const auto data = keisan::test::xor_blobs<float>(200, 41);  // 7 batches of 32 per epoch (the last 8)
  const std::vector<std::pair<const char*, MakeOptimizer>> optimizers{
      {"sgd", [](const auto& p) { return std::make_unique<keisan::SGD<float>>(p, 0.1); }},
      {"momentum",
       [](const auto& p) {
         keisan::SGDOptions o;
         o.momentum = 0.9;
         return std::make_unique<keisan::SGD<float>>(p, 0.05, o);
       }},
      {"adagrad", [](const auto& p) { return std::make_unique<keisan::AdaGrad<float>>(p, 0.1); }},
      {"rmsprop", [](const auto& p) { return std::make_unique<keisan::RMSProp<float>>(p, 0.01); }},
      {"adam", [](const auto& p) { return std::make_unique<keisan::Adam<float>>(p, 0.01); }},
  };
  keisan::test::TempDir dir;
  for (const auto& [name, make] : optimizers) {
    for (const auto mode : {keisan::Sampling::shuffle, keisan::Sampling::replacement}) {
      Run straight(1, make, mode, data.size());
      straight.train(data);
      const Index per_epoch = straight.sampler.batches_per_epoch();
      for (const std::int64_t stop : {per_epoch, per_epoch + 3}) {  // at an epoch boundary, mid-epoch
        INFO(name << (mode == keisan::Sampling::shuffle ? " shuffle" : " replacement") << ", stopped after " << stop
                  << " steps");
        Run first(1, make, mode, data.size());
        first.train(data, stop);
        const std::string path = dir.file(std::string(name) + ".safetensors");
        first.save(path);
        Run second(999, make, mode, data.size());  // other initial weights: all must come from the file
        second.resume(path);
        second.train(data);
        REQUIRE(second.steps == straight.steps);
        const auto a = straight.net.state(), b = second.net.state();
        for (std::size_t i = 0; i < a.size(); ++i) {
          INFO(a[i].name);
          REQUIRE(bit_identical(*a[i].matrix, *b[i].matrix));
        }
        const auto sa = straight.opt->state(), sb = second.opt->state();
        for (std::size_t i = 0; i < sa.size(); ++i) {
          INFO(sa[i].name);
          if (sa[i].is_integer())
            REQUIRE(*sa[i].integer == *sb[i].integer);
          else
            REQUIRE(bit_identical(*sa[i].matrix, *sb[i].matrix));
        }
        REQUIRE(second.sampler.state() == straight.sampler.state());
      }
    }
  }
}
