"""Lesson 1: zero_pad, the ring of zeros."""

import streamlit as st

from cnnviz.app import cached, lesson

s = lesson.settings()
st.title("1. Zero padding")
st.markdown(
    "`zero_pad` surrounds every image with `pad` rows and columns of zeros, on height and width only. "
    "It lets a filter sit on the border pixels as often as on the middle ones, and with `f = 2*pad + 1` "
    "and `stride = 1` it keeps the output as large as the input (a *same* convolution)."
)

A_prev = lesson.lesson_input(s)
(m, n_H_prev, n_W_prev, n_C_prev) = A_prev.shape
pad = s["pad"]
i = lesson.pick(s, "i", m, "the batch")
c = lesson.pick(s, "c", n_C_prev, "A_prev (n_C_prev channels)")

lesson.arithmetic(
    f"X.shape     = {A_prev.shape}",
    f"X_pad.shape = (m, n_H + 2*pad, n_W + 2*pad, n_C) = ({m}, {n_H_prev} + 2*{pad}, {n_W_prev} + 2*{pad}, {n_C_prev})"
    f" = ({m}, {n_H_prev + 2 * pad}, {n_W_prev + 2 * pad}, {n_C_prev})",
)
if pad == 0:
    st.info("pad = 0: nothing is added. Raise pad in the sidebar (Convolution) to see the ring.")
fig = lesson.guard(cached.zero_pad_figure, A_prev, pad, i, c)
lesson.show(fig, "pad_fig")
st.code(
    "def zero_pad(X, pad):\n"
    "    X_pad = np.pad(X, ((0, 0), (pad, pad), (pad, pad), (0, 0)), mode='constant', constant_values=0)\n"
    f"    return X_pad                     # here: pad = {pad}, X_pad[{i}, :, :, {c}] is shown",
    language="python",
)
