// keisan data: Dataset, a feature matrix (one sample per row) with integer class labels, and
// Batch, the preallocated buffers a minibatch is gathered into.
// SPDX-License-Identifier: MIT
#pragma once

#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "keisan/core/error.hpp"
#include "keisan/core/matrix.hpp"
#include "keisan/core/threads.hpp"

namespace keisan {

/// A minibatch: features (rows gathered from a Dataset) and their labels. Reused across steps:
/// gathering a batch of the same size allocates nothing.
template <class Scalar>
struct Batch {
  Matrix<Scalar> x;
  std::vector<int> labels;
};

/// Samples with labels in [0, num_classes). Validated on construction.
template <class Scalar>
class Dataset {
 public:
  Dataset() = default;
  /// Throws ShapeError when rows != labels, ValueError for num_classes < 1 or a label outside
  /// [0, num_classes) (naming the row and the label).
  Dataset(Matrix<Scalar> features, std::vector<int> labels, int num_classes)
      : features_(std::move(features)), labels_(std::move(labels)), num_classes_(num_classes) {
    if (features_.rows() != static_cast<Index>(labels_.size()))
      throw ShapeError("keisan::Dataset: features are " + shape_string(features_) + " but there are " +
                       std::to_string(labels_.size()) + " labels (one per row)");
    if (num_classes < 1)
      throw ValueError("keisan::Dataset: num_classes must be >= 1, got " + std::to_string(num_classes));
    for (std::size_t i = 0; i < labels_.size(); ++i)
      if (labels_[i] < 0 || labels_[i] >= num_classes)
        throw ValueError("keisan::Dataset: label " + std::to_string(labels_[i]) + " at row " + std::to_string(i) +
                         " is out of range for " + std::to_string(num_classes) + " classes");
  }

  [[nodiscard]] Index size() const noexcept { return features_.rows(); }
  [[nodiscard]] Index num_features() const noexcept { return features_.cols(); }
  [[nodiscard]] int num_classes() const noexcept { return num_classes_; }
  [[nodiscard]] const Matrix<Scalar>& features() const noexcept { return features_; }
  [[nodiscard]] const std::vector<int>& labels() const noexcept { return labels_; }

  /// Copies the rows `indices` into `batch` (resized only when the batch size changes).
  /// Throws ValueError for an index outside [0, size()).
  void gather(const std::vector<Index>& indices, Batch<Scalar>& batch) const {
    const auto n = static_cast<Index>(indices.size());
    batch.x.resize(n, features_.cols());
    batch.labels.resize(indices.size());
    for (Index i : indices)
      if (i < 0 || i >= size())
        throw ValueError("keisan::Dataset::gather: index " + std::to_string(i) + " is out of range for " +
                         std::to_string(size()) + " samples");
    const auto row_bytes = static_cast<std::size_t>(features_.cols()) * sizeof(Scalar);
    detail::parallel_rows(n, features_.cols(), [&](Index begin, Index end) {
      for (Index r = begin; r < end; ++r) {
        const Index i = indices[static_cast<std::size_t>(r)];
        if (r + 1 < end) prefetch_row(indices[static_cast<std::size_t>(r + 1)]);
        if (row_bytes > 0) std::memcpy(batch.x.row(r).data(), features_.row(i).data(), row_bytes);
        batch.labels[static_cast<std::size_t>(r)] = labels_[static_cast<std::size_t>(i)];
      }
    });
  }

  /// The contiguous rows [begin, begin + count) as a batch (for evaluation in order).
  void slice(Index begin, Index count, Batch<Scalar>& batch) const {
    if (begin < 0 || count < 0 || begin + count > size())
      throw ValueError("keisan::Dataset::slice: rows [" + std::to_string(begin) + ", " + std::to_string(begin + count) +
                       ") are out of range for " + std::to_string(size()) + " samples");
    batch.x = features_.middleRows(begin, count);
    batch.labels.assign(labels_.begin() + begin, labels_.begin() + begin + count);
  }

 private:
  /// Random rows defeat the hardware prefetcher; ask for the next one while copying this one.
  void prefetch_row(Index i) const {
#if defined(__GNUC__)
    const char* p = reinterpret_cast<const char*>(features_.row(i).data());
    const auto bytes = static_cast<std::size_t>(features_.cols()) * sizeof(Scalar);
    for (std::size_t off = 0; off < bytes; off += 64) __builtin_prefetch(p + off);
#else
    (void)i;
#endif
  }

  Matrix<Scalar> features_;
  std::vector<int> labels_;
  int num_classes_ = 0;
};

}  // namespace keisan
