"""PyTorch as the oracle: conv2d / max_pool2d / avg_pool2d forward and autograd backward, float64.

NHWC <-> NCHW: A_prev (m, n_H, n_W, n_C) -> (m, n_C, n_H, n_W); W (f, f, n_C_prev, n_C) -> (n_C, n_C_prev, f, f).
"""

import numpy as np
import pytest

from cnnviz.core import fast, layers

pytestmark = pytest.mark.torch

RTOL, ATOL = 1e-10, 1e-10

# (A_prev shape, f, n_C, pad, stride); the small ones go through the loops too.
SMALL_CONV = [
    ((2, 5, 5, 3), 3, 2, 1, 1),
    ((1, 6, 4, 2), 2, 3, 0, 2),
    ((3, 4, 7, 1), 3, 1, 2, 3),
    ((2, 5, 6, 2), 5, 2, 0, 1),
    ((10, 4, 4, 3), 2, 8, 2, 2),  # the course's shapes
]
BIG_CONV = [
    ((2, 32, 29, 3), 3, 8, 1, 1),
    ((1, 64, 64, 4), 5, 6, 2, 2),
    ((3, 21, 18, 8), 4, 5, 0, 3),
    ((1, 40, 300, 3), 5, 2, 2, 1),  # several im2col row blocks
]
SMALL_POOL = [((2, 5, 5, 3), 2, 2), ((1, 7, 6, 2), 3, 1), ((3, 6, 8, 1), 3, 2), ((2, 4, 5, 2), 2, 3)]
BIG_POOL = [((2, 32, 29, 3), 2, 2), ((1, 64, 64, 4), 3, 2), ((3, 21, 18, 8), 4, 3), ((1, 50, 70, 3), 5, 1)]


def nchw(torch, X):
    return torch.from_numpy(np.ascontiguousarray(np.transpose(X, (0, 3, 1, 2)), dtype=np.float64))


def nhwc(t):
    return t.detach().numpy().transpose(0, 2, 3, 1)


def conv_cases():
    for module, cases in ((layers, SMALL_CONV), (fast, SMALL_CONV + BIG_CONV)):
        for shape, f, n_C, pad, stride in cases:
            yield pytest.param(
                module, shape, f, n_C, pad, stride, id=f"{module.__name__}-{shape}-f{f}-p{pad}-s{stride}"
            )


def pool_cases():
    for module, cases in ((layers, SMALL_POOL), (fast, SMALL_POOL + BIG_POOL)):
        for shape, f, stride in cases:
            for mode in ("max", "average"):
                yield pytest.param(
                    module, shape, f, stride, mode, id=f"{module.__name__}-{shape}-f{f}-s{stride}-{mode}"
                )


@pytest.mark.parametrize(("module", "shape", "f", "n_C", "pad", "stride"), list(conv_cases()))
def test_conv_matches_torch(torch_or_skip, module, shape, f, n_C, pad, stride):
    torch = torch_or_skip
    rng = np.random.default_rng(sum(shape) + f + n_C + pad + stride)
    A_prev = rng.standard_normal(shape)
    W = rng.standard_normal((f, f, shape[3], n_C))
    b = rng.standard_normal((1, 1, 1, n_C))
    hparameters = {"pad": pad, "stride": stride}

    Z, cache = module.conv_forward(A_prev, W, b, hparameters)
    x = nchw(torch, A_prev).requires_grad_()
    w = torch.from_numpy(np.ascontiguousarray(W.transpose(3, 2, 0, 1))).requires_grad_()
    bias = torch.from_numpy(b.reshape(n_C).copy()).requires_grad_()
    out = torch.nn.functional.conv2d(x, w, bias, stride=stride, padding=pad)
    np.testing.assert_allclose(Z, nhwc(out), rtol=RTOL, atol=ATOL)

    dZ = rng.standard_normal(Z.shape)
    out.backward(nchw(torch, dZ))
    dA_prev, dW, db = module.conv_backward(dZ, cache)
    np.testing.assert_allclose(dA_prev, nhwc(x.grad), rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(dW, w.grad.numpy().transpose(2, 3, 1, 0), rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(db, bias.grad.numpy().reshape(1, 1, 1, n_C), rtol=RTOL, atol=ATOL)


def torch_pool(torch, x, f, stride, mode):
    if mode == "max":
        return torch.nn.functional.max_pool2d(x, f, stride)
    return torch.nn.functional.avg_pool2d(x, f, stride)


@pytest.mark.parametrize(("module", "shape", "f", "stride", "mode"), list(pool_cases()))
def test_pool_matches_torch(torch_or_skip, module, shape, f, stride, mode):
    torch = torch_or_skip
    rng = np.random.default_rng(sum(shape) + f + stride)
    for A_prev in (rng.standard_normal(shape), rng.integers(0, 3, size=shape).astype(np.float64)):  # 2nd: ties
        hparameters = {"f": f, "stride": stride}
        A, cache = module.pool_forward(A_prev, hparameters, mode)
        x = nchw(torch, A_prev).requires_grad_()
        out = torch_pool(torch, x, f, stride, mode)
        np.testing.assert_allclose(A, nhwc(out), rtol=RTOL, atol=ATOL)

        dA = rng.standard_normal(A.shape)
        out.backward(nchw(torch, dA))
        np.testing.assert_allclose(
            module.pool_backward(dA, cache, mode, ties="first"), nhwc(x.grad), rtol=RTOL, atol=ATOL
        )


@pytest.mark.parametrize("module", [layers, fast], ids=["layers", "fast"])
def test_max_pool_all_tied_matches_torch(torch_or_skip, module):
    # Every window fully tied, overlapping windows: the first maximum in row-major order, as in torch.
    torch = torch_or_skip
    A_prev = np.ones((2, 7, 7, 2))
    A, cache = module.pool_forward(A_prev, {"f": 3, "stride": 2})
    dA = np.random.default_rng(0).standard_normal(A.shape)
    x = nchw(torch, A_prev).requires_grad_()
    torch.nn.functional.max_pool2d(x, 3, 2).backward(nchw(torch, dA))
    np.testing.assert_array_equal(module.pool_backward(dA, cache), nhwc(x.grad))
    np.testing.assert_array_equal(module.pool_backward(dA, cache, "max", ties="first"), nhwc(x.grad))
