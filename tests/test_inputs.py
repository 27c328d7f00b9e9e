"""The lessons' tensors: deterministic, the right shapes, the image path averages honestly."""

import numpy as np

from cnnviz.core import inputs


def test_random_tensor_follows_the_course_seeding():
    np.random.seed(1)
    expected = np.random.randn(2, 4, 5, 3)
    np.testing.assert_array_equal(inputs.random_tensor(1, 2, 4, 5, 3), expected)


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
    W, b = inputs.conv_params(0, 3, 2, 4, "integers")
    assert set(np.unique(W)) <= {-1.0, 0.0, 1.0} and not b.any()


def test_upstream_gradient_kinds():
    assert (inputs.upstream_gradient(0, (1, 2, 2, 1), "ones") == 1).all()
    g = inputs.upstream_gradient(0, (1, 2, 2, 1))
    assert g.shape == (1, 2, 2, 1) and np.array_equal(g, inputs.upstream_gradient(0, (1, 2, 2, 1)))
