"""Numerical gradient checking: is a backward pass the derivative of its forward pass?

CS231n's recipe. For a forward f and an upstream gradient df (dZ or dA), the loss
L(x) = sum(f(x) * df) has dL/dx = the backward pass's result, and centred differences
dL/dx[j] ~ (L(x + h e_j) - L(x - h e_j)) / (2h) estimate it without any calculus.
Convolution and average pooling are linear in each argument, so the estimate is exact up to
rounding; max pooling is piecewise linear and is checked on data without ties (at a tie it is
not differentiable: the two one-sided derivatives differ and the centred difference averages
them, while the backward pass picks one maximum).

The checks the app shows evaluate the same centred differences in batches, several times faster
than one element at a time (the perturbed points are the same; only the number of forward calls
changes), and report the course's norm-based `difference`, not the element-wise `rel_error`:
- every forward works example by example, so the perturbed copies of one example go through
  one call as a batch of their own (`numerical_gradient_per_example`);
- filter c of W and b[c] only reach output channel c, so every perturbed filter becomes an
  output channel of one wider filter bank (`numerical_gradient_conv_weights`).
`numerical_gradient` (one element, two calls) stays the reference they are tested against.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np

from cnnviz.core import fast


def rel_error(x: np.ndarray, y: np.ndarray) -> float:
    """max(|x - y| / max(1e-8, |x| + |y|)) over all elements; 0.0 for empty arrays.

    Below 1e-7 the two gradients agree; around 1e-2 or above one of them is wrong.
    """
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    if x.shape != y.shape:
        raise ValueError(f"rel_error needs arrays of one shape, got {x.shape} and {y.shape}")
    if x.size == 0:
        return 0.0
    return float(np.max(np.abs(x - y) / np.maximum(1e-8, np.abs(x) + np.abs(y))))


def difference(x: np.ndarray, y: np.ndarray) -> float:
    """||x - y|| / (||x|| + ||y||) (2-norms over all elements); 0.0 when both are all zeros.

    The formula of the deep-learning course's gradient-checking exercise, and the number the
    lessons show: one figure for the whole array, so an element whose true gradient is nearly 0
    (where the rounding of a centred difference is as large as the value) cannot turn a right
    backward pass into "DIFFERS", as the element-wise rel_error does at the largest settings
    (1e-7 to 5e-7 there). Below 1e-7 the two gradients agree.
    """
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    if x.shape != y.shape:
        raise ValueError(f"difference needs arrays of one shape, got {x.shape} and {y.shape}")
    scale = np.linalg.norm(x) + np.linalg.norm(y)
    return float(np.linalg.norm(x - y) / scale) if scale > 0 else 0.0


def numerical_gradient(
    f: Callable[[np.ndarray], np.ndarray], x: np.ndarray, df: np.ndarray, h: float = 1e-5
) -> np.ndarray:
    """Centred differences of sum(f(x) * df) with respect to every element of x.

    Arguments:
    f -- function of one array returning an array of df's shape (e.g. Z or A)
    x -- the point, any shape; not modified (a float64 copy is perturbed)
    df -- upstream gradient, shape of f(x)
    h -- step

    Returns:
    grad -- float64 array of x's shape: grad[j] = sum((f(x + h e_j) - f(x - h e_j)) * df) / (2h)
    """
    x = np.array(x, dtype=np.float64)  # a copy: the caller's x stays as it was
    df = np.asarray(df, dtype=np.float64)
    grad = np.zeros(x.shape)
    for j in np.ndindex(x.shape):
        old = x[j]
        x[j] = old + h
        f_plus = np.array(f(x), dtype=np.float64)  # copied before x changes again
        x[j] = old - h
        f_minus = np.asarray(f(x), dtype=np.float64)
        x[j] = old
        grad[j] = np.sum((f_plus - f_minus) * df) / (2 * h)
    return grad


def _copies_with_steps(x: np.ndarray, h: float) -> tuple[np.ndarray, np.ndarray]:
    """(x + h e_j, x - h e_j) for every element j of x, stacked on a new first axis."""
    n = x.size
    eye = np.eye(n).reshape((n,) + x.shape) * h
    return x[None] + eye, x[None] - eye


def numerical_gradient_per_example(
    f: Callable[[np.ndarray], np.ndarray], x: np.ndarray, df: np.ndarray, h: float = 1e-5
) -> np.ndarray:
    """numerical_gradient for a forward whose output example i depends only on input example i.

    Arguments:
    f -- batch forward: (k, ...) -> (k, ...) with df's shape after the first axis
    x -- the point, shape (m, ...); not modified
    df -- upstream gradient, shape of f(x)

    Returns:
    grad -- float64 array of x's shape, the centred differences of sum(f(x) * df)
    """
    x = np.asarray(x, dtype=np.float64)
    df = np.asarray(df, dtype=np.float64)
    grad = np.zeros(x.shape)
    for i in range(x.shape[0]):
        plus, minus = _copies_with_steps(x[i], h)  # (n, ...) each, n = elements of one example
        diff = np.asarray(f(plus), dtype=np.float64) - np.asarray(f(minus), dtype=np.float64)
        grad[i] = (diff.reshape(len(diff), -1) @ df[i].reshape(-1)).reshape(x.shape[1:]) / (2 * h)
    return grad


def numerical_gradient_conv_weights(
    A_prev: np.ndarray, W: np.ndarray, b: np.ndarray, hparameters: Mapping, dZ: np.ndarray, h: float = 1e-5
) -> tuple[np.ndarray, np.ndarray]:
    """Centred differences of sum(conv_forward(A_prev, W, b) * dZ) with respect to W and b.

    Filter c's perturbed copies (f*f*n_C_prev of them, plus b[c] +/- h) are the output channels of
    one filter bank, so one forward call per filter and sign evaluates all of them.

    Returns:
    (dW, db) -- float64 arrays of W's and b's shapes
    """
    W = np.asarray(W, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    dZ = np.asarray(dZ, dtype=np.float64)
    dW, db = np.zeros(W.shape), np.zeros(b.shape)
    for c in range(W.shape[3]):
        plus, minus = _copies_with_steps(W[..., c], h)  # (k, f, f, n_C_prev), k = f*f*n_C_prev
        k = len(plus)
        bank = np.concatenate([plus, minus, [W[..., c]] * 2]).transpose(1, 2, 3, 0)  # (f, f, n_C_prev, 2k+2)
        bias = np.full((1, 1, 1, 2 * k + 2), b[0, 0, 0, c])
        bias[..., -2] += h
        bias[..., -1] -= h
        Z = fast.conv_forward(A_prev, bank, bias, hparameters)[0].reshape(-1, 2 * k + 2)  # a column per point
        diff = np.concatenate([Z[:, :k] - Z[:, k : 2 * k], Z[:, -2:-1] - Z[:, -1:]], axis=1)  # f(+h) - f(-h)
        change = dZ[..., c].reshape(-1) @ diff / (2 * h)
        dW[..., c] = change[:k].reshape(W.shape[:3])
        db[0, 0, 0, c] = change[k]
    return dW, db


def conv_backward_gradients(
    A_prev: np.ndarray, W: np.ndarray, b: np.ndarray, hparameters: Mapping, dZ: np.ndarray
) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """cnnviz.core.fast.conv_backward's gradients beside the numerical gradients of fast.conv_forward.

    Arguments:
    A_prev -- shape (m, n_H_prev, n_W_prev, n_C_prev)
    W -- shape (f, f, n_C_prev, n_C)
    b -- shape (1, 1, 1, n_C)
    hparameters -- dict with "stride" and "pad"
    dZ -- upstream gradient, shape (m, n_H, n_W, n_C) of conv_forward's output

    Returns:
    pairs -- {"dA_prev": (analytic, numerical), "dW": (...), "db": (...)}, each pair of one shape
    """
    _, cache = fast.conv_forward(A_prev, W, b, hparameters)
    dA_prev, dW, db = fast.conv_backward(dZ, cache)
    forward = lambda a: fast.conv_forward(a, W, b, hparameters)[0]  # noqa: E731
    num_dW, num_db = numerical_gradient_conv_weights(A_prev, W, b, hparameters, dZ)
    return {
        "dA_prev": (dA_prev, numerical_gradient_per_example(forward, A_prev, dZ)),
        "dW": (dW, num_dW),
        "db": (db, num_db),
    }


def pool_backward_gradients(
    A_prev: np.ndarray, hparameters: Mapping, mode: str, dA: np.ndarray, ties: str = "first"
) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """cnnviz.core.fast.pool_backward's dA_prev beside the numerical gradient of fast.pool_forward.

    See check_pool_backward for what happens at tied maxima. Returns {"dA_prev": (analytic, numerical)}.
    """
    _, cache = fast.pool_forward(A_prev, hparameters, mode)
    dA_prev = fast.pool_backward(dA, cache, mode, ties)
    numerical = numerical_gradient_per_example(lambda a: fast.pool_forward(a, hparameters, mode)[0], A_prev, dA)
    return {"dA_prev": (dA_prev, numerical)}


def differences(pairs: Mapping[str, tuple[np.ndarray, np.ndarray]]) -> dict[str, float]:
    """{name: difference(analytic, numerical)} for the pairs of conv/pool_backward_gradients."""
    return {name: difference(analytic, numerical) for name, (analytic, numerical) in pairs.items()}


def check_conv_backward(
    A_prev: np.ndarray, W: np.ndarray, b: np.ndarray, hparameters: Mapping, dZ: np.ndarray
) -> dict[str, float]:
    """`difference` between cnnviz.core.fast.conv_backward and the numerical gradient of fast.conv_forward.

    Arguments: as conv_backward_gradients.

    Returns:
    errors -- {"dA_prev": float, "dW": float, "db": float}, each below 1e-7 when the backward is right
    """
    return differences(conv_backward_gradients(A_prev, W, b, hparameters, dZ))


def check_pool_backward(
    A_prev: np.ndarray, hparameters: Mapping, mode: str, dA: np.ndarray, ties: str = "first"
) -> dict[str, float]:
    """`difference` between cnnviz.core.fast.pool_backward and the numerical gradient of fast.pool_forward.

    For mode "max", A_prev should have no tied maxima within h of each other (see the module
    docstring): there the forward is not differentiable and the error is large by design, with
    either tie rule. At an exact tie x_a == x_b the centred difference for x_a sees the window's
    maximum move by +h (x_a up) and by 0 (x_a down, x_b is still the maximum): it estimates
    dA / 2 for each tied element. ties="first" gives dA to one of them and 0 to the other;
    ties="all" (the course's mask) gives the full dA to both, twice what one window passes on.

    Arguments:
    A_prev -- shape (m, n_H_prev, n_W_prev, n_C_prev)
    hparameters -- dict with "f" and "stride"
    mode -- "max" or "average"
    dA -- upstream gradient, shape (m, n_H, n_W, n_C) of pool_forward's output
    ties -- "first" or "all", the tie rule of the backward pass checked (max only)

    Returns:
    errors -- {"dA_prev": float}, below 1e-7 when the backward is right
    """
    return differences(pool_backward_gradients(A_prev, hparameters, mode, dA, ties))
