// keisan: the exceptions the library throws. Misuse at an API boundary is an exception that
// names the operation and what was wrong; never a crash, never silent garbage.
// SPDX-License-Identifier: MIT
#pragma once

#include <stdexcept>
#include <string>

namespace keisan {

/// Operands of an operation have incompatible shapes. The message names the op and the shapes.
class ShapeError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

/// An argument is out of its valid range (a label >= class count, a batch size of 0, ...).
class ValueError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

/// A file is malformed. The message names the file and what was wrong with it.
class FormatError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// A NaN or infinity appeared where the caller asked to be told.
class NumericError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace keisan

/// Internal invariant check; a broken one is a keisan bug, not a user error.
/// Define KEISAN_ASSERT before including keisan to route it elsewhere.
#ifndef KEISAN_ASSERT
#include <cassert>
#define KEISAN_ASSERT(cond) assert(cond)
#endif
