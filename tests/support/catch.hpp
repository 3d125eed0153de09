// keisan tests: the one include for Catch2, v2 (Debian 12) or v3.
// SPDX-License-Identifier: MIT
#pragma once
#if __has_include(<catch2/catch_all.hpp>)
#include <catch2/catch_all.hpp>
#include <string>
namespace Catch {  // v2 spelling used by the suite
inline auto Contains(const std::string& s) {
  return Matchers::ContainsSubstring(s);
}
using Matchers::EndsWith;
using Matchers::StartsWith;
}  // namespace Catch
#else
#include <catch2/catch.hpp>
namespace Catch {  // v3 spelling used by the suite
using Detail::Approx;
}  // namespace Catch
#endif
