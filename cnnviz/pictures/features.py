"""The Feature maps lesson's computation: image -> conv -> ReLU -> pool at full working resolution.

Uses `cnnviz.core.fast` (the vectorized twins of the course functions, equal to `cnnviz.core.layers` by
test), so a 1024x768 photo through eight filters takes well under a second. No Streamlit, no Plotly.
"""

from __future__ import annotations

import io
import re
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from cnnviz.core import fast, windows
from cnnviz.core.errors import InputError
from cnnviz.pictures.images import colorize, range_of, to_png_bytes

Progress = Callable[[float, str], None]


@dataclass(frozen=True)
class FeatureMaps:
    """One image through a bank of filters (the batch axis m = 1 dropped).

    Z -- conv output, float64, shape (n_H, n_W, n_C)
    relu -- max(Z, 0), shape (n_H, n_W, n_C): derived from Z on each access, not stored, so a cached
            FeatureMaps holds one full-size float64 array, not two (~50 MB less at 1024x768, 8 filters)
    pooled -- pool_forward(relu), shape (n_H_pool, n_W_pool, n_C)
    shapes -- {"input": (H, W, C), "W": (f, f, C, n_C), "Z": ..., "relu": ..., "pooled": ...}
    hparameters -- {"stride", "pad"} of the convolution and {"f", "stride"} of the pooling
    mode -- "max" or "average"
    timings -- seconds per stage: {"conv", "relu", "pool", "total"}
    """

    Z: np.ndarray
    pooled: np.ndarray
    shapes: dict[str, tuple[int, ...]]
    hparameters: dict[str, dict[str, int]]
    mode: str
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def relu(self) -> np.ndarray:
        return np.maximum(self.Z, 0.0)


def same_pad(f: int) -> int:
    """pad = (f - 1) // 2: keeps n_H = n_H_prev at stride 1 for odd f (one row/column less for even f)."""
    return (f - 1) // 2


def compute_feature_maps(
    image: np.ndarray,
    W: np.ndarray,
    b: np.ndarray | None = None,
    stride: int = 1,
    pad: int | None = None,
    pool_f: int = 2,
    pool_stride: int = 2,
    mode: str = "max",
    progress: Progress | None = None,
) -> FeatureMaps:
    """conv_forward -> ReLU -> pool_forward on one image, with cnnviz.core.fast.

    Shapes: n_H = floor((H + 2*pad - f) / stride) + 1 (same for n_W);
    n_H_pool = floor((n_H - pool_f) / pool_stride) + 1.

    Arguments:
    image -- shape (H, W, C), finite values (an image in [0, 1])
    W -- filters, shape (f, f, C, n_C) (kernels.kernel_bank)
    b -- biases, shape (1, 1, 1, n_C); default zeros
    stride, pad -- the convolution's; pad=None means same_pad(f) = (f - 1) // 2
    pool_f, pool_stride, mode -- the pooling's ("max" or "average")
    progress -- called as progress(fraction in [0, 1], "what is happening") between stages

    Returns:
    FeatureMaps with Z, relu of shape (n_H, n_W, n_C) and pooled of shape (n_H_pool, n_W_pool, n_C)

    Raises:
    ValueError -- with the numbers: bad shapes, f larger than the padded image, pool_f larger than
                  the conv output, unknown mode
    """
    start = time.perf_counter()
    image = np.asarray(image)
    if image.ndim != 3:
        raise ValueError(f"image must be 3-D (H, W, C), got shape {image.shape}; add a channel axis with [:, :, None]")
    if not np.isfinite(image).all():
        raise ValueError("image contains NaN or infinity; load it with cnnviz.pictures.images.load_image")
    W = np.asarray(W)
    f = windows.check_4d("W", W, "(f, f, n_C_prev, n_C)")[0]
    n_C = W.shape[3]
    b = np.zeros((1, 1, 1, n_C)) if b is None else np.asarray(b)
    pad = same_pad(f) if pad is None else pad
    conv_hp = {"stride": stride, "pad": pad}
    pool_hp = {"f": pool_f, "stride": pool_stride}

    A_prev = image[None]  # (1, H, W, C), a view: fast only reads it
    windows.check_conv(A_prev, W, b, conv_hp)
    conv_shape = windows.conv_out_shape(A_prev.shape, W.shape, stride, pad)  # (1, n_H, n_W, n_C)
    try:  # validate the pooling before the expensive convolution, on a zero-byte stand-in
        windows.check_pool(np.broadcast_to(np.float64(0), conv_shape), pool_hp, mode)
    except ValueError as exc:
        raise InputError(f"Pooling the {conv_shape[1]}x{conv_shape[2]} conv output: {exc}") from None

    def report(fraction: float, text: str) -> None:
        if progress is not None:
            progress(fraction, text)

    timings: dict[str, float] = {}
    report(0.0, f"Convolving {n_C} filter{'s' if n_C != 1 else ''} of {f}x{f} over {image.shape[0]}x{image.shape[1]}")
    t = time.perf_counter()
    Z, _ = fast.conv_forward(A_prev, W, b, conv_hp)  # (1, n_H, n_W, n_C)
    timings["conv"] = time.perf_counter() - t

    report(0.8, "ReLU")
    t = time.perf_counter()
    relu = np.maximum(Z, 0.0)
    timings["relu"] = time.perf_counter() - t

    report(0.85, f"{mode.capitalize()} pooling {pool_f}x{pool_f}, stride {pool_stride}")
    t = time.perf_counter()
    pooled, _ = fast.pool_forward(relu, pool_hp, mode)  # (1, n_H_pool, n_W_pool, n_C)
    timings["pool"] = time.perf_counter() - t
    timings["total"] = time.perf_counter() - start
    report(1.0, "Done")

    shapes = {
        "input": tuple(image.shape),
        "W": tuple(W.shape),
        "Z": tuple(Z.shape[1:]),
        "relu": tuple(relu.shape[1:]),
        "pooled": tuple(pooled.shape[1:]),
    }
    return FeatureMaps(Z[0], pooled[0], shapes, {"conv": conv_hp, "pool": pool_hp}, mode, timings)


def preview_crop(image: np.ndarray, size: int = 16, center: tuple[int, int] | None = None) -> np.ndarray:
    """A small image for the step-by-step animation.

    center=None: the whole image downscaled (area average) so its longer side is `size`;
    center=(row, col): the size x size crop around that pixel, shifted to stay inside the image.
    Images already within size x size come back unchanged (as a copy).

    Arguments:
    image -- shape (H, W, C)
    size -- longest side of the preview, 2..64
    center -- (row, col) in image coordinates, or None

    Returns:
    preview -- new float64 array of shape (H', W', C), max(H', W') <= size
    """
    image = np.asarray(image)
    if image.ndim != 3:
        raise ValueError(f"image must be 3-D (H, W, C), got shape {image.shape}")
    if isinstance(size, bool) or not isinstance(size, int) or not 2 <= size <= 64:
        raise ValueError(f"size={size!r} must be a whole number from 2 to 64")
    n_H, n_W, n_C = image.shape
    if n_H <= size and n_W <= size:
        return image.astype(np.float64)
    if center is not None:
        row, col = center
        if not (0 <= row < n_H and 0 <= col < n_W):
            raise ValueError(f"center=({row}, {col}) is outside the {n_H}x{n_W} image")
        top = min(max(0, row - size // 2), max(0, n_H - size))
        left = min(max(0, col - size // 2), max(0, n_W - size))
        return image[top : top + size, left : left + size].astype(np.float64)
    ratio = size / max(n_H, n_W)
    new_w, new_h = max(1, round(n_W * ratio)), max(1, round(n_H * ratio))
    channels = [
        np.asarray(
            Image.fromarray(np.ascontiguousarray(image[:, :, k], dtype=np.float32), mode="F").resize(
                (new_w, new_h), Image.Resampling.BOX
            )
        )
        for k in range(n_C)
    ]
    return np.stack(channels, axis=-1).astype(np.float64)  # (new_h, new_w, n_C)


def maps_grid_png(
    maps: np.ndarray,
    labels: list[str] | None = None,
    cols: int = 4,
    cmap: str = "gray",
    max_tile: int = 256,
) -> bytes:
    """Tile feature maps into one PNG: one tile per channel, each scaled on its own (display_range).

    Arguments:
    maps -- shape (n_H, n_W, n_C)
    labels -- n_C captions drawn above the tiles (e.g. kernel names), or None
    cols -- tiles per row
    cmap -- "gray", "RdBu" or "RdBu_r" (images.colorize)
    max_tile -- tiles are downscaled (area average) so their longer side is at most this

    Returns:
    the PNG file's bytes
    """
    maps = np.asarray(maps)
    if maps.ndim != 3:
        raise ValueError(f"maps must be 3-D (n_H, n_W, n_C), got shape {maps.shape}")
    n_H, n_W, n_C = maps.shape
    if labels is not None and len(labels) != n_C:
        raise ValueError(f"labels has {len(labels)} entries for {n_C} maps; give one per map")
    cols = max(1, min(cols, n_C))
    rows = -(-n_C // cols)
    scale = min(1.0, max_tile / max(n_H, n_W))
    tile_w, tile_h = max(1, round(n_W * scale)), max(1, round(n_H * scale))
    gap, caption = 4, (14 if labels else 0)
    sheet = Image.new("RGB", (cols * (tile_w + gap) + gap, rows * (tile_h + caption + gap) + gap), "white")
    draw = ImageDraw.Draw(sheet)
    planes = np.ascontiguousarray(np.moveaxis(maps, 2, 0), dtype=np.float32)  # (n_C, n_H, n_W)
    lows, highs = planes.reshape(n_C, -1).min(axis=1), planes.reshape(n_C, -1).max(axis=1)  # (n_C,) each
    for c in range(n_C):
        r, k = divmod(c, cols)
        x, y = gap + k * (tile_w + gap), gap + r * (tile_h + caption + gap)
        # Shrink first (area average), colour after, over the full map's range: fast for big maps.
        small = Image.fromarray(planes[c], mode="F")
        if (tile_w, tile_h) != (n_W, n_H):
            small = small.resize((tile_w, tile_h), Image.Resampling.BOX)
        pixels = colorize(np.asarray(small), cmap, range_of(float(lows[c]), float(highs[c])))
        tile = Image.fromarray(pixels).convert("RGB")
        sheet.paste(tile, (x, y + caption))
        if labels:
            draw.text((x, y), str(labels[c])[:40], fill="black")
    buffer = io.BytesIO()
    sheet.save(buffer, format="PNG", compress_level=1)
    return buffer.getvalue()


# --- On screen: each map as a small image with its own colour bar ----------------------------

BAR_H = 8  # colour bar height, pixels
BAR_SPACE = 4 + BAR_H + 2 + 3 + 16  # rows the colour bar adds under a map: gap, bar and frame, ticks, labels
OVERSHOOT = 1.15  # display_scale may make a map this much longer than max_side to keep a whole-number zoom
_TEXT = 60  # gray level of labels and ticks
_FRAME = 190  # gray level of the 1-pixel frame around the map and the bar


@dataclass(frozen=True)
class Tile:
    """One feature map drawn for the screen.

    png -- the PNG file's bytes: the map resized by `scale`, framed, and its colour bar below it
    vrange -- (lo, hi): the values at the bottom and the top of the colour bar
    shape -- (n_H, n_W) of the map at full resolution
    shown -- (rows, cols) of the map as drawn
    """

    png: bytes
    vrange: tuple[float, float]
    shape: tuple[int, int]
    shown: tuple[int, int]


def display_scale(n_H: int, n_W: int, max_side: int = 256) -> float:
    """Screen pixels per map pixel so that the longer side is about max_side (at most OVERSHOOT x max_side).

    Maps longer than OVERSHOOT x max_side shrink to max_side (scale < 1, area average); others grow
    by a whole number (each value becomes a crisp k x k block, never a blur), k >= 1, as large as
    keeps the longer side within OVERSHOOT x max_side: a 128-pixel map is shown at 256 for max_side=240.
    """
    if isinstance(max_side, bool) or not isinstance(max_side, int) or max_side < 1:
        raise ValueError(f"max_side={max_side!r} must be a whole number >= 1")
    if min(int(n_H), int(n_W)) < 1:
        raise ValueError(f"the map is {n_H}x{n_W}; it needs at least one row and one column")
    side = max(int(n_H), int(n_W))
    if side > OVERSHOOT * max_side:
        return max_side / side
    return float(max(1, int(OVERSHOOT * max_side // side)))


def _resized(plane: np.ndarray, scale: float) -> np.ndarray:
    """plane (n_H, n_W) -> (round(n_H * scale), round(n_W * scale)), at least 1x1: area average down, blocks up."""
    n_H, n_W = plane.shape
    size = (max(1, round(n_W * scale)), max(1, round(n_H * scale)))  # PIL: (width, height)
    if size == (n_W, n_H):
        return np.asarray(plane, dtype=np.float32)
    resample = Image.Resampling.BOX if scale < 1 else Image.Resampling.NEAREST
    small = Image.fromarray(np.ascontiguousarray(plane, dtype=np.float32), mode="F").resize(size, resample)
    return np.asarray(small)


def _tick(v: float) -> str:
    return "0" if v == 0 else f"{v:.3g}"


def tile_png(
    values: np.ndarray,
    scale: float,
    cmap: str = "gray",
    vrange: tuple[float, float] | None = None,
    colorbar: bool = True,
) -> tuple[bytes, tuple[int, int]]:
    """Draw one map for the screen: resized by `scale`, a 1-pixel frame, its colour bar below with three labels.

    Arguments:
    values -- finite map of shape (n_H, n_W)
    scale -- screen pixels per map pixel (display_scale)
    cmap -- "gray", "RdBu" or "RdBu_r" (images.colorize)
    vrange -- (lo, hi) for the colour map's ends; default images.display_range(values)
    colorbar -- draw the bar (lo on the left, hi on the right) and its labels (lo, middle, hi) under the map;
                it adds BAR_SPACE rows, and the tile is at least wide enough for the labels

    Returns:
    png -- the PNG file's bytes (mode L for "gray", RGB otherwise)
    shown -- (rows, cols) of the map as drawn
    """
    values = np.asarray(values)
    if values.ndim != 2:
        raise ValueError(f"values must be 2-D (n_H, n_W), got shape {values.shape}")
    if not scale > 0:
        raise ValueError(f"scale={scale!r} must be > 0")
    vrange = range_of(float(values.min()), float(values.max())) if vrange is None else vrange
    pixels = colorize(_resized(values, scale), cmap, vrange)  # (h, w) or (h, w, 3)
    h, w = pixels.shape[:2]
    mode = "L" if cmap == "gray" else "RGB"
    white, text, frame = (255, _TEXT, _FRAME) if mode == "L" else ((255,) * 3, (_TEXT,) * 3, (_FRAME,) * 3)
    lo, hi = vrange
    labels = [_tick(lo), _tick((lo + hi) / 2), _tick(hi)]
    font = ImageFont.load_default(size=11)
    widths = [font.getbbox(label)[2] for label in labels]  # right edge of the ink, from the pen position
    width = max(w + 2, int(sum(widths)) + 24) if colorbar else w + 2
    canvas = Image.new(mode, (width, h + 2 + (BAR_SPACE if colorbar else 0)), white)
    canvas.paste(Image.fromarray(pixels, mode=mode), (1, 1))
    draw = ImageDraw.Draw(canvas)
    draw.rectangle((0, 0, w + 1, h + 1), outline=frame)
    if colorbar:
        y0 = h + 2 + 4  # the bar's frame, 4 pixels under the map's
        ramp = np.linspace(lo, hi, width - 2)[None, :].repeat(BAR_H, axis=0)  # (BAR_H, width - 2), lo on the left
        canvas.paste(Image.fromarray(colorize(ramp, cmap, vrange), mode=mode), (1, y0 + 1))
        draw.rectangle((0, y0, width - 1, y0 + BAR_H + 1), outline=frame)
        for label, label_w, x in zip(labels, widths, (0, (width - 1) // 2, width - 1), strict=True):
            draw.line((x, y0 + BAR_H + 2, x, y0 + BAR_H + 4), fill=text)
            left = min(max(0, x - label_w // 2), width - 1 - label_w)
            draw.text((left, y0 + BAR_H + 5), label, fill=text, font=font)
    buffer = io.BytesIO()
    canvas.save(buffer, format="PNG", compress_level=1)
    return buffer.getvalue(), (h, w)


def feature_tiles(maps: FeatureMaps, max_side: int = 256, progress: Progress | None = None) -> list[dict[str, Tile]]:
    """Every filter's maps drawn for the screen, all three at the scale of its conv output Z.

    Z is signed: "RdBu_r" centred on 0 (negative blue, positive red, 0 white) over (-m, m),
    m = max |Z[:, :, c]| (in float32, as drawn). After ReLU and after pooling: "gray" from 0 (black)
    to max(relu[:, :, c]) (white), the same range for both, so a max pool keeps the brightness and
    an average pool dims it.
    At one scale for the three, the pooled map looks as much smaller as it is.

    Arguments:
    maps -- FeatureMaps (Z, relu of shape (n_H, n_W, n_C), pooled of shape (n_H_pool, n_W_pool, n_C))
    max_side -- the conv output's longer side on screen, about (display_scale)
    progress -- called as progress(fraction, text) after each filter

    Returns:
    tiles -- n_C dicts {"Z": Tile, "relu": Tile, "pooled": Tile}
    """
    n_H, n_W, n_C = maps.Z.shape
    scale = display_scale(n_H, n_W, max_side)
    # Channel-first float32 copies, one pass per stage (PIL's "F" images are float32; a strided
    # plane per filter would cost a pass each). ReLU from Z, plane by plane: the values of maps.relu.
    planes = {"Z": np.ascontiguousarray(np.moveaxis(maps.Z, 2, 0), dtype=np.float32)}  # (n_C, n_H, n_W)
    planes["pooled"] = np.ascontiguousarray(
        np.moveaxis(maps.pooled, 2, 0), dtype=np.float32
    )  # (n_C, n_H_pool, n_W_pool)
    z_hi = planes["Z"].max(axis=(1, 2)).astype(np.float64)  # (n_C,)
    z_max = np.maximum(z_hi, -planes["Z"].min(axis=(1, 2)))  # (n_C,) max |Z|
    relu_max = np.maximum(z_hi, 0.0)  # (n_C,) max(relu) = max(max(Z), 0)
    tiles = []
    for c in range(n_C):
        ranges = {
            "Z": (-float(z_max[c]), float(z_max[c])) if z_max[c] > 0 else (-1.0, 1.0),
            "relu": (0.0, float(relu_max[c])) if relu_max[c] > 0 else (0.0, 1.0),
        }
        ranges["pooled"] = ranges["relu"]
        row = {}
        for stage, cmap in (("Z", "RdBu_r"), ("relu", "gray"), ("pooled", "gray")):
            plane = np.maximum(planes["Z"][c], 0) if stage == "relu" else planes[stage][c]  # (rows, cols)
            png, shown = tile_png(plane, scale, cmap, ranges[stage])
            row[stage] = Tile(png, ranges[stage], plane.shape, shown)
        tiles.append(row)
        if progress is not None:
            progress((c + 1) / n_C, f"Drawing the maps of filter {c + 1} of {n_C}")
    return tiles


def image_png(image: np.ndarray, scale: float) -> tuple[bytes, tuple[int, int]]:
    """The input image for the screen: resized by `scale` (display_scale), framed.

    Arguments:
    image -- shape (H, W, 1) or (H, W, 3), values in [0, 1]

    Returns:
    png -- the PNG file's bytes; shown -- (rows, cols) as drawn
    """
    image = np.asarray(image)
    if image.ndim != 3 or image.shape[2] not in (1, 3):
        raise ValueError(f"image must have shape (H, W, 1) or (H, W, 3), got {image.shape}")
    planes = [_resized(image[:, :, k], scale) for k in range(image.shape[2])]
    pixels = np.rint(np.clip(np.stack(planes, axis=-1), 0.0, 1.0) * 255).astype(np.uint8)  # (h, w, C)
    h, w = pixels.shape[:2]
    mode = "L" if image.shape[2] == 1 else "RGB"
    canvas = Image.new(mode, (w + 2, h + 2), _FRAME if mode == "L" else (_FRAME,) * 3)
    canvas.paste(Image.fromarray(pixels[:, :, 0] if mode == "L" else pixels, mode=mode), (1, 1))
    buffer = io.BytesIO()
    canvas.save(buffer, format="PNG", compress_level=3)
    return buffer.getvalue(), (h, w)


def maps_zip(maps: FeatureMaps, labels: list[str]) -> bytes:
    """Every map as a PNG in one zip: for each stage a grid (maps_grid_png) and one full-size PNG per filter.

    Files: "Z_grid.png", "Z/00_<label>.png", ... and the same for "relu" and "pooled"; colours as
    feature_tiles ("RdBu_r" centred on 0 for Z; gray from 0 for relu and pooled).

    Arguments:
    maps -- FeatureMaps with n_C filters; labels -- n_C names (kernel names)

    Returns:
    the zip file's bytes (stored: PNG is already compressed)
    """
    n_C = maps.Z.shape[2]
    if len(labels) != n_C:
        raise ValueError(f"labels has {len(labels)} entries for {n_C} maps; give one per map")
    relu = maps.relu  # derived on access: once here, not once per map
    stacks = {"Z": maps.Z, "relu": relu, "pooled": maps.pooled}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for stage, cmap in (("Z", "RdBu_r"), ("relu", "gray"), ("pooled", "gray")):
            stack = stacks[stage]  # (rows, cols, n_C)
            archive.writestr(f"{stage}_grid.png", maps_grid_png(stack, labels, cmap=cmap))
            for c, label in enumerate(labels):
                plane = stack[:, :, c]
                top = float(np.abs(plane).max()) if stage == "Z" else float(relu[:, :, c].max())
                vrange = ((-top, top) if stage == "Z" else (0.0, top)) if top > 0 else None
                name = re.sub(r"[^A-Za-z0-9]+", "_", label).strip("_") or "filter"
                archive.writestr(f"{stage}/{c:02d}_{name}.png", to_png_bytes(plane, cmap, vrange))
    return buffer.getvalue()
