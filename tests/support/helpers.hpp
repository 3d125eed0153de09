// keisan tests: seeded random matrices, a matrix comparison that prints both operands, and a
// gradcheck shortcut with the suite's tolerance (relative error <= 1e-7, double).
// SPDX-License-Identifier: MIT
#pragma once

#include <cmath>
#include <cstdint>
#include <random>
#include <sstream>
#include <string>

#include "keisan/keisan.hpp"
#include "support/catch.hpp"

namespace keisan::test {

/// Uniform in [lo, hi], from a fixed seed: the same matrix every run.
template <class Scalar = double>
Matrix<Scalar> random_matrix(Index rows, Index cols, std::uint64_t seed, double lo = -1, double hi = 1) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> dist(lo, hi);
  Matrix<Scalar> m(rows, cols);
  for (Index i = 0; i < m.size(); ++i) m.data()[i] = static_cast<Scalar>(dist(rng));
  return m;
}

/// True when every |a - b| <= atol + rtol * max(|a|, |b|) and shapes agree.
template <class A, class B>
bool all_close(const A& a, const B& b, double rtol, double atol) {
  if (a.rows() != b.rows() || a.cols() != b.cols()) return false;
  for (Index r = 0; r < a.rows(); ++r)
    for (Index c = 0; c < a.cols(); ++c) {
      const double x = static_cast<double>(a(r, c)), y = static_cast<double>(b(r, c));
      if (!(std::abs(x - y) <= atol + rtol * std::max(std::abs(x), std::abs(y)))) return false;
    }
  return true;
}

template <class A, class B>
std::string describe_pair(const A& a, const B& b) {
  std::ostringstream s;
  s.precision(12);
  s << "actual (" << a.rows() << "x" << a.cols() << "):\n"
    << a << "\nexpected (" << b.rows() << "x" << b.cols() << "):\n"
    << b;
  return s.str();
}

}  // namespace keisan::test

/// REQUIRE that two matrices agree elementwise; on failure both are printed.
#define REQUIRE_CLOSE(actual, expected, rtol, atol)                         \
  do {                                                                      \
    INFO(keisan::test::describe_pair((actual), (expected)));                \
    REQUIRE(keisan::test::all_close((actual), (expected), (rtol), (atol))); \
  } while (false)

/// REQUIRE that every node's backward rule (checked alone, against a random probe) and the
/// end-to-end gradient pass gradcheck_nodes at the suite's tolerance (relative error <= 1e-7 in
/// double); on failure the report is printed. A function, not a macro, so braced lists pass through.
namespace keisan::test {
template <class Build>
void require_gradcheck(Build&& build, const ParameterList<double>& params, const GradcheckOptions& options = {}) {
  const NodeGradcheckReport report = gradcheck_nodes<double>(build, params, options);
  INFO(report.to_string());
  REQUIRE(report.passed());
  REQUIRE(report.end_to_end.max_rel_error() <= 1e-7);
  for (const auto& node : report.nodes)
    for (const auto& input : node.inputs) REQUIRE(input.rel_error <= 1e-7);
}
}  // namespace keisan::test
#define REQUIRE_GRADCHECK(...) keisan::test::require_gradcheck(__VA_ARGS__)
