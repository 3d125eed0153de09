// keisan check: gradcheck, backprop gradients against central differences, with a report
// that names the parameter, the element and the error; kinks (ReLU at 0) are told apart from
// wrong gradients. The per-element comparison here is shared with gradcheck_nodes.
// SPDX-License-Identifier: MIT
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <string>
#include <type_traits>
#include <vector>

#include "keisan/check/numerical_gradient.hpp"
#include "keisan/core/graph.hpp"
#include "keisan/core/parameter.hpp"

namespace keisan {

/// How gradcheck compares. Each element's relative error is
/// |analytic - numeric| / max(|analytic|, |numeric|, floor), and it passes when that is <= rtol.
/// The floor keeps elements that are 0 up to rounding from counting as 100% wrong.
/// The default five-point stencil with h = 1e-4 is accurate to ~1e-12 in double, so rtol = 1e-7
/// leaves room for the loss's own rounding without hiding real errors (a wrong rule is off by >1e-3).
struct GradcheckOptions {
  double eps = 1e-4;                      ///< finite-difference step h
  double rtol = 1e-7;                     ///< largest relative error that passes
  double floor = 1e-4;                    ///< magnitudes below this count as this
  Stencil stencil = Stencil::five_point;  ///< see Stencil
  Index max_elements_per_parameter = 0;   ///< 0: all; else an evenly strided subset
  bool allow_float = false;               ///< float is refused unless set (then a warning)
};

/// What gradcheck found for one parameter (or, in gradcheck_nodes, one input of a node).
struct GradcheckEntry {
  /// passed; failed; inconclusive: every checked element was both_zero; nondifferentiable: no
  /// failure, but some elements sit on (or within the stencil of) a kink (see `kinks`).
  enum class Status { passed, failed, inconclusive, nondifferentiable };
  std::string name;
  Index rows = 0, cols = 0;
  Index checked = 0;    ///< elements compared
  Index failures = 0;   ///< elements outside tolerance, kinks excluded
  Index both_zero = 0;  ///< elements where both are 0 (within rtol * floor): no evidence either way
  /// Elements where the function is not differentiable within the stencil's reach (ReLU at 0):
  /// the one-sided slopes differ and the analytic value is one of them or between them. Not
  /// failures: no single derivative exists there for finite differences to confirm.
  Index kinks = 0;
  Index worst_row = 0, worst_col = 0;  ///< the element with the largest relative error (kinks excluded)
  double analytic = 0, numeric = 0, abs_error = 0, rel_error = 0;
  Status status = Status::inconclusive;
};

/// The whole check: one entry per parameter, plus warnings (e.g. float precision).
struct GradcheckReport {
  std::vector<GradcheckEntry> entries;
  std::vector<std::string> warnings;

  /// True when every parameter passed (kinks flagged but no failure counts as passed); a
  /// parameter whose checked gradient is all zeros is inconclusive and does not pass.
  [[nodiscard]] bool passed() const noexcept {
    return std::all_of(entries.begin(), entries.end(), [](const GradcheckEntry& e) {
      return e.status == GradcheckEntry::Status::passed || e.status == GradcheckEntry::Status::nondifferentiable;
    });
  }

  /// The worst relative error over all parameters.
  [[nodiscard]] double max_rel_error() const noexcept {
    double m = 0;
    for (const auto& e : entries) m = std::max(m, e.rel_error);
    return m;
  }

  /// Human-readable table: one line per parameter.
  [[nodiscard]] std::string to_string() const {
    std::string s;
    for (const auto& w : warnings) s += "warning: " + w + "\n";
    for (const auto& e : entries) s += line(e) + "\n";
    return s;
  }

  /// One entry as a line: status, name, shape, the worst element and the counts.
  [[nodiscard]] static std::string line(const GradcheckEntry& e) {
    static constexpr const char* names[] = {"ok", "FAIL", "INCONCLUSIVE", "KINK"};
    char buf[512];
    std::snprintf(buf, sizeof buf,
                  "%-12s %-13s %-6s worst at (%lld,%lld): analytic % .9e numeric % .9e abs %.2e rel %.2e"
                  " [%lld checked, %lld failed, %lld both zero, %lld at kinks]",
                  names[static_cast<int>(e.status)], e.name.c_str(), shape_string(e.rows, e.cols).c_str(),
                  static_cast<long long>(e.worst_row), static_cast<long long>(e.worst_col), e.analytic, e.numeric,
                  e.abs_error, e.rel_error, static_cast<long long>(e.checked), static_cast<long long>(e.failures),
                  static_cast<long long>(e.both_zero), static_cast<long long>(e.kinks));
    return buf;
  }
};

namespace detail {

/// Refuses float unless allowed (then warns), and nonsense tolerances.
template <class Scalar>
void check_gradcheck_options(const char* who, const GradcheckOptions& options, std::vector<std::string>& warnings) {
  if (!std::is_same_v<Scalar, double>) {
    if (!options.allow_float)
      throw ValueError(std::string("keisan::") + who +
                       ": refusing to check in float: its 1e-7 resolution swamps "
                       "finite differences; build the model in double, or set allow_float");
    warnings.emplace_back("checking in float: expect relative errors near 1e-3, not 1e-7");
  }
  if (!(options.eps > 0) || !(options.rtol > 0) || !(options.floor >= 0))
    throw ValueError(std::string("keisan::") + who + ": eps and rtol must be > 0 and floor >= 0");
}

/// Whether f has a kink within the stencil's reach of x (x restored on return), with `analytic`
/// a one-sided slope there or between the two: the slopes just left and right of x (step eps/1000)
/// bracket it, and either they differ or the slopes over [x-2eps, x] and [x, x+2eps] do.
/// A smooth f gives equal slopes up to O(eps f''); a kink gives a jump that does not shrink.
template <class Scalar, class F>
bool at_kink(F& f, Scalar& x, double analytic, const GradcheckOptions& o) {
  const Scalar old = x;
  const auto at = [&](double offset) {
    x = static_cast<Scalar>(static_cast<double>(old) + offset);
    return static_cast<double>(f());
  };
  const double h = o.eps * 1e-3, wide = 2 * o.eps;
  const double f0 = at(0);
  const double right = (at(h) - f0) / h, left = (f0 - at(-h)) / h;
  const double wide_right = (at(wide) - f0) / wide, wide_left = (f0 - at(-wide)) / wide;
  x = old;
  const double scale = std::max({std::abs(analytic), std::abs(left), std::abs(right), o.floor});
  const double slack = 1e-4 * scale;
  const bool bracketed = analytic >= std::min(left, right) - slack && analytic <= std::max(left, right) + slack;
  const bool jump = std::abs(right - left) > 1e-3 * scale || std::abs(wide_right - wide_left) > 1e-3 * scale;
  return bracketed && jump;
}

/// Compares `analytic` with the finite difference of f in x and tallies the element into `e`.
template <class Scalar, class F>
void check_element(F& f, Scalar& x, double analytic, Index row, Index col, const GradcheckOptions& o, GradcheckEntry& e,
                   double& worst) {
  const auto compare = [&](double step, double& num, double& abs_err, double& rel_err) {
    num = static_cast<double>(numerical_derivative(f, x, static_cast<Scalar>(step), o.stencil));
    abs_err = std::abs(analytic - num);
    rel_err = abs_err / std::max({std::abs(analytic), std::abs(num), o.floor});
  };
  double num = 0, abs_err = 0, rel_err = 0;
  compare(o.eps, num, abs_err, rel_err);
  // Near a singularity (log(p + 1e-7) at p = 1e-5) a step of eps reaches across it. Where x is
  // small against eps, retry with a step relative to x: a right rule then agrees, a wrong one
  // still cannot (the smaller step only makes the finite difference more exact).
  const double ax = std::abs(static_cast<double>(x));
  if (!(rel_err <= o.rtol) && ax * 1e-2 < o.eps) {
    double num2 = 0, abs2 = 0, rel2 = 0;
    compare(std::max(ax * 1e-2, o.eps * 1e-6), num2, abs2, rel2);
    if (rel2 <= o.rtol) num = num2, abs_err = abs2, rel_err = rel2;
  }
  // An error below the finite difference's own rounding (|f| ulp / h, times the stencil's
  // weights and a margin) is no evidence: a large loss (log of a small p) makes it visible.
  if (!(rel_err <= o.rtol) && std::isfinite(abs_err)) {
    const double f0 = std::abs(static_cast<double>(f()));
    const double noise = 64 * f0 * static_cast<double>(std::numeric_limits<Scalar>::epsilon()) / o.eps;
    if (abs_err <= noise) rel_err = 0;
  }
  ++e.checked;
  // "Zero" within the comparison's own resolution: finite differences of a flat direction
  // still pick up rounding noise from the rest of the loss.
  const double zero = o.rtol * o.floor;
  if (std::abs(analytic) <= zero && std::abs(num) <= zero) ++e.both_zero;
  if (!(rel_err <= o.rtol)) {  // NaN fails too
    if (std::isfinite(rel_err) && at_kink(f, x, analytic, o)) {
      ++e.kinks;
      return;
    }
    ++e.failures;
  }
  if (rel_err > worst || std::isnan(rel_err)) {
    worst = std::isnan(rel_err) ? HUGE_VAL : rel_err;
    e.worst_row = row;
    e.worst_col = col;
    e.analytic = analytic;
    e.numeric = num;
    e.abs_error = abs_err;
    e.rel_error = rel_err;
  }
}

/// Checks every element (or an evenly strided subset) of `value` against `analytic`, f being the
/// scalar function of `value` whose gradient `analytic` claims to be.
template <class Scalar, class F>
GradcheckEntry check_matrix(std::string name, F& f, Matrix<Scalar>& value, const Matrix<Scalar>& analytic,
                            const GradcheckOptions& o) {
  GradcheckEntry e;
  e.name = std::move(name);
  e.rows = value.rows();
  e.cols = value.cols();
  const Index n = value.size();
  const Index cap = o.max_elements_per_parameter;
  const Index stride = cap > 0 ? std::max<Index>(1, (n + cap - 1) / cap) : 1;
  double worst = -1;
  for (Index i = 0; i < n; i += stride)
    check_element(f, value.data()[i], static_cast<double>(analytic.data()[i]), i / e.cols, i % e.cols, o, e, worst);
  e.status = e.failures > 0             ? GradcheckEntry::Status::failed
             : e.kinks > 0              ? GradcheckEntry::Status::nondifferentiable
             : e.both_zero == e.checked ? GradcheckEntry::Status::inconclusive
                                        : GradcheckEntry::Status::passed;
  return e;
}

}  // namespace detail

/// Checks the backprop gradient of the loss that `build(graph)` records (a 1x1 Var) with respect
/// to every parameter in `params`, against finite differences of the same function.
/// `build` must be deterministic (it is called once with gradients, then twice per element).
/// Parameter gradients are overwritten. Throws ValueError for float unless `allow_float`.
/// @code
/// auto report = keisan::gradcheck<double>([&](keisan::Graph<double>& g) { return net.loss(g, x, y); },
///                                         net.parameters());
/// REQUIRE(report.passed());
/// @endcode
template <class Scalar, class Build>
[[nodiscard]] GradcheckReport gradcheck(Build&& build, const ParameterList<Scalar>& params,
                                        const GradcheckOptions& options = {}) {
  GradcheckReport report;
  detail::check_gradcheck_options<Scalar>("gradcheck", options, report.warnings);
  Graph<Scalar> graph;
  for (const auto& np : params) np.parameter->zero_grad();
  graph.backward(build(graph));
  auto loss = forward_loss(graph, build);
  for (const auto& np : params) {
    const Matrix<Scalar> analytic = np.parameter->grad();
    report.entries.push_back(detail::check_matrix(np.name, loss, np.parameter->value(), analytic, options));
  }
  return report;
}

}  // namespace keisan
