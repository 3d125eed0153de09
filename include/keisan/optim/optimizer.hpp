// keisan optim: Optimizer, what every update rule shares: the named parameter list, the learning
// rate, zero_grad, and per-parameter state kept as named matrices (preallocated, saveable).
// SPDX-License-Identifier: MIT
#pragma once

#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include "keisan/core/error.hpp"
#include "keisan/core/parameter.hpp"

namespace keisan {

/// A named piece of optimizer state (e.g. "0.W.momentum"), for saving and restoring.
template <class Scalar>
struct NamedState {
  std::string name;
  Matrix<Scalar>* value = nullptr;
};

/// Base of the update rules. `step()` applies one update from the parameters' gradients;
/// nothing is allocated after construction.
template <class Scalar>
class Optimizer {
 public:
  virtual ~Optimizer() = default;
  Optimizer(const Optimizer&) = delete;
  Optimizer& operator=(const Optimizer&) = delete;

  /// One update of every parameter from its current gradient.
  virtual void step() = 0;

  /// Zeroes every parameter's gradient (O(1) each).
  void zero_grad() noexcept {
    for (auto& p : params_) p.parameter->zero_grad();
  }

  [[nodiscard]] double learning_rate() const noexcept { return lr_; }
  /// Changes the rate for the next steps (schedules). Throws ValueError unless lr >= 0 and finite.
  void set_learning_rate(double lr) {
    check_learning_rate(lr);
    lr_ = lr;
  }

  [[nodiscard]] const ParameterList<Scalar>& parameters() const noexcept { return params_; }

  /// The optimizer's state as named matrices ("<param>.<slot>", plus "step" where it counts).
  /// Write into them to restore a saved state.
  [[nodiscard]] std::vector<NamedState<Scalar>> state() {
    std::vector<NamedState<Scalar>> out;
    for (std::size_t s = 0; s < slot_names_.size(); ++s)
      for (std::size_t i = 0; i < params_.size(); ++i)
        out.push_back({params_[i].name + "." + slot_names_[s], &slots_[s][i]});
    if (counts_steps_) out.push_back({"step", &step_count_});
    return out;
  }

 protected:
  /// `slot_names`: one zero-initialised matrix per parameter per name (e.g. {"m", "v"}).
  Optimizer(ParameterList<Scalar> params, double lr, std::vector<std::string> slot_names, bool counts_steps,
            const char* name)
      : params_(std::move(params)), slot_names_(std::move(slot_names)), counts_steps_(counts_steps), name_(name) {
    check_learning_rate(lr);
    lr_ = lr;
    for (const auto& p : params_)
      if (p.parameter == nullptr)
        throw ValueError(std::string("keisan::") + name_ + ": parameter '" + p.name + "' is null");
    slots_.resize(slot_names_.size());
    for (auto& slot : slots_)
      for (const auto& p : params_) slot.push_back(Matrix<Scalar>::Zero(p.parameter->rows(), p.parameter->cols()));
    step_count_.setZero(1, 1);
  }

  void require(bool ok, const std::string& what) const {
    if (!ok) throw ValueError(std::string("keisan::") + name_ + ": " + what);
  }

  /// Number of steps taken, as stored in the saveable state.
  Scalar& step_count() noexcept { return step_count_(0, 0); }

  ParameterList<Scalar> params_;
  std::vector<std::vector<Matrix<Scalar>>> slots_;  ///< slots_[slot][parameter]
  double lr_ = 0;

 private:
  void check_learning_rate(double lr) const {
    if (!(lr >= 0) || !std::isfinite(lr))
      throw ValueError(std::string("keisan::") + name_ + ": learning rate must be >= 0 and finite, got " +
                       std::to_string(lr));
  }

  std::vector<std::string> slot_names_;
  bool counts_steps_ = false;
  const char* name_;
  Matrix<Scalar> step_count_;
};

}  // namespace keisan
