"""Lesson 2: conv_forward, one window at a time."""

from cnnviz.app import cached, check_panel, lesson

s = lesson.settings()
lesson.title(
    "2. Convolution forward",
    "The filter `W[:, :, :, c]` slides over the padded input. At each position it multiplies the window "
    "element by element with the filter across **all** input channels, sums everything and adds `b`: "
    "that one number is `Z[i, h, w, c]` (`conv_single_step`). The window moves by `stride`.",
)
row = lesson.controls(["f", "stride", "pad", "dilation", "n_C"])
A_prev, W, b, hparameters, Z, cache = lesson.conv_setup(s)
(m, n_H_prev, n_W_prev, n_C_prev) = A_prev.shape
(m, n_H, n_W, n_C) = Z.shape
i, c = row.index("i", m), row.index("c", n_C)
f, stride, pad, d = s["f"], s["stride"], s["pad"], s["dilation"]

lesson.arithmetic(
    lesson.size_formula("n_H", "n_H_prev", n_H_prev, f, stride, pad, d),
    lesson.size_formula("n_W", "n_W_prev", n_W_prev, f, stride, pad, d),
    f"A_prev {A_prev.shape}  conv  W {W.shape} + b {b.shape}  ->  Z {Z.shape}",
)
if d > 1:
    lesson.text(
        f"dilation = {d}: the window reads every {d}th row and column (rows vert_start + {d}*k, k = 0..{f - 1}), "
        f"so it spans {d}*({f} - 1) + 1 = {(f - 1) * d + 1} cells with holes between them; W stays {f}x{f}."
    )
lesson.stride_note(n_H_prev, f, stride, pad, d)
board = cached.conv_forward_board(A_prev, W, b, hparameters, i, c)
lesson.player(board, "conv_player", s, marks=check_panel.marks("conv_forward"))
lesson.notebook_printout("conv_forward", s)
lesson.gif_button(
    "Download this animation (GIF)",
    f"conv_forward_f{f}_s{stride}_p{pad}" + (f"_d{d}" if d > 1 else "") + ".gif",
    board,
    "conv_gif",
)

# Check your own code, sandboxed; its marks reach the player above on the next run
check_panel.render(
    ["conv_forward", "conv_single_step"],
    {"A_prev": A_prev, "W": W, "b": b, "hparameters": hparameters},
    page="conv_forward",
    i=i,
    c=c,
)
