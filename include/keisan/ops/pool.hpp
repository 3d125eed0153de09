// keisan ops: pooling over NHWC image batches, channel by channel: max_pool2d (the argmax of
// each window is saved for backward), avg_pool2d and global_avg_pool.
// SPDX-License-Identifier: MIT
#pragma once

#include <algorithm>

#include "keisan/core/graph.hpp"
#include "keisan/ops/image.hpp"

namespace keisan {
namespace detail {

// The pools walk window by window, pixel by pixel, with the C channels of a pixel innermost: in
// NHWC they are contiguous in input and output, so each step is a unit-stride loop the compiler
// vectorises (the element-by-element walk before it made max_pool2d 10x (W4) to 30x (W5) slower).

/// Max-pools images [first_image, end_image): out and arg (argmax: x's column) per output element. Everything
/// arrives by value, so the compiler knows the Index stores into arg cannot change the geometry
/// (captured by reference in a lambda, they could, and the channel loop was not vectorised: W4's
/// max-pooling took twice as long).
template <class Scalar>
void max_pool_images(const WindowGeometry geo, const Scalar* const x, Scalar* const out, Index* const arg,
                     const Index first_image, const Index end_image) {
  const Index per_image = geo.oh * geo.ow * geo.c, c = geo.c;
  for (Index i = first_image; i < end_image; ++i) {
    const Scalar* const in = x + i * geo.h * geo.w * c;
    for (Index oh = 0; oh < geo.oh; ++oh) {
      const WindowRange rh = geo.rows(oh);
      for (Index ow = 0; ow < geo.ow; ++ow) {
        const WindowRange rw = geo.cols(ow);
        const Index k0 = i * per_image + (oh * geo.ow + ow) * c;
        Scalar* const o = out + k0;
        Index* const a = arg + k0;
        const Index first = (rh.begin * geo.w + rw.begin) * c;
        for (Index ch = 0; ch < c; ++ch) {
          o[ch] = in[first + ch];
          a[ch] = first + ch;
        }
        for (Index ih = rh.begin; ih < rh.end; ++ih)
          for (Index iw = rw.begin; iw < rw.end; ++iw) {
            const Index j0 = (ih * geo.w + iw) * c;
            for (Index ch = 0; ch < c; ++ch)
              if (in[j0 + ch] > o[ch] || in[j0 + ch] != in[j0 + ch]) {  // x != x: x is NaN
                o[ch] = in[j0 + ch];
                a[ch] = j0 + ch;
              }
          }
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
  // The window's first real pixel starts the maximum (padding is no value; window_geometry()
  // leaves a real pixel in every window); a pixel replaces it only when strictly greater, so the
  // first of equal maxima wins, or when it is NaN, which then stays (nothing compares greater):
  // a NaN in a window is passed on, as in PyTorch, never hidden by the window's larger numbers.
  parallel_rows(geo.n, x.cols(),
                [&](Index first, Index last) { max_pool_images(geo, x.data(), out.data(), arg, first, last); });
}

template <class Scalar>
void max_pool_backward(Graph<Scalar>& g, Node<Scalar>& n) {
  Node<Scalar>& x = g.input(n, 0);
  if (!x.needs_grad()) return;
  const Matrix<Scalar>& dy = n.grad();
  Matrix<Scalar>& dx = x.grad_mut();
  const Index* arg = n.ints.data() + WindowGeometry::size;
  parallel_rows(dy.rows(), dy.cols(), [&](Index first, Index last) {
    for (Index i = first; i < last; ++i)
      for (Index k = 0; k < dy.cols(); ++k) dx(i, arg[i * dy.cols() + k]) += dy(i, k);
  });
}

/// Calls f(out, in) for output pixel (oh, ow) of one image and each real input pixel under its
/// window: the columns of their channel 0 in the image's output and input rows.
template <class F>
void for_each_window_pixel(const WindowGeometry& geo, F&& f) {
  for (Index oh = 0; oh < geo.oh; ++oh) {
    const WindowRange rh = geo.rows(oh);
    for (Index ow = 0; ow < geo.ow; ++ow) {
      const WindowRange rw = geo.cols(ow);
      for (Index ih = rh.begin; ih < rh.end; ++ih)
        for (Index iw = rw.begin; iw < rw.end; ++iw) f((oh * geo.ow + ow) * geo.c, (ih * geo.w + iw) * geo.c);
    }
  }
}

template <class Scalar>
void avg_pool_forward(Graph<Scalar>& g, Node<Scalar>& n) {
  const WindowGeometry geo = WindowGeometry::load(n.ints);
  const Matrix<Scalar>& x = *g.input(n, 0).value;
  Matrix<Scalar>& out = n.out();
  out.setZero(geo.n, geo.oh * geo.ow * geo.c);
  const Index c = geo.c;
  const Scalar scale = Scalar(1) / static_cast<Scalar>(geo.kh * geo.kw);
  parallel_rows(geo.n, x.cols(), [&](Index first, Index last) {
    for (Index i = first; i < last; ++i) {
      const Scalar* const in = x.data() + i * x.cols();
      Scalar* const o = out.data() + i * out.cols();
      for_each_window_pixel(geo, [=](Index k0, Index j0) {
        for (Index ch = 0; ch < c; ++ch) o[k0 + ch] += in[j0 + ch];
      });
      out.row(i) *= scale;
    }
  });
}

template <class Scalar>
void avg_pool_backward(Graph<Scalar>& g, Node<Scalar>& n) {
  Node<Scalar>& x = g.input(n, 0);
  if (!x.needs_grad()) return;
  const WindowGeometry geo = WindowGeometry::load(n.ints);
  const Matrix<Scalar>& dy = n.grad();
  Matrix<Scalar>& dx = x.grad_mut();
  const Scalar scale = Scalar(1) / static_cast<Scalar>(geo.kh * geo.kw);
  const Index c = geo.c;
  parallel_rows(geo.n, dx.cols(), [&](Index first, Index last) {
    for (Index i = first; i < last; ++i) {
      const Scalar* const d = dy.data() + i * dy.cols();
      Scalar* const o = dx.data() + i * dx.cols();
      for_each_window_pixel(geo, [=](Index k0, Index j0) {
        for (Index ch = 0; ch < c; ++ch) o[j0 + ch] += scale * d[k0 + ch];
      });
    }
  });
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
  parallel_rows(x.rows(), x.cols(), [&](Index first, Index last) {
    for (Index i = first; i < last; ++i)
      out.row(i) = ImageMap<Scalar>(x.data() + i * x.cols(), pixels, c).colwise().mean();
  });
}

template <class Scalar>
void global_avg_pool_backward(Graph<Scalar>& g, Node<Scalar>& n) {
  Node<Scalar>& x = g.input(n, 0);
  if (!x.needs_grad()) return;
  const Index pixels = n.ints[0], c = n.ints[1];
  const Matrix<Scalar>& dy = n.grad();
  Matrix<Scalar>& dx = x.grad_mut();
  const Scalar scale = Scalar(1) / static_cast<Scalar>(pixels);
  parallel_rows(dx.rows(), dx.cols(), [&](Index first, Index last) {
    for (Index i = first; i < last; ++i)
      Eigen::Map<Matrix<Scalar>>(dx.data() + i * dx.cols(), pixels, c).rowwise() += scale * dy.row(i);
  });
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
