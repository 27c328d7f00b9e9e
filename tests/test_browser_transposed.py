"""Lesson 7 in a real Chromium: the player appears, keys step it, hover links input and output, the toggle."""

import json

import browser
import pytest

pytestmark = pytest.mark.browser

app_url, chrome = browser.module_fixtures()
QUERY = "stride=2&n_H_prev=3&n_W_prev=3&n_C=2&output_padding=1"


@pytest.fixture
def page(chrome, app_url):
    page = browser.watched_page(chrome, 1280, 720)
    page.goto(f"{app_url}/transposed_conv?{QUERY}")
    browser.wait_for_player(page)
    page.wait_for_timeout(300)
    yield page
    assert not page.errors, page.errors
    page.close()


def board(page) -> dict:
    js = "() => JSON.stringify(document.querySelector('.cnnviz-player').parentElement.__cnnvizPlayer.board)"
    return json.loads(page.evaluate(js))


def numbers(page) -> list[str]:
    return page.inner_text(f"{browser.PLAYER} .numbers").splitlines()


def test_keys_step_the_scatter_and_end_on_the_crop(page):
    b = board(page)
    assert b["lesson"] == "conv_transpose_forward" and b["n_steps"] == 10
    assert browser.player_step(page) == 0
    page.click(f"{browser.PLAYER} .counter")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    assert browser.player_step(page) == 2
    assert numbers(page)[0].startswith("INPUT cell A_prev[0, 0, 2, 0] = ")
    # the output window of input cell (0, 2): rows 0..2, columns 4..6 of Z_pad, outlined
    box = page.locator('[data-panel="Z_pad/0"] .ov.receives').bounding_box()
    first, last = (page.locator(f'[data-cell="Z_pad/0:{r},{c}"]').bounding_box() for r, c in ((0, 4), (2, 6)))
    assert abs(box["x"] - first["x"]) < 4 and abs(box["x"] + box["width"] - last["x"] - last["width"]) < 4
    page.keyboard.press("End")
    assert browser.player_step(page) == 9
    assert numbers(page)[0].startswith("OUTPUT Z[0, :, :, k] = Z_pad[0, 1:7, 1:7, k]")


def test_hover_an_input_cell_lights_the_output_window_it_scatters_into(page):
    page.hover('[data-cell="A_prev:1,1"]')  # input cell (1, 1): Z_pad rows and columns 2..4
    lit = page.locator('[data-panel="Z_pad/0"] .ov.hover')
    assert lit.count() == 1
    box = lit.bounding_box()
    first, last = (page.locator(f'[data-cell="Z_pad/0:{r},{r}"]').bounding_box() for r in (2, 4))
    assert abs(box["x"] - first["x"]) < 4 and abs(box["y"] - first["y"]) < 4
    assert abs(box["y"] + box["height"] - last["y"] - last["height"]) < 4


def test_the_toggle_lays_the_cropped_output_beside_conv_backward(page):
    assert page.locator('[data-cell^="dA_prev/0:"]').count() == 0
    page.get_by_role("button", name="Cropped Z beside conv_backward's dA_prev").click()
    page.click(f"{browser.PLAYER} .counter")
    page.keyboard.press("End")
    assert page.locator('[data-cell^="dA_prev/0:"]').count() == 36
    assert page.locator('[data-cell^="Z/0:"]').count() == 36
    fills = [
        [page.get_attribute(f'[data-cell="{name}:{r},{c}"]', "fill") for r in range(6) for c in range(6)]
        for name in ("Z/0", "dA_prev/0")
    ]
    assert fills[0] == fills[1]  # the same numbers, the same colours


def test_the_browser_replays_the_scatter_exactly_as_python(page):
    """The player's running totals (its "adds" replay in JS) equal storyboard.values_at at every step."""
    import numpy as np

    from cnnviz.steps import storyboard as S

    b = board(page)
    js = """(name) => Array.from(document.querySelector('.cnnviz-player').parentElement.__cnnvizPlayer
        .panels[name].snaps, (s) => Array.from(s))"""
    for name in ("Z_pad/0", "Z_pad/1"):
        snaps = page.evaluate(js, name)
        assert len(snaps) == b["n_steps"]
        for k, snap in enumerate(snaps):
            np.testing.assert_array_equal(np.array(snap).reshape(S.panel(b, name)["shape"]), S.values_at(b, name, k))
