"""A real Chromium against `streamlit run app.py` on a free loopback port (shared by tests and bench)."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).parents[1]
CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


def missing() -> str | None:
    """Why a browser test cannot run here, or None."""
    if not Path(CHROMIUM).exists():
        return f"{CHROMIUM} not found (apt-get install -y chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is not installed"
    return None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def streamlit_server() -> Iterator[str]:
    """Serve app.py on 127.0.0.1:<free port>; yield its URL; stop it by its process id."""
    port = free_port()
    streamlit = shutil.which("streamlit", path=str(Path(sys.executable).parent)) or "streamlit"
    cmd = [streamlit, "run", str(ROOT / "app.py"), "--server.headless", "true", "--server.address", "127.0.0.1"]
    cmd += ["--server.port", str(port), "--browser.gatherUsageStats", "false"]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=os.environ.copy())
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as reply:
                    if reply.status == 200:
                        break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"streamlit did not start: {proc.stderr.read().decode()[-2000:]}") from None
                time.sleep(0.3)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


@contextlib.contextmanager
def chromium() -> Iterator[object]:
    """A headless Debian Chromium driven by Playwright."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


def module_fixtures():
    """(app_url, chrome): one server and one Chromium per test module, as pytest fixtures.

    A module assigns them (`app_url, chrome = browser.module_fixtures()`). Without a browser
    they skip, or fail under CNNVIZ_REQUIRE_BROWSER=1.
    """
    import pytest

    @pytest.fixture(scope="module")
    def app_url():
        why = missing()
        if why:
            if os.environ.get("CNNVIZ_REQUIRE_BROWSER") == "1":
                pytest.fail(f"CNNVIZ_REQUIRE_BROWSER=1 but {why}")
            pytest.skip(why)
        with streamlit_server() as url:
            yield url

    @pytest.fixture(scope="module")
    def chrome(app_url):
        with chromium() as b:
            yield b

    return app_url, chrome


def watched_page(chrome, width: int, height: int):
    """A new page at width x height whose errors are collected in `page.errors` (watch_errors)."""
    page = chrome.new_page(viewport={"width": width, "height": height})
    page.errors = watch_errors(page)
    return page


def slider_input(page, label: str):
    """The range input of the Streamlit slider labelled `label` (1.67 renders react-aria sliders)."""
    return page.locator(f'input[type="range"][aria-label="{label}"]')


def watch_errors(page) -> list[str]:
    """Collect console errors, page errors, failed or off-machine requests and error responses.

    Nothing may be fetched from outside this machine (no CDN, no font host), so any request that
    leaves loopback is an error.

    On a page URL like /convolution the frontend first asks /convolution/_stcore/health and
    host-config (404), then the root: those two misses are Streamlit's, not ours.

    A request the browser itself cancels (`net::ERR_ABORTED`: a rerun replaced the iframe or
    image that asked for it, a reload dropped the old page's favicon) is not a failure; a refused
    connection, a reset or an error status still is.
    """
    errors: list[str] = []
    probes = ("/_stcore/health", "/_stcore/host-config")
    page.on("pageerror", lambda e: errors.append(f"page error: {e}"))
    page.on(
        "console",
        lambda m: (
            errors.append(m.text) if m.type == "error" and not m.text.startswith("Failed to load resource") else None
        ),
    )

    def failed(request) -> None:
        if "ERR_ABORTED" not in (request.failure or ""):
            errors.append(f"request failed: {request.url} {request.failure}")

    page.on("requestfailed", failed)
    page.on(
        "request",
        lambda r: (
            errors.append(f"off-machine request: {r.url}")
            if r.url.startswith(("http:", "https:")) and not r.url.startswith(("http://127.0.0.1", "http://localhost"))
            else None
        ),
    )
    page.on(
        "response",
        lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 400 and not r.url.endswith(probes) else None,
    )
    return errors


# ---- the lesson player (cnnviz/app/player) ------------------------------------------------------
PLAYER = '[data-testid="cnnviz-player"]'


def wait_for_player(page, timeout_ms: int = 60000) -> None:
    """Wait until the lesson player has drawn its cells and Streamlit has finished the run."""
    page.wait_for_selector(f"{PLAYER} [data-cell]", timeout=timeout_ms)
    page.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=timeout_ms)


def player_step(page) -> int:
    return int(page.get_attribute(PLAYER, "data-step"))


LAYOUT_JS = """() => {
  const root = document.querySelector('[data-testid="cnnviz-player"]');
  const texts = [...root.querySelectorAll('svg text')].filter(t => t.textContent.trim());
  const nums = texts.filter(t => t.classList.contains('num'));
  const boxes = texts.map(t => {
      const b = t.getBoundingClientRect(); return [b.left, b.top, b.right, b.bottom, t.textContent];
    }).filter(b => b[2] > b[0] && b[3] > b[1]);
  const overlaps = [];
  for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
    const a = boxes[i], b = boxes[j];
    const w = Math.min(a[2], b[2]) - Math.max(a[0], b[0]), h = Math.min(a[3], b[3]) - Math.max(a[1], b[1]);
    if (w > 0.5 && h > 0.5) overlaps.push(a[4] + ' / ' + b[4]);
  }
  const r = root.getBoundingClientRect();
  const svg = root.querySelector('svg.fig').getBoundingClientRect();
  return {numbers: nums.length, cells: root.querySelectorAll('[data-cell]').length,
          min_font: nums.length ? Math.min(...nums.map(t => parseFloat(getComputedStyle(t).fontSize))) : null,
          overlaps: overlaps.slice(0, 5), n_overlaps: overlaps.length,
          top: r.top, bottom: r.bottom, left: r.left, right: r.right, svg_right: svg.right,
          vw: innerWidth, vh: innerHeight, page_h: document.documentElement.scrollHeight};
}"""


def player_layout(page) -> dict:
    """The player's numbers (count, smallest font px), overlapping text boxes and its box in the viewport."""
    return page.evaluate(LAYOUT_JS)


def errors_after_settling(page) -> list[str]:
    """page.errors without the misses a rerun causes on a picture page, if nothing is broken now.

    A rerun replaces the page's images: Streamlit drops the old /media/ files, and a browser that
    was still fetching one gets a 404 (and logs "Image source error") for an image no longer shown.
    Those count only if an image on the page is broken now.
    """
    page.wait_for_timeout(500)
    broken = page.evaluate("() => [...document.images].filter(i => i.complete && i.naturalWidth === 0).map(i => i.src)")
    replaced = [e for e in page.errors if "/media/" in e and (e.startswith("404 ") or "Image source error" in e)]
    if broken:
        return page.errors + [f"broken image: {src}" for src in broken]
    return [e for e in page.errors if e not in replaced]
