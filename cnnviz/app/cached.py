"""Bounded st.cache_data wrappers around the pure, heavy calls the pages make.

One wrapper per function, made once at import, so every page shares the same cache entries.
"""

import streamlit as st

from cnnviz.core import gradcheck, layers
from cnnviz.draw import export, figures
from cnnviz.steps import trace

_cache = st.cache_data(max_entries=24, show_spinner=False)
# Figures are shared, not copied: unpickling a go.Figure re-validates it (~0.4 s at the defaults),
# and nothing downstream mutates them.
_shared = st.cache_resource(max_entries=24, show_spinner=False)

conv_forward = _cache(layers.conv_forward)
pool_forward = _cache(layers.pool_forward)
conv_backward = _cache(layers.conv_backward)
pool_backward = _cache(layers.pool_backward)

trace_conv_forward = _cache(trace.trace_conv_forward)
trace_pool_forward = _cache(trace.trace_pool_forward)
trace_conv_backward = _cache(trace.trace_conv_backward)
trace_pool_backward = _cache(trace.trace_pool_backward)
tied_windows = _cache(trace.tied_windows)

zero_pad_figure = _shared(figures.zero_pad_figure)
conv_forward_figure = _shared(figures.conv_forward_figure)
pool_forward_figure = _shared(figures.pool_forward_figure)
conv_backward_figure = _shared(figures.conv_backward_figure)
pool_backward_figure = _shared(figures.pool_backward_figure)

check_conv_backward = _cache(gradcheck.check_conv_backward)
check_pool_backward = _cache(gradcheck.check_pool_backward)

conv_forward_gif = _cache(export.conv_forward_gif)
pool_forward_gif = _cache(export.pool_forward_gif)
conv_backward_gif = _cache(export.conv_backward_gif)
pool_backward_gif = _cache(export.pool_backward_gif)
