// keisan tests: Graph, Var, Parameter and NoGradScope.
// SPDX-License-Identifier: MIT
#include "support/helpers.hpp"

using keisan::Graph;
using keisan::Matrix;
using keisan::Parameter;
using keisan::test::random_matrix;

TEST_CASE("Graph: records nodes in creation order and backward of (3+5)*10 is the book's", "[core]") {
  // Deep Learning from Scratch, 5.1: apples and oranges, as a graph of 1x1 values.
  Parameter<double> a(Matrix<double>::Constant(1, 1, 3.0));
  Parameter<double> b(Matrix<double>::Constant(1, 1, 5.0));
  Graph<double> g;
  auto s = g.param(a) + g.param(b);
  auto y = s * 10.0;
  REQUIRE(g.size() == 4);
  REQUIRE(std::string(g.node(2).op) == "add");
  REQUIRE(std::string(y.op()) == "scale_shift");
  REQUIRE(y.value()(0, 0) == 80.0);
  g.backward(y);
  REQUIRE(a.grad()(0, 0) == 10.0);
  REQUIRE(b.grad()(0, 0) == 10.0);
  REQUIRE(s.grad()(0, 0) == 10.0);
}

TEST_CASE("Graph: a value used by two consumers accumulates both gradients", "[core]") {
  Parameter<double> p(random_matrix(3, 4, 1));
  Graph<double> g;
  auto x = g.param(p);
  auto loss = keisan::sum(keisan::square(x) + x * 3.0);  // d/dx = 2x + 3
  g.backward(loss);
  Matrix<double> expected = (2 * p.value().array() + 3).matrix();
  REQUIRE_CLOSE(p.grad(), expected, 1e-15, 0);
  REQUIRE_GRADCHECK(
      [&](Graph<double>& gg) {
        auto v = gg.param(p);
        return keisan::sum(keisan::sigmoid(v) * keisan::tanh(v) + v);
      },
      keisan::ParameterList<double>{{"p", &p}});
}

TEST_CASE("Graph: input data gets no gradient, so the first layer computes no dX", "[core]") {
  Matrix<double> X = random_matrix(5, 4, 2);
  Parameter<double> W(random_matrix(4, 3, 3)), b(random_matrix(1, 3, 4));
  Graph<double> g;
  auto x = g.input(X);
  auto h = keisan::affine(x, W, b);
  REQUIRE_FALSE(x.requires_grad());
  REQUIRE(h.requires_grad());
  g.backward(keisan::sum(h));
  REQUIRE_THROWS_WITH(x.grad(),
                      "keisan::Var::grad: the value (op 'input') has no gradient: it is data, or was recorded in a "
                      "no-grad scope");
  REQUIRE(g.node(x.index()).own_grad.allocated() == 0);  // never allocated
  Matrix<double> ones = Matrix<double>::Ones(5, 3);
  REQUIRE_CLOSE(W.grad(), (X.transpose() * ones).eval(), 1e-14, 0);
  REQUIRE_CLOSE(b.grad(), Matrix<double>::Constant(1, 3, 5.0), 1e-14, 0);
}

TEST_CASE("Graph: parameter gradients accumulate across passes until zero_grad", "[core]") {
  Parameter<double> p(random_matrix(2, 2, 5));
  Graph<double> g;
  for (int i = 0; i < 2; ++i) {
    g.clear();
    g.backward(keisan::sum(g.param(p) * 2.0));
  }
  REQUIRE_CLOSE(p.grad(), Matrix<double>::Constant(2, 2, 4.0), 0, 0);
  p.zero_grad();
  REQUIRE(p.grad_is_zero());
  REQUIRE_CLOSE(p.grad(), Matrix<double>::Zero(2, 2), 0, 0);
}

TEST_CASE("Graph: clear() keeps buffers so the same step reuses them", "[core]") {
  Matrix<float> X = random_matrix<float>(8, 6, 6);
  Parameter<float> W(random_matrix<float>(6, 4, 7)), b(random_matrix<float>(1, 4, 8));
  Graph<float> g;
  const float* out_before = nullptr;
  const float* grad_before = nullptr;
  for (int step = 0; step < 3; ++step) {
    g.clear();
    auto h = keisan::sigmoid(keisan::affine(g.input(X), W, b));
    auto loss = keisan::mean(h);
    g.backward(loss);
    if (step == 0) {
      out_before = h.value().data();
      grad_before = h.grad().data();
    } else {
      REQUIRE(h.value().data() == out_before);
      REQUIRE(h.grad().data() == grad_before);
    }
  }
}

TEST_CASE("Graph: a no-grad scope records values only", "[core]") {
  Parameter<double> W(random_matrix(4, 3, 9)), b(random_matrix(1, 3, 10));
  Matrix<double> X = random_matrix(2, 4, 11);
  Graph<double> g;
  {
    keisan::NoGradScope guard(g);
    REQUIRE_FALSE(g.grad_enabled());
    auto y = keisan::sum(keisan::relu(keisan::affine(g.input(X), W, b)));
    REQUIRE_FALSE(y.requires_grad());
    for (std::size_t i = 0; i < g.size(); ++i) {
      REQUIRE(g.node(static_cast<keisan::Index>(i)).backward == nullptr);
      REQUIRE(g.node(static_cast<keisan::Index>(i)).own_grad.allocated() == 0);
    }
    REQUIRE_THROWS_MATCHES(g.backward(y), keisan::ValueError,
                           Catch::Matchers::Message("keisan::backward: the value (op 'sum') does not depend on any "
                                                    "Parameter, or was recorded in a no-grad scope"));
  }
  REQUIRE(g.grad_enabled());
}

TEST_CASE("Graph: misuse throws a clear error", "[core]") {
  Parameter<double> p(random_matrix(3, 2, 12));
  Graph<double> g, other;
  auto v = g.param(p);
  SECTION("a non-scalar loss names its shape") {
    REQUIRE_THROWS_MATCHES(g.backward(v), keisan::ShapeError,
                           Catch::Matchers::Message("keisan::backward: the loss must be 1x1, got 3x2 "
                                                    "(reduce it with sum() or mean(), or pass a seed gradient)"));
  }
  SECTION("a seed of the wrong shape") {
    REQUIRE_THROWS_WITH(g.backward(v, Matrix<double>::Ones(2, 3)),
                        "keisan::backward: seed is 2x3 but the value is 3x2");
  }
  SECTION("a loss that depends on no parameter") {
    Matrix<double> X = random_matrix(2, 2, 13);
    REQUIRE_THROWS_AS(g.backward(keisan::sum(g.input(X))), keisan::ValueError);  // message: see the no-grad test
  }
  SECTION("a Var from another graph") {
    REQUIRE_THROWS_WITH(other.backward(keisan::sum(v)),
                        "keisan::backward: the Var does not belong to this graph (another graph, or a Var kept "
                        "across clear())");
    auto w = other.param(p);
    REQUIRE_THROWS_WITH(v + w, "keisan::add: operands belong to different graphs");
  }
  SECTION("a Var kept across clear()") {
    g.clear();
    REQUIRE_THROWS_WITH(v.value(), "keisan::Var: stale handle (the graph was cleared since it was recorded)");
  }
  SECTION("an empty Var") {
    keisan::Var<double> empty;
    REQUIRE_THROWS_WITH(empty.value(), "keisan::Var: empty handle (default-constructed Var)");
  }
}

TEST_CASE("Graph: constant() copies and backward(y, seed) gives a vector-Jacobian product", "[core]") {
  Parameter<double> p(random_matrix(2, 3, 14));
  Graph<double> g;
  auto c = g.constant(Matrix<double>::Constant(2, 3, 2.0));
  auto y = g.param(p) * c;
  Matrix<double> seed = random_matrix(2, 3, 15);
  g.backward(y, seed);
  REQUIRE_CLOSE(p.grad(), (2.0 * seed).eval(), 1e-15, 0);
  g.backward(y, seed);  // running backward again accumulates into parameters only
  REQUIRE_CLOSE(p.grad(), (4.0 * seed).eval(), 1e-15, 0);
}
