// keisan benchmarks: the CNN workloads W4 (the book's SimpleConvNet) and W5 (its DeepConvNet),
// one full Adam training step each beside the raw GEMM floor of the same step, with the heap
// allocations per steady-state step (must be 0); and every conv layer alone, im2col + GEMM +
// col2im through keisan against the same layer's three GEMMs in raw Eigen (the ratio per layer).
// SPDX-License-Identifier: MIT
#include "support/alloc_counter.hpp"
// (alloc_counter.hpp first: it configures Eigen)
#include "workloads.hpp"

namespace {

using keisan::Index;
using keisan::Matrix;

/// One conv layer of a workload: its input image, kernel, padding and filters (stride 1).
struct ConvSpec {
  Index h, w, c;  // input image
  Index k, pad, filters;
  Index oh() const { return h + 2 * pad - k + 1; }
  Index ow() const { return w + 2 * pad - k + 1; }
  Index rows(Index batch) const { return batch * oh() * ow(); }  // the GEMM's M
  Index depth() const { return k * k * c; }                      // the GEMM's K
};

struct CnnWorkload {
  const char* name;
  std::vector<ConvSpec> convs;
  std::vector<Index> pool_after;  // conv indices followed by a 2x2/2 max-pool
  std::vector<Index> affine;      // widths, the flattened features first
  keisan::Init init;              // every layer's weights
  bool dropout;                   // Dropout 0.5 after the hidden Affine's ReLU and after the last Affine
  Index batch;
};

/// W4 SimpleConvNet: conv 30@5x5 (pad 0) -> ReLU -> max-pool 2x2/2 -> Affine 100 -> ReLU ->
/// Affine 10, softmax-CE, 28x28x1 input, Adam lr 0.001, batch 100; weights 0.01 * N(0, 1) as in
/// the book.
const CnnWorkload W4{"W4", {{28, 28, 1, 5, 0, 30}}, {0}, {12 * 12 * 30, 100, 10}, keisan::Init::book, false, 100};
/// W5 DeepConvNet: six 3x3 convs 16,16,32,32,64,64 (pad 1, the 4th pad 2), ReLU after each,
/// max-pool 2x2/2 after the 2nd, 4th, 6th -> Affine 50 -> ReLU -> Dropout 0.5 -> Affine 10 ->
/// Dropout 0.5, He init, Adam lr 0.001, batch 100.
const CnnWorkload W5{"W5",
                     {{28, 28, 1, 3, 1, 16},
                      {28, 28, 16, 3, 1, 16},
                      {14, 14, 16, 3, 1, 32},
                      {14, 14, 32, 3, 2, 32},
                      {8, 8, 32, 3, 1, 64},
                      {8, 8, 64, 3, 1, 64}},
                     {1, 3, 5},
                     {4 * 4 * 64, 50, 10},
                     keisan::Init::he,
                     true,
                     100};
const CnnWorkload& cnn_workload(Index i) {
  return i == 4 ? W4 : W5;
}

bool pools_after(const CnnWorkload& w, Index layer) {
  for (Index p : w.pool_after)
    if (p == layer) return true;
  return false;
}

/// FLOPs of one conv layer's GEMMs: forward col*W, dW = col^T dY and (unless the layer reads the
/// network's input, which needs no gradient) dcol = dY W^T.
double conv_flops(const ConvSpec& s, Index batch, bool first) {
  const double gemm = 2.0 * static_cast<double>(s.rows(batch) * s.depth() * s.filters);
  return (first ? 2 : 3) * gemm;
}

double cnn_step_flops(const CnnWorkload& w) {
  double f = 0;
  for (std::size_t l = 0; l < w.convs.size(); ++l) f += conv_flops(w.convs[l], w.batch, l == 0);
  for (std::size_t l = 0; l + 1 < w.affine.size(); ++l)
    f += 3 * 2.0 * static_cast<double>(w.batch * w.affine[l] * w.affine[l + 1]);  // the first has dX too
  return f;
}

keisan::Sequential<float> make_cnn(const CnnWorkload& w, std::uint64_t seed) {
  keisan::Rng rng(seed);
  keisan::Sequential<float> net;
  for (std::size_t l = 0; l < w.convs.size(); ++l) {
    const ConvSpec& s = w.convs[l];
    net.add(keisan::Conv2D<float>(s.c, s.filters, s.k, s.k, 1, s.pad, w.init, rng)).add(keisan::ReLU<float>());
    if (pools_after(w, static_cast<Index>(l))) net.add(keisan::MaxPool2D<float>(2, 2));
  }
  net.add(keisan::Flatten<float>());
  net.add(keisan::Affine<float>(w.affine[0], w.affine[1], w.init, rng)).add(keisan::ReLU<float>());
  if (w.dropout) net.add(keisan::Dropout<float>(0.5, seed + 1));
  net.add(keisan::Affine<float>(w.affine[1], w.affine[2], w.init, rng));
  if (w.dropout) net.add(keisan::Dropout<float>(0.5, seed + 2));
  return net;
}

void set_counters(benchmark::State& state, const CnnWorkload& w) {
  state.counters["GFLOP/s"] =
      benchmark::Counter(cnn_step_flops(w) * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
  state.SetItemsProcessed(state.iterations() * w.batch);
  state.SetLabel(w.name);
}

/// One full step: sample, gather 100 images, forward, backward, Adam update, clear.
void BM_CnnStep(benchmark::State& state) {
  const CnnWorkload& w = cnn_workload(state.range(0));
  auto net = make_cnn(w, 42);
  const auto data = bench::make_data(28 * 28, w.batch, 7);
  keisan::Adam<float> opt(net.parameters(), 0.001);
  keisan::MinibatchSampler sampler(data.size(), w.batch, {keisan::Sampling::shuffle, true, 3});
  keisan::Graph<float> g;
  keisan::Batch<float> batch;
  std::vector<Index> idx;
  auto step = [&] {
    if (!sampler.next(idx)) {
      sampler.begin_epoch();
      sampler.next(idx);
    }
    data.gather(idx, batch);
    g.clear();
    opt.zero_grad();
    g.backward(keisan::softmax_cross_entropy(net(g.input(batch.x, {28, 28, 1})), batch.labels));
    opt.step();
  };
  step();
  const long allocs = keisan::test::count_allocations([&] {
    for (int i = 0; i < 20; ++i) step();
  });
  for (auto _ : state) step();
  state.counters["allocs_per_step"] = static_cast<double>(allocs) / 20.0;
  set_counters(state, w);
}

/// The GEMMs of one conv layer, preallocated: out = col W, dW = col^T dY, dcol = dY W^T.
struct ConvGemms {
  Matrix<float> col, w, out, dy, dw, dcol;
  bool first;
  ConvGemms(const ConvSpec& s, Index batch, bool first_layer)
      : col(Matrix<float>::Constant(s.rows(batch), s.depth(), 0.5f)),
        w(Matrix<float>::Constant(s.depth(), s.filters, 0.01f)),
        out(s.rows(batch), s.filters),
        dy(Matrix<float>::Constant(s.rows(batch), s.filters, 0.01f)),
        dw(s.depth(), s.filters),
        dcol(s.rows(batch), s.depth()),
        first(first_layer) {}
  void eigen() {
    out.noalias() = col * w;
    dw.noalias() = col.transpose() * dy;
    if (!first) dcol.noalias() = dy * w.transpose();
  }
#if defined(KEISAN_BENCH_HAS_CBLAS)
  void blas() {
    bench::Floor::sgemm(false, false, col, w, out);
    bench::Floor::sgemm(true, false, col, dy, dw);
    if (!first) bench::Floor::sgemm(false, true, dy, w, dcol);
  }
#endif
};

/// The floor of a whole step: every conv layer's GEMMs and every affine layer's, nothing else.
struct CnnFloor {
  std::vector<ConvGemms> convs;
  bench::Floor affine;
  explicit CnnFloor(const CnnWorkload& w) : affine(w.affine, w.batch) {
    for (std::size_t l = 0; l < w.convs.size(); ++l) convs.emplace_back(w.convs[l], w.batch, l == 0);
  }
  void eigen() {
    for (auto& c : convs) c.eigen();
    affine.eigen_step();
    // eigen_step skips dX of its first layer: here that is the last pool's gradient.
    affine.grad[0].noalias() = affine.grad[1] * affine.w[0].transpose();
  }
#if defined(KEISAN_BENCH_HAS_CBLAS)
  void blas() {
    for (auto& c : convs) c.blas();
    affine.blas_step();
    bench::Floor::sgemm(false, true, affine.grad[1], affine.w[0], affine.grad[0]);
  }
#endif
};

void BM_CnnEigenFloor(benchmark::State& state) {
  const CnnWorkload& w = cnn_workload(state.range(0));
  CnnFloor floor(w);
  for (auto _ : state) {
    floor.eigen();
    benchmark::DoNotOptimize(floor.convs.front().dw.data());
    benchmark::ClobberMemory();
  }
  set_counters(state, w);
}

/// One conv layer through keisan: record conv2d (im2col + GEMM + bias), backward with a seed
/// (dW GEMM, db, and for every layer but the network's first the dcol GEMM + col2im).
void BM_ConvLayer(benchmark::State& state) {
  const CnnWorkload& wl = cnn_workload(state.range(0));
  const Index layer = state.range(1);
  const ConvSpec& s = wl.convs[static_cast<std::size_t>(layer)];
  const bool first = layer == 0;
  keisan::Rng rng(5);
  keisan::Conv2D<float> conv(s.c, s.filters, s.k, s.k, 1, s.pad, keisan::Init::he, rng);
  const Matrix<float> data = Matrix<float>::Constant(wl.batch, s.h * s.w * s.c, 0.5f);
  keisan::Parameter<float> x(data);  // an inner layer's input needs its gradient
  const keisan::ImageShape shape{s.h, s.w, s.c};
  const Matrix<float> seed = Matrix<float>::Constant(wl.batch, s.oh() * s.ow() * s.filters, 0.01f);
  keisan::Graph<float> g;
  auto run = [&] {
    g.clear();
    const auto in = first ? g.input(data, shape) : keisan::as_image(g.param(x), shape);
    g.backward(conv(in), seed);
  };
  run();
  const long allocs = keisan::test::count_allocations([&] { run(); });
  for (auto _ : state) {
    run();
    benchmark::DoNotOptimize(conv.W.grad().data());
    benchmark::ClobberMemory();
  }
  state.counters["GFLOP/s"] =
      benchmark::Counter(conv_flops(s, wl.batch, first) * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
  state.counters["allocs"] = static_cast<double>(allocs);
  state.SetItemsProcessed(state.iterations() * wl.batch);
}

/// The same layer's GEMMs alone in raw Eigen, same sizes: (N*OH*OW x KH*KW*C)(KH*KW*C x F)
/// forward, dW, and dcol unless it is the network's first layer.
void BM_ConvLayerGemm(benchmark::State& state) {
  const CnnWorkload& wl = cnn_workload(state.range(0));
  const Index layer = state.range(1);
  const ConvSpec& s = wl.convs[static_cast<std::size_t>(layer)];
  ConvGemms gemms(s, wl.batch, layer == 0);
  for (auto _ : state) {
    gemms.eigen();
    benchmark::DoNotOptimize(gemms.dw.data());
    benchmark::ClobberMemory();
  }
  state.counters["GFLOP/s"] =
      benchmark::Counter(conv_flops(s, wl.batch, layer == 0) * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
  state.SetItemsProcessed(state.iterations() * wl.batch);
}

#if defined(KEISAN_BENCH_HAS_CBLAS)
void BM_CnnBlasFloor(benchmark::State& state) {
  const CnnWorkload& w = cnn_workload(state.range(0));
  CnnFloor floor(w);
  for (auto _ : state) {
    floor.blas();
    benchmark::DoNotOptimize(floor.convs.front().dw.data());
    benchmark::ClobberMemory();
  }
  set_counters(state, w);
}
BENCHMARK(BM_CnnBlasFloor)->Arg(4)->Arg(5)->ArgName("W");

void BM_ConvLayerBlasGemm(benchmark::State& state) {
  const CnnWorkload& wl = cnn_workload(state.range(0));
  const Index layer = state.range(1);
  const ConvSpec& s = wl.convs[static_cast<std::size_t>(layer)];
  ConvGemms gemms(s, wl.batch, layer == 0);
  for (auto _ : state) {
    gemms.blas();
    benchmark::DoNotOptimize(gemms.dw.data());
    benchmark::ClobberMemory();
  }
  state.counters["GFLOP/s"] =
      benchmark::Counter(conv_flops(s, wl.batch, layer == 0) * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
  state.SetItemsProcessed(state.iterations() * wl.batch);
}
#endif

/// {4, 0} and {5, 0..5}: every conv layer of W4 and W5.
void conv_layers(benchmark::internal::Benchmark* b) {
  b->ArgNames({"W", "layer"});
  b->Args({4, 0});
  for (int l = 0; l < 6; ++l) b->Args({5, l});
}

}  // namespace

BENCHMARK(BM_CnnStep)->Arg(4)->Arg(5)->ArgName("W")->Unit(benchmark::kMillisecond);
BENCHMARK(BM_CnnEigenFloor)->Arg(4)->Arg(5)->ArgName("W")->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ConvLayer)->Apply(conv_layers)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_ConvLayerGemm)->Apply(conv_layers)->Unit(benchmark::kMicrosecond);
#if defined(KEISAN_BENCH_HAS_CBLAS)
BENCHMARK(BM_ConvLayerBlasGemm)->Apply(conv_layers)->Unit(benchmark::kMicrosecond);
#endif
BENCHMARK_MAIN();
