// keisan nn: Dropout, dropout() as a layer that owns its random engine.
// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <string>

#include "keisan/core/error.hpp"
#include "keisan/core/random.hpp"
#include "keisan/nn/module.hpp"
#include "keisan/ops/dropout.hpp"

namespace keisan {

/// Dropout with probability `p` (see dropout()): inverted by default (identity in eval mode), or
/// with DropoutScaling::at_eval the book's (kept elements unchanged while training, x * (1 - p) in
/// eval mode). Owns its engine, seeded with `seed`: the same seed gives the same masks, run after run.
///
/// The engine is not part of state() (PyTorch's Dropout has none either, and state() is what
/// weight files exchange). A checkpoint that must resume with the very same masks saves the
/// engine itself: `std::mt19937_64` writes and reads its whole state with `<<` and `>>`
/// (`out << layer.rng();` ... `in >> layer.rng();`).
template <class Scalar>
class Dropout final : public Module<Scalar> {
 public:
  /// Throws ValueError unless 0 <= p < 1.
  explicit Dropout(double p, std::uint64_t seed = 0, DropoutScaling scaling = DropoutScaling::inverted)
      : p_(p), scaling_(scaling), rng_(seed) {
    if (!(p >= 0 && p < 1)) throw ValueError("keisan::Dropout: p must be in [0, 1), got " + std::to_string(p));
  }

  Var<Scalar> forward(const Var<Scalar>& x) override { return dropout(x, p_, rng_, this->is_training(), scaling_); }
  [[nodiscard]] std::string describe() const override {
    return "Dropout(" + std::to_string(p_) + (scaling_ == DropoutScaling::at_eval ? ", scaled at eval)" : ")");
  }

  [[nodiscard]] double p() const noexcept { return p_; }
  [[nodiscard]] DropoutScaling scaling() const noexcept { return scaling_; }
  /// The engine the masks are drawn from (to save, restore or reseed it).
  [[nodiscard]] Rng& rng() noexcept { return rng_; }

 private:
  double p_;
  DropoutScaling scaling_;
  Rng rng_;
};

}  // namespace keisan
