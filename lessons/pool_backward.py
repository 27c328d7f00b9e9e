"""Lesson 5: pool_backward with create_mask_from_window and distribute_value."""

import streamlit as st

from cnnviz.app import cached, lesson
from cnnviz.app import settings as params
from cnnviz.core import inputs
from cnnviz.steps import narration

s = lesson.settings()
st.title("5. Pooling backward")
st.markdown(
    "Pooling has no weights, so only `dA_prev` is computed. **Max**: each `dA[i, h, w, c]` goes entirely to "
    "the input that was the maximum (`create_mask_from_window`; with ties, only the first in row-major order, "
    "as PyTorch does). **Average**: it is split evenly over the `f x f` window (`distribute_value`)."
)

A_prev, hparameters, A, cache = lesson.pool_setup(s)
(m, n_H_prev, n_W_prev, n_C_prev) = A_prev.shape
f, stride, mode = s["pool_f"], s["pool_stride"], s["mode"]
(m, n_H, n_W, n_C) = A.shape
dA = inputs.upstream_gradient(s["seed"], A.shape, s["grad"])
dA_prev = cached.pool_backward(dA, cache, mode)
i = lesson.pick(s, "i", m, "the batch")
c = lesson.pick(s, "c", n_C, "A_prev (n_C_prev channels)")

lesson.arithmetic(
    lesson.size_formula("n_H", "n_H_prev", n_H_prev, f, stride, None),
    f"dA {dA.shape} ({s['grad']})  ->  dA_prev {dA_prev.shape}  ({mode} pooling)",
)
st.caption(f"The animation follows example i = {i} and channel c = {c}: the dA[{i}, :, :, {c}] cells one by one.")

steps = cached.trace_pool_backward(dA, cache, mode, i, c)
k = lesson.step_slider([step.label for step in steps])
fig = cached.pool_backward_figure(dA, cache, mode, i, c, frame_ms=params.frame_ms(s["speed"]), step=k)
lesson.show(fig, "pool_back_fig")

step = steps[k]
what = "mask * dA (one cell gets it all)" if mode == "max" else f"dA / {f * f} on every cell"
st.markdown(
    f"**Step {k + 1} of {len(steps)}**: `dA[{i}, {step.h}, {step.w}, {c}] = {step.da:.4f}` placed as {what} "
    f"into rows `{step.vert_start}:{step.vert_end}`, columns `{step.horiz_start}:{step.horiz_end}`."
)
st.code(narration.pool_backward_code(step, i, stride, f, n_H, n_W, n_C, mode), language="python")
st.markdown("**Numerical gradient check**")
errors = cached.check_pool_backward(A_prev, hparameters, mode, dA)
ties = cached.tied_windows(A_prev, hparameters) if mode == "max" else 0
note = (
    f"{ties} pooling window(s) of this input hold their maximum more than once: there max pooling has no "
    "derivative, so a mismatch is expected (choose Values: normal for a tie-free input)."
    if ties
    else ""
)
lesson.grad_table(errors, note)
lesson.gif_button(
    "Download this animation (GIF)",
    f"pool_backward_{mode}_f{f}_s{stride}.gif",
    lambda: cached.pool_backward_gif(dA, cache, mode, i, c),
    key="pool_back_gif",
)
