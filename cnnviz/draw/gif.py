"""A storyboard as an animated GIF, drawn with Pillow: the same board the browser player draws.

Nothing here knows a lesson: panels, overlays, numbers and colours all come from the board
(cnnviz.steps.storyboard) and its style (cnnviz.steps.style). Frames are sampled with
trace.frame_indices: every step by default, or every k-th past `max_frames` (the last always
included), and then the frames say so. Sized for a slide: 1280 px wide, numbers up to 18 px. Images are
quantized to one fixed palette without dithering, so flat cells stay flat and every role colour
is exact (tests check pixels).
"""

from __future__ import annotations

import io
from functools import lru_cache

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from cnnviz.steps import narration, style, trace
from cnnviz.steps import storyboard as S

WIDTH = 1280  # target image width in pixels: a slide's width
MARGIN = 12
GAP = 14  # between panels of a group
GROUP_GAP = 28  # between groups
TITLE_H = 22
TITLE_FONT = 16
MAX_CELL = 60
MIN_CELL = 8
MIN_NUMBER_CELL = 30  # print numbers in cells at least this wide
LINE_H = 24
CAPTION_FONT = 18
LEGEND_FONT = 15
MAX_NUMBER_FONT = 18


def _rgb(c: str) -> tuple[int, int, int]:
    return style.hex_rgb(c)


@lru_cache(maxsize=1)
def _palette() -> tuple[Image.Image, tuple[tuple[int, int, int], ...]]:
    """One fixed palette: 41 diverging levels, the sequential stops, every role colour, text, greys."""
    colours: list[tuple[int, int, int]] = []
    for t in np.linspace(0, 1, 41):
        colours.append(style._interp(style.DIVERGING, float(t)))
    for t in np.linspace(0, 1, 25):
        colours.append(style._interp(style.SEQUENTIAL, float(t)))
    colours += [_rgb(c) for c in style.ROLE_COLOURS.values()]
    colours += [_rgb(style.TEXT), _rgb(style.TEXT_ON_DARK), _rgb(style.GRID), _rgb(style.BACKGROUND)]
    colours += [(g, g, g) for g in range(0, 256, 17)]
    unique = tuple(dict.fromkeys(colours))
    assert len(unique) <= 256
    pal = Image.new("P", (1, 1))
    flat = [v for rgb in unique for v in rgb]
    pal.putpalette(flat + flat[:3] * (256 - len(unique)))
    return pal, unique


@lru_cache(maxsize=16)
def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return ImageFont.load_default(size=size)


@lru_cache(maxsize=512)
def _fitting(text_len: int, cell: int, size: int) -> int:
    """The largest font size <= size at which a number of text_len characters fits a cell (4 px inside its frame)."""
    while size > 8 and _font(size).getlength("-" + "8" * (text_len - 1)) > cell - 8:
        size -= 1
    return size


@lru_cache(maxsize=4096)
def _tile(cell: int, fill: tuple, grid: tuple, text: str, size: int) -> Image.Image:
    """One cell: its fill, grid outline and number (rendered once per distinct look, then pasted)."""
    tile = Image.new("RGB", (cell + 1, cell + 1), fill)
    d = ImageDraw.Draw(tile)
    d.rectangle((0, 0, cell, cell), outline=grid)
    if text:
        font = _font(_fitting(len(text), cell, size))
        d.text((cell / 2, cell / 2), text, fill=style.text_rgb(fill), font=font, anchor="mm")
    return tile


def layout(board: dict, width: int = WIDTH) -> dict:
    """Where each shown panel goes: {"cell": px, "panels": {name: (x0, y0)}, "width", "caption_y"}.

    Panels of one group sit side by side; groups flow left to right and wrap at `width`. Panels
    behind a toggle are not drawn (toggles start off). (x0, y0) is the top-left of cell (0, 0).
    """
    shown = [p for p in board["panels"] if not p.get("toggle")]
    groups: dict[str, list[dict]] = {}
    for p in shown:
        groups.setdefault(p["group"], []).append(p)
    usable = width - 2 * MARGIN
    widest = max(sum(p["shape"][1] for p in ps) + (len(ps) - 1) * GAP / MAX_CELL for ps in groups.values())
    cell = int(max(MIN_CELL, min(MAX_CELL, (usable - GAP * 3) / widest)))
    font = _font(TITLE_FONT)
    slot = {  # a panel's width on the image: its cells, or its title's longest word if that is wider
        p["name"]: int(max(p["shape"][1] * cell, max(font.getlength(word) for word in p["title"].split(" ")) + 4))
        for p in shown
    }
    titles = {p["name"]: _wrap(p["title"], slot[p["name"]] + GAP // 2) for p in shown}
    positions: dict[str, tuple[int, int]] = {}
    title_hs: dict[str, int] = {}
    x, y, row_h = MARGIN, MARGIN, 0
    for ps in groups.values():
        w = sum(slot[p["name"]] for p in ps) + GAP * (len(ps) - 1)
        title_h = TITLE_H * max(len(titles[p["name"]]) for p in ps)
        h = title_h + max(p["shape"][0] for p in ps) * cell
        if x > MARGIN and x + w > width - MARGIN:
            x, y, row_h = MARGIN, y + row_h + GROUP_GAP, 0
        px = x
        for p in ps:
            positions[p["name"]] = (px, y + title_h)
            title_hs[p["name"]] = title_h
            px += slot[p["name"]] + GAP
        x += w + GROUP_GAP
        row_h = max(row_h, h)
    return {
        "cell": cell,
        "panels": positions,
        "titles": titles,
        "title_h": title_hs,
        "width": width,
        "caption_y": y + row_h + GROUP_GAP // 2,
    }


def _wrap(text: str, width_px: int) -> list[str]:
    """A title broken at spaces into lines that fit width_px (TITLE_FONT)."""
    font = _font(TITLE_FONT)
    lines, cur = [], ""
    for word in text.split(" "):
        trial = f"{cur} {word}" if cur else word
        if cur and font.getlength(trial) > width_px:
            lines.append(cur)
            cur = word
        else:
            cur = trial
    return [*lines, cur]


def _cell_box(pos: tuple[int, int], cell: int, r0: int, r1: int, c0: int, c1: int) -> tuple[int, int, int, int]:
    x0, y0 = pos
    return x0 + c0 * cell, y0 + r0 * cell, x0 + c1 * cell, y0 + r1 * cell


def _caption_lines(board: dict, k: int, decimals: int, every: int = 1) -> list[str]:
    s = board["steps"][k]
    where = f" ({s['h']}, {s['w']})" if s["h"] is not None else ""
    skips = f"   (a frame every {every} steps)" if every > 1 else ""
    lines = [f"{board['title']}   step {k + 1} / {board['n_steps']}: {s['label']}{where}{skips}"]
    lines += [narration.line_text(line, decimals) for line in s["numbers"]]
    return lines


def _constant(board: dict, p: dict) -> bool:
    """A panel that looks the same in every frame (an input or a filter): drawn once, on the base image."""
    return not p["accumulates"] and p.get("written_at") is None


def _number_size(cell: int, decimals: int) -> int:
    """One font size for a board's numbers: as large as a cell allows for "-0.00" at `decimals`, at most 18 px."""
    return _fitting(decimals + 3, cell, max(9, min(MAX_NUMBER_FONT, int(cell * 0.4))))


def _draw_panels(img: Image.Image, board: dict, geo: dict, k: int, values: dict, decimals: int, which) -> None:
    """The cells (fill, grid, number) of the panels `which(panel)` selects, as at step k."""
    d = ImageDraw.Draw(img)
    roles = board["style"]["roles"]
    cell = geo["cell"]
    grid = _rgb(board["style"]["grid"])
    numbers = cell >= MIN_NUMBER_CELL
    num_size = _number_size(cell, decimals)
    for p in board["panels"]:
        name = p["name"]
        if name not in geo["panels"] or not which(p):
            continue
        pos = geo["panels"][name]
        vals = values[name]
        hidden = S.not_yet(board, name, k)
        rows, cols = p["shape"]
        for r in range(rows):
            for c in range(cols):
                box = _cell_box(pos, cell, r, r + 1, c, c + 1)
                if hidden[r, c]:
                    d.rectangle(box, fill=_rgb(roles["not_yet"]), outline=grid)
                    continue
                fill = style.cell_rgb(float(vals[r, c]), p["scale"])
                text = style.fmt(vals[r, c], decimals) if numbers else ""
                img.paste(_tile(cell, fill, grid, text, num_size), box[:2])


def _draw_base(board: dict, geo: dict, values: dict, decimals: int, caption_h: int) -> Image.Image:
    """What every frame shares: the background, the titles and the constant panels."""
    img = Image.new("RGB", (geo["width"], geo["caption_y"] + caption_h), _rgb(board["style"]["background"]))
    d = ImageDraw.Draw(img)
    text_rgb = _rgb(board["style"]["text"])
    for p in board["panels"]:
        name = p["name"]
        if name not in geo["panels"]:
            continue
        pos = geo["panels"][name]
        for n, line in enumerate(geo["titles"][name]):
            xy = (pos[0], pos[1] - geo["title_h"][name] + 2 + n * TITLE_H)
            d.text(xy, line, fill=text_rgb, font=_font(TITLE_FONT))
    _draw_panels(img, board, geo, 0, values, decimals, lambda p: _constant(board, p))
    return img


def _draw_frame(
    board: dict, geo: dict, k: int, values: dict, decimals: int, base: Image.Image, every: int = 1
) -> Image.Image:
    roles = board["style"]["roles"]
    cell = geo["cell"]
    img = base.copy()
    d = ImageDraw.Draw(img)
    text_rgb = _rgb(board["style"]["text"])
    numbers = cell >= MIN_NUMBER_CELL
    step = board["steps"][k]
    _draw_panels(img, board, geo, k, values, decimals, lambda p: not _constant(board, p))

    def rects(by_role: dict, role: str):
        for name, rs in by_role.get(role, {}).items():
            if name in geo["panels"]:
                for r in rs:
                    yield _cell_box(geo["panels"][name], cell, *r)

    for box in rects(board["static"], "skipped"):
        hatch = Image.new("L", (box[2] - box[0], box[3] - box[1]), 0)
        hd = ImageDraw.Draw(hatch)
        for x in range(-hatch.height, hatch.width, 6):
            hd.line([(x, hatch.height), (x + hatch.height, 0)], fill=255, width=1)
        img.paste(_rgb(roles["skipped"]), box[:2], hatch)
    for box in rects(board["static"], "pad_ring"):
        d.rectangle(box, outline=_rgb(roles["pad_ring"]), width=2)
    for src in (board["static"], step["overlays"]):
        for box in rects(src, "receives"):
            inset = max(2, cell // 10)
            d.rectangle(
                (box[0] + inset, box[1] + inset, box[2] - inset, box[3] - inset),
                outline=_rgb(roles["receives"]),
                width=2,
            )
    for role, width in (("written", 3), ("window", 3)):
        for box in rects(step["overlays"], role):
            d.rectangle(box, outline=_rgb(roles[role]), width=width)
    for role in ("tied_max", "chosen_max"):
        for box in rects(step["overlays"], role):
            cx, cy, rad = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2, max(2, cell // 6)
            if numbers:  # keep the number readable: the mark sits in the corner
                cx, cy = box[0] + rad + 3, box[1] + rad + 3
            d.ellipse((cx - rad, cy - rad, cx + rad, cy + rad), fill=_rgb(roles[role]))

    y = geo["caption_y"]
    font = _font(CAPTION_FONT)
    for line in _caption_lines(board, k, decimals, every):
        d.text((MARGIN, y), line, fill=text_rgb, font=font)
        y += LINE_H
    x = MARGIN
    y += 4
    for role, words in board["legend"].items():
        label = f"{words}" + (f" ({board['tie_rule']})" if role == "chosen_max" and "tie_rule" in board else "")
        w = d.textlength(label, font=_font(LEGEND_FONT))
        if x + 16 + w > geo["width"] - MARGIN and x > MARGIN:
            x, y = MARGIN, y + LINE_H
        d.rectangle((x, y + 3, x + 14, y + 17), fill=_rgb(roles[role]))
        d.text((x + 18, y), label, fill=text_rgb, font=_font(LEGEND_FONT))
        x += int(20 + w + 16)
    return img


def frame_steps(n_steps: int, max_frames: int | None = None) -> list[int]:
    """The steps a GIF shows: every one (max_frames None), or trace.frame_indices(n_steps, max_frames)."""
    return list(range(n_steps)) if max_frames is None else trace.frame_indices(n_steps, max_frames)


def board_gif(
    board: dict, max_frames: int | None = None, frame_ms: int = 700, decimals: int = 2, width: int = WIDTH
) -> bytes:
    """An animated GIF of a storyboard: one frame per step (or per sampled step past max_frames, the last included).

    Arguments:
    board -- a storyboard (cnnviz.steps.storyboard)
    max_frames -- None: every step; else at most this many frames, every k-th step, and each frame says so
    frame_ms -- ms per frame; decimals -- the number precision in cells and captions (2, 4 or 8)
    width -- the image's width in pixels (a slide's 1280 by default)

    Returns:
    gif -- the GIF file's bytes
    """
    geo = layout(board, width)
    frames_at = frame_steps(board["n_steps"], max_frames)
    every = frames_at[1] - frames_at[0] if len(frames_at) > 1 else 1
    n_lines = 1 + max(len(s["numbers"]) for s in board["steps"])
    caption_h = n_lines * LINE_H + 4 * LINE_H + MARGIN
    pal, _ = _palette()
    replay = S.Replay(board)  # the storyboard's own replay (the player's JS mirrors it)
    base = _draw_base(board, geo, replay.values, decimals, caption_h)
    frames = []
    for k in frames_at:
        rgb = _draw_frame(board, geo, k, replay.to(k), decimals, base, every)
        frames.append(rgb.quantize(palette=pal, dither=Image.Dither.NONE))
    buf = io.BytesIO()
    frames[0].save(buf, format="GIF", save_all=True, append_images=frames[1:], duration=frame_ms, loop=0)
    return buf.getvalue()


def conv_forward_gif(
    A_prev: np.ndarray,
    W: np.ndarray,
    b: np.ndarray,
    hparameters: dict,
    i: int = 0,
    c: int = 0,
    max_frames: int | None = None,
    frame_ms: int = 700,
    width: int = WIDTH,
) -> bytes:
    """board_gif of conv_forward_board (the Feature maps page and the home preview call this)."""
    board = S.conv_forward_board(A_prev, W, b, hparameters, i, c)
    return board_gif(board, max_frames=max_frames, frame_ms=frame_ms, width=width)
