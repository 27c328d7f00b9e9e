"""The catalogue of known mistakes, recognised from the pattern of differences.

Each mistake is a deliberately wrong twin of the reference (below). A mistake is named only when,
on EVERY case, the student's output agrees with that twin exactly where it matters: the student
matches the reference exactly on the cases where the twin does, and equals the twin (or raises
where it raises) on the others. Anything else gets the cell diff and no guess.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from cnnviz.check.cases import Case
from cnnviz.check.compare import ATOL, RTOL, Verdict
from cnnviz.core import layers, windows


def _out(n_prev, f, stride, pad=0):
    return windows.output_size(n_prev, f, stride, pad)


def _conv_fwd(A, W, b, hp, start_stride=True, from_pad=True, bias_each=False):
    stride, pad = hp["stride"], hp["pad"]
    m, n_H_prev, n_W_prev, _ = A.shape
    f, _, _, n_C = W.shape
    n_H, n_W = _out(n_H_prev, f, stride, pad), _out(n_W_prev, f, stride, pad)
    src = layers.zero_pad(A, pad) if from_pad else A
    Z = np.zeros((m, n_H, n_W, n_C))
    for i in range(m):
        for h in range(n_H):
            for w in range(n_W):
                vs, hs = (h * stride, w * stride) if start_stride else (h, w)
                a = src[i, vs : vs + f, hs : hs + f, :]
                for c in range(n_C):
                    Z[i, h, w, c] = (
                        np.sum(a * W[..., c] + b[0, 0, 0, c]) if bias_each else np.sum(a * W[..., c]) + b[0, 0, 0, c]
                    )
    return Z


def _conv_bwd(dZ, cache, start_stride=True, assign=(), dW_last=False, course_unpad=False):
    A, W, b, hp = cache
    stride, pad = hp["stride"], hp["pad"]
    f, _, _, n_C = W.shape
    m, n_H, n_W, _ = dZ.shape
    A_pad = layers.zero_pad(A, pad)
    dA_pad = np.zeros(A_pad.shape)
    dW, db = np.zeros(W.shape), np.zeros((1, 1, 1, n_C))
    for i in range(m):
        if dW_last:
            dW, db = np.zeros(W.shape), np.zeros((1, 1, 1, n_C))
        for h in range(n_H):
            for w in range(n_W):
                vs, hs = (h * stride, w * stride) if start_stride else (h, w)
                for c in range(n_C):
                    win = (i, slice(vs, vs + f), slice(hs, hs + f), slice(None))
                    g = dZ[i, h, w, c]
                    dA_pad[win] = W[..., c] * g if "dA_prev" in assign else dA_pad[win] + W[..., c] * g
                    a = A_pad[win]
                    dW[..., c] = a * g if "dW" in assign else dW[..., c] + a * g
                    db[..., c] = g if "db" in assign else db[..., c] + g
    if course_unpad:
        dA = np.zeros(A.shape)
        for i in range(m):
            dA[i] = dA_pad[i, pad:-pad, pad:-pad, :]  # raises when pad == 0, as the course's line does
    else:
        dA = windows.unpad_hw(dA_pad, pad).copy()
    return dA, dW, db


def _transposed_fwd(A, W, b, hp, crop=True, assign=False, filter_stride=False):
    """conv_transpose_forward's scatter, with one of three mistakes: no crop, `=` for `+=`, stride on the filter."""
    stride, pad, op = hp["stride"], hp["pad"], hp.get("output_padding", 0)
    m, n_H_prev, n_W_prev, n_C_prev = A.shape
    f, _, n_C, _ = W.shape
    n_H, n_W = (
        windows.transpose_output_size(n_H_prev, f, stride, pad, op),
        windows.transpose_output_size(n_W_prev, f, stride, pad, op),
    )
    Z_pad = np.zeros((m, n_H + 2 * pad, n_W + 2 * pad, n_C))
    for i in range(m):
        for h in range(n_H_prev):
            for w in range(n_W_prev):
                for c in range(n_C_prev):
                    if filter_stride:  # placed at (h, w), the filter's cells stride apart
                        win = (
                            i,
                            slice(h, h + stride * (f - 1) + 1, stride),
                            slice(w, w + stride * (f - 1) + 1, stride),
                        )
                    else:
                        win = (i, slice(h * stride, h * stride + f), slice(w * stride, w * stride + f))
                    add = A[i, h, w, c] * W[:, :, :, c]
                    Z_pad[win] = add if assign else Z_pad[win] + add
    return (Z_pad[:, pad : pad + n_H, pad : pad + n_W, :] if crop else Z_pad) + b


def _pool_fwd(A, hp, mode="max"):
    """pool_forward with `vert_start = h`, `horiz_start = w` (the stride forgotten)."""
    f, stride = hp["f"], hp["stride"]
    m, n_H_prev, n_W_prev, n_C = A.shape
    n_H, n_W = _out(n_H_prev, f, stride), _out(n_W_prev, f, stride)
    out = np.zeros((m, n_H, n_W, n_C))
    for h in range(n_H):
        for w in range(n_W):
            a = A[:, h : h + f, w : w + f, :]
            out[:, h, w, :] = a.max(axis=(1, 2)) if mode == "max" else a.mean(axis=(1, 2))
    return out


def _pool_bwd(dA, cache, mode, ties, assign=False, div_f=False):
    A, hp = cache
    f, stride = hp["f"], hp["stride"]
    m, n_H, n_W, n_C = dA.shape
    out = np.zeros(A.shape)
    for i in range(m):
        for win in windows.iter_windows(n_H, n_W, f, stride):
            for c in range(n_C):
                sl = (i, slice(win.vert_start, win.vert_end), slice(win.horiz_start, win.horiz_end), c)
                g = dA[i, win.h, win.w, c]
                if mode == "max":
                    add = layers.create_mask_from_window(A[sl], ties) * g
                else:
                    add = np.full((f, f), g / (f if div_f else f * f))
                out[sl] = add if assign else out[sl] + add
    return out


# (function, name, message, twin(case) -> expected output(s)) -- the catalogue.
CATALOGUE: list[tuple[str, str, str, Callable]] = (
    [
        (
            "pool_forward",
            "no stride in the window",
            "Your pooling windows start at `vert_start = h` (and `horiz_start = w`) without the stride: "
            "use `vert_start = h * stride`, `horiz_start = w * stride`.",
            lambda k: _pool_fwd(*k.args),
        ),
        (
            "conv_forward",
            "no stride in the window",
            "Your windows start at `vert_start = h` (and `horiz_start = w`) without the stride: use "
            "`vert_start = h * stride`, `horiz_start = w * stride`.",
            lambda k: _conv_fwd(*k.args, start_stride=False),
        ),
        (
            "conv_forward",
            "A_prev instead of a_prev_pad",
            "You slice the window from `A_prev` (unpadded) instead of `a_prev_pad`: with pad > 0 every window "
            "is shifted by pad (or runs off the edge). Slice `a_prev_pad[vert_start:vert_end, "
            "horiz_start:horiz_end, :]`.",
            lambda k: _conv_fwd(*k.args, from_pad=False),
        ),
        (
            "conv_forward",
            "b added to every element",
            "You add `b` to every element of the window before summing, so b counts f*f*n_C_prev times: "
            "compute `np.sum(a_slice_prev * W)` first, then add `b` once.",
            lambda k: _conv_fwd(*k.args, bias_each=True),
        ),
        (
            "conv_single_step",
            "b added to every element",
            "You add `b` to every element of the window before summing (`np.sum(a_slice_prev * W + b)`), so b "
            "counts f*f*n_C_prev times: `Z = np.sum(a_slice_prev * W) + b`.",
            lambda k: np.sum(k.args[0] * k.args[1] + k.args[2]),
        ),
        (
            "conv_backward",
            "no stride in the window",
            "Your backward windows start at `vert_start = h` without the stride: use `vert_start = h * "
            "stride`, `horiz_start = w * stride`, as in the forward pass.",
            lambda k: _conv_bwd(*k.args, start_stride=False),
        ),
        (
            "conv_backward",
            "[pad:-pad] with pad = 0",
            "You unpad with `da_prev_pad[pad:-pad, pad:-pad, :]` (the course's hint): with pad = 0 that slice "
            "is empty (`0:-0`). Use `da_prev_pad[pad:n_H_prev + pad, pad:n_W_prev + pad, :]`, right for every pad.",
            lambda k: _conv_bwd(*k.args, course_unpad=True),
        ),
        (
            "conv_backward",
            "dW not summed over the batch",
            "Your dW (and db) hold the last example only: initialise dW and db once, before `for i in "
            "range(m)`, and keep adding with `+=` over all m examples.",
            lambda k: _conv_bwd(*k.args, dW_last=True),
        ),
    ]
    + [
        (
            "conv_backward",
            f"= instead of += ({name})",
            f"You write `{name}[...] = ...` instead of `+=` in the backward loop: each window overwrites what "
            f"earlier windows gave. Overlapping windows (and every window for dW, db) must add up: use `+=`.",
            (lambda which: lambda k: _conv_bwd(*k.args, assign=(which,)))(name),
        )
        for name in ("dA_prev", "dW", "db")
    ]
    + [
        (
            "conv_transpose_forward",
            "the pad ring not cropped",
            "Your Z still holds the pad ring: a transposed convolution scatters into Z_pad, then crops it. Return "
            "`Z_pad[:, pad:pad + n_H, pad:pad + n_W, :] + b` with n_H = (n_H_prev - 1)*stride - 2*pad + f + "
            "output_padding.",
            lambda k: _transposed_fwd(*k.args, crop=False),
        ),
        (
            "conv_transpose_forward",
            "= instead of +=",
            "You write `Z_pad[...] = ...` instead of `+=`: where two input cells' windows overlap (stride < f), "
            "the later one overwrites the earlier one's contribution, and each input channel overwrites the "
            "last. The contributions must add up: use `+=`.",
            lambda k: _transposed_fwd(*k.args, assign=True),
        ),
        (
            "conv_transpose_forward",
            "stride on the filter, not the placement",
            "You apply the stride to the filter (its cells `stride` apart, the window at (h, w)) instead of to "
            "where the window goes: the window of input cell (h, w) starts at `vert_start = h * stride`, "
            "`horiz_start = w * stride`, and covers f adjacent rows and columns.",
            lambda k: _transposed_fwd(*k.args, filter_stride=True),
        ),
    ]
    + [
        (
            "pool_backward",
            "= instead of +=",
            "You write `dA_prev[...] = ...` instead of `+=`: where windows overlap, a later window overwrites "
            "an earlier one's gradient. Use `+=`.",
            lambda k: _pool_bwd(*k.args, k.meta["ties"], assign=True),
        ),
        (
            "pool_backward",
            "dividing by f",
            "Your average-pooling gradient divides by f instead of f*f (`distribute_value`): each of the f*f "
            "cells gets dz / (f*f).",
            lambda k: _pool_bwd(*k.args, k.meta["ties"], div_f=True),
        ),
        (
            "pool_backward",
            "every tied maximum",
            "TIES",
            lambda k: _pool_bwd(*k.args, "all") if k.meta["ties"] == "first" else k.expected,
        ),
        (
            "distribute_value",
            "dividing by f",
            "You divide by n_H (f) instead of n_H * n_W (f*f): `average = dz / (n_H * n_W)`.",
            lambda k: np.full(k.args[1], k.args[0] / k.args[1][0]),
        ),
        (
            "create_mask_from_window",
            "every tied maximum",
            "TIES",
            lambda k: k.args[0] == np.max(k.args[0]) if k.meta.get("ties") == "first" else k.expected,
        ),
    ]
)

TIES_WORDS = (
    "Your mask marks every tied maximum (`x == np.max(x)`): that is the course's own rule, and it is not wrong "
    "for the notebook. This lesson's tie rule is 'first maximum only' (as PyTorch), which gives exactly one element "
    "the gradient. Choose the course's rule (every tied maximum) under the player to check against it."
)


def _same(a, b) -> bool:
    a_t, b_t = a if isinstance(a, tuple) else (a,), b if isinstance(b, tuple) else (b,)
    for x, y in zip(a_t, b_t, strict=True):
        x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
        if x.shape != y.shape or not np.allclose(x, y, rtol=RTOL, atol=ATOL, equal_nan=True):
            return False
    return True


def diagnose(function: str, cases: list[Case], verdicts: list[Verdict]) -> list[str]:
    """The catalogue's explanations that fit every case; [] when none (or when every case matches)."""
    if all(v.verdict == "matches" for v in verdicts) or any(
        v.verdict in ("not run", "time limit", "memory limit") for v in verdicts
    ):
        return []
    found = []
    for fn, _name, message, twin in CATALOGUE:
        if fn != function:
            continue
        fits, shows = True, False
        for case, v in zip(cases, verdicts, strict=True):
            try:
                bug = twin(case)
            except Exception:  # noqa: BLE001 -- the twin raises where the mistake raises
                bug = None
            if bug is not None and _same(bug, case.expected):
                fits = v.verdict == "matches"
            elif bug is None:
                fits, shows = v.verdict in ("raised", "wrong shape"), shows or v.verdict in ("raised", "wrong shape")
            else:
                got = tuple(v.got[n] for n in v.got) if v.got else None
                fits = (
                    got is not None
                    and len(v.got) == (len(bug) if isinstance(bug, tuple) else 1)
                    and _same(got if len(got) > 1 else got[0], bug)
                )
                shows = shows or fits
            if not fits:
                break
        if fits and shows:
            found.append(TIES_WORDS if message == "TIES" else message)
    return found
