"""The course's eight functions, step by step: the readable reference the app narrates.

Names, signatures, NHWC layouts and caches are the course's (convolution-step-by-step), so a
student can put their notebook's numbers next to ours. Two places differ on purpose:
`conv_backward` is right for pad == 0, and `create_mask_from_window` picks exactly one maximum
by default (ties="first"; ties="all" is the course's x == np.max(x)).
`cnnviz.core.fast` holds vectorized twins with the same signatures and caches.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from cnnviz.core import windows
from cnnviz.core.errors import InputError


def zero_pad(X: np.ndarray, pad: int) -> np.ndarray:
    """Pad the height and width of every image in X with zeros.

    Arguments:
    X -- array of shape (m, n_H, n_W, n_C), a batch of m images
    pad -- amount of zeros around each image, vertically and horizontally

    Returns:
    X_pad -- padded images of shape (m, n_H + 2*pad, n_W + 2*pad, n_C)
    """
    return windows.pad_hw(X, pad)


def conv_single_step(a_slice_prev: np.ndarray, W: np.ndarray, b: np.ndarray) -> np.float64:
    """Z = sum(a_slice_prev * W) + b for one window.

    Arguments:
    a_slice_prev -- slice of the input, shape (f, f, n_C_prev)
    W -- one filter, shape (f, f, n_C_prev)
    b -- its bias, shape (1, 1, 1) (any single-element array)

    Returns:
    Z -- float64 scalar
    """
    if np.shape(a_slice_prev) != np.shape(W):
        raise InputError(f"a_slice_prev has shape {np.shape(a_slice_prev)} but W has {np.shape(W)}; they must match")
    if np.size(b) != 1:
        raise InputError(f"b must hold one number (shape (1, 1, 1)), got shape {np.shape(b)}")
    s = np.multiply(a_slice_prev, W)
    Z = np.sum(s, dtype=np.float64) + np.float64(np.asarray(b, dtype=np.float64).item())
    return np.float64(Z)


def conv_forward(A_prev: np.ndarray, W: np.ndarray, b: np.ndarray, hparameters: Mapping) -> tuple:
    """Forward pass of a convolution layer.

    n_H = floor((n_H_prev + 2*pad - dilation*(f - 1) - 1) / stride) + 1, same for n_W
    (dilation 1, the default: floor((n_H_prev + 2*pad - f) / stride) + 1).

    Arguments:
    A_prev -- activations of the previous layer, shape (m, n_H_prev, n_W_prev, n_C_prev)
    W -- weights, shape (f, f, n_C_prev, n_C)
    b -- biases, shape (1, 1, 1, n_C)
    hparameters -- dict with "stride" and "pad", optionally "dilation" (default 1): the window
                   reads every dilation-th row and column, rows vert_start + dilation*k, k = 0..f-1

    Returns:
    Z -- conv output, shape (m, n_H, n_W, n_C)
    cache -- (A_prev, W, b, hparameters) for conv_backward
    """
    stride, pad = windows.check_conv(A_prev, W, b, hparameters)
    d = dilation = windows.check_dilation(hparameters)  # d: the step between a window's cells
    A_prev, W, b = np.asarray(A_prev), np.asarray(W), np.asarray(b)  # nested lists work too
    (m, n_H_prev, n_W_prev, n_C_prev) = A_prev.shape
    (f, f, n_C_prev, n_C) = W.shape
    (m, n_H, n_W, n_C) = windows.conv_out_shape(A_prev.shape, W.shape, stride, pad, dilation)

    Z = np.zeros((m, n_H, n_W, n_C))
    A_prev_pad = zero_pad(A_prev, pad)
    for i in range(m):
        a_prev_pad = A_prev_pad[i]  # (n_H_prev + 2*pad, n_W_prev + 2*pad, n_C_prev)
        for h, w, vert_start, vert_end, horiz_start, horiz_end in windows.iter_windows(n_H, n_W, f, stride, dilation):
            for c in range(n_C):
                a_slice_prev = a_prev_pad[vert_start:vert_end:d, horiz_start:horiz_end:d, :]  # (f, f, n_C_prev)
                Z[i, h, w, c] = conv_single_step(a_slice_prev, W[:, :, :, c], b[:, :, :, c])

    cache = (A_prev, W, b, hparameters)
    return Z, cache


def pool_forward(A_prev: np.ndarray, hparameters: Mapping, mode: str = "max") -> tuple:
    """Forward pass of a pooling layer (no padding).

    n_H = floor((n_H_prev - f) / stride) + 1, same for n_W; n_C = n_C_prev.

    Arguments:
    A_prev -- input, shape (m, n_H_prev, n_W_prev, n_C_prev)
    hparameters -- dict with "f" and "stride"
    mode -- "max" or "average"

    Returns:
    A -- output, shape (m, n_H, n_W, n_C)
    cache -- (A_prev, hparameters) for pool_backward
    """
    f, stride = windows.check_pool(A_prev, hparameters, mode)
    A_prev = np.asarray(A_prev)  # nested lists work too
    (m, n_H, n_W, n_C) = windows.pool_out_shape(A_prev.shape, f, stride)

    A = np.zeros((m, n_H, n_W, n_C))
    for i in range(m):
        for h, w, vert_start, vert_end, horiz_start, horiz_end in windows.iter_windows(n_H, n_W, f, stride):
            for c in range(n_C):
                a_prev_slice = A_prev[i, vert_start:vert_end, horiz_start:horiz_end, c]  # (f, f)
                if mode == "max":
                    A[i, h, w, c] = np.max(a_prev_slice)
                else:
                    A[i, h, w, c] = np.mean(a_prev_slice)

    cache = (A_prev, hparameters)
    return A, cache


def conv_backward(dZ: np.ndarray, cache: tuple) -> tuple:
    """Backward pass of a convolution layer.

    For every output cell: dA_prev window += W[:,:,:,c] * dZ[i,h,w,c],
    dW[:,:,:,c] += a_slice * dZ[i,h,w,c], db[:,:,:,c] += dZ[i,h,w,c]
    (with hparameters["dilation"] = d the window is every d-th row and column, as in conv_forward).

    Arguments:
    dZ -- gradient of the cost w.r.t. Z, shape (m, n_H, n_W, n_C)
    cache -- (A_prev, W, b, hparameters) from conv_forward

    Returns:
    dA_prev -- shape (m, n_H_prev, n_W_prev, n_C_prev)
    dW -- shape (f, f, n_C_prev, n_C)
    db -- shape (1, 1, 1, n_C)
    """
    (A_prev, W, b, hparameters) = cache
    stride, pad = windows.check_conv(A_prev, W, b, hparameters)
    d = dilation = windows.check_dilation(hparameters)  # d: the step between a window's cells
    A_prev, W, dZ = np.asarray(A_prev), np.asarray(W), np.asarray(dZ)
    (m, n_H_prev, n_W_prev, n_C_prev) = A_prev.shape
    (f, f, n_C_prev, n_C) = W.shape
    windows.check_grad("dZ", dZ, windows.conv_out_shape(A_prev.shape, W.shape, stride, pad, dilation), "Z")
    (m, n_H, n_W, n_C) = dZ.shape

    dW = np.zeros((f, f, n_C_prev, n_C))
    db = np.zeros((1, 1, 1, n_C))
    A_prev_pad = zero_pad(A_prev, pad)
    dA_prev_pad = np.zeros(A_prev_pad.shape)
    for i in range(m):
        a_prev_pad = A_prev_pad[i]
        da_prev_pad = dA_prev_pad[i]  # a view: += writes into dA_prev_pad
        for h, w, vert_start, vert_end, horiz_start, horiz_end in windows.iter_windows(n_H, n_W, f, stride, dilation):
            for c in range(n_C):
                a_slice = a_prev_pad[vert_start:vert_end:d, horiz_start:horiz_end:d, :]
                da_prev_pad[vert_start:vert_end:d, horiz_start:horiz_end:d, :] += W[:, :, :, c] * dZ[i, h, w, c]
                dW[:, :, :, c] += a_slice * dZ[i, h, w, c]
                db[:, :, :, c] += dZ[i, h, w, c]

    # The course's da_prev_pad[pad:-pad, pad:-pad] is empty when pad == 0; unpad_hw is not.
    dA_prev = windows.unpad_hw(dA_prev_pad, pad).copy()
    return dA_prev, dW, db


def conv_transpose_forward(A_prev: np.ndarray, W: np.ndarray, b: np.ndarray, hparameters: Mapping) -> tuple:
    """Forward pass of a transposed convolution: each input cell scatters value * filter into the output.

    For every input cell: Z_pad window += A_prev[i,h,w,c] * W[:,:,:,c] (the window at h*stride,
    w*stride, f x f, over all n_C output channels); then the pad ring is cropped and b added.
    It is conv_backward's dA_prev computation: with W the filters of a convolution (stride, pad),
    conv_transpose_forward(dZ, W, 0, hparameters)[0] is that convolution's dA_prev.
    n_H = (n_H_prev - 1)*stride - 2*pad + f + output_padding, same for n_W.

    Arguments:
    A_prev -- input, shape (m, n_H_prev, n_W_prev, n_C_prev)
    W -- weights, shape (f, f, n_C, n_C_prev): the filters of the convolution whose input gradient this is
    b -- biases, shape (1, 1, 1, n_C)
    hparameters -- dict with "stride" and "pad", optionally "output_padding" (default 0, at most
                   stride - 1): rows/columns added at the bottom/right, the ones a stride leaves unread

    Returns:
    Z -- output, shape (m, n_H, n_W, n_C)
    cache -- (A_prev, W, b, hparameters) for conv_transpose_backward
    """
    stride, pad, output_padding = windows.check_conv_transpose(A_prev, W, b, hparameters)
    A_prev, W, b = np.asarray(A_prev), np.asarray(W), np.asarray(b)
    (m, n_H_prev, n_W_prev, n_C_prev) = A_prev.shape
    (f, f, n_C, n_C_prev) = W.shape
    (m, n_H, n_W, n_C) = windows.conv_transpose_out_shape(A_prev.shape, W.shape, stride, pad, output_padding)

    Z_pad = np.zeros((m, n_H + 2 * pad, n_W + 2 * pad, n_C))
    for i in range(m):
        z_pad = Z_pad[i]  # a view: += writes into Z_pad
        for h, w, vert_start, vert_end, horiz_start, horiz_end in windows.iter_windows(n_H_prev, n_W_prev, f, stride):
            for c in range(n_C_prev):
                z_pad[vert_start:vert_end, horiz_start:horiz_end, :] += A_prev[i, h, w, c] * W[:, :, :, c]

    Z = Z_pad[:, pad : pad + n_H, pad : pad + n_W, :] + b  # crop the pad ring (right for pad == 0), add b
    cache = (A_prev, W, b, hparameters)
    return Z, cache


def conv_transpose_backward(dZ: np.ndarray, cache: tuple) -> tuple:
    """Backward pass of a transposed convolution: every input cell reads back its output window.

    dA_prev[i,h,w,c] = sum(dZ_pad window * W[:,:,:,c]) (a convolution of dZ with W),
    dW[:,:,:,c] += dZ_pad window * A_prev[i,h,w,c], db = sum of dZ over (i, h, w).

    Arguments:
    dZ -- gradient of the cost w.r.t. Z, shape (m, n_H, n_W, n_C)
    cache -- (A_prev, W, b, hparameters) from conv_transpose_forward

    Returns:
    dA_prev -- shape (m, n_H_prev, n_W_prev, n_C_prev)
    dW -- shape (f, f, n_C, n_C_prev)
    db -- shape (1, 1, 1, n_C)
    """
    (A_prev, W, b, hparameters) = cache
    stride, pad, output_padding = windows.check_conv_transpose(A_prev, W, b, hparameters)
    A_prev, W, dZ = np.asarray(A_prev), np.asarray(W), np.asarray(dZ)
    (m, n_H_prev, n_W_prev, n_C_prev) = A_prev.shape
    (f, f, n_C, n_C_prev) = W.shape
    windows.check_grad(
        "dZ", dZ, windows.conv_transpose_out_shape(A_prev.shape, W.shape, stride, pad, output_padding), "Z"
    )

    dA_prev = np.zeros(A_prev.shape)
    dW = np.zeros(W.shape)
    db = np.sum(dZ, axis=(0, 1, 2)).reshape(1, 1, 1, n_C)
    dZ_pad = zero_pad(dZ, pad)  # (m, n_H + 2*pad, n_W + 2*pad, n_C): the cropped ring gets no gradient
    for i in range(m):
        dz_pad = dZ_pad[i]
        for h, w, vert_start, vert_end, horiz_start, horiz_end in windows.iter_windows(n_H_prev, n_W_prev, f, stride):
            for c in range(n_C_prev):
                dz_slice = dz_pad[vert_start:vert_end, horiz_start:horiz_end, :]  # (f, f, n_C)
                dA_prev[i, h, w, c] = np.sum(dz_slice * W[:, :, :, c])
                dW[:, :, :, c] += dz_slice * A_prev[i, h, w, c]
    return dA_prev, dW, db


def create_mask_from_window(x: np.ndarray, ties: str = "first") -> np.ndarray:
    """Boolean mask of x's maximum.

    Tie rule, when several entries equal the maximum:
    ties="first" -- only the first one in row-major order is True (what PyTorch's max_pool2d
                    does; the default): the gradient goes to exactly one element;
    ties="all" -- the course's `x == np.max(x)`: every tied maximum is True, so each of them
                  receives the whole gradient (finite differences do not confirm it: at a tie max
                  pooling has no derivative, and the sum of the credits is too large).

    Arguments:
    x -- array of shape (f, f)
    ties -- "first" or "all"

    Returns:
    mask -- bool array of shape (f, f)
    """
    windows.check_ties(ties)
    x = np.asarray(x)
    if ties == "all":
        return x == np.max(x)
    mask = np.zeros(x.shape, dtype=bool)
    mask.flat[np.argmax(x)] = True  # argmax returns the first maximum in row-major order
    return mask


def distribute_value(dz: float, shape: tuple[int, int]) -> np.ndarray:
    """Spread dz evenly over a matrix: every entry is dz / (n_H * n_W).

    Arguments:
    dz -- scalar
    shape -- (n_H, n_W) of the matrix

    Returns:
    a -- float64 array of shape (n_H, n_W)
    """
    (n_H, n_W) = shape
    average = dz / (n_H * n_W)
    return np.full(shape, average, dtype=np.float64)


def pool_backward(dA: np.ndarray, cache: tuple, mode: str = "max", ties: str = "first") -> np.ndarray:
    """Backward pass of a pooling layer.

    max: each dA[i,h,w,c] goes to the window's maximum (create_mask_from_window(x, ties): the
    first maximum only, or with ties="all" every tied maximum, as the course's mask);
    average: it is spread evenly over the window (distribute_value).

    Arguments:
    dA -- gradient of the cost w.r.t. the pool output A, shape (m, n_H, n_W, n_C)
    cache -- (A_prev, hparameters) from pool_forward
    mode -- "max" or "average"
    ties -- "first" or "all" (max only; see create_mask_from_window)

    Returns:
    dA_prev -- shape (m, n_H_prev, n_W_prev, n_C_prev)
    """
    (A_prev, hparameters) = cache
    f, stride = windows.check_pool(A_prev, hparameters, mode)
    windows.check_ties(ties)
    A_prev, dA = np.asarray(A_prev), np.asarray(dA)
    windows.check_grad("dA", dA, windows.pool_out_shape(A_prev.shape, f, stride), "A")
    (m, n_H, n_W, n_C) = dA.shape

    dA_prev = np.zeros(A_prev.shape)
    for i in range(m):
        a_prev = A_prev[i]
        for h, w, vert_start, vert_end, horiz_start, horiz_end in windows.iter_windows(n_H, n_W, f, stride):
            for c in range(n_C):
                if mode == "max":
                    a_prev_slice = a_prev[vert_start:vert_end, horiz_start:horiz_end, c]
                    mask = create_mask_from_window(a_prev_slice, ties)
                    dA_prev[i, vert_start:vert_end, horiz_start:horiz_end, c] += mask * dA[i, h, w, c]
                else:
                    da = dA[i, h, w, c]
                    dA_prev[i, vert_start:vert_end, horiz_start:horiz_end, c] += distribute_value(da, (f, f))
    return dA_prev
