"""What only a browser shows: pages render (the player on lessons), a setting redraws it, links, downloads."""

import io
import re
from pathlib import Path

import browser
import numpy as np
import pytest

from cnnviz.app import registry

pytestmark = pytest.mark.browser

PAGES = [lesson.url_path for lesson in registry.PAGES]


app_url, chrome = browser.module_fixtures()


@pytest.fixture
def page(chrome):
    page = browser.watched_page(chrome, 1600, 1000)
    yield page
    page.close()


@pytest.mark.parametrize("path", PAGES)
def test_page_loads_without_errors(page, app_url, path):
    page.goto(f"{app_url}/{path}")
    if path:  # every lesson, Feature maps' window preview included, draws with the player
        browser.wait_for_player(page)
        # Plotly only where it is the best tool: the gradient check's scatter of the backward lessons and
        # the Feature maps' inspected map; it draws beside the player, never the animation
        scatter = path in ("conv_backward", "pool_backward")
        if scatter:
            page.locator(".js-plotly-plot").first.wait_for(timeout=30000)
        assert page.locator('[data-testid="cnnviz-player"] .js-plotly-plot').count() == 0
        if path != "feature_maps":
            assert page.locator(".js-plotly-plot").count() == scatter, "the player, no Plotly figure of the lesson"
    else:
        page.get_by_text("one window at a time").first.wait_for()
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.errors == []


def test_a_setting_change_redraws_the_player(page, app_url):
    page.goto(f"{app_url}/convolution")
    browser.wait_for_player(page)
    cells = page.locator('[data-cell^="Z:"]').count()
    browser.slider_input(page, "f").focus()  # the slider by keyboard: one step up
    page.keyboard.press("ArrowRight")
    page.wait_for_function(f"() => document.querySelectorAll('[data-cell^=\"Z:\"]').length !== {cells}")
    assert page.locator('[data-cell^="Z:"]').count() == 7 * 7  # f = 4, pad = 1 on 8x8: n_H = 7
    assert page.errors == []


def test_a_bad_link_warns_and_explains_without_a_traceback(page, app_url):
    page.goto(f"{app_url}/convolution?stride=abc&f=7&pad=0&n_H_prev=3")
    page.get_by_text("is larger than the padded input").wait_for(timeout=30000)
    assert page.get_by_text("Ignored stride=").count() == 1
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.errors == []  # the alert icons come from this machine, not a font host


def test_feature_map_downloads_are_real_files(page, app_url):
    page.goto(f"{app_url}/feature_maps?source=sample&sample=disc")
    browser.wait_for_player(page)
    with page.expect_download(timeout=30000) as info:
        page.get_by_role("button", name=re.compile(r"^Z as \.npy")).click()
    Z = np.load(io.BytesIO(Path(info.value.path()).read_bytes()))
    assert Z.ndim == 4 and Z.shape[0] == 1 and Z.shape[3] == 4  # (1, n_H, n_W, n_C), four default kernels
    assert np.isfinite(Z).all() and Z.std() > 0
    with page.expect_download(timeout=60000) as info:
        page.get_by_role("button", name=re.compile(r"GIF")).first.click()
    assert Path(info.value.path()).read_bytes()[:6] in (b"GIF87a", b"GIF89a")
    assert page.errors == []
