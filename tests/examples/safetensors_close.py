#!/usr/bin/env python3
# keisan tests: are two safetensors files' F32/F64 tensors the same names and shapes, each within
# RTOL of the other relative to its largest magnitude (max|a-b| <= rtol * max|a|)? Exit 0 if so.
# Usage: safetensors_close.py A B RTOL
# SPDX-License-Identifier: MIT
import json
import struct
import sys


def tensors(path):
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8 : 8 + n])
    body = data[8 + n :]
    out = {}
    for name, t in header.items():
        if name == "__metadata__" or t["dtype"] not in ("F32", "F64"):
            continue
        code = "f" if t["dtype"] == "F32" else "d"
        begin, end = t["data_offsets"]
        raw = body[begin:end]
        out[name] = (t["shape"], struct.unpack("<%d%s" % (len(raw) // struct.calcsize(code), code), raw))
    return out


def main():
    a, b, rtol = tensors(sys.argv[1]), tensors(sys.argv[2]), float(sys.argv[3])
    if sorted(a) != sorted(b):
        print("different tensors: %s vs %s" % (sorted(a), sorted(b)))
        return 1
    worst = 0.0
    for name in sorted(a):
        (sa, va), (sb, vb) = a[name], b[name]
        if sa != sb:
            print("%s: shape %s vs %s" % (name, sa, sb))
            return 1
        scale = max((abs(x) for x in va), default=0.0)
        diff = max((abs(x - y) for x, y in zip(va, vb)), default=0.0)
        rel = diff / scale if scale > 0 else diff
        worst = max(worst, rel)
        if not rel <= rtol:
            print("%s: max |a-b| / max |a| = %.3g > %g" % (name, rel, rtol))
            return 1
    print("all %d tensors within %g (worst %.3g)" % (len(a), rtol, worst))
    return 0


if __name__ == "__main__":
    sys.exit(main())
