"""cnnviz.app.memory: caches bounded by bytes, per-session budgets, sessions forgotten."""

import numpy as np

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
