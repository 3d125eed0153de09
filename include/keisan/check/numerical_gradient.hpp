// keisan check: the gradient by finite differences, one element at a time: what backprop is
// checked against, and what it is measured against (2 forward passes per parameter element).
// SPDX-License-Identifier: MIT
#pragma once

#include <type_traits>

#include "keisan/core/error.hpp"
#include "keisan/core/graph.hpp"
#include "keisan/core/parameter.hpp"

namespace keisan {

/// Finite-difference stencils. Both are central differences; `five_point` cancels the h^2 error
/// term too (error O(h^4)) at twice the evaluations.
enum class Stencil {
  central,     ///< (f(x+h) - f(x-h)) / 2h
  five_point,  ///< (f(x-2h) - 8f(x-h) + 8f(x+h) - f(x+2h)) / 12h
};

/// d f / d p(i) for one element, by perturbing it in place and restoring it exactly.
template <class Scalar, class F>
[[nodiscard]] Scalar numerical_derivative(F& f, Scalar& x, Scalar eps, Stencil stencil = Stencil::central) {
  const Scalar old = x;
  const auto at = [&](Scalar offset) {
    x = old + offset;
    return static_cast<Scalar>(f());
  };
  Scalar d;
  if (stencil == Stencil::central) {
    d = (at(eps) - at(-eps)) / (2 * eps);
  } else {
    d = (at(-2 * eps) - 8 * at(-eps) + 8 * at(eps) - at(2 * eps)) / (12 * eps);
  }
  x = old;
  return d;
}

/// The numerical gradient of the scalar `f()` with respect to every element of `p`:
/// a matrix shaped like p. `f` is any callable returning the loss for the current p.value();
/// `eps` is the step h. Throws ValueError for eps <= 0.
/// @code
/// auto grad = keisan::numerical_gradient([&] { return loss_of(net, batch); }, W, 1e-6);
/// @endcode
template <class Scalar, class F>
[[nodiscard]] Matrix<Scalar> numerical_gradient(F&& f, Parameter<Scalar>& p, Scalar eps,
                                                Stencil stencil = Stencil::central) {
  if (!(eps > Scalar(0))) throw ValueError("keisan::numerical_gradient: eps must be > 0, got " + std::to_string(eps));
  Matrix<Scalar> grad(p.rows(), p.cols());
  Scalar* v = p.value().data();
  for (Index i = 0; i < p.size(); ++i) grad.data()[i] = numerical_derivative(f, v[i], eps, stencil);
  return grad;
}

/// Wraps a graph-building function `Var(Graph&)` into the `Scalar()` loss that finite differences
/// need, on keisan's fastest forward path: a no-grad scope, buffers reused across calls.
template <class Scalar, class Build>
[[nodiscard]] auto forward_loss(Graph<Scalar>& graph, Build& build) {
  return [&graph, &build]() -> Scalar {
    graph.clear();
    NoGradScope<Scalar> scope(graph);
    const Var<Scalar> loss = build(graph);
    return loss.value()(0, 0);
  };
}

}  // namespace keisan
