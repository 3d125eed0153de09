// keisan optim: Optimizer, what every update rule shares: the named parameter list, the learning
// rate, zero_grad, weight decay, skipping parameters without a gradient, shape checks, and the
// state (per-parameter slots and an integer step count) as a StateList that saving works on.
// SPDX-License-Identifier: MIT
#pragma once

#include <cmath>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "keisan/core/error.hpp"
#include "keisan/core/parameter.hpp"
#include "keisan/core/state.hpp"
#include "keisan/core/threads.hpp"

namespace keisan {

/// Which parameters weight decay applies to (the `decay` field of every optimizer's options).
enum class Decay {
  all,          ///< every parameter (PyTorch's default)
  weights_only  ///< only parameters for which `is_weight_name(name)` holds: biases and norm
                ///< parameters keep their values (the book's MultiLayerNetExtend decays W only)
};

/// True unless the last dotted component of `name`, without trailing digits, is "b", "bias",
/// "beta" or "gamma": "0.W", "fc1.weight", "W2" are weights; "0.b", "fc.bias", "b1", "bn.gamma",
/// "beta3" are not. Biases and normalisation scales/shifts are what PyTorch users usually exclude
/// from weight decay; the digits cover the book's names (W1, b1, gamma1, beta1).
[[nodiscard]] inline bool is_weight_name(const std::string& name) {
  const auto dot = name.rfind('.');
  std::string last = dot == std::string::npos ? name : name.substr(dot + 1);
  while (!last.empty() && last.back() >= '0' && last.back() <= '9') last.pop_back();
  return !(last == "b" || last == "bias" || last == "beta" || last == "gamma");
}

/// Base of the update rules. Every optimizer is built as `X(ParameterList params, double lr,
/// XOptions options = {})`, and every XOptions has these fields besides its own:
///
/// - `double weight_decay = 0`: L2 penalty lambda >= 0, added to the gradient as lambda * w before
///   the update rule sees it (PyTorch's formulation; for Adam this is L2, not AdamW's decoupled
///   decay). The gradient the parameter holds is not changed.
/// - `Decay decay = Decay::all`: which parameters decay (`Decay::weights_only` skips biases and
///   normalisation parameters, see `is_weight_name`).
/// - `bool skip_without_grad = true`: a parameter no backward pass wrote since `zero_grad()`
///   (`Parameter::grad_is_zero()`) is left alone in that step, as PyTorch skips parameters whose
///   `.grad` is None: its value, momentum and moments do not move. With `false` it is updated with
///   a zero gradient, so momentum, weight decay and Adam's moments keep moving it.
///
/// `step()` first checks every parameter's shape against the one the optimizer was built for
/// and every state slot's shape against its parameter (a shape comparison per parameter: nothing
/// measurable), throwing ValueError before anything changes; then counts the step and updates.
/// Nothing is allocated after construction.
///
/// Learning-rate schedules (optim/schedule.hpp) drive `set_learning_rate()`.
template <class Scalar>
class Optimizer {
 public:
  virtual ~Optimizer() = default;
  Optimizer(const Optimizer&) = delete;
  Optimizer& operator=(const Optimizer&) = delete;

  /// One update of every parameter from its current gradient. Throws ValueError naming the
  /// optimizer, the parameter (or state slot) and both shapes when a parameter's shape changed
  /// since construction (`Parameter::assign` of another shape) or a restored slot has the wrong
  /// shape, and when a restored step count is negative; nothing is updated then.
  void step() {
    check_shapes();
    if (steps_ < 0) require(false, "step count must be >= 0, got " + std::to_string(steps_));
    ++steps_;
    update();
  }

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

  /// Number of `step()` calls so far (the "step" entry of `state()`).
  [[nodiscard]] std::int64_t steps() const noexcept { return steps_; }

  [[nodiscard]] const ParameterList<Scalar>& parameters() const noexcept { return params_; }

  /// The optimizer's state, in the form saving and loading work on: one matrix per parameter per
  /// slot, named "<param>.<slot>" ("0.W.m"; all parameters' first slot, then the second, ...),
  /// then the integer entry "step" (the step count; Adam's bias correction uses it). Restoring a
  /// saved state is writing into these pointers: `*t.matrix = saved` for each slot (same shape as
  /// its parameter, which the next `step()` checks) and `*t.integer = saved_step`. The pointers
  /// stay valid as long as the optimizer lives.
  [[nodiscard]] StateList<Scalar> state() {
    StateList<Scalar> out;
    out.reserve(slot_names_.size() * params_.size() + 1);
    for (std::size_t s = 0; s < slot_names_.size(); ++s)
      for (std::size_t i = 0; i < params_.size(); ++i)
        out.push_back({params_[i].name + "." + slot_names_[s], &slots_[s][i], nullptr});
    out.push_back({"step", nullptr, &steps_});
    return out;
  }

 protected:
  /// Values every optimizer's options carry (see the class comment).
  struct Shared {
    double weight_decay = 0;
    Decay decay = Decay::all;
    bool skip_without_grad = true;
  };

  /// The shared fields of an XOptions.
  template <class Options>
  [[nodiscard]] static Shared shared_options(const Options& o) noexcept {
    return {o.weight_decay, o.decay, o.skip_without_grad};
  }

  /// `slot_names`: one zero-initialised matrix per parameter per name (e.g. {"m", "v"}).
  /// Throws ValueError for a bad learning rate, a negative or non-finite weight decay, or a null
  /// parameter.
  Optimizer(ParameterList<Scalar> params, double lr, std::vector<std::string> slot_names, Shared shared,
            const char* name)
      : params_(std::move(params)), shared_(shared), slot_names_(std::move(slot_names)), name_(name) {
    check_learning_rate(lr);
    lr_ = lr;
    require(!(shared.weight_decay < 0) && !std::isnan(shared.weight_decay),
            "weight_decay must be >= 0, got " + std::to_string(shared.weight_decay));
    require(std::isfinite(shared.weight_decay),
            "weight_decay must be finite, got " + std::to_string(shared.weight_decay));
    for (const auto& p : params_)
      if (p.parameter == nullptr)
        throw ValueError(std::string("keisan::") + name_ + ": parameter '" + p.name + "' is null");
    rows_.reserve(params_.size());
    cols_.reserve(params_.size());
    decays_.reserve(params_.size());
    for (const auto& p : params_) {
      rows_.push_back(p.parameter->rows());
      cols_.push_back(p.parameter->cols());
      decays_.push_back(shared.weight_decay > 0 && (shared.decay == Decay::all || is_weight_name(p.name)));
    }
    slots_.resize(slot_names_.size());
    for (auto& slot : slots_)
      for (const auto& p : params_) slot.push_back(Matrix<Scalar>::Zero(p.parameter->rows(), p.parameter->cols()));
  }

  /// The rule itself: called by `step()` after the shape checks and the step count (`steps()` is
  /// already this step's number, 1 on the first).
  virtual void update() = 0;

  /// Calls `rule(w, g, slot)` for each parameter that takes part in this step: `w` is its value as
  /// an Eigen array (assign through it), `g` an array expression of its gradient plus weight decay
  /// where that applies, and `slot(k)` its state slot k as an array. An update is elementwise, so a
  /// large parameter is split by rows over keisan's threads (detail::parallel_rows): then each call
  /// sees the same slice of rows of all three. Parameters without a gradient are skipped when the
  /// options say so.
  template <class Rule>
  void for_each_parameter(Rule&& rule) {
    const auto wd = static_cast<Scalar>(shared_.weight_decay);
    for (std::size_t i = 0; i < params_.size(); ++i) {
      Parameter<Scalar>& p = *params_[i].parameter;
      if (shared_.skip_without_grad && p.grad_is_zero()) continue;
      Matrix<Scalar>& value = p.value();
      const Matrix<Scalar>& grad = p.grad();
      detail::parallel_rows(value.rows(), value.cols(), [&](Index begin, Index end) {
        const Index rows = end - begin;
        auto w = value.middleRows(begin, rows).array();
        const auto slot = [&](std::size_t k) { return slots_[k][i].middleRows(begin, rows).array(); };
        if (decays_[i])
          rule(w, grad.middleRows(begin, rows).array() + wd * w, slot);
        else
          rule(w, grad.middleRows(begin, rows).array(), slot);
      });
    }
  }

  void require(bool ok, const std::string& what) const {
    if (!ok) throw ValueError(std::string("keisan::") + name_ + ": " + what);
  }

  ParameterList<Scalar> params_;
  std::vector<std::vector<Matrix<Scalar>>> slots_;  ///< slots_[slot][parameter]
  double lr_ = 0;

 private:
  void check_learning_rate(double lr) const {
    if (!(lr >= 0) || !std::isfinite(lr))
      throw ValueError(std::string("keisan::") + name_ + ": learning rate must be >= 0 and finite, got " +
                       std::to_string(lr));
  }

  void check_shapes() const {
    for (std::size_t i = 0; i < params_.size(); ++i) {
      const Parameter<Scalar>& p = *params_[i].parameter;
      if (p.rows() != rows_[i] || p.cols() != cols_[i])
        throw ValueError(std::string("keisan::") + name_ + ": parameter '" + params_[i].name + "' is " +
                         shape_string(p.rows(), p.cols()) + " but the optimizer was built for " +
                         shape_string(rows_[i], cols_[i]) + " (build a new optimizer after changing its shape)");
      for (std::size_t s = 0; s < slots_.size(); ++s) {
        const Matrix<Scalar>& m = slots_[s][i];
        if (m.rows() != rows_[i] || m.cols() != cols_[i])
          throw ValueError(std::string("keisan::") + name_ + ": state '" + params_[i].name + "." + slot_names_[s] +
                           "' is " + shape_string(m.rows(), m.cols()) + " but parameter '" + params_[i].name + "' is " +
                           shape_string(rows_[i], cols_[i]));
      }
    }
  }

  Shared shared_;
  std::vector<std::string> slot_names_;
  const char* name_;
  std::vector<Index> rows_, cols_;  ///< each parameter's shape at construction
  std::vector<bool> decays_;        ///< whether weight decay applies to each parameter
  std::int64_t steps_ = 0;
};

}  // namespace keisan
