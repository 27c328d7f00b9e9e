"""A lesson's animation as plain data: panels, named overlays per step, numbers, code with values.

THE CONTRACT between the builders below (Python), the browser player (cnnviz/app/player/, JS)
and the GIF renderer (cnnviz/draw/gif.py, Pillow). Both renderers draw only what is here; nothing
is matched by its position in a list: panels, overlays and arrays are addressed by name.

A storyboard is a JSON-serialisable dict (`json.dumps(board)` works; no numpy objects inside):

    {
      "version": 1,
      "lesson": "zero_pad" | "conv_forward" | "pool_forward" | "conv_backward" | "pool_backward",
      "title": "conv_forward, example i = 0, filter c = 0",
      "n_steps": int,                        # == len(steps); steps[k] is loop iteration k (h outer, w inner)
      "panels": [Panel, ...],                # drawing order only; everything else refers to panel["name"]
      "static": {role: {panel_name: [Rect, ...]}},   # overlays that never move: "pad_ring", "skipped"
      "steps": [Step, ...],
      "code": [str, ...],                    # the course's loop body, one line each (from narration)
      "legend": {role: str},                 # what each overlay role means, in words (from draw.style)
      "toggles": {toggle_name: str},         # optional panels a button shows/hides, and the button text
      "style": {                             # (added) colours from cnnviz.steps.style; renderers hard-code none
        "roles": {role: "#rrggbb"},          #   outline/mark colour of every overlay role, + "differs"
        "diverging": ["#rrggbb", ...],       #   11 stops, -vmax .. 0 .. +vmax ("signed" scales)
        "sequential": ["#rrggbb", ...],      #   vmin .. vmax ("sequential" scales)
        "text", "text_on_dark", "grid", "background": "#rrggbb", "decimals": [2, 4, 8]},
      "ties": "first" | "all",               # (added, pooling boards only) which maxima get the gradient
      "tie_rule": str,                       # (added, pooling boards only) that rule in words
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
      "accumulates": bool,                   # True: value at step k = the last "sets" entry at or before k
                                             # (zeros before the first), not "values"
      "toggle": toggle_name | None,          # shown only when that toggle is on (default off)
    }

    Step = {
      "label": "h=1,w=2", "h": 1, "w": 2,
      "overlays": {role: {panel_name: [Rect, ...]}},
           # roles: "window" (the window read, on every input channel), "written" (the cell this step
           #   writes, or the gradient cell it reads in a backward pass), "chosen_max", "tied_max" (other
           #   maxima of a tied window), "receives" (cells that get gradient at this step)
      "sets": {panel_name: [r0, r1, c0, c1, B64]},   # accumulators: those cells' values after this step
      "numbers": [Line, ...],                # the step box: window x filter = sum, + b = Z[i,h,w,c] ...
      "notes": [Line | None, ...],           # one per "code" line: the value comment, None for none
    }

    Line = {"text": "sum = {0}; {0} + b = {0} + {1} = {2}", "vals": [float, ...]}
           # {k} is vals[k] formatted by the renderer at the chosen precision (2, 4 or 8 decimals);
           # integers (indices, sizes) are written into "text" directly.

    B64 = base64 (standard alphabet) of little-endian float64 bytes.

The not-yet mask, the values shown at step k and the reverse window lookups (which output cells
read an input cell) follow from this data: `not_yet`, `values_at` below are the Python versions,
the player has the same few lines in JS.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping

import numpy as np

from cnnviz.core import layers, windows
from cnnviz.steps import narration, style, trace

VERSION = 1
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


def values_at(board: dict, name: str, k: int) -> np.ndarray:
    """The values panel `name` shows at step k (accumulators replayed from their "sets")."""
    p = panel(board, name)
    shape = tuple(p["shape"])
    if not p.get("accumulates"):
        return unb64(p["values"], shape)
    out = np.zeros(shape)
    for step in board["steps"][: k + 1]:
        if name in step["sets"]:
            r0, r1, c0, c1, data = step["sets"][name]
            out[r0:r1, c0:c1] = unb64(data, (r1 - r0, c1 - c0))
    return out


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


def _skipped(n_H_prev: int, n_W_prev: int, f: int, stride: int, pad: int) -> list[list[int]]:
    """Rows and columns (of the padded grid) no window reads: windows.uncovered, as rectangles."""
    n_rows, n_cols = n_H_prev + 2 * pad, n_W_prev + 2 * pad
    rects = []
    rows = windows.uncovered(n_H_prev, f, stride, pad)
    if rows:
        rects.append(_rect(rows[0], n_rows, 0, n_cols))
    cols = windows.uncovered(n_W_prev, f, stride, pad)
    if cols:
        rects.append(_rect(0, n_rows, cols[0], n_cols))
    return rects


def _line(text: str, *vals: float) -> dict:
    return {"text": text, "vals": [float(v) for v in vals]}


def _win(step) -> list[int]:
    return _rect(step.vert_start, step.vert_end, step.horiz_start, step.horiz_end)


def _cell(h: int, w: int) -> list[int]:
    return _rect(h, h + 1, w, w + 1)


def _step(step, overlays: dict, sets: dict, numbers: list[dict], notes: list) -> dict:
    return {
        "label": step.label,
        "h": int(step.h),
        "w": int(step.w),
        "overlays": {role: rects for role, rects in overlays.items() if rects},
        "sets": sets,
        "numbers": numbers,
        "notes": notes,
    }


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
        "legend": {role: style.LEGEND[role] for role in ROLES if role in roles},
        "toggles": {},
        "style": style.as_json(),
    }
    board.update(extra)
    return board


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
    A_prev, W = np.asarray(A_prev, dtype=np.float64), np.asarray(W, dtype=np.float64)
    (m, n_H_prev, n_W_prev, n_C_prev) = A_prev.shape
    (f, f, n_C_prev, n_C) = W.shape
    (m, n_H, n_W, n_C) = windows.conv_out_shape(A_prev.shape, W.shape, stride, pad)
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
        "skipped": _static_rects(inp, _skipped(n_H_prev, n_W_prev, f, stride, pad)),
    }
    code = narration.code("conv_forward")
    out = []
    for s in steps:
        sums = [float(np.sum(s.product[:, :, k], dtype=np.float64)) for k in chans]
        terms = " + ".join(f"{{{k}}}" for k in chans)
        numbers = [
            _line(f"a_slice_prev = a_prev_pad[{s.vert_start}:{s.vert_end}, {s.horiz_start}:{s.horiz_end}, :]"),
            _line(
                f"sum(a_slice_prev * W[:, :, :, {c}]) = {terms} = {{{n_C_prev}}}   (one term per channel)", *sums, s.s
            ),
            _line(f"Z[{i}, {s.h}, {s.w}, {c}] = sum + b[0, 0, 0, {c}] = {{0}} + {{1}} = {{2}}", s.s, s.b, s.z),
        ]
        notes = narration.notes("conv_forward", s, stride=stride, f=f, n_H=n_H, n_W=n_W, n_C=n_C)
        sets = {f"product/{k}": [0, f, 0, f, b64(s.product[:, :, k])] for k in chans}
        overlays = {"window": {name: [_win(s)] for name in inp}, "written": {"Z": [_cell(s.h, s.w)]}}
        out.append(_step(s, overlays, sets, numbers, notes))
    title = f"conv_forward, example i = {i}, filter c = {c}"
    return _board("conv_forward", title, panels, static, out, code)
