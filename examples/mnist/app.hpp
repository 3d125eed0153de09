// keisan MNIST example: what train.cpp and gradcheck.cpp share: the network the flags describe.
// (Three TUs so that CLI11, the float training stack and the double gradient check compile in
// parallel.)
// SPDX-License-Identifier: MIT
#pragma once

#include <keisan/keisan.hpp>

#include "config.hpp"

namespace mnist_example {

/// The MLP the flags describe: Affine, activation, ..., Affine to 10 logits.
template <class Scalar>
inline keisan::Sequential<Scalar> make_net(const Config& c, keisan::Rng& rng) {
  const keisan::Init init = c.init == "xavier" ? keisan::Init::xavier
                            : c.init == "he"   ? keisan::Init::he
                                               : keisan::Init::book;
  keisan::Sequential<Scalar> net;
  keisan::Index in = 784;
  for (int h : c.hidden) {
    net.add(keisan::Affine<Scalar>(in, h, init, rng));
    if (c.activation == "relu")
      net.add(keisan::ReLU<Scalar>());
    else if (c.activation == "tanh")
      net.add(keisan::Tanh<Scalar>());
    else
      net.add(keisan::Sigmoid<Scalar>());
    in = h;
  }
  net.add(keisan::Affine<Scalar>(in, 10, init, rng));
  return net;
}

/// Checks `net`'s gradients in double on 8 training samples and prints the report (gradcheck.cpp).
bool run_gradcheck(const Config& c, keisan::Sequential<float>& net, const keisan::Dataset<float>& train);

}  // namespace mnist_example
