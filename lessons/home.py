"""Home: what cnnviz is and where to start."""

import streamlit as st

from cnnviz.app import registry
from cnnviz.core import inputs
from cnnviz.draw import gif

st.title("cnnviz — convolution and pooling, one window at a time")
st.markdown(
    """
You have written `zero_pad`, `conv_forward` and `pool_backward` in the course notebook. Here you can
**watch** them run: every loop iteration of the course's code is a frame, with the window, the numbers it
reads, what it computes and where the result lands — forward and backward.

**Start with lesson 1** (the links below, or the menu on the left), then go down the list. The sidebar holds the input
(random, a course example, your arrays, a picture); each lesson shows its own settings (`f`, `stride`,
`pad`, which example `i` and channel `c`) above its player. Settings are kept when you switch, and the
link under *Share this view* reopens exactly what you see, step included.
"""
)
# The lessons as links, grouped as the course teaches them (titles and blurbs from the registry).
GROUPS = {
    "Forward": ("zero_padding", "convolution", "pooling"),
    "Backward": ("conv_backward", "pool_backward"),
    "Your pictures": ("feature_maps",),
    "Beyond the course": ("transposed_conv",),
}
cols = st.columns(len(GROUPS))
for col, (heading, members) in zip(cols, GROUPS.items(), strict=True):
    with col:
        st.markdown(f"**{heading}**")
        for key in members:
            lesson = registry.by_key(key)
            st.page_link(lesson.path, label=lesson.title)  # the blurb under it: a link's label does not wrap
            st.caption(lesson.blurb)
st.caption(
    "In each player: ←/→ step, Space plays and pauses, Home/End jump; hover a cell to see its window, click to "
    "jump there. All of it runs in your browser. "
    "Numbers use the course's NHWC layout: A_prev (m, n_H_prev, n_W_prev, n_C_prev), W (f, f, n_C_prev, n_C)."
)


@st.cache_data(max_entries=1, show_spinner=False)
def preview() -> bytes:
    """A GIF of conv_forward on a 6x6 input, every step (made here, once per server), sized to be read."""
    A_prev = inputs.random_tensor(1, 1, 6, 6, 1, "integers")
    W, b = inputs.conv_params(1, 3, 1, 1, "integers")
    return gif.conv_forward_gif(A_prev, W, b, {"stride": 1, "pad": 0}, frame_ms=900, width=PREVIEW_WIDTH)


PREVIEW_WIDTH = 900  # drawn at the size it is shown: no scaling, 18 px numbers
st.subheader("What a lesson looks like")
st.image(
    preview(),
    caption="conv_forward on a 6x6 input with a 3x3 filter: each frame is one window, all 16 of them.",
    width=PREVIEW_WIDTH,
)
