// keisan tests: softmax_cross_entropy, cross_entropy and mse.
// SPDX-License-Identifier: MIT
#include <cmath>

#include "support/helpers.hpp"

using keisan::Graph;
using keisan::Matrix;
using keisan::Parameter;
using keisan::ParameterList;
using keisan::test::random_matrix;

namespace {
Matrix<double> one_hot(const std::vector<int>& labels, keisan::Index classes) {
  Matrix<double> t = Matrix<double>::Zero(static_cast<keisan::Index>(labels.size()), classes);
  for (std::size_t i = 0; i < labels.size(); ++i) t(static_cast<keisan::Index>(i), labels[i]) = 1;
  return t;
}
}  // namespace

TEST_CASE("losses: forward values against hand-computed numbers", "[ops]") {
  Matrix<double> X(2, 3);
  X << 0, 1, 2, 5, 5, 5;
  const std::vector<int> labels{2, 0};
  const double z = 1 + std::exp(1.0) + std::exp(2.0);
  const double expected = -(std::log(std::exp(2.0) / z) + std::log(1.0 / 3)) / 2;
  Graph<double> g;
  REQUIRE(keisan::softmax_cross_entropy(g.input(X), labels).value()(0, 0) == Catch::Approx(expected).epsilon(1e-14));
  Matrix<double> T = one_hot(labels, 3);
  REQUIRE(keisan::softmax_cross_entropy(g.input(X), g.input(T)).value()(0, 0) ==
          Catch::Approx(expected).epsilon(1e-14));
  Matrix<double> P(2, 3);
  P << 0.1, 0.2, 0.7, 0.5, 0.25, 0.25;
  const double ce = -(std::log(0.7 + 1e-7) + std::log(0.5 + 1e-7)) / 2;
  REQUIRE(keisan::cross_entropy(g.input(P), labels).value()(0, 0) == Catch::Approx(ce).epsilon(1e-14));
  REQUIRE(keisan::cross_entropy(g.input(P), g.input(T)).value()(0, 0) == Catch::Approx(ce).epsilon(1e-14));
  REQUIRE(keisan::mse(g.input(P), g.input(T)).value()(0, 0) ==
          Catch::Approx((0.01 + 0.04 + 0.09 + 0.25 + 0.0625 + 0.0625) / 6).epsilon(1e-14));
}

TEST_CASE("softmax_cross_entropy: the gradient is (p - y) / N", "[ops]") {
  Parameter<double> x(random_matrix(4, 3, 70, -2, 2));
  const std::vector<int> labels{0, 2, 1, 2};
  Graph<double> g;
  auto p = keisan::softmax(g.input(x.value()));
  g.backward(keisan::softmax_cross_entropy(g.param(x), labels));
  REQUIRE_CLOSE(x.grad(), ((p.value() - one_hot(labels, 3)) / 4.0).eval(), 1e-14, 1e-17);
}

TEST_CASE("losses: gradients match gradcheck", "[ops][check]") {
  Parameter<double> x(random_matrix(5, 4, 71, -2, 2));
  Parameter<double> t(random_matrix(5, 4, 72, 0.1, 1));
  Parameter<double> probs(random_matrix(5, 4, 73, 0.05, 1));
  const std::vector<int> labels{3, 0, 1, 1, 2};
  REQUIRE_GRADCHECK([&](Graph<double>& g) { return keisan::softmax_cross_entropy(g.param(x), labels); },
                    ParameterList<double>{{"logits", &x}});
  REQUIRE_GRADCHECK([&](Graph<double>& g) { return keisan::softmax_cross_entropy(g.param(x), g.param(t)); },
                    ParameterList<double>{{"logits", &x}, {"targets", &t}});
  REQUIRE_GRADCHECK([&](Graph<double>& g) { return keisan::cross_entropy(g.param(probs), labels); },
                    ParameterList<double>{{"probs", &probs}});
  REQUIRE_GRADCHECK([&](Graph<double>& g) { return keisan::cross_entropy(g.param(probs), g.param(t)); },
                    ParameterList<double>{{"probs", &probs}, {"targets", &t}});
  REQUIRE_GRADCHECK([&](Graph<double>& g) { return keisan::mse(g.param(x), g.param(t)); },
                    ParameterList<double>{{"pred", &x}, {"target", &t}});
  // softmax followed by cross_entropy agrees with the fused op.
  REQUIRE_GRADCHECK([&](Graph<double>& g) { return keisan::cross_entropy(keisan::softmax(g.param(x)), labels); },
                    ParameterList<double>{{"logits", &x}});
}

TEST_CASE("losses: logits of +-1000 and a probability of 0 stay finite", "[ops][check]") {
  Matrix<double> big(2, 3);
  big << 1000, -1000, 0, -1000, 1000, 999;
  Parameter<double> x(big);
  const std::vector<int> labels{1, 2};  // the first row's label has probability e^-2000
  Graph<double> g;
  auto loss = keisan::softmax_cross_entropy(g.param(x), labels);
  REQUIRE(std::isfinite(loss.value()(0, 0)));
  REQUIRE(loss.value()(0, 0) == Catch::Approx((2000 + (1 + std::log1p(std::exp(-1.0)))) / 2).epsilon(1e-12));
  g.backward(loss);
  REQUIRE(x.grad().allFinite());
  // A loss near 1000 carries rounding noise of ~1e-13 * 1000 / h in every finite difference:
  // elements below 1e-2 cannot be resolved to 1e-7 relative, so the floor moves up to there.
  keisan::GradcheckOptions opt;
  opt.floor = 1e-2;
  REQUIRE_GRADCHECK([&](Graph<double>& gg) { return keisan::softmax_cross_entropy(gg.param(x), labels); },
                    ParameterList<double>{{"logits", &x}}, opt);
  Matrix<float> P(1, 2);
  P << 0.0f, 1.0f;
  Graph<float> gf;
  const float ce = keisan::cross_entropy(gf.input(P), std::vector<int>{0}).value()(0, 0);
  REQUIRE(std::isfinite(ce));
  REQUIRE(ce == Catch::Approx(-std::log(1e-7f)).epsilon(1e-6));
}

TEST_CASE("losses: wrong label counts, out-of-range labels and shapes throw", "[ops]") {
  Matrix<double> X = random_matrix(3, 10, 74), T = random_matrix(3, 9, 75), E(0, 10);
  Graph<double> g;
  auto x = g.input(X);
  REQUIRE_THROWS_MATCHES(
      keisan::softmax_cross_entropy(x, {1, 2}), keisan::ShapeError,
      Catch::Matchers::Message("keisan::softmax_cross_entropy: input is 3x10 but 2 labels were given (one per row)"));
  REQUIRE_THROWS_MATCHES(
      keisan::softmax_cross_entropy(x, {1, 12, 3}), keisan::ValueError,
      Catch::Matchers::Message("keisan::softmax_cross_entropy: label 12 at row 1 is out of range for 10 classes"));
  REQUIRE_THROWS_WITH(keisan::cross_entropy(x, {1, 2, -1}),
                      "keisan::cross_entropy: label -1 at row 2 is out of range for 10 classes");
  REQUIRE_THROWS_WITH(keisan::softmax_cross_entropy(x, g.input(T)),
                      "keisan::softmax_cross_entropy: logits is 3x10 and targets is 3x9: shapes must be equal");
  REQUIRE_THROWS_WITH(keisan::cross_entropy(x, g.input(T)),
                      "keisan::cross_entropy: probs is 3x10 and targets is 3x9: shapes must be equal");
  REQUIRE_THROWS_WITH(keisan::mse(x, g.input(T)), "keisan::mse: pred is 3x10 and target is 3x9: shapes must be equal");
  REQUIRE_THROWS_WITH(keisan::softmax_cross_entropy(g.input(E), std::vector<int>{}),
                      "keisan::softmax_cross_entropy: the batch is empty (0 rows)");
  REQUIRE_THROWS_MATCHES(keisan::mse(g.input(E), g.input(E)), keisan::ShapeError,
                         Catch::Matchers::Message("keisan::mse: the input is empty (0x10)"));
}
