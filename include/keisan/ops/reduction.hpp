// keisan ops: reductions of a whole Var to a 1x1 value: sum and mean.
// SPDX-License-Identifier: MIT
#pragma once

#include "keisan/core/graph.hpp"

namespace keisan {
namespace detail {

template <class Scalar>
void sum_forward(Graph<Scalar>& g, Node<Scalar>& n) {
  n.out().resize(1, 1);
  n.out()(0, 0) = g.input(n, 0).value->sum() * n.scalars[0];
}

template <class Scalar>
void sum_backward(Graph<Scalar>& g, Node<Scalar>& n) {
  Node<Scalar>& x = g.input(n, 0);
  x.accumulate(Matrix<Scalar>::Constant(x.value->rows(), x.value->cols(), n.grad()(0, 0) * n.scalars[0]));
}

template <class Scalar>
Var<Scalar> scaled_sum(const char* op, const Var<Scalar>& x, Scalar scale) {
  return x.graph().record(op, {x}, &sum_forward<Scalar>, &sum_backward<Scalar>,
                          [scale](Node<Scalar>& n) { n.scalars.push_back(scale); });
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
