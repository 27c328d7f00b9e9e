"""The transposed convolution is conv_backward's dA_prev; dilation; layers == fast; gradient checks."""

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from cnnviz.core import fast, gradcheck, layers, windows
from cnnviz.core.errors import InputError


@st.composite
def conv_settings(draw):
    """(A_prev shape, f, n_C, stride, pad) of a valid convolution."""
    m, n_C_prev, n_C = draw(st.integers(1, 3)), draw(st.integers(1, 3)), draw(st.integers(1, 3))
    f, stride, pad = draw(st.integers(1, 4)), draw(st.integers(1, 4)), draw(st.integers(0, 2))
    n_H = draw(st.integers(max(1, f - 2 * pad), 9))
    n_W = draw(st.integers(max(1, f - 2 * pad), 9))
    return (m, n_H, n_W, n_C_prev), f, n_C, stride, pad


@settings(max_examples=60, deadline=None)
@given(conv_settings(), st.integers(0, 2**31 - 1))
def test_conv_transpose_forward_is_conv_backward_dA_prev(setting, seed):
    """conv_transpose_forward(dZ, W, 0, {stride, pad, output_padding})[0] == conv_backward(dZ, cache)[0]."""
    shape, f, n_C, stride, pad = setting
    rng = np.random.default_rng(seed)
    A_prev, W, b = rng.normal(size=shape), rng.normal(size=(f, f, shape[3], n_C)), rng.normal(size=(1, 1, 1, n_C))
    for module in (layers, fast):
        Z, cache = module.conv_forward(A_prev, W, b, {"stride": stride, "pad": pad})
        dZ = rng.normal(size=Z.shape)
        dA_prev = module.conv_backward(dZ, cache)[0]
        # the rows the stride leaves unread at the end: output_padding restores them (one number
        # serves both axes, so the settings where the two axes leave different counts are skipped)
        output_padding = (shape[1] + 2 * pad - f) % stride
        assume(output_padding == (shape[2] + 2 * pad - f) % stride)
        hp = {"stride": stride, "pad": pad, "output_padding": output_padding}
        Z_t, _ = module.conv_transpose_forward(dZ, W, np.zeros((1, 1, 1, shape[3])), hp)
        np.testing.assert_allclose(Z_t, dA_prev, rtol=1e-12, atol=1e-12)


def test_output_padding_is_needed_where_the_stride_leaves_rows_unread():
    rng = np.random.default_rng(4)
    A_prev, W, b = rng.normal(size=(2, 6, 6, 2)), rng.normal(size=(3, 3, 2, 3)), rng.normal(size=(1, 1, 1, 3))
    hparameters = {"stride": 2, "pad": 0}  # (6 - 3) % 2 = 1: the last row and column are never read
    Z, cache = layers.conv_forward(A_prev, W, b, hparameters)
    dZ = rng.normal(size=Z.shape)
    dA_prev = layers.conv_backward(dZ, cache)[0]
    assert windows.uncovered(6, 3, 2, 0) == [5]
    without, _ = layers.conv_transpose_forward(dZ, W, np.zeros((1, 1, 1, 2)), hparameters)
    assert without.shape == (2, 5, 5, 2) != dA_prev.shape
    np.testing.assert_allclose(without, dA_prev[:, :5, :5], rtol=1e-12)  # the rest of it is right
    with_op, _ = layers.conv_transpose_forward(dZ, W, np.zeros((1, 1, 1, 2)), {**hparameters, "output_padding": 1})
    np.testing.assert_allclose(with_op, dA_prev, rtol=1e-12, atol=1e-12)
    assert np.all(dA_prev[:, 5, :, :] == 0)  # unread rows get no gradient, and output_padding adds zeros


@st.composite
def dilated_settings(draw):
    m, n_C_prev, n_C = draw(st.integers(1, 3)), draw(st.integers(1, 3)), draw(st.integers(1, 3))
    f, stride, pad, d = (
        draw(st.integers(1, 4)),
        draw(st.integers(1, 4)),
        draw(st.integers(0, 2)),
        draw(st.integers(1, 3)),
    )
    lo = max(1, windows.span(f, d) - 2 * pad)
    return (m, draw(st.integers(lo, lo + 8)), draw(st.integers(lo, lo + 8)), n_C_prev), f, n_C, stride, pad, d


@settings(max_examples=60, deadline=None)
@given(dilated_settings(), st.integers(0, 2**31 - 1))
def test_dilated_layers_equal_fast(setting, seed):
    shape, f, n_C, stride, pad, d = setting
    rng = np.random.default_rng(seed)
    A_prev, W, b = rng.normal(size=shape), rng.normal(size=(f, f, shape[3], n_C)), rng.normal(size=(1, 1, 1, n_C))
    hp = {"stride": stride, "pad": pad, "dilation": d}
    Z, cache = layers.conv_forward(A_prev, W, b, hp)
    Z_fast, _ = fast.conv_forward(A_prev, W, b, hp)
    assert Z.shape == (shape[0], windows.output_size(shape[1], f, stride, pad, d), Z.shape[2], n_C)
    np.testing.assert_allclose(Z_fast, Z, rtol=1e-12, atol=1e-12)
    dZ = rng.normal(size=Z.shape)
    for got, want in zip(fast.conv_backward(dZ, cache), layers.conv_backward(dZ, cache), strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


@settings(max_examples=60, deadline=None)
@given(conv_settings(), st.integers(0, 2), st.integers(0, 2**31 - 1))
def test_transposed_layers_equal_fast(setting, op, seed):
    shape, f, n_C, stride, pad = setting
    op = min(op, stride - 1)
    if min(windows.transpose_output_size(n, f, stride, pad, op) for n in shape[1:3]) < 1:
        return
    rng = np.random.default_rng(seed)
    A_prev, W, b = rng.normal(size=shape), rng.normal(size=(f, f, n_C, shape[3])), rng.normal(size=(1, 1, 1, n_C))
    hp = {"stride": stride, "pad": pad, "output_padding": op}
    Z, cache = layers.conv_transpose_forward(A_prev, W, b, hp)
    np.testing.assert_allclose(fast.conv_transpose_forward(A_prev, W, b, hp)[0], Z, rtol=1e-12, atol=1e-12)
    dZ = rng.normal(size=Z.shape)
    for got, want in zip(
        fast.conv_transpose_backward(dZ, cache), layers.conv_transpose_backward(dZ, cache), strict=True
    ):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("module", [layers, fast])
@pytest.mark.parametrize(("stride", "pad", "op"), [(1, 0, 0), (2, 1, 1), (3, 0, 2)])
def test_conv_transpose_backward_gradcheck(module, stride, pad, op):
    rng = np.random.default_rng(stride * 10 + pad)
    A_prev, W, b = rng.normal(size=(2, 3, 4, 2)), rng.normal(size=(3, 3, 3, 2)), rng.normal(size=(1, 1, 1, 3))
    hp = {"stride": stride, "pad": pad, "output_padding": op}
    Z, cache = module.conv_transpose_forward(A_prev, W, b, hp)
    dZ = rng.normal(size=Z.shape)
    dA_prev, dW, db = module.conv_transpose_backward(dZ, cache)
    num_dA = gradcheck.numerical_gradient(lambda x: module.conv_transpose_forward(x, W, b, hp)[0], A_prev, dZ)
    num_dW = gradcheck.numerical_gradient(lambda x: module.conv_transpose_forward(A_prev, x, b, hp)[0], W, dZ)
    num_db = gradcheck.numerical_gradient(lambda x: module.conv_transpose_forward(A_prev, W, x, hp)[0], b, dZ)
    assert gradcheck.rel_error(dA_prev, num_dA) < 1e-7
    assert gradcheck.rel_error(dW, num_dW) < 1e-7
    assert gradcheck.rel_error(db, num_db) < 1e-7


@pytest.mark.parametrize("module", [layers, fast])
@pytest.mark.parametrize(("stride", "pad", "d"), [(1, 0, 2), (2, 1, 2), (1, 2, 3)])
def test_dilated_conv_backward_gradcheck(module, stride, pad, d):
    rng = np.random.default_rng(stride * 10 + pad + d)
    A_prev, W, b = rng.normal(size=(2, 7, 6, 2)), rng.normal(size=(2, 2, 2, 3)), rng.normal(size=(1, 1, 1, 3))
    hp = {"stride": stride, "pad": pad, "dilation": d}
    Z, cache = module.conv_forward(A_prev, W, b, hp)
    dZ = rng.normal(size=Z.shape)
    dA_prev, dW, db = module.conv_backward(dZ, cache)
    num_dA = gradcheck.numerical_gradient(lambda x: module.conv_forward(x, W, b, hp)[0], A_prev, dZ)
    num_dW = gradcheck.numerical_gradient(lambda x: module.conv_forward(A_prev, x, b, hp)[0], W, dZ)
    assert gradcheck.rel_error(dA_prev, num_dA) < 1e-7
    assert gradcheck.rel_error(dW, num_dW) < 1e-7
    assert gradcheck.rel_error(db, dZ.sum(axis=(0, 1, 2)).reshape(1, 1, 1, 3)) < 1e-12


@pytest.mark.parametrize("module", [layers, fast])
def test_bad_settings_say_what_to_do(module):
    A, W, b = np.zeros((1, 5, 5, 1)), np.zeros((3, 3, 1, 1)), np.zeros((1, 1, 1, 1))
    with pytest.raises(InputError, match=r"dilation=0 must be at least 1"):
        module.conv_forward(A, W, b, {"stride": 1, "pad": 0, "dilation": 0})
    with pytest.raises(InputError, match=r"spans dilation\*\(f - 1\) \+ 1 = 7 rows, more than the padded input 5x5"):
        module.conv_forward(A, W, b, {"stride": 1, "pad": 0, "dilation": 3})
    with pytest.raises(InputError, match=r"output_padding=2 must be in 0..stride-1 = 0..1"):
        module.conv_transpose_forward(A, W, b, {"stride": 2, "pad": 0, "output_padding": 2})
    with pytest.raises(InputError, match=r"crops away the whole output; lower pad"):
        module.conv_transpose_forward(np.zeros((1, 1, 1, 1)), W, b, {"stride": 1, "pad": 2})
    with pytest.raises(InputError, match=r"W.shape\[3\] must equal A_prev.shape\[3\]"):
        module.conv_transpose_forward(np.zeros((1, 2, 2, 2)), W, b, {"stride": 1, "pad": 0})
