#!/usr/bin/env bash
# keisan: builds the libFuzzer targets (the `fuzz` preset: clang, ASan + UBSan) and runs each for
# SECONDS (default 60) on a working copy of its seed corpus. Fails on any crash, leak, timeout or
# allocation beyond the limit; prints each target's executions.
# Usage: scripts/fuzz.sh [SECONDS] [TARGET...]      (targets: idx safetensors; default both)
# SPDX-License-Identifier: MIT
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/deps.sh

seconds=${1:-60}
if ! [[ "$seconds" =~ ^[1-9][0-9]*$ ]]; then
  echo "usage: scripts/fuzz.sh [SECONDS] [TARGET...]  (SECONDS: a positive whole number, got '$seconds')" >&2
  exit 2
fi
shift $(($# > 0 ? 1 : 0))
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(idx safetensors)
for t in "${targets[@]}"; do
  if [ ! -d "tests/fuzz/corpus/$t" ]; then
    echo "scripts/fuzz.sh: unknown target '$t' (targets: $(ls tests/fuzz/corpus | xargs))" >&2
    exit 2
  fi
done

keisan_require_packages "${KEISAN_BUILD_PACKAGES[@]}" "${KEISAN_FUZZ_PACKAGES[@]}"
cmake --preset fuzz >/dev/null
cmake --build --preset fuzz

# Inputs up to 4 KiB; a gzip'd input that size may inflate to ~4 MiB, so 32 MiB of malloc is
# already far beyond what any input justifies.
limits=(-max_len=4096 -malloc_limit_mb=32 -rss_limit_mb=1024 -timeout=10)
for t in "${targets[@]}"; do
  work=build/fuzz/corpus/$t
  mkdir -p "$work"
  cp -n tests/fuzz/corpus/"$t"/* "$work"/
  echo "==> fuzz_$t for ${seconds}s"
  log=build/fuzz/fuzz_$t.log
  if ! build/fuzz/tests/fuzz/fuzz_"$t" "${limits[@]}" -max_total_time="$seconds" -print_final_stats=1 \
      -artifact_prefix=build/fuzz/"$t"- "$work" >"$log" 2>&1; then
    tail -n 40 "$log" >&2
    echo "scripts/fuzz.sh: fuzz_$t FAILED; the input is saved as build/fuzz/$t-*" >&2
    exit 1
  fi
  grep -E "^Done|stat::number_of_executed_units|stat::peak_rss_mb" "$log" | sed 's/^/    /'
done
echo "==> fuzz: no findings (${targets[*]}, ${seconds}s each)"
