// keisan optim: learning-rate schedules. Each is a pure function of a step (or epoch) count t
// that drives Optimizer::set_learning_rate; nothing in them changes, so nothing needs saving.
// SPDX-License-Identifier: MIT
#pragma once

#include <cmath>
#include <cstdint>
#include <string>
#include <utility>

#include "keisan/core/error.hpp"
#include "keisan/optim/optimizer.hpp"

namespace keisan {

namespace detail {
inline void require_schedule(bool ok, const char* schedule, const std::string& what) {
  if (!ok) throw ValueError(std::string("keisan::") + schedule + ": " + what);
}
inline void require_rate(const char* schedule, const char* name, double lr) {
  require_schedule(lr >= 0 && std::isfinite(lr), schedule,
                   std::string(name) + " must be >= 0 and finite, got " + std::to_string(lr));
}
// Called on every lr_at(): the message is built only when it is thrown (no allocation otherwise).
inline void require_count(const char* schedule, std::int64_t t) {
  if (t < 0) require_schedule(false, schedule, "step must be >= 0, got " + std::to_string(t));
}
}  // namespace detail

// Every schedule has
//   double lr_at(std::int64_t t) const;             the rate for step (or epoch) t >= 0
//   void apply(Optimizer<Scalar>& opt, int64_t t);  opt.set_learning_rate(lr_at(t))
// and throws ValueError for a negative t. t counts whatever the caller steps it by: optimizer
// steps (`opt.steps()`, which the optimizer's state saves, so a resumed run picks up the rate by
// itself) or epochs.
//
// @code
// keisan::WarmupLR schedule(500, keisan::CosineLR(0.1, 20'000, 1e-4));
// for (...) {
//   schedule.apply(opt, opt.steps());  // 0 before the first step
//   ... backward ...
//   opt.step();
// }
// @endcode

/// The same rate at every step (what `WarmupLR` warms up to when nothing else follows).
class ConstantLR {
 public:
  /// Throws ValueError unless lr >= 0 and finite.
  explicit ConstantLR(double lr) : lr_(lr) { detail::require_rate("ConstantLR", "lr", lr); }

  [[nodiscard]] double lr_at(std::int64_t t) const {
    detail::require_count("ConstantLR", t);
    return lr_;
  }
  template <class Scalar>
  void apply(Optimizer<Scalar>& opt, std::int64_t t) const {
    opt.set_learning_rate(lr_at(t));
  }

 private:
  double lr_;
};

/// Step decay: base_lr * gamma^floor(t / step_size) (PyTorch's StepLR; the rate drops by gamma
/// every step_size steps or epochs).
class StepLR {
 public:
  /// Throws ValueError unless base_lr >= 0 and finite, step_size >= 1 and gamma in (0, 1].
  StepLR(double base_lr, std::int64_t step_size, double gamma = 0.1)
      : base_lr_(base_lr), step_size_(step_size), gamma_(gamma) {
    detail::require_rate("StepLR", "base_lr", base_lr);
    detail::require_schedule(step_size >= 1, "StepLR", "step_size must be >= 1, got " + std::to_string(step_size));
    detail::require_schedule(gamma > 0 && gamma <= 1, "StepLR",
                             "gamma must be in (0, 1], got " + std::to_string(gamma));
  }

  [[nodiscard]] double lr_at(std::int64_t t) const {
    detail::require_count("StepLR", t);
    const std::int64_t decays = t / step_size_;  // floor(t / step_size): integer division meant
    return base_lr_ * std::pow(gamma_, static_cast<double>(decays));
  }
  template <class Scalar>
  void apply(Optimizer<Scalar>& opt, std::int64_t t) const {
    opt.set_learning_rate(lr_at(t));
  }

 private:
  double base_lr_;
  std::int64_t step_size_;
  double gamma_;
};

/// Cosine annealing from base_lr at t = 0 to min_lr at t = period:
/// min_lr + (base_lr - min_lr) * (1 + cos(pi * t / period)) / 2, and min_lr for every t >= period
/// (one half-cosine, no restarts; PyTorch's CosineAnnealingLR would climb again after period).
class CosineLR {
 public:
  /// Throws ValueError unless base_lr >= 0 and finite, period >= 1 and 0 <= min_lr <= base_lr.
  CosineLR(double base_lr, std::int64_t period, double min_lr = 0)
      : base_lr_(base_lr), period_(period), min_lr_(min_lr) {
    detail::require_rate("CosineLR", "base_lr", base_lr);
    detail::require_schedule(period >= 1, "CosineLR", "period must be >= 1, got " + std::to_string(period));
    detail::require_schedule(min_lr >= 0 && min_lr <= base_lr, "CosineLR",
                             "min_lr must be in [0, base_lr], got " + std::to_string(min_lr));
  }

  [[nodiscard]] double lr_at(std::int64_t t) const {
    detail::require_count("CosineLR", t);
    if (t >= period_) return min_lr_;
    const double pi = std::acos(-1.0);
    const double x = static_cast<double>(t) / static_cast<double>(period_);
    return min_lr_ + (base_lr_ - min_lr_) * (1 + std::cos(pi * x)) / 2;
  }
  template <class Scalar>
  void apply(Optimizer<Scalar>& opt, std::int64_t t) const {
    opt.set_learning_rate(lr_at(t));
  }

 private:
  double base_lr_;
  std::int64_t period_;
  double min_lr_;
};

/// Linear warm-up in front of another schedule: for t < warmup the rate is
/// after.lr_at(0) * (t + 1) / warmup (so the first step already moves, and step warmup - 1 runs
/// at the full rate); from t = warmup on it is after.lr_at(t - warmup): the schedule that follows
/// starts its own count when the warm-up ends. warmup = 0 is `after` unchanged.
///
/// @code
/// keisan::WarmupLR warm(100, keisan::ConstantLR(0.1));    // 0.001, 0.002, ..., 0.1, 0.1, ...
/// keisan::WarmupLR cos(100, keisan::CosineLR(0.1, 900));  // warm up, then anneal over 900
/// @endcode
template <class After = ConstantLR>
class WarmupLR {
 public:
  /// Throws ValueError for warmup < 0.
  WarmupLR(std::int64_t warmup, After after) : warmup_(warmup), after_(std::move(after)) {
    detail::require_schedule(warmup >= 0, "WarmupLR", "warmup must be >= 0, got " + std::to_string(warmup));
  }

  [[nodiscard]] double lr_at(std::int64_t t) const {
    detail::require_count("WarmupLR", t);
    if (t >= warmup_) return after_.lr_at(t - warmup_);
    return after_.lr_at(0) * static_cast<double>(t + 1) / static_cast<double>(warmup_);
  }
  template <class Scalar>
  void apply(Optimizer<Scalar>& opt, std::int64_t t) const {
    opt.set_learning_rate(lr_at(t));
  }

 private:
  std::int64_t warmup_;
  After after_;
};

}  // namespace keisan
