// keisan: GradBuffer, the one owner of the rule every gradient follows: after a reset the first
// contribution assigns and later ones add, so no pass ever zero-fills a gradient first.
// SPDX-License-Identifier: MIT
#pragma once

#include "keisan/core/error.hpp"
#include "keisan/core/matrix.hpp"
#include "keisan/core/threads.hpp"
#include "keisan/detail/gemm.hpp"

namespace keisan {

/// A gradient dL/d(value): a matrix plus whether it holds anything since the last `reset()`.
/// Parameters and graph nodes keep one each. `reset()` is O(1); reading a reset buffer gives
/// zeros without changing what the next contribution does.
template <class Scalar>
class GradBuffer {
 public:
  using MatrixType = Matrix<Scalar>;

  /// True when nothing was added since the last reset (the gradient is zero).
  [[nodiscard]] bool is_zero() const noexcept { return !live_; }

  /// Elements of storage held; 0 when no gradient was ever written (nothing allocated).
  [[nodiscard]] Index allocated() const noexcept { return m_.size(); }

  /// Forgets the gradient: O(1), the next contribution assigns.
  void reset() noexcept { live_ = false; }

  /// Adds `e` (an Eigen expression of `rows x cols`); assigns when the buffer is reset.
  /// Throws ShapeError when `e` has another shape: a gradient never silently changes shape.
  template <class Expr>
  void add(const Expr& e, Index rows, Index cols) {
    require_shape(e.rows(), e.cols(), rows, cols);
    if (!live_) {
      m_.resize(rows, cols);
      detail::assign_rows(m_.array(), e.array());
      live_ = true;
    } else {
      detail::add_rows(m_.array(), e.array());
    }
  }

  /// Adds the product `a * b` (matrices or transposes) with one GEMM and no temporary, packing
  /// blocks from `ws`.
  template <class A, class B>
  void add_product(const A& a, const B& b, Index rows, Index cols, detail::GemmWorkspace<Scalar>& ws) {
    require_shape(a.rows(), b.cols(), rows, cols);
    detail::gemm(m_, a, b, live_, ws);
    live_ = true;
  }

  /// The gradient, zeros after a reset. Reading does not change state: a reset buffer is
  /// zero-filled but stays reset, so the next contribution still assigns.
  [[nodiscard]] const MatrixType& read(Index rows, Index cols) const {
    if (!live_) m_.setZero(rows, cols);
    return m_;
  }

  /// Writable gradient of `rows x cols`: a reset buffer becomes zeros that later contributions add to.
  [[nodiscard]] MatrixType& write(Index rows, Index cols) {
    if (!live_) {
      m_.setZero(rows, cols);
      live_ = true;
    }
    return m_;
  }

 private:
  static void require_shape(Index r, Index c, Index rows, Index cols) {
    if (r != rows || c != cols)
      throw ShapeError("keisan: a gradient contribution is " + shape_string(r, c) + " but the value is " +
                       shape_string(rows, cols));
  }

  mutable MatrixType m_;  // mutable: read() zero-fills a reset buffer, which changes no result
  bool live_ = false;
};

}  // namespace keisan
