"""The step-by-step layers reproduce the course notebook's published outputs, and fix its two bugs."""

import numpy as np
import pytest

from cnnviz.core import layers as L


def test_zero_pad_shape_and_ring():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((4, 3, 3, 2))
    x_pad = L.zero_pad(x, 2)
    assert x_pad.shape == (4, 7, 7, 2)
    np.testing.assert_array_equal(x_pad[:, 2:5, 2:5, :], x)
    assert not x_pad[:, :2].any() and not x_pad[:, :, -2:].any()


def test_conv_forward_backward_match_course_notebook():
    # The notebook's expected values for np.random.seed(1) and these shapes.
    np.random.seed(1)
    A_prev = np.random.randn(10, 4, 4, 3)
    W = np.random.randn(2, 2, 3, 8)
    b = np.random.randn(1, 1, 1, 8)
    Z, cache = L.conv_forward(A_prev, W, b, {"pad": 2, "stride": 2})
    assert Z.mean() == pytest.approx(0.0489952035289, abs=1e-12)
    dA, dW, db = L.conv_backward(Z, cache)
    assert dA.mean() == pytest.approx(1.45243777754, abs=1e-10)
    assert dW.mean() == pytest.approx(1.72699145831, abs=1e-10)
    assert db.mean() == pytest.approx(7.83923256462, abs=1e-10)


def test_conv_single_step_is_float64_scalar():
    rng = np.random.default_rng(0)
    a, W, b = rng.standard_normal((4, 4, 3)), rng.standard_normal((4, 4, 3)), rng.standard_normal((1, 1, 1))
    Z = L.conv_single_step(a, W, b)
    assert isinstance(Z, np.float64) and np.ndim(Z) == 0
    assert Z == pytest.approx(np.sum(a * W) + b.item())


def test_conv_backward_pad_zero_is_not_empty():
    rng = np.random.default_rng(2)
    A_prev = rng.standard_normal((2, 5, 5, 3))
    Z, cache = L.conv_forward(
        A_prev, rng.standard_normal((3, 3, 3, 2)), np.zeros((1, 1, 1, 2)), {"pad": 0, "stride": 1}
    )
    dA_prev, _, _ = L.conv_backward(np.ones_like(Z), cache)
    assert dA_prev.shape == A_prev.shape
    assert np.abs(dA_prev).sum() > 0


def test_max_pool_tie_goes_to_first_maximum_only():
    x = np.array([[1.0, 3.0], [3.0, 2.0]])
    mask = L.create_mask_from_window(x)
    np.testing.assert_array_equal(mask, [[False, True], [False, False]])
    A_prev = x.reshape(1, 2, 2, 1)
    A, cache = L.pool_forward(A_prev, {"f": 2, "stride": 2})
    dA_prev = L.pool_backward(np.full_like(A, 5.0), cache)
    assert dA_prev.sum() == 5.0
    assert dA_prev[0, 0, 1, 0] == 5.0


def test_distribute_value():
    np.testing.assert_allclose(L.distribute_value(2.0, (2, 2)), np.full((2, 2), 0.5))


def test_nested_lists_work_like_arrays():
    rng = np.random.default_rng(4)
    A_prev, W, b = (
        rng.standard_normal((1, 4, 4, 2)),
        rng.standard_normal((2, 2, 2, 3)),
        rng.standard_normal((1, 1, 1, 3)),
    )
    hp = {"stride": 1, "pad": 1}
    Z, cache = L.conv_forward(A_prev, W, b, hp)
    Z_list, cache_list = L.conv_forward(A_prev.tolist(), W.tolist(), b.tolist(), hp)
    np.testing.assert_array_equal(Z_list, Z)
    for got, want in zip(L.conv_backward(Z.tolist(), cache_list), L.conv_backward(Z, cache), strict=True):
        np.testing.assert_array_equal(got, want)
    A, pool_cache = L.pool_forward(A_prev.tolist(), {"f": 2, "stride": 2})
    np.testing.assert_array_equal(A, L.pool_forward(A_prev, {"f": 2, "stride": 2})[0])
    assert L.pool_backward(A.tolist(), pool_cache).shape == A_prev.shape
