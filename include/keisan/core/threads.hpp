// keisan: how many threads matrix products may use (OpenMP; see detail::gemm for how they split).
// SPDX-License-Identifier: MIT
#pragma once

#include <string>

#include "keisan/core/error.hpp"
#include "keisan/core/matrix.hpp"

namespace keisan {

/// Sets the threads keisan's matrix products may use (stored as Eigen's thread count). Takes effect only when the
/// program is built with OpenMP (-fopenmp); otherwise products stay single-threaded. Throws ValueError for n < 1.
inline void set_num_threads(int n) {
  if (n < 1) throw ValueError("keisan::set_num_threads: need at least 1 thread, got " + std::to_string(n));
  Eigen::setNbThreads(n);
}

/// Threads matrix products will use (1 without OpenMP).
[[nodiscard]] inline int num_threads() {
  return Eigen::nbThreads();
}

}  // namespace keisan
