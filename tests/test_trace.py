"""Replaying a trace reproduces the step-by-step layers exactly, window by window."""

import dataclasses

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cnnviz.core import layers as L
from cnnviz.core import windows
from cnnviz.steps import trace as T

SETTINGS = settings(max_examples=40, deadline=None)


@st.composite
def conv_case(draw):
    """Random valid conv arguments plus a sample i and filter c."""
    m = draw(st.integers(1, 3))
    n_C_prev = draw(st.integers(1, 3))
    n_C = draw(st.integers(1, 3))
    pad = draw(st.integers(0, 2))
    n_H_prev = draw(st.integers(1, 7))
    n_W_prev = draw(st.integers(1, 7))
    f = draw(st.integers(1, min(n_H_prev, n_W_prev) + 2 * pad))
    stride = draw(st.integers(1, 3))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    A_prev = rng.standard_normal((m, n_H_prev, n_W_prev, n_C_prev))
    W = rng.standard_normal((f, f, n_C_prev, n_C))
    b = rng.standard_normal((1, 1, 1, n_C))
    i = draw(st.integers(0, m - 1))
    c = draw(st.integers(0, n_C - 1))
    return A_prev, W, b, {"stride": stride, "pad": pad}, i, c


@st.composite
def pool_case(draw):
    """Random valid pool arguments; small integer values so that tied maxima are common."""
    m = draw(st.integers(1, 3))
    n_C = draw(st.integers(1, 3))
    n_H_prev = draw(st.integers(1, 8))
    n_W_prev = draw(st.integers(1, 8))
    f = draw(st.integers(1, min(n_H_prev, n_W_prev)))
    stride = draw(st.integers(1, 3))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    A_prev = rng.integers(-2, 3, (m, n_H_prev, n_W_prev, n_C)).astype(float)
    mode = draw(st.sampled_from(["max", "average"]))
    i = draw(st.integers(0, m - 1))
    c = draw(st.integers(0, n_C - 1))
    return A_prev, {"f": f, "stride": stride}, mode, i, c


def _only(X: np.ndarray, i: int, c: int) -> np.ndarray:
    """X with every entry zeroed except X[i, :, :, c]."""
    Y = np.zeros_like(X)
    Y[i, :, :, c] = X[i, :, :, c]
    return Y


def _assert_window_walk(steps, n_H, n_W, f, stride, i, c):
    expected = list(windows.iter_windows(n_H, n_W, f, stride))
    assert len(steps) == len(expected) == n_H * n_W
    for k, (step, win) in enumerate(zip(steps, expected, strict=True)):
        assert step.index == k and step.i == i and step.c == c
        assert (step.h, step.w, step.vert_start, step.vert_end, step.horiz_start, step.horiz_end) == tuple(win)
        assert step.label == f"h={win.h},w={win.w}"


@SETTINGS
@given(conv_case())
def test_conv_forward_trace_replays_Z_exactly(case):
    A_prev, W, b, hp, i, c = case
    A_before = A_prev.copy()
    Z, _ = L.conv_forward(A_prev, W, b, hp)
    steps = T.trace_conv_forward(A_prev, W, b, hp, i=i, c=c)
    (_, n_H, n_W, _) = Z.shape
    _assert_window_walk(steps, n_H, n_W, W.shape[0], hp["stride"], i, c)

    A_prev_pad = L.zero_pad(A_prev, hp["pad"])
    Z_replay = np.full((n_H, n_W), np.nan)
    for step in steps:
        window = A_prev_pad[i, step.vert_start : step.vert_end, step.horiz_start : step.horiz_end, :]
        np.testing.assert_array_equal(step.a_slice, window)
        np.testing.assert_array_equal(step.product, window * W[:, :, :, c])
        assert step.s == np.sum(step.product) and step.b == b[0, 0, 0, c]
        assert step.z == step.s + step.b  # the equation the figure prints holds to the last bit
        Z_replay[step.h, step.w] = step.z
    np.testing.assert_array_equal(Z_replay, Z[i, :, :, c])
    np.testing.assert_array_equal(A_prev, A_before)


@SETTINGS
@given(pool_case())
def test_pool_forward_trace_replays_A_and_marks_every_tie(case):
    A_prev, hp, mode, i, c = case
    A, _ = L.pool_forward(A_prev, hp, mode=mode)
    steps = T.trace_pool_forward(A_prev, hp, mode=mode, i=i, c=c)
    (_, n_H, n_W, _) = A.shape
    _assert_window_walk(steps, n_H, n_W, hp["f"], hp["stride"], i, c)

    A_replay = np.full((n_H, n_W), np.nan)
    for step in steps:
        window = A_prev[i, step.vert_start : step.vert_end, step.horiz_start : step.horiz_end, c]
        np.testing.assert_array_equal(step.a_slice, window)
        A_replay[step.h, step.w] = step.value
        if mode == "max":
            mask = L.create_mask_from_window(window)
            assert mask[step.argmax] and window[step.argmax] == step.value
            assert step.ties == tuple(map(tuple, np.argwhere(window == window.max()).tolist()))
            assert step.ties[0] == step.argmax  # the first maximum in row-major order gets the gradient
        else:
            assert step.argmax is None and step.ties == ()
    np.testing.assert_array_equal(A_replay, A[i, :, :, c])


def test_pool_forward_trace_reports_a_tie():
    A_prev = np.array([[1.0, 3.0], [3.0, 0.0]]).reshape(1, 2, 2, 1)
    (step,) = T.trace_pool_forward(A_prev, {"f": 2, "stride": 2})
    assert step.value == 3.0 and step.argmax == (0, 1) and step.ties == ((0, 1), (1, 0))


@SETTINGS
@given(conv_case(), st.booleans())
def test_conv_backward_trace_accumulates_to_conv_backward(case, read_backwards):
    A_prev, W, b, hp, i, c = case
    Z, cache = L.conv_forward(A_prev, W, b, hp)
    dZ = np.random.default_rng(7).standard_normal(Z.shape)
    dZ_before = dZ.copy()
    steps = T.trace_conv_backward(dZ, cache, i=i, c=c)
    (_, n_H, n_W, _) = Z.shape
    f, pad = W.shape[0], hp["pad"]
    _assert_window_walk(steps, n_H, n_W, f, hp["stride"], i, c)

    # Only (i, c) scatters: conv_backward on a dZ that is zero elsewhere adds the same numbers in the same order.
    dA_prev, dW, db = L.conv_backward(_only(dZ, i, c), cache)
    last = steps[-1]
    np.testing.assert_array_equal(windows.unpad_hw(last.dA_prev_pad[None], pad)[0], dA_prev[i])
    np.testing.assert_array_equal(last.dW_c, dW[:, :, :, c])
    assert last.db_c == db[0, 0, 0, c]

    # Every running total is the sum of the scatters so far, whichever order the steps are read in.
    A_prev_pad = L.zero_pad(A_prev, pad)[i]
    expected = np.zeros(A_prev_pad.shape)
    totals = []
    for step in steps:
        rows, cols = slice(step.vert_start, step.vert_end), slice(step.horiz_start, step.horiz_end)
        assert step.dz == dZ[i, step.h, step.w, c]
        np.testing.assert_array_equal(step.da_window, W[:, :, :, c] * step.dz)
        np.testing.assert_array_equal(step.dw_window, A_prev_pad[rows, cols, :] * step.dz)
        expected[rows, cols, :] += step.da_window
        totals.append(expected.copy())
    order = range(len(steps) - 1, -1, -1) if read_backwards else range(len(steps))
    for k in order:
        np.testing.assert_array_equal(steps[k].dA_prev_pad, totals[k])
    np.testing.assert_array_equal(dZ, dZ_before)


def test_conv_backward_traces_of_all_channels_add_up_to_the_sample():
    rng = np.random.default_rng(3)
    A_prev, W, b = (
        rng.standard_normal((2, 5, 6, 3)),
        rng.standard_normal((3, 3, 3, 4)),
        rng.standard_normal((1, 1, 1, 4)),
    )
    hp = {"stride": 2, "pad": 1}
    Z, cache = L.conv_forward(A_prev, W, b, hp)
    dZ = rng.standard_normal(Z.shape)
    dA_prev, dW, db = L.conv_backward(_only(dZ, 1, 0) + _only(dZ, 1, 1) + _only(dZ, 1, 2) + _only(dZ, 1, 3), cache)
    total = sum(T.trace_conv_backward(dZ, cache, i=1, c=c)[-1].dA_prev_pad for c in range(4))
    np.testing.assert_allclose(windows.unpad_hw(total[None], 1)[0], dA_prev[1], rtol=1e-12, atol=1e-12)


@SETTINGS
@given(pool_case())
def test_pool_backward_trace_accumulates_to_pool_backward(case):
    A_prev, hp, mode, i, c = case
    A, cache = L.pool_forward(A_prev, hp, mode=mode)
    dA = np.random.default_rng(11).standard_normal(A.shape)
    steps = T.trace_pool_backward(dA, cache, mode=mode, i=i, c=c)
    (_, n_H, n_W, _) = A.shape
    f = hp["f"]
    _assert_window_walk(steps, n_H, n_W, f, hp["stride"], i, c)

    np.testing.assert_array_equal(steps[-1].dA_prev, L.pool_backward(dA, cache, mode=mode)[i, :, :, c])
    expected = np.zeros(A_prev.shape[1:3])
    for step in steps:
        window = A_prev[i, step.vert_start : step.vert_end, step.horiz_start : step.horiz_end, c]
        assert step.da == dA[i, step.h, step.w, c]
        if mode == "max":
            np.testing.assert_array_equal(step.mask_or_value, L.create_mask_from_window(window) * step.da)
            assert np.count_nonzero(step.mask_or_value) <= 1  # one maximum gets it, even with ties
            assert step.ties[0] == step.argmax
        else:
            np.testing.assert_array_equal(step.mask_or_value, L.distribute_value(step.da, (f, f)))
        expected[step.vert_start : step.vert_end, step.horiz_start : step.horiz_end] += step.mask_or_value
        np.testing.assert_array_equal(step.dA_prev, expected)


def test_steps_are_frozen_and_their_arrays_read_only():
    rng = np.random.default_rng(0)
    A_prev, W, b = rng.standard_normal((1, 4, 4, 2)), rng.standard_normal((2, 2, 2, 1)), np.zeros((1, 1, 1, 1))
    Z, cache = L.conv_forward(A_prev, W, b, {"stride": 1, "pad": 0})
    step = T.trace_conv_forward(A_prev, W, b, {"stride": 1, "pad": 0})[0]
    with pytest.raises(dataclasses.FrozenInstanceError):
        step.h = 3
    with pytest.raises(ValueError, match="read-only"):
        step.a_slice[0, 0, 0] = 1.0
    back = T.trace_conv_backward(np.ones_like(Z), cache)[2]
    with pytest.raises(ValueError, match="read-only"):
        back.dA_prev_pad[0, 0, 0] = 1.0
    with pytest.raises(ValueError, match="read-only"):
        back.dW_c[0, 0, 0] = 1.0


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda A, W, b: T.trace_conv_forward(A, W, b, {"stride": 1, "pad": 0}, i=2), r"i=2 is out of range.*0\.\.1"),
        (lambda A, W, b: T.trace_conv_forward(A, W, b, {"stride": 1, "pad": 0}, c=-1), r"c=-1 is out of range"),
        (lambda A, W, b: T.trace_pool_forward(A, {"f": 2, "stride": 1}, c=3), r"c=3 is out of range.*0\.\.2"),
        (lambda A, W, b: T.trace_pool_forward(A, {"f": 2, "stride": 1}, mode="min"), r"mode='min' is unknown"),
        (lambda A, W, b: T.trace_conv_forward(A, W, b, {"stride": 1, "pad": 0}, i=0.5), r"i=0.5 must be a whole"),
        (lambda A, W, b: T.trace_conv_forward(A, W, b, {"stride": 0, "pad": 0}), r"stride=0"),
    ],
)
def test_bad_arguments_raise_value_errors_with_the_numbers(call, message):
    rng = np.random.default_rng(0)
    A, W, b = rng.standard_normal((2, 4, 4, 3)), rng.standard_normal((2, 2, 3, 2)), np.zeros((1, 1, 1, 2))
    with pytest.raises(ValueError, match=message):
        call(A, W, b)


def test_backward_traces_reject_a_gradient_of_the_wrong_shape():
    rng = np.random.default_rng(0)
    A_prev = rng.standard_normal((1, 4, 4, 1))
    _, cache = L.pool_forward(A_prev, {"f": 2, "stride": 2})
    with pytest.raises(ValueError, match=r"dA has shape \(1, 3, 3, 1\)"):
        T.trace_pool_backward(np.zeros((1, 3, 3, 1)), cache)


def test_tied_windows_counts_windows_with_a_repeated_maximum():
    A_prev = np.array([[1.0, 3.0, 0.0, 0.0], [3.0, 2.0, 0.0, 5.0]]).reshape(1, 2, 4, 1)
    # windows (f=2, stride=2): [[1, 3], [3, 2]] ties at 3; [[0, 0], [0, 5]] does not
    assert T.tied_windows(A_prev, {"f": 2, "stride": 2}) == 1
    assert T.tied_windows(np.random.default_rng(0).standard_normal((2, 6, 6, 3)), {"f": 3, "stride": 1}) == 0
    # every overlapping window of a constant input is a tie: 2 examples * 4 * 4 positions * 3 channels
    assert T.tied_windows(np.ones((2, 6, 6, 3)), {"f": 3, "stride": 1}) == 2 * 4 * 4 * 3
