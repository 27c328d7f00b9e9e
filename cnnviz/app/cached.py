"""Bounded st.cache_data wrappers around the pure, heavy calls the pages make.

One wrapper per function, made once at import, so every session shares the same cache entries.
Storyboards are plain JSON-able dicts (base64 arrays inside): cheap to copy out of the cache.
"""

import streamlit as st

from cnnviz.core import gradcheck, layers
from cnnviz.draw import gif
from cnnviz.steps import storyboard, trace

_cache = st.cache_data(max_entries=24, show_spinner=False)
_boards = st.cache_data(max_entries=32, show_spinner=False)

conv_forward = _cache(layers.conv_forward)
pool_forward = _cache(layers.pool_forward)
conv_backward = _cache(layers.conv_backward)
pool_backward = _cache(layers.pool_backward)

trace_conv_forward = _cache(trace.trace_conv_forward)
trace_pool_forward = _cache(trace.trace_pool_forward)
trace_conv_backward = _cache(trace.trace_conv_backward)
trace_pool_backward = _cache(trace.trace_pool_backward)
tied_windows = _cache(trace.tied_windows)

zero_pad_board = _boards(storyboard.zero_pad_board)
conv_forward_board = _boards(storyboard.conv_forward_board)
pool_forward_board = _boards(storyboard.pool_forward_board)
conv_backward_board = _boards(storyboard.conv_backward_board)
pool_backward_board = _boards(storyboard.pool_backward_board)

check_conv_backward = _cache(gradcheck.check_conv_backward)
check_pool_backward = _cache(gradcheck.check_pool_backward)

conv_forward_gif = _cache(gif.conv_forward_gif)  # the Feature maps page's GIF


@st.cache_data(max_entries=16, show_spinner=False)
def board_gif(board: dict) -> bytes:
    """The GIF of a storyboard (the same board the player draws)."""
    return gif.board_gif(board)
