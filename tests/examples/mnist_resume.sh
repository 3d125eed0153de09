#!/usr/bin/env bash
# keisan tests: the MNIST example's checkpoints end to end. Stopped after epoch 1 (--save) or by
# Ctrl-C somewhere in epoch 2 (SIGINT: finishes the step, writes interrupted.safetensors, says how
# to resume, exits 130), then resumed with --resume: the final file is byte-identical to one
# uninterrupted run's. Also --checkpoint-every, and --resume/--load refusing other flags.
# Usage: mnist_resume.sh MNIST_BINARY DATA_DIR WORK_DIR
# SPDX-License-Identifier: MIT
set -euo pipefail
mnist=$1 data=$2 work=$3
rm -rf "$work" && mkdir -p "$work" && cd "$work"
flags=(--data "$data" --hidden 32 --activation relu --init he --optimizer adam --lr 0.002 --seed 5)
fail() { echo "FAIL: $*" >&2; exit 1; }

"$mnist" "${flags[@]}" --epochs 3 --save straight.safetensors > straight.log

# Stopped at an epoch boundary and resumed; --checkpoint-every writes the file after epoch 1.
"$mnist" "${flags[@]}" --epochs 2 --save a.safetensors --checkpoint-every 1 > a.log
grep -q "checkpoint: wrote a.safetensors (epoch 1)" a.log || fail "no checkpoint after epoch 1: $(cat a.log)"
"$mnist" "${flags[@]}" --epochs 3 --resume a.safetensors --save b.safetensors > b.log
grep -q "resumed a.safetensors at epoch 2" b.log || fail "no resume line: $(cat b.log)"
cmp straight.safetensors b.safetensors || fail "resumed at an epoch boundary: not byte-identical"

# Ctrl-C in epoch 2, no --save: interrupted.safetensors. The bundled subset is 5000 images, 50
# steps an epoch; the program raises SIGINT itself after step 63 (a test hook, see
# checkpoints.hpp): a signal sent from here could arrive after the last epoch on a fast machine.
rc=0
KEISAN_MNIST_SIGINT_AFTER_STEP=63 "$mnist" "${flags[@]}" --epochs 3 > int.log 2>&1 || rc=$?
grep -q "interrupted in epoch 2 after step 63: wrote interrupted.safetensors" int.log ||
  fail "Ctrl-C: not stopped after step 63 (epoch 2): $(cat int.log)"
[ "$rc" -eq 130 ] || fail "Ctrl-C: exit $rc, expected 130: $(cat int.log)"
grep -q "wrote interrupted.safetensors" int.log || fail "Ctrl-C: no checkpoint named: $(cat int.log)"
grep -q "resume with: .*--resume interrupted.safetensors" int.log || fail "Ctrl-C: no resume command"
ls ./*.tmp* 2>/dev/null && fail "a temporary file was left behind"
"$mnist" "${flags[@]}" --epochs 3 --resume interrupted.safetensors --save c.safetensors > c.log
cmp straight.safetensors c.safetensors || fail "resumed after Ctrl-C: not byte-identical"
out=$(KEISAN_MNIST_SIGINT_AFTER_STEP=x "$mnist" "${flags[@]}" --epochs 1 2>&1) && fail "took a bad test hook"
[[ $out == *"KEISAN_MNIST_SIGINT_AFTER_STEP: 'x' is not a step number (1 or more)"* ]] || fail "wrong message: $out"

# --lr-schedule cosine: the rate of step t follows from the optimizer's saved step count, so a
# run stopped by Ctrl-C in epoch 2 and resumed is byte-identical to one straight run; the curve spans
# all --epochs, so resuming towards another end (or without the schedule) is refused by name.
"$mnist" "${flags[@]}" --lr-schedule cosine --epochs 3 --save cos.safetensors --metrics cos.csv > cos.log
# The metrics' lr column: the rate of each epoch's last step, t = 50 e - 1 of T = 150 (the subset's
# 50 steps an epoch), 0.002 (1 + cos(pi t / T)) / 2.
awk -F, 'NR > 1 { t = 50 * $1 - 1; want = 0.002 * (1 + cos(3.141592653589793 * t / 150)) / 2
                  if ($6 < want * (1 - 1e-5) || $6 > want * (1 + 1e-5)) { print "epoch " $1 ": lr " $6 ", want " want; bad = 1 }
                  rows++ }
     END { exit bad || rows != 3 }' cos.csv || fail "cosine: the metrics' lr column: $(cat cos.csv)"
grep -q "adam lr 0.002 cosine to 0," cos.log || fail "cosine: not in the model line: $(head -3 cos.log)"
cmp -s straight.safetensors cos.safetensors && fail "cosine: the same weights as the constant rate"
"$mnist" "${flags[@]}" --lr-schedule cosine --epochs 1 --save half_cos.safetensors > /dev/null
out=$("$mnist" "${flags[@]}" --lr-schedule cosine --epochs 3 --resume half_cos.safetensors 2>&1) &&
  fail "resumed a 1-epoch cosine run towards 3 epochs"
[[ $out == *"the file was written by a run with --epochs 1 (this run: 3); resume with the same flags"* ]] ||
  fail "wrong message: $out"
# The automatic epoch count (the book's 10,000 steps: 200 epochs of the subset) is recorded
# resolved: naming the same count resumes (stopped again by the hook after step 70), another is
# refused by number.
rc=0
KEISAN_MNIST_SIGINT_AFTER_STEP=63 "$mnist" "${flags[@]}" --lr-schedule cosine > auto.log 2>&1 || rc=$?
[ "$rc" -eq 130 ] || fail "cosine, auto epochs: exit $rc, expected 130: $(cat auto.log)"
rc=0
KEISAN_MNIST_SIGINT_AFTER_STEP=70 "$mnist" "${flags[@]}" --lr-schedule cosine --epochs 200 \
  --resume interrupted.safetensors > auto2.log 2>&1 || rc=$?
[ "$rc" -eq 130 ] && grep -q "interrupted in epoch 2 after step 70" auto2.log ||
  fail "cosine: an auto-epochs file not resumed with the same count named: exit $rc: $(cat auto2.log)"
out=$("$mnist" "${flags[@]}" --lr-schedule cosine --epochs 3 --resume interrupted.safetensors 2>&1) &&
  fail "resumed a 200-epoch cosine run towards 3 epochs"
[[ $out == *"the file was written by a run with --epochs 200 (this run: 3)"* ]] || fail "wrong message: $out"
rc=0
KEISAN_MNIST_SIGINT_AFTER_STEP=63 "$mnist" "${flags[@]}" --lr-schedule cosine --epochs 3 --save cint.safetensors \
  > cint.log 2>&1 || rc=$?
[ "$rc" -eq 130 ] && grep -q "interrupted in epoch 2 after step 63: wrote cint.safetensors" cint.log ||
  fail "cosine Ctrl-C: exit $rc, no checkpoint after step 63: $(cat cint.log)"
"$mnist" "${flags[@]}" --lr-schedule cosine --epochs 3 --resume cint.safetensors --save cres.safetensors > /dev/null
cmp cos.safetensors cres.safetensors || fail "cosine: resumed after Ctrl-C in epoch 2, not byte-identical"
out=$("$mnist" "${flags[@]}" --epochs 3 --resume cint.safetensors 2>&1) && fail "resumed cosine as constant"
[[ $out == *"--lr-schedule cosine (this run: constant)"* ]] || fail "wrong message: $out"
# A constant-rate file resumed with cosine: the schedule is named, not a missing --epochs.
out=$("$mnist" "${flags[@]}" --lr-schedule cosine --epochs 3 --resume a.safetensors 2>&1) && fail "resumed constant as cosine"
[[ $out == *"with --lr-schedule constant (this run: cosine); resume"* ]] || fail "wrong message: $out"

# The file remembers its flags: resuming or loading with others is refused, naming them.
out=$("$mnist" "${flags[@]/adam/sgd}" --epochs 3 --resume a.safetensors 2>&1) && fail "resumed with another optimizer"
[[ $out == *"--resume a.safetensors: the file was written by a run with --optimizer adam (this run: sgd); resume with the same flags"* ]] ||
  fail "wrong message: $out"
out=$("$mnist" --data "$data" --epochs 0 --hidden 32 --load a.safetensors 2>&1) && fail "loaded into a sigmoid net"
[[ $out == *"--load a.safetensors: the file was written by a run with --activation relu (this run: sigmoid); give the same model flags"* ]] ||
  fail "wrong message: $out"
# --load takes the model's tensors out of a checkpoint and evaluates them as trained.
"$mnist" --data "$data" --epochs 0 --hidden 32 --activation relu --load straight.safetensors > load.log
[ "$(grep 'test accuracy' load.log)" = "$(grep 'test accuracy' straight.log)" ] || fail "--load: other accuracy"
# Weights from another program (no recorded flags): shapes decide; NaN or infinity is refused by name.
# A 784-1-10 net: 0.W [784,1], 0.b [1,1], 2.W [1,10], 2.b [1,10], as safetensors written by hand.
plain() {  # plain FILE BIAS_BYTES(4, as printf escapes)
  local json='{"0.W":{"dtype":"F32","shape":[784,1],"data_offsets":[0,3136]},"0.b":{"dtype":"F32","shape":[1,1],"data_offsets":[3136,3140]},"2.W":{"dtype":"F32","shape":[1,10],"data_offsets":[3140,3180]},"2.b":{"dtype":"F32","shape":[1,10],"data_offsets":[3180,3220]}}'
  local n=${#json}
  { printf "\\x$(printf %02x $((n & 255)))\\x$(printf %02x $((n >> 8)))\\x00\\x00\\x00\\x00\\x00\\x00"
    printf '%s' "$json"; head -c 3136 /dev/zero; printf "$2"; head -c 80 /dev/zero; } > "$1"
}
plain ok.safetensors '\x00\x00\x00\x00'
plain nan.safetensors '\x00\x00\xc0\x7f'
"$mnist" --data "$data" --epochs 0 --hidden 1 --load ok.safetensors > plain.log || fail "plain weights: $(cat plain.log)"
out=$("$mnist" --data "$data" --epochs 0 --hidden 2 --load ok.safetensors 2>&1) && fail "loaded 784x1 into 784x2"
[[ $out == *"does not match the model: shape mismatch 0.W (file [784, 1], model [784, 2])"* ]] || fail "wrong message: $out"
out=$("$mnist" --data "$data" --epochs 0 --hidden 1 --load nan.safetensors 2>&1) && fail "loaded NaN weights"
[[ $out == *"error: --load nan.safetensors: tensor '0.b' holds NaN or infinity"* ]] || fail "wrong message: $out"
echo "mnist resume: all passed"
