#!/usr/bin/env python3
"""keisan: the summary table of a benchmarks/run.sh output directory (medians)."""
import json
import pathlib
import sys


def medians(path):
    """name -> median entry of a Google Benchmark JSON file."""
    out = {}
    for b in json.loads(pathlib.Path(path).read_text())["benchmarks"]:
        if b.get("aggregate_name") == "median":
            out[b["run_name"]] = b
    return out


def ms(entry):
    scale = {"ns": 1e-6, "us": 1e-3, "ms": 1.0, "s": 1e3}[entry["time_unit"]]
    return entry["real_time"] * scale


def main(out):
    out = pathlib.Path(out)
    eig = medians(out / "bench" / "bench_train.json")
    blas = medians(out / "bench-blas" / "bench_train.json")
    print("\n## Training step vs the raw GEMM floor (median ms per step)\n")
    print("| workload | keisan (Eigen GEMM) | keisan (KEISAN_USE_BLAS) | Eigen floor | BLAS floor | floor | keisan/floor (Eigen) | keisan/floor (BLAS) | allocs/step |")
    print("|---|---|---|---|---|---|---|---|---|")
    for w in ("1", "2"):
        k = eig[f"BM_TrainStep/W:{w}"]
        kb = blas[f"BM_TrainStep/W:{w}"]
        ef = ms(eig[f"BM_EigenFloor/W:{w}"])
        bf = ms(eig[f"BM_BlasFloor/W:{w}"]) if f"BM_BlasFloor/W:{w}" in eig else float("inf")
        floor = min(ef, bf)
        print(f"| W{w} | {ms(k):.4f} | {ms(kb):.4f} | {ef:.4f} | {bf:.4f} | {floor:.4f} | "
              f"{ms(k) / floor:.2f} | {ms(kb) / floor:.2f} | {k['allocs_per_step']:.0f} |")
    g = medians(out / "bench" / "bench_gradient.json")
    print("\n## Gradient cost: backprop vs central differences (book net, batch 100, Eigen GEMM)\n")
    print("| hidden | parameters P | backprop (ms) | numerical (ms, all P) | numerical / backprop | ratio / P |")
    print("|---|---|---|---|---|---|")
    rows = []
    for h in (2, 10, 50, 100, 200):
        bp = g[f"BM_GradientBackprop/hidden:{h}"]
        nu = g[f"BM_GradientNumerical/hidden:{h}/manual_time"]
        p = bp["params"]
        ratio = ms(nu) / ms(bp)
        rows.append((p, ratio))
        print(f"| {h} | {p:.0f} | {ms(bp):.4f} | {ms(nu):.1f} | {ratio:,.0f} | {ratio / p:.2f} |")
    (out / "gradient_ratio.dat").write_text("".join(f"{p:.0f} {r:.1f}\n" for p, r in rows))
    w3_floor = ms(eig["BM_EigenFloor/W:1"])
    bp50 = ms(g["BM_GradientBackprop/hidden:50"])
    print(f"\nW3: backprop gradient {bp50:.4f} ms vs the Eigen GEMM floor of one forward+backward "
          f"{w3_floor:.4f} ms: {bp50 / w3_floor:.2f}x")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "bench-out")
