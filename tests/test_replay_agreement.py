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
from boards import boards
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cnnviz.core import inputs
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


TIES = [0.125, -0.125, 0.375, 2.5, -2.5, 0.0625, 1.005, -0.0049999, 0.0, -0.0, -1e-12, 123456.785]


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(values=st.lists(st.floats(-1e15, 1e15, allow_nan=False), min_size=20, max_size=60))
def test_the_js_number_format_is_pythons(node, values):
    cases = [[v, d] for v in values + TIES for d in (2, 4, 8)]
    run = subprocess.run(
        [node, str(Path(__file__).parent / "js" / "fmt.mjs"), str(PLAYER_DIR / "player.js")],
        input=json.dumps(cases),
        capture_output=True,
        text=True,
        check=True,
    )
    assert json.loads(run.stdout) == [style.fmt(v, d) for v, d in cases]
