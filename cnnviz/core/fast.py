"""Vectorized twins of `cnnviz.core.layers`' conv/pool forward and backward passes.

Same names, signatures, NHWC layouts, caches and error messages as the step-by-step loops
(a cache from one module works with the other), same float64 results up to rounding. Nothing
here loops over output positions in Python:

- convolution is im2col + one matrix product, done in blocks of output rows so that the column
  matrix never exceeds `_BLOCK_BYTES` (a 2048x2048 image through 11x11 filters would otherwise
  need a 12 GB column matrix); the backward pass adds the column gradients back with one strided
  add per window offset (di, dj) (col2im), into a channel-first buffer where each add runs along
  image rows;
- pooling is separable: a max (or sum) over the f window rows, then over the f window columns,
  each one slice of the whole batch, in blocks of output rows; max-pool backward finds each
  window's first maximum the same way and scatters dA with one np.bincount.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

import numpy as np

from cnnviz.core import windows

# Working-set budget of one block (bytes): the im2col block of conv_forward, the rows of a pooling
# pass. Small enough to stay in L2 cache (on a 2 MB-L2 machine 128-512 KB measured best), big
# enough that the Python loop over blocks costs little next to the work in each. conv_backward
# uses 4x for its im2col blocks and 8x for the stride-1 col2im (f*f numpy calls per block, each
# with ~7 us of fixed cost): measured best there. All are bounded, whatever the input size.
_BLOCK_BYTES = 1 << 18


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


def _window_view(X_pad: np.ndarray, f: int, stride: int, n_H: int, n_W: int, dilation: int = 1) -> np.ndarray:
    """Every f x f window of X_pad as a strided view, without copying (writeable if X_pad is).

    Arguments:
    X_pad -- C-contiguous array of shape (m, n_H_pad, n_W_pad, n_C_prev)
    f, stride -- window size and step
    n_H, n_W -- number of window positions vertically and horizontally
    dilation -- the step between a window's cells (1: adjacent)

    Returns:
    view -- dilation 1: shape (m, n_H, n_W, f, f*n_C_prev) with
            view[i, h, w, di, dj*n_C_prev + c] = X_pad[i, h*stride + di, w*stride + dj, c];
            the last axis is contiguous (one row of a window, all channels);
            dilation d > 1: shape (m, n_H, n_W, f, f, n_C_prev) with
            view[i, h, w, di, dj, c] = X_pad[i, h*stride + d*di, w*stride + d*dj, c].
            Reshaped to (m*n_H*n_W, f*f*n_C_prev) either is the im2col matrix, its columns ordered
            like the rows of W.reshape(f*f*n_C_prev, n_C).
    """
    m, _, _, n_C_prev = X_pad.shape
    s_m, s_h, s_w, s_c = X_pad.strides
    if dilation == 1:
        shape, strides = (m, n_H, n_W, f, f * n_C_prev), (s_m, stride * s_h, stride * s_w, s_h, s_c)
    else:
        shape = (m, n_H, n_W, f, f, n_C_prev)
        strides = (s_m, stride * s_h, stride * s_w, dilation * s_h, dilation * s_w, s_c)
    if X_pad.size == 0:
        return np.zeros(shape)
    # np.ndarray over the buffer is as_strided without its ~5 us of Python overhead.
    return np.ndarray(shape, np.float64, X_pad, 0, strides)


def _blocks(m: int, n_H: int, n_W: int, K: int, budget: int) -> Iterator[tuple[int, int, int, int, int, int]]:
    """Split the m*n_H output rows into blocks whose im2col part (rows, K) takes at most `budget` bytes.

    Either whole images i0:i1 (all their rows), or rows h0:h1 of one image (at least one row),
    so that every block is the contiguous run start:end of the (m*n_H*n_W, ...) row matrices.

    Yields:
    (i0, i1, h0, h1, start, end) with start = (i0*n_H + h0)*n_W and end = ((i1 - 1)*n_H + h1)*n_W
    """
    rows = max(1, budget // max(1, n_W * K * 8))
    if rows >= n_H:
        images = rows // max(1, n_H)
        for i0 in range(0, m, images):
            i1 = min(i0 + images, m)
            yield i0, i1, 0, n_H, i0 * n_H * n_W, i1 * n_H * n_W
    else:
        for i in range(m):
            for h0 in range(0, n_H, rows):
                h1 = min(h0 + rows, n_H)
                yield i, i + 1, h0, h1, (i * n_H + h0) * n_W, (i * n_H + h1) * n_W


class _Im2col:
    """One reusable buffer for the im2col blocks of one call, with a column of ones appended.

    The ones column turns the bias into one more row of the weight matrix ([cols, 1] @ [W; b])
    and gives db for free in the backward pass ([cols, 1].T @ dZ = [dW; db]). Reusing one
    buffer also avoids a fresh allocation (page faults) per block.
    """

    def __init__(self, cols: np.ndarray, budget: int) -> None:
        (m, n_H, n_W) = cols.shape[:3]
        self.cols, self.K = cols, int(np.prod(cols.shape[3:]))
        rows = min(m * n_H * n_W, max(n_W, budget // max(1, self.K * 8)))
        self.data = np.empty((rows, self.K + 1))
        self.data[:, self.K] = 1.0

    def fill(self, i0: int, i1: int, h0: int, h1: int) -> np.ndarray:
        """Copy cols[i0:i1, h0:h1] into the buffer; return it as the im2col block (rows, K + 1)."""
        block = self.cols[i0:i1, h0:h1]  # (i1 - i0, h1 - h0, n_W, <window>), a strided view
        (n_i, n_h, n_w) = block.shape[:3]
        row = self.data.strides[0]  # (K + 1) * 8 bytes
        # The buffer's first rows and first K columns, seen in the block's shape (the window's axes C-ordered).
        tail = [8] * (block.ndim - 3)
        for axis in range(len(tail) - 2, -1, -1):
            tail[axis] = tail[axis + 1] * block.shape[4 + axis]
        target = np.ndarray(block.shape, np.float64, self.data, 0, (n_h * n_w * row, n_w * row, row, *tail))
        np.copyto(target, block)
        return self.data[: n_i * n_h * n_w]


def _every(stride: int, n: int, start: int = 0) -> slice:
    """The slice start, start + stride, ..., start + stride*(n - 1): offset `start` of n windows."""
    return slice(start, start + stride * (n - 1) + 1, stride)


def conv_forward(A_prev: np.ndarray, W: np.ndarray, b: np.ndarray, hparameters: Mapping) -> tuple:
    """Forward pass of a convolution layer, as blocked im2col @ W.

    Z[i, h, w, c] = sum(A_pad[i, h*stride : h*stride + f, w*stride : w*stride + f, :] * W[..., c]) + b[..., c]
    (with dilation d, rows h*stride + d*k and columns w*stride + d*k, k = 0..f-1)
    n_H = floor((n_H_prev + 2*pad - dilation*(f - 1) - 1) / stride) + 1, same for n_W.

    Arguments:
    A_prev -- activations of the previous layer, shape (m, n_H_prev, n_W_prev, n_C_prev)
    W -- weights, shape (f, f, n_C_prev, n_C)
    b -- biases, shape (1, 1, 1, n_C)
    hparameters -- dict with "stride" and "pad", optionally "dilation" (default 1)

    Returns:
    Z -- conv output, float64, shape (m, n_H, n_W, n_C)
    cache -- (A_prev, W, b, hparameters) for conv_backward (either module's)
    """
    stride, pad = windows.check_conv(A_prev, W, b, hparameters)
    dilation = windows.check_dilation(hparameters)
    (f, f, n_C_prev, n_C) = np.shape(W)
    (m, n_H, n_W, n_C) = windows.conv_out_shape(np.shape(A_prev), np.shape(W), stride, pad, dilation)
    K = f * f * n_C_prev

    A_prev_pad = _padded(A_prev, pad)  # (m, n_H_prev + 2*pad, n_W_prev + 2*pad, n_C_prev)
    cols = _window_view(A_prev_pad, f, stride, n_H, n_W, dilation)  # (m, n_H, n_W, f, f*n_C_prev), a view
    W_b = np.empty((K + 1, n_C))  # [W; b]: the bias is the weight of the im2col buffer's ones column
    W_b[:K], W_b[K] = np.reshape(W, (K, n_C)), np.reshape(b, n_C)

    Z = np.empty((m, n_H, n_W, n_C))
    Z_rows = Z.reshape(m * n_H * n_W, n_C)  # a view: one row per output position
    buffer = _Im2col(cols, _BLOCK_BYTES)
    for i0, i1, h0, h1, start, end in _blocks(m, n_H, n_W, K, _BLOCK_BYTES):
        np.matmul(buffer.fill(i0, i1, h0, h1), W_b, out=Z_rows[start:end])  # (rows, K + 1) @ (K + 1, n_C)

    cache = (A_prev, W, b, hparameters)
    return Z, cache


def _col2im_stride1(
    pad_shape: tuple, dZ: np.ndarray, W_col: np.ndarray, f: int, budget: int, dilation: int = 1
) -> np.ndarray:
    """col2im(W @ dZ.T) for stride 1, channel first, as whole-array slices of a flat buffer.

    Number the positions of the padded grid q = (i*n_H_pad + h)*n_W_pad + w, valid or not, and put
    dZ there (zeros where no window starts). Window offset (di, dj) then shifts every position by the
    same d*(di*n_W_pad + dj) (d the dilation), so each offset's contribution is one contiguous slice per channel:
    dA_flat[c, q + di*n_W_pad + dj] += dcols_T[di, dj, c, q]. Positions without a window carry
    dZ = 0 and add zeros, wherever they land (a tail of zeros takes the last ones).

    Arguments:
    pad_shape -- (n_C_prev, m, n_H_pad, n_W_pad), channel-first shape of the padded input
    dZ -- shape (m, n_H, n_W, n_C), n_H = n_H_pad - dilation*(f - 1) (stride 1)
    W_col -- W as (f*f*n_C_prev, n_C)

    Returns:
    dA_prev_pad -- channel first, shape (n_C_prev, m, n_H_pad, n_W_pad) (a view of the flat buffer)
    """
    (n_C_prev, m, n_H_pad, n_W_pad) = pad_shape
    (m, n_H, n_W, n_C) = np.shape(dZ)
    Q = m * n_H_pad * n_W_pad
    dZ_grid = np.zeros((m, n_H_pad, n_W_pad, n_C))
    dZ_grid[:, :n_H, :n_W] = dZ
    dZ_grid = dZ_grid.reshape(Q, n_C)
    tail = dilation * (f - 1) * (n_W_pad + 1)  # the farthest offset's overhang past the last position
    dA_flat = np.zeros((n_C_prev, Q + tail))
    rows = max(1, budget // (W_col.shape[0] * 8))
    for q0 in range(0, Q, rows):
        q1 = min(q0 + rows, Q)
        dcols_T = (W_col @ dZ_grid[q0:q1].T).reshape(f, f, n_C_prev, q1 - q0)  # (f, f, n_C_prev, q1 - q0)
        for di in range(f):
            for dj in range(f):
                shift = dilation * (di * n_W_pad + dj)
                dA_flat[:, q0 + shift : q1 + shift] += dcols_T[di, dj]
    return dA_flat[:, :Q].reshape(n_C_prev, m, n_H_pad, n_W_pad)


def conv_backward(dZ: np.ndarray, cache: tuple) -> tuple:
    """Backward pass of a convolution layer, blocked like conv_forward.

    With cols the im2col matrix (m*n_H*n_W, f*f*n_C_prev) and dZ as (m*n_H*n_W, n_C):
    dW = cols.T @ dZ, db = the sum of dZ over (i, h, w), and dcols = dZ @ W.T is added back
    into dA_prev_pad window offset by window offset (col2im), then the pad ring is cut off.

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
    dilation = windows.check_dilation(hparameters)
    windows.check_grad("dZ", dZ, windows.conv_out_shape(np.shape(A_prev), np.shape(W), stride, pad, dilation), "Z")
    return _conv_grads(dZ, W, stride, pad, dilation, np.shape(A_prev), A_prev, want_dA=True)


def _conv_grads(
    dZ: np.ndarray,
    W: np.ndarray,
    stride: int,
    pad: int,
    dilation: int,
    A_prev_shape: tuple,
    A_prev: np.ndarray | None,
    want_dA: bool,
) -> tuple:
    """conv_backward's work on validated arguments: (dA_prev or None, dW or None, db or None).

    dW and db are computed only when A_prev is given, dA_prev only when want_dA: the transposed
    convolution's forward pass is the dA_prev half alone, its backward pass needs the dW half.
    """
    (m, n_H_prev, n_W_prev, n_C_prev) = A_prev_shape
    (f, f, n_C_prev, n_C) = np.shape(W)
    (m, n_H, n_W, n_C) = np.shape(dZ)
    K = f * f * n_C_prev
    want_dW = A_prev is not None

    cols = None
    if want_dW:
        A_prev_pad = _padded(A_prev, pad)
        cols = _window_view(A_prev_pad, f, stride, n_H, n_W, dilation)  # (m, n_H, n_W, f, f*n_C_prev)
    W_col = _float64(W).reshape(K, n_C)  # (f*f*n_C_prev, n_C)
    dZ_rows = _float64(dZ).reshape(m * n_H * n_W, n_C)
    dW_b = np.zeros((K + 1, n_C))  # [dW; db]

    # Windows that do not overlap (stride >= the window's span) take dcols = dZ @ W.T through one
    # strided view of dA_prev_pad. Overlapping ones are added offset by offset into a channel-first
    # dA_prev_pad from dcols.T = W @ dZ.T: then both sides of each add are long runs (a row of the
    # image, or for stride 1 the whole batch: _col2im_stride1), not n_C_prev-element snippets, which
    # numpy handles several times faster.
    overlap = stride < windows.span(f, dilation)
    n_H_pad, n_W_pad = n_H_prev + 2 * pad, n_W_prev + 2 * pad
    pad_shape = (n_C_prev, m, n_H_pad, n_W_pad)
    dA_prev_pad = None
    if not want_dA:
        pass
    elif overlap and stride == 1:
        dA_prev_pad = _col2im_stride1(pad_shape, dZ, W_col, f, 8 * _BLOCK_BYTES, dilation)
    elif overlap:
        dA_prev_pad = np.zeros(pad_shape)  # channel first
    else:
        dA_prev_pad = np.zeros((m, n_H_pad, n_W_pad, n_C_prev))
        dA_window = _window_view(dA_prev_pad, f, stride, n_H, n_W, dilation)  # writeable: no two windows share a cell
    scatter = want_dA and not (overlap and stride == 1)  # stride 1 is done above
    budget = 4 * _BLOCK_BYTES
    buffer = _Im2col(cols, budget) if want_dW else None
    for i0, i1, h0, h1, start, end in _blocks(m, n_H, n_W, K, budget):
        dZ_block = dZ_rows[start:end]  # (rows, n_C)
        if want_dW:
            dW_b += buffer.fill(i0, i1, h0, h1).T @ dZ_block  # (K + 1, rows) @ (rows, n_C)
        if not scatter:
            continue
        if not overlap:
            dA_window[i0:i1, h0:h1] += (dZ_block @ W_col.T).reshape(i1 - i0, h1 - h0, n_W, *dA_window.shape[3:])
            continue
        dcols_T = (W_col @ dZ_block.T).reshape(f, f, n_C_prev, i1 - i0, h1 - h0, n_W)
        dA_block = dA_prev_pad[:, i0:i1, h0 * stride :]  # from the block's first window row on
        for di in range(f):
            for dj in range(f):
                rows, cols_ = _every(stride, h1 - h0, dilation * di), _every(stride, n_W, dilation * dj)
                dA_block[:, :, rows, cols_] += dcols_T[di, dj]

    dA_prev = None
    if want_dA and overlap:
        dA_prev = windows.unpad_hw(dA_prev_pad.transpose(1, 2, 3, 0), pad).copy()  # back to NHWC
    elif want_dA:
        dA_prev = windows.unpad_hw(dA_prev_pad, pad)
        if pad:
            dA_prev = dA_prev.copy()  # contiguous, and lets the padded buffer go
    dW = dW_b[:K].reshape(f, f, n_C_prev, n_C) if want_dW else None
    db = dW_b[K:].reshape(1, 1, 1, n_C) if want_dW else None
    return dA_prev, dW, db


def conv_transpose_forward(A_prev: np.ndarray, W: np.ndarray, b: np.ndarray, hparameters: Mapping) -> tuple:
    """Forward pass of a transposed convolution: conv_backward's dA_prev half, with A_prev in dZ's place.

    Z = crop(scatter of A_prev[i, h, w, c] * W[:, :, :, c] at (h*stride, w*stride)) + b, the
    col2im of A_prev @ W.T; n_H = (n_H_prev - 1)*stride - 2*pad + f + output_padding.

    Arguments:
    A_prev -- input, shape (m, n_H_prev, n_W_prev, n_C_prev)
    W -- shape (f, f, n_C, n_C_prev): the filters of the convolution whose input gradient this is
    b -- shape (1, 1, 1, n_C)
    hparameters -- dict with "stride", "pad", optionally "output_padding" (default 0)

    Returns:
    Z -- float64, shape (m, n_H, n_W, n_C)
    cache -- (A_prev, W, b, hparameters) for conv_transpose_backward (either module's)
    """
    stride, pad, output_padding = windows.check_conv_transpose(A_prev, W, b, hparameters)
    Z_shape = windows.conv_transpose_out_shape(np.shape(A_prev), np.shape(W), stride, pad, output_padding)
    Z, _, _ = _conv_grads(A_prev, W, stride, pad, 1, Z_shape, None, want_dA=True)
    Z += np.reshape(b, (1, 1, 1, -1))
    cache = (A_prev, W, b, hparameters)
    return Z, cache


def conv_transpose_backward(dZ: np.ndarray, cache: tuple) -> tuple:
    """Backward pass of a transposed convolution.

    dA_prev is the convolution of dZ with W (conv_forward, no bias); dW is conv_backward's dW
    half with dZ as the input and A_prev as the output gradient; db sums dZ over (i, h, w).

    Arguments:
    dZ -- shape (m, n_H, n_W, n_C); cache -- (A_prev, W, b, hparameters) from conv_transpose_forward

    Returns:
    dA_prev -- float64, shape (m, n_H_prev, n_W_prev, n_C_prev)
    dW -- float64, shape (f, f, n_C, n_C_prev)
    db -- float64, shape (1, 1, 1, n_C)
    """
    (A_prev, W, b, hparameters) = cache
    stride, pad, output_padding = windows.check_conv_transpose(A_prev, W, b, hparameters)
    Z_shape = windows.conv_transpose_out_shape(np.shape(A_prev), np.shape(W), stride, pad, output_padding)
    windows.check_grad("dZ", dZ, Z_shape, "Z")
    n_C_prev = np.shape(A_prev)[3]
    conv = {"stride": stride, "pad": pad}
    dA_prev, _ = conv_forward(dZ, W, np.zeros((1, 1, 1, n_C_prev)), conv)  # (m, n_H_prev, n_W_prev, n_C_prev)
    _, dW, _ = _conv_grads(_float64(A_prev), W, stride, pad, 1, Z_shape, dZ, want_dA=False)
    db = _float64(dZ).sum(axis=(0, 1, 2)).reshape(1, 1, 1, -1)
    return dA_prev, dW, db


def _row_blocks(n_H: int, row_bytes: int, budget: int) -> Iterator[tuple[int, int]]:
    """Split the n_H output rows into runs h0:h1 whose working set (rows * row_bytes) fits in budget bytes."""
    rows = max(1, budget // max(1, row_bytes))
    for h0 in range(0, n_H, rows):
        yield h0, min(h0 + rows, n_H)


def pool_forward(A_prev: np.ndarray, hparameters: Mapping, mode: str = "max") -> tuple:
    """Forward pass of a pooling layer (no padding): max (or sum) over window rows, then columns.

    A[i, h, w, c] = max or mean of A_prev[i, h*stride : h*stride + f, w*stride : w*stride + f, c]
    n_H = floor((n_H_prev - f) / stride) + 1, same for n_W; n_C = n_C_prev.

    Pooling is separable. For a block of output rows: V[:, h] = max (sum) of the f input rows
    h*stride + di (whole rows: contiguous in NHWC, so cheap); then U[:, :, x] = max (sum) of
    V[:, :, x + dj] for every column x (contiguous too); A keeps every stride-th column of U.

    Arguments:
    A_prev -- input, shape (m, n_H_prev, n_W_prev, n_C_prev)
    hparameters -- dict with "f" and "stride"
    mode -- "max" or "average"

    Returns:
    A -- output, float64, shape (m, n_H, n_W, n_C)
    cache -- (A_prev, hparameters) for pool_backward (either module's)
    """
    f, stride = windows.check_pool(A_prev, hparameters, mode)
    (m, n_H_prev, n_W_prev, n_C) = np.shape(A_prev)
    (m, n_H, n_W, n_C) = windows.pool_out_shape(np.shape(A_prev), f, stride)
    X = _float64(A_prev)
    combine = np.maximum if mode == "max" else np.add
    L = stride * (n_W - 1) + 1  # input columns from the first window's start to the last one's

    A = np.empty((m, n_H, n_W, n_C))
    for h0, h1 in _row_blocks(n_H, m * n_W_prev * n_C * 8, _BLOCK_BYTES):
        X_rows = X[:, h0 * stride :]  # the block's first window row on
        V = X_rows[:, _every(stride, h1 - h0)].copy()  # (m, rows, n_W_prev, n_C): window row di = 0
        for di in range(1, f):
            combine(V, X_rows[:, _every(stride, h1 - h0, di)], out=V)
        U = V[:, :, :L].copy()  # (m, rows, L, n_C): window column dj = 0, at every column
        for dj in range(1, f):
            combine(U, V[:, :, dj : dj + L], out=U)
        A[:, h0:h1] = U[:, :, ::stride]
    if mode == "average":
        A /= f * f

    cache = (A_prev, hparameters)
    return A, cache


def _first_argmax(X: np.ndarray, f: int, stride: int, n_H: int, n_W: int) -> np.ndarray:
    """Flat offset di*n_W_prev + dj of each window's first maximum in row-major order (the tie rule of layers).

    The first maximum in row-major order is the one with the smallest di, then the smallest dj.
    Down the window rows: a running column maximum that moves only on a strictly greater value
    keeps the smallest di of each column. Across the columns: a column wins if its maximum is
    greater, or equal with a smaller di; on full ties the earlier (smaller) dj stays.
    Updates are arithmetic blends (index += wins * (new - index)), several times faster in numpy
    than np.where or a masked np.copyto. Blocked over output rows like pool_forward.
    (Assumes no NaN: np.argmax in layers picks the first NaN.)

    Arguments:
    X -- float64 input, shape (m, n_H_prev, n_W_prev, n_C)

    Returns:
    offset -- int64 array of shape (m, n_H, n_W, n_C): the maximum of window (h, w) is
              X[i, h*stride + offset // n_W_prev, w*stride + offset % n_W_prev, c]
    """
    (m, n_H_prev, n_W_prev, n_C) = X.shape
    index = np.int8 if f <= 127 else np.int16
    L = stride * (n_W - 1) + 1
    offset = np.empty((m, n_H, n_W, n_C), dtype=np.int64)
    for h0, h1 in _row_blocks(n_H, m * n_W_prev * n_C * 8, _BLOCK_BYTES):
        X_rows = X[:, h0 * stride :]
        col_max = X_rows[:, _every(stride, h1 - h0)].copy()  # (m, rows, n_W_prev, n_C)
        col_di = np.zeros(col_max.shape, dtype=index)
        for di in range(1, f):
            x = X_rows[:, _every(stride, h1 - h0, di)]
            better = (x > col_max).view(np.int8)  # 0/1
            np.maximum(col_max, x, out=col_max)
            np.maximum(col_di, better * index(di), out=col_di)  # col_di < di so far: max = replace where better

        best = col_max[:, :, :L].copy()  # (m, rows, L, n_C), every column x: window column dj = 0
        best_di = col_di[:, :, :L].copy()
        best_dj = np.zeros(best.shape, dtype=index)
        for dj in range(1, f):
            x, x_di = col_max[:, :, dj : dj + L], col_di[:, :, dj : dj + L]
            wins = ((x > best) | ((x == best) & (x_di < best_di))).view(np.int8)
            np.maximum(best, x, out=best)
            best_di += wins * (x_di - best_di)
            np.maximum(best_dj, wins * index(dj), out=best_dj)  # best_dj < dj so far
        offset[:, h0:h1] = best_di[:, :, ::stride].astype(np.int64) * n_W_prev + best_dj[:, :, ::stride]
    return offset


def pool_backward(dA: np.ndarray, cache: tuple, mode: str = "max", ties: str = "first") -> np.ndarray:
    """Backward pass of a pooling layer.

    max, ties="first": dA[i, h, w, c] goes to the window's first maximum in row-major order, and
    to it only (max pooling is not differentiable where maxima tie; this is the subgradient
    PyTorch picks); all of them are added into dA_prev at once by np.bincount over flat indices.
    max, ties="all": the course's mask x == max(x): dA[i, h, w, c] goes to every tied maximum;
    one strided add per window offset (di, dj) of (window element == A) * dA.
    average: dA[i, h, w, c] / (f*f) goes to every element of the window; added back through the
    adjoints of pool_forward's column pass, then its row pass.

    Arguments:
    dA -- gradient of the cost w.r.t. the pool output A, shape (m, n_H, n_W, n_C)
    cache -- (A_prev, hparameters) from pool_forward (either module's)
    mode -- "max" or "average"
    ties -- "first" or "all" (max only)

    Returns:
    dA_prev -- float64, shape (m, n_H_prev, n_W_prev, n_C_prev)
    """
    (A_prev, hparameters) = cache
    f, stride = windows.check_pool(A_prev, hparameters, mode)
    windows.check_ties(ties)
    windows.check_grad("dA", dA, windows.pool_out_shape(np.shape(A_prev), f, stride), "A")
    (m, n_H_prev, n_W_prev, n_C) = np.shape(A_prev)
    (m, n_H, n_W, n_C) = np.shape(dA)
    dA = _float64(dA)

    if mode == "max" and ties == "all":
        X = _float64(A_prev)
        A, _ = pool_forward(X, hparameters, "max")  # (m, n_H, n_W, n_C): each window's maximum
        dA_prev = np.zeros((m, n_H_prev, n_W_prev, n_C))
        rows, cols = _every(stride, n_H), _every(stride, n_W)
        for di in range(f):
            for dj in range(f):
                # element (di, dj) of every window: distinct positions, so one += is safe
                x = X[:, di:, dj:][:, rows, cols]  # (m, n_H, n_W, n_C)
                dA_prev[:, di:, dj:][:, rows, cols] += (x == A) * dA
        return dA_prev

    if mode == "max":
        offset = _first_argmax(_float64(A_prev), f, stride, n_H, n_W)
        # Flat index into A_prev of each window's maximum:
        # ((i*n_H_prev + h*stride + di)*n_W_prev + w*stride + dj)*n_C + c, with offset = di*n_W_prev + dj
        start = (
            np.arange(m).reshape(m, 1, 1, 1) * (n_H_prev * n_W_prev * n_C)
            + np.arange(0, n_H * stride, stride).reshape(1, n_H, 1, 1) * (n_W_prev * n_C)
            + np.arange(0, n_W * stride, stride).reshape(1, 1, n_W, 1) * n_C
            + np.arange(n_C).reshape(1, 1, 1, n_C)
        )
        flat = start + offset * n_C  # (m, n_H, n_W, n_C)
        dA_prev = np.bincount(flat.ravel(), weights=dA.ravel(), minlength=m * n_H_prev * n_W_prev * n_C)
        return dA_prev.reshape(m, n_H_prev, n_W_prev, n_C)

    L = stride * (n_W - 1) + 1
    dA_prev = np.zeros((m, n_H_prev, n_W_prev, n_C))
    for h0, h1 in _row_blocks(n_H, m * n_W_prev * n_C * 8, _BLOCK_BYTES):
        dU = np.zeros((m, h1 - h0, L, n_C))  # gradient of pool_forward's U
        dU[:, :, ::stride] = dA[:, h0:h1] / (f * f)  # distribute_value for every window at once
        dV = np.zeros((m, h1 - h0, n_W_prev, n_C))  # gradient of its V
        for dj in range(f):
            dV[:, :, dj : dj + L] += dU
        dA_rows = dA_prev[:, h0 * stride :]  # overlaps the previous block's rows when f > stride: +=
        for di in range(f):
            dA_rows[:, _every(stride, h1 - h0, di)] += dV
    return dA_prev
