"""The app driven headless with Streamlit's AppTest: every page, its controls' extremes, links."""

import random

import pytest
from player_helpers import LESSON_ROWS, board_of, gradient_check, open_app, set_setting
from streamlit.testing.v1 import AppTest

from cnnviz.app import registry
from cnnviz.app import settings as params

LESSONS = [lesson.path for lesson in registry.LESSONS]
ANIMATED = [lesson.path for lesson in registry.ANIMATED]
# What each animated lesson draws next to its player (the rest of the ints are in the sidebar).
PAGE_SETTINGS = LESSON_ROWS
SIDEBAR = ["m", "n_H_prev", "n_W_prev", "n_C_prev"]
TIMEOUT = 60


def run(page: str | None = None, query: dict | None = None, **widgets) -> AppTest:
    """A fresh app, optionally opened with a query string, on `page`, with settings set by key."""
    return open_app(page, query, timeout=TIMEOUT, **widgets)


def assert_healthy(at: AppTest, player: bool = True) -> None:
    assert not at.exception, [e.value for e in at.exception]
    if player:
        assert at.get("bidi_component"), "no player drawn"


def test_home_page_says_what_cnnviz_is():
    at = run()
    assert_healthy(at, player=False)
    assert "one window at a time" in at.title[0].value


@pytest.mark.parametrize("page", ANIMATED)
def test_every_lesson_draws_its_player_at_the_defaults(page):
    at = run(page)
    assert_healthy(at)
    assert not at.error, [e.value for e in at.error]
    charts = at.get("plotly_chart")  # one set of controls (the player); Plotly only for the gradient check
    assert len(charts) == (page in ("lessons/conv_backward.py", "lessons/pool_backward.py"))
    assert not [s for s in at.select_slider if s.key == "step"], "the old 'Step to inspect' slider is gone"
    board = board_of(at)
    assert board["n_steps"] == len(board["steps"]) > 0


@pytest.mark.parametrize("page", ANIMATED)
def test_a_lesson_shows_only_its_own_settings(page):
    at = run(page)
    shown = {w.key for w in at.main.slider} | {w.key for w in at.main.radio}
    assert set(PAGE_SETTINGS[page]) <= shown
    others = {k for p, keys in PAGE_SETTINGS.items() if p != page for k in keys} - set(PAGE_SETTINGS[page])
    assert not (others & shown), others & shown
    assert not [w for w in at.sidebar.radio if w.key == "speed"], "the player has the speed"
    assert {"f", "stride", "pool_f"}.isdisjoint({w.key for w in at.sidebar.slider})


def test_image_input_hides_the_random_only_settings():
    at = run("lessons/convolution.py", query={"source": "sample"})
    assert_healthy(at)
    keys = {w.key for w in at.sidebar.slider} | {w.key for w in at.sidebar.radio}
    assert "m" not in keys and "n_C_prev" not in keys and "values" not in keys
    assert "n_H_prev" in keys


def test_home_has_no_input_settings():
    at = run()
    assert not at.sidebar.slider and not at.sidebar.radio


@pytest.mark.parametrize("page", ANIMATED)
@pytest.mark.parametrize("end", ["lo", "hi"])
def test_every_setting_at_its_extremes_never_shows_a_traceback(page, end):
    at = run(page)
    for key in PAGE_SETTINGS[page] + SIDEBAR:
        spec = params.SPECS[key]
        set_setting(at, key, getattr(spec, end))
        at.run()
        assert not at.exception, (key, end, [e.value for e in at.exception])
        assert at.get("bidi_component") or at.error, (key, end)  # a player, or a clear error with the numbers
        set_setting(at, key, spec.default)  # applied with the next key's run


@pytest.mark.parametrize("page", ANIMATED)
def test_the_largest_settings_draw_a_player(page):
    widgets = {k: params.SPECS[k].hi for k in PAGE_SETTINGS[page] + SIDEBAR}
    if "pad" in widgets and "f" in widgets:
        widgets["f"] = 7  # 16 + 2*3 >= 7: a valid worst case
    at = run(page, **widgets)
    assert_healthy(at)
    assert board_of(at)["n_steps"] >= 1


@pytest.mark.parametrize("page", ANIMATED)
def test_random_combinations(page):
    rng = random.Random(page)
    for _ in range(3):
        widgets = {k: rng.randint(params.SPECS[k].lo, params.SPECS[k].hi) for k in PAGE_SETTINGS[page] + SIDEBAR}
        at = run(page, **widgets)
        assert not at.exception, (widgets, [e.value for e in at.exception])
        assert at.get("bidi_component") or at.error, widgets


def test_impossible_filter_shows_the_numbers_and_the_fix():
    at = run("lessons/convolution.py", n_H_prev=3, n_W_prev=3, f=7, pad=0)
    assert not at.exception
    (error,) = at.error
    assert "f=7" in error.value and "3x3" in error.value and "raise pad" in error.value
    assert not at.get("bidi_component")
    assert at.slider(key="f").value == 7, "the settings row stays, so the user can fix f"


def test_pool_window_larger_than_input_is_an_error_not_a_crash():
    at = run("lessons/pooling.py", n_H_prev=3, pool_f=6)
    assert not at.exception
    assert "f=6" in at.error[0].value


def test_settings_survive_switching_pages():
    at = run("lessons/convolution.py", f=5, stride=2)
    at.switch_page("lessons/pooling.py").run()  # does not draw f or stride
    at.switch_page("lessons/conv_backward.py").run()
    assert at.slider(key="f").value == 5 and at.slider(key="stride").value == 2
    assert_healthy(at)
    assert at.query_params["f"] == ["5"] or at.query_params["f"] == "5"


def test_a_link_reopens_the_same_view():
    at = run("lessons/convolution.py", f=5, stride=2, pad=2)
    query = {k: (v[-1] if isinstance(v, list) else v) for k, v in dict(at.query_params).items()}
    assert query["f"] == "5" and query["stride"] == "2" and query["pad"] == "2"
    reopened = run("lessons/convolution.py", query=query)
    for key in ("f", "stride", "pad"):
        assert reopened.slider(key=key).value == at.slider(key=key).value
    assert board_of(reopened) == board_of(at)


def test_a_link_with_a_step_opens_the_player_there():
    """A link counts steps from 1, as the player shows them; the board's index is one less."""
    at = run("lessons/convolution.py", query={"step": "30"})
    assert at.get("bidi_component")
    from player_helpers import data_of

    assert data_of(at)["step"] == 29
    old = run("lessons/convolution.py", query={"step": "0"})  # a link from when steps counted from 0
    assert data_of(old)["step"] == 0 and not old.warning


def test_present_in_a_link_turns_presentation_mode_on_and_hides_the_prose():
    at = run("lessons/convolution.py", query={"present": "1"})
    assert_healthy(at)
    assert at.toggle(key="present").value is True
    assert not at.title  # presentation: the lesson's title in one header line, the prose hidden
    assert [m.value for m in at.main.markdown] == ["<div class='cnnviz-present-title'>2. Convolution forward</div>"]
    assert [link.proto.label for link in at.get("page_link")] == ["1. Zero padding (p)", "3. Pooling (n)"]
    from player_helpers import data_of

    assert data_of(at)["present"] is True
    normal = run("lessons/convolution.py")
    assert normal.title and normal.toggle(key="present").value is False


@pytest.mark.parametrize(
    ("query", "key", "expected"),
    [
        ({"f": "-3"}, "f", 1),
        ({"f": "abc"}, "f", params.DEFAULTS["f"]),
        ({"stride": "0"}, "stride", 1),
        ({"pad": "100000"}, "pad", 3),
    ],
)
def test_tampered_links_warn_and_clamp(query, key, expected):
    at = run("lessons/convolution.py", query=query)
    assert not at.exception
    assert at.slider(key=key).value == expected
    assert any(key in w.value for w in at.warning)
    assert_healthy(at)


def test_script_in_a_link_is_ignored_and_shown_as_text():
    at = run("lessons/pooling.py", query={"mode": "<script>alert(1)</script>"})
    assert not at.exception
    assert at.radio(key="mode").value == "max"
    (warning,) = at.warning
    assert "mode=`<script>alert(1)</script" in warning.value  # inside a code span: shown, not run
    assert_healthy(at)


def test_pool_backward_explains_a_gradient_check_at_tied_maxima():
    tied = run("lessons/pool_backward.py", query={"values": "integers"})
    assert_healthy(tied)
    assert any("hold their maximum more than once" in c.value for c in tied.caption)
    untied = run("lessons/pool_backward.py")
    assert not any("hold their maximum more than once" in c.value for c in untied.caption)
    assert {verdict for _, verdict in gradient_check(untied).values()} == {"agrees"}
    assert set(gradient_check(tied)) == {"dA_prev"}


def test_feature_maps_still_renders():
    at = run("lessons/feature_maps.py")
    assert not at.exception, [e.value for e in at.exception]


def test_conv_backward_shows_its_gradient_check_for_each_of_its_three_gradients():
    at = run("lessons/conv_backward.py", query={"f": "2", "stride": "2", "pad": "1"})
    assert_healthy(at)
    check = gradient_check(at)
    assert set(check) == {"dA_prev", "dW", "db"}
    assert all(verdict == "agrees" and err < 1e-7 for err, verdict in check.values()), check


def test_home_lists_every_lesson_as_a_link():
    at = run()
    links = {link.proto.page: link.proto.label for link in at.get("page_link")}
    for lesson in registry.LESSONS:
        (label,) = [label for page, label in links.items() if page.endswith(lesson.url_path)]
        assert lesson.title in label


@pytest.mark.parametrize(
    ("query", "words"), [({}, "64 frames, every step"), ({"n_H_prev": "16", "n_W_prev": "16"}, "frames, a frame every")]
)
def test_the_gif_button_says_how_many_frames_and_which_steps(query, words):
    at = run("lessons/convolution.py", query=query)
    (button,) = [b for b in at.get("download_button") if "GIF" in b.proto.label]
    assert words in button.proto.label
    if "every step" not in words:  # 256 steps: a subset by default, every step on request
        at.checkbox(key="conv_gif_every").check().run()
        (button,) = [b for b in at.get("download_button") if "GIF" in b.proto.label]
        assert "256 frames, every step" in button.proto.label
