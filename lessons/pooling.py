"""Lesson 3: pool_forward, max or average."""

import streamlit as st

from cnnviz.app import cached, lesson
from cnnviz.app import settings as params
from cnnviz.steps import narration

s = lesson.settings()
st.title("3. Pooling forward")
st.markdown(
    "A pooling window of size `f` slides over each channel **separately** (no weights, no padding) and "
    "keeps either the largest value (`max`) or the mean (`average`). The number of channels does not change. "
    "When several values tie for the maximum, the figure marks them all; the one the backward pass will "
    "credit is the first in row-major order. Choose *Values: integers* to meet ties."
)

A_prev, hparameters, A, cache = lesson.pool_setup(s)
(m, n_H_prev, n_W_prev, n_C_prev) = A_prev.shape
f, stride, mode = s["pool_f"], s["pool_stride"], s["mode"]
(m, n_H, n_W, n_C) = A.shape
i = lesson.pick(s, "i", m, "the batch")
c = lesson.pick(s, "c", n_C, "A_prev (n_C_prev channels)")

lesson.arithmetic(
    lesson.size_formula("n_H", "n_H_prev", n_H_prev, f, stride, None),
    lesson.size_formula("n_W", "n_W_prev", n_W_prev, f, stride, None),
    f"A_prev {A_prev.shape}  {mode} pool  ->  A {A.shape}",
)
lesson.stride_note(n_H_prev, f, stride, 0)

steps = cached.trace_pool_forward(A_prev, hparameters, mode, i, c)
k = lesson.step_slider([step.label for step in steps])
fig = cached.pool_forward_figure(A_prev, hparameters, mode, i, c, frame_ms=params.frame_ms(s["speed"]), step=k)
lesson.show(fig, "pool_fig")

step = steps[k]
st.markdown(f"**Step {k + 1} of {len(steps)}**: `A[{i}, {step.h}, {step.w}, {c}] = {step.value:.4f}`")
if mode == "max":
    r, q = step.argmax
    st.markdown(
        f"Maximum at window position (row {r}, column {q}), "
        f"input cell `({step.vert_start + r}, {step.horiz_start + q})`."
    )
    if len(step.ties) > 1:
        st.warning(
            f"Tie: {len(step.ties)} entries equal the maximum {step.value:g} at window positions "
            f"{list(step.ties)}. The gradient will go to the first one only, {step.argmax}."
        )
else:
    st.markdown(f"Mean of the {f}x{f} = {f * f} values in the window.")
st.code(narration.pool_forward_code(step, i, stride, f, n_H, n_W, n_C, mode), language="python")
lesson.gif_button(
    "Download this animation (GIF)",
    f"pool_{mode}_f{f}_s{stride}.gif",
    lambda: cached.pool_forward_gif(A_prev, hparameters, mode, i, c),
    key="pool_gif",
)
