"""cnnviz.pictures.images: every upload case of the Feature maps lesson, samples, downloads, safe names."""

from __future__ import annotations

import io
import struct
import subprocess
import sys
import textwrap
import tomllib
import tracemalloc
import unicodedata
from pathlib import Path

import fixtures_images as F
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from cnnviz.pictures import images
from cnnviz.pictures.images import ImageError, load_image

ROOT = Path(__file__).parents[1]
RED, BLUE, WHITE, BLACK = (1.0, 0.0, 0.0), (0.0, 0.0, 1.0), (1.0, 1.0, 1.0), (0.0, 0.0, 0.0)


def assert_halves(array: np.ndarray, left: tuple, right: tuple, atol: float = 0.0) -> None:
    """The left half of every row is colour `left`, the right half `right` (a 1-pixel seam allowed)."""
    n_W = array.shape[1]
    np.testing.assert_allclose(
        array[:, : n_W // 2 - 1], np.broadcast_to(left, array[:, : n_W // 2 - 1].shape), atol=atol
    )
    np.testing.assert_allclose(
        array[:, n_W // 2 + 1 :], np.broadcast_to(right, array[:, n_W // 2 + 1 :].shape), atol=atol
    )


def assert_valid(loaded: images.LoadedImage) -> None:
    a = loaded.array
    assert a.ndim == 3 and a.shape[2] in (1, 3) and a.dtype == np.float32
    assert np.isfinite(a).all() and a.min() >= 0.0 and a.max() <= 1.0
    assert not a.flags.writeable


# --- Good files ------------------------------------------------------------------------------


def test_rgb_png():
    loaded = load_image(F.rgb_png())
    assert_valid(loaded)
    assert loaded.array.shape == (20, 40, 3) and loaded.original_size == (40, 20)
    assert (loaded.mode, loaded.format, loaded.notes) == ("RGB", "PNG", ())
    assert_halves(loaded.array, RED, BLUE)


def test_rgba_is_composited_on_white():
    loaded = load_image(F.rgba_png())
    assert_valid(loaded)
    assert loaded.array.shape == (20, 40, 3) and loaded.mode == "RGBA"
    assert_halves(loaded.array, BLACK, WHITE)  # opaque black stays, transparent black becomes white
    assert any("white background" in note for note in loaded.notes)


def test_palette_png():
    loaded = load_image(F.palette_png())
    assert_valid(loaded)
    assert loaded.mode == "P" and loaded.array.shape == (20, 40, 3)
    assert_halves(loaded.array, (0.0, 1.0, 0.0), BLUE)


def test_palette_png_with_transparent_index_is_composited_on_white():
    loaded = load_image(F.palette_png(transparent=True))
    assert_halves(loaded.array, (0.0, 1.0, 0.0), WHITE)
    assert any("white background" in note for note in loaded.notes)


def test_grayscale_png_keeps_one_channel():
    loaded = load_image(F.gray_png())
    assert_valid(loaded)
    assert loaded.array.shape == (16, 32, 1) and loaded.mode == "L"
    expected = np.tile(np.arange(32) * 8 / 255, (16, 1))[:, :, None]
    np.testing.assert_allclose(loaded.array, expected, atol=1e-6)


def test_16_bit_grayscale_is_scaled_by_65535():
    loaded = load_image(F.gray16_png())
    assert_valid(loaded)
    assert loaded.mode.startswith("I;16") and loaded.array.shape == (2, 4, 1)
    np.testing.assert_allclose(loaded.array[:, :, 0], F.GRAY16_VALUES / 65535, atol=1e-6)
    assert loaded.array[0, 1, 0] > 0  # 1000/65535: an 8-bit truncation would have made it 0
    assert any("16-bit" in note for note in loaded.notes)


def test_cmyk_jpeg_becomes_rgb():
    loaded = load_image(F.cmyk_jpeg())
    assert_valid(loaded)
    assert loaded.mode == "CMYK" and loaded.array.shape == (32, 32, 3)
    assert_halves(loaded.array, (0.0, 1.0, 1.0), WHITE, atol=0.06)  # cyan ink | no ink; JPEG noise
    assert any("CMYK" in note for note in loaded.notes)


@pytest.mark.parametrize(
    ("orientation", "shape", "first", "last", "axis"),
    [
        (6, (40, 20, 3), RED, BLUE, 0),  # 90° clockwise: the left (red) half goes to the top
        (8, (40, 20, 3), BLUE, RED, 0),  # 90° counter-clockwise: the left half goes to the bottom
        (3, (20, 40, 3), BLUE, RED, 1),  # 180°: left and right swap
        (2, (20, 40, 3), BLUE, RED, 1),  # mirrored
    ],
)
def test_exif_orientation_is_applied(orientation, shape, first, last, axis):
    loaded = load_image(F.exif_rotated_jpeg(orientation))
    assert_valid(loaded)
    assert loaded.array.shape == shape
    assert loaded.original_size == (shape[1], shape[0])
    a = loaded.array if axis == 1 else loaded.array.transpose(1, 0, 2)
    assert_halves(a, first, last, atol=0.08)
    assert any("EXIF orientation" in note for note in loaded.notes)


def test_jpeg_without_orientation_has_no_rotation_note():
    loaded = load_image(F.exif_rotated_jpeg(1))
    assert loaded.array.shape == (20, 40, 3)
    assert not any("EXIF" in note for note in loaded.notes)


def test_animated_gif_uses_the_first_frame_and_says_so():
    loaded = load_image(F.animated_gif(12))
    assert_valid(loaded)
    assert loaded.format == "GIF" and loaded.array.shape == (24, 24, 1)  # a gray palette stays gray
    np.testing.assert_allclose(loaded.array, 0.0)  # frame 0 is black, the others are not
    assert "Animated GIF: using the first of 12 frames." in loaded.notes


def test_still_gif_has_no_animation_note():
    loaded = load_image(F.animated_gif(1))
    assert not any("Animated" in note for note in loaded.notes)


def test_webp():
    loaded = load_image(F.webp())
    assert_valid(loaded)
    assert loaded.format == "WEBP" and loaded.array.shape == (20, 40, 3)
    assert_halves(loaded.array, RED, BLUE, atol=1 / 255)


@pytest.mark.parametrize("fmt", ["BMP", "TIFF"])
def test_other_supported_formats(fmt):
    loaded = load_image(F.encode(F.halves_rgb(), fmt))
    assert loaded.format == fmt
    assert_halves(loaded.array, RED, BLUE)


def test_2x2_image_is_kept_as_is():
    loaded = load_image(F.tiny_png())
    assert_valid(loaded)
    expected = np.array([[[1, 0, 0], [0, 1, 0]], [[0, 0, 1], [1, 1, 1]]], dtype=np.float32)
    np.testing.assert_array_equal(loaded.array, expected)
    assert loaded.notes == ()


def test_6000x4000_photo_is_downscaled_and_says_so():
    loaded = load_image(F.photo_jpeg(6000, 4000))
    assert_valid(loaded)
    assert loaded.original_size == (6000, 4000)
    assert loaded.array.shape == (683, 1024, 3)
    assert "Downscaled from 4000×6000 to 683×1024 pixels (n_H × n_W" in " ".join(loaded.notes)  # rows × columns
    # Downscaling keeps the picture: the mean colour matches the full-size source's.
    full = F.photo_array(6000, 4000).reshape(-1, 3).mean(axis=0) / 255
    np.testing.assert_allclose(loaded.array.reshape(-1, 3).mean(axis=0), full, atol=0.01)


def test_max_side_and_grayscale_options():
    rgb = load_image(F.photo_jpeg(6000, 4000), max_side=300)
    assert rgb.array.shape == (200, 300, 3)
    gray = load_image(F.encode(Image.fromarray(F.photo_array(300, 200)), "PNG"), grayscale=True)
    assert gray.array.shape == (200, 300, 1)
    colour = load_image(F.encode(Image.fromarray(F.photo_array(300, 200)), "PNG")).array
    np.testing.assert_allclose(gray.array[:, :, 0], colour @ np.array(images.LUMA, dtype=np.float32), atol=1e-5)
    assert any("grayscale" in note for note in gray.notes)


def test_grayscale_jpeg_is_decoded_as_luminance():
    data = F.encode(Image.fromarray(F.photo_array(300, 200)), "JPEG", quality=95)
    gray = load_image(data, grayscale=True).array
    colour = load_image(data).array
    assert gray.shape == (200, 300, 1)
    assert any("grayscale" in note for note in load_image(data, grayscale=True).notes)
    diff = np.abs(gray[:, :, 0] - colour @ np.array(images.LUMA, dtype=np.float32))
    assert diff.mean() < 0.005 and diff.max() < 0.1  # chroma subsampling blurs colour edges a little


def test_bytearray_and_memoryview_are_accepted():
    data = F.tiny_png()
    for wrapped in (bytearray(data), memoryview(data)):
        assert load_image(wrapped).array.shape == (2, 2, 3)


@pytest.mark.parametrize("max_side", [0, -3, 2.5, True])
def test_bad_max_side(max_side):
    with pytest.raises(ValueError, match="max_side"):
        load_image(F.tiny_png(), max_side=max_side)


# --- Bad files -------------------------------------------------------------------------------


def refused(data: object, *words: str) -> str:
    with pytest.raises(ImageError) as info:
        load_image(data)  # type: ignore[arg-type]
    message = str(info.value)
    assert isinstance(info.value, ValueError)
    for word in words:
        assert word in message, message
    return message


def test_empty_file():
    refused(b"", "empty", "PNG, JPEG")


def test_text_renamed_png():
    message = refused(F.TEXT, "text file", "PNG, JPEG")
    assert "eggs" not in message  # the file's content is never echoed


def test_svg_renamed_png():
    refused(F.SVG, "SVG", "Export it as PNG")


def test_html_is_named_as_such():
    refused(b"<!DOCTYPE html><html><body>hi</body></html>", "HTML")


def test_random_bytes_and_unsupported_formats():
    refused(np.random.default_rng(0).integers(0, 256, 5000, dtype=np.uint8).tobytes(), "not an image")
    refused(F.encode(Image.new("RGB", (16, 16)), "ICO"), "not an image")  # a real image, but not allowed
    refused(b"%PDF-1.7\n...", "PDF")
    refused(b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00", "HEIC")  # a header only: cannot be decoded


def test_heic_photo_loads():
    loaded = load_image(F.heic())
    assert_valid(loaded)
    assert loaded.format == "HEIF"
    assert loaded.array.shape == (20, 40, 3)
    assert_halves(loaded.array, (1, 0, 0), (0, 0, 1), atol=0.12)


def test_heic_orientation_is_applied_once():
    """pillow-heif rotates while decoding (and reports orientation 1): the result is rotated once, not twice."""
    loaded = load_image(F.heic(orientation=6))
    assert loaded.array.shape == (40, 20, 3)  # 40x20 stored, displayed rotated 90° clockwise
    assert loaded.original_size == (20, 40)
    assert_halves(loaded.array.transpose(1, 0, 2), (1, 0, 0), (0, 0, 1), atol=0.12)


def test_heic_follows_the_size_and_pixel_rules(monkeypatch):
    big = F.heic(Image.fromarray(np.zeros((300, 400, 3), dtype=np.uint8)))
    assert load_image(big, max_side=100).array.shape == (75, 100, 3)  # downscaled like any format
    monkeypatch.setattr(images, "MAX_PIXELS", 300 * 400 - 1)
    refused(big, "refused before decoding")
    monkeypatch.setattr(images, "MAX_FILE_BYTES", len(big) - 1)
    refused(big, "the limit is")


@pytest.mark.parametrize("make", [F.truncated_png, F.truncated_jpeg], ids=["png", "jpeg"])
def test_truncated_file(make):
    refused(make(), "incomplete or corrupt", "re-download")


def test_non_bytes():
    refused("photo.png", "bytes")


def test_file_over_the_upload_limit():
    refused(bytes(images.MAX_FILE_BYTES + 1), "20.0 MB", "limit is 20 MB")


@pytest.mark.parametrize("make", [F.bomb_png_header, F.bomb_png], ids=["patched-header", "valid-1-bit"])
def test_decompression_bomb_is_refused_before_decoding(make):
    data = make()
    assert len(data) < 250_000  # a small file ...
    tracemalloc.start()
    try:
        refused(data, "1,600 megapixels", "refused before decoding")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 2_000_000  # ... declaring 1.6 gigapixels: nothing near 1.6 GB was allocated


def test_image_over_our_pixel_cap_is_refused_from_its_header():
    # 10000x6000 = 60 MP: under Pillow's own bomb limit, over MAX_PIXELS.
    refused(
        F.bomb_png_header(10000, 6000), "6000×10000 pixels, rows × columns", "60 megapixels", "refused before decoding"
    )


def test_bomb_rejection_keeps_process_memory_bounded():
    """Pillow's C allocations are invisible to tracemalloc: measure the process's peak RSS instead."""
    code = textwrap.dedent(
        f"""
        import resource, sys
        sys.path[:0] = [{str(ROOT)!r}, {str(ROOT / "tests")!r}]
        import fixtures_images as F
        from cnnviz.pictures.images import ImageError, load_image
        data = F.bomb_png()
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        try:
            load_image(data)
        except ImageError:
            pass
        else:
            raise SystemExit("not refused")
        print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before)
        """
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    grown_kb = int(result.stdout.strip())
    assert grown_kb < 20_000  # under 20 MB; decoding it would take 1.6 GB


# --- to_batch, safe_name ---------------------------------------------------------------------


def test_to_batch():
    img = np.arange(24.0).reshape(2, 4, 3)
    batch = images.to_batch(img)
    assert batch.shape == (1, 2, 4, 3)
    np.testing.assert_array_equal(batch[0], img)
    batch[0, 0, 0, 0] = -1
    assert img[0, 0, 0] == 0  # a new array
    with pytest.raises(ValueError, match=r"\(H, W, C\)"):
        images.to_batch(np.zeros((2, 4)))


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("holiday photo.jpg", "holiday photo.jpg"),
        ("C:\\Users\\me\\cat.png", "cat.png"),
        ("../../etc/passwd", "passwd"),
        ("<img src=x onerror=alert(1)>.png", "img src_x onerror_alert(1)_.png"),
        ("[click](javascript:alert(1))*.png", "click_(javascript_alert(1))_.png"),
        ("фото_котика.png", "фото_котика.png"),
        ("evil\u202egnp.exe", "evil_gnp.exe"),
        ("", "upload"),
        ("<>", "upload"),
    ],
)
def test_safe_name_examples(name, expected):
    assert images.safe_name(name) == expected


def test_safe_name_truncates_long_names_keeping_the_extension():
    short = images.safe_name("a" * 500 + ".jpeg")
    assert len(short) <= 60 and short.endswith("….jpeg")


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_safe_name_never_contains_markup_or_invisible_characters(name):
    shown = images.safe_name(name)
    assert 1 <= len(shown) <= 60
    assert not set(shown) & set("<>&\"'`[]*#/\\:;|!{}$%=?~^@")
    assert all(unicodedata.category(ch)[0] not in "CZ" or ch == " " for ch in shown)


# --- Downloads -------------------------------------------------------------------------------


def decode_png(data: bytes) -> np.ndarray:
    with Image.open(io.BytesIO(data)) as im:
        assert im.format == "PNG"
        return np.asarray(im)


def test_png_of_a_non_negative_map_is_stretched_min_to_max():
    values = np.array([[2.0, 3.0], [4.0, 6.0]])
    pixels = decode_png(images.to_png_bytes(values))
    np.testing.assert_array_equal(pixels, np.rint((values - 2) / 4 * 255))


def test_png_of_a_signed_map_is_centred_on_zero():
    values = np.array([[-2.0, 0.0], [1.0, 2.0]])
    pixels = decode_png(images.to_png_bytes(values))
    np.testing.assert_array_equal(pixels, [[0, 128], [191, 255]])  # 0 is mid-gray, +-2 the ends
    rdbu = decode_png(images.to_png_bytes(values, cmap="RdBu_r"))
    assert rdbu.shape == (2, 2, 3)
    np.testing.assert_array_equal(rdbu[0, 1], images._RDBU[5])  # zero: the white middle
    assert rdbu[0, 0, 2] > rdbu[0, 0, 0] and rdbu[1, 1, 0] > rdbu[1, 1, 2]  # negative blue, positive red
    np.testing.assert_array_equal(decode_png(images.to_png_bytes(values, cmap="RdBu"))[0, 0], images._RDBU[0])


def test_png_of_an_rgb_image_round_trips():
    rgb = np.random.default_rng(1).integers(0, 256, (5, 7, 3)) / 255
    np.testing.assert_array_equal(decode_png(images.to_png_bytes(rgb)), np.rint(rgb * 255))


def test_png_of_a_constant_map_and_explicit_range():
    assert decode_png(images.to_png_bytes(np.full((3, 3), 5.0))).max() == 0
    pixels = decode_png(images.to_png_bytes(np.array([[0.0, 0.5, 2.0]]), vrange=(0.0, 1.0)))
    np.testing.assert_array_equal(pixels, [[0, 128, 255]])


@pytest.mark.parametrize(
    ("array", "cmap", "match"),
    [
        (np.array([[np.nan, 1.0]]), "gray", "NaN"),
        (np.zeros((2, 2, 2)), "gray", "shape"),
        (np.zeros((2, 2)), "viridis", "viridis"),
    ],
)
def test_png_errors(array, cmap, match):
    with pytest.raises(ValueError, match=match):
        images.to_png_bytes(array, cmap=cmap)


def test_npy_round_trip():
    array = np.random.default_rng(2).normal(size=(4, 5, 3))
    np.testing.assert_array_equal(np.load(io.BytesIO(images.to_npy_bytes(array)), allow_pickle=False), array)


# --- Samples ---------------------------------------------------------------------------------


@pytest.mark.parametrize("name", images.SAMPLE_NAMES)
def test_samples_are_valid_and_deterministic(name):
    a = images.sample_image(name)
    assert a.dtype == np.float32 and a.ndim == 3 and a.shape[2] == (3 if name == "scene" else 1)
    assert a.min() >= 0 and a.max() <= 1 and a.std() > 0.1  # real contrast, not a flat image
    np.testing.assert_array_equal(a, images.sample_image(name))
    np.testing.assert_array_equal(a, images.SAMPLES[name]())
    assert images.sample_image(name, size=(40, 60)).shape[:2] == (40, 60)
    assert name in images.SAMPLE_LABELS


def test_sample_sizes_and_content():
    assert images.sample_image("scene").shape == (192, 256, 3)
    scene = images.sample_image("scene")
    assert scene[:10, :, 2].mean() > scene[:10, :, 0].mean()  # blue sky on top
    assert scene[-10:, :, 1].mean() > scene[-10:, :, 2].mean()  # green hills at the bottom
    digit = images.sample_image("digit")[:, :, 0]
    assert 0.05 < (digit > 0.5).mean() < 0.4  # strokes, mostly background
    assert digit[:10].max() < 0.1 and digit[-10:].max() < 0.1  # a margin around the digit
    disc = images.sample_image("disc")[:, :, 0]
    assert disc[64, 64] == 1 and disc[0, 0] == 0


def test_samples_are_distinct():
    grays = [images.sample_image(name)[:, :, 0] for name in images.SAMPLE_NAMES if name != "scene"]
    for i in range(len(grays)):
        for j in range(i + 1, len(grays)):
            assert np.abs(grays[i] - grays[j]).mean() > 0.05


@pytest.mark.parametrize(("name", "size"), [("tree", None), ("disc", (4, 100)), ("disc", (3000, 3000))])
def test_sample_errors(name, size):
    with pytest.raises(ValueError, match="tree|size"):
        images.sample_image(name, size=size)


# --- Streamlit config ------------------------------------------------------------------------


def test_streamlit_upload_limit_lets_the_loader_explain():
    """Streamlit's limit is above the loader's: a file a little too large gets the app's message, not Streamlit's."""
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["server"]["maxUploadSize"] * 2**20 >= 1.5 * images.MAX_FILE_BYTES
    assert config["browser"]["gatherUsageStats"] is False


def test_pillow_bomb_warning_range_is_refused_too():
    # 100 MP: above Pillow's warning threshold (89.5 MP), below its own error (179 MP).
    refused(F.bomb_png_header(10000, 10000), "100 megapixels", "refused before decoding")


def test_bomb_headers_in_other_formats():
    bmp = bytearray(F.encode(Image.new("RGB", (2, 2)), "BMP"))
    bmp[18:26] = struct.pack("<ii", 30000, 30000)  # BITMAPINFOHEADER width, height
    refused(bytes(bmp), "refused before decoding")
    gif = bytearray(F.encode(Image.new("L", (2, 2)), "GIF"))
    gif[6:10] = struct.pack("<HH", 65535, 65535)  # logical screen size
    refused(bytes(gif), "refused before decoding")


def test_multi_page_tiff_uses_the_first_page():
    pages = [Image.new("L", (8, 8), v) for v in (10, 200, 90)]
    loaded = load_image(F.encode(pages[0], "TIFF", save_all=True, append_images=pages[1:]))
    np.testing.assert_allclose(loaded.array, 10 / 255, atol=1e-6)
    assert "Multi-page TIFF: using the first of 3 pages." in loaded.notes


def test_gray_with_alpha_and_1_bit_and_float_tiff():
    la = np.zeros((4, 6, 2), dtype=np.uint8)
    la[:, :3, 1] = 255  # left opaque black, right transparent
    loaded = load_image(F.encode(Image.fromarray(la, mode="LA"), "PNG"))
    assert loaded.array.shape == (4, 6, 1)
    np.testing.assert_array_equal(loaded.array[:, :, 0], np.tile([0, 0, 0, 1, 1, 1], (4, 1)))
    bits = load_image(F.encode(Image.new("1", (5, 3), 1), "PNG"))
    assert bits.array.shape == (3, 5, 1) and (bits.array == 1).all()
    values = np.linspace(-500, 1000, 12, dtype=np.float32).reshape(3, 4)
    floats = load_image(F.encode(Image.fromarray(values, mode="F"), "TIFF"))
    np.testing.assert_allclose(floats.array[:, :, 0], (values + 500) / 1500, atol=1e-6)
    assert any("stretched" in note for note in floats.notes)


# --- Through the app: the sidebar's file_uploader on the Feature maps page --------------------

PAGE = "lessons/feature_maps.py"


@pytest.fixture(scope="module")
def upload_page():
    """The app on the Feature maps page with Input = upload (one AppTest for every case: faster)."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.run()
    at.switch_page(PAGE).run()
    at.radio(key="source").set_value("upload").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def upload(at, name: str, data: bytes):
    at.file_uploader(key="upload_widget").set_value((name, data, "application/octet-stream")).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


@pytest.mark.parametrize("case", list(F.UPLOAD_CASES))
def test_every_upload_case_through_the_page(upload_page, case):
    name, make, words = F.UPLOAD_CASES[case]
    at = upload(upload_page, name, make())
    errors = " ".join(e.value for e in at.error)
    if words:  # a bad file: a clear error, no player
        assert all(word in errors for word in words), errors
        assert not at.get("bidi_component")
    else:  # a good file: maps and the player, no error
        assert not errors, errors
        assert at.get("bidi_component")  # the window player


def test_an_uploaded_file_name_is_never_rendered_as_markup(upload_page):
    name = '<img src=x onerror="alert(1)">[link](javascript:alert(2)).png'
    at = upload(upload_page, name, F.rgb_png())
    for element in [*at.markdown, *at.caption, *at.info, *at.warning, *at.error, *at.success]:
        assert "<img" not in element.value and "](javascript:" not in element.value, element.value
