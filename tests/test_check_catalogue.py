"""Every catalogue mistake is a small wrong implementation here; the check must name it.

The correct reference and the course's published loops must pass.
"""

import numpy as np
import pytest

from cnnviz.check import checker
from cnnviz.core import inputs as _inputs
from cnnviz.core import layers

ZERO_PAD = """
import numpy as np
def zero_pad(X, pad):
    return np.pad(X, ((0, 0), (pad, pad), (pad, pad), (0, 0)), 'constant')
"""
SINGLE = """
def conv_single_step(a_slice_prev, W, b):
    s = np.multiply(a_slice_prev, W)
    Z = np.sum(s) + {bias}
    return Z
"""
CONV_FORWARD = (
    ZERO_PAD
    + """
def conv_forward(A_prev, W, b, hparameters):
    (m, n_H_prev, n_W_prev, n_C_prev) = A_prev.shape
    (f, f, n_C_prev, n_C) = W.shape
    stride = hparameters['stride']
    pad = hparameters['pad']
    n_H = int((n_H_prev + 2 * pad - f) / stride + 1)
    n_W = int((n_W_prev + 2 * pad - f) / stride + 1)
    Z = np.zeros((m, n_H, n_W, n_C))
    A_prev_pad = zero_pad(A_prev, pad)
    for i in range(m):
        a_prev_pad = A_prev_pad[i,:,:,:]
        for h in range(n_H):
            for w in range(n_W):
                for c in range(n_C):
                    vert_start = h * stride
                    vert_end = vert_start + f
                    horiz_start = w * stride
                    horiz_end = horiz_start + f
                    a_slice_prev = a_prev_pad[vert_start:vert_end,horiz_start:horiz_end,:]
                    Z[i, h, w, c] = np.sum(a_slice_prev * W[:,:,:,c]) + b[0,0,0,c]
    cache = (A_prev, W, b, hparameters)
    return Z, cache
"""
)
CONV_BACKWARD = (
    ZERO_PAD
    + """
def conv_backward(dZ, cache):
    (A_prev, W, b, hparameters) = cache
    (m, n_H_prev, n_W_prev, n_C_prev) = A_prev.shape
    (f, f, n_C_prev, n_C) = W.shape
    stride = hparameters['stride']
    pad = hparameters['pad']
    (m, n_H, n_W, n_C) = dZ.shape
    dA_prev = np.zeros((m, n_H_prev, n_W_prev, n_C_prev))
    dW = np.zeros((f, f, n_C_prev, n_C))
    db = np.zeros((1, 1, 1, n_C))
    A_prev_pad = zero_pad(A_prev, pad)
    dA_prev_pad = zero_pad(dA_prev, pad)
    for i in range(m):
        a_prev_pad = A_prev_pad[i,:,:,:]
        da_prev_pad = dA_prev_pad[i,:,:,:]
        for h in range(n_H):
            for w in range(n_W):
                for c in range(n_C):
                    vert_start = h * stride
                    vert_end = vert_start + f
                    horiz_start = w * stride
                    horiz_end = horiz_start + f
                    a_slice = a_prev_pad[vert_start:vert_end, horiz_start:horiz_end, :]
                    da_prev_pad[vert_start:vert_end, horiz_start:horiz_end, :] += W[:,:,:,c] * dZ[i, h, w, c]
                    dW[:,:,:,c] += a_slice * dZ[i, h, w, c]
                    db[:,:,:,c] += dZ[i, h, w, c]
        dA_prev[i, :, :, :] = da_prev_pad[pad:pad + n_H_prev, pad:pad + n_W_prev, :]
    return dA_prev, dW, db
"""
)
POOL_FORWARD = """
def pool_forward(A_prev, hparameters, mode = "max"):
    (m, n_H_prev, n_W_prev, n_C_prev) = A_prev.shape
    f = hparameters["f"]
    stride = hparameters["stride"]
    n_H = int(1 + (n_H_prev - f) / stride)
    n_W = int(1 + (n_W_prev - f) / stride)
    n_C = n_C_prev
    A = np.zeros((m, n_H, n_W, n_C))
    for i in range(m):
        for h in range(n_H):
            for w in range(n_W):
                for c in range (n_C):
                    vert_start = h * stride
                    vert_end = vert_start + f
                    horiz_start = w * stride
                    horiz_end = horiz_start + f
                    a_prev_slice = A_prev[i, vert_start:vert_end, horiz_start:horiz_end, c]
                    if mode == "max":
                        A[i, h, w, c] = np.max(a_prev_slice)
                    elif mode == "average":
                        A[i, h, w, c] = np.mean(a_prev_slice)
    cache = (A_prev, hparameters)
    return A, cache
"""
MASK = """
def create_mask_from_window(x):
    mask = (x == np.max(x))
    return mask
"""
MASK_FIRST = """
def create_mask_from_window(x):
    mask = np.zeros(x.shape, dtype=bool)
    mask.flat[np.argmax(x)] = True
    return mask
"""
DISTRIBUTE = """
def distribute_value(dz, shape):
    (n_H, n_W) = shape
    average = dz / ({div})
    a = np.full(shape, average)
    return a
"""
POOL_BACKWARD = (
    MASK_FIRST
    + DISTRIBUTE.format(div="n_H * n_W")
    + """
def pool_backward(dA, cache, mode="max"):
    (A_prev, hparameters) = cache
    stride = hparameters["stride"]
    f = hparameters["f"]
    m, n_H, n_W, n_C = dA.shape
    dA_prev = np.zeros(A_prev.shape)
    for i in range(m):
        a_prev = A_prev[i]
        for h in range(n_H):
            for w in range(n_W):
                for c in range(n_C):
                    vert_start = h * stride
                    vert_end = vert_start + f
                    horiz_start = w * stride
                    horiz_end = horiz_start + f
                    if mode == "max":
                        a_prev_slice = a_prev[vert_start:vert_end, horiz_start:horiz_end, c]
                        mask = create_mask_from_window(a_prev_slice)
                        dA_prev[i, vert_start:vert_end, horiz_start:horiz_end, c] += mask * dA[i, h, w, c]
                    elif mode == "average":
                        da = dA[i, h, w, c]
                        dA_prev[i, vert_start:vert_end, horiz_start:horiz_end, c] += distribute_value(da, (f, f))
    return dA_prev
"""
)


def conv_inputs():
    A_prev = _inputs.random_tensor(1, 2, 5, 5, 2, "normal")
    r = np.random.RandomState(3)
    W, b = r.randn(3, 3, 2, 2), r.randn(1, 1, 1, 2)
    hp = {"stride": 2, "pad": 1}
    Z, _ = layers.conv_forward(A_prev, W, b, hp)
    return {"A_prev": A_prev, "W": W, "b": b, "hparameters": hp, "dZ": r.randn(*Z.shape)}


def pool_inputs(mode="max"):
    A_prev = np.random.RandomState(5).randn(2, 5, 5, 2)
    hp = {"f": 2, "stride": 1}
    A, _ = layers.pool_forward(A_prev, hp)
    return {"A_prev": A_prev, "hparameters": hp, "mode": mode, "dA": np.random.RandomState(6).randn(*A.shape)}


def run(function, code, inputs, ties="first"):
    return checker.check(function, code, inputs, ties=ties)


CORRECT = {
    "zero_pad": ZERO_PAD,
    "conv_single_step": SINGLE.format(bias="b"),  # the course: a (1, 1, 1) array
    "conv_forward": CONV_FORWARD,
    "conv_backward": CONV_BACKWARD,
    "pool_forward": POOL_FORWARD,
    "create_mask_from_window": MASK_FIRST,
    "distribute_value": DISTRIBUTE.format(div="n_H * n_W"),
    "pool_backward": POOL_BACKWARD,
}


@pytest.mark.parametrize("function", sorted(CORRECT))
def test_the_course_loops_pass(function):
    inputs = {**conv_inputs(), "pad": 2} if function.startswith(("conv", "zero")) else pool_inputs()
    report = run(function, CORRECT[function], inputs)
    assert report.passed, [(v.title, v.verdict, v.detail, v.traceback) for v in report.verdicts]
    assert report.diagnosis == [] and report.marks == {}


def test_the_course_mask_matches_under_the_course_tie_rule_and_is_named_under_first():
    inputs = pool_inputs()
    assert run("create_mask_from_window", MASK, inputs, ties="all").passed
    report = run("create_mask_from_window", MASK, inputs, ties="first")
    assert not report.passed
    assert any("course's own rule" in d for d in report.diagnosis)


def mistake(code, old, new):
    assert old in code, old
    return code.replace(old, new)


CASES = [
    (
        "pool_forward",
        mistake(POOL_FORWARD, "vert_start = h * stride", "vert_start = h").replace(
            "horiz_start = w * stride", "horiz_start = w"
        ),
        "without the stride",
    ),
    (
        "conv_forward",
        mistake(CONV_FORWARD, "vert_start = h * stride", "vert_start = h").replace(
            "horiz_start = w * stride", "horiz_start = w"
        ),
        "without the stride",
    ),
    (
        "conv_forward",
        mistake(CONV_FORWARD, "a_slice_prev = a_prev_pad[", "a_slice_prev = A_prev[i, "),
        "instead of `a_prev_pad`",
    ),
    (
        "conv_forward",
        mistake(
            CONV_FORWARD,
            "np.sum(a_slice_prev * W[:,:,:,c]) + b[0,0,0,c]",
            "np.sum(a_slice_prev * W[:,:,:,c] + b[0,0,0,c])",
        ),
        "to every element",
    ),
    ("conv_single_step", SINGLE.format(bias="0").replace("np.sum(s) + 0", "np.sum(s + b)"), "to every element"),
    (
        "conv_backward",
        mistake(CONV_BACKWARD, "vert_start = h * stride", "vert_start = h").replace(
            "horiz_start = w * stride", "horiz_start = w"
        ),
        "without the stride",
    ),
    (
        "conv_backward",
        mistake(
            CONV_BACKWARD,
            "da_prev_pad[pad:pad + n_H_prev, pad:pad + n_W_prev, :]",
            "da_prev_pad[pad:-pad, pad:-pad, :]",
        ),
        "[pad:-pad",
    ),
    ("conv_backward", mistake(CONV_BACKWARD, "horiz_end, :] += W", "horiz_end, :] = W"), "instead of `+=`"),
    ("conv_backward", mistake(CONV_BACKWARD, "dW[:,:,:,c] += a_slice", "dW[:,:,:,c] = a_slice"), "instead of `+=`"),
    (
        "conv_backward",
        mistake(
            CONV_BACKWARD,
            "    for i in range(m):\n        a_prev_pad",
            "    for i in range(m):\n        dW = np.zeros((f, f, n_C_prev, n_C))\n        db = np.zeros((1, "
            "1, 1, n_C))\n        a_prev_pad",
        ),
        "last example only",
    ),
    (
        "pool_backward",
        mistake(POOL_BACKWARD, "c] += mask", "c] = mask").replace("c] += distribute_value", "c] = distribute_value"),
        "instead of `+=`",
    ),
    ("pool_backward", mistake(POOL_BACKWARD, "average = dz / (n_H * n_W)", "average = dz / n_H"), "instead of f*f"),
    ("pool_backward", mistake(POOL_BACKWARD, MASK_FIRST, MASK), "course's own rule"),
    ("distribute_value", DISTRIBUTE.format(div="n_H"), "instead of n_H * n_W"),
]


@pytest.mark.parametrize("function,code,words", CASES, ids=[f"{f}:{w}" for f, _, w in CASES])
def test_every_catalogue_mistake_is_named(function, code, words):
    mode = "average" if "n_H" in words or "f*f" in words else "max"
    inputs = {**conv_inputs(), "pad": 2} if function.startswith("conv") else pool_inputs(mode)
    report = run(function, code, inputs)
    assert not report.passed
    assert any(words in d for d in report.diagnosis), (
        report.diagnosis,
        [(v.title, v.verdict, v.detail) for v in report.verdicts],
    )


def test_an_unknown_mistake_gets_the_diff_without_a_guess():
    code = mistake(CONV_FORWARD, "+ b[0,0,0,c]", "+ 2 * b[0,0,0,c]")
    report = run("conv_forward", code, conv_inputs())
    assert report.diagnosis == []
    lesson = report.verdicts[0]
    assert lesson.verdict == "differs" and lesson.diffs["Z"].all()
    assert report.first["step"] == 0 and report.marks["differs"]["Z"]


def test_the_first_differing_window_is_where_the_loop_first_disagrees():
    # Wrong only for h == 1, w == 2: step 1 * n_W + 2 of the player.
    code = mistake(CONV_FORWARD, "Z[i, h, w, c] = np.sum", "Z[i, h, w, c] = (h == 1 and w == 2) + np.sum")
    inputs = conv_inputs()
    report = run("conv_forward", code, inputs)
    n_W = layers.conv_forward(inputs["A_prev"], inputs["W"], inputs["b"], inputs["hparameters"])[0].shape[2]
    assert report.first["step"] == 1 * n_W + 2
    assert report.marks["differs"]["Z"] == [[1, 2, 2, 3]]
