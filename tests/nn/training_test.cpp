// keisan tests: layers, Sequential, and whole training runs on a synthetic problem.
// SPDX-License-Identifier: MIT
#include <cstring>

#include "support/helpers.hpp"
#include "support/synthetic.hpp"

using keisan::Affine;
using keisan::Graph;
using keisan::Init;
using keisan::Matrix;
using keisan::Rng;
using keisan::Sequential;

TEST_CASE("Sequential: the book's TwoLayerNet in a few lines, with stable parameter names", "[nn]") {
  Rng rng(42);
  Sequential<float> net;
  net.add(Affine<float>(784, 50, Init::book, rng))
      .add(keisan::Sigmoid<float>())
      .add(Affine<float>(50, 10, Init::book, rng));
  auto params = net.parameters();
  REQUIRE(params.size() == 4);
  REQUIRE(params[0].name == "0.W");
  REQUIRE(params[1].name == "0.b");
  REQUIRE(params[2].name == "2.W");
  REQUIRE(params[3].name == "2.b");
  REQUIRE(params[2].parameter->rows() == 50);
  REQUIRE(net.describe() == "Sequential(Affine(784, 50), Sigmoid, Affine(50, 10))");
  Matrix<float> x = keisan::test::random_matrix<float>(3, 784, 1, 0, 1);
  Graph<float> g;
  auto logits = net(g.input(x));
  REQUIRE(logits.rows() == 3);
  REQUIRE(logits.cols() == 10);
}

TEST_CASE("Affine: initialisations have the documented spread, and bad sizes throw", "[nn]") {
  Rng rng(5);
  const auto sd = [](const Matrix<double>& w) { return std::sqrt((w.array() - w.mean()).square().mean()); };
  Affine<double> book(400, 300, Init::book, rng), xavier(400, 300, Init::xavier, rng), he(400, 300, Init::he, rng);
  REQUIRE(sd(book.W.value()) == Catch::Approx(0.01).epsilon(0.01));
  REQUIRE(sd(xavier.W.value()) == Catch::Approx(std::sqrt(1.0 / 400)).epsilon(0.01));
  REQUIRE(sd(he.W.value()) == Catch::Approx(std::sqrt(2.0 / 400)).epsilon(0.01));
  REQUIRE(book.b.value().isZero());
  REQUIRE_THROWS_MATCHES(Affine<double>(0, 3, Init::he, rng), keisan::ValueError,
                         Catch::Matchers::Message("keisan::Affine: sizes must be positive, got 0 -> 3"));
}

TEST_CASE("Sequential: gradients of a 3-layer net match gradcheck", "[nn][check]") {
  Rng rng(6);
  Sequential<double> net;
  net.add(Affine<double>(5, 4, Init::xavier, rng))
      .add(keisan::Tanh<double>())
      .add(Affine<double>(4, 4, Init::he, rng))
      .add(keisan::Sigmoid<double>())
      .add(Affine<double>(4, 3, Init::xavier, rng));
  const Matrix<double> x = keisan::test::random_matrix(6, 5, 7);
  const std::vector<int> t{0, 1, 2, 2, 1, 0};
  REQUIRE_GRADCHECK([&](Graph<double>& g) { return keisan::softmax_cross_entropy(net(g.input(x)), t); },
                    net.parameters());
}

TEST_CASE("Training: SGD and Adam reach >= 99% on XOR blobs", "[nn][optim]") {
  const auto data = keisan::test::xor_blobs<float>(400, 11);
  for (int which = 0; which < 2; ++which) {
    auto net = keisan::test::small_net<float>(12);
    keisan::SGD<float> sgd(net.parameters(), 0.5, {0.9});
    keisan::Adam<float> adam(net.parameters(), 0.01);
    keisan::Optimizer<float>& opt = which == 0 ? static_cast<keisan::Optimizer<float>&>(sgd) : adam;
    keisan::test::Trainer<float> trainer{
        net, opt, data, keisan::MinibatchSampler(data.size(), 32, {keisan::Sampling::shuffle, false, 13}), {}, {}, {}};
    const double before = trainer.train_accuracy();
    for (int epoch = 0; epoch < 30; ++epoch) trainer.epoch();
    INFO((which == 0 ? "SGD" : "Adam") << ": accuracy before " << before);
    REQUIRE(trainer.train_accuracy() >= 0.99);
  }
}

TEST_CASE("Training: same seed gives byte-identical weights, another seed does not", "[nn][optim]") {
  const auto data = keisan::test::xor_blobs<float>(200, 21);
  auto train = [&](std::uint64_t seed) {
    auto net = keisan::test::small_net<float>(seed);
    keisan::Adam<float> opt(net.parameters(), 0.01);
    keisan::test::Trainer<float> trainer{
        net, opt, data, keisan::MinibatchSampler(data.size(), 16, {keisan::Sampling::shuffle, false, seed}),
        {},  {},  {}};
    for (int epoch = 0; epoch < 3; ++epoch) trainer.epoch();
    std::vector<float> bytes;
    for (auto& p : net.parameters())
      bytes.insert(bytes.end(), p.parameter->value().data(), p.parameter->value().data() + p.parameter->size());
    return bytes;
  };
  const auto a = train(1), b = train(1), c = train(2);
  REQUIRE(a.size() == b.size());
  REQUIRE(std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0);
  REQUIRE(std::memcmp(a.data(), c.data(), a.size() * sizeof(float)) != 0);
}
