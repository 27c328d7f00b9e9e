"""Storyboards, by name: windows, written cells, maxima, not-yet masks, pad rings, accumulators, budgets."""

import json

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cnnviz.core import layers, windows
from cnnviz.steps import storyboard as S
from cnnviz.steps import trace

RNG = np.random.default_rng(7)
A_PREV = RNG.normal(size=(2, 5, 7, 3))
W = RNG.normal(size=(3, 3, 3, 4))
B = RNG.normal(size=(1, 1, 1, 4))
HP = {"stride": 2, "pad": 1}
Z, CACHE = layers.conv_forward(A_PREV, W, B, HP)
DZ = RNG.normal(size=Z.shape)
# Integers: max-pool ties on purpose.
A_INT = RNG.integers(0, 3, size=(2, 6, 6, 3)).astype(float)
PHP = {"f": 2, "stride": 2}
A_POOL, PCACHE = layers.pool_forward(A_INT, PHP)
DA = RNG.normal(size=A_POOL.shape)


def _rects(step, role, name):
    return step["overlays"].get(role, {}).get(name, [])


def _tied_step(board):
    """(k, trace step) of a window whose maximum appears more than once."""
    for k, s in enumerate(trace.trace_pool_forward(A_INT, PHP, "max", 1, 2)):
        if len(s.ties) > 1:
            return k, s
    pytest.fail("no tied window in A_INT")


# ---------------------------------------------------------------------------------------------- conv forward


def test_conv_forward_window_on_every_input_channel_matches_trace():
    board = S.conv_forward_board(A_PREV, W, B, HP, i=1, c=3)
    steps = trace.trace_conv_forward(A_PREV, W, B, HP, 1, 3)
    assert board["n_steps"] == len(steps) == len(board["steps"])
    for k in (0, 5, len(steps) - 1):
        t, s = steps[k], board["steps"][k]
        for ch in range(3):
            assert _rects(s, "window", f"a_prev_pad/{ch}") == [[t.vert_start, t.vert_end, t.horiz_start, t.horiz_end]]
        assert _rects(s, "written", "Z") == [[t.h, t.h + 1, t.w, t.w + 1]]
        assert (s["h"], s["w"]) == (t.h, t.w)


def test_conv_forward_not_yet_mask_and_final_values():
    board = S.conv_forward_board(A_PREV, W, B, HP, i=1, c=3)
    n_H, n_W = Z.shape[1:3]
    k = 4
    h, w = divmod(k, n_W)
    expect = np.ones((n_H, n_W), dtype=bool)
    expect.flat[: k + 1] = False
    assert np.array_equal(S.not_yet(board, "Z", k), expect)
    assert not S.not_yet(board, "Z", k)[h, w]  # the cell written at step k is shown
    assert np.array_equal(S.values_at(board, "Z", 0), Z[1, :, :, 3])
    a_prev_pad = layers.zero_pad(A_PREV, 1)[1]
    for ch in range(3):
        assert np.array_equal(S.values_at(board, f"a_prev_pad/{ch}", 0), a_prev_pad[:, :, ch])
        assert np.array_equal(S.values_at(board, f"W/{ch}", 0), W[:, :, ch, 3])


def test_conv_forward_product_panel_is_this_steps_product():
    board = S.conv_forward_board(A_PREV, W, B, HP, i=0, c=1)
    t = trace.trace_conv_forward(A_PREV, W, B, HP, 0, 1)[7]
    for ch in range(3):
        assert np.array_equal(S.values_at(board, f"product/{ch}", 7), t.product[:, :, ch])
    line = board["steps"][7]["numbers"][-1]
    assert line["vals"] == pytest.approx([t.s, t.b, t.z], rel=1e-11)


def test_pad_ring_and_skipped_are_static_on_padded_inputs():
    board = S.conv_forward_board(A_PREV, W, B, HP)
    n_rows, n_cols = 5 + 2, 7 + 2
    ring = np.zeros((n_rows, n_cols), dtype=bool)
    for r0, r1, c0, c1 in board["static"]["pad_ring"]["a_prev_pad/2"]:
        ring[r0:r1, c0:c1] = True
    expect = np.ones((n_rows, n_cols), dtype=bool)
    expect[1:-1, 1:-1] = False
    assert np.array_equal(ring, expect)
    # stride 2 on 7 padded rows with f 3: rows 0..6 all read; 9 padded columns: all read -> nothing skipped
    assert windows.uncovered(5, 3, 2, 1) == [] and "skipped" not in board["static"]
    board = S.conv_forward_board(A_PREV, W, B, {"stride": 3, "pad": 0})
    rows, cols = windows.uncovered(5, 3, 3, 0), windows.uncovered(7, 3, 3, 0)
    assert rows == [3, 4] and cols == [6]
    for ch in range(3):
        got = np.zeros((5, 7), dtype=bool)
        for r0, r1, c0, c1 in board["static"]["skipped"][f"a_prev_pad/{ch}"]:
            got[r0:r1, c0:c1] = True
        expect = np.zeros((5, 7), dtype=bool)
        expect[rows, :] = True
        expect[:, cols] = True
        assert np.array_equal(got, expect)
        # no window ever covers a skipped cell
        for s in board["steps"]:
            r0, r1, c0, c1 = _rects(s, "window", f"a_prev_pad/{ch}")[0]
            assert not got[r0:r1, c0:c1].any()


def test_code_lines_and_notes_line_up():
    board = S.conv_forward_board(A_PREV, W, B, HP)
    for s in board["steps"]:
        assert len(s["notes"]) == len(board["code"])


# ---------------------------------------------------------------------------------------------- pooling


@pytest.mark.parametrize("ties", ["first", "all"])
def test_pool_forward_tied_window_marks_chosen_and_other_maxima(ties):
    board = S.pool_forward_board(A_INT, PHP, "max", i=1, c=2, ties=ties)
    k, t = _tied_step(board)
    s = board["steps"][k]
    at = {(r0, c0) for r0, r1, c0, c1 in _rects(s, "chosen_max", "A_prev")}
    other = {(r0, c0) for r0, r1, c0, c1 in _rects(s, "tied_max", "A_prev")}
    every = {(t.vert_start + r, t.horiz_start + q) for r, q in t.ties}
    first = (t.vert_start + t.argmax[0], t.horiz_start + t.argmax[1])
    assert first == (t.vert_start + t.ties[0][0], t.horiz_start + t.ties[0][1])
    if ties == "first":
        assert at == {first}
        assert other == every - {first} and other
    else:
        assert at == every and not other
    assert board["ties"] == ties
    assert _rects(s, "window", "A_prev") == [[t.vert_start, t.vert_end, t.horiz_start, t.horiz_end]]
    assert _rects(s, "written", "A") == [[t.h, t.h + 1, t.w, t.w + 1]]


def test_pool_forward_values_and_average():
    board = S.pool_forward_board(A_INT, PHP, "average", i=0, c=1)
    A, _ = layers.pool_forward(A_INT, PHP, "average")
    assert np.array_equal(S.values_at(board, "A", 0), A[0, :, :, 1])
    assert all("chosen_max" not in s["overlays"] for s in board["steps"])


def test_pool_backward_first_rule_equals_layers_and_receives_the_first_max():
    board = S.pool_backward_board(DA, PCACHE, "max", i=1, c=2, ties="first")
    last = board["n_steps"] - 1
    assert np.array_equal(S.values_at(board, "dA_prev", last), layers.pool_backward(DA, PCACHE, "max")[1, :, :, 2])
    k, t = _tied_step(board)
    s = board["steps"][k]
    first = [t.vert_start + t.argmax[0], t.vert_start + t.argmax[0] + 1]
    first += [t.horiz_start + t.argmax[1], t.horiz_start + t.argmax[1] + 1]
    assert _rects(s, "receives", "dA_prev") == [first] == _rects(s, "chosen_max", "A_prev")
    assert _rects(s, "written", "dA") == [[t.h, t.h + 1, t.w, t.w + 1]]


def test_pool_backward_all_rule_is_the_courses_mask():
    board = S.pool_backward_board(DA, PCACHE, "max", i=1, c=2, ties="all")
    expect = np.zeros(A_INT.shape[1:3])
    for win in windows.iter_windows(*DA.shape[1:3], 2, 2):
        x = A_INT[1, win.vert_start : win.vert_end, win.horiz_start : win.horiz_end, 2]
        expect[win.vert_start : win.vert_end, win.horiz_start : win.horiz_end] += (x == np.max(x)) * DA[
            1, win.h, win.w, 2
        ]
    assert np.array_equal(S.values_at(board, "dA_prev", board["n_steps"] - 1), expect)
    assert "x == max(x)" in board["tie_rule"]
    assert np.array_equal(expect, layers.pool_backward(DA, PCACHE, "max", ties="all")[1, :, :, 2])


def test_pool_backward_average_spreads_over_the_window():
    board = S.pool_backward_board(DA, PCACHE, "average", i=0, c=0)
    last = board["n_steps"] - 1
    assert np.array_equal(S.values_at(board, "dA_prev", last), layers.pool_backward(DA, PCACHE, "average")[0, :, :, 0])
    s = board["steps"][3]
    assert _rects(s, "receives", "dA_prev") == _rects(s, "window", "A_prev")
    assert np.allclose(S.values_at(board, "mask", 3), DA[0, s["h"], s["w"], 0] / 4)


def test_accumulator_before_its_window_is_zero_and_grows_window_by_window():
    board = S.pool_backward_board(DA, PCACHE, "average", i=0, c=0)
    steps = trace.trace_pool_backward(DA, PCACHE, "average", 0, 0)
    for k in (0, 4, 8):
        assert np.array_equal(S.values_at(board, "dA_prev", k), steps[k].dA_prev)


# ---------------------------------------------------------------------------------------------- conv backward


def test_conv_backward_share_equals_conv_backward_of_one_filters_dZ():
    i, c = 1, 2
    board = S.conv_backward_board(DZ, CACHE, i, c)
    one = np.zeros_like(DZ)
    one[i, :, :, c] = DZ[i, :, :, c]
    dA_c, dW_c, db_c = layers.conv_backward(one, CACHE)
    last = board["n_steps"] - 1
    for k in range(3):
        share = S.values_at(board, f"dA_prev_pad/{k}", last)
        assert np.array_equal(share[1:-1, 1:-1], dA_c[i, :, :, k])
        assert np.array_equal(S.values_at(board, f"dW/{k}", last), dW_c[:, :, k, c])
        assert "share" in S.panel(board, f"dA_prev_pad/{k}")["title"]
        assert S.panel(board, f"dA_prev_pad/{k}")["toggle"] is None
    assert S.values_at(board, "db", last)[0, 0] == db_c[0, 0, 0, c]


def test_conv_backward_all_filters_toggle_shows_the_real_dA_prev():
    i, c = 1, 2
    board = S.conv_backward_board(DZ, CACHE, i, c)
    dA_prev, _, _ = layers.conv_backward(DZ, CACHE)
    assert "all_filters" in board["toggles"]
    for k in range(3):
        p = S.panel(board, f"dA_prev/{k}")
        assert p["toggle"] == "all_filters"
        assert "sum over all" in p["title"]
        assert np.array_equal(S.values_at(board, f"dA_prev/{k}", 0), dA_prev[i, :, :, k])
    # the share alone is not the final answer (the old figure's bug)
    share = S.values_at(board, "dA_prev_pad/0", board["n_steps"] - 1)[1:-1, 1:-1]
    assert not np.allclose(share, dA_prev[i, :, :, 0])


def test_conv_backward_step_reads_dz_cell_and_adds_into_the_window():
    board = S.conv_backward_board(DZ, CACHE, 0, 1)
    steps = trace.trace_conv_backward(DZ, CACHE, 0, 1)
    for k in (0, 3, len(steps) - 1):
        t, s = steps[k], board["steps"][k]
        win = [t.vert_start, t.vert_end, t.horiz_start, t.horiz_end]
        assert _rects(s, "written", "dZ") == [[t.h, t.h + 1, t.w, t.w + 1]]
        for ch in range(3):
            assert _rects(s, "window", f"a_prev_pad/{ch}") == [win]
            assert _rects(s, "receives", f"dA_prev_pad/{ch}") == [win]
            assert board["static"]["receives"][f"dW/{ch}"] == [[0, 3, 0, 3]]
            assert np.array_equal(S.values_at(board, f"dA_prev_pad/{ch}", k), t.dA_prev_pad[:, :, ch])
            assert np.array_equal(S.values_at(board, f"dW/{ch}", k), t.dW_c[:, :, ch])


# ---------------------------------------------------------------------------------------------- zero pad


def test_zero_pad_copy_then_one_ring_per_step():
    board = S.zero_pad_board(A_PREV, 2, i=1, c=0)
    assert [s["label"] for s in board["steps"]] == ["copy", "ring 1", "ring 2"]
    X_pad = layers.zero_pad(A_PREV, 2)[1, :, :, 0]
    assert np.array_equal(S.values_at(board, "X_pad", 0), X_pad)
    assert _rects(board["steps"][0], "written", "X_pad") == [[2, 7, 2, 9]]
    # after the copy only the rings are not yet there; after ring 1, ring 2 (the outermost) is left
    assert np.array_equal(~S.not_yet(board, "X_pad", 0), np.pad(np.ones((5, 7), bool), 2))
    assert np.array_equal(~S.not_yet(board, "X_pad", 1), np.pad(np.ones((7, 9), bool), 1))
    assert not S.not_yet(board, "X_pad", 2).any()
    ring2 = np.zeros(X_pad.shape, dtype=bool)
    for r0, r1, c0, c1 in _rects(board["steps"][2], "written", "X_pad"):
        ring2[r0:r1, c0:c1] = True
    assert np.array_equal(ring2, ~np.pad(np.ones((7, 9), bool), 1))


# ---------------------------------------------------------------------------------------------- all boards


def _all_boards():
    return {
        "zero_pad": S.zero_pad_board(A_PREV, 1),
        "conv_forward": S.conv_forward_board(A_PREV, W, B, HP),
        "pool_forward": S.pool_forward_board(A_INT, PHP),
        "conv_backward": S.conv_backward_board(DZ, CACHE),
        "pool_backward": S.pool_backward_board(DA, PCACHE),
    }


def test_boards_are_json_with_a_legend_and_style_for_every_role_used():
    for lesson, board in _all_boards().items():
        again = json.loads(json.dumps(board))
        assert again == board and board["lesson"] == lesson
        used = set(board["static"]) | {r for s in board["steps"] for r in s["overlays"]}
        assert used <= set(board["legend"]) <= set(S.ROLES)
        assert used <= set(board["style"]["roles"])
        names = [p["name"] for p in board["panels"]]
        assert len(names) == len(set(names))
        for s in board["steps"]:
            for by_panel in s["overlays"].values():
                assert set(by_panel) <= set(names)


def _settings():
    return st.fixed_dictionaries(
        {
            "n_H": st.integers(3, 9),
            "n_W": st.integers(3, 9),
            "n_C_prev": st.integers(1, 3),
            "f": st.integers(1, 5),
            "stride": st.integers(1, 4),
            "pad": st.integers(0, 3),
            "pf": st.integers(1, 4),
            "ps": st.integers(1, 4),
            "seed": st.integers(0, 99),
            "ints": st.booleans(),
        }
    )


def _inside(board):
    shapes = {p["name"]: p["shape"] for p in board["panels"]}
    rects = [(n, r) for role in board["static"].values() for n, rs in role.items() for r in rs]
    rects += [(n, r) for s in board["steps"] for role in s["overlays"].values() for n, rs in role.items() for r in rs]
    for name, (r0, r1, c0, c1) in rects:
        rows, cols = shapes[name]
        assert 0 <= r0 < r1 <= rows and 0 <= c0 < c1 <= cols, (name, (r0, r1, c0, c1), (rows, cols))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_settings())
def test_builders_never_fail_and_overlays_stay_inside_panels(p):
    rng = np.random.default_rng(p["seed"])
    A = rng.normal(size=(2, p["n_H"], p["n_W"], p["n_C_prev"]))
    if p["ints"]:
        A = np.round(A)
    f = min(p["f"], p["n_H"] + 2 * p["pad"], p["n_W"] + 2 * p["pad"])
    Wt, bt = rng.normal(size=(f, f, p["n_C_prev"], 2)), rng.normal(size=(1, 1, 1, 2))
    hp = {"stride": p["stride"], "pad": p["pad"]}
    Zt, cache = layers.conv_forward(A, Wt, bt, hp)
    pf = min(p["pf"], p["n_H"], p["n_W"])
    php = {"f": pf, "stride": p["ps"]}
    At, pcache = layers.pool_forward(A, php)
    boards = [
        S.zero_pad_board(A, p["pad"], 1, 0),
        S.conv_forward_board(A, Wt, bt, hp, 1, 1),
        S.pool_forward_board(A, php, "max", 1, 0, "all"),
        S.conv_backward_board(rng.normal(size=Zt.shape), cache, 0, 1),
        S.pool_backward_board(rng.normal(size=At.shape), pcache, "max", 1, 0),
        S.pool_backward_board(rng.normal(size=At.shape), pcache, "average", 0, 0),
    ]
    for board in boards:
        _inside(board)
        json.dumps(board)
    last = boards[1]["n_steps"] - 1
    assert np.array_equal(S.values_at(boards[1], "Z", last), Zt[1, :, :, 1])


def test_sizes_within_budget_at_defaults_and_worst():
    from bench.bench_player import board_sizes

    rows = board_sizes(quick=True)
    for row in rows:
        limit = 150_000 if row["case"] == "default" else 1_000_000
        assert row["bytes"] <= limit, row
