"""Test images generated in code with Pillow and numpy: every upload case of the Feature maps lesson.

Nothing binary is committed; each helper returns the bytes of a file as a browser would upload it.
The big ones are cached (bytes are immutable). Used by tests/test_images.py, the AppTest tests and
bench/bench_images.py (`from tests.fixtures_images import photo_jpeg`).
"""

from __future__ import annotations

import io
import struct
import zlib
from collections.abc import Callable
from functools import lru_cache

import numpy as np
from PIL import Image


def encode(img: Image.Image, fmt: str, **params: object) -> bytes:
    """img saved in memory as format fmt ("PNG", "JPEG", ...)."""
    buffer = io.BytesIO()
    img.save(buffer, format=fmt, **params)
    return buffer.getvalue()


def halves_rgb(width: int = 40, height: int = 20) -> Image.Image:
    """Left half red (255, 0, 0), right half blue (0, 0, 255): shows any rotation or mirroring."""
    pixels = np.zeros((height, width, 3), dtype=np.uint8)
    pixels[:, : width // 2, 0] = 255
    pixels[:, width // 2 :, 2] = 255
    return Image.fromarray(pixels, mode="RGB")


def rgb_png() -> bytes:
    return encode(halves_rgb(), "PNG")


def rgba_png() -> bytes:
    """40x20 RGBA: left half opaque black, right half fully transparent black (-> white on load)."""
    pixels = np.zeros((20, 40, 4), dtype=np.uint8)
    pixels[:, :20, 3] = 255
    return encode(Image.fromarray(pixels, mode="RGBA"), "PNG")


def palette_png(transparent: bool = False) -> bytes:
    """40x20 palette image: index 0 = green (0, 255, 0) on the left, 1 = blue on the right.

    transparent -- mark index 1 transparent (tRNS), so the right half must come out white.
    """
    img = Image.new("P", (40, 20), 0)
    img.putpalette([0, 255, 0, 0, 0, 255] + [0] * (3 * 254))
    img.paste(1, (20, 0, 40, 20))
    return encode(img, "PNG", transparency=1) if transparent else encode(img, "PNG")


def gray_png() -> bytes:
    """32x16 mode "L": column x holds the value 8 * x (0..248)."""
    pixels = np.tile((np.arange(32, dtype=np.uint8) * 8)[None, :], (16, 1))
    return encode(Image.fromarray(pixels, mode="L"), "PNG")


GRAY16_VALUES = np.array([[0, 1000, 30000, 65535]], dtype=np.uint16).repeat(2, axis=0)  # (2, 4)


def gray16_png() -> bytes:
    """A 4x2 16-bit grayscale PNG ("I;16") holding GRAY16_VALUES."""
    return encode(Image.fromarray(GRAY16_VALUES), "PNG")


def cmyk_jpeg() -> bytes:
    """32x32 CMYK JPEG: left half pure cyan (C=255), right half no ink (white)."""
    img = Image.new("CMYK", (32, 32), (0, 0, 0, 0))
    img.paste((255, 0, 0, 0), (0, 0, 16, 32))
    return encode(img, "JPEG", quality=95)


def exif_rotated_jpeg(orientation: int = 6) -> bytes:
    """halves_rgb() stored as 40x20 with EXIF orientation `orientation` (6: display rotated 90° clockwise)."""
    img = halves_rgb()
    exif = img.getexif()
    exif[0x0112] = orientation
    return encode(img, "JPEG", quality=95, exif=exif.tobytes())


def animated_gif(n_frames: int = 12) -> bytes:
    """An n_frames GIF, 24x24; frame k is a flat gray of value 20 * k (frame 0 black)."""
    frames = [Image.new("L", (24, 24), 20 * k) for k in range(n_frames)]
    return encode(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=80, loop=0)


def webp() -> bytes:
    return encode(halves_rgb(), "WEBP", lossless=True)


def tiny_png() -> bytes:
    """A 2x2 RGB image: red, green / blue, white."""
    pixels = np.array([[[255, 0, 0], [0, 255, 0]], [[0, 0, 255], [255, 255, 255]]], dtype=np.uint8)
    return encode(Image.fromarray(pixels, mode="RGB"), "PNG")


def photo_array(width: int, height: int, seed: int = 0, grain: int = 48) -> np.ndarray:
    """A photo-like uint8 RGB array (height, width, 3): smooth colour gradients, a few shapes and grain.

    The grain (uniform 0..grain-1 per sample) makes the JPEG as large as a real photo's (about
    4.5 MB at 12 MP, quality 90) so decoding costs what it would. Cheap at 24 MP: gradients are
    broadcast from 1-D ramps and the grain is one 256x256 tile repeated. Channels stay <= 207
    before the grain is added, so nothing wraps around.
    """
    rng = np.random.default_rng(seed)
    x = np.linspace(0, 1, width, dtype=np.float32)[None, :]
    y = np.linspace(0, 1, height, dtype=np.float32)[:, None]
    img = np.empty((height, width, 3), dtype=np.uint8)
    img[:, :, 0] = (30 + 140 * x + 30 * y).astype(np.uint8)
    img[:, :, 1] = (60 + 80 * y + 40 * np.sin(6 * x)).astype(np.uint8)
    img[:, :, 2] = (200 - 120 * y).astype(np.uint8) + np.zeros((1, width), np.uint8)
    # Rectangles: edges for the filters to find.
    for _ in range(12):
        x0, y0 = int(rng.integers(0, width - 1)), int(rng.integers(0, height - 1))
        x1, y1 = x0 + int(rng.integers(1, max(2, width // 6))), y0 + int(rng.integers(1, max(2, height // 6)))
        img[y0:y1, x0:x1] = rng.integers(0, 208, size=3, dtype=np.uint8)
    if grain > 0:
        tile = rng.integers(0, min(grain, 48), size=(min(height, 256), min(width, 256), 3), dtype=np.uint8)
        reps = (-(-height // tile.shape[0]), -(-width // tile.shape[1]), 1)
        img += np.tile(tile, reps)[:height, :width]
    return img


@lru_cache(maxsize=4)
def photo_jpeg(width: int = 6000, height: int = 4000, quality: int = 90) -> bytes:
    """A photo-like JPEG of width x height pixels, generated in memory."""
    return encode(Image.fromarray(photo_array(width, height), mode="RGB"), "JPEG", quality=quality)


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def bomb_png_header(width: int = 40000, height: int = 40000) -> bytes:
    """A ~70-byte PNG whose header (IHDR, valid CRC) declares a width x height 1-bit image.

    A 1x1 image with its IHDR patched: the pixel data is far too short, so anything that decodes
    it would fail, but the header alone must be enough to refuse it.
    """
    data = encode(Image.new("1", (1, 1)), "PNG")
    ihdr_start = len(PNG_SIGNATURE)
    length = struct.unpack(">I", data[ihdr_start : ihdr_start + 4])[0]
    body = bytearray(data[ihdr_start + 8 : ihdr_start + 8 + length])
    body[0:8] = struct.pack(">II", width, height)
    return data[:ihdr_start] + _chunk(b"IHDR", bytes(body)) + data[ihdr_start + 12 + length :]


@lru_cache(maxsize=2)
def bomb_png(width: int = 40000, height: int = 40000) -> bytes:
    """A valid 1-bit black PNG of width x height pixels, streamed through zlib (never held in memory).

    40000x40000 is 1.6 gigapixels (200 MB packed, 1.6 GB as 8-bit) in a file of about 200 KB.
    """
    row = bytes(1 + (width + 7) // 8)  # filter byte 0 + packed zero bits
    rows_per_block = max(1, (1 << 22) // len(row))
    compressor = zlib.compressobj(9)
    parts = []
    block = row * rows_per_block
    for start in range(0, height, rows_per_block):
        n = min(rows_per_block, height - start)
        parts.append(compressor.compress(block if n == rows_per_block else row * n))
    parts.append(compressor.flush())
    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)  # bit depth 1, grayscale
    return PNG_SIGNATURE + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", b"".join(parts)) + _chunk(b"IEND", b"")


def truncated(data: bytes, keep: float = 0.6) -> bytes:
    """The first `keep` fraction of a file, as a broken download leaves it."""
    return data[: int(len(data) * keep)]


def truncated_png() -> bytes:
    return truncated(encode(Image.fromarray(photo_array(64, 64), mode="RGB"), "PNG"))


def truncated_jpeg() -> bytes:
    return truncated(encode(Image.fromarray(photo_array(64, 64), mode="RGB"), "JPEG", quality=90))


TEXT = b"Hello! This is a shopping list, renamed to photo.png:\n- eggs\n- milk\n"
SVG = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n'
    b'<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64">'
    b'<circle cx="32" cy="32" r="20" fill="red"/></svg>\n'
)


# Every upload case of the issue, for AppTest tests through the app's file_uploader:
# name -> (file name as uploaded, bytes factory, words the st.error must contain; () = loads fine).
UPLOAD_CASES: dict[str, tuple[str, Callable[[], bytes], tuple[str, ...]]] = {
    "heic": ("IMG_0001.HEIC", lambda: heic(), ()),
    "rgb": ("halves.png", rgb_png, ()),
    "rgba": ("alpha.png", rgba_png, ()),
    "palette": ("palette.png", lambda: palette_png(transparent=True), ()),
    "grayscale": ("gray.png", gray_png, ()),
    "16-bit": ("gray16.png", gray16_png, ()),
    "cmyk-jpeg": ("cmyk.jpg", cmyk_jpeg, ()),
    "exif-rotated": ("rotated.jpg", exif_rotated_jpeg, ()),
    "animated-gif": ("anim.gif", animated_gif, ()),
    "webp": ("halves.webp", webp, ()),
    "2x2": ("tiny.png", tiny_png, ()),
    "6000x4000": ("big photo.jpg", photo_jpeg, ()),
    "empty": ("empty.png", lambda: b"", ("empty",)),
    "text": ("notes.png", lambda: TEXT, ("text file",)),
    "svg": ("drawing.png", lambda: SVG, ("SVG",)),
    "truncated": ("cut.jpg", truncated_jpeg, ("incomplete or corrupt",)),
    "bomb": ("bomb.png", bomb_png, ("refused before decoding",)),
}


def heic(img: Image.Image | None = None, orientation: int = 1, quality: int = 95) -> bytes:
    """img (default halves_rgb(), 40x20) as HEIC, made here with pillow-heif; EXIF orientation if not 1."""
    import pillow_heif

    pillow_heif.register_heif_opener()
    img = halves_rgb() if img is None else img
    params: dict[str, object] = {"quality": quality}
    if orientation != 1:
        exif = img.getexif()
        exif[0x0112] = orientation
        params["exif"] = exif.tobytes()
    return encode(img, "HEIF", **params)
