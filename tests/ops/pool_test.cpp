// keisan tests: max_pool2d, avg_pool2d and global_avg_pool: forward values by hand, gradients over
// several windows, strides and paddings, bad windows.
// SPDX-License-Identifier: MIT
#include "keisan/ops/pool.hpp"

#include <cmath>
#include <limits>

#include "support/helpers.hpp"

using keisan::Graph;
using keisan::ImageShape;
using keisan::Index;
using keisan::Matrix;
using keisan::Parameter;
using keisan::ParameterList;
using keisan::Window2D;
using keisan::test::random_matrix;

TEST_CASE("Pooling: forward values against hand-computed numbers", "[ops]") {
  Graph<double> g;
  Matrix<double> x(1, 16);  // one 4x4x1 image, 1..16
  for (Index i = 0; i < 16; ++i) x(0, i) = static_cast<double>(i + 1);
  Matrix<double> e(1, 4);
  auto m = keisan::max_pool2d(g.input(x, {4, 4, 1}), 2, 2);
  e << 6, 8, 14, 16;
  REQUIRE_CLOSE(m.value(), e, 0, 0);
  REQUIRE(m.image() == ImageShape{2, 2, 1});
  auto a = keisan::avg_pool2d(g.input(x, {4, 4, 1}), 2, 2);
  e << 3.5, 5.5, 11.5, 13.5;
  REQUIRE_CLOSE(a.value(), e, 0, 1e-15);
  REQUIRE(a.image() == ImageShape{2, 2, 1});

  // Padding 1 around a 3x3 image: padding never wins a max, and counts as 0 in an average.
  Matrix<double> y(1, 9), neg(1, 9);
  y << 1, 2, 3, 4, 5, 6, 7, 8, 9;
  neg = -y;
  e << 1, 3, 7, 9;
  REQUIRE_CLOSE(keisan::max_pool2d(g.input(y, {3, 3, 1}), 2, 2, 1).value(), e, 0, 0);
  e << -1, -2, -4, -5;
  REQUIRE_CLOSE(keisan::max_pool2d(g.input(neg, {3, 3, 1}), 2, 2, 1).value(), e, 0, 0);
  e << 0.25, 1.25, 2.75, 7;
  REQUIRE_CLOSE(keisan::avg_pool2d(g.input(y, {3, 3, 1}), 2, 2, 1).value(), e, 0, 1e-15);

  // Channels pool separately: one 2x2x2 image with channels (k, -k).
  Matrix<double> c(1, 8), ec(1, 2);
  c << 1, -1, 2, -2, 3, -3, 4, -4;
  ec << 4, -1;
  REQUIRE_CLOSE(keisan::max_pool2d(g.input(c, {2, 2, 2}), 2, 2).value(), ec, 0, 0);
  ec << 2.5, -2.5;
  REQUIRE_CLOSE(keisan::avg_pool2d(g.input(c, {2, 2, 2}), 2, 2).value(), ec, 0, 1e-15);
  auto gap = keisan::global_avg_pool(g.input(c, {2, 2, 2}));
  REQUIRE_CLOSE(gap.value(), ec, 0, 1e-15);
  REQUIRE(gap.image() == ImageShape{1, 1, 2});
}

TEST_CASE("Pooling: max_pool2d sends the gradient to the argmax", "[ops]") {
  Parameter<double> p(Matrix<double>(1, 4));
  p.value() << 1, 7, 3, 5;
  Graph<double> g;
  auto pooled = keisan::max_pool2d(keisan::as_image(g.param(p), {2, 2, 1}), 2, 2);
  g.backward(keisan::sum(pooled));
  Matrix<double> e(1, 4);
  e << 0, 1, 0, 0;
  REQUIRE_CLOSE(p.grad(), e, 0, 0);
}

TEST_CASE("Pooling: max_pool2d per channel: ties go to the first pixel, a NaN anywhere in a window wins", "[ops]") {
  // One 2x2x2 image, pixels in row-major order, channels interleaved (NHWC): channel 0 holds
  // 1, NaN, 3, 2 and channel 1 holds 4, 4, 4, 0 (a three-way tie).
  const double nan = std::numeric_limits<double>::quiet_NaN();
  Parameter<double> p(Matrix<double>(1, 8));
  p.value() << 1, 4, nan, 4, 3, 4, 2, 0;
  Graph<double> g;
  auto pooled = keisan::max_pool2d(keisan::as_image(g.param(p), {2, 2, 2}), 2, 2);
  REQUIRE(std::isnan(pooled.value()(0, 0)));  // not the 3 after it
  REQUIRE(pooled.value()(0, 1) == 4);
  g.backward(keisan::sum(pooled));
  Matrix<double> e(1, 8);
  e << 0, 1, 1, 0, 0, 0, 0, 0;  // channel 0's NaN (pixel 1), channel 1's first 4 (pixel 0)
  REQUIRE_CLOSE(p.grad(), e, 0, 0);
  // A NaN in the window's first pixel stays too.
  p.value() << nan, 0, 1, 0, 3, 0, 2, 0;
  g.clear();
  REQUIRE(std::isnan(keisan::max_pool2d(keisan::as_image(g.param(p), {2, 2, 2}), 2, 2).value()(0, 0)));
}

TEST_CASE("Pooling: gradients match gradcheck over windows, strides and paddings", "[ops][check]") {
  struct Case {
    Index n, h, w, c;
    Window2D window;
  };
  const Case cases[] = {
      {2, 4, 4, 2, {2, 2, 2, 0}},  // non-overlapping
      {1, 5, 5, 2, {3, 3, 2, 1}},  // overlapping, padded
      {2, 3, 4, 1, {2, 2, 1, 0}},  // stride 1
      {1, 5, 4, 3, {3, 2, 2, 1}},  // rectangular window
  };
  std::uint64_t seed = 50;
  for (const Case& k : cases) {
    INFO("case " << k.n << "x" << k.h << "x" << k.w << "x" << k.c << ", " << keisan::describe(k.window));
    Parameter<double> x(random_matrix(k.n, k.h * k.w * k.c, seed++));
    const ImageShape shape{k.h, k.w, k.c};
    const ParameterList<double> params{{"x", &x}};
    REQUIRE_GRADCHECK(
        [&](Graph<double>& g) {
          return keisan::sum(keisan::tanh(keisan::max_pool2d(keisan::as_image(g.param(x), shape), k.window)));
        },
        params);
    REQUIRE_GRADCHECK(
        [&](Graph<double>& g) {
          return keisan::sum(keisan::tanh(keisan::avg_pool2d(keisan::as_image(g.param(x), shape), k.window)));
        },
        params);
    REQUIRE_GRADCHECK(
        [&](Graph<double>& g) {
          return keisan::sum(keisan::tanh(keisan::global_avg_pool(keisan::as_image(g.param(x), shape))));
        },
        params);
  }
}

TEST_CASE("Pooling: bad windows and non-images throw", "[ops]") {
  Graph<double> g;
  const Matrix<double> x = random_matrix(2, 75, 60);
  REQUIRE_THROWS_MATCHES(keisan::max_pool2d(g.input(x, {5, 5, 3}), 2, 2, 2), keisan::ValueError,
                         Catch::Matchers::Message("keisan::max_pool2d: 2x2 window, stride 2, padding 2: padding must "
                                                  "be at most half the window"));
  REQUIRE_THROWS_WITH(keisan::avg_pool2d(g.input(x, {5, 5, 3}), 0, 1),
                      "keisan::avg_pool2d: 0x0 window, stride 1, padding 0: kernel sizes and stride must be >= 1, "
                      "padding >= 0");
  REQUIRE_THROWS_WITH(keisan::max_pool2d(g.input(x, {5, 5, 3}), 6, 1),
                      "keisan::max_pool2d: x is 2x5x5x3: the 6x6 window, stride 1, padding 0 does not fit (the output "
                      "would be empty)");
  REQUIRE_THROWS_MATCHES(keisan::global_avg_pool(g.input(x)), keisan::ShapeError,
                         Catch::Matchers::Message("keisan::global_avg_pool: x is 2x75 and carries no image shape "
                                                  "(record images with g.input(data, {h, w, c}) or as_image())"));
}
