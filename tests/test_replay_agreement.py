"""The three replays agree: the player's JS `replay` (run by node), storyboard.values_at and the GIF's.

Every cell of every panel after every step, on hypothesis-generated boards of all five lessons, equal
to the last bit (both do one IEEE multiply and one add per cell, in the same order).
"""

import json
import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cnnviz.core import inputs, layers
from cnnviz.draw import gif
from cnnviz.player import HERE as PLAYER_DIR
from cnnviz.steps import storyboard as S
from cnnviz.steps import style

NODE = shutil.which("node") or "/usr/bin/node"
SCRIPT = Path(__file__).parent / "js" / "replay.mjs"


@pytest.fixture(scope="module")
def node():
    if not Path(NODE).exists():
        if os.environ.get("CNNVIZ_REQUIRE_BROWSER") == "1":
            pytest.fail("CNNVIZ_REQUIRE_BROWSER=1 but node is missing (apt-get install -y nodejs)")
        pytest.skip("node is missing (apt-get install -y nodejs)")
    return NODE


def js_replay(node: str, board: dict) -> dict[str, list]:
    run = subprocess.run(
        [node, str(SCRIPT), str(PLAYER_DIR / "player.js")],
        input=json.dumps(board),
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(run.stdout)


@st.composite
def boards(draw) -> dict:
    lesson = draw(st.sampled_from(["zero_pad", "conv_forward", "pool_forward", "conv_backward", "pool_backward"]))
    seed, m = draw(st.integers(0, 99)), draw(st.integers(1, 2))
    n_H, n_W, n_C_prev = draw(st.integers(2, 6)), draw(st.integers(2, 6)), draw(st.integers(1, 3))
    values = draw(st.sampled_from(["normal", "integers"]))
    A_prev = inputs.random_tensor(seed, m, n_H, n_W, n_C_prev, values)
    i = draw(st.integers(0, m - 1))
    if lesson == "zero_pad":
        return S.zero_pad_board(A_prev, draw(st.integers(0, 3)), i, draw(st.integers(0, n_C_prev - 1)))
    f = draw(st.integers(1, min(n_H, n_W)))
    stride = draw(st.integers(1, 3))
    if lesson.startswith("conv"):
        pad, n_C = draw(st.integers(0, 2)), draw(st.integers(1, 3))
        W, b = inputs.conv_params(seed, f, n_C_prev, n_C, values)
        hp, c = {"stride": stride, "pad": pad}, draw(st.integers(0, n_C - 1))
        if lesson == "conv_forward":
            return S.conv_forward_board(A_prev, W, b, hp, i, c)
        Z, cache = layers.conv_forward(A_prev, W, b, hp)
        return S.conv_backward_board(inputs.upstream_gradient(seed, Z.shape), cache, i, c)
    hp, mode = {"f": f, "stride": stride}, draw(st.sampled_from(["max", "average"]))
    ties, c = draw(st.sampled_from(["first", "all"])), draw(st.integers(0, n_C_prev - 1))
    if lesson == "pool_forward":
        return S.pool_forward_board(A_prev, hp, mode, i, c, ties)
    A, cache = layers.pool_forward(A_prev, hp, mode)
    return S.pool_backward_board(inputs.upstream_gradient(seed, A.shape), cache, mode, i, c, ties)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(board=boards())
def test_the_js_replay_equals_values_at_in_every_cell_at_every_step(node, board):
    js = js_replay(node, board)
    for p in board["panels"]:
        name, shape = p["name"], tuple(p["shape"])
        rows = js[name]
        assert len(rows) == (board["n_steps"] if p["accumulates"] else 1)
        for k, row in enumerate(rows):
            expected = S.values_at(board, name, k)
            got = np.array(row).reshape(shape)
            assert np.array_equal(got, expected), f"{board['lesson']} {name} step {k}: {got} != {expected}"


@settings(max_examples=20, deadline=None)
@given(board=boards())
def test_the_gif_replays_with_the_storyboard(board):
    replay = S.Replay(board)
    for k in range(board["n_steps"]):
        values = replay.to(k)
        for p in board["panels"]:
            assert np.array_equal(values[p["name"]], S.values_at(board, p["name"], k))
    assert gif.board_gif(board, max_frames=3)[:6] == b"GIF89a"


def test_the_text_colour_rule_travels_in_the_board():
    board = S.zero_pad_board(inputs.random_tensor(1, 1, 3, 3, 1), 1)
    assert board["style"]["luma"] == list(style.LUMA) and board["style"]["dark_below"] == style.DARK_BELOW
    js = (PLAYER_DIR / "player.js").read_text()
    assert "B.style.luma" in js and "B.style.dark_below" in js and "0.2126" not in js
    # the rule itself: a mid-grey fill whose Rec. 709 and Rec. 601 lumas fall on either side of 128
    fill = (20, 150, 250)  # 601: 121.6 (dark: light text); 709: 130.1
    assert style.text_rgb(fill) == style.hex_rgb(style.TEXT_ON_DARK)
