// keisan check: gradcheck, backprop gradients against central differences, with a report
// that names the parameter, the element and the error.
// SPDX-License-Identifier: MIT
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdio>
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

/// What gradcheck found for one parameter.
struct GradcheckEntry {
  enum class Status { passed, failed, inconclusive };
  std::string name;
  Index rows = 0, cols = 0;
  Index checked = 0;                   ///< elements compared
  Index failures = 0;                  ///< elements outside tolerance
  Index both_zero = 0;                 ///< elements where both are 0 (within rtol * floor): no evidence either way
  Index worst_row = 0, worst_col = 0;  ///< the element with the largest relative error
  double analytic = 0, numeric = 0, abs_error = 0, rel_error = 0;
  Status status = Status::inconclusive;  ///< inconclusive: every checked element was both_zero
};

/// The whole check: one entry per parameter, plus warnings (e.g. float precision).
struct GradcheckReport {
  std::vector<GradcheckEntry> entries;
  std::vector<std::string> warnings;

  /// True when every parameter passed; a parameter whose checked gradient is all zeros is
  /// inconclusive and does not pass.
  [[nodiscard]] bool passed() const noexcept {
    return std::all_of(entries.begin(), entries.end(),
                       [](const GradcheckEntry& e) { return e.status == GradcheckEntry::Status::passed; });
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
    char line[512];
    for (const auto& w : warnings) s += "warning: " + w + "\n";
    for (const auto& e : entries) {
      const char* status = e.status == GradcheckEntry::Status::passed   ? "ok"
                           : e.status == GradcheckEntry::Status::failed ? "FAIL"
                                                                        : "INCONCLUSIVE";
      std::snprintf(line, sizeof line,
                    "%-12s %-13s %-6s worst at (%lld,%lld): analytic % .9e numeric % .9e abs %.2e rel %.2e"
                    " [%lld checked, %lld failed, %lld both zero]\n",
                    status, e.name.c_str(), shape_string(e.rows, e.cols).c_str(), static_cast<long long>(e.worst_row),
                    static_cast<long long>(e.worst_col), e.analytic, e.numeric, e.abs_error, e.rel_error,
                    static_cast<long long>(e.checked), static_cast<long long>(e.failures),
                    static_cast<long long>(e.both_zero));
      s += line;
    }
    return s;
  }
};

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
  if (!std::is_same_v<Scalar, double>) {
    if (!options.allow_float)
      throw ValueError(
          "keisan::gradcheck: refusing to check in float: its 1e-7 resolution swamps "
          "finite differences; build the model in double, or set allow_float");
    report.warnings.emplace_back("checking in float: expect relative errors near 1e-3, not 1e-7");
  }
  if (!(options.eps > 0) || !(options.rtol > 0) || !(options.floor >= 0))
    throw ValueError("keisan::gradcheck: eps and rtol must be > 0 and floor >= 0");

  Graph<Scalar> graph;
  for (const auto& np : params) np.parameter->zero_grad();
  graph.backward(build(graph));
  auto loss = forward_loss(graph, build);
  const auto eps = static_cast<Scalar>(options.eps);

  for (const auto& np : params) {
    Parameter<Scalar>& p = *np.parameter;
    const Matrix<Scalar> analytic = p.grad();
    GradcheckEntry e;
    e.name = np.name;
    e.rows = p.rows();
    e.cols = p.cols();
    const Index n = p.size();
    const Index stride =
        options.max_elements_per_parameter > 0
            ? std::max<Index>(1, (n + options.max_elements_per_parameter - 1) / options.max_elements_per_parameter)
            : 1;
    double worst = -1;
    for (Index i = 0; i < n; i += stride) {
      const double a = static_cast<double>(analytic.data()[i]);
      const double num = static_cast<double>(numerical_derivative(loss, p.value().data()[i], eps, options.stencil));
      const double abs_err = std::abs(a - num);
      const double rel_err = abs_err / std::max({std::abs(a), std::abs(num), options.floor});
      ++e.checked;
      // "Zero" within the comparison's own resolution: finite differences of a flat direction
      // still pick up rounding noise from the rest of the loss.
      const double zero = options.rtol * options.floor;
      if (std::abs(a) <= zero && std::abs(num) <= zero) ++e.both_zero;
      if (!(rel_err <= options.rtol)) ++e.failures;  // NaN fails too
      if (rel_err > worst || std::isnan(rel_err)) {
        worst = std::isnan(rel_err) ? HUGE_VAL : rel_err;
        e.worst_row = i / p.cols();
        e.worst_col = i % p.cols();
        e.analytic = a;
        e.numeric = num;
        e.abs_error = abs_err;
        e.rel_error = rel_err;
      }
    }
    e.status = e.failures > 0             ? GradcheckEntry::Status::failed
               : e.both_zero == e.checked ? GradcheckEntry::Status::inconclusive
                                          : GradcheckEntry::Status::passed;
    report.entries.push_back(std::move(e));
  }
  return report;
}

}  // namespace keisan
