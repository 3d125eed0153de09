// keisan ops: the image layout on the tape. Window2D (a kernel's size, stride and padding),
// flatten() and as_image(), which change what a batch means without copying it, and the
// window geometry that conv2d and the pools share.
// SPDX-License-Identifier: MIT
#pragma once

#include <algorithm>
#include <string>
#include <vector>

#include "keisan/core/error.hpp"
#include "keisan/core/graph.hpp"
#include "keisan/core/image.hpp"

namespace keisan {

/// A sliding window over images: `kh` x `kw` positions, moved `stride` pixels at a time over the
/// image padded with `pad` pixels on every side. Output size per axis: (in + 2*pad - k) / stride + 1.
/// @code
/// keisan::conv2d(x, W, b, {3, 3, 1, 1});      // 3x3 kernel, stride 1, "same" padding
/// keisan::max_pool2d(x, {2, 2, 2});           // 2x2 windows, stride 2
/// @endcode
struct Window2D {
  Index kh = 1, kw = 1;
  Index stride = 1;
  Index pad = 0;
};

/// "3x3 window, stride 1, padding 0".
[[nodiscard]] inline std::string describe(const Window2D& w) {
  return std::to_string(w.kh) + "x" + std::to_string(w.kw) + " window, stride " + std::to_string(w.stride) +
         ", padding " + std::to_string(w.pad);
}

namespace detail {

/// Everything an image op's rules need to know about its window, saved in the node's first
/// `size` integers (so a replay needs no image metadata).
/// Input rows (or columns) [begin, end): those under one output row's (column's) window, padding
/// clipped away.
struct WindowRange {
  Index begin = 0, end = 0;
};

struct WindowGeometry {
  static constexpr std::size_t size = 10;
  Index n = 0, h = 0, w = 0, c = 0;  ///< input batch: n images of h x w x c
  Index kh = 0, kw = 0, stride = 1, pad = 0;
  Index oh = 0, ow = 0;  ///< output height and width

  void save(std::vector<Index>& ints) const { ints.insert(ints.end(), {n, h, w, c, kh, kw, stride, pad, oh, ow}); }
  static WindowGeometry load(const std::vector<Index>& i) {
    return {i[0], i[1], i[2], i[3], i[4], i[5], i[6], i[7], i[8], i[9]};
  }
  /// The input rows under output row out_row's window.
  [[nodiscard]] WindowRange rows(Index out_row) const { return clip(out_row * stride - pad, kh, h); }
  /// The input columns under output column out_col's window.
  [[nodiscard]] WindowRange cols(Index out_col) const { return clip(out_col * stride - pad, kw, w); }

 private:
  static WindowRange clip(Index start, Index kernel, Index extent) {
    return {std::max<Index>(start, 0), std::min(start + kernel, extent)};
  }
};

/// x's image shape; throws ShapeError naming `op` when x carries none.
template <class Scalar>
const ImageShape& require_image(const char* op, const Var<Scalar>& x) {
  if (!x.is_image())
    throw ShapeError(std::string("keisan::") + op + ": x is " + shape_string(x.value()) +
                     " and carries no image shape (record images with g.input(data, {h, w, c}) or as_image())");
  return x.image();
}

/// The geometry of `window` over x's images. Throws ValueError for a bad window, ShapeError when
/// the window does not fit in the padded image. `max_pad_half`: the pools' rule that padding is at
/// most half the window (so every window holds at least one real pixel).
template <class Scalar>
WindowGeometry window_geometry(const char* op, const Var<Scalar>& x, const Window2D& window,
                               bool max_pad_half = false) {
  const ImageShape& s = require_image(op, x);
  if (window.kh < 1 || window.kw < 1 || window.stride < 1 || window.pad < 0)
    throw ValueError(std::string("keisan::") + op + ": " + describe(window) +
                     ": kernel sizes and stride must be >= 1, padding >= 0");
  if (max_pad_half && (2 * window.pad > window.kh || 2 * window.pad > window.kw))
    throw ValueError(std::string("keisan::") + op + ": " + describe(window) +
                     ": padding must be at most half the window");
  if (s.h + 2 * window.pad < window.kh || s.w + 2 * window.pad < window.kw)
    throw ShapeError(std::string("keisan::") + op + ": x is " + shape_string(x.rows(), s) + ": the " +
                     describe(window) + " does not fit (the output would be empty)");
  WindowGeometry geo;
  geo.n = x.rows();
  geo.h = s.h;
  geo.w = s.w;
  geo.c = s.c;
  geo.kh = window.kh;
  geo.kw = window.kw;
  geo.stride = window.stride;
  geo.pad = window.pad;
  geo.oh = (s.h + 2 * window.pad - window.kh) / window.stride + 1;
  geo.ow = (s.w + 2 * window.pad - window.kw) / window.stride + 1;
  return geo;
}

/// A view that shows its input's value under another meaning: the forward rule points the node's
/// value at the input's (no copy), and the op function below points its gradient at the input's
/// gradient (no copy backward either: a consumer's contribution lands in the input directly, so
/// the node needs no backward rule).
template <class Scalar>
void view_forward(Graph<Scalar>& g, Node<Scalar>& n) {
  n.value = g.input(n, 0).value;
}

template <class Scalar>
Var<Scalar> view(const char* op, const Var<Scalar>& x, const ImageShape& image) {
  Var<Scalar> v = x.graph().record(op, {x}, &view_forward<Scalar>, nullptr);
  Node<Scalar>& n = v.node();
  if (n.grad_buf != nullptr) n.grad_buf = x.node().grad_buf;
  n.image = image;
  return v;
}

}  // namespace detail

/// The same batch without its image shape: N x (H*W*C), features in (h, w, c) order, ready for
/// affine(). No copy either way: the value is the input's matrix itself, and gradients flow
/// straight into the input's gradient. (PyTorch's NCHW Flatten orders features (c, h, w): convert
/// the first Affine's rows when exchanging weights.) A non-image x passes through unchanged.
template <class Scalar>
[[nodiscard]] Var<Scalar> flatten(const Var<Scalar>& x) {
  return detail::view("flatten", x, ImageShape{});
}

/// The same N x (h*w*c) batch read as images of `shape` (PyTorch's Unflatten): no copy, as
/// flatten(). Throws ShapeError when a size is not positive or x's column count is not h*w*c.
template <class Scalar>
[[nodiscard]] Var<Scalar> as_image(const Var<Scalar>& x, const ImageShape& shape) {
  if (!shape.is_image() || x.cols() != shape.size())
    throw ShapeError("keisan::as_image: x is " + shape_string(x.value()) + " and cannot hold images of " +
                     shape_string(shape) + " (needs h*w*c = x.cols, every size positive)");
  return detail::view("as_image", x, shape);
}

}  // namespace keisan
