// keisan: Parameter, a persistent trainable matrix with its accumulated gradient.
// SPDX-License-Identifier: MIT
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "keisan/core/matrix.hpp"

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
  explicit Parameter(MatrixType value) : value_(std::move(value)), grad_(value_.rows(), value_.cols()) {}

  /// The current value; optimizers update it in place.
  [[nodiscard]] MatrixType& value() noexcept { return value_; }
  [[nodiscard]] const MatrixType& value() const noexcept { return value_; }

  /// The accumulated gradient (zeros after `zero_grad()`), same shape as `value()`.
  [[nodiscard]] const MatrixType& grad() {
    materialize_grad();
    return grad_;
  }
  /// Writable gradient (for clipping or hand-made updates). Materialises pending zeros first.
  [[nodiscard]] MatrixType& mutable_grad() {
    materialize_grad();
    return grad_;
  }

  /// True when no backward pass has written a gradient since the last `zero_grad()`.
  [[nodiscard]] bool grad_is_zero() const noexcept { return !grad_live_; }

  /// Forget the accumulated gradient. O(1): the next contribution overwrites.
  void zero_grad() noexcept { grad_live_ = false; }

  /// Replace the value; the shape may change (the gradient follows and is zeroed).
  void assign(MatrixType value) {
    value_ = std::move(value);
    grad_.resize(value_.rows(), value_.cols());
    grad_live_ = false;
  }

  [[nodiscard]] Index rows() const noexcept { return value_.rows(); }
  [[nodiscard]] Index cols() const noexcept { return value_.cols(); }
  [[nodiscard]] Index size() const noexcept { return value_.size(); }

 private:
  friend class Graph<Scalar>;

  void materialize_grad() {
    if (!grad_live_) {
      grad_.setZero(value_.rows(), value_.cols());
      grad_live_ = true;
    }
  }

  MatrixType value_;
  MatrixType grad_;
  bool grad_live_ = false;
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

}  // namespace keisan
