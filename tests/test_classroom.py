"""A classroom against one real server process, over Streamlit's websocket protocol (bench/bench_classroom.py).

Correctness only (no timings): 30 sessions opened at the same moment on a freshly started server
raise nothing (the first-request import race), and 10 students moving f / stride / pad for 20 s
get every interaction answered with no exception. Timings are `python -m bench classroom`.
"""

from __future__ import annotations

import asyncio

import pytest

from bench import bench_classroom as classroom
from cnnviz.app import registry


@pytest.fixture(scope="module")
def fresh_server():
    with classroom.streamlit_process() as (url, pids):
        yield url


def test_thirty_sessions_at_once_after_a_restart_raise_nothing(fresh_server):
    pages = tuple(page.key for page in registry.PAGES)
    tally = asyncio.run(classroom.classroom(fresh_server, 30, 0, pages))
    assert tally.errors == []
    assert tally.answered == tally.sent == 30


def test_ten_students_for_twenty_seconds_every_interaction_answered(fresh_server):
    tally = asyncio.run(classroom.classroom(fresh_server, 10, 20, classroom.DEFAULT_PAGES))
    assert tally.errors == []
    assert tally.sent == tally.answered
    assert tally.moved >= 10, "students moved f / stride / pad: the widget ids were read from the deltas"
    assert len(tally.latencies) == tally.sent - 10  # every move answered, besides each first paint
