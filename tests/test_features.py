"""cnnviz.pictures.features: conv -> ReLU -> pool with cnnviz.core.fast equals the course's loops; previews; grids."""

from __future__ import annotations

import io

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from cnnviz.core import layers
from cnnviz.pictures import features, kernels
from cnnviz.pictures.images import colorize, sample_image


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
    data = features.maps_grid_png(maps, labels=list("abcde"), cols=3)
    with Image.open(io.BytesIO(data)) as im:
        assert im.format == "PNG" and im.mode == "RGB"
        assert im.size == (3 * (20 + 6) + 6, 2 * (10 + 20 + 6) + 6)  # 6-pixel gaps, 20-pixel captions
        pixels = np.asarray(im)
    first = pixels[6 + 20 : 6 + 20 + 10, 6 : 6 + 20]  # tile 0 below its caption
    assert first.std() > 10  # the map is drawn, not blank
    with pytest.raises(ValueError, match="labels has 2 entries for 5 maps"):
        features.maps_grid_png(maps, labels=["a", "b"])


def test_maps_grid_png_downscales_big_maps():
    data = features.maps_grid_png(np.zeros((600, 300, 2)), cols=2, max_tile=100)
    with Image.open(io.BytesIO(data)) as im:
        assert im.size == (2 * (50 + 6) + 6, 100 + 12)


# --- On screen: display_scale, tile_png, feature_tiles, image_png; maps_zip -------------------


def _png(data: bytes) -> Image.Image:
    im = Image.open(io.BytesIO(data))
    im.load()
    assert im.format == "PNG"
    return im


@pytest.mark.parametrize(
    ("n_H", "n_W", "max_side", "scale"),
    [
        (768, 1024, 256, 0.25),
        (128, 128, 240, 2.0),  # 256: a whole-number zoom, 7 % over
        (100, 60, 256, 2.0),
        (2, 2, 256, 147.0),
        (256, 10, 256, 1.0),
        (290, 10, 256, 1.0),  # within 15 %: shown as is, not blurred by a 0.88 shrink
        (300, 10, 256, 256 / 300),
    ],
)
def test_display_scale(n_H, n_W, max_side, scale):
    assert features.display_scale(n_H, n_W, max_side) == pytest.approx(scale)
    assert max(n_H, n_W) * scale <= features.OVERSHOOT * max_side


def test_display_scale_errors():
    with pytest.raises(ValueError, match="max_side=0"):
        features.display_scale(4, 4, 0)
    with pytest.raises(ValueError, match="0x4"):
        features.display_scale(0, 4)


def test_tile_png_draws_the_map_in_crisp_blocks_by_its_rule():
    values = np.array([[-2.0, 0.0], [1.0, 2.0]])  # (2, 2) signed
    data, shown = features.tile_png(values, 40.0)
    assert shown == (80, 80)
    im = _png(data)
    assert im.mode == "RGB" and im.size == (80, 80)
    blocks = np.asarray(im).astype(int).reshape(2, 40, 2, 40, 3)  # each value a crisp 40x40 block
    assert (blocks == blocks[:, :1, :, :1]).all()
    neg, zero, pos, top = blocks[0, 0, 0, 0], blocks[0, 0, 1, 0], blocks[1, 0, 0, 0], blocks[1, 0, 1, 0]
    assert neg[2] > neg[0] and top[0] > top[2]  # diverging: negative blue, positive red
    assert abs(zero - 247).max() <= 1  # 0 is the middle, near-white colour
    assert pos[0] > pos[2] and top.sum() < pos.sum()  # 2 is a deeper red than 1


def test_colour_rule_by_what_the_map_holds():
    signed = features.colour_rule(-0.5, 2.0)
    assert (signed.kind, signed.cmap, signed.vrange) == ("diverging", "RdBu_r", (-2.0, 2.0))
    assert "centred on 0" in signed.legend
    never_negative = features.colour_rule(0.0, 3.0)
    assert (never_negative.kind, never_negative.cmap, never_negative.vrange) == ("sequential", "gray", (0.0, 3.0))
    assert "never negative" in never_negative.legend
    assert features.colour_rule(0.2, 3.0).vrange == (0.0, 3.0)  # from 0, not from the minimum
    assert features.colour_rule(0.0, 0.0).vrange == (0.0, 1.0)  # all zero: black, not a division by 0


def test_a_one_pixel_edge_of_a_1024_wide_map_stays_visible():
    """Signed-extreme shrinking keeps a thin edge at full strength; the area average (BOX) washes it out."""
    plane = np.zeros((768, 1024), dtype=np.float32)
    plane[:, 517] = 1.0  # a one-pixel vertical edge (e.g. Sobel x on a step)
    plane[301, :] = -1.0  # a one-pixel negative edge
    scale = features.display_scale(768, 1024, features.TILE_SIDE)
    assert scale < 0.6
    small = features._resized(plane, scale)  # what the page draws
    assert small.max() == 1.0 and small.min() == -1.0  # both edges, at full strength and with their sign
    assert (small == 1.0).any(axis=0).sum() == 1 and (small == -1.0).any(axis=1).sum() == 1  # still thin
    box = np.asarray(Image.fromarray(plane, mode="F").resize(small.shape[::-1], Image.Resampling.BOX))
    assert np.abs(box).max() < 0.6  # the method it replaces: the edge at about half strength or less
    data, _ = features.tile_png(plane, scale)  # drawn: the edge's column is deep red, the row deep blue
    pixels = np.asarray(_png(data))
    deep_red, deep_blue = colorize(np.array([[1.0, -1.0]]), "RdBu_r", (-1.0, 1.0))[0]
    assert (pixels == deep_red).all(axis=-1).any(axis=0).sum() == 1  # one column of the deepest red
    assert (pixels == deep_blue).all(axis=-1).any(axis=1).sum() == 1  # one row of the deepest blue


def test_shrink_extreme_keeps_the_farthest_from_zero_with_its_sign():
    plane = np.array([[0.5, -3.0, 1.0, 1.0], [2.0, 0.0, 0.0, 4.0]])  # (2, 4) -> (1, 2)
    np.testing.assert_array_equal(features.shrink_extreme(plane, (1, 2)), [[-3.0, 4.0]])
    with pytest.raises(ValueError, match="only shrinks"):
        features.shrink_extreme(plane, (3, 4))


def test_feature_tiles_ranges_scales_and_sizes():
    image = sample_image("scene")  # (192, 256, 3)
    names = ["Sobel x", "Gaussian blur"]
    maps = features.compute_feature_maps(image, kernels.kernel_bank(names, 3), pool_f=2, pool_stride=2)
    calls = []
    tiles = features.feature_tiles(maps, max_side=128, progress=lambda x, text: calls.append(x))
    assert len(tiles) == 2 and [set(row) for row in tiles] == [{"Z", "relu", "pooled"}] * 2
    assert calls == [0.5, 1.0]
    sobel, blur = tiles
    m = np.abs(maps.Z[:, :, 0]).max()
    assert sobel["Z"].rule.kind == "diverging" and sobel["Z"].vrange == pytest.approx((-m, m), rel=1e-6)
    assert (maps.Z[:, :, 1] >= 0).all() and blur["Z"].rule.kind == "sequential"  # a blur is never negative
    assert blur["Z"].vrange == pytest.approx((0.0, maps.Z[:, :, 1].max()), rel=1e-6)
    assert _png(sobel["Z"].png).mode == "RGB" and _png(blur["Z"].png).mode == "L"  # grey, not red
    for c, row in enumerate(tiles):
        assert row["relu"].vrange == row["pooled"].vrange
        assert row["relu"].vrange == pytest.approx((0.0, maps.relu[:, :, c].max()), rel=1e-6)
        assert row["relu"].rule.kind == row["pooled"].rule.kind == "sequential"
        assert row["Z"].shape == (192, 256) and row["pooled"].shape == (96, 128)
        assert row["Z"].shown == (96, 128) and row["pooled"].shown == (48, 64)  # one scale: 0.5
        assert _png(row["relu"].png).mode == "L"
        # The pooled map on Z's canvas, top-left, the rest transparent: fitted to a column, it is drawn half as large.
        pooled = np.asarray(_png(row["pooled"].png).convert("RGBA"))
        assert pooled.shape[:2] == (96, 128) == _png(row["relu"].png).size[::-1]
        assert (pooled[1:47, 1:63, 3] == 255).all() and (pooled[50:95, 66:127, 3] == 0).all()


def test_feature_tiles_all_zero_relu_still_has_a_range():
    image = np.zeros((6, 6, 1))
    maps = features.compute_feature_maps(image, kernels.kernel_bank(["Laplacian"], 1))
    (row,) = features.feature_tiles(maps)
    assert row["Z"].vrange == (0.0, 1.0) and row["relu"].vrange == (0.0, 1.0)  # all zero: never negative


def test_image_png_keeps_colour_or_gray():
    rgb = sample_image("scene")
    data, shown = features.image_png(rgb, 0.25)
    im = _png(data)
    assert shown == (48, 64) and im.mode == "RGB" and im.size == (66, 50)
    sky = np.asarray(im)[2:6, 2:10].reshape(-1, 3).mean(axis=0)
    assert sky[2] > sky[0]  # still blue on top
    gray, _ = features.image_png(sample_image("disc"), 1.0)
    assert _png(gray).mode == "L"
    with pytest.raises(ValueError, match=r"\(4, 4, 2\)"):
        features.image_png(np.zeros((4, 4, 2)), 1.0)


def test_maps_zip_has_every_map_at_full_size():
    import zipfile

    image = sample_image("digit")  # (128, 128, 1)
    names = ["Sobel x", "box blur", "custom 3x3"]
    W = kernels.kernel_bank(["Sobel x", "box blur", kernels.CUSTOM], 1, custom=np.eye(3))
    maps = features.compute_feature_maps(image, W, stride=2, pad=1, pool_f=3, pool_stride=3)
    with zipfile.ZipFile(io.BytesIO(features.maps_zip(maps, names))) as archive:
        files = set(archive.namelist())
        full = {"Z": "Z_conv_output", "relu": "ReLU_max_Z_0", "pooled": "A_pooled"}
        assert files == {
            f"{full[stage]}{suffix}"
            for stage in ("Z", "relu", "pooled")
            for suffix in ["_grid.png", "/00_Sobel_x.png", "/01_box_blur.png", "/02_custom_3x3.png"]
        }
        for stage in ("Z", "relu", "pooled"):
            n_H, n_W, _ = getattr(maps, stage).shape
            with Image.open(io.BytesIO(archive.read(f"{full[stage]}/00_Sobel_x.png"))) as im:
                assert im.size == (n_W, n_H)
        with Image.open(io.BytesIO(archive.read("ReLU_max_Z_0/01_box_blur.png"))) as im:
            np.testing.assert_allclose(
                np.asarray(im) / 255, maps.relu[:, :, 1] / maps.relu[:, :, 1].max(), atol=1 / 255 + 1e-9
            )
    with pytest.raises(ValueError, match="labels has 1 entries for 3 maps"):
        features.maps_zip(maps, ["x"])


def test_downloads_colour_by_the_same_rule_as_the_page():
    """A blur's Z is never negative: grey in the zip (never blue, "< 0"); Sobel's Z is diverging."""
    import zipfile

    image = sample_image("scene")
    names = ["Sobel x", "Gaussian blur"]
    maps = features.compute_feature_maps(image, kernels.kernel_bank(names, 3))
    rules = features.stage_rules(maps)
    assert [r["Z"].kind for r in rules] == ["diverging", "sequential"]
    tiles = features.feature_tiles(maps)
    assert [row["Z"].rule for row in tiles] == [r["Z"] for r in rules]  # the page uses the same rules
    with zipfile.ZipFile(io.BytesIO(features.maps_zip(maps, names))) as archive:
        with Image.open(io.BytesIO(archive.read("Z_conv_output/01_Gaussian_blur.png"))) as im:
            assert im.mode == "L"
            np.testing.assert_allclose(np.asarray(im) / 255, maps.Z[:, :, 1] / maps.Z[:, :, 1].max(), atol=1 / 255)
        with Image.open(io.BytesIO(archive.read("Z_conv_output/00_Sobel_x.png"))) as im:
            assert im.mode == "RGB"
        with Image.open(io.BytesIO(archive.read("Z_conv_output_grid.png"))) as im:
            grid = np.asarray(im.convert("RGB")).astype(int)
    n_H, n_W = maps.Z.shape[:2]  # 192x256 tiles (at full size), 26-pixel title, 6-pixel gaps, 20-pixel captions
    top = 26 + 6 + 20
    blur_tile = grid[top : top + n_H, 6 + n_W + 6 : 6 + 2 * n_W + 6]
    sobel_tile = grid[top : top + n_H, 6 : 6 + n_W]
    assert (blur_tile[:, :, 0] == blur_tile[:, :, 2]).all()  # grey: R == B everywhere
    assert (sobel_tile[:, :, 2] > sobel_tile[:, :, 0] + 30).any()  # blue where Sobel is negative


def test_maps_zip_grids_differ_carry_their_names_and_show_the_pooled_map_smaller():
    """relu_grid.png and pooled_grid.png were byte-identical: 256-pixel tiles of block maxima of a max pool."""
    import zipfile

    import fixtures_images as F

    image = F.photo_array(512, 512).astype(np.float64) / 255  # (512, 512, 3): a 2x2 max pool is 256x256
    names = ["Sobel x", "Gaussian blur"]
    maps = features.compute_feature_maps(image, kernels.kernel_bank(names, 3), pool_f=2, pool_stride=2)
    with zipfile.ZipFile(io.BytesIO(features.maps_zip(maps, names))) as archive:
        grids = {name: archive.read(f"{name}_grid.png") for name in ("Z_conv_output", "ReLU_max_Z_0", "A_pooled")}
    assert len(set(grids.values())) == 3  # three different files
    relu, pooled = (_png(grids[name]) for name in ("ReLU_max_Z_0", "A_pooled"))
    n_H, n_W = maps.Z.shape[:2]
    assert relu.size[0] >= 2 * (n_W + 6) and pooled.size[1] < relu.size[1]  # the pooled tiles at Z's scale: half
    top = 26 + 6 + 20  # title, gap, caption
    tile = np.asarray(pooled.convert("L"))[top : top + n_H // 2, 6 : 6 + n_W // 2].astype(np.float64)
    expected = np.rint(np.clip(maps.pooled[:, :, 0] / maps.relu[:, :, 0].max(), 0, 1) * 255)
    np.testing.assert_allclose(tile, expected, atol=1)  # A itself, at full size, under its caption


def test_grid_titles_and_labels_are_drawn_in_a_real_font():
    """Default bitmap labels lost their spaces ("Sobelx"); a title line says what the maps are."""
    maps = np.zeros((20, 30, 2))
    plain = features.maps_grid_png(maps, ["c = 0: Sobel x", "c = 1: box blur"])
    titled = features.maps_grid_png(maps, ["c = 0: Sobel x", "c = 1: box blur"], title="Z, each 20×30 (n_H × n_W)")
    assert _png(titled).size[1] == _png(plain).size[1] + 26
    ink = 255 - np.asarray(_png(plain).convert("L"))[6 : 6 + 20, 6 : 6 + 30]  # the first caption's box
    assert ink.max() > 100 and (ink > 100).sum() > 20


@pytest.mark.parametrize("stride", [1, 2, 3])
@pytest.mark.parametrize("pad", [0, 1, 2])
@pytest.mark.parametrize("center", [(0, 0), (40, 77), (95, 127), (3, 120)])
def test_the_crop_with_its_neighbours_gives_the_full_maps_z_on_its_cells(stride, pad, center):
    """The preview's Z is the full map's Z at the crop's cells: real neighbours, not zeros at the crop's edge."""
    image = sample_image("scene")[:96, :128]  # (96, 128, 3), real texture up to every edge
    W = kernels.kernel_bank(["Sobel x", "Laplacian", "Gaussian blur"], 3)
    b = np.zeros((1, 1, 1, 3))
    full = features.compute_feature_maps(image, W, stride=stride, pad=pad, pool_f=1, pool_stride=1).Z
    crop = features.crop_with_neighbours(image, 10, center, stride, pad)
    top, left, bottom, right = crop.box
    assert (bottom - top, right - left) == (10, 10) and top % stride == 0 == left % stride
    assert crop.A_prev.shape == (10 + 2 * pad, 10 + 2 * pad, 3)
    np.testing.assert_array_equal(crop.A_prev[pad : pad + 10, pad : pad + 10], image[top:bottom, left:right])
    Z, _ = layers.conv_forward(crop.A_prev[None], W, b, {"stride": stride, "pad": 0})  # the course's loops
    i0, j0 = crop.cells
    n_H, n_W = Z.shape[1:3]
    np.testing.assert_allclose(Z[0], full[i0 : i0 + n_H, j0 : j0 + n_W], rtol=0, atol=1e-12)


def test_inspect_view_lines_the_pooled_map_up_with_z_and_keeps_the_budget():
    rng = np.random.default_rng(1)
    Z = rng.normal(size=(300, 401))
    pooled, _ = layers.pool_forward(np.maximum(Z, 0)[None, :, :, None], {"f": 3, "stride": 2}, "max")
    pooled = pooled[0, :, :, 0]  # (149, 200)
    rules = {"Z": features.colour_rule(Z.min(), Z.max())}
    rules["relu"] = rules["pooled"] = features.colour_rule(0, Z.max())
    view = features.inspect_view(Z, pooled, rules, 3, 2, max_cells=10_000)
    z_panel, relu_panel, a_panel = view.panels
    k = view.blocks["Z"]
    assert k == 4 and z_panel["values"].shape == (75, 101)  # ceil(300 / 4) x ceil(401 / 4) <= 10,000
    assert z_panel["values"][0, 0] == np.float32(Z[:4, :4].flat[np.abs(Z[:4, :4]).argmax()])  # farthest from 0, signed
    assert (relu_panel["values"] == np.maximum(z_panel["values"], 0)).all()
    assert z_panel["x_range"] == (-0.5, 400.5) and z_panel["y_range"] == (-0.5, 299.5)
    # A[i, j] pools Z's rows 2i..2i+2, centre 2i + 1; A gets half the budget: 3x3 blocks (50 x 67 <= 5,000),
    # each drawn over its three windows' centres: 2 * 1 + 1 for the first block, 2 * 3 = 6 rows a block
    assert view.blocks["pooled"] == 3 and a_panel["d"] == 6 and a_panel["y0"] == 2 * 1 + 1
    assert a_panel["customdata"][3, 5].tolist() == [9, 15]  # A's own row and column of the block
    # A full-resolution window: every value, A's rows whose windows lie inside it
    view = features.inspect_view(Z, pooled, rules, 3, 2, (100, 200, 140, 260), max_cells=10_000)
    z_panel, _, a_panel = view.panels
    np.testing.assert_array_equal(z_panel["values"], Z[100:140, 200:260].astype(np.float32))
    assert view.pooled_cells == (50, 69, 100, 129)  # 2*68 + 3 <= 140, 2*128 + 3 <= 260
    np.testing.assert_array_equal(a_panel["values"], pooled[50:69, 100:129].astype(np.float32))
    assert a_panel["x0"] == 2 * 100 + 1 and a_panel["y0"] == 2 * 50 + 1 and a_panel["d"] == 2


def test_inspect_figure_is_three_linked_square_heatmaps_in_the_grids_colours():
    from cnnviz.draw import plots

    image = sample_image("scene")
    maps = features.compute_feature_maps(image, kernels.kernel_bank(["Sobel x"], 3))
    rules = features.stage_rules(maps)[0]
    view = features.inspect_view(maps.Z[:, :, 0], maps.pooled[:, :, 0], rules, 2, 2)
    fig = plots.inspect_figure(view.panels, decimals=4)
    z, relu, a = fig.data
    assert [t.type for t in fig.data] == ["heatmap"] * 3
    assert z.zmin == -z.zmax and z.zmax == pytest.approx(np.abs(maps.Z[:, :, 0]).max(), rel=1e-6)  # centred on 0
    assert relu.zmin == a.zmin == 0 and relu.zmax == a.zmax == pytest.approx(maps.Z[:, :, 0].max(), rel=1e-6)
    assert z.colorscale[len(z.colorscale) // 2][1] == "rgb(247,247,247)"  # 0 is white, as in the PNG grid
    assert "%{z:.4f}" in z.hovertemplate and "row %{y}, column %{x}" in z.hovertemplate
    assert "row %{customdata[0]}, column %{customdata[1]}" in a.hovertemplate
    layout = fig.layout
    assert layout.yaxis.autorange is None and list(layout.yaxis.range) == [191.5, -0.5]  # row 0 on top
    assert layout.xaxis2.matches == "x" and layout.yaxis3.matches == "y"  # one zoom for the three
    assert layout.yaxis.scaleanchor == "x" and layout.yaxis.scaleratio == 1  # square pixels
    assert plots.wire_bytes(fig) < 2 * 192 * 256 * 6 + 96 * 128 * 12  # float32 typed arrays, not JSON text


def test_histograms_split_z_at_zero():
    Z = np.array([[-2.0, -0.5, 0.0], [0.25, 1.0, 3.0]])
    z_counts, z_edges, a_counts, a_edges = features.histograms(Z, np.array([[1.0, 3.0]]), bins=10)
    assert 0.0 in z_edges and z_counts.sum() == 6 and a_counts.sum() == 2
    assert z_counts[z_edges[1:] <= 0].sum() == 2  # the two negatives, in bins left of 0
    z_counts, z_edges, _, _ = features.histograms(np.array([[-100.0, 1e-3]]), np.zeros((1, 1)), bins=10)
    assert z_counts.sum() == 2 and z_edges[-1] == 1e-3  # a sliver above 0 keeps its bin
