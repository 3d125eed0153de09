// keisan ops: 2-D convolution on NHWC image batches, as im2col + one GEMM whose output is the
// next layer's NHWC batch as it stands (no transposes of the data), or, for a layer over one input
// channel, straight from the image.
// SPDX-License-Identifier: MIT
#pragma once

#include <algorithm>
#include <string>
#include <type_traits>

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

// With one input channel a window row is only KW values (3 or 5; any KW*C under 16 is treated
// alike): too short to copy well, and
// the GEMM over such a col (K = 9 or 25) is bound by memory, not arithmetic. Those layers skip the
// col for the forward pass and the weight gradient, computing both straight from the image (the
// direct kernels below), and keep a transposed col only for dx: dcolt = W dY^T, (KH*KW*C) x
// (images*OH*OW), where the row of kernel element (kh, kw, c) holds, for each output row, OW
// values read along one image row -- with stride 1 and C = 1 one contiguous run.

/// The output columns [begin, end) whose input column ow*stride + offset lies in [0, w).
inline WindowRange inside_outputs(Index offset, Index stride, Index w, Index outputs) {
  const Index begin = offset >= 0 ? 0 : (-offset + stride - 1) / stride;
  const Index end = w - offset <= 0 ? 0 : std::min(outputs, (w - 1 - offset) / stride + 1);
  return {std::min(begin, end), end};
}

/// Whether conv2d runs the direct kernels (see above): window rows shorter than 16 values.
inline bool direct_conv(const WindowGeometry& g) {
  return g.kw * g.c < 16;
}

/// Filters per block of the direct kernels: one block of accumulators is a fixed-size Eigen array
/// held in vector registers (one AVX-512 or two AVX2 registers of floats).
inline constexpr Index direct_lanes = 16;
template <class Scalar>
using DirectBlock = Eigen::Array<Scalar, direct_lanes, 1>;

/// F rounded up to whole blocks: the width of the direct kernels' zero-padded weight rows.
inline Index direct_width(Index filters) {
  return (filters + direct_lanes - 1) / direct_lanes * direct_lanes;
}

/// Output pixels the direct kernels take together: one weight (or output-gradient) load serves
/// them all, and their accumulators are independent, so the multiply-adds overlap instead of
/// waiting on each other.
inline constexpr int direct_pixels = 4;

/// Elements of one image with its zero padding, (H + 2 pad) x (W + 2 pad) x C: the direct kernels
/// read each image from such a copy, so every window is whole and no loop tests the border.
inline Index padded_elements(const WindowGeometry& g) {
  return (g.h + 2 * g.pad) * (g.w + 2 * g.pad) * g.c;
}

/// Copies image (H x W x C) into the middle of padded; the border must already hold zeros.
template <class Scalar>
void copy_padded(const WindowGeometry& g, const Scalar* image, Scalar* padded) {
  const Index row = g.w * g.c, padded_row = (g.w + 2 * g.pad) * g.c;
  Scalar* dst = padded + (g.pad * padded_row + g.pad * g.c);
  for (Index ih = 0; ih < g.h; ++ih, dst += padded_row, image += row)
    for (Index j = 0; j < row; ++j) dst[j] = image[j];
}

/// Calls pixels(oh, ow, P) over one image's output pixels, row by row: P = direct_pixels
/// neighbours at a time, P = 1 for a row's remainder.
template <class Pixels>
void direct_pixels_of_image(const WindowGeometry& g, const Pixels& pixels) {
  for (Index oh = 0; oh < g.oh; ++oh) {
    Index ow = 0;
    for (; ow + direct_pixels <= g.ow; ow += direct_pixels)
      pixels(oh, ow, std::integral_constant<int, direct_pixels>());
    for (; ow < g.ow; ++ow) pixels(oh, ow, std::integral_constant<int, 1>());
  }
}

/// The forward of output pixels (oh, ow .. ow + P - 1) of one padded image: y (P rows of F) =
/// b + each window times W. wb is W with b as one more row, both zero-padded to direct_width(F)
/// columns. Under one window row the elements (kw, c) are contiguous in the NHWC image and their
/// weights are consecutive rows of wb.
template <int P, class Scalar>
void direct_forward_pixels(const WindowGeometry& g, const Scalar* padded, const Matrix<Scalar>& wb, Index filters,
                           Index oh, Index ow, Scalar* y) {
  const Index width = wb.cols(), run = g.kw * g.c, step = g.stride * g.c, padded_row = (g.w + 2 * g.pad) * g.c;
  const Scalar* bias = wb.data() + (wb.rows() - 1) * width;
  const Scalar* window = padded + oh * g.stride * padded_row + ow * step;
  for (Index f0 = 0; f0 < filters; f0 += direct_lanes) {
    DirectBlock<Scalar> acc[P];
    for (int p = 0; p < P; ++p) acc[p] = Eigen::Map<const DirectBlock<Scalar>>(bias + f0);
    const Scalar* wr = wb.data() + f0;
    for (Index kh = 0; kh < g.kh; ++kh) {
      const Scalar* in = window + kh * padded_row;
      for (Index e = 0; e < run; ++e, wr += width) {
        const DirectBlock<Scalar> wv = Eigen::Map<const DirectBlock<Scalar>>(wr);
        for (int p = 0; p < P; ++p) acc[p] += in[e + p * step] * wv;
      }
    }
    const Index count = std::min(direct_lanes, filters - f0);
    for (int p = 0; p < P; ++p) {
      if (count == direct_lanes)
        Eigen::Map<DirectBlock<Scalar>>(y + p * filters + f0) = acc[p];
      else
        Eigen::Map<Eigen::Array<Scalar, Eigen::Dynamic, 1>>(y + p * filters + f0, count) = acc[p].head(count);
    }
  }
}

/// The weight and bias gradients of output pixels (oh, ow .. ow + P - 1) of one padded image:
/// dy holds their P output-gradient rows of F; dwb is (KH*KW*C + 1) x width (direct_width(F),
/// the padding columns collecting zeros), dW's rows and then db's. Each window element times its
/// pixel's dy row, the P pixels summed before one update of the weight row.
template <int P, class Scalar>
void direct_weight_grad_pixels(const WindowGeometry& g, const Scalar* padded, const Scalar* dy, Index filters, Index oh,
                               Index ow, Scalar* dwb, Index width) {
  const Index run = g.kw * g.c, step = g.stride * g.c, padded_row = (g.w + 2 * g.pad) * g.c;
  const Scalar* window = padded + oh * g.stride * padded_row + ow * step;
  for (Index f0 = 0; f0 < filters; f0 += direct_lanes) {
    const Index count = std::min(direct_lanes, filters - f0);
    DirectBlock<Scalar> d[P];
    for (int p = 0; p < P; ++p) {
      if (count == direct_lanes) {
        d[p] = Eigen::Map<const DirectBlock<Scalar>>(dy + p * filters + f0);
      } else {
        d[p].setZero();
        d[p].head(count) = Eigen::Map<const Eigen::Array<Scalar, Eigen::Dynamic, 1>>(dy + p * filters + f0, count);
      }
    }
    Scalar* acc = dwb + f0;
    for (Index kh = 0; kh < g.kh; ++kh) {
      const Scalar* in = window + kh * padded_row;
      for (Index e = 0; e < run; ++e, acc += width) {
        DirectBlock<Scalar> sum = in[e] * d[0];
        for (int p = 1; p < P; ++p) sum += in[e + p * step] * d[p];
        Eigen::Map<DirectBlock<Scalar>>(acc) += sum;
      }
    }
    DirectBlock<Scalar> bias = d[0];
    for (int p = 1; p < P; ++p) bias += d[p];
    Eigen::Map<DirectBlock<Scalar>>(acc) += bias;  // acc is at db's row now
  }
}

/// y = conv(x) + b for images [first, last) straight from the image (direct_forward_pixels()),
/// each copied into padded (padded_elements(), border zero) first; y's rows are
/// (n - first, oh, ow), F values each.
template <class Scalar>
void conv_direct_forward(const WindowGeometry& g, const Matrix<Scalar>& x, const Matrix<Scalar>& wb, Index filters,
                         Index first, Index last, Scalar* padded, Scalar* y) {
  for (Index n = first; n < last; ++n) {
    copy_padded(g, x.data() + n * x.cols(), padded);
    Scalar* image_out = y + (n - first) * g.oh * g.ow * filters;
    direct_pixels_of_image(g, [&](Index oh, Index ow, auto pixels) {
      direct_forward_pixels<decltype(pixels)::value>(g, padded, wb, filters, oh, ow,
                                                     image_out + (oh * g.ow + ow) * filters);
    });
  }
}

/// dwb += the weight and bias gradients of images [first, last) straight from the image
/// (direct_weight_grad_pixels()); dy is their (images*OH*OW) x F output gradient.
template <class Scalar>
void conv_direct_weight_grad(const WindowGeometry& g, const Matrix<Scalar>& x, const Scalar* dy, Index filters,
                             Index first, Index last, Scalar* padded, Scalar* dwb, Index width) {
  for (Index n = first; n < last; ++n) {
    copy_padded(g, x.data() + n * x.cols(), padded);
    const Scalar* image_dy = dy + (n - first) * g.oh * g.ow * filters;
    direct_pixels_of_image(g, [&](Index oh, Index ow, auto pixels) {
      direct_weight_grad_pixels<decltype(pixels)::value>(g, padded, image_dy + (oh * g.ow + ow) * filters, filters, oh,
                                                         ow, dwb, width);
    });
  }
}

/// dx += col2im(dcolt^T) for images [first, last): dcolt (KH*KW*C) x ((last - first)*OH*OW) is
/// the transpose of im2col()'s layout (see above).
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
inline constexpr Index conv_chunk_elements = Index(64) * 1024;

/// Most partial sums the weight and bias gradients are split into (the chunks' contributions are
/// summed per group, then the groups in order): up to this many threads share the backward pass.
inline constexpr Index conv_max_groups = 16;

/// How conv2d walks its batch: `images` images per chunk, `count` chunks, `groups` contiguous
/// ranges of chunks whose weight/bias gradients are summed separately, then in group order. All of
/// it depends on the shapes only, never on the thread count, so every thread count gives the same
/// bits. `threads` is how many threads the loops over chunks (forward) and groups (backward) use.
struct ConvChunks {
  Index images = 1, count = 0, groups = 0, rows = 0, depth = 0;  // rows, depth: one chunk's col
  int threads = 1;
  bool direct = false;  // the direct kernels, and dx through a transposed dcol (direct_conv)

  explicit ConvChunks(const WindowGeometry& g)
      : images(std::clamp<Index>(conv_chunk_elements / std::max<Index>(g.oh * g.ow * g.kh * g.kw * g.c, 1), 1,
                                 std::max<Index>(g.n, 1))),
        count((g.n + images - 1) / images),
        groups(std::min(count, conv_max_groups)),
        rows(images * g.oh * g.ow),
        depth(g.kh * g.kw * g.c),
        threads(row_threads(groups, rows * depth * (count / std::max<Index>(groups, 1)))),
        direct(direct_conv(g)) {}
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
  // (N*OH*OW) x F, rows (n, oh, ow): in row-major order this is the N x (OH*OW*F) NHWC batch, so
  // the resize at the end only relabels the dimensions (same element count: no reallocation).
  Matrix<Scalar>& out = n.out();
  out.resize(geo.n * pixels, f);
  if (ch.direct) {
    Matrix<Scalar>& wb = n.saved(4);  // W over b, zero-padded to whole blocks of filters
    wb.resize(ch.depth + 1, direct_width(f));
    wb.setZero();
    wb.topLeftCorner(ch.depth, f) = w;
    wb.bottomLeftCorner(1, f) = b;
    Matrix<Scalar>& padded = n.saved(5);  // one padded image per thread
    padded.setZero(ch.threads, padded_elements(geo));
    parallel_items(ch.count, ch.threads, [&](Index k, int t) {
      const Index first = ch.first(k, geo.n), last = ch.first(k + 1, geo.n);
      conv_direct_forward(geo, x, wb, f, first, last, padded.row(t).data(), out.data() + first * pixels * f);
    });
    out.resize(geo.n, pixels * f);
    return;
  }
  Matrix<Scalar>& col = n.saved(0);  // one chunk's col per thread
  col.resize(ch.threads * ch.rows, ch.depth);
  g.reserve_multiply(ch.rows, f, ch.depth, ch.threads);
  parallel_items(ch.count, ch.threads, [&](Index k, int t) {
    const Index first = ch.first(k, geo.n), last = ch.first(k + 1, geo.n), rows = (last - first) * pixels;
    MutableMap<Scalar> y(out.data() + first * pixels * f, rows, f);
    y.rowwise() = b.row(0);
    MutableMap<Scalar> c(col.data() + t * ch.rows * ch.depth, rows, ch.depth);
    im2col(geo, x, first, last, c);
    g.multiply(y, c, w, /*accumulate=*/true);
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
  Matrix<Scalar>& col = n.saved(0);  // direct: each thread's (K + 1) x width dW over db instead
  Matrix<Scalar>& dcol = n.saved(1);
  Matrix<Scalar>& dw = n.saved(2);  // groups x (K x F), then their sum in the first
  Matrix<Scalar>& db = n.saved(3);  // groups x F, likewise
  Matrix<Scalar>& padded = n.saved(5);
  const Index width = direct_width(f);
  const bool direct_grads = ch.direct && (need_w || need_b);  // both from one pass
  if (direct_grads) {
    col.resize(ch.threads * (ch.depth + 1), width);
    padded.setZero(ch.threads, padded_elements(geo));
  }
  if (need_w) {
    if (!ch.direct) {
      col.resize(ch.threads * ch.rows, ch.depth);
      g.reserve_multiply(ch.depth, f, ch.rows, ch.threads);
    }
    dw.resize(ch.groups * ch.depth, f);
  }
  if (need_b) db.resize(ch.groups, f);
  Matrix<Scalar>* dx = nullptr;
  if (need_x) {
    dcol.resize(ch.threads * ch.rows, ch.depth);
    if (ch.direct)
      g.reserve_multiply(ch.depth, ch.rows, f, ch.threads);
    else
      g.reserve_multiply(ch.rows, ch.depth, f, ch.threads);
    dx = &x.grad_mut();
  }
  // The network's input needs no gradient: no dcol GEMM, no col2im.
  parallel_items(ch.groups, ch.threads, [&](Index group, int t) {
    // (no pointer arithmetic on an empty buffer: dw is only sized when W needs a gradient)
    MutableMap<Scalar> dw_group(need_w ? dw.data() + group * ch.depth * f : nullptr, ch.depth, f);
    // direct: the group's dW and db accumulate in this thread's (K + 1) x width buffer
    Scalar* dwb = direct_grads ? col.data() + t * (ch.depth + 1) * width : nullptr;
    if (direct_grads) MutableMap<Scalar>(dwb, ch.depth + 1, width).setZero();
    for (Index k = ch.group_begin(group); k < ch.group_begin(group + 1); ++k) {
      const Index first = ch.first(k, geo.n), last = ch.first(k + 1, geo.n), rows = (last - first) * pixels;
      const auto dy_chunk = dy.middleRows(first * pixels, rows);
      const bool assign = k == ch.group_begin(group);
      if (direct_grads) {
        conv_direct_weight_grad(geo, *x.value, dy_chunk.data(), f, first, last, padded.row(t).data(), dwb, width);
      } else if (need_w) {  // im2col again: cheaper than keeping the whole batch's
        MutableMap<Scalar> c(col.data() + t * ch.rows * ch.depth, rows, ch.depth);
        im2col(geo, *x.value, first, last, c);
        g.multiply(dw_group, c.transpose(), dy_chunk, /*accumulate=*/!assign);
      }
      if (need_b && !direct_grads) {
        if (assign)
          db.row(group) = dy_chunk.colwise().sum();
        else
          db.row(group) += dy_chunk.colwise().sum();
      }
      if (need_x) {
        Scalar* buffer = dcol.data() + t * ch.rows * ch.depth;
        if (ch.direct) {
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
    if (direct_grads) {
      const Eigen::Map<const Matrix<Scalar>, 0, Eigen::OuterStride<>> sums(dwb, ch.depth + 1, f,
                                                                           Eigen::OuterStride<>(width));
      if (need_w) dw_group = sums.topRows(ch.depth);
      if (need_b) db.row(group) = sums.bottomRows(1);
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
/// plus a col2im for dx. Layers with window rows under 16 values (KW*C < 16, e.g. a network's
/// first layer over one channel) compute the output and dW straight from the image instead, with no col, where the
/// GEMM over a 9- or 25-column col would be bound by memory; their dx goes through a transposed
/// dcol. All of it runs one chunk of images at a time (about 256 KB of im2col buffer each, so it
/// stays in cache), the chunks spread over the threads; the weight and bias
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
