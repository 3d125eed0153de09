// keisan benchmarks: one full training step (gather batch, forward, backward, SGD update, clear)
// on W1 and W2, beside the raw GEMM floor of the same step (Eigen's GEMM, OpenBLAS's, and BLIS's
// and oneDNN's when installed, and keisan's own product), and the heap allocations per steady-state step (must be 0).
// SPDX-License-Identifier: MIT
#include "support/alloc_counter.hpp"
// (alloc_counter.hpp first: it configures Eigen)
#include <immintrin.h>

#include "workloads.hpp"

namespace {

void set_flops(benchmark::State& state, const bench::Workload& w) {
  state.counters["GFLOP/s"] =
      benchmark::Counter(bench::step_flops(w.sizes, w.batch) * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
  state.SetItemsProcessed(state.iterations() * w.batch);
  state.SetLabel(w.name);
}

void BM_TrainStep(benchmark::State& state, keisan::GemmKernel kernel) {
  const keisan::GemmKernelScope scope(kernel);
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

/// The floor through keisan::detail::gemm, the products BM_TrainStep runs (faster than every
/// library's floor where keisan splits off oneDNN's remainder columns, or mixes the kernels).
void BM_KeisanGemmFloor(benchmark::State& state, keisan::GemmKernel kernel) {
  const keisan::GemmKernelScope scope(kernel);
  const bench::Workload& w = bench::workload(static_cast<int>(state.range(0)));
  bench::Floor floor(w.sizes, w.batch);
  keisan::detail::GemmWorkspace<float> ws;
  for (auto _ : state) {
    floor.keisan_step(ws);
    benchmark::DoNotOptimize(floor.dw.front().data());
    benchmark::ClobberMemory();
  }
  set_flops(state, w);
}

/// The core's peak: independent chains of fused multiply-adds on the widest vectors this build
/// has (AVX-512, else AVX2 + FMA), in registers, nothing else. The ceiling any GEMM here can
/// reach on one thread, stated beside the floors.
void BM_PeakFlops(benchmark::State& state) {
#if defined(__AVX512F__)
  using Vec = __m512;
  constexpr int width = 16;
  const auto fma = [](Vec a, Vec b, Vec c) { return _mm512_fmadd_ps(a, b, c); };
  const Vec a = _mm512_set1_ps(0.999f), b = _mm512_set1_ps(1e-3f);
#elif defined(__FMA__)
  using Vec = __m256;
  constexpr int width = 8;
  const auto fma = [](Vec a, Vec b, Vec c) { return _mm256_fmadd_ps(a, b, c); };
  const Vec a = _mm256_set1_ps(0.999f), b = _mm256_set1_ps(1e-3f);
#else
  state.SkipWithError("built without FMA (needs -march with AVX2 + FMA)");
  return;
#endif
#if defined(__AVX512F__) || defined(__FMA__)
  constexpr int chains = 12, rounds = 1000;  // 12 chains hide the FMA latency on two ports
  Vec acc[chains];
  for (auto& v : acc) v = b;
  for (auto _ : state) {
    for (int r = 0; r < rounds; ++r)
      for (auto& v : acc) v = fma(v, a, b);
    for (auto& v : acc) benchmark::DoNotOptimize(v);
  }
  state.counters["GFLOP/s"] =
      benchmark::Counter(2.0 * width * chains * rounds * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
  state.SetLabel(width == 16 ? "AVX-512" : "AVX2");
#endif
}
BENCHMARK(BM_PeakFlops);

/// The floor through another library's sgemm (registered in main for each one installed).
void BM_LibraryFloor(benchmark::State& state, bench::Sgemm sgemm) {
  const bench::Workload& w = bench::workload(static_cast<int>(state.range(0)));
  bench::Floor floor(w.sizes, w.batch);
  for (auto _ : state) {
    floor.step(sgemm);
    benchmark::DoNotOptimize(floor.dw.front().data());
    benchmark::ClobberMemory();
  }
  set_flops(state, w);
}

}  // namespace

BENCHMARK(BM_EigenFloor)->Arg(1)->Arg(2)->ArgName("W");

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  // The step and keisan's own products as a user gets them (the kernel chosen per product), and,
  // in a build with oneDNN, with every product forced onto one kernel: /eigen, /onednn.
  struct Kernel {
    std::string suffix;
    keisan::GemmKernel kernel;
  };
  std::vector<Kernel> kernels{{"", keisan::GemmKernel::automatic}};
  if (keisan::has_onednn())
    kernels.insert(kernels.end(), {{"/eigen", keisan::GemmKernel::eigen}, {"/onednn", keisan::GemmKernel::onednn}});
  for (const auto& [suffix, kernel] : kernels) {
    benchmark::RegisterBenchmark(("BM_TrainStep" + suffix).c_str(), BM_TrainStep, kernel)->Arg(1)->Arg(2)->ArgName("W");
    benchmark::RegisterBenchmark(("BM_KeisanGemmFloor" + suffix).c_str(), BM_KeisanGemmFloor, kernel)
        ->Arg(1)
        ->Arg(2)
        ->ArgName("W");
  }
  for (const auto& lib : bench::gemm_libraries())
    benchmark::RegisterBenchmark(("BM_LibraryFloor/" + lib.name).c_str(), BM_LibraryFloor, lib.sgemm)
        ->Arg(1)
        ->Arg(2)
        ->ArgName("W");
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
}
