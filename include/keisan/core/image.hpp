// keisan: ImageShape, the height x width x channels a batch of images carries on the tape.
// Images are NHWC: one image per row of an N x (H*W*C) row-major matrix.
// SPDX-License-Identifier: MIT
#pragma once

#include <string>

#include "keisan/core/matrix.hpp"

namespace keisan {

/// The shape of each image in a batch: `h` x `w` x `c` (height, width, channels). A batch of N
/// such images is an N x (h*w*c) matrix whose row n holds image n with pixel (y, x), channel k at
/// column (y*w + x)*c + k (NHWC). All zeros (the default) means "not an image".
struct ImageShape {
  Index h = 0, w = 0, c = 0;

  /// True when this describes an image (all three sizes positive).
  [[nodiscard]] constexpr bool is_image() const noexcept { return h > 0 && w > 0 && c > 0; }
  /// Values per image: h*w*c.
  [[nodiscard]] constexpr Index size() const noexcept { return h * w * c; }

  friend constexpr bool operator==(const ImageShape& a, const ImageShape& b) noexcept {
    return a.h == b.h && a.w == b.w && a.c == b.c;
  }
  friend constexpr bool operator!=(const ImageShape& a, const ImageShape& b) noexcept { return !(a == b); }
};

/// "28x28x1".
[[nodiscard]] inline std::string shape_string(const ImageShape& s) {
  return std::to_string(s.h) + "x" + std::to_string(s.w) + "x" + std::to_string(s.c);
}

/// "100x28x28x1": a batch of `n` images, the way errors print it.
[[nodiscard]] inline std::string shape_string(Index n, const ImageShape& s) {
  return std::to_string(n) + "x" + shape_string(s);
}

}  // namespace keisan
