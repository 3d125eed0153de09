// keisan: named state, the one list that saving, loading, checkpoints and broadcasts work on:
// a module's parameters and buffers, an optimizer's slots and step counter.
// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "keisan/core/matrix.hpp"

namespace keisan {

/// One named piece of state: a floating matrix (a parameter's value, a buffer, an optimizer
/// slot) or an integer counter (an optimizer's step count). Exactly one pointer is set. The
/// pointers do not own: whatever owns the state must outlive the list.
template <class Scalar>
struct NamedTensor {
  std::string name;
  Matrix<Scalar>* matrix = nullptr;  ///< saved as F32/F64 [rows, cols]
  std::int64_t* integer = nullptr;   ///< saved as I64 with shape [] (a scalar)

  [[nodiscard]] bool is_integer() const noexcept { return integer != nullptr; }
};

/// A module's or optimizer's state, in a stable order (PyTorch's state_dict idea).
template <class Scalar>
using StateList = std::vector<NamedTensor<Scalar>>;

/// `list` with `prefix` put before every name ("optimizer." + "0.W.m").
template <class Scalar>
[[nodiscard]] StateList<Scalar> prefixed(StateList<Scalar> list, const std::string& prefix) {
  for (auto& t : list) t.name.insert(0, prefix);
  return list;
}

/// The concatenation of two state lists.
template <class Scalar>
[[nodiscard]] StateList<Scalar> concat(StateList<Scalar> a, const StateList<Scalar>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

}  // namespace keisan
