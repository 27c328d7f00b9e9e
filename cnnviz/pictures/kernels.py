"""Preset 3x3 filters, a custom kernel table, and the filter bank W the convolution runs.

Convolution in a CNN (and in `cnnviz.core.layers`) is cross-correlation: the kernel is not flipped.
So "Sobel x" below gives positive values where the image gets brighter from left to right.

How a 2-D kernel applies to an RGB image: to its luminance. Filter c of the bank is
W[:, :, k, c] = kernel_c * LUMA[k] with LUMA = (0.299, 0.587, 0.114); because convolution is
linear, conv(image, W[..., c]) = conv(0.299 R + 0.587 G + 0.114 B, kernel_c): one feature map per
kernel, computed on the gray image the eye sees. A one-channel image uses the kernel as is, so the
identity kernel reproduces a grayscale image exactly (and an RGB image's luminance).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from cnnviz.core.errors import InputError
from cnnviz.pictures.images import LUMA

CUSTOM = "custom"  # the name that stands for the custom kernel in kernel_bank(names, ...)
MAX_F = 11


def _preset(rows: list[list[float]], scale: float = 1.0) -> np.ndarray:
    kernel = np.array(rows, dtype=np.float64) * scale
    kernel.setflags(write=False)  # shared module data: nobody may change a preset in place
    return kernel


PRESETS: dict[str, np.ndarray] = {
    "identity": _preset([[0, 0, 0], [0, 1, 0], [0, 0, 0]]),
    "box blur": _preset([[1, 1, 1], [1, 1, 1], [1, 1, 1]], 1 / 9),
    "Gaussian blur": _preset([[1, 2, 1], [2, 4, 2], [1, 2, 1]], 1 / 16),
    "sharpen": _preset([[0, -1, 0], [-1, 5, -1], [0, -1, 0]]),
    "Sobel x": _preset([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]]),
    "Sobel y": _preset([[-1, -2, -1], [0, 0, 0], [1, 2, 1]]),
    "Laplacian": _preset([[0, 1, 0], [1, -4, 1], [0, 1, 0]]),
    "emboss": _preset([[-2, -1, 0], [-1, 1, 1], [0, 1, 2]]),
    "outline": _preset([[-1, -1, -1], [-1, 8, -1], [-1, -1, -1]]),
}

DESCRIPTIONS: dict[str, str] = {
    "identity": "Copies the centre pixel: the feature map is the image itself.",
    "box blur": "Averages the 3x3 neighbourhood: smooths noise and edges evenly.",
    "Gaussian blur": "A weighted average, centre heaviest: a softer, rounder blur than the box.",
    "sharpen": "Centre minus its four neighbours, added to itself: makes edges crisper.",
    "Sobel x": "Brightness change from left to right: positive where the image gets brighter to the right.",
    "Sobel y": "Brightness change from top to bottom: positive where the image gets brighter downwards.",
    "Laplacian": "Four neighbours minus 4x the centre: edges in every direction, 0 on flat areas.",
    "emboss": "A diagonal difference on top of the image: edges look raised, lit from the top left.",
    "outline": "Centre against all eight neighbours: bright outlines, flat areas become 0.",
}

PRESET_NAMES: tuple[str, ...] = tuple(PRESETS)


def parse_custom_kernel(table: object) -> np.ndarray:
    """Validate a user-edited kernel table and return it as a float64 (f, f) array.

    Arguments:
    table -- a 2-D list of numbers, a numpy array, or a table object with .to_numpy() (a pandas
             DataFrame from st.data_editor); numbers may be given as strings ("0.5", "-1")

    Returns:
    kernel -- new float64 array of shape (f, f), 1 <= f <= MAX_F

    Raises:
    ValueError -- not 2-D, not square, f outside 1..11, a cell empty, not a number, or not finite;
                  the message names the row and column (counting from 1)
    """
    if hasattr(table, "to_numpy"):
        table = table.to_numpy()
    rows = np.asarray(table, dtype=object)
    if rows.ndim != 2 or rows.size == 0:
        raise InputError(f"The kernel must be a 2-D table of numbers, got shape {rows.shape}")
    n_rows, n_cols = rows.shape
    if n_rows != n_cols:
        raise InputError(f"The kernel must be square (f x f), got {n_rows} rows x {n_cols} columns")
    if not 1 <= n_rows <= MAX_F:
        raise InputError(f"The kernel size f={n_rows} must be between 1 and {MAX_F}")
    kernel = np.empty((n_rows, n_cols), dtype=np.float64)
    for (r, c), cell in np.ndenumerate(rows):
        where = f"row {r + 1}, column {c + 1}"
        if cell is None or (isinstance(cell, str) and not cell.strip()):
            raise InputError(f"The kernel cell at {where} is empty; type a number (0 if unsure)")
        if isinstance(cell, bool | np.bool_):
            raise InputError(f"The kernel cell at {where} is {cell!r}, not a number")
        try:
            value = float(cell.strip() if isinstance(cell, str) else cell)
        except (TypeError, ValueError):
            raise InputError(f"The kernel cell at {where} is {str(cell)[:20]!r}, not a number") from None
        if not np.isfinite(value):
            raise InputError(f"The kernel cell at {where} is {value}; use a finite number")
        kernel[r, c] = value
    return kernel


def _kernel(name: str, custom: np.ndarray | None) -> np.ndarray:
    if name == CUSTOM:
        if custom is None:
            raise InputError(f'"{CUSTOM}" was chosen but no custom kernel was given; pass custom=(f, f) array')
        return parse_custom_kernel(custom)
    if name not in PRESETS:
        raise InputError(f"Unknown kernel {name!r}; choose from {', '.join(PRESET_NAMES)} or {CUSTOM!r}")
    return PRESETS[name]


def channel_weights(n_C_prev: int) -> np.ndarray:
    """How much each input channel contributes: LUMA for RGB, 1 for one channel, 1/n_C_prev otherwise.

    Returns:
    weights -- float64 array of shape (n_C_prev,), summing to 1
    """
    if isinstance(n_C_prev, bool) or not isinstance(n_C_prev, int | np.integer) or n_C_prev < 1:
        raise InputError(f"n_C_prev={n_C_prev!r} must be a whole number >= 1 (1 for gray, 3 for RGB)")
    if n_C_prev == 3:
        return np.array(LUMA, dtype=np.float64)
    return np.full(n_C_prev, 1.0 / n_C_prev)


def bank_size(names: Sequence[str], custom: np.ndarray | None = None) -> tuple[int, list[str]]:
    """The bank's filter size f (the largest kernel) and the names of the kernels zero-padded up to it."""
    kernels = [_kernel(name, custom) for name in names]
    if not kernels:
        raise InputError("Choose at least one kernel")
    f = max(k.shape[0] for k in kernels)
    return f, [name for name, k in zip(names, kernels, strict=True) if k.shape[0] < f]


def padding_note(names: Sequence[str], custom: np.ndarray | None = None) -> str | None:
    """A sentence for the user when kernels of different sizes were padded to one f, else None."""
    f, padded = bank_size(names, custom)
    if not padded:
        return None
    return (
        f"All filters in one convolution share one size, so {', '.join(padded)} "
        f"{'was' if len(padded) == 1 else 'were'} padded with zeros to {f}x{f} (centred); "
        "zero weights add nothing, so with 'same' padding their maps are exactly as at their own size."
    )


def kernel_bank(names: Sequence[str], n_C_prev: int, custom: np.ndarray | None = None) -> np.ndarray:
    """Stack the chosen kernels into conv_forward's W.

    W[:, :, k, c] = kernel_c * weight_k (channel_weights: LUMA for RGB), so filter c computes
    kernel_c on the image's luminance. Kernels smaller than the largest are zero-padded to it,
    centred (an even difference puts the extra zero row/column at the bottom/right); see padding_note.

    Arguments:
    names -- preset names (PRESET_NAMES) or CUSTOM, in the order of the output channels
    n_C_prev -- channels of the input image (1 or 3)
    custom -- the custom kernel (anything parse_custom_kernel takes), used where names has CUSTOM

    Returns:
    W -- new float64 array of shape (f, f, n_C_prev, n_C), n_C = len(names)
    """
    weights = channel_weights(n_C_prev)
    f, _ = bank_size(names, custom)
    W = np.zeros((f, f, n_C_prev, len(names)))
    for c, name in enumerate(names):
        kernel = _kernel(name, custom)  # (f_c, f_c)
        top = (f - kernel.shape[0]) // 2
        bottom = top + kernel.shape[0]
        W[top:bottom, top:bottom, :, c] = kernel[:, :, None] * weights  # (f_c, f_c, n_C_prev)
    return W
