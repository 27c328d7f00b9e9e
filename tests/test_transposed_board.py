"""Lesson 7's storyboard and the dilated conv boards: replayed, they are the layers' numbers (hypothesis)."""

import json

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from cnnviz.core import layers, windows
from cnnviz.draw import gif
from cnnviz.steps import storyboard as S
from cnnviz.steps import transposed as T


@st.composite
def transposed_settings(draw):
    m, n_C_prev, n_C = draw(st.integers(1, 2)), draw(st.integers(1, 3)), draw(st.integers(1, 5))
    f, stride, pad = draw(st.integers(1, 4)), draw(st.integers(1, 4)), draw(st.integers(0, 2))
    op = draw(st.integers(0, stride - 1))
    n_H, n_W = draw(st.integers(1, 5)), draw(st.integers(1, 5))
    shape = (m, n_H, n_W, n_C_prev)
    hp = {"stride": stride, "pad": pad, "output_padding": op}
    if min(windows.transpose_output_size(n, f, stride, pad, op) for n in (n_H, n_W)) < 1:
        hp["pad"] = 0
    return shape, f, n_C, hp, draw(st.integers(0, m - 1)), draw(st.integers(0, n_C_prev - 1))


@settings(max_examples=40, deadline=None)
@given(transposed_settings(), st.integers(0, 2**31 - 1))
def test_transposed_board_replays_to_conv_transpose_forward_and_conv_backward(setting, seed):
    shape, f, n_C, hp, i, c = setting
    rng = np.random.default_rng(seed)
    A_prev, W, b = rng.normal(size=shape), rng.normal(size=(f, f, n_C, shape[3])), rng.normal(size=(1, 1, 1, n_C))
    board = T.conv_transpose_forward_board(A_prev, W, b, hp, i, c)
    json.dumps(board)  # plain data
    assert board["lesson"] == "conv_transpose_forward" and board["n_steps"] == shape[1] * shape[2] + 1
    assert board["steps"][-1]["label"] == "crop"
    Z, _ = layers.conv_transpose_forward(A_prev, W, b, hp)
    pad, (n_H, n_W) = hp["pad"], Z.shape[1:3]
    # input channel c's share: the same scatter with only A_prev[i, :, :, c]
    only_c = np.zeros(A_prev.shape)
    only_c[i, :, :, c] = A_prev[i, :, :, c]
    share, _ = layers.conv_transpose_forward(only_c, W, np.zeros(b.shape), hp)
    drawn = T.channels_drawn(n_C)
    assert {p["name"] for p in board["panels"] if p["array"] == "Z"} == {f"Z/{k}" for k in range(drawn)}
    last = board["n_steps"] - 1
    for k in range(drawn):
        Z_pad_k = S.values_at(board, f"Z_pad/{k}", last)
        np.testing.assert_allclose(Z_pad_k[pad : pad + n_H, pad : pad + n_W], share[i, :, :, k], rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(S.values_at(board, f"Z/{k}", last), share[i, :, :, k], rtol=1e-12, atol=1e-12)
        np.testing.assert_array_equal(S.values_at(board, f"dA_prev/{k}", last), S.values_at(board, f"Z/{k}", last))
        assert S.not_yet(board, f"Z/{k}", last - 1).all() and not S.not_yet(board, f"Z/{k}", last).any()
    # every input channel's share, plus b, is Z
    total = sum(
        S.values_at(T.conv_transpose_forward_board(A_prev, W, b, hp, i, cc), "Z/0", last) for cc in range(shape[3])
    )
    np.testing.assert_allclose(total + b[0, 0, 0, 0], Z[i, :, :, 0], rtol=1e-10, atol=1e-10)


def test_overlaps_are_counted_and_the_labels_name_input_and_output():
    A_prev, W, b = np.ones((1, 2, 2, 1)), np.ones((3, 3, 1, 1)), np.zeros((1, 1, 1, 1))
    board = T.conv_transpose_forward_board(A_prev, W, b, {"stride": 1, "pad": 0})
    overlaps = [s["numbers"][2]["text"] for s in board["steps"][:4]]
    assert overlaps[0].startswith("no overlap") and overlaps[1].startswith("6 of its 9 cells")
    assert overlaps[3].startswith("8 of its 9 cells")  # (1, 1): everything but its bottom-right corner
    titles = {p["name"]: p["title"] for p in board["panels"]}
    assert titles["A_prev"].startswith("INPUT") and titles["Z_pad/0"].startswith("OUTPUT")
    assert titles["Z/0"].startswith("OUTPUT") and "conv_backward" in titles["dA_prev/0"]
    assert S.values_at(board, "Z/0", 4).max() == 4  # the centre cell: four windows added up
    assert board["toggles"] == {"conv_backward": "Cropped Z beside conv_backward's dA_prev"}
    assert gif.board_gif(board)[:6] == b"GIF89a"


@st.composite
def dilated_settings(draw):
    n_C_prev, n_C = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    f, stride, pad, d = (
        draw(st.integers(1, 3)),
        draw(st.integers(1, 3)),
        draw(st.integers(0, 2)),
        draw(st.integers(2, 3)),
    )
    lo = max(1, windows.span(f, d) - 2 * pad)
    shape = (2, draw(st.integers(lo, lo + 5)), draw(st.integers(lo, lo + 5)), n_C_prev)
    return (
        shape,
        f,
        n_C,
        {"stride": stride, "pad": pad, "dilation": d},
        draw(st.integers(0, 1)),
        draw(st.integers(0, n_C - 1)),
    )


@settings(max_examples=40, deadline=None)
@given(dilated_settings(), st.integers(0, 2**31 - 1))
def test_dilated_boards_replay_to_the_layers(setting, seed):
    shape, f, n_C, hp, i, c = setting
    d, pad = hp["dilation"], hp["pad"]
    rng = np.random.default_rng(seed)
    A_prev, W, b = rng.normal(size=shape), rng.normal(size=(f, f, shape[3], n_C)), rng.normal(size=(1, 1, 1, n_C))
    Z, cache = layers.conv_forward(A_prev, W, b, hp)
    fwd = S.conv_forward_board(A_prev, W, b, hp, i, c)
    np.testing.assert_allclose(S.values_at(fwd, "Z", fwd["n_steps"] - 1), Z[i, :, :, c], rtol=1e-12)
    for step in fwd["steps"]:  # the window's f*f cells, d apart
        cells = step["overlays"]["window"]["a_prev_pad/0"]
        assert len(cells) == f * f and all(r1 - r0 == 1 and c1 - c0 == 1 for r0, r1, c0, c1 in cells)
        rows = sorted({r0 for r0, _, _, _ in cells})
        assert all(b_ - a == d for a, b_ in zip(rows, rows[1:], strict=False))
    assert any("vert_start:vert_end:d," in line for line in fwd["code"])
    dZ = rng.normal(size=Z.shape)
    only = np.zeros(dZ.shape)
    only[i, :, :, c] = dZ[i, :, :, c]
    dA_prev, dW, _ = layers.conv_backward(only, cache)
    back = S.conv_backward_board(dZ, cache, i, c)
    last = back["n_steps"] - 1
    H, Wd = shape[1], shape[2]
    for k in range(shape[3]):
        share = S.values_at(back, f"dA_prev_pad/{k}", last)[pad : pad + H, pad : pad + Wd]
        np.testing.assert_allclose(share, dA_prev[i, :, :, k], rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(S.values_at(back, f"dW/{k}", last), dW[:, :, k, c], rtol=1e-12, atol=1e-12)
        assert S.panel(back, f"W_dilated/{k}")["shape"] == [windows.span(f, d)] * 2


def test_show_opens_lesson_7_in_a_notebook_player():
    from cnnviz import show

    A_prev, W, b = np.ones((1, 2, 2, 1)), np.ones((2, 2, 3, 1)), np.zeros((1, 1, 1, 3))
    player = show.conv_transpose_forward(A_prev, W, b, {"stride": 2, "pad": 0}, step=3)
    assert player.step == 3 and json.loads(player.board)["lesson"] == "conv_transpose_forward"
