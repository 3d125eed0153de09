// keisan: Parameter, a persistent trainable matrix with its accumulated gradient.
// SPDX-License-Identifier: MIT
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "keisan/core/gradient.hpp"
#include "keisan/core/matrix.hpp"
#include "keisan/core/state.hpp"

namespace keisan {

template <class Scalar>
class Graph;

/// A trainable leaf: a value that outlives every graph, plus the gradient that backward passes
/// accumulate into it. Gradients add up across `backward()` calls until `zero_grad()`.
///
/// `zero_grad()` is O(1): it only marks the gradient stale, and the next backward pass assigns
/// instead of adding. Reading `grad()` after `zero_grad()` gives zeros.
///
/// @code
/// keisan::Parameter<float> w(keisan::Matrix<float>::Zero(784, 50));
/// // ... graph.param(w) in a forward pass, graph.backward(loss) ...
/// w.value() -= 0.1f * w.grad();
/// w.zero_grad();
/// @endcode
template <class Scalar>
class Parameter {
 public:
  using MatrixType = Matrix<Scalar>;

  Parameter() = default;
  /// Takes the initial value; the gradient starts at zero with the same shape.
  explicit Parameter(MatrixType value) : value_(std::move(value)) {}

  /// The current value; optimizers update it in place.
  [[nodiscard]] MatrixType& value() noexcept { return value_; }
  [[nodiscard]] const MatrixType& value() const noexcept { return value_; }

  /// The accumulated gradient (zeros after `zero_grad()`), same shape as `value()`. Reading it
  /// changes nothing.
  [[nodiscard]] const MatrixType& grad() const { return grad_.read(value_.rows(), value_.cols()); }
  /// Writable gradient (for clipping or hand-made updates); pending zeros become real zeros.
  [[nodiscard]] MatrixType& mutable_grad() { return grad_.write(value_.rows(), value_.cols()); }

  /// True when no backward pass has written a gradient since the last `zero_grad()`.
  [[nodiscard]] bool grad_is_zero() const noexcept { return grad_.is_zero(); }

  /// Forget the accumulated gradient. O(1): the next contribution overwrites.
  void zero_grad() noexcept { grad_.reset(); }

  /// Replace the value; the shape may change (the gradient follows and is zeroed).
  void assign(MatrixType value) {
    value_ = std::move(value);
    grad_.reset();
  }

  [[nodiscard]] Index rows() const noexcept { return value_.rows(); }
  [[nodiscard]] Index cols() const noexcept { return value_.cols(); }
  [[nodiscard]] Index size() const noexcept { return value_.size(); }

 private:
  friend class Graph<Scalar>;

  MatrixType value_;
  GradBuffer<Scalar> grad_;
};

/// A parameter with the stable name it is saved, checked and reported under ("fc1.W", "0.b").
/// The pointer does not own: the model that owns the Parameter must outlive the list.
template <class Scalar>
struct NamedParameter {
  std::string name;
  Parameter<Scalar>* parameter = nullptr;
};

/// The list that optimizers, the gradient checker and weight files all work from.
template <class Scalar>
using ParameterList = std::vector<NamedParameter<Scalar>>;

/// The parameters' values as named state (what saving and loading work on).
template <class Scalar>
[[nodiscard]] StateList<Scalar> parameter_state(const ParameterList<Scalar>& params) {
  StateList<Scalar> out;
  out.reserve(params.size());
  for (const auto& p : params) out.push_back({p.name, &p.parameter->value(), nullptr});
  return out;
}

}  // namespace keisan
