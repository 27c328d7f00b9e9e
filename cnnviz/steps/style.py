"""Colours, number format and words for the lesson animations, defined once.

It sits in cnnviz/steps (not draw) because the storyboard builders embed it in every board and
steps may not import draw (tests/test_layers_rule.py); cnnviz.draw.style re-exports it.

Used by the storyboard builders (the board's "legend" and "style"), the GIF renderer
(cnnviz.draw.gif) and, through `as_json()` copied into every storyboard, the browser player:
no renderer hard-codes a colour.

Colours are "#rrggbb" strings. Values are drawn with one diverging palette (ColorBrewer RdBu,
reversed: negative blue, zero near-white, positive red) for signed data and a sequential grey-blue
scale for data that is never negative.
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Context, Decimal

__all__ = [
    "BACKGROUND",
    "DECIMALS",
    "DIVERGING",
    "GRADIENT_COLOURS",
    "GRID",
    "LEGEND",
    "LEGEND_BY_LESSON",
    "ROLE_COLOURS",
    "SEQUENTIAL",
    "TEXT",
    "TEXT_ON_DARK",
    "TIE_WORDS",
    "as_json",
    "cell_rgb",
    "css_variables",
    "fmt",
    "hex_rgb",
    "legend",
    "text_rgb",
    "tie_words",
]

# ColorBrewer RdBu, reversed: index 0 is the most negative, 5 is zero, 10 the most positive.
DIVERGING = (
    "#053061",
    "#2166ac",
    "#4393c3",
    "#92c5de",
    "#d1e5f0",
    "#f7f7f7",
    "#fddbc7",
    "#f4a582",
    "#d6604d",
    "#b2182b",
    "#67001f",
)
# ColorBrewer Blues: vmin -> vmax.
SEQUENTIAL = ("#f7fbff", "#deebf7", "#c6dbef", "#9ecae1", "#6baed6", "#4292c6", "#2171b5", "#08519c", "#08306b")

# One colour per overlay role (outlines and marks drawn over the cells).
ROLE_COLOURS: dict[str, str] = {
    "window": "#00c853",  # green outline: the window read at this step
    "written": "#ffc800",  # gold outline: the cell written (or the gradient cell read)
    "not_yet": "#e2e2e2",  # grey fill: an output cell the loop has not reached
    "chosen_max": "#7a00cc",  # purple mark: the maximum that gets the gradient
    "tied_max": "#ff6d00",  # orange mark: other entries equal to the maximum
    "receives": "#00b8d4",  # cyan outline: cells that get gradient at this step
    "pad_ring": "#7f7f7f",  # grey dashed: the zeros zero_pad added
    "skipped": "#9e9e9e",  # grey hatching: rows/columns no window reads (stride)
    "differs": "#d50000",  # red outline: a student's cell that differs from ours
}
TEXT = "#111111"
TEXT_ON_DARK = "#ffffff"
GRID = "#bdbdbd"
BACKGROUND = "#ffffff"
# One colour per gradient in the gradient-check scatter (Okabe-Ito: told apart with any colour vision).
GRADIENT_COLOURS: dict[str, str] = {"dA_prev": "#0072b2", "dW": "#e69f00", "db": "#009e73"}

TIE_WORDS = {
    "first": "first maximum only (what PyTorch does)",
    "all": "x == max(x): every tied maximum (the course's rule)",
}

LEGEND: dict[str, str] = {
    "window": "the window a_slice read at this step",
    "written": "the cell this step writes",
    "not_yet": "not computed yet",
    "chosen_max": "the maximum: the one that gets the gradient",
    "tied_max": "another entry equal to the maximum (a tie)",
    "receives": "cells that get gradient at this step",
    "pad_ring": "zeros added by zero_pad",
    "skipped": "rows/columns no window reads (the stride skips them)",
    "differs": "differs from the reference",
}

# Where a role means something more precise in one lesson, its words there.
LEGEND_BY_LESSON: dict[str, dict[str, str]] = {
    "zero_pad": {"window": "X, copied into the middle of X_pad", "written": "the cells this step writes"},
    "conv_backward": {"written": "the gradient cell dZ[i, h, w, c] this step reads"},
    "pool_backward": {"written": "the gradient cell dA[i, h, w, c] this step reads"},
    "conv_transpose_forward": {  # short: one legend line at 1280 px leaves the grids room for their numbers
        "written": "INPUT cell read (end: OUTPUT Z kept)",
        "window": "W[:, :, k, c] scaled",
        "receives": "OUTPUT cells += value * W",
        "pad_ring": "pad ring, cropped at the end",
    },
}

DECIMALS = (2, 4, 8)


def legend(lesson: str, roles: list[str]) -> dict[str, str]:
    """The legend words for `roles` in `lesson`."""
    words = {**LEGEND, **LEGEND_BY_LESSON.get(lesson, {})}
    return {role: words[role] for role in roles}


_EXACT = Context(prec=400)  # every digit of a float64 (at most 309 before the point) plus the decimals
_STEP = {d: Decimal(1).scaleb(-d) for d in range(0, 17)}


def fmt(v: float, decimals: int = 2) -> str:
    """v with `decimals` places; never "-0.00" (a negative that rounds to zero prints as 0.00)."""
    v = float(v)
    if math.isnan(v):
        return "nan"
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    # The exact binary value rounded, a tie away from zero: what the player's JS (toFixed) prints, so
    # the GIF, the notebook printout and the player agree digit for digit (tests/test_replay_agreement.py)
    s = f"{Decimal(v).quantize(_STEP[decimals], rounding=ROUND_HALF_UP, context=_EXACT):f}"
    if s.startswith("-") and float(s) == 0:
        s = s[1:]
    return s


def tie_words(ties: str) -> str:
    """The tie rule in words: "first" or "all"."""
    if ties not in TIE_WORDS:
        raise ValueError(f'ties={ties!r} is unknown; use "first" or "all"')
    return TIE_WORDS[ties]


def hex_rgb(colour: str) -> tuple[int, int, int]:
    """ "#rrggbb" -> (r, g, b)."""
    c = colour.lstrip("#")
    return int(c[0:2], 16), int(c[2:4], 16), int(c[4:6], 16)


def _interp(stops: tuple[str, ...], t: float) -> tuple[int, int, int]:
    t = min(max(t, 0.0), 1.0) * (len(stops) - 1)
    k = min(int(t), len(stops) - 2)
    u = t - k
    a, b = hex_rgb(stops[k]), hex_rgb(stops[k + 1])
    return tuple(int(round(a[j] + (b[j] - a[j]) * u)) for j in range(3))  # type: ignore[return-value]


def cell_rgb(v: float, scale: dict) -> tuple[int, int, int]:
    """The fill of a cell holding v on a panel's "scale" (see cnnviz.steps.storyboard)."""
    if scale["kind"] == "signed":
        vmax = scale["vmax"]
        t = 0.5 + 0.5 * max(-1.0, min(1.0, v / vmax)) if vmax > 0 else 0.5
        return _interp(DIVERGING, t)
    lo, hi = scale["vmin"], scale["vmax"]
    return _interp(SEQUENTIAL, (v - lo) / (hi - lo) if hi > lo else 0.0)


# The text-colour rule, once for the GIF and the player (the board's style carries it): Rec. 601 luma
# of the fill; below DARK_BELOW the text is TEXT_ON_DARK.
LUMA = (0.299, 0.587, 0.114)
DARK_BELOW = 128


def text_rgb(fill: tuple[int, int, int]) -> tuple[int, int, int]:
    """Black or white text, whichever reads on `fill`."""
    luma = sum(w * x for w, x in zip(LUMA, fill, strict=True))
    return hex_rgb(TEXT_ON_DARK) if luma < DARK_BELOW else hex_rgb(TEXT)


def as_json() -> dict:
    """The style as plain data for the storyboard's "style" key (the player reads colours from it)."""
    return {
        "roles": dict(ROLE_COLOURS),
        "diverging": list(DIVERGING),
        "sequential": list(SEQUENTIAL),
        "text": TEXT,
        "text_on_dark": TEXT_ON_DARK,
        "grid": GRID,
        "background": BACKGROUND,
        "decimals": list(DECIMALS),
        "luma": list(LUMA),
        "dark_below": DARK_BELOW,
    }


def css_variables() -> str:
    """The same colours as CSS custom properties (--cnnviz-window, --cnnviz-div-0, ...), for a :root block."""
    lines = [f"--cnnviz-{role.replace('_', '-')}: {c};" for role, c in ROLE_COLOURS.items()]
    lines += [f"--cnnviz-div-{k}: {c};" for k, c in enumerate(DIVERGING)]
    lines += [f"--cnnviz-seq-{k}: {c};" for k, c in enumerate(SEQUENTIAL)]
    lines += [f"--cnnviz-text: {TEXT};", f"--cnnviz-grid: {GRID};", f"--cnnviz-background: {BACKGROUND};"]
    return "\n".join(lines)
