#!/usr/bin/env bash
# keisan: draws a learning curve (loss and accuracies per epoch) from the MNIST example's
# --metrics CSV, with gnuplot.  Usage: scripts/plot-metrics.sh FILE.csv OUT.png
# SPDX-License-Identifier: MIT
set -euo pipefail
if [ $# -ne 2 ]; then echo "usage: $0 FILE.csv OUT.png" >&2; exit 2; fi
csv=$1 out=$2
[ -f "$csv" ] || { echo "error: $csv: no such file" >&2; exit 1; }
head -1 "$csv" | grep -q '^epoch,train_loss,train_acc,test_acc,seconds$' ||
  { echo "error: $csv: not a metrics file (header must be epoch,train_loss,train_acc,test_acc,seconds)" >&2; exit 1; }
cd "$(dirname "$0")/.."
. scripts/deps.sh
command -v gnuplot >/dev/null 2>&1 || keisan_require_packages gnuplot-nox
gnuplot <<GP
set datafile separator ','
set terminal pngcairo size 900,420 font ',10'
set output '$out'
set multiplot layout 1,2 title 'keisan MNIST learning curve'
set xlabel 'epoch'; set grid; set key bottom right
set ylabel 'accuracy'; set yrange [*:1]
plot '$csv' every ::1 using 1:3 with linespoints title 'train', '' every ::1 using 1:4 with linespoints title 'test'
set ylabel 'train loss'; set yrange [0:*]; set key top right
plot '$csv' every ::1 using 1:2 with linespoints title 'loss'
unset multiplot
GP
echo "wrote $out"
