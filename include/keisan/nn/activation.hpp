// keisan nn: activation functions as layers (no parameters).
// SPDX-License-Identifier: MIT
#pragma once

#include <string>

#include "keisan/nn/module.hpp"
#include "keisan/ops/elementwise.hpp"

namespace keisan {

/// sigmoid() as a layer.
template <class Scalar>
class Sigmoid final : public Module<Scalar> {
 public:
  Var<Scalar> forward(const Var<Scalar>& x) override { return sigmoid(x); }
  [[nodiscard]] std::string describe() const override { return "Sigmoid"; }
};

/// relu() as a layer.
template <class Scalar>
class ReLU final : public Module<Scalar> {
 public:
  Var<Scalar> forward(const Var<Scalar>& x) override { return relu(x); }
  [[nodiscard]] std::string describe() const override { return "ReLU"; }
};

/// tanh() as a layer.
template <class Scalar>
class Tanh final : public Module<Scalar> {
 public:
  Var<Scalar> forward(const Var<Scalar>& x) override { return keisan::tanh(x); }
  [[nodiscard]] std::string describe() const override { return "Tanh"; }
};

}  // namespace keisan
