"""The focused layout in a real Chromium at projector sizes: numbers big and clear, the window beside the output,
keys on arrival, presentation mode's title and previous/next lesson."""

import re

import browser
import pytest

from cnnviz.app import registry

pytestmark = pytest.mark.browser

LESSONS = [lesson.url_path for lesson in registry.ANIMATED]
MIN_FONT = {1280: 14, 1920: 18}
SIZES = [(1280, 720, ""), (1280, 720, "present=1"), (1920, 1080, ""), (1920, 1080, "present=1")]

app_url, chrome = browser.module_fixtures()

# Every drawn number against its cell: inside it, clear of the frames on its edges (>= 2 px each side).
CELLS_JS = """() => {
  const root = document.querySelector('[data-testid="cnnviz-player"]');
  const nums = [...root.querySelectorAll('svg text.num')].filter(t => t.textContent.trim());
  const out = [];
  for (const t of nums) {
    const rect = t.previousElementSibling;  // each number is drawn right after its cell
    const a = t.getBoundingClientRect(), c = rect.getBoundingClientRect();
    out.push({cell: rect.getAttribute('data-cell'), text: t.textContent,
              left: a.left - c.left, right: c.right - a.right, top: a.top - c.top, bottom: c.bottom - a.bottom});
  }
  const axis = [...root.querySelectorAll('svg text.axis')].map(t => parseFloat(getComputedStyle(t).fontSize));
  const panels = [...root.querySelectorAll('[data-panel]')].map(g => g.getAttribute('data-panel'));
  const withNumbers = new Set(nums.map(t => t.previousElementSibling.getAttribute('data-cell').split(':')[0]));
  return {cells: out, axis_min: Math.min(...axis), panels, with_numbers: [...withNumbers]};
}"""


def open_lesson(page, app_url, path, query=""):
    page.goto(f"{app_url}/{path}" + (f"?{query}" if query else ""))
    browser.wait_for_player(page)
    page.wait_for_timeout(500)  # the relayout after the page settles


def in_view(page, selector: str) -> bool:
    box = page.locator(selector).first.bounding_box()
    vh = page.viewport_size["height"]
    return box is not None and box["y"] >= 0 and box["y"] + box["height"] <= vh + 1


@pytest.mark.parametrize(("width", "height", "query"), SIZES)
def test_every_lesson_shows_big_numbers_clear_of_each_other_and_of_the_frames(chrome, app_url, width, height, query):
    page = browser.watched_page(chrome, width, height)
    for path in LESSONS:
        open_lesson(page, app_url, path, query)
        info = browser.player_layout(page)
        cells = page.evaluate(CELLS_JS)
        where = (path, width, query)
        assert info["numbers"] > 0 and info["min_font"] >= MIN_FONT[width], (where, info)
        assert info["n_overlaps"] == 0, (where, info["overlaps"])
        assert cells["axis_min"] >= 12, (where, "index labels", cells["axis_min"])
        # every panel the lesson is about has its numbers (conv_backward's dZ is context: its cell is in the step box)
        context = {"dZ"} if path == "conv_backward" else set()
        missing = set(cells["panels"]) - set(cells["with_numbers"]) - context
        assert not missing, (where, "panels without numbers", missing)
        tight = [c for c in cells["cells"] if min(c["left"], c["right"]) < 2 or min(c["top"], c["bottom"]) < 0]
        assert not tight, (where, "a number touches its cell's edge (the frame would cover it)", tight[:3])
        if query:
            assert info["bottom"] <= height + 1 and info["right"] <= width + 1, (where, "presentation fits", info)
    assert not page.errors, page.errors
    page.close()


@pytest.mark.parametrize("query", ["", "present=1"])
def test_the_window_and_the_output_stay_on_screen_together_while_stepping(chrome, app_url, query):
    page = browser.watched_page(chrome, 1280, 720)
    for path in LESSONS:
        open_lesson(page, app_url, path, query)
        page.evaluate("() => document.querySelector('[data-testid=cnnviz-player] svg.fig').scrollIntoView()")
        steps = int(page.get_attribute(f"{browser.PLAYER} input.scrub", "max")) + 1
        for k in sorted({0, steps // 2, steps - 1}):
            page.evaluate(f"() => document.querySelector('.cnnviz-player').parentElement.__cnnvizPlayer.go({k})")
            page.wait_for_timeout(100)
            # the window read and where its result goes (conv_backward: the dA_prev_pad cells it adds into)
            out = '[data-panel^="dA_prev_pad"] .ov.receives' if path == "conv_backward" else ".ov.written"
            for role in (".ov.window", out):
                selector = f"{browser.PLAYER} {role}"
                if page.locator(selector).count():
                    assert in_view(page, selector), (path, query, k, role, "off screen")
    assert not page.errors, page.errors
    page.close()


def test_keys_work_on_arrival_without_a_click(chrome, app_url):
    page = browser.watched_page(chrome, 1280, 720)
    for path in ("convolution", "conv_backward"):
        open_lesson(page, app_url, path)
        assert browser.player_step(page) == 0
        page.keyboard.press("ArrowRight")
        page.keyboard.press("ArrowRight")
        assert browser.player_step(page) == 2, path
        # another channel in focus by key; a click elsewhere shows how to get the keys back
        page.keyboard.press("ArrowDown")
        assert page.locator(f'{browser.PLAYER} .thumb[data-channel="1"][aria-pressed="true"]').count() == 1
        assert page.locator('[data-panel="a_prev_pad/1"]').count() == 1
    page.locator("h1").first.click()
    assert page.locator(f"{browser.PLAYER} .hint").is_visible()
    assert "click the player" in page.inner_text(f"{browser.PLAYER} .hint")
    assert not page.errors, page.errors
    page.close()


def test_the_tooltip_names_the_cell_once_with_every_index_at_the_chosen_precision(chrome, app_url):
    page = browser.watched_page(chrome, 1280, 720)
    open_lesson(page, app_url, "convolution", "decimals=4")
    page.hover('[data-cell="a_prev_pad/0:3,4"]')
    tip = page.inner_text(f"{browser.PLAYER} .tip")
    assert re.fullmatch(r"A_prev_pad\[0, 3, 4, 0\] = -?\d+\.\d{4}", tip), tip
    page.hover('[data-cell="W/0:1,2"]')
    assert re.fullmatch(r"W\[1, 2, 0, 0\] = -?\d+\.\d{4}", page.inner_text(f"{browser.PLAYER} .tip"))
    page.close()


def test_eight_decimals_keep_the_numbers_in_the_cells(chrome, app_url):
    page = browser.watched_page(chrome, 1280, 720)
    for path in LESSONS:
        open_lesson(page, app_url, path, "decimals=8")
        info = browser.player_layout(page)
        assert info["numbers"] > 0 and info["min_font"] >= 14 and info["n_overlaps"] == 0, (path, info)
        note = page.inner_text(f"{browser.PLAYER} .legend")
        assert "hover a cell" in note or path == "zero_padding", (path, note)
    page.close()


def test_presentation_mode_has_the_title_and_goes_to_the_next_and_previous_lesson(chrome, app_url):
    page = browser.watched_page(chrome, 1280, 720)
    open_lesson(page, app_url, "convolution", "present=1")
    assert page.get_by_text("2. Convolution forward").is_visible()
    assert page.locator(f"{browser.PLAYER} pre.code").is_hidden(), "the code panel is closed unless asked for"
    page.keyboard.press("n")  # keys on arrival: no click first
    page.wait_for_url(re.compile(r"/pooling"), timeout=20000)
    browser.wait_for_player(page)
    page.wait_for_timeout(500)
    assert page.get_by_text("3. Pooling forward").is_visible()
    info = browser.player_layout(page)
    assert info["numbers"] > 0 and info["min_font"] >= 14, "presentation is kept, with numbers"
    page.keyboard.press("p")
    page.wait_for_url(re.compile(r"/convolution"), timeout=20000)
    browser.wait_for_player(page)
    page.get_by_role("link", name=re.compile("1. Zero padding")).click()  # the links do the same
    page.wait_for_url(re.compile(r"/zero_padding"), timeout=20000)
    browser.wait_for_player(page)
    assert not page.is_visible('[data-testid="stSidebar"]')
    assert not page.errors, page.errors
    page.close()


def test_turning_present_on_keeps_the_numbers_and_closes_the_code(chrome, app_url):
    page = browser.watched_page(chrome, 1280, 720)
    for path in ("pooling", "conv_backward"):
        open_lesson(page, app_url, path)
        assert page.locator(f"{browser.PLAYER} pre.code").is_visible()
        page.locator(".st-key-present label").first.click()
        page.wait_for_function("() => document.querySelector('.cnnviz-player.present')", timeout=20000)
        browser.wait_for_player(page)
        page.wait_for_timeout(800)
        info = browser.player_layout(page)
        assert info["numbers"] > 0 and info["min_font"] >= 14, (path, info)
        assert info["bottom"] <= 721, (path, info)
        assert page.locator(f"{browser.PLAYER} pre.code").is_hidden(), path
    assert not page.errors, page.errors
    page.close()
