"""The lessons' tensors: one seeded stream as a notebook cell draws it, the cell that reproduces it."""

import numpy as np
import pytest

from cnnviz.core import inputs
from cnnviz.core.errors import InputError


def run_cell(cell: str) -> dict:
    """Execute a notebook cell as a student would (global np.random), return its variables."""
    scope = {"np": np}
    exec(cell, scope)  # noqa: S102 - the cell is ours, made by random_cell
    return scope


def test_random_tensor_follows_the_course_seeding():
    np.random.seed(1)
    expected = np.random.randn(2, 4, 5, 3)
    np.testing.assert_array_equal(inputs.random_tensor(1, 2, 4, 5, 3), expected)


def test_one_stream_equals_global_seed_then_randn_in_the_cell_order():
    np.random.seed(7)
    A_prev = np.random.randn(2, 8, 8, 3)
    W = np.random.randn(3, 3, 3, 4)
    b = np.random.randn(1, 1, 1, 4)
    dZ = np.random.randn(2, 8, 8, 4)
    drawn = inputs.random_inputs(7, (2, 8, 8, 3), (3, 3, 3, 4), (2, 8, 8, 4))
    for got, want in ((drawn.A_prev, A_prev), (drawn.W, W), (drawn.b, b), (drawn.grad, dZ)):
        np.testing.assert_array_equal(got, want)
    # The wrappers the pages call draw from the same stream.
    W2, b2 = inputs.conv_params(7, 3, 3, 4, A_prev_shape=(2, 8, 8, 3))
    np.testing.assert_array_equal(W2, W)
    np.testing.assert_array_equal(b2, b)
    g = inputs.upstream_gradient(7, (2, 8, 8, 4), "random", A_prev_shape=(2, 8, 8, 3), W_shape=(3, 3, 3, 4))
    np.testing.assert_array_equal(g, dZ)


def test_pool_stream_draws_dA_right_after_A_prev_as_the_course():
    np.random.seed(1)
    A_prev = np.random.randn(5, 5, 3, 2)
    dA = np.random.randn(5, 4, 2, 2)
    drawn = inputs.random_inputs(1, (5, 5, 3, 2), None, (5, 4, 2, 2), grad_name="dA")
    assert drawn.W is None and drawn.b is None
    np.testing.assert_array_equal(drawn.A_prev, A_prev)
    np.testing.assert_array_equal(drawn.grad, dA)
    assert "dA = np.random.randn(5, 4, 2, 2)" in drawn.cell


@pytest.mark.parametrize("values", ["normal", "integers"])
@pytest.mark.parametrize("grad", ["random", "ones"])
def test_the_cell_reproduces_the_arrays(values, grad):
    drawn = inputs.random_inputs(3, (2, 6, 7, 3), (3, 3, 3, 2), (2, 4, 5, 2), values, grad)
    assert drawn.cell.startswith("np.random.seed(3)\nA_prev = ")
    scope = run_cell(drawn.cell)
    for name, got in (("A_prev", drawn.A_prev), ("W", drawn.W), ("b", drawn.b), ("dZ", drawn.grad)):
        np.testing.assert_array_equal(scope[name], got, err_msg=name)


def test_cell_text_is_the_notebook_cell():
    cell = inputs.random_cell(1, (2, 8, 8, 3), (3, 3, 3, 4), (2, 8, 8, 4))
    assert cell == (
        "np.random.seed(1)\n"
        "A_prev = np.random.randn(2, 8, 8, 3)\n"
        "W = np.random.randn(3, 3, 3, 4)\n"
        "b = np.random.randn(1, 1, 1, 4)\n"
        "dZ = np.random.randn(2, 8, 8, 4)"
    )


def test_integer_values_make_ties_possible():
    A = inputs.random_tensor(3, 1, 8, 8, 1, "integers")
    assert np.array_equal(A, np.round(A)) and A.min() >= 0 and A.max() <= 4
    assert len(np.unique(A)) < A.size


def test_image_tensor_is_an_area_average():
    image = np.zeros((4, 4, 3), dtype=np.float32)
    image[:2, :2] = 1.0  # top-left quarter white
    A = inputs.image_tensor(image, 2, 2)
    assert A.shape == (1, 2, 2, 3)
    np.testing.assert_allclose(A[0, :, :, 0], [[1.0, 0.0], [0.0, 0.0]])
    assert inputs.image_tensor(image[:, :, 0], 2, 2).shape == (1, 2, 2, 1)


def test_conv_params_shapes_and_integer_weights():
    W, b = inputs.conv_params(0, 3, 2, 4)
    assert W.shape == (3, 3, 2, 4) and b.shape == (1, 1, 1, 4)
    W, b = inputs.conv_params(0, 3, 2, 4, "integers", A_prev_shape=(1, 5, 5, 2))
    assert set(np.unique(W)) <= {-1.0, 0.0, 1.0} and not b.any()


def test_upstream_gradient_kinds():
    assert (inputs.upstream_gradient(0, (1, 2, 2, 1), "ones") == 1).all()
    g = inputs.upstream_gradient(0, (1, 2, 2, 1))
    assert g.shape == (1, 2, 2, 1) and np.array_equal(g, inputs.upstream_gradient(0, (1, 2, 2, 1)))


def test_unknown_values_or_grad_are_input_errors():
    with pytest.raises(InputError, match="values="):
        inputs.random_inputs(0, (1, 2, 2, 1), values="uniform")
    with pytest.raises(InputError, match="grad="):
        inputs.random_inputs(0, (1, 2, 2, 1), grad_shape=(1, 1, 1, 1), grad="zeros")
