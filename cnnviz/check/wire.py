"""Reading what the sandboxed child sent back, as untrusted bytes: frames of JSON and raw arrays.

A frame is b"CNV1", a 4-byte header length, the header JSON, then the bytes of each array it lists
({"key", "dtype", "shape", "nbytes"}). Everything is checked before anything is allocated: the header's
size, its nesting, its types; each array's dtype (numbers and booleans only, from a fixed list), its shape
(at most 8 dimensions), shape x itemsize == nbytes, and nbytes within what was actually received. Any
failure is a ValueError with words for a person; the caller turns it into a verdict.
"""

from __future__ import annotations

import json
import struct
from typing import Any

import numpy as np

MAGIC = b"CNV1"
MAX_HEADER = 1 << 20
MAX_DEPTH = 12
DTYPES = {
    np.dtype(t).str: np.dtype(t)
    for t in ("?", "<i1", "<i2", "<i4", "<i8", "<u1", "<u2", "<u4", "<u8", "<f2", "<f4", "<f8", ">f8", ">i8")
}
DTYPES["|b1"] = np.dtype(bool)


def _depth(x: Any, d: int = 0) -> int:
    if d > MAX_DEPTH:
        raise ValueError(f"the result is nested more than {MAX_DEPTH} levels deep")
    if isinstance(x, dict):
        return max([_depth(v, d + 1) for v in x.values()], default=d)
    if isinstance(x, list):
        return max([_depth(v, d + 1) for v in x], default=d)
    return d


def _array(spec: Any, buf: memoryview, at: int) -> tuple[str, np.ndarray, int]:
    if not isinstance(spec, dict):
        raise ValueError("an array description is not a dict")
    key, dtype, shape, nbytes = spec.get("key"), spec.get("dtype"), spec.get("shape"), spec.get("nbytes")
    if not isinstance(key, str) or len(key) > 64:
        raise ValueError("an array has no proper name")
    if dtype not in DTYPES:
        raise ValueError(f"an array of dtype {str(dtype)[:20]!r}: the checker compares numbers only")
    if (
        not isinstance(shape, list)
        or len(shape) > 8
        or not all(isinstance(n, int) and not isinstance(n, bool) and 0 <= n <= 10**7 for n in shape)
    ):
        raise ValueError(f"an array with shape {str(shape)[:60]}")
    dt = DTYPES[dtype]
    size = 1
    for n in shape:
        size *= n
    if not isinstance(nbytes, int) or size * dt.itemsize != nbytes or size > 10**6:
        raise ValueError(f"an array of shape {tuple(shape)} that claims {nbytes} bytes (at most 10**6 elements)")
    if at + nbytes > len(buf):
        raise ValueError("an array cut short (the process ended while it was writing)")
    arr = np.frombuffer(buf[at : at + nbytes], dtype=dt).reshape(shape).astype(dt.newbyteorder("="), copy=True)
    return key, arr, at + nbytes


def frames(data: bytes) -> tuple[list[tuple[dict, dict[str, np.ndarray]]], str]:
    """Every complete frame in `data` (header, arrays); the reason reading stopped ("" when all was read)."""
    buf, at, out = memoryview(data), 0, []
    while at < len(buf):
        try:
            if bytes(buf[at : at + 4]) != MAGIC or at + 8 > len(buf):
                raise ValueError("the results were garbled (did your function write to the process's output?)")
            (n,) = struct.unpack(">I", buf[at + 4 : at + 8])
            if n > MAX_HEADER or at + 8 + n > len(buf):
                raise ValueError(f"a result description of {n} bytes (at most {MAX_HEADER})")
            try:
                header = json.loads(bytes(buf[at + 8 : at + 8 + n]))
            except RecursionError:
                raise ValueError("the result is nested too deep to read") from None
            if not isinstance(header, dict):
                raise ValueError(f"a result description that is a {type(header).__name__}, not a dict")
            _depth(header)
            at += 8 + n
            specs = header.get("arrays", [])
            if not isinstance(specs, list) or len(specs) > 64:
                raise ValueError("the result's array list is not a list of at most 64 arrays")
            arrays = {}
            for spec in specs:
                key, arr, at = _array(spec, buf, at)
                arrays[key] = arr
        except (ValueError, TypeError, UnicodeDecodeError, struct.error) as err:
            return out, str(err)
        out.append((header, arrays))
    return out, ""


def value(x: Any) -> dict | None:
    """The child's description of a returned value, checked: {"type": str, "key"?: str, "items"?: [value]}."""
    if not isinstance(x, dict) or not isinstance(x.get("type"), str):
        raise ValueError("a value description without a type")
    out: dict[str, Any] = {"type": x["type"][:200]}
    if "key" in x:
        if not isinstance(x["key"], str):
            raise ValueError("a value whose key is not a name")
        out["key"] = x["key"]
    if "items" in x:
        if not isinstance(x["items"], list) or len(x["items"]) > 8:
            raise ValueError("a value with more than 8 items")
        out["items"] = [value(v) for v in x["items"]]
    return out


def text(x: Any, cap: int) -> str:
    return x[:cap] if isinstance(x, str) else ""


def count(x: Any) -> int:
    return x if isinstance(x, int) and not isinstance(x, bool) and x >= 0 else 0
