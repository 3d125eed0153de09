// keisan optim: RMSProp, AdaGrad with a decaying average instead of a growing sum.
// SPDX-License-Identifier: MIT
#pragma once

#include "keisan/optim/optimizer.hpp"

namespace keisan {

struct RMSPropOptions {
  double rho = 0.99;              ///< decay of the running mean of g^2, in [0, 1) (the book's 0.99)
  double eps = 1e-7;              ///< > 0, added to sqrt(h) (the book's 1e-7)
  double weight_decay = 0;        ///< L2 penalty lambda >= 0, added to the gradient as lambda * w
  Decay decay = Decay::all;       ///< which parameters decay (Decay::weights_only: not biases)
  bool skip_without_grad = true;  ///< leave parameters no backward pass reached alone (PyTorch)
};

/// h = rho * h + (1 - rho) * g^2; w -= lr * g / (sqrt(h) + eps). As the book's RMSprop.
/// State: slot "mean_sq" and "step".
template <class Scalar>
class RMSProp final : public Optimizer<Scalar> {
 public:
  /// Throws ValueError for lr < 0, rho outside [0, 1), eps <= 0 or weight_decay < 0.
  RMSProp(ParameterList<Scalar> params, double lr, RMSPropOptions options = {})
      : Optimizer<Scalar>(std::move(params), lr, {"mean_sq"}, Optimizer<Scalar>::shared_options(options), "RMSProp"),
        rho_(options.rho),
        eps_(options.eps) {
    this->require(options.rho >= 0 && options.rho < 1, "rho must be in [0, 1), got " + std::to_string(options.rho));
    this->require(options.eps > 0, "eps must be > 0, got " + std::to_string(options.eps));
  }

 private:
  void update() override {
    const auto lr = static_cast<Scalar>(this->lr_), eps = static_cast<Scalar>(eps_), rho = static_cast<Scalar>(rho_);
    this->for_each_parameter([&](auto& w, const auto& g, const auto& slot) {
      auto h = slot(0);
      h = rho * h + (Scalar(1) - rho) * g.square();
      w -= lr * g / (h.sqrt() + eps);
    });
  }

  double rho_, eps_;
};

}  // namespace keisan
