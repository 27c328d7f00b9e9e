"""Window geometry shared by every layer: output sizes, validation, the (h, w) iterator.

`layers`, `fast` and `trace` all go through this module, so the picture the app draws
walks exactly the windows the math loops over, and every bad argument fails with the
same message whichever module it was given to.
"""

from __future__ import annotations

import numbers
from collections.abc import Iterator, Mapping
from typing import NamedTuple

import numpy as np

from cnnviz.core.errors import InputError

MODES = ("max", "average")


class Window(NamedTuple):
    """One position of the sliding window: output cell (h, w) and the input rows/columns it reads."""

    h: int
    w: int
    vert_start: int
    vert_end: int
    horiz_start: int
    horiz_end: int


def span(f: int, dilation: int = 1) -> int:
    """Rows a window covers from its first to its last cell: dilation*(f - 1) + 1 (f when dilation == 1)."""
    return dilation * (f - 1) + 1


def output_size(n_prev: int, f: int, stride: int, pad: int = 0, dilation: int = 1) -> int:
    """n = floor((n_prev + 2*pad - dilation*(f - 1) - 1) / stride) + 1.

    With dilation 1 (the default) that is the course's floor((n_prev + 2*pad - f) / stride) + 1.
    """
    return (n_prev + 2 * pad - dilation * (f - 1) - 1) // stride + 1


def transpose_output_size(n_prev: int, f: int, stride: int, pad: int = 0, output_padding: int = 0) -> int:
    """Transposed convolution: n = (n_prev - 1)*stride - 2*pad + f + output_padding."""
    return (n_prev - 1) * stride - 2 * pad + f + output_padding


def iter_windows(n_H: int, n_W: int, f: int, stride: int, dilation: int = 1) -> Iterator[Window]:
    """Yield the windows in the course's loop order: h outer, w inner.

    vert_start = h * stride, vert_end = vert_start + dilation*(f - 1) + 1 (same for horiz with w).
    With dilation d the window reads rows vert_start + d*k, k = 0..f-1 (the slice vert_start:vert_end:d).
    """
    for h in range(n_H):
        for w in range(n_W):
            vert_start = h * stride
            horiz_start = w * stride
            # the course's vert_start + f, plus the (dilation - 1) holes between the f cells
            holes = (dilation - 1) * (f - 1)
            yield Window(h, w, vert_start, vert_start + f + holes, horiz_start, horiz_start + f + holes)


def uncovered(n_prev: int, f: int, stride: int, pad: int = 0, dilation: int = 1) -> list[int]:
    """Indices (in the padded input) of rows/columns after the last one any window reads.

    With a stride that does not divide (n_prev + 2*pad - span), the last rows/columns are skipped.
    (With dilation > 1 the holes inside a window are not listed: windows at other positions may read them.)
    """
    n = output_size(n_prev, f, stride, pad, dilation)
    last = (n - 1) * stride + span(f, dilation)  # one past the last index any window reads
    return list(range(last, n_prev + 2 * pad))


def _as_int(name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise InputError(f"{name}={value!r} must be a whole number of type int, not {type(value).__name__}")
    return int(value)


def _hparam(hparameters: Mapping, key: str, which: str) -> int:
    if not isinstance(hparameters, Mapping) or key not in hparameters:
        raise InputError(f'hparameters for {which} must be a dict with key "{key}", got {hparameters!r}')
    return _as_int(key, hparameters[key])


def check_4d(name: str, X: np.ndarray, layout: str) -> tuple[int, int, int, int]:
    """Return X.shape if X is a 4-D array, else raise ValueError naming the expected layout."""
    shape = np.shape(X)
    if len(shape) != 4:
        fix = "add the missing axes" if len(shape) < 4 else "drop the extra axes"
        raise InputError(f"{name} must be 4-D {layout}, got shape {shape}; {fix}")
    return shape  # type: ignore[return-value]


def check_pad(pad: object) -> int:
    """Return pad as an int, or raise if it is negative or not a whole number."""
    pad = _as_int("pad", pad)
    if pad < 0:
        raise InputError(f"pad={pad} is negative; use pad >= 0")
    return pad


def _check_stride(stride: int) -> None:
    if stride < 1:
        raise InputError(f"stride={stride} must be at least 1")


def _check_fits(f: int, n_H: int, n_W: int, pad: int, what: str, dilation: int = 1) -> None:
    if f < 1:
        raise InputError(f"f={f} must be at least 1")
    extent = span(f, dilation)
    if extent > n_H or extent > n_W:
        if dilation == 1:
            fix = "lower f or raise pad" if what == "padded input" else "lower f"
            raise InputError(f"f={f} is larger than the {what} {n_H}x{n_W}; {fix}")
        raise InputError(
            f"f={f} with dilation={dilation} spans dilation*(f - 1) + 1 = {extent} rows, more than the "
            f"{what} {n_H}x{n_W}; lower f or dilation, or raise pad"
        )


def check_dilation(hparameters: Mapping) -> int:
    """hparameters["dilation"] as an int (1 when absent), or raise if it is below 1."""
    if not isinstance(hparameters, Mapping) or "dilation" not in hparameters:
        return 1
    dilation = _as_int("dilation", hparameters["dilation"])
    if dilation < 1:
        raise InputError(f"dilation={dilation} must be at least 1 (1 is an ordinary window without holes)")
    return dilation


def check_conv(A_prev: np.ndarray, W: np.ndarray, b: np.ndarray, hparameters: Mapping) -> tuple[int, int]:
    """Validate conv_forward's arguments (hparameters' optional "dilation" too); return (stride, pad).

    The dilation is read with check_dilation(hparameters).
    """
    m, n_H_prev, n_W_prev, n_C_prev = check_4d("A_prev", A_prev, "(m, n_H_prev, n_W_prev, n_C_prev)")
    f, f_w, n_C_prev_W, n_C = check_4d("W", W, "(f, f, n_C_prev, n_C)")
    if f != f_w:
        raise InputError(f"W must hold square f x f filters, got {f}x{f_w}; use W of shape (f, f, n_C_prev, n_C)")
    if n_C_prev_W != n_C_prev:
        raise InputError(
            f"W has n_C_prev={n_C_prev_W} input channels but A_prev has {n_C_prev}; "
            f"W.shape[2] must equal A_prev.shape[3]"
        )
    if np.shape(b) != (1, 1, 1, n_C):
        raise InputError(f"b must have shape (1, 1, 1, n_C) = (1, 1, 1, {n_C}), got {np.shape(b)}")
    stride = _hparam(hparameters, "stride", "conv")
    pad = check_pad(_hparam(hparameters, "pad", "conv"))
    _check_stride(stride)
    dilation = check_dilation(hparameters)
    _check_fits(f, n_H_prev + 2 * pad, n_W_prev + 2 * pad, pad, "padded input", dilation)
    return stride, pad


def check_conv_transpose(
    A_prev: np.ndarray, W: np.ndarray, b: np.ndarray, hparameters: Mapping
) -> tuple[int, int, int]:
    """Validate conv_transpose_forward's arguments; return (stride, pad, output_padding).

    W is (f, f, n_C, n_C_prev): the filters of the convolution whose input gradient this is.
    """
    m, n_H_prev, n_W_prev, n_C_prev = check_4d("A_prev", A_prev, "(m, n_H_prev, n_W_prev, n_C_prev)")
    f, f_w, n_C, n_C_prev_W = check_4d("W", W, "(f, f, n_C, n_C_prev)")
    if f != f_w:
        raise InputError(f"W must hold square f x f filters, got {f}x{f_w}; use W of shape (f, f, n_C, n_C_prev)")
    if n_C_prev_W != n_C_prev:
        raise InputError(
            f"W has n_C_prev={n_C_prev_W} input channels (its last axis) but A_prev has {n_C_prev}; "
            f"for the transposed convolution W.shape[3] must equal A_prev.shape[3]"
        )
    if np.shape(b) != (1, 1, 1, n_C):
        raise InputError(f"b must have shape (1, 1, 1, n_C) = (1, 1, 1, {n_C}), got {np.shape(b)}")
    stride = _hparam(hparameters, "stride", "conv_transpose")
    pad = check_pad(_hparam(hparameters, "pad", "conv_transpose"))
    _check_stride(stride)
    if f < 1:
        raise InputError(f"f={f} must be at least 1")
    output_padding = _as_int("output_padding", hparameters.get("output_padding", 0))
    if not 0 <= output_padding < stride:
        raise InputError(
            f"output_padding={output_padding} must be in 0..stride-1 = 0..{stride - 1}: it adds the rows a "
            f"stride of {stride} leaves unread at the end"
        )
    for name, n_prev in (("n_H", n_H_prev), ("n_W", n_W_prev)):
        n = transpose_output_size(n_prev, f, stride, pad, output_padding)
        if n < 1:
            raise InputError(
                f"{name} = ({n_prev} - 1)*{stride} - 2*{pad} + {f} + {output_padding} = {n}: pad={pad} crops "
                f"away the whole output; lower pad"
            )
    return stride, pad, output_padding


def check_pool(A_prev: np.ndarray, hparameters: Mapping, mode: str) -> tuple[int, int]:
    """Validate pool_forward's arguments; return (f, stride)."""
    m, n_H_prev, n_W_prev, n_C_prev = check_4d("A_prev", A_prev, "(m, n_H_prev, n_W_prev, n_C_prev)")
    check_mode(mode)
    f = _hparam(hparameters, "f", "pool")
    stride = _hparam(hparameters, "stride", "pool")
    _check_stride(stride)
    _check_fits(f, n_H_prev, n_W_prev, 0, "input")
    return f, stride


def check_mode(mode: object) -> str:
    """Return mode if it is "max" or "average", else raise."""
    if mode not in MODES:
        raise InputError(f'mode={mode!r} is unknown; use "max" or "average"')
    return mode  # type: ignore[return-value]


# The max-pool tie rule: which maxima of a window get its gradient.
# "first": the first maximum in row-major order only (what PyTorch does; the default);
# "all": the course's create_mask_from_window, x == np.max(x), every tied maximum.
TIE_RULES = ("first", "all")


def check_ties(ties: object) -> str:
    """Return ties if it is "first" or "all", else raise an InputError saying which to use."""
    if not isinstance(ties, str) or ties not in TIE_RULES:
        raise InputError(
            f'ties={ties!r} is unknown; use ties="first" (the first maximum only, as PyTorch) '
            'or ties="all" (the course\'s x == np.max(x): every tied maximum)'
        )
    return ties


def check_grad(name: str, grad: np.ndarray, expected: tuple[int, ...], forward_output: str) -> None:
    """Raise if an upstream gradient's shape differs from the forward output's."""
    if np.shape(grad) != tuple(expected):
        raise InputError(
            f"{name} has shape {np.shape(grad)} but the cache's forward output {forward_output} "
            f"has shape {tuple(expected)}; pass the gradient of that output"
        )


def conv_out_shape(
    A_prev_shape: tuple, W_shape: tuple, stride: int, pad: int, dilation: int = 1
) -> tuple[int, int, int, int]:
    """(m, n_H, n_W, n_C) of conv_forward's output."""
    m, n_H_prev, n_W_prev, _ = A_prev_shape
    f, _, _, n_C = W_shape
    return (
        m,
        output_size(n_H_prev, f, stride, pad, dilation),
        output_size(n_W_prev, f, stride, pad, dilation),
        n_C,
    )


def conv_transpose_out_shape(
    A_prev_shape: tuple, W_shape: tuple, stride: int, pad: int, output_padding: int = 0
) -> tuple[int, int, int, int]:
    """(m, n_H, n_W, n_C) of conv_transpose_forward's output; W is (f, f, n_C, n_C_prev)."""
    m, n_H_prev, n_W_prev, _ = A_prev_shape
    f, _, n_C, _ = W_shape
    return (
        m,
        transpose_output_size(n_H_prev, f, stride, pad, output_padding),
        transpose_output_size(n_W_prev, f, stride, pad, output_padding),
        n_C,
    )


def pool_out_shape(A_prev_shape: tuple, f: int, stride: int) -> tuple[int, int, int, int]:
    """(m, n_H, n_W, n_C) of pool_forward's output."""
    m, n_H_prev, n_W_prev, n_C = A_prev_shape
    return m, output_size(n_H_prev, f, stride), output_size(n_W_prev, f, stride), n_C


def pad_hw(X: np.ndarray, pad: int) -> np.ndarray:
    """Zero-pad axes 1 and 2 of an NHWC array; a new array (a copy even when pad == 0)."""
    pad = check_pad(pad)
    check_4d("X", X, "(m, n_H, n_W, n_C)")
    return np.pad(X, ((0, 0), (pad, pad), (pad, pad), (0, 0)), mode="constant", constant_values=0)


def unpad_hw(X_pad: np.ndarray, pad: int) -> np.ndarray:
    """Inverse of pad_hw; right for pad == 0, where the course's X[pad:-pad] would be empty."""
    n_H, n_W = X_pad.shape[1], X_pad.shape[2]
    return X_pad[:, pad : n_H - pad, pad : n_W - pad, :]
