"""What a course cell prints: its lines computed by cnnviz, labelled and laid out as the notebook prints them.

    for example in course.examples("2021-2022", "conv_forward"):
        print(format_printout(printout(example)))

Each line is a `Line(label, value, sep)`: print(label, value) in the notebook's spelling, with the
separator the notebook's print produces ("Z's mean = 0.55", "Z's mean =\\n 0.55", "x =  [[...").
Values are computed now by cnnviz.core.layers from the cell's inputs (cnnviz.core.course), never
stored; `format_printout` writes them at full float64 precision.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from cnnviz.core import course, layers, windows
from cnnviz.core.errors import InputError


class Line(NamedTuple):
    """One line the cell prints: `print(label, value)` in the notebook's spelling.

    label -- the label without its trailing spaces ("Z's mean =", "mode =", "CASE 1:"); "" for an
        unlabelled value (print(A.shape)) or an empty line (print())
    value -- the value printed after it (float, array, shape tuple, "max"); None for a text-only line
    sep -- what stands between label and value: " " (print("x =", x)), "\\n " (print("x =\\n", x):
        the value starts the next line), "  " (print('x = ', x))
    """

    label: str
    value: Any = None
    sep: str = " "


def _say(label: str, value: Any, version: str) -> Line:
    """A labelled value; from the 2020 notebook on its label ends in a line break (print("label =\\n", v))."""
    return Line(label, value, "\n " if version in course.NEWLINE_LABELS else " ")


def printout(example: course.Example, ties: str = "first") -> list[Line]:
    """What the cell prints, computed with cnnviz.core.layers, labelled and laid out as the notebook prints it.

    Values are Python floats (np.mean, conv_single_step), NumPy arrays, tuples (shapes) or strings
    ("mode =" lines). ties -- the tie rule for create_mask_from_window / max pool_backward (the
    course's own mask is "all"; the recipes' random numbers have no ties, so both print the same).
    The lines a graded notebook's public tests print about themselves ("All tests passed!") are
    verdicts on the student's code, not outputs: they are not reproduced.

    Returns:
    lines -- [Line(label, value, sep), ...] in the order the notebook prints them
    """
    windows.check_ties(ties)
    a = course.draw(example)
    hp = dict(example.hparameters)
    fn, v = example.function, example.version
    if fn == "zero_pad":
        x = a["x"]
        x_pad = layers.zero_pad(x, hp["pad"])
        at = "[1, 1] =" if v == "2017" else "[1,1] ="
        lines = [
            _say("x.shape =", x.shape, v),
            _say("x_pad.shape =", x_pad.shape, v),
            _say("x" + at, x[1, 1], v),
            _say("x_pad" + at, x_pad[1, 1], v),
        ]
        if v in course.GRADED:  # zero_pad_test(zero_pad) prints the four lines again, then x_pad[0, 0:2, :, 0]
            lines += lines + [Line("", x_pad[0, 0:2, :, 0], "")]
        return lines
    if fn == "conv_single_step":
        b = course.conv_bias(example, a["W"], a["b"])
        return [Line("Z =", float(layers.conv_single_step(a["a_slice_prev"], a["W"], b)))]
    if fn == "conv_forward":
        Z, cache_conv = layers.conv_forward(a["A_prev"], a["W"], course.conv_bias(example, a["W"], a["b"]), hp)
        lines = [_say("Z's mean =", float(np.mean(Z)), v)]
        if v != "2017":
            where = (0, 2, 1) if v in course.GRADED else (3, 2, 1)
            lines.append(_say(f"Z[{where[0]},{where[1]},{where[2]}] =", Z[where], v))
        return lines + [_say("cache_conv[0][1][2][3] =", cache_conv[0][1][2][3], v)]
    if fn == "conv_backward":
        Z, cache_conv = layers.conv_forward(a["A_prev"], a["W"], course.conv_bias(example, a["W"], a["b"]), hp)
        dA, dW, db = layers.conv_backward(Z, cache_conv)
        return [
            Line("dA_mean =", float(np.mean(dA))),
            Line("dW_mean =", float(np.mean(dW))),
            Line("db_mean =", float(np.mean(db))),
        ]
    if fn == "pool_forward":
        return _pool_forward_lines(example, a["A_prev"], hp)
    if fn == "create_mask_from_window":
        x = a["x"]
        return [Line("x =", x, "  "), Line("mask =", layers.create_mask_from_window(x, ties), "  ")]
    if fn == "distribute_value":
        return [Line("distributed value =", layers.distribute_value(2, (2, 2)))]
    if fn == "pool_backward":
        A_prev, dA = a["A_prev"], a["dA"]
        A, cache = layers.pool_forward(A_prev, hp)
        lines = [Line("", A.shape, ""), Line("", cache[0].shape, "")] if v in course.GRADED else []
        for k, mode in enumerate(("max", "average")):
            dA_prev = layers.pool_backward(dA, cache, mode, ties)
            name = f"dA_prev{k + 1}" if v in course.GRADED else "dA_prev"
            lines += [Line("mode =", mode), Line("mean of dA =", float(np.mean(dA)), "  ")]
            lines += [Line(f"{name}[1,1] =", dA_prev[1, 1], "  ")] + ([Line("")] if k == 0 else [])
        return lines
    raise InputError(f"no printout for the {fn} cell")  # not reached: every catalogued function is above


def _pool_forward_lines(example: course.Example, A_prev: np.ndarray, hp: dict[str, int]) -> list[Line]:
    """pool_forward's cell: per mode the mode, (from 2020) A.shape, then A or the part the version prints."""
    v, case = example.version, example.case
    lines: list[Line] = []
    if v == "2023":  # print("CASE 1:\\n") / print("\\n\\033[0mCASE 2:\\n")
        lines += ([Line("")] if case == 2 else []) + [Line(f"CASE {case}:"), Line("")]
    for k, mode in enumerate(("max", "average")):
        A, _ = layers.pool_forward(A_prev, hp, mode)
        lines.append(Line("mode =", mode))
        if v not in ("2017", "2018"):
            lines.append(Line("A.shape =", A.shape))  # print("A.shape = " + str(A.shape))
        if v in course.GRADED:
            label, part = ("A[1, 1] =", A[1, 1]) if case == 1 else (("A[0] =", A[0]) if k == 0 else ("A[1] =", A[1]))
            lines.append(_say(label, part, v))
        else:
            lines.append(_say("A =", A, v))
        if k == 0 and not (v in course.GRADED and case == 1):  # print() between the modes
            lines.append(Line(""))
    return lines


def format_value(value: Any) -> str:
    """A printed value at full float64 precision: repr of floats (round-trips), arrays with every digit."""
    if isinstance(value, str):
        return value
    if isinstance(value, float | np.floating):
        return repr(float(value))
    if isinstance(value, np.ndarray):
        return np.array2string(value, floatmode="unique", max_line_width=100, threshold=1 << 20, separator=" ")
    return str(value)


def format_line(line: Line) -> str:
    """One printed line (or block, for an array) as print writes it: label, separator, value."""
    label, value, sep = line
    if value is None:
        return label
    return f"{label}{sep}{format_value(value)}" if label else format_value(value)


def format_printout(lines: list[Line]) -> str:
    """The printout as the notebook's output area shows it, values at full precision."""
    return "\n".join(format_line(Line(*line)) for line in lines)


def labelled(lines: list[Line]) -> dict[str, Any]:
    """{label: value} of the labelled lines (the last one wins for a label printed twice)."""
    return {line.label: line.value for line in lines if line.label and line.value is not None}
