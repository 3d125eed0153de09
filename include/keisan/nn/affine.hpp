// keisan nn: Affine (a.k.a. Linear), the layer x * W + b, and its weight initialisations.
// SPDX-License-Identifier: MIT
#pragma once

#include <cmath>
#include <string>

#include "keisan/core/error.hpp"
#include "keisan/core/random.hpp"
#include "keisan/nn/module.hpp"
#include "keisan/ops/linear.hpp"

namespace keisan {

/// How an Affine layer's W is drawn (b always starts at 0).
enum class Init {
  book,    ///< 0.01 * N(0, 1), as Deep Learning from Scratch's TwoLayerNet
  xavier,  ///< N(0, 1/in): for sigmoid and tanh
  he,      ///< N(0, 2/in): for ReLU
};

/// Standard deviation of `init` for a layer with `in` inputs.
[[nodiscard]] inline double init_stddev(Init init, Index in) {
  switch (init) {
    case Init::book:
      return 0.01;
    case Init::xavier:
      return std::sqrt(1.0 / static_cast<double>(in));
    case Init::he:
      return std::sqrt(2.0 / static_cast<double>(in));
  }
  return 0.01;
}

/// Fully connected layer: y = x * W + b with W (in x out), b (1 x out). Parameters "W", "b".
/// @code
/// keisan::Rng rng(42);
/// keisan::Affine<float> fc(784, 50, keisan::Init::xavier, rng);
/// auto h = fc(g.input(batch));   // batch is N x 784, h is N x 50
/// @endcode
template <class Scalar>
class Affine final : public Module<Scalar> {
 public:
  /// Throws ValueError when a size is not positive.
  Affine(Index in, Index out, Init init, Rng& rng) {
    if (in <= 0 || out <= 0)
      throw ValueError("keisan::Affine: sizes must be positive, got " + std::to_string(in) + " -> " +
                       std::to_string(out));
    Matrix<Scalar> w(in, out);
    const double sd = init_stddev(init, in);
    for (Index i = 0; i < w.size(); ++i) w.data()[i] = static_cast<Scalar>(sd * standard_normal(rng));
    W.assign(std::move(w));
    b.assign(Matrix<Scalar>::Zero(1, out));
  }

  Var<Scalar> forward(const Var<Scalar>& x) override { return affine(x, W, b); }
  void collect_parameters(ParameterList<Scalar>& out, const std::string& prefix) override {
    out.push_back({prefix + "W", &W});
    out.push_back({prefix + "b", &b});
  }
  [[nodiscard]] std::string describe() const override {
    return "Affine(" + std::to_string(W.rows()) + ", " + std::to_string(W.cols()) + ")";
  }

  [[nodiscard]] Index in_features() const noexcept { return W.rows(); }
  [[nodiscard]] Index out_features() const noexcept { return W.cols(); }

  Parameter<Scalar> W;  ///< in x out
  Parameter<Scalar> b;  ///< 1 x out
};

}  // namespace keisan
