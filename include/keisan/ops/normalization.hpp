// keisan ops: batch normalization, per feature of an N x D batch or per channel of an image
// batch (statistics over N*H*W), with batch statistics in training and running ones in eval.
// SPDX-License-Identifier: MIT
#pragma once

#include <cmath>
#include <string>

#include "keisan/core/error.hpp"
#include "keisan/core/graph.hpp"
#include "keisan/detail/shape_check.hpp"

namespace keisan {
namespace detail {

// Both layouts are one M x C matrix in memory: N x D is M = N rows of C = D features, and an
// NHWC batch N x (H*W*C) is M = N*H*W rows of C channels (row-major: the same elements in the
// same order). The rules work on that view.
template <class Scalar>
Eigen::Map<const Matrix<Scalar>> channel_view(const Matrix<Scalar>& m, Index c) {
  return Eigen::Map<const Matrix<Scalar>>(m.data(), c == 0 ? 0 : m.size() / c, c);
}

// ints: [channels, training]; scalars: [eps]. saved: 0 xhat (M x C), 1 inv_std (1 x C),
// 2 mean (1 x C), 3 batch variance (1 x C, training), 4-6 backward scratch (1 x C each).
template <class Scalar>
void batch_norm_forward(Graph<Scalar>& g, Node<Scalar>& n) {
  const Index c = n.ints[0];
  const bool training = n.ints[1] != 0;
  const Matrix<Scalar>& x = *g.input(n, 0).value;
  const auto xc = channel_view(x, c);
  const Index m = xc.rows();
  Matrix<Scalar>& xhat = n.saved(0);
  Matrix<Scalar>& inv_std = n.saved(1);
  Matrix<Scalar>& mean = n.saved(2);
  if (training) {  // else setup saved the running mean and 1/sqrt(running_var + eps)
    Matrix<Scalar>& var = n.saved(3);
    mean = xc.colwise().mean();
    xhat = xc.rowwise() - mean.row(0);
    var = xhat.array().square().colwise().sum().matrix() / static_cast<Scalar>(m);
    inv_std = (var.array() + n.scalars[0]).rsqrt().matrix();
  } else {
    xhat = xc.rowwise() - mean.row(0);
  }
  xhat.array().rowwise() *= inv_std.row(0).array();
  Matrix<Scalar>& out = n.out();
  out.resize(x.rows(), x.cols());
  Eigen::Map<Matrix<Scalar>>(out.data(), m, c) =
      (xhat.array().rowwise() * g.input(n, 1).value->row(0).array()).rowwise() + g.input(n, 2).value->row(0).array();
}

template <class Scalar>
void batch_norm_backward(Graph<Scalar>& g, Node<Scalar>& n) {
  const Index c = n.ints[0];
  const bool training = n.ints[1] != 0;
  Node<Scalar>& x = g.input(n, 0);
  Node<Scalar>& gamma = g.input(n, 1);
  Node<Scalar>& beta = g.input(n, 2);
  const auto dy = channel_view(n.grad(), c);
  const Matrix<Scalar>& xhat = n.saved(0);
  const Matrix<Scalar>& inv_std = n.saved(1);
  Matrix<Scalar>& sum_dy = n.saved(4);
  Matrix<Scalar>& sum_dy_xhat = n.saved(5);
  Matrix<Scalar>& scale = n.saved(6);
  sum_dy = dy.colwise().sum();
  sum_dy_xhat = (dy.array() * xhat.array()).colwise().sum().matrix();
  beta.accumulate(sum_dy);
  gamma.accumulate(sum_dy_xhat);
  if (!x.needs_grad()) return;
  scale = (gamma.value->array() * inv_std.array()).matrix();
  Eigen::Map<Matrix<Scalar>> dx(x.grad_mut().data(), xhat.rows(), c);
  if (!training) {  // y = gamma * (x - running_mean) * inv_std + beta: linear in x
    dx.array() += dy.array().rowwise() * scale.row(0).array();
    return;
  }
  // dx = gamma * inv_std * (dy - mean(dy) - xhat * mean(dy * xhat)), per channel
  const Scalar inv_m = Scalar(1) / static_cast<Scalar>(xhat.rows());
  sum_dy *= inv_m;
  sum_dy_xhat *= inv_m;
  dx.array() +=
      ((dy.rowwise() - sum_dy.row(0)).array() - xhat.array().rowwise() * sum_dy_xhat.row(0).array()).rowwise() *
      scale.row(0).array();
}

template <class Scalar>
void require_per_channel(const Var<Scalar>& x, Index c, const char* name, Index rows, Index cols) {
  if (rows != 1 || cols != c)
    throw ShapeError(std::string("keisan::batch_norm: x is ") +
                     (x.is_image() ? shape_string(x.rows(), x.image()) : shape_string(x.value())) + " and " + name +
                     " is " + shape_string(rows, cols) + ": " + name + " must be 1 x " + std::to_string(c) +
                     (x.is_image() ? " (one per channel)" : " (one per feature)"));
}

}  // namespace detail

/// Batch normalization: y = gamma * (x - mean) / sqrt(var + eps) + beta, per feature of an N x D
/// batch, or per channel of an image batch (statistics over all N*H*W pixels: x's image shape
/// says which). gamma, beta, running_mean and running_var are 1 x D (or 1 x C).
///
/// - `training`: mean and var are the batch's (biased variance, as in the normalization itself).
///   The running statistics are then updated here, after the node is recorded — never in the
///   forward rule, which must stay a pure function for gradcheck_nodes to replay:
///   running = (1 - momentum) * running + momentum * batch, with the batch variance unbiased
///   (M / (M - 1)) for running_var. This is PyTorch's convention (momentum 0.1 by default), so
///   running statistics mean the same in both; the book's momentum 0.9 weighs the old value,
///   i.e. is PyTorch's 0.1.
/// - not `training`: mean and var are running_mean and running_var (copied into the node), and
///   nothing is updated.
///
/// The result keeps x's shape and image shape. Throws ShapeError when gamma, beta or a running
/// statistic is not 1 x D (1 x C); ValueError for eps <= 0, momentum outside [0, 1], or a training
/// batch with fewer than two values per feature (channel).
template <class Scalar>
[[nodiscard]] Var<Scalar> batch_norm(const Var<Scalar>& x, const Var<Scalar>& gamma, const Var<Scalar>& beta,
                                     Matrix<Scalar>& running_mean, Matrix<Scalar>& running_var, bool training,
                                     Scalar momentum = Scalar(0.1), Scalar eps = Scalar(1e-5)) {
  detail::require_same_graph("batch_norm", x, gamma);
  detail::require_same_graph("batch_norm", x, beta);
  const Index c = x.is_image() ? x.image().c : x.cols();
  detail::require_per_channel(x, c, "gamma", gamma.rows(), gamma.cols());
  detail::require_per_channel(x, c, "beta", beta.rows(), beta.cols());
  detail::require_per_channel(x, c, "running_mean", running_mean.rows(), running_mean.cols());
  detail::require_per_channel(x, c, "running_var", running_var.rows(), running_var.cols());
  if (!(eps > 0)) throw ValueError("keisan::batch_norm: eps must be > 0, got " + std::to_string(eps));
  if (!(momentum >= 0 && momentum <= 1))
    throw ValueError("keisan::batch_norm: momentum must be in [0, 1], got " + std::to_string(momentum));
  const Index m = c == 0 ? 0 : x.value().size() / c;
  if (training && m < 2)
    throw ValueError("keisan::batch_norm: training needs more than one value per channel, got " + std::to_string(m) +
                     " (x is " + (x.is_image() ? shape_string(x.rows(), x.image()) : shape_string(x.value())) + ")");
  Var<Scalar> y = x.graph().record("batch_norm", {x, gamma, beta}, &detail::batch_norm_forward<Scalar>,
                                   &detail::batch_norm_backward<Scalar>, [&](Node<Scalar>& n) {
                                     n.ints.push_back(c);
                                     n.ints.push_back(training ? 1 : 0);
                                     n.scalars.push_back(eps);
                                     if (!training) {
                                       n.saved(2) = running_mean;
                                       n.saved(1) = (running_var.array() + eps).rsqrt().matrix();
                                     }
                                   });
  if (training) {
    const Node<Scalar>& n = y.node();
    const Scalar unbias = static_cast<Scalar>(m) / static_cast<Scalar>(m - 1);
    running_mean = (Scalar(1) - momentum) * running_mean + momentum * n.saved(2);
    running_var = (Scalar(1) - momentum) * running_var + (momentum * unbias) * n.saved(3);
  }
  return y;
}

}  // namespace keisan
