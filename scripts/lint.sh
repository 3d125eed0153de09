#!/usr/bin/env bash
# keisan: static checks. clang-format must leave every C++ file as it is (.clang-format), and
# clang-tidy (.clang-tidy: bugprone-*, performance-*, naming; findings are errors) must pass over
# the examples and the tutorial, which instantiate the library's templates, and over the public
# headers that no example includes. Uses the `dev` build's compile_commands.json (configured
# here if missing).
# Usage: scripts/lint.sh
# SPDX-License-Identifier: MIT
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/deps.sh
keisan_require_packages "${KEISAN_BUILD_PACKAGES[@]}" "${KEISAN_CHECK_PACKAGES[@]}"

echo "==> clang-format --dry-run -Werror"
find include tests examples benchmarks -name '*.hpp' -o -name '*.cpp' | sort | xargs clang-format --dry-run -Werror

echo "==> clang-tidy"
[ -f build/dev/compile_commands.json ] || cmake --preset dev >/dev/null
tidy=$(command -v run-clang-tidy-14 || command -v run-clang-tidy)
# Example TUs, and the header-check TUs of the umbrella header, of the keisan::io and keisan::mpi
# headers, and of the optional headers the umbrella does not include.
files='examples/|headers/keisan_keisan_hpp|headers/keisan_io_|headers/keisan_data_(mnist|idx_gzip|shard)_hpp|headers/keisan_optim_accumulate_hpp|headers/keisan_dist_'
rc=0
out=$("$tidy" -p build/dev -j 2 -quiet -extra-arg=-fno-color-diagnostics "$files" 2>&1) || rc=$?
# Keep the findings, drop clang-tidy's per-file chatter.
grep -v -E '^[0-9]+ warnings? generated|^Suppressed [0-9]+ warnings|^Use -header-filter|^clang-tidy-?[0-9]* |^$' <<<"$out" || true
if [ $rc -ne 0 ]; then
  echo "scripts/lint.sh: clang-tidy found problems (above)" >&2
  exit 1
fi
echo "==> lint: clean"
