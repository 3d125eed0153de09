// keisan fuzz target: the IDX parser, raw and gzip-compressed (parse_idx_any detects which), as
// MNIST labels (1 dimension) and images (3). Anything but a clean parse or a FormatError is a bug,
// and so is a parse whose data does not match its dimensions.
// SPDX-License-Identifier: MIT
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "keisan/data/idx_gzip.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::vector<std::uint8_t> bytes(data, data + size);
  for (int ndims : {1, 3}) {
    try {
      const keisan::IdxArray a = keisan::parse_idx_any(bytes, "fuzz", ndims);
      std::size_t count = 1;
      for (std::size_t d : a.dims) count *= d;
      if (a.dims.size() != static_cast<std::size_t>(ndims) || a.data.size() != count) std::abort();
    } catch (const keisan::FormatError&) {
    }
  }
  return 0;
}
