"""Lesson 2: conv_forward, one window at a time."""

import streamlit as st

from cnnviz.app import cached, lesson
from cnnviz.app import settings as params
from cnnviz.steps import narration

s = lesson.settings()
st.title("2. Convolution forward")
st.markdown(
    "The filter `W[:, :, :, c]` slides over the padded input. At each position it multiplies the window "
    "element by element with the filter across **all** input channels, sums everything and adds `b`: "
    "that one number is `Z[i, h, w, c]` (`conv_single_step`). The window moves by `stride`."
)

A_prev, W, b, hparameters, Z, cache = lesson.conv_setup(s)
(m, n_H_prev, n_W_prev, n_C_prev) = A_prev.shape
(m, n_H, n_W, n_C) = Z.shape
i = lesson.pick(s, "i", m, "the batch")
c = lesson.pick(s, "c", n_C, "W (n_C filters)")
f, stride, pad = s["f"], s["stride"], s["pad"]

lesson.arithmetic(
    lesson.size_formula("n_H", "n_H_prev", n_H_prev, f, stride, pad),
    lesson.size_formula("n_W", "n_W_prev", n_W_prev, f, stride, pad),
    f"A_prev {A_prev.shape}  conv  W {W.shape} + b {b.shape}  ->  Z {Z.shape}",
)
lesson.stride_note(n_H_prev, f, stride, pad)

steps = cached.trace_conv_forward(A_prev, W, b, hparameters, i, c)
k = lesson.step_slider([step.label for step in steps])
fig = cached.conv_forward_figure(A_prev, W, b, hparameters, i, c, frame_ms=params.frame_ms(s["speed"]), step=k)
lesson.show(fig, "conv_fig")

step = steps[k]
st.markdown(
    f"**Step {k + 1} of {len(steps)}**: window rows `{step.vert_start}:{step.vert_end}`, "
    f"columns `{step.horiz_start}:{step.horiz_end}`"
)
st.markdown(
    f"sum(window × filter) = **{step.s:.4f}**  \n"
    f"{step.s:.4f} + b = {step.s:.4f} + {step.b:.4f} = **{step.z:.4f}** = `Z[{i}, {step.h}, {step.w}, {c}]`"
)
st.code(narration.conv_forward_code(step, i, stride, f, n_H, n_W, n_C), language="python")
lesson.gif_button(
    "Download this animation (GIF)",
    f"conv_forward_f{f}_s{stride}_p{pad}.gif",
    lambda: cached.conv_forward_gif(A_prev, W, b, hparameters, i, c),
    key="conv_gif",
)
