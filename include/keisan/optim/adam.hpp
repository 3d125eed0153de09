// keisan optim: Adam, momentum plus RMSProp with bias correction (Kingma & Ba, 2015).
// SPDX-License-Identifier: MIT
#pragma once

#include <cmath>

#include "keisan/optim/optimizer.hpp"

namespace keisan {

struct AdamOptions {
  double beta1 = 0.9;
  double beta2 = 0.999;
  double eps = 1e-8;
};

/// t += 1; m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2;
/// w -= lr * (m / (1-b1^t)) / (sqrt(v / (1-b2^t)) + eps).
/// State slots "m", "v" per parameter and "step" (t).
template <class Scalar>
class Adam final : public Optimizer<Scalar> {
 public:
  /// Throws ValueError for lr < 0, betas outside [0, 1) or eps <= 0.
  Adam(ParameterList<Scalar> params, double lr = 1e-3, AdamOptions options = {})
      : Optimizer<Scalar>(std::move(params), lr, {"m", "v"}, true, "Adam"), opt_(options) {
    this->require(options.beta1 >= 0 && options.beta1 < 1,
                  "beta1 must be in [0, 1), got " + std::to_string(options.beta1));
    this->require(options.beta2 >= 0 && options.beta2 < 1,
                  "beta2 must be in [0, 1), got " + std::to_string(options.beta2));
    this->require(options.eps > 0, "eps must be > 0, got " + std::to_string(options.eps));
  }

  void step() override {
    const double t = static_cast<double>(++this->step_count());
    const auto b1 = static_cast<Scalar>(opt_.beta1), b2 = static_cast<Scalar>(opt_.beta2);
    const auto c1 = static_cast<Scalar>(1 - std::pow(opt_.beta1, t));
    const auto c2 = static_cast<Scalar>(1 - std::pow(opt_.beta2, t));
    const auto lr = static_cast<Scalar>(this->lr_), eps = static_cast<Scalar>(opt_.eps);
    for (std::size_t i = 0; i < this->params_.size(); ++i) {
      Parameter<Scalar>& p = *this->params_[i].parameter;
      const auto g = p.grad().array();
      auto m = this->slots_[0][i].array();
      auto v = this->slots_[1][i].array();
      m = b1 * m + (Scalar(1) - b1) * g;
      v = b2 * v + (Scalar(1) - b2) * g.square();
      p.value().array() -= lr * (m / c1) / ((v / c2).sqrt() + eps);
    }
  }

 private:
  AdamOptions opt_;
};

}  // namespace keisan
