// keisan tests: numerical_gradient and gradcheck, including a planted wrong gradient.
// SPDX-License-Identifier: MIT
#include "support/helpers.hpp"

using keisan::Graph;
using keisan::Matrix;
using keisan::Node;
using keisan::Parameter;
using keisan::ParameterList;
using keisan::Var;
using keisan::test::random_matrix;

namespace {
// A user-defined op with a deliberately wrong backward rule: y = x^3 but dy/dx claimed 2x.
void cube_forward(Graph<double>& g, Node<double>& n) {
  n.out() = g.input(n, 0).value->array().cube().matrix();
}
void wrong_cube_backward(Graph<double>& g, Node<double>& n) {
  Node<double>& x = g.input(n, 0);
  x.accumulate(2 * n.grad().array() * x.value->array());
}
Var<double> wrong_cube(const Var<double>& x) {
  return x.graph().record("wrong_cube", {x}, &cube_forward, &wrong_cube_backward);
}
}  // namespace

TEST_CASE("numerical_gradient: central differences of a known function", "[check]") {
  Parameter<double> p(random_matrix(2, 3, 80));
  Graph<double> g;
  auto f = [&] { return (p.value().array().cube()).sum(); };  // d/dp = 3 p^2
  const Matrix<double> before = p.value();
  const Matrix<double> num = keisan::numerical_gradient(f, p, 1e-4);
  REQUIRE(p.value() == before);  // every element restored exactly
  // The central stencil's error on a cubic is exactly h^2 f'''/6 = h^2: it is there, and nothing else.
  REQUIRE_CLOSE(num, (3 * before.array().square() + 1e-8).matrix().eval(), 0, 1e-11);
  const Matrix<double> five = keisan::numerical_gradient(f, p, 1e-3, keisan::Stencil::five_point);
  REQUIRE_CLOSE(five, (3 * before.array().square()).matrix().eval(), 0, 5e-12);  // exact on cubics
  REQUIRE_THROWS_MATCHES(keisan::numerical_gradient(f, p, 0.0), keisan::ValueError,
                         Catch::Matchers::Message("keisan::numerical_gradient: eps must be > 0, got 0.000000"));
}

TEST_CASE("gradcheck: passes a correct graph and reports every parameter", "[check]") {
  Parameter<double> w(random_matrix(3, 2, 81)), b(random_matrix(1, 2, 82));
  Matrix<double> X = random_matrix(4, 3, 83);
  const std::vector<int> y{0, 1, 1, 0};
  auto build = [&](Graph<double>& g) { return keisan::softmax_cross_entropy(keisan::affine(g.input(X), w, b), y); };
  const auto report = keisan::gradcheck<double>(build, ParameterList<double>{{"fc.W", &w}, {"fc.b", &b}});
  REQUIRE(report.passed());
  REQUIRE(report.entries.size() == 2);
  REQUIRE(report.entries[0].name == "fc.W");
  REQUIRE(report.entries[0].checked == 6);
  REQUIRE(report.entries[1].checked == 2);
  REQUIRE(report.max_rel_error() <= 1e-7);
  REQUIRE_THAT(report.to_string(), Catch::Contains("ok           fc.W"));
}

TEST_CASE("gradcheck: a wrong backward rule fails and is located", "[check]") {
  Parameter<double> a(random_matrix(2, 2, 84, 0.5, 1.5)), c(random_matrix(2, 2, 85));
  auto build = [&](Graph<double>& g) { return keisan::sum(wrong_cube(g.param(a)) + keisan::square(g.param(c))); };
  const auto report = keisan::gradcheck<double>(build, ParameterList<double>{{"a", &a}, {"c", &c}});
  REQUIRE_FALSE(report.passed());
  const auto& e = report.entries[0];
  REQUIRE(e.status == keisan::GradcheckEntry::Status::failed);
  REQUIRE(e.failures == 4);
  const double x = a.value()(e.worst_row, e.worst_col);
  REQUIRE(e.analytic == Catch::Approx(2 * x).epsilon(1e-12));
  REQUIRE(e.numeric == Catch::Approx(3 * x * x).epsilon(1e-8));
  REQUIRE(report.entries[1].status == keisan::GradcheckEntry::Status::passed);
  REQUIRE_THAT(report.to_string(), Catch::Contains("FAIL         a"));
}

TEST_CASE("gradcheck: an all-zero gradient is inconclusive, not a pass", "[check]") {
  Parameter<double> p(Matrix<double>::Constant(2, 2, -1.0)), q(random_matrix(2, 2, 86));
  auto build = [&](Graph<double>& g) { return keisan::sum(keisan::relu(g.param(p)) + keisan::square(g.param(q))); };
  const auto report = keisan::gradcheck<double>(build, ParameterList<double>{{"dead", &p}, {"q", &q}});
  REQUIRE(report.entries[0].status == keisan::GradcheckEntry::Status::inconclusive);
  REQUIRE(report.entries[0].both_zero == 4);
  REQUIRE_FALSE(report.passed());
  REQUIRE_THAT(report.to_string(), Catch::Contains("INCONCLUSIVE dead"));
}

TEST_CASE("gradcheck: refuses float unless allowed, then warns", "[check]") {
  Parameter<float> p(random_matrix<float>(2, 2, 87));
  auto build = [&](Graph<float>& g) { return keisan::sum(keisan::square(g.param(p))); };
  const ParameterList<float> params{{"p", &p}};
  REQUIRE_THROWS_WITH(keisan::gradcheck<float>(build, params),
                      Catch::StartsWith("keisan::gradcheck: refusing to check in float"));
  keisan::GradcheckOptions loose;
  loose.allow_float = true;
  loose.eps = 1e-2;
  loose.rtol = 1e-2;
  const auto report = keisan::gradcheck<float>(build, params, loose);
  REQUIRE(report.passed());
  REQUIRE(report.warnings.size() == 1);
}

TEST_CASE("gradcheck: a subset of elements, evenly strided", "[check]") {
  Parameter<double> p(random_matrix(10, 10, 88));
  keisan::GradcheckOptions opt;
  opt.max_elements_per_parameter = 7;
  const auto report = keisan::gradcheck<double>([&](Graph<double>& g) { return keisan::sum(keisan::tanh(g.param(p))); },
                                                ParameterList<double>{{"p", &p}}, opt);
  REQUIRE(report.entries[0].checked == 7);  // stride ceil(100/7) = 15: elements 0, 15, ..., 90
  REQUIRE(report.passed());
}
