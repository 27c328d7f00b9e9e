"""App budgets: a page rerun at its defaults (AppTest) and slider -> redrawn chart in Chromium."""

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
REDRAW_BUDGET_S = 1.0


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
    import browser

    why = browser.missing()
    if why:
        print(f"browser redraw: skipped ({why})")
        return
    with browser.streamlit_server() as url, browser.chromium() as chrome:
        page = chrome.new_page(viewport={"width": 1600, "height": 1000})
        page.goto(f"{url}/convolution")
        browser.wait_for_chart(page)
        thumb = browser.slider_input(page, "f (filter size)")
        times = []
        for k in range(repeats):
            before = browser.chart_state(page)
            thumb.focus()
            start = time.perf_counter()
            thumb.press("ArrowRight" if k % 2 == 0 else "ArrowLeft")
            browser.wait_for_change(page, before)
            times.append(time.perf_counter() - start)
            browser.wait_for_chart(page)
        median = statistics.median(times)
        verdict = "ok" if median <= REDRAW_BUDGET_S else "OVER"
        print(
            f"browser: slider f change -> redrawn chart, median of {repeats}: {median:.2f} s "
            f"(max {max(times):.2f} s; budget {REDRAW_BUDGET_S:.1f} s) {verdict}"
        )


def main() -> None:
    rerun_times()
    redraw_times()
