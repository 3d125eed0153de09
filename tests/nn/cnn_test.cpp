// keisan tests: the image layers (Conv2D, pools, Flatten, AsImage, BatchNorm, Dropout) in a
// Sequential: names, buffers, modes, a whole small CNN's gradients end to end, and training.
// SPDX-License-Identifier: MIT
#include <cmath>

#include "keisan/nn/conv.hpp"
#include "keisan/nn/dropout.hpp"
#include "keisan/nn/normalization.hpp"
#include "keisan/nn/pool.hpp"
#include "keisan/nn/reshape.hpp"
#include "support/helpers.hpp"
#include "support/synthetic.hpp"

using keisan::Graph;
using keisan::ImageShape;
using keisan::Index;
using keisan::Init;
using keisan::Matrix;
using keisan::Sequential;
using keisan::test::random_matrix;

namespace {
template <class Scalar>
Sequential<Scalar> small_cnn(std::uint64_t seed) {  // 5x5x2 -> conv 3x3 -> 5x5x3 -> pool -> 2x2x3 -> 3
  keisan::Rng rng(seed);
  Sequential<Scalar> net;
  net.add(keisan::Conv2D<Scalar>(2, 3, 3, 3, 1, 1, Init::he, rng))
      .add(keisan::ReLU<Scalar>())
      .add(keisan::MaxPool2D<Scalar>(2, 2))
      .add(keisan::Flatten<Scalar>())
      .add(keisan::Affine<Scalar>(12, 3, Init::xavier, rng));
  return net;
}

std::vector<int> some_labels(Index n, int classes) {
  std::vector<int> t(static_cast<std::size_t>(n));
  for (Index i = 0; i < n; ++i) t[static_cast<std::size_t>(i)] = static_cast<int>((i * 5 + 1) % classes);
  return t;
}
}  // namespace

TEST_CASE("Conv2D: parameter shapes, names, He initialisation over the fan-in, description", "[nn]") {
  keisan::Rng rng(1);
  keisan::Conv2D<double> conv(4, 64, 3, 3, 1, 1, Init::he, rng);
  REQUIRE(conv.W.rows() == 36);
  REQUIRE(conv.W.cols() == 64);
  REQUIRE(conv.b.value() == Matrix<double>::Zero(1, 64));
  const double sd = std::sqrt((conv.W.value().array() - conv.W.value().mean()).square().mean());
  REQUIRE(std::abs(sd - std::sqrt(2.0 / 36)) < 0.05 * std::sqrt(2.0 / 36));
  const auto params = conv.parameters();
  REQUIRE(params.size() == 2);
  REQUIRE(params[0].name == "W");
  REQUIRE(params[1].name == "b");
  REQUIRE(conv.describe() == "Conv2D(4, 64, 3x3 window, stride 1, padding 1)");
  REQUIRE_THROWS_MATCHES(keisan::Conv2D<double>(0, 8, 3, 3, 1, 0, Init::he, rng), keisan::ValueError,
                         Catch::Matchers::Message("keisan::Conv2D: channels 0 -> 8, 3x3 window, stride 1, padding 0: "
                                                  "channels, kernel sizes and stride must be positive, padding >= 0"));
}

TEST_CASE("Layers: a Sequential CNN carries image shapes and lists parameters and buffers", "[nn]") {
  keisan::Rng rng(2);
  Sequential<double> net;
  net.add(keisan::Conv2D<double>(1, 2, 3, 3, 1, 1, Init::he, rng))
      .add(keisan::BatchNorm<double>(2))
      .add(keisan::ReLU<double>())
      .add(keisan::MaxPool2D<double>(2, 2))
      .add(keisan::Dropout<double>(0.5, 3))
      .add(keisan::Flatten<double>())
      .add(keisan::Affine<double>(18, 3, Init::xavier, rng));
  const Matrix<double> x = random_matrix(4, 36, 4);
  Graph<double> g;
  auto y = net(g.input(x, {6, 6, 1}));
  REQUIRE(y.rows() == 4);
  REQUIRE(y.cols() == 3);
  std::vector<std::string> names;
  for (const auto& p : net.parameters()) names.push_back(p.name);
  REQUIRE(names == std::vector<std::string>{"0.W", "0.b", "1.gamma", "1.beta", "6.W", "6.b"});
  const auto buffers = net.buffers();
  REQUIRE(buffers.size() == 2);
  REQUIRE(buffers[0].name == "1.running_mean");
  REQUIRE(buffers[1].name == "1.running_var");
  REQUIRE(net.state().size() == 8);
  REQUIRE(
      net.describe() ==
      "Sequential(Conv2D(1, 2, 3x3 window, stride 1, padding 1), BatchNorm(2), ReLU, MaxPool2D(2x2 window, stride 2, "
      "padding 0), Dropout(0.500000), Flatten, Affine(18, 3))");
  REQUIRE(keisan::AvgPool2D<double>(3, 1, 1).describe() == "AvgPool2D(3x3 window, stride 1, padding 1)");
  REQUIRE(keisan::GlobalAvgPool<double>().describe() == "GlobalAvgPool");
  REQUIRE(keisan::AsImage<double>({6, 6, 1}).describe() == "AsImage(6x6x1)");
}

TEST_CASE("BatchNorm and Dropout layers: training updates and drops, eval is deterministic", "[nn]") {
  keisan::BatchNorm<double> bn(3);
  keisan::Dropout<double> drop(0.5, 9);
  const Matrix<double> x = random_matrix(8, 3, 5, 1, 3);
  Graph<double> g;
  (void)bn(g.input(x));
  REQUIRE(bn.running_mean.norm() > 0.1);  // moved towards the batch mean (about 2)
  const Matrix<double> rm = bn.running_mean, rv = bn.running_var;
  keisan::EvalScope<double> eval_bn(bn);
  keisan::EvalScope<double> eval_drop(drop);
  const Matrix<double> a = bn(g.input(x)).value();
  const Matrix<double> b = bn(g.input(x)).value();
  REQUIRE_CLOSE(a, b, 0, 0);
  REQUIRE_CLOSE(bn.running_mean, rm, 0, 0);
  REQUIRE_CLOSE(bn.running_var, rv, 0, 0);
  auto v = g.input(x);
  REQUIRE(drop(v).index() == v.index());
  REQUIRE_THROWS_MATCHES(keisan::Dropout<double>(1.5), keisan::ValueError,
                         Catch::Matchers::Message("keisan::Dropout: p must be in [0, 1), got 1.500000"));
  REQUIRE_THROWS_MATCHES(keisan::BatchNorm<double>(0), keisan::ValueError,
                         Catch::Matchers::Message("keisan::BatchNorm: features must be >= 1, got 0"));
  REQUIRE_THROWS_WITH(keisan::BatchNorm<double>(3, 0.1, -1.0), "keisan::BatchNorm: eps must be > 0, got -1.000000");
  REQUIRE_THROWS_WITH(keisan::BatchNorm<double>(3, 0.9 + 1.0),
                      "keisan::BatchNorm: momentum must be in [0, 1], got 1.900000");
}

TEST_CASE("CNN: a small conv-relu-pool-flatten-affine net's gradients match gradcheck end to end", "[nn][check]") {
  auto net = small_cnn<double>(6);
  const Matrix<double> x = random_matrix(3, 50, 7);
  const auto t = some_labels(3, 3);
  REQUIRE_GRADCHECK(
      [&](Graph<double>& g) {
        return keisan::softmax_cross_entropy(net(g.input(x, {5, 5, 2})), t);
      },
      net.parameters());
}

TEST_CASE("CNN: strided conv, batch norm, dropout and global pooling: gradients match gradcheck", "[nn][check]") {
  keisan::Rng rng(8);
  Sequential<double> net;
  net.add(keisan::Conv2D<double>(2, 4, 3, 3, 2, 1, Init::he, rng))  // 5x5x2 -> 3x3x4
      .add(keisan::Tanh<double>())
      .add(keisan::BatchNorm<double>(4))     // after the tanh: before it, BN would cancel the conv's bias
      .add(keisan::AvgPool2D<double>(2, 1))  // -> 2x2x4
      .add(keisan::Dropout<double>(0.25, 10))
      .add(keisan::GlobalAvgPool<double>())  // -> 4
      .add(keisan::Affine<double>(4, 3, Init::xavier, rng));
  const Matrix<double> x = random_matrix(3, 50, 9);
  const auto t = some_labels(3, 3);
  REQUIRE_GRADCHECK(
      [&](Graph<double>& g) {
        net.at<keisan::Dropout<double>>(4).rng().seed(11);  // every run of the build draws the same mask
        return keisan::softmax_cross_entropy(net(g.input(x, {5, 5, 2})), t);
      },
      net.parameters());
}

TEST_CASE("CNN: a tiny CNN learns where the bright blob is, and the Evaluator takes it through AsImage", "[nn]") {
  // 6x6x1 images: noise plus a bright 2x2 blob in the top half (label 0) or the bottom half (1).
  keisan::Rng rng(12);
  const Index n = 64;
  Matrix<float> x(n, 36);
  std::vector<int> labels(static_cast<std::size_t>(n));
  for (Index i = 0; i < n; ++i) {
    for (Index j = 0; j < 36; ++j) x(i, j) = static_cast<float>(0.1 * keisan::uniform_unit(rng));
    const int label = static_cast<int>(keisan::uniform_index(rng, 2));
    const Index top = label == 0 ? 0 : 3, left = static_cast<Index>(keisan::uniform_index(rng, 5));
    for (Index dy = 0; dy < 2; ++dy)
      for (Index dx = 0; dx < 2; ++dx) x(i, (top + dy) * 6 + left + dx) = 1.0f;
    labels[static_cast<std::size_t>(i)] = label;
  }
  const keisan::Dataset<float> data(std::move(x), std::move(labels), 2);
  keisan::Rng init(13);
  Sequential<float> net;
  net.add(keisan::AsImage<float>({6, 6, 1}))
      .add(keisan::Conv2D<float>(1, 4, 3, 3, 1, 1, Init::he, init))
      .add(keisan::ReLU<float>())
      .add(keisan::MaxPool2D<float>(2, 2))
      .add(keisan::Flatten<float>())
      .add(keisan::Affine<float>(36, 2, Init::xavier, init));
  keisan::Adam<float> opt(net.parameters(), 0.01);
  keisan::test::Trainer<float> trainer{net, opt, data, keisan::MinibatchSampler(data.size(), 16), {}, {}, {}};
  for (int epoch = 0; epoch < 15; ++epoch) trainer.epoch();
  keisan::Evaluator<float> evaluator(32);
  REQUIRE(evaluator.accuracy(net, data.features(), data.labels()) >= 0.95);
}
