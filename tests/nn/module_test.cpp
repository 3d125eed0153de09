// keisan tests: modules — nested names, buffers, the training flag passed down, state, indexing
// errors — and the Evaluator.
// SPDX-License-Identifier: MIT
#include "support/helpers.hpp"

using keisan::Affine;
using keisan::Graph;
using keisan::Init;
using keisan::Matrix;
using keisan::Rng;
using keisan::Sequential;
using keisan::Var;

namespace {
// The README's user-written module: centres its input with the batch mean while training and
// with a running mean (a buffer) in eval mode.
template <class T>
class Centre final : public keisan::Module<T> {
 public:
  explicit Centre(keisan::Index features) : mean_(keisan::Matrix<T>::Zero(1, features)) {}
  keisan::Var<T> forward(const keisan::Var<T>& x) override {
    if (this->is_training()) mean_ = T(0.9) * mean_ + T(0.1) * x.value().colwise().mean();
    return x - x.graph().constant(this->is_training() ? x.value().colwise().mean() : mean_);
  }
  void collect_buffers(keisan::StateList<T>& out, const std::string& prefix) override {
    out.push_back({prefix + "mean", &mean_, nullptr});
  }
  std::string describe() const override { return "Centre"; }

 private:
  keisan::Matrix<T> mean_;
};
}  // namespace

TEST_CASE("Module: nested Sequentials name parameters and buffers by path", "[nn]") {
  Rng rng(1);
  Sequential<double> inner;
  inner.add(Affine<double>(3, 4, Init::xavier, rng)).add(Centre<double>(4)).add(keisan::Tanh<double>());
  Sequential<double> net;
  net.add(Centre<double>(3)).add(std::move(inner)).add(Affine<double>(4, 2, Init::xavier, rng));
  std::vector<std::string> names;
  for (const auto& p : net.parameters()) names.push_back(p.name);
  REQUIRE(names == std::vector<std::string>{"1.0.W", "1.0.b", "2.W", "2.b"});
  names.clear();
  for (const auto& b : net.buffers()) names.push_back(b.name);
  REQUIRE(names == std::vector<std::string>{"0.mean", "1.1.mean"});
  names.clear();
  for (const auto& s : net.state()) names.push_back(s.name);
  REQUIRE(names == std::vector<std::string>{"1.0.W", "1.0.b", "2.W", "2.b", "0.mean", "1.1.mean"});
  REQUIRE(net.describe() == "Sequential(Centre, Sequential(Affine(3, 4), Centre, Tanh), Affine(4, 2))");
  REQUIRE(net.state()[0].matrix == &net.at<Sequential<double>>(1).at<Affine<double>>(0).W.value());
}

TEST_CASE("Module: train() and eval() reach every child; a buffer changes only in training", "[nn]") {
  Rng rng(2);
  Sequential<double> inner;
  inner.add(Centre<double>(2));
  Sequential<double> net;
  net.add(std::move(inner)).add(Centre<double>(2));
  REQUIRE(net.is_training());
  net.eval();
  REQUIRE_FALSE(net.is_training());
  REQUIRE_FALSE(net[0].is_training());
  REQUIRE_FALSE(net.at<Sequential<double>>(0)[0].is_training());
  REQUIRE_FALSE(net[1].is_training());

  Matrix<double> x(2, 2);
  x << 1, 2, 3, 6;
  Graph<double> g;
  (void)net(g.input(x));
  REQUIRE(net.buffers()[0].matrix->isZero());  // eval: running mean untouched
  net.train();
  REQUIRE(net.at<Sequential<double>>(0)[0].is_training());
  g.clear();
  const Var<double> y = net(g.input(x));
  Matrix<double> expected_mean(1, 2);
  expected_mean << 0.2, 0.4;  // 0.1 * batch mean (2, 4)
  REQUIRE_CLOSE(*net.buffers()[0].matrix, expected_mean, 1e-15, 0);
  Matrix<double> centred(2, 2);
  centred << -1, -2, 1, 2;
  REQUIRE_CLOSE(y.value(), centred, 1e-15, 0);
  // A module added to a container takes the container's mode.
  net.eval();
  net.add(Centre<double>(2));
  REQUIRE_FALSE(net[2].is_training());
}

TEST_CASE("Module: EvalScope restores the previous mode, also on exceptions", "[nn]") {
  Sequential<double> net;
  net.add(Centre<double>(2));
  try {
    keisan::EvalScope<double> scope(net);
    REQUIRE_FALSE(net[0].is_training());
    throw std::runtime_error("boom");
  } catch (const std::runtime_error&) {
  }
  REQUIRE(net[0].is_training());
}

TEST_CASE("Sequential: indexing errors are keisan errors", "[nn]") {
  Rng rng(3);
  Sequential<float> net;
  net.add(Affine<float>(2, 2, Init::he, rng)).add(keisan::ReLU<float>());
  REQUIRE_THROWS_MATCHES(net[2], keisan::ValueError,
                         Catch::Matchers::Message("keisan::Sequential: index 2 is out of range (2 modules)"));
  REQUIRE_THROWS_MATCHES(net.at<Affine<float>>(1), keisan::ValueError,
                         Catch::Matchers::Message("keisan::Sequential::at: module 1 is ReLU, not the type asked for"));
  REQUIRE_THROWS_MATCHES(net.add(std::unique_ptr<keisan::Module<float>>()), keisan::ValueError,
                         Catch::Matchers::Message("keisan::Sequential::add: the module is null"));
  REQUIRE(net.at<Affine<float>>(0).W.rows() == 2);
}

TEST_CASE("Evaluator: predictions and accuracy in batches, eval mode, no gradients", "[nn]") {
  Rng rng(4);
  Sequential<double> net;
  net.add(Centre<double>(3)).add(Affine<double>(3, 4, Init::xavier, rng));
  const Matrix<double> x = keisan::test::random_matrix(10, 3, 5);
  // Reference: the whole set in one eval-mode pass.
  net.eval();
  Graph<double> g;
  const Matrix<double> logits = net(g.input(x)).value();
  net.train();
  std::vector<int> expected(10), labels(10);
  for (keisan::Index i = 0; i < 10; ++i) {
    keisan::Index arg = 0;
    logits.row(i).maxCoeff(&arg);
    expected[static_cast<std::size_t>(i)] = static_cast<int>(arg);
    labels[static_cast<std::size_t>(i)] = i < 7 ? static_cast<int>(arg) : (static_cast<int>(arg) + 1) % 4;
  }
  keisan::Evaluator<double> evaluator(4);  // batches of 4, 4, 2
  REQUIRE(evaluator.predict(net, x) == expected);
  REQUIRE(evaluator.accuracy(net, x, labels) == Catch::Approx(0.7).epsilon(1e-12));
  REQUIRE(net.is_training());                  // mode restored
  REQUIRE(net.buffers()[0].matrix->isZero());  // eval mode: the running mean never moved
  for (const auto& p : net.parameters()) REQUIRE(p.parameter->grad_is_zero());

  REQUIRE_THROWS_MATCHES(evaluator.accuracy(net, x, std::vector<int>(3)), keisan::ShapeError,
                         Catch::Matchers::Message("keisan::Evaluator::accuracy: 10 rows but 3 labels"));
  REQUIRE_THROWS_MATCHES(evaluator.accuracy(net, Matrix<double>(0, 3), {}), keisan::ValueError,
                         Catch::Matchers::Message("keisan::Evaluator::accuracy: the dataset is empty"));
  REQUIRE_THROWS_MATCHES(keisan::Evaluator<double>(0), keisan::ValueError,
                         Catch::Matchers::Message("keisan::Evaluator: batch size must be >= 1, got 0"));
  Sequential<double> to_nothing;
  to_nothing.add(Affine<double>(3, 1, Init::xavier, rng)).add(Centre<double>(1));
  struct Drop final : keisan::Module<double> {
    Var<double> forward(const Var<double>& v) override { return keisan::sum(v); }
    std::string describe() const override { return "Drop"; }
  };
  to_nothing.add(Drop());
  REQUIRE_THROWS_MATCHES(evaluator.predict(to_nothing, x), keisan::ShapeError,
                         Catch::Matchers::Message("keisan::Evaluator: the module maps 4x3 to 1x1: needs one output "
                                                  "row per input row and at least one column (class)"));
}
