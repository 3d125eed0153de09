// keisan optim: AdaGrad, per-element learning rates that shrink with the gradients seen so far.
// SPDX-License-Identifier: MIT
#pragma once

#include "keisan/optim/optimizer.hpp"

namespace keisan {

struct AdaGradOptions {
  double eps = 1e-7;              ///< > 0, added to sqrt(h) (the book's 1e-7)
  double weight_decay = 0;        ///< L2 penalty lambda >= 0, added to the gradient as lambda * w
  Decay decay = Decay::all;       ///< which parameters decay (Decay::weights_only: not biases)
  bool skip_without_grad = true;  ///< leave parameters no backward pass reached alone (PyTorch)
};

/// h += g^2; w -= lr * g / (sqrt(h) + eps). As the book's AdaGrad. State: slot "sum_sq" and "step".
template <class Scalar>
class AdaGrad final : public Optimizer<Scalar> {
 public:
  /// Throws ValueError for lr < 0, eps <= 0 or weight_decay < 0.
  AdaGrad(ParameterList<Scalar> params, double lr, AdaGradOptions options = {})
      : Optimizer<Scalar>(std::move(params), lr, {"sum_sq"}, Optimizer<Scalar>::shared_options(options), "AdaGrad"),
        eps_(options.eps) {
    this->require(options.eps > 0, "eps must be > 0, got " + std::to_string(options.eps));
  }

 private:
  void update() override {
    const auto lr = static_cast<Scalar>(this->lr_), eps = static_cast<Scalar>(eps_);
    this->for_each_parameter([&](auto& w, const auto& g, const auto& slot) {
      auto h = slot(0);
      h += g.square();
      w -= lr * g / (h.sqrt() + eps);
    });
  }

  double eps_;
};

}  // namespace keisan
