#!/usr/bin/env bash
# keisan tests: the MNIST example's --accumulate K (one process): bad flags refused by name;
# --accumulate 1 is the plain run to the byte; K micro-batches give the whole batch's update within
# float rounding (short and empty last micro-batches included); files record K; Ctrl-C and
# --resume with K give the uninterrupted run's bytes.
# Usage: mnist_accumulate.sh MNIST_BINARY DATA_DIR WORK_DIR MPI(ON|OFF) COMPARER
# SPDX-License-Identifier: MIT
set -euo pipefail
mnist=$1 data=$2 work=$3 mpi=$4 close=$5
rm -rf "$work" && mkdir -p "$work" && cd "$work"
flags=(--data "$data" --hidden 32 --activation relu --init he --optimizer adam --lr 0.002 --seed 5 --test-limit 200)
fail() { echo "FAIL: $*" >&2; exit 1; }
expect_failure() {  # expect_failure MESSAGE [env VAR=X MNIST] ARGS...: exit != 0 and MESSAGE in the output
  local want=$1 out rc=0
  shift
  if [ "$1" = env ]; then out=$("$@" 2>&1) || rc=$?; else out=$("$mnist" "$@" 2>&1) || rc=$?; fi
  [ "$rc" -ne 0 ] || fail "mnist $*: exit 0, expected a failure"
  [[ $out == *"$want"* ]] || fail "mnist $*: expected '$want', got: $out"
  echo "ok: mnist $* -> exit $rc: $want"
}

expect_failure "--accumulate: must be a whole number >= 1, got 0" "${flags[@]}" --accumulate 0
expect_failure "--accumulate: --batch 100 is not divisible by --accumulate 3 (the micro-batches must be equal)" \
  "${flags[@]}" --accumulate 3
expect_failure "--allreduce: bogus not in {fast,deterministic}" "${flags[@]}" --allreduce bogus
if [ "$mpi" = ON ]; then
  out=$("$mnist" "${flags[@]}" --epochs 0 --allreduce fast 2>&1) || fail "--allreduce in one process: $out"
  [[ $out == *"note: --allreduce has no effect in one process (start it with mpirun -np N)"* ]] ||
    fail "--allreduce in one process: no note: $out"
else
  expect_failure "--allreduce: this mnist was built without MPI (install libopenmpi-dev and rebuild)" \
    "${flags[@]}" --allreduce fast
fi

# The test hook of the MPI error path (checkpoints.hpp) works in one process too, and is checked.
expect_failure "KEISAN_MNIST_FAIL_AFTER_STEP: 'x' is not RANK:STEP (a rank >= 0 and a step >= 1)" \
  env KEISAN_MNIST_FAIL_AFTER_STEP=x "$mnist" "${flags[@]}" --epochs 1 --train-limit 300
expect_failure "error: rank 0 fails after step 2, as KEISAN_MNIST_FAIL_AFTER_STEP asks" \
  env KEISAN_MNIST_FAIL_AFTER_STEP=0:2 "$mnist" "${flags[@]}" --epochs 1 --train-limit 300

# --accumulate 1 is the plain path: the same bytes.
"$mnist" "${flags[@]}" --epochs 1 --train-limit 1000 --save plain.safetensors > plain.log
"$mnist" "${flags[@]}" --epochs 1 --train-limit 1000 --accumulate 1 --save one.safetensors > one.log
cmp plain.safetensors one.safetensors || fail "--accumulate 1 differs from the plain run"

# One step of 100 rows, then a short step of 2 (split 0+1+0+1 rows by 4: empty micro-batches):
# the same update as the whole batches, within float rounding. (SGD: Adam's update divides by the
# gradient's magnitude, so a gradient near zero may change sign with the rounding.)
sgd=(--data "$data" --hidden 32 --seed 5 --test-limit 200 --epochs 1 --train-limit 102)
"$mnist" "${sgd[@]}" --save w1.safetensors > w1.log
for k in 2 4 5; do
  "$mnist" "${sgd[@]}" --accumulate $k --save w$k.safetensors > w$k.log
  grep -q "gradient accumulation: $k micro-batches of $((100 / k)) rows per step of 100" w$k.log ||
    fail "no accumulation line: $(cat w$k.log)"
  python3 "$close" w1.safetensors w$k.safetensors 1e-5 || fail "--accumulate $k: not the whole batch's update"
  cmp -s w1.safetensors w$k.safetensors && fail "--accumulate $k wrote the plain run's bytes: not accumulated?"
done
# ... and a real difference is caught (the comparer is not blind).
"$mnist" "${sgd[@]}" --lr 0.11 --save lr.safetensors > lr.log
python3 "$close" w1.safetensors lr.safetensors 1e-5 > /dev/null && fail "the comparer missed another learning rate"

# The file records K; resuming with another K is refused by name.
"$mnist" "${flags[@]}" --epochs 1 --train-limit 1000 --accumulate 2 --save a2.safetensors > a2.log
expect_failure "--resume a2.safetensors: the file was written by a run with --accumulate 2 (this run: 1); resume with the same flags" \
  "${flags[@]}" --epochs 2 --train-limit 1000 --resume a2.safetensors

# Ctrl-C mid-epoch with K = 2, then --resume: the uninterrupted run's bytes.
"$mnist" "${flags[@]}" --epochs 2 --train-limit 1000 --accumulate 2 --save straight.safetensors > straight.log
rc=0
KEISAN_MNIST_SIGINT_AFTER_STEP=13 "$mnist" "${flags[@]}" --epochs 2 --train-limit 1000 --accumulate 2 \
  --save int.safetensors > int.log 2>&1 || rc=$?
[ "$rc" -eq 130 ] || fail "Ctrl-C: exit $rc, expected 130: $(cat int.log)"
grep -q "interrupted in epoch 2 after step 13" int.log || fail "Ctrl-C: not after step 13: $(cat int.log)"
"$mnist" "${flags[@]}" --epochs 2 --train-limit 1000 --accumulate 2 --resume int.safetensors \
  --save resumed.safetensors > resumed.log
cmp straight.safetensors resumed.safetensors || fail "--accumulate 2 resumed after Ctrl-C: not byte-identical"
echo "mnist_accumulate: every check held"
