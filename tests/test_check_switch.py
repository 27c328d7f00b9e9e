"""Who may run code: the switch's precedence, `make serve` (nginx + workers) off, a proxied session off.

The served test starts deploy/serve.sh with CNNVIZ_CHECK_CODE=on in its environment (as CI exports
it) and opens the page through nginx in Chromium: the panel must say checking is off and offer no
Check button. The direct test opens a loopback server started with `on` once as a local browser
(on) and once with an X-Forwarded-For header (off).
"""

from __future__ import annotations

import os
import re
import shutil
import sys
from pathlib import Path

import browser
import pytest

from bench import bench_classroom as classroom
from cnnviz.check import switch

PROXY = {"X-Forwarded-For": "203.0.113.7"}


def test_the_switch_precedence():
    assert switch.enabled("127.0.0.1", None) and switch.enabled("localhost", None) and switch.enabled("::1", None)
    assert not switch.enabled("", None) and not switch.enabled("0.0.0.0", None)
    assert switch.enabled("0.0.0.0", "on") and not switch.enabled("127.0.0.1", "off")
    # a session through a proxy or from another machine: off, even with `on`, even on loopback
    for headers, ip in ((PROXY, "127.0.0.1"), ({"forwarded": "for=192.0.2.1"}, None), ({}, "192.0.2.1")):
        assert not switch.enabled("127.0.0.1", None, headers, ip)
        assert not switch.enabled("127.0.0.1", "on", headers, ip)
        assert switch.enabled("127.0.0.1", "remote", headers, ip)  # the explicit opt-in
        assert not switch.enabled("127.0.0.1", "off", headers, ip)
    assert switch.enabled("127.0.0.1", "on", {"Host": "localhost"}, "127.0.0.1")  # a local browser


def _open_panel(page, url: str) -> str:
    page.goto(url + "/zero_padding", wait_until="domcontentloaded")
    browser.wait_for_player(page, timeout_ms=90000)  # the run has finished: a click is not undone by a rerun
    page.get_by_text("Check your own code", exact=True).click()
    page.get_by_text(re.compile("Paste your zero_pad|off here")).first.wait_for(timeout=30000)
    return page.locator("[data-testid=stExpander]").filter(has_text="Check your own code").inner_text()


@pytest.fixture(scope="module")
def chrome():
    why = browser.missing()
    if why:
        if os.environ.get("CNNVIZ_REQUIRE_BROWSER") == "1":
            pytest.fail(f"CNNVIZ_REQUIRE_BROWSER=1 but {why}")
        pytest.skip(why)
    with browser.chromium() as b:
        yield b


def test_a_proxied_session_is_off_on_a_loopback_server_started_with_on(chrome, monkeypatch):
    monkeypatch.setenv(switch.ENV, "on")
    with browser.streamlit_server() as url:
        local = chrome.new_page(viewport={"width": 1280, "height": 720})
        assert "Paste your zero_pad" in _open_panel(local, url)
        proxied = chrome.new_page(viewport={"width": 1280, "height": 720}, extra_http_headers=PROXY)
        text = _open_panel(proxied, url)
        assert "off here" in text and "Paste your zero_pad" not in text, text


def _nginx() -> bool:
    return shutil.which("nginx") is not None or Path("/usr/sbin/nginx").exists()


@pytest.mark.skipif(
    not _nginx() and not os.environ.get("CNNVIZ_REQUIRE_NGINX"), reason="nginx not installed (make serve installs it)"
)
def test_make_serve_shows_the_panel_off_even_when_started_with_on(chrome, monkeypatch):
    monkeypatch.setenv(switch.ENV, "on")  # what CI exports: serve.sh must not pass it on
    monkeypatch.setenv("PY", sys.executable)  # this interpreter (a worktree may have no .venv of its own)
    with classroom.served(1) as (url, _pids):
        page = chrome.new_page(viewport={"width": 1280, "height": 720})
        text = _open_panel(page, url)
        os.makedirs("/tmp/shots-16", exist_ok=True)
        page.screenshot(path="/tmp/shots-16/serve-panel-off.png")
    assert "off here" in text and "Paste your zero_pad" not in text, text
