// keisan benchmarks: forward and backward of single ops at the W1/W2 layer shapes:
// affine (GEMM FLOP/s), sigmoid, relu and softmax_cross_entropy (bytes/s of the values); and the
// batch gather of a training step (W1's 100 and W2's 128 random rows of 784 out of the benchmark
// set bench_train draws from) beside one contiguous copy of the same bytes.
// SPDX-License-Identifier: MIT
#include "workloads.hpp"

namespace {

struct Shape {
  keisan::Index n, in, out;
};
// Arg 0: W1's first layer (100 x 784 -> 50); arg 1: W2's middle layer (128 x 512 -> 512).
const Shape shapes[] = {{100, 784, 50}, {128, 512, 512}};

enum class Op { affine, sigmoid, relu, softmax_ce };

keisan::Var<float> record(Op op, keisan::Graph<float>& g, keisan::Parameter<float>& x, keisan::Parameter<float>& w,
                          keisan::Parameter<float>& b, const std::vector<int>& labels) {
  auto xv = g.param(x);
  switch (op) {
    case Op::affine:
      return keisan::affine(xv, w, b);
    case Op::sigmoid:
      return keisan::sigmoid(xv);
    case Op::relu:
      return keisan::relu(xv);
    default:
      return keisan::softmax_cross_entropy(xv, labels);
  }
}

template <Op op, bool backward>
void BM_Op(benchmark::State& state) {
  const Shape s = shapes[state.range(0)];
  const keisan::Index cols = op == Op::affine ? s.in : s.out;
  keisan::Parameter<float> x(keisan::Matrix<float>::Random(s.n, cols));
  keisan::Parameter<float> w(keisan::Matrix<float>::Random(s.in, s.out) * 0.05f),
      b(keisan::Matrix<float>::Zero(1, s.out));
  std::vector<int> labels(static_cast<std::size_t>(s.n));
  for (std::size_t i = 0; i < labels.size(); ++i) labels[i] = static_cast<int>(i % static_cast<std::size_t>(s.out));
  keisan::Graph<float> g;
  auto y = record(op, g, x, w, b, labels);
  const keisan::Matrix<float> seed = keisan::Matrix<float>::Ones(y.rows(), y.cols());
  for (auto _ : state) {
    if (backward) {
      g.backward(y, seed);
      benchmark::DoNotOptimize(x.grad().data());
    } else {
      g.clear();
      y = record(op, g, x, w, b, labels);
      benchmark::DoNotOptimize(y.value().data());
    }
  }
  if (op == Op::affine) {
    const double gemm = 2.0 * static_cast<double>(s.n * s.in * s.out);
    state.counters["GFLOP/s"] =
        benchmark::Counter((backward ? 2 : 1) * gemm * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
  } else {
    state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(s.n * cols * sizeof(float)) * (backward ? 3 : 2));
  }
}

/// Dataset::gather of one batch of shuffled rows (W:1, W1's 100; W:2, W2's 128), as in
/// bench_train's step: from the same 10-batch set (full:0), or from a full MNIST-sized 60000 rows
/// (full:1, which no cache holds); stored as float or as bytes (as the MNIST example stores them).
template <class Stored>
void BM_Gather(benchmark::State& state) {
  const keisan::Index batch = state.range(0) == 1 ? 100 : 128;
  const auto data = bench::make_data<Stored>(784, batch, 7, state.range(1) == 1 ? 60000 : 0);
  keisan::MinibatchSampler sampler(data.size(), batch, {keisan::Sampling::shuffle, true, 3});
  keisan::Batch<float> out;
  std::vector<keisan::Index> idx;
  for (auto _ : state) {
    if (!sampler.next(idx)) {
      sampler.begin_epoch();
      sampler.next(idx);
    }
    data.gather(idx, out);
    benchmark::DoNotOptimize(out.x.data());
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(state.iterations() * batch * 784 * static_cast<int64_t>(sizeof(float)));
}

/// The baseline: the same bytes as one contiguous copy (Eigen's assignment), no index.
void BM_GatherContiguous(benchmark::State& state) {
  const keisan::Index batch = state.range(0) == 0 ? 100 : 128;
  const keisan::Matrix<float> from = keisan::Matrix<float>::Random(10 * batch, 784);
  keisan::Matrix<float> to(batch, 784);
  keisan::Index at = 0;
  for (auto _ : state) {
    to = from.middleRows(at, batch);
    at = (at + batch) % (9 * batch);
    benchmark::DoNotOptimize(to.data());
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(state.iterations() * batch * 784 * static_cast<int64_t>(sizeof(float)));
}

}  // namespace

BENCHMARK_TEMPLATE(BM_Op, Op::affine, false)->Name("BM_AffineForward")->Arg(0)->Arg(1);
BENCHMARK_TEMPLATE(BM_Op, Op::affine, true)->Name("BM_AffineBackward")->Arg(0)->Arg(1);
BENCHMARK_TEMPLATE(BM_Op, Op::sigmoid, false)->Name("BM_SigmoidForward")->Arg(0)->Arg(1);
BENCHMARK_TEMPLATE(BM_Op, Op::sigmoid, true)->Name("BM_SigmoidBackward")->Arg(0)->Arg(1);
BENCHMARK_TEMPLATE(BM_Op, Op::relu, false)->Name("BM_ReluForward")->Arg(0)->Arg(1);
BENCHMARK_TEMPLATE(BM_Op, Op::relu, true)->Name("BM_ReluBackward")->Arg(0)->Arg(1);
BENCHMARK_TEMPLATE(BM_Op, Op::softmax_ce, false)->Name("BM_SoftmaxCrossEntropyForward")->Arg(0)->Arg(1);
BENCHMARK_TEMPLATE(BM_Op, Op::softmax_ce, true)->Name("BM_SoftmaxCrossEntropyBackward")->Arg(0)->Arg(1);
BENCHMARK_TEMPLATE(BM_Gather, float)->ArgsProduct({{1, 2}, {0, 1}})->ArgNames({"W", "full"});
BENCHMARK_TEMPLATE(BM_Gather, std::uint8_t)->ArgsProduct({{1, 2}, {0, 1}})->ArgNames({"W", "full"});
BENCHMARK(BM_GatherContiguous)->Arg(0)->Arg(1);
BENCHMARK_MAIN();
