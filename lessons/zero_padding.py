"""Lesson 1: zero_pad, the ring of zeros."""

import streamlit as st

from cnnviz.app import cached, check_panel, lesson

s = lesson.settings()
lesson.title(
    "1. Zero padding",
    "`zero_pad` surrounds every image with `pad` rows and columns of zeros, on height and width only. "
    "It lets a filter sit on the border pixels as often as on the middle ones, and with `f = 2*pad + 1` "
    "and `stride = 1` it keeps the output as large as the input (a *same* convolution).",
)
row = lesson.controls(["pad"])
A_prev = lesson.lesson_input(s)
(m, n_H_prev, n_W_prev, n_C_prev) = A_prev.shape
pad = s["pad"]
i, c = row.index("i", m), row.index("c", n_C_prev)

lesson.arithmetic(
    f"X.shape     = {A_prev.shape}",
    f"X_pad.shape = (m, n_H + 2*pad, n_W + 2*pad, n_C) = ({m}, {n_H_prev} + 2*{pad}, {n_W_prev} + 2*{pad}, {n_C_prev})"
    f" = ({m}, {n_H_prev + 2 * pad}, {n_W_prev + 2 * pad}, {n_C_prev})",
)
if pad == 0 and not lesson.present():
    st.info("pad = 0: nothing is added. Raise pad to see the ring.")
board = lesson.guard(cached.zero_pad_board, A_prev, pad, i, c)
lesson.player(board, "pad_player", s, marks=check_panel.marks("zero_pad"))
lesson.notebook_printout("zero_pad", s)
lesson.gif_button("Download this animation (GIF)", f"zero_pad_p{pad}.gif", board, "pad_gif")

# Check your own code, sandboxed; its marks reach the player above on the next run
check_panel.render(["zero_pad"], {"A_prev": A_prev, "pad": pad}, page="zero_pad", i=i, c=c)
