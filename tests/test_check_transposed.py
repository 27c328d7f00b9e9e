"""The check panel for conv_transpose_forward: the right loop passes, each catalogue mistake is named."""

import numpy as np
import pytest

from cnnviz.check import checker, diagnose

TRANSPOSED = """
import numpy as np
def conv_transpose_forward(A_prev, W, b, hparameters):
    (m, n_H_prev, n_W_prev, n_C_prev) = A_prev.shape
    (f, f, n_C, n_C_prev) = W.shape
    stride, pad = hparameters['stride'], hparameters['pad']
    op = hparameters.get('output_padding', 0)
    n_H = (n_H_prev - 1) * stride - 2 * pad + f + op
    n_W = (n_W_prev - 1) * stride - 2 * pad + f + op
    Z_pad = np.zeros((m, n_H + 2 * pad, n_W + 2 * pad, n_C))
    for i in range(m):
        for h in range(n_H_prev):
            for w in range(n_W_prev):
                for c in range(n_C_prev):
                    vert_start = VS
                    horiz_start = HS
                    Z_pad[i, ROWS, COLS, :] OP A_prev[i, h, w, c] * W[:, :, :, c]
    Z = RESULT + b
    return Z, (A_prev, W, b, hparameters)
"""
RIGHT = {
    "VS": "h * stride",
    "HS": "w * stride",
    "ROWS": "vert_start:vert_start + f",
    "COLS": "horiz_start:horiz_start + f",
    "OP": "+=",
    "RESULT": "Z_pad[:, pad:pad + n_H, pad:pad + n_W, :]",
}
MISTAKES = {
    "the pad ring not cropped": {"RESULT": "Z_pad"},
    "= instead of +=": {"OP": "="},
    "stride on the filter, not the placement": {
        "VS": "h",
        "HS": "w",
        "ROWS": "vert_start:vert_start + stride * (f - 1) + 1:stride",
        "COLS": "horiz_start:horiz_start + stride * (f - 1) + 1:stride",
    },
}


def _code(**changes) -> str:
    text = TRANSPOSED
    for key, value in {**RIGHT, **changes}.items():
        text = text.replace(key, value)
    return text


def _inputs(stride=2, pad=1, op=1):
    r = np.random.RandomState(3)
    return {
        "A_prev": r.randn(2, 3, 3, 2),
        "W": r.randn(3, 3, 2, 2),
        "b": r.randn(1, 1, 1, 2),
        "hparameters": {"stride": stride, "pad": pad, "output_padding": op},
    }


def _message(name: str) -> str:
    return next(msg for fn, n, msg, _ in diagnose.CATALOGUE if fn == "conv_transpose_forward" and n == name)


def test_the_right_loop_passes():
    report = checker.check("conv_transpose_forward", _code(), _inputs())
    assert report.passed, [(v.title, v.verdict, v.detail) for v in report.verdicts]
    assert report.diagnosis == [] and report.marks == {}


@pytest.mark.parametrize("name", sorted(MISTAKES))
def test_each_mistake_is_named_and_marked(name):
    report = checker.check("conv_transpose_forward", _code(**MISTAKES[name]), _inputs())
    assert not report.passed
    assert _message(name) in report.diagnosis, report.diagnosis
    assert len(report.diagnosis) == 1
    if name != "the pad ring not cropped":  # a wrong shape has no cell to mark
        assert report.first is not None and set(report.marks["differs"]) <= {"Z/0", "Z/1"}
