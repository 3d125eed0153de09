// keisan ops: reductions of a whole Var to a 1x1 value: sum and mean.
// SPDX-License-Identifier: MIT
#pragma once

#include "keisan/core/graph.hpp"

namespace keisan {
namespace detail {

template <class Scalar>
void sum_backward(Graph<Scalar>& g, Node<Scalar>& n) {
  Node<Scalar>& x = g.node(n.inputs[0]);
  x.accumulate(Matrix<Scalar>::Constant(x.value->rows(), x.value->cols(), n.grad()(0, 0) * n.alpha));
}

template <class Scalar>
Var<Scalar> scaled_sum(const char* op, const Var<Scalar>& x, Scalar scale) {
  Var<Scalar> y = x.graph().record(op, {x}, &sum_backward<Scalar>);
  Node<Scalar>& n = y.node();
  n.alpha = scale;
  n.out().resize(1, 1);
  n.out()(0, 0) = x.value().sum() * scale;
  return y;
}

}  // namespace detail

/// Sum of all elements, as a 1x1 value.
template <class Scalar>
[[nodiscard]] Var<Scalar> sum(const Var<Scalar>& x) {
  return detail::scaled_sum("sum", x, Scalar(1));
}

/// Mean of all elements, as a 1x1 value. Throws ValueError on an empty input.
template <class Scalar>
[[nodiscard]] Var<Scalar> mean(const Var<Scalar>& x) {
  if (x.value().size() == 0) throw ValueError("keisan::mean: the input is empty (" + shape_string(x.value()) + ")");
  return detail::scaled_sum("mean", x, Scalar(1) / static_cast<Scalar>(x.value().size()));
}

}  // namespace keisan
