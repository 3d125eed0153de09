// keisan nn: Conv2D, the layer conv2d(x, W, b) over NHWC image batches, and its initialisation.
// SPDX-License-Identifier: MIT
#pragma once

#include <string>

#include "keisan/core/error.hpp"
#include "keisan/core/random.hpp"
#include "keisan/nn/affine.hpp"
#include "keisan/nn/module.hpp"
#include "keisan/ops/conv.hpp"

namespace keisan {

/// 2-D convolution layer: y = conv2d(x, W, b, window) with W of (kh*kw*in_channels) x
/// out_channels (rows ordered (kh, kw, c), see conv2d()) and b of 1 x out_channels.
/// Parameters "W", "b". W is drawn as Affine's with fan-in kh*kw*in_channels; b starts at 0.
/// (PyTorch stores the weight as out x in x kh x kw: convert at the file boundary.)
/// @code
/// keisan::Rng rng(42);
/// keisan::Conv2D<float> conv(1, 8, 3, 3, 1, 1, keisan::Init::he, rng);   // 28x28x1 -> 28x28x8
/// auto h = conv(g.input(batch, {28, 28, 1}));
/// @endcode
template <class Scalar>
class Conv2D final : public Module<Scalar> {
 public:
  /// Throws ValueError when a channel count or kernel size is not positive, the stride is < 1 or
  /// the padding negative.
  Conv2D(Index in_channels, Index out_channels, Index kh, Index kw, Index stride, Index pad, Init init, Rng& rng)
      : window_{kh, kw, stride, pad} {
    if (in_channels <= 0 || out_channels <= 0 || kh <= 0 || kw <= 0 || stride <= 0 || pad < 0)
      throw ValueError("keisan::Conv2D: channels " + std::to_string(in_channels) + " -> " +
                       std::to_string(out_channels) + ", " + keisan::describe(window_) +
                       ": channels, kernel sizes and stride must be positive, padding >= 0");
    const Index fan_in = kh * kw * in_channels;
    Matrix<Scalar> w(fan_in, out_channels);
    const double sd = init_stddev(init, fan_in);
    for (Index i = 0; i < w.size(); ++i) w.data()[i] = static_cast<Scalar>(sd * standard_normal(rng));
    W.assign(std::move(w));
    b.assign(Matrix<Scalar>::Zero(1, out_channels));
    in_channels_ = in_channels;
  }

  Var<Scalar> forward(const Var<Scalar>& x) override { return conv2d(x, W, b, window_); }
  void collect_parameters(ParameterList<Scalar>& out, const std::string& prefix) override {
    out.push_back({prefix + "W", &W});
    out.push_back({prefix + "b", &b});
  }
  [[nodiscard]] std::string describe() const override {
    return "Conv2D(" + std::to_string(in_channels_) + ", " + std::to_string(W.cols()) + ", " +
           keisan::describe(window_) + ")";
  }

  [[nodiscard]] Index in_channels() const noexcept { return in_channels_; }
  [[nodiscard]] Index out_channels() const noexcept { return W.cols(); }
  [[nodiscard]] const Window2D& window() const noexcept { return window_; }

  Parameter<Scalar> W;  ///< (kh*kw*in) x out
  Parameter<Scalar> b;  ///< 1 x out

 private:
  Window2D window_;
  Index in_channels_ = 0;
};

}  // namespace keisan
