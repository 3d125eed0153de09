#!/usr/bin/env bash
# keisan: builds and runs the Google Benchmark suite, then prints the summary table.
# Usage: benchmarks/run.sh OUT_DIR [--threads N] [--repetitions R]
#   Two builds: `bench` (Eigen's own GEMM) and `bench-blas` (KEISAN_USE_BLAS, OpenBLAS).
#   Each benchmark writes OUT_DIR/<build>/<name>.json; the table uses medians of R repetitions.
#   OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE are unset for these runs only, so OpenBLAS picks its
#   kernel for this CPU; the kernel it picked is recorded in OUT_DIR/machine.txt.
# SPDX-License-Identifier: MIT
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:?usage: benchmarks/run.sh OUT_DIR [--threads N] [--repetitions R]}
shift
threads=1 reps=5
while [ $# -gt 0 ]; do
  case $1 in
    --threads) threads=$2; shift 2 ;;
    --repetitions) reps=$2; shift 2 ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
done
. scripts/deps.sh
# BLIS and oneDNN only for the floor study (bench_train loads them at run time).
keisan_require_packages "${KEISAN_BUILD_PACKAGES[@]}" libbenchmark-dev libopenblas-dev python3 libblis-dev libdnnl-dev
mkdir -p "$out"
for preset in bench bench-blas; do
  cmake --preset "$preset" >/dev/null
  cmake --build --preset "$preset"
done
{
  echo "date: $(date -u +%FT%TZ)"
  echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
  echo "cores: $(nproc); threads used: $threads"
  echo "compiler: $(c++ --version | head -1)"
  echo "openblas: $(env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python3 - <<'PY'
import ctypes
lib = ctypes.CDLL("libopenblas.so.0")
lib.openblas_get_config.restype = ctypes.c_char_p
lib.openblas_get_corename.restype = ctypes.c_char_p
print(lib.openblas_get_config().decode(), "| core:", lib.openblas_get_corename().decode())
PY
)"
} | tee "$out/machine.txt"
for preset in bench bench-blas; do
  mkdir -p "$out/$preset"
  for b in bench_train bench_gradient bench_ops bench_cnn; do
    echo "==> $preset/$b"
    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OMP_NUM_THREADS="$threads" OPENBLAS_NUM_THREADS="$threads" BLIS_NUM_THREADS="$threads" \
      "build/$preset/benchmarks/$b" --benchmark_repetitions="$reps" --benchmark_enable_random_interleaving=true --benchmark_report_aggregates_only=true \
      --benchmark_format=json --benchmark_out="$out/$preset/$b.json" --benchmark_out_format=json >/dev/null
  done
done
python3 benchmarks/summary.py "$out"
# The numerical/backprop ratio against the parameter count, as a picture.
if command -v gnuplot >/dev/null 2>&1; then
  gnuplot <<GP
set terminal pngcairo size 720,420 font ',10'
set output '$out/gradient_ratio.png'
set title 'Numerical / backprop gradient cost, book net 784-h-10 (h = 2, 10, 50, 100, 200)'
set xlabel 'parameters P'; set ylabel 'time(central differences) / time(backprop)'
set grid; set key top left
set xrange [0:*]; set yrange [0:*]
plot '$out/gradient_ratio.dat' using 1:2 with linespoints pt 7 title 'measured', x title 'ratio = P'
GP
  echo "wrote $out/gradient_ratio.png"
fi
