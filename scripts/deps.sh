# keisan: installs the Debian packages a script needs, when they are missing. Sourced by the
# scripts in this folder: `keisan_require_packages pkg...`. Needs no network when all are there.
# SPDX-License-Identifier: MIT

keisan_require_packages() {
  local missing=()
  local pkg
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "keisan: installing missing packages: ${missing[*]}"
  local sudo=()
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
      sudo=(sudo)
    else
      echo "keisan: not root and no sudo; run this first:" >&2
      echo "  apt-get update && apt-get install -y ${missing[*]}" >&2
      return 1
    fi
  fi
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq &&
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

# What building and testing keisan needs.
KEISAN_BUILD_PACKAGES=(cmake ninja-build g++ libeigen3-dev catch2 zlib1g-dev nlohmann-json3-dev libcli11-dev gnuplot-nox libbenchmark-dev libopenblas-dev
  libdnnl-dev                 # oneDNN: the release build's single-precision GEMM (KEISAN_USE_ONEDNN=AUTO)
  libopenmpi-dev openmpi-bin  # Open MPI: keisan::mpi, the example under mpirun, and their tests
  python3)                    # the tests' safetensors comparer and scripts/scaling-model.py
# What the fuzzers, clang-tidy, clang-format and rendering DOT graphs add (scripts/test.sh needs them).
KEISAN_FUZZ_PACKAGES=(clang libclang-rt-14-dev)
KEISAN_CHECK_PACKAGES=(clang-tidy clang-format graphviz)
