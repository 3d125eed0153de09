// keisan tests: sigmoid, relu, tanh, exp, log, square.
// SPDX-License-Identifier: MIT
#include <cmath>

#include "support/helpers.hpp"

using keisan::Graph;
using keisan::Matrix;
using keisan::Parameter;
using keisan::ParameterList;
using keisan::test::random_matrix;

TEST_CASE("elementwise functions: forward values against hand-computed numbers", "[ops]") {
  Matrix<double> X(1, 4);
  X << -2, 0, 0.5, 3;
  Graph<double> g;
  auto x = g.input(X);
  Matrix<double> expected(1, 4);
  expected << 1 / (1 + std::exp(2.0)), 0.5, 1 / (1 + std::exp(-0.5)), 1 / (1 + std::exp(-3.0));
  REQUIRE_CLOSE(keisan::sigmoid(x).value(), expected, 1e-15, 0);
  expected << 0, 0, 0.5, 3;
  REQUIRE_CLOSE(keisan::relu(x).value(), expected, 0, 0);
  expected << std::tanh(-2.0), 0, std::tanh(0.5), std::tanh(3.0);
  REQUIRE_CLOSE(keisan::tanh(x).value(), expected, 1e-15, 0);
  expected << std::exp(-2.0), 1, std::exp(0.5), std::exp(3.0);
  REQUIRE_CLOSE(keisan::exp(x).value(), expected, 1e-15, 0);
  expected << 4, 0, 0.25, 9;
  REQUIRE_CLOSE(keisan::square(x).value(), expected, 0, 0);
  Matrix<double> P(1, 3);
  P << 1, std::exp(1.0), 0.5;
  expected.resize(1, 3);
  expected << 0, 1, std::log(0.5);
  REQUIRE_CLOSE(keisan::log(g.input(P)).value(), expected, 1e-15, 1e-300);
}

TEST_CASE("sigmoid stays finite at +-1000", "[ops]") {
  Matrix<double> X(1, 2);
  X << -1000, 1000;
  Graph<double> g;
  auto y = keisan::sigmoid(g.input(X)).value();
  REQUIRE(y(0, 0) == 0.0);
  REQUIRE(y(0, 1) == 1.0);
}

TEST_CASE("elementwise functions: gradients match gradcheck", "[ops][check]") {
  Parameter<double> a(random_matrix(4, 5, 30));
  Parameter<double> pos(random_matrix(4, 5, 31, 0.2, 3.0));
  ParameterList<double> pa{{"a", &a}}, pp{{"pos", &pos}};
  // Weighted sums so every element gets its own gradient.
  Matrix<double> w = random_matrix(4, 5, 32);
  auto weighted = [&](Graph<double>& g, keisan::Var<double> v) { return keisan::sum(v * g.input(w)); };
  REQUIRE_GRADCHECK([&](Graph<double>& g) { return weighted(g, keisan::sigmoid(g.param(a))); }, pa);
  REQUIRE_GRADCHECK([&](Graph<double>& g) { return weighted(g, keisan::relu(g.param(a))); }, pa);
  REQUIRE_GRADCHECK([&](Graph<double>& g) { return weighted(g, keisan::tanh(g.param(a))); }, pa);
  REQUIRE_GRADCHECK([&](Graph<double>& g) { return weighted(g, keisan::exp(g.param(a))); }, pa);
  REQUIRE_GRADCHECK([&](Graph<double>& g) { return weighted(g, keisan::square(g.param(a))); }, pa);
  REQUIRE_GRADCHECK([&](Graph<double>& g) { return weighted(g, keisan::log(g.param(pos))); }, pp);
}
