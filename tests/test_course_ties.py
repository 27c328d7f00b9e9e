"""The max-pool tie rule: ties="first" (one maximum, PyTorch) or "all" (the course's x == np.max(x))."""

import numpy as np
import pytest

from cnnviz.core import fast, gradcheck, layers
from cnnviz.core.errors import InputError
from cnnviz.steps import trace

# One 4x4 channel of whole numbers, pooled f=2 stride=2: windows with 1, 2 and 4 tied maxima.
A_INT = np.array(
    [
        [3.0, 1.0, 2.0, 2.0],
        [0.0, 2.0, 0.0, 1.0],
        [4.0, 4.0, 1.0, 1.0],
        [4.0, 4.0, 1.0, 1.0],
    ]
).reshape(1, 4, 4, 1)
HP = {"f": 2, "stride": 2}
DA = np.array([[10.0, 20.0], [30.0, 40.0]]).reshape(1, 2, 2, 1)


def test_create_mask_both_rules_on_a_tie():
    x = np.array([[1, 5, 0], [5, 2, 5]])
    np.testing.assert_array_equal(layers.create_mask_from_window(x), [[False, True, False], [False, False, False]])
    np.testing.assert_array_equal(layers.create_mask_from_window(x, "first"), layers.create_mask_from_window(x))
    np.testing.assert_array_equal(
        layers.create_mask_from_window(x, ties="all"), [[False, True, False], [True, False, True]]
    )
    # Without a tie both rules are the course's mask.
    y = np.array([[1.0, 7.0], [3.0, 2.0]])
    np.testing.assert_array_equal(layers.create_mask_from_window(y, "all"), y == np.max(y))
    np.testing.assert_array_equal(layers.create_mask_from_window(y, "first"), y == np.max(y))


@pytest.mark.parametrize("module", [layers, fast], ids=["layers", "fast"])
def test_pool_backward_both_rules_on_an_integer_example(module):
    _, cache = module.pool_forward(A_INT, HP)
    first = module.pool_backward(DA, cache, "max", ties="first")
    every = module.pool_backward(DA, cache, mode="max", ties="all")
    expected_first = np.array([[10.0, 0, 20, 0], [0, 0, 0, 0], [30, 0, 40, 0], [0, 0, 0, 0]])
    expected_all = np.array([[10.0, 0, 20, 20], [0, 0, 0, 0], [30, 30, 40, 40], [30, 30, 40, 40]])
    np.testing.assert_array_equal(first[0, :, :, 0], expected_first)
    np.testing.assert_array_equal(every[0, :, :, 0], expected_all)
    np.testing.assert_array_equal(module.pool_backward(DA, cache), first)  # the default is "first"
    np.testing.assert_array_equal(module.pool_backward(DA, cache, "max"), first)
    # "first" passes on exactly what came in; "all" more wherever a window ties.
    assert first.sum() == DA.sum() and every.sum() == 10 + 2 * 20 + 4 * 30 + 4 * 40


@pytest.mark.parametrize("module", [layers, fast], ids=["layers", "fast"])
def test_average_ignores_the_tie_rule(module):
    _, cache = module.pool_forward(A_INT, HP, "average")
    np.testing.assert_array_equal(
        module.pool_backward(DA, cache, "average", "all"), module.pool_backward(DA, cache, "average", "first")
    )


@pytest.mark.parametrize("bad", ["every", "First", "", None, 1])
def test_unknown_tie_rule_is_an_input_error_with_the_fix(bad):
    _, cache = layers.pool_forward(A_INT, HP)
    calls = [
        lambda: layers.create_mask_from_window(np.zeros((2, 2)), bad),
        lambda: layers.pool_backward(DA, cache, "max", bad),
        lambda: fast.pool_backward(DA, cache, "max", bad),
        lambda: gradcheck.check_pool_backward(A_INT, HP, "max", DA, bad),
        lambda: trace.trace_pool_backward(DA, cache, "max", 0, 0, bad),
    ]
    for call in calls:
        with pytest.raises(InputError, match=r'ties=.* unknown; use ties="first" .* or ties="all"'):
            call()


@pytest.mark.parametrize("ties", ["first", "all"])
@pytest.mark.parametrize("c", [0, 1])
def test_trace_follows_the_rule_to_pool_backward(ties, c):
    rng = np.random.default_rng(4)
    A_prev = rng.integers(0, 3, size=(2, 5, 6, 2)).astype(np.float64)
    hparameters = {"f": 2, "stride": 1}
    A, cache = layers.pool_forward(A_prev, hparameters)
    dA = rng.standard_normal(A.shape)
    steps = trace.trace_pool_backward(dA, cache, "max", 1, c, ties)
    np.testing.assert_allclose(steps[-1].dA_prev, layers.pool_backward(dA, cache, "max", ties)[1, :, :, c])
    tied = [s for s in steps if len(s.ties) > 1]
    assert tied, "the example must hold ties"
    for s in tied:
        assert np.count_nonzero(s.mask_or_value) == (len(s.ties) if ties == "all" else 1) or s.da == 0


def test_gradient_check_verdicts_on_a_tie():
    # All four entries tie: the centred difference sees the maximum move by h one way, 0 the other,
    # so it credits dA / 2 to each; "first" gives dA to one and 0 to three, "all" dA to all four.
    A_prev = np.zeros((1, 2, 2, 1))
    dA = np.ones((1, 1, 1, 1))
    numerical = gradcheck.numerical_gradient(lambda a: fast.pool_forward(a, HP)[0], A_prev, dA)
    np.testing.assert_allclose(numerical[0, :, :, 0], 0.5)
    # difference = ||analytic - numerical|| / (||analytic|| + ||numerical||); ||numerical|| = 1
    # "first": analytic (1, 0, 0, 0), ||.|| = 1, ||(0.5, -0.5, -0.5, -0.5)|| = 1: 1 / 2
    # "all": analytic (1, 1, 1, 1), ||.|| = 2, ||(0.5, 0.5, 0.5, 0.5)|| = 1: 1 / 3
    assert gradcheck.check_pool_backward(A_prev, HP, "max", dA, "first")["dA_prev"] == pytest.approx(1 / 2)
    assert gradcheck.check_pool_backward(A_prev, HP, "max", dA, "all")["dA_prev"] == pytest.approx(1 / 3)


@pytest.mark.parametrize("ties", ["first", "all"])
def test_gradient_check_agrees_without_ties_under_either_rule(ties):
    rng = np.random.default_rng(2)
    A_prev = rng.permutation(2 * 6 * 6 * 2).reshape(2, 6, 6, 2) / 144.0
    dA = rng.standard_normal((2, 5, 5, 2))
    assert gradcheck.check_pool_backward(A_prev, {"f": 2, "stride": 1}, "max", dA, ties)["dA_prev"] < 1e-7
