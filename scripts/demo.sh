#!/usr/bin/env bash
# keisan: THE main command. Installs what is missing, builds the MNIST example in Release, fetches
# MNIST if it can (else says so and uses the bundled subset), and trains.
# Usage: scripts/demo.sh [example flags...]     e.g. scripts/demo.sh --activation relu
# Run it from anywhere: paths in the flags (--data, --save, --load, --metrics, --dot) are relative
# to the folder you are in, as for any command; the build lives in the repository's build/release.
# KEISAN_DEMO_BINARY=PATH runs that mnist binary instead of building one (the tests use it).
# SPDX-License-Identifier: MIT
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)  # the repository; the caller's folder stays put
binary=${KEISAN_DEMO_BINARY:-}
if [ -z "$binary" ]; then
  . "$root/scripts/deps.sh"
  keisan_require_packages "${KEISAN_BUILD_PACKAGES[@]}" curl ca-certificates
  (cd "$root" && cmake --preset release >/dev/null && cmake --build --preset release --target mnist)
  binary=$root/build/release/examples/mnist
fi
data=()
chose_data=false
for arg in "$@"; do
  case "$arg" in
    --data | --data=*) chose_data=true ;;
  esac
done
if $chose_data; then
  :  # the caller chose the data (--data DIR or --data=DIR)
elif "$root/scripts/fetch-mnist.sh"; then
  data=(--data "${XDG_CACHE_HOME:-$HOME/.cache}/keisan/mnist")
else
  echo "note: training on the bundled MNIST subset (5,000 / 1,000 images)"
  data=(--data "$root/examples/mnist/data")
fi
exec "$binary" "${data[@]}" "$@"
