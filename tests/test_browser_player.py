"""The lesson player in a real Chromium: keys, Play, hover, the step report, layout, no traffic."""

import json
import time

import browser
import pytest

from cnnviz.app import registry

pytestmark = pytest.mark.browser

LESSONS = [lesson.url_path for lesson in registry.ANIMATED]
LARGEST = {
    "zero_padding": "n_H_prev=16&n_W_prev=16&n_C_prev=4&m=4&pad=3",
    "convolution": "n_H_prev=16&n_W_prev=16&n_C_prev=4&m=4&f=7&pad=3&n_C=8",
    "pooling": "n_H_prev=16&n_W_prev=16&n_C_prev=4&m=4&pool_f=6&pool_stride=1",
    "conv_backward": "n_H_prev=16&n_W_prev=16&n_C_prev=4&m=4&f=7&pad=3&n_C=8",
    "pool_backward": "n_H_prev=16&n_W_prev=16&n_C_prev=4&m=4&pool_f=6&pool_stride=1",
    "transposed_conv": "n_H_prev=16&n_W_prev=16&n_C_prev=4&m=4&f=7&pad=3&n_C=8&stride=4&output_padding=3",
}
MIN_FONT = {1280: 14, 1920: 18}


app_url, chrome = browser.module_fixtures()


@pytest.fixture
def page(chrome):
    page = browser.watched_page(chrome, 1600, 1000)
    page.sent = []  # websocket frames the browser sent to the server
    page.on("websocket", lambda ws: ws.on("framesent", lambda payload: page.sent.append((time.monotonic(), payload))))
    yield page
    assert not page.errors, page.errors
    page.close()


def open_lesson(page, app_url, path="convolution", query=""):
    page.goto(f"{app_url}/{path}" + (f"?{query}" if query else ""))
    browser.wait_for_player(page)
    page.wait_for_timeout(300)


def numbers_text(page) -> str:
    return page.inner_text(f"{browser.PLAYER} .numbers")


def board(page) -> dict:
    """The board as the browser received it (the page's own copy is in the component's data)."""
    js = "() => JSON.stringify(document.querySelector('.cnnviz-player').parentElement.__cnnvizPlayer.board)"
    return json.loads(page.evaluate(js))


def fill(line: dict, d: int = 2) -> str:
    text = line["text"]
    for k, v in enumerate(line["vals"]):
        s = f"{v:.{d}f}"
        text = text.replace(f"{{{k}}}", s[1:] if s.strip("-0.") == "" and s.startswith("-") else s)
    return text


def test_keys_step_the_figure_and_the_numbers_together(page, app_url):
    open_lesson(page, app_url)
    b = board(page)
    assert browser.player_step(page) == 0
    page.click(f"{browser.PLAYER} .counter")  # a click gives the player focus
    not_yet = page.get_attribute('[data-cell="Z:0,2"]', "fill")
    page.keyboard.press("ArrowRight")
    assert page.get_attribute('[data-cell="Z:0,2"]', "fill") == not_yet, "Z[0, 2] is written at step 2"
    page.keyboard.press("ArrowRight")
    assert browser.player_step(page) == 2
    assert page.get_attribute('[data-cell="Z:0,2"]', "fill") != not_yet
    assert numbers_text(page).splitlines()[-1] == fill(b["steps"][2]["numbers"][-1])
    written = page.locator('[data-panel="Z"] .ov.written')
    assert written.count() == 1
    cell = page.locator('[data-cell="Z:0,2"]').bounding_box()
    box = written.bounding_box()
    # the frame sits on the cell's edge: half its stroke (<= 1.5 px) outside
    assert cell["x"] - 2 <= box["x"] <= cell["x"] + 1
    assert cell["x"] + cell["width"] - 1 <= box["x"] + box["width"] <= cell["x"] + cell["width"] + 2
    page.keyboard.press("End")
    assert browser.player_step(page) == b["n_steps"] - 1
    page.keyboard.press("Home")
    assert browser.player_step(page) == 0
    page.keyboard.press("ArrowLeft")
    assert browser.player_step(page) == 0, "no step before the first"


def test_tab_reaches_the_buttons_and_focus_is_visible(page, app_url):
    open_lesson(page, app_url)
    page.focus(browser.PLAYER)
    page.keyboard.press("Tab")
    label = page.evaluate("() => document.activeElement.getAttribute('aria-label')")
    assert label == "first step (Home)"
    outline = page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle")
    assert outline not in ("none", "")


def test_play_from_step_k_shows_k_plus_1_next_then_pause_reports_once(page, app_url):
    open_lesson(page, app_url)
    page.click(f"{browser.PLAYER} .counter")
    for _ in range(5):
        page.keyboard.press("ArrowRight")
    page.evaluate(
        """() => { const r = document.querySelector('[data-testid="cnnviz-player"]'); window.__steps = [];
        let last = +r.getAttribute('data-step');
        new MutationObserver(() => {
            const k = +r.getAttribute('data-step'); if (k !== last) window.__steps.push(k); last = k;
        }).observe(r, {attributes: true, attributeFilter: ['data-step']});
        }"""
    )
    page.select_option(f"{browser.PLAYER} select", "4")
    page.wait_for_function("() => location.search.includes('step=6')", timeout=10000)  # the stepping report, 1-based
    browser.wait_for_player(page)
    page.wait_for_timeout(300)
    before = len(page.sent)
    page.keyboard.press("Space")
    page.wait_for_function("() => window.__steps.length >= 4", timeout=5000)
    steps = page.evaluate("() => window.__steps")
    assert steps[0] == 6 and steps[:4] == [6, 7, 8, 9], steps
    hovered = page.locator('[data-cell="a_prev_pad/0:3,3"]')
    hovered.hover()
    playing_sent = len(page.sent) - before  # counted before the pause, whose report may be recorded at once
    page.keyboard.press("Space")  # pause
    k = browser.player_step(page)
    assert playing_sent == 0, (f"{playing_sent} websocket messages while playing/hovering", page.sent[before:])
    page.wait_for_timeout(1500)
    assert 1 <= len(page.sent) - before <= 3, "the pause is reported, once"
    page.wait_for_function(f"() => location.search.includes('step={k + 1}')", timeout=10000)


def test_stepping_sends_nothing_until_the_user_stops(page, app_url):
    open_lesson(page, app_url)
    page.wait_for_timeout(1000)
    page.click(f"{browser.PLAYER} .counter")
    page.wait_for_timeout(1200)
    start = len(page.sent)
    for _ in range(8):
        page.keyboard.press("ArrowRight")
        page.wait_for_timeout(60)
    for r in range(4):
        page.hover(f'[data-cell="Z:{r},{r}"]')
    quiet = len(page.sent) - start
    page.wait_for_timeout(1600)
    assert quiet == 0, f"{quiet} messages while stepping and hovering"
    assert len(page.sent) - start >= 1, "one report after the user stopped"


def test_hover_an_output_cell_lights_its_window_on_the_channel_in_focus(page, app_url):
    open_lesson(page, app_url)
    b = board(page)
    page.hover('[data-cell="Z:2,3"]')
    step = next(k for k, s in enumerate(b["steps"]) if s["h"] == 2 and s["w"] == 3)
    windows = b["steps"][step]["overlays"]["window"]
    assert len(windows) == 3
    # one channel in focus (k = 0); the others are thumbnails, drawn large when chosen
    assert page.locator('[data-panel="a_prev_pad/1"]').count() == 0
    assert page.locator(f"{browser.PLAYER} .thumb").count() == 3
    for name, ((r0, r1, c0, c1),) in windows.items():
        if name != "a_prev_pad/0":
            continue
        lit = page.locator(f'[data-panel="{name}"] .ov.hover')
        assert lit.count() == 1, name
        box = lit.bounding_box()
        first = page.locator(f'[data-cell="{name}:{r0},{c0}"]').bounding_box()
        last = page.locator(f'[data-cell="{name}:{r1 - 1},{c1 - 1}"]').bounding_box()
        assert abs(box["x"] - first["x"]) < 3 and abs(box["y"] - first["y"]) < 3, name
        assert abs(box["x"] + box["width"] - last["x"] - last["width"]) < 3
    assert "Z" in page.inner_text(f"{browser.PLAYER} .tip")
    # an input cell of channel 1 (chosen by its thumbnail): every output cell that read it
    page.click(f'{browser.PLAYER} .thumb[data-channel="1"]')
    page.hover('[data-cell="a_prev_pad/1:4,4"]')
    readers = [
        k
        for k, s in enumerate(b["steps"])
        if 4 in range(*s["overlays"]["window"]["a_prev_pad/1"][0][:2])
        and 4 in range(*s["overlays"]["window"]["a_prev_pad/1"][0][2:])
    ]
    assert page.locator('[data-panel="Z"] .ov.hover_cell').count() == len(readers) == 9
    page.click('[data-cell="Z:2,3"]')
    assert browser.player_step(page) == step


def test_pause_then_reload_reopens_the_step(page, app_url):
    open_lesson(page, app_url, "pooling")
    page.click(f"{browser.PLAYER} .counter")
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    page.wait_for_function("() => location.search.includes('step=4')", timeout=10000)  # the 4th step, as shown
    page.reload()
    browser.wait_for_player(page)
    assert browser.player_step(page) == 3


@pytest.mark.parametrize("size", [(1280, 720), (1920, 1080)])
def test_numbers_are_legible_and_never_overlap(chrome, app_url, size):
    width, height = size
    page = browser.watched_page(chrome, width, height)
    report = []
    for path in LESSONS:
        for query in ("", LARGEST[path]):
            open_lesson(page, app_url, path, query)
            info = browser.player_layout(page)
            report.append((path, query and "largest", info["numbers"], info["min_font"]))
            if info["numbers"]:
                assert info["min_font"] >= MIN_FONT[width], (path, query, info)
            assert info["n_overlaps"] == 0, (path, query, info["overlaps"])
            assert info["svg_right"] <= info["vw"] + 1, (path, query, "figure clipped on the right")
    assert any(n for _, q, n, _ in report if not q), report  # numbers are shown at the defaults
    assert not page.errors, page.errors
    page.close()


def test_presentation_mode_fits_1280x720(chrome, app_url):
    page = browser.watched_page(chrome, 1280, 720)
    for path in LESSONS:
        for query in ("present=1", "present=1&" + LARGEST[path]):
            open_lesson(page, app_url, path, query)
            info = browser.player_layout(page)
            assert info["top"] >= 0 and info["bottom"] <= 720 + 1, (path, query, info)
            assert info["right"] <= 1280 + 1, (path, query, info)
            assert not page.is_visible('[data-testid="stSidebar"]')
            assert info["n_overlaps"] == 0, (path, query, info["overlaps"])
    page.click(f"{browser.PLAYER} .counter")
    page.keyboard.press("Escape")
    page.wait_for_selector('[data-testid="stSidebar"]', state="visible", timeout=10000)
    browser.wait_for_player(page)
    assert page.is_visible("h1")
    assert not page.errors, page.errors
    page.close()
