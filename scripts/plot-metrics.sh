#!/usr/bin/env bash
# keisan: draws a learning curve (loss and accuracies per epoch) from the MNIST example's
# --metrics CSV, with gnuplot.  Usage: scripts/plot-metrics.sh FILE.csv OUT.png (paths relative to
# where you run it)
# SPDX-License-Identifier: MIT
set -euo pipefail
if [ $# -ne 2 ]; then echo "usage: $0 FILE.csv OUT.png" >&2; exit 2; fi
csv=$1 out=$2
[ -f "$csv" ] || { echo "error: $csv: no such file" >&2; exit 1; }
# (files written before the lr column existed end at seconds)
head -1 "$csv" | grep -q -E '^epoch,train_loss,train_acc,test_acc,seconds(,lr)?$' ||
  { echo "error: $csv: not a metrics file (header must be epoch,train_loss,train_acc,test_acc,seconds[,lr])" >&2; exit 1; }
[ -d "$(dirname -- "$out")" ] || { echo "error: $out: no such directory $(dirname -- "$out")" >&2; exit 1; }
# No cd: FILE.csv and OUT.png are relative to the caller's folder, as for any command.
command -v gnuplot >/dev/null 2>&1 || {
  . "$(dirname "${BASH_SOURCE[0]}")/deps.sh"
  keisan_require_packages gnuplot-nox
}
# gnuplot reads the names inside single quotes, where a quote is written twice.
# gnuplot draws into a file of our own; then it is copied to OUT, so that a write error (a full
# disk) is reported, not lost.
tmp=$(mktemp "${TMPDIR:-/tmp}/keisan-plot.XXXXXX")
trap 'rm -f "$tmp"' EXIT
gp_csv=${csv//\'/\'\'} gp_out=${tmp//\'/\'\'}
gnuplot <<GP
set datafile separator ','
set terminal pngcairo size 900,420 font ',10'
set output '$gp_out'
set multiplot layout 1,2 title 'keisan MNIST learning curve'
set xlabel 'epoch'; set grid; set key bottom right
set ylabel 'accuracy'; set yrange [*:1]
plot '$gp_csv' every ::1 using 1:3 with linespoints title 'train', '' every ::1 using 1:4 with linespoints title 'test'
set ylabel 'train loss'; set yrange [0:*]; set key top right
plot '$gp_csv' every ::1 using 1:2 with linespoints title 'loss'
unset multiplot
GP
[ -s "$tmp" ] || { echo "error: gnuplot drew nothing" >&2; exit 1; }
cat "$tmp" >"$out" 2>/dev/null || { echo "error: $out: write failed" >&2; exit 1; }
echo "wrote $out"
