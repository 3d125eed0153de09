// keisan benchmarks: one full training step (gather batch, forward, backward, SGD update, clear)
// on W1 and W2, beside the raw GEMM floor of the same step (Eigen's GEMM and OpenBLAS's), and
// the heap allocations per steady-state step (must be 0).
// SPDX-License-Identifier: MIT
#include "support/alloc_counter.hpp"
// (alloc_counter.hpp first: it configures Eigen)
#include "workloads.hpp"

namespace {

void set_flops(benchmark::State& state, const bench::Workload& w) {
  state.counters["GFLOP/s"] =
      benchmark::Counter(bench::step_flops(w.sizes, w.batch) * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
  state.SetItemsProcessed(state.iterations() * w.batch);
  state.SetLabel(w.name);
}

void BM_TrainStep(benchmark::State& state) {
  const bench::Workload& w = bench::workload(static_cast<int>(state.range(0)));
  auto net = bench::make_net(w.sizes, w.relu, 42);
  const auto data = bench::make_data(w.sizes.front(), w.batch, 7);
  keisan::SGD<float> opt(net.parameters(), 0.1);
  keisan::MinibatchSampler sampler(data.size(), w.batch, {keisan::Sampling::shuffle, true, 3});
  keisan::Graph<float> g;
  keisan::Batch<float> batch;
  std::vector<keisan::Index> idx;
  auto step = [&] {
    if (!sampler.next(idx)) {
      sampler.begin_epoch();
      sampler.next(idx);
    }
    data.gather(idx, batch);
    g.clear();
    opt.zero_grad();
    g.backward(keisan::softmax_cross_entropy(net(g.input(batch.x)), batch.labels));
    opt.step();
  };
  step();
  const long allocs = keisan::test::count_allocations([&] {
    for (int i = 0; i < 20; ++i) step();
  });
  for (auto _ : state) step();
  state.counters["allocs_per_step"] = static_cast<double>(allocs) / 20.0;
  set_flops(state, w);
}

void BM_EigenFloor(benchmark::State& state) {
  const bench::Workload& w = bench::workload(static_cast<int>(state.range(0)));
  bench::Floor floor(w.sizes, w.batch);
  for (auto _ : state) {
    floor.eigen_step();
    benchmark::DoNotOptimize(floor.dw.front().data());
    benchmark::ClobberMemory();
  }
  set_flops(state, w);
}

#if defined(KEISAN_BENCH_HAS_CBLAS)
void BM_BlasFloor(benchmark::State& state) {
  const bench::Workload& w = bench::workload(static_cast<int>(state.range(0)));
  bench::Floor floor(w.sizes, w.batch);
  for (auto _ : state) {
    floor.blas_step();
    benchmark::DoNotOptimize(floor.dw.front().data());
    benchmark::ClobberMemory();
  }
  set_flops(state, w);
}
BENCHMARK(BM_BlasFloor)->Arg(1)->Arg(2)->ArgName("W");
#endif

}  // namespace

BENCHMARK(BM_TrainStep)->Arg(1)->Arg(2)->ArgName("W");
BENCHMARK(BM_EigenFloor)->Arg(1)->Arg(2)->ArgName("W");
BENCHMARK_MAIN();
