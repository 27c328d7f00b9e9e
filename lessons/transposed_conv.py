"""Lesson 7: conv_transpose_forward, each input cell scattering a filter: conv_backward's dA_prev."""

from cnnviz.app import cached, check_panel, lesson

s = lesson.settings()
lesson.title(
    "7. Transposed convolution",
    "Here the small grid is the **input** `A_prev` and the big grid the **output** `Z`. Each input cell "
    "`A_prev[i, h, w, c]`, in order, scatters `A_prev[i, h, w, c] * W[:, :, k, c]` into the output window "
    "that starts at `(h*stride, w*stride)`, for every output channel `k`. Where windows overlap the "
    "contributions **add up** (`+=`). At the end the pad ring is cropped: "
    "`n_H = (n_H_prev - 1)*stride - 2*pad + f + output_padding`. This is exactly the loop that builds "
    "`dA_prev` in `conv_backward` (with `A_prev` in `dZ`'s place and the same `W`): the toggle "
    "*Cropped Z beside conv_backward's dA_prev* shows the same numbers.",
)
row = lesson.controls(["f", "stride", "pad", "output_padding", "n_C"])
A_prev, W, b, hparameters, Z, cache = lesson.transposed_setup(s)
(m, n_H_prev, n_W_prev, n_C_prev) = A_prev.shape
(m, n_H, n_W, n_C) = Z.shape
i, c = row.index("i", m), row.index("c", n_C_prev)
f, stride, pad, op = s["f"], s["stride"], s["pad"], s["output_padding"]

lesson.arithmetic(
    lesson.transpose_size_formula("n_H", "n_H_prev", n_H_prev, f, stride, pad, op),
    lesson.transpose_size_formula("n_W", "n_W_prev", n_W_prev, f, stride, pad, op),
    f"INPUT A_prev {A_prev.shape}  ->  OUTPUT Z {Z.shape};  W {W.shape}, b {b.shape}",
    f"its convolution: input {Z.shape} conv W, stride {stride}, pad {pad} -> {A_prev.shape} (the shape of dZ)",
)
lesson.text(
    f"The animation follows example i = {i} and **input** channel c = {c}: the cells of A_prev[{i}, :, :, {c}] "
    f"one by one, each adding into all n_C = {n_C} output channels."
)
board = cached.conv_transpose_forward_board(A_prev, W, b, hparameters, i, c)
lesson.player(board, "transposed_player", s, marks=check_panel.marks("conv_transpose_forward"))
lesson.gif_button(
    "Download this animation (GIF)", f"conv_transpose_f{f}_s{stride}_p{pad}_op{op}.gif", board, "transposed_gif"
)

# Check your own code, sandboxed; its marks reach the player above on the next run
check_panel.render(
    ["conv_transpose_forward"],
    {"A_prev": A_prev, "W": W, "b": b, "hparameters": hparameters},
    page="conv_transpose_forward",
    i=i,
    c=c,
)
