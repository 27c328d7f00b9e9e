"""Lesson 4: conv_backward, dZ scattered back into dA_prev, dW and db."""

import streamlit as st

from cnnviz.app import cached, lesson
from cnnviz.app import settings as params
from cnnviz.core import inputs
from cnnviz.steps import narration

s = lesson.settings()
st.title("4. Convolution backward")
st.markdown(
    "Going backward, every output gradient `dZ[i, h, w, c]` flows back through the window that produced "
    "`Z[i, h, w, c]`: the window of `dA_prev` receives `W[:, :, :, c] * dZ`, `dW[:, :, :, c]` receives "
    "`a_slice * dZ`, and `db[c]` receives `dZ`. Where windows overlap, contributions **add up**."
)

A_prev, W, b, hparameters, Z, cache = lesson.conv_setup(s)
(m, n_H_prev, n_W_prev, n_C_prev) = A_prev.shape
(m, n_H, n_W, n_C) = Z.shape
dZ = inputs.upstream_gradient(s["seed"], Z.shape, s["grad"])
dA_prev, dW, db = cached.conv_backward(dZ, cache)
i = lesson.pick(s, "i", m, "the batch")
c = lesson.pick(s, "c", n_C, "W (n_C filters)")
f, stride, pad = s["f"], s["stride"], s["pad"]

lesson.arithmetic(
    lesson.size_formula("n_H", "n_H_prev", n_H_prev, f, stride, pad),
    f"dZ {dZ.shape} ({s['grad']})  ->  dA_prev {dA_prev.shape}, dW {dW.shape}, db {db.shape}",
)
st.caption(f"The animation follows example i = {i} and filter c = {c}: the dZ[{i}, :, :, {c}] cells one by one.")

steps = cached.trace_conv_backward(dZ, cache, i, c)
k = lesson.step_slider([step.label for step in steps])
fig = cached.conv_backward_figure(dZ, cache, i, c, frame_ms=params.frame_ms(s["speed"]), step=k)
lesson.show(fig, "conv_back_fig")

step = steps[k]
st.markdown(
    f"**Step {k + 1} of {len(steps)}**: `dZ[{i}, {step.h}, {step.w}, {c}] = {step.dz:.4f}` goes to rows "
    f"`{step.vert_start}:{step.vert_end}`, columns `{step.horiz_start}:{step.horiz_end}` of `da_prev_pad`.  \n"
    f"`db[{c}]` so far: **{step.db_c:.4f}** (total {db[0, 0, 0, c]:.4f})"
)
st.code(narration.conv_backward_code(step, i, stride, f, n_H, n_W, n_C), language="python")
st.markdown("**Numerical gradient check**")
errors = cached.check_conv_backward(A_prev, W, b, hparameters, dZ)
lesson.grad_table(errors)
lesson.gif_button(
    "Download this animation (GIF)",
    f"conv_backward_f{f}_s{stride}_p{pad}.gif",
    lambda: cached.conv_backward_gif(dZ, cache, i, c),
    key="conv_back_gif",
)
