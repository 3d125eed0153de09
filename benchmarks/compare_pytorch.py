#!/usr/bin/python3
"""keisan vs PyTorch on the reference workloads, same machine, same run. Optional, not in CI.

W1: 784-50-10 sigmoid, W2: 784-512-512-10 ReLU; softmax cross-entropy, SGD lr 0.1, batch 100 / 128.
W4: the book's SimpleConvNet (conv 30@5x5 -> ReLU -> max-pool 2x2 -> Affine 100 -> ReLU -> Affine 10),
W5: its DeepConvNet (six 3x3 convs 16,16,32,32,64,64, pad 1 but the 4th pad 2, ReLU after each,
max-pool 2x2 after the 2nd/4th/6th, Affine 50 -> ReLU -> Dropout 0.5 -> Affine 10 -> Dropout 0.5,
He init); both Adam lr 0.001, batch 100, softmax cross-entropy.
All float32, N threads (--threads, default 1). The PyTorch loops are as fast as a PyTorch user
could make them: data preloaded as one tensor, batches by index, torch.set_num_threads(N),
set_to_none gradients.

Thread pinning: OMP_NUM_THREADS, OPENBLAS_NUM_THREADS and MKL_NUM_THREADS are set to N in this
process's environment *before* torch is imported (torch sizes its OpenMP pool at import; setting
them later, or torch.set_num_threads alone, left a second pool of BLAS threads running). Every
PyTorch measurement reports CPU time (time.process_time, all threads) beside wall time, and warns
when CPU/wall is not N within 20%: then the run did not use the threads it claims.

keisan's side: W1/W2 with keisan's MNIST example (full epochs, --threads N, the epoch times from
its --metrics file), one column per --keisan BINARY (repeat the flag); W4/W5 with the bench_cnn benchmark
(BM_CnnStep, per step; the same step on random images) from the bench and bench-blas builds that
exist, and with the first MNIST example too when it has `--model simple-cnn` / `deep-cnn`.
--json FILE also writes the W1/W2 figures (benchmarks/thread_scaling.sh sweeps thread counts).

Usage: benchmarks/compare_pytorch.py [MNIST_DIR] [--threads N] [--epochs N] [--cnn-steps S]
       [--workloads W1,W2,W4,W5] [--keisan BINARY]... [--json FILE]
       (needs torch, e.g. Debian's python3-torch: run with /usr/bin/python3; numpy is not needed)
"""
import argparse
import csv
import gzip
import json
import os
import pathlib
import re
import statistics
import subprocess
import sys
import tempfile
import time

# torch is imported by main() once the thread variables are set: its OpenMP pool and its BLAS pool
# size themselves when loaded. numpy is not used: imported at the top it loaded OpenBLAS first and
# gave PyTorch's Linear layers two BLAS threads with --threads 1 (CPU/wall 1.99), and a pip
# PyTorch may come without it.
torch = None


def read_idx(path):
    """An IDX file (gzipped or not) as a uint8 tensor of its shape; torch alone, no numpy."""
    p = pathlib.Path(path)
    if not p.exists():
        p = pathlib.Path(str(path) + ".gz")
    data = gzip.decompress(p.read_bytes()) if p.suffix == ".gz" else p.read_bytes()
    ndims = data[3]
    dims = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(ndims)]
    return torch.frombuffer(bytearray(data), dtype=torch.uint8, offset=4 + 4 * ndims).reshape(dims)


def check_threads(what, wall, cpu, threads):
    """Warns when the CPU time is not `threads` x the wall time within 20%."""
    ratio = cpu / wall if wall > 0 else 0.0
    if abs(ratio - threads) > 0.2 * threads:
        why = ("more threads ran than asked for" if ratio > threads else
               "it got less CPU than that: the machine is loaded, the wall time is inflated")
        print(f"WARNING: {what}: CPU/wall = {ratio:.2f} with --threads {threads}, not {threads} within 20%: {why}",
              file=sys.stderr)
    return ratio


def mlp(sizes, relu):
    layers = []
    for i in range(len(sizes) - 1):
        layers.append(torch.nn.Linear(sizes[i], sizes[i + 1]))
        if i + 2 < len(sizes):
            layers.append(torch.nn.ReLU() if relu else torch.nn.Sigmoid())
    return torch.nn.Sequential(*layers)


def simple_conv_net():
    nn = torch.nn
    return nn.Sequential(nn.Conv2d(1, 30, 5), nn.ReLU(), nn.MaxPool2d(2, 2), nn.Flatten(),
                         nn.Linear(30 * 12 * 12, 100), nn.ReLU(), nn.Linear(100, 10))


def deep_conv_net():
    nn = torch.nn
    layers, c = [], 1
    for i, (f, pad) in enumerate(((16, 1), (16, 1), (32, 1), (32, 2), (64, 1), (64, 1))):
        layers += [nn.Conv2d(c, f, 3, padding=pad), nn.ReLU()]
        if i % 2 == 1:
            layers.append(nn.MaxPool2d(2, 2))
        c = f
    layers += [nn.Flatten(), nn.Linear(64 * 4 * 4, 50), nn.ReLU(), nn.Dropout(0.5), nn.Linear(50, 10), nn.Dropout(0.5)]
    net = nn.Sequential(*layers)
    for m in net.modules():
        if isinstance(m, (nn.Conv2d, nn.Linear)):
            nn.init.kaiming_normal_(m.weight, nonlinearity="relu")
            nn.init.zeros_(m.bias)
    return net


def torch_mlp_epoch(x, y, sizes, relu, batch, epochs, threads, name):
    """Median (wall s, CPU s) per full epoch of SGD lr 0.1."""
    torch.manual_seed(0)
    net = mlp(sizes, relu)
    opt = torch.optim.SGD(net.parameters(), lr=0.1)
    loss_fn = torch.nn.CrossEntropyLoss()
    n = x.shape[0]
    walls, cpus = [], []
    for _ in range(epochs):
        perm = torch.randperm(n)
        t0, c0 = time.perf_counter(), time.process_time()
        for i in range(0, n - batch + 1, batch):
            idx = perm[i:i + batch]
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(net(x[idx]), y[idx])
            loss.backward()
            opt.step()
        walls.append(time.perf_counter() - t0)
        cpus.append(time.process_time() - c0)
    wall, cpu = statistics.median(walls), statistics.median(cpus)
    return wall, cpu, check_threads(f"PyTorch {name}", wall, cpu, threads)


def torch_cnn_steps(x, y, make, steps, threads, name, batch=100):
    """Median (wall ms, CPU ms) per Adam step over `steps` steps after 3 warm-up steps, and the
    seconds a 600-step epoch takes at the mean step time."""
    torch.manual_seed(0)
    net = make()
    net.train()
    opt = torch.optim.Adam(net.parameters(), lr=0.001)
    loss_fn = torch.nn.CrossEntropyLoss()
    n = x.shape[0]
    perm = torch.randperm(n)
    walls, cpus = [], []
    for s in range(steps + 3):
        i = (s * batch) % (n - batch + 1)
        idx = perm[i:i + batch]
        t0, c0 = time.perf_counter(), time.process_time()
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(net(x[idx]), y[idx])
        loss.backward()
        opt.step()
        if s >= 3:
            walls.append(time.perf_counter() - t0)
            cpus.append(time.process_time() - c0)
    ratio = check_threads(f"PyTorch {name}", sum(walls), sum(cpus), threads)
    return 1e3 * statistics.median(walls), 1e3 * statistics.median(cpus), 600 * statistics.mean(walls), ratio


def keisan_env():
    env = dict(os.environ)
    env.pop("OPENBLAS_CORETYPE", None)  # OpenBLAS picks its kernel for this CPU (as benchmarks/run.sh)
    env.pop("OPENBLAS_L2_SIZE", None)
    return env


class KeisanRunError(RuntimeError):
    """A keisan example run that failed: its command line and stderr."""


def keisan_epoch_seconds(binary, data, epochs, threads, flags):
    """Median seconds per epoch of the example's training loop, from its --metrics file (the
    printed figure has two decimals: too coarse for W1's 0.1 s epochs)."""
    with tempfile.TemporaryDirectory() as tmp:
        metrics = pathlib.Path(tmp) / "metrics.csv"
        command = [binary, "--data", data, "--epochs", str(epochs), "--threads", str(threads),
                   "--metrics", str(metrics), *flags]
        run = subprocess.run(command, capture_output=True, text=True, env=keisan_env())
        if run.returncode != 0:
            raise KeisanRunError(f"{' '.join(command)} failed (exit {run.returncode}):\n{run.stderr.strip()}")
        with metrics.open() as f:
            seconds = [float(row["seconds"]) for row in csv.DictReader(f)]
        if not seconds:
            raise KeisanRunError(f"{binary} wrote no epochs to its --metrics file")
        return statistics.median(seconds)


def keisan_mlp_flags(hidden, relu, batch):
    activation = "relu" if relu else "sigmoid"
    return ["--batch", str(batch), "--hidden", *map(str, hidden), "--activation", activation,
            "--init", "he" if relu else "book"]


def example_labels(binaries):
    """Column names for example binaries: each one's build folder (build/release/examples/mnist:
    release), or its whole path where two would share a name."""
    def short(b):
        p = pathlib.Path(b)
        return p.parent.parent.name if p.parent.name == "examples" else p.parent.name
    names = [short(b) for b in binaries]
    return [n if names.count(n) == 1 else b for n, b in zip(names, binaries)]


def example_has_cnn_models(binary):
    """Whether the MNIST example knows --model simple-cnn / deep-cnn (older builds do not)."""
    try:
        text = subprocess.run([binary, "--help"], capture_output=True, text=True, env=keisan_env()).stdout
    except OSError:
        return False
    return "--model" in text and "simple-cnn" in text


def keisan_bench_step_ms(binary, w, min_time, reps):
    """Median wall ms per BM_CnnStep/W:w step of a bench_cnn binary, and its allocs_per_step."""
    out = subprocess.run([binary, f"--benchmark_filter=^BM_CnnStep/W:{w}$", f"--benchmark_min_time={min_time}",
                          f"--benchmark_repetitions={reps}", "--benchmark_report_aggregates_only=true",
                          "--benchmark_format=json"], check=True, capture_output=True, text=True,
                         env=keisan_env()).stdout
    runs = json.loads(out)["benchmarks"]
    med = next((b for b in runs if b.get("aggregate_name") == "median"), runs[0])
    scale = {"ns": 1e-6, "us": 1e-3, "ms": 1.0, "s": 1e3}[med["time_unit"]]
    return med["real_time"] * scale, med.get("allocs_per_step", float("nan"))


def positive(text):
    """argparse type: a whole number >= 1."""
    try:
        n = int(text)
    except ValueError:
        n = 0
    if n < 1:
        raise argparse.ArgumentTypeError(f"'{text}' is not a positive whole number")
    return n


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("data", nargs="?", default=os.path.expanduser("~/.cache/keisan/mnist"))
    ap.add_argument("--threads", type=positive, default=1, help="threads for PyTorch, OpenMP and BLAS (default 1)")
    ap.add_argument("--epochs", type=positive, default=3, help="W1/W2: full epochs, median reported")
    ap.add_argument("--cnn-steps", type=positive, default=600, help="W4/W5: timed PyTorch steps (600 = one epoch)")
    ap.add_argument("--cnn-epochs", type=positive, default=1, help="W4/W5: epochs of keisan's example, when it has --model")
    ap.add_argument("--workloads", default="W1,W2,W4,W5")
    ap.add_argument("--keisan", action="append", metavar="BINARY",
                    help="a keisan MNIST example binary (repeat for several: a W1/W2 column each, W4/W5 use "
                         "the first; default build/release/examples/mnist)")
    ap.add_argument("--keisan-bench", nargs="*", default=["build/bench/benchmarks/bench_cnn",
                                                          "build/bench-blas/benchmarks/bench_cnn"],
                    help="bench_cnn binaries for keisan's W4/W5 step (those that exist are run)")
    ap.add_argument("--bench-min-time", type=float, default=2.0, help="bench_cnn --benchmark_min_time")
    ap.add_argument("--bench-repetitions", type=positive, default=3)
    ap.add_argument("--json", help="also write the W1/W2 figures to this file (benchmarks/thread_scaling.sh reads it)")
    args = ap.parse_args()
    workloads = set(args.workloads.split(","))
    for w in sorted(workloads - {"W1", "W2", "W4", "W5"}):
        ap.error(f"--workloads: unknown workload '{w}' (known: W1, W2, W4, W5)")

    # Before torch is imported: its OpenMP pool and any BLAS pool size themselves from these.
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(args.threads)
    global torch
    import torch as torch_module  # pylint: disable=import-outside-toplevel
    torch = torch_module
    torch.set_num_threads(args.threads)

    images = read_idx(f"{args.data}/train-images-idx3-ubyte").to(torch.float32) / 255
    y = read_idx(f"{args.data}/train-labels-idx1-ubyte").to(torch.int64)
    print(f"torch {torch.__version__}, torch.get_num_threads() = {torch.get_num_threads()}, --threads {args.threads} "
          f"(OMP/OPENBLAS/MKL_NUM_THREADS = {args.threads}); {images.shape[0]} training images")
    wanted = args.keisan or ["build/release/examples/mnist"]
    examples = [e for e in wanted if os.path.isfile(e) and os.access(e, os.X_OK)]
    for e in wanted:
        if e not in examples:
            print(f"note: {e} is not an executable (not built?): skipped", file=sys.stderr)
    labels = example_labels(examples)

    mlps = [w for w in (("W1", [50], False, 100), ("W2", [512, 512], True, 128)) if w[0] in workloads]
    results = []
    if mlps:
        x = images.reshape(-1, 784).contiguous()
        print(f"\nW1/W2: median seconds per training epoch over {args.epochs} epochs, {args.threads} thread(s)")
        print("| workload | PyTorch (s/epoch) | PyTorch CPU (s/epoch) | CPU/wall | " +
              "".join(f"keisan {label} (s/epoch) | " for label in labels) + "PyTorch / keisan |")
        print("|---" * (5 + len(examples)) + "|")
        for name, hidden, relu, batch in mlps:
            t, c, r = torch_mlp_epoch(x, y, [784, *hidden, 10], relu, batch, args.epochs, args.threads, name)
            try:
                ks = [keisan_epoch_seconds(e, args.data, args.epochs, args.threads,
                                           keisan_mlp_flags(hidden, relu, batch)) for e in examples]
            except KeisanRunError as e:
                sys.exit(f"compare_pytorch.py: {e}")
            print(f"| {name} | {t:.3f} | {c:.3f} | {r:.2f} | " + "".join(f"{k:.4f} | " for k in ks) +
                  (f"{t / min(ks):.2f} |" if ks else "- |"), flush=True)
            results.append({"workload": name, "threads": args.threads, "pytorch_s": t, "pytorch_cpu_s": c,
                            "keisan_s": dict(zip(labels, ks))})
    if args.json:
        pathlib.Path(args.json).write_text(json.dumps({"torch": torch.__version__, "results": results}, indent=1))

    cnns = [w for w in (("W4", 4, simple_conv_net, "simple-cnn"), ("W5", 5, deep_conv_net, "deep-cnn"))
            if w[0] in workloads]
    if cnns:
        x = images.reshape(-1, 1, 28, 28).contiguous()
        benches = [b for b in args.keisan_bench if os.path.exists(b)]
        example = examples[0] if examples else None
        example_cnn = example is not None and example_has_cnn_models(example)
        print(f"\nW4/W5: Adam step, batch 100; PyTorch median over {args.cnn_steps} steps, epoch = 600 steps at the "
              f"mean step; keisan from bench_cnn (BM_CnnStep, median of {args.bench_repetitions})" +
              (f" and the MNIST example's --model ({args.cnn_epochs} epoch(s))" if example_cnn else
               f" ({example or 'no example built'}{' has no --model simple-cnn' if example else ''}: example skipped)"))
        cols = [f"keisan {pathlib.Path(b).parent.parent.name} (ms/step)" for b in benches]
        print("| workload | PyTorch (ms/step) | PyTorch CPU (ms/step) | CPU/wall | PyTorch (s/epoch) | " +
              "".join(f"{c} | " for c in cols) + "keisan (s/epoch, from the faster) | PyTorch / keisan |" +
              (" keisan example (s/epoch) |" if example_cnn else ""))
        print("|---" * (7 + len(cols) + (1 if example_cnn else 0)) + "|")
        for name, w, make, model in cnns:
            step, cpu, epoch, ratio = torch_cnn_steps(x, y, make, args.cnn_steps, args.threads, name)
            ks = []
            for b in benches:
                ms, allocs = keisan_bench_step_ms(b, w, args.bench_min_time, args.bench_repetitions)
                if allocs != 0:
                    print(f"WARNING: {b} W{w}: allocs_per_step = {allocs}", file=sys.stderr)
                ks.append(ms)
            row = f"| {name} | {step:.2f} | {cpu:.2f} | {ratio:.2f} | {epoch:.1f} | " + "".join(f"{k:.2f} | " for k in ks)
            if ks:
                row += f"{0.6 * min(ks):.1f} | {step / min(ks):.2f} |"
            else:
                row += "n/a (no bench_cnn built) | - |"
            if example_cnn:
                try:
                    row += f" {keisan_epoch_seconds(example, args.data, args.cnn_epochs, args.threads, ['--model', model]):.1f} |"
                except KeisanRunError as e:
                    print(f"compare_pytorch.py: {e}", file=sys.stderr)
                    row += " n/a (failed: see stderr) |"
            print(row)


if __name__ == "__main__":
    main()
