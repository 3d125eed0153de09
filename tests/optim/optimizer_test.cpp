// keisan tests: SGD (momentum, Nesterov), AdaGrad, RMSProp, Adam; what they share: weight decay
// (all or weights only), skipping parameters without a gradient, the saveable state, shape checks.
// SPDX-License-Identifier: MIT
#include <Eigen/Cholesky>
#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <tuple>
#include <utility>
#include <vector>

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

TEST_CASE("AdaGrad, RMSProp: options structs set eps and rho", "[optim]") {
  using keisan::AdaGradOptions;
  using keisan::RMSPropOptions;
  REQUIRE_CLOSE(after_steps(1, [](auto p) { return keisan::AdaGrad<double>(p, 0.1, AdaGradOptions{0.5}); }),
                row(0.95, 2.066666666666667), 1e-15, 0);
  Matrix<double> h;
  REQUIRE_CLOSE(after_steps(
                    1,
                    [](auto p) {
                      return keisan::RMSProp<double>(p, 0.1, RMSPropOptions{0.5, 0.5});
                    },
                    &h),
                row(0.9414213562373095, 2.082842712474619), 1e-15, 0);
  REQUIRE_CLOSE(h, row(0.125, 0.5), 1e-15, 0);
}

namespace {
/// Two parameters of the same value and gradient, one a weight ("fc.W") and one a bias ("fc.b").
struct WeightAndBias {
  Parameter<double> W{row(1, 2)}, b{row(1, 2)};
  ParameterList<double> params() { return {{"fc.W", &W}, {"fc.b", &b}}; }
  void set_grads(const Matrix<double>& g) {
    W.mutable_grad() = g;
    b.mutable_grad() = g;
  }
};

/// One step of optimizer #which (0 SGD, 1 SGD with momentum, 2 AdaGrad, 3 RMSProp, 4 Adam) with
/// the given shared options, on `net` whose gradients are `g`.
void one_step(int which, WeightAndBias& net, const Matrix<double>& g, double wd, keisan::Decay decay,
              bool skip = true) {
  std::unique_ptr<keisan::Optimizer<double>> opt;
  switch (which) {
    case 0:
      opt = std::make_unique<keisan::SGD<double>>(net.params(), 0.1, keisan::SGDOptions{0, false, wd, decay, skip});
      break;
    case 1:
      opt = std::make_unique<keisan::SGD<double>>(net.params(), 0.1, keisan::SGDOptions{0.9, true, wd, decay, skip});
      break;
    case 2:
      opt = std::make_unique<keisan::AdaGrad<double>>(net.params(), 0.1, keisan::AdaGradOptions{1e-7, wd, decay, skip});
      break;
    case 3:
      opt = std::make_unique<keisan::RMSProp<double>>(net.params(), 0.1,
                                                      keisan::RMSPropOptions{0.99, 1e-7, wd, decay, skip});
      break;
    default:
      opt = std::make_unique<keisan::Adam<double>>(net.params(), 0.1,
                                                   keisan::AdamOptions{0.9, 0.999, 1e-8, wd, decay, skip});
      break;
  }
  net.set_grads(g);
  opt->step();
}
}  // namespace

TEST_CASE("Weight decay: every optimizer adds lambda * w to the gradient; weights_only leaves biases alone",
          "[optim]") {
  using keisan::Decay;
  const Matrix<double> g = row(0.5, -1);
  for (int which = 0; which < 5; ++which) {
    INFO("optimizer #" << which);
    // Decay is the gradient g + 0.1 w: the same step as no decay with that gradient.
    WeightAndBias decayed, reference, only_w;
    one_step(which, decayed, g, 0.1, Decay::all);
    one_step(which, reference, g + 0.1 * row(1, 2), 0, Decay::all);
    REQUIRE_CLOSE(decayed.W.value(), reference.W.value(), 1e-15, 0);
    REQUIRE_CLOSE(decayed.b.value(), reference.b.value(), 1e-15, 0);
    // weights_only: W as with decay, b as without.
    WeightAndBias plain;
    one_step(which, plain, g, 0, Decay::all);
    one_step(which, only_w, g, 0.1, Decay::weights_only);
    REQUIRE_CLOSE(only_w.W.value(), reference.W.value(), 1e-15, 0);
    REQUIRE_CLOSE(only_w.b.value(), plain.b.value(), 1e-15, 0);
    REQUIRE(only_w.W.value() != plain.W.value());
    // The gradient the parameter holds is not changed by the decay.
    REQUIRE(only_w.W.grad() == g);
  }
  // With a zero (but written) gradient, SGD's decay alone shrinks W by lr * lambda and b not at all.
  WeightAndBias net;
  one_step(0, net, row(0, 0), 0.5, Decay::weights_only);
  REQUIRE_CLOSE(net.W.value(), row(0.95, 1.9), 1e-15, 0);
  REQUIRE(net.b.value() == row(1, 2));
  one_step(0, net, row(0, 0), 0.5, Decay::all);
  REQUIRE_CLOSE(net.b.value(), row(0.95, 1.9), 1e-15, 0);
}

TEST_CASE("Weight decay: is_weight_name excludes biases and normalisation parameters", "[optim]") {
  using keisan::is_weight_name;
  for (const char* weight : {"W", "0.W", "fc1.weight", "W2", "2.W", "embedding", "fc.bias_scale", "beta_x"})
    CHECK(is_weight_name(weight));
  for (const char* not_weight : {"b", "0.b", "fc.bias", "b1", "bias", "bn.gamma", "bn.beta", "gamma1", "beta3", "1.b"})
    CHECK_FALSE(is_weight_name(not_weight));
  // Sequential's names: the Affine layers' W decay, their b do not.
  keisan::Rng rng(3);
  keisan::Sequential<double> net;
  net.add(keisan::Affine<double>(2, 3, keisan::Init::xavier, rng))
      .add(keisan::Tanh<double>())
      .add(keisan::Affine<double>(3, 1, keisan::Init::xavier, rng));
  const Matrix<double> b_before = net.parameters()[1].parameter->value();
  const Matrix<double> W_before = net.parameters()[0].parameter->value();
  keisan::SGD<double> sgd(net.parameters(), 0.1, {0, false, 0.5, keisan::Decay::weights_only});
  for (auto& p : net.parameters()) p.parameter->mutable_grad().setZero();
  sgd.step();
  REQUIRE(net.parameters()[1].parameter->value() == b_before);
  REQUIRE_CLOSE(net.parameters()[0].parameter->value(), Matrix<double>(0.95 * W_before), 1e-15, 0);
}

TEST_CASE("Optimizers: a parameter without a gradient is skipped by default, updated with zeros on request",
          "[optim]") {
  // Step 1: both parameters get g; step 2: only w does (u's gradient stays zero_grad()'s).
  auto run = [](auto make, Matrix<double>* u_out, std::vector<Matrix<double>>* slots) {
    Parameter<double> w(row(1, 2)), u(row(1, 2));
    auto opt = make(ParameterList<double>{{"w", &w}, {"u", &u}});
    opt.zero_grad();
    w.mutable_grad() = row(0.5, -1);
    u.mutable_grad() = row(0.5, -1);
    opt.step();
    opt.zero_grad();
    w.mutable_grad() = row(0.5, -1);
    REQUIRE(u.grad_is_zero());
    std::vector<Matrix<double>> before;
    for (auto& t : opt.state())
      if (!t.is_integer() && t.name.rfind("u.", 0) == 0) before.push_back(*t.matrix);
    const Matrix<double> u_before = u.value();
    opt.step();
    REQUIRE(opt.steps() == 2);
    *u_out = u.value();
    slots->clear();
    for (auto& t : opt.state())
      if (!t.is_integer() && t.name.rfind("u.", 0) == 0) slots->push_back(*t.matrix);
    return std::make_pair(u_before, before);
  };
  using keisan::Decay;
  Matrix<double> u;
  std::vector<Matrix<double>> slots;
  // Skipped (the default): value and every slot exactly as after step 1.
  auto [u1, slots1] = run([](auto p) { return keisan::SGD<double>(p, 0.1, {0.9, false, 0.1}); }, &u, &slots);
  REQUIRE(u == u1);
  REQUIRE(slots == slots1);
  std::tie(u1, slots1) = run([](auto p) { return keisan::Adam<double>(p, 0.1, {0.9, 0.999, 1e-8, 0.1}); }, &u, &slots);
  REQUIRE(u == u1);
  REQUIRE(slots == slots1);
  std::tie(u1, slots1) = run([](auto p) { return keisan::AdaGrad<double>(p, 0.1, {1e-7, 0.1}); }, &u, &slots);
  REQUIRE(u == u1);
  REQUIRE(slots == slots1);
  std::tie(u1, slots1) = run([](auto p) { return keisan::RMSProp<double>(p, 0.1, {0.99, 1e-7, 0.1}); }, &u, &slots);
  REQUIRE(u == u1);
  REQUIRE(slots == slots1);

  // Updated with a zero gradient: momentum keeps moving u (v = 0.9 v; u -= 0.1 v).
  run([](auto p) { return keisan::SGD<double>(p, 0.1, {0.9, false, 0, Decay::all, false}); }, &u, &slots);
  REQUIRE_CLOSE(u, row(0.905, 2.19), 1e-15, 0);
  REQUIRE_CLOSE(slots.at(0), row(0.45, -0.9), 1e-15, 0);
  // ... weight decay shrinks it (u -= 0.1 * 0.1 u after step 1's u = [0.94, 2.08]) ...
  run([](auto p) { return keisan::SGD<double>(p, 0.1, {0, false, 0.1, Decay::all, false}); }, &u, &slots);
  REQUIRE_CLOSE(u, row(0.94 * 0.99, 2.08 * 0.99), 1e-15, 0);
  // ... and Adam's moments decay and its momentum moves it.
  std::tie(u1, slots1) = run(
      [](auto p) {
        return keisan::Adam<double>(p, 0.1, {0.9, 0.999, 1e-8, 0, Decay::all, false});
      },
      &u, &slots);
  REQUIRE(u != u1);
  REQUIRE_CLOSE(slots.at(0), Matrix<double>(0.9 * slots1.at(0)), 1e-15, 0);
  REQUIRE_CLOSE(slots.at(1), Matrix<double>(0.999 * slots1.at(1)), 1e-15, 0);
}

TEST_CASE("Optimizers: every optimizer counts its steps as an integer in its state", "[optim]") {
  Parameter<double> w(row(1, 2));
  ParameterList<double> params{{"0.W", &w}};
  keisan::SGD<double> sgd(params, 0.1);
  keisan::AdaGrad<double> adagrad(params, 0.1);
  keisan::RMSProp<double> rmsprop(params, 0.1);
  keisan::Adam<double> adam(params, 0.1);
  for (keisan::Optimizer<double>* opt : std::vector<keisan::Optimizer<double>*>{&sgd, &adagrad, &rmsprop, &adam}) {
    REQUIRE(opt->steps() == 0);
    for (int i = 0; i < 3; ++i) {
      w.mutable_grad() = row(0.5, -1);
      opt->step();
    }
    REQUIRE(opt->steps() == 3);
    auto state = opt->state();
    REQUIRE(state.back().name == "step");
    REQUIRE(state.back().is_integer());
    REQUIRE(state.back().matrix == nullptr);
    REQUIRE(*state.back().integer == 3);
    *state.back().integer = 41;
    REQUIRE(opt->steps() == 41);
  }
  REQUIRE(sgd.state().size() == 1);  // plain SGD: no slots, only the count
  REQUIRE(adam.state().at(0).name == "0.W.m");
  REQUIRE(adam.state().at(1).name == "0.W.v");
  REQUIRE(adagrad.state().at(0).name == "0.W.sum_sq");
  REQUIRE(rmsprop.state().at(0).name == "0.W.mean_sq");
  REQUIRE(keisan::SGD<double>(params, 0.1, {0.9}).state().at(0).name == "0.W.momentum");
}

TEST_CASE("Optimizers: state written back through state()'s pointers resumes bit for bit", "[optim]") {
  auto grad = [](int s) { return row(0.5 - 0.1 * s, -1 + 0.3 * s); };
  // Reference: 5 uninterrupted steps.
  Parameter<double> a(row(1, 2)), c(row(-1, 3));
  keisan::Adam<double> ref({{"a", &a}, {"c", &c}}, 0.1);
  for (int s = 0; s < 5; ++s) {
    a.mutable_grad() = grad(s);
    c.mutable_grad() = grad(s + 7);
    ref.step();
    ref.zero_grad();
  }
  // Interrupted after 3 steps: save values and state, restore into a new optimizer, continue.
  Parameter<double> a2(row(1, 2)), c2(row(-1, 3));
  std::vector<Matrix<double>> saved;
  std::int64_t saved_step = 0;
  {
    keisan::Adam<double> first({{"a", &a2}, {"c", &c2}}, 0.1);
    for (int s = 0; s < 3; ++s) {
      a2.mutable_grad() = grad(s);
      c2.mutable_grad() = grad(s + 7);
      first.step();
      first.zero_grad();
    }
    for (auto& t : first.state())
      if (t.is_integer())
        saved_step = *t.integer;
      else
        saved.push_back(*t.matrix);
  }
  keisan::Adam<double> resumed({{"a", &a2}, {"c", &c2}}, 0.1);
  std::size_t k = 0;
  for (auto& t : resumed.state())
    if (t.is_integer())
      *t.integer = saved_step;
    else
      *t.matrix = saved.at(k++);
  REQUIRE(resumed.steps() == 3);
  for (int s = 3; s < 5; ++s) {
    a2.mutable_grad() = grad(s);
    c2.mutable_grad() = grad(s + 7);
    resumed.step();
    resumed.zero_grad();
  }
  REQUIRE(a2.value() == a.value());
  REQUIRE(c2.value() == c.value());
}

TEST_CASE("Optimizers: a parameter or state slot of another shape, or a negative step count, is a ValueError at step()",
          "[optim]") {
  Parameter<double> W(row(1, 2)), b(row(3, 4));
  ParameterList<double> params{{"fc.W", &W}, {"fc.b", &b}};
  keisan::Adam<double> adam(params, 0.1);
  keisan::SGD<double> sgd(params, 0.1);
  W.mutable_grad() = row(1, 1);
  b.assign(Matrix<double>::Ones(3, 4));
  b.mutable_grad().setOnes();
  using Catch::Matchers::Message;
  REQUIRE_THROWS_MATCHES(adam.step(), keisan::ValueError,
                         Message("keisan::Adam: parameter 'fc.b' is 3x4 but the optimizer was built for 1x2 (build a "
                                 "new optimizer after changing its shape)"));
  REQUIRE_THROWS_WITH(sgd.step(),
                      "keisan::SGD: parameter 'fc.b' is 3x4 but the optimizer was built for 1x2 (build a "
                      "new optimizer after changing its shape)");
  REQUIRE(W.value() == row(1, 2));  // checked before anything moved
  REQUIRE(adam.steps() == 0);
  REQUIRE(*adam.state().at(0).matrix == Matrix<double>::Zero(1, 2));

  b.assign(row(3, 4));  // back to the built shape: steps work again
  adam.step();
  REQUIRE(adam.steps() == 1);
  // A restored slot of the wrong shape.
  *adam.state().at(3).matrix = Matrix<double>::Zero(2, 2);
  REQUIRE_THROWS_MATCHES(adam.step(), keisan::ValueError,
                         Message("keisan::Adam: state 'fc.b.v' is 2x2 but parameter 'fc.b' is 1x2"));
  REQUIRE(adam.steps() == 1);
  // A restored step count below zero.
  *adam.state().at(3).matrix = Matrix<double>::Zero(1, 2);
  *adam.state().back().integer = -1;
  REQUIRE_THROWS_WITH(adam.step(), "keisan::Adam: step count must be >= 0, got -1");
  REQUIRE(adam.steps() == -1);
}

TEST_CASE("Optimizers: weight decay arguments are checked for every optimizer", "[optim]") {
  Parameter<double> w(row(1, 2));
  ParameterList<double> params{{"w", &w}};
  REQUIRE_THROWS_MATCHES(keisan::Adam<double>(params, 0.1, {0.9, 0.999, 1e-8, -1}), keisan::ValueError,
                         Catch::Matchers::Message("keisan::Adam: weight_decay must be >= 0, got -1.000000"));
  REQUIRE_THROWS_WITH(keisan::AdaGrad<double>(params, 0.1, {1e-7, -0.5}),
                      "keisan::AdaGrad: weight_decay must be >= 0, got -0.500000");
  REQUIRE_THROWS_WITH(keisan::RMSProp<double>(params, 0.1, {0.99, 1e-7, std::numeric_limits<double>::infinity()}),
                      "keisan::RMSProp: weight_decay must be finite, got inf");
  REQUIRE_THROWS_WITH(keisan::SGD<double>(params, 0.1, {0, false, std::nan("")}),
                      "keisan::SGD: weight_decay must be >= 0, got nan");
  REQUIRE_THROWS_WITH(keisan::RMSProp<double>(params, 0.1, {0.9, 0}), "keisan::RMSProp: eps must be > 0, got 0.000000");
  REQUIRE_THROWS_WITH(keisan::Adam<double>(params, 0.1, {-0.1}),
                      "keisan::Adam: beta1 must be in [0, 1), got -0.100000");
  REQUIRE_THROWS_WITH(keisan::Adam<double>(params, 0.1, {0.9, 0.999, 0}),
                      "keisan::Adam: eps must be > 0, got 0.000000");
}
