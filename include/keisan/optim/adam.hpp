// keisan optim: Adam, momentum plus RMSProp with bias correction (Kingma & Ba, 2015).
// SPDX-License-Identifier: MIT
#pragma once

#include <cmath>

#include "keisan/optim/optimizer.hpp"

namespace keisan {

struct AdamOptions {
  double beta1 = 0.9;             ///< decay of the first moment, in [0, 1)
  double beta2 = 0.999;           ///< decay of the second moment, in [0, 1)
  double eps = 1e-8;              ///< > 0, added to the corrected sqrt(v)
  double weight_decay = 0;        ///< L2 penalty lambda >= 0 added to the gradient (not AdamW)
  Decay decay = Decay::all;       ///< which parameters decay (Decay::weights_only: not biases)
  bool skip_without_grad = true;  ///< leave parameters no backward pass reached alone (PyTorch)
};

/// t = steps(); m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2;
/// w -= lr * (m / (1-b1^t)) / (sqrt(v / (1-b2^t)) + eps).
/// State: slots "m", "v" per parameter and "step" (t). t counts the optimizer's steps, not each
/// parameter's: a parameter skipped for lack of a gradient (skip_without_grad) is corrected with
/// the optimizer's t when it next takes part (PyTorch keeps a count per parameter).
///
/// @code
/// keisan::Adam<float> opt(net.parameters(), 1e-3, {0.9, 0.999, 1e-8, /*weight_decay=*/1e-4,
///                                                  keisan::Decay::weights_only});
/// @endcode
template <class Scalar>
class Adam final : public Optimizer<Scalar> {
 public:
  /// Throws ValueError for lr < 0, betas outside [0, 1), eps <= 0 or weight_decay < 0.
  Adam(ParameterList<Scalar> params, double lr = 1e-3, AdamOptions options = {})
      : Optimizer<Scalar>(std::move(params), lr, {"m", "v"}, Optimizer<Scalar>::shared_options(options), "Adam"),
        opt_(options) {
    this->require(options.beta1 >= 0 && options.beta1 < 1,
                  "beta1 must be in [0, 1), got " + std::to_string(options.beta1));
    this->require(options.beta2 >= 0 && options.beta2 < 1,
                  "beta2 must be in [0, 1), got " + std::to_string(options.beta2));
    this->require(options.eps > 0, "eps must be > 0, got " + std::to_string(options.eps));
  }

 private:
  void update() override {
    const auto t = static_cast<double>(this->steps());
    const auto b1 = static_cast<Scalar>(opt_.beta1), b2 = static_cast<Scalar>(opt_.beta2);
    const auto c1 = static_cast<Scalar>(1 - std::pow(opt_.beta1, t));
    const auto c2 = static_cast<Scalar>(1 - std::pow(opt_.beta2, t));
    const auto lr = static_cast<Scalar>(this->lr_), eps = static_cast<Scalar>(opt_.eps);
    this->for_each_parameter([&](auto& w, const auto& g, const auto& slot) {
      auto m = slot(0);
      auto v = slot(1);
      m = b1 * m + (Scalar(1) - b1) * g;
      v = b2 * v + (Scalar(1) - b2) * g.square();
      w -= lr * (m / c1) / ((v / c2).sqrt() + eps);
    });
  }

  AdamOptions opt_;
};

}  // namespace keisan
