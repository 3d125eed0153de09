// keisan optim: GradientAccumulator, gradient accumulation over micro-batches (one optimizer step
// for K forward/backward passes), with a fixed summation order.
// SPDX-License-Identifier: MIT
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "keisan/core/error.hpp"
#include "keisan/core/matrix.hpp"
#include "keisan/core/parameter.hpp"

namespace keisan {

/// Sums the parameters' gradients over several backward passes in a fixed order, then writes
/// their weighted mean back as the gradients an optimizer steps with.
///
/// Backward passes that are not separated by `zero_grad()` would also add up, but a GEMM then
/// accumulates into the old gradient inside its kernel, so the result depends on the kernel's
/// blocking. Here every micro-batch's gradient is computed alone (`zero_grad()` before each
/// backward) and added element-wise: after `add()` for micro-batches 0, 1, 2 the sum is exactly
/// `(w0*g0 + w1*g1) + w2*g2` in float, which is also what a rank-ordered sum of the same gradients
/// over processes gives (keisan/dist/allreduce.hpp). `store(d)` sets each gradient to `sum / d`.
/// The storage is allocated once, in the constructor: accumulating allocates nothing.
/// @code
/// keisan::GradientAccumulator<float> acc(net.parameters());
/// for (int k = 0; k < K; ++k) {
///   opt.zero_grad();
///   g.clear();
///   g.backward(keisan::softmax_cross_entropy(net(g.input(x[k])), y[k]));  // mean over its rows
///   acc.add();
/// }
/// acc.store(K);  // the gradients are now the mean of the K micro-batches' gradients
/// opt.step();
/// @endcode
template <class Scalar>
class GradientAccumulator {
 public:
  /// Holds one matrix per parameter, shaped as its value now. The parameters must outlive this.
  explicit GradientAccumulator(ParameterList<Scalar> params) : params_(std::move(params)) {
    sums_.reserve(params_.size());
    for (const auto& p : params_) {
      if (p.parameter == nullptr)
        throw ValueError("keisan::GradientAccumulator: parameter '" + p.name + "' is a null pointer");
      sums_.emplace_back(p.parameter->value().rows(), p.parameter->value().cols());
    }
  }

  /// Adds `weight` times every parameter's current gradient (zeros when it has none) to its sum;
  /// the first call after construction or `store()` assigns. Throws ShapeError naming the
  /// parameter when its value changed shape since construction.
  void add(Scalar weight = Scalar(1)) {
    for (std::size_t i = 0; i < params_.size(); ++i) {
      const auto& p = *params_[i].parameter;
      Matrix<Scalar>& sum = sums_[i];
      if (p.value().rows() != sum.rows() || p.value().cols() != sum.cols())
        throw ShapeError("keisan::GradientAccumulator::add: parameter '" + params_[i].name + "' is " +
                         shape_string(p.value().rows(), p.value().cols()) + ", was " +
                         shape_string(sum.rows(), sum.cols()) + " when the accumulator was made");
      const Matrix<Scalar>& g = p.grad();
      if (count_ == 0) {
        if (weight == Scalar(1))
          sum = g;
        else
          sum.array() = g.array() * weight;
      } else if (weight == Scalar(1)) {
        sum.array() += g.array();
      } else {
        sum.array() += g.array() * weight;
      }
    }
    ++count_;
  }

  /// Passes added since construction or the last `store()`.
  [[nodiscard]] Index count() const noexcept { return count_; }

  /// Sets every parameter's gradient to its sum divided by `divisor` (the number of micro-batches
  /// for equal ones), and starts a new sum. Throws ValueError when nothing was added or
  /// `divisor` is not positive.
  void store(Scalar divisor) {
    if (count_ == 0) throw ValueError("keisan::GradientAccumulator::store: nothing was added since the last store");
    if (!(divisor > Scalar(0)))
      throw ValueError("keisan::GradientAccumulator::store: the divisor must be > 0, got " +
                       std::to_string(static_cast<double>(divisor)));
    for (std::size_t i = 0; i < params_.size(); ++i) {
      auto& p = *params_[i].parameter;
      p.mutable_grad().array() = sums_[i].array() / divisor;
    }
    count_ = 0;
  }

 private:
  ParameterList<Scalar> params_;
  std::vector<Matrix<Scalar>> sums_;
  Index count_ = 0;
};

}  // namespace keisan
