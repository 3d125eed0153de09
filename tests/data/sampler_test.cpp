// keisan tests: Dataset and MinibatchSampler.
// SPDX-License-Identifier: MIT
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numeric>
#include <set>

#include "support/helpers.hpp"

using keisan::Index;
using keisan::MinibatchSampler;
using keisan::Sampling;

namespace {
std::vector<std::vector<Index>> epoch_batches(MinibatchSampler& s) {
  std::vector<std::vector<Index>> out;
  std::vector<Index> idx;
  s.begin_epoch();
  while (s.next(idx)) out.push_back(idx);
  return out;
}
}  // namespace

TEST_CASE("MinibatchSampler: shuffle visits every index once per epoch, in a new order each epoch", "[data]") {
  MinibatchSampler s(103, 10, {Sampling::shuffle, false, 7});
  REQUIRE(s.batches_per_epoch() == 11);
  std::vector<Index> first_order;
  for (int epoch = 0; epoch < 3; ++epoch) {
    auto batches = epoch_batches(s);
    REQUIRE(batches.size() == 11);
    REQUIRE(batches.back().size() == 3);
    std::vector<Index> all;
    for (auto& b : batches) all.insert(all.end(), b.begin(), b.end());
    std::vector<Index> sorted = all;
    std::sort(sorted.begin(), sorted.end());
    for (Index i = 0; i < 103; ++i) REQUIRE(sorted[static_cast<std::size_t>(i)] == i);
    if (epoch == 0)
      first_order = all;
    else
      REQUIRE(all != first_order);
  }
}

TEST_CASE("MinibatchSampler: same seed, same sequence, and another seed, another", "[data]") {
  for (Sampling mode : {Sampling::shuffle, Sampling::replacement}) {
    MinibatchSampler a(50, 8, {mode, false, 1}), b(50, 8, {mode, false, 1}), c(50, 8, {mode, false, 2});
    for (int epoch = 0; epoch < 2; ++epoch) {
      auto ea = epoch_batches(a), eb = epoch_batches(b), ec = epoch_batches(c);
      REQUIRE(ea == eb);
      REQUIRE(ea != ec);
    }
  }
}

TEST_CASE("MinibatchSampler: replacement draws full batches, uniformly", "[data]") {
  MinibatchSampler s(10, 5, {Sampling::replacement, false, 3});
  REQUIRE(s.batches_per_epoch() == 2);  // max(1, N / batch), as the book's iter_per_epoch
  std::vector<long> counts(10, 0);
  std::vector<Index> idx;
  bool repeated = false;
  for (int epoch = 0; epoch < 2000; ++epoch) {
    s.begin_epoch();
    while (s.next(idx)) {
      REQUIRE(idx.size() == 5);
      for (Index i : idx) ++counts[static_cast<std::size_t>(i)];
      repeated = repeated || std::set<Index>(idx.begin(), idx.end()).size() < idx.size();
    }
  }
  REQUIRE(repeated);                                        // with replacement, duplicates inside a batch happen
  for (long c : counts) REQUIRE(std::abs(c - 2000) < 200);  // 20,000 draws over 10: ~2000 each (sd ~42)
  REQUIRE(MinibatchSampler(3, 5, {Sampling::replacement, false, 0}).batches_per_epoch() == 1);
}

TEST_CASE("MinibatchSampler: sequential order and drop_last", "[data]") {
  MinibatchSampler seq(7, 3, {Sampling::sequential, false, 0});
  auto batches = epoch_batches(seq);
  REQUIRE(batches == std::vector<std::vector<Index>>{{0, 1, 2}, {3, 4, 5}, {6}});
  MinibatchSampler dropped(7, 3, {Sampling::sequential, true, 0});
  REQUIRE(epoch_batches(dropped) == std::vector<std::vector<Index>>{{0, 1, 2}, {3, 4, 5}});
  MinibatchSampler small(3, 10, {});  // N < batch without drop_last: one short batch
  auto one = epoch_batches(small);
  REQUIRE(one.size() == 1);
  REQUIRE(one[0].size() == 3);
}

TEST_CASE("MinibatchSampler: bad arguments throw", "[data]") {
  using Catch::Matchers::Message;
  REQUIRE_THROWS_MATCHES(MinibatchSampler(0, 10), keisan::ValueError,
                         Message("keisan::MinibatchSampler: the dataset is empty (n = 0)"));
  REQUIRE_THROWS_WITH(MinibatchSampler(10, 0), "keisan::MinibatchSampler: batch size must be >= 1, got 0");
  REQUIRE_THROWS_WITH(MinibatchSampler(3, 10, {Sampling::shuffle, true, 0}),
                      "keisan::MinibatchSampler: drop_last with 3 samples and batch size 10 leaves no batch");
}

namespace {
/// The next `count` batches (across epoch boundaries, as a training loop takes them).
std::vector<std::vector<Index>> take(MinibatchSampler& s, int count) {
  std::vector<std::vector<Index>> out;
  std::vector<Index> idx;
  while (static_cast<int>(out.size()) < count) {
    if (s.epoch() == 0 || !s.next(idx)) {
      s.begin_epoch();
      continue;
    }
    out.push_back(idx);
  }
  return out;
}
}  // namespace

TEST_CASE("MinibatchSampler: a restored state gives the batches of the uninterrupted run", "[data]") {
  // 23 samples in batches of 5: 5 batches per epoch (the last short) in shuffle mode, 4 with
  // replacement. Saving after 0, 3 (mid-epoch), 5 (an epoch's end) and 12 batches.
  for (Sampling mode : {Sampling::shuffle, Sampling::replacement, Sampling::sequential}) {
    for (bool drop_last : {false, true}) {
      const keisan::SamplerOptions options{mode, drop_last, 99};
      for (int saved_after : {0, 3, 4, 5, 12}) {
        CAPTURE(keisan::sampling_name(mode), drop_last, saved_after);
        MinibatchSampler uninterrupted(23, 5, options), first(23, 5, options);
        const auto expected = take(uninterrupted, saved_after + 11);
        const auto before = take(first, saved_after);
        const keisan::SamplerState state = first.state();
        // Through the metadata strings, as a checkpoint stores it, into a fresh sampler.
        const auto metadata = keisan::to_metadata(state);
        REQUIRE(keisan::has_sampler_state(metadata));
        const keisan::SamplerState parsed = keisan::sampler_state_from_metadata(metadata);
        REQUIRE(parsed == state);
        MinibatchSampler resumed(23, 5, options);
        resumed.restore(parsed);
        REQUIRE(resumed.epoch() == first.epoch());
        REQUIRE(resumed.state() == state);
        auto all = before;
        const auto after = take(resumed, 11);
        all.insert(all.end(), after.begin(), after.end());
        REQUIRE(all == expected);
        // And the saved sampler itself goes on the same way.
        REQUIRE(take(first, 11) == after);
      }
    }
  }
}

TEST_CASE("MinibatchSampler: shuffle epochs are permutations of the identity drawn from the seed", "[data]") {
  // Each epoch's order depends only on the engine as the epoch begins: Fisher-Yates from 0..n-1.
  MinibatchSampler s(10, 10, {Sampling::shuffle, false, 5});
  keisan::Rng rng(5);
  for (int epoch = 0; epoch < 3; ++epoch) {
    std::vector<Index> order(10);
    std::iota(order.begin(), order.end(), Index(0));
    for (std::size_t i = order.size() - 1; i > 0; --i) std::swap(order[i], order[keisan::uniform_index(rng, i + 1)]);
    REQUIRE(epoch_batches(s) == std::vector<std::vector<Index>>{order});
  }
}

TEST_CASE("MinibatchSampler: restore refuses a state that does not fit", "[data]") {
  using Catch::Matchers::Message;
  MinibatchSampler s(23, 5, {Sampling::shuffle, false, 1});
  (void)take(s, 2);
  const keisan::SamplerState good = s.state();
  MinibatchSampler other(23, 5, {Sampling::replacement, true, 1});
  REQUIRE_THROWS_MATCHES(other.restore(good), keisan::ValueError,
                         Message("keisan::MinibatchSampler::restore: the state is for 23 samples in batches of 5 "
                                 "(shuffle), this sampler draws 23 samples in batches of 5 (replacement, drop_last)"));
  MinibatchSampler fresh(23, 5, {Sampling::shuffle, false, 1});
  keisan::SamplerState bad = good;
  bad.produced = 6;
  REQUIRE_THROWS_WITH(fresh.restore(bad),
                      "keisan::MinibatchSampler::restore: invalid counters (epoch 1, 6 of 5 batches produced)");
  bad = good;
  bad.rng = "12 34";
  REQUIRE_THROWS_WITH(fresh.restore(bad),
                      "keisan::MinibatchSampler::restore: the RNG state is not std::mt19937_64 text");
  REQUIRE(fresh.epoch() == 0);  // unchanged
  auto metadata = keisan::to_metadata(good);
  metadata["sampler.epoch"] = "1x";
  REQUIRE_THROWS_WITH(keisan::sampler_state_from_metadata(metadata),
                      "keisan::sampler_state_from_metadata: 'sampler.epoch' is '1x', not a valid value");
  metadata = keisan::to_metadata(good);
  metadata.erase("sampler.rng");
  REQUIRE_FALSE(keisan::has_sampler_state(metadata));
  REQUIRE_THROWS_WITH(keisan::sampler_state_from_metadata(metadata, "sampler."),
                      "keisan::sampler_state_from_metadata: no 'sampler.rng' entry");
}

TEST_CASE("Dataset: validation and gathering", "[data]") {
  using keisan::Dataset;
  using keisan::Matrix;
  Matrix<float> X(3, 2);
  X << 1, 2, 3, 4, 5, 6;
  REQUIRE_THROWS_MATCHES(
      Dataset<float>(X, {0, 1}, 2), keisan::ShapeError,
      Catch::Matchers::Message("keisan::Dataset: features are 3x2 but there are 2 labels (one per row)"));
  REQUIRE_THROWS_WITH(Dataset<float>(X, {0, 1, 2}, 2),
                      "keisan::Dataset: label 2 at row 2 is out of range for 2 classes");
  REQUIRE_THROWS_WITH(Dataset<float>(X, {0, 0, 0}, 0), "keisan::Dataset: num_classes must be >= 1, got 0");
  Dataset<float> d(X, {0, 1, 1}, 2);
  keisan::Batch<float> batch;
  d.gather({2, 0}, batch);
  Matrix<float> expected(2, 2);
  expected << 5, 6, 1, 2;
  REQUIRE(batch.x == expected);
  REQUIRE(batch.labels == std::vector<int>{1, 0});
  REQUIRE_THROWS_WITH(d.gather({3}, batch), "keisan::Dataset::gather: index 3 is out of range for 3 samples");
  d.slice(1, 2, batch);
  REQUIRE(batch.x == X.bottomRows(2));
  REQUIRE_THROWS_WITH(d.slice(2, 2, batch), "keisan::Dataset::slice: rows [2, 4) are out of range for 3 samples");
}

TEST_CASE("Dataset: bytes read as Scalar(byte) * scale, the same bits as float features scaled alike", "[data]") {
  using keisan::Dataset;
  using keisan::Index;
  using keisan::Matrix;
  Matrix<std::uint8_t> bytes(4, 3);
  bytes << 0, 1, 2, 127, 128, 129, 253, 254, 255, 7, 70, 200;
  const std::vector<int> labels{3, 1, 0, 2};
  const float scale = 1.0f / 255;
  const Dataset<float, std::uint8_t> compact(bytes, labels, 4, scale);
  const Dataset<float> wide(bytes.cast<float>() * scale, labels, 4);
  REQUIRE(compact.features() == bytes);  // as stored
  REQUIRE(compact.scale() == scale);
  REQUIRE(wide.scale() == 1.0f);
  keisan::Batch<float> a, b;
  const std::vector<Index> order{3, 0, 2, 2};
  compact.gather(order, a);
  wide.gather(order, b);
  REQUIRE(a.x.rows() == 4);
  REQUIRE(a.x == b.x);  // bit for bit: both are static_cast<float>(byte) * scale
  REQUIRE(a.labels == std::vector<int>{2, 3, 0, 0});
  REQUIRE(a.x(1, 2) == static_cast<float>(2) * scale);
  compact.slice(1, 2, a);
  REQUIRE(a.x == wide.features().middleRows(1, 2));
  REQUIRE(a.labels == std::vector<int>{1, 0});
  Matrix<float> rows;
  compact.read_rows(0, 4, rows);
  REQUIRE(rows == wide.features());
  compact.read_rows(4, 0, rows);  // an empty range at the end is a range
  REQUIRE(rows.rows() == 0);
  REQUIRE(rows.cols() == 3);
  // double from bytes, any finite scale
  const Dataset<double, std::uint8_t> doubled(bytes, labels, 4, 2.0);
  keisan::Batch<double> c;
  doubled.gather({1}, c);
  REQUIRE(c.x == (Matrix<double>(1, 3) << 254.0, 256.0, 258.0).finished());
}

TEST_CASE("Dataset: bad scales and row ranges throw, naming them", "[data]") {
  using keisan::Dataset;
  using keisan::Matrix;
  const Matrix<std::uint8_t> bytes = Matrix<std::uint8_t>::Constant(2, 2, 9);
  REQUIRE_THROWS_MATCHES((Dataset<float, std::uint8_t>(bytes, {0, 1}, 2, std::nanf(""))), keisan::ValueError,
                         Catch::Matchers::Message("keisan::Dataset: the scale must be finite, got nan"));
  REQUIRE_THROWS_WITH((Dataset<float, std::uint8_t>(bytes, {0, 1}, 2, HUGE_VALF)),
                      "keisan::Dataset: the scale must be finite, got inf");
  REQUIRE_THROWS_WITH(Dataset<float>(Matrix<float>::Zero(2, 2), {0, 1}, 2, 0.5f),
                      "keisan::Dataset: a dataset that stores its Scalar type has scale 1 (its features are the "
                      "values), got 0.500000; scale the features before");
  REQUIRE_THROWS_WITH((Dataset<float, std::uint8_t>(bytes, {0}, 2, 1.0f)),
                      "keisan::Dataset: features are 2x2 but there are 1 labels (one per row)");
  const Dataset<float, std::uint8_t> d(bytes, {0, 1}, 2, 1.0f);
  Matrix<float> out;
  REQUIRE_THROWS_MATCHES(
      d.read_rows(1, 2, out), keisan::ValueError,
      Catch::Matchers::Message("keisan::Dataset::read_rows: rows [1, 3) are out of range for 2 samples"));
  REQUIRE_THROWS_WITH(d.read_rows(-1, 1, out),
                      "keisan::Dataset::read_rows: rows [-1, 0) are out of range for 2 samples");
  REQUIRE_THROWS_WITH(d.read_rows(0, -1, out),
                      "keisan::Dataset::read_rows: rows [0, -1) are out of range for 2 samples");
  keisan::Batch<float> batch;
  REQUIRE_THROWS_WITH(d.gather({0, 2}, batch), "keisan::Dataset::gather: index 2 is out of range for 2 samples");
  REQUIRE_THROWS_WITH(d.slice(2, 1, batch), "keisan::Dataset::slice: rows [2, 3) are out of range for 2 samples");
}
