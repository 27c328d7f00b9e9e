"""cnnviz.check(fn) in a notebook: the student's function, in their own kernel, on the app's cases.

Their code, their machine: no sandbox, but a time limit per case (a wall-clock alarm, where the
platform has one: Linux and macOS, in the kernel's main thread). The cases (cases.build), the
verdicts (compare.judge), the diagnosis (diagnose.diagnose), the first differing window and the
marks (compare.first_window / marks) are the app's own; only the running differs.
"""

from __future__ import annotations

import contextlib
import copy
import html
import io
import signal
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from cnnviz.check import cases as _cases
from cnnviz.check import compare, diagnose
from cnnviz.check.sandbox import CaseResult
from cnnviz.core import inputs, layers
from cnnviz.core.errors import InputError
from cnnviz.steps import storyboard
from cnnviz.steps.transposed import conv_transpose_forward_board

PACKAGE = str(Path(__file__).parents[1])
PRINT_CAP = 4000  # printed characters kept per case, as in the app
# The boards the player can open on the first differing window (the helpers have no loop to show).
BOARDS = ("zero_pad", "conv_forward", "pool_forward", "conv_backward", "pool_backward", "conv_transpose_forward")


class TimeLimit(BaseException):  # noqa: N818 -- not an Exception: the student's `except Exception` cannot catch it
    """The case ran longer than the time limit."""


@dataclass
class Report:
    """What cnnviz.check found: per-case verdicts, the diagnosis, the first differing window, marks."""

    function: str
    verdicts: list[compare.Verdict]
    diagnosis: list[str]
    first: dict[str, Any] | None = None
    marks: dict[str, Any] = field(default_factory=dict)
    board: dict[str, Any] | None = None  # cnnviz's own loop on the lesson case, to open on `first`
    seconds: float = 0.0

    @property
    def passed(self) -> bool:
        return all(v.verdict == "matches" for v in self.verdicts)

    def __repr__(self) -> str:
        n, total = sum(v.verdict == "matches" for v in self.verdicts), len(self.verdicts)
        return f"<cnnviz check of {self.function}: {'passed' if self.passed else 'FAILED'}, {n} of {total} cases match>"

    def player(self):
        """The player on cnnviz's loop for the lesson case, opened on the first differing window, cells marked."""
        if self.board is None:
            return None
        from cnnviz.player.widget import Player

        return Player(self.board, step=(self.first or {}).get("step", 0), marks=self.marks)


def lesson_inputs(seed: int = 1) -> dict[str, Any]:
    """The lesson case's inputs in a notebook: the app's default shapes, from the seeded stream."""
    A_prev = inputs.random_tensor(seed, 2, 5, 5, 3)
    W, b = inputs.conv_params(seed, 3, 3, 4)
    conv_hp, pool_hp = {"stride": 1, "pad": 1}, {"f": 2, "stride": 2}
    Z, _ = layers.conv_forward(A_prev, W, b, conv_hp)
    A, _ = layers.pool_forward(A_prev, pool_hp)
    return {
        "A_prev": A_prev,
        "W": W,
        "b": b,
        "pad": 2,
        "mode": "max",
        "dZ": inputs.upstream_gradient(seed, Z.shape),
        "dA": inputs.upstream_gradient(seed, A.shape),
        "conv": conv_hp,
        "pool": pool_hp,
    }


def _pack(value: Any, arrays: dict[str, np.ndarray], path: str) -> dict[str, Any]:
    """The result as the sandbox's child describes it (_runner.pack), so compare.judge reads both alike."""
    if isinstance(value, tuple | list) and len(value) <= 8:
        return {"type": type(value).__name__, "items": [_pack(v, arrays, f"{path}.{k}") for k, v in enumerate(value)]}
    if isinstance(value, np.ndarray):
        if value.dtype == object or value.size > 10**6:
            return {"type": f"ndarray of {value.dtype}, {value.size} elements (not compared)"}
        arrays[path] = np.array(value)
        return {"type": "ndarray", "key": path}
    if isinstance(value, int | float | bool | np.generic) and not isinstance(value, str):
        arrays[path] = np.asarray(value)
        return {"type": type(value).__name__, "key": path}
    return {"type": type(value).__name__}


def _student_tb(err: BaseException) -> str:
    """The traceback's frames outside cnnviz (the student's), and the error line."""
    frames = [f for f in traceback.extract_tb(err.__traceback__) if not f.filename.startswith(PACKAGE)]
    return "".join(traceback.format_list(frames) + traceback.format_exception_only(type(err), err))[-4000:]


@contextlib.contextmanager
def _alarm(seconds: float):
    """Raise TimeLimit in this thread after `seconds`, where the platform allows (else no limit)."""
    usable = hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
    if not usable or not seconds:
        yield
        return

    def ring(signum, frame):
        raise TimeLimit(f"time limit: the case ran longer than {seconds:g} s")

    old = signal.signal(signal.SIGALRM, ring)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def run_case(fn: Callable, args: tuple, time_limit: float) -> tuple[CaseResult, str]:
    """One call of the student's function on a copy of `args`: (its result, how the run ended)."""
    out = io.StringIO()
    ended = "ok"
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out), _alarm(time_limit):
            value = fn(*copy.deepcopy(args))
        arrays: dict[str, np.ndarray] = {}
        result = CaseResult("returned", _pack(value, arrays, "r"), arrays)
    except TimeLimit:
        result, ended = CaseResult("not run"), "time limit (wall clock)"
    except MemoryError:
        result = CaseResult("memory", traceback="MemoryError: your function ran out of memory")
    except Exception as err:  # noqa: BLE001 -- the student's exception, whatever it is
        result = CaseResult("raised", traceback=_student_tb(err))
    printed = out.getvalue()
    result.printed, result.printed_chars = printed[:PRINT_CAP], len(printed)
    return result, ended


def _case_inputs(function: str, lesson: dict[str, Any]) -> dict[str, Any]:
    pooling = function in ("pool_forward", "pool_backward", "create_mask_from_window", "distribute_value")
    inputs_ = {**lesson, "hparameters": lesson["pool" if pooling else "conv"]}
    if function == "conv_transpose_forward":  # W is (f, f, n_C, n_C_prev): A_prev's channels last
        W, b = lesson["W"], lesson["b"]
        inputs_ |= {"W": W.transpose(0, 1, 3, 2)[:, :, :2, :], "b": b[..., :2], "hparameters": {"stride": 2, "pad": 1}}
    return inputs_


def _board(function: str, case: _cases.Case, ties: str) -> dict[str, Any] | None:
    if function not in BOARDS:
        return None
    a = case.args
    if function == "zero_pad":
        return storyboard.zero_pad_board(a[0], a[1])
    if function == "conv_forward":
        return storyboard.conv_forward_board(*a)
    if function == "pool_forward":
        return storyboard.pool_forward_board(a[0], a[1], a[2], ties=ties)
    if function == "conv_backward":
        return storyboard.conv_backward_board(*a)
    if function == "conv_transpose_forward":
        return conv_transpose_forward_board(*a)
    return storyboard.pool_backward_board(a[0], a[1], a[2], ties=ties)


def check(
    fn: Callable, name: str | None = None, *, ties: str = "first", time_limit: float = 5.0, show: bool = True
) -> Report:
    """Check `fn` (one of the course's eight functions) on the app's cases, in this kernel.

    Parameters
    ----------
    fn : callable
        Your function, e.g. conv_forward.
    name : str or None
        Which course function it is; default: fn.__name__ (zero_pad, conv_single_step, conv_forward,
        pool_forward, conv_backward, create_mask_from_window, distribute_value, pool_backward).
    ties : str
        "first" or "all": which maxima of a tied window the reference's mask marks.
    time_limit : float
        Seconds per case (0: none).
    show : bool
        Display the verdicts, the diagnosis and a player on the first differing window (in a notebook).

    Returns
    -------
    Report with .passed, .verdicts, .diagnosis (and .first, .marks, .player()).
    """
    if not callable(fn):
        raise InputError(f"cnnviz.check needs your function itself (e.g. check(conv_forward)), got {type(fn).__name__}")
    function = name or getattr(fn, "__name__", "")
    if function not in _cases.FUNCTIONS:
        raise InputError(
            f"cnnviz.check does not know a course function called {function!r}; pass name=, one of "
            + ", ".join(_cases.FUNCTIONS)
        )
    t0 = time.perf_counter()
    cs = _cases.build(function, _case_inputs(function, lesson_inputs()), ties)
    verdicts, ended = [], "ok"
    for case in cs:
        # after a time limit the rest is not run, as in the app's sandbox
        result, ended = run_case(fn, case.args, time_limit) if ended == "ok" else (CaseResult("not run"), ended)
        verdicts.append(compare.judge(function, case, result, ended))
    report = Report(function, verdicts, diagnose.diagnose(function, cs, verdicts))
    # the player opens on the lesson case if it differs, else on the first case that does
    order = sorted(range(len(cs)), key=lambda k: not cs[k].lesson)
    shown = next((k for k in order if verdicts[k].diffs), None)
    if shown is not None:
        report.first = compare.first_window(function, cs[shown], verdicts[shown])
        report.marks = compare.marks(function, verdicts[shown])
        report.board = _board(function, cs[shown], ties)
        if report.board is not None:
            report.board["title"] += f" (case: {cs[shown].title})"
            report.board["id"] = storyboard.content_id(report.board)
    report.seconds = time.perf_counter() - t0
    if show:
        _display(report)
    return report


def report_html(report: Report) -> str:
    """The verdicts as a table, the diagnosis as a list, where the first difference is."""
    head = "passes every case" if report.passed else "does not pass every case"
    colour = "#0b6e2e" if report.passed else "#b00020"
    left = "style='text-align:left'"  # notebook front ends right-align table cells by default
    rows = "".join(
        f"<tr><td {left}>{html.escape(v.title)}</td><td {left}><b>{html.escape(v.verdict)}</b></td>"
        f"<td {left}>{html.escape(v.detail)}</td></tr>"
        for v in report.verdicts
    )
    out = [
        f"<div class='cnnviz-check'><p style='color:{colour};font-weight:600'>"
        f"{html.escape(report.function)} {head}</p>",
        f"<table><tr><th {left}>case</th><th {left}>verdict</th><th {left}>detail</th></tr>{rows}</table>",
    ]
    if report.diagnosis:
        items = "".join(f"<li>{html.escape(d)}</li>" for d in report.diagnosis)
        out.append(f"<p><b>What the differences look like:</b></p><ul>{items}</ul>")
    if report.first:
        out.append(f"<p>The first difference: <code>{html.escape(str(report.first.get('where', '')))}</code></p>")
    tracebacks = [v for v in report.verdicts if v.traceback]
    if tracebacks:
        v = tracebacks[0]
        out.append(f"<p>{html.escape(v.title)} raised:</p><pre>{html.escape(v.traceback)}</pre>")
    return "".join(out) + "</div>"


def _display(report: Report) -> None:
    try:
        from IPython.display import HTML, display
    except ImportError:  # a plain script: the report's repr says it
        print(repr(report))
        for d in report.diagnosis:
            print(" -", d)
        return
    display(HTML(report_html(report)))
    try:
        player = report.player()
    except ImportError:
        player = None
    if player is not None:
        display(player)
