// keisan internals: matrix products that never touch the heap in steady state.
// Eigen's GEMM packs its operands into scratch blocks it allocates per call (on the heap once
// they pass 128 KB, which the book's 784x50 layer already does). Here the blocks come from a
// workspace the Graph keeps, so a repeated step reuses them. Eigen >= 3.4 internals; older
// Eigen falls back to plain products.
// SPDX-License-Identifier: MIT
#pragma once

#include <vector>

#include "keisan/core/matrix.hpp"

namespace keisan::detail {

/// Grow-only aligned scratch for GEMM packing blocks.
template <class Scalar>
class GemmWorkspace {
 public:
  Scalar* lhs(Index n) { return grow(lhs_, n); }
  Scalar* rhs(Index n) { return grow(rhs_, n); }

 private:
  using Buffer = std::vector<Scalar, Eigen::aligned_allocator<Scalar>>;
  static Scalar* grow(Buffer& b, Index n) {
    if (static_cast<Index>(b.size()) < n) b.resize(static_cast<std::size_t>(n));
    return b.data();
  }
  Buffer lhs_, rhs_;
};

/// Multiply-adds (rows x cols x depth) below which a product runs on one thread.
constexpr double parallel_gemm_work = 16.0 * 1024 * 1024;

#if EIGEN_VERSION_AT_LEAST(3, 4, 0)

/// Eigen's blocking for a row-major destination, with its blocks lent by a GemmWorkspace.
template <class Scalar>
class LentBlocking : public Eigen::internal::gemm_blocking_space<Eigen::RowMajor, Scalar, Scalar, Eigen::Dynamic,
                                                                 Eigen::Dynamic, Eigen::Dynamic, 1, false> {
  using Base = Eigen::internal::gemm_blocking_space<Eigen::RowMajor, Scalar, Scalar, Eigen::Dynamic, Eigen::Dynamic,
                                                    Eigen::Dynamic, 1, false>;

 public:
  LentBlocking(Index rows, Index cols, Index depth, GemmWorkspace<Scalar>& ws)
      : Base(rows, cols, depth, 1, true), ws_(ws) {
    lend();
  }
  ~LentBlocking() { this->m_blockA = this->m_blockB = nullptr; }  // not the base's to free
  LentBlocking(const LentBlocking&) = delete;
  LentBlocking& operator=(const LentBlocking&) = delete;

  // Called by Eigen's parallel GEMM (OpenMP): blocking sizes change with the thread count.
  void initParallel(Index rows, Index cols, Index depth, Index threads) {  // NOLINT(readability-identifier-naming)
    this->m_blockA = this->m_blockB = nullptr;
    Base::initParallel(rows, cols, depth, threads);
    lend();
  }

 private:
  void lend() {
    this->m_blockA = ws_.lhs(this->m_mc * this->m_kc);
    this->m_blockB = ws_.rhs(this->m_kc * this->m_nc);
  }
  GemmWorkspace<Scalar>& ws_;
};

/// dst = lhs * rhs (or dst += when `accumulate`), for row-major dst and operands that are
/// matrices or their transposes. dst must already have the product's shape when accumulating.
template <class Scalar, class Lhs, class Rhs>
void gemm(Matrix<Scalar>& dst, const Lhs& a_lhs, const Rhs& a_rhs, bool accumulate, GemmWorkspace<Scalar>& ws) {
  namespace ei = Eigen::internal;
  if (!accumulate) dst.setZero(a_lhs.rows(), a_rhs.cols());
  const Index depth = a_lhs.cols();
  if (dst.size() == 0 || depth == 0) return;
  if (dst.rows() + dst.cols() + depth < 20) {  // tiny: Eigen's own choice too
    dst.noalias() += a_lhs.lazyProduct(a_rhs);
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
  using Functor = ei::gemm_functor<Scalar, Index, Product, ActualLhs, ActualRhs, Matrix<Scalar>, LentBlocking<Scalar>>;
  LentBlocking<Scalar> blocking(dst.rows(), dst.cols(), depth, ws);
  // Eigen would split even a 100x784x50 product across threads, and on such sizes two threads
  // measured slower than one (docs/benchmarks.md): below parallel_gemm_work, stay on one.
  const double work = static_cast<double>(dst.rows()) * static_cast<double>(dst.cols()) * static_cast<double>(depth);
  if (work < parallel_gemm_work)
    ei::parallelize_gemm<false>(Functor(lhs, rhs, dst, Scalar(1), blocking), a_lhs.rows(), a_rhs.cols(), depth, true);
  else
    ei::parallelize_gemm<true>(Functor(lhs, rhs, dst, Scalar(1), blocking), a_lhs.rows(), a_rhs.cols(), depth, true);
}

#else

template <class Scalar, class Lhs, class Rhs>
void gemm(Matrix<Scalar>& dst, const Lhs& lhs, const Rhs& rhs, bool accumulate, GemmWorkspace<Scalar>&) {
  if (accumulate)
    dst.noalias() += lhs * rhs;
  else
    dst.noalias() = lhs * rhs;
}

#endif

}  // namespace keisan::detail
