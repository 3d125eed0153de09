// keisan tests: anomaly detection (NaN/inf named at the node that made it) and DOT export.
// SPDX-License-Identifier: MIT
#include <limits>

#include "support/helpers.hpp"

using keisan::Graph;
using keisan::Matrix;
using keisan::Parameter;
using keisan::test::random_matrix;

TEST_CASE("AnomalyScope: log(0) deep inside a graph names the log node, in the forward pass", "[core]") {
  Parameter<double> w(random_matrix(3, 2, 200));
  Matrix<double> x = random_matrix(2, 3, 201, 0.5, 1.5);
  x(1, 2) = 0;  // relu(0) = 0, then log(0) = -inf
  Graph<double> g;
  keisan::AnomalyScope guard(g);
  auto build = [&] {
    auto l = keisan::log(keisan::relu(g.input(x)) + 0.0);  // nodes 0-3
    auto h = keisan::matmul(l, g.param(w));
    return keisan::sum(keisan::tanh(h));
  };
  REQUIRE_THROWS_MATCHES(build(), keisan::NumericError,
                         Catch::Matchers::Message("keisan: anomaly in the forward pass: node 3 'log' (input shapes "
                                                  "2x3) produced -inf at (1,2)"));
}

TEST_CASE("AnomalyScope: 0/0 names the div node; a gradient overflow names the backward rule", "[core]") {
  Matrix<double> zeros = Matrix<double>::Zero(2, 2);
  Graph<double> g;
  keisan::AnomalyScope guard(g);
  auto z = g.input(zeros);
  // The check runs right after the op's forward rule (0/0 is a NaN, printed "nan" or "-nan").
  REQUIRE_THROWS_WITH(z / z, Catch::StartsWith("keisan: anomaly in the forward pass: node 1 'div' (input shapes 2x2, "
                                               "2x2) produced ") &&
                                 Catch::EndsWith("nan at (0,0)"));

  g.clear();
  Parameter<double> a(Matrix<double>::Ones(1, 2)), b(Matrix<double>::Constant(1, 2, 1e-200));
  auto av = g.param(a);
  auto bv = g.param(b);
  auto loss = keisan::sum(av / bv);  // 1e200: finite; d/db = -a/b^2 = -inf
  REQUIRE(std::isfinite(loss.value()(0, 0)));
  REQUIRE_THROWS_MATCHES(
      g.backward(loss), keisan::NumericError,
      Catch::Matchers::Message("keisan: anomaly in the backward pass: node 2 'div' (input shapes "
                               "1x2, 1x2) gave input 1 (node 1 'param') a gradient of -inf at (0,0)"));
}

TEST_CASE("AnomalyScope: NaN in the data is named at its leaf, before any op runs on it", "[core]") {
  Matrix<double> x = Matrix<double>::Ones(2, 3);
  x(0, 1) = std::numeric_limits<double>::quiet_NaN();
  Graph<double> g;
  keisan::AnomalyScope guard(g);
  Parameter<double> w(Matrix<double>::Ones(3, 1));
  auto wv = g.param(w);
  REQUIRE_THROWS_MATCHES(
      g.input(x), keisan::NumericError,
      Catch::Matchers::Message("keisan: anomaly in the forward pass: node 1 'input' holds nan at (0,1)"));
  REQUIRE_THROWS_WITH(g.constant(x), "keisan: anomaly in the forward pass: node 2 'constant' holds nan at (0,1)");
  REQUIRE(wv.value()(0, 0) == 1);
}

TEST_CASE("AnomalyScope: off by default, and restored when the scope ends", "[core]") {
  Matrix<double> zeros = Matrix<double>::Zero(1, 1);
  Graph<double> g;
  REQUIRE_FALSE(g.detect_anomaly());
  auto y = keisan::log(g.input(zeros)) * 2.0;  // -inf flows on silently
  REQUIRE(std::isinf(y.value()(0, 0)));
  {
    keisan::AnomalyScope guard(g);
    REQUIRE(g.detect_anomaly());
  }
  REQUIRE_FALSE(g.detect_anomaly());
}

TEST_CASE("to_dot: values as circles, functions as boxes, with shapes and norms", "[core][check]") {
  Parameter<double> w(Matrix<double>::Constant(3, 2, 0.5)), b(Matrix<double>::Zero(1, 2));
  Matrix<double> x = Matrix<double>::Ones(4, 3);
  Graph<double> g;
  auto loss = keisan::mean(keisan::sigmoid(keisan::affine(g.input(x), w, b)));
  g.backward(loss);
  const std::string dot = keisan::to_dot(g, {true});
  REQUIRE(dot.rfind("digraph keisan {", 0) == 0);
  REQUIRE_THAT(dot, Catch::Contains("v0 [shape=circle, label=\"input\\n4x3\\n|v|=3.46\", style=dashed];"));
  REQUIRE_THAT(dot, Catch::Contains("f3 [shape=box, label=\"affine\"];"));
  REQUIRE_THAT(dot, Catch::Contains("v0 -> f3;\n  v1 -> f3;\n  v2 -> f3;\n  f3 -> v3;"));
  REQUIRE_THAT(dot, Catch::Contains("f5 [shape=box, label=\"mean\"];"));
  REQUIRE_THAT(dot, Catch::Contains("|g|=1"));  // dL/dL
  REQUIRE(dot.substr(dot.size() - 2) == "}\n");
  // Parameters named: their circles say which is which (quotes escaped for DOT).
  const std::string named = keisan::to_dot(g, {}, {{"fc.W", &w}, {"b\"1", &b}});
  REQUIRE_THAT(named, Catch::Contains("v1 [shape=circle, label=\"fc.W\\n3x2\"];"));
  REQUIRE_THAT(named, Catch::Contains("v2 [shape=circle, label=\"b\\\"1\\n1x2\"];"));
}
