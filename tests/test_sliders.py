"""A lesson's settings row: sliders for f, stride, pad, n_C and pooling, by key, on every lesson (AppTest)."""

import pytest
from player_helpers import LESSON_ROWS, board_of, data_of, open_app, set_setting
from streamlit.testing.v1 import AppTest

from cnnviz.app import registry
from cnnviz.app import settings as params

ROW = LESSON_ROWS


def run(page: str, query: dict | None = None, **widgets) -> AppTest:
    return open_app(page, query, **widgets)


def test_every_animated_lesson_is_covered():
    assert set(ROW) == {lesson.path for lesson in registry.ANIMATED}


@pytest.mark.parametrize("page", list(ROW))
def test_each_setting_is_a_slider_with_its_range_in_the_help(page):
    at = run(page)
    assert not at.exception
    for key in ROW[page]:
        spec = params.SPECS[key]
        slider = at.slider(key=key)
        assert (slider.min, slider.max, slider.value) == (spec.lo, spec.hi, spec.default), key
        assert f"{spec.lo} to {spec.hi}" in slider.help and not slider.disabled
    assert not {w.key for w in at.main.number_input} & set(ROW[page]), "no number box left for these"


def window_size(board: dict) -> int:
    """The side of the window the board's first step reads (f for conv and pooling)."""
    (rects,) = [r for name, r in board["steps"][0]["overlays"]["window"].items() if name.endswith(("/0", "A_prev"))][:1]
    r0, r1, _, _ = rects[0]
    return r1 - r0


@pytest.mark.parametrize("page", list(ROW))
@pytest.mark.parametrize("end", ["lo", "hi"])
def test_each_slider_at_its_ends_draws_what_it_says(page, end):
    """Every slider moved to an end: the board is rebuilt for that value, or the page says why it cannot be."""
    at = run(page)
    default = data_of(at)["id"]
    for key in ROW[page]:
        value = getattr(params.SPECS[key], end)
        at.slider(key=key).set_value(value).run()
        assert not at.exception, (key, value)
        assert at.slider(key=key).value == value
        if at.error:
            assert f"={value}" in at.error[0].value, at.error[0].value  # the value moved, with its numbers
            assert not at.get("bidi_component"), "no stale player under the error"
        else:
            sent = data_of(at)  # the board itself crosses once per session and content id
            assert (sent["id"] == default) == (value == params.SPECS[key].default), key
            board = sent["board"]  # None when this session had it already
            if key in ("f", "pool_f") and board is not None and "window" in board["steps"][0]["overlays"]:
                assert window_size(board) == value
        at.slider(key=key).set_value(params.SPECS[key].default).run()


@pytest.mark.parametrize(
    ("page", "widgets", "words"),
    [
        ("lessons/convolution.py", {"n_H_prev": 3, "f": 7, "pad": 0}, ["f=7", "3x8", "raise pad"]),
        ("lessons/conv_backward.py", {"n_W_prev": 3, "f": 6, "pad": 1}, ["f=6", "10x5"]),
        ("lessons/pooling.py", {"n_H_prev": 4, "pool_f": 5}, ["f=5", "4x8"]),
        ("lessons/pool_backward.py", {"n_W_prev": 3, "pool_f": 6}, ["f=6", "8x3"]),
    ],
)
def test_an_impossible_combination_is_explained_at_once_then_recovers(page, widgets, words):
    at = run(page)
    before = data_of(at)["id"]
    for key, value in widgets.items():
        set_setting(at, key, value)
    at.run()
    assert not at.exception
    (error,) = at.error
    assert all(w in error.value for w in words), error.value
    assert not at.get("bidi_component"), "never the old settings' player under a new value"
    key = "f" if "f" in widgets else "pool_f"
    at.slider(key=key).set_value(2).run()  # fixed: the lesson is back, with the new value
    assert not at.error and not at.exception
    board = board_of(at)
    assert board["id"] != before and window_size(board) == 2


def test_a_slider_change_is_in_the_link_and_the_link_reopens_it():
    at = run("lessons/conv_backward.py", f=2, stride=2, pad=0, n_C=8)
    query = {k: (v[-1] if isinstance(v, list) else v) for k, v in dict(at.query_params).items()}
    assert {k: query[k] for k in ("f", "stride", "pad", "n_C")} == {"f": "2", "stride": "2", "pad": "0", "n_C": "8"}
    again = run("lessons/conv_backward.py", query=query)
    assert [again.slider(key=k).value for k in ("f", "stride", "pad", "n_C")] == [2, 2, 0, 8]
    assert board_of(again) == board_of(at)


def test_sliders_are_disabled_with_their_reason_for_a_course_example():
    at = run("lessons/convolution.py", query={"source": "course"})
    assert not at.exception
    for key in ("f", "stride", "pad", "n_C"):
        slider = at.slider(key=key)
        assert slider.disabled and "fixed by the notebook's cell" in slider.help, key
    on_page = any("fixed by the notebook's cell" in c.value for c in at.caption)
    assert on_page, "the reason is on the page, not only on hover"


def test_every_whole_number_setting_handed_to_the_row_becomes_a_slider():
    """lesson.controls is generic over settings.SPECS: a new Spec (dilation, ...) gets a slider without new code."""

    def app():
        from cnnviz.app import lesson
        from cnnviz.app import settings as params

        keys = [k for k, s in params.SPECS.items() if not s.is_choice and k in ("f", "stride", "pad", "n_C", "pool_f")]
        lesson.controls(keys + ["mode"])

    at = AppTest.from_function(app, default_timeout=30).run()
    assert not at.exception
    assert [s.key for s in at.slider] == ["f", "stride", "pad", "n_C", "pool_f"]
    assert [r.key for r in at.radio] == ["mode"]
