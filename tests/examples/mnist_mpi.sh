#!/usr/bin/env bash
# keisan tests: the MNIST example under mpirun. Deterministic mode writes the bytes one process
# writes with --accumulate P (np = 2 and 4), and prints the same accuracy; fast mode agrees within
# 1e-6; only rank 0 prints; a rank that fails ends the whole job with a non-zero exit, not a hang;
# flags that cannot work with P processes are refused once, by name; Ctrl-C under mpirun writes
# the checkpoint one process would.
# Usage: mnist_mpi.sh MPIRUN MNIST_BINARY DATA_DIR WORK_DIR COMPARER
# SPDX-License-Identifier: MIT
set -euo pipefail
mpirun=$1 mnist=$2 data=$3 work=$4 close=$5
rm -rf "$work" && mkdir -p "$work" && cd "$work"
flags=(--data "$data" --epochs 1 --seed 3 --test-limit 500 --activation relu --init he --optimizer momentum --lr 0.05)
fail() { echo "FAIL: $*" >&2; exit 1; }
# Every mpirun is bounded: a hang fails the test (exit 124) instead of stalling ctest.
run_np() {  # run_np NP ARGS...
  local np=$1
  shift
  timeout 120 "$mpirun" --oversubscribe --allow-run-as-root -np "$np" "$mnist" "$@"
}
accuracy() { grep "^test accuracy:" "$1"; }

for np in 2 4; do
  run_np $np "${flags[@]}" --allreduce deterministic --save det$np.safetensors > det$np.log 2>&1 ||
    fail "np=$np deterministic: $(cat det$np.log)"
  "$mnist" "${flags[@]}" --accumulate $np --save acc$np.safetensors > acc$np.log
  cmp det$np.safetensors acc$np.safetensors || fail "np=$np deterministic differs from --accumulate $np"
  [ "$(accuracy det$np.log)" = "$(accuracy acc$np.log)" ] ||
    fail "np=$np: $(accuracy det$np.log) vs --accumulate $np: $(accuracy acc$np.log)"
  [ "$(grep -c "^test accuracy:" det$np.log)" -eq 1 ] || fail "np=$np: more than rank 0 printed: $(cat det$np.log)"
  grep -q "data-parallel: $np processes, deterministic allreduce, each $((100 / np)) rows of every batch of 100" \
    det$np.log || fail "np=$np: no data-parallel line: $(cat det$np.log)"
  echo "ok: np=$np deterministic == --accumulate $np, byte for byte ($(accuracy det$np.log))"
done
cmp -s det2.safetensors det4.safetensors && fail "np=2 and np=4 wrote the same bytes: the comparison is blind"

run_np 2 "${flags[@]}" --save fast2.safetensors > fast2.log 2>&1 || fail "np=2 fast: $(cat fast2.log)"
grep -q "2 processes, fast allreduce" fast2.log || fail "np=2: fast is not the default: $(cat fast2.log)"
python3 "$close" det2.safetensors fast2.safetensors 1e-6 || fail "np=2 fast: not within 1e-6 of deterministic"

# A rank that fails mid-training ends every rank: non-zero exit within the timeout, its message shown.
rc=0
KEISAN_MNIST_FAIL_AFTER_STEP=1:3 run_np 2 "${flags[@]}" > failing.log 2>&1 || rc=$?
[ "$rc" -ne 0 ] || fail "a failing rank: exit 0: $(cat failing.log)"
[ "$rc" -ne 124 ] || fail "a failing rank: the job hung until the timeout: $(cat failing.log)"
grep -q "error: rank 1 of 2: rank 1 fails after step 3, as KEISAN_MNIST_FAIL_AFTER_STEP asks" failing.log ||
  fail "a failing rank: no message from rank 1: $(cat failing.log)"
echo "ok: a failing rank ended the job with exit $rc"

# Flags that cannot work with P processes: refused once (rank 0 speaks), naming the flag.
expect_np_failure() {  # expect_np_failure NP MESSAGE ARGS...
  local np=$1 want=$2 out rc=0
  shift 2
  out=$(run_np "$np" "$@" 2>&1) || rc=$?
  [ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] || fail "np=$np $*: exit $rc, expected a failure: $out"
  [[ $out == *"$want"* ]] || fail "np=$np $*: expected '$want', got: $out"
  [ "$(grep -cF -- "$want" <<< "$out")" -eq 1 ] || fail "np=$np $*: said more than once: $out"
  echo "ok: np=$np $* -> exit $rc: $want"
}
expect_np_failure 3 "--batch: 100 is not divisible by the 3 processes (each takes an equal part of every batch)" \
  "${flags[@]}"
expect_np_failure 2 "--accumulate: not supported with 2 processes" "${flags[@]}" --accumulate 2
expect_np_failure 2 "--batchnorm: not supported with 2 processes yet (each process would keep its own running statistics)" \
  "${flags[@]}" --batchnorm
expect_np_failure 2 "--dropout: not supported with 2 processes yet (each process would draw its own dropout masks)" \
  "${flags[@]}" --dropout 0.2
expect_np_failure 2 "--model deep-cnn: not supported with 2 processes yet (each process would draw its own dropout masks)" \
  "${flags[@]}" --model deep-cnn
expect_np_failure 2 "--allreduce: bogus not in {fast,deterministic}" "${flags[@]}" --allreduce bogus

# Ctrl-C (the test hook raises SIGINT in every rank after step 30): the checkpoint one process
# with --accumulate 2 writes when stopped at the same step.
rc=0
KEISAN_MNIST_SIGINT_AFTER_STEP=30 run_np 2 "${flags[@]}" --allreduce deterministic --save int_mpi.safetensors \
  > int_mpi.log 2>&1 || rc=$?
[ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] || fail "Ctrl-C under mpirun: exit $rc: $(cat int_mpi.log)"
grep -q "interrupted in epoch 1 after step 30: wrote int_mpi.safetensors" int_mpi.log ||
  fail "Ctrl-C under mpirun: $(cat int_mpi.log)"
rc=0
KEISAN_MNIST_SIGINT_AFTER_STEP=30 "$mnist" "${flags[@]}" --accumulate 2 --save int_one.safetensors > int_one.log 2>&1 ||
  rc=$?
[ "$rc" -eq 130 ] || fail "Ctrl-C with --accumulate 2: exit $rc"
cmp int_mpi.safetensors int_one.safetensors || fail "Ctrl-C: mpirun -np 2 and --accumulate 2 checkpoints differ"

# A real signal: mpirun ends the job on SIGINT but forwards SIGUSR1 to every rank, which stop
# after the same step and rank 0 writes the checkpoint (exit 130 from every rank).
rm -f usr1.safetensors
# mpirun itself in the background (not under `timeout`, which does not pass SIGUSR1 on), bounded
# by the loops below instead.
"$mpirun" --oversubscribe --allow-run-as-root -np 2 "$mnist" --data "$data" --seed 3 --test-limit 500 \
  --epochs 100000 --save usr1.safetensors > usr1.log 2>&1 &
job=$!
for _ in $(seq 1 1200); do
  grep -q "epoch  1  train loss" usr1.log && break
  kill -0 $job 2> /dev/null || break
  sleep 0.1
done
grep -q "epoch  1  train loss" usr1.log || { kill -KILL $job; fail "SIGUSR1: epoch 1 never finished: $(cat usr1.log)"; }
kill -USR1 $job
for _ in $(seq 1 600); do
  kill -0 $job 2> /dev/null || break
  sleep 0.1
done
kill -0 $job 2> /dev/null && { kill -KILL $job; fail "SIGUSR1: the job did not end within 60 s: $(cat usr1.log)"; }
rc=0
wait $job || rc=$?
[ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] || fail "SIGUSR1 under mpirun: exit $rc: $(cat usr1.log)"
grep -q "interrupted in epoch .* after step .*: wrote usr1.safetensors" usr1.log ||
  fail "SIGUSR1 under mpirun: no checkpoint: $(cat usr1.log)"
[ -s usr1.safetensors ] || fail "SIGUSR1 under mpirun: usr1.safetensors missing"
echo "ok: SIGUSR1 to mpirun stopped both ranks after the same step (exit $rc)"
echo "mnist_mpi: every check held"
