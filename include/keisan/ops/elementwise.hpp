// keisan ops: elementwise functions of one Var: sigmoid, relu, tanh, exp, log, square.
// SPDX-License-Identifier: MIT
#pragma once

#include "keisan/core/graph.hpp"

namespace keisan {
namespace detail {

/// Records `op` on x with `out = f(x)`, both as arrays.
template <class Scalar, class F>
Var<Scalar> unary(const char* op, const Var<Scalar>& x, BackwardFn<Scalar> backward, F f) {
  Var<Scalar> y = x.graph().record(op, {x}, backward);
  Matrix<Scalar>& out = y.node().out();
  out.resize(x.rows(), x.cols());
  out.array() = f(x.value().array());
  return y;
}

// Backward rules use the output where it is cheaper than the input (sigmoid, tanh, exp).
template <class Scalar>
void sigmoid_backward(Graph<Scalar>& g, Node<Scalar>& n) {
  const auto y = n.value->array();
  g.node(n.inputs[0]).accumulate(n.grad().array() * y * (Scalar(1) - y));
}

template <class Scalar>
void relu_backward(Graph<Scalar>& g, Node<Scalar>& n) {
  g.node(n.inputs[0]).accumulate((n.value->array() > Scalar(0)).select(n.grad().array(), Scalar(0)));
}

template <class Scalar>
void tanh_backward(Graph<Scalar>& g, Node<Scalar>& n) {
  const auto y = n.value->array();
  g.node(n.inputs[0]).accumulate(n.grad().array() * (Scalar(1) - y.square()));
}

template <class Scalar>
void exp_backward(Graph<Scalar>& g, Node<Scalar>& n) {
  g.node(n.inputs[0]).accumulate(n.grad().array() * n.value->array());
}

template <class Scalar>
void log_backward(Graph<Scalar>& g, Node<Scalar>& n) {
  Node<Scalar>& x = g.node(n.inputs[0]);
  x.accumulate(n.grad().array() / x.value->array());
}

template <class Scalar>
void square_backward(Graph<Scalar>& g, Node<Scalar>& n) {
  Node<Scalar>& x = g.node(n.inputs[0]);
  x.accumulate(Scalar(2) * n.grad().array() * x.value->array());
}

}  // namespace detail

/// 1 / (1 + exp(-x)), elementwise.
template <class Scalar>
[[nodiscard]] Var<Scalar> sigmoid(const Var<Scalar>& x) {
  return detail::unary("sigmoid", x, &detail::sigmoid_backward<Scalar>, [](const auto& a) { return a.logistic(); });
}

/// max(x, 0), elementwise. The gradient at exactly 0 is taken as 0.
template <class Scalar>
[[nodiscard]] Var<Scalar> relu(const Var<Scalar>& x) {
  return detail::unary("relu", x, &detail::relu_backward<Scalar>, [](const auto& a) { return a.max(Scalar(0)); });
}

/// Hyperbolic tangent, elementwise.
template <class Scalar>
[[nodiscard]] Var<Scalar> tanh(const Var<Scalar>& x) {
  return detail::unary("tanh", x, &detail::tanh_backward<Scalar>, [](const auto& a) { return a.tanh(); });
}

/// e^x, elementwise.
template <class Scalar>
[[nodiscard]] Var<Scalar> exp(const Var<Scalar>& x) {
  return detail::unary("exp", x, &detail::exp_backward<Scalar>, [](const auto& a) { return a.exp(); });
}

/// Natural logarithm, elementwise (NaN/-inf for x <= 0, as in C).
template <class Scalar>
[[nodiscard]] Var<Scalar> log(const Var<Scalar>& x) {
  return detail::unary("log", x, &detail::log_backward<Scalar>, [](const auto& a) { return a.log(); });
}

/// x^2, elementwise.
template <class Scalar>
[[nodiscard]] Var<Scalar> square(const Var<Scalar>& x) {
  return detail::unary("square", x, &detail::square_backward<Scalar>, [](const auto& a) { return a.square(); });
}

}  // namespace keisan
