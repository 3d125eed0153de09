// keisan data: MinibatchSampler, which yields the sample indices of each minibatch of an epoch.
// SPDX-License-Identifier: MIT
#pragma once

#include <algorithm>
#include <numeric>
#include <string>
#include <vector>

#include "keisan/core/error.hpp"
#include "keisan/core/matrix.hpp"
#include "keisan/core/random.hpp"

namespace keisan {

/// How a sampler picks each batch.
enum class Sampling {
  shuffle,      ///< a new permutation every epoch; every index exactly once per epoch (default)
  replacement,  ///< each batch drawn uniformly with replacement (the book's np.random.choice);
                ///< an epoch is max(1, N / batch) batches
  sequential,   ///< 0, 1, 2, ... in order (evaluation)
};

struct SamplerOptions {
  Sampling mode = Sampling::shuffle;
  bool drop_last = false;  ///< shuffle/sequential: skip the final short batch
  std::uint64_t seed = 0;
};

/// Yields index batches; the index vector is reused, so sampling allocates nothing per step.
/// @code
/// keisan::MinibatchSampler sampler(train.size(), 100, {keisan::Sampling::shuffle, false, 42});
/// std::vector<keisan::Index> idx;
/// for (int epoch = 0; epoch < 10; ++epoch) {
///   sampler.begin_epoch();
///   while (sampler.next(idx)) { train.gather(idx, batch); /* ...step... */ }
/// }
/// @endcode
class MinibatchSampler {
 public:
  /// Throws ValueError for an empty dataset, batch_size < 1, or drop_last with n < batch_size
  /// (an epoch would have no batch).
  MinibatchSampler(Index n, Index batch_size, SamplerOptions options = {})
      : n_(n), batch_(batch_size), opt_(options), rng_(options.seed) {
    if (n <= 0) throw ValueError("keisan::MinibatchSampler: the dataset is empty (n = " + std::to_string(n) + ")");
    if (batch_size < 1)
      throw ValueError("keisan::MinibatchSampler: batch size must be >= 1, got " + std::to_string(batch_size));
    if (options.drop_last && options.mode != Sampling::replacement && n < batch_size)
      throw ValueError("keisan::MinibatchSampler: drop_last with " + std::to_string(n) + " samples and batch size " +
                       std::to_string(batch_size) + " leaves no batch");
    order_.resize(static_cast<std::size_t>(n));
    std::iota(order_.begin(), order_.end(), Index(0));
  }

  /// Batches in one epoch.
  [[nodiscard]] Index batches_per_epoch() const noexcept {
    if (opt_.mode == Sampling::replacement) return std::max<Index>(1, n_ / batch_);
    return opt_.drop_last ? n_ / batch_ : (n_ + batch_ - 1) / batch_;
  }
  [[nodiscard]] Index batch_size() const noexcept { return batch_; }
  [[nodiscard]] Index size() const noexcept { return n_; }
  [[nodiscard]] Index epoch() const noexcept { return epoch_; }

  /// Starts the next epoch (shuffle mode draws a new permutation).
  void begin_epoch() {
    ++epoch_;
    position_ = 0;
    produced_ = 0;
    if (opt_.mode == Sampling::shuffle) {
      for (std::size_t i = order_.size() - 1; i > 0; --i)  // Fisher-Yates, platform-independent
        std::swap(order_[i], order_[uniform_index(rng_, i + 1)]);
    }
  }

  /// Writes the next batch's indices into `out`; false when the epoch is over.
  /// Calls begin_epoch() itself if it was never called.
  bool next(std::vector<Index>& out) {
    if (epoch_ == 0) begin_epoch();
    if (produced_ >= batches_per_epoch()) return false;
    ++produced_;
    if (opt_.mode == Sampling::replacement) {
      out.resize(static_cast<std::size_t>(batch_));
      for (auto& i : out) i = static_cast<Index>(uniform_index(rng_, static_cast<std::uint64_t>(n_)));
      return true;
    }
    const Index count = std::min(batch_, n_ - position_);
    out.assign(order_.begin() + position_, order_.begin() + position_ + count);
    position_ += count;
    return true;
  }

 private:
  Index n_, batch_;
  SamplerOptions opt_;
  Rng rng_;
  std::vector<Index> order_;
  Index position_ = 0, produced_ = 0, epoch_ = 0;
};

}  // namespace keisan
