"""An animation's steps as an animated GIF, drawn with Pillow (no browser, no kaleido).

The frames come from the same traces as the Plotly figures (cnnviz.steps.trace), sampled the same way
(every k-th step past `max_frames`, the last one always included). Each frame shows the grids,
the window, the output (or dA_prev) building up, and a caption with the step's numbers. Images
are quantized to one fixed palette of at most 64 colours without dithering, so flat cells stay
flat and Pillow only stores the region that changed from one frame to the next.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from cnnviz.core import layers, windows
from cnnviz.steps import trace

WIDTH = 1000  # target image width in pixels
MAX_CELL = 46
MIN_NUMBER_CELL = 30  # print numbers in cells at least this wide

# ColorBrewer RdBu, reversed (negative blue, zero near-white, positive red), as in cnnviz.draw.figures.
_STOPS = np.array(
    [
        (0x05, 0x30, 0x61),
        (0x21, 0x66, 0xAC),
        (0x43, 0x93, 0xC3),
        (0x92, 0xC5, 0xDE),
        (0xD1, 0xE5, 0xF0),
        (0xF7, 0xF7, 0xF7),
        (0xFD, 0xDB, 0xC7),
        (0xF4, 0xA5, 0x82),
        (0xD6, 0x60, 0x4D),
        (0xB2, 0x18, 0x2B),
        (0x67, 0x00, 0x1F),
    ],
    dtype=float,
)
N_LEVELS = 21
LEVELS = [
    tuple(int(round(v)) for v in np.array([np.interp(t, np.linspace(0, 1, 11), _STOPS[:, k]) for k in range(3)]))
    for t in np.linspace(0, 1, N_LEVELS)
]
WHITE, BLACK = (255, 255, 255), (17, 17, 17)
GREEN, GOLD, DARK_GOLD = (0, 200, 83), (255, 200, 0), (122, 92, 0)
NOT_YET = (226, 226, 226)
ORANGE, RED_TEXT, BLUE_TEXT = (179, 89, 0), (178, 24, 43), (33, 102, 172)
GREYS = [(g, g, g) for g in range(0, 256, 17)]
PALETTE = LEVELS + [WHITE, BLACK, GREEN, GOLD, DARK_GOLD, NOT_YET, ORANGE, RED_TEXT, BLUE_TEXT] + GREYS


@lru_cache(maxsize=1)
def _palette_image() -> Image.Image:
    pal = Image.new("P", (1, 1))
    flat = [v for rgb in PALETTE for v in rgb]
    pal.putpalette(flat + flat[:3] * (256 - len(PALETTE)))
    return pal


@lru_cache(maxsize=16)
def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return ImageFont.load_default(size=size)


def _color(v: float, vmax: float) -> tuple[int, int, int]:
    t = 0.5 + 0.5 * float(np.clip(v / vmax, -1.0, 1.0)) if vmax > 0 else 0.5
    return LEVELS[int(round(t * (N_LEVELS - 1)))]


def _fmt(v: float, digits: int = 2) -> str:
    s = f"{v:.{digits}f}"
    return s[1:] if s.startswith("-") and float(s) == 0 else s


@dataclass
class _Grid:
    """One panel of one frame: a 2-D array and what is drawn over it."""

    title: str
    values: np.ndarray  # (n_rows, n_cols)
    vmax: float
    hidden: np.ndarray | None = None  # True where the cell is not computed / not reached yet
    outlines: list[tuple[int, int, int, int, tuple]] = field(default_factory=list)  # r0, r1, c0, c1, colour
    insets: list[tuple[int, int, tuple]] = field(default_factory=list)  # r, c, colour: a mark inside one cell
    ring: int = 0  # pad ring width, hatched grey
    skipped: tuple[Sequence[int], Sequence[int]] = ((), ())  # rows, cols no window reads


def _sym(*arrays: np.ndarray) -> float:
    m = max(float(np.max(np.abs(a))) if np.size(a) else 0.0 for a in arrays)
    return m if m > 0 and np.isfinite(m) else 1.0


class _Layout:
    """Pixel positions of the panels in one row, shared by every frame of a GIF."""

    def __init__(self, shapes: Sequence[tuple[int, int]], n_caption: int):
        self.gap, self.margin = 28, 16
        total_cols = sum(c for _, c in shapes)
        avail = WIDTH - 2 * self.margin - self.gap * (len(shapes) - 1)
        self.cell = int(max(4, min(MAX_CELL, avail // max(total_cols, 1))))
        self.header_h, self.title_h, self.line_h = 34, 24, 24
        grid_h = max(r for r, _ in shapes) * self.cell
        self.top = self.header_h + self.title_h
        self.width = 2 * self.margin + self.gap * (len(shapes) - 1) + total_cols * self.cell
        self.width = max(self.width, 640)
        self.height = self.top + grid_h + 14 + n_caption * self.line_h + 10
        self.x0 = []
        x = self.margin
        for _, c in shapes:
            self.x0.append(x)
            x += c * self.cell + self.gap


def _hatch(draw: ImageDraw.ImageDraw, box: tuple[int, int, int, int], color: tuple, spacing: int = 7) -> None:
    """45-degree lines inside box (x0, y0, x1, y1)."""
    x0, y0, x1, y1 = box
    for d in range(-(y1 - y0), x1 - x0, spacing):
        # the line x - x0 - d = y - y0, clipped to the box
        ys, ye = max(y0, y0 - d), min(y1, y0 + (x1 - x0) - d)
        if ys < ye:
            draw.line([(x0 + d + (ys - y0), ys), (x0 + d + (ye - y0), ye)], fill=color, width=1)


def _dashed_rect(draw: ImageDraw.ImageDraw, box: tuple[int, int, int, int], color: tuple, dash: int = 6) -> None:
    x0, y0, x1, y1 = box
    for x in range(x0, x1, 2 * dash):
        draw.line([(x, y0), (min(x + dash, x1), y0)], fill=color, width=2)
        draw.line([(x, y1), (min(x + dash, x1), y1)], fill=color, width=2)
    for y in range(y0, y1, 2 * dash):
        draw.line([(x0, y), (x0, min(y + dash, y1))], fill=color, width=2)
        draw.line([(x1, y), (x1, min(y + dash, y1))], fill=color, width=2)


def _grid_image(g: _Grid, cell: int) -> Image.Image:
    """The cells of one grid: colours, numbers, hatching; everything but the moving outlines."""
    n_rows, n_cols = g.values.shape
    img = Image.new("RGB", (n_cols * cell, n_rows * cell), WHITE)
    draw = ImageDraw.Draw(img)
    numbers = cell >= MIN_NUMBER_CELL
    num_font = _font(max(9, int(cell * 0.3)))
    p = g.ring
    for r in range(n_rows):
        for q in range(n_cols):
            box = (q * cell, r * cell, (q + 1) * cell - 2, (r + 1) * cell - 2)  # 1 px white between cells
            hidden = g.hidden is not None and g.hidden[r, q]
            v = float(g.values[r, q])
            draw.rectangle(box, fill=NOT_YET if hidden else _color(v, g.vmax))
            in_ring = p and not (p <= r < n_rows - p and p <= q < n_cols - p)
            if numbers and not hidden and not in_ring:
                dark = abs(v) > 0.6 * g.vmax
                center = ((box[0] + box[2]) / 2, (box[1] + box[3]) / 2)
                draw.text(center, _fmt(v), fill=WHITE if dark else BLACK, font=num_font, anchor="mm")
    if p:
        W_, H_ = n_cols * cell - 1, n_rows * cell - 1
        strips = [(0, 0, W_, p * cell - 1), (0, H_ - p * cell + 1, W_, H_)]
        strips += [(0, p * cell, p * cell - 1, H_ - p * cell), (W_ - p * cell + 1, p * cell, W_, H_ - p * cell)]
        for box in strips:
            _hatch(draw, box, (150, 150, 150))
        _dashed_rect(draw, (p * cell, p * cell, (n_cols - p) * cell - 1, (n_rows - p) * cell - 1), BLACK)
    rows, cols = g.skipped
    if rows:
        _hatch(draw, (0, rows[0] * cell, n_cols * cell - 1, n_rows * cell - 1), ORANGE, 5)
    if cols:
        _hatch(draw, (cols[0] * cell, 0, n_cols * cell - 1, n_rows * cell - 1), ORANGE, 5)
    return img


def _frame(lay: _Layout, header: str, grids: Sequence[_Grid], caption: Sequence[str], cache: dict) -> Image.Image:
    img = Image.new("RGB", (lay.width, lay.height), WHITE)
    draw = ImageDraw.Draw(img)
    draw.text((lay.margin, 8), header, fill=BLACK, font=_font(18))
    cell, y0 = lay.cell, lay.top
    for x0, g in zip(lay.x0, grids, strict=True):
        hidden = None if g.hidden is None else g.hidden.tobytes()
        key = (g.title, g.values.tobytes(), hidden, g.vmax)
        if key not in cache:  # static grids (inputs) are drawn once per GIF
            cache[key] = _grid_image(g, cell)
        img.paste(cache[key], (x0, y0))
        draw.text((x0, lay.header_h + 2), g.title, fill=BLACK, font=_font(15))
        for r, q, color in g.insets:
            inset = max(2, cell // 8)
            box = (
                x0 + q * cell + inset,
                y0 + r * cell + inset,
                x0 + (q + 1) * cell - 1 - inset,
                y0 + (r + 1) * cell - 1 - inset,
            )
            draw.rectangle(box, outline=color, width=max(2, cell // 12))
        for r0, r1, c0, c1, color in g.outlines:
            box = (x0 + c0 * cell - 1, y0 + r0 * cell - 1, x0 + c1 * cell, y0 + r1 * cell)
            draw.rectangle(box, outline=color, width=max(2, min(5, cell // 6)))
    y = lay.height - 10 - len(caption) * lay.line_h
    for line in caption:
        draw.text((lay.margin, y), line, fill=BLACK, font=_font(17))
        y += lay.line_h
    return img.quantize(palette=_palette_image(), dither=Image.Dither.NONE)


def _save(frames: Sequence[Image.Image], frame_ms: int) -> bytes:
    buf = io.BytesIO()
    durations = [int(frame_ms)] * len(frames)
    durations[-1] = int(frame_ms) * 4  # hold the finished picture before looping
    frames[0].save(buf, format="GIF", save_all=True, append_images=list(frames[1:]), duration=durations, loop=0)
    return buf.getvalue()


def _header(what: str, n: int, idx: Sequence[int]) -> str:
    if len(idx) < n:
        k = idx[1] - idx[0] if len(idx) > 1 else n
        suffix = "th" if 10 <= k % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(k % 10, "th")
        return f"{what}  (every {k}{suffix} of {n} steps, and the last)"
    return f"{what}  ({n} step{'s' if n != 1 else ''})"


def _render(steps: Sequence, what: str, grids_for, caption_for, max_frames: int, frame_ms: int) -> bytes:
    idx = trace.frame_indices(len(steps), max_frames)
    first = grids_for(steps[idx[0]])
    lay = _Layout([g.values.shape for g in first], len(caption_for(steps[idx[0]])))
    header = _header(what, len(steps), idx)
    cache: dict = {}
    frames = [_frame(lay, header, grids_for(steps[k]), caption_for(steps[k]), cache) for k in idx]
    return _save(frames, frame_ms)


def _window(s: trace.Step) -> tuple[int, int, int, int, tuple]:
    return (s.vert_start, s.vert_end, s.horiz_start, s.horiz_end, GREEN)


def _after(s: trace.Step, n_H: int, n_W: int) -> np.ndarray:
    """True for output cells the loops have not reached yet after step s (row-major)."""
    return np.arange(n_H * n_W).reshape(n_H, n_W) > s.index


def _reached(steps: Sequence[trace.Step], shape: tuple[int, int]) -> np.ndarray:
    """first[r, c]: index of the first step whose window covers input cell (r, c); len(steps) if none."""
    first = np.full(shape, len(steps), dtype=int)
    for s in reversed(steps):
        first[s.vert_start : s.vert_end, s.horiz_start : s.horiz_end] = s.index
    return first


def conv_forward_gif(
    A_prev: np.ndarray,
    W: np.ndarray,
    b: np.ndarray,
    hparameters: Mapping,
    i: int = 0,
    c: int = 0,
    max_frames: int = 60,
    frame_ms: int = 500,
) -> bytes:
    """conv_forward for sample i and filter c as an animated GIF: the window on every channel, Z filling in.

    Arguments: as cnnviz.draw.figures.conv_forward_figure (A_prev (m, n_H_prev, n_W_prev, n_C_prev),
    W (f, f, n_C_prev, n_C), b (1, 1, 1, n_C), hparameters {"stride", "pad"}); max_frames caps the
    frames, frame_ms is each frame's duration.

    Returns:
    gif -- the GIF file's bytes
    """
    steps = trace.trace_conv_forward(A_prev, W, b, hparameters, i=i, c=c)
    i, c = steps[0].i, steps[0].c
    stride, pad = int(hparameters["stride"]), int(hparameters["pad"])
    (m, n_H_prev, n_W_prev, n_C_prev) = A_prev.shape
    f = W.shape[0]
    (m, n_H, n_W, n_C) = windows.conv_out_shape(A_prev.shape, W.shape, stride, pad)
    a_prev_pad = layers.zero_pad(A_prev[i : i + 1], pad)[0]
    Z_c = np.array([s.z for s in steps]).reshape(n_H, n_W)
    skipped = (windows.uncovered(n_H_prev, f, stride, pad), windows.uncovered(n_W_prev, f, stride, pad))
    vin, vout = _sym(a_prev_pad), _sym(Z_c)

    def grids(s: trace.ConvStep) -> list[_Grid]:
        out = [
            _Grid(
                f"A_prev_pad[{i},:,:,{k}]", a_prev_pad[:, :, k], vin, outlines=[_window(s)], ring=pad, skipped=skipped
            )
            for k in range(n_C_prev)
        ]
        cell = (s.h, s.h + 1, s.w, s.w + 1, GREEN)
        return out + [_Grid(f"Z[{i},:,:,{c}]", Z_c, vout, hidden=_after(s, n_H, n_W), outlines=[cell])]

    def caption(s: trace.ConvStep) -> list[str]:
        b_str = f"({_fmt(s.b, 3)})" if s.b < 0 else _fmt(s.b, 3)
        return [
            f"step {s.index + 1}/{len(steps)}:  h={s.h}  w={s.w}   window rows {s.vert_start}:{s.vert_end}, "
            f"cols {s.horiz_start}:{s.horiz_end}",
            f"sum(window * W[:,:,:,{c}]) = {_fmt(s.s, 3)};   Z[{i},{s.h},{s.w},{c}] = {_fmt(s.s, 3)} + {b_str} = "
            f"{_fmt(s.z, 3)}",
        ]

    what = f"conv_forward  i={i} c={c}  f={f} stride={stride} pad={pad}"
    return _render(steps, what, grids, caption, max_frames, frame_ms)


def pool_forward_gif(
    A_prev: np.ndarray,
    hparameters: Mapping,
    mode: str = "max",
    i: int = 0,
    c: int = 0,
    max_frames: int = 60,
    frame_ms: int = 500,
) -> bytes:
    """pool_forward for sample i and channel c as an animated GIF: the window (maximum marked), A filling in.

    Arguments: as cnnviz.draw.figures.pool_forward_figure (A_prev (m, n_H_prev, n_W_prev, n_C_prev),
    hparameters {"f", "stride"}, mode "max" or "average").

    Returns:
    gif -- the GIF file's bytes
    """
    steps = trace.trace_pool_forward(A_prev, hparameters, mode=mode, i=i, c=c)
    i, c = steps[0].i, steps[0].c
    f, stride = int(hparameters["f"]), int(hparameters["stride"])
    (m, n_H_prev, n_W_prev, n_C_prev) = A_prev.shape
    (m, n_H, n_W, n_C) = windows.pool_out_shape(A_prev.shape, f, stride)
    a_prev = np.asarray(A_prev[i, :, :, c], dtype=np.float64)
    A_c = np.array([s.value for s in steps]).reshape(n_H, n_W)
    skipped = (windows.uncovered(n_H_prev, f, stride), windows.uncovered(n_W_prev, f, stride))
    vmax = _sym(a_prev)

    def grids(s: trace.PoolStep) -> list[_Grid]:
        insets = _max_insets(s)
        cell = (s.h, s.h + 1, s.w, s.w + 1, GREEN)
        return [
            _Grid(f"A_prev[{i},:,:,{c}]", a_prev, vmax, outlines=[_window(s)], insets=insets, skipped=skipped),
            _Grid(f"A[{i},:,:,{c}] ({mode})", A_c, vmax, hidden=_after(s, n_H, n_W), outlines=[cell]),
        ]

    def caption(s: trace.PoolStep) -> list[str]:
        head = (
            f"step {s.index + 1}/{len(steps)}:  h={s.h}  w={s.w}   window rows {s.vert_start}:{s.vert_end}, "
            f"cols {s.horiz_start}:{s.horiz_end}"
        )
        if mode == "max":
            tie = f"   (tie: {len(s.ties)} equal maxima, gold = first)" if len(s.ties) > 1 else ""
            return [head, f"A[{i},{s.h},{s.w},{c}] = max(window) = {_fmt(s.value, 3)}{tie}"]
        return [
            head,
            f"A[{i},{s.h},{s.w},{c}] = mean(window) = {_fmt(float(np.sum(s.a_slice)), 3)} / {f * f} "
            f"= {_fmt(s.value, 3)}",
        ]

    what = f"pool_forward ({mode})  i={i} c={c}  f={f} stride={stride}"
    return _render(steps, what, grids, caption, max_frames, frame_ms)


def _max_insets(s: trace.PoolStep | trace.PoolBackStep) -> list[tuple[int, int, tuple]]:
    """Gold mark on the maximum that is chosen, dark gold on the other tied maxima."""
    if s.argmax is None:
        return []
    marks = [(s.vert_start + r, s.horiz_start + q, DARK_GOLD) for r, q in s.ties if (r, q) != s.argmax]
    return marks + [(s.vert_start + s.argmax[0], s.horiz_start + s.argmax[1], GOLD)]


def conv_backward_gif(
    dZ: np.ndarray, cache: tuple, i: int = 0, c: int = 0, max_frames: int = 60, frame_ms: int = 500
) -> bytes:
    """conv_backward for sample i, filter c as an animated GIF: dZ cells scattered into dA_prev_pad.

    Arguments: as cnnviz.draw.figures.conv_backward_figure (dZ (m, n_H, n_W, n_C), cache
    (A_prev, W, b, hparameters) from conv_forward). The dA_prev_pad panels show the running totals.

    Returns:
    gif -- the GIF file's bytes
    """
    steps = trace.trace_conv_backward(dZ, cache, i=i, c=c)
    i, c = steps[0].i, steps[0].c
    (A_prev, W, b, hparameters) = cache
    stride, pad = int(hparameters["stride"]), int(hparameters["pad"])
    (m, n_H_prev, n_W_prev, n_C_prev) = A_prev.shape
    f = W.shape[0]
    (m, n_H, n_W, n_C) = dZ.shape
    n_Hp, n_Wp = n_H_prev + 2 * pad, n_W_prev + 2 * pad
    dZ_c = np.asarray(dZ[i, :, :, c], dtype=np.float64)
    vda = _sym(steps[-1].dA_prev_pad)
    first = _reached(steps, (n_Hp, n_Wp))
    skipped = (windows.uncovered(n_H_prev, f, stride, pad), windows.uncovered(n_W_prev, f, stride, pad))

    def grids(s: trace.ConvBackStep) -> list[_Grid]:
        running = s.dA_prev_pad
        hidden = first > s.index
        out = [_Grid(f"dZ[{i},:,:,{c}]", dZ_c, _sym(dZ_c), outlines=[(s.h, s.h + 1, s.w, s.w + 1, GREEN)])]
        return out + [
            _Grid(
                f"dA_prev_pad[{i},:,:,{k}]",
                running[:, :, k],
                vda,
                hidden=hidden,
                outlines=[_window(s)],
                ring=pad,
                skipped=skipped,
            )
            for k in range(n_C_prev)
        ]

    def caption(s: trace.ConvBackStep) -> list[str]:
        return [
            f"step {s.index + 1}/{len(steps)}:  h={s.h}  w={s.w}   dZ[{i},{s.h},{s.w},{c}] = {_fmt(s.dz, 3)}",
            f"da_prev_pad[{s.vert_start}:{s.vert_end}, {s.horiz_start}:{s.horiz_end}, :] += W[:,:,:,{c}] * "
            f"{_fmt(s.dz, 3)};   db[{c}] = {_fmt(s.db_c, 3)}",
        ]

    what = f"conv_backward  i={i} c={c}  f={f} stride={stride} pad={pad}"
    return _render(steps, what, grids, caption, max_frames, frame_ms)


def pool_backward_gif(
    dA: np.ndarray,
    cache: tuple,
    mode: str = "max",
    i: int = 0,
    c: int = 0,
    max_frames: int = 60,
    frame_ms: int = 500,
) -> bytes:
    """pool_backward for sample i and channel c as an animated GIF: dA cells sent back into dA_prev.

    Arguments: as cnnviz.draw.figures.pool_backward_figure (dA (m, n_H, n_W, n_C), cache (A_prev,
    hparameters) from pool_forward, mode "max" or "average").

    Returns:
    gif -- the GIF file's bytes
    """
    steps = trace.trace_pool_backward(dA, cache, mode=mode, i=i, c=c)
    i, c = steps[0].i, steps[0].c
    (A_prev, hparameters) = cache
    f, stride = int(hparameters["f"]), int(hparameters["stride"])
    (m, n_H_prev, n_W_prev, n_C_prev) = A_prev.shape
    dA_c = np.asarray(dA[i, :, :, c], dtype=np.float64)
    a_prev = np.asarray(A_prev[i, :, :, c], dtype=np.float64)
    vda = _sym(steps[-1].dA_prev)
    first = _reached(steps, (n_H_prev, n_W_prev))
    skipped = (windows.uncovered(n_H_prev, f, stride), windows.uncovered(n_W_prev, f, stride))

    def grids(s: trace.PoolBackStep) -> list[_Grid]:
        return [
            _Grid(f"dA[{i},:,:,{c}]", dA_c, _sym(dA_c), outlines=[(s.h, s.h + 1, s.w, s.w + 1, GREEN)]),
            _Grid(
                f"A_prev[{i},:,:,{c}]",
                a_prev,
                _sym(a_prev),
                outlines=[_window(s)],
                insets=_max_insets(s),
                skipped=skipped,
            ),
            _Grid(
                f"dA_prev[{i},:,:,{c}]", s.dA_prev, vda, hidden=first > s.index, outlines=[_window(s)], skipped=skipped
            ),
        ]

    def caption(s: trace.PoolBackStep) -> list[str]:
        head = f"step {s.index + 1}/{len(steps)}:  h={s.h}  w={s.w}   dA[{i},{s.h},{s.w},{c}] = {_fmt(s.da, 3)}"
        win = f"dA_prev[{i}, {s.vert_start}:{s.vert_end}, {s.horiz_start}:{s.horiz_end}, {c}]"
        if mode == "max":
            tie = f" (tie: {len(s.ties)} maxima, only the first)" if len(s.ties) > 1 else ""
            return [head, f"{win} += mask * {_fmt(s.da, 3)}  (all to the gold maximum{tie})"]
        return [head, f"{win} += {_fmt(s.da, 3)} / {f * f} = {_fmt(s.da / (f * f), 3)} in each cell"]

    what = f"pool_backward ({mode})  i={i} c={c}  f={f} stride={stride}"
    return _render(steps, what, grids, caption, max_frames, frame_ms)
