"""cnnviz.show: the course's calls, a player out; bad arguments read like the app's messages."""

import json

import numpy as np
import pytest

import cnnviz
from cnnviz import show
from cnnviz.core import layers
from cnnviz.core.errors import InputError


def course_conv():
    np.random.seed(1)
    A_prev = np.random.randn(2, 5, 7, 4)
    W = np.random.randn(3, 3, 4, 8)
    b = np.random.randn(1, 1, 1, 8)
    return A_prev, W, b, {"pad": 1, "stride": 2}


def test_each_call_returns_a_player_of_its_lesson():
    A_prev, W, b, hp = course_conv()
    Z, cache = layers.conv_forward(A_prev, W, b, hp)
    pool_hp = {"f": 3, "stride": 2}
    A, pool_cache = layers.pool_forward(A_prev, pool_hp)
    players = {
        "zero_pad": show.zero_pad(A_prev, 2),
        "conv_forward": show.conv_forward(A_prev, W, b, hp, i=1, c=3),
        "pool_forward": show.pool_forward(A_prev, pool_hp, mode="average"),
        "conv_backward": show.conv_backward(Z, cache),
        "pool_backward": show.pool_backward(np.ones_like(A), pool_cache, ties="all"),
    }
    for lesson, p in players.items():
        assert isinstance(p, cnnviz.Player)
        board = json.loads(p.board)
        assert board["lesson"] == lesson and p.step == 0
    titles = [q["title"] for q in json.loads(players["conv_forward"].board)["panels"]]
    assert "Z[1, :, :, 3]" in titles and "A_prev_pad[1, :, :, 0]" in titles, "sample i = 1, filter c = 3"


def test_the_step_opens_clamped_and_save_html_writes_the_board(tmp_path):
    A_prev, W, b, hp = course_conv()
    p = show.conv_forward(A_prev, W, b, hp, step=10_000)
    n = json.loads(p.board)["n_steps"]
    assert p.step == n - 1
    page = p.save_html(tmp_path / "z.html").read_text()
    assert p.board.replace("</", "<\\/") in page and f'"step":{n - 1}' in page


@pytest.mark.parametrize(
    ("call", "words"),
    [
        (lambda A, W, b, hp: show.conv_forward(A[..., :3], W, b, hp), "W.shape[2] must equal A_prev.shape[3]"),
        (lambda A, W, b, hp: show.conv_forward(A, W, b, {"stride": 0, "pad": 1}), "stride"),
        (lambda A, W, b, hp: show.conv_forward(A, W, b, hp, c=8), "use c in 0..7"),
        (lambda A, W, b, hp: show.conv_forward(np.zeros((1, 40, 40, 4)), W, b, hp), "larger than a lesson can show"),
        (lambda A, W, b, hp: show.pool_forward(A, {"f": 3, "stride": 1}, mode="min"), "mode"),
        (lambda A, W, b, hp: show.conv_backward(A, (A, W)), "cache must be the tuple (A_prev, W, b, hparameters)"),
        (lambda A, W, b, hp: show.zero_pad("not an array", 1), "array of numbers"),
    ],
)
def test_bad_arguments_are_input_errors_for_people(call, words):
    with pytest.raises(InputError) as err:
        call(*course_conv())
    assert words in str(err.value)
