// keisan nn: Sequential, layers applied one after another, with their parameters listed under
// stable names "<index>.<name>" ("0.W", "0.b", "2.W", ...).
// SPDX-License-Identifier: MIT
#pragma once

#include <memory>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "keisan/nn/layer.hpp"

namespace keisan {

/// A chain of layers. Owns them; their parameters keep their addresses for the container's life.
/// @code
/// keisan::Rng rng(42);
/// keisan::Sequential<float> net;                       // the book's TwoLayerNet
/// net.add(keisan::Affine<float>(784, 50, keisan::Init::book, rng))
///    .add(keisan::Sigmoid<float>())
///    .add(keisan::Affine<float>(50, 10, keisan::Init::book, rng));
/// auto loss = keisan::softmax_cross_entropy(net(g.input(x)), labels);
/// @endcode
template <class Scalar>
class Sequential final : public Layer<Scalar> {
 public:
  Sequential() = default;
  Sequential(Sequential&&) noexcept = default;
  Sequential& operator=(Sequential&&) noexcept = default;

  /// Appends a layer (moved in). Returns *this for chaining.
  template <class L, class = std::enable_if_t<std::is_base_of_v<Layer<Scalar>, std::decay_t<L>>>>
  Sequential& add(L&& layer) {
    layers_.push_back(std::make_unique<std::decay_t<L>>(std::forward<L>(layer)));
    return *this;
  }

  Var<Scalar> forward(const Var<Scalar>& x) override {
    Var<Scalar> h = x;
    for (auto& layer : layers_) h = layer->forward(h);
    return h;
  }

  void collect_parameters(ParameterList<Scalar>& out, const std::string& prefix) override {
    for (std::size_t i = 0; i < layers_.size(); ++i)
      layers_[i]->collect_parameters(out, prefix + std::to_string(i) + ".");
  }

  /// Every parameter, in layer order, with its stable name.
  [[nodiscard]] ParameterList<Scalar> parameters() {
    ParameterList<Scalar> out;
    collect_parameters(out, "");
    return out;
  }

  [[nodiscard]] std::string describe() const override {
    std::string s = "Sequential(";
    for (std::size_t i = 0; i < layers_.size(); ++i) s += (i ? ", " : "") + layers_[i]->describe();
    return s + ")";
  }

  [[nodiscard]] std::size_t size() const noexcept { return layers_.size(); }
  [[nodiscard]] Layer<Scalar>& operator[](std::size_t i) { return *layers_.at(i); }

 private:
  std::vector<std::unique_ptr<Layer<Scalar>>> layers_;
};

}  // namespace keisan
