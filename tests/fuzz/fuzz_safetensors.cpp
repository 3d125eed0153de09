// keisan fuzz target: the safetensors parser, loading into a fixed model (w: 2x3, b: 1x3, double)
// so that valid files reach the data copy. Anything but a clean load or a FormatError is a bug,
// and a failed load must leave the model untouched.
// SPDX-License-Identifier: MIT
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "keisan/io/safetensors.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  keisan::Matrix<double> w = keisan::Matrix<double>::Constant(2, 3, 7), b = keisan::Matrix<double>::Constant(1, 3, 7);
  const keisan::StateList<double> model{{"w", &w, nullptr}, {"b", &b, nullptr}};
  try {
    (void)keisan::parse_safetensors(data, size, "fuzz", model);
  } catch (const keisan::FormatError&) {
    if (!(w.array() == 7).all() || !(b.array() == 7).all()) std::abort();  // nothing written on failure
  }
  return 0;
}
