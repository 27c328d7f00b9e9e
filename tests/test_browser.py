"""What only a browser shows: pages render with a chart, Play animates, a slider redraws the figure."""

import io
import os
import re
from pathlib import Path

import browser
import numpy as np
import pytest

from cnnviz.app import registry

pytestmark = pytest.mark.browser

PAGES = [lesson.url_path for lesson in registry.PAGES]


@pytest.fixture(scope="module")
def app_url():
    why = browser.missing()
    if why:
        if os.environ.get("CNNVIZ_REQUIRE_BROWSER") == "1":
            pytest.fail(f"CNNVIZ_REQUIRE_BROWSER=1 but {why}")
        pytest.skip(why)
    with browser.streamlit_server() as url:
        yield url


@pytest.fixture(scope="module")
def chrome(app_url):
    with browser.chromium() as b:
        yield b


@pytest.fixture
def page(chrome):
    page = chrome.new_page(viewport={"width": 1600, "height": 1000})
    page.errors = browser.watch_errors(page)
    yield page
    page.close()


@pytest.mark.parametrize("path", PAGES)
def test_page_loads_without_errors(page, app_url, path):
    page.goto(f"{app_url}/{path}")
    if path:
        browser.wait_for_chart(page)
        assert page.locator(".js-plotly-plot").count() >= 1
    else:
        page.get_by_text("one window at a time").first.wait_for()
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.errors == []


def test_play_animates_in_the_browser(page, app_url):
    page.goto(f"{app_url}/convolution")
    browser.wait_for_chart(page)
    page.wait_for_function("() => document.querySelector('.js-plotly-plot')._fullLayout.sliders.length > 0")
    before = browser.chart_state(page)
    page.locator(".updatemenu-button", has_text="Play").first.click()
    browser.wait_for_change(page, before, timeout_ms=20000)
    assert browser.chart_state(page) != before
    assert page.errors == []


def test_slider_change_redraws_the_chart(page, app_url):
    page.goto(f"{app_url}/convolution")
    browser.wait_for_chart(page)
    before = browser.chart_state(page)
    thumb = browser.slider_input(page, "f (filter size)")
    thumb.focus()
    thumb.press("ArrowRight")
    browser.wait_for_change(page, before)
    assert thumb.input_value() == "4"
    assert browser.chart_state(page) != before
    assert page.errors == []


def test_a_bad_link_warns_and_explains_without_a_traceback(page, app_url):
    page.goto(f"{app_url}/convolution?stride=abc&f=7&pad=0&n_H_prev=3")
    page.get_by_text("is larger than the padded input").wait_for(timeout=30000)
    assert page.get_by_text("Ignored stride=").count() == 1
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.errors == []  # the alert icons come from this machine, not a font host


def test_feature_map_downloads_are_real_files(page, app_url):
    page.goto(f"{app_url}/feature_maps?source=sample&sample=disc")
    browser.wait_for_chart(page)
    with page.expect_download(timeout=30000) as info:
        page.get_by_role("button", name=re.compile(r"^Z as \.npy")).click()
    Z = np.load(io.BytesIO(Path(info.value.path()).read_bytes()))
    assert Z.ndim == 4 and Z.shape[0] == 1 and Z.shape[3] == 4  # (1, n_H, n_W, n_C), four default kernels
    assert np.isfinite(Z).all() and Z.std() > 0
    with page.expect_download(timeout=60000) as info:
        page.get_by_role("button", name=re.compile(r"GIF")).first.click()
    assert Path(info.value.path()).read_bytes()[:6] in (b"GIF87a", b"GIF89a")
    assert page.errors == []
