"""Finite-difference checks of both modules' backward passes, and of the checker itself."""

from unittest import mock

import numpy as np
import pytest

from cnnviz.core import fast, gradcheck, layers

MODULES = [pytest.param(layers, id="layers"), pytest.param(fast, id="fast")]


def tie_free(rng, shape):
    """Distinct values in [0, 1) at least 1/size apart: no two within the step h of each other."""
    size = int(np.prod(shape))
    return rng.permutation(size).reshape(shape) / size


def conv_data(seed, hparameters, shape=(2, 5, 6, 3), f=3, n_C=2):
    rng = np.random.default_rng(seed)
    A_prev = rng.standard_normal(shape)
    W = rng.standard_normal((f, f, shape[3], n_C))
    b = rng.standard_normal((1, 1, 1, n_C))
    Z, _ = fast.conv_forward(A_prev, W, b, hparameters)
    return A_prev, W, b, rng.standard_normal(Z.shape)


@pytest.mark.parametrize("module", MODULES)
@pytest.mark.parametrize("stride", [1, 2])
@pytest.mark.parametrize("pad", [0, 1, 2])
def test_conv_backward_matches_numerical_gradient(module, pad, stride):
    hparameters = {"pad": pad, "stride": stride}
    A_prev, W, b, dZ = conv_data(pad * 10 + stride, hparameters)
    _, cache = module.conv_forward(A_prev, W, b, hparameters)
    dA_prev, dW, db = module.conv_backward(dZ, cache)

    def loss_of(arg):
        def forward(x):
            args = {"A_prev": A_prev, "W": W, "b": b, arg: x}
            return module.conv_forward(args["A_prev"], args["W"], args["b"], hparameters)[0]

        return forward

    assert gradcheck.rel_error(dA_prev, gradcheck.numerical_gradient(loss_of("A_prev"), A_prev, dZ)) < 1e-7
    assert gradcheck.rel_error(dW, gradcheck.numerical_gradient(loss_of("W"), W, dZ)) < 1e-7
    assert gradcheck.rel_error(db, gradcheck.numerical_gradient(loss_of("b"), b, dZ)) < 1e-7


@pytest.mark.parametrize("module", MODULES)
@pytest.mark.parametrize("mode", ["max", "average"])
@pytest.mark.parametrize(("f", "stride"), [(2, 2), (3, 1), (3, 2), (2, 3)])
def test_pool_backward_matches_numerical_gradient(module, mode, f, stride):
    rng = np.random.default_rng(f * 10 + stride)
    A_prev = tie_free(rng, (2, 7, 6, 2))
    hparameters = {"f": f, "stride": stride}
    A, cache = module.pool_forward(A_prev, hparameters, mode)
    dA = rng.standard_normal(A.shape)
    dA_prev = module.pool_backward(dA, cache, mode)
    numerical = gradcheck.numerical_gradient(lambda x: module.pool_forward(x, hparameters, mode)[0], A_prev, dA)
    assert gradcheck.rel_error(dA_prev, numerical) < 1e-7


@pytest.mark.parametrize(("pad", "stride"), [(0, 1), (1, 1), (2, 2)])
def test_check_conv_backward_reports_small_errors(pad, stride):
    hparameters = {"pad": pad, "stride": stride}
    A_prev, W, b, dZ = conv_data(7, hparameters)
    errors = gradcheck.check_conv_backward(A_prev, W, b, hparameters, dZ)
    assert set(errors) == {"dA_prev", "dW", "db"}
    assert all(0 <= e < 1e-7 for e in errors.values()), errors


@pytest.mark.parametrize("mode", ["max", "average"])
def test_check_pool_backward_reports_small_errors(mode):
    rng = np.random.default_rng(8)
    A_prev = tie_free(rng, (2, 8, 8, 3))
    hparameters = {"f": 3, "stride": 2}
    dA = rng.standard_normal(fast.pool_forward(A_prev, hparameters, mode)[0].shape)
    errors = gradcheck.check_pool_backward(A_prev, hparameters, mode, dA)
    assert set(errors) == {"dA_prev"} and errors["dA_prev"] < 1e-7


@pytest.mark.parametrize("which", [0, 1, 2])
def test_check_conv_backward_detects_a_wrong_gradient(which):
    # The same backward, one of its three results off by 1 %: the check must see it.
    hparameters = {"pad": 1, "stride": 1}
    A_prev, W, b, dZ = conv_data(9, hparameters)
    right = fast.conv_backward

    def wrong(dZ, cache):
        grads = list(right(dZ, cache))
        grads[which] = grads[which] * 1.01
        return tuple(grads)

    with mock.patch.object(fast, "conv_backward", wrong):
        errors = gradcheck.check_conv_backward(A_prev, W, b, hparameters, dZ)
    name = ["dA_prev", "dW", "db"][which]
    assert errors[name] > 1e-3
    assert all(e < 1e-7 for key, e in errors.items() if key != name)


def test_check_pool_backward_detects_a_wrong_gradient():
    # A wrong max-pool backward: the gradient spread over the window (average) instead of the max.
    rng = np.random.default_rng(10)
    A_prev = tie_free(rng, (1, 6, 6, 2))
    hparameters = {"f": 2, "stride": 2}
    dA = rng.standard_normal(fast.pool_forward(A_prev, hparameters, "max")[0].shape)
    right = fast.pool_backward
    with mock.patch.object(fast, "pool_backward", lambda dA, cache, mode, ties="first": right(dA, cache, "average")):
        errors = gradcheck.check_pool_backward(A_prev, hparameters, "max", dA)
    assert errors["dA_prev"] > 0.1


def test_max_pool_at_a_tie_is_not_differentiable():
    # Documented limitation: at a tie the centred difference splits the gradient, the backward does not.
    A_prev = np.zeros((1, 2, 2, 1))
    dA = np.ones((1, 1, 1, 1))
    assert gradcheck.check_pool_backward(A_prev, {"f": 2, "stride": 2}, "max", dA)["dA_prev"] > 0.1


def test_rel_error_and_numerical_gradient_basics():
    x = np.array([1.0, -2.0, 0.0])
    assert gradcheck.rel_error(x, x) == 0.0
    assert gradcheck.rel_error(np.array([1.0]), np.array([1.1])) == pytest.approx(0.1 / 2.1)
    assert gradcheck.rel_error(np.zeros(2), np.full(2, 1e-12)) == pytest.approx(1e-4)  # floor of 1e-8
    with pytest.raises(ValueError, match=r"\(3,\) and \(2,\)"):
        gradcheck.rel_error(x, x[:2])

    original = x.copy()
    df = np.array([2.0, 3.0, 5.0])
    grad = gradcheck.numerical_gradient(lambda v: v**2, x, df)
    np.testing.assert_allclose(grad, 2 * x * df, rtol=1e-8, atol=1e-8)
    np.testing.assert_array_equal(x, original)  # the caller's x is not perturbed


@pytest.mark.parametrize("pad,stride,f", [(0, 1, 2), (1, 2, 3), (2, 3, 3)])
def test_batched_differences_equal_the_one_element_reference(pad, stride, f):
    """The batched centred differences the app shows are the reference loop's, element by element."""
    hparameters = {"pad": pad, "stride": stride}
    A_prev, W, b, dZ = conv_data(7, hparameters, shape=(3, 6, 5, 2), f=f, n_C=3)
    forward = lambda a: fast.conv_forward(a, W, b, hparameters)[0]  # noqa: E731
    reference = gradcheck.numerical_gradient(forward, A_prev, dZ)
    np.testing.assert_allclose(gradcheck.numerical_gradient_per_example(forward, A_prev, dZ), reference, atol=1e-8)
    dW, db = gradcheck.numerical_gradient_conv_weights(A_prev, W, b, hparameters, dZ)
    ref_dW = gradcheck.numerical_gradient(lambda w: fast.conv_forward(A_prev, w, b, hparameters)[0], W, dZ)
    ref_db = gradcheck.numerical_gradient(lambda c: fast.conv_forward(A_prev, W, c, hparameters)[0], b, dZ)
    np.testing.assert_allclose(dW, ref_dW, atol=1e-8)  # filter by filter: swapping two filters fails here
    np.testing.assert_allclose(db, ref_db, atol=1e-8)

    pool = lambda a: fast.pool_forward(a, {"f": f, "stride": stride}, "average")[0]  # noqa: E731
    dA = np.random.default_rng(8).standard_normal(pool(A_prev).shape)
    np.testing.assert_allclose(
        gradcheck.numerical_gradient_per_example(pool, A_prev, dA),
        gradcheck.numerical_gradient(pool, A_prev, dA),
        atol=1e-8,
    )


def test_the_batched_check_sees_an_example_mixed_with_another():
    """The batch relies on examples being independent: for a forward that mixes them it is not the reference.

    So the equality above is a property of the course's forwards, not of the batching.
    """
    A_prev = np.random.default_rng(3).standard_normal((2, 3, 3, 1))
    dZ = np.ones((2, 3, 3, 1))
    leaky = lambda a: a + a[:1]  # noqa: E731 - example 0 added to every example
    with pytest.raises(AssertionError):
        np.testing.assert_allclose(
            gradcheck.numerical_gradient_per_example(leaky, A_prev, dZ),
            gradcheck.numerical_gradient(leaky, A_prev, dZ),
            atol=1e-6,
        )


def test_difference_is_the_courses_norm_formula_and_does_not_flag_a_right_backward_at_large_settings():
    x, y = np.array([3.0, 4.0]), np.array([3.0, 4.1])
    assert gradcheck.difference(x, y) == pytest.approx(0.1 / (5 + np.hypot(3, 4.1)))
    assert gradcheck.difference(np.zeros(3), np.zeros(3)) == 0.0
    with pytest.raises(ValueError, match=r"\(2,\) and \(3,\)"):
        gradcheck.difference(x, np.zeros(3))
    # Large inputs: the element-wise rel_error of this right backward passes 1e-7; the difference does not.
    hparameters = {"pad": 3, "stride": 1}
    A_prev, W, b, dZ = conv_data(1, hparameters, shape=(4, 16, 16, 4), f=4, n_C=8)
    forward = lambda a: fast.conv_forward(a, W, b, hparameters)[0]  # noqa: E731
    dA_prev = fast.conv_backward(dZ, fast.conv_forward(A_prev, W, b, hparameters)[1])[0]
    numerical = gradcheck.numerical_gradient_per_example(forward, A_prev, dZ)
    assert gradcheck.difference(dA_prev, numerical) < 1e-9
    assert gradcheck.check_conv_backward(A_prev, W, b, hparameters, dZ)["dA_prev"] < 1e-7
