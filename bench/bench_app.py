"""App budgets: a page rerun (AppTest), a setting -> redrawn player, first paint and sidebar height (Chromium)."""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from cnnviz.app import registry  # noqa: E402

PAGES = [(lesson.key, lesson.path) for lesson in registry.LESSONS]
RERUN_BUDGET_MS = 300
REDRAW_BUDGET_S = 0.5
FIRST_PAINT_S = 3.0


def rerun_times(repeats: int = 5) -> None:
    from streamlit.testing.v1 import AppTest

    print(f"{'page':<16}{'first run ms':>14}{'rerun ms (median)':>20}{'budget':>9}  verdict")
    for name, path in PAGES:
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
        at.run()
        start = time.perf_counter()
        at.switch_page(path).run()
        first = (time.perf_counter() - start) * 1000
        reruns = []
        for _ in range(repeats):
            start = time.perf_counter()
            at.run()
            reruns.append((time.perf_counter() - start) * 1000)
        median = statistics.median(reruns)
        verdict = "ok" if median <= RERUN_BUDGET_MS else "OVER"
        print(f"{name:<16}{first:>14.0f}{median:>20.0f}{RERUN_BUDGET_MS:>9}  {verdict}")


def redraw_times(repeats: int = 5) -> None:
    """A setting change (f + 1 / - 1 on the convolution page) -> the player redrawn with the new board."""
    import browser

    why = browser.missing()
    if why:
        print(f"browser redraw: skipped ({why})")
        return
    with browser.streamlit_server() as url, browser.chromium() as chrome:
        page = chrome.new_page(viewport={"width": 1600, "height": 1000})
        page.goto(f"{url}/convolution")
        browser.wait_for_player(page)
        count = "() => document.querySelectorAll('[data-cell]').length"
        times = []
        for k in range(repeats):
            before = page.evaluate(count)
            key = "ArrowRight" if k % 2 == 0 else "ArrowLeft"  # the f slider, one step up or down
            thumb = page.locator(".st-key-f input[type=range]")
            thumb.focus()
            start = time.perf_counter()
            thumb.press(key)
            page.wait_for_function(f"(n) => ({count})() !== n", arg=before, timeout=15000)
            times.append(time.perf_counter() - start)
            browser.wait_for_player(page)
        median = statistics.median(times)
        verdict = "ok" if median <= REDRAW_BUDGET_S else "OVER"
        print(
            f"browser: f change -> redrawn player, median of {repeats}: {median:.2f} s "
            f"(max {max(times):.2f} s; budget {REDRAW_BUDGET_S:.1f} s) {verdict}"
        )


def first_paint(pages: tuple[str, ...] = ("zero_padding", "convolution", "pooling", "conv_backward", "pool_backward")):
    """A lesson's first paint in a fresh browser (new context: empty cache) on a warm server, and sidebar height.

    First paint = navigation start -> the player's cells drawn (what a student waits for); the
    sidebar height is its scrollHeight at 1280x720 (issue 9 measured 2457 px before).
    """
    import browser

    why = browser.missing()
    if why:
        print(f"first paint: skipped ({why})")
        return
    with browser.streamlit_server() as url, browser.chromium() as chrome:
        warm = chrome.new_page()
        for path in pages:  # warm the server: imports, caches
            warm.goto(f"{url}/{path}")
            browser.wait_for_player(warm)
        warm.close()
        print(
            f"{'page':<16}{'first paint s':>14}{'DOMContentLoaded s':>20}{'sidebar px':>12}  budget {FIRST_PAINT_S} s"
        )
        for path in pages:
            context = chrome.new_context(viewport={"width": 1280, "height": 720})
            page = context.new_page()
            start = time.perf_counter()
            page.goto(f"{url}/{path}")
            browser.wait_for_player(page)
            paint = time.perf_counter() - start
            dcl = page.evaluate("() => performance.getEntriesByType('navigation')[0].domContentLoadedEventEnd / 1000")
            side = page.evaluate(
                "() => { const s = document.querySelector('[data-testid=\"stSidebarContent\"]');"
                " return s ? s.scrollHeight : 0; }"
            )
            verdict = "ok" if paint <= FIRST_PAINT_S else "OVER"
            print(f"{path:<16}{paint:>14.2f}{dcl:>20.2f}{side:>12}  {verdict}")
            context.close()


def main() -> None:
    rerun_times()
    redraw_times()
    first_paint()
