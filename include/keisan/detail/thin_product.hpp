// keisan internals: a product with only a few output rows, streamed without packing. It computes
// the last columns of a oneDNN product on AVX2, which oneDNN would pad to a whole 8 (see
// onednn_tail_columns in gemm.hpp). A general GEMM packs a 100 x 784 operand for 2 columns: 10-22 us
// on Zen 3, against 4.7-9.6 here (docs/benchmarks.md).
// SPDX-License-Identifier: MIT
#pragma once

#include <algorithm>

#include "keisan/core/matrix.hpp"

// The kernels' short fixed-count loops (over accumulators) must be unrolled for the accumulators
// to stay in registers; GCC 12 does that at -O3 but not at -O2, where thin_product ran 3-10x
// slower (accumulators on the stack).
#if defined(__GNUC__) || defined(__clang__)
#define KEISAN_UNROLL _Pragma("GCC unroll 16")
#else
#define KEISAN_UNROLL
#endif

namespace keisan::detail {
namespace thin {

namespace ei = Eigen::internal;
using Packet = typename ei::packet_traits<float>::type;
inline constexpr Index packet_size = ei::packet_traits<float>::size;

// c + a b exactly as a packet's lane computes it (fused or not, as Eigen's pmadd is on this CPU),
// so an element summed in scalars gets the bits it would get in a packet.
inline float madd(float a, float b, float c) {
  return ei::pfirst(ei::pmadd(ei::pset1<Packet>(a), ei::pset1<Packet>(b), ei::pset1<Packet>(c)));
}

// Rows of A (lda apart, k each) against T rows of B: d[j * ldd + i] = dot(bt row j, a row i),
// R rows of A at a time. Each element sums its k products in the same order whatever R, the row
// range or the slice it is in (packets over k, then their lanes, then the last k mod packet terms):
// a product split over threads by rows gives the same bits.
template <int T, int R>
void dots(Index rows, Index k, const float* bt, Index ldbt, const float* a, Index lda, float* d, Index ldd) {
  Index i = 0;
  for (; i + R <= rows; i += R) {
    Packet acc[R][T];
    KEISAN_UNROLL
    for (int r = 0; r < R; ++r) {
      KEISAN_UNROLL
      for (int j = 0; j < T; ++j) acc[r][j] = ei::pset1<Packet>(0.0f);
    }
    Index kk = 0;
    for (; kk + packet_size <= k; kk += packet_size) {
      Packet b[T];
      KEISAN_UNROLL
      for (int j = 0; j < T; ++j) b[j] = ei::ploadu<Packet>(bt + j * ldbt + kk);
      KEISAN_UNROLL
      for (int r = 0; r < R; ++r) {
        const Packet x = ei::ploadu<Packet>(a + (i + r) * lda + kk);
        KEISAN_UNROLL
        for (int j = 0; j < T; ++j) acc[r][j] = ei::pmadd(x, b[j], acc[r][j]);
      }
    }
    for (int r = 0; r < R; ++r) {
      for (int j = 0; j < T; ++j) {
        float s = ei::predux(acc[r][j]);
        for (Index q = kk; q < k; ++q) s = madd(bt[j * ldbt + q], a[(i + r) * lda + q], s);
        d[j * ldd + i + r] = s;
      }
    }
  }
  if constexpr (R > 1) {
    if (i < rows) dots<T, 1>(rows - i, k, bt, ldbt, a + i * lda, lda, d + i, ldd);
  }
}

// The transposed case, A stored k x cols (lda apart): d[j * ldd + i] = sum over q of
// bt[j * ldbt + q] * a[q * lda + i], C packets of columns at a time, each element summing over q in
// order with one fused multiply-add a step (packet lanes or, for the last columns, scalars alike).
template <int T, int C>
void axpys(Index cols, Index k, const float* bt, Index ldbt, const float* a, Index lda, float* d, Index ldd) {
  Index i = 0;
  for (; i + C * packet_size <= cols; i += C * packet_size) {
    Packet acc[T][C];
    KEISAN_UNROLL
    for (int j = 0; j < T; ++j) {
      KEISAN_UNROLL
      for (int c = 0; c < C; ++c) acc[j][c] = ei::pset1<Packet>(0.0f);
    }
    for (Index q = 0; q < k; ++q) {
      Packet x[C];
      KEISAN_UNROLL
      for (int c = 0; c < C; ++c) x[c] = ei::ploadu<Packet>(a + q * lda + i + c * packet_size);
      KEISAN_UNROLL
      for (int j = 0; j < T; ++j) {
        const Packet b = ei::pset1<Packet>(bt[j * ldbt + q]);
        KEISAN_UNROLL
        for (int c = 0; c < C; ++c) acc[j][c] = ei::pmadd(b, x[c], acc[j][c]);
      }
    }
    for (int j = 0; j < T; ++j)
      for (int c = 0; c < C; ++c) ei::pstoreu(d + j * ldd + i + c * packet_size, acc[j][c]);
  }
  if constexpr (C > 1) {
    if (i < cols) axpys<T, 1>(cols - i, k, bt, ldbt, a + i, lda, d + i, ldd);
  } else {
    for (; i < cols; ++i) {
      for (int j = 0; j < T; ++j) {
        float s = 0.0f;
        for (Index q = 0; q < k; ++q) s = madd(bt[j * ldbt + q], a[q * lda + i], s);
        d[j * ldd + i] = s;
      }
    }
  }
}

template <int T>
void product(bool ta, Index m, Index k, const float* bt, Index ldbt, const float* a, Index lda, float* d, Index ldd) {
  // Accumulators per step: R x T (dots) or T x C (axpys) packets, within AVX2's 16 registers and
  // at least 8 of them where that fits, so the fused multiply-adds' latency is hidden (dots over
  // 100 x 784 on Zen 3: t = 1 took 10.7 us with R = 4, 5.8 with R = 8).
  if (ta)
    axpys<T, T <= 2 ? 4 : 3>(m, k, bt, ldbt, a, lda, d, ldd);
  else
    dots<T, T == 1 ? 8 : 4>(m, k, bt, ldbt, a, lda, d, ldd);
}

}  // namespace thin

/// D (t x m, rows m apart) = Bt op(A)^T: Bt is t x k (rows ldbt apart), op(A) is m x k, A's rows
/// lda apart (A stored m x k) or, when `ta`, its transpose (A stored k x m). So D^T = op(A) Bt^T
/// is the last t columns of a product op(A) op(B) whose op(B) columns are Bt's rows. Made for a
/// few rows (3 at a time); allocates nothing; every element sums in the same order whatever m.
inline void thin_product(bool ta, Index t, Index m, Index k, const float* bt, Index ldbt, const float* a, Index lda,
                         float* d) {
  for (Index j = 0; j < t; j += 3) {
    const float* bt_j = bt + j * ldbt;
    float* d_j = d + j * m;
    switch (std::min<Index>(t - j, 3)) {
      case 1:
        thin::product<1>(ta, m, k, bt_j, ldbt, a, lda, d_j, m);
        break;
      case 2:
        thin::product<2>(ta, m, k, bt_j, ldbt, a, lda, d_j, m);
        break;
      default:
        thin::product<3>(ta, m, k, bt_j, ldbt, a, lda, d_j, m);
        break;
    }
  }
}

}  // namespace keisan::detail

#undef KEISAN_UNROLL
