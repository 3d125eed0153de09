// keisan benchmarks: forward and backward of single ops at the W1/W2 layer shapes:
// affine (GEMM FLOP/s), sigmoid, relu and softmax_cross_entropy (bytes/s of the values).
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

}  // namespace

BENCHMARK_TEMPLATE(BM_Op, Op::affine, false)->Name("BM_AffineForward")->Arg(0)->Arg(1);
BENCHMARK_TEMPLATE(BM_Op, Op::affine, true)->Name("BM_AffineBackward")->Arg(0)->Arg(1);
BENCHMARK_TEMPLATE(BM_Op, Op::sigmoid, false)->Name("BM_SigmoidForward")->Arg(0)->Arg(1);
BENCHMARK_TEMPLATE(BM_Op, Op::sigmoid, true)->Name("BM_SigmoidBackward")->Arg(0)->Arg(1);
BENCHMARK_TEMPLATE(BM_Op, Op::relu, false)->Name("BM_ReluForward")->Arg(0)->Arg(1);
BENCHMARK_TEMPLATE(BM_Op, Op::relu, true)->Name("BM_ReluBackward")->Arg(0)->Arg(1);
BENCHMARK_TEMPLATE(BM_Op, Op::softmax_ce, false)->Name("BM_SoftmaxCrossEntropyForward")->Arg(0)->Arg(1);
BENCHMARK_TEMPLATE(BM_Op, Op::softmax_ce, true)->Name("BM_SoftmaxCrossEntropyBackward")->Arg(0)->Arg(1);
BENCHMARK_MAIN();
