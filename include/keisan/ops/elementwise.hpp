// keisan ops: elementwise functions of one Var: sigmoid, relu, tanh, exp, log, square.
// SPDX-License-Identifier: MIT
#pragma once

#include "keisan/core/graph.hpp"

namespace keisan {
namespace detail {

/// The forward rule `out = F{}(x)` of an elementwise op; F maps an array expression to another.
template <class Scalar, class F>
void unary_forward(Graph<Scalar>& g, Node<Scalar>& n) {
  const Matrix<Scalar>& x = *g.input(n, 0).value;
  Matrix<Scalar>& out = n.out();
  out.resize(x.rows(), x.cols());
  assign_rows(out.array(), F{}(x.array()));
}

struct Sigmoid {
  template <class A>
  auto operator()(const A& a) const {
    return a.logistic();
  }
};
struct Relu {
  template <class A>
  auto operator()(const A& a) const {
    return a.max(typename A::Scalar(0));
  }
};
struct Tanh {
  template <class A>
  auto operator()(const A& a) const {
    return a.tanh();
  }
};
struct Exp {
  template <class A>
  auto operator()(const A& a) const {
    return a.exp();
  }
};
struct Log {
  template <class A>
  auto operator()(const A& a) const {
    return a.log();
  }
};
struct Square {
  template <class A>
  auto operator()(const A& a) const {
    return a.square();
  }
};

template <class Scalar, class F>
Var<Scalar> unary(const char* op, const Var<Scalar>& x, BackwardFn<Scalar> backward) {
  return x.graph().record(op, {x}, &unary_forward<Scalar, F>, backward);
}

// Backward rules use the output where it is cheaper than the input (sigmoid, tanh, exp).
template <class Scalar>
void sigmoid_backward(Graph<Scalar>& g, Node<Scalar>& n) {
  const auto y = n.value->array();
  g.input(n, 0).accumulate(n.grad().array() * y * (Scalar(1) - y));
}

template <class Scalar>
void relu_backward(Graph<Scalar>& g, Node<Scalar>& n) {
  g.input(n, 0).accumulate((n.value->array() > Scalar(0)).select(n.grad().array(), Scalar(0)));
}

template <class Scalar>
void tanh_backward(Graph<Scalar>& g, Node<Scalar>& n) {
  const auto y = n.value->array();
  g.input(n, 0).accumulate(n.grad().array() * (Scalar(1) - y.square()));
}

template <class Scalar>
void exp_backward(Graph<Scalar>& g, Node<Scalar>& n) {
  g.input(n, 0).accumulate(n.grad().array() * n.value->array());
}

template <class Scalar>
void log_backward(Graph<Scalar>& g, Node<Scalar>& n) {
  Node<Scalar>& x = g.input(n, 0);
  x.accumulate(n.grad().array() / x.value->array());
}

template <class Scalar>
void square_backward(Graph<Scalar>& g, Node<Scalar>& n) {
  Node<Scalar>& x = g.input(n, 0);
  x.accumulate(Scalar(2) * n.grad().array() * x.value->array());
}

}  // namespace detail

/// 1 / (1 + exp(-x)), elementwise.
template <class Scalar>
[[nodiscard]] Var<Scalar> sigmoid(const Var<Scalar>& x) {
  return detail::unary<Scalar, detail::Sigmoid>("sigmoid", x, &detail::sigmoid_backward<Scalar>);
}

/// max(x, 0), elementwise. The gradient at exactly 0 is taken as 0.
template <class Scalar>
[[nodiscard]] Var<Scalar> relu(const Var<Scalar>& x) {
  return detail::unary<Scalar, detail::Relu>("relu", x, &detail::relu_backward<Scalar>);
}

/// Hyperbolic tangent, elementwise.
template <class Scalar>
[[nodiscard]] Var<Scalar> tanh(const Var<Scalar>& x) {
  return detail::unary<Scalar, detail::Tanh>("tanh", x, &detail::tanh_backward<Scalar>);
}

/// e^x, elementwise.
template <class Scalar>
[[nodiscard]] Var<Scalar> exp(const Var<Scalar>& x) {
  return detail::unary<Scalar, detail::Exp>("exp", x, &detail::exp_backward<Scalar>);
}

/// Natural logarithm, elementwise (NaN/-inf for x <= 0, as in C).
template <class Scalar>
[[nodiscard]] Var<Scalar> log(const Var<Scalar>& x) {
  return detail::unary<Scalar, detail::Log>("log", x, &detail::log_backward<Scalar>);
}

/// x^2, elementwise.
template <class Scalar>
[[nodiscard]] Var<Scalar> square(const Var<Scalar>& x) {
  return detail::unary<Scalar, detail::Square>("square", x, &detail::square_backward<Scalar>);
}

}  // namespace keisan
