// keisan tests: image batches on the tape (input with an image shape, as_image, flatten) and
// conv2d: forward values by hand, gradients over several strides, paddings and sizes, bad shapes.
// SPDX-License-Identifier: MIT
#include "support/helpers.hpp"

using keisan::Graph;
using keisan::ImageShape;
using keisan::Index;
using keisan::Matrix;
using keisan::Parameter;
using keisan::ParameterList;
using keisan::Window2D;
using keisan::test::random_matrix;

TEST_CASE("Images: input carries its shape, elementwise ops keep it, flatten drops it without a copy", "[ops]") {
  const Matrix<double> x = random_matrix(3, 12, 1);
  Graph<double> g;
  auto v = g.input(x, {2, 3, 2});
  REQUIRE(v.is_image());
  REQUIRE(v.image() == ImageShape{2, 3, 2});
  auto r = keisan::relu(v);
  REQUIRE(r.image() == ImageShape{2, 3, 2});
  auto s = keisan::sum(r);
  REQUIRE_FALSE(s.is_image());
  auto f = keisan::flatten(r);
  REQUIRE_FALSE(f.is_image());
  REQUIRE(f.value().data() == r.value().data());  // the same matrix, not a copy
  REQUIRE(f.rows() == 3);
  REQUIRE(f.cols() == 12);
  auto back = keisan::as_image(f, {3, 2, 2});
  REQUIRE(back.image() == ImageShape{3, 2, 2});
  REQUIRE(back.value().data() == r.value().data());
  REQUIRE_FALSE(g.input(x).is_image());
  REQUIRE(g.constant(x, {1, 1, 12}).image() == ImageShape{1, 1, 12});
  REQUIRE(keisan::shape_string(100, ImageShape{28, 28, 1}) == "100x28x28x1");
}

TEST_CASE("Images: gradients flow through flatten and as_image into the input's gradient", "[ops][check]") {
  Parameter<double> x(random_matrix(2, 12, 2));
  REQUIRE_GRADCHECK(
      [&](Graph<double>& g) {
        auto img = keisan::as_image(g.param(x), {2, 3, 2});
        auto h = keisan::tanh(img);
        return keisan::sum(keisan::flatten(h) * keisan::flatten(h)) + keisan::sum(img);
      },
      ParameterList<double>{{"x", &x}});
  // In a no-grad scope the views need no gradient either.
  Graph<double> g;
  keisan::NoGradScope guard(g);
  REQUIRE_FALSE(keisan::flatten(keisan::as_image(g.param(x), {2, 3, 2})).requires_grad());
}

TEST_CASE("Images: a bad image shape is a ShapeError naming the data and the shape", "[ops]") {
  const Matrix<double> x = random_matrix(100, 785, 3);
  Graph<double> g;
  REQUIRE_THROWS_MATCHES(g.input(x, {28, 28, 1}), keisan::ShapeError,
                         Catch::Matchers::Message("keisan::Graph::input: the data is 100x785 but images of 28x28x1 "
                                                  "need 784 columns (h*w*c)"));
  REQUIRE_THROWS_WITH(g.input(x, {0, 28, 1}), "keisan::Graph::input: image shape 0x28x1: every size must be positive");
  REQUIRE_THROWS_WITH(g.constant(x, {28, 28, 1}),
                      "keisan::Graph::constant: the data is 100x785 but images of 28x28x1 need 784 columns (h*w*c)");
  REQUIRE_THROWS_WITH(keisan::as_image(g.input(x), {28, 28, 1}),
                      "keisan::as_image: x is 100x785 and cannot hold images of 28x28x1 (needs h*w*c = x.cols, every "
                      "size positive)");
}

TEST_CASE("conv2d: forward values against hand-computed numbers", "[ops]") {
  Graph<double> g;
  Matrix<double> x(1, 9), w(4, 1), b(1, 1);
  x << 1, 2, 3, 4, 5, 6, 7, 8, 9;  // one 3x3x1 image
  w << 1, 0, 0, 1;                 // 2x2 kernel: top-left + bottom-right
  b << 10;
  auto y = keisan::conv2d(g.input(x, {3, 3, 1}), g.input(w), g.input(b), {2, 2});
  Matrix<double> expected(1, 4);
  expected << 16, 18, 22, 24;
  REQUIRE_CLOSE(y.value(), expected, 0, 0);
  REQUIRE(y.image() == ImageShape{2, 2, 1});

  // Stride 2, padding 1: the windows start at (-1, -1); padding reads as 0.
  auto z = keisan::conv2d(g.input(x, {3, 3, 1}), g.input(w), g.input(b), {2, 2, 2, 1});
  expected << 11, 13, 17, 24;
  REQUIRE_CLOSE(z.value(), expected, 0, 0);
  REQUIRE(z.image() == ImageShape{2, 2, 1});

  // Channels and filters: two 1x2x2 images, a 1x1 kernel with 3 filters (c0, c1, c0 + c1).
  Matrix<double> xc(2, 4), wc(2, 3), bc(1, 3);
  xc << 1, 2, 3, 4, 5, 6, 7, 8;
  wc << 1, 0, 1, 0, 1, 1;
  bc << 0, 0, 100;
  auto yc = keisan::conv2d(g.input(xc, {1, 2, 2}), g.input(wc), g.input(bc), {1, 1});
  Matrix<double> ec(2, 6);
  ec << 1, 2, 103, 3, 4, 107, 5, 6, 111, 7, 8, 115;
  REQUIRE_CLOSE(yc.value(), ec, 0, 0);
  REQUIRE(yc.image() == ImageShape{1, 2, 3});
}

TEST_CASE("conv2d: gradients match gradcheck over strides, paddings and sizes", "[ops][check]") {
  struct Case {
    Index n, h, w, c, f;
    Window2D window;
  };
  const Case cases[] = {
      {2, 5, 5, 2, 3, {3, 3, 1, 0}},    // valid
      {2, 5, 4, 2, 2, {3, 2, 2, 1}},    // stride 2, padding 1, a rectangular kernel
      {1, 4, 4, 1, 2, {2, 2, 2, 0}},    // non-overlapping windows
      {2, 3, 3, 3, 2, {1, 1, 1, 0}},    // a 1x1 kernel
      {1, 6, 5, 2, 2, {3, 3, 2, 1}},    // stride 2 over an odd width
      {2, 2, 2, 1, 2, {3, 3, 1, 1}},    // a kernel larger than the image
      {1, 3, 3, 2, 2, {1, 1, 1, 2}},    // padding wider than the kernel: border windows all padding
      {1, 3, 4, 1, 2, {2, 2, 3, 2}},    // stride 3 over padding 2
      {2, 4, 5, 1, 21, {3, 3, 1, 1}},   // more filters than one block of the direct kernels
      {1, 5, 5, 1, 16, {5, 5, 1, 2}},   // one whole block, a 5x5 kernel
      {1, 9, 11, 1, 18, {3, 3, 2, 1}},  // stride 2 through the 4-pixel kernel (OW = 6), F > 16
      {1, 7, 14, 2, 3, {2, 2, 3, 2}},   // stride 3, padding 2, two channels, OW = 6
      {2, 4, 9, 1, 32, {3, 3, 1, 1}},   // two whole blocks of filters
      // Window rows of 16 values or more: im2col + GEMM (the cases above run the direct kernels)
      {2, 4, 4, 6, 2, {3, 3, 1, 1}},   // padding 1
      {1, 5, 4, 8, 3, {2, 2, 2, 1}},   // stride 2, padding 1
      {1, 3, 3, 16, 2, {1, 1, 1, 0}},  // a 1x1 kernel over 16 channels
  };
  std::uint64_t seed = 10;
  int layouts[2] = {0, 0};
  for (const Case& k : cases) {
    INFO("case " << k.n << "x" << k.h << "x" << k.w << "x" << k.c << " -> " << k.f << ", "
                 << keisan::describe(k.window));
    Parameter<double> x(random_matrix(k.n, k.h * k.w * k.c, seed++));
    Parameter<double> w(random_matrix(k.window.kh * k.window.kw * k.c, k.f, seed++));
    Parameter<double> b(random_matrix(1, k.f, seed++));
    const ImageShape shape{k.h, k.w, k.c};
    {  // values: a direct loop over the padded image
      Graph<double> g;
      const auto conv = keisan::conv2d(g.input(x.value(), shape), w, b, k.window);
      // which path the library took (the cases are chosen to run both)
      ++layouts[keisan::detail::ConvChunks(keisan::detail::WindowGeometry::load(conv.node().ints)).direct ? 1 : 0];
      const Matrix<double>& y = conv.value();
      const Index oh = (k.h + 2 * k.window.pad - k.window.kh) / k.window.stride + 1;
      const Index ow = (k.w + 2 * k.window.pad - k.window.kw) / k.window.stride + 1;
      REQUIRE(y.rows() == k.n);
      REQUIRE(y.cols() == oh * ow * k.f);
      for (Index i = 0; i < k.n; ++i)
        for (Index r = 0; r < oh; ++r)
          for (Index q = 0; q < ow; ++q)
            for (Index f = 0; f < k.f; ++f) {
              double expected = b.value()(0, f);
              for (Index u = 0; u < k.window.kh; ++u)
                for (Index v = 0; v < k.window.kw; ++v) {
                  const Index ih = r * k.window.stride - k.window.pad + u, iw = q * k.window.stride - k.window.pad + v;
                  if (ih < 0 || ih >= k.h || iw < 0 || iw >= k.w) continue;
                  for (Index ch = 0; ch < k.c; ++ch)
                    expected +=
                        x.value()(i, (ih * k.w + iw) * k.c + ch) * w.value()((u * k.window.kw + v) * k.c + ch, f);
                }
              REQUIRE(y(i, (r * ow + q) * k.f + f) == Approx(expected).epsilon(1e-12));
            }
    }
    REQUIRE_GRADCHECK(
        [&](Graph<double>& g) {
          return keisan::sum(keisan::tanh(keisan::conv2d(keisan::as_image(g.param(x), shape), w, b, k.window)));
        },
        ParameterList<double>{{"x", &x}, {"W", &w}, {"b", &b}});
    // x as data: no dx (the network's input), W and b still right.
    const Matrix<double> data = x.value();
    REQUIRE_GRADCHECK(
        [&](Graph<double>& g) {
          return keisan::sum(keisan::tanh(keisan::conv2d(g.input(data, shape), w, b, k.window)));
        },
        ParameterList<double>{{"W", &w}, {"b", &b}});
    // Frozen weights: dx and db alone.
    REQUIRE_GRADCHECK(
        [&](Graph<double>& g) {
          return keisan::sum(keisan::tanh(
              keisan::conv2d(keisan::as_image(g.param(x), shape), g.constant(w.value()), g.param(b), k.window)));
        },
        ParameterList<double>{{"x", &x}, {"b", &b}});
  }
  REQUIRE(layouts[0] == 3);  // both of conv2d's paths checked
  REQUIRE(layouts[1] == 13);
}

TEST_CASE("conv2d: a batch run in chunks and groups gives a direct loop's values and gradients", "[ops]") {
  // 37 images of 28x26xC under a 3x3 kernel, in 16 groups whose weight and bias gradients are
  // summed separately. C = 4: 26,208 im2col elements an image, two images a chunk, 19 chunks, the
  // direct kernels (window rows of 12 values); C = 6: 39,312, one image a chunk, rows of 18.
  const Index n = 37, h = 28, w = 26, f = 5, k = 3;
  const Index c = GENERATE(4, 6);
  INFO("C = " << c);
  const Window2D window{k, k, 1, 1};
  Parameter<double> x(random_matrix(n, h * w * c, 30));
  Parameter<double> wp(random_matrix(k * k * c, f, 31));
  Parameter<double> bp(random_matrix(1, f, 32));
  Graph<double> g;
  auto y = keisan::conv2d(keisan::as_image(g.param(x), {h, w, c}), wp, bp, window);
  const keisan::detail::ConvChunks chunks(keisan::detail::WindowGeometry::load(y.node().ints));
  REQUIRE(chunks.images == (c == 4 ? 2 : 1));
  REQUIRE(chunks.count == (c == 4 ? 19 : 37));
  REQUIRE(chunks.groups == 16);
  REQUIRE(chunks.direct == (c == 4));
  const Matrix<double> seed = random_matrix(n, h * w * f, 33);
  g.backward(y, seed);
  Matrix<double> out = Matrix<double>::Zero(n, h * w * f), dx = Matrix<double>::Zero(n, h * w * c),
                 dw = Matrix<double>::Zero(k * k * c, f), db = Matrix<double>::Zero(1, f);
  for (Index i = 0; i < n; ++i)
    for (Index r = 0; r < h; ++r)
      for (Index q = 0; q < w; ++q)
        for (Index o = 0; o < f; ++o) {
          const Index at = (r * w + q) * f + o;
          double sum = bp.value()(0, o);
          db(0, o) += seed(i, at);
          for (Index u = 0; u < k; ++u)
            for (Index v = 0; v < k; ++v) {
              const Index ih = r - 1 + u, iw = q - 1 + v;
              if (ih < 0 || ih >= h || iw < 0 || iw >= w) continue;
              for (Index ch = 0; ch < c; ++ch) {
                const Index xi = (ih * w + iw) * c + ch, wi = (u * k + v) * c + ch;
                sum += x.value()(i, xi) * wp.value()(wi, o);
                dx(i, xi) += seed(i, at) * wp.value()(wi, o);
                dw(wi, o) += seed(i, at) * x.value()(i, xi);
              }
            }
          out(i, at) = sum;
        }
  REQUIRE_CLOSE(y.value(), out, 1e-12, 1e-12);
  REQUIRE_CLOSE(x.grad(), dx, 1e-12, 1e-12);
  REQUIRE_CLOSE(wp.grad(), dw, 1e-12, 1e-12);
  REQUIRE_CLOSE(bp.grad(), db, 1e-12, 1e-12);
  // An empty batch: an empty output and zero gradients.
  Graph<double> e;
  const Matrix<double> none(0, h * w * c);
  wp.zero_grad();
  bp.zero_grad();
  auto z = keisan::conv2d(e.input(none, {h, w, c}), wp, bp, window);
  REQUIRE(z.rows() == 0);
  e.backward(keisan::sum(z));
  REQUIRE(wp.grad().isZero(0));
  REQUIRE(bp.grad().isZero(0));
}

TEST_CASE("conv2d: bad shapes and windows throw, naming the images", "[ops]") {
  Graph<double> g;
  const Matrix<double> x = random_matrix(2, 75, 20), w = random_matrix(27, 4, 21), b = random_matrix(1, 4, 22);
  const Matrix<double> bad_w = random_matrix(26, 4, 23), bad_b = random_matrix(4, 1, 24);
  REQUIRE_THROWS_MATCHES(keisan::conv2d(g.input(x), g.input(w), g.input(b), {3, 3}), keisan::ShapeError,
                         Catch::Matchers::Message("keisan::conv2d: x is 2x75 and carries no image shape (record images "
                                                  "with g.input(data, {h, w, c}) or as_image())"));
  REQUIRE_THROWS_WITH(keisan::conv2d(g.input(x, {5, 5, 3}), g.input(bad_w), g.input(b), {3, 3}),
                      "keisan::conv2d: x is 2x5x5x3 and W is 26x4: W must be (kh*kw*c) x filters, 27 rows for a 3x3 "
                      "kernel over 3 channels");
  REQUIRE_THROWS_WITH(keisan::conv2d(g.input(x, {5, 5, 3}), g.input(w), g.input(bad_b), {3, 3}),
                      "keisan::conv2d: W is 27x4 and b is 4x1: b must be 1 x W.cols");
  REQUIRE_THROWS_MATCHES(keisan::conv2d(g.input(x, {5, 5, 3}), g.input(w), g.input(b), {3, 3, 0}), keisan::ValueError,
                         Catch::Matchers::Message("keisan::conv2d: 3x3 window, stride 0, padding 0: kernel sizes and "
                                                  "stride must be >= 1, padding >= 0"));
  const Matrix<double> small = random_matrix(2, 12, 25);
  REQUIRE_THROWS_MATCHES(keisan::conv2d(g.input(small, {2, 2, 3}), g.input(w), g.input(b), {3, 3}), keisan::ShapeError,
                         Catch::Matchers::Message("keisan::conv2d: x is 2x2x2x3: the 3x3 window, stride 1, padding 0 "
                                                  "does not fit (the output would be empty)"));
}
