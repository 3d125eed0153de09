#!/usr/bin/env bash
# keisan: THE main command. Installs what is missing, builds the MNIST example in Release, fetches
# MNIST if it can (else says so and uses the bundled subset), and trains.
# Usage: scripts/demo.sh [example flags...]     e.g. scripts/demo.sh --activation relu
# SPDX-License-Identifier: MIT
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/deps.sh
keisan_require_packages "${KEISAN_BUILD_PACKAGES[@]}" curl ca-certificates
cmake --preset release >/dev/null
cmake --build --preset release --target mnist
data=()
if [[ " $* " == *" --data "* ]]; then
  :  # the caller chose the data
elif scripts/fetch-mnist.sh; then
  data=(--data "${XDG_CACHE_HOME:-$HOME/.cache}/keisan/mnist")
else
  echo "note: training on the bundled MNIST subset (5,000 / 1,000 images)"
  data=(--data examples/mnist/data)
fi
exec build/release/examples/mnist "${data[@]}" "$@"
