// keisan: the matrix type every layer of the library speaks, and shape helpers.
// Row-major, one sample per row: a batch of N inputs of D features is an N x D matrix.
// SPDX-License-Identifier: MIT
#pragma once

#include <Eigen/Core>
#include <string>

namespace keisan {

/// Dense row-major matrix of `Scalar`: one sample per row.
template <class Scalar>
using Matrix = Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

/// Signed index type used for sizes and positions (Eigen's).
using Index = Eigen::Index;

/// "RxC", the way every error message prints a shape.
[[nodiscard]] inline std::string shape_string(Index rows, Index cols) {
  return std::to_string(rows) + "x" + std::to_string(cols);
}

/// Shape of any Eigen matrix or expression as "RxC".
template <class Derived>
[[nodiscard]] std::string shape_string(const Eigen::EigenBase<Derived>& m) {
  return shape_string(m.rows(), m.cols());
}

}  // namespace keisan
