// keisan tests: matmul and affine.
// SPDX-License-Identifier: MIT
#include "support/helpers.hpp"

using keisan::Graph;
using keisan::Matrix;
using keisan::Parameter;
using keisan::ParameterList;
using keisan::test::random_matrix;

TEST_CASE("matmul and affine: forward values against hand-computed numbers", "[ops]") {
  Matrix<double> X(2, 3), W(3, 2), b(1, 2);
  X << 1, 2, 3, 4, 5, 6;
  W << 1, 0, 0, 1, 1, 1;
  b << 10, 20;
  Graph<double> g;
  Matrix<double> xw(2, 2), xwb(2, 2);
  xw << 4, 5, 10, 11;
  xwb << 14, 25, 20, 31;
  REQUIRE_CLOSE(keisan::matmul(g.input(X), g.input(W)).value(), xw, 0, 0);
  REQUIRE_CLOSE(keisan::affine(g.input(X), g.input(W), g.input(b)).value(), xwb, 0, 0);
}

TEST_CASE("matmul and affine: gradients match gradcheck", "[ops][check]") {
  Parameter<double> x(random_matrix(5, 4, 40)), w(random_matrix(4, 3, 41)), b(random_matrix(1, 3, 42));
  ParameterList<double> all{{"x", &x}, {"W", &w}, {"b", &b}};
  REQUIRE_GRADCHECK(
      [&](Graph<double>& g) { return keisan::sum(keisan::tanh(keisan::affine(g.param(x), g.param(w), g.param(b)))); },
      all);
  REQUIRE_GRADCHECK([&](Graph<double>& g) { return keisan::sum(keisan::tanh(keisan::matmul(g.param(x), g.param(w)))); },
                    ParameterList<double>{{"x", &x}, {"W", &w}});
}

TEST_CASE("matmul and affine: wrong shapes throw ShapeError naming both", "[ops]") {
  Matrix<double> X = random_matrix(100, 785, 43), W = random_matrix(784, 50, 44);
  Matrix<double> b = random_matrix(1, 50, 45), bad_b = random_matrix(50, 1, 46);
  Graph<double> g;
  REQUIRE_THROWS_MATCHES(
      keisan::affine(g.input(X), g.input(W), g.input(b)), keisan::ShapeError,
      Catch::Matchers::Message("keisan::affine: x is 100x785 and W is 784x50: x.cols must equal W.rows"));
  Matrix<double> X2 = random_matrix(100, 784, 47);
  REQUIRE_THROWS_WITH(keisan::affine(g.input(X2), g.input(W), g.input(bad_b)),
                      "keisan::affine: W is 784x50 and b is 50x1: b must be 1 x W.cols");
  REQUIRE_THROWS_WITH(keisan::matmul(g.input(X), g.input(W)),
                      "keisan::matmul: a is 100x785 and b is 784x50: a.cols must equal b.rows");
}
