"""AppTest: lesson 7 (transposed convolution) and the dilation control of lessons 2 and 4."""

import numpy as np
import pytest
from player_helpers import APP, board_of, gradient_check, open_app
from streamlit.testing.v1 import AppTest

from cnnviz.core import inputs, layers
from cnnviz.steps import storyboard as S


def run(page: str, query: dict | None = None, **widgets) -> AppTest:
    at = open_app(page, query, **widgets)
    assert not at.exception, [e.value for e in at.exception]
    return at


def arithmetic(at: AppTest) -> str:
    return "\n".join(c.value for c in at.code)


@pytest.mark.parametrize("page", ["lessons/convolution.py", "lessons/conv_backward.py"])
def test_dilation_draws_the_window_with_holes_and_the_formula(page):
    at = run(page, dilation=2)
    board = board_of(at)
    cells = board["steps"][0]["overlays"]["window"]["a_prev_pad/0"]
    assert sorted((r0, c0) for r0, _, c0, _ in cells) == [(r, c) for r in (0, 2, 4) for c in (0, 2, 4)]
    text = arithmetic(at)
    assert "n_H = floor((n_H_prev + 2*pad - dilation*(f - 1) - 1) / stride) + 1" in text
    assert "= floor((8 + 2*1 - 2*(3 - 1) - 1) / 1) + 1 = 6" in text
    assert at.query_params["dilation"] in (["2"], "2")  # the link carries it
    assert any("vert_end:d," in line for line in board["code"])


def test_dilated_conv_backward_gradient_check_agrees():
    at = run("lessons/conv_backward.py", dilation=3)
    checked = gradient_check(at)
    assert {name: verdict for name, (_, verdict) in checked.items()} == dict.fromkeys(("dA_prev", "dW", "db"), "agrees")


def test_a_dilation_link_reopens_the_same_board():
    at = run("lessons/convolution.py", query={"dilation": "3", "f": "2"})
    assert at.slider(key="dilation").value == 3
    board = board_of(at)
    A_prev = inputs.random_tensor(1, 2, 8, 8, 3)
    W, b = inputs.conv_params(1, 2, 3, 4, A_prev_shape=A_prev.shape)
    Z, _ = layers.conv_forward(A_prev, W, b, {"stride": 1, "pad": 1, "dilation": 3})
    np.testing.assert_allclose(S.values_at(board, "Z", board["n_steps"] - 1), Z[0, :, :, 0], rtol=1e-12)


def test_dilation_too_wide_is_an_error_with_the_numbers():
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.query_params.update({"n_H_prev": "3", "n_W_prev": "3", "f": "3", "pad": "0", "dilation": "3"})
    at.run()
    at.switch_page("lessons/convolution.py").run()
    assert not at.exception
    (error,) = at.error
    assert "dilation=3" in error.value and "= 7 rows" in error.value and "3x3" in error.value


def test_lesson_7_draws_the_transposed_player_with_input_and_output_named():
    at = run("lessons/transposed_conv.py", stride=2, output_padding=1)
    board = board_of(at)
    assert board["lesson"] == "conv_transpose_forward"
    assert board["steps"][-1]["label"] == "crop" and "conv_backward" in board["toggles"]
    titles = [p["title"] for p in board["panels"] if p["toggle"] is None]
    assert titles[0].startswith("INPUT") and any(t.startswith("OUTPUT") for t in titles)
    text = arithmetic(at)
    assert "n_H = (n_H_prev - 1)*stride - 2*pad + f + output_padding = (8 - 1)*2 - 2*1 + 3 + 1 = 16" in text
    assert at.query_params["output_padding"] in (["1"], "1")
    labels = " | ".join(b.proto.label for b in at.get("download_button"))
    assert "GIF" in labels and "interactive HTML" in labels  # the same exports as the other lessons
    # the board's cropped output and conv_backward's dA_prev: the same numbers
    last = board["n_steps"] - 1
    np.testing.assert_array_equal(S.values_at(board, "Z/0", last), S.values_at(board, "dA_prev/0", last))


def test_lesson_7_rejects_output_padding_not_below_stride_with_a_fix():
    at = run("lessons/transposed_conv.py", output_padding=2)  # stride 1 by default
    (error,) = at.error
    assert "output_padding=2 must be in 0..stride-1 = 0..0" in error.value
    assert not at.get("bidi_component")


def test_lesson_7_says_the_course_has_no_cell_for_it():
    at = run("lessons/transposed_conv.py", query={"source": "course"})
    assert any("no transposed convolution cell" in i.value for i in at.info)
    assert at.get("bidi_component")


def test_lesson_7_checks_a_students_conv_transpose_forward_and_marks_the_player(monkeypatch):
    from test_check_transposed import MISTAKES, _code

    from cnnviz.check import switch

    monkeypatch.setenv(switch.ENV, "on")
    at = run("lessons/transposed_conv.py", stride=2, output_padding=1)
    key = "check/conv_transpose_forward"
    at.text_area(key=f"{key}/code").set_value(_code())
    at.button(key=f"{key}/button").click().run()
    assert not at.exception and "every case matches" in " ".join(e.value for e in at.success)
    at.text_area(key=f"{key}/code").set_value(_code(**MISTAKES["= instead of +="]))
    at.button(key=f"{key}/button").click().run()
    assert not at.exception
    shown = [m.value for kind in ("markdown", "warning", "info", "error") for m in getattr(at, kind)]
    assert "instead of `+=`" in " ".join(shown)
    from player_helpers import data_of

    differs = data_of(at)["marks"]["differs"]
    assert differs and set(differs) <= {"Z/0", "Z/1"}  # n_C = 4: the two output channels drawn
