// keisan fuzz target: the safetensors parser, loading into a fixed state (w: 2x3, b: 1x3, double;
// step: an integer) strictly and as a subset, so that valid files reach the data copy; then
// listing the file and reading every tensor sized from the file. Anything but a clean load or a
// FormatError is a bug, and a failed load must leave the state untouched.
// SPDX-License-Identifier: MIT
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "keisan/io/safetensors.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  keisan::Matrix<double> w(2, 3), b(1, 3);
  std::int64_t step = 0;
  const keisan::StateList<double> state{{"w", &w, nullptr}, {"b", &b, nullptr}, {"step", nullptr, &step}};
  for (const keisan::LoadOptions options : {keisan::LoadOptions{false, false}, keisan::LoadOptions{true, true}}) {
    w.setConstant(7);
    b.setConstant(7);
    step = 7;
    try {
      (void)keisan::parse_safetensors(data, size, "fuzz", state, options);
    } catch (const keisan::FormatError&) {
      if (!(w.array() == 7).all() || !(b.array() == 7).all() || step != 7) std::abort();  // nothing written on failure
    }
  }
  try {
    const keisan::SafetensorsInfo info = keisan::parse_safetensors_info(data, size, "fuzz");
    for (const auto& t : info.tensors) {
      const keisan::Matrix<double> m = keisan::parse_safetensors_tensor<double>(data, size, "fuzz", t.name);
      if (static_cast<std::uint64_t>(m.size()) != t.elements()) std::abort();
    }
  } catch (const keisan::FormatError&) {
  }
  return 0;
}
