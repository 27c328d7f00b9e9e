"""The lesson player, Python side: what show() sends, what it returns, and that the JS knows every role."""

import json
import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from cnnviz import player as neutral
from cnnviz.app import player
from cnnviz.core import inputs
from cnnviz.steps import storyboard

# the one player module and the Streamlit host's adapter, as the component receives them
JS = neutral.js() + (Path(player.__file__).parent / "streamlit.js").read_text()


def small_board() -> dict:
    A_prev = inputs.random_tensor(1, 1, 4, 4, 2, "normal")
    W, b = inputs.conv_params(1, 3, 2, 1, "normal")
    return storyboard.conv_forward_board(A_prev, W, b, {"stride": 1, "pad": 0})


def script(step: int, marks: dict | None = None, present: bool = False):
    """A one-page app that shows the small board and prints what show() returned."""

    def app(step, marks, present):
        import streamlit as st

        from cnnviz.app import player
        from tests.test_player import small_board

        k = player.show(small_board(), key="p", step=step, decimals=4, present=present, marks=marks)
        st.write(f"returned {k}")

    return AppTest.from_function(app, kwargs={"step": step, "marks": marks, "present": present}, default_timeout=30)


def sent(at: AppTest) -> dict:
    return player.decode(at.get("bidi_component")[0].proto.bytes)


def test_show_sends_the_board_once_with_its_settings():
    board = small_board()
    at = script(2, marks={"differs": {"Z": [[0, 1, 0, 1]]}})
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    data = sent(at)
    assert data["board"] == json.loads(json.dumps(board))
    assert data["step"] == 2 and data["decimals"] == 4 and data["present"] is False
    assert data["marks"] == {"differs": {"Z": [[0, 1, 0, 1]]}}
    assert data["id"] == player.board_id(board)
    assert data["code_text"] == neutral.js() and data["css"] == neutral.css(), "the first run carries the player"
    assert at.markdown[0].value == "returned 2", "nothing reported yet: show() returns the step asked for"


@pytest.mark.parametrize(("asked", "expected"), [(-5, 0), (3, 3), (999, 3)])
def test_the_step_is_clamped_to_the_board(asked, expected):
    at = script(asked)
    at.run()
    assert sent(at)["step"] == expected
    assert at.markdown[0].value == f"returned {expected}"


def test_board_id_changes_with_the_board_and_only_then():
    a, b = small_board(), small_board()
    assert player.board_id(a) == player.board_id(b)
    b["steps"][0]["numbers"][0]["text"] += " "
    b["id"] = storyboard.content_id(b)  # builders stamp the id when they build; a changed board is a new build
    assert player.board_id(a) != player.board_id(b)
    del b["id"]  # a board without a stamp (hand-made) is hashed on the spot
    assert player.board_id(b) == storyboard.content_id(b) != player.board_id(a)


def test_the_player_draws_every_overlay_role_of_the_contract():
    order = re.search(r"const OVERLAY_ORDER = \[(.*?)\];", JS).group(1)
    drawn = set(re.findall(r'"(\w+)"', order))
    for role in storyboard.ROLES:
        if role == "not_yet":
            assert "not_yet" in JS  # drawn as the cell fill, not as an outline
        else:
            assert role in drawn, role
    assert "differs" in drawn, "check-my-code marks are an overlay role too"


def test_the_player_takes_its_colours_from_the_board():
    assert not re.findall(r"#[0-9a-fA-F]{6}\b", JS), "colours come from board['style'], not from the JS"


def test_the_test_hooks_are_in_the_player():
    assert 'data-testid": "cnnviz-player"' in JS
    assert '"data-cell": `${p.name}:${r},${c}`' in JS
    assert 'setAttribute("data-step"' in JS


def test_nothing_is_fetched_from_anywhere():
    css = neutral.css()
    for text in (JS, css):
        text = text.replace('"http://www.w3.org/2000/svg"', "")  # the SVG namespace is a name, not a request
        assert "http" not in text and "fetch(" not in text and "@import" not in text and "url(" not in text


def test_the_board_travels_as_bytes_made_once_with_a_header_line_in_front():
    """The header (id, step, ...) is one line the browser reads first; the board is parsed only when new."""
    board = small_board()
    packed = player.pack(board)
    assert player.pack(packed) is packed  # a packed board is not packed again
    assert json.loads(packed.json) == json.loads(json.dumps(board)) and packed.n_steps == board["n_steps"]
    raw = player.encode(packed, 3, 4, True, {"differs": {}}, with_code=False)
    head, _, body = raw.partition(b"\n")
    sizes = {"board": len(packed.json)}
    assert json.loads(head) == {
        **{"id": packed.id, "step": 3, "decimals": 4, "present": True, "marks": {"differs": {}}},
        **{"code": player.CODE_ID, "sizes": sizes},
    }
    assert body == packed.json
    assert player.decode(raw)["board"] == packed.board()
    assert b"\n" not in packed.json  # the browser splits at the first newline
    assert "indexOf(10)" in JS and "raw.subarray(0, nl)" in JS


def test_the_gif_download_draws_the_packed_board_the_player_got():
    from cnnviz.app import cached

    A_prev = inputs.random_tensor(0, 1, 4, 4, 1, "normal")
    packed = cached.pool_forward_board(A_prev, {"f": 2, "stride": 2})
    assert isinstance(packed, player.Packed) and cached.pool_forward_board(A_prev, {"f": 2, "stride": 2}) is packed
    assert cached.board_gif(packed)[:6] == b"GIF89a"


def test_a_rerun_that_keeps_the_board_sends_the_header_only():
    at = script(1)
    at.run()
    first = at.get("bidi_component")[0].proto.bytes
    at.run()
    again = at.get("bidi_component")[0].proto.bytes
    assert sent(at)["board"] is None and again.endswith(b"\n"), "the board went over the wire again"
    assert sent(at)["code_text"] is None, "the player's code went over the wire again"
    assert len(again) < 1000 < len(first)
    assert player.decode(again)["id"] == player.decode(first)["id"]


def test_the_board_is_sent_again_when_the_browser_asks_for_it():
    at = script(1)
    at.run()
    at.run()
    assert sent(at)["board"] is None
    at.session_state["_cnnviz_board_sent:p"] = "an id the browser never got"  # what on_need does: forget
    at.run()
    assert sent(at)["board"] == json.loads(json.dumps(small_board()))
