// keisan optim: stochastic gradient descent, with optional momentum, Nesterov and weight decay.
// SPDX-License-Identifier: MIT
#pragma once

#include <cmath>

#include "keisan/optim/optimizer.hpp"

namespace keisan {

struct SGDOptions {
  double momentum = 0;      ///< mu in [0, 1); 0 is plain SGD
  bool nesterov = false;    ///< Nesterov momentum (needs momentum > 0)
  double weight_decay = 0;  ///< L2 penalty lambda >= 0, added to the gradient as lambda * w
};

/// Plain: w -= lr * g. With momentum: v = mu * v + g; w -= lr * v (Nesterov: w -= lr * (g + mu * v)),
/// where g includes weight_decay * w. (PyTorch's formulation; the book's Momentum class is the same
/// update with v scaled by -lr.) State slot: "momentum".
template <class Scalar>
class SGD final : public Optimizer<Scalar> {
 public:
  /// Throws ValueError for lr < 0, momentum outside [0, 1), weight_decay < 0, nesterov without momentum.
  SGD(ParameterList<Scalar> params, double lr, SGDOptions options = {})
      : Optimizer<Scalar>(std::move(params), lr,
                          options.momentum > 0 ? std::vector<std::string>{"momentum"} : std::vector<std::string>{},
                          false, "SGD"),
        opt_(options) {
    this->require(options.momentum >= 0 && options.momentum < 1,
                  "momentum must be in [0, 1), got " + std::to_string(options.momentum));
    this->require(options.weight_decay >= 0, "weight_decay must be >= 0, got " + std::to_string(options.weight_decay));
    this->require(!options.nesterov || options.momentum > 0, "nesterov needs momentum > 0");
  }

  void step() override {
    const auto lr = static_cast<Scalar>(this->lr_), mu = static_cast<Scalar>(opt_.momentum),
               wd = static_cast<Scalar>(opt_.weight_decay);
    for (std::size_t i = 0; i < this->params_.size(); ++i) {
      Parameter<Scalar>& p = *this->params_[i].parameter;
      if (p.grad_is_zero() && wd == 0 && mu == 0) continue;  // nothing to apply
      auto w = p.value().array();
      const auto g = p.grad().array() + wd * w;
      if (mu == 0) {
        w -= lr * g;
        continue;
      }
      auto v = this->slots_[0][i].array();
      v = mu * v + g;
      if (opt_.nesterov)
        w -= lr * (p.grad().array() + wd * w + mu * v);
      else
        w -= lr * v;
    }
  }

 private:
  SGDOptions opt_;
};

}  // namespace keisan
