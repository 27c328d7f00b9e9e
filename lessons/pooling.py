"""Lesson 3: pool_forward, max or average."""

from cnnviz.app import cached, check_panel, lesson

s = lesson.settings()
lesson.title(
    "3. Pooling forward",
    "A pooling window of size `f` slides over each channel **separately** (no weights, no padding) and "
    "keeps either the largest value (`max`) or the mean (`average`). The number of channels does not change. "
    "When several values tie for the maximum, the figure marks them all; the one the backward pass will "
    "credit is the first in row-major order. Choose *Values: integers* to meet ties.",
)
row = lesson.controls(["pool_f", "pool_stride", "mode"])
A_prev, hparameters, A, cache = lesson.pool_setup(s)
(m, n_H_prev, n_W_prev, n_C_prev) = A_prev.shape
f, stride, mode = s["pool_f"], s["pool_stride"], s["mode"]
(m, n_H, n_W, n_C) = A.shape
i, c = row.index("i", m), row.index("c", n_C)

lesson.arithmetic(
    lesson.size_formula("n_H", "n_H_prev", n_H_prev, f, stride, None),
    lesson.size_formula("n_W", "n_W_prev", n_W_prev, f, stride, None),
    f"A_prev {A_prev.shape}  {mode} pool  ->  A {A.shape}",
)
lesson.stride_note(n_H_prev, f, stride, 0)
board = cached.pool_forward_board(A_prev, hparameters, mode, i, c, s.get("ties", "first"))
lesson.player(board, "pool_player", s, marks=check_panel.marks("pool_forward"))
lesson.notebook_printout("pool_forward", s)
lesson.gif_button("Download this animation (GIF)", f"pool_{mode}_f{f}_s{stride}.gif", board, "pool_gif")

# Check your own code, sandboxed; its marks reach the player above on the next run
check_panel.render(
    ["pool_forward"], {"A_prev": A_prev, "hparameters": hparameters, "mode": mode}, page="pool_forward", i=i, c=c
)
