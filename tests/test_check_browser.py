"""The Check panel in a real Chromium: after a check the player opens on the first differing window, and the
panel's step (counted from 1) is the one the player shows."""

from __future__ import annotations

import re

import browser
from check_course_code import SEED_CONV_FORWARD, SEED_CONV_SINGLE_STEP, SEED_ZERO_PAD

app_url, chrome = browser.module_fixtures()
NO_STRIDE = (
    ("import numpy as np\n" + SEED_ZERO_PAD + SEED_CONV_SINGLE_STEP + SEED_CONV_FORWARD)
    .replace("vert_start = h * stride", "vert_start = h")
    .replace("horiz_start = w * stride", "horiz_start = w")
)


def test_after_a_check_the_player_opens_the_first_differing_window(app_url, chrome):
    page = browser.watched_page(chrome, 1280, 720)
    page.goto(app_url + "/convolution?stride=2", wait_until="domcontentloaded")
    browser.wait_for_player(page)
    assert browser.player_step(page) == 0
    summary = page.get_by_text("Check your own code", exact=True)
    summary.click()
    code = page.locator("textarea").last
    code.fill(NO_STRIDE)
    code.press("Control+Enter")
    page.wait_for_timeout(500)
    page.get_by_role("button", name="Check", exact=True).click()
    said = page.get_by_text("First differing window")
    said.wait_for(timeout=60000)
    step = int(re.search(r"step (\d+) of the player", said.inner_text()).group(1))
    assert step > 1  # the window at step 1 agrees: the old player stayed there
    page.wait_for_function(
        f"() => document.querySelector('{browser.PLAYER}').getAttribute('data-step') === '{step - 1}'", timeout=30000
    )
    assert browser.player_step(page) == step - 1  # data-step is 0-based; the player shows it as step / n
    assert not page.errors, page.errors
