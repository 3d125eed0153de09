// keisan tests: batch_part and ShardedSampler (each process's part of every global batch).
// SPDX-License-Identifier: MIT
#include <keisan/data/shard.hpp>
#include <vector>

#include "support/helpers.hpp"

using keisan::Index;
using keisan::Sampling;

TEST_CASE("batch_part: the parts are contiguous, in order, and cover the batch exactly once", "[data]") {
  for (Index rows = 0; rows <= 13; ++rows)
    for (Index parts = 1; parts <= 5; ++parts) {
      Index next = 0;
      for (Index k = 0; k < parts; ++k) {
        const keisan::RowRange r = keisan::batch_part(rows, k, parts);
        REQUIRE(r.begin == next);
        REQUIRE(r.size() >= rows / parts);
        REQUIRE(r.size() <= rows / parts + 1);
        next = r.end;
      }
      REQUIRE(next == rows);
    }
  REQUIRE(keisan::batch_part(100, 1, 4).begin == 25);
  REQUIRE(keisan::batch_part(100, 1, 4).end == 50);
  REQUIRE_THROWS_AS(keisan::batch_part(10, 2, 2), keisan::ValueError);
  REQUIRE_THROWS_WITH(keisan::batch_part(10, 2, 2),
                      "keisan::batch_part: part 2 of 2 of a batch of 10 rows (need 0 <= part < parts, rows >= 0)");
}

TEST_CASE("ShardedSampler: the parts of all processes cover each global batch exactly once, as its micro-batches",
          "[data]") {
  for (const Index parts : {1, 2, 3, 4}) {
    for (const Sampling mode : {Sampling::shuffle, Sampling::replacement}) {
      const Index n = 103, batch = 12;
      keisan::MinibatchSampler global(n, batch, {mode, false, 9});
      std::vector<keisan::ShardedSampler> ranks;
      for (Index r = 0; r < parts; ++r) ranks.emplace_back(n, batch, r, parts, keisan::SamplerOptions{mode, false, 9});
      std::vector<Index> whole, mine;
      for (int epoch = 1; epoch <= 2; ++epoch) {
        global.begin_epoch();
        for (auto& s : ranks) s.begin_epoch();
        Index batches = 0;
        while (global.next(whole)) {
          ++batches;
          std::vector<Index> joined;
          for (Index r = 0; r < parts; ++r) {
            auto& s = ranks[static_cast<std::size_t>(r)];
            REQUIRE(s.next(mine));
            REQUIRE(s.global_rows() == static_cast<Index>(whole.size()));
            const keisan::RowRange want = keisan::batch_part(static_cast<Index>(whole.size()), r, parts);
            REQUIRE(mine == std::vector<Index>(whole.begin() + want.begin, whole.begin() + want.end));
            joined.insert(joined.end(), mine.begin(), mine.end());
          }
          REQUIRE(joined == whole);  // every row of the global batch once, in order
        }
        REQUIRE(batches == global.batches_per_epoch());
        for (auto& s : ranks) {
          REQUIRE_FALSE(s.next(mine));
          REQUIRE(s.state() == global.state());  // a checkpoint does not depend on the process count
        }
      }
    }
  }
  REQUIRE_THROWS_WITH(keisan::ShardedSampler(10, 2, 3, 3),
                      "keisan::ShardedSampler: part 3 of 3 (need 0 <= part < parts)");
}
