// keisan ops: inverted dropout, its random mask drawn when the op is recorded and saved in the
// node (so a replay, gradcheck_nodes' included, sees the same mask).
// SPDX-License-Identifier: MIT
#pragma once

#include <cmath>
#include <string>

#include "keisan/core/error.hpp"
#include "keisan/core/graph.hpp"
#include "keisan/core/random.hpp"

namespace keisan {
namespace detail {

template <class Scalar>
void dropout_forward(Graph<Scalar>& g, Node<Scalar>& n) {
  const Matrix<Scalar>& x = *g.input(n, 0).value;
  Matrix<Scalar>& out = n.out();
  out.resize(x.rows(), x.cols());
  assign_rows(out.array(), x.array() * n.saved(0).array());
}

template <class Scalar>
void dropout_backward(Graph<Scalar>& g, Node<Scalar>& n) {
  g.input(n, 0).accumulate(n.grad().array() * n.saved(0).array());
}

}  // namespace detail

/// Inverted dropout: while `training`, each element of x is zeroed with probability `p` and the
/// others are scaled by 1 / (1 - p), so the expected value is x and evaluation needs no rescaling.
/// The mask (0 or 1/(1-p) per element) takes one draw of `rng` per element, made when the op is
/// recorded, and is saved in the node (`saved(0)`): the forward rule is a pure function of x and
/// the mask, so gradcheck_nodes replays it as drawn. When not training, or when p == 0, x itself
/// is returned (no node, no draw). The result keeps x's image shape. Throws ValueError unless
/// 0 <= p < 1.
template <class Scalar>
[[nodiscard]] Var<Scalar> dropout(const Var<Scalar>& x, double p, Rng& rng, bool training = true) {
  if (!(p >= 0 && p < 1)) throw ValueError("keisan::dropout: p must be in [0, 1), got " + std::to_string(p));
  if (!training || p == 0) return x;
  return x.graph().record("dropout", {x}, &detail::dropout_forward<Scalar>, &detail::dropout_backward<Scalar>,
                          [&](Node<Scalar>& n) {
                            Matrix<Scalar>& mask = n.saved(0);
                            mask.resize(x.rows(), x.cols());
                            const auto keep = static_cast<Scalar>(1.0 / (1.0 - p));
                            for (Index i = 0; i < mask.size(); ++i)
                              mask.data()[i] = uniform_unit(rng) < p ? Scalar(0) : keep;
                          });
}

}  // namespace keisan
