// keisan nn: pooling layers (no parameters): MaxPool2D, AvgPool2D, GlobalAvgPool.
// SPDX-License-Identifier: MIT
#pragma once

#include <string>

#include "keisan/nn/module.hpp"
#include "keisan/ops/pool.hpp"

namespace keisan {

/// max_pool2d() as a layer. The window is checked when the layer runs (against the image).
template <class Scalar>
class MaxPool2D final : public Module<Scalar> {
 public:
  explicit MaxPool2D(const Window2D& window) : window_(window) {}
  /// Square `kernel` x `kernel` windows.
  MaxPool2D(Index kernel, Index stride, Index pad = 0) : window_{kernel, kernel, stride, pad} {}
  Var<Scalar> forward(const Var<Scalar>& x) override { return max_pool2d(x, window_); }
  [[nodiscard]] std::string describe() const override { return "MaxPool2D(" + keisan::describe(window_) + ")"; }
  [[nodiscard]] const Window2D& window() const noexcept { return window_; }

 private:
  Window2D window_;
};

/// avg_pool2d() as a layer.
template <class Scalar>
class AvgPool2D final : public Module<Scalar> {
 public:
  explicit AvgPool2D(const Window2D& window) : window_(window) {}
  AvgPool2D(Index kernel, Index stride, Index pad = 0) : window_{kernel, kernel, stride, pad} {}
  Var<Scalar> forward(const Var<Scalar>& x) override { return avg_pool2d(x, window_); }
  [[nodiscard]] std::string describe() const override { return "AvgPool2D(" + keisan::describe(window_) + ")"; }
  [[nodiscard]] const Window2D& window() const noexcept { return window_; }

 private:
  Window2D window_;
};

/// global_avg_pool() as a layer: N x (H*W*C) images to N x C.
template <class Scalar>
class GlobalAvgPool final : public Module<Scalar> {
 public:
  Var<Scalar> forward(const Var<Scalar>& x) override { return global_avg_pool(x); }
  [[nodiscard]] std::string describe() const override { return "GlobalAvgPool"; }
};

}  // namespace keisan
