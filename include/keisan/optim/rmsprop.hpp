// keisan optim: RMSProp, AdaGrad with a decaying average instead of a growing sum.
// SPDX-License-Identifier: MIT
#pragma once

#include "keisan/optim/optimizer.hpp"

namespace keisan {

/// h = rho * h + (1 - rho) * g^2; w -= lr * g / (sqrt(h) + eps). As the book's RMSprop
/// (rho 0.99, eps 1e-7). State slot: "mean_sq".
template <class Scalar>
class RMSProp final : public Optimizer<Scalar> {
 public:
  /// Throws ValueError for lr < 0, rho outside [0, 1) or eps <= 0.
  RMSProp(ParameterList<Scalar> params, double lr, double rho = 0.99, double eps = 1e-7)
      : Optimizer<Scalar>(std::move(params), lr, {"mean_sq"}, false, "RMSProp"), rho_(rho), eps_(eps) {
    this->require(rho >= 0 && rho < 1, "rho must be in [0, 1), got " + std::to_string(rho));
    this->require(eps > 0, "eps must be > 0, got " + std::to_string(eps));
  }

  void step() override {
    const auto lr = static_cast<Scalar>(this->lr_), eps = static_cast<Scalar>(eps_), rho = static_cast<Scalar>(rho_);
    for (std::size_t i = 0; i < this->params_.size(); ++i) {
      Parameter<Scalar>& p = *this->params_[i].parameter;
      const auto g = p.grad().array();
      auto h = this->slots_[0][i].array();
      h = rho * h + (Scalar(1) - rho) * g.square();
      p.value().array() -= lr * g / (h.sqrt() + eps);
    }
  }

 private:
  double rho_, eps_;
};

}  // namespace keisan
