"""Lesson 7's animation: conv_transpose_forward's loop, one input cell at a time, as a storyboard.

Each input cell A_prev[i, h, w, c] scatters A_prev[i, h, w, c] * W[:, :, k, c] into the output
window Z_pad[i, h*stride : h*stride + f, w*stride : w*stride + f, k] of every output channel k;
where windows overlap the contributions add up. A last step crops the pad ring. It is the very
loop of conv_backward's dA_prev (dZ in A_prev's place), and the board can lay conv_backward's
dA_prev beside it (toggle "conv_backward").

The board follows the contract of cnnviz.steps.storyboard (same helpers, same keys): panels
"A_prev" (INPUT, A_prev[i, :, :, c]), "W/k" (W[:, :, k, c]), "Z_pad/k" (OUTPUT before the crop,
input channel c's share, accumulating through "adds"), "Z/k" (OUTPUT after the crop, written at
the last step) and conv_backward's "dA_prev/k", both shown with toggle "conv_backward"; output
channels k < channels_drawn(...).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from cnnviz.core import layers, windows
from cnnviz.steps import narration, trace
from cnnviz.steps.storyboard import _board, _cell, _line, _panel, _rect, _ring, _signed, _static_rects, _step

LESSON = "conv_transpose_forward"
# Output channels drawn (k = 0..MAX_CHANNELS-1): what keeps the board within its 1 MB budget at the
# largest settings (16x16 input, f = 7, stride 4: a 70x70 Z_pad, Z and dA_prev per channel drawn;
# four channels would need 1.1 MB). The numbers line says when n_C has more.
MAX_CHANNELS = 2


def channels_drawn(n_C: int) -> int:
    """How many output channels the board draws: min(n_C, MAX_CHANNELS)."""
    return min(n_C, MAX_CHANNELS)


@dataclass(frozen=True, eq=False)
class TransposeStep(trace.Step):
    """One input cell (i, h, w, c) scattered: Z_pad window += value * W[:, :, :, c].

    value -- A_prev[i, h, w, c]; scatter -- value * W[:, :, :, c], shape (f, f, n_C)
    overlap -- how many cells of the window already held a contribution (they add up)
    """

    value: float
    scatter: np.ndarray
    overlap: int


def trace_conv_transpose_forward(
    A_prev: np.ndarray, W: np.ndarray, b: np.ndarray, hparameters: Mapping, i: int = 0, c: int = 0
) -> list[TransposeStep]:
    """conv_transpose_forward's loop for sample i and input channel c: one TransposeStep per input cell.

    Returns:
    steps -- n_H_prev * n_W_prev steps, h outer, w inner; summed over every c and cropped, their
             scatters plus b are conv_transpose_forward(...)[0][i] (tests/test_transposed_board.py)
    """
    stride, pad, output_padding = windows.check_conv_transpose(A_prev, W, b, hparameters)
    A_prev, W = np.asarray(A_prev, dtype=np.float64), np.asarray(W, dtype=np.float64)
    (m, n_H_prev, n_W_prev, n_C_prev) = A_prev.shape
    (f, f, n_C, n_C_prev) = W.shape
    i = trace._check_index("i", i, m, "A_prev's batch (m)")
    c = trace._check_index("c", c, n_C_prev, "A_prev's channels (n_C_prev)")
    (m, n_H, n_W, n_C) = windows.conv_transpose_out_shape(A_prev.shape, W.shape, stride, pad, output_padding)
    touched = np.zeros((n_H + 2 * pad, n_W + 2 * pad), dtype=bool)
    steps = []
    for k, win in enumerate(windows.iter_windows(n_H_prev, n_W_prev, f, stride)):
        rows, cols = slice(win.vert_start, win.vert_end), slice(win.horiz_start, win.horiz_end)
        value = A_prev[i, win.h, win.w, c]
        scatter = value * W[:, :, :, c]  # the course-style update's operands, in its order
        steps.append(
            TransposeStep(
                **trace._window_kw(k, i, c, win),
                value=float(value),
                scatter=trace._frozen(scatter),
                overlap=int(touched[rows, cols].sum()),
            )
        )
        touched[rows, cols] = True
    return steps


def conv_transpose_forward_board(
    A_prev: np.ndarray, W: np.ndarray, b: np.ndarray, hparameters: Mapping, i: int = 0, c: int = 0
) -> dict:
    """conv_transpose_forward for sample i, input channel c's scatters, as a storyboard.

    Steps: one per input cell A_prev[i, h, w, c] (h outer, w inner), then "crop".
    Per scatter step: "written" on A_prev (the input cell read), "window" on every W/k (the filter
    scaled), "receives" on every Z_pad/k (the output window that gets value * W[:, :, k, c]); the
    values arrive through "adds" (Z_pad/k[window] += W/k * value), so overlaps add up in place.
    Crop step: "written" on Z_pad/k's kept part and on Z/k. Static: "pad_ring" on Z_pad/k.
    Toggle "conv_backward" lays Z/k (the crop) beside conv_backward's dA_prev/k: the same numbers.

    Arguments:
    A_prev -- (m, n_H_prev, n_W_prev, n_C_prev); W -- (f, f, n_C, n_C_prev); b -- (1, 1, 1, n_C)
    hparameters -- {"stride", "pad"[, "output_padding"]}; i -- the sample; c -- the input channel

    Returns:
    board -- the storyboard dict, lesson "conv_transpose_forward", toggle "conv_backward";
             output channels k < channels_drawn(...) only
    """
    steps = trace_conv_transpose_forward(A_prev, W, b, hparameters, i, c)
    stride, pad, output_padding = windows.check_conv_transpose(A_prev, W, b, hparameters)
    A_prev, W, b = (np.asarray(a, dtype=np.float64) for a in (A_prev, W, b))
    (m, n_H_prev, n_W_prev, n_C_prev) = A_prev.shape
    (f, f, n_C, n_C_prev) = W.shape
    (m, n_H, n_W, n_C) = windows.conv_transpose_out_shape(A_prev.shape, W.shape, stride, pad, output_padding)
    H_pad, W_pad = n_H + 2 * pad, n_W + 2 * pad

    # Input channel c's share, and the same numbers from conv_backward (dZ = A_prev, channel c only).
    share_pad = np.zeros((H_pad, W_pad, n_C))
    for s in steps:
        share_pad[s.vert_start : s.vert_end, s.horiz_start : s.horiz_end, :] += s.scatter
    share = share_pad[pad : pad + n_H, pad : pad + n_W, :]
    dZ = np.zeros(A_prev.shape)
    dZ[i, :, :, c] = A_prev[i, :, :, c]
    conv_cache = (np.zeros((m, n_H, n_W, n_C)), W, np.zeros((1, 1, 1, n_C_prev)), {"stride": stride, "pad": pad})
    dA_prev, _, _ = layers.conv_backward(dZ, conv_cache)  # (m, n_H, n_W, n_C)

    n_drawn = channels_drawn(n_C)
    chans = range(n_drawn)
    shown = f"all n_C = {n_C} channels" if n_C == n_drawn else f"n_C = {n_C} channels; k < {n_drawn} drawn"
    shown = "n_C = 1 channel" if n_C == 1 else shown
    pads, outs = [f"Z_pad/{k}" for k in chans], [f"Z/{k}" for k in chans]
    crop = _rect(pad, pad + n_H, pad, pad + n_W)
    code = narration.code(LESSON)
    n_scatter = len(steps)
    out = []
    for s in steps:
        win = [s.vert_start, s.vert_end, s.horiz_start, s.horiz_end]
        adds = {pads[k]: [*win, f"W/{k}", 0, 0, s.value] for k in chans}
        overlays = {
            "written": {"A_prev": [_cell(s.h, s.w)]},
            "window": {f"W/{k}": [_rect(0, f, 0, f)] for k in chans},
            "receives": {name: [win] for name in pads},
        }
        where = f"{s.vert_start}:{s.vert_end}, {s.horiz_start}:{s.horiz_end}"
        numbers = [
            _line(f"INPUT cell A_prev[{i}, {s.h}, {s.w}, {c}] = {{0}}", s.value),
            _line(f"OUTPUT window Z_pad[{i}, {where}, :] += {{0}} * W[:, :, :, {c}]  ({shown})", s.value),
            _line(
                f"{s.overlap} of its {f * f} cells already held values: they add up (+=)"
                if s.overlap
                else f"no overlap yet: its {f * f} cells were empty"
            ),
        ]
        notes = narration.transpose_notes(
            s, stride=stride, f=f, n_H_prev=n_H_prev, n_W_prev=n_W_prev, n_C_prev=n_C_prev, pad=pad
        )
        out.append(_step(s, overlays, {}, numbers, notes, adds))
    # The crop: Z is Z_pad without its pad ring (Z/k written at this step)
    crop_notes = narration.transpose_notes(
        steps[-1], stride=stride, f=f, n_H_prev=n_H_prev, n_W_prev=n_W_prev, n_C_prev=n_C_prev, pad=pad
    )
    crop_notes = [None] * (len(crop_notes) - 1) + [crop_notes[-1]]
    out.append(
        {
            "label": "crop",
            "h": None,
            "w": None,
            "overlays": {
                "written": {**{name: [crop] for name in pads}, **{name: [_rect(0, n_H, 0, n_W)] for name in outs}},
            },
            "sets": {},
            "numbers": [
                _line(
                    f"OUTPUT Z[{i}, :, :, k] = Z_pad[{i}, {pad}:{pad + n_H}, {pad}:{pad + n_W}, k]"
                    + (f": the pad ring of {pad} is cropped" if pad else ": pad = 0, nothing to crop")
                ),
                _line(
                    f"n_H = (n_H_prev - 1)*stride - 2*pad + f + output_padding = "
                    f"({n_H_prev} - 1)*{stride} - 2*{pad} + {f} + {output_padding} = {n_H}"
                ),
            ],
            "notes": crop_notes,
        }
    )

    sc_in, sc_w = _signed(A_prev[i, :, :, c]), _signed(W[:, :, :, c])
    sc_out = _signed(share_pad, dA_prev[i])
    panels = [
        _panel("A_prev", "A_prev", c, f"INPUT A_prev[{i}, :, :, {c}]", "A_prev", "input", A_prev[i, :, :, c], sc_in)
    ]
    panels += [_panel(f"W/{k}", "W", k, f"W[:, :, {k}, {c}]", "W", "filter", W[:, :, k, c], sc_w) for k in chans]
    panels += [
        _panel(
            pads[k],
            "Z_pad",
            k,
            f"OUTPUT Z_pad[{i}, :, :, {k}] (c = {c}'s share)",
            "Z_pad",
            "output",
            share_pad[:, :, k],
            sc_out,
            accumulates=True,
            row0=-pad,
            col0=-pad,
        )
        for k in chans
    ]
    panels += [
        _panel(
            outs[k],
            "Z",
            k,
            f"OUTPUT Z[{i}, :, :, {k}]: Z_pad cropped (no b)",
            "Z",
            "output",
            share[:, :, k],
            sc_out,
            written_at=[n_scatter] * (n_H * n_W),
            toggle="conv_backward",
        )
        for k in chans
    ]
    panels += [
        _panel(
            f"dA_prev/{k}",
            "dA_prev",
            k,
            f"conv_backward's dA_prev[{i}, :, :, {k}], dZ = A_prev: same numbers",
            "dA_prev",
            "gradient",
            dA_prev[i, :, :, k],
            sc_out,
            toggle="conv_backward",
        )
        for k in chans
    ]
    static = {"pad_ring": _static_rects(pads, _ring(H_pad, W_pad, pad))}
    title = f"conv_transpose_forward, example i = {i}, input channel c = {c}: INPUT A_prev -> OUTPUT Z"
    return _board(
        LESSON,
        title,
        panels,
        static,
        out,
        code,
        toggles={
            "conv_backward": "Cropped Z beside conv_backward's dA_prev",
        },
    )
