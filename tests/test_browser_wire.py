"""What a rerun costs on the websocket: the board crosses the wire once per content id (issue 21)."""

import time

import browser
import pytest

pytestmark = pytest.mark.browser

LARGEST = "n_H_prev=16&n_W_prev=16&n_C_prev=4&m=4&f=7&pad=3&n_C=8"
BUDGET = 5_000  # bytes received for a rerun that keeps the board

app_url, chrome = browser.module_fixtures()


def received_on_present_toggle(chrome, app_url) -> tuple[int, int, int]:
    """Bytes received: while the first page drew, for the rerun of toggling Present, and of that
    rerun the player's own message (the one that names the component)."""
    page = browser.watched_page(chrome, 1600, 1000)
    got: list[int] = []
    page.on("websocket", lambda ws: ws.on("framereceived", lambda payload: got.append(payload)))
    page.goto(f"{app_url}/conv_backward?{LARGEST}")
    browser.wait_for_player(page)
    page.wait_for_timeout(500)
    first = sum(map(len, got))
    del got[:]
    page.get_by_text("Present", exact=True).click()
    page.wait_for_selector(".cnnviz-player.present")
    browser.wait_for_player(page)
    time.sleep(0.5)  # any late frame of that run
    rerun = sum(map(len, got))
    player = [len(p) for p in got if b"cnnviz_player" in (p if isinstance(p, bytes) else p.encode())]
    assert not page.errors, page.errors
    page.close()
    return first, rerun, sum(player)


def test_a_rerun_that_keeps_the_board_receives_a_header_not_the_board(chrome, app_url):
    first, rerun, player = received_on_present_toggle(chrome, app_url)
    print(f"first draw: {first:,} bytes; the Present rerun: {rerun:,} bytes, of them the player's {player:,}")
    assert first > 100_000, "the first draw carries the board"
    assert 0 < player <= BUDGET, f"the player's message of the rerun was {player:,} bytes"


def test_a_tab_that_lost_its_board_asks_for_it_and_draws_again(chrome, app_url):
    page = browser.watched_page(chrome, 1280, 900)
    page.goto(f"{app_url}/convolution")
    browser.wait_for_player(page)
    cells = page.locator('[data-cell^="Z:"]').count()
    # the tab forgets what it keeps, and the player is gone from the page (as after a long visit elsewhere)
    page.evaluate(
        """() => { window.__cnnviz.boards.clear();
                   const e = document.querySelector('.cnnviz-player').parentElement; delete e.__cnnvizPlayer; }"""
    )
    page.get_by_text("Present", exact=True).click()  # a rerun that keeps the board: the header only
    page.wait_for_selector(".cnnviz-player.present [data-cell]", timeout=30000)
    browser.wait_for_player(page)
    assert page.locator('[data-cell^="Z:"]').count() == cells
    assert not page.errors, page.errors
    page.close()
