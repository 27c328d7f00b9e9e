"""A classroom against one real server process, over Streamlit's websocket protocol (bench/bench_classroom.py).

Correctness only (no timings): 30 sessions opened at the same moment on a freshly started server
raise nothing (the first-request import race), and 10 students moving f / stride / pad for 20 s
get every interaction answered with no exception. Timings are `python -m bench classroom`.
"""

from __future__ import annotations

import asyncio
import os
import shutil
from pathlib import Path

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


def _nginx() -> bool:
    return shutil.which("nginx") is not None or Path("/usr/sbin/nginx").exists()


@pytest.mark.skipif(
    not _nginx() and not os.environ.get("CNNVIZ_REQUIRE_NGINX"), reason="nginx not installed (make serve installs it)"
)
def test_make_serve_spreads_one_address_over_its_workers_and_keeps_each_student_on_one():
    """Every student comes from 127.0.0.1 (a class behind one NAT looks the same): they still spread
    over both workers, and each one's websocket and upload reach the same worker (a wrong worker
    refuses the upload, which the tally would show as an error)."""
    with classroom.served(2) as (url, pids):
        workers = pids[:2]  # the last pid is nginx
        assert len(workers) == 2
        before = [classroom.cpu_seconds([pid]) for pid in workers]
        photo = classroom.photo_jpeg(1200, 900)
        tally = asyncio.run(classroom.classroom(url, 16, 10, ("feature_maps", "convolution"), upload=photo))
        used = [classroom.cpu_seconds([pid]) - start for pid, start in zip(workers, before, strict=True)]
    assert tally.errors == []
    assert tally.sent == tally.answered
    assert min(used) > 0.5, f"CPU seconds per worker during the class: {used}"
