// keisan internals: matrix products that never touch the heap in steady state.
// Eigen's GEMM packs its operands into scratch blocks it allocates per call (on the heap once
// they pass 128 KB, which the book's 784x50 layer already does). Here the blocks come from a
// workspace the Graph keeps, so a repeated step reuses them. Eigen >= 3.4 internals; older
// Eigen falls back to plain products.
// With KEISAN_USE_ONEDNN (the CMake option), single-precision products run oneDNN's sgemm
// instead where it measured faster (every product with its AVX-512 kernels, the narrow ones on
// AVX2: onednn_runs, docs/benchmarks.md); it packs into buffers it mallocs per call (not through
// operator new), which keisan cannot lend it. On AVX-512 the last n mod 16 columns of a product,
// when fewer than 8, run as a transposed product (see onednn_tail_columns): the book net's 784-50
// layer then takes 33 us a product instead of 44.
// SPDX-License-Identifier: MIT
#pragma once

#include <algorithm>
#include <exception>
#include <numeric>
#include <type_traits>
#include <vector>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "keisan/core/gemm_kernel.hpp"
#include "keisan/core/matrix.hpp"
#include "keisan/detail/thin_product.hpp"

#ifdef KEISAN_USE_ONEDNN
#ifndef _OPENMP
#error "KEISAN_USE_ONEDNN needs OpenMP (-fopenmp): oneDNN threads with OpenMP, and keisan sets its thread count"
#endif
#include <dnnl.h>
#include <signal.h>  // pthread_sigmask (POSIX; <csignal> does not declare it)
#endif

namespace keisan::detail {

/// Grow-only aligned scratch for GEMM packing blocks, one set of blocks per thread (thread t's
/// set exists once reserve_threads(t + 1) ran): Eigen's kernel packs into lhs and rhs, and
/// oneDNN's products keep their transposed last columns in tail (onednn_sgemm).
template <class Scalar>
class GemmWorkspace {
 public:
  Scalar* lhs(Index n, int thread = 0) { return grow(blocks_[static_cast<std::size_t>(thread)].lhs, n); }
  Scalar* rhs(Index n, int thread = 0) { return grow(blocks_[static_cast<std::size_t>(thread)].rhs, n); }
  Scalar* tail(Index n, int thread = 0) { return grow(blocks_[static_cast<std::size_t>(thread)].tail, n); }
  /// Makes room for threads 0 .. threads-1 (allocates only when the count grows).
  void reserve_threads(int threads) {
    if (blocks_.size() < static_cast<std::size_t>(threads)) blocks_.resize(static_cast<std::size_t>(threads));
  }

 private:
  using Buffer = std::vector<Scalar, Eigen::aligned_allocator<Scalar>>;
  struct Blocks {
    Buffer lhs, rhs, tail;
  };
  static Scalar* grow(Buffer& b, Index n) {
    if (static_cast<Index>(b.size()) < n) b.resize(static_cast<std::size_t>(n));
    return b.data();
  }
  std::vector<Blocks> blocks_ = std::vector<Blocks>(1);
};

/// Multiply-adds (rows x cols x depth) below which a product runs on one thread.
constexpr double parallel_gemm_work = 16.0 * 1024 * 1024;

#if EIGEN_VERSION_AT_LEAST(3, 4, 0)

/// Eigen's blocking for a row-major destination, with its blocks lent by a GemmWorkspace (those of
/// thread `thread`).
template <class Scalar>
class LentBlocking : public Eigen::internal::gemm_blocking_space<Eigen::RowMajor, Scalar, Scalar, Eigen::Dynamic,
                                                                 Eigen::Dynamic, Eigen::Dynamic, 1, false> {
  using Base = Eigen::internal::gemm_blocking_space<Eigen::RowMajor, Scalar, Scalar, Eigen::Dynamic, Eigen::Dynamic,
                                                    Eigen::Dynamic, 1, false>;

 public:
  LentBlocking(Index rows, Index cols, Index depth, GemmWorkspace<Scalar>& ws, int thread)
      : Base(rows, cols, depth, 1, true) {
    this->m_blockA = ws.lhs(this->m_mc * this->m_kc, thread);
    this->m_blockB = ws.rhs(this->m_kc * this->m_nc, thread);
  }
  ~LentBlocking() { this->m_blockA = this->m_blockB = nullptr; }  // not the base's to free
  LentBlocking(const LentBlocking&) = delete;
  LentBlocking& operator=(const LentBlocking&) = delete;
};

/// The threads a rows x cols x depth product runs on: one below parallel_gemm_work (Eigen would
/// split even a 100x784x50 product, and two threads measured slower than one there), else
/// num_threads() (Eigen::nbThreads(), set by keisan::set_num_threads) as long as each thread
/// gets a slice of at least 16 rows (or columns). With EIGEN_USE_BLAS the BLAS threads itself.
inline int gemm_threads(Index rows, Index cols, Index depth) {
#if defined(_OPENMP) && !defined(EIGEN_USE_BLAS)
  const double work = static_cast<double>(rows) * static_cast<double>(cols) * static_cast<double>(depth);
  if (work < parallel_gemm_work) return 1;
  return static_cast<int>(std::min<Index>(Eigen::nbThreads(), std::max(rows, cols) / 16));
#else
  (void)rows, (void)cols, (void)depth;
  return 1;
#endif
}

/// The thread slot a product called from inside a parallel region runs on (its blocks are that
/// thread's); -1 outside one.
inline int calling_thread_slot() {
#ifdef _OPENMP
  if (omp_in_parallel() != 0) return omp_get_thread_num();
#endif
  return -1;
}

#ifdef KEISAN_USE_ONEDNN
/// Whether the oneDNN this process runs lets a handled signal corrupt the heap: its f32 GEMM
/// kernels before 3.11.2 (Debian 12 ships 2.6.3) point rsp into the heap while they run (oneDNN
/// issue #4845), so a signal handled on that thread meanwhile (Ctrl-C caught to save a checkpoint,
/// SIGUSR1 under mpirun, a sampling profiler's timer) wrote its frame there, and a later free()
/// aborted. Asked of the library loaded at run time, not of the headers built against; 3.12 counts
/// as affected (its branch was cut before the fix).
inline bool onednn_signals_unsafe() {
  static const bool unsafe = [] {
    const dnnl_version_t* v = dnnl_version();
    return v->major < 3 || (v->major == 3 && (v->minor < 11 || (v->minor == 11 && v->patch < 2) || v->minor == 12));
  }();
  return unsafe;
}

/// Blocks the asynchronous signals on the calling thread while it lives (when `active`): one that
/// arrives meanwhile is handled when it ends, or by another thread. Faults (SIGSEGV, SIGBUS,
/// SIGFPE, SIGILL, SIGTRAP) stay deliverable, so a crash still reports as one.
class AsyncSignalsHeld {
 public:
  explicit AsyncSignalsHeld(bool active) : active_(active) {
    if (!active_) return;
    sigset_t held;
    sigfillset(&held);
    for (const int fault : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP}) sigdelset(&held, fault);
    pthread_sigmask(SIG_BLOCK, &held, &before_);
  }
  ~AsyncSignalsHeld() {
    if (active_) pthread_sigmask(SIG_SETMASK, &before_, nullptr);
  }
  AsyncSignalsHeld(const AsyncSignalsHeld&) = delete;
  AsyncSignalsHeld& operator=(const AsyncSignalsHeld&) = delete;

 private:
  bool active_;
  sigset_t before_{};
};

/// Whether the oneDNN this process runs uses its AVX-512 kernels on this CPU.
inline bool onednn_avx512() {
  static const bool avx512 = (dnnl_get_effective_cpu_isa() & dnnl_cpu_isa_avx512_core) == dnnl_cpu_isa_avx512_core;
  return avx512;
}

/// Whether a single-precision rows x cols x depth product runs on oneDNN (else on Eigen's kernel),
/// by gemm_kernel(). GemmKernel::automatic takes oneDNN wherever it runs its AVX-512 kernels
/// (faster than Eigen's on every product measured on Zen 4, Zen 5 and a Xeon). Elsewhere (AVX2,
/// measured on Zen 3, one thread; other CPUs take the same rule, unmeasured) it takes oneDNN only
/// for products small enough to stay on one thread (under parallel_gemm_work; gemm() never cuts
/// such a oneDNN product, see there) and not both wide (128 columns or more) and with a right-hand
/// side stored row by row: oneDNN's AVX2 sgemm ran those 1.3-1.7x slower than Eigen's (128x512x512
/// 1.02 against 0.74 ms, 512x512x128 with A transposed 1.24-1.54 against 0.76-0.89), and 1.1-1.5x
/// faster on the narrow ones (the convolutions' 16-64 filters, a classifier's 10 columns, the book
/// net's 50 with its last 2 through thin_product). Decided on the whole product's shape, never on
/// the thread count.
inline bool onednn_runs(Index rows, Index cols, Index depth, bool rhs_row_major) {
  switch (gemm_kernel()) {
    case GemmKernel::eigen:
      return false;
    case GemmKernel::onednn:
      return true;
    case GemmKernel::automatic:
      break;
  }
  if (onednn_avx512()) return true;
  const double work = static_cast<double>(rows) * static_cast<double>(cols) * static_cast<double>(depth);
  return work < parallel_gemm_work && (!rhs_row_major || cols < 128);
}

/// The most columns onednn_tail_columns() splits off on this CPU.
inline Index onednn_max_tail() {
  return onednn_avx512() ? 7 : 3;
}

/// The last columns of a row-major m x n x k product that gemm() has onednn_sgemm compute as a
/// transposed product, when m is at least 16 and k at least 32 (else 0). With AVX-512: n mod 16
/// when that is 1 to 7. Those kernels take dst's columns 16 at a time and run a remainder as a
/// whole 16 (on Zen 5, 100x50x784 took 44 us, its first 48 columns alone 30); in the transposed
/// product the remainder is the kernel's narrow dimension, where 2 columns cost 3 us. From 8
/// columns on, or with k = 10, the second call cost more than it saved. Without AVX-512 (AVX2,
/// measured on Zen 3): n mod 8 when that is 1 to 3. Those kernels run a remainder as a whole 8
/// (on Zen 3, 100x50x784 took 104-110 us, 48 columns 79-90), and thin_product computes 2 of them
/// in 5 us (oneDNN's transposed product took 17-22); from 4 columns on it gains little (100x784:
/// 7-9 us for 4 columns, against the 9-20 us a padded 8 costs).
inline Index onednn_tail_columns(Index m, Index n, Index k) {
  const Index tail = n % (onednn_avx512() ? 16 : 8);
  return m >= 16 && k >= 32 && tail <= onednn_max_tail() ? tail : 0;
}

/// Row-major C (m x n) = op(A) op(B) + beta C through oneDNN's sgemm, on the calling thread alone
/// (oneDNN's OpenMP pool would otherwise take omp_get_max_threads(); keisan splits the work
/// itself, so every thread count gives the same bits), with the asynchronous signals held when
/// onednn_signals_unsafe() (two syscalls per call). The last `tail` columns (given `scratch` of
/// tail * (m + k) floats) run as the transposed product D = op(B)tail^T op(A)^T (tail x m, op(B)'s
/// columns copied to rows first unless B is stored transposed; oneDNN's with its AVX-512 kernels,
/// else thin_product's), then land in C. Returns
/// false, having changed nothing, when oneDNN refuses: no memory for the packing buffers it mallocs
/// per call, or operands it rejects.
inline bool onednn_sgemm(bool ta, bool tb, Index m, Index n, Index k, const float* a, Index lda, const float* b,
                         Index ldb, float beta, float* c, Index ldc, Index tail = 0, float* scratch = nullptr) {
  const AsyncSignalsHeld held(onednn_signals_unsafe());
  const int threads_before = omp_in_parallel() != 0 ? 1 : omp_get_max_threads();
  if (threads_before != 1) omp_set_num_threads(1);
  const Index main = n - tail;
  bool ok = true;
  float* d = scratch;  // D, tail x m
  if (tail > 0 && k > 0) {
    const float* bt = b;  // op(B)'s last columns as rows: B's rows when stored transposed
    Index ldbt = ldb;
    if (tb) {
      bt = b + main * ldb;
    } else {
      float* rows = scratch + tail * m;
      for (Index kk = 0; kk < k; ++kk)
        for (Index j = 0; j < tail; ++j) rows[j * k + kk] = b[kk * ldb + main + j];
      bt = rows, ldbt = k;
    }
    if (onednn_avx512())
      ok = dnnl_sgemm('N', ta ? 'N' : 'T', tail, m, k, 1.0f, bt, ldbt, a, lda, 0.0f, d, m) == dnnl_success;
    else
      thin_product(ta, tail, m, k, bt, ldbt, a, lda, d);
  } else if (tail > 0) {
    std::fill(d, d + tail * m, 0.0f);
  }
  if (ok && main > 0)
    ok = dnnl_sgemm(ta ? 'T' : 'N', tb ? 'T' : 'N', m, main, k, 1.0f, a, lda, b, ldb, beta, c, ldc) == dnnl_success;
  if (threads_before != 1) omp_set_num_threads(threads_before);
  if (!ok) return false;
  for (Index i = 0; i < m; ++i) {
    float* row = c + i * ldc + main;
    for (Index j = 0; j < tail; ++j) row[j] = beta == 0.0f ? d[j * m + i] : beta * row[j] + d[j * m + i];
  }
  return true;
}
#endif

/// Grows the blocks of thread slots 0 .. threads-1 for a rows x cols x depth product, on the
/// calling thread: an op that then multiplies on each of its own OpenMP threads (one product per
/// thread, at most that size) allocates nothing inside its parallel region, and an allocation
/// failure throws to the caller instead of ending the program there.
template <class Scalar>
void reserve_gemm(GemmWorkspace<Scalar>& ws, Index rows, Index cols, Index depth, int threads) {
  ws.reserve_threads(threads);
  for (int t = 0; t < threads; ++t) {
    const LentBlocking<Scalar> grown(rows, cols, depth, ws, t);
#ifdef KEISAN_USE_ONEDNN
    // A smaller product can have a tail where this one has none (cols 48, then 36): room for the
    // most there can be.
    if constexpr (std::is_same_v<Scalar, float>)
      ws.tail(onednn_tail_columns(rows, std::min(cols, onednn_max_tail()), depth) * (rows + depth), t);
#endif
  }
}

/// dst = lhs * rhs (or dst += when `accumulate`), for a row-major dst (a Matrix, or a Map or block
/// of one) and operands that are matrices, maps or their transposes. dst must already have the
/// product's shape unless it is a Matrix that is assigned.
///
/// Threads: keisan splits dst into one slice of rows (or of columns, when it has more of those) per
/// thread, and each thread runs a single-threaded kernel on its slice: Eigen's, with its own
/// blocks from the workspace, or oneDNN's sgemm (KEISAN_USE_ONEDNN, single precision). Eigen's own
/// parallel GEMM would share one packed right-hand side but allocate each thread's left-hand block
/// per call (on the heap past 128 KB), which broke the zero-allocation step with two threads (4
/// allocations a step at W4, 26 at W5). Called from inside a parallel region (an op that runs one
/// product per thread), the product runs on the calling thread alone with that thread's blocks
/// (reserve_gemm first).
template <class Scalar, class Dst, class Lhs, class Rhs>
void gemm(Dst& dst, const Lhs& a_lhs, const Rhs& a_rhs, bool accumulate, GemmWorkspace<Scalar>& ws) {
  namespace ei = Eigen::internal;
  if (!accumulate) dst.resize(a_lhs.rows(), a_rhs.cols());  // a Map or block: only checks the shape
  const Index rows = dst.rows(), cols = dst.cols(), depth = a_lhs.cols();
  if (dst.size() == 0) return;
  // Empty or tiny (Eigen's own choice too), or a vector or strided operand, which the kernels
  // below do not take (they read whole rows or columns of unit stride): Eigen's own product.
  constexpr bool whole_matrices = !Lhs::IsVectorAtCompileTime && !Rhs::IsVectorAtCompileTime &&
                                  !Dst::IsVectorAtCompileTime && ei::inner_stride_at_compile_time<Lhs>::ret == 1 &&
                                  ei::inner_stride_at_compile_time<Rhs>::ret == 1 &&
                                  ei::inner_stride_at_compile_time<Dst>::ret == 1;
  if (!whole_matrices || depth == 0 || rows + cols + depth < 20) {
    if (!accumulate) dst.setZero();
    if (depth > 0) dst.noalias() += a_lhs.lazyProduct(a_rhs);
    return;
  }
  using LhsTraits = ei::blas_traits<Lhs>;
  using RhsTraits = ei::blas_traits<Rhs>;
  using ActualLhs = typename ei::remove_all<typename LhsTraits::DirectLinearAccessType>::type;
  using ActualRhs = typename ei::remove_all<typename RhsTraits::DirectLinearAccessType>::type;
  const auto& lhs = LhsTraits::extract(a_lhs);
  const auto& rhs = RhsTraits::extract(a_rhs);
  using Product = ei::general_matrix_matrix_product<
      Index, Scalar, (ActualLhs::Flags & Eigen::RowMajorBit) ? Eigen::RowMajor : Eigen::ColMajor, false, Scalar,
      (ActualRhs::Flags & Eigen::RowMajorBit) ? Eigen::RowMajor : Eigen::ColMajor, false, Eigen::RowMajor, 1>;
  using Functor = ei::gemm_functor<Scalar, Index, Product, ActualLhs, ActualRhs, Dst, LentBlocking<Scalar>>;
#ifdef KEISAN_USE_ONEDNN
  constexpr bool rhs_row_major = (ActualRhs::Flags & Eigen::RowMajorBit) != 0;
  const bool onednn = std::is_same_v<Scalar, float> && onednn_runs(rows, cols, depth, rhs_row_major);
  const Index onednn_tail = onednn ? onednn_tail_columns(rows, cols, depth) : 0;
#else
  constexpr bool onednn = false;
#endif
  // dst's rows [r0, r0 + nr) x columns [c0, c0 + nc), on thread slot `thread`.
  const auto block = [&](Index r0, Index nr, Index c0, Index nc, int thread) {
#ifdef KEISAN_USE_ONEDNN
    if constexpr (std::is_same_v<Scalar, float>) {
      if (onednn) {
        constexpr bool lhs_row_major = (ActualLhs::Flags & Eigen::RowMajorBit) != 0;
        // A row-major operand starts its rows at data + row * stride; a column-major one (the
        // transpose of a row-major matrix) its rows at data + row.
        const float* a = lhs.data() + (lhs_row_major ? r0 * lhs.outerStride() : r0);
        const float* b = rhs.data() + (rhs_row_major ? c0 : c0 * rhs.outerStride());
        // The whole product's tail columns, in the slice that holds them (column slices start at
        // multiples of 16), so each element is computed the same way at any thread count.
        const Index tail = c0 + nc == cols ? onednn_tail : 0;
        float* scratch = ws.tail(tail * (nr + depth), thread);
        if (onednn_sgemm(!lhs_row_major, !rhs_row_major, nr, nc, depth, a, lhs.outerStride(), b, rhs.outerStride(),
                         accumulate ? 1.0f : 0.0f, &dst.coeffRef(r0, c0), dst.outerStride(), tail, scratch))
          return;
        // oneDNN refused (no memory for its buffers): Eigen's kernel computes the slice instead,
        // with blocks reserve_gemm lent inside a parallel region, so a product there cannot fail.
        if (!accumulate) dst.block(r0, c0, nr, nc).setZero();
      }
    }
#endif
    // Blocking sizes of the whole product, not the slice's: the depth splits into the same kc
    // panels on every slice, so each element sums in the same order at any thread count (the
    // kernel clamps mc and nc to the slice).
    LentBlocking<Scalar> blocking(rows, cols, depth, ws, thread);
    Functor(lhs, rhs, dst, Scalar(1), blocking)(r0, nr, c0, nc);
  };
  if (!accumulate && !onednn) dst.setZero();  // Eigen's kernel adds to dst
  const int slot = calling_thread_slot();
  // oneDNN's AVX2 kernels sum in another order when a product is cut into slices (on Zen 3, row
  // slices of most shapes tried, column slices of 784x512x128 with A transposed), so without
  // AVX-512 a oneDNN product runs whole, on one thread: the bits stay the same at any thread count.
  bool whole = false;
#ifdef KEISAN_USE_ONEDNN
  whole = onednn && !onednn_avx512();
#endif
  const int threads = slot >= 0 || whole ? 1 : gemm_threads(rows, cols, depth);
  if (threads <= 1) {
    block(0, rows, 0, cols, std::max(slot, 0));
    return;
  }
  // Thread t computes rows (or columns) [start(t), start(t + 1)): t n / threads rounded to the
  // nearest multiple of `align`, so the slices are as even as the tiles allow and cut where
  // Eigen's kernel cuts its tiles, so every element goes through the same micro-kernel, in
  // the same order, at any thread count. A row-major product runs as its transpose: dst's columns
  // are the kernel's rows, taken mr (3 packets with AVX-512) at a time, and the last few by
  // smaller kernels that sum differently; dst's rows are its columns, taken nr (4 or 8) at a time.
  // (oneDNN's sgemm gave the same bits for slices of any multiple of 16: tests/core/gemm_test.cpp.)
  const bool by_rows = rows >= cols;
  const Index n = by_rows ? rows : cols;
  const Index align =
      by_rows || onednn ? 16 : std::lcm(Index(16), static_cast<Index>(ei::gebp_traits<Scalar, Scalar>::mr));
  const auto start = [&](int t) {
    return t >= threads ? n : std::min(n, (t * n / threads + align / 2) / align * align);
  };
  // Every thread's blocks grow here, on the calling thread: an allocation failure throws to the
  // caller instead of ending the program inside the parallel region. (oneDNN's tail scratch for
  // the whole product is as large as any slice's: column slices start at multiples of 16.)
  if (!onednn) {
    reserve_gemm(ws, rows, cols, depth, threads);
  } else {
    ws.reserve_threads(threads);
#ifdef KEISAN_USE_ONEDNN
    for (int t = 0; t < threads; ++t) ws.tail(onednn_tail * (rows + depth), t);
#endif
  }
  // A failure to grow a thread's blocks (Eigen's kernel standing in for a oneDNN call that
  // refused) is caught per thread and rethrown here, outside.
  std::exception_ptr failure;
#ifdef _OPENMP
#pragma omp parallel for num_threads(threads) schedule(static, 1)
#endif
  for (int t = 0; t < threads; ++t) {
    const Index begin = start(t), size = start(t + 1) - begin;
    if (size <= 0) continue;
    try {
      if (by_rows)
        block(begin, size, 0, cols, t);
      else
        block(0, rows, begin, size, t);
    } catch (...) {
#ifdef _OPENMP
#pragma omp critical(keisan_gemm_failure)
#endif
      failure = std::current_exception();
    }
  }
  if (failure) std::rethrow_exception(failure);
}

#else

inline int calling_thread_slot() {
  return -1;
}

template <class Scalar>
void reserve_gemm(GemmWorkspace<Scalar>&, Index, Index, Index, int) {}

template <class Scalar, class Dst, class Lhs, class Rhs>
void gemm(Dst& dst, const Lhs& lhs, const Rhs& rhs, bool accumulate, GemmWorkspace<Scalar>&) {
  if (accumulate)
    dst.noalias() += lhs * rhs;
  else
    dst.noalias() = lhs * rhs;
}

#endif

}  // namespace keisan::detail
