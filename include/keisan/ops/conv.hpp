// keisan ops: 2-D convolution on NHWC image batches, as im2col + one GEMM whose output is the
// next layer's NHWC batch as it stands (no transposes of the data).
// SPDX-License-Identifier: MIT
#pragma once

#include <algorithm>
#include <string>

#include "keisan/core/graph.hpp"
#include "keisan/detail/shape_check.hpp"
#include "keisan/ops/image.hpp"

namespace keisan {
namespace detail {

// im2col and col2im move whole window rows: under one output pixel, kernel row kh reads KW*C
// values that are contiguous in an NHWC image, and writes them contiguously in the col row. Each
// such row is one plain loop the compiler vectorises (zeros where it hangs over the padding), not
// a memcpy call: with one input channel a row is 3 or 5 floats, and the calls cost more than the
// copying (a third of a first layer's time went to im2col and memmove).

/// col ((last - first)*OH*OW) x (KH*KW*C): row (n - first, oh, ow) holds the window under output
/// pixel (oh, ow) of image n, for images [first, last); columns ordered (kh, kw, c); padding reads
/// as 0.
template <class Scalar, class Col>
void im2col(const WindowGeometry& g, const Matrix<Scalar>& x, Index first, Index last, Col& col) {
  const Index c = g.c, row = g.kw * c;
  for (Index n = first; n < last; ++n) {
    const Scalar* image = x.data() + n * x.cols();
    for (Index oh = 0; oh < g.oh; ++oh)
      for (Index ow = 0; ow < g.ow; ++ow) {
        Scalar* dst = col.data() + (((n - first) * g.oh + oh) * g.ow + ow) * col.cols();
        const WindowRange rw = g.cols(ow);
        const Index iw = ow * g.stride - g.pad;  // the window's first column, maybe in the padding
        const Index lead = (rw.begin - iw) * c, end = lead + std::max<Index>(rw.end - rw.begin, 0) * c;
        for (Index kh = 0; kh < g.kh; ++kh, dst += row) {
          const Index ih = oh * g.stride - g.pad + kh;
          if (ih < 0 || ih >= g.h) {
            for (Index j = 0; j < row; ++j) dst[j] = Scalar(0);
          } else if (lead == 0 && end == row) {  // inside the image
            const Scalar* src = image + (ih * g.w + iw) * c;
            for (Index j = 0; j < row; ++j) dst[j] = src[j];
          } else {
            const Index base = (ih * g.w + iw) * c;  // may be before the image: offsets, not pointers
            for (Index j = 0; j < row; ++j) dst[j] = j >= lead && j < end ? image[base + j] : Scalar(0);
          }
        }
      }
  }
}

/// dx += col2im(dcol) for images [first, last) (dcol laid out as im2col's col): every window
/// element adds back into the pixel it was read from.
template <class Scalar, class Col>
void col2im_add(const WindowGeometry& g, const Col& dcol, Index first, Index last, Matrix<Scalar>& dx) {
  const Index c = g.c, row = g.kw * c;
  for (Index n = first; n < last; ++n) {
    Scalar* image = dx.data() + n * dx.cols();
    for (Index oh = 0; oh < g.oh; ++oh)
      for (Index ow = 0; ow < g.ow; ++ow) {
        const Scalar* src = dcol.data() + (((n - first) * g.oh + oh) * g.ow + ow) * dcol.cols();
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
}

// With one input channel a window row is only KW values (3 or 5), too short to copy well, so
// those layers use the transposed col: colt = col^T, (KH*KW*C) x (images*OH*OW), where the row of
// kernel element (kh, kw, c) holds, for each output row, OW values read along one image row --
// with stride 1 and C = 1 one contiguous run. The GEMMs take colt transposed (no copy).

/// The output columns [begin, end) whose input column ow*stride + offset lies in [0, w).
inline WindowRange inside_outputs(Index offset, Index stride, Index w, Index outputs) {
  const Index begin = offset >= 0 ? 0 : (-offset + stride - 1) / stride;
  const Index end = w - offset <= 0 ? 0 : std::min(outputs, (w - 1 - offset) / stride + 1);
  return {std::min(begin, end), end};
}

/// Whether conv2d keeps its col transposed (see above): window rows shorter than 16 values.
inline bool transposed_col(const WindowGeometry& g) {
  return g.kw * g.c < 16;
}

/// colt (KH*KW*C) x ((last - first)*OH*OW), the transpose of im2col()'s col.
template <class Scalar, class Col>
void im2col_transposed(const WindowGeometry& g, const Matrix<Scalar>& x, Index first, Index last, Col& colt) {
  const Index c = g.c, step = g.stride * c;
  for (Index kh = 0; kh < g.kh; ++kh)
    for (Index kw = 0; kw < g.kw; ++kw) {
      const WindowRange inside = inside_outputs(kw - g.pad, g.stride, g.w, g.ow);
      for (Index ci = 0; ci < c; ++ci) {
        Scalar* dst = colt.data() + ((kh * g.kw + kw) * c + ci) * colt.cols();
        for (Index n = first; n < last; ++n)
          for (Index oh = 0; oh < g.oh; ++oh, dst += g.ow) {
            const Index ih = oh * g.stride - g.pad + kh;
            if (ih < 0 || ih >= g.h) {
              for (Index ow = 0; ow < g.ow; ++ow) dst[ow] = Scalar(0);
              continue;
            }
            // Input column ow*stride + kw - pad of row ih, channel ci: x.data()[base + ow*step]
            // (base may lie before the image: an offset, not a pointer).
            const Scalar* src = x.data();
            const Index base = n * x.cols() + (ih * g.w + kw - g.pad) * c + ci;
            for (Index ow = 0; ow < inside.begin; ++ow) dst[ow] = Scalar(0);
            if (step == 1)
              for (Index ow = inside.begin; ow < inside.end; ++ow) dst[ow] = src[base + ow];
            else
              for (Index ow = inside.begin; ow < inside.end; ++ow) dst[ow] = src[base + ow * step];
            for (Index ow = inside.end; ow < g.ow; ++ow) dst[ow] = Scalar(0);
          }
      }
    }
}

/// dx += col2im(dcolt^T) for images [first, last), dcolt laid out as im2col_transposed()'s colt.
template <class Scalar, class Col>
void col2im_transposed_add(const WindowGeometry& g, const Col& dcolt, Index first, Index last, Matrix<Scalar>& dx) {
  const Index c = g.c, step = g.stride * c;
  for (Index kh = 0; kh < g.kh; ++kh)
    for (Index kw = 0; kw < g.kw; ++kw) {
      const WindowRange inside = inside_outputs(kw - g.pad, g.stride, g.w, g.ow);
      for (Index ci = 0; ci < c; ++ci) {
        const Scalar* src = dcolt.data() + ((kh * g.kw + kw) * c + ci) * dcolt.cols();
        for (Index n = first; n < last; ++n)
          for (Index oh = 0; oh < g.oh; ++oh, src += g.ow) {
            const Index ih = oh * g.stride - g.pad + kh;
            if (ih < 0 || ih >= g.h) continue;
            Scalar* image = dx.data();
            const Index base = n * dx.cols() + (ih * g.w + kw - g.pad) * c + ci;
            for (Index ow = inside.begin; ow < inside.end; ++ow) image[base + ow * step] += src[ow];
          }
      }
    }
}

/// Elements of im2col buffer one chunk of images may fill: im2col, its GEMM and (backward) col2im
/// run one chunk at a time, so the col buffer is written, packed and read while it is in the core's
/// cache instead of streaming through memory (at DeepConvNet's second layer the whole batch's col
/// is 78,400 x 144 floats, 45 MB, written once and read three times per step).
constexpr Index conv_chunk_elements = Index(64) * 1024;

/// Most partial sums the weight and bias gradients are split into (the chunks' contributions are
/// summed per group, then the groups in order): up to this many threads share the backward pass.
constexpr Index conv_max_groups = 16;

/// How conv2d walks its batch: `images` images per chunk, `count` chunks, `groups` contiguous
/// ranges of chunks whose weight/bias gradients are summed separately, then in group order. All of
/// it depends on the shapes only, never on the thread count, so every thread count gives the same
/// bits. `threads` is how many threads the loops over chunks (forward) and groups (backward) use.
struct ConvChunks {
  Index images = 1, count = 0, groups = 0, rows = 0, depth = 0;  // rows, depth: one chunk's col
  int threads = 1;
  bool transposed = false;  // the col kept as colt (transposed_col)

  explicit ConvChunks(const WindowGeometry& g)
      : images(std::clamp<Index>(conv_chunk_elements / std::max<Index>(g.oh * g.ow * g.kh * g.kw * g.c, 1), 1,
                                 std::max<Index>(g.n, 1))),
        count((g.n + images - 1) / images),
        groups(std::min(count, conv_max_groups)),
        rows(images * g.oh * g.ow),
        depth(g.kh * g.kw * g.c),
        threads(row_threads(groups, rows * depth * (count / std::max<Index>(groups, 1)))),
        transposed(transposed_col(g)) {}
  /// Images [first(k), first(k + 1)) form chunk k.
  [[nodiscard]] Index first(Index chunk, Index n) const { return std::min(chunk * images, n); }
  /// Chunks [group_begin(j), group_begin(j + 1)) form group j.
  [[nodiscard]] Index group_begin(Index group) const { return count * group / groups; }
};

template <class Scalar>
using ConstMap = Eigen::Map<const Matrix<Scalar>>;
template <class Scalar>
using MutableMap = Eigen::Map<Matrix<Scalar>>;

template <class Scalar>
void conv2d_forward(Graph<Scalar>& g, Node<Scalar>& n) {
  const WindowGeometry geo = WindowGeometry::load(n.ints);
  const Matrix<Scalar>& x = *g.input(n, 0).value;
  const Matrix<Scalar>& w = *g.input(n, 1).value;
  const Matrix<Scalar>& b = *g.input(n, 2).value;
  const ConvChunks ch(geo);
  const Index f = w.cols(), pixels = geo.oh * geo.ow;
  Matrix<Scalar>& col = n.saved(0);  // one chunk's col per thread
  col.resize(ch.threads * ch.rows, ch.depth);
  g.reserve_multiply(ch.rows, f, ch.depth, ch.threads);
  // (N*OH*OW) x F, rows (n, oh, ow): in row-major order this is the N x (OH*OW*F) NHWC batch, so
  // the resize at the end only relabels the dimensions (same element count: no reallocation).
  Matrix<Scalar>& out = n.out();
  out.resize(geo.n * pixels, f);
  parallel_items(ch.count, ch.threads, [&](Index k, int t) {
    const Index first = ch.first(k, geo.n), last = ch.first(k + 1, geo.n), rows = (last - first) * pixels;
    Scalar* buffer = col.data() + t * ch.rows * ch.depth;
    MutableMap<Scalar> y(out.data() + first * pixels * f, rows, f);
    y.rowwise() = b.row(0);
    if (ch.transposed) {
      MutableMap<Scalar> ct(buffer, ch.depth, rows);
      im2col_transposed(geo, x, first, last, ct);
      g.multiply(y, ct.transpose(), w, /*accumulate=*/true);
    } else {
      MutableMap<Scalar> c(buffer, rows, ch.depth);
      im2col(geo, x, first, last, c);
      g.multiply(y, c, w, /*accumulate=*/true);
    }
  });
  out.resize(geo.n, pixels * f);
}

template <class Scalar>
void conv2d_backward(Graph<Scalar>& g, Node<Scalar>& n) {
  const WindowGeometry geo = WindowGeometry::load(n.ints);
  Node<Scalar>& x = g.input(n, 0);
  Node<Scalar>& w = g.input(n, 1);
  Node<Scalar>& b = g.input(n, 2);
  const ConvChunks ch(geo);
  const Index f = w.value->cols(), pixels = geo.oh * geo.ow;
  const ConstMap<Scalar> dy(n.grad().data(), geo.n * pixels, f);  // (N*OH*OW) x F
  const bool need_w = w.needs_grad(), need_b = b.needs_grad(), need_x = x.needs_grad();
  // Everything sized on this thread, before the loop: nothing in it allocates or throws.
  Matrix<Scalar>& col = n.saved(0);
  Matrix<Scalar>& dcol = n.saved(1);
  Matrix<Scalar>& dw = n.saved(2);  // groups x (K x F), then their sum in the first
  Matrix<Scalar>& db = n.saved(3);  // groups x F, likewise
  if (need_w) {
    col.resize(ch.threads * ch.rows, ch.depth);
    dw.resize(ch.groups * ch.depth, f);
    g.reserve_multiply(ch.depth, f, ch.rows, ch.threads);
  }
  if (need_b) db.resize(ch.groups, f);
  Matrix<Scalar>* dx = nullptr;
  if (need_x) {
    dcol.resize(ch.threads * ch.rows, ch.depth);
    if (ch.transposed)
      g.reserve_multiply(ch.depth, ch.rows, f, ch.threads);
    else
      g.reserve_multiply(ch.rows, ch.depth, f, ch.threads);
    dx = &x.grad_mut();
  }
  // The network's input needs no gradient: no dcol GEMM, no col2im.
  parallel_items(ch.groups, ch.threads, [&](Index group, int t) {
    MutableMap<Scalar> dw_group(dw.data() + group * ch.depth * f, ch.depth, f);
    for (Index k = ch.group_begin(group); k < ch.group_begin(group + 1); ++k) {
      const Index first = ch.first(k, geo.n), last = ch.first(k + 1, geo.n), rows = (last - first) * pixels;
      const auto dy_chunk = dy.middleRows(first * pixels, rows);
      const bool assign = k == ch.group_begin(group);
      if (need_w) {  // im2col again: cheaper than keeping the whole batch's
        Scalar* buffer = col.data() + t * ch.rows * ch.depth;
        if (ch.transposed) {
          MutableMap<Scalar> ct(buffer, ch.depth, rows);
          im2col_transposed(geo, *x.value, first, last, ct);
          g.multiply(dw_group, ct, dy_chunk, /*accumulate=*/!assign);
        } else {
          MutableMap<Scalar> c(buffer, rows, ch.depth);
          im2col(geo, *x.value, first, last, c);
          g.multiply(dw_group, c.transpose(), dy_chunk, /*accumulate=*/!assign);
        }
      }
      if (need_b) {
        if (assign)
          db.row(group) = dy_chunk.colwise().sum();
        else
          db.row(group) += dy_chunk.colwise().sum();
      }
      if (need_x) {
        Scalar* buffer = dcol.data() + t * ch.rows * ch.depth;
        if (ch.transposed) {
          MutableMap<Scalar> dct(buffer, ch.depth, rows);
          g.multiply(dct, *w.value, dy_chunk.transpose());
          col2im_transposed_add(geo, dct, first, last, *dx);
        } else {
          MutableMap<Scalar> dc(buffer, rows, ch.depth);
          g.multiply(dc, dy_chunk, w.value->transpose());
          col2im_add(geo, dc, first, last, *dx);
        }
      }
    }
  });
  if (ch.count == 0) {  // an empty batch: zero gradients
    w.accumulate(Matrix<Scalar>::Zero(ch.depth, f));
    b.accumulate(Matrix<Scalar>::Zero(1, f));
    return;
  }
  if (need_w) {
    MutableMap<Scalar> total(dw.data(), ch.depth, f);
    for (Index group = 1; group < ch.groups; ++group)
      total += ConstMap<Scalar>(dw.data() + group * ch.depth * f, ch.depth, f);
    w.accumulate(total);
  }
  if (need_b) {
    for (Index group = 1; group < ch.groups; ++group) db.row(0) += db.row(group);
    b.accumulate(db.topRows(1));
  }
}

}  // namespace detail

/// 2-D convolution (cross-correlation, as every framework computes it) of a batch of images.
///
/// x: N x (H*W*C) images (it must carry its image shape: g.input(data, {H, W, C})); W:
/// (KH*KW*C) x F, row (kh*KW + kw)*C + c holding filter weights at kernel position (kh, kw),
/// input channel c; b: 1 x F. `window` gives KH, KW, the stride and the zero padding. The result
/// is N x (OH*OW*F), images of OH x OW x F, OH = (H + 2*pad - KH) / stride + 1 (OW likewise).
///
/// Cost: one im2col copy and one GEMM forward; backward the im2col again, one GEMM for dW, one
/// column sum for db, and (only when x needs a gradient, i.e. not for the network's input) one GEMM
/// plus a col2im for dx; layers with window rows under 16 values (one input channel) keep the col
/// transposed, where it copies in long runs. All of it runs one chunk of images at a time (about 256 KB of im2col
/// buffer each, so it stays in cache), the chunks spread over the threads; the weight and bias
/// gradients are summed per fixed group of chunks, then over the groups in order, so the result
/// is the same on any thread count. The buffers (one chunk per thread) live in the node: a
/// steady-state step allocates nothing.
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
