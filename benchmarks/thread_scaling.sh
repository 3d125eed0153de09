#!/usr/bin/env bash
# keisan: W1/W2 seconds per MNIST epoch against PyTorch at several thread counts, same machine,
# same run: the thread-scaling table of docs/benchmarks.md ("Many cores: 1–16 threads against
# PyTorch"). Builds and installs nothing: it needs a python3 with torch (any version; no numpy)
# and keisan MNIST example binaries, so it also runs on a many-core machine without a compiler,
# with binaries built elsewhere (that section says how they were carried).
# Usage: benchmarks/thread_scaling.sh MNIST_DIR OUT_DIR [--threads "1 2 4 8 16"] [--rounds R]
#          [--epochs E] [--python PY] [--keisan BIN ...]      (BIN default: build/release/examples/mnist)
# Each round runs benchmarks/compare_pytorch.py once per thread count (a fresh process, so every
# thread pool is sized before torch is imported), ascending in odd rounds and descending in even
# ones. OUT_DIR gets machine.txt, r<round>-t<threads>.{md,json} (earlier ones there are removed
# first) and summary.md: per workload and thread count the median over rounds of PyTorch's and
# each binary's s/epoch, the speed-up over 1 thread, and PyTorch / keisan (above 1: keisan is
# faster).
# SPDX-License-Identifier: MIT
set -euo pipefail
set -f  # no globbing: a '*' among the arguments stays a '*'
usage='usage: benchmarks/thread_scaling.sh MNIST_DIR OUT_DIR [--threads "1 2 4 8 16"] [--rounds R] [--epochs E] [--python PY] [--keisan BIN ...]'
refuse() { echo "$usage  ($1)" >&2; exit 2; }
[ $# -ge 2 ] || { echo "$usage" >&2; exit 2; }
data=$1 out=$2
shift 2
threads="1 2 4 8 16" rounds=2 epochs=3 py=${PYTHON:-python3} keisan=()
while [ $# -gt 0 ]; do
  case $1 in
    --threads | --rounds | --epochs | --python)
      [ $# -ge 2 ] || refuse "$1 needs a value"
      case $1 in
        --threads) threads=$2 ;;
        --rounds) rounds=$2 ;;
        --epochs) epochs=$2 ;;
        --python) py=$2 ;;
      esac
      shift 2 ;;
    --keisan) shift; while [ $# -gt 0 ] && [ "${1#--}" = "$1" ]; do keisan+=("$1"); shift; done ;;
    *) refuse "unknown argument '$1'" ;;
  esac
done
[ ${#keisan[@]} -gt 0 ] || keisan=(build/release/examples/mnist)
read -r -a thread_list <<<"$threads"
[ ${#thread_list[@]} -gt 0 ] || refuse "--threads: no thread counts"
for n in "${thread_list[@]}" "$rounds" "$epochs"; do
  [[ $n =~ ^[1-9][0-9]*$ ]] || refuse "'$n' is not a positive whole number"
done
[ -d "$data" ] || { echo "benchmarks/thread_scaling.sh: no MNIST folder '$data'" >&2; exit 2; }
for b in "${keisan[@]}"; do
  [ -f "$b" ] && [ -x "$b" ] || { echo "benchmarks/thread_scaling.sh: '$b' is not an executable" >&2; exit 2; }
done
"$py" -c 'import torch' 2>/dev/null || { echo "benchmarks/thread_scaling.sh: '$py' cannot import torch" >&2; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$out"
{
  echo "date: $(date -u +%FT%TZ)"
  echo "cores: $(nproc)"
  grep -m1 'model name' /proc/cpuinfo || true
  grep -m1 -o -w 'avx512f' /proc/cpuinfo || echo "no avx512f"
  "$py" -c 'import torch; print("torch", torch.__version__); print(torch.__config__.parallel_info())'
  for b in "${keisan[@]}"; do echo "keisan: $b"; done
} >"$out/machine.txt" 2>&1

# Only this run's rounds go into the summary.
find "$out" -maxdepth 1 -type f \( -name 'r*-t*.json' -o -name 'r*-t*.md' \) -delete
keisan_flags=()
for b in "${keisan[@]}"; do keisan_flags+=(--keisan "$b"); done
for ((r = 1; r <= rounds; r++)); do
  ascending=-n
  [ $((r % 2)) -eq 1 ] || ascending=-nr
  order=$(printf '%s\n' "${thread_list[@]}" | sort "$ascending" -u)
  for t in $order; do
    echo "==> round $r, $t thread(s)"
    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE "$py" "$here/compare_pytorch.py" "$data" --workloads W1,W2 \
      --threads "$t" --epochs "$epochs" "${keisan_flags[@]}" --json "$out/r$r-t$t.json" 2>&1 | tee "$out/r$r-t$t.md"
  done
done

"$py" - "$out" <<'EOF' | tee "$out/summary.md"
import json, pathlib, statistics, sys
out = pathlib.Path(sys.argv[1])
rows = {}  # (workload, threads) -> list of per-round results
for f in sorted(out.glob("r*-t*.json")):
    for res in json.loads(f.read_text())["results"]:
        rows.setdefault((res["workload"], res["threads"]), []).append(res)
labels = sorted({k for rs in rows.values() for r in rs for k in r["keisan_s"]})
med = lambda xs: statistics.median(xs) if xs else float("nan")
print("| workload | threads | PyTorch (s/epoch) | PyTorch CPU/wall | speed-up | " +
      "".join(f"keisan {l} (s/epoch) | speed-up | " for l in labels) + "PyTorch / keisan (fastest) |")
print("|---" * (6 + 2 * len(labels)) + "|")
for w in sorted({w for w, _ in rows}):
    one = rows.get((w, 1), [])
    for t in sorted(t for ww, t in rows if ww == w):
        rs = rows[(w, t)]
        pt = med([r["pytorch_s"] for r in rs])
        cpu = med([r["pytorch_cpu_s"] / r["pytorch_s"] for r in rs])
        pt1 = med([r["pytorch_s"] for r in one])
        line = f"| {w} | {t} | {pt:.3f} | {cpu:.1f} | {pt1 / pt:.2f} | "
        best = float("inf")
        for l in labels:
            k = med([r["keisan_s"][l] for r in rs if l in r["keisan_s"]])
            k1 = med([r["keisan_s"][l] for r in one if l in r["keisan_s"]])
            best = min(best, k)
            line += f"{k:.4f} | {k1 / k:.2f} | "
        print(line + f"{pt / best:.2f} |")
print(f"\nmedians over {max(len(v) for v in rows.values())} round(s); speed-up: the 1-thread time over this one")
EOF
