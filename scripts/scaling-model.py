#!/usr/bin/env python3
"""keisan: what data-parallel training over P machines would give, from one machine's figures.

A cost model, not a measurement. One rank per node, gradients summed by a ring allreduce each step:

    step(P)      = compute(rows per rank) + allreduce(P)
    compute(b)   = b * (measured step time / measured batch)      (per-sample cost, one thread)
    allreduce(P) = 2 (P-1)/P * gradient bytes / bandwidth + 2 (P-1) * latency   (0 for P = 1)
    epoch(P)     = 60,000 / global batch * step(P)
    efficiency   = epoch(1) / (P * epoch(P))

Two ways to use P machines:
  strong  the workload's batch stays the global batch: each rank computes batch/P rows (the
          example's `mpirun -np P ... --batch B`); compute shrinks, the allreduce does not;
  weak    each rank keeps the whole batch: the global batch is P x batch (`--batch P*B`), the
          epoch has P times fewer steps.
compute() scales linearly with the rows, which flatters small per-rank batches (a step's fixed
costs do not shrink): strong-scaling figures are upper bounds.

Defaults: keisan's step times measured on a 2-core AMD EPYC (Zen 4, AVX-512), 1 thread, release
build, 2026-11-28 (docs/benchmarks.md), gradient sizes from the parameter counts, 20 us latency
per message (TCP over Ethernet; RDMA is nearer 2 us).

Usage: scripts/scaling-model.py [--workloads W1,W2,W4,W5] [--bandwidths 10,25,100]
       [--nodes 1,2,4,...,64] [--latency-us 20] [--step W=MS ...] [--plot OUT.png]
Prints Markdown tables (epoch seconds and efficiency per node count) and a verdict per workload;
--plot draws weak-scaling efficiency against nodes at the middle bandwidth with gnuplot.
"""
import argparse
import pathlib
import shutil
import subprocess
import sys

SAMPLES = 60000


class Workload:
    def __init__(self, name, what, params, batch, step_ms):
        self.name, self.what, self.params, self.batch, self.step_ms = name, what, params, batch, step_ms

    @property
    def grad_bytes(self):
        return 4 * self.params  # float32 gradients


def mlp_params(sizes):
    return sum(a * b + b for a, b in zip(sizes, sizes[1:]))


def conv_params(convs):
    return sum(k * k * c * f + f for c, f, k in convs)


WORKLOADS = {
    "W1": Workload("W1", "784-50-10 sigmoid", mlp_params([784, 50, 10]), 100, 0.120),
    "W2": Workload("W2", "784-512-512-10 ReLU", mlp_params([784, 512, 512, 10]), 128, 2.45),
    "W4": Workload("W4", "SimpleConvNet", conv_params([(1, 30, 5)]) + mlp_params([4320, 100, 10]), 100, 11.25),
    "W5": Workload("W5", "DeepConvNet",
                   conv_params([(1, 16, 3), (16, 16, 3), (16, 32, 3), (32, 32, 3), (32, 64, 3), (64, 64, 3)]) +
                   mlp_params([1024, 50, 10]), 100, 81.1),
}


def allreduce_s(nodes, nbytes, gbit_s, latency_s):
    if nodes == 1:
        return 0.0
    return 2 * (nodes - 1) / nodes * nbytes / (gbit_s * 1e9 / 8) + 2 * (nodes - 1) * latency_s


def epoch_s(w, nodes, gbit_s, latency_s, weak):
    per_sample = w.step_ms * 1e-3 / w.batch
    rows = w.batch if weak else w.batch / nodes
    global_batch = w.batch * nodes if weak else w.batch
    step = rows * per_sample + allreduce_s(nodes, w.grad_bytes, gbit_s, latency_s)
    return SAMPLES / global_batch * step


def efficiency(w, nodes, gbit_s, latency_s, weak):
    return epoch_s(w, 1, gbit_s, latency_s, weak) / (nodes * epoch_s(w, nodes, gbit_s, latency_s, weak))


def numbers(text, kind, flag):
    try:
        values = [kind(v) for v in text.split(",")]
    except ValueError:
        values = []
    if not values or any(v <= 0 for v in values):
        raise SystemExit(usage_error(f"{flag}: a comma-separated list of positive numbers, got '{text}'"))
    return values


def usage_error(message):
    print(f"scripts/scaling-model.py: {message}", file=sys.stderr)
    return 2


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--workloads", default="W1,W2,W4,W5")
    ap.add_argument("--bandwidths", default="10,25,100", help="Gb/s between nodes")
    ap.add_argument("--nodes", default="1,2,4,8,16,32,64")
    ap.add_argument("--latency-us", type=float, default=20.0, help="per message (default 20)")
    ap.add_argument("--step", action="append", default=[], metavar="W=MS",
                    help="a measured one-thread step time in ms for workload W (e.g. W2=1.9)")
    ap.add_argument("--plot", help="a PNG of weak-scaling efficiency against nodes (gnuplot)")
    args = ap.parse_args()

    names = args.workloads.split(",")
    for n in names:
        if n not in WORKLOADS:
            return usage_error(f"--workloads: unknown workload '{n}' (known: {', '.join(WORKLOADS)})")
    bandwidths = numbers(args.bandwidths, float, "--bandwidths")
    nodes = numbers(args.nodes, int, "--nodes")
    if args.latency_us < 0:
        return usage_error(f"--latency-us: must be >= 0, got {args.latency_us:g}")
    latency = args.latency_us * 1e-6
    for s in args.step:
        name, _, ms = s.partition("=")
        try:
            value = float(ms)
        except ValueError:
            value = -1
        if name not in WORKLOADS or value <= 0:
            return usage_error(f"--step: expected W=MS with W in {', '.join(WORKLOADS)} and MS > 0, got '{s}'")
        WORKLOADS[name].step_ms = value

    print(f"Ring allreduce, {args.latency_us:g} us per message, float32 gradients; one-thread step times as given.\n")
    for weak in (False, True):
        title = ("weak scaling: each node keeps the whole batch (global batch = nodes x batch)" if weak else
                 "strong scaling: the batch is the global batch, split over the nodes (an upper bound)")
        print(f"### {title}\n")
        print("| workload | gradient | step (1 node) | Gb/s | " + " | ".join(f"{p} nodes" for p in nodes) + " |")
        print("|---|---|---|---|" + "---|" * len(nodes))
        for n in names:
            w = WORKLOADS[n]
            for bw in bandwidths:
                cells = [f"{epoch_s(w, p, bw, latency, weak):.3g} s ({efficiency(w, p, bw, latency, weak):.0%})"
                         for p in nodes]
                print(f"| {n} {w.what} | {w.grad_bytes / 1e3:,.0f} KB | {w.step_ms:g} ms | {bw:g} | " +
                      " | ".join(cells) + " |")
        print()

    # The verdict: per bandwidth, the most nodes at which weak scaling keeps half its efficiency.
    print("Verdict (weak scaling; the most nodes at which efficiency stays >= 50%; 'scales' when that is 8 or more"
          " at some bandwidth):")
    for n in names:
        w = WORKLOADS[n]
        reach = []
        for bw in bandwidths:
            ok = [p for p in nodes if efficiency(w, p, bw, latency, True) >= 0.5]
            reach.append(f"{max(ok) if ok else 'none'} at {bw:g} Gb/s")
        scales = any(efficiency(w, p, bw, latency, True) >= 0.5 for p in nodes if p >= 8 for bw in bandwidths)
        ratio = allreduce_s(2, w.grad_bytes, min(bandwidths), latency) / (w.step_ms * 1e-3)
        print(f"- {n}: {'scales' if scales else 'does not scale'}: {', '.join(reach)} "
              f"(2 nodes at {min(bandwidths):g} Gb/s: the allreduce takes {ratio:.2g}x its {w.step_ms:g} ms step)")

    if args.plot:
        out = pathlib.Path(args.plot)
        if not shutil.which("gnuplot"):
            return usage_error("--plot needs gnuplot (apt-get install gnuplot-nox)")
        bw = sorted(bandwidths)[len(bandwidths) // 2]  # the middle bandwidth
        rows = []
        for p_ in nodes:
            rows.append(" ".join([str(p_)] + [f"{efficiency(WORKLOADS[n], p_, bw, latency, True):.6f}" for n in names]))
        plots = ", ".join(f"'-' using 1:2 with linespoints title '{n} ({WORKLOADS[n].what})'" for n in names)
        script = (f"set terminal pngcairo size 720,420 font ',10'\nset output '{str(out).replace(chr(39), chr(39) * 2)}'\n"
                  f"set title 'Modelled weak-scaling efficiency, ring allreduce at {bw:g} Gb/s'\n"
                  "set xlabel 'nodes'; set ylabel 'efficiency'; set logscale x 2; set yrange [0:1.05]; set grid\n"
                  f"plot {plots}\n")
        # gnuplot's inline data: one block per curve, each the node column and that curve's column.
        blocks = "".join("\n".join(f"{r.split()[0]} {r.split()[i + 1]}" for r in rows) + "\ne\n"
                         for i in range(len(names)))
        done = subprocess.run(["gnuplot"], input=script + blocks, text=True, capture_output=True, check=False)
        if done.returncode != 0 or not out.exists():
            print(f"scripts/scaling-model.py: gnuplot failed: {done.stderr.strip()}", file=sys.stderr)
            return 1
        print(f"\nwrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
