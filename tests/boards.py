"""One small board per lesson, from seeded random inputs (shared by the HTML, schema and replay tests)."""

from __future__ import annotations

from cnnviz.core import inputs, layers
from cnnviz.steps import storyboard as S
from cnnviz.steps import transposed

LESSONS = ("zero_pad", "conv_forward", "pool_forward", "conv_backward", "pool_backward", "conv_transpose_forward")


def board(lesson: str, seed: int = 1, n: int = 5, C: int = 2, f: int = 3, stride: int = 1, pad: int = 1) -> dict:
    """lesson's board on an (2, n, n, C) input; conv: f x f, 3 filters; pool: f x f max pooling."""
    A_prev = inputs.random_tensor(seed, 2, n, n, C, "normal")
    if lesson == "zero_pad":
        return S.zero_pad_board(A_prev, pad)
    if lesson == "conv_transpose_forward":  # W (f, f, n_C, n_C_prev); stride 2 so that windows overlap and gap
        _, W, b = inputs.transpose_inputs(seed, A_prev.shape, f, 3)
        return transposed.conv_transpose_forward_board(A_prev, W, b, {"stride": 2, "pad": pad, "output_padding": 1})
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
