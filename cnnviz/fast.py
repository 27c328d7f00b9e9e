"""Vectorized twins of `cnnviz.layers`' conv/pool forward and backward passes.

Same names, signatures, NHWC layouts, caches and error messages as the step-by-step loops
(a cache from one module works with the other), same float64 results up to rounding. Nothing
here loops over output positions in Python:

- convolution is im2col + one matrix product, done in blocks of output rows so that the column
  matrix never exceeds `_BLOCK_BYTES` (a 2048x2048 image through 11x11 filters would otherwise
  need a 12 GB column matrix); the backward pass adds the column gradients back with one strided
  add per window offset (di, dj) (col2im);
- pooling is separable: a max (or sum) over the f window rows, then over the f window columns,
  each one strided slice of the whole batch; max-pool backward finds each window's first maximum
  the same way and scatters dA with one np.bincount.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

import numpy as np

from cnnviz import windows

# Upper bound on one im2col block (bytes): small enough to stay in cache, big enough that the
# Python loop over blocks costs nothing next to the matrix products (measured in bench/).
_BLOCK_BYTES = 1 << 20


def _float64(X: np.ndarray) -> np.ndarray:
    """X as a C-contiguous float64 array (X itself when it already is one)."""
    return np.ascontiguousarray(X, dtype=np.float64)


def _padded(A_prev: np.ndarray, pad: int) -> np.ndarray:
    """A_prev zero-padded, float64 and C-contiguous: shape (m, n_H_prev + 2*pad, n_W_prev + 2*pad, n_C_prev).

    When pad == 0 this is A_prev itself if it already is C-contiguous float64 (callers only read it).
    Same result as windows.pad_hw, without np.pad's ~30 us of overhead on small arrays.
    """
    if pad == 0:
        return _float64(A_prev)
    (m, n_H_prev, n_W_prev, n_C_prev) = np.shape(A_prev)
    A_prev_pad = np.zeros((m, n_H_prev + 2 * pad, n_W_prev + 2 * pad, n_C_prev))
    windows.unpad_hw(A_prev_pad, pad)[...] = A_prev  # the interior, a view
    return A_prev_pad


def _window_view(X_pad: np.ndarray, f: int, stride: int, n_H: int, n_W: int) -> np.ndarray:
    """Every f x f window of X_pad as a strided view, without copying (writeable if X_pad is).

    Arguments:
    X_pad -- C-contiguous array of shape (m, n_H_pad, n_W_pad, n_C_prev)
    f, stride -- window size and step
    n_H, n_W -- number of window positions vertically and horizontally

    Returns:
    view -- shape (m, n_H, n_W, f, f*n_C_prev) with
            view[i, h, w, di, dj*n_C_prev + c] = X_pad[i, h*stride + di, w*stride + dj, c].
            The last axis is contiguous (one row of a window, all channels); reshaped to
            (m*n_H*n_W, f*f*n_C_prev) the view is the im2col matrix, its columns ordered like
            the rows of W.reshape(f*f*n_C_prev, n_C).
    """
    m, _, _, n_C_prev = X_pad.shape
    s_m, s_h, s_w, s_c = X_pad.strides
    shape = (m, n_H, n_W, f, f * n_C_prev)
    if X_pad.size == 0:
        return np.zeros(shape)
    # np.ndarray over the buffer is as_strided without its ~5 us of Python overhead.
    return np.ndarray(shape, np.float64, X_pad, 0, (s_m, stride * s_h, stride * s_w, s_h, s_c))


def _blocks(m: int, n_H: int, row_bytes: int) -> Iterator[tuple[int, int, int, int]]:
    """Split the (m, n_H) output rows into blocks (i0, i1, h0, h1) of at most _BLOCK_BYTES im2col.

    Either whole images i0:i1 (all their rows), or rows h0:h1 of one image, so that every block
    is one contiguous run of rows in an (m*n_H*n_W, ...) matrix.
    """
    rows = max(1, _BLOCK_BYTES // max(1, row_bytes))
    if rows >= n_H:
        images = rows // max(1, n_H)
        for i0 in range(0, m, images):
            yield i0, min(i0 + images, m), 0, n_H
    else:
        for i in range(m):
            for h0 in range(0, n_H, rows):
                yield i, i + 1, h0, min(h0 + rows, n_H)


def _every(stride: int, n: int, start: int = 0) -> slice:
    """The slice start, start + stride, ..., start + stride*(n - 1): offset `start` of n windows."""
    return slice(start, start + stride * (n - 1) + 1, stride)


def conv_forward(A_prev: np.ndarray, W: np.ndarray, b: np.ndarray, hparameters: Mapping) -> tuple:
    """Forward pass of a convolution layer, as blocked im2col @ W.

    Z[i, h, w, c] = sum(A_pad[i, h*stride : h*stride + f, w*stride : w*stride + f, :] * W[..., c]) + b[..., c]
    n_H = floor((n_H_prev + 2*pad - f) / stride) + 1, same for n_W.

    Arguments:
    A_prev -- activations of the previous layer, shape (m, n_H_prev, n_W_prev, n_C_prev)
    W -- weights, shape (f, f, n_C_prev, n_C)
    b -- biases, shape (1, 1, 1, n_C)
    hparameters -- dict with "stride" and "pad"

    Returns:
    Z -- conv output, float64, shape (m, n_H, n_W, n_C)
    cache -- (A_prev, W, b, hparameters) for conv_backward (either module's)
    """
    stride, pad = windows.check_conv(A_prev, W, b, hparameters)
    (f, f, n_C_prev, n_C) = np.shape(W)
    (m, n_H, n_W, n_C) = windows.conv_out_shape(np.shape(A_prev), np.shape(W), stride, pad)
    K = f * f * n_C_prev

    A_prev_pad = _padded(A_prev, pad)  # (m, n_H_prev + 2*pad, n_W_prev + 2*pad, n_C_prev)
    cols = _window_view(A_prev_pad, f, stride, n_H, n_W)  # (m, n_H, n_W, f, f*n_C_prev), a view
    W_col = _float64(W).reshape(K, n_C)  # (f*f*n_C_prev, n_C)

    Z = np.empty((m, n_H, n_W, n_C))
    Z_rows = Z.reshape(m * n_H * n_W, n_C)  # a view: one row per output position
    for i0, i1, h0, h1 in _blocks(m, n_H, n_W * K * 8):
        start, end = (i0 * n_H + h0) * n_W, ((i1 - 1) * n_H + h1) * n_W
        block = cols[i0:i1, h0:h1].reshape(end - start, K)  # copies this block of im2col
        np.matmul(block, W_col, out=Z_rows[start:end])
    Z += _float64(b)

    cache = (A_prev, W, b, hparameters)
    return Z, cache


def conv_backward(dZ: np.ndarray, cache: tuple) -> tuple:
    """Backward pass of a convolution layer, blocked like conv_forward.

    With cols the im2col matrix (m*n_H*n_W, f*f*n_C_prev) and dZ as (m*n_H*n_W, n_C):
    dW = cols.T @ dZ, db = sum of dZ over (i, h, w), and dcols = dZ @ W.T is added back
    into dA_prev_pad window by window (col2im), then the pad ring is cut off.

    Arguments:
    dZ -- gradient of the cost w.r.t. Z, shape (m, n_H, n_W, n_C)
    cache -- (A_prev, W, b, hparameters) from conv_forward (either module's)

    Returns:
    dA_prev -- float64, shape (m, n_H_prev, n_W_prev, n_C_prev)
    dW -- float64, shape (f, f, n_C_prev, n_C)
    db -- float64, shape (1, 1, 1, n_C)
    """
    (A_prev, W, b, hparameters) = cache
    stride, pad = windows.check_conv(A_prev, W, b, hparameters)
    windows.check_grad("dZ", dZ, windows.conv_out_shape(np.shape(A_prev), np.shape(W), stride, pad), "Z")
    (f, f, n_C_prev, n_C) = np.shape(W)
    (m, n_H, n_W, n_C) = np.shape(dZ)
    K = f * f * n_C_prev

    A_prev_pad = _padded(A_prev, pad)
    cols = _window_view(A_prev_pad, f, stride, n_H, n_W)  # (m, n_H, n_W, f, f*n_C_prev)
    W_col = _float64(W).reshape(K, n_C)  # (f*f*n_C_prev, n_C)
    dZ_rows = _float64(dZ).reshape(m * n_H * n_W, n_C)

    db = dZ_rows.sum(axis=0).reshape(1, 1, 1, n_C)
    dW_col = np.zeros((K, n_C))
    dA_prev_pad = np.zeros(A_prev_pad.shape)
    # Windows that do not overlap (stride >= f) take their gradient through one strided view;
    # overlapping ones get one add per offset (di, dj) of a contiguous (rows, n_C_prev) product,
    # which for stride 1 is contiguous on both sides (one long inner loop for numpy).
    overlap = stride < f
    dA_window = None if overlap else _window_view(dA_prev_pad, f, stride, n_H, n_W)
    # W[di, dj].T for every offset, contiguous (a transposed view makes np.matmul 3x slower here).
    W_offsets = np.ascontiguousarray(W_col.reshape(f * f, n_C_prev, n_C).transpose(0, 2, 1))  # (f*f, n_C, n_C_prev)
    for i0, i1, h0, h1 in _blocks(m, n_H, n_W * K * 8):
        start, end = (i0 * n_H + h0) * n_W, ((i1 - 1) * n_H + h1) * n_W
        block = cols[i0:i1, h0:h1].reshape(end - start, K)  # (rows, f*f*n_C_prev), a copy
        dZ_block = dZ_rows[start:end]  # (rows, n_C)
        dW_col += block.T @ dZ_block
        if not overlap:
            dA_window[i0:i1, h0:h1] += (dZ_block @ W_col.T).reshape(i1 - i0, h1 - h0, n_W, f, f * n_C_prev)
            continue
        dA_block = dA_prev_pad[i0:i1, h0 * stride :]  # rows from the block's first window on
        d_offsets = np.matmul(dZ_block, W_offsets)  # (f*f, rows, n_C_prev): dZ @ W[di, dj].T
        d_offsets = d_offsets.reshape(f * f, i1 - i0, h1 - h0, n_W, n_C_prev)
        for k in range(f * f):
            di, dj = divmod(k, f)
            dA_block[:, _every(stride, h1 - h0, di), _every(stride, n_W, dj)] += d_offsets[k]

    dA_prev = windows.unpad_hw(dA_prev_pad, pad)
    if pad:
        dA_prev = dA_prev.copy()  # contiguous, and lets the padded buffer go
    return dA_prev, dW_col.reshape(f, f, n_C_prev, n_C), db


def pool_forward(A_prev: np.ndarray, hparameters: Mapping, mode: str = "max") -> tuple:
    """Forward pass of a pooling layer (no padding): max (or sum) over window rows, then columns.

    A[i, h, w, c] = max or mean of A_prev[i, h*stride : h*stride + f, w*stride : w*stride + f, c]
    n_H = floor((n_H_prev - f) / stride) + 1, same for n_W; n_C = n_C_prev.

    Arguments:
    A_prev -- input, shape (m, n_H_prev, n_W_prev, n_C_prev)
    hparameters -- dict with "f" and "stride"
    mode -- "max" or "average"

    Returns:
    A -- output, float64, shape (m, n_H, n_W, n_C)
    cache -- (A_prev, hparameters) for pool_backward (either module's)
    """
    f, stride = windows.check_pool(A_prev, hparameters, mode)
    (m, n_H, n_W, n_C) = windows.pool_out_shape(np.shape(A_prev), f, stride)
    X = _float64(A_prev)
    combine = np.maximum if mode == "max" else np.add

    # Rows first: they are contiguous in NHWC, so these passes are the cheap ones.
    V = X[:, _every(stride, n_H)].copy()  # (m, n_H, n_W_prev, n_C): window row 0 of each output row
    for di in range(1, f):
        combine(V, X[:, _every(stride, n_H, di)], out=V)
    A = V[:, :, _every(stride, n_W)].copy()  # (m, n_H, n_W, n_C)
    for dj in range(1, f):
        combine(A, V[:, :, _every(stride, n_W, dj)], out=A)
    if mode == "average":
        A /= f * f

    cache = (A_prev, hparameters)
    return A, cache


def _first_argmax(X: np.ndarray, f: int, stride: int, n_H: int, n_W: int) -> tuple[np.ndarray, np.ndarray]:
    """(di, dj) of each window's first maximum in row-major order (the tie rule of layers).

    The first maximum in row-major order is the one with the smallest di, then the smallest dj.
    Down the window rows: a running column maximum that moves only on a strictly greater value
    keeps the smallest di of each column. Across the columns: a column wins if its maximum is
    greater, or equal with a smaller di; on full ties the earlier (smaller) dj stays.
    Updates are arithmetic blends (index += wins * (new - index)), several times faster in numpy
    than np.where or a masked np.copyto. (Assumes no NaN: np.argmax in layers picks the first NaN.)

    Arguments:
    X -- float64 input, shape (m, n_H_prev, n_W_prev, n_C)

    Returns:
    di, dj -- int8 (int16 if f > 127) arrays of shape (m, n_H, n_W, n_C), values in 0 .. f - 1
    """
    index = np.int8 if f <= 127 else np.int16
    col_max = X[:, _every(stride, n_H)].copy()  # (m, n_H, n_W_prev, n_C)
    col_di = np.zeros(col_max.shape, dtype=index)
    for di in range(1, f):
        x = X[:, _every(stride, n_H, di)]
        better = (x > col_max).view(np.int8)  # 0/1
        np.maximum(col_max, x, out=col_max)
        np.maximum(col_di, better * index(di), out=col_di)  # col_di < di so far: max = replace where better

    best = col_max[:, :, _every(stride, n_W)].copy()  # (m, n_H, n_W, n_C)
    best_di = col_di[:, :, _every(stride, n_W)].copy()
    best_dj = np.zeros(best.shape, dtype=index)
    for dj in range(1, f):
        x = col_max[:, :, _every(stride, n_W, dj)].copy()  # contiguous: read three times below
        x_di = col_di[:, :, _every(stride, n_W, dj)].copy()
        wins = ((x > best) | ((x == best) & (x_di < best_di))).view(np.int8)
        np.maximum(best, x, out=best)
        best_di += wins * (x_di - best_di)
        np.maximum(best_dj, wins * index(dj), out=best_dj)  # best_dj < dj so far
    return best_di, best_dj


def pool_backward(dA: np.ndarray, cache: tuple, mode: str = "max") -> np.ndarray:
    """Backward pass of a pooling layer.

    max: dA[i, h, w, c] goes to the window's first maximum in row-major order, and to it only
    (max pooling is not differentiable where maxima tie; this is the subgradient PyTorch picks);
    all of them are added into dA_prev at once by np.bincount over flat indices.
    average: dA[i, h, w, c] / (f*f) goes to every element of the window; added back column
    offsets first, then row offsets (the adjoint of pool_forward's two passes).

    Arguments:
    dA -- gradient of the cost w.r.t. the pool output A, shape (m, n_H, n_W, n_C)
    cache -- (A_prev, hparameters) from pool_forward (either module's)
    mode -- "max" or "average"

    Returns:
    dA_prev -- float64, shape (m, n_H_prev, n_W_prev, n_C_prev)
    """
    (A_prev, hparameters) = cache
    f, stride = windows.check_pool(A_prev, hparameters, mode)
    windows.check_grad("dA", dA, windows.pool_out_shape(np.shape(A_prev), f, stride), "A")
    (m, n_H_prev, n_W_prev, n_C) = np.shape(A_prev)
    (m, n_H, n_W, n_C) = np.shape(dA)
    dA = _float64(dA)

    if mode == "max":
        di, dj = _first_argmax(_float64(A_prev), f, stride, n_H, n_W)
        # Flat index into A_prev of each window's maximum:
        # ((i*n_H_prev + h*stride + di)*n_W_prev + w*stride + dj)*n_C + c
        start = (
            np.arange(m).reshape(m, 1, 1, 1) * (n_H_prev * n_W_prev * n_C)
            + np.arange(0, n_H * stride, stride).reshape(1, n_H, 1, 1) * (n_W_prev * n_C)
            + np.arange(0, n_W * stride, stride).reshape(1, 1, n_W, 1) * n_C
            + np.arange(n_C).reshape(1, 1, 1, n_C)
        )
        flat = start + (di.astype(np.intp) * n_W_prev + dj) * n_C  # (m, n_H, n_W, n_C)
        dA_prev = np.bincount(flat.ravel(), weights=dA.ravel(), minlength=m * n_H_prev * n_W_prev * n_C)
        return dA_prev.reshape(m, n_H_prev, n_W_prev, n_C)

    share = dA / (f * f)  # distribute_value for every window at once
    dV = np.zeros((m, n_H, n_W_prev, n_C))  # gradient of pool_forward's row pass V
    for dj in range(f):
        dV[:, :, _every(stride, n_W, dj)] += share
    dA_prev = np.zeros((m, n_H_prev, n_W_prev, n_C))
    for di in range(f):
        dA_prev[:, _every(stride, n_H, di)] += dV
    return dA_prev
