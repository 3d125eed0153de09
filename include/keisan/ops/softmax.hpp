// keisan ops: row-wise softmax and log-softmax, both max-subtracted so logits of +-1000 give
// finite results.
// SPDX-License-Identifier: MIT
#pragma once

#include <cmath>
#include <string>

#include "keisan/core/graph.hpp"

namespace keisan {
namespace detail {

template <class Scalar>
void require_classes(const char* op, const Var<Scalar>& x) {
  if (x.cols() == 0)
    throw ShapeError(std::string("keisan::") + op + ": input is " + shape_string(x.value()) +
                     ": needs at least one column (class)");
}

/// out.row(i) = log_softmax(x.row(i)); returns log of the row's sum of exp(x - max).
template <class Scalar, class Row, class OutRow>
Scalar log_softmax_row(const Row& x, OutRow&& out) {
  const Scalar m = x.maxCoeff();
  const Scalar lse = std::log((x.array() - m).exp().sum());
  out.array() = x.array() - (m + lse);
  return m + lse;
}

/// out = exp(x - rowmax(x)). The exp runs over the whole matrix at once, so it is vectorised
/// even when rows are short (10 classes would leave most of every SIMD row to scalar code).
template <class Scalar>
void shifted_exp(const Matrix<Scalar>& x, Matrix<Scalar>& out) {
  out.resize(x.rows(), x.cols());
  for (Index i = 0; i < x.rows(); ++i) out.row(i).array() = x.row(i).array() - x.row(i).maxCoeff();
  out.array() = out.array().exp();
}

template <class Scalar>
void softmax_forward(Graph<Scalar>& g, Node<Scalar>& n) {
  Matrix<Scalar>& out = n.out();
  shifted_exp(*g.input(n, 0).value, out);
  for (Index i = 0; i < out.rows(); ++i) out.row(i) /= out.row(i).sum();
}

template <class Scalar>
void log_softmax_forward(Graph<Scalar>& g, Node<Scalar>& n) {
  const Matrix<Scalar>& x = *g.input(n, 0).value;
  n.out().resize(x.rows(), x.cols());
  for (Index i = 0; i < x.rows(); ++i) log_softmax_row<Scalar>(x.row(i), n.out().row(i));
}

template <class Scalar>
void softmax_backward(Graph<Scalar>& g, Node<Scalar>& n) {
  const auto y = n.value->array();
  const auto dy = n.grad().array();
  Matrix<Scalar>& s = n.saved(0);
  s = (dy * y).rowwise().sum();  // s_i = <dy_i, y_i>
  g.input(n, 0).accumulate(y * (dy.colwise() - s.col(0).array()));
}

template <class Scalar>
void log_softmax_backward(Graph<Scalar>& g, Node<Scalar>& n) {
  const auto dy = n.grad().array();
  Matrix<Scalar>& s = n.saved(0);
  s = dy.rowwise().sum();
  g.input(n, 0).accumulate(dy - n.value->array().exp().colwise() * s.col(0).array());
}

}  // namespace detail

/// Row-wise softmax: each row becomes a probability distribution. Input N x C, C >= 1.
template <class Scalar>
[[nodiscard]] Var<Scalar> softmax(const Var<Scalar>& x) {
  detail::require_classes("softmax", x);
  return x.graph().record("softmax", {x}, &detail::softmax_forward<Scalar>, &detail::softmax_backward<Scalar>);
}

/// Row-wise log-softmax, computed as x - max - log(sum(exp(x - max))). Input N x C, C >= 1.
template <class Scalar>
[[nodiscard]] Var<Scalar> log_softmax(const Var<Scalar>& x) {
  detail::require_classes("log_softmax", x);
  return x.graph().record("log_softmax", {x}, &detail::log_softmax_forward<Scalar>,
                          &detail::log_softmax_backward<Scalar>);
}

}  // namespace keisan
