// keisan MNIST example: what train.cpp and gradcheck.cpp share: the network the flags describe.
// (Three TUs so that CLI11, the float training stack and the double gradient check compile in
// parallel.)
// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <keisan/keisan.hpp>
#include <vector>

#include "config.hpp"

namespace mnist_example {

/// MNIST as the example holds it: the pixels stay bytes (47 MB for the full training set against
/// 188 MB as float) and become float, pixel / 255, as each batch is gathered.
using Images = keisan::Dataset<float, std::uint8_t>;

/// The seed of the k-th Dropout layer's engine (k = 0, 1, ...): fixed by --seed, so a run's masks
/// are the same run after run.
inline std::uint64_t dropout_seed(const Config& c, std::uint64_t k) {
  return c.seed + 1000003 * (k + 1);
}

/// The network the flags describe (weights drawn from `rng` in layer order):
/// - mlp: Affine, [BatchNorm], activation, [Dropout], ..., Affine to 10 logits.
/// - simple-cnn (the book's SimpleConvNet): conv 30 5x5 -> ReLU -> max-pool 2x2 -> Affine 100 ->
///   ReLU -> Affine 10.
/// - deep-cnn (the book's DeepConvNet): six 3x3 convs (16, 16, 32, 32, 64, 64 filters, padding 1
///   except 2 for the fourth), ReLU after each, 2x2 max-pool after the 2nd, 4th and 6th, Affine 50
///   -> ReLU -> Dropout 0.5 -> Affine 10 -> Dropout 0.5 (--dropout-scaling: by default the book's,
///   scaled at evaluation).
/// The CNNs take N x 784 rows (AsImage first) and, with --batchnorm, put a BatchNorm before every
/// ReLU. Dropout layers are seeded by dropout_seed().
template <class Scalar>
inline keisan::Sequential<Scalar> make_net(const Config& c, keisan::Rng& rng) {
  using namespace keisan;
  const Init init = c.init == "xavier" ? Init::xavier : c.init == "he" ? Init::he : Init::book;
  Sequential<Scalar> net;
  std::uint64_t dropouts = 0;
  const DropoutScaling scaling = c.dropout_scaling == "at-eval" ? DropoutScaling::at_eval : DropoutScaling::inverted;
  const auto add_dropout = [&](double p) { net.add(Dropout<Scalar>(p, dropout_seed(c, dropouts++), scaling)); };
  const auto add_norm = [&](Index features) {
    if (c.batchnorm) net.add(BatchNorm<Scalar>(features));
  };
  if (c.model == "simple-cnn" || c.model == "deep-cnn") {
    net.add(AsImage<Scalar>({28, 28, 1}));
    Index channels = 1, side = 28;
    const auto conv = [&](Index filters, Index kernel, Index pad) {
      net.add(Conv2D<Scalar>(channels, filters, kernel, kernel, 1, pad, init, rng));
      add_norm(filters);
      net.add(ReLU<Scalar>());
      channels = filters;
      side = side + 2 * pad - kernel + 1;
    };
    const auto pool = [&] {
      net.add(MaxPool2D<Scalar>(2, 2));
      side /= 2;
    };
    const Index hidden = c.model == "simple-cnn" ? 100 : 50;
    if (c.model == "simple-cnn") {
      conv(30, 5, 0);
      pool();
    } else {
      conv(16, 3, 1);
      conv(16, 3, 1);
      pool();
      conv(32, 3, 1);
      conv(32, 3, 2);
      pool();
      conv(64, 3, 1);
      conv(64, 3, 1);
      pool();
    }
    net.add(Flatten<Scalar>());
    net.add(Affine<Scalar>(side * side * channels, hidden, init, rng));
    add_norm(hidden);
    net.add(ReLU<Scalar>());
    if (c.model == "deep-cnn") add_dropout(0.5);
    net.add(Affine<Scalar>(hidden, 10, init, rng));
    if (c.model == "deep-cnn") add_dropout(0.5);
    return net;
  }
  Index in = 784;
  for (int h : c.hidden) {
    net.add(Affine<Scalar>(in, h, init, rng));
    add_norm(h);
    if (c.activation == "relu")
      net.add(ReLU<Scalar>());
    else if (c.activation == "tanh")
      net.add(Tanh<Scalar>());
    else
      net.add(Sigmoid<Scalar>());
    if (c.dropout > 0) add_dropout(c.dropout);
    in = h;
  }
  net.add(Affine<Scalar>(in, 10, init, rng));
  return net;
}

/// The network's Dropout layers, in order (to reseed them, or to save and restore their engines).
template <class Scalar>
inline std::vector<keisan::Dropout<Scalar>*> dropout_layers(keisan::Sequential<Scalar>& net) {
  std::vector<keisan::Dropout<Scalar>*> out;
  for (std::size_t i = 0; i < net.size(); ++i)
    if (auto* d = dynamic_cast<keisan::Dropout<Scalar>*>(&net[i])) out.push_back(d);
  return out;
}

/// Checks `net`'s gradients in double on a few training samples and prints the report (gradcheck.cpp).
bool run_gradcheck(const Config& c, keisan::Sequential<float>& net, const Images& train);

}  // namespace mnist_example
