"""The course notebook's own test cells, per published version: their inputs, and what they print.

A recipe is code that draws the inputs (one `np.random.seed(seed)` stream, `np.random.randn` in
the cell's order), never a stored output: cnnviz.core.printed computes every printed quantity
with cnnviz's own functions (cnnviz.core.layers), labelled and laid out as that version's
notebook prints it, so a student can put their notebook's lines next to ours.

    for example in examples("2021-2022", "conv_forward"):
        print(example.cell, example.calls, course.draw(example))

The notebook changed over the years; VERSIONS lists the published ones, newest first, and
NOTEBOOKS names each by its years and file name:
- 2017, v1: conv_forward with stride 1 and no Z[3,2,1] line, pool_forward f = 4, stride 1, labels
  `x[1, 1] =`, and b added to every product (BIAS_RULE: the bug in that notebook's reference);
- 2018, v2: conv_forward with stride 2 and Z[3,2,1], pool_forward f = 3, stride 2;
- 2019-2020, v2a: new conv_forward and two pool_forward cases; labels end in a line break;
- 2021-2022, the graded Convolution_model_Step_by_Step_v1.ipynb: zero_pad(x, 3) and
  zero_pad_test, m = 2 and Z[0,2,1], A[1, 1] / A[0] / A[1], dA_prev1 / dA_prev2;
- 2023+: the same, with CASE 1: / CASE 2: printed above the pooling cases.
Every version's conv_backward cell passes Z itself as dZ (conv_backward(Z, cache_conv)).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np

from cnnviz.core import layers, windows
from cnnviz.core.errors import InputError

VERSIONS = ("2023", "2021-2022", "2020", "2018", "2017")  # newest first; the keys links and settings use
PAGES = ("zero_pad", "conv_forward", "pool_forward", "conv_backward", "pool_backward")


@dataclass(frozen=True)
class Notebook:
    """One published version of the course notebook: what a student sees in their copy."""

    years: str
    file: str
    note: str

    @property
    def name(self) -> str:
        """The name the picker shows: the years and the notebook's file name."""
        return f"{self.years}: {self.file}"


NOTEBOOKS = {
    "2023": Notebook(
        "2023+",
        "Convolution_model_Step_by_Step_v1.ipynb",
        "the graded notebook (public_tests.py), CASE 1: / CASE 2: printed above the pooling cases",
    ),
    "2021-2022": Notebook(
        "2021-2022",
        "Convolution_model_Step_by_Step_v1.ipynb",
        "the graded notebook (public_tests.py): zero_pad(x, 3), A[1, 1], dA_prev1 / dA_prev2",
    ),
    "2020": Notebook(
        "2019-2020", "Convolution_model_Step_by_Step_v2a.ipynb", "v2a: labels end in a line break, two pooling cases"
    ),
    "2018": Notebook(
        "2018", "Convolution model - Step by Step - v2.ipynb", "v2: conv stride 2, pooling f = 3, stride 2"
    ),
    "2017": Notebook(
        "2017",
        "Convolution model - Step by Step - v1.ipynb",
        "v1: conv stride 1, pooling f = 4, stride 1, b added to every product",
    ),
}

# The 2017 notebook's conv_single_step skeleton reads `s = a_slice_prev * W + b; Z = np.sum(s)`:
# b is added to each of the f*f*n_C_prev products before the sum, so every output carries
# f*f*n_C_prev times b instead of b once. That is a bug in that notebook's own reference (v2
# fixed it: Z = np.sum(s) + b), but it produced the expected outputs a 2017 student compares
# with. cnnviz reproduces them by giving its own (correct) functions the bias that rule
# amounts to, f*f*n_C_prev*b, and says so on the page; cnnviz.core.layers never changes.
BIAS_PER_ELEMENT = ("2017",)
BIAS_RULE = (
    "The 2017 notebook's conv_single_step adds b to each of the f·f·n_C_prev products before summing "
    "(s = a_slice_prev * W + b; Z = np.sum(s)), so each output carries f·f·n_C_prev·b, not b. Its expected "
    "outputs come from that rule (a bug in the notebook's reference, fixed in v2 by Z = np.sum(s) + b); "
    "cnnviz reproduces them by passing f·f·n_C_prev·b as the bias to its own functions."
)
NEWLINE_LABELS = ("2023", "2021-2022", "2020")  # print("Z's mean =\n", ...): the value on the next line
GRADED = ("2023", "2021-2022")  # Convolution_model_Step_by_Step_v1.ipynb with public_tests.py


@dataclass(frozen=True, eq=False)
class Example:
    """One test cell of the notebook.

    version -- one of VERSIONS
    page -- the lesson it belongs to (one of PAGES)
    function -- the course function the cell tests ("conv_forward", "create_mask_from_window", ...)
    title -- a short name for the picker ("pool_forward, case 2: stride 2")
    seed -- np.random.seed(seed) before the draws (None: the cell draws nothing)
    draws -- (name, shape) drawn with np.random.randn, in order, from that one stream
    hparameters -- the cell's hparameters dict ({} if none; zero_pad's {"pad": p} is its argument)
    animates -- True if the lesson's player can show it (False: printed only, e.g. conv_single_step)
    case -- the pooling cell's case number (1, 2), else 0
    """

    version: str
    page: str
    function: str
    title: str
    seed: int | None
    draws: tuple[tuple[str, tuple[int, ...]], ...]
    hparameters: Mapping[str, int] = field(default_factory=dict)
    animates: bool = True
    case: int = 0

    @property
    def key(self) -> str:
        """A stable name for links and widgets: "2020/pool_forward/case2"."""
        return f"{self.version}/{self.page}/{self.title}"

    def name_in_cell(self, name: str) -> str:
        """What the cell calls a drawn array or hparameters (2023+'s pooling cell: A_prev_case_1, ...)."""
        return f"{name}_case_{self.case}" if self.version == "2023" and self.case else name

    @property
    def cell(self) -> str:
        """The cell's input lines as the notebook writes them (np.random.seed, the randn draws, hparameters)."""
        lines = [] if self.seed is None else [f"np.random.seed({self.seed})"]
        lines += [
            f"{self.name_in_cell(name)} = np.random.randn({', '.join(map(str, shape))})" for name, shape in self.draws
        ]
        if self.hparameters and self.function != "zero_pad":  # zero_pad(x, pad) takes pad directly
            items = ", ".join(f'"{k}" : {v}' for k, v in self.hparameters.items())
            hp = f"{self.name_in_cell('hparameters')} = {{{items}}}"
            if self.function == "pool_backward":  # A_prev, hparameters, the pool_forward call, then dA
                lines[2:2] = [hp, "A, cache = pool_forward(A_prev, hparameters)  # draws nothing"]
            else:
                lines.append(hp)
        return "\n".join(lines)

    @property
    def calls(self) -> str:
        """The cell's calls of the course functions (what the student's notebook runs after the draws)."""
        fn, graded = self.function, self.version in GRADED
        if fn == "zero_pad":
            return f"x_pad = zero_pad(x, {self.hparameters['pad']})" + ("\nzero_pad_test(zero_pad)" if graded else "")
        if fn == "conv_backward" and self.version in ("2017", "2018"):
            return (
                "Z, cache_conv = conv_forward(A_prev, W, b, hparameters)  # the conv_forward cell above\n"
                "np.random.seed(1)\ndA, dW, db = conv_backward(Z, cache_conv)"
            )
        if fn == "pool_backward" and graded:
            return (
                'dA_prev1 = pool_backward(dA, cache, mode = "max")\n'
                'dA_prev2 = pool_backward(dA, cache, mode = "average")'
            )
        if fn == "pool_forward" and self.version == "2023":
            A_prev, hp = self.name_in_cell("A_prev"), self.name_in_cell("hparameters")
            return f'A, cache = pool_forward({A_prev}, {hp}, mode = "max")  # and mode = "average"'
        return _CALLS[fn]


_CALLS = {
    "conv_single_step": "Z = conv_single_step(a_slice_prev, W, b)",
    "conv_forward": "Z, cache_conv = conv_forward(A_prev, W, b, hparameters)",
    "conv_backward": "Z, cache_conv = conv_forward(A_prev, W, b, hparameters)\n"
    "dA, dW, db = conv_backward(Z, cache_conv)",
    "pool_forward": 'A, cache = pool_forward(A_prev, hparameters, mode = "max")  # and mode = "average"',
    "create_mask_from_window": "mask = create_mask_from_window(x)",
    "distribute_value": "a = distribute_value(2, (2, 2))",
    "pool_backward": 'dA_prev = pool_backward(dA, cache, mode = "max")  # and mode = "average"',
}


def _hp(**kw: int) -> Mapping[str, int]:
    return MappingProxyType(dict(kw))


_CONV_SMALL = (("A_prev", (10, 4, 4, 3)), ("W", (2, 2, 3, 8)), ("b", (1, 1, 1, 8)))  # conv_backward's (2018 on)


def _notebook(version: str) -> tuple[Example, ...]:
    """The version's printing test cells, in the notebook's order."""
    v = version
    pad = 3 if v in GRADED else 2
    out = [
        Example(v, "zero_pad", "zero_pad", "zero_pad", 1, (("x", (4, 3, 3, 2)),), _hp(pad=pad)),
        Example(
            v,
            "conv_forward",
            "conv_single_step",
            "conv_single_step",
            1,
            (("a_slice_prev", (4, 4, 3)), ("W", (4, 4, 3)), ("b", (1, 1, 1))),
            animates=False,
        ),
    ]
    if v in ("2017", "2018"):
        conv_hp = _hp(pad=2, stride=1 if v == "2017" else 2)
        out.append(Example(v, "conv_forward", "conv_forward", "conv_forward", 1, _CONV_SMALL, conv_hp))
        f, stride = (4, 1) if v == "2017" else (3, 2)
        out.append(
            Example(
                v,
                "pool_forward",
                "pool_forward",
                "pool_forward",
                1,
                (("A_prev", (2, 4, 4, 3)),),
                _hp(stride=stride, f=f),
            )
        )
        conv_back = Example(v, "conv_backward", "conv_backward", "conv_backward", 1, _CONV_SMALL, conv_hp)
    else:
        m = 10 if v == "2020" else 2
        draws = (("A_prev", (m, 5, 7, 4)), ("W", (3, 3, 4, 8)), ("b", (1, 1, 1, 8)))
        out.append(Example(v, "conv_forward", "conv_forward", "conv_forward", 1, draws, _hp(pad=1, stride=2)))
        for case, stride in ((1, 1), (2, 2)):
            title = f"pool_forward, case {case}: stride {stride}"
            hp = _hp(stride=stride, f=3)
            out.append(Example(v, "pool_forward", "pool_forward", title, 1, (("A_prev", (2, 5, 5, 3)),), hp, case=case))
        conv_back = Example(v, "conv_backward", "conv_backward", "conv_backward", 1, _CONV_SMALL, _hp(pad=2, stride=2))
    out += [
        conv_back,
        Example(
            v,
            "pool_backward",
            "create_mask_from_window",
            "create_mask_from_window",
            1,
            (("x", (2, 3)),),
            animates=False,
        ),
        Example(v, "pool_backward", "distribute_value", "distribute_value", None, (), animates=False),
        Example(
            v,
            "pool_backward",
            "pool_backward",
            "pool_backward",
            1,
            (("A_prev", (5, 5, 3, 2)), ("dA", (5, 4, 2, 2))),
            _hp(stride=1, f=2),
        ),
    ]
    return tuple(out)


_EXAMPLES = {version: _notebook(version) for version in VERSIONS}


def version_name(version: str) -> str:
    """The notebook's years and file name, as the version picker shows it."""
    return NOTEBOOKS[check_version(version)].name


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


def conv_bias(example: Example, W: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The bias cnnviz's conv functions get for the example: b, or f*f*n_C_prev*b in 2017 (BIAS_RULE)."""
    if example.version not in BIAS_PER_ELEMENT:
        return b
    f, _, n_C_prev = W.shape[:3]
    return b * (f * f * n_C_prev)


@dataclass(frozen=True, eq=False)
class LessonArrays:
    """What a lesson animates for an example: A_prev, and as the lesson needs W, b, hparameters, the gradient.

    b -- the bias the notebook's outputs imply (2017: f*f*n_C_prev times the drawn b, see BIAS_RULE)
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
    b = None if "b" not in a else conv_bias(example, a["W"], a["b"])
    grad = None
    if example.page == "conv_backward":
        grad, _ = layers.conv_forward(a["A_prev"], a["W"], b, hp)  # dZ = Z, as the notebook
    elif example.page == "pool_backward":
        grad = a["dA"]
    return LessonArrays(A_prev=A_prev, W=a.get("W"), b=b, hparameters=hp, grad=grad)


def step_hint(example: Example) -> str:
    """Which cell of the lesson's player the printout's indexed line shows (i, c and step), or ""."""
    a = draw(example)
    hp = dict(example.hparameters)
    v = example.version
    if example.function == "conv_forward":
        if v == "2017":
            return "Z's mean is a mean over the whole Z: step to the last step of each (i, c)."
        i, h, w = (0, 2, 1) if v in GRADED else (3, 2, 1)
        (m, n_H, n_W, n_C) = windows.conv_out_shape(a["A_prev"].shape, a["W"].shape, hp["stride"], hp["pad"])
        return (
            f"Z[{i},{h},{w}] is the output cell h = {h}, w = {w} of example i = {i}: set i = {i}, "
            f"step to {h * n_W + w} (step = h*n_W + w, n_W = {n_W}); each channel c = 0..{n_C - 1} is one entry."
        )
    if example.function == "conv_backward":
        return "dA_mean, dW_mean and db_mean are means over the whole arrays: step to the last step of each (i, c)."
    if example.function == "pool_forward":
        A_shape = windows.pool_out_shape(a["A_prev"].shape, hp["f"], hp["stride"])
        n_W = A_shape[2]
        if v in GRADED and example.case == 2:
            return "A[0] (max) and A[1] (average) are whole examples: set i = 0 or i = 1; each channel c is one entry."
        where = "A[1, 1]" if v in GRADED else "A"
        return (
            f"{where}: example i = 1, output row h = 1 (steps {n_W}..{2 * n_W - 1} of n_W = {n_W}); "
            "each channel c is one entry."
            if A_shape[1] > 1
            else f"{where}: one output cell per example and channel: set i and c, step 0."
        )
    if example.function == "pool_backward":
        name = "dA_prev1[1,1] / dA_prev2[1,1]" if v in GRADED else "dA_prev[1,1]"
        return (
            f"{name} is input row 1, column 1 of example i = 1 (both channels): set i = 1; it is "
            "final once every window over it has passed, at the last step."
        )
    if example.function == "zero_pad":
        label = "x_pad[1, 1]" if v == "2017" else "x_pad[1,1]"
        return f"{label} is padded row 1 of example i = 1: with pad = {hp['pad']} it lies in the zero ring."
    return ""
