// keisan: the random numbers every seeded component uses. Written out instead of taken from
// <random>'s distributions, whose outputs differ between standard libraries: the same seed gives
// the same network on every platform. The engine is std::mt19937_64, which the standard fixes.
// SPDX-License-Identifier: MIT
#pragma once

#include <cmath>
#include <cstdint>
#include <random>

namespace keisan {

/// The engine keisan takes wherever randomness is needed. No hidden global RNG exists.
using Rng = std::mt19937_64;

/// Uniform integer in [0, n), unbiased (rejection sampling). n must be > 0.
[[nodiscard]] inline std::uint64_t uniform_index(Rng& rng, std::uint64_t n) {
  const std::uint64_t limit = Rng::max() - (Rng::max() % n + 1) % n;  // largest multiple of n, minus 1
  std::uint64_t r = rng();
  while (r > limit) r = rng();
  return r % n;
}

/// Uniform double in [0, 1) with 53 random bits.
[[nodiscard]] inline double uniform_unit(Rng& rng) {
  return static_cast<double>(rng() >> 11) * 0x1.0p-53;
}

/// Standard normal N(0, 1) (Box-Muller, one value per call).
[[nodiscard]] inline double standard_normal(Rng& rng) {
  const double u1 = 1.0 - uniform_unit(rng);  // (0, 1]: log is finite
  const double u2 = uniform_unit(rng);
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
}

}  // namespace keisan
