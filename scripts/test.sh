#!/usr/bin/env bash
# keisan: THE test command. Installs what is missing, then runs every step:
#   dev      Debug build under AddressSanitizer + UndefinedBehaviorSanitizer with -Werror, every
#            header compiled alone, examples and benchmarks built; all tests (unit, the examples
#            end to end, the tutorial and its rendered graphs, the error catalogue, packaging)
#   release  the same tests built as users build them (-O3 -DNDEBUG -march=native, OpenMP), so a
#            check that exists only as an assertion fails here; the build must print no warning
#   lint     clang-format --dry-run -Werror and clang-tidy (scripts/lint.sh)
#   fuzz     the libFuzzer targets, KEISAN_FUZZ_SECONDS (default 60) each (scripts/fuzz.sh)
# Usage: scripts/test.sh [step...]     (default: dev release lint fuzz)
# SPDX-License-Identifier: MIT
set -euo pipefail
cd "$(dirname "$0")/.."
steps=("$@")
[ ${#steps[@]} -eq 0 ] && steps=(dev release lint fuzz)
for step in "${steps[@]}"; do
  case "$step" in
    dev | lint | fuzz | release) ;;
    *)
      echo "scripts/test.sh: unknown step '$step' (steps: dev release lint fuzz)" >&2
      exit 2
      ;;
  esac
done

. scripts/deps.sh
keisan_require_packages "${KEISAN_BUILD_PACKAGES[@]}" "${KEISAN_CHECK_PACKAGES[@]}" "${KEISAN_FUZZ_PACKAGES[@]}"
for step in "${steps[@]}"; do
  case "$step" in
    dev)
      echo "==> keisan: dev"
      cmake --preset dev >/dev/null
      cmake --build --preset dev
      ctest --preset dev
      ;;
    release)
      echo "==> keisan: release"
      cmake --preset release >/dev/null
      # A user's first build (scripts/demo.sh) is this one: it must be quiet. (Only what is
      # recompiled is seen, so a clean clone checks everything.)
      log=build/release/build.log
      cmake --build --preset release 2>&1 | tee "$log"
      if grep -q 'warning:' "$log"; then
        echo "scripts/test.sh: the release build printed $(grep -c 'warning:' "$log") warning(s) (see $log)" >&2
        exit 1
      fi
      ctest --preset release
      ;;
    lint) scripts/lint.sh ;;
    fuzz) scripts/fuzz.sh "${KEISAN_FUZZ_SECONDS:-60}" ;;
  esac
done
echo "==> keisan: all passed (${steps[*]})"
