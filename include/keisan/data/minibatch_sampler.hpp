// keisan data: MinibatchSampler, which yields the sample indices of each minibatch of an epoch.
// SPDX-License-Identifier: MIT
#pragma once

#include <algorithm>
#include <cstdint>
#include <istream>
#include <map>
#include <numeric>
#include <sstream>
#include <stdexcept>
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

/// Where a sampler stands, as a small value (what a checkpoint stores): restoring it into a
/// sampler of the same shape gives the batches the saved sampler would have given next.
struct SamplerState {
  Index n = 0, batch_size = 0;  ///< the sampler's shape, checked by restore()
  Sampling mode = Sampling::shuffle;
  bool drop_last = false;
  Index epoch = 0;     ///< epochs begun (0: none yet)
  Index produced = 0;  ///< batches given out in the current epoch
  /// The engine as the current epoch began (before its permutation or draws), in
  /// std::mt19937_64's text form, which the C++ standard fixes: the same on every platform.
  std::string rng;

  friend bool operator==(const SamplerState& a, const SamplerState& b) {
    return a.n == b.n && a.batch_size == b.batch_size && a.mode == b.mode && a.drop_last == b.drop_last &&
           a.epoch == b.epoch && a.produced == b.produced && a.rng == b.rng;
  }
  friend bool operator!=(const SamplerState& a, const SamplerState& b) { return !(a == b); }
};

/// The name of a sampling mode ("shuffle", "replacement", "sequential").
[[nodiscard]] inline const char* sampling_name(Sampling mode) noexcept {
  switch (mode) {
    case Sampling::shuffle:
      return "shuffle";
    case Sampling::replacement:
      return "replacement";
    case Sampling::sequential:
      return "sequential";
  }
  return "?";
}

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

  /// Starts the next epoch. Shuffle mode draws a new permutation of 0..n-1 (Fisher-Yates from the
  /// identity, with the continuing engine: each epoch's order follows from the engine alone).
  void begin_epoch() {
    ++epoch_;
    position_ = 0;
    produced_ = 0;
    epoch_rng_ = rng_;
    if (opt_.mode == Sampling::shuffle) {
      std::iota(order_.begin(), order_.end(), Index(0));
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

  /// Where the sampler stands: at an epoch boundary or mid-epoch, in any mode.
  /// @code
  /// keisan::SamplerState saved = sampler.state();     // e.g. into a checkpoint
  /// // ... later, a sampler built with the same n, batch size and options:
  /// resumed.restore(saved);                           // next() continues where `sampler` was
  /// @endcode
  [[nodiscard]] SamplerState state() const {
    std::ostringstream rng;
    rng << (epoch_ == 0 ? rng_ : epoch_rng_);
    return {n_, batch_, opt_.mode, opt_.drop_last, epoch_, produced_, rng.str()};
  }

  /// Continues from `s`: the following batches are those the sampler that gave `s` would have
  /// given next. Replays the current epoch's draws from the saved engine (at most about n
  /// random numbers). Throws ValueError when `s` was taken from a sampler of another size, batch
  /// size, mode or drop_last, or when its counters or engine text are invalid; the sampler is
  /// unchanged then.
  void restore(const SamplerState& s) {
    const auto shape = [](Index n, Index b, Sampling m, bool drop) {
      return std::to_string(n) + " samples in batches of " + std::to_string(b) + " (" + sampling_name(m) +
             (drop ? ", drop_last)" : ")");
    };
    if (s.n != n_ || s.batch_size != batch_ || s.mode != opt_.mode || s.drop_last != opt_.drop_last)
      throw ValueError("keisan::MinibatchSampler::restore: the state is for " +
                       shape(s.n, s.batch_size, s.mode, s.drop_last) + ", this sampler draws " +
                       shape(n_, batch_, opt_.mode, opt_.drop_last));
    if (s.epoch < 0 || s.produced < 0 || s.produced > batches_per_epoch() || (s.epoch == 0 && s.produced != 0))
      throw ValueError("keisan::MinibatchSampler::restore: invalid counters (epoch " + std::to_string(s.epoch) + ", " +
                       std::to_string(s.produced) + " of " + std::to_string(batches_per_epoch()) +
                       " batches produced)");
    Rng rng;
    std::istringstream in(s.rng);
    in >> rng;
    if (!in || !(in >> std::ws).eof())
      throw ValueError("keisan::MinibatchSampler::restore: the RNG state is not std::mt19937_64 text");
    rng_ = rng;
    epoch_ = s.epoch;
    produced_ = 0;
    position_ = 0;
    if (epoch_ == 0) return;
    --epoch_;
    begin_epoch();  // the same permutation, from the same engine
    std::vector<Index> skipped;
    skipped.reserve(static_cast<std::size_t>(batch_));
    for (Index b = 0; b < s.produced; ++b) next(skipped);  // the same draws, so the same engine after
  }

 private:
  Index n_, batch_;
  SamplerOptions opt_;
  Rng rng_;
  Rng epoch_rng_;  ///< rng_ as the current epoch began (what state() saves)
  std::vector<Index> order_;
  Index position_ = 0, produced_ = 0, epoch_ = 0;
};

/// `s` as string metadata under `prefix` (keys <prefix>n, batch_size, mode, drop_last, epoch,
/// produced, rng), for a checkpoint's header.
[[nodiscard]] inline std::map<std::string, std::string> to_metadata(const SamplerState& s,
                                                                    const std::string& prefix = "sampler.") {
  return {{prefix + "n", std::to_string(s.n)},
          {prefix + "batch_size", std::to_string(s.batch_size)},
          {prefix + "mode", sampling_name(s.mode)},
          {prefix + "drop_last", s.drop_last ? "true" : "false"},
          {prefix + "epoch", std::to_string(s.epoch)},
          {prefix + "produced", std::to_string(s.produced)},
          {prefix + "rng", s.rng}};
}

/// True when `metadata` holds a sampler state under `prefix` (its "rng" key).
[[nodiscard]] inline bool has_sampler_state(const std::map<std::string, std::string>& metadata,
                                            const std::string& prefix = "sampler.") {
  return metadata.count(prefix + "rng") != 0;
}

/// The SamplerState that to_metadata() wrote under `prefix`. Throws ValueError naming the first
/// key that is missing or does not parse.
[[nodiscard]] inline SamplerState sampler_state_from_metadata(const std::map<std::string, std::string>& metadata,
                                                              const std::string& prefix = "sampler.") {
  const auto get = [&](const char* key) -> const std::string& {
    const auto it = metadata.find(prefix + key);
    if (it == metadata.end()) throw ValueError("keisan::sampler_state_from_metadata: no '" + prefix + key + "' entry");
    return it->second;
  };
  const auto bad = [&](const char* key) {
    return ValueError("keisan::sampler_state_from_metadata: '" + prefix + key + "' is '" + get(key) +
                      "', not a valid value");
  };
  const auto integer = [&](const char* key) -> Index {
    const std::string& text = get(key);
    std::size_t used = 0;
    long long v = 0;
    try {
      v = std::stoll(text, &used);
    } catch (const std::exception&) {
      throw bad(key);
    }
    if (used != text.size()) throw bad(key);
    return static_cast<Index>(v);
  };
  SamplerState s;
  s.n = integer("n");
  s.batch_size = integer("batch_size");
  const std::string& mode = get("mode");
  if (mode == "shuffle")
    s.mode = Sampling::shuffle;
  else if (mode == "replacement")
    s.mode = Sampling::replacement;
  else if (mode == "sequential")
    s.mode = Sampling::sequential;
  else
    throw bad("mode");
  const std::string& drop = get("drop_last");
  if (drop != "true" && drop != "false") throw bad("drop_last");
  s.drop_last = drop == "true";
  s.epoch = integer("epoch");
  s.produced = integer("produced");
  s.rng = get("rng");
  return s;
}

}  // namespace keisan
