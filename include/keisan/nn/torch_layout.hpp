// keisan nn: conversions between keisan's layouts and PyTorch's, for exchanging weights and data
// (pure functions on matrices; the file formats themselves live in io/).
//
// keisan is NHWC with conv weights (KH*KW*C) x F and Affine weights in x out; PyTorch is NCHW
// with conv weights F x C x KH x KW and Linear weights out x in. A 4-D PyTorch tensor is taken
// here as the matrix of its contiguous elements with the first dimension as rows:
// F x (C*KH*KW) for a conv weight, N x (C*H*W) for an image batch.
// SPDX-License-Identifier: MIT
#pragma once

#include <string>

#include "keisan/core/error.hpp"
#include "keisan/core/image.hpp"
#include "keisan/core/matrix.hpp"

namespace keisan {
namespace detail {

/// Throws "keisan::<fn>: <what> is RxC but <rule> = <expected> <dim> are needed" unless actual == expected.
inline void require_dim(const char* fn, const char* what, Index rows, Index cols, Index actual, Index expected,
                        const std::string& rule, const char* dim) {
  if (actual != expected)
    throw ShapeError(std::string("keisan::") + fn + ": " + what + " is " + shape_string(rows, cols) + " but " + rule +
                     " = " + std::to_string(expected) + " " + dim + " are needed");
}

}  // namespace detail

/// keisan's conv weight from PyTorch's: `torch_w` is F x (C*KH*KW) (the F x C x KH x KW tensor);
/// the result is (KH*KW*C) x F with W[(kh*KW + kw)*C + c][f] = torch_w[f][c][kh][kw].
/// Throws ShapeError when torch_w does not have c*kh*kw columns.
template <class Derived>
[[nodiscard]] Matrix<typename Derived::Scalar> conv_weight_from_torch(const Eigen::MatrixBase<Derived>& torch_w,
                                                                      Index c, Index kh, Index kw) {
  detail::require_dim("conv_weight_from_torch", "the PyTorch weight", torch_w.rows(), torch_w.cols(), torch_w.cols(),
                      c * kh * kw, "c*kh*kw", "columns");
  Matrix<typename Derived::Scalar> w(kh * kw * c, torch_w.rows());
  for (Index f = 0; f < torch_w.rows(); ++f)
    for (Index ch = 0; ch < c; ++ch)
      for (Index y = 0; y < kh; ++y)
        for (Index x = 0; x < kw; ++x) w((y * kw + x) * c + ch, f) = torch_w(f, (ch * kh + y) * kw + x);
  return w;
}

/// PyTorch's conv weight, F x (C*KH*KW), from keisan's (KH*KW*C) x F: the inverse of
/// conv_weight_from_torch(). Throws ShapeError when w does not have kh*kw*c rows.
template <class Derived>
[[nodiscard]] Matrix<typename Derived::Scalar> conv_weight_to_torch(const Eigen::MatrixBase<Derived>& w, Index c,
                                                                    Index kh, Index kw) {
  detail::require_dim("conv_weight_to_torch", "the keisan weight", w.rows(), w.cols(), w.rows(), kh * kw * c, "kh*kw*c",
                      "rows");
  Matrix<typename Derived::Scalar> t(w.cols(), c * kh * kw);
  for (Index f = 0; f < w.cols(); ++f)
    for (Index ch = 0; ch < c; ++ch)
      for (Index y = 0; y < kh; ++y)
        for (Index x = 0; x < kw; ++x) t(f, (ch * kh + y) * kw + x) = w((y * kw + x) * c + ch, f);
  return t;
}

/// keisan's Affine W (in x out) from PyTorch's Linear weight (out x in): the transpose.
template <class Derived>
[[nodiscard]] Matrix<typename Derived::Scalar> affine_weight_from_torch(const Eigen::MatrixBase<Derived>& torch_w) {
  return torch_w.transpose();
}

/// PyTorch's Linear weight (out x in) from keisan's Affine W (in x out): the transpose.
template <class Derived>
[[nodiscard]] Matrix<typename Derived::Scalar> affine_weight_to_torch(const Eigen::MatrixBase<Derived>& w) {
  return w.transpose();
}

/// keisan's Affine W for the layer right after a flatten of `image`-shaped activations, from
/// PyTorch's Linear weight (out x (C*H*W)): transposed, and its rows reordered from PyTorch's
/// (c, h, w) feature order to keisan's (h, w, c): W[(h*Wd + w)*C + c][o] = torch_w[o][(c*H + h)*Wd + w].
/// Throws ShapeError when torch_w does not have h*w*c columns.
template <class Derived>
[[nodiscard]] Matrix<typename Derived::Scalar> affine_after_flatten_from_torch(
    const Eigen::MatrixBase<Derived>& torch_w, const ImageShape& image) {
  detail::require_dim("affine_after_flatten_from_torch", "the PyTorch weight", torch_w.rows(), torch_w.cols(),
                      torch_w.cols(), image.size(), "h*w*c of " + shape_string(image), "columns");
  Matrix<typename Derived::Scalar> w(image.size(), torch_w.rows());
  for (Index c = 0; c < image.c; ++c)
    for (Index y = 0; y < image.h; ++y)
      for (Index x = 0; x < image.w; ++x)
        w.row((y * image.w + x) * image.c + c) = torch_w.col((c * image.h + y) * image.w + x).transpose();
  return w;
}

/// PyTorch's Linear weight (out x (C*H*W)) for the layer after a flatten, from keisan's Affine W
/// ((H*W*C) x out): the inverse of affine_after_flatten_from_torch(). Throws ShapeError when w
/// does not have h*w*c rows.
template <class Derived>
[[nodiscard]] Matrix<typename Derived::Scalar> affine_after_flatten_to_torch(const Eigen::MatrixBase<Derived>& w,
                                                                             const ImageShape& image) {
  detail::require_dim("affine_after_flatten_to_torch", "the keisan weight", w.rows(), w.cols(), w.rows(), image.size(),
                      "h*w*c of " + shape_string(image), "rows");
  Matrix<typename Derived::Scalar> t(w.cols(), image.size());
  for (Index c = 0; c < image.c; ++c)
    for (Index y = 0; y < image.h; ++y)
      for (Index x = 0; x < image.w; ++x)
        t.col((c * image.h + y) * image.w + x) = w.row((y * image.w + x) * image.c + c).transpose();
  return t;
}

/// An NHWC batch (keisan's rows, N x (H*W*C)) from an NCHW one (PyTorch's, N x (C*H*W)).
/// Throws ShapeError when x does not have h*w*c columns.
template <class Derived>
[[nodiscard]] Matrix<typename Derived::Scalar> nhwc_from_nchw(const Eigen::MatrixBase<Derived>& x,
                                                              const ImageShape& image) {
  detail::require_dim("nhwc_from_nchw", "the batch", x.rows(), x.cols(), x.cols(), image.size(),
                      "h*w*c of " + shape_string(image), "columns");
  Matrix<typename Derived::Scalar> out(x.rows(), x.cols());
  for (Index c = 0; c < image.c; ++c)
    for (Index p = 0; p < image.h * image.w; ++p) out.col(p * image.c + c) = x.col(c * image.h * image.w + p);
  return out;
}

/// An NCHW batch (PyTorch's) from an NHWC one (keisan's): the inverse of nhwc_from_nchw().
template <class Derived>
[[nodiscard]] Matrix<typename Derived::Scalar> nchw_from_nhwc(const Eigen::MatrixBase<Derived>& x,
                                                              const ImageShape& image) {
  detail::require_dim("nchw_from_nhwc", "the batch", x.rows(), x.cols(), x.cols(), image.size(),
                      "h*w*c of " + shape_string(image), "columns");
  Matrix<typename Derived::Scalar> out(x.rows(), x.cols());
  for (Index c = 0; c < image.c; ++c)
    for (Index p = 0; p < image.h * image.w; ++p) out.col(c * image.h * image.w + p) = x.col(p * image.c + c);
  return out;
}

}  // namespace keisan
