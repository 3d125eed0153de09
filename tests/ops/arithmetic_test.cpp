// keisan tests: add, sub, mul, div with broadcasting, scalar operands, and their errors.
// SPDX-License-Identifier: MIT
#include "support/helpers.hpp"

using keisan::Graph;
using keisan::Matrix;
using keisan::Parameter;
using keisan::ParameterList;
using keisan::test::random_matrix;

namespace {
Matrix<double> m22(double a, double b, double c, double d) {
  Matrix<double> m(2, 2);
  m << a, b, c, d;
  return m;
}
}  // namespace

TEST_CASE("add/sub/mul/div: forward values, same shape and broadcast", "[ops]") {
  Matrix<double> A = m22(1, 2, 3, 4);
  Matrix<double> row(1, 2), col(2, 1), one(1, 1);
  row << 10, 20;
  col << 100, 200;
  one << 2;
  Graph<double> g;
  auto a = g.input(A);
  REQUIRE_CLOSE((a + a).value(), m22(2, 4, 6, 8), 0, 0);
  REQUIRE_CLOSE((a - g.input(row)).value(), m22(-9, -18, -7, -16), 0, 0);
  REQUIRE_CLOSE((g.input(row) - a).value(), m22(9, 18, 7, 16), 0, 0);
  REQUIRE_CLOSE((a * g.input(col)).value(), m22(100, 200, 600, 800), 0, 0);
  REQUIRE_CLOSE((a / g.input(one)).value(), m22(0.5, 1, 1.5, 2), 0, 0);
  REQUIRE_CLOSE((g.input(row) + g.input(col)).value(), m22(110, 120, 210, 220), 0, 0);
}

TEST_CASE("scalar operators: forward values", "[ops]") {
  Matrix<double> A = m22(1, 2, 4, 8);
  Graph<double> g;
  auto a = g.input(A);
  REQUIRE_CLOSE((a + 1).value(), m22(2, 3, 5, 9), 0, 0);
  REQUIRE_CLOSE((1 + a).value(), m22(2, 3, 5, 9), 0, 0);
  REQUIRE_CLOSE((a - 1).value(), m22(0, 1, 3, 7), 0, 0);
  REQUIRE_CLOSE((1 - a).value(), m22(0, -1, -3, -7), 0, 0);
  REQUIRE_CLOSE((a * 0.5).value(), m22(0.5, 1, 2, 4), 0, 0);
  REQUIRE_CLOSE((0.5 * a).value(), m22(0.5, 1, 2, 4), 0, 0);
  REQUIRE_CLOSE((a / 2).value(), m22(0.5, 1, 2, 4), 0, 0);
  REQUIRE_CLOSE((8 / a).value(), m22(8, 4, 2, 1), 0, 0);
  REQUIRE_CLOSE((-a).value(), m22(-1, -2, -4, -8), 0, 0);
}

TEST_CASE("add/sub/mul/div: gradients match gradcheck, broadcasting included", "[ops][check]") {
  // Shapes of b against a 4x3 a: same, row, column, scalar; and a broadcast on the left.
  const std::pair<keisan::Index, keisan::Index> shapes[] = {{4, 3}, {1, 3}, {4, 1}, {1, 1}};
  for (auto [r, c] : shapes) {
    Parameter<double> a(random_matrix(4, 3, 20));
    Parameter<double> b(random_matrix(r, c, 21, 0.5, 2.0));  // away from 0 for div
    ParameterList<double> params{{"a", &a}, {"b", &b}};
    INFO("b is " << r << "x" << c);
    // Each op feeds a nonlinear function so that every gradient element differs.
    REQUIRE_GRADCHECK([&](Graph<double>& g) { return keisan::sum(keisan::tanh(g.param(a) + g.param(b))); }, params);
    REQUIRE_GRADCHECK([&](Graph<double>& g) { return keisan::sum(keisan::tanh(g.param(a) - g.param(b))); }, params);
    REQUIRE_GRADCHECK([&](Graph<double>& g) { return keisan::sum(keisan::tanh(g.param(a) * g.param(b))); }, params);
    REQUIRE_GRADCHECK([&](Graph<double>& g) { return keisan::sum(keisan::tanh(g.param(a) / g.param(b))); }, params);
    REQUIRE_GRADCHECK([&](Graph<double>& g) { return keisan::sum(keisan::tanh(g.param(b) / g.param(a))); }, params);
  }
}

TEST_CASE("scalar operators: gradients match gradcheck", "[ops][check]") {
  Parameter<double> a(random_matrix(3, 2, 22, 0.5, 2.0));
  ParameterList<double> params{{"a", &a}};
  REQUIRE_GRADCHECK(
      [&](Graph<double>& g) {
        auto x = g.param(a);
        return keisan::sum(keisan::tanh((2 - x) * 0.7 + x / 3.0 - 1.5 / x + (-x) * x + (x + 1)));
      },
      params);
}

TEST_CASE("add/sub/mul/div: shapes that do not broadcast throw ShapeError naming the op", "[ops]") {
  Matrix<double> A = random_matrix(3, 4, 23), B = random_matrix(2, 4, 24), C = random_matrix(3, 2, 25);
  Graph<double> g;
  auto a = g.input(A), b = g.input(B), c = g.input(C);
  const char* rule = "shapes do not broadcast (each dimension must be equal, or 1 in one operand)";
  REQUIRE_THROWS_MATCHES(a + b, keisan::ShapeError,
                         Catch::Matchers::Message("keisan::add: a is 3x4 and b is 2x4: shapes do not broadcast (each "
                                                  "dimension must be equal, or 1 in one operand)"));
  REQUIRE_THROWS_WITH(a - c, std::string("keisan::sub: a is 3x4 and b is 3x2: ") + rule);
  REQUIRE_THROWS_WITH(b * a, std::string("keisan::mul: a is 2x4 and b is 3x4: ") + rule);
  REQUIRE_THROWS_WITH(c / a, std::string("keisan::div: a is 3x2 and b is 3x4: ") + rule);
  REQUIRE(g.size() == 3);  // a failed op records nothing
}
