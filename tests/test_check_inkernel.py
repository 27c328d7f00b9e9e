"""cnnviz.check(fn) in a kernel: the app's cases, verdicts and diagnosis, on a function the notebook defines."""

import numpy as np
import pytest

import cnnviz
from cnnviz.check import inkernel
from cnnviz.core import layers
from cnnviz.core.errors import InputError


def conv_forward(A_prev, W, b, hparameters):
    return layers.conv_forward(A_prev, W, b, hparameters)


def conv_forward_no_stride(A_prev, W, b, hparameters):
    """The classic mistake: windows start at h, not h * stride."""
    stride, pad = hparameters["stride"], hparameters["pad"]
    (m, n_H_prev, n_W_prev, n_C_prev) = A_prev.shape
    (f, f, n_C_prev, n_C) = W.shape
    n_H, n_W = (n_H_prev + 2 * pad - f) // stride + 1, (n_W_prev + 2 * pad - f) // stride + 1
    A_prev_pad = layers.zero_pad(A_prev, pad)
    Z = np.zeros((m, n_H, n_W, n_C))
    for i in range(m):
        for h in range(n_H):
            for w in range(n_W):
                for c in range(n_C):
                    a_slice = A_prev_pad[i, h : h + f, w : w + f, :]
                    Z[i, h, w, c] = np.sum(a_slice * W[:, :, :, c]) + b[0, 0, 0, c]
    return Z, (A_prev, W, b, hparameters)


def test_a_correct_function_passes_every_case():
    report = cnnviz.check(conv_forward, show=False)
    assert report.passed and report.verdicts and not report.diagnosis
    assert {v.verdict for v in report.verdicts} == {"matches"}
    assert report.player() is None, "nothing differs: nothing to open"


def test_a_buggy_function_is_named_and_opened_on_its_first_difference():
    report = cnnviz.check(conv_forward_no_stride, name="conv_forward", show=False)
    assert not report.passed
    assert any("stride" in d for d in report.diagnosis), report.diagnosis
    assert report.first is not None and report.marks["differs"]["Z"]
    player = report.player()
    assert player.step == report.first["step"] and player.marks == report.marks


def test_the_students_arrays_are_copies_and_their_printing_is_kept():
    def zero_pad(X, pad):
        X[...] = 0  # a function that writes into its argument must not change the next case's input
        print("padding", X.shape)
        return np.pad(X, ((0, 0), (pad, pad), (pad, pad), (0, 0)))

    X = np.ones((1, 2, 2, 1))
    result, ended = inkernel.run_case(zero_pad, (X, 1), time_limit=5)
    assert (X == 1).all(), "the case's own array was written to"
    assert result.status == "returned" and result.printed == "padding (1, 2, 2, 1)\n" and ended == "ok"
    report = cnnviz.check(zero_pad, show=False)
    assert all(v.printed.startswith("padding") for v in report.verdicts)


def test_a_function_that_never_returns_hits_the_time_limit():
    def pool_forward(A_prev, hparameters, mode="max"):
        while True:
            pass

    report = cnnviz.check(pool_forward, time_limit=0.3, show=False)
    assert {v.verdict for v in report.verdicts} == {"time limit"}


def test_an_unknown_name_is_an_error_for_people():
    def my_conv(A_prev, W, b, hparameters):
        return None

    with pytest.raises(InputError, match="name="):
        cnnviz.check(my_conv, show=False)
    with pytest.raises(InputError, match="your function itself"):
        inkernel.check("conv_forward", show=False)


@pytest.mark.parametrize("name", inkernel._cases.FUNCTIONS)
def test_the_references_own_functions_pass_by_name(name):
    report = cnnviz.check(getattr(layers, name), show=False)
    assert report.function == name and report.passed, [(v.title, v.verdict, v.detail) for v in report.verdicts]
