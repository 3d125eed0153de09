// keisan nn: Module, what every building block of a network shares: a forward function on a
// Var, its parameters and buffers under stable dotted names, and a training flag.
// SPDX-License-Identifier: MIT
#pragma once

#include <string>

#include "keisan/core/graph.hpp"
#include "keisan/core/parameter.hpp"
#include "keisan/core/state.hpp"

namespace keisan {

/// A building block of a network (PyTorch's nn::Module idea, without registration: a module
/// lists what it owns when asked, so moving it never leaves a stale pointer behind).
///
/// - **Parameters** are trainable (`Parameter`: value + gradient); **buffers** are state that is
///   not trained but belongs to the model (BatchNorm's running statistics). Both are listed under
///   stable dotted names: a container prefixes its children's names with their position, so the
///   second module of a Sequential nested as element 1 names its weight "1.1.W".
/// - **state()** = parameters' values + buffers, one list: what saving, loading, checkpoints and
///   the distributed broadcast use (PyTorch's state_dict).
/// - **Training flag**: `train()` / `eval()`; containers pass it to every child. Modules whose
///   forward differs between the two (Dropout, BatchNorm) read `is_training()`.
///
/// @code
/// // A module with a buffer and a training flag: centres its input with the batch mean while
/// // training, and with a running mean (the buffer) in eval mode.
/// template <class T> class Centre final : public keisan::Module<T> {
///  public:
///   explicit Centre(keisan::Index features) : mean_(keisan::Matrix<T>::Zero(1, features)) {}
///   keisan::Var<T> forward(const keisan::Var<T>& x) override {
///     if (this->is_training()) mean_ = T(0.9) * mean_ + T(0.1) * x.value().colwise().mean();
///     return x - x.graph().constant(this->is_training() ? x.value().colwise().mean() : mean_);
///   }
///   void collect_buffers(keisan::StateList<T>& out, const std::string& prefix) override {
///     out.push_back({prefix + "mean", &mean_, nullptr});
///   }
///   std::string describe() const override { return "Centre"; }
///  private:
///   keisan::Matrix<T> mean_;
/// };
/// @endcode
template <class Scalar>
class Module {
 public:
  Module() = default;
  Module(const Module&) = default;
  Module(Module&&) noexcept = default;
  Module& operator=(const Module&) = default;
  Module& operator=(Module&&) noexcept = default;
  virtual ~Module() = default;

  /// Records this module's ops on x's graph.
  virtual Var<Scalar> forward(const Var<Scalar>& x) = 0;
  Var<Scalar> operator()(const Var<Scalar>& x) { return forward(x); }

  /// Short description for summaries, e.g. "Affine(784, 50)".
  [[nodiscard]] virtual std::string describe() const = 0;

  /// Appends this module's parameters, each named `prefix + local name` (e.g. "0." + "W").
  virtual void collect_parameters(ParameterList<Scalar>& out, const std::string& prefix) { (void)out, (void)prefix; }
  /// Appends this module's buffers (non-trainable state), named as parameters are.
  virtual void collect_buffers(StateList<Scalar>& out, const std::string& prefix) { (void)out, (void)prefix; }

  /// Sets the training flag of this module (containers: and of every child).
  virtual void set_training(bool on) { training_ = on; }
  /// Training mode (the default): batch statistics, dropout active.
  void train() { set_training(true); }
  /// Evaluation mode: running statistics, dropout off.
  void eval() { set_training(false); }
  [[nodiscard]] bool is_training() const noexcept { return training_; }

  /// Every parameter, in a stable order, with its dotted name.
  [[nodiscard]] ParameterList<Scalar> parameters() {
    ParameterList<Scalar> out;
    collect_parameters(out, "");
    return out;
  }
  /// Every buffer, in a stable order, with its dotted name.
  [[nodiscard]] StateList<Scalar> buffers() {
    StateList<Scalar> out;
    collect_buffers(out, "");
    return out;
  }
  /// The module's state: every parameter's value, then every buffer. Loading writes into these
  /// matrices (the parameters' gradients are left as they were: call zero_grad()).
  [[nodiscard]] StateList<Scalar> state() { return concat(parameter_state(parameters()), buffers()); }

  /// Zeroes every parameter's gradient (O(1) each).
  void zero_grad() {
    for (const auto& p : parameters()) p.parameter->zero_grad();
  }

 private:
  bool training_ = true;
};

/// While alive, `module` is in eval mode; its previous mode comes back at the end of the scope.
template <class Scalar>
class EvalScope {
 public:
  explicit EvalScope(Module<Scalar>& module) : module_(module), previous_(module.is_training()) { module.eval(); }
  ~EvalScope() { module_.set_training(previous_); }
  EvalScope(const EvalScope&) = delete;
  EvalScope& operator=(const EvalScope&) = delete;

 private:
  Module<Scalar>& module_;
  bool previous_;
};

}  // namespace keisan
