"""Every bad argument raises ValueError with the numbers and a fix, identically in layers and fast."""

import re

import numpy as np
import pytest

from cnnviz.core import fast, layers

MODULES = [pytest.param(layers, id="layers"), pytest.param(fast, id="fast")]

A4 = np.zeros((2, 5, 5, 3))  # (m, n_H_prev, n_W_prev, n_C_prev)
W4 = np.zeros((3, 3, 3, 4))  # (f, f, n_C_prev, n_C)
B4 = np.zeros((1, 1, 1, 4))
CONV_HP = {"pad": 1, "stride": 1}
POOL_HP = {"f": 2, "stride": 2}


def conv(module, A_prev=A4, W=W4, b=B4, hparameters=CONV_HP):
    return lambda: module.conv_forward(A_prev, W, b, hparameters)


def pool(module, A_prev=A4, hparameters=POOL_HP, mode="max"):
    return lambda: module.pool_forward(A_prev, hparameters, mode)


def conv_back(module, dZ=None, cache=(A4, W4, B4, CONV_HP)):
    return lambda: module.conv_backward(np.zeros((2, 5, 5, 4)) if dZ is None else dZ, cache)


def pool_back(module, dA=None, cache=(A4, POOL_HP), mode="max"):
    return lambda: module.pool_backward(np.zeros((2, 2, 2, 3)) if dA is None else dA, cache, mode)


# (id, builder(module) -> zero-argument call, the full message). Messages are matched whole, so a
# changed number or a dropped fix fails the test.
CASES = [
    (
        "conv A_prev 3-D",
        lambda M: conv(M, A_prev=np.zeros((5, 5, 3))),
        "A_prev must be 4-D (m, n_H_prev, n_W_prev, n_C_prev), got shape (5, 5, 3); add the missing axes",
    ),
    (
        "pool A_prev 2-D",
        lambda M: pool(M, A_prev=np.zeros((5, 5))),
        "A_prev must be 4-D (m, n_H_prev, n_W_prev, n_C_prev), got shape (5, 5); add the missing axes",
    ),
    (
        "conv A_prev 5-D",
        lambda M: conv(M, A_prev=np.zeros((1, 2, 5, 5, 3))),
        "A_prev must be 4-D (m, n_H_prev, n_W_prev, n_C_prev), got shape (1, 2, 5, 5, 3); drop the extra axes",
    ),
    (
        "conv W 3-D",
        lambda M: conv(M, W=np.zeros((3, 3, 3))),
        "W must be 4-D (f, f, n_C_prev, n_C), got shape (3, 3, 3); add the missing axes",
    ),
    (
        "conv W not square",
        lambda M: conv(M, W=np.zeros((3, 2, 3, 4))),
        "W must hold square f x f filters, got 3x2; use W of shape (f, f, n_C_prev, n_C)",
    ),
    (
        "conv channel mismatch",
        lambda M: conv(M, W=np.zeros((3, 3, 2, 4))),
        "W has n_C_prev=2 input channels but A_prev has 3; W.shape[2] must equal A_prev.shape[3]",
    ),
    (
        "conv b flat",
        lambda M: conv(M, b=np.zeros(4)),
        "b must have shape (1, 1, 1, n_C) = (1, 1, 1, 4), got (4,)",
    ),
    (
        "conv b wrong n_C",
        lambda M: conv(M, b=np.zeros((1, 1, 1, 5))),
        "b must have shape (1, 1, 1, n_C) = (1, 1, 1, 4), got (1, 1, 1, 5)",
    ),
    ("conv pad negative", lambda M: conv(M, hparameters={"pad": -1, "stride": 1}), "pad=-1 is negative; use pad >= 0"),
    ("conv stride 0", lambda M: conv(M, hparameters={"pad": 0, "stride": 0}), "stride=0 must be at least 1"),
    ("pool stride -2", lambda M: pool(M, hparameters={"f": 2, "stride": -2}), "stride=-2 must be at least 1"),
    (
        "conv f larger than padded input",
        lambda M: conv(M, W=np.zeros((8, 8, 3, 4)), hparameters={"pad": 1, "stride": 1}),
        "f=8 is larger than the padded input 7x7; lower f or raise pad",
    ),
    (
        "conv f larger than padded non-square input",
        lambda M: conv(M, A_prev=np.zeros((1, 3, 9, 3)), W=np.zeros((4, 4, 3, 4)), hparameters={"pad": 0, "stride": 1}),
        "f=4 is larger than the padded input 3x9; lower f or raise pad",
    ),
    (
        "pool f larger than input",
        lambda M: pool(M, A_prev=np.zeros((1, 6, 3, 2)), hparameters={"f": 4, "stride": 1}),
        "f=4 is larger than the input 6x3; lower f",
    ),
    ("pool f 0", lambda M: pool(M, hparameters={"f": 0, "stride": 1}), "f=0 must be at least 1"),
    ("conv W f 0", lambda M: conv(M, W=np.zeros((0, 0, 3, 4))), "f=0 must be at least 1"),
    ("pool forward mode", lambda M: pool(M, mode="min"), 'mode=\'min\' is unknown; use "max" or "average"'),
    ("pool backward mode", lambda M: pool_back(M, mode="mean"), 'mode=\'mean\' is unknown; use "max" or "average"'),
    (
        "conv dZ shape",
        lambda M: conv_back(M, dZ=np.zeros((2, 5, 5, 3))),
        "dZ has shape (2, 5, 5, 3) but the cache's forward output Z has shape (2, 5, 5, 4); "
        "pass the gradient of that output",
    ),
    (
        "pool dA shape",
        lambda M: pool_back(M, dA=np.zeros((2, 3, 3, 3))),
        "dA has shape (2, 3, 3, 3) but the cache's forward output A has shape (2, 2, 2, 3); "
        "pass the gradient of that output",
    ),
    (
        "conv hparameters missing pad",
        lambda M: conv(M, hparameters={"stride": 1}),
        "hparameters for conv must be a dict with key \"pad\", got {'stride': 1}",
    ),
    (
        "conv hparameters missing stride",
        lambda M: conv(M, hparameters={"pad": 1}),
        "hparameters for conv must be a dict with key \"stride\", got {'pad': 1}",
    ),
    (
        "pool hparameters missing f",
        lambda M: pool(M, hparameters={"stride": 2}),
        "hparameters for pool must be a dict with key \"f\", got {'stride': 2}",
    ),
    (
        "conv hparameters not a dict",
        lambda M: conv(M, hparameters=[1, 1]),
        'hparameters for conv must be a dict with key "stride", got [1, 1]',
    ),
    (
        "conv stride float",
        lambda M: conv(M, hparameters={"pad": 1, "stride": 1.5}),
        "stride=1.5 must be a whole number of type int, not float",
    ),
    (
        "conv pad 1.0",
        lambda M: conv(M, hparameters={"pad": 1.0, "stride": 1}),
        "pad=1.0 must be a whole number of type int, not float",
    ),
    (
        "pool f string",
        lambda M: pool(M, hparameters={"f": "2", "stride": 2}),
        "f='2' must be a whole number of type int, not str",
    ),
    (
        "pool stride bool",
        lambda M: pool(M, hparameters={"f": 2, "stride": True}),
        "stride=True must be a whole number of type int, not bool",
    ),
    (
        "conv backward validates its cache",
        lambda M: conv_back(M, cache=(A4, W4, B4, {"pad": -2, "stride": 1})),
        "pad=-2 is negative; use pad >= 0",
    ),
    (
        "pool backward validates its cache",
        lambda M: pool_back(M, cache=(A4, {"f": 9, "stride": 1})),
        "f=9 is larger than the input 5x5; lower f",
    ),
]


@pytest.mark.parametrize("module", MODULES)
@pytest.mark.parametrize(("build", "message"), [pytest.param(b, m, id=i) for i, b, m in CASES])
def test_value_error_message(module, build, message):
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        build(module)()


def test_numpy_integer_hyperparameters_are_accepted():
    # np.int64 from a slider or an array is a whole number too.
    hparameters = {"pad": np.int64(1), "stride": np.int32(2)}
    for module in (layers, fast):
        Z, _ = module.conv_forward(A4, W4, B4, hparameters)
        assert Z.shape == (2, 3, 3, 4)
