"""The app driven headless with Streamlit's AppTest: every page, its controls' extremes, links."""

import json
import random
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from cnnviz.app import registry
from cnnviz.app import settings as params

APP = Path(__file__).parents[1] / "app.py"
LESSONS = [lesson.path for lesson in registry.LESSONS]
SLIDERS = [k for k, s in params.SPECS.items() if not s.is_choice and k not in ("seed", "i", "c", "step")]
TIMEOUT = 60


def run(page: str | None = None, query: dict | None = None, **widgets) -> AppTest:
    """A fresh app, optionally opened with a query string, on `page`, with sidebar sliders set."""
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    at.query_params.update(query or {})
    at.run()
    if page:
        at.switch_page(page).run()
    for key, value in widgets.items():
        at.slider(key=key).set_value(value)
    if widgets:
        at.run()
    return at


def assert_healthy(at: AppTest, chart: bool = True) -> None:
    assert not at.exception, [e.value for e in at.exception]
    if chart:
        assert at.get("plotly_chart"), "no chart drawn"


def figure(at: AppTest, index: int = 0) -> dict:
    return json.loads(at.get("plotly_chart")[index].proto.spec)


def test_home_page_says_what_cnnviz_is():
    at = run()
    assert_healthy(at, chart=False)
    assert "one window at a time" in at.title[0].value


@pytest.mark.parametrize("page", LESSONS)
def test_every_lesson_draws_a_chart_at_the_defaults(page):
    at = run(page)
    assert_healthy(at)
    assert not at.error, [e.value for e in at.error]


@pytest.mark.parametrize("page", LESSONS[:5])
@pytest.mark.parametrize("end", ["lo", "hi"])
def test_every_slider_at_its_extremes_never_shows_a_traceback(page, end):
    at = run(page)
    for key in SLIDERS:
        spec = params.SPECS[key]
        at.slider(key=key).set_value(getattr(spec, end)).run()
        assert not at.exception, (key, end, [e.value for e in at.exception])
        # either a chart, or a clear error naming the numbers
        assert at.get("plotly_chart") or at.error, (key, end)
        at.slider(key=key).set_value(spec.default)  # applied with the next key's run


@pytest.mark.parametrize("page", LESSONS[:5])
def test_random_combinations(page):
    rng = random.Random(page)
    for _ in range(4):
        widgets = {k: rng.randint(params.SPECS[k].lo, params.SPECS[k].hi) for k in SLIDERS}
        at = run(page, **widgets)
        assert not at.exception, (widgets, [e.value for e in at.exception])
        assert at.get("plotly_chart") or at.error, widgets


def test_impossible_filter_shows_the_numbers_and_the_fix():
    at = run("lessons/convolution.py", n_H_prev=3, n_W_prev=3, f=7, pad=0)
    assert not at.exception
    (error,) = at.error
    assert "f=7" in error.value and "3x3" in error.value and "raise pad" in error.value
    assert not at.get("plotly_chart")


def test_pool_window_larger_than_input_is_an_error_not_a_crash():
    at = run("lessons/pooling.py", n_H_prev=3, pool_f=6)
    assert not at.exception
    assert "f=6" in at.error[0].value


def test_settings_survive_switching_pages():
    at = run("lessons/convolution.py", f=5, stride=2)
    at.switch_page("lessons/pooling.py").run()
    at.switch_page("lessons/conv_backward.py").run()
    assert at.slider(key="f").value == 5 and at.slider(key="stride").value == 2
    assert_healthy(at)


def test_a_link_reopens_the_same_view():
    at = run("lessons/convolution.py", f=5, stride=2, pad=2)
    at.radio(key="mode").set_value("average").run()
    query = dict(at.query_params)
    assert query["f"] == "5" and query["stride"] == "2" and query["pad"] == "2" and query["mode"] == "average"
    reopened = run("lessons/convolution.py", query=query)
    for key in ("f", "stride", "pad"):
        assert reopened.slider(key=key).value == at.slider(key=key).value
    assert reopened.radio(key="mode").value == "average"
    assert figure(reopened) == figure(at)


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
    assert "DIFFERS" not in str(untied.dataframe[0].value)
