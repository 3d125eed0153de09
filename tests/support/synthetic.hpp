// keisan tests: a synthetic, separable 2-D classification problem (XOR of four Gaussian blobs)
// and a small training loop over it.
// SPDX-License-Identifier: MIT
#pragma once

#include "keisan/keisan.hpp"

namespace keisan::test {

/// n points around (+-1, +-1), spread 0.25; label = 1 where the signs differ (XOR). Separable
/// by a one-hidden-layer net, not by a linear one.
template <class Scalar>
Dataset<Scalar> xor_blobs(Index n, std::uint64_t seed) {
  Rng rng(seed);
  Matrix<Scalar> x(n, 2);
  std::vector<int> labels(static_cast<std::size_t>(n));
  for (Index i = 0; i < n; ++i) {
    const int a = static_cast<int>(uniform_index(rng, 2)), b = static_cast<int>(uniform_index(rng, 2));
    x(i, 0) = static_cast<Scalar>((a ? 1.0 : -1.0) + 0.25 * standard_normal(rng));
    x(i, 1) = static_cast<Scalar>((b ? 1.0 : -1.0) + 0.25 * standard_normal(rng));
    labels[static_cast<std::size_t>(i)] = a ^ b;
  }
  return Dataset<Scalar>(std::move(x), std::move(labels), 2);
}

/// 2-16-2 tanh network, initialised from `seed`.
template <class Scalar>
Sequential<Scalar> small_net(std::uint64_t seed) {
  Rng rng(seed);
  Sequential<Scalar> net;
  net.add(Affine<Scalar>(2, 16, Init::xavier, rng)).add(Tanh<Scalar>()).add(Affine<Scalar>(16, 2, Init::xavier, rng));
  return net;
}

/// Fraction of rows whose arg-max logit equals the label.
template <class Scalar>
double accuracy(const Matrix<Scalar>& logits, const std::vector<int>& labels) {
  Index hits = 0;
  for (Index i = 0; i < logits.rows(); ++i) {
    Index arg = 0;
    logits.row(i).maxCoeff(&arg);
    hits += arg == labels[static_cast<std::size_t>(i)];
  }
  return static_cast<double>(hits) / static_cast<double>(logits.rows());
}

/// Everything one training step needs, preallocated once: the whole loop body of the README.
template <class Scalar>
struct Trainer {
  Sequential<Scalar>& net;
  Optimizer<Scalar>& opt;
  const Dataset<Scalar>& data;
  MinibatchSampler sampler;
  Graph<Scalar> graph;
  Batch<Scalar> batch;
  std::vector<Index> idx;

  /// One step; false (and nothing done) at the end of an epoch.
  bool step() {
    if (!sampler.next(idx)) return false;
    data.gather(idx, batch);
    graph.clear();
    opt.zero_grad();
    graph.backward(softmax_cross_entropy(net(graph.input(batch.x)), batch.labels));
    opt.step();
    return true;
  }

  void epoch() {
    sampler.begin_epoch();
    while (step()) {
    }
  }

  double train_accuracy() {
    graph.clear();
    NoGradScope guard(graph);
    return accuracy(net(graph.input(data.features())).value(), data.labels());
  }
};

}  // namespace keisan::test
