"""Lesson 4: conv_backward, dZ scattered back into dA_prev, dW and db."""

from cnnviz.app import cached, check_panel, lesson

s = lesson.settings()
lesson.title(
    "4. Convolution backward",
    "Going backward, every output gradient `dZ[i, h, w, c]` flows back through the window that produced "
    "`Z[i, h, w, c]`: the window of `dA_prev` receives `W[:, :, :, c] * dZ`, `dW[:, :, :, c]` receives "
    "`a_slice * dZ`, and `db[c]` receives `dZ`. Where windows overlap, contributions **add up**.",
)
row = lesson.controls(["f", "stride", "pad", "dilation", "n_C", "grad"])
A_prev, W, b, hparameters, Z, cache = lesson.conv_setup(s)
(m, n_H_prev, n_W_prev, n_C_prev) = A_prev.shape
(m, n_H, n_W, n_C) = Z.shape
dZ = lesson.upstream(s, Z.shape, A_prev, W)  # one random stream / the course's dZ = Z / your dZ
dA_prev, dW, db = cached.conv_backward(dZ, cache)
i, c = row.index("i", m), row.index("c", n_C)
f, stride, pad, d = s["f"], s["stride"], s["pad"], s["dilation"]

lesson.arithmetic(
    lesson.size_formula("n_H", "n_H_prev", n_H_prev, f, stride, pad, d),
    f"dZ {dZ.shape} ({lesson.upstream_name(s)})  ->  dA_prev {dA_prev.shape}, dW {dW.shape}, db {db.shape}",
)
lesson.text(f"The animation follows example i = {i} and filter c = {c}: the dZ[{i}, :, :, {c}] cells one by one.")
board = cached.conv_backward_board(dZ, cache, i, c)
lesson.player(board, "conv_back_player", s, marks=check_panel.marks("conv_backward"))
lesson.notebook_printout("conv_backward", s)
lesson.grad_check(cached.conv_backward_gradients(A_prev, W, b, hparameters, dZ), "conv_back_gradcheck")
lesson.gif_button(
    "Download this animation (GIF)",
    f"conv_backward_f{f}_s{stride}_p{pad}" + (f"_d{d}" if d > 1 else "") + ".gif",
    board,
    "conv_back_gif",
)

# Check your own code, sandboxed; its marks reach the player above on the next run
check_panel.render(
    ["conv_backward"],
    {"A_prev": A_prev, "W": W, "b": b, "hparameters": hparameters, "dZ": dZ},
    page="conv_backward",
    i=i,
    c=c,
)
