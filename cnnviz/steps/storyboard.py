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

import numpy as np

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
