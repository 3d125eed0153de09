// keisan nn: Evaluator, which runs a whole dataset through a module in eval mode, without
// gradients, in fixed-size batches: predictions (argmax per row) and accuracy.
// SPDX-License-Identifier: MIT
#pragma once

#include <string>
#include <vector>

#include "keisan/core/error.hpp"
#include "keisan/core/graph.hpp"
#include "keisan/nn/module.hpp"

namespace keisan {

/// Batched inference. Keeps its graphs and buffers between calls: once it has seen a full batch
/// and the final short one, evaluating the same dataset again allocates nothing.
/// @code
/// keisan::Evaluator<float> evaluator(1000);
/// double acc = evaluator.accuracy(net, test.features(), test.labels());   // eval mode, no-grad
/// const std::vector<int>& predicted = evaluator.predict(net, test.features());
/// @endcode
template <class Scalar>
class Evaluator {
 public:
  /// Throws ValueError when batch_size < 1.
  explicit Evaluator(Index batch_size = 1000) : batch_(batch_size) {
    if (batch_size < 1)
      throw ValueError("keisan::Evaluator: batch size must be >= 1, got " + std::to_string(batch_size));
  }

  /// The class each row of `features` is predicted as: the argmax of the module's output row
  /// (one output column per class). Runs `module` in eval mode (its mode is restored afterwards)
  /// with no gradients. The reference stays valid until the next call.
  const std::vector<int>& predict(Module<Scalar>& module, const Matrix<Scalar>& features) {
    EvalScope<Scalar> eval(module);
    predictions_.resize(static_cast<std::size_t>(features.rows()));
    for (Index begin = 0; begin < features.rows(); begin += batch_) {
      const Index count = std::min(batch_, features.rows() - begin);
      // Full batches and the final short one each keep their own graph, so neither reshapes
      // the other's buffers (a reshape is an allocation).
      const bool full = count == batch_;
      Graph<Scalar>& g = full ? full_graph_ : tail_graph_;
      Matrix<Scalar>& chunk = full ? full_chunk_ : tail_chunk_;
      chunk = features.middleRows(begin, count);
      g.clear();
      NoGradScope<Scalar> no_grad(g);
      const Matrix<Scalar>& out = module(g.input(chunk)).value();
      if (out.rows() != count || out.cols() < 1)
        throw ShapeError("keisan::Evaluator: the module maps " + shape_string(chunk) + " to " + shape_string(out) +
                         ": needs one output row per input row and at least one column (class)");
      for (Index i = 0; i < count; ++i) {
        Index arg = 0;
        out.row(i).maxCoeff(&arg);
        predictions_[static_cast<std::size_t>(begin + i)] = static_cast<int>(arg);
      }
    }
    return predictions_;
  }

  /// The fraction of rows whose prediction equals their label. Throws ShapeError when there is
  /// not one label per row, ValueError for an empty dataset (an accuracy of 0/0 means nothing).
  double accuracy(Module<Scalar>& module, const Matrix<Scalar>& features, const std::vector<int>& labels) {
    if (static_cast<Index>(labels.size()) != features.rows())
      throw ShapeError("keisan::Evaluator::accuracy: " + std::to_string(features.rows()) + " rows but " +
                       std::to_string(labels.size()) + " labels");
    if (features.rows() == 0) throw ValueError("keisan::Evaluator::accuracy: the dataset is empty");
    const std::vector<int>& predicted = predict(module, features);
    Index hits = 0;
    for (std::size_t i = 0; i < labels.size(); ++i) hits += predicted[i] == labels[i];
    return static_cast<double>(hits) / static_cast<double>(labels.size());
  }

  [[nodiscard]] Index batch_size() const noexcept { return batch_; }

 private:
  Index batch_;
  Graph<Scalar> full_graph_, tail_graph_;
  Matrix<Scalar> full_chunk_, tail_chunk_;
  std::vector<int> predictions_;
};

}  // namespace keisan
