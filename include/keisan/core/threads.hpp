// keisan: how many threads keisan may use (OpenMP), and the one way its loops split over them.
// Matrix products split in detail::gemm; everything else that is large enough (elementwise ops and
// their gradients, bias adds, pooling, the batch gather, optimizer updates) splits its rows with
// detail::parallel_rows, and conv2d its chunks of images with detail::parallel_items.
// SPDX-License-Identifier: MIT
#pragma once

#include <algorithm>
#include <string>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "keisan/core/error.hpp"
#include "keisan/core/matrix.hpp"

namespace keisan {

/// Sets the threads keisan may use (stored as Eigen's thread count): matrix products and every
/// other op whose work is large enough. Takes effect only when the program is built with OpenMP
/// (-fopenmp); otherwise everything stays single-threaded. Throws ValueError for n < 1.
inline void set_num_threads(int n) {
  if (n < 1) throw ValueError("keisan::set_num_threads: need at least 1 thread, got " + std::to_string(n));
  Eigen::setNbThreads(n);
}

/// Threads keisan will use (1 without OpenMP).
[[nodiscard]] inline int num_threads() {
  return Eigen::nbThreads();
}

namespace detail {

/// Elements a loop must touch before it is split over threads: below this, waking the threads
/// costs more than they save. Measured (docs/benchmarks.md): at 2^15 the 100 x 784 batch gather
/// and W1's 784 x 50 SGD update split, and W1's step went from 0.10 to 0.14 ms on two threads; at
/// 2^17 they stay on one, while a W4 conv's 100 x 24 x 24 x 30 ReLU and W2's 784 x 512 update split.
constexpr Index parallel_elements = Index(1) << 17;

/// The threads a loop over `rows` rows of `cols` elements runs on: 1 below parallel_elements, or
/// inside a parallel region already (a user's own OpenMP threads); else num_threads(), at most
/// one per row.
[[nodiscard]] inline int row_threads(Index rows, Index cols) {
#ifdef _OPENMP
  if (rows * cols < parallel_elements || omp_in_parallel() != 0) return 1;
  return static_cast<int>(std::min<Index>(num_threads(), rows));
#else
  (void)rows, (void)cols;
  return 1;
#endif
}

/// Runs f(begin, end) over rows [0, rows), each of `cols` elements: one contiguous slice per
/// thread of row_threads(rows, cols). Each row must be independent of the others (a slice writes
/// only its own rows), so the result does not depend on the thread count. f must not throw or
/// allocate: size every buffer before.
template <class F>
void parallel_rows(Index rows, Index cols, const F& f) {
  const int threads = row_threads(rows, cols);
  if (threads <= 1) {
    f(Index(0), rows);
    return;
  }
#ifdef _OPENMP
#pragma omp parallel for num_threads(threads) schedule(static, 1)
#endif
  for (int t = 0; t < threads; ++t) f(rows * t / threads, rows * (t + 1) / threads);
}

/// Runs f(item, slot) for item = 0 .. items-1 on `threads` OpenMP threads (a contiguous range of
/// items each); `slot` (0 .. threads-1) is the running thread's, for per-thread buffers sized
/// before. For loops whose items are independent and whose split the caller chose (conv2d's chunks
/// of images). f must not throw or allocate.
template <class F>
void parallel_items(Index items, int threads, const F& f) {
  if (threads <= 1) {
    for (Index i = 0; i < items; ++i) f(i, 0);
    return;
  }
#ifdef _OPENMP
#pragma omp parallel for num_threads(threads) schedule(static)
  for (Index i = 0; i < items; ++i) f(i, omp_get_thread_num());
#else
  for (Index i = 0; i < items; ++i) f(i, 0);
#endif
}

/// dst = e, split by rows when large (dst already has e's shape).
template <class Dst, class Expr>
void assign_rows(Dst&& dst, const Expr& e) {
  if (row_threads(dst.rows(), dst.cols()) <= 1) {
    dst = e;
    return;
  }
  parallel_rows(dst.rows(), dst.cols(),
                [&](Index begin, Index end) { dst.middleRows(begin, end - begin) = e.middleRows(begin, end - begin); });
}

/// Every row of dst = `row` (a 1 x dst.cols() bias), split by rows when large.
template <class Dst, class Row>
void broadcast_rows(Dst& dst, const Row& row) {
  if (row_threads(dst.rows(), dst.cols()) <= 1) {
    dst.rowwise() = row.row(0);
    return;
  }
  parallel_rows(dst.rows(), dst.cols(),
                [&](Index begin, Index end) { dst.middleRows(begin, end - begin).rowwise() = row.row(0); });
}

/// dst += e, split by rows when large (dst already has e's shape).
template <class Dst, class Expr>
void add_rows(Dst&& dst, const Expr& e) {
  if (row_threads(dst.rows(), dst.cols()) <= 1) {
    dst += e;
    return;
  }
  parallel_rows(dst.rows(), dst.cols(), [&](Index begin, Index end) {
    dst.middleRows(begin, end - begin) += e.middleRows(begin, end - begin);
  });
}

}  // namespace detail
}  // namespace keisan
