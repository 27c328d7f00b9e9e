"""One offline HTML file per board: self-contained, within its size budget, and it plays with no network."""

import json
import os

import browser
import pytest
from boards import LESSONS, board

from cnnviz.player import html

BUDGET = 80_000  # bytes the page may add to the board's JSON (issue 21)


@pytest.mark.parametrize("lesson", LESSONS)
def test_the_page_holds_the_board_and_the_player_within_budget(lesson):
    b = board(lesson)
    text = html.page(b)
    board_bytes = len(json.dumps(b, separators=(",", ":")).encode())
    assert len(text.encode()) <= board_bytes + BUDGET
    for needle in ("src=", 'href="http', "import ", "fetch(", "url("):
        assert needle not in text.replace('"http://www.w3.org/2000/svg"', ""), needle


def test_a_board_cannot_end_its_script_element():
    b = board("conv_forward")
    b["title"] = "</script><script>alert(1)</script>"
    text = html.page(b)
    assert text.count("</script>") == 3  # settings, board, module: the title's is escaped


@pytest.fixture(scope="module")
def chrome():
    why = browser.missing()
    if why:
        if os.environ.get("CNNVIZ_REQUIRE_BROWSER") == "1":
            pytest.fail(f"CNNVIZ_REQUIRE_BROWSER=1 but {why}")
        pytest.skip(why)
    with browser.chromium() as b:
        yield b


@pytest.mark.browser
@pytest.mark.parametrize("lesson", ["conv_forward", "pool_backward"])
def test_the_saved_file_plays_with_every_request_blocked(chrome, tmp_path, lesson):
    path = html.save(tmp_path / f"{lesson}.html", board(lesson))
    url = path.as_uri()
    page = chrome.new_page(viewport={"width": 1280, "height": 720})
    requests, errors = [], []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)

    def route(r):
        requests.append(r.request.url)
        return r.continue_() if r.request.url == url else r.abort()

    page.route("**/*", route)
    page.goto(url)
    page.wait_for_selector('[data-testid="cnnviz-player"] [data-cell]')
    player = page.locator('[data-testid="cnnviz-player"]')
    assert player.get_attribute("data-step") == "0"
    numbers = page.inner_text(".cnnviz-player .numbers")
    page.keyboard.press("ArrowRight")  # the page focuses the player: keys work at once
    page.keyboard.press("ArrowRight")
    assert player.get_attribute("data-step") == "2"
    assert page.inner_text(".cnnviz-player .numbers") != numbers
    page.keyboard.press("End")
    assert int(player.get_attribute("data-step")) > 2
    assert requests == [url], "the page asked for something besides itself"
    assert not errors, errors
    page.close()
