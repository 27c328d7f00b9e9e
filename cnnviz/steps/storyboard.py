"""A lesson's animation as plain data: panels, named overlays per step, numbers, code with values.

THE CONTRACT between the builders below (Python), the browser player (cnnviz/player/, JS)
and the GIF renderer (cnnviz/draw/gif.py, Pillow). Both renderers draw only what is here; nothing
is matched by its position in a list: panels, overlays and arrays are addressed by name.

A storyboard is a JSON-serialisable dict (`json.dumps(board)` works; no numpy objects inside):

    {
      "version": 2,                          # 2: style carries the text-colour rule; typed in schema.py
      "lesson": "zero_pad" | "conv_forward" | "pool_forward" | "conv_backward" | "pool_backward"
                | "conv_transpose_forward" (cnnviz/steps/transposed.py),
      "title": "conv_forward, example i = 0, filter c = 0",
      "n_steps": int,                        # == len(steps); steps[k] is loop iteration k (h outer, w inner)
      "panels": [Panel, ...],                # drawing order only; everything else refers to panel["name"]
      "static": {role: {panel_name: [Rect, ...]}},   # overlays that never move: "pad_ring", "skipped",
                                             # "receives" where every step adds (conv_backward's dW/k, db)
      "steps": [Step, ...],
      "code": [str, ...],                    # the course's loop body, one line each (from narration)
      "legend": {role: str},                 # what each overlay role means, in words (from draw.style)
      "toggles": {toggle_name: str},         # optional panels a button shows/hides, and the button text
      "id": str,                             # digest of everything else (content_id): same id, same board
      "style": {                             # colours from cnnviz.steps.style; renderers hard-code none
        "roles": {role: "#rrggbb"},          #   outline/mark colour of every overlay role, + "differs"
        "diverging": ["#rrggbb", ...],       #   11 stops, -vmax .. 0 .. +vmax ("signed" scales)
        "sequential": ["#rrggbb", ...],      #   vmin .. vmax ("sequential" scales)
        "text", "text_on_dark", "grid", "background": "#rrggbb", "decimals": [2, 4, 8],
        "luma": [0.299, 0.587, 0.114], "dark_below": 128},   # text on a fill: text_on_dark if luma < dark_below
      "ties": "first" | "all",               # (pooling boards only) which maxima get the gradient
      "tie_rule": str,                       # (pooling boards only) that rule in words
    }

    Rect = [r0, r1, c0, c1]                  # rows r0..r1-1, columns c0..c1-1 of one panel (half-open)

    Panel = {
      "name": "a_prev_pad/0",                # unique; the browser's data-cell is f"{name}:{row},{col}"
      "array": "a_prev_pad",                 # the course's array name
      "channel": 0 | None,                   # which slice of the last axis this 2-D grid is (None: 2-D array)
      "title": "a_prev_pad[0, :, :, 0]",     # as the course would index it
      "group": "a_prev_pad",                 # panels of one group are laid out together, in order
      "role": "input" | "filter" | "output" | "work" | "gradient",
      "shape": [rows, cols],
      "values": B64,                         # float64 row-major: what the panel shows once the loop is done
                                             # (inputs: constant; outputs: final; accumulators: final total)
      "scale": {"kind": "signed", "vmax": float} | {"kind": "sequential", "vmin": float, "vmax": float},
      "row0": int, "col0": int,              # index printed for the first row/column (-pad on a padded grid
                                             # that is labelled in unpadded coordinates; usually 0)
      "written_at": [int, ...] | None,       # outputs: per cell (row-major) the step that writes it; the
                                             # cell is "not yet" (drawn empty) at every step k < written_at
      "accumulates": bool,                   # True: value at step k = zeros, then for steps 0..k in order
                                             # that step's "sets" (replace) then its "adds"; not "values"
      "toggle": toggle_name | None,          # shown only when that toggle is on (default off)
    }

    Step = {
      "label": "h=1,w=2", "h": 1, "w": 2,  # zero_pad's steps ("copy", "ring 1", ...) have h = w = None
      "overlays": {role: {panel_name: [Rect, ...]}},
           # roles: "window" (the window read, on every input channel), "written" (the cell this step
           #   writes, or the gradient cell it reads in a backward pass), "chosen_max", "tied_max" (other
           #   maxima of a tied window), "receives" (cells that get gradient at this step)
      "sets": {panel_name: [r0, r1, c0, c1, B64]},   # accumulators: those cells' values after this step
      "adds": {panel_name: [r0, r1, c0, c1, src_panel, sr0, sc0, factor]},   # (optional)
           # accumulators: values[r0:r1, c0:c1] += src.values[sr0:sr0+(r1-r0), sc0:sc0+(c1-c0)] * factor
           #   (src_panel a constant panel, its "values"; factor a float); applied after this step's sets.
           #   The course's updates exactly (one IEEE multiply, one add per cell, as numpy does them):
           #   conv_backward's dW/k, dA_prev_pad/k and db are replayed this way, a tenth of the bytes of sets
      "numbers": [Line, ...],                # the step box: window x filter = sum, + b = Z[i,h,w,c] ...
      "notes": [Line | None, ...],           # one per "code" line: the value comment, None for none
    }

    Line = {"text": "sum = {0}; {0} + b = {0} + {1} = {2}", "vals": [float, ...]}
           # {k} is vals[k] formatted by the renderer at the chosen precision (2, 4 or 8 decimals);
           # integers (indices, sizes) are written into "text" directly.

    B64 = base64 (standard alphabet) of little-endian float64 bytes.

Builders (below; each docstring lists its panels and overlays):

    zero_pad_board(A_prev, pad, i=0, c=0)                      X, X_pad; steps "copy", "ring 1".."ring pad"
    conv_forward_board(A_prev, W, b, hparameters, i=0, c=0)   a_prev_pad/k, W/k, product/k, Z
    pool_forward_board(A_prev, hparameters, mode="max", i=0, c=0, ties="first")      A_prev, A
    conv_backward_board(dZ, cache, i=0, c=0)                  dZ, W/k, a_prev_pad/k, dA_prev_pad/k (filter
                                                              c's share), dA_prev/k (toggle all_filters), dW/k, db
    pool_backward_board(dA, cache, mode="max", i=0, c=0, ties="first")   A_prev, dA, mask, dA_prev

The not-yet mask, the values shown at step k and the reverse window lookups (which output cells
read an input cell) follow from this data: `not_yet`, `values_at` below are the Python versions,
the player has the same few lines in JS.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Mapping

import numpy as np

from cnnviz.core import layers, windows
from cnnviz.steps import narration, style, trace

VERSION = 2
ROLES = ("window", "written", "chosen_max", "tied_max", "receives", "pad_ring", "skipped", "not_yet")


def b64(a: np.ndarray) -> str:
    """float64 little-endian bytes of `a` (row-major), base64: a panel's or a set's values."""
    return base64.b64encode(np.ascontiguousarray(a, dtype="<f8").tobytes()).decode("ascii")


def unb64(s: str, shape: tuple[int, ...]) -> np.ndarray:
    """The inverse of b64."""
    return np.frombuffer(base64.b64decode(s), dtype="<f8").reshape(shape)


def panel(board: dict, name: str) -> dict:
    """The panel called `name` (KeyError naming the panels there are)."""
    for p in board["panels"]:
        if p["name"] == name:
            return p
    raise KeyError(f"no panel {name!r}; panels: {', '.join(p['name'] for p in board['panels'])}")


def not_yet(board: dict, name: str, k: int) -> np.ndarray:
    """Boolean (rows, cols): the cells of output panel `name` not written yet at step k."""
    p = panel(board, name)
    rows, cols = p["shape"]
    if p.get("written_at") is None:
        return np.zeros((rows, cols), dtype=bool)
    return np.asarray(p["written_at"]).reshape(rows, cols) > k


class Replay:
    """Every panel's values step by step: accumulators from zeros, each step's "sets" then "adds".

    `to(k)` moves forward (one update per step); the player's JS `replay` does the same (a test
    compares every cell). Constant panels hold their "values".
    """

    def __init__(self, board: dict):
        self.board = board
        self.values = {
            p["name"]: np.zeros(p["shape"]) if p["accumulates"] else unb64(p["values"], tuple(p["shape"]))
            for p in board["panels"]
        }
        self.constant = {p["name"]: self.values[p["name"]] for p in board["panels"] if not p["accumulates"]}
        self.done = -1

    def to(self, k: int) -> dict[str, np.ndarray]:
        """The values after step k (k >= the last step asked for; the arrays are updated in place)."""
        for step in self.board["steps"][self.done + 1 : k + 1]:
            for name, (r0, r1, c0, c1, data) in step["sets"].items():
                self.values[name][r0:r1, c0:c1] = unb64(data, (r1 - r0, c1 - c0))
            for name, (r0, r1, c0, c1, src, sr0, sc0, factor) in step.get("adds", {}).items():
                block = self.constant[src][sr0 : sr0 + (r1 - r0), sc0 : sc0 + (c1 - c0)]
                self.values[name][r0:r1, c0:c1] += block * factor
        self.done = max(self.done, k)
        return self.values


def values_at(board: dict, name: str, k: int) -> np.ndarray:
    """The values panel `name` shows at step k (accumulators replayed from their "sets" and "adds")."""
    panel(board, name)  # KeyError naming the panels there are
    return Replay(board).to(k)[name].copy()


# ----------------------------------------------------------------------------------------------
# Builders: one per lesson, from the trace (cnnviz.steps.trace) to a board.
# ----------------------------------------------------------------------------------------------


def _signed(*arrays: np.ndarray) -> dict:
    """A signed scale symmetric about zero, shared by the panels of one group."""
    vmax = max((float(np.max(np.abs(a))) for a in arrays if np.size(a)), default=0.0)
    return {"kind": "signed", "vmax": vmax if vmax > 0 else 1.0}


def _panel(
    name: str,
    array: str,
    channel: int | None,
    title: str,
    group: str,
    role: str,
    values: np.ndarray,
    scale: dict,
    *,
    row0: int = 0,
    col0: int = 0,
    written_at: list[int] | None = None,
    accumulates: bool = False,
    toggle: str | None = None,
) -> dict:
    values = np.asarray(values, dtype=np.float64)
    assert values.ndim == 2, (name, values.shape)
    return {
        "name": name,
        "array": array,
        "channel": channel,
        "title": title,
        "group": group,
        "role": role,
        "shape": [int(values.shape[0]), int(values.shape[1])],
        "values": b64(values),
        "scale": scale,
        "row0": int(row0),
        "col0": int(col0),
        "written_at": written_at,
        "accumulates": bool(accumulates),
        "toggle": toggle,
    }


def _rect(r0: int, r1: int, c0: int, c1: int) -> list[int]:
    return [int(r0), int(r1), int(c0), int(c1)]


def _ring(n_rows: int, n_cols: int, pad: int) -> list[list[int]]:
    """The pad ring of a padded (n_rows, n_cols) grid as at most four rectangles (none when pad == 0)."""
    if pad <= 0:
        return []
    return [
        _rect(0, pad, 0, n_cols),
        _rect(n_rows - pad, n_rows, 0, n_cols),
        _rect(pad, n_rows - pad, 0, pad),
        _rect(pad, n_rows - pad, n_cols - pad, n_cols),
    ]


def _skipped(n_H_prev: int, n_W_prev: int, f: int, stride: int, pad: int, dilation: int = 1) -> list[list[int]]:
    """Rows and columns (of the padded grid) no window reads: windows.uncovered, as rectangles."""
    n_rows, n_cols = n_H_prev + 2 * pad, n_W_prev + 2 * pad
    rects = []
    rows = windows.uncovered(n_H_prev, f, stride, pad, dilation)
    if rows:
        rects.append(_rect(rows[0], n_rows, 0, n_cols))
    cols = windows.uncovered(n_W_prev, f, stride, pad, dilation)
    if cols:
        rects.append(_rect(0, n_rows, cols[0], n_cols))
    return rects


def _shown(v: float) -> float:
    """A value for a step's text: 12 significant digits, more than any precision shown (8 decimals)."""
    return float(f"{float(v):.12g}")


def _line(text: str, *vals: float) -> dict:
    return {"text": text, "vals": [_shown(v) for v in vals]}


def _win(step) -> list[int]:
    return _rect(step.vert_start, step.vert_end, step.horiz_start, step.horiz_end)


def _wins(step, f: int, dilation: int = 1) -> list[list[int]]:
    """The cells a window reads: one rectangle, or with dilation > 1 its f*f cells with the holes between."""
    if dilation == 1:
        return [_win(step)]
    return [_cell(step.vert_start + dilation * r, step.horiz_start + dilation * q) for r in range(f) for q in range(f)]


def _cell(h: int, w: int) -> list[int]:
    return _rect(h, h + 1, w, w + 1)


def _step(step, overlays: dict, sets: dict, numbers: list[dict], notes: list, adds: dict | None = None) -> dict:
    out = {
        "label": step.label,
        "h": int(step.h),
        "w": int(step.w),
        "overlays": {role: rects for role, rects in overlays.items() if rects},
        "sets": sets,
        "numbers": numbers,
        "notes": notes,
    }
    if adds:
        out["adds"] = adds
    return out


def _board(lesson: str, title: str, panels: list, static: dict, steps: list, code: list[str], **extra) -> dict:
    roles = {"not_yet"} if any(p["written_at"] is not None for p in panels) else set()
    roles |= {role for role, by_panel in static.items() if by_panel}
    for s in steps:
        roles |= set(s["overlays"])
    board = {
        "version": VERSION,
        "lesson": lesson,
        "title": title,
        "n_steps": len(steps),
        "panels": panels,
        "static": {role: by_panel for role, by_panel in static.items() if by_panel},
        "steps": steps,
        "code": code,
        "legend": style.legend(lesson, [role for role in ROLES if role in roles]),
        "toggles": {},
        "style": style.as_json(),
    }
    board.update(extra)
    board["id"] = content_id(board)
    return board


def content_id(board: dict) -> str:
    """A short digest of a board's content (its "id" key aside), computed once when the board is built."""
    content = {k: v for k, v in board.items() if k != "id"}
    return hashlib.blake2b(json.dumps(content, sort_keys=True).encode(), digest_size=8).hexdigest()


def _static_rects(names: list[str], rects: list[list[int]]) -> dict[str, list[list[int]]]:
    return {name: rects for name in names} if rects else {}


def conv_forward_board(
    A_prev: np.ndarray, W: np.ndarray, b: np.ndarray, hparameters: Mapping, i: int = 0, c: int = 0
) -> dict:
    """conv_forward's loop for sample i and filter c, as a storyboard (one step per Z[i, h, w, c]).

    Panels: "a_prev_pad/k" (A_prev_pad[i, :, :, k], every input channel k), "W/k" (W[:, :, k, c]),
    "product/k" (a_slice_prev[:, :, k] * W[:, :, k, c] at this step: a work panel set at every
    step), "Z" (Z[i, :, :, c], written_at[h * n_W + w] = that cell's step).
    Static: "pad_ring" and "skipped" on every a_prev_pad panel. Per step: "window" on every
    a_prev_pad panel, "written" on Z.

    Arguments:
    A_prev -- shape (m, n_H_prev, n_W_prev, n_C_prev); W -- (f, f, n_C_prev, n_C); b -- (1, 1, 1, n_C)
    hparameters -- dict with "stride" and "pad"; i -- the sample; c -- the filter

    Returns:
    board -- the storyboard dict (see the module docstring)
    """
    steps = trace.trace_conv_forward(A_prev, W, b, hparameters, i, c)
    stride, pad = int(hparameters["stride"]), int(hparameters["pad"])
    d = windows.check_dilation(hparameters)
    A_prev, W = np.asarray(A_prev, dtype=np.float64), np.asarray(W, dtype=np.float64)
    (m, n_H_prev, n_W_prev, n_C_prev) = A_prev.shape
    (f, f, n_C_prev, n_C) = W.shape
    (m, n_H, n_W, n_C) = windows.conv_out_shape(A_prev.shape, W.shape, stride, pad, d)
    a_prev_pad = layers.zero_pad(A_prev[i : i + 1], pad)[0]
    Z_c = np.array([s.z for s in steps]).reshape(n_H, n_W)
    chans = range(n_C_prev)
    inp = [f"a_prev_pad/{k}" for k in chans]
    products = np.stack([s.product for s in steps])  # (n_steps, f, f, n_C_prev)

    sc_in, sc_w, sc_p = _signed(a_prev_pad), _signed(W[:, :, :, c]), _signed(products)
    panels = [
        _panel(
            inp[k], "a_prev_pad", k, f"A_prev_pad[{i}, :, :, {k}]", "a_prev_pad", "input", a_prev_pad[:, :, k], sc_in
        )
        for k in chans
    ]
    panels += [_panel(f"W/{k}", "W", k, f"W[:, :, {k}, {c}]", "W", "filter", W[:, :, k, c], sc_w) for k in chans]
    panels += [
        _panel(
            f"product/{k}",
            "a_slice_prev * W[:, :, :, c]",
            k,
            f"a_slice_prev[:, :, {k}] * W[:, :, {k}, {c}]",
            "product",
            "work",
            products[-1][:, :, k],
            sc_p,
            accumulates=True,
        )
        for k in chans
    ]
    panels.append(
        _panel("Z", "Z", c, f"Z[{i}, :, :, {c}]", "Z", "output", Z_c, _signed(Z_c), written_at=list(range(len(steps))))
    )
    static = {
        "pad_ring": _static_rects(inp, _ring(n_H_prev + 2 * pad, n_W_prev + 2 * pad, pad)),
        "skipped": _static_rects(inp, _skipped(n_H_prev, n_W_prev, f, stride, pad, d)),
    }
    code = narration.code("conv_forward", dilation=d)
    step_d = f":{d}" if d > 1 else ""  # the slices' step, written only when the window has holes
    out = []
    for s in steps:
        sums = [float(np.sum(s.product[:, :, k], dtype=np.float64)) for k in chans]
        rows, cols = f"{s.vert_start}:{s.vert_end}{step_d}", f"{s.horiz_start}:{s.horiz_end}{step_d}"
        terms = " + ".join(f"{{{k}}}" for k in chans)
        numbers = [
            _line(f"a_slice_prev = a_prev_pad[{rows}, {cols}, :]"),
            _line(
                f"sum(a_slice_prev * W[:, :, :, {c}]) = {terms} = {{{n_C_prev}}}   (one term per channel)", *sums, s.s
            ),
            _line(f"Z[{i}, {s.h}, {s.w}, {c}] = sum + b[0, 0, 0, {c}] = {{0}} + {{1}} = {{2}}", s.s, s.b, s.z),
        ]
        notes = narration.notes("conv_forward", s, stride=stride, f=f, n_H=n_H, n_W=n_W, n_C=n_C, dilation=d)
        sets = {f"product/{k}": [0, f, 0, f, b64(s.product[:, :, k])] for k in chans}
        overlays = {"window": {name: _wins(s, f, d) for name in inp}, "written": {"Z": [_cell(s.h, s.w)]}}
        out.append(_step(s, overlays, sets, numbers, notes))
    title = f"conv_forward, example i = {i}, filter c = {c}"
    return _board("conv_forward", title, panels, static, out, code)


def _check_ties(ties: str) -> str:
    windows.check_ties(ties)  # InputError on anything but "first" / "all"
    return ties


def _maxima(a_slice: np.ndarray, ties: str) -> tuple[np.ndarray, list[tuple[int, int]], list[tuple[int, int]]]:
    """(mask, chosen, others) of a window under a tie rule.

    mask -- what the backward pass multiplies dA by: the first maximum ("first", the course's
            create_mask_from_window in cnnviz.core.layers) or every maximum ("all", x == np.max(x))
    chosen -- (r, s) of the maxima the mask credits; others -- the other entries equal to the maximum
    """
    mask = layers.create_mask_from_window(a_slice, ties)
    every = a_slice == np.max(a_slice)
    chosen = [(int(r), int(s)) for r, s in np.argwhere(mask)]
    others = [(int(r), int(s)) for r, s in np.argwhere(every & ~mask)]
    return mask, chosen, others


def _cells(step, rs: list[tuple[int, int]]) -> list[list[int]]:
    return [_cell(step.vert_start + r, step.horiz_start + s) for r, s in rs]


def pool_forward_board(
    A_prev: np.ndarray, hparameters: Mapping, mode: str = "max", i: int = 0, c: int = 0, ties: str = "first"
) -> dict:
    """pool_forward's loop for sample i and channel c, as a storyboard (one step per A[i, h, w, c]).

    Panels: "A_prev" (A_prev[i, :, :, c]) and "A" (A[i, :, :, c], written_at). Static: "skipped".
    Per step: "window" on A_prev, "written" on A; max mode also marks every maximum of the window:
    "chosen_max" for the one(s) pool_backward credits under `ties` ("first": the first maximum
    in row-major order; "all": the course's x == max(x), every tied maximum), "tied_max" for the others.

    Arguments:
    A_prev -- shape (m, n_H_prev, n_W_prev, n_C_prev); hparameters -- dict with "f" and "stride"
    mode -- "max" or "average"; i -- the sample; c -- the channel; ties -- "first" or "all"

    Returns:
    board -- the storyboard dict (see the module docstring), with "ties" and "tie_rule"
    """
    ties = _check_ties(ties)
    steps = trace.trace_pool_forward(A_prev, hparameters, mode, i, c)
    A_prev = np.asarray(A_prev, dtype=np.float64)
    f, stride = int(hparameters["f"]), int(hparameters["stride"])
    (m, n_H_prev, n_W_prev, n_C_prev) = A_prev.shape
    (m, n_H, n_W, n_C) = windows.pool_out_shape(A_prev.shape, f, stride)
    A_c = np.array([s.value for s in steps]).reshape(n_H, n_W)
    sc = _signed(A_prev[i, :, :, c])
    panels = [
        _panel("A_prev", "A_prev", c, f"A_prev[{i}, :, :, {c}]", "A_prev", "input", A_prev[i, :, :, c], sc),
        _panel("A", "A", c, f"A[{i}, :, :, {c}]", "A", "output", A_c, sc, written_at=list(range(len(steps)))),
    ]
    static = {"skipped": _static_rects(["A_prev"], _skipped(n_H_prev, n_W_prev, f, stride, 0))}
    code = narration.code("pool_forward", mode)
    out = []
    for s in steps:
        overlays: dict = {"window": {"A_prev": [_win(s)]}, "written": {"A": [_cell(s.h, s.w)]}}
        numbers = [
            _line(f"a_prev_slice = A_prev[{i}, {s.vert_start}:{s.vert_end}, {s.horiz_start}:{s.horiz_end}, {c}]")
        ]
        if mode == "max":
            _, chosen, others = _maxima(s.a_slice, ties)
            overlays["chosen_max"] = {"A_prev": _cells(s, chosen)}
            overlays["tied_max"] = {"A_prev": _cells(s, others)} if others else {}
            numbers.append(_line(f"A[{i}, {s.h}, {s.w}, {c}] = np.max(a_prev_slice) = {{0}}", s.value))
            n_max = len(chosen) + len(others)
            if n_max > 1:
                numbers.append(
                    _line(f"a tie: {n_max} entries equal the maximum; the gradient goes to the {style.tie_words(ties)}")
                )
        else:
            numbers.append(
                _line(
                    f"A[{i}, {s.h}, {s.w}, {c}] = np.mean(a_prev_slice) = {{0}} / {f * f} = {{1}}",
                    float(np.sum(s.a_slice)),
                    s.value,
                )
            )
        notes = narration.notes("pool_forward", s, stride=stride, f=f, n_H=n_H, n_W=n_W, n_C=n_C, mode=mode)
        out.append(_step(s, overlays, {}, numbers, notes))
    title = f"pool_forward ({mode}), example i = {i}, channel c = {c}"
    return _board("pool_forward", title, panels, static, out, code, ties=ties, tie_rule=style.tie_words(ties))


def pool_backward_board(
    dA: np.ndarray, cache: tuple, mode: str = "max", i: int = 0, c: int = 0, ties: str = "first"
) -> dict:
    """pool_backward's loop for sample i and channel c, as a storyboard (one step per dA[i, h, w, c]).

    Panels: "A_prev" (A_prev[i, :, :, c]), "dA" (dA[i, :, :, c]), "mask" (max: mask * dA[i, h, w, c];
    average: distribute_value(da, (f, f)); a work panel set at every step) and "dA_prev"
    (dA_prev[i, :, :, c], accumulating). Static: "skipped" on A_prev and dA_prev.
    Per step: "window" on A_prev, "written" on dA (the gradient cell read), "receives" on dA_prev
    (max: the credited maxima; average: the whole window), and in max mode "chosen_max" / "tied_max"
    on A_prev as in pool_forward_board. ties -- "first" (the first maximum, cnnviz.core.layers) or
    "all" (the course's x == max(x)).

    Arguments:
    dA -- shape (m, n_H, n_W, n_C); cache -- (A_prev, hparameters) from pool_forward
    mode -- "max" or "average"; i -- the sample; c -- the channel; ties -- "first" or "all"

    Returns:
    board -- the storyboard dict, with "ties" and "tie_rule"
    """
    ties = _check_ties(ties)
    steps = trace.trace_pool_backward(dA, cache, mode, i, c, ties)
    (A_prev, hparameters) = cache
    A_prev, dA = np.asarray(A_prev, dtype=np.float64), np.asarray(dA, dtype=np.float64)
    f, stride = int(hparameters["f"]), int(hparameters["stride"])
    (m, n_H_prev, n_W_prev, n_C_prev) = A_prev.shape
    (m, n_H, n_W, n_C) = dA.shape
    total = np.zeros((n_H_prev, n_W_prev))  # dA_prev[i, :, :, c] so far
    out = []
    work = []
    code = narration.code("pool_backward", mode)
    for s in steps:
        rows, cols = slice(s.vert_start, s.vert_end), slice(s.horiz_start, s.horiz_end)
        overlays: dict = {"window": {"A_prev": [_win(s)]}, "written": {"dA": [_cell(s.h, s.w)]}}
        if mode == "max":
            _, chosen, others = _maxima(s.a_slice, ties)
            delta = np.asarray(s.mask_or_value)  # the course's update: mask * dA[i, h, w, c]
            overlays["chosen_max"] = {"A_prev": _cells(s, chosen)}
            overlays["tied_max"] = {"A_prev": _cells(s, others)} if others else {}
            overlays["receives"] = {"dA_prev": _cells(s, chosen)}
            where = ", ".join(f"({s.vert_start + r}, {s.horiz_start + q})" for r, q in chosen)
            numbers = [
                _line(f"dA[{i}, {s.h}, {s.w}, {c}] = {{0}}", s.da),
                _line(f"mask = create_mask_from_window(a_prev_slice): True at {where}; rule: {style.tie_words(ties)}"),
                _line(f"dA_prev[{i}, {where}, {c}] += mask * dA[{i}, {s.h}, {s.w}, {c}] = {{0}}", s.da),
            ]
        else:
            delta = np.asarray(s.mask_or_value)
            overlays["receives"] = {"dA_prev": [_win(s)]}
            numbers = [
                _line(f"da = dA[{i}, {s.h}, {s.w}, {c}] = {{0}}", s.da),
                _line(
                    f"distribute_value(da, ({f}, {f})): each of the {f * f} cells += {{0}} / {f * f} = {{1}}",
                    s.da,
                    s.da / (f * f),
                ),
            ]
        total[rows, cols] += delta
        work.append(delta)
        notes = narration.notes("pool_backward", s, stride=stride, f=f, n_H=n_H, n_W=n_W, n_C=n_C, mode=mode, ties=ties)
        sets = {"mask": [0, f, 0, f, b64(delta)], "dA_prev": [*_win(s), b64(total[rows, cols])]}
        out.append(_step(s, overlays, sets, numbers, notes))
    sc_in, sc_g = _signed(A_prev[i, :, :, c]), _signed(dA[i, :, :, c], total, *work)
    work_title = f"mask * dA[{i}, h, w, {c}]" if mode == "max" else "distribute_value(da, (f, f))"
    panels = [
        _panel("A_prev", "A_prev", c, f"A_prev[{i}, :, :, {c}]", "A_prev", "input", A_prev[i, :, :, c], sc_in),
        _panel("dA", "dA", c, f"dA[{i}, :, :, {c}]", "dA", "gradient", dA[i, :, :, c], sc_g),
        _panel(
            "mask",
            "mask" if mode == "max" else "distribute_value",
            None,
            work_title,
            "mask",
            "work",
            work[-1],
            sc_g,
            accumulates=True,
        ),
        _panel(
            "dA_prev", "dA_prev", c, f"dA_prev[{i}, :, :, {c}]", "dA_prev", "gradient", total, sc_g, accumulates=True
        ),
    ]
    skipped = _skipped(n_H_prev, n_W_prev, f, stride, 0)
    static = {"skipped": _static_rects(["A_prev", "dA_prev"], skipped)}
    title = f"pool_backward ({mode}), example i = {i}, channel c = {c}"
    return _board("pool_backward", title, panels, static, out, code, ties=ties, tie_rule=style.tie_words(ties))


def conv_backward_board(dZ: np.ndarray, cache: tuple, i: int = 0, c: int = 0) -> dict:
    """conv_backward's loop for sample i, filter c's scatters only, as a storyboard (one step per dZ cell).

    Panels: "dZ" (dZ[i, :, :, c]), "W/k" (W[:, :, k, c]), "a_prev_pad/k" (A_prev_pad[i, :, :, k]),
    "dA_prev_pad/k" (filter c's share of dA_prev_pad[i, :, :, k]: what dZ[i, :, :, c] alone adds;
    accumulating; titled so), "dW/k" (dW[:, :, k, c], accumulating), "db" (db[0, 0, 0, c], 1x1,
    accumulating), and with toggle "all_filters": "dA_prev/k", the final dA_prev[i, :, :, k] of
    cnnviz.core.layers.conv_backward, the sum over all n_C filters (constant).
    Static: "pad_ring" and "skipped" on a_prev_pad/k and dA_prev_pad/k; "receives" on dW/k and db
    (every step adds to all of them). Per step: "written" on dZ (the gradient cell read), "window"
    on every a_prev_pad/k, "receives" on dA_prev_pad/k (the window).

    Arguments:
    dZ -- shape (m, n_H, n_W, n_C); cache -- (A_prev, W, b, hparameters) from conv_forward
    i -- the sample; c -- the filter

    Returns:
    board -- the storyboard dict, with toggles {"all_filters": ...}
    """
    steps = trace.trace_conv_backward(dZ, cache, i, c)
    (A_prev, W, b, hparameters) = cache
    dA_prev_all, _, _ = layers.conv_backward(dZ, cache)
    A_prev, W, dZ = (np.asarray(a, dtype=np.float64) for a in (A_prev, W, dZ))
    stride, pad = int(hparameters["stride"]), int(hparameters["pad"])
    d = windows.check_dilation(hparameters)
    (m, n_H_prev, n_W_prev, n_C_prev) = A_prev.shape
    (f, f, n_C_prev, n_C) = W.shape
    (m, n_H, n_W, n_C) = dZ.shape
    a_prev_pad = layers.zero_pad(A_prev[i : i + 1], pad)[0]
    chans = range(n_C_prev)
    inp, share, dw = ([f"{a}/{k}" for k in chans] for a in ("a_prev_pad", "dA_prev_pad", "dW"))
    last = steps[-1]
    share_final = last.dA_prev_pad
    code = narration.code("conv_backward", dilation=d)
    out = []
    for s in steps:
        # The course's three updates, replayed by the renderers from constant panels (see "adds"):
        # da_prev_pad window += W[:, :, k, c] * dz; dW[:, :, k, c] += a_slice[:, :, k] * dz; db += dZ[i, h, w, c]
        sets = {}
        if d == 1:
            adds = {share[k]: [*_win(s), f"W/{k}", 0, 0, s.dz] for k in chans}
            adds.update({dw[k]: [0, f, 0, f, inp[k], s.vert_start, s.horiz_start, s.dz] for k in chans})
        else:  # a window with holes: W with its holes (zeros: x + 0 * dz == x) is added; dW's totals are set
            adds = {share[k]: [*_win(s), f"W_dilated/{k}", 0, 0, s.dz] for k in chans}
            sets = {dw[k]: [0, f, 0, f, b64(s.dW_c[:, :, k])] for k in chans}
        adds["db"] = [0, 1, 0, 1, "dZ", s.h, s.w, 1.0]
        overlays = {
            "written": {"dZ": [_cell(s.h, s.w)]},
            "window": {name: _wins(s, f, d) for name in inp},
            "receives": {name: _wins(s, f, d) for name in share},  # dW/k and db receive at every step: static
        }
        step_d = f":{d}" if d > 1 else ""
        win = f"{s.vert_start}:{s.vert_end}{step_d}, {s.horiz_start}:{s.horiz_end}{step_d}"
        numbers = [
            _line(f"dZ[{i}, {s.h}, {s.w}, {c}] = {{0}}", s.dz),
            _line(f"da_prev_pad[{win}, :] += W[:, :, :, {c}] * {{0}}", s.dz),
            _line(f"dW[:, :, :, {c}] += a_slice * {{0}}", s.dz),
            _line(f"db[0, 0, 0, {c}] += {{0}}  ->  {{1}}", s.dz, s.db_c),
        ]
        notes = narration.notes("conv_backward", s, stride=stride, f=f, n_H=n_H, n_W=n_W, n_C=n_C, dilation=d)
        out.append(_step(s, overlays, sets, numbers, notes, adds))
    sc_in, sc_w = _signed(a_prev_pad), _signed(W[:, :, :, c])
    sc_dz = _signed(dZ[i, :, :, c])
    sc_da = _signed(dA_prev_all[i], share_final)
    sc_dw = _signed(last.dW_c, np.array([last.db_c]))
    panels = [_panel("dZ", "dZ", c, f"dZ[{i}, :, :, {c}]", "dZ", "gradient", dZ[i, :, :, c], sc_dz)]
    panels += [_panel(f"W/{k}", "W", k, f"W[:, :, {k}, {c}]", "W", "filter", W[:, :, k, c], sc_w) for k in chans]
    toggles = {"all_filters": f"Sum over all n_C = {n_C} filters"}
    if d > 1:  # the filter as the window lays it out (the "adds" source; shown on a toggle): zeros in the holes
        toggles["dilated_filter"] = f"W with its holes (dilation {d})"
        span = windows.span(f, d)
        holed = np.zeros((span, span, n_C_prev))
        holed[::d, ::d, :] = W[:, :, :, c]
        panels += [
            _panel(
                f"W_dilated/{k}",
                "W",
                k,
                f"W[:, :, {k}, {c}] with dilation {d}",
                "W_dilated",
                "filter",
                holed[:, :, k],
                sc_w,
                toggle="dilated_filter",
            )
            for k in chans
        ]
    panels += [
        _panel(
            inp[k], "a_prev_pad", k, f"A_prev_pad[{i}, :, :, {k}]", "a_prev_pad", "input", a_prev_pad[:, :, k], sc_in
        )
        for k in chans
    ]
    panels += [
        _panel(
            share[k],
            "dA_prev_pad",
            k,
            f"dA_prev_pad[{i}, :, :, {k}]: filter c = {c}'s share only (from dZ[{i}, :, :, {c}])",
            "dA_prev_pad",
            "gradient",
            share_final[:, :, k],
            sc_da,
            accumulates=True,
        )
        for k in chans
    ]
    panels += [
        _panel(
            f"dA_prev/{k}",
            "dA_prev",
            k,
            f"dA_prev[{i}, :, :, {k}]: final, the sum over all n_C = {n_C} filters",
            "dA_prev",
            "gradient",
            dA_prev_all[i, :, :, k],
            sc_da,
            toggle="all_filters",
        )
        for k in chans
    ]
    panels += [
        _panel(
            dw[k],
            "dW",
            k,
            f"dW[:, :, {k}, {c}] (example {i}'s share)",
            "dW",
            "gradient",
            last.dW_c[:, :, k],
            sc_dw,
            accumulates=True,
        )
        for k in chans
    ]
    panels.append(
        _panel(
            "db",
            "db",
            c,
            f"db[0, 0, 0, {c}] (example {i}'s share)",
            "db",
            "gradient",
            np.array([[last.db_c]]),
            sc_dw,
            accumulates=True,
        )
    )
    ring = _ring(n_H_prev + 2 * pad, n_W_prev + 2 * pad, pad)
    skipped = _skipped(n_H_prev, n_W_prev, f, stride, pad, d)
    static = {
        "pad_ring": _static_rects(inp + share, ring),
        "skipped": _static_rects(inp + share, skipped),
        "receives": {**_static_rects(dw, [_rect(0, f, 0, f)]), "db": [_rect(0, 1, 0, 1)]},
    }
    title = f"conv_backward, example i = {i}, filter c = {c}'s share"
    return _board("conv_backward", title, panels, static, out, code, toggles=toggles)


def zero_pad_board(A_prev: np.ndarray, pad: int, i: int = 0, c: int = 0) -> dict:
    """zero_pad for sample i and channel c, as a storyboard.

    Steps: step 0 copies X[i, :, :, c] into the middle of X_pad; step j (1..pad) writes ring j of
    zeros, counted from the inside out (with pad == 0 there is only the copy). Steps have
    h = w = None and labels "copy", "ring 1", ...
    Panels: "X" (X[i, :, :, c]) and "X_pad" (X_pad[i, :, :, c], written_at = 0 inside, j on ring j).
    Static: "pad_ring" on X_pad. Per step: "window" on X (step 0: all of it), "written" on X_pad
    (the copied block, then the ring's rectangles).

    Arguments:
    A_prev -- X, shape (m, n_H, n_W, n_C); pad -- zeros around each image; i -- the sample; c -- the channel

    Returns:
    board -- the storyboard dict
    """
    X_pad = layers.zero_pad(A_prev, pad)
    X = np.asarray(A_prev, dtype=np.float64)
    (m, n_H, n_W, n_C) = X.shape
    i = trace._check_index("i", i, m, "X's batch (m)")
    c = trace._check_index("c", c, n_C, "X's channels (n_C)")
    pad = int(pad)
    H, Wd = n_H + 2 * pad, n_W + 2 * pad
    rr, cc = np.meshgrid(np.arange(H), np.arange(Wd), indexing="ij")
    dist = np.maximum(np.maximum(pad - rr, rr - (pad + n_H - 1)), np.maximum(pad - cc, cc - (pad + n_W - 1)))
    written_at = np.maximum(dist, 0).ravel().tolist()
    sc = _signed(X[i, :, :, c])
    panels = [
        _panel("X", "X", c, f"X[{i}, :, :, {c}]", "X", "input", X[i, :, :, c], sc),
        _panel(
            "X_pad",
            "X_pad",
            c,
            f"X_pad[{i}, :, :, {c}]",
            "X_pad",
            "output",
            X_pad[i, :, :, c],
            sc,
            written_at=written_at,
        ),
    ]
    code = narration.code("zero_pad")
    line = f"X_pad[{i}, {pad}:{pad + n_H}, {pad}:{pad + n_W}, {c}] = X[{i}, :, :, {c}]"
    out = [
        {
            "label": "copy",
            "h": None,
            "w": None,
            "overlays": {
                "window": {"X": [_rect(0, n_H, 0, n_W)]},
                "written": {"X_pad": [_rect(pad, pad + n_H, pad, pad + n_W)]},
            },
            "sets": {},
            "numbers": [
                _line(line),
                _line(f"X has shape ({m}, {n_H}, {n_W}, {n_C}); X_pad has shape ({m}, {H}, {Wd}, {n_C})"),
            ],
            "notes": [_line(f"pad = {pad}: the middle of X_pad is X")],
        }
    ]
    for j in range(1, pad + 1):
        lo_r, hi_r, lo_c, hi_c = pad - j, pad + n_H + j - 1, pad - j, pad + n_W + j - 1
        rects = [
            _rect(lo_r, lo_r + 1, lo_c, hi_c + 1),
            _rect(hi_r, hi_r + 1, lo_c, hi_c + 1),
            _rect(lo_r + 1, hi_r, lo_c, lo_c + 1),
            _rect(lo_r + 1, hi_r, hi_c, hi_c + 1),
        ]
        out.append(
            {
                "label": f"ring {j}",
                "h": None,
                "w": None,
                "overlays": {"written": {"X_pad": rects}},
                "sets": {},
                "numbers": [
                    _line(f"ring {j} of {pad}: rows {lo_r} and {hi_r}, columns {lo_c} and {hi_c} of X_pad are 0"),
                ],
                "notes": [_line(f"(0, 0) in ((0, 0), (pad, pad), (pad, pad), (0, 0)): ring {j} of {pad} is zeros")],
            }
        )
    static = {"pad_ring": _static_rects(["X_pad"], _ring(H, Wd, pad))}
    title = f"zero_pad, pad = {pad}, example i = {i}, channel c = {c}"
    return _board("zero_pad", title, panels, static, out, code)
