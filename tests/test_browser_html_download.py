"""Every lesson offers its player as one offline HTML file beside the GIF, and that file plays offline."""

import browser
import pytest

from cnnviz.app import registry

pytestmark = pytest.mark.browser

app_url, chrome = browser.module_fixtures()
BUDGET = 80_000  # bytes the page may add to the board's JSON (issue 21)


@pytest.mark.parametrize("path", [lesson.url_path for lesson in registry.ANIMATED])
def test_the_lesson_downloads_an_html_file_that_plays_offline(chrome, app_url, path, tmp_path):
    page = browser.watched_page(chrome, 1280, 900)
    page.goto(f"{app_url}/{path}")
    browser.wait_for_player(page)
    board_bytes = page.evaluate(
        "() => JSON.stringify(document.querySelector('.cnnviz-player').parentElement.__cnnvizPlayer.board).length"
    )
    button = page.get_by_role("button", name="Download as interactive HTML")
    gif = page.get_by_role("button", name="Download this animation (GIF)")
    assert abs(button.bounding_box()["y"] - gif.bounding_box()["y"]) < 4, "beside the GIF button, on its row"
    with page.expect_download() as info:
        button.click()
    file = tmp_path / info.value.suggested_filename
    info.value.save_as(file)
    assert file.suffix == ".html"
    size = file.stat().st_size
    print(f"{path}: {size:,} bytes (board {board_bytes:,})")
    assert size <= board_bytes + BUDGET
    assert not page.errors, page.errors
    page.close()

    offline = chrome.new_page(viewport={"width": 1280, "height": 720})
    asked = []
    offline.route(
        "**/*", lambda r: (asked.append(r.request.url), r.continue_() if r.request.url == file.as_uri() else r.abort())
    )
    offline.goto(file.as_uri())
    offline.wait_for_selector('[data-testid="cnnviz-player"] [data-cell]')
    offline.keyboard.press("ArrowRight")
    assert offline.get_attribute('[data-testid="cnnviz-player"]', "data-step") == "1"
    assert asked == [file.as_uri()]
    offline.close()
