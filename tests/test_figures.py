"""The figure builders: one frame per trace step (or the cap), fixed square axes, light frames.

Figures are read through fig.to_dict(); the frames there are exactly what the browser receives.
"""

import json
import math
import pickle

import numpy as np
import plotly.graph_objects as go
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cnnviz.core import layers as L
from cnnviz.core import windows
from cnnviz.draw import figures as F
from cnnviz.steps import trace as T

MB = 1_000_000


def _app_defaults():
    """The app's default lesson inputs: m=2, 8x8x3, f=3, stride=1, pad=1, n_C=4; pooling f=2, stride=2."""
    rng = np.random.default_rng(0)
    A_prev = rng.standard_normal((2, 8, 8, 3))
    W, b = rng.standard_normal((3, 3, 3, 4)), rng.standard_normal((1, 1, 1, 4))
    hp = {"stride": 1, "pad": 1}
    Z, cache = L.conv_forward(A_prev, W, b, hp)
    dZ = rng.standard_normal(Z.shape)
    A_int = rng.integers(-2, 3, (2, 8, 8, 3)).astype(float)  # ties in max pooling
    hp_pool = {"f": 2, "stride": 2}
    A, pool_cache = L.pool_forward(A_int, hp_pool)
    dA = rng.standard_normal(A.shape)
    return A_prev, W, b, hp, dZ, cache, A_int, hp_pool, dA, pool_cache


A_PREV, W, B, HP, DZ, CACHE, A_INT, HP_POOL, DA, POOL_CACHE = _app_defaults()

# name -> (builder(**kw) -> figure, trace steps)
CASES = {
    "conv_forward": (
        lambda **kw: F.conv_forward_figure(A_PREV, W, B, HP, i=1, c=2, **kw),
        T.trace_conv_forward(A_PREV, W, B, HP, i=1, c=2),
    ),
    "pool_forward_max": (
        lambda **kw: F.pool_forward_figure(A_INT, HP_POOL, i=0, c=1, **kw),
        T.trace_pool_forward(A_INT, HP_POOL, i=0, c=1),
    ),
    "pool_forward_average": (
        lambda **kw: F.pool_forward_figure(A_INT, {"f": 3, "stride": 1}, mode="average", **kw),
        T.trace_pool_forward(A_INT, {"f": 3, "stride": 1}, mode="average"),
    ),
    "conv_backward": (
        lambda **kw: F.conv_backward_figure(DZ, CACHE, i=1, c=3, **kw),
        T.trace_conv_backward(DZ, CACHE, i=1, c=3),
    ),
    "pool_backward_max": (
        lambda **kw: F.pool_backward_figure(DA, POOL_CACHE, c=2, **kw),
        T.trace_pool_backward(DA, POOL_CACHE, c=2),
    ),
    "pool_backward_average": (
        lambda **kw: F.pool_backward_figure(DA, POOL_CACHE, mode="average", **kw),
        T.trace_pool_backward(DA, POOL_CACHE, mode="average"),
    ),
}
FIGS = {name: build().to_dict() for name, (build, _) in CASES.items()}


def _rects(xs, ys):
    """Rectangles (r0, r1, c0, c1) back from outline coordinates separated by None."""
    out, px, py = [], [], []
    for x, y in zip(list(xs) + [None], list(ys) + [None], strict=True):
        if x is None:
            if px:
                out.append((round(min(py) + 0.5), round(max(py) + 0.5), round(min(px) + 0.5), round(max(px) + 0.5)))
            px, py = [], []
        else:
            px.append(x)
            py.append(y)
    return out


def _raster(rects, shape):
    mask = np.zeros(shape, dtype=bool)
    for r0, r1, c0, c1 in rects:
        assert not mask[r0:r1, c0:c1].any(), "rectangles overlap"
        mask[r0:r1, c0:c1] = True
    return mask


def _moving(d, name):
    """Indices (into fig.data) of the moving traces whose legend group is `name`."""
    moving = d["frames"][0]["traces"]
    return [j for j in moving if d["data"][j].get("legendgroup") == name]


def _frame_update(frame, j):
    return frame["data"][frame["traces"].index(j)]


def _window_of(d, frame):
    """(vert_start, vert_end, horiz_start, horiz_end) of every window outline in a frame (all equal)."""
    found = {_rects(*(_frame_update(frame, j)[k] for k in "xy"))[0] for j in _moving(d, "window")}
    assert len(found) == 1
    (r0, r1, c0, c1) = found.pop()
    return r0, r1, c0, c1


# ------------------------------------------------------------------------------------------------ frames


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 2000), st.integers(1, 300))
def test_frame_indices_sample_every_kth_and_keep_the_last(n, cap):
    idx = F.frame_indices(n, cap)
    assert idx[-1] == n - 1 and (idx[0] == 0 or cap == 1)
    assert len(idx) <= cap and idx == sorted(set(idx))
    if n <= cap:
        assert idx == list(range(n))
    else:
        k = math.ceil(n / cap)
        assert all(b - a == k for a, b in zip(idx[:-2], idx[1:-1], strict=True))


@settings(max_examples=150, deadline=None)
@given(st.integers(1, 9), st.integers(1, 9), st.integers(0, 2**32 - 1))
def test_mask_rects_cover_exactly_the_mask(n_rows, n_cols, seed):
    mask = np.random.default_rng(seed).random((n_rows, n_cols)) < 0.5
    np.testing.assert_array_equal(_raster(F._mask_rects(mask), mask.shape), mask)


@pytest.mark.parametrize("name", CASES)
def test_one_frame_per_step_named_by_label(name):
    d, steps = FIGS[name], CASES[name][1]
    assert [fr["name"] for fr in d["frames"]] == [s.label for s in steps]
    assert _window_of(d, d["frames"][0]) == (
        steps[0].vert_start,
        steps[0].vert_end,
        steps[0].horiz_start,
        steps[0].horiz_end,
    )
    assert _window_of(d, d["frames"][-1]) == (
        steps[-1].vert_start,
        steps[-1].vert_end,
        steps[-1].horiz_start,
        steps[-1].horiz_end,
    )
    slider = d["layout"]["sliders"][0]
    assert [s["args"][0] for s in slider["steps"]] == [[fr["name"]] for fr in d["frames"]]


@pytest.mark.parametrize("name", CASES)
def test_frame_cap_samples_every_kth_step_and_says_so(name):
    build, steps = CASES[name]
    cap = 5
    d = build(max_frames=cap).to_dict()
    idx = F.frame_indices(len(steps), cap)
    assert len(d["frames"]) == len(idx) <= cap
    assert [fr["name"] for fr in d["frames"]] == [steps[k].label for k in idx]
    assert d["frames"][-1]["name"] == steps[-1].label
    k = math.ceil(len(steps) / cap)
    assert f"every {F._ordinal(k)} of {len(steps)} steps" in d["layout"]["title"]["text"]


@pytest.mark.parametrize("name", CASES)
def test_frames_carry_no_heatmap_only_small_scatter_updates(name):
    d = FIGS[name]
    moving = set(d["frames"][0]["traces"])
    assert all(d["data"][j]["type"] == "scatter" for j in moving)
    heatmaps = [j for j, tr in enumerate(d["data"]) if tr["type"] == "heatmap"]
    assert heatmaps and not moving & set(heatmaps)
    largest_grid = max(np.size(d["data"][j]["z"]) for j in heatmaps)
    for fr in d["frames"]:
        assert set(fr["traces"]) == moving and len(fr["data"]) == len(fr["traces"])
        assert set(fr["layout"]) == {"annotations"} and len(fr["layout"]["annotations"]) == 1
        for tr in fr["data"]:
            assert tr["type"] == "scatter" and "z" not in tr
            assert all(len(v) <= 6 * largest_grid for v in tr.values() if isinstance(v, list))
        assert len(json.dumps(fr)) < 16_000


@pytest.mark.parametrize("name", CASES)
def test_axes_are_fixed_square_with_row_0_on_top(name):
    layout = FIGS[name]["layout"]
    xaxes = sorted(k for k in layout if k.startswith("xaxis"))
    assert xaxes
    for xk in xaxes:
        yk = "y" + xk[1:]
        x, y = layout[xk], layout[yk]
        ref = "x" + xk[5:]
        assert x["autorange"] is False and y["autorange"] is False
        assert x["fixedrange"] and y["fixedrange"]
        assert x["range"][0] == -0.5 and x["range"][1] > x["range"][0]
        assert y["range"][0] > y["range"][1] == -0.5  # reversed: row 0 on top
        assert y["scaleanchor"] == ref and y["scaleratio"] == 1


@pytest.mark.parametrize("name", CASES)
def test_play_pause_speeds_and_slider(name):
    build, steps = CASES[name]
    d = build(frame_ms=400, step=len(steps) // 2).to_dict()
    buttons = [b for menu in d["layout"]["updatemenus"] for b in menu["buttons"]]
    play = next(b for b in buttons if "Play" in b["label"])
    assert play["method"] == "animate" and play["args"][0] is None
    assert play["args"][1]["frame"] == {"duration": 400, "redraw": True}
    assert play["args"][1]["transition"]["duration"] == 0
    assert any("Pause" in b["label"] and b["args"][0] == [None] for b in buttons)
    durations = {b["args"][1]["frame"]["duration"] for b in buttons if b["args"][0] is None}
    assert {200, 400, 800} <= durations  # 2x, 1x, 0.5x
    k = len(steps) // 2
    assert d["layout"]["sliders"][0]["active"] == k
    assert f"step {k + 1} of {len(steps)}" in d["layout"]["annotations"][0]["text"]
    assert f"h</b>={steps[k].h}" in d["layout"]["annotations"][0]["text"]


@pytest.mark.parametrize("name", CASES)
def test_opening_step_past_the_cap_shows_that_exact_step(name):
    build, steps = CASES[name]
    k = len(steps) - 2
    d = build(max_frames=3, step=k).to_dict()
    idx = F.frame_indices(len(steps), 3)
    assert d["layout"]["sliders"][0]["active"] == max(j for j, q in enumerate(idx) if q <= k)
    assert f"step {k + 1} of {len(steps)}" in d["layout"]["annotations"][0]["text"]
    window = {_rects(d["data"][j]["x"], d["data"][j]["y"])[0] for j in _moving(d, "window")}
    assert window == {(steps[k].vert_start, steps[k].vert_end, steps[k].horiz_start, steps[k].horiz_end)}


def test_payload_at_the_app_defaults_is_under_1_mb():
    for name, d in FIGS.items():
        size = len(json.dumps(d))
        assert size <= 1 * MB, f"{name}: {size} bytes"


def test_builders_output_passes_plotly_validation_and_pickles():
    rng = np.random.default_rng(5)
    A_prev = rng.standard_normal((1, 4, 4, 2))
    W, b = rng.standard_normal((2, 2, 2, 1)), rng.standard_normal((1, 1, 1, 1))
    hp = {"stride": 1, "pad": 1}
    Z, cache = L.conv_forward(A_prev, W, b, hp)
    A, pool_cache = L.pool_forward(A_prev, {"f": 2, "stride": 1})
    figs = [
        F.zero_pad_figure(A_prev, 2),
        F.conv_forward_figure(A_prev, W, b, hp),
        F.pool_forward_figure(A_prev, {"f": 2, "stride": 1}),
        F.conv_backward_figure(Z, cache),
        F.pool_backward_figure(A, pool_cache, mode="average"),
    ]
    for fig in figs:
        d = fig.to_dict()
        validated = go.Figure(d).to_dict()
        assert validated == d  # every property is one plotly.py accepts, unchanged
        again = pickle.loads(pickle.dumps(fig))
        assert isinstance(again, go.Figure) and again.to_dict() == d
    assert figs[1].frames[0].data[0].type == "scatter"  # frames are readable as graph objects too


# ------------------------------------------------------------------------------------------------ content


def test_conv_forward_output_fills_in_and_products_match_the_trace():
    d, steps = FIGS["conv_forward"], CASES["conv_forward"][1]
    n_H, n_W = 8, 8
    (not_yet,) = _moving(d, "not computed yet")
    (cell,) = _moving(d, "cell being written")
    products = [j for j in d["frames"][0]["traces"] if d["data"][j].get("mode") == "text"]
    assert len(products) == A_PREV.shape[3]
    for fr, s in zip(d["frames"], steps, strict=True):
        upd = _frame_update(fr, not_yet)
        expected = np.arange(n_H * n_W).reshape(n_H, n_W) > s.index
        np.testing.assert_array_equal(_raster(_rects(upd["x"], upd["y"]), (n_H, n_W)), expected)
        assert _rects(_frame_update(fr, cell)["x"], _frame_update(fr, cell)["y"]) == [(s.h, s.h + 1, s.w, s.w + 1)]
        for k, j in enumerate(products):
            assert _frame_update(fr, j)["text"] == [F._fmt(v) for v in s.product[:, :, k].ravel()]
        text = fr["layout"]["annotations"][0]["text"]
        assert f"<b>{F._fmt(s.z, 3)}</b>" in text and f"A_prev_pad[1, {s.vert_start}:{s.vert_end}," in text
    z = next(tr for tr in d["data"] if tr["type"] == "heatmap" and tr.get("hovertemplate", "").startswith("Z["))["z"]
    np.testing.assert_array_equal(np.array(z), L.conv_forward(A_PREV, W, B, HP)[0][1, :, :, 2])


def test_conv_backward_running_totals_printed_are_the_traces():
    d, steps = FIGS["conv_backward"], CASES["conv_backward"][1]
    texts = [j for j in d["frames"][0]["traces"] if d["data"][j].get("hovertemplate", "").startswith("dA_prev_pad")]
    untouched = _moving(d, "no gradient yet")
    assert len(texts) == len(untouched) == A_PREV.shape[3]
    shape = (10, 10)
    for fr, s in zip(d["frames"], steps, strict=True):
        reached = np.zeros(shape, dtype=bool)
        for t in steps[: s.index + 1]:
            reached[t.vert_start : t.vert_end, t.horiz_start : t.horiz_end] = True
        upd = _frame_update(fr, untouched[0])
        np.testing.assert_array_equal(_raster(_rects(upd["x"], upd["y"]), shape), ~reached)
        for k, j in enumerate(texts):
            expected = [
                F._fmt(v) if r else " " for v, r in zip(s.dA_prev_pad[:, :, k].ravel(), reached.ravel(), strict=True)
            ]
            assert _frame_update(fr, j)["text"] == expected
        assert f"db[3] += {F._fmt(s.dz, 3)}" in fr["layout"]["annotations"][0]["text"]


def test_max_pool_marks_the_chosen_maximum_and_the_other_ties():
    d, steps = FIGS["pool_forward_max"], CASES["pool_forward_max"][1]
    chosen = _moving(d, "the max (first in row-major order)")
    tied = _moving(d, "tied max, not chosen")
    assert len(chosen) == len(tied) == 2  # on A_prev and on the window panel
    assert any(len(s.ties) > 1 for s in steps)
    for fr, s in zip(d["frames"], steps, strict=True):
        (r0, r1, c0, c1) = _rects(_frame_update(fr, chosen[0])["x"], _frame_update(fr, chosen[0])["y"])[0]
        assert (r0, c0) == (s.vert_start + s.argmax[0], s.horiz_start + s.argmax[1]) and (r1 - r0, c1 - c0) == (1, 1)
        others = _rects(_frame_update(fr, tied[0])["x"], _frame_update(fr, tied[0])["y"])
        assert len(others) == len(s.ties) - 1
        if len(s.ties) > 1:
            assert "tie:" in fr["layout"]["annotations"][0]["text"]


def test_pool_backward_shows_what_is_added_and_the_final_dA_prev():
    d, steps = FIGS["pool_backward_max"], CASES["pool_backward_max"][1]
    (added,) = [j for j in d["frames"][0]["traces"] if d["data"][j].get("hovertemplate", "").startswith("added")]
    for fr, s in zip(d["frames"], steps, strict=True):
        assert _frame_update(fr, added)["text"] == [F._fmt(v) for v in s.mask_or_value.ravel()]
    final = next(tr for tr in d["data"] if tr["type"] == "heatmap" and "final dA_prev" in tr.get("hovertemplate", ""))
    np.testing.assert_array_equal(np.array(final["z"]), L.pool_backward(DA, POOL_CACHE)[0, :, :, 2])


def test_rows_and_columns_a_stride_never_reads_are_shaded():
    rng = np.random.default_rng(1)
    A_prev = rng.standard_normal((1, 8, 7, 1))
    hp = {"stride": 2, "pad": 0}  # f=3: rows 0..6 read, row 7 never; columns 0..6 all read
    d = F.conv_forward_figure(A_prev, rng.standard_normal((3, 3, 1, 1)), np.zeros((1, 1, 1, 1)), hp).to_dict()
    (skip,) = [tr for tr in d["data"] if tr.get("legendgroup", "").startswith("never read")]
    assert windows.uncovered(8, 3, 2) == [7] and windows.uncovered(7, 3, 2) == []
    assert _rects(skip["x"], skip["y"]) == [(7, 8, 0, 7)]
    d = F.conv_forward_figure(
        A_prev, rng.standard_normal((3, 3, 1, 1)), np.zeros((1, 1, 1, 1)), {"stride": 1, "pad": 0}
    )
    assert not [tr for tr in d.to_dict()["data"] if tr.get("legendgroup", "").startswith("never read")]


def test_numbers_printed_in_cells_only_on_small_grids():
    def printed(d):
        heatmaps = [tr for tr in d["data"] if tr["type"] == "heatmap" and "hovertemplate" in tr]
        return {tr["hovertemplate"].split("[")[0]: "texttemplate" in tr for tr in heatmaps}

    rng = np.random.default_rng(2)
    small = F.pool_forward_figure(rng.standard_normal((1, 12, 12, 1)), {"f": 2, "stride": 2}).to_dict()
    big = F.pool_forward_figure(rng.standard_normal((1, 13, 13, 1)), {"f": 2, "stride": 2}).to_dict()
    assert printed(small) == {"A_prev": True, "A": True}
    assert printed(big) == {"A_prev": False, "A": True}  # A is 6x6


def test_zero_pad_figure_shows_the_padded_array_and_its_ring():
    X = np.random.default_rng(3).standard_normal((2, 3, 4, 2))
    d = F.zero_pad_figure(X, 2, i=1, c=1).to_dict()
    heat = [tr for tr in d["data"] if tr["type"] == "heatmap"]
    np.testing.assert_array_equal(np.array(heat[0]["z"]), X[1, :, :, 1])
    np.testing.assert_array_equal(np.array(heat[1]["z"]), L.zero_pad(X, 2)[1, :, :, 1])
    (ring,) = [tr for tr in d["data"] if tr.get("legendgroup") == "zero padding (pad=2)"]
    ring_mask = _raster(_rects(ring["x"], ring["y"]), (7, 8))
    assert ring_mask.sum() == 7 * 8 - 3 * 4 and not ring_mask[2:5, 2:6].any()
    assert not d.get("frames")
    with pytest.raises(ValueError, match="pad=-1"):
        F.zero_pad_figure(X, -1)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: F.conv_forward_figure(A_PREV, W, B, HP, i=2), r"i=2 is out of range"),
        (lambda: F.conv_forward_figure(A_PREV, W, B, {"stride": 1, "pad": 0}, max_frames=0), r"max_frames=0"),
        (lambda: F.pool_forward_figure(A_INT, {"f": 9, "stride": 1}), r"f=9 is larger than the input 8x8"),
        (lambda: F.conv_backward_figure(DZ[:, :-1], CACHE), r"dZ has shape"),
        (lambda: F.pool_backward_figure(DA, POOL_CACHE, mode="min"), r"mode='min'"),
    ],
)
def test_bad_arguments_raise_value_errors(call, message):
    with pytest.raises(ValueError, match=message):
        call()


@st.composite
def _any_layer(draw):
    """Random valid settings within the app's control ranges (kept small), for every builder."""
    kind = draw(st.sampled_from(["conv_forward", "conv_backward", "pool_forward", "pool_backward"]))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    n_H, n_W, C = draw(st.integers(1, 7)), draw(st.integers(1, 7)), draw(st.integers(1, 3))
    A_prev = rng.integers(-2, 3, (2, n_H, n_W, C)).astype(float)
    stride = draw(st.integers(1, 3))
    cap = draw(st.integers(1, 30))
    if kind.startswith("conv"):
        pad = draw(st.integers(0, 2))
        f = draw(st.integers(1, min(n_H, n_W) + 2 * pad))
        W, b = rng.standard_normal((f, f, C, 2)), rng.standard_normal((1, 1, 1, 2))
        hp = {"stride": stride, "pad": pad}
        if kind == "conv_forward":
            return (
                F.conv_forward_figure(A_prev, W, b, hp, i=1, c=1, max_frames=cap),
                T.trace_conv_forward(A_prev, W, b, hp, i=1, c=1),
                cap,
            )
        Z, cache = L.conv_forward(A_prev, W, b, hp)
        dZ = rng.standard_normal(Z.shape)
        return F.conv_backward_figure(dZ, cache, max_frames=cap), T.trace_conv_backward(dZ, cache), cap
    f = draw(st.integers(1, min(n_H, n_W)))
    mode = draw(st.sampled_from(["max", "average"]))
    hp = {"f": f, "stride": stride}
    if kind == "pool_forward":
        return (
            F.pool_forward_figure(A_prev, hp, mode, c=C - 1, max_frames=cap),
            T.trace_pool_forward(A_prev, hp, mode, c=C - 1),
            cap,
        )
    A, cache = L.pool_forward(A_prev, hp, mode)
    dA = rng.standard_normal(A.shape)
    return F.pool_backward_figure(dA, cache, mode, max_frames=cap), T.trace_pool_backward(dA, cache, mode), cap


@settings(max_examples=40, deadline=None)
@given(_any_layer())
def test_every_builder_walks_the_trace_on_random_settings(case):
    fig, steps, cap = case
    d = fig.to_dict()
    idx = F.frame_indices(len(steps), cap)
    assert [fr["name"] for fr in d["frames"]] == [steps[k].label for k in idx]
    for fr, k in zip(d["frames"], idx, strict=True):
        s = steps[k]
        assert _window_of(d, fr) == (s.vert_start, s.vert_end, s.horiz_start, s.horiz_end)
        assert all(tr["type"] == "scatter" for tr in fr["data"])
        assert f"step {k + 1} of {len(steps)}" in fr["layout"]["annotations"][0]["text"]
