// keisan tests: batch_norm: batch statistics and the running update in training, running
// statistics in eval, per feature and per channel; gradients in both modes; bad shapes.
// SPDX-License-Identifier: MIT
#include "keisan/ops/normalization.hpp"

#include <cmath>

#include "support/helpers.hpp"

using keisan::Graph;
using keisan::ImageShape;
using keisan::Index;
using keisan::Matrix;
using keisan::Parameter;
using keisan::ParameterList;
using keisan::test::random_matrix;

TEST_CASE("batch_norm: training normalizes with the batch statistics and updates the running ones", "[ops]") {
  Matrix<double> x(4, 2), gamma(1, 2), beta(1, 2);
  x << 1, 0, 2, 0, 3, 0, 4, 4;  // column means 2.5 and 1, biased variances 1.25 and 3
  gamma << 2, 1;
  beta << 0, 10;
  Matrix<double> rm = Matrix<double>::Zero(1, 2), rv = Matrix<double>::Ones(1, 2);
  Graph<double> g;
  auto y = keisan::batch_norm(g.input(x), g.input(gamma), g.input(beta), rm, rv, true, 0.1, 1e-5);
  const double s0 = 1 / std::sqrt(1.25 + 1e-5), s1 = 1 / std::sqrt(3 + 1e-5);
  Matrix<double> e(4, 2);
  e << -3 * s0, 10 - s1, -s0, 10 - s1, s0, 10 - s1, 3 * s0, 10 + 3 * s1;
  REQUIRE_CLOSE(y.value(), e, 1e-14, 1e-14);
  Matrix<double> erm(1, 2), erv(1, 2);
  erm << 0.25, 0.1;                                          // 0.9 * 0 + 0.1 * mean
  erv << 0.9 + 0.1 * 1.25 * 4 / 3, 0.9 + 0.1 * 3.0 * 4 / 3;  // unbiased batch variance
  REQUIRE_CLOSE(rm, erm, 1e-14, 1e-14);
  REQUIRE_CLOSE(rv, erv, 1e-14, 1e-14);
}

TEST_CASE("batch_norm: eval uses the running statistics and changes nothing", "[ops]") {
  Matrix<double> x(2, 2), gamma(1, 2), beta(1, 2), rm(1, 2), rv(1, 2);
  x << 1, 2, 3, 4;
  gamma << 2, 1;
  beta << 0, 10;
  rm << 1, 2;
  rv << 4, 9;
  const Matrix<double> rm0 = rm, rv0 = rv;
  Graph<double> g;
  auto y = keisan::batch_norm(g.input(x), g.input(gamma), g.input(beta), rm, rv, false, 0.1, 1e-5);
  const double s0 = 1 / std::sqrt(4 + 1e-5), s1 = 1 / std::sqrt(9 + 1e-5);
  Matrix<double> e(2, 2);
  e << 0, 10, 2 * 2 * s0, 10 + 2 * s1;
  REQUIRE_CLOSE(y.value(), e, 1e-14, 1e-14);
  REQUIRE_CLOSE(rm, rm0, 0, 0);
  REQUIRE_CLOSE(rv, rv0, 0, 0);
}

TEST_CASE("batch_norm: on images, statistics per channel over N*H*W (the (N*H*W) x C view)", "[ops]") {
  const Matrix<double> x = random_matrix(2, 12, 1);  // two 2x3x2 images
  Matrix<double> pixels = x;
  pixels.resize(12, 2);  // the same elements, one pixel per row (row-major)
  pixels = Eigen::Map<const Matrix<double>>(x.data(), 12, 2);
  const Matrix<double> gamma = random_matrix(1, 2, 2), beta = random_matrix(1, 2, 3);
  Matrix<double> rm1 = Matrix<double>::Zero(1, 2), rv1 = Matrix<double>::Ones(1, 2);
  Matrix<double> rm2 = rm1, rv2 = rv1;
  Graph<double> g;
  auto y = keisan::batch_norm(g.input(x, {2, 3, 2}), g.input(gamma), g.input(beta), rm1, rv1, true);
  auto flat = keisan::batch_norm(g.input(pixels), g.input(gamma), g.input(beta), rm2, rv2, true);
  REQUIRE(y.image() == ImageShape{2, 3, 2});
  REQUIRE(y.rows() == 2);
  REQUIRE_CLOSE(Eigen::Map<const Matrix<double>>(y.value().data(), 12, 2), flat.value(), 1e-14, 1e-14);
  REQUIRE_CLOSE(rm1, rm2, 1e-14, 1e-14);
  REQUIRE_CLOSE(rv1, rv2, 1e-14, 1e-14);
}

TEST_CASE("batch_norm: gradients match gradcheck in training and eval, per feature and per channel", "[ops][check]") {
  Parameter<double> x2(random_matrix(5, 3, 10)), xi(random_matrix(2, 18, 11));  // xi: two 3x3x2 images
  Parameter<double> g3(random_matrix(1, 3, 12, 0.5, 1.5)), b3(random_matrix(1, 3, 13));
  Parameter<double> g2(random_matrix(1, 2, 14, 0.5, 1.5)), b2(random_matrix(1, 2, 15));
  Matrix<double> rm3 = random_matrix(1, 3, 16), rv3 = random_matrix(1, 3, 17, 0.5, 2);
  Matrix<double> rm2 = random_matrix(1, 2, 18), rv2 = random_matrix(1, 2, 19, 0.5, 2);
  for (bool training : {true, false}) {
    INFO("training " << training);
    REQUIRE_GRADCHECK(
        [&](Graph<double>& g) {
          return keisan::sum(
              keisan::tanh(keisan::batch_norm(g.param(x2), g.param(g3), g.param(b3), rm3, rv3, training)));
        },
        ParameterList<double>{{"x", &x2}, {"gamma", &g3}, {"beta", &b3}});
    REQUIRE_GRADCHECK(
        [&](Graph<double>& g) {
          auto img = keisan::as_image(g.param(xi), {3, 3, 2});
          return keisan::sum(keisan::tanh(keisan::batch_norm(img, g.param(g2), g.param(b2), rm2, rv2, training)));
        },
        ParameterList<double>{{"x", &xi}, {"gamma", &g2}, {"beta", &b2}});
  }
}

TEST_CASE("batch_norm: bad shapes and arguments throw", "[ops]") {
  Graph<double> g;
  const Matrix<double> img = random_matrix(4, 12, 30), x = random_matrix(4, 5, 31), one = random_matrix(1, 5, 32);
  const Matrix<double> g4 = random_matrix(1, 4, 33), g3 = random_matrix(1, 3, 34), g5 = random_matrix(1, 5, 35);
  Matrix<double> rm3 = Matrix<double>::Zero(1, 3), rv3 = Matrix<double>::Ones(1, 3);
  Matrix<double> rm5 = Matrix<double>::Zero(1, 5), rv4 = Matrix<double>::Ones(1, 4), rv5 = Matrix<double>::Ones(1, 5);
  REQUIRE_THROWS_MATCHES(
      keisan::batch_norm(g.input(img, {2, 2, 3}), g.input(g4), g.input(g3), rm3, rv3, true), keisan::ShapeError,
      Catch::Matchers::Message(
          "keisan::batch_norm: x is 4x2x2x3 and gamma is 1x4: gamma must be 1 x 3 (one per channel)"));
  REQUIRE_THROWS_WITH(
      keisan::batch_norm(g.input(x), g.input(g5), g.input(g5), rm5, rv4, true),
      "keisan::batch_norm: x is 4x5 and running_var is 1x4: running_var must be 1 x 5 (one per feature)");
  REQUIRE_THROWS_MATCHES(
      keisan::batch_norm(g.input(one), g.input(g5), g.input(g5), rm5, rv5, true), keisan::ValueError,
      Catch::Matchers::Message("keisan::batch_norm: training needs more than one value per channel, got 1 (x is 1x5)"));
  REQUIRE_NOTHROW(keisan::batch_norm(g.input(one), g.input(g5), g.input(g5), rm5, rv5, false));
  REQUIRE_THROWS_WITH(keisan::batch_norm(g.input(x), g.input(g5), g.input(g5), rm5, rv5, true, 0.1, 0.0),
                      "keisan::batch_norm: eps must be > 0, got 0.000000");
  REQUIRE_THROWS_WITH(keisan::batch_norm(g.input(x), g.input(g5), g.input(g5), rm5, rv5, true, 1.5, 1e-5),
                      "keisan::batch_norm: momentum must be in [0, 1], got 1.500000");
}
