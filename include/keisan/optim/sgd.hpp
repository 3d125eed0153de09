// keisan optim: stochastic gradient descent, with optional momentum, Nesterov and weight decay.
// SPDX-License-Identifier: MIT
#pragma once

#include "keisan/optim/optimizer.hpp"

namespace keisan {

struct SGDOptions {
  double momentum = 0;            ///< mu in [0, 1); 0 is plain SGD
  bool nesterov = false;          ///< Nesterov momentum (needs momentum > 0)
  double weight_decay = 0;        ///< L2 penalty lambda >= 0, added to the gradient as lambda * w
  Decay decay = Decay::all;       ///< which parameters decay (Decay::weights_only: not biases)
  bool skip_without_grad = true;  ///< leave parameters no backward pass reached alone (PyTorch)
};

/// Plain: w -= lr * g. With momentum: v = mu * v + g; w -= lr * v (Nesterov: w -= lr * (g + mu * v)),
/// where g includes weight_decay * w. (PyTorch's formulation; the book's Momentum class is the same
/// update with v scaled by -lr.) State: slot "momentum" (only with momentum > 0) and "step".
///
/// @code
/// keisan::SGD<float> opt(net.parameters(), 0.1, {/*momentum=*/0.9});
/// @endcode
template <class Scalar>
class SGD final : public Optimizer<Scalar> {
 public:
  /// Throws ValueError for lr < 0, momentum outside [0, 1), weight_decay < 0, nesterov without momentum.
  SGD(ParameterList<Scalar> params, double lr, SGDOptions options = {})
      : Optimizer<Scalar>(std::move(params), lr,
                          options.momentum > 0 ? std::vector<std::string>{"momentum"} : std::vector<std::string>{},
                          Optimizer<Scalar>::shared_options(options), "SGD"),
        opt_(options) {
    this->require(options.momentum >= 0 && options.momentum < 1,
                  "momentum must be in [0, 1), got " + std::to_string(options.momentum));
    this->require(!options.nesterov || options.momentum > 0, "nesterov needs momentum > 0");
  }

 private:
  void update() override {
    const auto lr = static_cast<Scalar>(this->lr_), mu = static_cast<Scalar>(opt_.momentum);
    this->for_each_parameter([&](auto& w, const auto& g, const auto& slot) {
      if (opt_.momentum == 0) {
        w -= lr * g;
        return;
      }
      auto v = slot(0);
      v = mu * v + g;
      if (opt_.nesterov)
        w -= lr * (g + mu * v);
      else
        w -= lr * v;
    });
  }

  SGDOptions opt_;
};

}  // namespace keisan
