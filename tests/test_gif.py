"""The GIF draws the storyboard: frames per sampled step, and the right colours at the right pixels."""

import io

import numpy as np
import pytest
from PIL import Image

from cnnviz.core import layers
from cnnviz.draw import gif
from cnnviz.steps import storyboard as S
from cnnviz.steps import style, trace

RNG = np.random.default_rng(3)
A_INT = RNG.integers(0, 3, size=(1, 6, 6, 2)).astype(float)
PHP = {"f": 2, "stride": 2}


def _frames(data: bytes) -> list[Image.Image]:
    im = Image.open(io.BytesIO(data))
    out = []
    for n in range(im.n_frames):
        im.seek(n)
        out.append(im.convert("RGB"))
    return out


def _box(geo, name, r0, r1, c0, c1):
    x0, y0 = geo["panels"][name]
    cell = geo["cell"]
    return x0 + c0 * cell, y0 + r0 * cell, x0 + c1 * cell, y0 + r1 * cell


def _tied(steps):
    return next(s for s in steps if len(s.ties) > 1)


def test_one_frame_per_sampled_step():
    board = S.pool_forward_board(A_INT, PHP, "max", 0, 1)
    assert len(_frames(gif.board_gif(board, max_frames=4))) == len(trace.frame_indices(board["n_steps"], 4)) == 4
    assert len(_frames(gif.board_gif(board, max_frames=100))) == board["n_steps"]


def _lesson_boards():
    A = RNG.normal(size=(1, 5, 5, 2))
    W, b = RNG.normal(size=(3, 3, 2, 2)), RNG.normal(size=(1, 1, 1, 2))
    hp = {"stride": 1, "pad": 1}
    Z, cache = layers.conv_forward(A, W, b, hp)
    A_pool, pool_cache = layers.pool_forward(A, {"f": 2, "stride": 1}, "max")
    return {
        "zero_pad": S.zero_pad_board(A, 1, 0, 0),
        "conv_forward": S.conv_forward_board(A, W, b, hp, 0, 1),
        "pool_forward": S.pool_forward_board(A, {"f": 2, "stride": 1}, "max", 0, 1),
        "conv_backward": S.conv_backward_board(RNG.normal(size=Z.shape), cache, 0, 1),
        "pool_backward": S.pool_backward_board(RNG.normal(size=A_pool.shape), pool_cache, "max", 0, 1),
    }


@pytest.mark.parametrize("lesson", ["zero_pad", "conv_forward", "pool_forward", "conv_backward", "pool_backward"])
def test_every_lesson_gif_has_every_step_in_order_and_reads_on_a_slide(lesson):
    board = _lesson_boards()[lesson]
    data = gif.board_gif(board)
    frames = _frames(data)
    assert len(frames) == board["n_steps"], "one frame per step: stride 1 must not look like stride 2"
    assert frames[0].size[0] == 1280
    # consecutive frames differ (no repeated or dropped step): the step caption changes every frame
    for a, b in zip(frames, frames[1:], strict=False):
        assert a.tobytes() != b.tobytes()


def test_a_subset_says_so_in_its_frames():
    board = _lesson_boards()["conv_forward"]  # 25 steps
    lines = gif._caption_lines(board, 3, 2, every=3)
    assert "a frame every 3 steps" in lines[0] and "step 4 / 25" in lines[0]
    assert "every" not in gif._caption_lines(board, 3, 2)[0]
    assert gif.frame_steps(25) == list(range(25)) and gif.frame_steps(25, 9) == trace.frame_indices(25, 9)


def test_pool_forward_pixels_at_a_tied_step():
    steps = trace.trace_pool_forward(A_INT, PHP, "max", 0, 1)
    t = _tied(steps)
    board = S.pool_forward_board(A_INT, PHP, "max", 0, 1, ties="first")
    frame = _frames(gif.board_gif(board, max_frames=100))[t.index]
    geo = gif.layout(board)
    roles = {r: style.hex_rgb(c) for r, c in style.ROLE_COLOURS.items()}
    # the window outline: the middle of its top edge, on A_prev, where the window is
    x0, y0, x1, y1 = _box(geo, "A_prev", t.vert_start, t.vert_end, t.horiz_start, t.horiz_end)
    assert frame.getpixel(((x0 + x1) // 2, y0 + 1)) == roles["window"]
    assert frame.getpixel((x0 + 1, (y0 + y1) // 2)) == roles["window"]
    # ... and nowhere else: one cell to the right of the window is not window-coloured
    assert frame.getpixel((x1 + geo["cell"] // 2, y0 + 1)) != roles["window"]
    # the max marks: purple on the first maximum, orange on the other tied maxima
    rad = max(2, geo["cell"] // 6)
    first = (t.vert_start + t.argmax[0], t.horiz_start + t.argmax[1])
    for r, s in t.ties:
        cx0, cy0 = _box(
            geo, "A_prev", t.vert_start + r, t.vert_start + r + 1, t.horiz_start + s, t.horiz_start + s + 1
        )[:2]
        mark = frame.getpixel((cx0 + rad + 3, cy0 + rad + 3))
        want = "chosen_max" if (t.vert_start + r, t.horiz_start + s) == first else "tied_max"
        assert mark == roles[want], ((r, s), want)
    # the written cell of A is outlined gold; a later cell is still "not yet"
    wx0, wy0, wx1, wy1 = _box(geo, "A", t.h, t.h + 1, t.w, t.w + 1)
    assert frame.getpixel(((wx0 + wx1) // 2, wy0 + 1)) == roles["written"]
    n_H, n_W = 3, 3
    later = t.index + 1
    if later < n_H * n_W:
        h, w = divmod(later, n_W)
        lx0, ly0, lx1, ly1 = _box(geo, "A", h, h + 1, w, w + 1)
        assert frame.getpixel(((lx0 + lx1) // 2, (ly0 + ly1) // 2)) == roles["not_yet"]


def test_all_rule_marks_every_maximum_as_chosen():
    steps = trace.trace_pool_forward(A_INT, PHP, "max", 0, 1)
    t = _tied(steps)
    board = S.pool_forward_board(A_INT, PHP, "max", 0, 1, ties="all")
    frame = _frames(gif.board_gif(board, max_frames=100))[t.index]
    geo = gif.layout(board)
    rad = max(2, geo["cell"] // 6)
    for r, s in t.ties:
        x, y = _box(geo, "A_prev", t.vert_start + r, t.vert_start + r + 1, t.horiz_start + s, t.horiz_start + s + 1)[:2]
        assert frame.getpixel((x + rad + 3, y + rad + 3)) == style.hex_rgb(style.ROLE_COLOURS["chosen_max"])


def test_conv_forward_window_on_every_channel_at_a_known_step():
    A = RNG.normal(size=(1, 5, 5, 3))
    W, b = RNG.normal(size=(3, 3, 3, 2)), RNG.normal(size=(1, 1, 1, 2))
    hp = {"stride": 1, "pad": 1}
    board = S.conv_forward_board(A, W, b, hp, 0, 1)
    k = 7
    t = trace.trace_conv_forward(A, W, b, hp, 0, 1)[k]
    frame = _frames(gif.board_gif(board, max_frames=100))[k]
    geo = gif.layout(board)
    green = style.hex_rgb(style.ROLE_COLOURS["window"])
    for ch in range(3):
        x0, y0, x1, y1 = _box(geo, f"a_prev_pad/{ch}", t.vert_start, t.vert_end, t.horiz_start, t.horiz_end)
        assert frame.getpixel(((x0 + x1) // 2, y1 - 1)) == green


def test_conv_backward_gif_builds_and_the_share_panel_is_drawn_not_the_toggle():
    A = RNG.normal(size=(1, 4, 4, 2))
    W, b = RNG.normal(size=(2, 2, 2, 3)), RNG.normal(size=(1, 1, 1, 3))
    Z, cache = layers.conv_forward(A, W, b, {"stride": 1, "pad": 0})
    board = S.conv_backward_board(RNG.normal(size=Z.shape), cache, 0, 2)
    geo = gif.layout(board)
    assert "dA_prev_pad/0" in geo["panels"] and "dA_prev/0" not in geo["panels"]
    assert len(_frames(gif.board_gif(board, max_frames=5))) == 5


def test_style_formats_without_negative_zero_and_names_every_role():
    assert style.fmt(-0.001, 2) == "0.00" and style.fmt(-0.004, 2) == "0.00"
    assert style.fmt(-0.005001, 2) == "-0.01" and style.fmt(1.23456, 4) == "1.2346"
    assert set(S.ROLES) <= set(style.ROLE_COLOURS) and set(S.ROLES) <= set(style.LEGEND)
    assert "differs" in style.ROLE_COLOURS
    assert len(set(style.ROLE_COLOURS.values())) == len(style.ROLE_COLOURS)  # no two roles look alike
    assert "PyTorch" in style.tie_words("first") and "x == max(x)" in style.tie_words("all")
    # a signed scale: -vmax, 0 and +vmax are the palette's ends and middle
    scale = {"kind": "signed", "vmax": 2.0}
    assert style.cell_rgb(-2.0, scale) == style.hex_rgb(style.DIVERGING[0])
    assert style.cell_rgb(0.0, scale) == style.hex_rgb(style.DIVERGING[5])
    assert style.cell_rgb(5.0, scale) == style.hex_rgb(style.DIVERGING[-1])
    assert "--cnnviz-window: " + style.ROLE_COLOURS["window"] in style.css_variables()


def test_every_role_colour_survives_the_gif_palette():
    _, colours = gif._palette()
    for c in style.ROLE_COLOURS.values():
        assert style.hex_rgb(c) in colours
