"""cnnviz.features: conv -> ReLU -> pool with cnnviz.fast equals the course's loops; previews; grids."""

from __future__ import annotations

import io

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from cnnviz import features, kernels, layers
from cnnviz.images import sample_image


@settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    n_H=st.integers(4, 10),
    n_W=st.integers(4, 10),
    n_C_prev=st.sampled_from([1, 3]),
    f=st.integers(1, 4),
    stride=st.integers(1, 3),
    pad=st.integers(0, 2),
    pool_f=st.integers(1, 2),
    pool_stride=st.integers(1, 2),
    mode=st.sampled_from(["max", "average"]),
)
def test_matches_the_course_loops(seed, n_H, n_W, n_C_prev, f, stride, pad, pool_f, pool_stride, mode):
    rng = np.random.default_rng(seed)
    image = rng.random((n_H, n_W, n_C_prev))
    W = rng.normal(size=(f, f, n_C_prev, 3))
    b = rng.normal(size=(1, 1, 1, 3))
    hp = {"stride": stride, "pad": pad}
    Z_ref, _ = layers.conv_forward(image[None], W, b, hp)
    if min(Z_ref.shape[1:3]) < pool_f:
        with pytest.raises(ValueError, match="conv output"):
            features.compute_feature_maps(image, W, b, stride, pad, pool_f, pool_stride, mode)
        return
    A_ref, _ = layers.pool_forward(np.maximum(Z_ref, 0), {"f": pool_f, "stride": pool_stride}, mode)

    maps = features.compute_feature_maps(image, W, b, stride, pad, pool_f, pool_stride, mode)

    np.testing.assert_allclose(maps.Z, Z_ref[0], rtol=1e-12, atol=1e-12)
    np.testing.assert_array_equal(maps.relu, np.maximum(maps.Z, 0))
    np.testing.assert_allclose(maps.pooled, A_ref[0], rtol=1e-12, atol=1e-12)
    assert maps.shapes == {
        "input": image.shape,
        "W": W.shape,
        "Z": Z_ref.shape[1:],
        "relu": Z_ref.shape[1:],
        "pooled": A_ref.shape[1:],
    }
    assert maps.hparameters == {"conv": hp, "pool": {"f": pool_f, "stride": pool_stride}}


def test_default_pad_keeps_the_size_for_odd_f_and_relu_is_non_negative():
    image = sample_image("scene")  # (192, 256, 3) float32
    names = ["Sobel x", "Sobel y", "Laplacian", "sharpen"]
    maps = features.compute_feature_maps(image, kernels.kernel_bank(names, 3))
    assert maps.Z.shape == (192, 256, 4) and maps.pooled.shape == (96, 128, 4)
    assert maps.hparameters["conv"] == {"stride": 1, "pad": 1}
    assert (maps.relu >= 0).all() and (maps.Z < 0).any()  # ReLU had something to do
    assert set(maps.timings) == {"conv", "relu", "pool", "total"}
    assert features.same_pad(5) == 2 and features.same_pad(4) == 1


def test_inputs_are_not_modified():
    image = np.random.default_rng(0).random((9, 9, 1)).astype(np.float32)
    W = kernels.kernel_bank(["sharpen"], 1)
    image_before, W_before = image.copy(), W.copy()
    features.compute_feature_maps(image, W, stride=2, pad=0, pool_f=2, pool_stride=1, mode="average")
    np.testing.assert_array_equal(image, image_before)
    np.testing.assert_array_equal(W, W_before)


def test_progress_is_reported_from_0_to_1():
    calls = []
    features.compute_feature_maps(
        sample_image("disc"), kernels.kernel_bank(["outline"], 1), progress=lambda x, text: calls.append((x, text))
    )
    fractions = [x for x, _ in calls]
    assert fractions[0] == 0 and fractions[-1] == 1 and fractions == sorted(fractions)
    assert all(isinstance(text, str) and text for _, text in calls)
    assert "128x128" in calls[0][1]


@pytest.mark.parametrize(
    ("shape", "kwargs", "match"),
    [
        ((8, 8, 1), {"pool_f": 9}, r"Pooling the 8x8 conv output: f=9 is larger than the input 8x8"),
        ((8, 8, 1), {"stride": 4, "pad": 0, "pool_f": 3}, r"Pooling the 2x2 conv output: f=3"),
        ((8, 8, 1), {"mode": "median"}, r"mode='median'"),
        ((8, 8, 3), {}, r"W has n_C_prev=1 input channels but A_prev has 3"),
        ((8, 8), {}, r"image must be 3-D"),
        ((2, 2, 1), {"pad": 0}, r"f=3 is larger than the padded input 2x2"),
        ((8, 8, 1), {"pad": -1}, r"pad=-1 is negative"),
    ],
)
def test_errors_carry_the_numbers(shape, kwargs, match):
    with pytest.raises(ValueError, match=match):
        features.compute_feature_maps(np.zeros(shape), kernels.kernel_bank(["identity"], 1), **kwargs)


def test_non_finite_image_is_refused():
    image = np.zeros((4, 4, 1))
    image[1, 1] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        features.compute_feature_maps(image, kernels.kernel_bank(["identity"], 1))


# --- preview_crop ----------------------------------------------------------------------------


def test_preview_downscales_by_area_average():
    image = np.kron(np.arange(12.0).reshape(3, 4), np.ones((8, 8)))[:, :, None]  # (24, 32, 1) 8x8 blocks
    preview = features.preview_crop(image, size=4)
    assert preview.shape == (3, 4, 1) and preview.dtype == np.float64
    np.testing.assert_allclose(preview[:, :, 0], np.arange(12.0).reshape(3, 4), atol=1e-5)


def test_preview_crop_around_a_centre_stays_inside():
    image = np.random.default_rng(0).random((40, 50, 3))
    np.testing.assert_array_equal(features.preview_crop(image, 16, center=(20, 25)), image[12:28, 17:33])
    np.testing.assert_array_equal(features.preview_crop(image, 16, center=(0, 49)), image[0:16, 34:50])
    small = np.ones((5, 6, 1))
    out = features.preview_crop(small, 16)
    np.testing.assert_array_equal(out, small)
    assert out is not small


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [({"size": 1}, "size=1"), ({"size": 100}, "size=100"), ({"center": (99, 0)}, r"center=\(99, 0\) is outside")],
)
def test_preview_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        features.preview_crop(np.zeros((30, 30, 1)), **kwargs)


# --- maps_grid_png ---------------------------------------------------------------------------


def test_maps_grid_png_tiles_every_map():
    maps = np.random.default_rng(0).normal(size=(10, 20, 5))
    data = features.maps_grid_png(maps, labels=list("abcde"), cols=3, cmap="RdBu_r")
    with Image.open(io.BytesIO(data)) as im:
        assert im.format == "PNG" and im.mode == "RGB"
        assert im.size == (3 * (20 + 4) + 4, 2 * (10 + 14 + 4) + 4)
        pixels = np.asarray(im)
    first = pixels[4 + 14 : 4 + 14 + 10, 4 : 4 + 20]  # tile 0 below its caption
    assert first.std() > 10  # the map is drawn, not blank
    with pytest.raises(ValueError, match="labels has 2 entries for 5 maps"):
        features.maps_grid_png(maps, labels=["a", "b"])


def test_maps_grid_png_downscales_big_maps():
    data = features.maps_grid_png(np.zeros((600, 300, 2)), cols=2, max_tile=100)
    with Image.open(io.BytesIO(data)) as im:
        assert im.size == (2 * (50 + 4) + 4, 100 + 8)
