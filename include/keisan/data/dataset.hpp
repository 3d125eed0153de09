// keisan data: Dataset, a feature matrix (one sample per row) with integer class labels, and
// Batch, the preallocated buffers a minibatch is gathered into.
// SPDX-License-Identifier: MIT
#pragma once

#include <cmath>
#include <cstring>
#include <string>
#include <type_traits>
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
///
/// The features are stored as `Stored`, Scalar by default. A narrower type keeps a dataset
/// whose values are few, like 8-bit image pixels, in a fraction of the memory: each stored value
/// reads as `static_cast<Scalar>(stored) * scale()`, converted as a batch is gathered, so a
/// training step moves a quarter of the bytes for std::uint8_t against float.
/// @code
/// keisan::Dataset<float, std::uint8_t> images(std::move(pixels), std::move(labels), 10, 1.0f / 255);
/// images.gather(indices, batch);   // batch.x holds pixel / 255 as float
/// @endcode
template <class Scalar, class Stored = Scalar>
class Dataset {
  static_assert(std::is_arithmetic_v<Stored>, "keisan::Dataset stores numbers");
  static constexpr bool converts = !std::is_same_v<Stored, Scalar>;

 public:
  Dataset() = default;
  /// Throws ShapeError when rows != labels, ValueError for num_classes < 1, a label outside
  /// [0, num_classes) (naming the row and the label), a scale that is not finite, or a scale
  /// other than 1 when Stored is Scalar (the stored features are then the features).
  Dataset(Matrix<Stored> features, std::vector<int> labels, int num_classes, Scalar scale = Scalar(1))
      : features_(std::move(features)), labels_(std::move(labels)), num_classes_(num_classes), scale_(scale) {
    if (features_.rows() != static_cast<Index>(labels_.size()))
      throw ShapeError("keisan::Dataset: features are " + shape_string(features_) + " but there are " +
                       std::to_string(labels_.size()) + " labels (one per row)");
    if (num_classes < 1)
      throw ValueError("keisan::Dataset: num_classes must be >= 1, got " + std::to_string(num_classes));
    if (!std::isfinite(scale))
      throw ValueError("keisan::Dataset: the scale must be finite, got " + std::to_string(scale));
    if (!converts && scale != Scalar(1))
      throw ValueError(
          "keisan::Dataset: a dataset that stores its Scalar type has scale 1 (its features are the "
          "values), got " +
          std::to_string(scale) + "; scale the features before");
    for (std::size_t i = 0; i < labels_.size(); ++i)
      if (labels_[i] < 0 || labels_[i] >= num_classes)
        throw ValueError("keisan::Dataset: label " + std::to_string(labels_[i]) + " at row " + std::to_string(i) +
                         " is out of range for " + std::to_string(num_classes) + " classes");
  }

  [[nodiscard]] Index size() const noexcept { return features_.rows(); }
  [[nodiscard]] Index num_features() const noexcept { return features_.cols(); }
  [[nodiscard]] int num_classes() const noexcept { return num_classes_; }
  /// The features as stored: the values themselves when Stored is Scalar, else before scale().
  [[nodiscard]] const Matrix<Stored>& features() const noexcept { return features_; }
  [[nodiscard]] const std::vector<int>& labels() const noexcept { return labels_; }
  /// What a stored value is multiplied by as it is read (1 when Stored is Scalar).
  [[nodiscard]] Scalar scale() const noexcept { return scale_; }

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
    detail::parallel_rows(n, features_.cols(), [&](Index begin, Index end) {
      for (Index r = begin; r < end; ++r) {
        const Index i = indices[static_cast<std::size_t>(r)];
        if (r + 1 < end) prefetch_row(indices[static_cast<std::size_t>(r + 1)]);
        read_row(i, batch.x.row(r).data());
        batch.labels[static_cast<std::size_t>(r)] = labels_[static_cast<std::size_t>(i)];
      }
    });
  }

  /// The contiguous rows [begin, begin + count) as a batch (for evaluation in order).
  void slice(Index begin, Index count, Batch<Scalar>& batch) const {
    check_rows(begin, count, "keisan::Dataset::slice");
    read_rows(begin, count, batch.x);
    batch.labels.assign(labels_.begin() + begin, labels_.begin() + begin + count);
  }

  /// The features of rows [begin, begin + count) into `out` (resized only when its shape
  /// changes). Throws ValueError for rows outside [0, size()).
  void read_rows(Index begin, Index count, Matrix<Scalar>& out) const {
    check_rows(begin, count, "keisan::Dataset::read_rows");
    out.resize(count, features_.cols());
    for (Index r = 0; r < count; ++r) read_row(begin + r, out.row(r).data());
  }

 private:
  void check_rows(Index begin, Index count, const char* who) const {
    if (begin < 0 || count < 0 || begin > size() - count)
      throw ValueError(std::string(who) + ": rows [" + std::to_string(begin) + ", " + std::to_string(begin + count) +
                       ") are out of range for " + std::to_string(size()) + " samples");
  }

  /// Row i's values into `out` (num_features() of them).
  void read_row(Index i, Scalar* out) const {
    const Stored* in = features_.row(i).data();
    const Index n = features_.cols();
    if constexpr (converts) {
      for (Index j = 0; j < n; ++j) out[j] = static_cast<Scalar>(in[j]) * scale_;
    } else if (n > 0) {
      std::memcpy(out, in, static_cast<std::size_t>(n) * sizeof(Scalar));
    }
  }

  /// Random rows defeat the hardware prefetcher; ask for the next one while copying this one.
  void prefetch_row(Index i) const {
#if defined(__GNUC__)
    const char* p = reinterpret_cast<const char*>(features_.row(i).data());
    const auto bytes = static_cast<std::size_t>(features_.cols()) * sizeof(Stored);
    for (std::size_t off = 0; off < bytes; off += 64) __builtin_prefetch(p + off);
#else
    (void)i;
#endif
  }

  Matrix<Stored> features_;
  std::vector<int> labels_;
  int num_classes_ = 0;
  Scalar scale_ = Scalar(1);
};

}  // namespace keisan
