#!/usr/bin/env bash
# keisan: THE test command. Installs what is missing, then builds and runs the whole suite twice:
# in the `dev` preset (Debug, -Werror, every header compiled alone) and under `asan`
# (AddressSanitizer + UndefinedBehaviorSanitizer, -fno-sanitize-recover=all).
# Usage: scripts/test.sh [preset...]     (default: dev asan)
# SPDX-License-Identifier: MIT
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/deps.sh
keisan_require_packages "${KEISAN_BUILD_PACKAGES[@]}"

presets=("$@")
[ ${#presets[@]} -eq 0 ] && presets=(dev asan)
for preset in "${presets[@]}"; do
  echo "==> keisan: $preset"
  cmake --preset "$preset" >/dev/null
  cmake --build --preset "$preset"
  ctest --preset "$preset"
done
echo "==> keisan: all tests passed (${presets[*]})"
