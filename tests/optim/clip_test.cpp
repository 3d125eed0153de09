// keisan tests: clip_grad_norm, the global gradient norm and PyTorch's rescaling.
// SPDX-License-Identifier: MIT
#include <cmath>
#include <limits>

#include "support/helpers.hpp"

using keisan::Matrix;
using keisan::Parameter;
using keisan::ParameterList;

namespace {
Matrix<double> row(double a, double b) {
  Matrix<double> m(1, 2);
  m << a, b;
  return m;
}
}  // namespace

TEST_CASE("clip_grad_norm: returns the global norm and scales only above max_norm", "[optim]") {
  Parameter<double> a(row(0, 0)), b(row(0, 0)), idle(row(0, 0));
  ParameterList<double> params{{"a", &a}, {"b", &b}, {"idle", &idle}};
  a.mutable_grad() = row(3, 0);
  b.mutable_grad() = row(0, 4);
  // Below (and at) the bound nothing changes.
  REQUIRE(keisan::clip_grad_norm(params, 10.0) == 5.0);
  REQUIRE(keisan::clip_grad_norm(params, 5.0) == 5.0);
  REQUIRE(a.grad() == row(3, 0));
  REQUIRE(b.grad() == row(0, 4));
  // Above: every gradient times max_norm / (norm + 1e-6), PyTorch's rule.
  REQUIRE(keisan::clip_grad_norm(params, 1.0) == 5.0);
  const double scale = 1.0 / (5.0 + 1e-6);
  REQUIRE_CLOSE(a.grad(), row(3 * scale, 0), 1e-15, 0);
  REQUIRE_CLOSE(b.grad(), row(0, 4 * scale), 1e-15, 0);
  REQUIRE(std::abs(keisan::clip_grad_norm(params, 1.0) - 5.0 * scale) <= 1e-15);
  // A parameter without a gradient counts as zero and still has none afterwards (optimizers skip it).
  REQUIRE(idle.grad_is_zero());
}

TEST_CASE("clip_grad_norm: float gradients, norm accumulated in double", "[optim]") {
  Parameter<float> w(Matrix<float>::Zero(100, 100));
  w.mutable_grad().setConstant(3e18f);  // squares overflow float, not double
  const double norm = keisan::clip_grad_norm(ParameterList<float>{{"w", &w}}, 1.0);
  REQUIRE(std::abs(norm - 3e20) <= 3e20 * 1e-6);
  REQUIRE(std::abs(static_cast<double>(w.grad()(7, 9)) - 0.01) <= 1e-8);
}

TEST_CASE("clip_grad_norm: a non-finite norm is returned and nothing is scaled", "[optim]") {
  Parameter<double> a(row(0, 0)), b(row(0, 0));
  a.mutable_grad() = row(std::numeric_limits<double>::infinity(), 1);
  b.mutable_grad() = row(2, 2);
  REQUIRE(std::isinf(keisan::clip_grad_norm(ParameterList<double>{{"a", &a}, {"b", &b}}, 1.0)));
  REQUIRE(b.grad() == row(2, 2));
  a.mutable_grad()(0, 0) = std::nan("");
  REQUIRE(std::isnan(keisan::clip_grad_norm(ParameterList<double>{{"a", &a}, {"b", &b}}, 1.0)));
  REQUIRE(b.grad() == row(2, 2));
}

TEST_CASE("clip_grad_norm: bad max_norm or a null parameter is a ValueError", "[optim]") {
  Parameter<double> a(row(0, 0));
  ParameterList<double> params{{"a", &a}};
  using Catch::Matchers::Message;
  REQUIRE_THROWS_MATCHES(keisan::clip_grad_norm(params, 0.0), keisan::ValueError,
                         Message("keisan::clip_grad_norm: max_norm must be > 0 and finite, got 0.000000"));
  REQUIRE_THROWS_WITH(keisan::clip_grad_norm(params, -1.0),
                      "keisan::clip_grad_norm: max_norm must be > 0 and finite, got -1.000000");
  REQUIRE_THROWS_WITH(keisan::clip_grad_norm(params, std::numeric_limits<double>::infinity()),
                      "keisan::clip_grad_norm: max_norm must be > 0 and finite, got inf");
  REQUIRE_THROWS_WITH(keisan::clip_grad_norm(params, std::nan("")),
                      "keisan::clip_grad_norm: max_norm must be > 0 and finite, got nan");
  REQUIRE_THROWS_WITH(keisan::clip_grad_norm(ParameterList<double>{{"a", &a}, {"x", nullptr}}, 1.0),
                      "keisan::clip_grad_norm: parameter 'x' is null");
}
