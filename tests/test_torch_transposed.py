"""PyTorch as the oracle for dilation and the transposed convolution, float64, layers and fast.

NHWC <-> NCHW: A_prev (m, n_H, n_W, n_C) -> (m, n_C, n_H, n_W).
conv2d weight: W (f, f, n_C_prev, n_C) -> (n_C, n_C_prev, f, f).
conv_transpose2d weight is (in, out, kH, kW): our W (f, f, n_C, n_C_prev) -> (n_C_prev, n_C, f, f).

Configurations are drawn from a seeded generator (RANDOM_CONFIGS of each kind, each run on both
modules) plus named corner cases: pad 0, stride > f, sizes the stride does not divide, m > 1,
several channels on both sides.
"""

import numpy as np
import pytest

from cnnviz.core import fast, layers, windows

pytestmark = pytest.mark.torch

RTOL, ATOL = 1e-10, 1e-10
RANDOM_CONFIGS = 30


def _dilated_configs(seed: int, n: int, big: bool) -> list[tuple]:
    """(A_prev shape, f, n_C, pad, stride, dilation), valid for conv_forward."""
    rng = np.random.default_rng(seed)
    out = []
    while len(out) < n:
        m, n_C_prev, n_C = int(rng.integers(1, 4)), int(rng.integers(1, 5)), int(rng.integers(1, 5))
        lo, hi = (16, 48) if big else (3, 10)
        n_H, n_W = int(rng.integers(lo, hi)), int(rng.integers(lo, hi))
        f, stride, pad, d = (
            int(rng.integers(1, 5)),
            int(rng.integers(1, 5)),
            int(rng.integers(0, 3)),
            int(rng.integers(1, 4)),
        )
        if windows.span(f, d) > min(n_H, n_W) + 2 * pad:
            continue
        out.append(((m, n_H, n_W, n_C_prev), f, n_C, pad, stride, d))
    return out


def _transposed_configs(seed: int, n: int, big: bool) -> list[tuple]:
    """(A_prev shape, f, n_C, pad, stride, output_padding), valid for conv_transpose_forward."""
    rng = np.random.default_rng(seed)
    out = []
    while len(out) < n:
        m, n_C_prev, n_C = int(rng.integers(1, 4)), int(rng.integers(1, 5)), int(rng.integers(1, 5))
        lo, hi = (12, 32) if big else (1, 7)
        n_H, n_W = int(rng.integers(lo, hi)), int(rng.integers(lo, hi))
        f, stride, pad = int(rng.integers(1, 6)), int(rng.integers(1, 5)), int(rng.integers(0, 3))
        op = int(rng.integers(0, stride))
        if min(windows.transpose_output_size(n, f, stride, pad, op) for n in (n_H, n_W)) < 1:
            continue
        out.append(((m, n_H, n_W, n_C_prev), f, n_C, pad, stride, op))
    return out


DILATED_NAMED = [
    ((2, 7, 7, 3), 3, 2, 0, 1, 2),  # pad 0
    ((2, 9, 8, 2), 2, 3, 0, 4, 2),  # stride > f, non-dividing
    ((3, 10, 9, 2), 3, 4, 2, 2, 3),  # m > 1, several channels
    ((1, 6, 6, 1), 3, 1, 1, 1, 1),  # dilation 1 is plain conv
]
TRANSPOSED_NAMED = [
    ((2, 3, 3, 2), 3, 2, 0, 1, 0),  # pad 0
    ((2, 3, 4, 3), 2, 2, 0, 3, 2),  # stride > f: gaps between the windows
    ((3, 4, 5, 2), 3, 4, 1, 2, 1),  # output_padding
    ((1, 2, 2, 4), 4, 3, 1, 2, 0),
]
SMALL_DILATED = DILATED_NAMED + _dilated_configs(19, RANDOM_CONFIGS, big=False)
BIG_DILATED = _dilated_configs(190, 6, big=True)
SMALL_TRANSPOSED = TRANSPOSED_NAMED + _transposed_configs(91, RANDOM_CONFIGS, big=False)
BIG_TRANSPOSED = _transposed_configs(910, 6, big=True)


def nchw(torch, X):
    return torch.from_numpy(np.ascontiguousarray(np.transpose(X, (0, 3, 1, 2)), dtype=np.float64))


def nhwc(t):
    return t.detach().numpy().transpose(0, 2, 3, 1)


def _cases(small, big):
    for module, cases in ((layers, small), (fast, small + big)):
        for k, case in enumerate(cases):
            yield pytest.param(module, *case, id=f"{module.__name__.rsplit('.', 1)[1]}-{k}-{case}")


@pytest.mark.parametrize(
    ("module", "shape", "f", "n_C", "pad", "stride", "dilation"), list(_cases(SMALL_DILATED, BIG_DILATED))
)
def test_dilated_conv_matches_torch(torch_or_skip, module, shape, f, n_C, pad, stride, dilation):
    torch = torch_or_skip
    rng = np.random.default_rng(hash((shape, f, n_C, pad, stride, dilation)) % 2**32)
    A_prev = rng.normal(size=shape)
    W, b = rng.normal(size=(f, f, shape[3], n_C)), rng.normal(size=(1, 1, 1, n_C))
    hparameters = {"stride": stride, "pad": pad, "dilation": dilation}
    Z, cache = module.conv_forward(A_prev, W, b, hparameters)
    dZ = rng.normal(size=Z.shape)
    dA_prev, dW, db = module.conv_backward(dZ, cache)

    A_t = nchw(torch, A_prev).requires_grad_(True)
    W_t = torch.from_numpy(np.ascontiguousarray(W.transpose(3, 2, 0, 1))).requires_grad_(True)
    b_t = torch.from_numpy(b.reshape(n_C).copy()).requires_grad_(True)
    Z_t = torch.nn.functional.conv2d(A_t, W_t, b_t, stride=stride, padding=pad, dilation=dilation)
    Z_t.backward(nchw(torch, dZ))

    np.testing.assert_allclose(Z, nhwc(Z_t), rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(dA_prev, nhwc(A_t.grad), rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(dW, W_t.grad.numpy().transpose(2, 3, 1, 0), rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(db.reshape(n_C), b_t.grad.numpy(), rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize(
    ("module", "shape", "f", "n_C", "pad", "stride", "output_padding"), list(_cases(SMALL_TRANSPOSED, BIG_TRANSPOSED))
)
def test_conv_transpose_matches_torch(torch_or_skip, module, shape, f, n_C, pad, stride, output_padding):
    torch = torch_or_skip
    rng = np.random.default_rng(hash((shape, f, n_C, pad, stride, output_padding)) % 2**32)
    A_prev = rng.normal(size=shape)
    W, b = rng.normal(size=(f, f, n_C, shape[3])), rng.normal(size=(1, 1, 1, n_C))
    hparameters = {"stride": stride, "pad": pad, "output_padding": output_padding}
    Z, cache = module.conv_transpose_forward(A_prev, W, b, hparameters)
    dZ = rng.normal(size=Z.shape)
    dA_prev, dW, db = module.conv_transpose_backward(dZ, cache)

    A_t = nchw(torch, A_prev).requires_grad_(True)
    W_t = torch.from_numpy(np.ascontiguousarray(W.transpose(3, 2, 0, 1))).requires_grad_(True)  # (in, out, f, f)
    b_t = torch.from_numpy(b.reshape(n_C).copy()).requires_grad_(True)
    Z_t = torch.nn.functional.conv_transpose2d(A_t, W_t, b_t, stride=stride, padding=pad, output_padding=output_padding)
    Z_t.backward(nchw(torch, dZ))

    assert Z.shape == windows.conv_transpose_out_shape(shape, W.shape, stride, pad, output_padding)
    np.testing.assert_allclose(Z, nhwc(Z_t), rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(dA_prev, nhwc(A_t.grad), rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(dW, W_t.grad.numpy().transpose(2, 3, 1, 0), rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(db.reshape(n_C), b_t.grad.numpy(), rtol=RTOL, atol=ATOL)


def test_oracle_counts():
    """The closing note's figures: how many configurations each oracle test runs (both modules)."""
    assert len(SMALL_DILATED) == len(DILATED_NAMED) + RANDOM_CONFIGS
    assert len(SMALL_TRANSPOSED) == len(TRANSPOSED_NAMED) + RANDOM_CONFIGS
    assert any(c[3] == 0 for c in SMALL_TRANSPOSED) and any(c[4] > c[1] for c in SMALL_TRANSPOSED)
    assert any(c[0][0] > 1 and c[0][3] > 1 and c[2] > 1 for c in SMALL_DILATED)
    assert any(c[5] > 0 for c in SMALL_TRANSPOSED) and any(c[5] > 1 for c in SMALL_DILATED)
