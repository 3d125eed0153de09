#!/usr/bin/python3
"""keisan vs PyTorch on the reference workloads, same machine, same run. Optional, not in CI.

W1: 784-50-10 sigmoid, W2: 784-512-512-10 ReLU; softmax cross-entropy, SGD lr 0.1, batch 100 / 128,
float32, 1 thread. The PyTorch loop is as fast as a PyTorch user could make it: data preloaded as
one tensor, batches by index, torch.set_num_threads(1), set_to_none gradients.
Then the same epochs with keisan's MNIST example (built by scripts/demo.sh or the release preset).

Usage: benchmarks/compare_pytorch.py [MNIST_DIR] [--epochs N]   (needs Debian's python3-torch)
"""
import argparse
import gzip
import os
import pathlib
import re
import statistics
import subprocess
import time

import numpy as np
import torch


def read_idx(path):
    p = pathlib.Path(path)
    if not p.exists():
        p = pathlib.Path(str(path) + ".gz")
    data = gzip.decompress(p.read_bytes()) if p.suffix == ".gz" else p.read_bytes()
    ndims = data[3]
    dims = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(ndims)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndims).reshape(dims)


def torch_epoch_seconds(x, y, sizes, relu, batch, epochs):
    torch.manual_seed(0)
    layers = []
    for i in range(len(sizes) - 1):
        layers.append(torch.nn.Linear(sizes[i], sizes[i + 1]))
        if i + 2 < len(sizes):
            layers.append(torch.nn.ReLU() if relu else torch.nn.Sigmoid())
    net = torch.nn.Sequential(*layers)
    opt = torch.optim.SGD(net.parameters(), lr=0.1)
    loss_fn = torch.nn.CrossEntropyLoss()
    n = x.shape[0]
    times = []
    for _ in range(epochs):
        perm = torch.randperm(n)
        t0 = time.perf_counter()
        for i in range(0, n - batch + 1, batch):
            idx = perm[i:i + batch]
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(net(x[idx]), y[idx])
            loss.backward()
            opt.step()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def keisan_epoch_seconds(binary, data, hidden, activation, batch, epochs):
    out = subprocess.run([binary, "--data", data, "--epochs", str(epochs), "--batch", str(batch), "--hidden", *map(str, hidden),
                          "--activation", activation, "--init", "he" if activation == "relu" else "book"],
                         check=True, capture_output=True, text=True).stdout
    return statistics.median(float(s) for s in re.findall(r"test acc [0-9.]+\s+([0-9.]+)s", out))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("data", nargs="?", default=os.path.expanduser("~/.cache/keisan/mnist"))
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--keisan", default="build/release/examples/mnist")
    args = ap.parse_args()
    torch.set_num_threads(1)
    x = torch.from_numpy(read_idx(f"{args.data}/train-images-idx3-ubyte").reshape(-1, 784).astype(np.float32) / 255)
    y = torch.from_numpy(read_idx(f"{args.data}/train-labels-idx1-ubyte").astype(np.int64))
    print(f"torch {torch.__version__}, {torch.get_num_threads()} thread; {x.shape[0]} training images; "
          f"median seconds per epoch over {args.epochs} epochs")
    print("| workload | PyTorch (s/epoch) | keisan (s/epoch) | PyTorch / keisan |")
    print("|---|---|---|---|")
    for name, hidden, relu, batch in (("W1", [50], False, 100), ("W2", [512, 512], True, 128)):
        t = torch_epoch_seconds(x, y, [784, *hidden, 10], relu, batch, args.epochs)
        k = keisan_epoch_seconds(args.keisan, args.data, hidden, "relu" if relu else "sigmoid", batch, args.epochs)
        print(f"| {name} | {t:.3f} | {k:.3f} | {t / k:.2f} |")


if __name__ == "__main__":
    main()
