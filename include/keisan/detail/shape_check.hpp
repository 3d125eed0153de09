// keisan internals: shape checks shared by the ops, so every message has the same form:
// "keisan::<op>: <what> is RxC and <what> is RxC: <rule>".
// SPDX-License-Identifier: MIT
#pragma once

#include <string>

#include "keisan/core/error.hpp"
#include "keisan/core/graph.hpp"

namespace keisan::detail {

template <class Scalar>
[[noreturn]] void throw_shapes(const char* op, const char* a_name, const Var<Scalar>& a, const char* b_name,
                               const Var<Scalar>& b, const char* rule) {
  throw ShapeError(std::string("keisan::") + op + ": " + a_name + " is " + shape_string(a.value()) + " and " + b_name +
                   " is " + shape_string(b.value()) + ": " + rule);
}

template <class Scalar>
void require_same_shape(const char* op, const Var<Scalar>& a, const Var<Scalar>& b) {
  if (a.rows() != b.rows() || a.cols() != b.cols()) throw_shapes(op, "a", a, "b", b, "shapes must be equal");
}

template <class Scalar>
void require_same_graph(const char* op, const Var<Scalar>& a, const Var<Scalar>& b) {
  if (&a.graph() != &b.graph())
    throw ValueError(std::string("keisan::") + op + ": operands belong to different graphs");
}

/// The size two dimensions broadcast to (numpy rules: equal, or 1 in one of them); -1 if none.
constexpr Index broadcast_dim(Index x, Index y) noexcept {
  return x == y || y == 1 ? x : x == 1 ? y : -1;
}

/// The shape two operands broadcast to. Throws ShapeError naming both shapes when they do not.
template <class Scalar>
void broadcast_shape(const char* op, const Var<Scalar>& a, const Var<Scalar>& b, Index& rows, Index& cols) {
  rows = broadcast_dim(a.rows(), b.rows());
  cols = broadcast_dim(a.cols(), b.cols());
  if (rows < 0 || cols < 0)
    throw_shapes(op, "a", a, "b", b, "shapes do not broadcast (each dimension must be equal, or 1 in one operand)");
}

}  // namespace keisan::detail
