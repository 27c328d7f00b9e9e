"""Bounded memory for a classroom: byte-budgeted caches, per-session bytes freed when a session ends.

- `ByteLRU(budget)`: a thread-safe cache shared by every session, evicting least recently used
  entries once their bytes (arrays' nbytes, bytes' len, containers summed) pass the budget.
  Hold compact values (arrays, bytes, JSON-able dicts), not object graphs.
- `session_put(key, value)` / `session_get(key)`: per-session values (uploads, a session's maps)
  under a per-session byte budget, kept here instead of st.session_state so they go when the
  session goes, not at Streamlit's reconnect TTL.
- `start_janitor()`: one daemon thread that shuts down sessions whose reconnect TTL ran out (Streamlit
  1.67 forgets them without shutting them down, keeping their uploads), notices sessions the
  runtime no longer knows (there is no public session-end hook), drops their values, runs one full
  collection and returns freed heap pages to the system (`malloc_trim`): with
  `runner.postScriptGC = false` nothing else would collect right after a class leaves.

Usage (a lesson's shared cache)::

    from cnnviz.app import memory
    BOARDS = memory.ByteLRU(64 * 2**20, name="boards")
    board = BOARDS.get_or_make(("conv_forward", f, stride, pad, seed), lambda: build_board(...))
"""

from __future__ import annotations

import contextlib
import ctypes
import dataclasses
import functools
import gc
import hashlib
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator
from typing import Any

import numpy as np

SESSION_BUDGET = 64 * 2**20  # bytes one session may keep here (an upload, its maps)
_libc: Any = None


def nbytes(value: object, _depth: int = 0) -> int:
    """Approximate bytes held by `value`: arrays' buffers, bytes/str lengths, containers summed."""
    if isinstance(value, np.ndarray):
        return int(value.nbytes)
    if isinstance(value, bytes | bytearray | memoryview):
        return len(value)
    if isinstance(value, str):
        return len(value)
    if _depth > 6:
        return 64
    if isinstance(value, dict):
        return 64 + sum(nbytes(k, _depth + 1) + nbytes(v, _depth + 1) for k, v in value.items())
    if isinstance(value, list | tuple | set | frozenset):
        return 56 + sum(nbytes(v, _depth + 1) for v in value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):  # e.g. features.FeatureMaps
        return 64 + sum(nbytes(getattr(value, f.name), _depth + 1) for f in dataclasses.fields(value))
    size = getattr(value, "nbytes", None)
    return int(size) if isinstance(size, int) else 32


_DROP_WHEN_IDLE: list[ByteLRU] = []


class ByteLRU:
    """A least-recently-used cache bounded by bytes (and optionally entries), safe across threads."""

    def __init__(
        self, budget: int, name: str = "cache", max_entries: int | None = None, drop_when_idle: bool = False
    ) -> None:
        """drop_when_idle: emptied by the janitor once no session is left (photos' maps: no one to serve)."""
        self.budget, self.name, self.max_entries = budget, name, max_entries
        if drop_when_idle:
            _DROP_WHEN_IDLE.append(self)
        self._items: OrderedDict[Hashable, tuple[object, int]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self._making: dict[Hashable, threading.Lock] = {}
        self.hits = self.misses = 0

    def get(self, key: Hashable, default: object = None) -> object:
        with self._lock:
            item = self._items.get(key)
            if item is None:
                self.misses += 1
                return default
            self._items.move_to_end(key)
            self.hits += 1
            return item[0]

    def put(self, key: Hashable, value: object) -> object:
        """Store `value` (a value larger than the whole budget is returned but not kept)."""
        size = nbytes(value)
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self._bytes -= old[1]
            if size <= self.budget:
                self._items[key] = (value, size)
                self._bytes += size
            while self._items and (
                self._bytes > self.budget or (self.max_entries is not None and len(self._items) > self.max_entries)
            ):
                _, (_, dropped) = self._items.popitem(last=False)
                self._bytes -= dropped
        return value

    def get_or_make(self, key: Hashable, make: Callable[[], object]) -> object:
        """The cached value for `key`, or `make()` stored under it.

        Threads that miss on one key at once make it once: the first makes it, the others wait
        for it (a class opening one page after a restart decodes one photo, not thirty). If
        `make` raises, the next waiting thread tries for itself.
        """
        missing = object()
        value = self.get(key, missing)
        if value is not missing:
            return value
        with self._lock:
            making = self._making.setdefault(key, threading.Lock())
        try:
            with making:
                with self._lock:
                    item = self._items.get(key)
                if item is not None:
                    return item[0]
                return self.put(key, make())
        finally:
            with self._lock:
                if self._making.get(key) is making:
                    del self._making[key]

    def discard(self, predicate: Callable[[Hashable], bool]) -> int:
        """Drop every entry whose key satisfies `predicate`; return the bytes freed."""
        with self._lock:
            gone = [k for k in self._items if predicate(k)]
            freed = sum(self._items.pop(k)[1] for k in gone)
            self._bytes -= freed
        return freed

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._bytes = 0

    @property
    def bytes(self) -> int:
        return self._bytes

    def __len__(self) -> int:
        return len(self._items)

    def stats(self) -> dict[str, int | str]:
        return {"name": self.name, "entries": len(self), "bytes": self._bytes, "budget": self.budget}


def content_key(value: object, h: Any = None) -> str:
    """A digest of arguments made of arrays, numbers, strings, bytes, dicts, lists and tuples.

    Arrays count by dtype, shape and every byte (not sampled); dict keys in sorted order. Anything
    else is a TypeError rather than a key that might mix two different inputs up.
    """
    top = h is None
    h = hashlib.blake2b(digest_size=16) if top else h
    if isinstance(value, np.ndarray):
        h.update(f"a{value.dtype.str}{value.shape}".encode())
        h.update(np.ascontiguousarray(value).data)
    elif isinstance(value, bytes | bytearray):
        h.update(b"b%d:" % len(value) + bytes(value))
    elif value is None or isinstance(value, bool | int | float | str | np.generic):
        text = repr(value.item() if isinstance(value, np.generic) else value)
        h.update(f"{type(value).__name__}{len(text)}:{text}".encode())
    elif isinstance(value, dict):
        h.update(b"d%d" % len(value))
        for k in sorted(value, key=repr):
            content_key(k, h)
            content_key(value[k], h)
    elif isinstance(value, list | tuple):
        h.update(b"l%d" % len(value))
        for item in value:
            content_key(item, h)
    else:
        raise TypeError(f"content_key cannot key a {type(value).__name__}")
    return h.hexdigest() if top else ""


def memoize(cache: ByteLRU) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Cache a pure function's results in `cache`, keyed by its name and content_key(arguments).

    The result is shared by every caller, never copied: only for immutable results (bytes, frozen
    dataclasses of bytes, read-only arrays).
    """

    def wrap(func: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(func)
        def cached(*args: Any, **kwargs: Any) -> Any:
            key = (func.__qualname__, content_key([list(args), kwargs]))
            return cache.get_or_make(key, lambda: func(*args, **kwargs))

        return cached

    return wrap


# --- heavy work ----------------------------------------------------------------------------------

_HEAVY = threading.BoundedSemaphore(max(1, os.cpu_count() or 1))


@contextlib.contextmanager
def heavy_work() -> Iterator[None]:
    """At most one large computation per core at once (e.g. a photo's feature maps).

    Each holds 100 MB or more of temporaries for a moment; thirty at once on two cores finish no
    sooner than two at a time, but need fifteen times the memory. The others wait their turn.
    """
    with _HEAVY:
        yield


# --- per-session values ----------------------------------------------------------------------

_SESSIONS = ByteLRU(16 * SESSION_BUDGET, name="sessions")  # all sessions together, LRU across them


def _session_id() -> str:
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    return ctx.session_id if ctx is not None else "no-session"


def session_put(key: str, value: object, budget: int = SESSION_BUDGET) -> bool:
    """Keep `value` for this session (False, and nothing kept, if it is over the session's budget).

    Older values of the same session are evicted first to make room.
    """
    sid = _session_id()
    size = nbytes(value)
    if size > budget:
        return False
    _SESSIONS.discard(lambda k: k == (sid, key))
    mine = [k for k in list(_SESSIONS._items) if k[0] == sid]
    used = sum(_SESSIONS._items[k][1] for k in mine if k in _SESSIONS._items)
    for k in mine:  # oldest first
        if used + size <= budget:
            break
        used -= _SESSIONS.discard(lambda x, k=k: x == k)
    _SESSIONS.put((sid, key), value)
    return True


def session_get(key: str, default: object = None) -> object:
    """This session's value for `key` (None once evicted or after the session ended)."""
    return _SESSIONS.get((_session_id(), key), default)


def forget_sessions(live: set[str]) -> int:
    """Drop the values of every session not in `live`; return the bytes freed."""
    return _SESSIONS.discard(lambda k: k[0] not in live)


# --- giving memory back ------------------------------------------------------------------------


def trim() -> bool:
    """Return freed heap pages to the OS (glibc malloc_trim); False where there is no glibc."""
    global _libc
    try:
        if _libc is None:
            _libc = ctypes.CDLL("libc.so.6")
        return bool(_libc.malloc_trim(0))
    except (OSError, AttributeError):
        return False


M_ARENA_MAX, M_MMAP_THRESHOLD = -8, -3  # glibc mallopt parameters (malloc.h)
MALLOC_ARENAS = 2
MMAP_THRESHOLD = 2**20  # bytes


def tune_malloc() -> bool:
    """Make freed large blocks go back to the system at once; False where there is no glibc.

    By default glibc gives each thread its own heap arena (up to 8 per core: one per session's
    script thread here) and raises its mmap threshold to the size of every large block freed, up
    to 32 MB, so a photo's 10-20 MB arrays end up inside arenas that fragment and are never
    returned. A fixed 1 MB threshold keeps every large array in its own mapping, unmapped when it
    is freed; two arenas bound the rest. Measured with `python -m bench classroom --pages heavy`
    (30 students, 40 s, 60 s after they left): see README, "A classroom".
    Environment variables MALLOC_ARENA_MAX / MALLOC_MMAP_THRESHOLD_ win if set.
    """
    global _libc
    try:
        if _libc is None:
            _libc = ctypes.CDLL("libc.so.6")
        ok = True
        if "MALLOC_ARENA_MAX" not in os.environ:
            ok = bool(_libc.mallopt(M_ARENA_MAX, MALLOC_ARENAS)) and ok
        if "MALLOC_MMAP_THRESHOLD_" not in os.environ:
            ok = bool(_libc.mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and ok
        return ok
    except (OSError, AttributeError):
        return False


def release() -> None:
    """One full collection of what is not frozen, then malloc_trim."""
    gc.collect()
    trim()


def live_session_ids() -> set[str] | None:
    """Ids of the sessions the Streamlit runtime holds (connected or awaiting reconnect), or None."""
    from streamlit import runtime

    if not runtime.exists():
        return None
    manager = runtime.get_instance()._session_mgr  # no public list in 1.67; read-only use
    return {info.session.id for info in manager.list_sessions()}


_janitor: threading.Thread | None = None
_janitor_lock = threading.Lock()


def start_janitor(interval: float = 5.0) -> None:
    """Start (once per process) the thread that releases memory after sessions end."""
    global _janitor
    with _janitor_lock:
        if _janitor is not None:
            return
        _janitor = threading.Thread(target=_janitor_loop, args=(interval,), name="cnnviz-memory", daemon=True)
        _janitor.start()


def reap_expired_sessions() -> int:
    """Shut down sessions whose reconnect TTL ran out; return how many.

    Streamlit 1.67 keeps a disconnected session in a TTL cache that only drops expired entries on
    a write, and drops them without `AppSession.shutdown()`: their uploaded files stay in the
    upload manager for good. Here they are expired and shut down (files and media freed), on the
    runtime's event loop, which owns that cache.
    """
    from streamlit import runtime

    if not runtime.exists():
        return 0
    rt = runtime.get_instance()
    cache = getattr(getattr(rt._session_mgr, "_session_storage", None), "_cache", None)
    if cache is None or not hasattr(cache, "expire"):
        return 0
    done = threading.Event()
    count = [0]

    def reap() -> None:
        try:
            for _sid, info in cache.expire():
                with contextlib.suppress(Exception):
                    info.session.shutdown()
                count[0] += 1
        finally:
            done.set()

    try:
        rt._get_async_objs().eventloop.call_soon_threadsafe(reap)
        done.wait(10)
    except Exception:
        reap()
    return count[0]


def _janitor_loop(interval: float) -> None:
    known: set[str] = set()
    while True:
        time.sleep(interval)
        with contextlib.suppress(Exception):  # never let housekeeping take the server down
            reaped = reap_expired_sessions()
            live = live_session_ids()
            if live is None:
                continue
            if reaped or known - live:  # sessions ended (closed, or their reconnect TTL ran out)
                forget_sessions(live)
                if not live:  # the class has gone: what was made from its pictures serves no one
                    for cache in _DROP_WHEN_IDLE:
                        cache.clear()
                release()
                if os.environ.get("CNNVIZ_MEMORY_LOG"):
                    print(f"cnnviz.memory: {reaped} expired sessions shut down, {len(live)} live", flush=True)
            known = live
