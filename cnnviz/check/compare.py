"""Verdicts per case (matches / differs / raised / wrong shape / wrong type), cell diffs, first window.

The student's outputs are read from the sandbox's arrays and compared cell by cell with the
reference (rtol 1e-7, atol 1e-9: loops that add in another order still match).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from cnnviz.check.cases import Case
from cnnviz.check.sandbox import CaseResult
from cnnviz.core import windows

# The output names of each function, as the course returns them.
OUTPUTS = {
    "zero_pad": ("X_pad",),
    "conv_single_step": ("Z",),
    "conv_forward": ("Z",),
    "pool_forward": ("A",),
    "conv_backward": ("dA_prev", "dW", "db"),
    "create_mask_from_window": ("mask",),
    "distribute_value": ("a",),
    "pool_backward": ("dA_prev",),
    "conv_transpose_forward": ("Z",),
}
FORWARDS = ("conv_forward", "pool_forward", "conv_transpose_forward")  # they return (output, cache)
RTOL, ATOL = 1e-7, 1e-9


@dataclass
class Verdict:
    """One case's verdict; `diffs` maps an output name to its bool array of differing cells."""

    title: str
    verdict: str  # "matches" | "differs" | "raised" | "wrong shape" | "wrong type" | "time limit" | "memory limit"
    detail: str = ""
    got: dict[str, Any] = field(default_factory=dict)
    diffs: dict[str, np.ndarray] = field(default_factory=dict)
    traceback: str = ""
    printed: str = ""
    printed_chars: int = 0


def _items(value: dict | None, arrays: dict[str, np.ndarray]) -> list:
    """The returned value as a list of arrays (None where a returned item is not an array or number)."""
    if value is None:
        return []
    if "items" in value:
        return [arrays.get(v.get("key")) if "key" in v else None for v in value["items"]]
    return [arrays.get(value.get("key"))] if "key" in value else [None]


def _types(value: dict | None) -> str:
    if value is None:
        return "nothing"
    if "items" in value:
        return f"a {value['type']} of " + ", ".join(v["type"] for v in value["items"])
    return value["type"]


def safe_judge(function: str, case: Case, result: CaseResult, ended: str) -> Verdict:
    """judge(), and whatever the child sent that judge cannot compare becomes a "wrong type" verdict."""
    try:
        return judge(function, case, result, ended)
    except Exception as err:  # noqa: BLE001 -- untrusted results: a verdict, never a server exception
        return Verdict(
            case.title,
            "wrong type",
            f"your function returned something the checker could not compare ({type(err).__name__}: {str(err)[:200]})",
            printed=result.printed,
            printed_chars=result.printed_chars,
        )


def judge(function: str, case: Case, result: CaseResult, ended: str) -> Verdict:
    """Compare one case's result with the reference."""
    v = Verdict(case.title, "raised", printed=result.printed, printed_chars=result.printed_chars)
    if result.status == "not run":
        v.verdict = "time limit" if ended.startswith("time limit") else "not run"
        v.detail = ended if ended != "ok" else "not run"
        return v
    if result.status == "memory":
        v.verdict, v.detail = "memory limit", "MemoryError: your function used more memory than the checker allows"
        return v
    if result.status == "raised":
        v.traceback = result.traceback
        v.detail = result.traceback.strip().splitlines()[-1] if result.traceback.strip() else "raised"
        return v
    names = OUTPUTS[function]
    expected = case.expected if isinstance(case.expected, tuple) else (case.expected,)
    items = _items(result.value, result.arrays)
    # conv_forward / pool_forward return (output, cache): compare the output; a bare array is taken too.
    if function in FORWARDS and result.value and "items" in result.value:
        items = items[:1]
    if len(items) != len(names) or any(x is None for x in items):
        want = "(" + ", ".join(names) + ")" if len(names) > 1 else names[0]
        v.verdict, v.detail = "wrong type", f"returned {_types(result.value)}; the course returns {want}"
        return v
    v.verdict, details = "matches", []
    for name, got, exp in zip(names, items, expected, strict=True):
        got, exp = np.asarray(got), np.asarray(exp)
        if function == "conv_single_step" and got.size == 1:
            got = got.reshape(())  # the course's np.sum(s) + b is a (1, 1, 1) array; one number either way
        v.got[name] = got
        if got.shape != exp.shape:
            v.verdict = "wrong shape"
            details.append(f"{name} has shape {got.shape}, expected {exp.shape}")
            continue
        if exp.dtype == bool and got.dtype != bool and not np.isin(got, (0, 1)).all():
            v.verdict = "wrong type"
            details.append(f"{name} should be a boolean mask, got dtype {got.dtype}")
            continue
        if got.dtype.kind not in "biuf":
            v.verdict = "wrong type"
            details.append(f"{name} has dtype {got.dtype}, expected numbers")
            continue
        bad = ~np.isclose(got.astype(np.float64), exp.astype(np.float64), rtol=RTOL, atol=ATOL)
        if bad.any():
            if v.verdict == "matches":
                v.verdict = "differs"
            v.diffs[name] = bad
            nan = int(np.isnan(got.astype(np.float64)).sum())
            details.append(
                f"{name}: {int(bad.sum())} of {bad.size} cells differ" + (f" ({nan} are NaN)" if nan else "")
            )
    v.detail = "; ".join(details)
    return v


def first_window(function: str, case: Case, v: Verdict, i: int = 0, c: int = 0) -> dict[str, Any] | None:
    """The first loop step (in the player's order for sample i, channel/filter c) that writes a differing cell.

    Returns {"step", "cell", "where"} or None. Forward: the output cell (h, w) is step h * n_W + w.
    Backward: the first window (windows.iter_windows order) whose rows/columns hold a differing cell.
    zero_pad: step 0 is the copy, step j the ring j.
    """
    if not v.diffs:
        return None
    name, bad = next(iter(v.diffs.items()))
    if bad.ndim != 4:
        return {"step": 0, "cell": None, "where": f"{name}"}
    idx = np.argwhere(bad[i, :, :, c]) if bad.shape[0] > i and bad.shape[3] > c else np.empty((0, 2), int)
    # Prefer the player's sample and channel; else the first differing cell anywhere.
    cells = [(i, int(r), int(col), c) for r, col in idx] or [tuple(int(x) for x in np.argwhere(bad)[0])]
    if function == "zero_pad":
        pad = case.meta["pad"]
        n_H, n_W = bad.shape[1], bad.shape[2]
        steps = [
            0 if pad <= r < n_H - pad and pad <= col < n_W - pad else pad - min(r, col, n_H - 1 - r, n_W - 1 - col)
            for _, r, col, _ in cells
        ]
        k = int(np.argmin(steps))
        return {"step": steps[k], "cell": cells[k], "where": f"X_pad{list(cells[k])}"}
    if function in ("conv_forward", "pool_forward"):
        n_W = bad.shape[2]
        steps = [r * n_W + col for _, r, col, _ in cells]
        k = int(np.argmin(steps))
        return {"step": steps[k], "cell": cells[k], "where": f"{name}{list(cells[k])}"}
    hp, f = case.meta["hparameters"], case.meta["f"]
    stride, pad = hp["stride"], hp.get("pad", 0)
    if function == "conv_transpose_forward":  # the first input cell whose output window holds a differing cell
        A_prev = case.args[0]
        for step, win in enumerate(windows.iter_windows(A_prev.shape[1], A_prev.shape[2], f, stride)):
            for _, r, col, k in cells:
                if win.vert_start <= r + pad < win.vert_end and win.horiz_start <= col + pad < win.horiz_end:
                    return {
                        "step": step,
                        "cell": (i, r, col, k),
                        "where": f"Z{[i, r, col, k]}, input h={win.h}, w={win.w}",
                    }
        return {"step": 0, "cell": cells[0], "where": f"Z{list(cells[0])} (no input cell writes it)"}
    if name != "dA_prev":  # dW, db: every window adds to them; the first step is where it starts
        return {"step": 0, "cell": cells[0], "where": f"{name}{list(cells[0])}"}
    grad = case.args[0]
    n_H, n_W = grad.shape[1], grad.shape[2]
    for step, win in enumerate(windows.iter_windows(n_H, n_W, f, stride)):
        for _, r, col, _ in cells:
            if win.vert_start <= r + pad < win.vert_end and win.horiz_start <= col + pad < win.horiz_end:
                return {
                    "step": step,
                    "cell": (i, r, col, c),
                    "where": f"dA_prev{[i, r, col, c]}, window h={win.h}, w={win.w}",
                }
    return {"step": 0, "cell": cells[0], "where": f"dA_prev{list(cells[0])} (no window reads it)"}


def marks(function: str, v: Verdict, i: int = 0, c: int = 0, n_C_prev: int = 1) -> dict[str, Any]:
    """The player's marks for the lesson case: {"differs": {panel_name: [[r0, r1, c0, c1], ...]}}."""
    out: dict[str, list] = {}

    def add(panel: str, grid: np.ndarray) -> None:
        rects = [[int(r), int(r) + 1, int(col), int(col) + 1] for r, col in np.argwhere(grid)]
        if rects:
            out[panel] = rects[:400]

    for name, bad in v.diffs.items():
        if function == "zero_pad" and bad.ndim == 4 and i < bad.shape[0] and c < bad.shape[3]:
            add("X_pad", bad[i, :, :, c])
        elif function in ("conv_forward", "pool_forward") and bad.ndim == 4 and i < bad.shape[0] and c < bad.shape[3]:
            add(OUTPUTS[function][0], bad[i, :, :, c])
        elif function == "conv_transpose_forward" and bad.ndim == 4 and i < bad.shape[0]:
            for k in range(bad.shape[3]):  # the player's Z/k: every output channel
                add(f"Z/{k}", bad[i, :, :, k])
        elif function == "pool_backward" and bad.ndim == 4 and c < bad.shape[3]:
            add("dA_prev", bad[i, :, :, c])
        elif function == "conv_backward" and bad.ndim == 4:
            for k in range(bad.shape[3] if name == "dA_prev" else bad.shape[2]):
                if name == "dA_prev":
                    add(f"dA_prev/{k}", bad[i, :, :, k])
                elif name == "dW" and c < bad.shape[3]:
                    add(f"dW/{k}", bad[:, :, k, c])
                elif name == "db" and c < bad.shape[3] and bad[0, 0, 0, c]:
                    out["db"] = [[0, 1, 0, 1]]
    return {"differs": out} if out else {}
