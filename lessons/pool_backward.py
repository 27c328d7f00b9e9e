"""Lesson 5: pool_backward with create_mask_from_window and distribute_value."""

from cnnviz.app import cached, check_panel, lesson, notebook

s = lesson.settings()
lesson.title(
    "5. Pooling backward",
    "Pooling has no weights, so only `dA_prev` is computed. **Max**: each `dA[i, h, w, c]` goes entirely to "
    "the input that was the maximum (`create_mask_from_window`; with ties, the rule chosen under the player: "
    "the course's `x == np.max(x)` credits every tied maximum, PyTorch only the first in row-major order). "
    "**Average**: it is split evenly over the `f x f` window (`distribute_value`).",
)
row = lesson.controls(["pool_f", "pool_stride", "mode", "grad"])
A_prev, hparameters, A, cache = lesson.pool_setup(s)
(m, n_H_prev, n_W_prev, n_C_prev) = A_prev.shape
f, stride, mode = s["pool_f"], s["pool_stride"], s["mode"]
(m, n_H, n_W, n_C) = A.shape
dA = lesson.upstream(s, A.shape, A_prev)  # one random stream / the course's dA / your dA
dA_prev = cached.pool_backward(dA, cache, mode, s["ties"])
i, c = row.index("i", m), row.index("c", n_C)

lesson.arithmetic(
    lesson.size_formula("n_H", "n_H_prev", n_H_prev, f, stride, None),
    f"dA {dA.shape} ({lesson.upstream_name(s)})  ->  dA_prev {dA_prev.shape}  ({mode} pooling)",
)
lesson.text(f"The animation follows example i = {i} and channel c = {c}: the dA[{i}, :, :, {c}] cells one by one.")
board = cached.pool_backward_board(dA, cache, mode, i, c, s.get("ties", "first"))
lesson.player(board, "pool_back_player", s, marks=check_panel.marks("pool_backward"))
lesson.notebook_printout("pool_backward", s)
tied = cached.tied_windows(A_prev, hparameters) if mode == "max" else 0
note = notebook.gradcheck_note(s, tied, mode)  # why the check differs at ties, under the rule in use
pairs = cached.pool_backward_gradients(A_prev, hparameters, mode, dA, s["ties"])
lesson.grad_check(pairs, "pool_back_gradcheck", note)
lesson.gif_button("Download this animation (GIF)", f"pool_backward_{mode}_f{f}_s{stride}.gif", board, "pool_back_gif")

# Check your own code, sandboxed; its marks reach the player above on the next run
check_panel.render(
    ["pool_backward", "create_mask_from_window", "distribute_value"],
    {"A_prev": A_prev, "hparameters": hparameters, "mode": mode, "dA": dA},
    page="pool_backward",
    ties=s.get("ties", "first"),
    i=i,
    c=c,
)
