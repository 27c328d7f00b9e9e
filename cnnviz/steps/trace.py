"""One record per loop iteration: what the window reads, what it computes, where it writes.

Every trace walks `windows.iter_windows`, the iterator the step-by-step layers loop over, and
computes with the layers' own helpers (`conv_single_step`, `create_mask_from_window`,
`distribute_value`), so the animation cannot disagree with `cnnviz.core.layers`: replaying a trace
gives Z, A, dA_prev, dW and db bit for bit (tests/test_trace.py).

A trace follows one sample i and one channel c. For conv, c is the output channel (the filter
W[:,:,:,c]); for pooling, c is the channel pooled. Steps come in the loops' order: h outer, w inner.

Running totals of the backward passes (`dA_prev_pad`, `dA_prev`) are replayed on demand rather
than stored per step: a 38x38x4 padded input has 1444 windows, and a stored copy per step would
cost 67 MB. Reading the steps in order costs one window update each.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from cnnviz.core import layers, windows
from cnnviz.core.errors import InputError


def _frozen(a: np.ndarray) -> np.ndarray:
    """A read-only copy, so a frozen step cannot be changed through its arrays."""
    a = np.array(a, copy=True)
    a.setflags(write=False)
    return a


class _Running:
    """Replays `total[vert_start:vert_end, horiz_start:horiz_end] += delta`, one update per step.

    `after(k)` is the total once steps 0..k are added. The last state is kept, so reading the
    steps in order costs one update each; going back restarts from zeros. The state is rebound
    as one tuple (never mutated in place), so concurrent readers each see a consistent total.
    """

    def __init__(self, shape: tuple[int, ...]):
        self.shape = shape
        self.updates: list[tuple[slice, slice, np.ndarray]] = []
        self._state: tuple[int, np.ndarray] = (-1, np.zeros(shape))

    def add(self, rows: slice, cols: slice, delta: np.ndarray) -> None:
        self.updates.append((rows, cols, delta))

    def after(self, k: int) -> np.ndarray:
        done, total = self._state
        if done == k:
            return total
        if k < done:
            done, total = -1, np.zeros(self.shape)
        else:
            total = total.copy()
        for rows, cols, delta in self.updates[done + 1 : k + 1]:
            total[rows, cols] += delta
        total.setflags(write=False)
        self._state = (k, total)
        return total


@dataclass(frozen=True, eq=False)
class Step:
    """One window position: output cell (i, h, w, c) and the rows/columns of the input it reads.

    `index` is the step's position in the trace (0-based); `label` ("h=1,w=2") names its frame.
    """

    index: int
    i: int
    h: int
    w: int
    c: int
    vert_start: int
    vert_end: int
    horiz_start: int
    horiz_end: int

    @property
    def label(self) -> str:
        return f"h={self.h},w={self.w}"


@dataclass(frozen=True, eq=False)
class ConvStep(Step):
    """Z[i,h,w,c] = sum(a_slice * W[:,:,:,c]) + b[c].

    a_slice -- A_prev_pad[i, vert_start:vert_end:d, horiz_start:horiz_end:d, :], shape (f, f, n_C_prev)
               (d = hparameters["dilation"], 1 by default: vert_end - vert_start = d*(f - 1) + 1)
    product -- a_slice * W[:,:,:,c], shape (f, f, n_C_prev)
    s -- sum(product), b -- b[0,0,0,c], z -- s + b, the value written to Z[i,h,w,c]
    """

    a_slice: np.ndarray
    product: np.ndarray
    s: float
    b: float
    z: float


@dataclass(frozen=True, eq=False)
class PoolStep(Step):
    """A[i,h,w,c] = max or mean of a_slice.

    a_slice -- A_prev[i, vert_start:vert_end, horiz_start:horiz_end, c], shape (f, f)
    value -- the value written to A[i,h,w,c]
    argmax -- (r, s) of the maximum inside the window (first in row-major order), None for average
    ties -- (r, s) of every entry equal to the maximum, row-major; len > 1 is a tie; () for average
    """

    a_slice: np.ndarray
    value: float
    argmax: tuple[int, int] | None
    ties: tuple[tuple[int, int], ...]


@dataclass(frozen=True, eq=False)
class ConvBackStep(Step):
    """dZ[i,h,w,c] scattered back: into dA_prev_pad's window, into dW[:,:,:,c] and db[c].

    dz -- dZ[i,h,w,c]
    a_slice -- A_prev_pad[i, vert_start:vert_end, horiz_start:horiz_end, :], shape (f, f, n_C_prev)
    da_window -- W[:,:,:,c] * dz, added to dA_prev_pad's window, shape (f, f, n_C_prev)
    dw_window -- a_slice * dz, added to dW[:,:,:,c], shape (f, f, n_C_prev)
    dW_c -- dW[:,:,:,c] after this step (this sample's share), shape (f, f, n_C_prev)
    db_c -- db[0,0,0,c] after this step (this sample's share)
    dA_prev_pad -- (property) dA_prev_pad[i] after this step, channel c's scatters only,
                   shape (n_H_prev + 2*pad, n_W_prev + 2*pad, n_C_prev)
    """

    dz: float
    a_slice: np.ndarray
    da_window: np.ndarray
    dw_window: np.ndarray
    dW_c: np.ndarray
    db_c: float
    _running: _Running = field(repr=False)

    @property
    def dA_prev_pad(self) -> np.ndarray:
        return self._running.after(self.index)


@dataclass(frozen=True, eq=False)
class PoolBackStep(Step):
    """dA[i,h,w,c] sent back into A_prev's window: to the maximum (max) or spread evenly (average).

    da -- dA[i,h,w,c]
    a_slice -- A_prev[i, vert_start:vert_end, horiz_start:horiz_end, c], shape (f, f)
    mask_or_value -- what is added to dA_prev's window, shape (f, f):
                     create_mask_from_window(a_slice, ties) * da (max) or distribute_value(da, (f, f)) (average)
    argmax -- (r, s) that receives the gradient (max), None for average
    ties -- (r, s) of every maximum, row-major (max); () for average
    dA_prev -- (property) dA_prev[i, :, :, c] after this step, shape (n_H_prev, n_W_prev)
    """

    da: float
    a_slice: np.ndarray
    mask_or_value: np.ndarray
    argmax: tuple[int, int] | None
    ties: tuple[tuple[int, int], ...]
    _running: _Running = field(repr=False)

    @property
    def dA_prev(self) -> np.ndarray:
        return self._running.after(self.index)


def frame_indices(n_steps: int, max_frames: int) -> list[int]:
    """The steps an animation shows: all of them, or every k-th (k = ceil(n_steps / max_frames)) and the last.

    Never more than max_frames indices; the last step is always included.
    """
    if max_frames < 1:
        raise ValueError(f"max_frames={max_frames} must be at least 1")
    if n_steps <= max_frames:
        return list(range(n_steps))
    k = -(-n_steps // max_frames)
    idx = list(range(0, n_steps, k))
    if idx[-1] != n_steps - 1:
        if len(idx) < max_frames:
            idx.append(n_steps - 1)
        else:
            idx[-1] = n_steps - 1
    return idx


def _check_index(name: str, value: int, n: int, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise InputError(f"{name}={value!r} must be a whole number")
    if not 0 <= value < n:
        raise InputError(f"{name}={value} is out of range: {what} has {n}; use {name} in 0..{n - 1}")
    return int(value)


def _window_kw(index: int, i: int, c: int, win: windows.Window) -> dict:
    return dict(
        index=index,
        i=i,
        h=win.h,
        w=win.w,
        c=c,
        vert_start=win.vert_start,
        vert_end=win.vert_end,
        horiz_start=win.horiz_start,
        horiz_end=win.horiz_end,
    )


def _max_position(a_slice: np.ndarray) -> tuple[tuple[int, int], tuple[tuple[int, int], ...]]:
    """(argmax, ties): the first maximum in row-major order, and every entry equal to it."""
    mask = layers.create_mask_from_window(a_slice, "first")
    r, s = np.argwhere(mask)[0]
    ties = tuple((int(y), int(x)) for y, x in np.argwhere(a_slice == a_slice[r, s]))
    return (int(r), int(s)), ties


def trace_conv_forward(
    A_prev: np.ndarray, W: np.ndarray, b: np.ndarray, hparameters: Mapping, i: int = 0, c: int = 0
) -> list[ConvStep]:
    """conv_forward's loop for sample i and filter c, one ConvStep per output cell (h, w).

    Arguments:
    A_prev -- shape (m, n_H_prev, n_W_prev, n_C_prev)
    W -- shape (f, f, n_C_prev, n_C); b -- shape (1, 1, 1, n_C)
    hparameters -- dict with "stride" and "pad"
    i -- the sample, 0 <= i < m; c -- the output channel (filter), 0 <= c < n_C

    Returns:
    steps -- n_H * n_W ConvSteps, h outer, w inner; steps[k].z == conv_forward(...)[0][i, h, w, c]
    """
    stride, pad = windows.check_conv(A_prev, W, b, hparameters)
    d = dilation = windows.check_dilation(hparameters)
    (m, n_H_prev, n_W_prev, n_C_prev) = A_prev.shape
    (f, f, n_C_prev, n_C) = W.shape
    i = _check_index("i", i, m, "A_prev's batch (m)")
    c = _check_index("c", c, n_C, "W's output channels (n_C)")
    (m, n_H, n_W, n_C) = windows.conv_out_shape(A_prev.shape, W.shape, stride, pad, dilation)

    a_prev_pad = layers.zero_pad(A_prev[i : i + 1], pad)[0]  # (n_H_prev + 2*pad, n_W_prev + 2*pad, n_C_prev)
    W_c = W[:, :, :, c]  # (f, f, n_C_prev)
    b_c = b[:, :, :, c]  # (1, 1, 1)
    steps = []
    for k, win in enumerate(windows.iter_windows(n_H, n_W, f, stride, dilation)):
        a_slice = a_prev_pad[win.vert_start : win.vert_end : d, win.horiz_start : win.horiz_end : d, :]
        product = np.multiply(a_slice, W_c)
        z = layers.conv_single_step(a_slice, W_c, b_c)  # the very call conv_forward makes
        steps.append(
            ConvStep(
                **_window_kw(k, i, c, win),
                a_slice=_frozen(a_slice),
                product=_frozen(product),
                s=float(np.sum(product, dtype=np.float64)),
                b=float(np.asarray(b_c, dtype=np.float64).item()),
                z=float(z),
            )
        )
    return steps


def trace_pool_forward(
    A_prev: np.ndarray, hparameters: Mapping, mode: str = "max", i: int = 0, c: int = 0
) -> list[PoolStep]:
    """pool_forward's loop for sample i and channel c, one PoolStep per output cell (h, w).

    Arguments:
    A_prev -- shape (m, n_H_prev, n_W_prev, n_C_prev)
    hparameters -- dict with "f" and "stride"
    mode -- "max" or "average"
    i -- the sample, 0 <= i < m; c -- the channel, 0 <= c < n_C_prev

    Returns:
    steps -- n_H * n_W PoolSteps, h outer, w inner; steps[k].value == pool_forward(...)[0][i, h, w, c]
    """
    f, stride = windows.check_pool(A_prev, hparameters, mode)
    (m, n_H, n_W, n_C) = windows.pool_out_shape(A_prev.shape, f, stride)
    i = _check_index("i", i, m, "A_prev's batch (m)")
    c = _check_index("c", c, n_C, "A_prev's channels (n_C_prev)")

    steps = []
    for k, win in enumerate(windows.iter_windows(n_H, n_W, f, stride)):
        a_slice = A_prev[i, win.vert_start : win.vert_end, win.horiz_start : win.horiz_end, c]  # (f, f)
        if mode == "max":
            value = np.max(a_slice)
            argmax, ties = _max_position(a_slice)
        else:
            value = np.mean(a_slice)
            argmax, ties = None, ()
        steps.append(
            PoolStep(**_window_kw(k, i, c, win), a_slice=_frozen(a_slice), value=float(value), argmax=argmax, ties=ties)
        )
    return steps


def trace_conv_backward(dZ: np.ndarray, cache: tuple, i: int = 0, c: int = 0) -> list[ConvBackStep]:
    """conv_backward's loop for sample i, only output channel c's scatters: one ConvBackStep per dZ cell.

    Running totals cover this (i, c) only, so after the last step they equal conv_backward's
    results for a dZ that is zero everywhere but dZ[i, :, :, c]:
    unpad(dA_prev_pad) == dA_prev[i], dW_c == dW[:, :, :, c], db_c == db[0, 0, 0, c].

    Arguments:
    dZ -- shape (m, n_H, n_W, n_C)
    cache -- (A_prev, W, b, hparameters) from conv_forward
    i -- the sample, 0 <= i < m; c -- the output channel, 0 <= c < n_C

    Returns:
    steps -- n_H * n_W ConvBackSteps, h outer, w inner
    """
    (A_prev, W, b, hparameters) = cache
    stride, pad = windows.check_conv(A_prev, W, b, hparameters)
    d = dilation = windows.check_dilation(hparameters)
    (m, n_H_prev, n_W_prev, n_C_prev) = A_prev.shape
    (f, f, n_C_prev, n_C) = W.shape
    windows.check_grad("dZ", dZ, windows.conv_out_shape(A_prev.shape, W.shape, stride, pad, dilation), "Z")
    (m, n_H, n_W, n_C) = dZ.shape
    i = _check_index("i", i, m, "dZ's batch (m)")
    c = _check_index("c", c, n_C, "dZ's channels (n_C)")

    a_prev_pad = layers.zero_pad(A_prev[i : i + 1], pad)[0]  # (n_H_prev + 2*pad, n_W_prev + 2*pad, n_C_prev)
    running = _Running(a_prev_pad.shape)
    dW_c = np.zeros((f, f, n_C_prev))
    db_c = np.zeros(())
    steps = []
    for k, win in enumerate(windows.iter_windows(n_H, n_W, f, stride, dilation)):
        rows, cols = slice(win.vert_start, win.vert_end, d), slice(win.horiz_start, win.horiz_end, d)
        dz = dZ[i, win.h, win.w, c]
        a_slice = a_prev_pad[rows, cols, :]
        da_window = _frozen(W[:, :, :, c] * dz)  # the course's update, same operands, same order
        dw_window = _frozen(a_slice * dz)
        running.add(rows, cols, da_window)
        dW_c += dw_window
        db_c += dz
        steps.append(
            ConvBackStep(
                **_window_kw(k, i, c, win),
                dz=float(dz),
                a_slice=_frozen(a_slice),
                da_window=da_window,
                dw_window=dw_window,
                dW_c=_frozen(dW_c),
                db_c=float(db_c),
                _running=running,
            )
        )
    return steps


def trace_pool_backward(
    dA: np.ndarray, cache: tuple, mode: str = "max", i: int = 0, c: int = 0, ties: str = "first"
) -> list[PoolBackStep]:
    """pool_backward's loop for sample i and channel c, one PoolBackStep per dA cell.

    After the last step, dA_prev equals pool_backward(dA, cache, mode, ties)[i, :, :, c].

    Arguments:
    dA -- shape (m, n_H, n_W, n_C)
    cache -- (A_prev, hparameters) from pool_forward
    mode -- "max" or "average"
    i -- the sample, 0 <= i < m; c -- the channel, 0 <= c < n_C
    ties -- "first" (the mask is True at the first maximum only) or "all" (the course's
            x == max(x): True at every tied maximum); argmax is the first maximum either way

    Returns:
    steps -- n_H * n_W PoolBackSteps, h outer, w inner
    """
    (A_prev, hparameters) = cache
    f, stride = windows.check_pool(A_prev, hparameters, mode)
    windows.check_ties(ties)
    windows.check_grad("dA", dA, windows.pool_out_shape(A_prev.shape, f, stride), "A")
    (m, n_H, n_W, n_C) = dA.shape
    i = _check_index("i", i, m, "dA's batch (m)")
    c = _check_index("c", c, n_C, "dA's channels (n_C)")

    running = _Running(A_prev.shape[1:3])
    steps = []
    for k, win in enumerate(windows.iter_windows(n_H, n_W, f, stride)):
        rows, cols = slice(win.vert_start, win.vert_end), slice(win.horiz_start, win.horiz_end)
        da = dA[i, win.h, win.w, c]
        a_slice = A_prev[i, rows, cols, c]  # (f, f)
        if mode == "max":
            mask_or_value = layers.create_mask_from_window(a_slice, ties) * da
            argmax, maxima = _max_position(a_slice)
        else:
            mask_or_value = layers.distribute_value(da, (f, f))
            argmax, maxima = None, ()
        mask_or_value = _frozen(mask_or_value)
        running.add(rows, cols, mask_or_value)
        steps.append(
            PoolBackStep(
                **_window_kw(k, i, c, win),
                da=float(da),
                a_slice=_frozen(a_slice),
                mask_or_value=mask_or_value,
                argmax=argmax,
                ties=maxima,
                _running=running,
            )
        )
    return steps


def tied_windows(A_prev: np.ndarray, hparameters: Mapping) -> int:
    """How many pooling windows, over every example and channel, have their maximum more than once.

    At such a window max pooling has no derivative: a finite-difference check there disagrees
    with any one-element rule, ours (the first maximum) included.

    Arguments:
    A_prev -- shape (m, n_H_prev, n_W_prev, n_C_prev)
    hparameters -- dict with "f" and "stride"
    """
    f, stride = windows.check_pool(A_prev, hparameters, "max")
    views = np.lib.stride_tricks.sliding_window_view(A_prev, (f, f), axis=(1, 2))[:, ::stride, ::stride]
    # views: (m, n_H, n_W, n_C, f, f)
    top = views.max(axis=(-2, -1), keepdims=True)
    return int(((views == top).sum(axis=(-2, -1)) > 1).sum())
