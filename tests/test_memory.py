"""cnnviz.app.memory: caches bounded by bytes, per-session budgets, sessions forgotten."""

import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from cnnviz.app import memory


def test_byte_lru_evicts_least_recently_used_once_over_its_byte_budget():
    cache = memory.ByteLRU(budget=2500)
    for key in "abc":
        cache.put(key, np.zeros(100))  # 800 bytes each
    cache.get("a")  # a is now the most recent
    cache.put("d", np.zeros(100))
    assert cache.get("b") is None and cache.get("a") is not None
    assert cache.bytes <= 2500 and len(cache) == 3


def test_a_value_larger_than_the_whole_budget_is_returned_but_not_kept():
    cache = memory.ByteLRU(budget=100)
    big = np.zeros(1000)
    assert cache.put("big", big) is big
    assert cache.get("big") is None and cache.bytes == 0


def test_nbytes_counts_arrays_inside_containers_and_dataclasses():
    from cnnviz.pictures.features import FeatureMaps

    maps = FeatureMaps(Z=np.zeros((10, 10, 8)), pooled=np.zeros((5, 5, 8)), shapes={}, hparameters={}, mode="max")
    assert memory.nbytes(maps) >= 800 * 8 + 200 * 8
    assert memory.nbytes({"a": [b"x" * 50, np.zeros(10, np.float32)]}) >= 90


def test_session_values_keep_within_the_session_budget_and_go_with_the_session():
    memory.forget_sessions(set())
    assert memory.session_put("upload", b"x" * 600, budget=1000)
    assert memory.session_put("maps", b"y" * 600, budget=1000)  # evicts this session's older upload
    assert memory.session_get("upload") is None and memory.session_get("maps") is not None
    assert not memory.session_put("huge", b"z" * 2000, budget=1000)
    memory.forget_sessions(live=set())  # the session ended
    assert memory.session_get("maps") is None


def test_threads_missing_one_key_at_once_make_it_once():
    cache = memory.ByteLRU(2**20)
    made, gate = [], threading.Event()

    def make():
        made.append(1)
        gate.wait(5)  # everyone else arrives while the first is still making
        return np.zeros(10)

    with ThreadPoolExecutor(8) as pool:
        futures = [pool.submit(cache.get_or_make, "photo", make) for _ in range(8)]
        time.sleep(0.2)
        gate.set()
        values = [f.result() for f in futures]
    assert len(made) == 1
    assert all(v is values[0] for v in values)  # the same array, not copies


def test_a_failed_make_is_not_kept_and_the_next_caller_tries_again():
    cache = memory.ByteLRU(2**20)

    def broken():
        raise ValueError("not an image")

    with pytest.raises(ValueError, match="not an image"):
        cache.get_or_make("bad", broken)
    assert cache.get_or_make("bad", lambda: b"ok") == b"ok"


def test_heavy_work_runs_at_most_one_computation_per_core():
    running, most = [0], [0]
    lock = threading.Lock()

    def work():
        with memory.heavy_work():
            with lock:
                running[0] += 1
                most[0] = max(most[0], running[0])
            time.sleep(0.05)
            with lock:
                running[0] -= 1

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda _: work(), range(8)))
    assert most[0] == max(1, os.cpu_count() or 1)


def test_content_key_tells_apart_what_differs_and_only_that():
    a = np.arange(6.0).reshape(2, 3)
    key = memory.content_key([a, {"stride": 1, "pad": 2}, 0])
    assert key == memory.content_key([a.copy(), {"pad": 2, "stride": 1}, 0])  # content and dict order
    different = [
        [a.T.copy(), {"stride": 1, "pad": 2}, 0],  # same bytes count, other shape
        [a.astype(np.float32), {"stride": 1, "pad": 2}, 0],  # other dtype
        [a + np.eye(2, 3) * 1e-12, {"stride": 1, "pad": 2}, 0],  # one value
        [a, {"stride": 2, "pad": 1}, 0],  # values swapped between keys
        [a, {"stride": 1, "pad": 2}, "0"],
        [a, {"stride": 1, "pad": 2}, 0.5],
    ]
    assert len({key, *(memory.content_key(v) for v in different)}) == 1 + len(different)
    with pytest.raises(TypeError, match="set"):
        memory.content_key([{1, 2}])


def test_memoize_makes_once_and_shares_the_result():
    cache = memory.ByteLRU(2**20)
    calls = []

    @memory.memoize(cache)
    def packed(x, scale=1):
        calls.append(1)
        return (x * scale).tobytes()

    x = np.ones(4)
    first = packed(x, scale=2)
    assert packed(x.copy(), scale=2) is first and len(calls) == 1
    assert packed(x, scale=3) != first and len(calls) == 2
