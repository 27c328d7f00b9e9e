"""The cases a student's function is checked on: the lesson's inputs, the course's cells, and extras.

Extras the app chooses: pad 0, a stride > 1 that does not divide, ties (integer inputs), m > 1,
average mode. Each case holds the call's arguments and cnnviz's reference output.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from cnnviz.core import course, layers

FUNCTIONS = (
    "zero_pad",
    "conv_single_step",
    "conv_forward",
    "pool_forward",
    "conv_backward",
    "create_mask_from_window",
    "distribute_value",
    "pool_backward",
    "conv_transpose_forward",
)

# The course's helpers, given to the student's code when they did not paste their own (their
# conv_forward may call zero_pad and conv_single_step). The mask follows the chosen tie rule.
_HELPERS = {
    "zero_pad": "def zero_pad(X, pad):\n    return np.pad(X, ((0, 0), (pad, pad), (pad, pad), (0, 0)), 'constant')\n",
    "conv_single_step": "def conv_single_step(a_slice_prev, W, b):\n"
    "    return np.sum(a_slice_prev * W) + np.asarray(b).item()\n",
    "distribute_value": "def distribute_value(dz, shape):\n    return np.full(shape, dz / (shape[0] * shape[1]))\n",
}
_MASK = {
    "all": "def create_mask_from_window(x):\n    return x == np.max(x)\n",
    "first": "def create_mask_from_window(x):\n"
    "    mask = np.zeros(x.shape, dtype=bool)\n    mask.flat[np.argmax(x)] = True\n    return mask\n",
}


def helpers(ties: str) -> dict[str, str]:
    """The course helpers' source, the mask under tie rule `ties`."""
    return {**_HELPERS, "create_mask_from_window": _MASK[ties]}


@dataclass
class Case:
    """One call: a title, the arguments, the reference output, and what the diagnosis needs to know."""

    title: str
    args: tuple
    expected: Any
    meta: dict[str, Any] = field(default_factory=dict)
    lesson: bool = False  # the lesson's current inputs (its differences are marked on the player)


def _rng(seed: int) -> np.random.RandomState:
    return np.random.RandomState(seed)


def _conv(title, A_prev, W, b, hp, lesson=False) -> Case:
    Z, _ = layers.conv_forward(A_prev, W, b, hp)
    return Case(title, (A_prev, W, b, dict(hp)), Z, {"hparameters": dict(hp), "f": W.shape[0]}, lesson)


def _conv_back(title, A_prev, W, b, hp, dZ, lesson=False) -> Case:
    cache = (A_prev, W, b, dict(hp))
    expected = layers.conv_backward(dZ, cache)
    return Case(title, (dZ, cache), expected, {"hparameters": dict(hp), "f": W.shape[0], "dZ": dZ}, lesson)


def _pool(title, A_prev, hp, mode, lesson=False) -> Case:
    A, _ = layers.pool_forward(A_prev, hp, mode)
    return Case(title, (A_prev, dict(hp), mode), A, {"hparameters": dict(hp), "mode": mode, "f": hp["f"]}, lesson)


def _pool_back(title, A_prev, hp, mode, dA, ties, lesson=False) -> Case:
    expected = layers.pool_backward(dA, (A_prev, dict(hp)), mode, ties)
    meta = {"hparameters": dict(hp), "mode": mode, "f": hp["f"], "ties": ties, "A_prev": A_prev, "dA": dA}
    return Case(title, (dA, (A_prev, dict(hp)), mode), expected, meta, lesson)


def _lesson_title(hp: dict) -> str:
    """The lesson case's title; with dilation it says the function must read hparameters["dilation"]."""
    d = int(hp.get("dilation", 1))
    return "lesson inputs" if d == 1 else f'lesson inputs, dilation {d} (reads hparameters["dilation"])'


def _transposed(title, A_prev, W, b, hp, lesson=False) -> Case:
    Z, _ = layers.conv_transpose_forward(A_prev, W, b, hp)
    return Case(title, (A_prev, W, b, dict(hp)), Z, {"hparameters": dict(hp), "f": W.shape[0]}, lesson)


def _course_cells(function: str, version: str) -> list[dict[str, Any]]:
    out = []
    for ex in course.examples(version):
        if ex.function == function:
            out.append({"title": f"course: {ex.title}", "a": course.draw(ex), "hp": dict(ex.hparameters)})
    return out


def build(function: str, inputs: dict[str, Any], ties: str = "first") -> list[Case]:
    """The cases for `function`. inputs: the lesson's arrays (A_prev, W, b, hparameters, pad, mode, dZ, dA).

    inputs["course_version"] -- the notebook version whose cells are the "course:" cases (default: newest)
    """
    version = course.check_version(inputs.get("course_version") or course.VERSIONS[0])

    def _course(function: str) -> list[dict[str, Any]]:
        return _course_cells(function, version)

    r = _rng(12)
    ints = r.randint(0, 3, size=(2, 5, 5, 2)).astype(np.float64)  # small integers: tied maxima
    if function == "zero_pad":
        cases = [Case("lesson inputs", (inputs["A_prev"], int(inputs["pad"])), None, {"pad": int(inputs["pad"])}, True)]
        cases += [
            Case(c["title"], (c["a"]["x"], c["hp"]["pad"]), None, {"pad": c["hp"]["pad"]}) for c in _course(function)
        ]
        cases += [Case("pad 0", (r.randn(2, 3, 4, 2), 0), None, {"pad": 0})]
        for case in cases:
            case.expected = layers.zero_pad(*case.args)
        return cases
    if function == "conv_single_step":
        A, W, b = inputs["A_prev"], inputs["W"], inputs["b"]
        f, pad = W.shape[0], int(inputs["hparameters"]["pad"])
        a_slice = layers.zero_pad(A, pad)[0, :f, :f, :]
        cases = [Case("lesson: the first window, filter 0", (a_slice, W[..., 0], b[..., 0]), None, {}, True)]
        cases += [Case(c["title"], (c["a"]["a_slice_prev"], c["a"]["W"], c["a"]["b"]), None) for c in _course(function)]
        cases += [
            Case("3x3x1 window, negative b", (r.randn(3, 3, 1), r.randn(3, 3, 1), np.full((1, 1, 1), -2.5)), None)
        ]
        for case in cases:
            case.expected = layers.conv_single_step(*case.args)
        return cases
    if function == "conv_forward":
        title = _lesson_title(inputs["hparameters"])
        cases = [_conv(title, inputs["A_prev"], inputs["W"], inputs["b"], inputs["hparameters"], True)]
        cases += [_conv(c["title"], c["a"]["A_prev"], c["a"]["W"], c["a"]["b"], c["hp"]) for c in _course(function)]
        cases += [
            _conv(
                "pad 0, stride 1",
                r.randn(1, 4, 4, 2),
                r.randn(2, 2, 2, 3),
                r.randn(1, 1, 1, 3),
                {"pad": 0, "stride": 1},
            ),
            _conv(
                "stride 2 does not divide, m = 2",
                r.randn(2, 6, 5, 1),
                r.randn(3, 3, 1, 2),
                r.randn(1, 1, 1, 2),
                {"pad": 0, "stride": 2},
            ),
        ]
        return cases
    if function == "pool_forward":
        cases = [_pool("lesson inputs", inputs["A_prev"], inputs["hparameters"], inputs.get("mode", "max"), True)]
        for c in _course(function):
            cases += [_pool(f"{c['title']}, {mode}", c["a"]["A_prev"], c["hp"], mode) for mode in ("max", "average")]
        cases += [_pool("stride 2 does not divide, ties, m = 2", ints, {"f": 2, "stride": 2}, "max")]
        cases += [_pool("average, stride 2", r.randn(1, 5, 4, 2), {"f": 3, "stride": 2}, "average")]
        return cases
    if function == "conv_backward":
        hp = inputs["hparameters"]
        cases = [_conv_back(_lesson_title(hp), inputs["A_prev"], inputs["W"], inputs["b"], hp, inputs["dZ"], True)]
        for c in _course(function):
            Z, _ = layers.conv_forward(c["a"]["A_prev"], c["a"]["W"], c["a"]["b"], c["hp"])
            cases.append(_conv_back(c["title"] + " (dZ = Z)", c["a"]["A_prev"], c["a"]["W"], c["a"]["b"], c["hp"], Z))
        for title, A, W, hp2 in (
            ("pad 0, stride 1, m = 2", r.randn(2, 4, 4, 2), r.randn(2, 2, 2, 3), {"pad": 0, "stride": 1}),
            ("stride 2 does not divide, pad 1", r.randn(1, 6, 5, 1), r.randn(3, 3, 1, 2), {"pad": 1, "stride": 2}),
        ):
            b = r.randn(1, 1, 1, W.shape[3])
            Z, _ = layers.conv_forward(A, W, b, hp2)
            cases.append(_conv_back(title, A, W, b, hp2, r.randn(*Z.shape)))
        return cases
    if function == "create_mask_from_window":
        A, f = inputs["A_prev"], int(inputs["hparameters"]["f"])
        cases = [Case("lesson: the first window, channel 0", (A[0, :f, :f, 0],), None, {}, True)]
        cases += [Case(c["title"], (c["a"]["x"],), None) for c in _course(function)]
        cases += [Case("a tie: two maxima", (np.array([[1.0, 3.0], [3.0, 0.0]]),), None, {"tie": True})]
        for case in cases:
            case.expected = layers.create_mask_from_window(*case.args, ties=ties)
            case.meta["ties"] = ties
        return cases
    if function == "distribute_value":
        f = int(inputs["hparameters"]["f"])
        dz = float(np.asarray(inputs["dA"]).flat[0])
        cases = [Case(f"lesson: dA[0, 0, 0, 0] over {f}x{f}", (dz, (f, f)), None, {}, True)]
        cases += [Case("course: distribute_value", (2, (2, 2)), None)]
        cases += [Case("a 3x3 window", (1.8, (3, 3)), None), Case("a 2x3 matrix", (3.0, (2, 3)), None)]
        for case in cases:
            case.expected = layers.distribute_value(*case.args)
        return cases
    if function == "pool_backward":
        hp, mode = inputs["hparameters"], inputs.get("mode", "max")
        cases = [_pool_back("lesson inputs", inputs["A_prev"], hp, mode, inputs["dA"], ties, True)]
        for c in _course(function):
            for m in ("max", "average"):
                cases.append(_pool_back(f"{c['title']}, {m}", c["a"]["A_prev"], c["hp"], m, c["a"]["dA"], ties))
        hp2 = {"f": 2, "stride": 2}
        A2, _ = layers.pool_forward(ints, hp2)
        dA2 = r.randn(*A2.shape)
        cases.append(_pool_back("ties, stride 2 does not divide, m = 2", ints, hp2, "max", dA2, ties))
        cases.append(
            _pool_back(
                "average, stride 1 (overlapping)",
                r.randn(1, 4, 4, 1),
                {"f": 2, "stride": 1},
                "average",
                r.randn(1, 3, 3, 1),
                ties,
            )
        )
        return cases
    if function == "conv_transpose_forward":  # no course cell: the lesson's inputs and extras
        cases = [_transposed("lesson inputs", inputs["A_prev"], inputs["W"], inputs["b"], inputs["hparameters"], True)]
        for title, A, f, n_C, hp in (
            ("pad 0, stride 1", r.randn(1, 3, 3, 2), 2, 2, {"stride": 1, "pad": 0, "output_padding": 0}),
            (
                "stride 2, pad 1, output_padding 1, m = 2",
                r.randn(2, 3, 4, 2),
                3,
                2,
                {"stride": 2, "pad": 1, "output_padding": 1},
            ),
            ("stride 3 > f = 2: gaps", r.randn(1, 3, 3, 1), 2, 3, {"stride": 3, "pad": 0, "output_padding": 0}),
        ):
            cases.append(_transposed(title, A, r.randn(f, f, n_C, A.shape[3]), r.randn(1, 1, 1, n_C), hp))
        return cases
    raise ValueError(f"no cases for {function!r}")
