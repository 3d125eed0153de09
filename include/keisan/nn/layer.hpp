// keisan nn: Layer, the interface a network's building blocks share: a forward function on a
// Var, and the list of the parameters it owns under stable names.
// SPDX-License-Identifier: MIT
#pragma once

#include <string>

#include "keisan/core/graph.hpp"
#include "keisan/core/parameter.hpp"

namespace keisan {

/// A building block of a network. Layers are not copyable once they own parameters whose
/// addresses are listed; containers hold them by pointer.
template <class Scalar>
class Layer {
 public:
  Layer() = default;
  Layer(const Layer&) = default;
  Layer(Layer&&) noexcept = default;
  Layer& operator=(const Layer&) = default;
  Layer& operator=(Layer&&) noexcept = default;
  virtual ~Layer() = default;
  /// Records this layer's ops on x's graph.
  virtual Var<Scalar> forward(const Var<Scalar>& x) = 0;
  /// Appends this layer's parameters, each named `prefix + local name` (e.g. "0." + "W").
  virtual void collect_parameters(ParameterList<Scalar>& out, const std::string& prefix) { (void)out, (void)prefix; }
  /// Short description for summaries, e.g. "Affine(784, 50)".
  [[nodiscard]] virtual std::string describe() const = 0;

  Var<Scalar> operator()(const Var<Scalar>& x) { return forward(x); }
};

}  // namespace keisan
