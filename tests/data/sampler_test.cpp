// keisan tests: Dataset and MinibatchSampler.
// SPDX-License-Identifier: MIT
#include <algorithm>
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
