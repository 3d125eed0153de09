// keisan optim: AdaGrad, per-element learning rates that shrink with the gradients seen so far.
// SPDX-License-Identifier: MIT
#pragma once

#include "keisan/optim/optimizer.hpp"

namespace keisan {

/// h += g^2; w -= lr * g / (sqrt(h) + eps). As the book's AdaGrad (eps 1e-7). State slot: "sum_sq".
template <class Scalar>
class AdaGrad final : public Optimizer<Scalar> {
 public:
  /// Throws ValueError for lr < 0 or eps <= 0.
  AdaGrad(ParameterList<Scalar> params, double lr, double eps = 1e-7)
      : Optimizer<Scalar>(std::move(params), lr, {"sum_sq"}, false, "AdaGrad"), eps_(eps) {
    this->require(eps > 0, "eps must be > 0, got " + std::to_string(eps));
  }

  void step() override {
    const auto lr = static_cast<Scalar>(this->lr_), eps = static_cast<Scalar>(eps_);
    for (std::size_t i = 0; i < this->params_.size(); ++i) {
      Parameter<Scalar>& p = *this->params_[i].parameter;
      const auto g = p.grad().array();
      auto h = this->slots_[0][i].array();
      h += g.square();
      p.value().array() -= lr * g / (h.sqrt() + eps);
    }
  }

 private:
  double eps_;
};

}  // namespace keisan
