// keisan tests: PyTorch layout conversions on numbers, round trips, and the same logits from the
// same weights: a direct NCHW convolution + (c, h, w) flatten + Linear, written as PyTorch
// defines them, against keisan's NHWC conv2d + flatten + affine on the converted weights.
// SPDX-License-Identifier: MIT
#include "keisan/nn/torch_layout.hpp"

#include <cmath>

#include "support/helpers.hpp"

using keisan::Graph;
using keisan::ImageShape;
using keisan::Index;
using keisan::Matrix;
using keisan::test::random_matrix;

TEST_CASE("torch layout: conv and linear weights on numbers, both directions", "[nn]") {
  // One filter, 2 channels, a 1x2 kernel: PyTorch's [f][c][kh][kw] flattened is (c0k0, c0k1, c1k0, c1k1).
  Matrix<double> torch_w(1, 4);
  torch_w << 1, 2, 3, 4;
  Matrix<double> expected(4, 1);  // keisan rows (kh, kw, c): (k0 c0, k0 c1, k1 c0, k1 c1)
  expected << 1, 3, 2, 4;
  REQUIRE_CLOSE(keisan::conv_weight_from_torch(torch_w, 2, 1, 2), expected, 0, 0);
  REQUIRE_CLOSE(keisan::conv_weight_to_torch(expected, 2, 1, 2), torch_w, 0, 0);
  // Every element of a bigger one: W[(kh*KW + kw)*C + c][f] = torch[f][c][kh][kw].
  const Matrix<double> t = random_matrix(3, 2 * 3 * 2, 1);  // F 3, C 2, KH 3, KW 2
  const Matrix<double> w = keisan::conv_weight_from_torch(t, 2, 3, 2);
  for (Index f = 0; f < 3; ++f)
    for (Index c = 0; c < 2; ++c)
      for (Index kh = 0; kh < 3; ++kh)
        for (Index kw = 0; kw < 2; ++kw) REQUIRE(w((kh * 2 + kw) * 2 + c, f) == t(f, (c * 3 + kh) * 2 + kw));
  REQUIRE_CLOSE(keisan::conv_weight_to_torch(w, 2, 3, 2), t, 0, 0);
  // Linear: a transpose.
  Matrix<double> lin(2, 3), lin_t(3, 2);
  lin << 1, 2, 3, 4, 5, 6;
  lin_t << 1, 4, 2, 5, 3, 6;
  REQUIRE_CLOSE(keisan::affine_weight_from_torch(lin), lin_t, 0, 0);
  REQUIRE_CLOSE(keisan::affine_weight_to_torch(lin_t), lin, 0, 0);
  // After a flatten of 1x2x2 images: PyTorch's features (c, h, w) = (c0p0, c0p1, c1p0, c1p1),
  // keisan's (h, w, c) = (p0c0, p0c1, p1c0, p1c1).
  Matrix<double> after(1, 4), after_k(4, 1);
  after << 10, 20, 30, 40;
  after_k << 10, 30, 20, 40;
  REQUIRE_CLOSE(keisan::affine_after_flatten_from_torch(after, ImageShape{1, 2, 2}), after_k, 0, 0);
  REQUIRE_CLOSE(keisan::affine_after_flatten_to_torch(after_k, ImageShape{1, 2, 2}), after, 0, 0);
  Matrix<double> nchw(1, 4), nhwc(1, 4);
  nchw << 1, 2, 3, 4;
  nhwc << 1, 3, 2, 4;
  REQUIRE_CLOSE(keisan::nhwc_from_nchw(nchw, ImageShape{1, 2, 2}), nhwc, 0, 0);
  REQUIRE_CLOSE(keisan::nchw_from_nhwc(nhwc, ImageShape{1, 2, 2}), nchw, 0, 0);
}

TEST_CASE("torch layout: converted weights give PyTorch's logits (direct NCHW conv, (c,h,w) flatten)", "[nn]") {
  const Index n = 2, c = 2, h = 5, wd = 4, f = 3, kh = 3, kw = 2, stride = 2, pad = 1, classes = 4;
  const Index oh = (h + 2 * pad - kh) / stride + 1, ow = (wd + 2 * pad - kw) / stride + 1;
  const Matrix<double> x_nchw = random_matrix(n, c * h * wd, 2);
  const Matrix<double> conv_t = random_matrix(f, c * kh * kw, 3), conv_b = random_matrix(1, f, 4);
  const Matrix<double> lin_t = random_matrix(classes, f * oh * ow, 5), lin_b = random_matrix(1, classes, 6);
  // PyTorch's definitions, directly: NCHW conv2d, then Flatten over (c, h, w), then Linear.
  Matrix<double> conv_out(n, f * oh * ow);
  for (Index i = 0; i < n; ++i)
    for (Index o = 0; o < f; ++o)
      for (Index y = 0; y < oh; ++y)
        for (Index x = 0; x < ow; ++x) {
          double s = conv_b(0, o);
          for (Index ch = 0; ch < c; ++ch)
            for (Index dy = 0; dy < kh; ++dy)
              for (Index dx = 0; dx < kw; ++dx) {
                const Index iy = y * stride - pad + dy, ix = x * stride - pad + dx;
                if (iy >= 0 && iy < h && ix >= 0 && ix < wd)
                  s += x_nchw(i, (ch * h + iy) * wd + ix) * conv_t(o, (ch * kh + dy) * kw + dx);
              }
          conv_out(i, (o * oh + y) * ow + x) = s;
        }
  const Matrix<double> torch_logits = (conv_out * lin_t.transpose()).rowwise() + lin_b.row(0);
  // keisan, on the converted data and weights.
  const Matrix<double> x = keisan::nhwc_from_nchw(x_nchw, ImageShape{h, wd, c});
  const Matrix<double> w = keisan::conv_weight_from_torch(conv_t, c, kh, kw);
  const Matrix<double> lw = keisan::affine_after_flatten_from_torch(lin_t, ImageShape{oh, ow, f});
  Graph<double> g;
  auto conv = keisan::conv2d(g.input(x, {h, wd, c}), g.input(w), g.input(conv_b), {kh, kw, stride, pad});
  REQUIRE_CLOSE(conv.value(), keisan::nhwc_from_nchw(conv_out, conv.image()), 1e-12, 1e-12);
  auto logits = keisan::affine(keisan::flatten(conv), g.input(lw), g.input(lin_b));
  REQUIRE_CLOSE(logits.value(), torch_logits, 1e-12, 1e-12);
  // And back: keisan's weights convert to the ones PyTorch started from.
  REQUIRE_CLOSE(keisan::conv_weight_to_torch(w, c, kh, kw), conv_t, 0, 0);
  REQUIRE_CLOSE(keisan::affine_after_flatten_to_torch(lw, ImageShape{oh, ow, f}), lin_t, 0, 0);
}

TEST_CASE("torch layout: shapes that do not match the layout throw ShapeError", "[nn]") {
  const Matrix<double> t = random_matrix(8, 10, 7), k = random_matrix(26, 4, 8);
  REQUIRE_THROWS_MATCHES(keisan::conv_weight_from_torch(t, 1, 3, 3), keisan::ShapeError,
                         Catch::Matchers::Message("keisan::conv_weight_from_torch: the PyTorch weight is 8x10 but "
                                                  "c*kh*kw = 9 columns are needed"));
  REQUIRE_THROWS_WITH(keisan::conv_weight_to_torch(k, 3, 3, 3),
                      "keisan::conv_weight_to_torch: the keisan weight is 26x4 but kh*kw*c = 27 rows are needed");
  REQUIRE_THROWS_WITH(keisan::affine_after_flatten_from_torch(t, ImageShape{2, 2, 2}),
                      "keisan::affine_after_flatten_from_torch: the PyTorch weight is 8x10 but h*w*c of 2x2x2 = 8 "
                      "columns are needed");
  REQUIRE_THROWS_WITH(keisan::nhwc_from_nchw(t, ImageShape{3, 3, 1}),
                      "keisan::nhwc_from_nchw: the batch is 8x10 but h*w*c of 3x3x1 = 9 columns are needed");
}

TEST_CASE("torch layout: PyTorch 1.13's logits for conv-relu-maxpool-flatten-linear, from its weights", "[nn]") {
  // Reference numbers from PyTorch 1.13.1 (float64), Debian's python3-torch:
  //   x = ((arange(48) % 7) - 3.0).reshape(2, 2, 4, 3) / 4
  //   conv = Conv2d(2, 2, (3, 2), stride=1, padding=1); weight = ((arange(24) % 5) - 2.0) / 8, bias [0.5, -0.25]
  //   lin = Linear(8, 3); weight = ((arange(24) % 9) - 4.0) / 16, bias [0.1, 0.2, 0.3]
  //   logits = lin(flatten(max_pool2d(relu(conv(x)), 2), 1))
  const auto fill = [](Index rows, Index cols, int mod, double shift, double scale) {
    Matrix<double> m(rows, cols);
    for (Index i = 0; i < m.size(); ++i) m.data()[i] = (static_cast<double>(i % mod) - shift) / scale;
    return m;
  };
  const Matrix<double> x_nchw = fill(2, 24, 7, 3, 4), conv_t = fill(2, 12, 5, 2, 8), lin_t = fill(3, 8, 9, 4, 16);
  Matrix<double> conv_b(1, 2), lin_b(1, 3), expected(2, 3);
  conv_b << 0.5, -0.25;
  lin_b << 0.1, 0.2, 0.3;
  expected << -0.34140625000000002, 0.047656250000000011, 0.26093749999999999, -0.36679687500000002,
      -0.014843749999999989, 0.26679687499999999;
  const Matrix<double> x = keisan::nhwc_from_nchw(x_nchw, ImageShape{4, 3, 2});
  const Matrix<double> w = keisan::conv_weight_from_torch(conv_t, 2, 3, 2);
  const Matrix<double> lw = keisan::affine_after_flatten_from_torch(lin_t, ImageShape{2, 2, 2});
  Graph<double> g;
  auto h = keisan::max_pool2d(
      keisan::relu(keisan::conv2d(g.input(x, {4, 3, 2}), g.input(w), g.input(conv_b), {3, 2, 1, 1})), 2, 2);
  REQUIRE(h.image() == ImageShape{2, 2, 2});
  auto logits = keisan::affine(keisan::flatten(h), g.input(lw), g.input(lin_b));
  REQUIRE_CLOSE(logits.value(), expected, 1e-14, 1e-15);
}

TEST_CASE("torch layout: batch_norm matches PyTorch 1.13's BatchNorm2d, training then eval", "[nn]") {
  // Reference: the same x as above; bn = BatchNorm2d(2) (momentum 0.1, eps 1e-5), weight [2, 0.5],
  // bias [0.25, -1]; one training forward (y), then bn.eval() and the same x again (z). Printed:
  // the running statistics, and image 0's top row (channel 0's three pixels, then channel 1's).
  Matrix<double> x_nchw(2, 24);
  for (Index i = 0; i < x_nchw.size(); ++i) x_nchw.data()[i] = (static_cast<double>(i % 7) - 3) / 4;
  const Matrix<double> x = keisan::nhwc_from_nchw(x_nchw, ImageShape{4, 3, 2});
  Matrix<double> gamma(1, 2), beta(1, 2), erm(1, 2), erv(1, 2);
  gamma << 2, 0.5;
  beta << 0.25, -1;
  erm << -0.0020833333333333333, -0.0010416666666666667;
  erv << 0.92549818840579712, 0.9252604166666667;
  const double y0[] = {-2.7000879002020142,  -1.6886291915613234,  -0.67717048292063298,
                       -0.48131065192900768, -0.22725872634321553, -1.7515702798579684};
  const double z0[] = {-1.3048663834167664,  -0.78513388756715097, -0.26540139171753541,
                       -0.73955890702922744, -0.60960908933071312, -1.3893079955217993};
  Matrix<double> rm = Matrix<double>::Zero(1, 2), rv = Matrix<double>::Ones(1, 2);
  Graph<double> g;
  const Matrix<double>& y =
      keisan::batch_norm(g.input(x, {4, 3, 2}), g.input(gamma), g.input(beta), rm, rv, true, 0.1, 1e-5).value();
  REQUIRE_CLOSE(rm, erm, 1e-14, 1e-15);
  REQUIRE_CLOSE(rv, erv, 1e-14, 1e-15);
  const Matrix<double>& z =
      keisan::batch_norm(g.input(x, {4, 3, 2}), g.input(gamma), g.input(beta), rm, rv, false, 0.1, 1e-5).value();
  for (Index c = 0; c < 2; ++c)
    for (Index w = 0; w < 3; ++w) {
      INFO("channel " << c << ", pixel (0, " << w << ")");
      REQUIRE(std::abs(y(0, w * 2 + c) - y0[c * 3 + w]) < 1e-13);
      REQUIRE(std::abs(z(0, w * 2 + c) - z0[c * 3 + w]) < 1e-13);
    }
}
