#!/usr/bin/python3
"""Writes the fuzzers' seed corpora (checked in; rerun only to change them): small valid IDX files,
raw and gzip'd, a truncated one, and safetensors files for the fuzz model (w: 2x3, b: 1x3) in F64
and F32, plus one with a wrong shape, and one with the integer dtypes (an I64 step scalar, I32
and U8 tensors). SPDX-License-Identifier: MIT"""
import gzip
import json
import os
import struct

here = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")


def idx(dims, data):
    head = struct.pack(">BBBB", 0, 0, 8, len(dims)) + b"".join(struct.pack(">I", d) for d in dims)
    return head + bytes(data)


def safetensors(tensors, meta=None):
    header, data = ({"__metadata__": meta} if meta else {}), b""
    for name, dtype, shape, values in tensors:
        code = {"F32": "f", "F64": "d", "I32": "i", "I64": "q", "U8": "B"}[dtype]
        blob = struct.pack("<%d%s" % (len(values), code), *values)
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [len(data), len(data) + len(blob)]}
        data += blob
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text + data


def write(name, content):
    with open(os.path.join(here, name), "wb") as f:
        f.write(content)


labels, images = idx([5], [3, 0, 9, 1, 7]), idx([2, 3, 4], range(24))
write("idx/labels.idx", labels)
write("idx/images.idx", images)
write("idx/labels.idx.gz", gzip.compress(labels, mtime=0))
write("idx/images.idx.gz", gzip.compress(images, mtime=0))
write("idx/truncated.idx", images[:20])
w, b = [0.5, -1.0, 2.0, 0.25, 3.0, -0.75], [0.1, 0.2, 0.3]
write("safetensors/model_f64.safetensors", safetensors([("w", "F64", [2, 3], w), ("b", "F64", [1, 3], b)], {"format": "pt"}))
write("safetensors/model_f32.safetensors", safetensors([("b", "F32", [3], b), ("w", "F32", [2, 3], w)]))
write("safetensors/wrong_shape.safetensors", safetensors([("w", "F64", [3, 2], w), ("b", "F64", [1, 3], b)]))
write("safetensors/integers.safetensors", safetensors([("w", "U8", [2, 3], [0, 1, 2, 3, 4, 255]), ("step", "I64", [], [42]),
                                                      ("b", "I32", [3], [-1, 0, 70000]), ("img", "U8", [1, 2, 2], [9, 8, 7, 6])]))
