// keisan tests: SGD (momentum, Nesterov, weight decay), AdaGrad, RMSProp, Adam.
// SPDX-License-Identifier: MIT
#include <Eigen/Cholesky>

#include "support/helpers.hpp"

using keisan::Matrix;
using keisan::Parameter;
using keisan::ParameterList;

namespace {
Matrix<double> row(double a, double b) {
  Matrix<double> m(1, 2);
  m << a, b;
  return m;
}

/// Runs `steps` updates of `opt` on w = [1, 2] with the fixed gradient g = [0.5, -1].
template <class Make>
Matrix<double> after_steps(int steps, Make make, Matrix<double>* state0 = nullptr, Matrix<double>* state1 = nullptr) {
  Parameter<double> w(row(1, 2));
  auto opt = make(ParameterList<double>{{"w", &w}});
  for (int s = 0; s < steps; ++s) {
    opt.zero_grad();
    w.mutable_grad() = row(0.5, -1);
    opt.step();
  }
  auto state = opt.state();
  if (state0) *state0 = *state.at(0).matrix;
  if (state1) *state1 = *state.at(1).matrix;
  return w.value();
}
}  // namespace

TEST_CASE("SGD: one and two steps against hand-computed numbers", "[optim]") {
  using keisan::SGD;
  REQUIRE_CLOSE(after_steps(1, [](auto p) { return SGD<double>(p, 0.1); }), row(0.95, 2.1), 1e-15, 0);
  Matrix<double> v;
  REQUIRE_CLOSE(after_steps(
                    2, [](auto p) { return SGD<double>(p, 0.1, {0.9}); }, &v),
                row(0.855, 2.29), 1e-15, 0);
  REQUIRE_CLOSE(v, row(0.95, -1.9), 1e-15, 0);
  REQUIRE_CLOSE(after_steps(1, [](auto p) { return SGD<double>(p, 0.1, {0.9, true}); }), row(0.905, 2.19), 1e-15, 0);
  REQUIRE_CLOSE(after_steps(1, [](auto p) { return SGD<double>(p, 0.1, {0, false, 0.1}); }), row(0.94, 2.08), 1e-15, 0);
}

TEST_CASE("AdaGrad, RMSProp, Adam: two steps and their state against hand-computed numbers", "[optim]") {
  Matrix<double> s0, s1;
  REQUIRE_CLOSE(after_steps(
                    2, [](auto p) { return keisan::AdaGrad<double>(p, 0.1); }, &s0),
                row(0.8292893518813398, 2.170710663118656), 1e-14, 0);
  REQUIRE_CLOSE(s0, row(0.5, 2.0), 1e-15, 0);
  REQUIRE_CLOSE(after_steps(
                    2, [](auto p) { return keisan::RMSProp<double>(p, 0.1); }, &s0),
                row(-0.7088781999886351, 3.7088797024971294), 1e-13, 0);
  REQUIRE_CLOSE(s0, row(0.004975, 0.0199), 1e-13, 0);
  REQUIRE_CLOSE(after_steps(
                    2, [](auto p) { return keisan::Adam<double>(p, 0.1); }, &s0, &s1),
                row(0.8000000040000005, 2.1999999979999996), 1e-14, 0);
  REQUIRE_CLOSE(s0, row(0.095, -0.19), 1e-14, 0);
  REQUIRE_CLOSE(s1, row(0.00049975, 0.001999), 1e-13, 0);
}

TEST_CASE("Optimizers: state is named and includes Adam's step count", "[optim]") {
  Parameter<double> w(row(1, 2)), b(row(0, 0));
  keisan::Adam<double> adam({{"fc.W", &w}, {"fc.b", &b}});
  w.mutable_grad() = row(1, 1);
  adam.step();
  auto state = adam.state();
  REQUIRE(state.size() == 5);
  REQUIRE(state[0].name == "fc.W.m");
  REQUIRE(state[3].name == "fc.b.v");
  REQUIRE(state[4].name == "step");
  REQUIRE(state[4].is_integer());
  REQUIRE(*state[4].integer == 1);
}

TEST_CASE("Optimizers: each converges to the least-squares minimum", "[optim]") {
  // min_w |A w - y|^2 / n has the unique minimum w* = (A^T A)^-1 A^T y.
  const Matrix<double> A = keisan::test::random_matrix(40, 3, 100);
  const Matrix<double> y = keisan::test::random_matrix(40, 1, 101);
  const Matrix<double> w_star = (A.transpose() * A).ldlt().solve(A.transpose() * y);
  // `decay`: the rate drops 100x for the second half (RMSProp's constant-rate steps keep
  // hopping around the minimum by ~lr; a schedule settles it).
  auto solve = [&](auto make, int steps, bool decay = false) {
    Parameter<double> w(Matrix<double>::Zero(3, 1));
    auto opt = make(ParameterList<double>{{"w", &w}});
    keisan::Graph<double> g;
    for (int s = 0; s < steps; ++s) {
      if (decay && s == steps / 2) opt.set_learning_rate(opt.learning_rate() / 100);
      g.clear();
      opt.zero_grad();
      g.backward(keisan::mse(keisan::matmul(g.input(A), g.param(w)), g.input(y)));
      opt.step();
    }
    return w.value();
  };
  REQUIRE_CLOSE(solve([](auto p) { return keisan::SGD<double>(p, 0.5); }, 2000), w_star, 1e-6, 1e-8);
  REQUIRE_CLOSE(solve([](auto p) { return keisan::SGD<double>(p, 0.1, {0.9}); }, 2000), w_star, 1e-6, 1e-8);
  REQUIRE_CLOSE(solve([](auto p) { return keisan::SGD<double>(p, 0.1, {0.9, true}); }, 2000), w_star, 1e-6, 1e-8);
  REQUIRE_CLOSE(solve([](auto p) { return keisan::AdaGrad<double>(p, 0.5); }, 3000), w_star, 1e-6, 1e-8);
  REQUIRE_CLOSE(solve([](auto p) { return keisan::RMSProp<double>(p, 0.001); }, 6000, true), w_star, 1e-4, 1e-6);
  REQUIRE_CLOSE(solve([](auto p) { return keisan::Adam<double>(p, 0.01); }, 6000, true), w_star, 1e-5, 1e-7);
}

TEST_CASE("Optimizers: bad arguments throw ValueError naming the problem", "[optim]") {
  Parameter<double> w(row(1, 2));
  ParameterList<double> params{{"w", &w}};
  using Catch::Matchers::Message;
  REQUIRE_THROWS_MATCHES(keisan::SGD<double>(params, -0.1), keisan::ValueError,
                         Message("keisan::SGD: learning rate must be >= 0 and finite, got -0.100000"));
  REQUIRE_THROWS_WITH(keisan::SGD<double>(params, 0.1, {1.0}), "keisan::SGD: momentum must be in [0, 1), got 1.000000");
  REQUIRE_THROWS_WITH(keisan::SGD<double>(params, 0.1, {0, true}), "keisan::SGD: nesterov needs momentum > 0");
  REQUIRE_THROWS_WITH(keisan::SGD<double>(params, 0.1, {0, false, -1}),
                      "keisan::SGD: weight_decay must be >= 0, got -1.000000");
  REQUIRE_THROWS_WITH(keisan::AdaGrad<double>(params, 0.1, {0}), "keisan::AdaGrad: eps must be > 0, got 0.000000");
  REQUIRE_THROWS_WITH(keisan::RMSProp<double>(params, 0.1, {1.5}),
                      "keisan::RMSProp: rho must be in [0, 1), got 1.500000");
  REQUIRE_THROWS_WITH(keisan::Adam<double>(params, 0.1, {0.9, 1.0}),
                      "keisan::Adam: beta2 must be in [0, 1), got 1.000000");
  keisan::Adam<double> adam(params);
  REQUIRE_THROWS_WITH(adam.set_learning_rate(std::nan("")), Catch::Contains("learning rate must be >= 0 and finite"));
  adam.set_learning_rate(0.5);
  REQUIRE(adam.learning_rate() == 0.5);
  REQUIRE_THROWS_WITH(keisan::SGD<double>(ParameterList<double>{{"x", nullptr}}, 0.1),
                      "keisan::SGD: parameter 'x' is null");
}
