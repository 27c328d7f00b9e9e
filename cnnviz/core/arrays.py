"""A student's own arrays: the .npz saved from the notebook, or single .npy files, checked before use.

    np.savez("mine.npz", A_prev=A_prev, W=W, b=b)                 # conv lessons
    np.savez("mine.npz", A_prev=A_prev, W=W, b=b, dZ=dZ, stride=2, pad=1)
    np.save("A_prev.npy", A_prev)                                  # one array a file, named by the file

Nothing is ever unpickled (allow_pickle=False always). Every file's .npy header is parsed by hand
first: the magic string, a header length of at most MAX_HEADER bytes (a 2 GB header is refused
before a byte of it is read), the dtype (real numbers only: no objects, strings, complex or
records) and the shape (at most what a lesson can show, LIMITS) — all before the data is read.
Then the values must be finite and the shapes consistent (NHWC, the course's layouts). Each
problem is an InputError naming the array and what is wrong.
"""

from __future__ import annotations

import ast
import io
import struct
import zipfile
from dataclasses import dataclass, field

import numpy as np

from cnnviz.core import windows
from cnnviz.core.errors import InputError

MAX_HEADER = 10_000  # bytes; NumPy's own default limit for a safe header
MAX_FILE_BYTES = 4 << 20  # 4 MB: far above the largest array a lesson shows
# The largest arrays a lesson can show (the sidebar's and the course examples' ranges).
LIMITS = {"m": 10, "n_H_prev": 16, "n_W_prev": 16, "n_C_prev": 8, "f": 7, "n_C": 8}
KNOWN = ("A_prev", "W", "b", "dZ", "dA", "stride", "pad", "f")
LAYOUTS = {
    "A_prev": "(m, n_H_prev, n_W_prev, n_C_prev)",
    "W": "(f, f, n_C_prev, n_C)",
    "b": "(1, 1, 1, n_C)",
    "dZ": "(m, n_H, n_W, n_C), the shape of Z",
    "dA": "(m, n_H, n_W, n_C), the shape of the pool output A",
}
_MAGIC = b"\x93NUMPY"


@dataclass(frozen=True, eq=False)
class StudentArrays:
    """What was uploaded, checked. Arrays are float64; a missing one is None.

    A_prev -- (m, n_H_prev, n_W_prev, n_C_prev); W -- (f, f, n_C_prev, n_C); b -- (1, 1, 1, n_C)
    dZ -- conv_backward's upstream gradient; dA -- pool_backward's
    hparameters -- the integers found ("stride", "pad", "f"), possibly empty
    source -- the file name(s), for messages
    """

    A_prev: np.ndarray | None = None
    W: np.ndarray | None = None
    b: np.ndarray | None = None
    dZ: np.ndarray | None = None
    dA: np.ndarray | None = None
    hparameters: dict[str, int] = field(default_factory=dict)
    source: str = ""


def _header(name: str, fp: io.BufferedIOBase | io.BytesIO) -> tuple[tuple[int, ...], np.dtype, bool]:
    """Read and check a .npy header from fp (positioned at its start): (shape, dtype, fortran_order)."""
    magic = fp.read(8)
    if len(magic) < 8 or magic[:6] != _MAGIC:
        hint = " (it looks like a Python pickle, which cnnviz never loads)" if magic[:1] == b"\x80" else ""
        raise InputError(
            f"{name} is not a NumPy .npy array{hint}: it does not start with the .npy magic string. "
            "Save it with np.save or np.savez."
        )
    major = magic[6]
    if major == 1:
        size = fp.read(2)
        (header_len,) = struct.unpack("<H", size) if len(size) == 2 else (None,)
    elif major in (2, 3):
        size = fp.read(4)
        (header_len,) = struct.unpack("<I", size) if len(size) == 4 else (None,)
    else:
        raise InputError(f"{name} is a .npy file of unknown format version {major}.{magic[7]}; save it with np.save")
    if header_len is None:
        raise InputError(f"{name} is cut short inside its .npy header")
    if header_len > MAX_HEADER:
        raise InputError(
            f"{name}'s .npy header claims {header_len:,} bytes; at most {MAX_HEADER:,} are accepted "
            "(a real array's header is about 100 bytes). Save it again with np.save."
        )
    raw = fp.read(header_len)
    if len(raw) < header_len:
        raise InputError(f"{name} is cut short inside its .npy header ({len(raw)} of {header_len} bytes)")
    try:
        header = ast.literal_eval(raw.decode("utf-8" if major == 3 else "latin1"))
        descr, fortran, shape = header["descr"], header["fortran_order"], header["shape"]
        dtype = np.dtype(np.lib.format.descr_to_dtype(descr))
        shape = tuple(int(n) for n in shape)
    except Exception as err:  # any malformed header: a person's file, not a bug
        raise InputError(
            f"{name} has a malformed .npy header ({type(err).__name__}); save it again with np.save"
        ) from None
    if dtype.hasobject:
        raise InputError(
            f"{name} is an object array (dtype {dtype}): loading it would mean unpickling Python objects, "
            "which cnnviz never does. Save an array of numbers, e.g. np.asarray(x, dtype=float)."
        )
    if dtype.kind not in "iuf" or dtype.fields is not None or dtype.subdtype is not None:
        raise InputError(f"{name} has dtype {dtype}; real numbers (float or int) are needed")
    if any(n < 0 for n in shape):
        raise InputError(f"{name} has a negative size in its shape {shape}")
    return shape, dtype, bool(fortran)


def _check_size(name: str, shape: tuple[int, ...]) -> None:
    """Refuse shapes larger than a lesson can show, before the data is read."""
    limits = {
        "A_prev": (LIMITS["m"], LIMITS["n_H_prev"], LIMITS["n_W_prev"], LIMITS["n_C_prev"]),
        "W": (LIMITS["f"], LIMITS["f"], LIMITS["n_C_prev"], LIMITS["n_C"]),
        "b": (1, 1, 1, LIMITS["n_C"]),
        "dZ": (LIMITS["m"], LIMITS["n_H_prev"] + 2 * 3, LIMITS["n_W_prev"] + 2 * 3, LIMITS["n_C"]),
        "dA": (LIMITS["m"], LIMITS["n_H_prev"], LIMITS["n_W_prev"], LIMITS["n_C_prev"]),
    }.get(name)
    if limits is None:  # stride / pad / f: one number
        if int(np.prod(shape)) != 1:
            raise InputError(f"{name} must be one whole number, got an array of shape {shape}")
        return
    if len(shape) == len(limits) and all(n <= lim for n, lim in zip(shape, limits, strict=True)):
        return
    if len(shape) != len(limits):
        return  # the layout check says what is wrong, with the layout
    layout = LAYOUTS[name]
    raise InputError(
        f"{name} has shape {shape}, larger than a lesson can show: at most {limits} for {layout}. "
        "Slice a smaller part, e.g. A_prev[:2, :8, :8, :3]."
    )


def _read_npy(key: str, fp: io.BufferedIOBase | io.BytesIO, name: str | None = None) -> np.ndarray:
    """A checked .npy stream of array `key` -> float64 array (header checked first; never unpickles).

    name -- how messages call the file (default: key)
    """
    name = name or key
    shape, dtype, fortran = _header(name, fp)
    _check_size(key, shape)
    count = int(np.prod(shape))
    data = fp.read(count * dtype.itemsize)
    if len(data) < count * dtype.itemsize:
        raise InputError(f"{name} is cut short: its header promises {count} values of {dtype}, the file holds fewer")
    array = np.frombuffer(data, dtype=dtype, count=count)
    array = array.reshape(shape[::-1]).transpose() if fortran else array.reshape(shape)
    array = array.astype(np.float64)
    if not np.isfinite(array).all():
        bad = np.argwhere(~np.isfinite(array))
        first = tuple(int(k) for k in bad[0])
        raise InputError(
            f"{name} holds {len(bad)} value(s) that are not finite (NaN or inf), the first at "
            f"{key}[{', '.join(map(str, first))}] = "
            f"{array[first]}; every value must be a finite number"
        )
    return array


def load_npy(file_name: str, data: bytes) -> tuple[str, np.ndarray]:
    """One .npy file -> (array name, array). The name is the file's stem: "A_prev.npy" -> "A_prev"."""
    stem = file_name.rsplit("/", 1)[-1].removesuffix(".npy")
    if stem not in KNOWN:
        raise InputError(f"{file_name}: name the file after its array, one of {', '.join(k + '.npy' for k in KNOWN)}")
    if len(data) > MAX_FILE_BYTES:
        raise InputError(f"{file_name} is {len(data):,} bytes; at most {MAX_FILE_BYTES:,} (4 MB) are accepted")
    return stem, _read_npy(stem, io.BytesIO(data), file_name)


def load_npz(file_name: str, data: bytes) -> dict[str, np.ndarray]:
    """An .npz (np.savez) -> {name: array} of the known names; unknown names are refused with the list."""
    if len(data) > MAX_FILE_BYTES:
        raise InputError(f"{file_name} is {len(data):,} bytes; at most {MAX_FILE_BYTES:,} (4 MB) are accepted")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise InputError(f"{file_name} is not an .npz archive (not a zip file); save it with np.savez") from None
    out: dict[str, np.ndarray] = {}
    with archive:
        for info in archive.infolist():
            name = info.filename.removesuffix(".npy")
            if name == "hparameters":
                raise InputError(
                    f"{file_name}: hparameters is a dict, which np.savez stores as a pickled Python object that "
                    "cnnviz never loads. Save its numbers instead: np.savez('mine.npz', A_prev=A_prev, W=W, b=b, "
                    "stride=hparameters['stride'], pad=hparameters['pad'])"
                )
            if name not in KNOWN:
                raise InputError(f"{file_name} holds {name!r}; cnnviz reads only {', '.join(KNOWN)}")
            if info.file_size > MAX_FILE_BYTES:  # the uncompressed size, before inflating anything
                raise InputError(f"{file_name}: {name} unpacks to {info.file_size:,} bytes; at most {MAX_FILE_BYTES:,}")
            with archive.open(info) as member:
                out[name] = _read_npy(name, member, f"{name} (in {file_name})")
    return out


def load_files(files: list[tuple[str, bytes]]) -> StudentArrays:
    """Uploaded files (.npz and/or .npy, name and bytes) -> checked StudentArrays.

    Checks every array's layout against the others (NHWC, W's n_C_prev = A_prev's, b's n_C = W's);
    dZ / dA shapes need the hyperparameters and are checked by `for_lesson`.
    """
    if not files:
        raise InputError("no file uploaded: choose an .npz (np.savez) or .npy files (np.save)")
    found: dict[str, np.ndarray] = {}
    for file_name, data in files:
        if file_name.endswith(".npz"):
            found.update(load_npz(file_name, data))
        elif file_name.endswith(".npy"):
            key, value = load_npy(file_name, data)
            found[key] = value
        else:
            raise InputError(f"{file_name}: upload an .npz (np.savez) or .npy files (np.save)")
    hp = {}
    for key in ("stride", "pad", "f"):
        if key in found:
            value = found.pop(key).item()
            if value != int(value):
                raise InputError(f"{key} = {value} must be a whole number")
            hp[key] = int(value)
    arrays = StudentArrays(
        A_prev=found.get("A_prev"),
        W=found.get("W"),
        b=found.get("b"),
        dZ=found.get("dZ"),
        dA=found.get("dA"),
        hparameters=hp,
        source=", ".join(name for name, _ in files),
    )
    _check_layouts(arrays)
    return arrays


def _check_layouts(a: StudentArrays) -> None:
    for name in ("A_prev", "W", "b", "dZ", "dA"):
        value = getattr(a, name)
        if value is not None and value.ndim != 4:
            raise InputError(f"{name} must be 4-D {LAYOUTS[name]}, got shape {value.shape}")
    if a.A_prev is None:
        raise InputError(f"{a.source or 'the upload'} has no A_prev; every lesson needs A_prev {LAYOUTS['A_prev']}")
    if a.A_prev.size == 0:
        raise InputError(f"A_prev has shape {a.A_prev.shape}: it holds no numbers")
    if a.W is not None:
        (f, f_w, n_C_prev, n_C) = a.W.shape
        if f != f_w:
            raise InputError(f"W must hold square f x f filters, got {f}x{f_w}; W is {LAYOUTS['W']}")
        if n_C_prev != a.A_prev.shape[3]:
            raise InputError(
                f"W has n_C_prev = {n_C_prev} channels (W.shape = {a.W.shape}) but A_prev has "
                f"{a.A_prev.shape[3]} (A_prev.shape = {a.A_prev.shape}); W[:, :, k, c] must exist for each "
                "channel k of A_prev"
            )
        if a.b is not None and a.b.shape != (1, 1, 1, n_C):
            raise InputError(f"b has shape {a.b.shape}; with W's n_C = {n_C} it must be (1, 1, 1, {n_C})")


CONV_PAGES = ("conv_forward", "conv_backward")


def for_lesson(a: StudentArrays, page: str, hparameters: dict[str, int]) -> dict[str, np.ndarray]:
    """The arrays a lesson needs, checked against its hyperparameters; an InputError names what is missing.

    page -- "zero_pad", "conv_forward", "pool_forward", "conv_backward" or "pool_backward"
    hparameters -- the lesson's {"stride", "pad"} (conv) or {"f", "stride"} (pool), the file's own first

    Returns:
    arrays -- {"A_prev": ..., and "W", "b" (conv), "dZ" / "dA" (backward, if uploaded)}
    """
    out = {"A_prev": a.A_prev}
    if page in CONV_PAGES:
        for name in ("W", "b"):
            if getattr(a, name) is None:
                raise InputError(
                    f"{a.source} has no {name}; the convolution lessons need {name} {LAYOUTS[name]}: "
                    "np.savez('mine.npz', A_prev=A_prev, W=W, b=b)"
                )
        out["W"], out["b"] = a.W, a.b
        Z_shape = windows.conv_out_shape(a.A_prev.shape, a.W.shape, hparameters["stride"], hparameters["pad"])
        windows.check_conv(a.A_prev, a.W, a.b, hparameters)
        if page == "conv_backward" and a.dZ is not None:
            windows.check_grad("dZ", a.dZ, Z_shape, "Z")
            out["dZ"] = a.dZ
    if page in ("pool_forward", "pool_backward"):
        windows.check_pool(a.A_prev, hparameters, "max")
        if page == "pool_backward" and a.dA is not None:
            A_shape = windows.pool_out_shape(a.A_prev.shape, hparameters["f"], hparameters["stride"])
            windows.check_grad("dA", a.dA, A_shape, "A")
            out["dA"] = a.dA
    return out
