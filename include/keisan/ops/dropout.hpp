// keisan ops: dropout (inverted, or the book's scaling at evaluation), its random mask drawn when
// the op is recorded and saved in the node (so a replay, gradcheck_nodes' included, sees the same
// mask).
// SPDX-License-Identifier: MIT
#pragma once

#include <cmath>
#include <string>

#include "keisan/core/error.hpp"
#include "keisan/core/graph.hpp"
#include "keisan/core/random.hpp"
#include "keisan/ops/arithmetic.hpp"

namespace keisan {

/// Where dropout keeps the expected value of its output equal to x.
enum class DropoutScaling {
  /// While training, kept elements are scaled by 1 / (1 - p); evaluation is the identity (PyTorch's
  /// and most frameworks' choice).
  inverted,
  /// While training, kept elements pass unchanged; evaluation scales x by 1 - p (the original paper's
  /// formulation, and *Deep Learning from Scratch*'s Dropout layer).
  at_eval,
};

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

/// Dropout: while `training`, each element of x is zeroed with probability `p`. With
/// DropoutScaling::inverted (the default) the others are scaled by 1 / (1 - p), so the expected
/// value is x and evaluation is the identity; with DropoutScaling::at_eval they pass unchanged and
/// evaluation returns (1 - p) * x instead (a scale_shift node), as the book's Dropout does. The two
/// describe the same functions (the next layer's weights differ by the factor 1 / (1 - p)), but a
/// gradient-based optimizer sees different parameter scales, so they train differently.
///
/// The mask (0, or the kept elements' factor, per element) takes one draw of `rng` per element,
/// made when the op is recorded, and is saved in the node (`saved(0)`): the forward rule is a pure
/// function of x and the mask, so gradcheck_nodes replays it as drawn. When p == 0, or when not
/// training with inverted scaling, x itself is returned (no node, no draw). The result keeps x's
/// image shape. Throws ValueError unless 0 <= p < 1.
template <class Scalar>
[[nodiscard]] Var<Scalar> dropout(const Var<Scalar>& x, double p, Rng& rng, bool training = true,
                                  DropoutScaling scaling = DropoutScaling::inverted) {
  if (!(p >= 0 && p < 1)) throw ValueError("keisan::dropout: p must be in [0, 1), got " + std::to_string(p));
  if (p == 0) return x;
  if (!training)
    return scaling == DropoutScaling::inverted ? x : scale_shift(x, static_cast<Scalar>(1.0 - p), Scalar(0));
  return x.graph().record(
      "dropout", {x}, &detail::dropout_forward<Scalar>, &detail::dropout_backward<Scalar>, [&](Node<Scalar>& n) {
        Matrix<Scalar>& mask = n.saved(0);
        mask.resize(x.rows(), x.cols());
        const auto keep = static_cast<Scalar>(scaling == DropoutScaling::inverted ? 1.0 / (1.0 - p) : 1.0);
        for (Index i = 0; i < mask.size(); ++i) mask.data()[i] = uniform_unit(rng) < p ? Scalar(0) : keep;
      });
}

}  // namespace keisan
