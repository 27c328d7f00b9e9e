"""Bounded st.cache_data wrappers around the pure, heavy calls the pages make.

One wrapper per function, made once at import, so every session shares the same cache entries.
Storyboards are kept packed (player.Packed: their JSON bytes, made once), which is what the
player sends, in a byte-budgeted memory.ByteLRU: a hit is the shared bytes themselves, no copy.
"""

import numpy as np
import streamlit as st

from cnnviz.app import memory, player
from cnnviz.core import gradcheck, layers
from cnnviz.draw import gif
from cnnviz.player import html
from cnnviz.steps import storyboard, trace, transposed

_cache = st.cache_data(max_entries=24, show_spinner=False)
# Packed boards are immutable bytes: shared by every session without a copy, within a byte budget.
_BOARDS = memory.ByteLRU(96 * 2**20, name="storyboards")
_boards = memory.memoize(_BOARDS)

conv_forward = _cache(layers.conv_forward)
pool_forward = _cache(layers.pool_forward)
conv_backward = _cache(layers.conv_backward)
conv_transpose_forward = _cache(layers.conv_transpose_forward)
pool_backward = _cache(layers.pool_backward)

trace_conv_forward = _cache(trace.trace_conv_forward)
trace_pool_forward = _cache(trace.trace_pool_forward)
trace_conv_backward = _cache(trace.trace_conv_backward)
trace_pool_backward = _cache(trace.trace_pool_backward)
tied_windows = _cache(trace.tied_windows)


@_boards
def zero_pad_board(X: np.ndarray, pad: int, i: int = 0, c: int = 0) -> player.Packed:
    return player.pack(storyboard.zero_pad_board(X, pad, i, c))


@_boards
def conv_forward_board(
    A_prev: np.ndarray, W: np.ndarray, b: np.ndarray, hparameters: dict, i: int = 0, c: int = 0
) -> player.Packed:
    return player.pack(storyboard.conv_forward_board(A_prev, W, b, hparameters, i, c))


@_boards
def pool_forward_board(
    A_prev: np.ndarray, hparameters: dict, mode: str = "max", i: int = 0, c: int = 0, ties: str = "first"
) -> player.Packed:
    return player.pack(storyboard.pool_forward_board(A_prev, hparameters, mode, i, c, ties))


@_boards
def conv_backward_board(dZ: np.ndarray, cache: tuple, i: int = 0, c: int = 0) -> player.Packed:
    return player.pack(storyboard.conv_backward_board(dZ, cache, i, c))


@_boards
def pool_backward_board(
    dA: np.ndarray, cache: tuple, mode: str = "max", i: int = 0, c: int = 0, ties: str = "first"
) -> player.Packed:
    return player.pack(storyboard.pool_backward_board(dA, cache, mode, i, c, ties))


@_boards
def conv_transpose_forward_board(
    A_prev: np.ndarray, W: np.ndarray, b: np.ndarray, hparameters: dict, i: int = 0, c: int = 0
) -> player.Packed:
    return player.pack(transposed.conv_transpose_forward_board(A_prev, W, b, hparameters, i, c))


# The gradient checks' pairs (analytic, numerical) per gradient: the table's differences and the scatter
conv_backward_gradients = _cache(gradcheck.conv_backward_gradients)
pool_backward_gradients = _cache(gradcheck.pool_backward_gradients)

conv_forward_gif = _cache(gif.conv_forward_gif)  # the Feature maps page's GIF


@st.cache_data(max_entries=8, show_spinner=False)
def board_html(board: player.Packed, decimals: int = 2) -> str:
    """One offline HTML page that plays the storyboard (the same board the player draws)."""
    return html.page(board.json.decode("utf-8"), decimals=decimals)


@st.cache_data(max_entries=16, show_spinner=False)
def board_gif(board: player.Packed, max_frames: int | None = None) -> bytes:
    """The GIF of a storyboard (the same board the player draws): every step, or at most max_frames."""
    return gif.board_gif(board.board(), max_frames=max_frames)
