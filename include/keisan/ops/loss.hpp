// keisan ops: losses, each reducing a batch to a 1x1 mean over its N rows:
// softmax_cross_entropy (fused, stable), cross_entropy (on probabilities) and mse.
// SPDX-License-Identifier: MIT
#pragma once

#include <cmath>
#include <string>
#include <vector>

#include "keisan/core/graph.hpp"
#include "keisan/detail/shape_check.hpp"
#include "keisan/ops/softmax.hpp"

namespace keisan {
namespace detail {

/// The book's delta: log(p + delta) keeps the loss finite at p = 0 and stays differentiable.
template <class Scalar>
constexpr Scalar log_delta = Scalar(1e-7);

template <class Scalar>
void require_batch(const char* op, const Var<Scalar>& x) {
  if (x.rows() == 0) throw ShapeError(std::string("keisan::") + op + ": the batch is empty (0 rows)");
}

template <class Scalar>
void check_labels(const char* op, const Var<Scalar>& x, const std::vector<int>& labels) {
  require_batch(op, x);
  require_classes(op, x);
  if (static_cast<Index>(labels.size()) != x.rows())
    throw ShapeError(std::string("keisan::") + op + ": input is " + shape_string(x.value()) + " but " +
                     std::to_string(labels.size()) + " labels were given (one per row)");
  for (std::size_t i = 0; i < labels.size(); ++i)
    if (labels[i] < 0 || labels[i] >= x.cols())
      throw ValueError(std::string("keisan::") + op + ": label " + std::to_string(labels[i]) + " at row " +
                       std::to_string(i) + " is out of range for " + std::to_string(x.cols()) + " classes");
}

/// Losses are 1x1: the mean over the batch.
template <class Scalar>
void set_loss(Node<Scalar>& n, Scalar total, Index count) {
  n.out().resize(1, 1);
  n.out()(0, 0) = total / static_cast<Scalar>(count);
}

template <class Scalar>
void softmax_ce_labels_forward(Graph<Scalar>& g, Node<Scalar>& n) {
  const Matrix<Scalar>& x = *g.input(n, 0).value;
  Matrix<Scalar>& p = n.saved(0);  // p = softmax(x), kept for backward
  shifted_exp(x, p);
  Scalar total = 0;
  for (Index i = 0; i < x.rows(); ++i) {
    const Scalar sum = p.row(i).sum();
    // -log p_label = log(sum) - (x_label - max)
    total += std::log(sum) - (x(i, n.ints[static_cast<std::size_t>(i)]) - x.row(i).maxCoeff());
    p.row(i) *= Scalar(1) / sum;
  }
  set_loss(n, total, x.rows());
}

template <class Scalar>
void softmax_ce_targets_forward(Graph<Scalar>& g, Node<Scalar>& n) {
  const Matrix<Scalar>& x = *g.input(n, 0).value;
  Matrix<Scalar>& logp = n.saved(0);  // log p, kept for backward
  logp.resize(x.rows(), x.cols());
  for (Index i = 0; i < x.rows(); ++i) log_softmax_row<Scalar>(x.row(i), logp.row(i));
  set_loss(n, -(g.input(n, 1).value->array() * logp.array()).sum(), x.rows());
}

template <class Scalar>
void cross_entropy_labels_forward(Graph<Scalar>& g, Node<Scalar>& n) {
  const Matrix<Scalar>& p = *g.input(n, 0).value;
  Scalar total = 0;
  for (Index i = 0; i < p.rows(); ++i) total -= std::log(p(i, n.ints[static_cast<std::size_t>(i)]) + log_delta<Scalar>);
  set_loss(n, total, p.rows());
}

template <class Scalar>
void cross_entropy_targets_forward(Graph<Scalar>& g, Node<Scalar>& n) {
  const Matrix<Scalar>& p = *g.input(n, 0).value;
  set_loss(n, -(g.input(n, 1).value->array() * (p.array() + log_delta<Scalar>).log()).sum(), p.rows());
}

template <class Scalar>
void mse_forward(Graph<Scalar>& g, Node<Scalar>& n) {
  const Matrix<Scalar>& p = *g.input(n, 0).value;
  set_loss(n, (p - *g.input(n, 1).value).squaredNorm(), p.size());
}

template <class Scalar>
void softmax_ce_labels_backward(Graph<Scalar>& g, Node<Scalar>& n) {
  Node<Scalar>& x = g.input(n, 0);
  const Matrix<Scalar>& p = n.saved(0);
  const Scalar scale = n.grad()(0, 0) / static_cast<Scalar>(p.rows());
  x.accumulate(scale * p.array());
  for (std::size_t i = 0; i < n.ints.size(); ++i) x.grad_mut()(static_cast<Index>(i), n.ints[i]) -= scale;
}

template <class Scalar>
void softmax_ce_targets_backward(Graph<Scalar>& g, Node<Scalar>& n) {
  Node<Scalar>& x = g.input(n, 0);
  Node<Scalar>& t = g.input(n, 1);
  const Scalar scale = n.grad()(0, 0) / static_cast<Scalar>(n.saved(0).rows());
  const auto logp = n.saved(0).array();
  const auto tv = t.value->array();
  // d/dx of -sum_j t_j log p_j is p * sum_j t_j - t  (= p - t for one-hot or probability rows)
  if (x.needs_grad()) x.accumulate(scale * (logp.exp().colwise() * tv.rowwise().sum() - tv));
  t.accumulate(-scale * logp);
}

template <class Scalar>
void cross_entropy_labels_backward(Graph<Scalar>& g, Node<Scalar>& n) {
  Node<Scalar>& p = g.input(n, 0);
  const Scalar scale = n.grad()(0, 0) / static_cast<Scalar>(p.value->rows());
  if (!p.needs_grad()) return;
  Matrix<Scalar>& grad = p.grad_mut();  // zeros if nothing was added yet
  for (std::size_t i = 0; i < n.ints.size(); ++i) {
    const auto r = static_cast<Index>(i);
    grad(r, n.ints[i]) -= scale / ((*p.value)(r, n.ints[i]) + log_delta<Scalar>);
  }
}

template <class Scalar>
void cross_entropy_targets_backward(Graph<Scalar>& g, Node<Scalar>& n) {
  Node<Scalar>& p = g.input(n, 0);
  Node<Scalar>& t = g.input(n, 1);
  const Scalar scale = n.grad()(0, 0) / static_cast<Scalar>(p.value->rows());
  const auto pd = p.value->array() + log_delta<Scalar>;
  if (p.needs_grad()) p.accumulate(-scale * t.value->array() / pd);
  if (t.needs_grad()) t.accumulate(-scale * pd.log());
}

template <class Scalar>
void mse_backward(Graph<Scalar>& g, Node<Scalar>& n) {
  Node<Scalar>& p = g.input(n, 0);
  Node<Scalar>& t = g.input(n, 1);
  const Scalar scale = Scalar(2) * n.grad()(0, 0) / static_cast<Scalar>(p.value->size());
  const auto diff = p.value->array() - t.value->array();
  if (p.needs_grad()) p.accumulate(scale * diff);
  if (t.needs_grad()) t.accumulate(-scale * diff);
}

}  // namespace detail

/// Mean cross-entropy of softmax(logits) against class indices, fused and stable:
/// -1/N sum_i log softmax(logits)_i[labels_i], via log-sum-exp; the gradient is (p - y) / N.
/// logits: N x C; labels: N class indices in [0, C) (copied). Throws ShapeError on a count
/// mismatch, ValueError naming the row and label when one is out of range.
template <class Scalar>
[[nodiscard]] Var<Scalar> softmax_cross_entropy(const Var<Scalar>& logits, const std::vector<int>& labels) {
  constexpr const char* op = "softmax_cross_entropy";
  detail::check_labels(op, logits, labels);
  return logits.graph().record(op, {logits}, &detail::softmax_ce_labels_forward<Scalar>,
                               &detail::softmax_ce_labels_backward<Scalar>,
                               [&](Node<Scalar>& n) { n.ints.assign(labels.begin(), labels.end()); });
}

/// Mean cross-entropy of softmax(logits) against target rows (one-hot or probabilities):
/// -1/N sum_i <targets_i, log softmax(logits)_i>. Both N x C.
template <class Scalar>
[[nodiscard]] Var<Scalar> softmax_cross_entropy(const Var<Scalar>& logits, const Var<Scalar>& targets) {
  constexpr const char* op = "softmax_cross_entropy";
  detail::require_same_graph(op, logits, targets);
  if (logits.rows() != targets.rows() || logits.cols() != targets.cols())
    detail::throw_shapes(op, "logits", logits, "targets", targets, "shapes must be equal");
  detail::require_batch(op, logits);
  detail::require_classes(op, logits);
  return logits.graph().record(op, {logits, targets}, &detail::softmax_ce_targets_forward<Scalar>,
                               &detail::softmax_ce_targets_backward<Scalar>);
}

/// Mean cross-entropy of probabilities against class indices: -1/N sum_i log(p_i[labels_i] + 1e-7).
/// The 1e-7 (the book's delta) keeps a probability of exactly 0 finite. Prefer
/// softmax_cross_entropy() on logits: it is stabler and cheaper.
template <class Scalar>
[[nodiscard]] Var<Scalar> cross_entropy(const Var<Scalar>& probs, const std::vector<int>& labels) {
  constexpr const char* op = "cross_entropy";
  detail::check_labels(op, probs, labels);
  return probs.graph().record(op, {probs}, &detail::cross_entropy_labels_forward<Scalar>,
                              &detail::cross_entropy_labels_backward<Scalar>,
                              [&](Node<Scalar>& n) { n.ints.assign(labels.begin(), labels.end()); });
}

/// Mean cross-entropy of probabilities against target rows: -1/N sum t * log(p + 1e-7). Both N x C.
template <class Scalar>
[[nodiscard]] Var<Scalar> cross_entropy(const Var<Scalar>& probs, const Var<Scalar>& targets) {
  constexpr const char* op = "cross_entropy";
  detail::require_same_graph(op, probs, targets);
  if (probs.rows() != targets.rows() || probs.cols() != targets.cols())
    detail::throw_shapes(op, "probs", probs, "targets", targets, "shapes must be equal");
  detail::require_batch(op, probs);
  detail::require_classes(op, probs);
  return probs.graph().record(op, {probs, targets}, &detail::cross_entropy_targets_forward<Scalar>,
                              &detail::cross_entropy_targets_backward<Scalar>);
}

/// Mean squared error over all elements: mean((pred - target)^2). Same shapes.
template <class Scalar>
[[nodiscard]] Var<Scalar> mse(const Var<Scalar>& pred, const Var<Scalar>& target) {
  constexpr const char* op = "mse";
  detail::require_same_graph(op, pred, target);
  if (pred.rows() != target.rows() || pred.cols() != target.cols())
    detail::throw_shapes(op, "pred", pred, "target", target, "shapes must be equal");
  if (pred.value().size() == 0)
    throw ShapeError("keisan::mse: the input is empty (" + shape_string(pred.value()) + ")");
  return pred.graph().record(op, {pred, target}, &detail::mse_forward<Scalar>, &detail::mse_backward<Scalar>);
}

}  // namespace keisan
