// keisan optim: clip_grad_norm, rescaling all gradients together so their global L2 norm stays
// under a bound (PyTorch's torch.nn.utils.clip_grad_norm_).
// SPDX-License-Identifier: MIT
#pragma once

#include <cmath>
#include <string>

#include "keisan/core/error.hpp"
#include "keisan/core/parameter.hpp"

namespace keisan {

/// Computes the L2 norm of all gradients of `params` taken together (as if concatenated into one
/// vector, accumulated in double) and, when it exceeds `max_norm`, scales every gradient by
/// max_norm / (norm + 1e-6). Returns the norm before clipping. Call it between `backward()` and
/// the optimizer's `step()`.
///
/// Parameters no backward pass wrote since `zero_grad()` count as zero and stay untouched (so an
/// optimizer still sees them as without a gradient). A non-finite norm (a NaN or infinity in some
/// gradient) is returned and nothing is scaled: check the result, or find the source with
/// `AnomalyScope`. Allocates nothing.
///
/// Throws ValueError when `max_norm` is not > 0 and finite, or a parameter is null.
///
/// @code
/// g.backward(loss);
/// const double norm = keisan::clip_grad_norm(net.parameters(), 1.0);
/// opt.step();
/// @endcode
template <class Scalar>
double clip_grad_norm(const ParameterList<Scalar>& params, double max_norm) {
  if (!(max_norm > 0) || !std::isfinite(max_norm))
    throw ValueError("keisan::clip_grad_norm: max_norm must be > 0 and finite, got " + std::to_string(max_norm));
  double sum_sq = 0;
  for (const auto& p : params) {
    if (p.parameter == nullptr) throw ValueError("keisan::clip_grad_norm: parameter '" + p.name + "' is null");
    if (!p.parameter->grad_is_zero()) sum_sq += p.parameter->grad().template cast<double>().squaredNorm();
  }
  const double norm = std::sqrt(sum_sq);
  if (!std::isfinite(norm) || norm <= max_norm) return norm;
  const auto scale = static_cast<Scalar>(max_norm / (norm + 1e-6));
  for (const auto& p : params)
    if (!p.parameter->grad_is_zero()) p.parameter->mutable_grad() *= scale;
  return norm;
}

}  // namespace keisan
