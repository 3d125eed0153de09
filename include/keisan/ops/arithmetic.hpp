// keisan ops: elementwise + - * / between Vars (with 2-D broadcasting) and with scalars,
// and the operators that spell them.
// SPDX-License-Identifier: MIT
#pragma once

#include <functional>
#include <type_traits>

#include "keisan/core/graph.hpp"
#include "keisan/detail/shape_check.hpp"

namespace keisan {
namespace detail {

/// `m` repeated to rows x cols (m's dimensions are equal to those, or 1). An empty result
/// (rows or cols 0, numpy's broadcasting of an empty operand) repeats nothing.
template <class Scalar>
auto expand(const Matrix<Scalar>& m, Index rows, Index cols) {
  return m.replicate(rows == 0 ? 0 : rows / m.rows(), cols == 0 ? 0 : cols / m.cols()).array();
}

/// Adds `e` (shaped like the output) into input `in`, summed over the dimensions `in` was
/// broadcast along.
template <class Scalar, class Expr>
void accumulate_reduced(Node<Scalar>& in, const Expr& e) {
  if (!in.needs_grad()) return;
  const Index r = in.value->rows(), c = in.value->cols();
  if (r == e.rows() && c == e.cols()) {
    in.accumulate(e);
  } else if (r == 1 && c == e.cols()) {
    in.accumulate(e.colwise().sum());
  } else if (c == 1 && r == e.rows()) {
    in.accumulate(e.rowwise().sum());
  } else {
    in.accumulate(Matrix<Scalar>::Constant(1, 1, e.sum()));
  }
}

/// The forward rule `out = F{}(a, b)` of a broadcasting binary op, F mapping two arrays to one.
template <class Scalar, class F>
void binary_forward(Graph<Scalar>& g, Node<Scalar>& n) {
  const Matrix<Scalar>& a = *g.input(n, 0).value;
  const Matrix<Scalar>& b = *g.input(n, 1).value;
  const Index rows = broadcast_dim(a.rows(), b.rows()), cols = broadcast_dim(a.cols(), b.cols());
  Matrix<Scalar>& out = n.out();
  out.resize(rows, cols);
  if (a.rows() == rows && a.cols() == cols && b.rows() == rows && b.cols() == cols) {
    out.array() = F{}(a.array(), b.array());
  } else {
    out.array() = F{}(expand(a, rows, cols), expand(b, rows, cols));
  }
}

/// Records a broadcasting binary op after checking that the shapes broadcast.
template <class Scalar, class F>
Var<Scalar> binary(const char* op, const Var<Scalar>& a, const Var<Scalar>& b, BackwardFn<Scalar> backward) {
  require_same_graph(op, a, b);
  Index rows = 0, cols = 0;
  broadcast_shape(op, a, b, rows, cols);
  return a.graph().record(op, {a, b}, &binary_forward<Scalar, F>, backward);
}

template <class Scalar>
void add_backward(Graph<Scalar>& g, Node<Scalar>& n) {
  accumulate_reduced(g.input(n, 0), n.grad().array());
  accumulate_reduced(g.input(n, 1), n.grad().array());
}

template <class Scalar>
void sub_backward(Graph<Scalar>& g, Node<Scalar>& n) {
  accumulate_reduced(g.input(n, 0), n.grad().array());
  accumulate_reduced(g.input(n, 1), -n.grad().array());
}

template <class Scalar>
void mul_backward(Graph<Scalar>& g, Node<Scalar>& n) {
  Node<Scalar>& a = g.input(n, 0);
  Node<Scalar>& b = g.input(n, 1);
  const Index r = n.value->rows(), c = n.value->cols();
  accumulate_reduced(a, n.grad().array() * expand(*b.value, r, c));
  accumulate_reduced(b, n.grad().array() * expand(*a.value, r, c));
}

template <class Scalar>
void div_backward(Graph<Scalar>& g, Node<Scalar>& n) {
  Node<Scalar>& a = g.input(n, 0);
  Node<Scalar>& b = g.input(n, 1);
  const Index r = n.value->rows(), c = n.value->cols();
  // d(a/b)/da = 1/b; d(a/b)/db = -a/b^2 = -y/b
  accumulate_reduced(a, n.grad().array() / expand(*b.value, r, c));
  accumulate_reduced(b, -n.grad().array() * n.value->array() / expand(*b.value, r, c));
}

template <class Scalar>
void scale_shift_forward(Graph<Scalar>& g, Node<Scalar>& n) {
  n.out() = (n.scalars[0] * g.input(n, 0).value->array() + n.scalars[1]).matrix();
}

template <class Scalar>
void scale_shift_backward(Graph<Scalar>& g, Node<Scalar>& n) {
  g.input(n, 0).accumulate(n.scalars[0] * n.grad().array());
}

template <class Scalar>
void scalar_div_forward(Graph<Scalar>& g, Node<Scalar>& n) {
  n.out() = (n.scalars[0] / g.input(n, 0).value->array()).matrix();
}

template <class Scalar>
void scalar_div_backward(Graph<Scalar>& g, Node<Scalar>& n) {
  Node<Scalar>& x = g.input(n, 0);
  // d(c/x)/dx = -c/x^2 = -y/x (the constant c is scalars[0])
  x.accumulate(-n.grad().array() * n.value->array() / x.value->array());
}

}  // namespace detail

/// Elementwise a + b. Shapes broadcast in 2-D: each dimension equal, or 1 in one operand
/// (a 1xC row is added to every row). Throws ShapeError otherwise.
template <class Scalar>
[[nodiscard]] Var<Scalar> add(const Var<Scalar>& a, const Var<Scalar>& b) {
  return detail::binary<Scalar, std::plus<>>("add", a, b, &detail::add_backward<Scalar>);
}

/// Elementwise a - b, broadcasting like add().
template <class Scalar>
[[nodiscard]] Var<Scalar> sub(const Var<Scalar>& a, const Var<Scalar>& b) {
  return detail::binary<Scalar, std::minus<>>("sub", a, b, &detail::sub_backward<Scalar>);
}

/// Elementwise (Hadamard) a * b, broadcasting like add(). For the matrix product see matmul().
template <class Scalar>
[[nodiscard]] Var<Scalar> mul(const Var<Scalar>& a, const Var<Scalar>& b) {
  return detail::binary<Scalar, std::multiplies<>>("mul", a, b, &detail::mul_backward<Scalar>);
}

/// Elementwise a / b, broadcasting like add().
template <class Scalar>
[[nodiscard]] Var<Scalar> div(const Var<Scalar>& a, const Var<Scalar>& b) {
  return detail::binary<Scalar, std::divides<>>("div", a, b, &detail::div_backward<Scalar>);
}

/// alpha * x + beta, elementwise: the one op behind x + c, c - x, x * c, x / c and -x.
template <class Scalar>
[[nodiscard]] Var<Scalar> scale_shift(const Var<Scalar>& x, Scalar alpha, Scalar beta) {
  return x.graph().record("scale_shift", {x}, &detail::scale_shift_forward<Scalar>,
                          &detail::scale_shift_backward<Scalar>, [&](Node<Scalar>& n) {
                            n.scalars.push_back(alpha);
                            n.scalars.push_back(beta);
                          });
}

/// c / x, elementwise.
template <class Scalar>
[[nodiscard]] Var<Scalar> scalar_div(Scalar c, const Var<Scalar>& x) {
  return x.graph().record("scalar_div", {x}, &detail::scalar_div_forward<Scalar>, &detail::scalar_div_backward<Scalar>,
                          [&](Node<Scalar>& n) { n.scalars.push_back(c); });
}

template <class Scalar>
[[nodiscard]] Var<Scalar> operator+(const Var<Scalar>& a, const Var<Scalar>& b) {
  return add(a, b);
}
template <class Scalar>
[[nodiscard]] Var<Scalar> operator-(const Var<Scalar>& a, const Var<Scalar>& b) {
  return sub(a, b);
}
template <class Scalar>
[[nodiscard]] Var<Scalar> operator*(const Var<Scalar>& a, const Var<Scalar>& b) {
  return mul(a, b);
}
template <class Scalar>
[[nodiscard]] Var<Scalar> operator/(const Var<Scalar>& a, const Var<Scalar>& b) {
  return div(a, b);
}
template <class Scalar>
[[nodiscard]] Var<Scalar> operator-(const Var<Scalar>& x) {
  return scale_shift(x, Scalar(-1), Scalar(0));
}

// Scalar operands: `x * 0.5`, `1.0 - x`. The scalar converts to the graph's Scalar type.
template <class Scalar, class C, class = std::enable_if_t<std::is_arithmetic_v<C>>>
[[nodiscard]] Var<Scalar> operator+(const Var<Scalar>& x, C c) {
  return scale_shift(x, Scalar(1), Scalar(c));
}
template <class Scalar, class C, class = std::enable_if_t<std::is_arithmetic_v<C>>>
[[nodiscard]] Var<Scalar> operator+(C c, const Var<Scalar>& x) {
  return scale_shift(x, Scalar(1), Scalar(c));
}
template <class Scalar, class C, class = std::enable_if_t<std::is_arithmetic_v<C>>>
[[nodiscard]] Var<Scalar> operator-(const Var<Scalar>& x, C c) {
  return scale_shift(x, Scalar(1), -Scalar(c));
}
template <class Scalar, class C, class = std::enable_if_t<std::is_arithmetic_v<C>>>
[[nodiscard]] Var<Scalar> operator-(C c, const Var<Scalar>& x) {
  return scale_shift(x, Scalar(-1), Scalar(c));
}
template <class Scalar, class C, class = std::enable_if_t<std::is_arithmetic_v<C>>>
[[nodiscard]] Var<Scalar> operator*(const Var<Scalar>& x, C c) {
  return scale_shift(x, Scalar(c), Scalar(0));
}
template <class Scalar, class C, class = std::enable_if_t<std::is_arithmetic_v<C>>>
[[nodiscard]] Var<Scalar> operator*(C c, const Var<Scalar>& x) {
  return scale_shift(x, Scalar(c), Scalar(0));
}
template <class Scalar, class C, class = std::enable_if_t<std::is_arithmetic_v<C>>>
[[nodiscard]] Var<Scalar> operator/(const Var<Scalar>& x, C c) {
  return scale_shift(x, Scalar(1) / Scalar(c), Scalar(0));
}
template <class Scalar, class C, class = std::enable_if_t<std::is_arithmetic_v<C>>>
[[nodiscard]] Var<Scalar> operator/(C c, const Var<Scalar>& x) {
  return scalar_div(Scalar(c), x);
}

}  // namespace keisan
