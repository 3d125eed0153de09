// keisan data: how a global batch splits into equal contiguous parts (micro-batches, or one per
// process), and ShardedSampler, which gives one part of every batch of a MinibatchSampler.
// SPDX-License-Identifier: MIT
#pragma once

#include <string>
#include <vector>

#include "keisan/core/error.hpp"
#include "keisan/core/matrix.hpp"
#include "keisan/data/minibatch_sampler.hpp"

namespace keisan {

/// Rows [begin, end) of a batch.
struct RowRange {
  Index begin = 0, end = 0;
  [[nodiscard]] Index size() const noexcept { return end - begin; }
};

/// Part `part` of `parts` of a batch of `rows` rows: rows [part*rows/parts, (part+1)*rows/parts).
/// The parts are contiguous, in order, cover every row exactly once, and differ in size by at
/// most one (all equal when `parts` divides `rows`; some empty when rows < parts). Throws
/// ValueError when parts < 1, part is outside [0, parts) or rows < 0.
[[nodiscard]] inline RowRange batch_part(Index rows, Index part, Index parts) {
  if (parts < 1 || part < 0 || part >= parts || rows < 0)
    throw ValueError("keisan::batch_part: part " + std::to_string(part) + " of " + std::to_string(parts) +
                     " of a batch of " + std::to_string(rows) + " rows (need 0 <= part < parts, rows >= 0)");
  return {part * rows / parts, (part + 1) * rows / parts};
}

/// The sampler of one process among `parts` in data-parallel training: every process builds it
/// with the same n, global batch size, options and seed, so all draw the same global permutation,
/// and each gets its own contiguous part (batch_part) of every global batch. Over all parts, each
/// global batch is covered exactly once; part k's rows are exactly micro-batch k of the same
/// global batch split in `parts` (what one process accumulating `parts` micro-batches uses).
/// state() and restore() are the global sampler's, the same on every process, so a checkpoint
/// does not depend on the number of processes.
/// @code
/// keisan::ShardedSampler sampler(train.size(), 100, comm.rank(), comm.size(), {keisan::Sampling::shuffle, false, 42});
/// std::vector<keisan::Index> mine;
/// sampler.begin_epoch();
/// while (sampler.next(mine)) { /* this process's rows of the next global batch */ }
/// @endcode
class ShardedSampler {
 public:
  /// Throws ValueError when part is outside [0, parts), or for what MinibatchSampler refuses.
  ShardedSampler(Index n, Index global_batch, Index part, Index parts, SamplerOptions options = {})
      : global_(n, global_batch, options), part_(part), parts_(parts) {
    if (parts < 1 || part < 0 || part >= parts)
      throw ValueError("keisan::ShardedSampler: part " + std::to_string(part) + " of " + std::to_string(parts) +
                       " (need 0 <= part < parts)");
    batch_.reserve(static_cast<std::size_t>(global_batch));
  }

  /// Starts the next epoch (the global sampler's).
  void begin_epoch() { global_.begin_epoch(); }

  /// Writes this part's indices of the next global batch into `out` (possibly none, when the
  /// batch has fewer rows than there are parts); false when the epoch is over.
  bool next(std::vector<Index>& out) {
    if (!global_.next(batch_)) return false;
    const RowRange r = batch_part(static_cast<Index>(batch_.size()), part_, parts_);
    out.assign(batch_.begin() + r.begin, batch_.begin() + r.end);
    return true;
  }

  /// Rows of the last global batch next() gave a part of.
  [[nodiscard]] Index global_rows() const noexcept { return static_cast<Index>(batch_.size()); }
  [[nodiscard]] Index part() const noexcept { return part_; }
  [[nodiscard]] Index parts() const noexcept { return parts_; }
  [[nodiscard]] Index epoch() const noexcept { return global_.epoch(); }
  [[nodiscard]] Index batches_per_epoch() const noexcept { return global_.batches_per_epoch(); }
  [[nodiscard]] SamplerState state() const { return global_.state(); }
  /// As MinibatchSampler::restore (the state of the global sampler).
  void restore(const SamplerState& s) { global_.restore(s); }

 private:
  MinibatchSampler global_;
  Index part_, parts_;
  std::vector<Index> batch_;
};

}  // namespace keisan
