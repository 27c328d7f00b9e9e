"""cnnviz.core.fast equals the step-by-step loops of cnnviz.core.layers on random shapes, ties included."""

from unittest import mock

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cnnviz.core import fast, layers

RTOL, ATOL = 1e-10, 1e-12


def assert_same(actual, expected, exact):
    """Integer-valued data must match bit for bit; floats up to rounding (sums in another order)."""
    assert actual.dtype == np.float64
    assert actual.shape == expected.shape
    if exact:
        np.testing.assert_array_equal(actual, expected)
    else:
        np.testing.assert_allclose(actual, expected, rtol=RTOL, atol=ATOL)


def make(rng, shape, ints):
    """Small integers (ties in every max-pool window are likely; products and sums stay exact) or floats."""
    if ints == "int64":
        return rng.integers(-2, 3, size=shape)
    if ints == "float":
        return rng.integers(-2, 3, size=shape).astype(np.float64)
    return rng.standard_normal(shape)


@st.composite
def conv_cases(draw):
    m, n_C_prev, n_C = draw(st.integers(1, 3)), draw(st.integers(1, 3)), draw(st.integers(1, 3))
    n_H_prev, n_W_prev = draw(st.integers(1, 9)), draw(st.integers(1, 9))
    pad, stride = draw(st.integers(0, 2)), draw(st.integers(1, 3))
    f = draw(st.integers(1, min(n_H_prev, n_W_prev) + 2 * pad))
    ints = draw(st.sampled_from(["int64", "float", None]))
    block = draw(st.sampled_from([None, 1, 500]))  # tiny im2col blocks: many row blocks per image
    seed = draw(st.integers(0, 2**32 - 1))
    return (m, n_H_prev, n_W_prev, n_C_prev), (f, f, n_C_prev, n_C), {"pad": pad, "stride": stride}, ints, block, seed


@st.composite
def pool_cases(draw):
    shape = (draw(st.integers(1, 3)), draw(st.integers(1, 9)), draw(st.integers(1, 9)), draw(st.integers(1, 3)))
    f = draw(st.integers(1, min(shape[1], shape[2])))
    hparameters = {"f": f, "stride": draw(st.integers(1, 3))}
    mode, ints = draw(st.sampled_from(["max", "average"])), draw(st.sampled_from(["int64", "float", None]))
    block = draw(st.sampled_from([None, 1, 500]))  # tiny blocks: one output row at a time
    ties = draw(st.sampled_from(["first", "all"]))
    return shape, hparameters, mode, ints, block, ties


@settings(max_examples=100, deadline=None)
@given(conv_cases())
def test_conv_forward_backward_match_layers(case):
    A_shape, W_shape, hparameters, ints, block, seed = case
    rng = np.random.default_rng(seed)
    A_prev, W = make(rng, A_shape, ints), make(rng, W_shape, ints)
    b = make(rng, (1, 1, 1, W_shape[3]), ints)
    originals = [A_prev.copy(), W.copy(), b.copy()]
    exact = ints is not None

    with mock.patch.object(fast, "_BLOCK_BYTES", block or fast._BLOCK_BYTES):
        Z_fast, cache_fast = fast.conv_forward(A_prev, W, b, hparameters)
        Z_loop, cache_loop = layers.conv_forward(A_prev, W, b, hparameters)
        assert_same(Z_fast, Z_loop, exact)
        assert cache_fast[0] is A_prev and cache_fast[1] is W and cache_fast[2] is b and cache_fast[3] is hparameters

        dZ = make(rng, Z_loop.shape, ints)
        dZ_original = dZ.copy()
        # Caches are interchangeable: each module's backward runs on the other's cache.
        grads_fast = fast.conv_backward(dZ, cache_loop)
        grads_loop = layers.conv_backward(dZ, cache_fast)
    for actual, expected in zip(grads_fast, grads_loop, strict=True):
        assert_same(actual, expected, exact)
    for before, after in zip(originals + [dZ_original], [A_prev, W, b, dZ], strict=True):
        np.testing.assert_array_equal(after, before)  # inputs not mutated
    for output in (Z_fast, *grads_fast):
        assert not any(np.shares_memory(output, x) for x in (A_prev, W, b, dZ))


@settings(max_examples=100, deadline=None)
@given(pool_cases(), st.integers(0, 2**32 - 1))
def test_pool_forward_backward_match_layers(case, seed):
    shape, hparameters, mode, ints, block, ties = case
    rng = np.random.default_rng(seed)
    A_prev = make(rng, shape, ints)
    A_original = A_prev.copy()
    exact = ints is not None and mode == "max"

    with mock.patch.object(fast, "_BLOCK_BYTES", block or fast._BLOCK_BYTES):
        A_fast, cache_fast = fast.pool_forward(A_prev, hparameters, mode)
        A_loop, cache_loop = layers.pool_forward(A_prev, hparameters, mode)
        assert_same(A_fast, A_loop, exact)
        assert cache_fast[0] is A_prev and cache_fast[1] is hparameters

        dA = make(rng, A_loop.shape, ints)
        dA_original = dA.copy()
        dA_prev_fast = fast.pool_backward(dA, cache_loop, mode, ties)
    assert_same(dA_prev_fast, layers.pool_backward(dA, cache_fast, mode, ties), exact)
    np.testing.assert_array_equal(A_prev, A_original)
    np.testing.assert_array_equal(dA, dA_original)
    assert not np.shares_memory(A_fast, A_prev) and not np.shares_memory(dA_prev_fast, dA)


@pytest.mark.parametrize("stride", [1, 2, 3])
@pytest.mark.parametrize("f", [1, 2, 3])
def test_max_pool_ties_go_to_the_first_maximum_only(f, stride):
    # All equal: every window's maximum is tied f*f times; row-major first is its top-left corner.
    A_prev = np.zeros((1, 7, 8, 2))
    A, cache = fast.pool_forward(A_prev, {"f": f, "stride": stride})
    dA = np.arange(1.0, A.size + 1).reshape(A.shape)
    dA_prev = fast.pool_backward(dA, cache)
    expected = np.zeros_like(A_prev)
    expected[:, : A.shape[1] * stride : stride, : A.shape[2] * stride : stride] += dA
    np.testing.assert_array_equal(dA_prev, expected)
    assert dA_prev.sum() == dA.sum()


def test_max_pool_tie_in_a_later_row_loses_to_an_earlier_row():
    # Maximum 5 at (0, 2) and (1, 0): row-major order picks (0, 2) although (1, 0) is "more left".
    window = np.array([[1.0, 0.0, 5.0], [5.0, 5.0, 2.0], [3.0, 5.0, 5.0]])
    A_prev = window.reshape(1, 3, 3, 1)
    _, cache = fast.pool_forward(A_prev, {"f": 3, "stride": 1})
    dA_prev = fast.pool_backward(np.full((1, 1, 1, 1), 7.0), cache)
    np.testing.assert_array_equal(dA_prev[0, :, :, 0], layers.create_mask_from_window(window) * 7.0)
    assert dA_prev[0, 0, 2, 0] == 7.0 and dA_prev.sum() == 7.0


def test_large_image_uses_row_blocks_and_matches_layers():
    # Big enough for several im2col blocks per image at the real _BLOCK_BYTES.
    rng = np.random.default_rng(3)
    A_prev = rng.standard_normal((1, 40, 300, 3))
    W = rng.standard_normal((5, 5, 3, 2))
    b = rng.standard_normal((1, 1, 1, 2))
    hparameters = {"pad": 2, "stride": 1}
    assert 40 * 300 * 75 * 8 > 2 * fast._BLOCK_BYTES
    Z, cache = fast.conv_forward(A_prev, W, b, hparameters)
    np.testing.assert_allclose(Z, layers.conv_forward(A_prev, W, b, hparameters)[0], rtol=RTOL, atol=ATOL)
    dZ = rng.standard_normal(Z.shape)
    for actual, expected in zip(fast.conv_backward(dZ, cache), layers.conv_backward(dZ, cache), strict=True):
        np.testing.assert_allclose(actual, expected, rtol=RTOL, atol=ATOL)


def test_course_notebook_numbers():
    # The course's published means for np.random.seed(1), through the fast path.
    np.random.seed(1)
    A_prev = np.random.randn(10, 4, 4, 3)
    W = np.random.randn(2, 2, 3, 8)
    b = np.random.randn(1, 1, 1, 8)
    Z, cache = fast.conv_forward(A_prev, W, b, {"pad": 2, "stride": 2})
    assert Z.mean() == pytest.approx(0.0489952035289, abs=1e-12)
    dA, dW, db = fast.conv_backward(Z, cache)
    assert dA.mean() == pytest.approx(1.45243777754, abs=1e-10)
    assert dW.mean() == pytest.approx(1.72699145831, abs=1e-10)
    assert db.mean() == pytest.approx(7.83923256462, abs=1e-10)


def test_conv_peak_memory_has_no_full_im2col():
    # A 256x256 RGB image through eight 11x11 filters: a full im2col would be 121*3/8 = 45x the output.
    import tracemalloc

    rng = np.random.default_rng(4)
    A_prev = rng.standard_normal((1, 256, 256, 3))
    W = rng.standard_normal((11, 11, 3, 8))
    b = np.zeros((1, 1, 1, 8))
    tracemalloc.start()
    try:
        Z, _ = fast.conv_forward(A_prev, W, b, {"pad": 0, "stride": 1})
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak <= 3 * (A_prev.nbytes + Z.nbytes)
