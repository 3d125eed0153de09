// keisan nn: BatchNorm, batch_norm() as a layer with its running statistics as buffers.
// SPDX-License-Identifier: MIT
#pragma once

#include <string>

#include "keisan/core/error.hpp"
#include "keisan/nn/module.hpp"
#include "keisan/ops/normalization.hpp"

namespace keisan {

/// Batch normalization over `features` features of N x D batches, or channels of image batches
/// (see batch_norm()). Parameters "gamma" (starts at 1) and "beta" (0); buffers "running_mean"
/// (0) and "running_var" (1), part of state(). Training mode normalizes with the batch's
/// statistics and updates the running ones; eval mode uses the running ones.
///
/// `momentum` follows PyTorch: the weight of the new batch value, running = (1 - momentum) *
/// running + momentum * batch, 0.1 by default (the book's BatchNormalization writes the same rule
/// with momentum 0.9 on the old value). PyTorch's extra buffer num_batches_tracked is not kept.
/// @code
/// net.add(keisan::Conv2D<float>(1, 8, 3, 3, 1, 1, keisan::Init::he, rng))
///    .add(keisan::BatchNorm<float>(8))
///    .add(keisan::ReLU<float>());
/// @endcode
template <class Scalar>
class BatchNorm final : public Module<Scalar> {
 public:
  /// Throws ValueError when features < 1, eps <= 0 or momentum is outside [0, 1].
  explicit BatchNorm(Index features, Scalar momentum = Scalar(0.1), Scalar eps = Scalar(1e-5))
      : momentum_(momentum), eps_(eps) {
    if (features < 1) throw ValueError("keisan::BatchNorm: features must be >= 1, got " + std::to_string(features));
    if (!(eps > 0)) throw ValueError("keisan::BatchNorm: eps must be > 0, got " + std::to_string(eps));
    if (!(momentum >= 0 && momentum <= 1))
      throw ValueError("keisan::BatchNorm: momentum must be in [0, 1], got " + std::to_string(momentum));
    gamma.assign(Matrix<Scalar>::Ones(1, features));
    beta.assign(Matrix<Scalar>::Zero(1, features));
    running_mean = Matrix<Scalar>::Zero(1, features);
    running_var = Matrix<Scalar>::Ones(1, features);
  }

  Var<Scalar> forward(const Var<Scalar>& x) override {
    Graph<Scalar>& g = x.graph();
    const Var<Scalar> gv = g.param(gamma);  // gamma before beta: a fixed tape order
    const Var<Scalar> bv = g.param(beta);
    return batch_norm(x, gv, bv, running_mean, running_var, this->is_training(), momentum_, eps_);
  }
  void collect_parameters(ParameterList<Scalar>& out, const std::string& prefix) override {
    out.push_back({prefix + "gamma", &gamma});
    out.push_back({prefix + "beta", &beta});
  }
  void collect_buffers(StateList<Scalar>& out, const std::string& prefix) override {
    out.push_back({prefix + "running_mean", &running_mean, nullptr});
    out.push_back({prefix + "running_var", &running_var, nullptr});
  }
  [[nodiscard]] std::string describe() const override { return "BatchNorm(" + std::to_string(gamma.cols()) + ")"; }

  [[nodiscard]] Index features() const noexcept { return gamma.cols(); }
  [[nodiscard]] Scalar momentum() const noexcept { return momentum_; }
  [[nodiscard]] Scalar eps() const noexcept { return eps_; }

  Parameter<Scalar> gamma;      ///< 1 x features
  Parameter<Scalar> beta;       ///< 1 x features
  Matrix<Scalar> running_mean;  ///< 1 x features (buffer)
  Matrix<Scalar> running_var;   ///< 1 x features (buffer)

 private:
  Scalar momentum_;
  Scalar eps_;
};

}  // namespace keisan
