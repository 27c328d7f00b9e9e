"""cnnviz.pictures.kernels: the presets do what their names say, the bank's channel rule, custom kernel parsing."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cnnviz.core import layers
from cnnviz.pictures import kernels
from cnnviz.pictures.images import LUMA


def conv(image: np.ndarray, W: np.ndarray, pad: int) -> np.ndarray:
    """Z of shape (n_H, n_W, n_C) for one (H, W, C) image through the course's conv_forward."""
    Z, _ = layers.conv_forward(image[None], W, np.zeros((1, 1, 1, W.shape[3])), {"stride": 1, "pad": pad})
    return Z[0]


def test_presets_and_descriptions():
    assert set(kernels.PRESETS) == set(kernels.DESCRIPTIONS) == set(kernels.PRESET_NAMES)
    assert {"identity", "box blur", "Gaussian blur", "sharpen", "Sobel x", "Sobel y", "Laplacian", "emboss"} <= set(
        kernels.PRESETS
    )
    assert "outline" in kernels.PRESETS
    for name, kernel in kernels.PRESETS.items():
        assert kernel.shape == (3, 3) and kernel.dtype == np.float64, name
        assert not kernel.flags.writeable, name
        assert kernels.DESCRIPTIONS[name].endswith("."), name


def test_identity_reproduces_a_grayscale_image():
    image = np.random.default_rng(0).random((7, 9, 1))
    Z = conv(image, kernels.kernel_bank(["identity"], 1), pad=1)
    np.testing.assert_array_equal(Z, image)


def test_identity_on_rgb_gives_the_luminance():
    image = np.random.default_rng(1).random((6, 5, 3))
    Z = conv(image, kernels.kernel_bank(["identity"], 3), pad=1)
    np.testing.assert_allclose(Z[:, :, 0], image @ np.array(LUMA), atol=1e-12)


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), f=st.integers(1, 5))
def test_an_rgb_bank_filters_the_luminance(seed, f):
    """conv(RGB image, kernel * LUMA) == conv(luminance, kernel): one map per kernel, on the gray image."""
    rng = np.random.default_rng(seed)
    image = rng.random((8, 7, 3))
    custom = rng.normal(size=(f, f))
    W = kernels.kernel_bank(["custom", "Sobel x"], 3, custom=custom)
    gray = (image @ np.array(LUMA))[:, :, None]
    W_gray = kernels.kernel_bank(["custom", "Sobel x"], 1, custom=custom)
    np.testing.assert_allclose(conv(image, W, pad=2), conv(gray, W_gray, pad=2), atol=1e-12)


def test_sobel_x_responds_to_vertical_edges_only():
    image = np.zeros((6, 8, 1))
    image[:, 4:] = 1.0  # dark left, bright right: a vertical edge between columns 3 and 4
    Z = conv(image, kernels.kernel_bank(["Sobel x", "Sobel y"], 1), pad=0)  # (4, 6, 2)
    np.testing.assert_array_equal(Z[:, :, 0], np.tile([0, 0, 4, 4, 0, 0], (4, 1)))  # positive at the edge
    np.testing.assert_array_equal(Z[:, :, 1], 0)  # Sobel y sees no horizontal edge
    Z_t = conv(image.transpose(1, 0, 2), kernels.kernel_bank(["Sobel y"], 1), pad=0)
    np.testing.assert_array_equal(Z_t[:, :, 0], Z[:, :, 0].T)  # Sobel y is Sobel x transposed


@pytest.mark.parametrize(
    ("name", "gain"),
    [("box blur", 1), ("Gaussian blur", 1), ("sharpen", 1), ("identity", 1), ("emboss", 1), ("Laplacian", 0)],
)
def test_constant_image_response(name, gain):
    """Blurs and sharpen keep a flat image (weights sum to 1); edge detectors give 0 on it."""
    image = np.full((5, 6, 3), 0.4)
    Z = conv(image, kernels.kernel_bank([name], 3), pad=0)
    np.testing.assert_allclose(Z, 0.4 * gain, atol=1e-12)


def test_outline_is_zero_on_flat_areas():
    np.testing.assert_allclose(conv(np.full((4, 4, 1), 0.7), kernels.kernel_bank(["outline"], 1), pad=0), 0, atol=1e-12)


def test_bank_shape_order_and_independence_from_presets():
    names = ["Sobel x", "box blur", "identity"]
    W = kernels.kernel_bank(names, 3)
    assert W.shape == (3, 3, 3, 3) and W.dtype == np.float64
    for c, name in enumerate(names):
        np.testing.assert_allclose(W[:, :, :, c], kernels.PRESETS[name][:, :, None] * np.array(LUMA))
    W[:] = 0  # the bank is a new array
    assert kernels.PRESETS["identity"][1, 1] == 1


def test_smaller_kernels_are_zero_padded_centred_and_change_nothing():
    custom = np.arange(25.0).reshape(5, 5)
    W = kernels.kernel_bank(["custom", "Sobel x"], 1, custom=custom)
    assert W.shape == (5, 5, 1, 2)
    np.testing.assert_array_equal(W[:, :, 0, 0], custom)
    np.testing.assert_array_equal(W[1:4, 1:4, 0, 1], kernels.PRESETS["Sobel x"])
    assert np.count_nonzero(W[:, :, 0, 1]) == np.count_nonzero(kernels.PRESETS["Sobel x"])
    # With 'same' padding the padded 5x5 Sobel gives exactly the 3x3 Sobel's map.
    image = np.random.default_rng(3).random((9, 8, 1))
    np.testing.assert_allclose(
        conv(image, W, pad=2)[:, :, 1], conv(image, kernels.kernel_bank(["Sobel x"], 1), pad=1)[:, :, 0]
    )
    note = kernels.padding_note(["custom", "Sobel x"], custom)
    assert note is not None and "Sobel x" in note and "5x5" in note
    assert kernels.padding_note(["Sobel x", "identity"]) is None


def test_even_kernel_padding_puts_the_extra_zeros_bottom_right():
    W = kernels.kernel_bank(["custom", "identity"], 1, custom=np.ones((2, 2)))
    assert W.shape == (3, 3, 1, 2)
    np.testing.assert_array_equal(W[:, :, 0, 0], [[1, 1, 0], [1, 1, 0], [0, 0, 0]])


def test_other_channel_counts_use_equal_weights():
    np.testing.assert_allclose(kernels.channel_weights(4), [0.25] * 4)
    np.testing.assert_allclose(kernels.channel_weights(1), [1.0])


@pytest.mark.parametrize(
    ("names", "n_C_prev", "custom", "match"),
    [
        (["blurry"], 1, None, "Unknown kernel 'blurry'"),
        (["custom"], 1, None, "no custom kernel"),
        ([], 1, None, "at least one"),
        (["identity"], 0, None, "n_C_prev=0"),
        (["custom"], 1, [[1, 2]], "1 rows x 2 columns"),
    ],
)
def test_bank_errors(names, n_C_prev, custom, match):
    with pytest.raises(ValueError, match=match):
        kernels.kernel_bank(names, n_C_prev, custom=custom)


def test_parse_custom_kernel_accepts_lists_strings_arrays_and_dataframes():
    pd = pytest.importorskip("pandas")  # streamlit depends on pandas; st.data_editor returns a DataFrame
    expected = np.array([[0, -1, 0], [-1, 5, -1], [0, -1, 0]], dtype=np.float64)
    for table in (
        expected.tolist(),
        expected.astype(int),
        [[str(v) for v in row] for row in expected],
        pd.DataFrame(expected),
    ):
        kernel = kernels.parse_custom_kernel(table)
        assert kernel.dtype == np.float64
        np.testing.assert_array_equal(kernel, expected)
    assert kernels.parse_custom_kernel([[2.5]]).shape == (1, 1)
    assert kernels.parse_custom_kernel(np.zeros((11, 11))).shape == (11, 11)


@pytest.mark.parametrize(
    ("table", "match"),
    [
        ([1, 2, 3], r"2-D table"),
        ([[1, 2, 3], [4, 5, 6]], r"square \(f x f\), got 2 rows x 3 columns"),
        (np.zeros((12, 12)), r"f=12 must be between 1 and 11"),
        ([[1, None], [3, 4]], r"row 1, column 2 is empty"),
        ([[1, 2], [" ", 4]], r"row 2, column 1 is empty"),
        ([[1, 2], [3, "four"]], r"row 2, column 2 is 'four', not a number"),
        ([[1, float("nan")], [3, 4]], r"row 1, column 2 is nan"),
        ([[1, 2], [float("inf"), 4]], r"row 2, column 1 is inf"),
        ([[True, 2], [3, 4]], r"row 1, column 1 is True, not a number"),
    ],
)
def test_parse_custom_kernel_errors(table, match):
    with pytest.raises(ValueError, match=match):
        kernels.parse_custom_kernel(table)
