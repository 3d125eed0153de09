// keisan training loop: the README's minibatch-learning example, kept compiling and running by
// ctest. Learns XOR-arranged blobs with a 2-16-2 network and Adam.
// SPDX-License-Identifier: MIT
#include <cstdio>
#include <keisan/keisan.hpp>

using namespace keisan;

/// 1,000 points around (+-1, +-1); the label is 1 where the signs differ.
Dataset<float> make_blobs(Rng& rng) {
  Matrix<float> x(1000, 2);
  std::vector<int> y(1000);
  for (Index i = 0; i < 1000; ++i) {
    const auto a = uniform_index(rng, 2), b = uniform_index(rng, 2);
    x(i, 0) = static_cast<float>((a ? 1 : -1) + 0.25 * standard_normal(rng));
    x(i, 1) = static_cast<float>((b ? 1 : -1) + 0.25 * standard_normal(rng));
    y[static_cast<std::size_t>(i)] = static_cast<int>(a ^ b);
  }
  return Dataset<float>(std::move(x), std::move(y), 2);
}

int main() {
  Rng rng(42);
  const Dataset<float> train = make_blobs(rng);
  // --- the README's loop ---
  Sequential<float> net;
  net.add(Affine<float>(2, 16, Init::xavier, rng)).add(Tanh<float>()).add(Affine<float>(16, 2, Init::xavier, rng));
  Adam<float> opt(net.parameters(), 0.01);
  MinibatchSampler sampler(train.size(), 32, {Sampling::shuffle, false, /*seed=*/42});
  Graph<float> g;
  Batch<float> batch;
  std::vector<Index> idx;
  for (int epoch = 1; epoch <= 20; ++epoch) {
    sampler.begin_epoch();
    while (sampler.next(idx)) {
      train.gather(idx, batch);  // copies rows into reused buffers
      g.clear();                 // forget the last step, keep its memory
      opt.zero_grad();
      auto loss = softmax_cross_entropy(net(g.input(batch.x)), batch.labels);
      g.backward(loss);
      opt.step();
    }
  }
  // --- evaluation ---
  g.clear();
  NoGradScope no_grad(g);
  const Matrix<float>& logits = net(g.input(train.features())).value();
  Index hits = 0;
  for (Index i = 0; i < logits.rows(); ++i) {
    Index predicted = 0;
    logits.row(i).maxCoeff(&predicted);
    hits += predicted == train.labels()[static_cast<std::size_t>(i)];
  }
  std::printf("training accuracy %.3f\n", static_cast<double>(hits) / static_cast<double>(train.size()));
  return hits >= 990 ? 0 : 1;
}
