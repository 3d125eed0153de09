// keisan ops: pooling over NHWC image batches, channel by channel: max_pool2d (the argmax of
// each window is saved for backward), avg_pool2d and global_avg_pool.
// SPDX-License-Identifier: MIT
#pragma once

#include <limits>

#include "keisan/core/graph.hpp"
#include "keisan/ops/image.hpp"

namespace keisan {
namespace detail {

/// Calls f(out_col, in_col) for each output element of image row n's window geometry: out_col
/// indexes the output row (oh, ow, c), in_col the input row (ih, iw, c) of every real pixel
/// (padding skipped) under that output's window, window by window.
template <class Begin, class Visit>
void for_each_window(const WindowGeometry& g, Begin&& begin, Visit&& visit) {
  for (Index oh = 0; oh < g.oh; ++oh)
    for (Index ow = 0; ow < g.ow; ++ow)
      for (Index c = 0; c < g.c; ++c) {
        const Index out = (oh * g.ow + ow) * g.c + c;
        begin(out);
        for (Index kh = 0; kh < g.kh; ++kh) {
          const Index ih = oh * g.stride - g.pad + kh;
          if (ih < 0 || ih >= g.h) continue;
          for (Index kw = 0; kw < g.kw; ++kw) {
            const Index iw = ow * g.stride - g.pad + kw;
            if (iw >= 0 && iw < g.w) visit(out, (ih * g.w + iw) * g.c + c);
          }
        }
      }
}

template <class Scalar>
void max_pool_forward(Graph<Scalar>& g, Node<Scalar>& n) {
  const WindowGeometry geo = WindowGeometry::load(n.ints);
  const Matrix<Scalar>& x = *g.input(n, 0).value;
  Matrix<Scalar>& out = n.out();
  const Index per_image = geo.oh * geo.ow * geo.c;
  out.resize(geo.n, per_image);
  n.ints.resize(WindowGeometry::size + static_cast<std::size_t>(geo.n * per_image));
  Index* arg = n.ints.data() + WindowGeometry::size;  // argmax: x's column, per output element
  for (Index i = 0; i < geo.n; ++i) {
    const Scalar* in = x.data() + i * x.cols();
    Scalar* o = out.data() + i * per_image;
    Index* a = arg + i * per_image;
    for_each_window(
        geo,
        [&](Index k) {
          o[k] = -std::numeric_limits<Scalar>::infinity();
          a[k] = -1;
        },
        [&](Index k, Index j) {
          if (a[k] < 0 || in[j] > o[k]) {  // strictly greater: the first of equal maxima wins
            o[k] = in[j];
            a[k] = j;
          }
        });
  }
}

template <class Scalar>
void max_pool_backward(Graph<Scalar>& g, Node<Scalar>& n) {
  Node<Scalar>& x = g.input(n, 0);
  if (!x.needs_grad()) return;
  const Matrix<Scalar>& dy = n.grad();
  Matrix<Scalar>& dx = x.grad_mut();
  const Index* arg = n.ints.data() + WindowGeometry::size;
  for (Index i = 0; i < dy.rows(); ++i)
    for (Index k = 0; k < dy.cols(); ++k) dx(i, arg[i * dy.cols() + k]) += dy(i, k);
}

template <class Scalar>
void avg_pool_forward(Graph<Scalar>& g, Node<Scalar>& n) {
  const WindowGeometry geo = WindowGeometry::load(n.ints);
  const Matrix<Scalar>& x = *g.input(n, 0).value;
  Matrix<Scalar>& out = n.out();
  out.setZero(geo.n, geo.oh * geo.ow * geo.c);
  const Scalar scale = Scalar(1) / static_cast<Scalar>(geo.kh * geo.kw);
  for (Index i = 0; i < geo.n; ++i) {
    const Scalar* in = x.data() + i * x.cols();
    Scalar* o = out.data() + i * out.cols();
    for_each_window(
        geo, [](Index) {}, [&](Index k, Index j) { o[k] += in[j]; });
  }
  out *= scale;
}

template <class Scalar>
void avg_pool_backward(Graph<Scalar>& g, Node<Scalar>& n) {
  Node<Scalar>& x = g.input(n, 0);
  if (!x.needs_grad()) return;
  const WindowGeometry geo = WindowGeometry::load(n.ints);
  const Matrix<Scalar>& dy = n.grad();
  Matrix<Scalar>& dx = x.grad_mut();
  const Scalar scale = Scalar(1) / static_cast<Scalar>(geo.kh * geo.kw);
  for (Index i = 0; i < geo.n; ++i) {
    const Scalar* d = dy.data() + i * dy.cols();
    Scalar* o = dx.data() + i * dx.cols();
    for_each_window(
        geo, [](Index) {}, [&](Index k, Index j) { o[j] += scale * d[k]; });
  }
}

// Global average pooling: an image row read as an (H*W) x C matrix, averaged over its rows.
template <class Scalar>
using ImageMap = Eigen::Map<const Matrix<Scalar>>;

template <class Scalar>
void global_avg_pool_forward(Graph<Scalar>& g, Node<Scalar>& n) {
  const Index pixels = n.ints[0], c = n.ints[1];
  const Matrix<Scalar>& x = *g.input(n, 0).value;
  Matrix<Scalar>& out = n.out();
  out.resize(x.rows(), c);
  for (Index i = 0; i < x.rows(); ++i)
    out.row(i) = ImageMap<Scalar>(x.data() + i * x.cols(), pixels, c).colwise().mean();
}

template <class Scalar>
void global_avg_pool_backward(Graph<Scalar>& g, Node<Scalar>& n) {
  Node<Scalar>& x = g.input(n, 0);
  if (!x.needs_grad()) return;
  const Index pixels = n.ints[0], c = n.ints[1];
  const Matrix<Scalar>& dy = n.grad();
  Matrix<Scalar>& dx = x.grad_mut();
  const Scalar scale = Scalar(1) / static_cast<Scalar>(pixels);
  for (Index i = 0; i < dy.rows(); ++i)
    Eigen::Map<Matrix<Scalar>>(dx.data() + i * dx.cols(), pixels, c).rowwise() += scale * dy.row(i);
}

template <class Scalar>
Var<Scalar> pool(const char* op, const Var<Scalar>& x, const Window2D& window, ForwardFn<Scalar> forward,
                 BackwardFn<Scalar> backward) {
  const WindowGeometry geo = window_geometry(op, x, window, /*max_pad_half=*/true);
  Var<Scalar> y = x.graph().record(op, {x}, forward, backward, [&](Node<Scalar>& n) { geo.save(n.ints); });
  y.node().image = ImageShape{geo.oh, geo.ow, geo.c};
  return y;
}

}  // namespace detail

/// Max pooling, channel by channel: each output pixel is the largest input under its window
/// (padding never wins: it is not a value). The gradient goes to that input (the first of equal
/// maxima). x: N x (H*W*C) images; the result is N x (OH*OW*C), images of OH x OW x C.
/// Throws ShapeError when x carries no image shape or the window does not fit; ValueError for a
/// kernel size or stride < 1, a negative padding, or a padding over half the window.
template <class Scalar>
[[nodiscard]] Var<Scalar> max_pool2d(const Var<Scalar>& x, const Window2D& window) {
  return detail::pool("max_pool2d", x, window, &detail::max_pool_forward<Scalar>, &detail::max_pool_backward<Scalar>);
}

/// max_pool2d() over square `kernel` x `kernel` windows.
template <class Scalar>
[[nodiscard]] Var<Scalar> max_pool2d(const Var<Scalar>& x, Index kernel, Index stride, Index pad = 0) {
  return max_pool2d(x, Window2D{kernel, kernel, stride, pad});
}

/// Average pooling, channel by channel: each output pixel is the sum under its window divided by
/// kh*kw (padding counts as zeros, PyTorch's count_include_pad). Shapes and errors as max_pool2d().
template <class Scalar>
[[nodiscard]] Var<Scalar> avg_pool2d(const Var<Scalar>& x, const Window2D& window) {
  return detail::pool("avg_pool2d", x, window, &detail::avg_pool_forward<Scalar>, &detail::avg_pool_backward<Scalar>);
}

/// avg_pool2d() over square `kernel` x `kernel` windows.
template <class Scalar>
[[nodiscard]] Var<Scalar> avg_pool2d(const Var<Scalar>& x, Index kernel, Index stride, Index pad = 0) {
  return avg_pool2d(x, Window2D{kernel, kernel, stride, pad});
}

/// The mean of each channel over the whole image: N x (H*W*C) images to N x C, which is also a
/// batch of 1x1xC images (so affine() takes it as it is). Throws ShapeError when x carries no
/// image shape.
template <class Scalar>
[[nodiscard]] Var<Scalar> global_avg_pool(const Var<Scalar>& x) {
  const ImageShape s = detail::require_image("global_avg_pool", x);
  Var<Scalar> y = x.graph().record("global_avg_pool", {x}, &detail::global_avg_pool_forward<Scalar>,
                                   &detail::global_avg_pool_backward<Scalar>, [&](Node<Scalar>& n) {
                                     n.ints.push_back(s.h * s.w);
                                     n.ints.push_back(s.c);
                                   });
  y.node().image = ImageShape{1, 1, s.c};
  return y;
}

}  // namespace keisan
