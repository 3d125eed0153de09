// keisan nn: Flatten and AsImage, layers that change what a batch means without copying it.
// SPDX-License-Identifier: MIT
#pragma once

#include <string>

#include "keisan/nn/module.hpp"
#include "keisan/ops/image.hpp"

namespace keisan {

/// flatten() as a layer: images N x (H*W*C) become plain rows for Affine (no copy).
template <class Scalar>
class Flatten final : public Module<Scalar> {
 public:
  Var<Scalar> forward(const Var<Scalar>& x) override { return flatten(x); }
  [[nodiscard]] std::string describe() const override { return "Flatten"; }
};

/// as_image() as a layer (PyTorch's Unflatten): rows of h*w*c values become images, so a
/// network whose first layer is a Conv2D can take plain N x (h*w*c) batches (from Evaluator, say).
template <class Scalar>
class AsImage final : public Module<Scalar> {
 public:
  explicit AsImage(const ImageShape& shape) : shape_(shape) {}
  Var<Scalar> forward(const Var<Scalar>& x) override { return as_image(x, shape_); }
  [[nodiscard]] std::string describe() const override { return "AsImage(" + shape_string(shape_) + ")"; }
  [[nodiscard]] const ImageShape& shape() const noexcept { return shape_; }

 private:
  ImageShape shape_;
};

}  // namespace keisan
