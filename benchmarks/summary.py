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
    print("\n## Training step vs the raw GEMM floors (median ms per step)\n")
    print("Library floor: the fastest of Eigen's, OpenBLAS's and every other installed library's GEMMs for "
          "the step; own GEMMs: the same products through keisan::detail::gemm (BM_KeisanGemmFloor). "
          "The step over the faster of the two is the target ratio.\n")
    print("| workload | keisan (bench preset) | keisan (KEISAN_USE_BLAS) | fastest library floor | own GEMMs | "
          "step / library floor | step / fastest floor | BLAS build / fastest floor | allocs/step |")
    print("|---|---|---|---|---|---|---|---|---|")
    for w in ("1", "2"):
        k = eig[f"BM_TrainStep/W:{w}"]
        kb = blas[f"BM_TrainStep/W:{w}"]
        libs = {n: ms(e) for n, e in eig.items() if n.endswith(f"/W:{w}") and
                (n.startswith(("BM_EigenFloor/", "BM_BlasFloor/", "BM_LibraryFloor/")))}
        lib_name, lib = min(libs.items(), key=lambda item: item[1])
        own = ms(eig[f"BM_KeisanGemmFloor/W:{w}"]) if f"BM_KeisanGemmFloor/W:{w}" in eig else float("inf")
        floor = min(lib, own)
        print(f"| W{w} | {ms(k):.4f} | {ms(kb):.4f} | {lib:.4f} ({lib_name.rsplit('/', 1)[0]}) | {own:.4f} | "
              f"{ms(k) / lib:.2f} | {ms(k) / floor:.2f} | {ms(kb) / floor:.2f} | {k['allocs_per_step']:.0f} |")
    print("\n## Every GEMM library's floor, keisan's own, and the core's peak (bench preset, median ms per step)\n")
    print("| floor | W1 | W2 |")
    print("|---|---|---|")
    for name in ["BM_KeisanGemmFloor", "BM_EigenFloor", "BM_BlasFloor"] + sorted({n.rsplit("/", 1)[0] for n in eig if n.startswith("BM_LibraryFloor/")}):
        if f"{name}/W:1" in eig:
            print(f"| {name} | {ms(eig[f'{name}/W:1']):.4f} | {ms(eig[f'{name}/W:2']):.4f} |")
    if "BM_PeakFlops" in eig:
        print(f"\nPeak (BM_PeakFlops, {eig['BM_PeakFlops'].get('label', '')}): {eig['BM_PeakFlops']['GFLOP/s']:.0f} GFLOP/s")
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
    cnn_summary(out)
    w3_floor = ms(eig["BM_EigenFloor/W:1"])
    bp50 = ms(g["BM_GradientBackprop/hidden:50"])
    print(f"\nW3: backprop gradient {bp50:.4f} ms vs the Eigen GEMM floor of one forward+backward "
          f"{w3_floor:.4f} ms: {bp50 / w3_floor:.2f}x")


def cnn_summary(out):
    """W4/W5 steps against their floors, and each conv layer against its GEMMs alone."""
    if not (out / "bench" / "bench_cnn.json").exists():
        return
    eig = medians(out / "bench" / "bench_cnn.json")
    blas = medians(out / "bench-blas" / "bench_cnn.json")
    print("\n## CNN training step (W4 SimpleConvNet, W5 DeepConvNet; Adam, batch 100) vs the raw GEMM floor "
          "(median ms per step)\n")
    print("| workload | keisan (Eigen GEMM) | keisan (KEISAN_USE_BLAS) | Eigen floor | BLAS floor | floor | "
          "keisan/floor (Eigen) | keisan/floor (BLAS) | allocs/step | s per 600-step epoch (faster build) |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for w in ("4", "5"):
        k, kb = eig[f"BM_CnnStep/W:{w}"], blas[f"BM_CnnStep/W:{w}"]
        ef = ms(eig[f"BM_CnnEigenFloor/W:{w}"])
        bf = ms(eig[f"BM_CnnBlasFloor/W:{w}"]) if f"BM_CnnBlasFloor/W:{w}" in eig else float("inf")
        floor = min(ef, bf)
        print(f"| W{w} | {ms(k):.3f} | {ms(kb):.3f} | {ef:.3f} | {bf:.3f} | {floor:.3f} | {ms(k) / floor:.2f} | "
              f"{ms(kb) / floor:.2f} | {max(k['allocs_per_step'], kb['allocs_per_step']):.0f} | "
              f"{0.6 * min(ms(k), ms(kb)):.1f} |")
    print("\n## Conv layers: im2col + GEMM + col2im (forward + backward) vs the same GEMMs alone "
          "(median ms; target conv/GEMM <= 1.3)\n")
    print("| layer | keisan conv (Eigen) | Eigen GEMMs | conv/GEMM (Eigen) | keisan conv (BLAS build) | BLAS GEMMs | "
          "conv/GEMM (BLAS) |")
    print("|---|---|---|---|---|---|---|")
    for name in sorted(n for n in eig if n.startswith("BM_ConvLayer/")):
        wl, layer = name.split("/")[1:3]
        key = f"{wl}/{layer}"
        conv, gemm = ms(eig[name]), ms(eig[f"BM_ConvLayerGemm/{key}"])
        row = f"| {wl.replace(':', '')} conv{int(layer.split(':')[1]) + 1} | {conv:.3f} | {gemm:.3f} | {conv / gemm:.2f} |"
        if name in blas and f"BM_ConvLayerBlasGemm/{key}" in blas:
            cb, gb = ms(blas[name]), ms(blas[f"BM_ConvLayerBlasGemm/{key}"])
            row += f" {cb:.3f} | {gb:.3f} | {cb / gb:.2f} |"
        else:
            row += " - | - | - |"
        print(row)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "bench-out")
