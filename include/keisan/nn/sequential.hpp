// keisan nn: Sequential, modules applied one after another, with their parameters and buffers
// listed under stable names "<index>.<name>" ("0.W", "0.b", "2.W", "1.0.W" when nested).
// SPDX-License-Identifier: MIT
#pragma once

#include <memory>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "keisan/core/error.hpp"
#include "keisan/nn/module.hpp"

namespace keisan {

/// A chain of modules. Owns them; their parameters keep their addresses for the container's life.
/// Sequentials nest: a Sequential added to a Sequential is one module whose names get a prefix.
/// @code
/// keisan::Rng rng(42);
/// keisan::Sequential<float> net;                       // the book's TwoLayerNet
/// net.add(keisan::Affine<float>(784, 50, keisan::Init::book, rng))
///    .add(keisan::Sigmoid<float>())
///    .add(keisan::Affine<float>(50, 10, keisan::Init::book, rng));
/// auto loss = keisan::softmax_cross_entropy(net(g.input(x)), labels);
/// @endcode
template <class Scalar>
class Sequential final : public Module<Scalar> {
 public:
  Sequential() = default;
  Sequential(Sequential&&) noexcept = default;
  Sequential& operator=(Sequential&&) noexcept = default;

  /// Appends a module (moved in). Returns *this for chaining.
  template <class M, class = std::enable_if_t<std::is_base_of_v<Module<Scalar>, std::decay_t<M>>>>
  Sequential& add(M&& module) {
    return add(std::unique_ptr<Module<Scalar>>(std::make_unique<std::decay_t<M>>(std::forward<M>(module))));
  }
  /// Appends a module given by pointer (a type chosen at run time). Throws ValueError if null.
  Sequential& add(std::unique_ptr<Module<Scalar>> module) {
    if (!module) throw ValueError("keisan::Sequential::add: the module is null");
    module->set_training(this->is_training());
    modules_.push_back(std::move(module));
    return *this;
  }

  Var<Scalar> forward(const Var<Scalar>& x) override {
    Var<Scalar> h = x;
    for (auto& m : modules_) h = m->forward(h);
    return h;
  }

  void collect_parameters(ParameterList<Scalar>& out, const std::string& prefix) override {
    for (std::size_t i = 0; i < modules_.size(); ++i)
      modules_[i]->collect_parameters(out, prefix + std::to_string(i) + ".");
  }
  void collect_buffers(StateList<Scalar>& out, const std::string& prefix) override {
    for (std::size_t i = 0; i < modules_.size(); ++i)
      modules_[i]->collect_buffers(out, prefix + std::to_string(i) + ".");
  }
  void set_training(bool on) override {
    Module<Scalar>::set_training(on);
    for (auto& m : modules_) m->set_training(on);
  }

  [[nodiscard]] std::string describe() const override {
    std::string s = "Sequential(";
    for (std::size_t i = 0; i < modules_.size(); ++i) s += (i ? ", " : "") + modules_[i]->describe();
    return s + ")";
  }

  [[nodiscard]] std::size_t size() const noexcept { return modules_.size(); }
  /// The i-th module. Throws ValueError when i is out of range.
  [[nodiscard]] Module<Scalar>& operator[](std::size_t i) { return *modules_[checked(i)]; }
  [[nodiscard]] const Module<Scalar>& operator[](std::size_t i) const { return *modules_[checked(i)]; }
  /// The i-th module as an M (e.g. `net.at<Affine<float>>(0).W`). Throws ValueError when i is out
  /// of range or the module is not an M.
  template <class M>
  [[nodiscard]] M& at(std::size_t i) {
    auto* m = dynamic_cast<M*>(modules_[checked(i)].get());
    if (m == nullptr)
      throw ValueError("keisan::Sequential::at: module " + std::to_string(i) + " is " + modules_[i]->describe() +
                       ", not the type asked for");
    return *m;
  }

 private:
  [[nodiscard]] std::size_t checked(std::size_t i) const {
    if (i >= modules_.size())
      throw ValueError("keisan::Sequential: index " + std::to_string(i) + " is out of range (" +
                       std::to_string(modules_.size()) + " modules)");
    return i;
  }

  std::vector<std::unique_ptr<Module<Scalar>>> modules_;
};

}  // namespace keisan
