// keisan ops: matrix product and the fused affine map X*W + b.
// SPDX-License-Identifier: MIT
#pragma once

#include "keisan/core/graph.hpp"
#include "keisan/detail/shape_check.hpp"

namespace keisan {
namespace detail {

template <class Scalar>
void matmul_forward(Graph<Scalar>& g, Node<Scalar>& n) {
  g.multiply(n.out(), *g.input(n, 0).value, *g.input(n, 1).value);
}

template <class Scalar>
void matmul_backward(Graph<Scalar>& g, Node<Scalar>& n) {
  Node<Scalar>& a = g.input(n, 0);
  Node<Scalar>& b = g.input(n, 1);
  a.accumulate_product(n.grad(), b.value->transpose());
  b.accumulate_product(a.value->transpose(), n.grad());
}

template <class Scalar>
void affine_forward(Graph<Scalar>& g, Node<Scalar>& n) {
  const Matrix<Scalar>& w = *g.input(n, 1).value;
  Matrix<Scalar>& out = n.out();
  out.resize(g.input(n, 0).value->rows(), w.cols());
  broadcast_rows(out, *g.input(n, 2).value);
  g.multiply(out, *g.input(n, 0).value, w, /*accumulate=*/true);
}

template <class Scalar>
void affine_backward(Graph<Scalar>& g, Node<Scalar>& n) {
  Node<Scalar>& x = g.input(n, 0);
  Node<Scalar>& w = g.input(n, 1);
  Node<Scalar>& b = g.input(n, 2);
  w.accumulate_product(x.value->transpose(), n.grad());
  b.accumulate(n.grad().colwise().sum());
  // Input data has no gradient, so the first layer skips this third GEMM (accumulating into a
  // value that needs no gradient does nothing).
  x.accumulate_product(n.grad(), w.value->transpose());
}

}  // namespace detail

/// Matrix product a * b: (N x K) * (K x M) -> N x M. Throws ShapeError if a.cols != b.rows.
template <class Scalar>
[[nodiscard]] Var<Scalar> matmul(const Var<Scalar>& a, const Var<Scalar>& b) {
  detail::require_same_graph("matmul", a, b);
  if (a.cols() != b.rows()) detail::throw_shapes("matmul", "a", a, "b", b, "a.cols must equal b.rows");
  return a.graph().record("matmul", {a, b}, &detail::matmul_forward<Scalar>, &detail::matmul_backward<Scalar>);
}

/// Affine map x * W + b, fused: one GEMM accumulating onto the broadcast bias.
/// Shapes: x is N x D, W is D x M, b is 1 x M; the result is N x M. Throws ShapeError otherwise.
template <class Scalar>
[[nodiscard]] Var<Scalar> affine(const Var<Scalar>& x, const Var<Scalar>& w, const Var<Scalar>& b) {
  detail::require_same_graph("affine", x, w);
  detail::require_same_graph("affine", x, b);
  if (x.cols() != w.rows()) detail::throw_shapes("affine", "x", x, "W", w, "x.cols must equal W.rows");
  if (b.rows() != 1 || b.cols() != w.cols()) detail::throw_shapes("affine", "W", w, "b", b, "b must be 1 x W.cols");
  return x.graph().record("affine", {x, w, b}, &detail::affine_forward<Scalar>, &detail::affine_backward<Scalar>);
}

/// affine() with the weights taken straight from Parameters (recorded as leaves of x's graph).
template <class Scalar>
[[nodiscard]] Var<Scalar> affine(const Var<Scalar>& x, Parameter<Scalar>& w, Parameter<Scalar>& b) {
  Graph<Scalar>& g = x.graph();
  const Var<Scalar> wv = g.param(w);  // W before b: tape order must not depend on argument evaluation order
  const Var<Scalar> bv = g.param(b);
  return affine(x, wv, bv);
}

}  // namespace keisan
