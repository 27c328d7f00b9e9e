"""Plotly builders: arrays in, go.Figure out, one animation frame per loop iteration.

Each builder computes its trace (cnnviz.steps.trace), draws the big arrays once as heatmaps in
`fig.data`, and makes one Plotly frame per step (capped at `max_frames`). Frames carry only what
moves: the window outline, the 'not computed yet' overlay, the current cell, the small per-step
numbers (as text traces) and the one annotation box with the loop variables. Static decorations
(pad ring, rows/columns a stride never reads) are traces that no frame touches.

Conventions: row 0 on top (y axis reversed), square cells (y scaleanchor x), fixed ranges,
signed values on a diverging blue-white-red scale centred on 0, numbers printed in the cells when
a grid is at most 12x12 (hover always shows them).

`step` (every builder) is the trace step shown when the figure opens, as the app's step slider
counts them (0 .. n_H*n_W - 1). Past the frame cap the figure still opens on exactly that step; the
Plotly slider sits on the last sampled frame at or before it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go

from cnnviz.core import layers, windows
from cnnviz.steps import trace
from cnnviz.steps.trace import frame_indices

FRAME_MS = 700
MAX_FRAMES = 144
TEXT_MAX = 12  # print numbers in the cells of grids up to 12x12
PLOT_W = 1150  # design width of the plot area, pixels
HEAD = 44  # pixels above a panel's cells: its title and column indices
GAP = 34  # pixels between panels (room for the row indices)
MAX_CELL, MIN_CELL = 56, 6
BOX_FONT = 14
BOX_W = 390  # pixels for the annotation box (about 44 monospace characters)
SMALL_W = 84  # pixels a small panel's title needs (two short lines at 13 px)
HEAD_SMALL = 60  # pixels above a small panel's cells (a two-line title)

# ColorBrewer RdBu, reversed: negative blue, zero white, positive red.
SIGNED = [
    [0.0, "#053061"],
    [0.1, "#2166ac"],
    [0.2, "#4393c3"],
    [0.3, "#92c5de"],
    [0.4, "#d1e5f0"],
    [0.5, "#f7f7f7"],
    [0.6, "#fddbc7"],
    [0.7, "#f4a582"],
    [0.8, "#d6604d"],
    [0.9, "#b2182b"],
    [1.0, "#67001f"],
]
BLANK = [[0.0, "#f3f3f3"], [1.0, "#f3f3f3"]]
POSITIVE, NEGATIVE, ZERO = "#b2182b", "#2166ac", "#555555"
WINDOW = "#00c853"  # the window and the cell it writes: green shows on red, blue and white
MAX_MARK = "#ffd600"
NOT_YET = "rgb(226,226,226)"
PENDING = "rgba(255,255,255,0.6)"
PENDING_DOTS = dict(shape=".", fgcolor="rgba(0,0,0,0.3)", bgcolor="rgba(255,255,255,0.6)", size=8, solidity=0.08)
PAD_HATCH = dict(shape="/", fgcolor="rgba(70,70,70,0.6)", bgcolor="rgba(0,0,0,0)", size=7, solidity=0.15)
SKIP_HATCH = dict(shape="x", fgcolor="rgba(230,120,0,0.75)", bgcolor="rgba(255,200,120,0.25)", size=8, solidity=0.15)
FONT = "Arial, Helvetica, sans-serif"
MONO = "Menlo, Consolas, 'DejaVu Sans Mono', monospace"


def _ordinal(k: int) -> str:
    suffix = "th" if 10 <= k % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(k % 10, "th")
    return f"{k}{suffix}"


def _fmt(v: float, digits: int = 2) -> str:
    s = f"{v:.{digits}f}"
    return s[1:] if s.startswith("-") and float(s) == 0 else s


def _sym(*arrays: np.ndarray) -> float:
    """Half-width of a colour range centred on 0 that holds every value (1 if all are 0)."""
    m = max((float(np.max(np.abs(a))) if np.size(a) else 0.0) for a in arrays)
    return m if m > 0 and math.isfinite(m) else 1.0


def _rect_xy(r0: int, r1: int, c0: int, c1: int) -> tuple[list, list]:
    """Closed outline of rows r0..r1-1, columns c0..c1-1, in cell coordinates (cell (r, c) centred at x=c, y=r)."""
    x0, x1, y0, y1 = c0 - 0.5, c1 - 0.5, r0 - 0.5, r1 - 0.5
    return [x0, x1, x1, x0, x0], [y0, y0, y1, y1, y0]


def _rects_xy(rects: Sequence[tuple[int, int, int, int]]) -> tuple[list, list]:
    """Several outlines in one trace, separated by None (fill="toself" fills each)."""
    xs: list = []
    ys: list = []
    for rect in rects:
        x, y = _rect_xy(*rect)
        if xs:
            xs.append(None)
            ys.append(None)
        xs += x
        ys += y
    return xs, ys


def _mask_rects(mask: np.ndarray) -> list[tuple[int, int, int, int]]:
    """Cover the True cells of a 2-D mask with few rectangles (r0, r1, c0, c1): runs per row, merged down."""
    rects = []
    open_runs: dict[tuple[int, int], int] = {}
    n_rows = mask.shape[0]
    for r in range(n_rows + 1):
        runs = set()
        if r < n_rows:
            row = np.concatenate([[False], mask[r], [False]])
            edges = np.flatnonzero(row[1:] != row[:-1])
            runs = {(int(a), int(b)) for a, b in zip(edges[::2], edges[1::2], strict=True)}
        for run in [run for run in open_runs if run not in runs]:
            rects.append((open_runs.pop(run), r, *run))
        for run in runs:
            open_runs.setdefault(run, r)
    return rects


def _after_rects(h: int, w: int, n_H: int, n_W: int) -> list[tuple[int, int, int, int]]:
    """The output cells after (h, w) in the loops' row-major order: the rest of row h, then rows below."""
    rects = []
    if w + 1 < n_W:
        rects.append((h, h + 1, w + 1, n_W))
    if h + 1 < n_H:
        rects.append((h + 1, n_H, 0, n_W))
    return rects


def _sign_colors(values: np.ndarray) -> list[str]:
    return [POSITIVE if v > 0 else NEGATIVE if v < 0 else ZERO for v in np.ravel(values)]


def _texts(values: np.ndarray) -> list[str]:
    return [_fmt(v) for v in np.ravel(values)]


def _running_text(total: np.ndarray, final: np.ndarray, zmax: float, reached: np.ndarray, done: np.ndarray) -> dict:
    """Running totals printed on the cells reached so far; white on the dark colours of finished cells.

    Cells not reached get a space, never "": plotly.js drops the text of points whose text goes
    from "" to a number during an animation.

    total, final, reached, done -- same 2-D shape; reached/done are boolean masks.
    """
    texts = [t if r else " " for t, r in zip(_texts(total), reached.ravel(), strict=True)]
    dark = (done & (np.abs(final) > 0.55 * zmax)).ravel()
    return dict(text=texts, textfont=dict(color=["white" if d else "#111" for d in dark]))


class _Figure(go.Figure):
    """A go.Figure that pickles and copies without re-validating its frames.

    plotly.py validates every frame's traces element by element (about 20 ms per frame here), and
    a go.Figure unpickles through its constructor, so each st.cache_data hit would pay that again.
    The builders' output is checked against plotly's validators in tests/test_figures.py instead.
    """

    def __reduce__(self):
        return (_figure_from_dict, (self.to_dict(),))

    @property
    def frames(self) -> tuple[go.Frame, ...]:
        """The frames as validated go.Frame objects, made on access (slow; rendering never needs them)."""
        return tuple(self._frames_validator.validate_coerce([frame._props for frame in self._frame_objs]))

    @frames.setter
    def frames(self, new_frames: Sequence) -> None:
        self._frame_objs = self._frames_validator.validate_coerce(new_frames)


def _figure(data: list[dict], layout: dict, frames: list[dict]) -> go.Figure:
    """go.Figure(data, layout, frames) without plotly.py's per-element validation."""
    fig = _Figure(data=data, layout=layout, _validate=False)
    # go.Figure(frames=...) validates each frame whatever _validate says; set the frames directly.
    fig._frame_objs = tuple(go.Frame(**frame, _validate=False) for frame in frames)
    return fig


def _figure_from_dict(d: dict) -> go.Figure:
    return _figure(d.get("data", []), d.get("layout", {}), d.get("frames", []))


def _merge(base: dict, update: dict) -> dict:
    """base updated by update, nested dicts merged (as Plotly merges a frame into a trace)."""
    out = dict(base)
    for key, value in update.items():
        out[key] = _merge(out[key], value) if isinstance(value, dict) and isinstance(out.get(key), dict) else value
    return out


@dataclass(frozen=True)
class _Panel:
    x: str  # trace axis refs, "x3" / "y3"
    y: str
    n_rows: int
    n_cols: int
    px: float  # cell size in pixels at the design width


class _Canvas:
    """Collects axes, traces and frames for one figure; `finish` makes the go.Figure.

    Panels are placed in pixels on a plot area PLOT_W wide (a chart about 1200 px wide, the main
    column of the app beside its sidebar); `finish` turns pixels into paper fractions and sets the
    height to fit. On a wider screen the panels keep their height and gain side space; on a narrower
    one they shrink and stay square (constrain="domain").
    """

    MARGIN = dict(l=34, r=16, t=62, b=132)

    def __init__(self, title: str, subtitle: str = ""):
        self.data: list[dict] = []
        self.moving: list[int] = []
        self.n_axes = 0
        self.legend_seen: set[str] = set()
        self.title = title
        self.subtitle = subtitle
        self.notes: list[str] = []
        self.extent = 0.0  # lowest pixel used
        self.plot_h = 1.0  # set by `fit`
        self.places: dict[str, tuple[float, float, float, float]] = {}  # axis suffix -> x0, y0, w, h (px)
        self.layout: dict = dict(
            margin=dict(self.MARGIN),
            font=dict(family=FONT, size=14, color="#222"),
            plot_bgcolor="white",
            paper_bgcolor="white",
            hovermode="closest",
            hoverlabel=dict(font=dict(size=15, family=MONO)),
            legend=dict(orientation="h", x=0.0, xanchor="left", yanchor="top", font=dict(size=13), itemclick=False),
            dragmode=False,
        )

    def panel(
        self, x0: float, y0: float, n_rows: int, n_cols: int, cell: float, title: str, title_size: int = 15
    ) -> _Panel:
        """A heatmap-style axis pair whose cells start at pixel (x0, y0): fixed ranges, row 0 on top,
        square cells, the title and column indices in the HEAD pixels above."""
        self.n_axes += 1
        sfx = "" if self.n_axes == 1 else str(self.n_axes)
        xr, yr = f"x{sfx}", f"y{sfx}"
        self.places[sfx] = (x0, y0, n_cols * cell, n_rows * cell)
        self.extent = max(self.extent, y0 + n_rows * cell)

        def tickvals(n: int) -> list[int]:
            step = 1 if n <= 16 else 2 if n <= 24 else 4
            return list(range(0, n, step))

        common = dict(
            autorange=False,
            fixedrange=True,
            showgrid=False,
            zeroline=False,
            showline=False,
            ticks="",
            tickfont=dict(size=11, color="#777"),
            constrain="domain",
            tickmode="array",
        )
        self.layout[f"xaxis{sfx}"] = dict(
            common,
            anchor=yr,
            range=[-0.5, n_cols - 0.5],
            side="top",
            tickvals=tickvals(n_cols),
            title=dict(text=title, font=dict(size=title_size, color="#111"), standoff=4),
        )
        self.layout[f"yaxis{sfx}"] = dict(
            common,
            anchor=xr,
            range=[n_rows - 0.5, -0.5],
            scaleanchor=xr,
            scaleratio=1,
            constraintoward="top",
            tickvals=tickvals(n_rows),
        )
        return _Panel(xr, yr, n_rows, n_cols, cell)

    def reserve(self, y: float) -> None:
        """Make the plot area reach at least pixel y (for the annotation box)."""
        self.extent = max(self.extent, y)

    def fit(self, height: int | None) -> None:
        """Pixels to paper fractions; the figure height fits the content unless `height` is given."""
        m = self.layout["margin"]
        self.plot_h = float(height - m["t"] - m["b"]) if height else self.extent + 8
        self.layout["height"] = int(round(self.plot_h + m["t"] + m["b"]))
        for sfx, (x0, y0, w, h) in self.places.items():
            self.layout[f"xaxis{sfx}"]["domain"] = [_clip(x0 / PLOT_W), _clip((x0 + w) / PLOT_W)]
            self.layout[f"yaxis{sfx}"]["domain"] = [_clip(1 - (y0 + h) / self.plot_h), _clip(1 - y0 / self.plot_h)]
        self.layout["legend"]["y"] = -14 / self.plot_h

    def paper(self, x: float, y: float) -> tuple[float, float]:
        return x / PLOT_W, 1 - y / self.plot_h

    def add(self, trace_: dict) -> int:
        self.data.append(trace_)
        return len(self.data) - 1

    def add_moving(self, trace_: dict) -> int:
        j = self.add(trace_)
        self.moving.append(j)
        return j

    def set_title(self, title: str, subtitle: str = "", notes: Sequence[str] = ()) -> None:
        """The title, a smaller grey subtitle line, one orange line per note; the top margin grows to fit."""
        lines = [title] + [f"<span style='font-size:14px;color:#555'>{subtitle}</span>"] * bool(subtitle)
        lines += [f"<span style='font-size:14px;color:#b35900'>{note}</span>" for note in notes]
        self.layout["title"] = dict(
            text="<br>".join(lines),
            x=0.01,
            xanchor="left",
            xref="paper",
            y=1,
            yref="container",
            yanchor="top",
            pad=dict(t=16),
            font=dict(size=18),
        )
        self.layout["margin"]["t"] = self.MARGIN["t"] + 21 * (len(lines) - 1)

    def legend(self, name: str) -> dict:
        """Legend keys for a trace: shown for the first trace of each name only."""
        first = name not in self.legend_seen
        self.legend_seen.add(name)
        return dict(name=name, legendgroup=name, showlegend=first)

    def heatmap(
        self,
        p: _Panel,
        z: np.ndarray,
        hover: str,
        zmax: float | None = None,
        text: bool | None = None,
        colorscale: list | None = None,
        ring: int = 0,
        ring_text: str = "",
    ) -> int:
        """A static heatmap of z (rows down, columns across), numbers printed if the grid is small.

        ring -- width of a border (the pad ring) left without numbers: it is hatched and all zeros.
        """
        z = np.asarray(z, dtype=np.float64)
        zmax = _sym(z) if zmax is None else zmax
        tr = dict(
            type="heatmap",
            z=z.tolist(),
            xaxis=p.x,
            yaxis=p.y,
            zmin=-zmax,
            zmax=zmax,
            zmid=0,
            colorscale=colorscale or SIGNED,
            showscale=False,
            xgap=1,
            ygap=1,
            hovertemplate=hover + "<extra></extra>",
        )
        if text is None:
            text = max(p.n_rows, p.n_cols) <= TEXT_MAX
        if text and ring:
            labels = np.array(_texts(z), dtype=object).reshape(z.shape)
            inner = np.zeros(z.shape, dtype=bool)
            inner[ring : z.shape[0] - ring, ring : z.shape[1] - ring] = True
            tr["text"] = np.where(inner, labels, ring_text).tolist()
            tr["texttemplate"] = "%{text}"
            tr["textfont"] = dict(size=_cell_font(p.px))
        elif text:
            tr["texttemplate"] = "%{z:.2f}"
            tr["textfont"] = dict(size=_cell_font(p.px))
        return self.add(tr)

    def blank(self, p: _Panel) -> int:
        """A plain grid for per-step numbers drawn as text on top."""
        return self.add(
            dict(
                type="heatmap",
                z=np.zeros((p.n_rows, p.n_cols)).tolist(),
                xaxis=p.x,
                yaxis=p.y,
                colorscale=BLANK,
                showscale=False,
                xgap=1,
                ygap=1,
                hoverinfo="skip",
            )
        )

    def cell_text(self, p: _Panel, name: str, shadow: bool = False) -> dict:
        """A moving text trace with one entry per cell (row-major); frames send only `text` (and colours)."""
        rr, cc = np.mgrid[0 : p.n_rows, 0 : p.n_cols]
        font = dict(size=_cell_font(p.px), color="#111")
        if shadow:
            font["shadow"] = "0px 0px 3px white"
        return dict(
            type="scatter",
            mode="text",
            x=cc.ravel().tolist(),
            y=rr.ravel().tolist(),
            xaxis=p.x,
            yaxis=p.y,
            textfont=font,
            hovertemplate=f"{name}[%{{y}}, %{{x}}] = %{{text}}<extra></extra>",
            showlegend=False,
        )

    def outline(self, p: _Panel, name: str, color: str = WINDOW, width: float = 4.5, dash: str = "solid") -> dict:
        return dict(
            type="scatter",
            mode="lines",
            x=[],
            y=[],
            xaxis=p.x,
            yaxis=p.y,
            line=dict(color=color, width=width, dash=dash),
            hoverinfo="skip",
            **self.legend(name),
        )

    def fill(self, p: _Panel, name: str, color: str, pattern: dict | None = None) -> dict:
        tr = dict(
            type="scatter",
            mode="lines",
            x=[],
            y=[],
            xaxis=p.x,
            yaxis=p.y,
            fill="toself",
            fillcolor=color,
            line=dict(width=0, color=color),
            hoverinfo="skip",
            **self.legend(name),
        )
        if pattern:
            tr["fillpattern"] = pattern
        return tr

    def pad_ring(self, p: _Panel, pad: int, what: str) -> None:
        """Hatch the pad ring and outline the original area with a dashed line."""
        if pad <= 0:
            return
        n_r, n_c = p.n_rows, p.n_cols
        strips = [
            (0, pad, 0, n_c),
            (n_r - pad, n_r, 0, n_c),
            (pad, n_r - pad, 0, pad),
            (pad, n_r - pad, n_c - pad, n_c),
        ]
        x, y = _rects_xy(strips)
        self.add(dict(self.fill(p, f"zero padding (pad={pad})", "rgba(0,0,0,0)", PAD_HATCH), x=x, y=y))
        x, y = _rect_xy(pad, n_r - pad, pad, n_c - pad)
        self.add(dict(self.outline(p, what, color="#333", width=2, dash="dash"), x=x, y=y))

    def skipped(self, p: _Panel, rows: Sequence[int], cols: Sequence[int], stride: int) -> None:
        """Shade rows/columns that no window reads (a stride that does not divide the input)."""
        rects = []
        if rows:
            rects.append((rows[0], p.n_rows, 0, p.n_cols))
        if cols:
            rects.append((0, p.n_rows, cols[0], p.n_cols))
        if rects:
            x, y = _rects_xy(rects)
            name = f"never read (stride {stride})"
            self.add(dict(self.fill(p, name, "rgba(0,0,0,0)", SKIP_HATCH), x=x, y=y))

    def grid(self, p: _Panel) -> None:
        """White lines between cells, drawn above an overlay so its covered cells stay cells."""
        xs: list = []
        ys: list = []
        for r in range(1, p.n_rows):
            xs += [-0.5, p.n_cols - 0.5, None]
            ys += [r - 0.5, r - 0.5, None]
        for q in range(1, p.n_cols):
            xs += [q - 0.5, q - 0.5, None]
            ys += [-0.5, p.n_rows - 0.5, None]
        self.add(
            dict(
                type="scatter",
                mode="lines",
                x=xs,
                y=ys,
                xaxis=p.x,
                yaxis=p.y,
                line=dict(color="white", width=1),
                hoverinfo="skip",
                showlegend=False,
            )
        )

    def box(self, x: float, y: float) -> Callable[[list[str]], dict]:
        """The per-step annotation (loop variables and the equation), its top-left corner at pixel (x, y)."""

        def make(lines: list[str]) -> dict:
            px, py = self.paper(x, y)
            return dict(
                text="<br>".join(lines),
                xref="paper",
                yref="paper",
                x=px,
                y=py,
                xanchor="left",
                yanchor="top",
                align="left",
                showarrow=False,
                font=dict(family=MONO, size=BOX_FONT, color="#111"),
                bgcolor="rgba(255,255,255,0.95)",
                bordercolor="#999",
                borderwidth=1,
                borderpad=7,
            )

        return make

    def finish(
        self,
        steps: Sequence[trace.Step],
        state: Callable[[trace.Step], list[dict]],
        box: Callable[[trace.Step], dict],
        frame_ms: int,
        max_frames: int,
        step: int,
        height: int | None,
    ) -> go.Figure:
        """Initial state = `step`; one frame per sampled step; Play/Pause, speeds and a slider."""
        n = len(steps)
        idx = frame_indices(n, max_frames)
        k0 = min(max(int(step), 0), n - 1)
        notes = list(self.notes)
        if len(idx) < n:
            k = math.ceil(n / max_frames)
            notes.insert(
                0,
                f"Animation shows every {_ordinal(k)} of {n} steps (frame cap {max_frames}); "
                "the last step is always included.",
            )
        steps_note = f"{n} step{'s' if n != 1 else ''}, h outer, w inner"
        self.set_title(self.title, f"{self.subtitle}  ·  {steps_note}" if self.subtitle else steps_note, notes)
        self.fit(height)
        for j, update in zip(self.moving, state(steps[k0]), strict=True):
            self.data[j] = _merge(self.data[j], update)
        self.layout["annotations"] = [box(steps[k0])]

        frames = []
        for k in idx:
            data = [{"type": "scatter", **u} for u in state(steps[k])]
            frames.append(
                dict(name=steps[k].label, data=data, traces=list(self.moving), layout={"annotations": [box(steps[k])]})
            )
        active = max((j for j, k in enumerate(idx) if k <= k0), default=0)
        self.layout["sliders"] = [_slider([steps[k].label for k in idx], active, self.plot_h)]
        self.layout["updatemenus"] = _play_menus(frame_ms, self.plot_h)
        return _figure(self.data, self.layout, frames)


def _clip(v: float) -> float:
    return min(1.0, max(0.0, v))


def _fit_cell(width: float, n_cols: float) -> float:
    """The cell size (px) that fits n_cols columns in width pixels, within [MIN_CELL, MAX_CELL]."""
    return min(MAX_CELL, max(MIN_CELL, width / max(n_cols, 1)))


def _cell_font(px: float) -> int:
    """Font size for a 2-decimal number in a cell of px pixels (5 characters must fit)."""
    return int(min(16, max(8, px / 2.85)))


def _animate_args(duration: int, redraw: bool = True) -> dict:
    return dict(
        frame=dict(duration=duration, redraw=redraw), transition=dict(duration=0), mode="immediate", fromcurrent=True
    )


def _play_menus(frame_ms: int, plot_h: float) -> list[dict]:
    play = [
        dict(label="▶ Play", method="animate", args=[None, _animate_args(frame_ms)]),
        dict(label="❚❚ Pause", method="animate", args=[[None], _animate_args(0, redraw=False)]),
    ]
    speeds = [
        dict(label=f"▶ {label}", method="animate", args=[None, _animate_args(max(1, round(frame_ms / factor)))])
        for label, factor in (("0.5×", 0.5), ("2×", 2.0), ("4×", 4.0))
    ]
    common = dict(type="buttons", direction="left", showactive=False, yanchor="top", font=dict(size=14), pad=dict(r=4))
    y = -66 / plot_h  # below the legend
    return [
        dict(common, buttons=play, x=0.0, xanchor="left", y=y),
        dict(common, buttons=speeds, x=0.17, xanchor="left", y=y, bgcolor="#f4f4f4"),
    ]


def _slider(labels: list[str], active: int, plot_h: float) -> dict:
    steps = [
        dict(
            label=label,
            method="animate",
            args=[[label], dict(frame=dict(duration=0, redraw=True), transition=dict(duration=0), mode="immediate")],
        )
        for label in labels
    ]
    many = len(labels) > 16
    return dict(
        steps=steps,
        active=active,
        x=0.40,
        len=0.60,
        y=-52 / plot_h,
        yanchor="top",
        pad=dict(t=10, b=0),
        currentvalue=dict(prefix="step  ", font=dict(size=16, family=MONO, color="#111"), xanchor="left", offset=6),
        font=dict(size=10, color="rgba(0,0,0,0)" if many else "#555"),
        ticklen=3 if many else 6,
        minorticklen=0,
        transition=dict(duration=0),
    )


def _loop_lines(step: trace.Step, n: int) -> list[str]:
    return [
        f"<span style='color:#666'>step {step.index + 1} of {n}</span>",
        f"<b>i</b>={step.i}  <b>c</b>={step.c}  <b>h</b>={step.h}  <b>w</b>={step.w}",
        f"vert_start={step.vert_start}  vert_end={step.vert_end}",
        f"horiz_start={step.horiz_start}  horiz_end={step.horiz_end}",
    ]


def _window_str(step: trace.Step) -> str:
    return f"{step.vert_start}:{step.vert_end}, {step.horiz_start}:{step.horiz_end}"


def _box_height(n_lines: int) -> float:
    """Pixels the annotation box takes for n_lines lines."""
    return n_lines * BOX_FONT * 1.32 + 18


def _pairs(x0: float, y0: float, width: float, n_pairs: int, f: int) -> tuple[float, list[tuple[float, float]]]:
    """Place n_pairs pairs of f x f panels in width pixels, in as few rows as keep each panel at least
    SMALL_W wide (room for its title) with cells of 24 px or more. Returns (cell, [(x, y) of each panel])."""
    for rows in range(1, n_pairs + 1):
        per_row = math.ceil(n_pairs / rows)
        slot = (width - (2 * per_row - 1) * GAP) / (2 * per_row)  # pixels per panel
        cell = min(48.0, slot / f)
        if slot >= SMALL_W and cell >= 24:
            break
    cell = max(MIN_CELL, cell)
    slot = max(slot, f * cell)
    spots = []
    for k in range(n_pairs):
        row, col = divmod(k, per_row)
        x = x0 + col * 2 * (slot + GAP)
        y = y0 + HEAD_SMALL + row * (f * cell + HEAD_SMALL + 10)
        inset = (slot - f * cell) / 2  # centre each panel in its slot, under its title
        spots += [(x + inset, y), (x + slot + GAP + inset, y)]
    return cell, spots


def _coverage(steps: Sequence[trace.Step], shape: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """first[r, c], last[r, c]: the first and last step whose window covers input cell (r, c); -1 if none."""
    first = np.full(shape, len(steps), dtype=int)
    last = np.full(shape, -1, dtype=int)
    for s in steps:
        rows, cols = slice(s.vert_start, s.vert_end), slice(s.horiz_start, s.horiz_end)
        first[rows, cols] = np.minimum(first[rows, cols], s.index)
        last[rows, cols] = np.maximum(last[rows, cols], s.index)
    first[last < 0] = -1
    return first, last


# --------------------------------------------------------------------------------------------------
# 1. zero padding


def zero_pad_figure(
    X: np.ndarray,
    pad: int,
    i: int = 0,
    c: int = 0,
    frame_ms: int = FRAME_MS,
    max_frames: int = MAX_FRAMES,
    step: int = 0,
    height: int | None = None,
) -> go.Figure:
    """X[i,:,:,c] beside zero_pad(X, pad)[i,:,:,c], the pad ring hatched. A static figure (no frames).

    Arguments:
    X -- shape (m, n_H, n_W, n_C)
    pad -- zeros added on each side of the height and width
    i, c -- the sample and channel shown
    frame_ms, max_frames, step -- accepted for a uniform builder API; unused (nothing moves)
    height -- figure height in pixels; None fits the content

    Returns:
    fig -- go.Figure with two heatmaps
    """
    windows.check_4d("X", X, "(m, n_H, n_W, n_C)")
    pad = windows.check_pad(pad)
    (m, n_H, n_W, n_C) = X.shape
    i = trace._check_index("i", i, m, "X's batch (m)")
    c = trace._check_index("c", c, n_C, "X's channels (n_C)")
    X_pad = layers.zero_pad(X[i : i + 1], pad)[0]  # (n_H + 2*pad, n_W + 2*pad, n_C)
    zmax = _sym(X[i, :, :, c])

    cv = _Canvas(
        f"zero_pad: X[{i},:,:,{c}] {n_H}×{n_W}  →  X_pad[{i},:,:,{c}] {n_H + 2 * pad}×{n_W + 2 * pad}  (pad={pad})"
    )
    cv.layout["margin"]["b"] = 60
    arrow_w = 120
    cell = _fit_cell(PLOT_W - arrow_w - GAP, n_W + n_W + 2 * pad)
    p_x = cv.panel(0, HEAD + pad * cell, n_H, n_W, cell, f"X[{i},:,:,{c}]  shape {n_H}×{n_W}")
    x_pad = n_W * cell + arrow_w
    p_pad = cv.panel(
        x_pad, HEAD, n_H + 2 * pad, n_W + 2 * pad, cell, f"X_pad[{i},:,:,{c}]  (the original inside the dashes)"
    )
    cv.heatmap(p_x, X[i, :, :, c], f"X[{i}, %{{y}}, %{{x}}, {c}] = %{{z:.4f}}", zmax)
    cv.heatmap(p_pad, X_pad[:, :, c], f"X_pad[{i}, %{{y}}, %{{x}}, {c}] = %{{z:.4f}}", zmax, ring=pad, ring_text="0")
    cv.pad_ring(p_pad, pad, "the original X")
    cv.set_title(cv.title)
    cv.fit(height)
    mid_x, mid_y = cv.paper(n_W * cell + arrow_w / 2, HEAD + (pad + n_H / 2) * cell)
    cv.layout["annotations"] = [
        dict(text="→", x=mid_x, y=mid_y, font=dict(size=44, color="#555"), yanchor="bottom"),
        dict(text=f"pad={pad}", x=mid_x, y=mid_y, font=dict(family=MONO, size=14), yanchor="top"),
    ]
    for a in cv.layout["annotations"]:
        a.update(xref="paper", yref="paper", showarrow=False, xanchor="center")
    return _figure(cv.data, cv.layout, [])


# --------------------------------------------------------------------------------------------------
# 2. convolution forward


def conv_forward_figure(
    A_prev: np.ndarray,
    W: np.ndarray,
    b: np.ndarray,
    hparameters: Mapping,
    i: int = 0,
    c: int = 0,
    frame_ms: int = FRAME_MS,
    max_frames: int = MAX_FRAMES,
    step: int = 0,
    height: int | None = None,
) -> go.Figure:
    """conv_forward for sample i and filter c, one frame per output cell Z[i,h,w,c].

    Panels: every channel of A_prev_pad[i] with the window on it; under each, the filter
    W[:,:,k,c] and the window x filter product; Z[i,:,:,c] filling in; the loop variables and
    sum + b = Z in a box.

    Arguments:
    A_prev -- shape (m, n_H_prev, n_W_prev, n_C_prev)
    W -- shape (f, f, n_C_prev, n_C); b -- shape (1, 1, 1, n_C)
    hparameters -- dict with "stride" and "pad"
    i, c -- the sample and the output channel (filter) shown
    frame_ms -- milliseconds per frame at 1x; max_frames -- frame cap; step -- trace step shown first

    Returns:
    fig -- go.Figure with frames named by step label ("h=1,w=2")
    """
    steps = trace.trace_conv_forward(A_prev, W, b, hparameters, i=i, c=c)
    i, c = steps[0].i, steps[0].c
    stride, pad = int(hparameters["stride"]), int(hparameters["pad"])
    (m, n_H_prev, n_W_prev, n_C_prev) = A_prev.shape
    (f, f, n_C_prev, n_C) = W.shape
    (m, n_H, n_W, n_C) = windows.conv_out_shape(A_prev.shape, W.shape, stride, pad)
    a_prev_pad = layers.zero_pad(A_prev[i : i + 1], pad)[0]  # (n_H_prev + 2*pad, n_W_prev + 2*pad, n_C_prev)
    n_Hp, n_Wp = a_prev_pad.shape[:2]
    Z_c = np.array([s.z for s in steps]).reshape(n_H, n_W)  # Z[i, :, :, c], from the very steps animated

    cv = _Canvas(
        f"conv_forward  ·  sample i={i}, filter c={c}  ·  f={f}, stride={stride}, pad={pad}",
        f"A_prev_pad[i] {n_Hp}×{n_Wp}×{n_C_prev} → Z[i,:,:,c] {n_H}×{n_W}",
    )
    zmax_in, zmax_W = _sym(a_prev_pad), _sym(W[:, :, :, c])
    skip_rows = windows.uncovered(n_H_prev, f, stride, pad)
    skip_cols = windows.uncovered(n_W_prev, f, stride, pad)
    # Top: every input channel, then Z as tall as they are (bigger cells: it is the result).
    zoom = max(1.0, n_Hp / n_H)
    cell = _fit_cell(PLOT_W - n_C_prev * GAP, n_C_prev * n_Wp + n_W * zoom)
    p_in = []
    for k in range(n_C_prev):
        p = cv.panel(k * (n_Wp * cell + GAP), HEAD, n_Hp, n_Wp, cell, f"A_prev_pad[{i},:,:,{k}] (channel {k})")
        cv.heatmap(p, a_prev_pad[:, :, k], f"A_prev_pad[{i}, %{{y}}, %{{x}}, {k}] = %{{z:.4f}}", zmax_in, ring=pad)
        cv.pad_ring(p, pad, "A_prev: inside the dashes")
        cv.skipped(p, skip_rows, skip_cols, stride)
        p_in.append(p)
    p_out = cv.panel(n_C_prev * (n_Wp * cell + GAP), HEAD, n_H, n_W, min(MAX_CELL, cell * zoom), f"Z[{i},:,:,{c}]")
    cv.heatmap(p_out, Z_c, f"Z[{i}, %{{y}}, %{{x}}, {c}] = %{{z:.4f}}", _sym(Z_c))
    # Bottom: per channel the filter and window x filter; the box on the right.
    y1 = HEAD + max(n_Hp * cell, n_H * min(MAX_CELL, cell * zoom)) + 24
    cs, spots = _pairs(0, y1, PLOT_W - BOX_W - GAP, n_C_prev, f)
    p_prod = []
    for k in range(n_C_prev):
        pw = cv.panel(*spots[2 * k], f, f, cs, f"filter<br>W[:,:,{k},{c}]", 13)
        cv.heatmap(pw, W[:, :, k, c], f"W[%{{y}}, %{{x}}, {k}, {c}] = %{{z:.4f}}", zmax_W, text=True)
        pp = cv.panel(*spots[2 * k + 1], f, f, cs, f"window × filter<br>(channel {k})", 13)
        cv.blank(pp)
        p_prod.append(pp)

    for p in p_in:
        cv.add_moving(cv.outline(p, "window"))
    cv.add_moving(cv.fill(p_out, "not computed yet", NOT_YET))
    cv.grid(p_out)
    cv.add_moving(cv.outline(p_out, "cell being written"))
    for k, p in enumerate(p_prod):
        cv.add_moving(cv.cell_text(p, f"product[:,:,{k}]"))
    box = cv.box(PLOT_W - BOX_W, y1)
    cv.reserve(y1 + _box_height(9 + (n_C_prev > 1)))

    def state(s: trace.ConvStep) -> list[dict]:
        wx, wy = _rect_xy(s.vert_start, s.vert_end, s.horiz_start, s.horiz_end)
        nx, ny = _rects_xy(_after_rects(s.h, s.w, n_H, n_W))
        cx, cy = _rect_xy(s.h, s.h + 1, s.w, s.w + 1)
        ups = [dict(x=wx, y=wy) for _ in p_in]
        ups += [dict(x=nx, y=ny), dict(x=cx, y=cy)]
        ups += [
            dict(text=_texts(s.product[:, :, k]), textfont=dict(color=_sign_colors(s.product[:, :, k])))
            for k in range(n_C_prev)
        ]
        return ups

    def lines(s: trace.ConvStep) -> dict:
        sums = [float(np.sum(s.product[:, :, k])) for k in range(n_C_prev)]
        per_channel = " + ".join(f"({_fmt(v, 3)})" if v < 0 else _fmt(v, 3) for v in sums)
        body = _loop_lines(s, len(steps)) + [
            f"a_slice_prev = A_prev_pad[{i}, {_window_str(s)}, :]",
            f"s = sum(a_slice_prev × W[:,:,:,{c}])",
        ]
        if n_C_prev > 1:
            body.append(f"  = {per_channel}")
        b_str = f"({_fmt(s.b, 3)})" if s.b < 0 else _fmt(s.b, 3)
        body += [
            f"  = <b>{_fmt(s.s, 3)}</b>",
            f"<b>Z[{i},{s.h},{s.w},{c}]</b> = s + b",
            f"  = {_fmt(s.s, 3)} + {b_str} = <b>{_fmt(s.z, 3)}</b>",
        ]
        return box(body)

    return cv.finish(steps, state, lines, frame_ms, max_frames, step, height)


# --------------------------------------------------------------------------------------------------
# 3. pooling forward


def _max_marks(cv: _Canvas, p: _Panel) -> tuple[dict, dict]:
    """Moving outlines inside the cells: the maximum (solid gold) and the other tied maxima (dashed)."""
    chosen = cv.outline(p, "the max (first in row-major order)", color=MAX_MARK, width=4)
    tied = cv.outline(p, "tied max, not chosen", color=MAX_MARK, width=3, dash="dot")
    return chosen, tied


def _inset_xy(cells: Sequence[tuple[int, int]], inset: float = 0.12) -> tuple[list, list]:
    """Outlines drawn just inside cells (r, c), so they sit within the window's outline."""
    xs: list = []
    ys: list = []
    for r, q in cells:
        x0, x1, y0, y1 = q - 0.5 + inset, q + 0.5 - inset, r - 0.5 + inset, r + 0.5 - inset
        xs += [x0, x1, x1, x0, x0, None]
        ys += [y0, y0, y1, y1, y0, None]
    return xs, ys


def _marks_xy(s: trace.PoolStep | trace.PoolBackStep, r0: int, c0: int) -> list[dict]:
    """The chosen maximum and the other tied maxima, shifted by (r0, c0)."""
    if s.argmax is None:
        return [dict(x=[], y=[]), dict(x=[], y=[])]
    others = [(r0 + r, c0 + q) for r, q in s.ties if (r, q) != s.argmax]
    cx, cy = _inset_xy([(r0 + s.argmax[0], c0 + s.argmax[1])])
    tx, ty = _inset_xy(others)
    return [dict(x=cx, y=cy), dict(x=tx, y=ty)]


def pool_forward_figure(
    A_prev: np.ndarray,
    hparameters: Mapping,
    mode: str = "max",
    i: int = 0,
    c: int = 0,
    frame_ms: int = FRAME_MS,
    max_frames: int = MAX_FRAMES,
    step: int = 0,
    height: int | None = None,
) -> go.Figure:
    """pool_forward for sample i and channel c, one frame per output cell A[i,h,w,c].

    Panels: A_prev[i,:,:,c] with the window (max: the maximum starred, other tied maxima circled);
    the window's numbers; A[i,:,:,c] filling in; the loop variables and max/mean in a box.

    Arguments:
    A_prev -- shape (m, n_H_prev, n_W_prev, n_C_prev)
    hparameters -- dict with "f" and "stride"; mode -- "max" or "average"
    i, c -- the sample and channel shown
    frame_ms -- milliseconds per frame at 1x; max_frames -- frame cap; step -- trace step shown first

    Returns:
    fig -- go.Figure with frames named by step label ("h=1,w=2")
    """
    steps = trace.trace_pool_forward(A_prev, hparameters, mode=mode, i=i, c=c)
    i, c = steps[0].i, steps[0].c
    f, stride = int(hparameters["f"]), int(hparameters["stride"])
    (m, n_H_prev, n_W_prev, n_C_prev) = A_prev.shape
    (m, n_H, n_W, n_C) = windows.pool_out_shape(A_prev.shape, f, stride)
    a_prev = np.asarray(A_prev[i, :, :, c], dtype=np.float64)  # (n_H_prev, n_W_prev)
    A_c = np.array([s.value for s in steps]).reshape(n_H, n_W)  # A[i, :, :, c]
    op = "max" if mode == "max" else "mean"

    cv = _Canvas(
        f"pool_forward ({mode})  ·  sample i={i}, channel c={c}  ·  f={f}, stride={stride}",
        f"A_prev[i,:,:,c] {n_H_prev}×{n_W_prev} → A[i,:,:,c] {n_H}×{n_W}",
    )
    zmax = _sym(a_prev)
    # A_prev | the window's numbers with the box below | A
    cell = _fit_cell(PLOT_W - BOX_W - 2 * GAP, n_W_prev + n_W)
    p_in = cv.panel(0, HEAD, n_H_prev, n_W_prev, cell, f"A_prev[{i},:,:,{c}]")
    cv.heatmap(p_in, a_prev, f"A_prev[{i}, %{{y}}, %{{x}}, {c}] = %{{z:.4f}}", zmax)
    cv.skipped(p_in, windows.uncovered(n_H_prev, f, stride), windows.uncovered(n_W_prev, f, stride), stride)
    x_mid = n_W_prev * cell + GAP
    cw = min(48.0, 200 / f)
    p_win = cv.panel(x_mid, HEAD, f, f, cw, "a_prev_slice")
    cv.blank(p_win)
    p_out = cv.panel(x_mid + BOX_W + GAP, HEAD, n_H, n_W, cell, f"A[{i},:,:,{c}]  ({op} of each window)")
    cv.heatmap(p_out, A_c, f"A[{i}, %{{y}}, %{{x}}, {c}] = %{{z:.4f}}", zmax)

    cv.add_moving(cv.outline(p_in, "window"))
    if mode == "max":
        for tr in _max_marks(cv, p_in):
            cv.add_moving(tr)
    cv.add_moving(cv.cell_text(p_win, "a_prev_slice"))
    if mode == "max":
        for tr in _max_marks(cv, p_win):
            cv.add_moving(tr)
    cv.add_moving(cv.fill(p_out, "not computed yet", NOT_YET))
    cv.grid(p_out)
    cv.add_moving(cv.outline(p_out, "cell being written"))
    y_box = HEAD + f * cw + 20
    box = cv.box(x_mid, y_box)
    cv.reserve(y_box + _box_height(8))

    def state(s: trace.PoolStep) -> list[dict]:
        wx, wy = _rect_xy(s.vert_start, s.vert_end, s.horiz_start, s.horiz_end)
        ups = [dict(x=wx, y=wy)]
        if mode == "max":
            ups += _marks_xy(s, s.vert_start, s.horiz_start)
        ups.append(dict(text=_texts(s.a_slice), textfont=dict(color=_sign_colors(s.a_slice))))
        if mode == "max":
            ups += _marks_xy(s, 0, 0)
        nx, ny = _rects_xy(_after_rects(s.h, s.w, n_H, n_W))
        cx, cy = _rect_xy(s.h, s.h + 1, s.w, s.w + 1)
        return ups + [dict(x=nx, y=ny), dict(x=cx, y=cy)]

    def lines(s: trace.PoolStep) -> dict:
        body = _loop_lines(s, len(steps)) + [f"a_prev_slice = A_prev[{i}, {_window_str(s)}, {c}]"]
        if mode == "max":
            r, q = s.argmax
            body.append(f"<b>A[{i},{s.h},{s.w},{c}]</b> = np.max(a_prev_slice) = <b>{_fmt(s.value, 3)}</b>")
            body.append(f"  at window ({r},{q}) = A_prev[{i},{s.vert_start + r},{s.horiz_start + q},{c}]")
            if len(s.ties) > 1:
                body.append(
                    f"  <span style='color:#b35900'>tie: {len(s.ties)} equal maxima; backward picks the first</span>"
                )
        else:
            total = float(np.sum(s.a_slice))
            body.append(f"<b>A[{i},{s.h},{s.w},{c}]</b> = np.mean(a_prev_slice)")
            body.append(f"  = {_fmt(total, 3)} / {f * f} = <b>{_fmt(s.value, 3)}</b>")
        return box(body)

    return cv.finish(steps, state, lines, frame_ms, max_frames, step, height)


# --------------------------------------------------------------------------------------------------
# 4. convolution backward


def conv_backward_figure(
    dZ: np.ndarray,
    cache: tuple,
    i: int = 0,
    c: int = 0,
    frame_ms: int = FRAME_MS,
    max_frames: int = MAX_FRAMES,
    step: int = 0,
    height: int | None = None,
) -> go.Figure:
    """conv_backward for sample i, output channel c: each dZ[i,h,w,c] scattered back, one frame per cell.

    Panels: dZ[i,:,:,c] with the current cell; every channel of dA_prev_pad[i] with the window
    receiving W[:,:,k,c] * dZ (running totals printed, cells still to receive more faded, cells not
    reached yet greyed); under each, W[:,:,k,c] * dZ and dW[:,:,k,c] so far; db in the box.

    Arguments:
    dZ -- shape (m, n_H, n_W, n_C)
    cache -- (A_prev, W, b, hparameters) from conv_forward
    i, c -- the sample and output channel shown
    frame_ms -- milliseconds per frame at 1x; max_frames -- frame cap; step -- trace step shown first

    Returns:
    fig -- go.Figure with frames named by step label ("h=1,w=2")
    """
    steps = trace.trace_conv_backward(dZ, cache, i=i, c=c)
    i, c = steps[0].i, steps[0].c
    (A_prev, W, b, hparameters) = cache
    stride, pad = int(hparameters["stride"]), int(hparameters["pad"])
    (m, n_H_prev, n_W_prev, n_C_prev) = A_prev.shape
    (f, f, n_C_prev, n_C) = W.shape
    (m, n_H, n_W, n_C) = dZ.shape
    n_Hp, n_Wp = n_H_prev + 2 * pad, n_W_prev + 2 * pad
    final = steps[-1].dA_prev_pad  # (n_Hp, n_Wp, n_C_prev)
    first, last = _coverage(steps, (n_Hp, n_Wp))
    dZ_c = np.asarray(dZ[i, :, :, c], dtype=np.float64)
    show_text = max(n_Hp, n_Wp) <= TEXT_MAX

    cv = _Canvas(
        f"conv_backward  ·  sample i={i}, filter c={c}  ·  f={f}, stride={stride}, pad={pad}",
        f"dZ[i,:,:,c] {n_H}×{n_W} → dA_prev_pad[i] {n_Hp}×{n_Wp}×{n_C_prev}, dW[:,:,:,c], db[c]",
    )
    if not show_text:
        cv.notes.append("dA_prev_pad is larger than 12×12: no numbers printed; hover a cell for its final value.")
    # Top: dZ, then every channel of dA_prev_pad, all with the same cell size.
    cell = _fit_cell(PLOT_W - n_C_prev * GAP, n_W + n_C_prev * n_Wp)
    p_dz = cv.panel(0, HEAD, n_H, n_W, cell, f"dZ[{i},:,:,{c}]")
    cv.heatmap(p_dz, dZ_c, f"dZ[{i}, %{{y}}, %{{x}}, {c}] = %{{z:.4f}}")
    zmax_da = _sym(final)
    p_da = []
    for k in range(n_C_prev):
        p = cv.panel(n_W * cell + GAP + k * (n_Wp * cell + GAP), HEAD, n_Hp, n_Wp, cell, f"dA_prev_pad[{i},:,:,{k}]")
        cv.heatmap(p, final[:, :, k], f"final dA_prev_pad[{i}, %{{y}}, %{{x}}, {k}] = %{{z:.4f}}", zmax_da, text=False)
        cv.pad_ring(p, pad, "dA_prev: inside the dashes")
        cv.skipped(p, windows.uncovered(n_H_prev, f, stride, pad), windows.uncovered(n_W_prev, f, stride, pad), stride)
        p_da.append(p)
    # Bottom: per channel what this step adds to dA_prev_pad and dW so far; the box on the right.
    y1 = HEAD + max(n_H, n_Hp) * cell + 24
    cs, spots = _pairs(0, y1, PLOT_W - BOX_W - GAP, n_C_prev, f)
    p_contrib, p_dw = [], []
    for k in range(n_C_prev):
        pc = cv.panel(*spots[2 * k], f, f, cs, f"W[:,:,{k},{c}]<br>× dZ", 13)
        cv.blank(pc)
        p_contrib.append(pc)
        pw = cv.panel(*spots[2 * k + 1], f, f, cs, f"dW[:,:,{k},{c}]<br>so far", 13)
        cv.blank(pw)
        p_dw.append(pw)

    cv.add_moving(cv.outline(p_dz, "cell sent back"))
    for p in p_da:
        cv.add_moving(cv.fill(p, "no gradient yet", NOT_YET))
        cv.grid(p)
        cv.add_moving(cv.fill(p, "still adding up (faded)", PENDING, PENDING_DOTS))
        if show_text:
            cv.add_moving(cv.cell_text(p, "dA_prev_pad so far"))
        cv.add_moving(cv.outline(p, "window"))
    for pc, pw in zip(p_contrib, p_dw, strict=True):
        cv.add_moving(cv.cell_text(pc, "W × dZ"))
        cv.add_moving(cv.cell_text(pw, "dW so far"))
    box = cv.box(PLOT_W - BOX_W, y1)
    cv.reserve(y1 + _box_height(10))

    def state(s: trace.ConvBackStep) -> list[dict]:
        cx, cy = _rect_xy(s.h, s.h + 1, s.w, s.w + 1)
        ups = [dict(x=cx, y=cy)]
        untouched = (first > s.index) & (last >= 0)
        pending = (first <= s.index) & (last > s.index)
        ux, uy = _rects_xy(_mask_rects(untouched))
        px_, py_ = _rects_xy(_mask_rects(pending))
        wx, wy = _rect_xy(s.vert_start, s.vert_end, s.horiz_start, s.horiz_end)
        running = s.dA_prev_pad if show_text else None
        reached = (first <= s.index) & (first >= 0)
        done = reached & (last <= s.index)
        for k in range(n_C_prev):
            ups += [dict(x=ux, y=uy), dict(x=px_, y=py_)]
            if show_text:
                ups.append(_running_text(running[:, :, k], final[:, :, k], zmax_da, reached, done))
            ups.append(dict(x=wx, y=wy))
        for k in range(n_C_prev):
            ups.append(dict(text=_texts(s.da_window[:, :, k]), textfont=dict(color=_sign_colors(s.da_window[:, :, k]))))
            ups.append(dict(text=_texts(s.dW_c[:, :, k]), textfont=dict(color=_sign_colors(s.dW_c[:, :, k]))))
        return ups

    def lines(s: trace.ConvBackStep) -> dict:
        win = _window_str(s)
        body = _loop_lines(s, len(steps)) + [
            f"dZ[{i},{s.h},{s.w},{c}] = <b>{_fmt(s.dz, 3)}</b>",
            f"da_prev_pad[{win}, :]",
            f"   += W[:,:,:,{c}] × {_fmt(s.dz, 3)}",
            f"dW[:,:,:,{c}] += a_slice × {_fmt(s.dz, 3)}",
            f"   a_slice = A_prev_pad[{i}, {win}, :]",
            f"db[{c}] += {_fmt(s.dz, 3)}  →  <b>{_fmt(s.db_c, 3)}</b>",
        ]
        return box(body)

    return cv.finish(steps, state, lines, frame_ms, max_frames, step, height)


# --------------------------------------------------------------------------------------------------
# 5. pooling backward


def pool_backward_figure(
    dA: np.ndarray,
    cache: tuple,
    mode: str = "max",
    i: int = 0,
    c: int = 0,
    frame_ms: int = FRAME_MS,
    max_frames: int = MAX_FRAMES,
    step: int = 0,
    height: int | None = None,
) -> go.Figure:
    """pool_backward for sample i and channel c: each dA[i,h,w,c] sent back, one frame per cell.

    Panels: dA[i,:,:,c] with the current cell; A_prev[i,:,:,c] with the window (max: the maximum
    that receives the gradient starred, other tied maxima circled); what is added (mask x dA or
    distribute_value); dA_prev[i,:,:,c] accumulating.

    Arguments:
    dA -- shape (m, n_H, n_W, n_C)
    cache -- (A_prev, hparameters) from pool_forward; mode -- "max" or "average"
    i, c -- the sample and channel shown
    frame_ms -- milliseconds per frame at 1x; max_frames -- frame cap; step -- trace step shown first

    Returns:
    fig -- go.Figure with frames named by step label ("h=1,w=2")
    """
    steps = trace.trace_pool_backward(dA, cache, mode=mode, i=i, c=c)
    i, c = steps[0].i, steps[0].c
    (A_prev, hparameters) = cache
    f, stride = int(hparameters["f"]), int(hparameters["stride"])
    (m, n_H_prev, n_W_prev, n_C_prev) = A_prev.shape
    (m, n_H, n_W, n_C) = dA.shape
    final = steps[-1].dA_prev  # (n_H_prev, n_W_prev)
    first, last = _coverage(steps, (n_H_prev, n_W_prev))
    show_text = max(n_H_prev, n_W_prev) <= TEXT_MAX
    zmax_da = _sym(final)

    cv = _Canvas(
        f"pool_backward ({mode})  ·  sample i={i}, channel c={c}  ·  f={f}, stride={stride}",
        f"dA[i,:,:,c] {n_H}×{n_W} → dA_prev[i,:,:,c] {n_H_prev}×{n_W_prev}",
    )
    if not show_text:
        cv.notes.append("dA_prev is larger than 12×12: no numbers printed; hover a cell for its final value.")
    # Top: dA | A_prev (where the window reads the maximum) | dA_prev. Bottom: what is added, the box.
    cell = min(44.0, _fit_cell(PLOT_W - 2 * GAP, n_W + 2 * n_W_prev))
    skipped = (windows.uncovered(n_H_prev, f, stride), windows.uncovered(n_W_prev, f, stride))
    p_dA = cv.panel(0, HEAD, n_H, n_W, cell, f"dA[{i},:,:,{c}]")
    cv.heatmap(p_dA, dA[i, :, :, c], f"dA[{i}, %{{y}}, %{{x}}, {c}] = %{{z:.4f}}")
    x_A = n_W * cell + GAP
    p_A = cv.panel(x_A, HEAD, n_H_prev, n_W_prev, cell, f"A_prev[{i},:,:,{c}] (forward input)")
    cv.heatmap(p_A, A_prev[i, :, :, c], f"A_prev[{i}, %{{y}}, %{{x}}, {c}] = %{{z:.4f}}")
    p_da = cv.panel(x_A + n_W_prev * cell + GAP, HEAD, n_H_prev, n_W_prev, cell, f"dA_prev[{i},:,:,{c}]")
    cv.heatmap(p_da, final, f"final dA_prev[{i}, %{{y}}, %{{x}}, {c}] = %{{z:.4f}}", zmax_da, text=False)
    for p in (p_A, p_da):
        cv.skipped(p, *skipped, stride)
    y1 = HEAD + max(n_H, n_H_prev) * cell + 24
    added = f"mask × dA[{i},h,w,{c}]" if mode == "max" else f"distribute_value(dA[{i},h,w,{c}])"
    cs = min(48.0, 200 / f)
    p_add = cv.panel(x_A, y1 + HEAD, f, f, cs, added)
    cv.blank(p_add)

    cv.add_moving(cv.outline(p_dA, "cell sent back"))
    cv.add_moving(cv.outline(p_A, "window"))
    if mode == "max":
        for tr in _max_marks(cv, p_A):
            cv.add_moving(tr)
    cv.add_moving(cv.fill(p_da, "no gradient yet", NOT_YET))
    cv.grid(p_da)
    cv.add_moving(cv.fill(p_da, "still adding up (faded)", PENDING, PENDING_DOTS))
    if show_text:
        cv.add_moving(cv.cell_text(p_da, "dA_prev so far"))
    cv.add_moving(cv.outline(p_da, "window"))
    cv.add_moving(cv.cell_text(p_add, "added"))
    x_box = x_A + max(f * cs, 180) + GAP
    box = cv.box(x_box, y1)
    cv.reserve(max(y1 + HEAD + f * cs, y1 + _box_height(9)))

    def state(s: trace.PoolBackStep) -> list[dict]:
        cx, cy = _rect_xy(s.h, s.h + 1, s.w, s.w + 1)
        wx, wy = _rect_xy(s.vert_start, s.vert_end, s.horiz_start, s.horiz_end)
        ups = [dict(x=cx, y=cy), dict(x=wx, y=wy)]
        if mode == "max":
            ups += _marks_xy(s, s.vert_start, s.horiz_start)
        untouched = (first > s.index) & (last >= 0)
        pending = (first <= s.index) & (last > s.index)
        ux, uy = _rects_xy(_mask_rects(untouched))
        px_, py_ = _rects_xy(_mask_rects(pending))
        ups += [dict(x=ux, y=uy), dict(x=px_, y=py_)]
        if show_text:
            reached = (first <= s.index) & (first >= 0)
            done = reached & (last <= s.index)
            ups.append(_running_text(s.dA_prev, final, zmax_da, reached, done))
        ups.append(dict(x=wx, y=wy))
        ups.append(dict(text=_texts(s.mask_or_value), textfont=dict(color=_sign_colors(s.mask_or_value))))
        return ups

    def lines(s: trace.PoolBackStep) -> dict:
        win = f"{i}, {_window_str(s)}, {c}"
        body = _loop_lines(s, len(steps)) + [f"dA[{i},{s.h},{s.w},{c}] = <b>{_fmt(s.da, 3)}</b>"]
        if mode == "max":
            r, q = s.argmax
            body += [
                f"mask = create_mask_from_window(A_prev[{win}])",
                f"  max at window ({r},{q}) = A_prev[{i},{s.vert_start + r},{s.horiz_start + q},{c}]",
            ]
            if len(s.ties) > 1:
                body.append(
                    f"  <span style='color:#b35900'>tie: {len(s.ties)} equal maxima, only the first gets dA</span>"
                )
            body.append(f"dA_prev[{win}] += mask × {_fmt(s.da, 3)}")
        else:
            body += [
                f"dA_prev[{win}] += distribute_value({_fmt(s.da, 3)}, ({f},{f}))",
                f"  = {_fmt(s.da, 3)} / {f * f} = <b>{_fmt(s.da / (f * f), 3)}</b> in each cell",
            ]
        return box(body)

    return cv.finish(steps, state, lines, frame_ms, max_frames, step, height)
