// keisan benchmarks: why backprop exists. The full gradient of the book net (784-h-10, sigmoid,
// softmax-CE, one batch of 100) by backprop, and by central differences (2 forward passes per
// parameter), for h = 2 ... 200. The numerical side runs keisan's fastest forward path (no-grad
// scope, reused buffers) on an evenly strided subset of the parameters and is scaled to all P.
// SPDX-License-Identifier: MIT
#include <chrono>

#include "workloads.hpp"

namespace {

struct GradientCase {
  keisan::Sequential<float> net;
  keisan::ParameterList<float> params;
  keisan::Dataset<float> data;
  keisan::Batch<float> batch;
  keisan::Graph<float> g;
  explicit GradientCase(keisan::Index hidden)
      : net(bench::make_net({784, hidden, 10}, false, 42)),
        params(net.parameters()),
        data(bench::make_data<float>(784, 100, 5)) {
    data.slice(0, 100, batch);
  }
  keisan::Var<float> loss(keisan::Graph<float>& graph) {
    return keisan::softmax_cross_entropy(net(graph.input(batch.x)), batch.labels);
  }
  void backprop() {
    g.clear();
    for (auto& p : params) p.parameter->zero_grad();
    g.backward(loss(g));
  }
  keisan::Index parameter_count() const {
    keisan::Index p = 0;
    for (const auto& np : params) p += np.parameter->size();
    return p;
  }
};

void BM_GradientBackprop(benchmark::State& state) {
  GradientCase c(state.range(0));
  c.backprop();
  for (auto _ : state) {
    c.backprop();
    benchmark::DoNotOptimize(c.params.front().parameter->grad().data());
  }
  state.counters["params"] = static_cast<double>(c.parameter_count());
}

void BM_GradientNumerical(benchmark::State& state) {
  constexpr keisan::Index subset = 64;  // elements actually differentiated per iteration
  GradientCase c(state.range(0));
  const keisan::Index p = c.parameter_count();
  auto build = [&](keisan::Graph<float>& graph) { return c.loss(graph); };
  auto f = keisan::forward_loss(c.g, build);
  // Elements (parameter, index) evenly strided over all P.
  std::vector<float*> elements;
  const keisan::Index stride = p / subset;
  keisan::Index flat = 0;
  for (auto& np : c.params)
    for (keisan::Index i = 0; i < np.parameter->size(); ++i, ++flat)
      if (flat % stride == 0 && static_cast<keisan::Index>(elements.size()) < subset)
        elements.push_back(np.parameter->value().data() + i);
  const auto n = static_cast<double>(elements.size());
  // Backprop on the same case, timed here too, so the ratio is a counter of this benchmark.
  const auto b0 = std::chrono::steady_clock::now();
  for (int i = 0; i < 20; ++i) c.backprop();
  const double backprop = std::chrono::duration<double>(std::chrono::steady_clock::now() - b0).count() / 20;
  double total = 0;
  for (auto _ : state) {
    const auto t0 = std::chrono::steady_clock::now();
    for (float* e : elements) benchmark::DoNotOptimize(keisan::numerical_derivative(f, *e, 1e-2f));
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    state.SetIterationTime(seconds * static_cast<double>(p) / n);  // scaled to the full gradient
    total += seconds * static_cast<double>(p) / n;
  }
  state.counters["ratio_vs_backprop"] = total / static_cast<double>(state.iterations()) / backprop;
  state.counters["params"] = static_cast<double>(p);
  state.counters["measured_elements"] = n;
  state.SetLabel("central differences on " + std::to_string(elements.size()) + " of " + std::to_string(p) +
                 " parameters, time scaled to all");
}

}  // namespace

// hidden = 2: 784-2-10 has 1,600 parameters, about the size of the source article's model (its
// "backprop is about 1600x faster").
BENCHMARK(BM_GradientBackprop)
    ->Arg(2)
    ->Arg(10)
    ->Arg(50)
    ->Arg(100)
    ->Arg(200)
    ->ArgName("hidden")
    ->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_GradientNumerical)
    ->Arg(2)
    ->Arg(10)
    ->Arg(50)
    ->Arg(100)
    ->Arg(200)
    ->ArgName("hidden")
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);
BENCHMARK_MAIN();
