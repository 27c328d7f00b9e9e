"""The course notebook's own test cells, per published version: their inputs, and what they print.

A recipe is code that draws the inputs (one `np.random.seed(seed)` stream, `np.random.randn` in
the cell's order), never a stored output: `printout(example)` computes every printed quantity
with cnnviz's own functions (cnnviz.core.layers), labelled as the notebook labels it, so a
student can put their notebook's lines next to ours.

    for example in examples("2021-2022", "conv_forward"):
        for label, value in printout(example):
            print(label, value)

The notebook changed over the years; VERSIONS lists the published ones, newest first. Every
version shares the zero_pad, conv_single_step, conv_backward (the 2018 conv, then
conv_backward(Z, cache_conv): the notebook passes Z itself as dZ), create_mask_from_window,
distribute_value and pool_backward cells; conv_forward and pool_forward differ.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import numpy as np

from cnnviz.core import layers, windows
from cnnviz.core.errors import InputError

VERSIONS = ("2021-2022", "2020", "2018")  # newest first
PAGES = ("zero_pad", "conv_forward", "pool_forward", "conv_backward", "pool_backward")


@dataclass(frozen=True, eq=False)
class Example:
    """One test cell of the notebook.

    version -- one of VERSIONS
    page -- the lesson it belongs to (one of PAGES)
    function -- the course function the cell tests ("conv_forward", "create_mask_from_window", ...)
    title -- a short name for the picker ("pool_forward, case 2: stride 2")
    seed -- np.random.seed(seed) before the draws (None: the cell draws nothing)
    draws -- (name, shape) drawn with np.random.randn, in order, from that one stream
    hparameters -- the cell's hparameters dict ({} if none)
    animates -- True if the lesson's player can show it (False: printed only, e.g. conv_single_step)
    """

    version: str
    page: str
    function: str
    title: str
    seed: int | None
    draws: tuple[tuple[str, tuple[int, ...]], ...]
    hparameters: Mapping[str, int] = field(default_factory=dict)
    animates: bool = True

    @property
    def key(self) -> str:
        """A stable name for links and widgets: "2020/pool_forward/case2"."""
        return f"{self.version}/{self.page}/{self.title}"

    @property
    def cell(self) -> str:
        """The cell's input lines as the notebook writes them (np.random.seed, the randn draws, hparameters)."""
        lines = [] if self.seed is None else [f"np.random.seed({self.seed})"]
        lines += [f"{name} = np.random.randn({', '.join(map(str, shape))})" for name, shape in self.draws]
        if self.hparameters and self.function != "zero_pad":  # zero_pad(x, 2) takes pad directly
            items = ", ".join(f'"{k}" : {v}' for k, v in self.hparameters.items())
            lines.append(f"hparameters = {{{items}}}")
        return "\n".join(lines)

    @property
    def calls(self) -> str:
        """The cell's calls of the course functions (what the student's notebook runs after the draws)."""
        return _CALLS[self.function]


_CALLS = {
    "zero_pad": "x_pad = zero_pad(x, 2)",
    "conv_single_step": "Z = conv_single_step(a_slice_prev, W, b)",
    "conv_forward": "Z, cache_conv = conv_forward(A_prev, W, b, hparameters)",
    "conv_backward": "Z, cache_conv = conv_forward(A_prev, W, b, hparameters)\n"
    "dA, dW, db = conv_backward(Z, cache_conv)",
    "pool_forward": 'A, cache = pool_forward(A_prev, hparameters, mode="max")  # and mode="average"',
    "create_mask_from_window": "mask = create_mask_from_window(x)",
    "distribute_value": "a = distribute_value(2, (2, 2))",
    "pool_backward": "A, cache = pool_forward(A_prev, hparameters)  # draws nothing; the notebook calls it before dA\n"
    'dA_prev = pool_backward(dA, cache, mode="max")  # and mode="average"',
}


def _hp(**kw: int) -> Mapping[str, int]:
    return MappingProxyType(dict(kw))


def _shared(version: str) -> list[Example]:
    """The cells every version has."""
    conv_2018 = (("A_prev", (10, 4, 4, 3)), ("W", (2, 2, 3, 8)), ("b", (1, 1, 1, 8)))
    return [
        Example(version, "zero_pad", "zero_pad", "zero_pad", 1, (("x", (4, 3, 3, 2)),), _hp(pad=2)),  # zero_pad(x, 2)
        Example(
            version,
            "conv_forward",
            "conv_single_step",
            "conv_single_step",
            1,
            (("a_slice_prev", (4, 4, 3)), ("W", (4, 4, 3)), ("b", (1, 1, 1))),
            animates=False,
        ),
        Example(version, "conv_backward", "conv_backward", "conv_backward", 1, conv_2018, _hp(pad=2, stride=2)),
        Example(
            version,
            "pool_backward",
            "create_mask_from_window",
            "create_mask_from_window",
            1,
            (("x", (2, 3)),),
            animates=False,
        ),
        Example(version, "pool_backward", "distribute_value", "distribute_value", None, (), animates=False),
        Example(
            version,
            "pool_backward",
            "pool_backward",
            "pool_backward",
            1,
            (("A_prev", (5, 5, 3, 2)), ("dA", (5, 4, 2, 2))),
            _hp(stride=1, f=2),
        ),
    ]


def _catalogue() -> dict[str, tuple[Example, ...]]:
    out = {}
    for version in VERSIONS:
        own: list[Example] = []
        if version == "2018":
            own.append(
                Example(
                    version,
                    "conv_forward",
                    "conv_forward",
                    "conv_forward",
                    1,
                    (("A_prev", (10, 4, 4, 3)), ("W", (2, 2, 3, 8)), ("b", (1, 1, 1, 8))),
                    _hp(pad=2, stride=2),
                )
            )
            own.append(
                Example(
                    version,
                    "pool_forward",
                    "pool_forward",
                    "pool_forward",
                    1,
                    (("A_prev", (2, 4, 4, 3)),),
                    _hp(stride=2, f=3),
                )
            )
        else:
            m = 10 if version == "2020" else 2
            own.append(
                Example(
                    version,
                    "conv_forward",
                    "conv_forward",
                    "conv_forward",
                    1,
                    (("A_prev", (m, 5, 7, 4)), ("W", (3, 3, 4, 8)), ("b", (1, 1, 1, 8))),
                    _hp(pad=1, stride=2),
                )
            )
            for case, stride in ((1, 1), (2, 2)):
                own.append(
                    Example(
                        version,
                        "pool_forward",
                        "pool_forward",
                        f"pool_forward, case {case}: stride {stride}",
                        1,
                        (("A_prev", (2, 5, 5, 3)),),
                        _hp(stride=stride, f=3),
                    )
                )
        shared = _shared(version)
        out[version] = tuple(own[:1] + shared[:2] + own[1:] + shared[2:])  # roughly the notebook's order
    return out


_EXAMPLES = _catalogue()


def check_version(version: object) -> str:
    """Return version if it is one of VERSIONS, else raise an InputError listing them."""
    if version not in VERSIONS:
        raise InputError(f"notebook version {version!r} is unknown; use one of {', '.join(VERSIONS)}")
    return version  # type: ignore[return-value]


def examples(version: str, page: str | None = None, animates: bool | None = None) -> tuple[Example, ...]:
    """The version's test cells, in the notebook's order; only `page`'s if given; only animated (or not) if given."""
    check_version(version)
    if page is not None and page not in PAGES:
        raise InputError(f"page {page!r} has no course example; use one of {', '.join(PAGES)}")
    return tuple(
        e
        for e in _EXAMPLES[version]
        if (page is None or e.page == page) and (animates is None or e.animates == animates)
    )


def find(key: str) -> Example:
    """The example whose .key is `key`, else an InputError."""
    for version in VERSIONS:
        for e in _EXAMPLES[version]:
            if e.key == key:
                return e
    raise InputError(f"no course example is called {key!r}")


def draw(example: Example) -> dict[str, np.ndarray]:
    """The cell's arrays, drawn as the cell draws them: np.random.seed(seed), then randn in order.

    np.random.RandomState(seed) drawn in the same order gives the same numbers as the global
    stream, without touching NumPy's global state.
    """
    if example.seed is None:
        return {}
    rng = np.random.RandomState(example.seed)
    return {name: rng.randn(*shape) for name, shape in example.draws}


@dataclass(frozen=True, eq=False)
class LessonArrays:
    """What a lesson animates for an example: A_prev, and as the lesson needs W, b, hparameters, the gradient.

    grad -- dZ for conv_backward (the notebook passes Z itself), dA for pool_backward, else None
    """

    A_prev: np.ndarray
    W: np.ndarray | None
    b: np.ndarray | None
    hparameters: dict[str, int]
    grad: np.ndarray | None


def lesson_arrays(example: Example) -> LessonArrays:
    """The example's inputs for its lesson (raises InputError for a printed-only cell)."""
    if not example.animates:
        raise InputError(f"the {example.function} cell is printed only; the lesson cannot animate it")
    a = draw(example)
    hp = dict(example.hparameters)
    A_prev = a.get("A_prev", a.get("x"))
    grad = None
    if example.page == "conv_backward":
        grad, _ = layers.conv_forward(a["A_prev"], a["W"], a["b"], hp)  # dZ = Z, as the notebook
    elif example.page == "pool_backward":
        grad = a["dA"]
    return LessonArrays(A_prev=A_prev, W=a.get("W"), b=a.get("b"), hparameters=hp, grad=grad)


def printout(example: Example, ties: str = "first") -> list[tuple[str, Any]]:
    """What the cell prints, computed with cnnviz.core.layers, labelled as the notebook labels it.

    Values are Python floats (np.mean, conv_single_step), NumPy arrays, tuples (shapes) or strings
    ("mode =" lines). ties -- the tie rule for create_mask_from_window / max pool_backward (the
    course's own mask is "all"; the recipes' random numbers have no ties, so both print the same).

    Returns:
    lines -- [(label, value), ...] in the order the notebook prints them
    """
    windows.check_ties(ties)
    a = draw(example)
    hp = dict(example.hparameters)
    fn = example.function
    if fn == "zero_pad":
        x = a["x"]
        x_pad = layers.zero_pad(x, hp["pad"])
        return [
            ("x.shape =", x.shape),
            ("x_pad.shape =", x_pad.shape),
            ("x[1,1] =", x[1, 1]),
            ("x_pad[1,1] =", x_pad[1, 1]),
        ]
    if fn == "conv_single_step":
        return [("Z =", float(layers.conv_single_step(a["a_slice_prev"], a["W"], a["b"])))]
    if fn == "conv_forward":
        Z, cache_conv = layers.conv_forward(a["A_prev"], a["W"], a["b"], hp)
        where = (0, 2, 1) if example.version == "2021-2022" else (3, 2, 1)
        return [
            ("Z's mean =", float(np.mean(Z))),
            (f"Z[{where[0]},{where[1]},{where[2]}] =", Z[where]),
            ("cache_conv[0][1][2][3] =", cache_conv[0][1][2][3]),
        ]
    if fn == "conv_backward":
        Z, cache_conv = layers.conv_forward(a["A_prev"], a["W"], a["b"], hp)
        dA, dW, db = layers.conv_backward(Z, cache_conv)
        return [("dA_mean =", float(np.mean(dA))), ("dW_mean =", float(np.mean(dW))), ("db_mean =", float(np.mean(db)))]
    if fn == "pool_forward":
        lines: list[tuple[str, Any]] = []
        for mode in ("max", "average"):
            A, _ = layers.pool_forward(a["A_prev"], hp, mode)
            lines.append(("mode =", mode))
            if example.version != "2018":
                lines.append(("A.shape =", A.shape))
            lines.append(("A[1,1] =", A[1, 1]) if example.version == "2021-2022" else ("A =", A))
        return lines
    if fn == "create_mask_from_window":
        x = a["x"]
        return [("x =", x), ("mask =", layers.create_mask_from_window(x, ties))]
    if fn == "distribute_value":
        return [("distributed value =", layers.distribute_value(2, (2, 2)))]
    if fn == "pool_backward":
        A_prev, dA = a["A_prev"], a["dA"]
        _, cache = layers.pool_forward(A_prev, hp)
        lines = []
        for mode in ("max", "average"):
            dA_prev = layers.pool_backward(dA, cache, mode, ties)
            lines += [("mode =", mode), ("mean of dA =", float(np.mean(dA))), ("dA_prev[1,1] =", dA_prev[1, 1])]
        return lines
    raise InputError(f"no printout for the {fn} cell")  # not reached: every catalogued function is above


def format_value(value: Any) -> str:
    """A printed value at full float64 precision: repr of floats (round-trips), arrays with every digit."""
    if isinstance(value, str):
        return value
    if isinstance(value, float | np.floating):
        return repr(float(value))
    if isinstance(value, np.ndarray):
        return np.array2string(value, floatmode="unique", max_line_width=100, threshold=1 << 20, separator=" ")
    return str(value)


def format_printout(lines: list[tuple[str, Any]]) -> str:
    """The printout as text, one `label value` a line (multi-line arrays start on the next line)."""
    out = []
    for label, value in lines:
        text = format_value(value)
        out.append(f"{label}\n{text}" if "\n" in text else f"{label} {text}")
    return "\n".join(out)


def step_hint(example: Example) -> str:
    """Which cell of the lesson's player the printout's indexed line shows (i, c and step), or ""."""
    a = draw(example)
    hp = dict(example.hparameters)
    if example.function == "conv_forward":
        i, h, w = (0, 2, 1) if example.version == "2021-2022" else (3, 2, 1)
        (m, n_H, n_W, n_C) = windows.conv_out_shape(a["A_prev"].shape, a["W"].shape, hp["stride"], hp["pad"])
        return (
            f"Z[{i},{h},{w}] is the output cell h = {h}, w = {w} of example i = {i}: set i = {i}, "
            f"step to {h * n_W + w} (step = h*n_W + w, n_W = {n_W}); each channel c = 0..{n_C - 1} is one entry."
        )
    if example.function == "conv_backward":
        return "dA_mean, dW_mean and db_mean are means over the whole arrays: step to the last step of each (i, c)."
    if example.function == "pool_forward":
        A_shape = windows.pool_out_shape(a["A_prev"].shape, hp["f"], hp["stride"])
        where = "A[1,1]" if example.version == "2021-2022" else "A"
        n_W = A_shape[2]
        return (
            f"{where}: example i = 1, output row h = 1 (steps {n_W}..{2 * n_W - 1} of n_W = {n_W}); "
            "each channel c is one entry."
            if A_shape[1] > 1
            else f"{where}: one output cell per example and channel: set i and c, step 0."
        )
    if example.function == "pool_backward":
        return (
            "dA_prev[1,1] is input row 1, column 1 of example i = 1 (both channels): set i = 1; it is "
            "final once every window over it has passed, at the last step."
        )
    if example.function == "zero_pad":
        return "x_pad[1,1] is padded row 1 of example i = 1: with pad = 2 it lies in the zero ring."
    return ""
