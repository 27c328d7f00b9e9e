"""The course's functions, shown: each call returns a player (a notebook widget) of its loop.

    from cnnviz import show
    show.conv_forward(A_prev, W, b, hparameters, i=0, c=0)

The arguments are the course's (the same shapes, caches and hyperparameters), checked with the
same messages as the app (cnnviz.core.windows). Sizes: at most what a lesson shows
(cnnviz.core.arrays.LIMITS: m <= 10, n_H_prev, n_W_prev <= 16, n_C_prev <= 8, f <= 7, n_C <= 8);
a larger array is refused with its shape and a slice to take instead. Needs the `notebook` extra.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from cnnviz.core import arrays
from cnnviz.core.errors import InputError
from cnnviz.player.widget import Player
from cnnviz.steps import storyboard, transposed

__all__ = [
    "zero_pad",
    "conv_forward",
    "pool_forward",
    "conv_backward",
    "pool_backward",
    "conv_transpose_forward",
    "Player",
]


def _array(name: str, value: Any) -> np.ndarray:
    """`value` as a float64 array no larger than a lesson shows, or an InputError that says why."""
    try:
        X = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as err:
        raise InputError(f"{name} must be an array of numbers (a NumPy array), got {type(value).__name__}") from err
    arrays._check_size(name, X.shape)
    return X


def _cache(name: str, cache: Any, parts: tuple[str, ...]) -> tuple:
    if not isinstance(cache, (tuple, list)) or len(cache) != len(parts):
        raise InputError(
            f"cache must be the tuple ({', '.join(parts)}) that {name} returned, got "
            f"{type(cache).__name__}" + (f" of length {len(cache)}" if isinstance(cache, (tuple, list)) else "")
        )
    return tuple(cache)


def _open(board: dict, step: int, decimals: int) -> Player:
    return Player(board, step=step, decimals=decimals)


def zero_pad(X: np.ndarray, pad: int, i: int = 0, c: int = 0, *, step: int = 0, decimals: int = 2) -> Player:
    """zero_pad(X, pad) for sample i and channel c. X -- (m, n_H, n_W, n_C)."""
    return _open(storyboard.zero_pad_board(_array("A_prev", X), pad, i, c), step, decimals)


def conv_forward(
    A_prev: np.ndarray,
    W: np.ndarray,
    b: np.ndarray,
    hparameters: Mapping,
    i: int = 0,
    c: int = 0,
    *,
    step: int = 0,
    decimals: int = 2,
) -> Player:
    """conv_forward's loop for sample i and filter c: one step per Z[i, h, w, c].

    A_prev -- (m, n_H_prev, n_W_prev, n_C_prev); W -- (f, f, n_C_prev, n_C); b -- (1, 1, 1, n_C);
    hparameters -- {"stride": int, "pad": int}
    """
    A_prev, W, b = _array("A_prev", A_prev), _array("W", W), _array("b", b)
    return _open(storyboard.conv_forward_board(A_prev, W, b, hparameters, i, c), step, decimals)


def pool_forward(
    A_prev: np.ndarray,
    hparameters: Mapping,
    mode: str = "max",
    i: int = 0,
    c: int = 0,
    ties: str = "first",
    *,
    step: int = 0,
    decimals: int = 2,
) -> Player:
    """pool_forward's loop for sample i and channel c: one step per A[i, h, w, c].

    A_prev -- (m, n_H_prev, n_W_prev, n_C); hparameters -- {"f": int, "stride": int};
    mode -- "max" or "average"; ties -- "first" or "all" (which maxima are marked)
    """
    board = storyboard.pool_forward_board(_array("A_prev", A_prev), hparameters, mode, i, c, ties)
    return _open(board, step, decimals)


def conv_transpose_forward(
    A_prev: np.ndarray,
    W: np.ndarray,
    b: np.ndarray,
    hparameters: Mapping,
    i: int = 0,
    c: int = 0,
    *,
    step: int = 0,
    decimals: int = 2,
) -> Player:
    """conv_transpose_forward's loop for sample i and input channel c: one step per A_prev[i, h, w, c], then the crop.

    A_prev -- (m, n_H_prev, n_W_prev, n_C_prev); W -- (f, f, n_C, n_C_prev); b -- (1, 1, 1, n_C);
    hparameters -- {"stride": int, "pad": int[, "output_padding": int]}
    """
    A_prev, W, b = _array("A_prev", A_prev), _array("W", W), _array("b", b)
    return _open(transposed.conv_transpose_forward_board(A_prev, W, b, hparameters, i, c), step, decimals)


def conv_backward(dZ: np.ndarray, cache: tuple, i: int = 0, c: int = 0, *, step: int = 0, decimals: int = 2) -> Player:
    """conv_backward's loop for sample i, filter c's share: one step per dZ[i, h, w, c].

    dZ -- (m, n_H, n_W, n_C); cache -- (A_prev, W, b, hparameters) as conv_forward returned it
    """
    A_prev, W, b, hparameters = _cache("conv_forward", cache, ("A_prev", "W", "b", "hparameters"))
    cache = (_array("A_prev", A_prev), _array("W", W), _array("b", b), hparameters)
    return _open(storyboard.conv_backward_board(_array("dZ", dZ), cache, i, c), step, decimals)


def pool_backward(
    dA: np.ndarray,
    cache: tuple,
    mode: str = "max",
    i: int = 0,
    c: int = 0,
    ties: str = "first",
    *,
    step: int = 0,
    decimals: int = 2,
) -> Player:
    """pool_backward's loop for sample i and channel c: one step per dA[i, h, w, c].

    dA -- (m, n_H, n_W, n_C); cache -- (A_prev, hparameters) as pool_forward returned it;
    mode -- "max" or "average"; ties -- "first" or "all" (which maxima get the gradient)
    """
    A_prev, hparameters = _cache("pool_forward", cache, ("A_prev", "hparameters"))
    board = storyboard.pool_backward_board(_array("dA", dA), (_array("A_prev", A_prev), hparameters), mode, i, c, ties)
    return _open(board, step, decimals)
