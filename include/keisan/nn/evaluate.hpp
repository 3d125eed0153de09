// keisan nn: Evaluator, which runs a whole dataset through a module in eval mode, without
// gradients, in fixed-size batches: predictions (argmax per row) and accuracy.
// SPDX-License-Identifier: MIT
#pragma once

#include <algorithm>
#include <string>
#include <vector>

#include "keisan/core/error.hpp"
#include "keisan/core/graph.hpp"
#include "keisan/data/dataset.hpp"
#include "keisan/nn/module.hpp"

namespace keisan {

/// Batched inference. Keeps its graphs and buffers between calls: once it has seen a full batch
/// and the final short one, evaluating the same dataset again allocates nothing.
/// @code
/// keisan::Evaluator<float> evaluator(1000);
/// double acc = evaluator.accuracy(net, test);   // a Dataset, or features and labels; eval mode, no-grad
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
    return predict_rows(module, features.rows(), [&](Index begin, Index count, Matrix<Scalar>& chunk) {
      chunk = features.middleRows(begin, count);
    });
  }

  /// The same for every row of a Dataset, read batch by batch (a dataset stored narrower than
  /// Scalar is converted one batch at a time, never whole).
  template <class Stored>
  const std::vector<int>& predict(Module<Scalar>& module, const Dataset<Scalar, Stored>& data) {
    return predict_rows(module, data.size(),
                        [&](Index begin, Index count, Matrix<Scalar>& chunk) { data.read_rows(begin, count, chunk); });
  }

  /// The fraction of rows whose prediction equals their label. Throws ShapeError when there is
  /// not one label per row, ValueError for an empty dataset (an accuracy of 0/0 means nothing).
  double accuracy(Module<Scalar>& module, const Matrix<Scalar>& features, const std::vector<int>& labels) {
    check_counts(features.rows(), labels);
    return hits(predict(module, features), labels);
  }

  /// The fraction of a Dataset's rows predicted as their label. Throws ValueError when it is empty.
  template <class Stored>
  double accuracy(Module<Scalar>& module, const Dataset<Scalar, Stored>& data) {
    check_counts(data.size(), data.labels());
    return hits(predict(module, data), data.labels());
  }

  [[nodiscard]] Index batch_size() const noexcept { return batch_; }

 private:
  /// Runs `rows` rows through `module` in batches; fill(begin, count, chunk) puts rows
  /// [begin, begin + count) of the input into chunk.
  template <class Fill>
  const std::vector<int>& predict_rows(Module<Scalar>& module, Index rows, const Fill& fill) {
    EvalScope<Scalar> eval(module);
    predictions_.resize(static_cast<std::size_t>(rows));
    for (Index begin = 0; begin < rows; begin += batch_) {
      const Index count = std::min(batch_, rows - begin);
      // Full batches and the final short one each keep their own graph, so neither reshapes
      // the other's buffers (a reshape is an allocation).
      const bool full = count == batch_;
      Graph<Scalar>& g = full ? full_graph_ : tail_graph_;
      Matrix<Scalar>& chunk = full ? full_chunk_ : tail_chunk_;
      fill(begin, count, chunk);
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

  static void check_counts(Index rows, const std::vector<int>& labels) {
    if (static_cast<Index>(labels.size()) != rows)
      throw ShapeError("keisan::Evaluator::accuracy: " + std::to_string(rows) + " rows but " +
                       std::to_string(labels.size()) + " labels");
    if (rows == 0) throw ValueError("keisan::Evaluator::accuracy: the dataset is empty");
  }

  static double hits(const std::vector<int>& predicted, const std::vector<int>& labels) {
    Index n = 0;
    for (std::size_t i = 0; i < labels.size(); ++i) n += predicted[i] == labels[i];
    return static_cast<double>(n) / static_cast<double>(labels.size());
  }

  Index batch_;
  Graph<Scalar> full_graph_, tail_graph_;
  Matrix<Scalar> full_chunk_, tail_chunk_;
  std::vector<int> predictions_;
};

}  // namespace keisan
