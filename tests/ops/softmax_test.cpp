// keisan tests: softmax and log_softmax.
// SPDX-License-Identifier: MIT
#include <cmath>

#include "support/helpers.hpp"

using keisan::Graph;
using keisan::Matrix;
using keisan::Parameter;
using keisan::ParameterList;
using keisan::test::random_matrix;

TEST_CASE("softmax and log_softmax: forward values against hand-computed numbers", "[ops]") {
  Matrix<double> X(2, 3);
  X << 0, 1, 2, 5, 5, 5;
  const double z = 1 + std::exp(1.0) + std::exp(2.0);
  Matrix<double> p(2, 3);
  p << 1 / z, std::exp(1.0) / z, std::exp(2.0) / z, 1.0 / 3, 1.0 / 3, 1.0 / 3;
  Graph<double> g;
  REQUIRE_CLOSE(keisan::softmax(g.input(X)).value(), p, 1e-15, 0);
  REQUIRE_CLOSE(keisan::log_softmax(g.input(X)).value(), p.array().log().matrix().eval(), 1e-14, 0);
}

TEST_CASE("softmax and log_softmax: logits of +-1000 give finite values and gradients", "[ops][check]") {
  Matrix<double> big(2, 3);
  big << 1000, -1000, 999, -1000, -1000, -999;
  Parameter<double> x(big);
  Graph<double> g;
  auto p = keisan::softmax(g.param(x));
  REQUIRE(p.value().allFinite());
  REQUIRE(p.value()(0, 0) == Catch::Approx(1 / (1 + std::exp(-1.0))).epsilon(1e-14));
  REQUIRE(keisan::log_softmax(g.param(x)).value().allFinite());
  Matrix<double> w = random_matrix(2, 3, 60);
  REQUIRE_GRADCHECK([&](Graph<double>& gg) { return keisan::sum(keisan::softmax(gg.param(x)) * gg.input(w)); },
                    ParameterList<double>{{"x", &x}});
  REQUIRE_GRADCHECK([&](Graph<double>& gg) { return keisan::sum(keisan::log_softmax(gg.param(x)) * gg.input(w)); },
                    ParameterList<double>{{"x", &x}});
}

TEST_CASE("softmax and log_softmax: gradients match gradcheck", "[ops][check]") {
  Parameter<double> x(random_matrix(4, 5, 61, -3, 3));
  Matrix<double> w = random_matrix(4, 5, 62);
  REQUIRE_GRADCHECK([&](Graph<double>& g) { return keisan::sum(keisan::softmax(g.param(x)) * g.input(w)); },
                    ParameterList<double>{{"x", &x}});
  REQUIRE_GRADCHECK([&](Graph<double>& g) { return keisan::sum(keisan::log_softmax(g.param(x)) * g.input(w)); },
                    ParameterList<double>{{"x", &x}});
}

TEST_CASE("softmax of a matrix with no columns throws", "[ops]") {
  Matrix<double> E(3, 0);
  Graph<double> g;
  REQUIRE_THROWS_MATCHES(keisan::softmax(g.input(E)), keisan::ShapeError,
                         Catch::Matchers::Message("keisan::softmax: input is 3x0: needs at least one column (class)"));
}
