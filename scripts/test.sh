#!/usr/bin/env bash
# keisan: THE test command. Installs what is missing, then runs every step:
#   dev   Debug build under AddressSanitizer + UndefinedBehaviorSanitizer with -Werror, every
#         header compiled alone, examples and benchmarks built; all tests (unit, the examples end
#         to end, the tutorial and its rendered graphs, the error catalogue, packaging)
#   lint  clang-format --dry-run -Werror and clang-tidy (scripts/lint.sh)
#   fuzz  the libFuzzer targets, KEISAN_FUZZ_SECONDS (default 60) each (scripts/fuzz.sh)
# Usage: scripts/test.sh [step...]     (default: dev lint fuzz; also: release)
# SPDX-License-Identifier: MIT
set -euo pipefail
cd "$(dirname "$0")/.."
steps=("$@")
[ ${#steps[@]} -eq 0 ] && steps=(dev lint fuzz)
for step in "${steps[@]}"; do
  case "$step" in
    dev | lint | fuzz | release) ;;
    *)
      echo "scripts/test.sh: unknown step '$step' (steps: dev lint fuzz release)" >&2
      exit 2
      ;;
  esac
done

. scripts/deps.sh
keisan_require_packages "${KEISAN_BUILD_PACKAGES[@]}" "${KEISAN_CHECK_PACKAGES[@]}" "${KEISAN_FUZZ_PACKAGES[@]}"
for step in "${steps[@]}"; do
  case "$step" in
    dev | release)
      echo "==> keisan: $step"
      cmake --preset "$step" >/dev/null
      cmake --build --preset "$step"
      ctest --preset "$step"
      ;;
    lint) scripts/lint.sh ;;
    fuzz) scripts/fuzz.sh "${KEISAN_FUZZ_SECONDS:-60}" ;;
  esac
done
echo "==> keisan: all passed (${steps[*]})"
