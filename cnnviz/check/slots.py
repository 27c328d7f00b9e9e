"""How many checks run at once: at most one per session, and a small number for the whole server.

CNNVIZ_CHECK_SLOTS (default: half the cores, at least 1) checks run at the same time, so that pages keep
the other cores (the checks also run at nice 10); the others wait in line up to `WAIT_S` seconds and
are told so; a session that already has a check running is told to wait for it.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from cnnviz.core.errors import InputError

SLOTS = max(1, int(os.environ.get("CNNVIZ_CHECK_SLOTS") or (os.cpu_count() or 2) // 2))
WAIT_S = 30.0
_slots = threading.BoundedSemaphore(SLOTS)
_busy: set[str] = set()
_lock = threading.Lock()
waiting = 0  # checks in line now (for the panel's words)


class BusyError(InputError):
    """This session's check is still running, or the line was too long."""


@contextmanager
def slot(session: str) -> Iterator[float]:
    """Hold one of the server's check slots for `session`; yields the seconds waited in line."""
    global waiting
    with _lock:
        if session in _busy:
            raise BusyError("Your previous check is still running: wait for its result, then check again.")
        _busy.add(session)
    t0 = time.monotonic()
    try:
        with _lock:
            waiting += 1
        try:
            got = _slots.acquire(timeout=WAIT_S)
        finally:
            with _lock:
                waiting -= 1
        if not got:
            raise BusyError(
                f"The checker is busy ({SLOTS} checks run at a time on this server and others are waiting): "
                f"nothing was run; try again in a minute."
            )
        try:
            yield time.monotonic() - t0
        finally:
            _slots.release()
    finally:
        with _lock:
            _busy.discard(session)
