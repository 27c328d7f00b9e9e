"""Images in and out: upload bytes -> float array in [0, 1], generated samples, PNG/.npy downloads.

Uploads are untrusted. `load_image` opens only a few raster formats, refuses oversized images
from their header *before* any pixel is decoded (a 40000x40000 PNG can be a few KB), forces a full
decode so a truncated file fails here and not later, applies the EXIF orientation, composites
transparency on white, scales 16-bit data to [0, 1] and downscales to a working size (JPEGs are
decoded at 1/2, 1/4 or 1/8 scale directly, which is what keeps a 12-megapixel photo fast). Every
failure is an `ImageError` (a `ValueError`) whose message says what is wrong and what to do.
"""

from __future__ import annotations

import io
import math
import re
import unicodedata
import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageOps

from cnnviz.core.errors import InputError

try:  # HEIC/HEIF (the iPhone's default photo format) through libheif; optional at import time
    import pillow_heif

    pillow_heif.register_heif_opener()
    HEIF = True
except ImportError:  # pragma: no cover - pillow-heif is in requirements.txt
    HEIF = False

# Pillow plugins we open. Others (EPS runs Ghostscript, PSD, ICO, ...) are refused unread.
# HEIF: pillow-heif applies the file's rotation (irot/imir, and an EXIF orientation) while
# decoding and reports orientation 1, so it is never rotated twice.
ALLOWED_FORMATS = ("PNG", "JPEG", "GIF", "WEBP", "BMP", "TIFF") + (("HEIF",) if HEIF else ())
FORMATS_TEXT = "PNG, JPEG, HEIC, GIF, WebP, BMP or TIFF" if HEIF else "PNG, JPEG, GIF, WebP, BMP or TIFF"
# Refuse images above this many pixels from the header alone: 50 MP covers a 6000x4000 (24 MP)
# or 8000x6000 (48 MP) photo; a decoded 50 MP RGBA image is already 200 MB.
MAX_PIXELS = 50_000_000
# Below `[server] maxUploadSize` in .streamlit/config.toml on purpose: a larger file reaches this check.
MAX_FILE_BYTES = 20 * 1024 * 1024
# Luminance weights (ITU-R BT.601), as Pillow's convert("L") and the JPEG Y channel use.
LUMA = (0.299, 0.587, 0.114)

_ORIENTATION_TAG = 0x0112
_ORIENTATION_TEXT = {
    2: "mirrored left-right",
    3: "rotated 180°",
    4: "mirrored top-bottom",
    5: "transposed",
    6: "rotated 90° clockwise",
    7: "transversed",
    8: "rotated 90° counter-clockwise",
}


class ImageError(InputError):
    """An uploaded file that cannot be used; the message is meant for the person who uploaded it."""


@dataclass(frozen=True)
class LoadedImage:
    """A decoded image ready for the lessons.

    array -- float32, shape (H, W, C) with C = 1 (grayscale) or 3 (RGB), values in [0, 1];
             read-only (copy it before changing it)
    notes -- sentences for the user about what was done ("Downscaled from 4000×6000 to ...", n_H × n_W)
    original_size -- (width, height) of the image as displayed, i.e. after the EXIF rotation
    mode -- the file's Pillow mode ("RGB", "P", "I;16", "CMYK", ...)
    format -- the file's format ("PNG", "JPEG", ...)
    """

    array: np.ndarray
    notes: tuple[str, ...]
    original_size: tuple[int, int]
    mode: str
    format: str = ""


def load_image(data: bytes, max_side: int = 1024, grayscale: bool = False) -> LoadedImage:
    """Decode an uploaded image into a float array in [0, 1], downscaled so its longer side <= max_side.

    Arguments:
    data -- the file's bytes (bytes, bytearray or memoryview)
    max_side -- longest side of the working image in pixels (>= 1); larger images are downscaled
    grayscale -- convert colour images to one luminance channel (0.299 R + 0.587 G + 0.114 B)

    Returns:
    LoadedImage whose array has shape (H, W, C), C = 1 for grayscale sources or grayscale=True,
    else 3; max(H, W) <= max_side.

    Raises:
    ImageError -- empty, too large, not a supported image, SVG or text, truncated or corrupt,
                  or more than MAX_PIXELS pixels (checked from the header, before decoding).
    """
    if isinstance(max_side, bool) or not isinstance(max_side, int) or max_side < 1:
        raise ValueError(f"max_side={max_side!r} must be a whole number >= 1")
    if not isinstance(data, bytes | bytearray | memoryview):
        raise ImageError(f"Expected the file's bytes, got {type(data).__name__}; pass uploaded_file.getvalue()")
    data = bytes(data)
    if not data:
        raise ImageError(f"The file is empty (0 bytes). Upload a {FORMATS_TEXT} image.")
    if len(data) > MAX_FILE_BYTES:
        raise ImageError(
            f"The file is {len(data) / 2**20:.1f} MB; the limit is {MAX_FILE_BYTES // 2**20} MB. "
            "Save a smaller version and try again."
        )

    im = _open(data)
    notes: list[str] = []
    width, height = im.size
    _check_pixels(width, height)

    n_frames = _frame_count(im)
    if n_frames > 1:
        if im.format == "MPO":
            notes.append(f"Multi-picture JPEG: using the first of {n_frames} pictures.")
        elif im.format == "TIFF":
            notes.append(f"Multi-page TIFF: using the first of {n_frames} pages.")
        else:
            notes.append(f"Animated {im.format}: using the first of {n_frames} frames.")

    orientation = _orientation(im)
    displayed = (height, width) if orientation in (5, 6, 7, 8) else (width, height)
    source_mode = im.mode
    source_format = im.format or ""

    # JPEG: let libjpeg decode at 1/2, 1/4 or 1/8 scale (never below the working size) and, for
    # grayscale, decode the Y channel only. Much cheaper than decoding 12 MP and resizing.
    if source_format in ("JPEG", "MPO"):
        ratio = max_side / max(width, height)
        size = (math.ceil(width * ratio), math.ceil(height * ratio)) if ratio < 1 else None
        im.draft("L" if grayscale else None, size)
    decoded_gray = grayscale and im.mode == "L" and source_mode != "L"  # libjpeg gave luminance only

    try:
        im.load()  # force the full decode now: truncated or corrupt data fails here
        if orientation in _ORIENTATION_TEXT:
            im = ImageOps.exif_transpose(im)
            notes.append(f"Rotated per EXIF orientation ({_ORIENTATION_TEXT[orientation]}).")
        im = _normalise_mode(im, notes)
        if max(im.size) > max_side:
            new_size = _fit(im.size, max_side)
            im = im.resize(new_size, Image.Resampling.LANCZOS, reducing_gap=2.0)
            notes.append(
                f"Downscaled from {displayed[1]}×{displayed[0]} to {new_size[1]}×{new_size[0]} pixels "
                f"(n_H × n_W: rows × columns) for speed (longest side {max_side} pixels)."
            )
        array = _to_float(im, notes)
    except ImageError:
        raise
    except (OSError, SyntaxError, EOFError, ValueError, IndexError, Image.DecompressionBombError) as exc:
        raise ImageError(
            f"The {source_format or 'image'} file is incomplete or corrupt (for example cut off during "
            f"upload or download), so it cannot be decoded ({type(exc).__name__}). Re-export or re-download it."
        ) from exc
    finally:
        im.close()

    if grayscale and array.shape[2] == 3:
        array = (array @ np.asarray(LUMA, dtype=np.float32))[:, :, None]
        decoded_gray = True
    if decoded_gray:
        notes.append("Converted to grayscale (0.299 R + 0.587 G + 0.114 B).")
    array = np.clip(array, 0.0, 1.0, out=array)
    array.setflags(write=False)
    return LoadedImage(array=array, notes=tuple(notes), original_size=displayed, mode=source_mode, format=source_format)


def _open(data: bytes) -> Image.Image:
    """Image.open restricted to ALLOWED_FORMATS, with every failure turned into an ImageError."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            return Image.open(io.BytesIO(data), formats=ALLOWED_FORMATS)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        found = re.search(r"\((\d+) pixels\)", str(exc))  # Pillow: "Image size (N pixels) exceeds limit ..."
        declared = f"{int(found.group(1)) / 1e6:,.0f} megapixels" if found else f"more than {MAX_PIXELS / 1e6:.0f} MP"
        raise ImageError(
            f"The image declares {declared}; the limit is {MAX_PIXELS / 1e6:.0f} megapixels. It was refused "
            "before decoding (a small file that declares a huge image is a decompression bomb). "
            "Downscale it and try again."
        ) from exc
    except Image.UnidentifiedImageError as exc:
        raise ImageError(_not_an_image(data)) from exc
    except (OSError, SyntaxError, EOFError, ValueError, IndexError) as exc:
        raise ImageError(
            f"The file looks like an image but its header is damaged ({type(exc).__name__}). "
            "Re-export it as PNG or JPEG."
        ) from exc


def _not_an_image(data: bytes) -> str:
    """Explain why bytes that Pillow could not identify are not a usable image (never quoting them)."""
    head = data[:4096]
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    supported = f"Upload a {FORMATS_TEXT} image."
    if text.startswith(b"<svg") or (text.startswith((b"<?xml", b"<!doctype svg", b"<!--")) and b"<svg" in text):
        return f"This is an SVG drawing (vector graphics), not a pixel image. Export it as PNG first. {supported}"
    if head.startswith(b"%PDF"):
        return f"This is a PDF document, not an image. {supported}"
    if head[4:12] in (b"ftypheic", b"ftypheix", b"ftypmif1", b"ftypmsf1", b"ftyphevc"):
        if HEIF:
            return (
                f"This HEIC/HEIF file uses a variant that cannot be decoded here. Export it as JPEG first. {supported}"
            )
        return f"HEIC/HEIF photos are not supported. Export the photo as JPEG first. {supported}"
    if head.startswith(b"8BPS"):
        return f"Photoshop (PSD) files are not supported. Export as PNG first. {supported}"
    if _looks_like_text(head):
        kind = "an HTML or XML document" if text.startswith(b"<") else "a text file"
        return f"This is {kind}, not an image (renamed files keep their content). {supported}"
    return f"This file is not an image that can be opened here. {supported}"


def _looks_like_text(head: bytes) -> bool:
    """True if the bytes decode as UTF-8 (a few bad bytes allowed) and are nearly all printable."""
    if not head or b"\x00" in head:
        return False
    decoded = head.decode("utf-8", errors="replace")
    good = sum(ch.isprintable() or ch in "\t\r\n" for ch in decoded if ch != "\ufffd")
    return good >= 0.95 * len(decoded)


def _check_pixels(width: int, height: int) -> None:
    """Refuse images whose header declares more than MAX_PIXELS pixels (nothing decoded yet)."""
    if width < 1 or height < 1:
        raise ImageError(f"The image declares {height}×{width} pixels (rows × columns); it has no pixels to show.")
    if width * height > MAX_PIXELS:
        raise ImageError(
            f"The image is {height}×{width} pixels, rows × columns ({width * height / 1e6:.0f} megapixels); "
            "the limit is "
            f"{MAX_PIXELS / 1e6:.0f} megapixels. It was refused before decoding (a small file that declares "
            "a huge image is a decompression bomb). Downscale it and try again."
        )


def _frame_count(im: Image.Image) -> int:
    """Number of frames (1 for still images); counting reads frame headers, not pixels."""
    try:
        return int(getattr(im, "n_frames", 1))
    except (OSError, SyntaxError, EOFError, ValueError):
        return 1  # a damaged later frame; the first frame may still decode


def _orientation(im: Image.Image) -> int:
    """The EXIF orientation tag (1..8), 1 when absent or unreadable."""
    try:
        value = im.getexif().get(_ORIENTATION_TAG, 1)
    except Exception:  # noqa: BLE001 - a broken EXIF block must not stop the image from loading
        return 1
    return value if isinstance(value, int) else 1


def _normalise_mode(im: Image.Image, notes: list[str]) -> Image.Image:
    """Convert to one of "L", "LA", "RGB", "RGBA" (8-bit) or "F" (float, for 16/32-bit data)."""
    mode = im.mode
    if mode in ("L", "LA", "RGB", "RGBA"):
        return im
    if mode == "1":
        return im.convert("L")
    if mode in ("P", "PA"):
        gray = _gray_palette(im)
        if mode == "PA" or "transparency" in im.info:
            return im.convert("RGBA").convert("LA") if gray else im.convert("RGBA")
        return im.convert("L") if gray else im.convert("RGB")
    if mode == "La":
        return im.convert("LA")
    if mode == "RGBa":
        return im.convert("RGBA")
    if mode == "CMYK":
        notes.append("Converted from CMYK to RGB.")
        return im.convert("RGB")
    if mode.startswith("I;16") or mode in ("I", "F"):
        return _high_bit_depth(im, notes)
    try:
        return im.convert("RGB")  # P without transparency, RGBX, YCbCr, HSV, ...
    except ValueError as exc:
        raise ImageError(
            f"The image's colour mode {mode!r} is not supported. Re-export it as an 8-bit RGB PNG."
        ) from exc


def _gray_palette(im: Image.Image) -> bool:
    """True if every colour of a palette image's palette is a gray (R == G == B)."""
    palette = im.getpalette("RGB") or []
    return all(palette[k] == palette[k + 1] == palette[k + 2] for k in range(0, len(palette) - 2, 3))


def _high_bit_depth(im: Image.Image, notes: list[str]) -> Image.Image:
    """16-bit ("I;16*") and 32-bit ("I", "F") grayscale as a mode "F" image with values in [0, 1].

    16-bit and "I" data are divided by 65535 (the 16-bit range); "F" data already in [0, 1] is kept,
    otherwise stretched min..max.
    """
    values = np.asarray(im)
    if values.dtype.kind in "ui":
        values = values.astype(np.float32)
        if im.mode == "I" and (values.min() < 0 or values.max() > 65535):
            notes.append("32-bit values outside 0..65535 were clipped.")
        values = np.clip(values, 0, 65535) / np.float32(65535)
        notes.append("16-bit image scaled to [0, 1].")
    else:
        values = values.astype(np.float32)
        if not np.isfinite(values).all():
            raise ImageError("The floating-point image contains NaN or infinite values; save it as 8- or 16-bit.")
        lo, hi = float(values.min()), float(values.max())
        if lo < 0 or hi > 1:
            values = (values - lo) / (hi - lo) if hi > lo else np.zeros_like(values)
            notes.append(f"Floating-point values {lo:g}..{hi:g} stretched to [0, 1].")
    return Image.fromarray(np.ascontiguousarray(values, dtype=np.float32), mode="F")


def _fit(size: tuple[int, int], max_side: int) -> tuple[int, int]:
    """(width, height) scaled so the longer side is max_side, each side at least 1."""
    width, height = size
    ratio = max_side / max(width, height)
    return max(1, round(width * ratio)), max(1, round(height * ratio))


def _to_float(im: Image.Image, notes: list[str]) -> np.ndarray:
    """(H, W, C) float32 in [0, 1]; an alpha channel is composited on white and dropped."""
    values = np.asarray(im, dtype=np.float32)
    if im.mode == "F":
        return values[:, :, None].copy()
    values /= 255.0
    if values.ndim == 2:
        return values[:, :, None]
    if im.mode in ("LA", "RGBA"):
        alpha = values[:, :, -1:]
        if (alpha < 1.0).any():
            notes.append("Transparent areas were placed on a white background.")
        values = values[:, :, :-1] * alpha + (1.0 - alpha)
    return np.ascontiguousarray(values)


def to_batch(img: np.ndarray) -> np.ndarray:
    """Add the batch axis the layers expect.

    Arguments:
    img -- image of shape (H, W, C)

    Returns:
    A_prev -- the same values as a new array of shape (1, H, W, C) = (m, n_H_prev, n_W_prev, n_C_prev)
    """
    img = np.asarray(img)
    if img.ndim != 3:
        raise ValueError(f"img must be 3-D (H, W, C), got shape {img.shape}; add a channel axis with img[:, :, None]")
    return img[None].copy()


def safe_name(filename: str, max_len: int = 60) -> str:
    """A file name fit to show as plain text: no path, no markup or control characters, bounded length.

    Keeps letters and digits of any script and `` ._-()+,``; everything else (``<>&*[]`:/\\``, bidi
    overrides, zero-width and control characters, ...) becomes "_". Returns "upload" if nothing is left.
    """
    name = unicodedata.normalize("NFKC", str(filename)).replace("\\", "/").rsplit("/", 1)[-1]
    cleaned = []
    for ch in name:
        if ch.isalnum() or ch in "._-()+,":
            cleaned.append(ch)
        elif unicodedata.category(ch).startswith("Z") or ch == " ":
            cleaned.append(" ")
        else:
            cleaned.append("_")
    name = re.sub(r"_{2,}", "_", re.sub(r"\s+", " ", "".join(cleaned))).strip(" ._")
    if len(name) > max_len:
        stem, dot, ext = name.rpartition(".")
        ext = ext[:10] if dot and stem else ""
        name = name[: max_len - len(ext) - 2].rstrip() + "…" + ("." + ext if ext else "")
    return name or "upload"


# --- Downloads -------------------------------------------------------------------------------

# ColorBrewer RdBu (11 classes), low -> high: red, white, blue. "RdBu" maps negative values to red
# (as matplotlib's and plotly.py's "RdBu"); "RdBu_r" maps them to blue.
_RDBU = np.array(
    [
        [103, 0, 31],
        [178, 24, 43],
        [214, 96, 77],
        [244, 165, 130],
        [253, 219, 199],
        [247, 247, 247],
        [209, 229, 240],
        [146, 197, 222],
        [67, 147, 195],
        [33, 102, 172],
        [5, 48, 97],
    ],
    dtype=np.float64,
)
CMAPS = ("gray", "RdBu", "RdBu_r")


def _lut(stops: np.ndarray, n: int) -> np.ndarray:
    """n colours interpolated linearly through stops (k, 3); n odd puts the middle stop at n // 2."""
    x = np.linspace(0, len(stops) - 1, n)
    k = np.minimum(x.astype(np.intp), len(stops) - 2)
    frac = (x - k)[:, None]
    return np.rint(stops[k] * (1 - frac) + stops[k + 1] * frac).astype(np.uint8)


_RDBU_LUT = _lut(_RDBU, 255)  # 255 levels: t = 0.5 (a value of 0 on a signed map) is exactly white


def display_range(values: np.ndarray) -> tuple[float, float]:
    """The (lo, hi) that to_png_bytes maps to the ends of the colour map.

    Signed data (min < 0 < max or min < 0): symmetric around 0, (-m, m) with m = max |value|,
    so 0 is always the middle colour. Non-negative data: (min, max). Constant data: a range of 1.
    """
    values = np.asarray(values)
    return range_of(float(values.min()), float(values.max()))


def range_of(lo: float, hi: float) -> tuple[float, float]:
    """display_range from a map's minimum lo and maximum hi alone."""
    if lo < 0:
        m = max(-lo, hi)
        return (-m, m) if m > 0 else (-1.0, 1.0)
    return (lo, hi) if hi > lo else (lo, lo + 1.0)


def colorize(values: np.ndarray, cmap: str = "gray", vrange: tuple[float, float] | None = None) -> np.ndarray:
    """Map a 2-D array to uint8 colours.

    Arguments:
    values -- finite array of shape (H, W)
    cmap -- "gray", "RdBu" (negative red, positive blue) or "RdBu_r" (negative blue, positive red)
    vrange -- (lo, hi) mapped to the colour map's ends; default display_range(values)

    Returns:
    uint8 array of shape (H, W) for "gray", (H, W, 3) otherwise
    """
    if cmap not in CMAPS:
        raise ValueError(f"cmap={cmap!r} is unknown; use one of {', '.join(CMAPS)}")
    values = np.asarray(values, dtype=np.float64)
    if values.ndim != 2:
        raise ValueError(f"values must be 2-D (H, W), got shape {values.shape}")
    if not np.isfinite(values).all():
        raise ValueError("values contain NaN or infinity; they cannot be shown as colours")
    lo, hi = display_range(values) if vrange is None else vrange
    if not hi > lo:
        raise ValueError(f"vrange=({lo}, {hi}) must have lo < hi")
    t = np.clip((values - lo) / (hi - lo), 0.0, 1.0)  # (H, W) in [0, 1]
    if cmap == "gray":
        return np.rint(t * 255).astype(np.uint8)
    lut = _RDBU_LUT if cmap == "RdBu" else _RDBU_LUT[::-1]
    return lut[np.rint(t * (len(lut) - 1)).astype(np.intp)]  # (H, W, 3)


def to_png_bytes(array: np.ndarray, cmap: str = "gray", vrange: tuple[float, float] | None = None) -> bytes:
    """Encode an array as PNG for a download button.

    Arguments:
    array -- (H, W) or (H, W, 1): a map, coloured with cmap over display_range (signed maps are
             centred on 0, non-negative maps stretched min..max) or over vrange;
             (H, W, 3): an RGB image with values in [0, 1] (clipped), cmap ignored
    cmap -- "gray", "RdBu" or "RdBu_r" (see colorize)

    Returns:
    the PNG file's bytes
    """
    array = np.asarray(array)
    if array.ndim == 3 and array.shape[2] == 1:
        array = array[:, :, 0]
    if array.ndim == 3 and array.shape[2] == 3:
        if not np.isfinite(array).all():
            raise ValueError("array contains NaN or infinity; it cannot be saved as PNG")
        pixels = np.rint(np.clip(array, 0.0, 1.0) * 255).astype(np.uint8)
    elif array.ndim == 2:
        pixels = colorize(array, cmap, vrange)
    else:
        raise ValueError(f"array must have shape (H, W), (H, W, 1) or (H, W, 3), got {array.shape}")
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="PNG", compress_level=3)
    return buffer.getvalue()


def to_npy_bytes(array: np.ndarray) -> bytes:
    """The array as a .npy file's bytes (np.load(io.BytesIO(data)) gives it back; no pickle)."""
    buffer = io.BytesIO()
    np.save(buffer, np.asarray(array), allow_pickle=False)
    return buffer.getvalue()


# --- Samples ---------------------------------------------------------------------------------


def _checkerboard(size: tuple[int, int]) -> np.ndarray:
    n_H, n_W = size
    square = max(1, min(n_H, n_W) // 8)
    rows, cols = np.indices((n_H, n_W))
    return (((rows // square) + (cols // square)) % 2).astype(np.float32)[:, :, None]


def _disc(size: tuple[int, int]) -> np.ndarray:
    n_H, n_W = size
    rows, cols = np.indices((n_H, n_W), dtype=np.float32)
    radius = 0.3 * min(n_H, n_W)
    dist = np.hypot(rows - (n_H - 1) / 2, cols - (n_W - 1) / 2)
    return np.clip(radius + 0.5 - dist, 0.0, 1.0)[:, :, None]  # one-pixel anti-aliased edge


def _digit(size: tuple[int, int]) -> np.ndarray:
    """A handwritten-style 7 (white on black, like MNIST): thick strokes drawn 4x larger, blurred, reduced."""
    n_H, n_W = size
    s = 4
    canvas = Image.new("L", (n_W * s, n_H * s), 0)
    draw = ImageDraw.Draw(canvas)
    width = max(1, round(0.1 * min(n_H, n_W) * s))

    def p(x: float, y: float) -> tuple[float, float]:
        return x * n_W * s, y * n_H * s

    # A slightly wavy top bar, a curved down-stroke and a short cross bar, as a hand would draw it.
    draw.line([p(0.24, 0.24), p(0.45, 0.21), p(0.62, 0.22), p(0.76, 0.2)], fill=255, width=width, joint="curve")
    draw.line([p(0.76, 0.2), p(0.62, 0.45), p(0.52, 0.64), p(0.45, 0.82)], fill=255, width=width, joint="curve")
    draw.line([p(0.42, 0.52), p(0.72, 0.5)], fill=255, width=max(1, round(width * 0.8)))
    for x, y in (p(0.24, 0.24), p(0.45, 0.82)):  # round stroke ends
        r = width / 2
        draw.ellipse([x - r, y - r, x + r, y + r], fill=255)
    canvas = canvas.filter(ImageFilter.GaussianBlur(radius=s * 0.8)).resize((n_W, n_H), Image.Resampling.BOX)
    return (np.asarray(canvas, dtype=np.float32) / 255.0)[:, :, None]


def _scene(size: tuple[int, int]) -> np.ndarray:
    """A photo-like RGB scene: sky gradient, sun, two hills, a house with roof, door and window, light noise."""
    n_H, n_W = size
    rows, cols = np.indices((n_H, n_W), dtype=np.float32)
    y, x = rows / max(1, n_H - 1), cols / max(1, n_W - 1)  # (n_H, n_W) in [0, 1]
    top, horizon = np.array([0.25, 0.45, 0.85]), np.array([0.75, 0.85, 0.95])
    img = top + (horizon - top) * y[:, :, None]  # (n_H, n_W, 3) sky
    sun = np.hypot((x - 0.78) * n_W, (y - 0.2) * n_H) < 0.08 * min(n_H, n_W) + 0.5
    img[sun] = (1.0, 0.9, 0.45)
    far = y > 0.58 + 0.08 * np.sin(2 * np.pi * (x * 1.3 + 0.1))
    img[far] = (0.35, 0.55, 0.3)
    near = y > 0.72 + 0.06 * np.sin(2 * np.pi * (x * 0.8 + 0.6))
    img[near] = (0.25, 0.5, 0.2)
    img[near] *= (0.85 + 0.25 * y[near])[:, None]  # brighter towards the viewer
    wall = (x > 0.22) & (x < 0.46) & (y > 0.55) & (y < 0.82)
    img[wall] = (0.85, 0.78, 0.65)
    roof = (y > 0.40) & (y <= 0.55) & (np.abs(x - 0.34) < 0.14 * (y - 0.40) / 0.15)
    img[roof] = (0.65, 0.2, 0.15)
    img[(x > 0.31) & (x < 0.37) & (y > 0.68) & (y < 0.82)] = (0.35, 0.22, 0.12)  # door
    img[(x > 0.39) & (x < 0.44) & (y > 0.6) & (y < 0.66)] = (0.55, 0.75, 0.9)  # window
    noise = np.random.default_rng(0).normal(0.0, 0.02, size=img.shape)  # sensor-like grain
    return np.clip(img + noise, 0.0, 1.0).astype(np.float32)


_SAMPLES: dict[str, tuple[Callable[[tuple[int, int]], np.ndarray], tuple[int, int], str]] = {
    "checkerboard": (_checkerboard, (128, 128), "Checkerboard (edges in both directions)"),
    "disc": (_disc, (128, 128), "Disc (edges at every angle)"),
    "digit": (_digit, (128, 128), "Handwritten-style 7"),
    "scene": (_scene, (192, 256), "Photo-like scene (sky, sun, hills, house)"),
}
SAMPLE_NAMES: tuple[str, ...] = tuple(_SAMPLES)
SAMPLE_LABELS: dict[str, str] = {name: label for name, (_, _, label) in _SAMPLES.items()}


def sample_image(name: str, size: tuple[int, int] | None = None) -> np.ndarray:
    """A built-in sample image, generated in code (deterministic: same name and size, same pixels).

    Arguments:
    name -- one of SAMPLE_NAMES: "checkerboard", "disc", "digit" (gray, 128x128 by default),
            "scene" (RGB, 192x256 by default)
    size -- (n_H, n_W), rows and columns, each at least 8; default as above

    Returns:
    float32 array of shape (n_H, n_W, 1) or (n_H, n_W, 3), values in [0, 1]
    """
    if name not in _SAMPLES:
        raise ValueError(f"Unknown sample {name!r}; choose one of {', '.join(SAMPLE_NAMES)}")
    make, default, _ = _SAMPLES[name]
    n_H, n_W = default if size is None else size
    if not (isinstance(n_H, int) and isinstance(n_W, int)) or n_H < 8 or n_W < 8 or n_H * n_W > 4_000_000:
        raise ValueError(f"size=({n_H}, {n_W}) must be whole numbers, each >= 8 and at most 4 megapixels in all")
    return make((n_H, n_W))


SAMPLES: dict[str, Callable[[], np.ndarray]] = {name: (lambda name=name: sample_image(name)) for name in SAMPLE_NAMES}
