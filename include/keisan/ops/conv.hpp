// keisan ops: 2-D convolution on NHWC image batches, as im2col + one GEMM whose output is the
// next layer's NHWC batch as it stands (no transposes).
// SPDX-License-Identifier: MIT
#pragma once

#include <algorithm>
#include <string>

#include "keisan/core/graph.hpp"
#include "keisan/detail/shape_check.hpp"
#include "keisan/ops/image.hpp"

namespace keisan {
namespace detail {

// im2col and col2im move whole window rows: under one output pixel, the real pixels of kernel row
// kh are contiguous in an NHWC image (kw0..kw1 times C values), and so is their place in the col
// row. One copy (or add) per kernel row, not one per element: at SimpleConvNet's first layer
// (C = 1) the element-by-element walk took 2.8 ms of im2col for a 1.4 ms GEMM.

/// col (N*OH*OW) x (KH*KW*C): row (n, oh, ow) holds the window under output pixel (oh, ow) of
/// image n, columns ordered (kh, kw, c); padding reads as 0.
template <class Scalar>
void im2col(const WindowGeometry& g, const Matrix<Scalar>& x, Matrix<Scalar>& col) {
  const Index c = g.c, row = g.kw * c;
  col.resize(g.n * g.oh * g.ow, g.kh * row);
  parallel_rows(g.n, g.oh * g.ow * col.cols(), [&](Index first, Index last) {
    for (Index n = first; n < last; ++n) {
      const Scalar* image = x.data() + n * x.cols();
      for (Index oh = 0; oh < g.oh; ++oh)
        for (Index ow = 0; ow < g.ow; ++ow) {
          Scalar* dst = col.data() + ((n * g.oh + oh) * g.ow + ow) * col.cols();
          const WindowRange rw = g.cols(ow);
          const Index lead = (rw.begin - (ow * g.stride - g.pad)) * c;  // padding on the left
          const Index count = std::max<Index>(rw.end - rw.begin, 0) * c;
          for (Index kh = 0; kh < g.kh; ++kh, dst += row) {
            const Index ih = oh * g.stride - g.pad + kh;
            if (ih < 0 || ih >= g.h || count == 0) {
              std::fill_n(dst, row, Scalar(0));
              continue;
            }
            std::fill_n(dst, lead, Scalar(0));
            std::copy_n(image + (ih * g.w + rw.begin) * c, count, dst + lead);
            std::fill_n(dst + lead + count, row - lead - count, Scalar(0));
          }
        }
    }
  });
}

/// dx += col2im(dcol): every window element adds back into the pixel it was read from.
template <class Scalar>
void col2im_add(const WindowGeometry& g, const Matrix<Scalar>& dcol, Matrix<Scalar>& dx) {
  const Index c = g.c, row = g.kw * c;
  parallel_rows(g.n, g.oh * g.ow * dcol.cols(), [&](Index first, Index last) {
    for (Index n = first; n < last; ++n) {
      Scalar* image = dx.data() + n * dx.cols();
      for (Index oh = 0; oh < g.oh; ++oh)
        for (Index ow = 0; ow < g.ow; ++ow) {
          const Scalar* src = dcol.data() + ((n * g.oh + oh) * g.ow + ow) * dcol.cols();
          const WindowRange rw = g.cols(ow);
          const Index lead = (rw.begin - (ow * g.stride - g.pad)) * c;
          const Index count = std::max<Index>(rw.end - rw.begin, 0) * c;
          for (Index kh = 0; kh < g.kh; ++kh, src += row) {
            const Index ih = oh * g.stride - g.pad + kh;
            if (ih < 0 || ih >= g.h) continue;
            Scalar* d = image + (ih * g.w + rw.begin) * c;
            const Scalar* s = src + lead;
            for (Index k = 0; k < count; ++k) d[k] += s[k];
          }
        }
    }
  });
}

template <class Scalar>
using ConstMap = Eigen::Map<const Matrix<Scalar>>;

template <class Scalar>
void conv2d_forward(Graph<Scalar>& g, Node<Scalar>& n) {
  const WindowGeometry geo = WindowGeometry::load(n.ints);
  const Matrix<Scalar>& w = *g.input(n, 1).value;
  Matrix<Scalar>& col = n.saved(0);
  im2col(geo, *g.input(n, 0).value, col);
  // (N*OH*OW) x F, rows (n, oh, ow): in row-major order this is the N x (OH*OW*F) NHWC batch, so
  // the resize at the end only relabels the dimensions (same element count: no reallocation).
  Matrix<Scalar>& out = n.out();
  out.resize(col.rows(), w.cols());
  broadcast_rows(out, *g.input(n, 2).value);
  g.multiply(out, col, w, /*accumulate=*/true);
  out.resize(geo.n, geo.oh * geo.ow * w.cols());
}

template <class Scalar>
void conv2d_backward(Graph<Scalar>& g, Node<Scalar>& n) {
  const WindowGeometry geo = WindowGeometry::load(n.ints);
  Node<Scalar>& x = g.input(n, 0);
  Node<Scalar>& w = g.input(n, 1);
  Node<Scalar>& b = g.input(n, 2);
  const Matrix<Scalar>& col = n.saved(0);
  const ConstMap<Scalar> dy(n.grad().data(), col.rows(), w.value->cols());  // (N*OH*OW) x F
  w.accumulate_product(col.transpose(), dy);
  b.accumulate(dy.colwise().sum());
  // The network's input needs no gradient: skip the third GEMM and the col2im.
  if (!x.needs_grad()) return;
  Matrix<Scalar>& dcol = n.saved(1);
  g.multiply(dcol, dy, w.value->transpose());
  col2im_add(geo, dcol, x.grad_mut());
}

}  // namespace detail

/// 2-D convolution (cross-correlation, as every framework computes it) of a batch of images.
///
/// x: N x (H*W*C) images (it must carry its image shape: g.input(data, {H, W, C})); W:
/// (KH*KW*C) x F, row (kh*KW + kw)*C + c holding filter weights at kernel position (kh, kw),
/// input channel c; b: 1 x F. `window` gives KH, KW, the stride and the zero padding. The result
/// is N x (OH*OW*F), images of OH x OW x F, OH = (H + 2*pad - KH) / stride + 1 (OW likewise).
///
/// Cost: one im2col copy and one GEMM forward; backward one GEMM for dW, one column sum for db,
/// and (only when x needs a gradient, i.e. not for the network's input) one GEMM plus a col2im
/// for dx. The im2col and dcol buffers live in the node: a steady-state step allocates nothing.
///
/// Throws ShapeError when x carries no image shape, when W is not (KH*KW*C) x F or b not 1 x F,
/// or when the window does not fit the padded image; ValueError for a kernel size or stride < 1
/// or a negative padding.
template <class Scalar>
[[nodiscard]] Var<Scalar> conv2d(const Var<Scalar>& x, const Var<Scalar>& w, const Var<Scalar>& b,
                                 const Window2D& window) {
  constexpr const char* op = "conv2d";
  detail::require_same_graph(op, x, w);
  detail::require_same_graph(op, x, b);
  const detail::WindowGeometry geo = detail::window_geometry(op, x, window);
  const Index rows = window.kh * window.kw * geo.c;
  if (w.rows() != rows)
    throw ShapeError("keisan::conv2d: x is " + shape_string(geo.n, x.image()) + " and W is " + shape_string(w.value()) +
                     ": W must be (kh*kw*c) x filters, " + std::to_string(rows) + " rows for a " +
                     std::to_string(window.kh) + "x" + std::to_string(window.kw) + " kernel over " +
                     std::to_string(geo.c) + " channels");
  if (b.rows() != 1 || b.cols() != w.cols()) detail::throw_shapes(op, "W", w, "b", b, "b must be 1 x W.cols");
  Var<Scalar> y = x.graph().record(op, {x, w, b}, &detail::conv2d_forward<Scalar>, &detail::conv2d_backward<Scalar>,
                                   [&](Node<Scalar>& n) { geo.save(n.ints); });
  y.node().image = ImageShape{geo.oh, geo.ow, w.cols()};
  return y;
}

/// conv2d() with the weights taken straight from Parameters (recorded as leaves of x's graph).
template <class Scalar>
[[nodiscard]] Var<Scalar> conv2d(const Var<Scalar>& x, Parameter<Scalar>& w, Parameter<Scalar>& b,
                                 const Window2D& window) {
  Graph<Scalar>& g = x.graph();
  const Var<Scalar> wv = g.param(w);  // W before b: a fixed tape order
  const Var<Scalar> bv = g.param(b);
  return conv2d(x, wv, bv, window);
}

}  // namespace keisan
