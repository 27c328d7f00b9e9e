"""Boards of every lesson from seeded random inputs: one small one each, and a hypothesis strategy."""

from __future__ import annotations

from hypothesis import strategies as st

from cnnviz.core import inputs, layers
from cnnviz.steps import storyboard as S
from cnnviz.steps.transposed import conv_transpose_forward_board

LESSONS = ("zero_pad", "conv_forward", "pool_forward", "conv_backward", "pool_backward", "conv_transpose_forward")


def board(lesson: str, seed: int = 1, n: int = 5, C: int = 2, f: int = 3, stride: int = 1, pad: int = 1) -> dict:
    """lesson's board on an (2, n, n, C) input; conv: f x f, 3 filters; pool: f x f max pooling."""
    A_prev = inputs.random_tensor(seed, 2, n, n, C, "normal")
    if lesson == "zero_pad":
        return S.zero_pad_board(A_prev, pad)
    if lesson == "conv_transpose_forward":  # W (f, f, n_C, n_C_prev); stride 2 so that windows overlap and gap
        _, W, b = inputs.transpose_inputs(seed, A_prev.shape, f, 3)
        return conv_transpose_forward_board(A_prev, W, b, {"stride": 2, "pad": pad, "output_padding": 1})
    if lesson in ("conv_forward", "conv_backward"):
        W, b = inputs.conv_params(seed, f, C, 3, "normal")
        hp = {"stride": stride, "pad": pad}
        if lesson == "conv_forward":
            return S.conv_forward_board(A_prev, W, b, hp)
        Z, cache = layers.conv_forward(A_prev, W, b, hp)
        return S.conv_backward_board(inputs.upstream_gradient(seed, Z.shape), cache)
    hp = {"f": min(f, n), "stride": stride}
    if lesson == "pool_forward":
        return S.pool_forward_board(A_prev, hp, "max")
    A, cache = layers.pool_forward(A_prev, hp)
    return S.pool_backward_board(inputs.upstream_gradient(seed, A.shape), cache, "max")


@st.composite
def boards(draw) -> dict:
    lesson = draw(st.sampled_from(LESSONS))
    seed, m = draw(st.integers(0, 99)), draw(st.integers(1, 2))
    n_H, n_W, n_C_prev = draw(st.integers(2, 6)), draw(st.integers(2, 6)), draw(st.integers(1, 3))
    values = draw(st.sampled_from(["normal", "integers"]))
    A_prev = inputs.random_tensor(seed, m, n_H, n_W, n_C_prev, values)
    i = draw(st.integers(0, m - 1))
    if lesson == "zero_pad":
        return S.zero_pad_board(A_prev, draw(st.integers(0, 3)), i, draw(st.integers(0, n_C_prev - 1)))
    f = draw(st.integers(1, min(n_H, n_W)))
    stride = draw(st.integers(1, 3))
    if lesson == "conv_transpose_forward":
        n_C = draw(st.integers(1, 3))
        W, b = inputs.conv_params(seed, f, n_C, n_C_prev, values)  # (f, f, n_C, n_C_prev)
        b = inputs.conv_params(seed, 1, 1, n_C, values)[1]
        hp = {"stride": stride, "pad": draw(st.integers(0, (f - 1) // 2))}
        return conv_transpose_forward_board(A_prev, W, b, hp, i, draw(st.integers(0, n_C_prev - 1)))
    if lesson.startswith("conv"):
        pad, n_C = draw(st.integers(0, 2)), draw(st.integers(1, 3))
        W, b = inputs.conv_params(seed, f, n_C_prev, n_C, values)
        hp, c = {"stride": stride, "pad": pad}, draw(st.integers(0, n_C - 1))
        dilation = draw(st.integers(1, 2))
        if dilation > 1 and dilation * (f - 1) + 1 <= min(n_H, n_W) + 2 * pad:
            hp["dilation"] = dilation  # a window of cells with holes
        if lesson == "conv_forward":
            return S.conv_forward_board(A_prev, W, b, hp, i, c)
        Z, cache = layers.conv_forward(A_prev, W, b, hp)
        return S.conv_backward_board(inputs.upstream_gradient(seed, Z.shape), cache, i, c)
    hp, mode = {"f": f, "stride": stride}, draw(st.sampled_from(["max", "average"]))
    ties, c = draw(st.sampled_from(["first", "all"])), draw(st.integers(0, n_C_prev - 1))
    if lesson == "pool_forward":
        return S.pool_forward_board(A_prev, hp, mode, i, c, ties)
    A, cache = layers.pool_forward(A_prev, hp, mode)
    return S.pool_backward_board(inputs.upstream_gradient(seed, A.shape), cache, mode, i, c, ties)
