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
from cnnviz.pictures.images import colorize, to_png_bytes

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


# --- Colours: one rule for the page and every download ----------------------------------------


@dataclass(frozen=True)
class ColourRule:
    """How a map's values become colours.

    kind -- "diverging" (a signed map: blue < 0, white = 0, red > 0, centred on 0) or "sequential"
            (a never-negative map: black = 0 up to white = its largest value)
    cmap -- the images.colorize name: "RdBu_r" or "gray"
    vrange -- (lo, hi) mapped to the colour map's ends: (-m, m), m = max |value|, or (0, max)
    """

    kind: str
    cmap: str
    vrange: tuple[float, float]

    @property
    def legend(self) -> str:
        lo, hi = self.vrange
        if self.kind == "diverging":
            return f"diverging, centred on 0: blue < 0, white = 0, red > 0 (±{hi:.3g})"
        return f"sequential (never negative): black = 0 up to white = {hi:.3g}"


def colour_rule(lo: float, hi: float) -> ColourRule:
    """The colour rule for a map whose smallest value is lo and largest hi (the one place it is decided).

    A map with any negative value is signed: diverging "RdBu_r" over (-m, m), m = max(-lo, hi), so 0
    is white. A map that is never negative (a blur's Z, any ReLU or pooled map): sequential "gray"
    over (0, hi), 0 black. All-zero maps get (0, 1): black.
    """
    lo, hi = float(lo), float(hi)
    if lo < 0:
        m = max(-lo, hi)
        return ColourRule("diverging", "RdBu_r", (-m, m))
    return ColourRule("sequential", "gray", (0.0, hi) if hi > 0 else (0.0, 1.0))


def stage_rules(maps: FeatureMaps) -> list[dict[str, ColourRule]]:
    """Each filter's colour rules for "Z", "relu" and "pooled", as the page and the downloads use them.

    Z by its own values; ReLU and pooled by the ReLU map's (never negative: sequential from 0), the
    same range for both, so a max pool keeps the brightness and an average pool dims it.
    Statistics in float32, as drawn. Returns n_C dicts.
    """
    Z = maps.Z  # (n_H, n_W, n_C)
    z_lo = Z.min(axis=(0, 1))  # (n_C,)
    z_hi = Z.max(axis=(0, 1))  # (n_C,)
    rules = []
    for c in range(Z.shape[2]):
        relu = colour_rule(0.0, max(float(z_hi[c]), 0.0))  # relu's min is 0 (or above), its max max(Z, 0)
        rules.append({"Z": colour_rule(z_lo[c], z_hi[c]), "relu": relu, "pooled": relu})
    return rules


def colour_stops(cmap: str, steps: int = 11) -> list[tuple[float, str]]:
    """The colour map as (t, "rgb(r,g,b)") stops, t from 0 (lo) to 1 (hi): the grid's colours, for HTML and Plotly."""
    t = np.linspace(0.0, 1.0, steps)
    ramp = colorize(t[None, :], cmap, (0.0, 1.0))[0]  # (steps,) or (steps, 3)
    colours = [f"rgb({v},{v},{v})" if np.ndim(v) == 0 else "rgb({},{},{})".format(*v) for v in ramp]
    return list(zip(t.tolist(), colours, strict=True))


def css_gradient(cmap: str, steps: int = 11) -> str:
    """The colour map as a CSS linear-gradient (left = lo, right = hi), for a colour bar drawn in HTML."""
    return "linear-gradient(to right, " + ", ".join(c for _, c in colour_stops(cmap, steps)) + ")"


# --- Display scaling: thin edges stay visible ------------------------------------------------


def shrink_extreme(plane: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Downscale a map by keeping, for every display pixel, the value of largest magnitude it covers.

    Signed-extreme pooling: each output pixel covers a block of about (n_H / rows) x (n_W / cols)
    map values and shows the one farthest from 0, sign kept (the block's max, or its min when
    |min| > max). A one-pixel edge survives at full strength, where an area average would divide it
    by the block's size. For a never-negative map this is the block's max.

    Arguments:
    plane -- finite map of shape (n_H, n_W)
    size -- (rows, cols) of the result, each 1..n_H, 1..n_W

    Returns:
    float32 array of shape (rows, cols)
    """
    plane = np.asarray(plane, dtype=np.float32)
    n_H, n_W = plane.shape
    rows, cols = size
    if not (1 <= rows <= n_H and 1 <= cols <= n_W):
        raise ValueError(f"size={size} must be within the map's {n_H}x{n_W} (this only shrinks)")
    r0 = (np.arange(rows) * n_H) // rows  # (rows,) first map row of each display row
    c0 = (np.arange(cols) * n_W) // cols  # (cols,)
    hi = np.maximum.reduceat(np.maximum.reduceat(plane, r0, axis=0), c0, axis=1)  # (rows, cols)
    lo = np.minimum.reduceat(np.minimum.reduceat(plane, r0, axis=0), c0, axis=1)  # (rows, cols)
    return np.where(-lo > hi, lo, hi)


def maps_grid_png(
    maps: np.ndarray,
    labels: list[str] | None = None,
    cols: int = 4,
    rules: list[ColourRule] | None = None,
    max_tile: int = 512,
    scale: float | None = None,
    title: str = "",
) -> bytes:
    """Tile feature maps into one PNG: one tile per channel, coloured by its rule (colour_rule).

    Arguments:
    maps -- shape (n_H, n_W, n_C)
    labels -- n_C captions drawn above the tiles (e.g. "c = 0: Sobel x"), or None
    cols -- tiles per row
    rules -- n_C ColourRules (default colour_rule of each map's own min and max)
    max_tile -- without `scale`, tiles are downscaled (shrink_extreme) so their longer side is at most this
    scale -- tile pixels per map pixel (at most 1), e.g. Z's, so a pooled grid is drawn at its size relative to Z
    title -- a line drawn above the tiles (what the maps are, their size)

    Returns:
    the PNG file's bytes
    """
    maps = np.asarray(maps)
    if maps.ndim != 3:
        raise ValueError(f"maps must be 3-D (n_H, n_W, n_C), got shape {maps.shape}")
    n_H, n_W, n_C = maps.shape
    if labels is not None and len(labels) != n_C:
        raise ValueError(f"labels has {len(labels)} entries for {n_C} maps; give one per map")
    if rules is not None and len(rules) != n_C:
        raise ValueError(f"rules has {len(rules)} entries for {n_C} maps; give one per map")
    cols = max(1, min(cols, n_C))
    rows = -(-n_C // cols)
    scale = min(1.0, max_tile / max(n_H, n_W)) if scale is None else min(1.0, scale)
    tile_w, tile_h = max(1, round(n_W * scale)), max(1, round(n_H * scale))
    font = ImageFont.load_default(size=14)
    gap, caption, head = 6, (20 if labels else 0), (26 if title else 0)
    width = max(cols * (tile_w + gap) + gap, 16 + round(font.getlength(title)))
    sheet = Image.new("RGB", (width, head + rows * (tile_h + caption + gap) + gap), "white")
    draw = ImageDraw.Draw(sheet)
    if title:
        draw.text((gap, 5), title, fill="black", font=font)
    planes = np.ascontiguousarray(np.moveaxis(maps, 2, 0), dtype=np.float32)  # (n_C, n_H, n_W)
    for c in range(n_C):
        r, k = divmod(c, cols)
        x, y = gap + k * (tile_w + gap), head + gap + r * (tile_h + caption + gap)
        rule = colour_rule(planes[c].min(), planes[c].max()) if rules is None else rules[c]
        small = planes[c] if (tile_h, tile_w) == (n_H, n_W) else shrink_extreme(planes[c], (tile_h, tile_w))
        tile = Image.fromarray(colorize(small, rule.cmap, rule.vrange)).convert("RGB")
        sheet.paste(tile, (x, y + caption))
        if labels:
            draw.text((x, y + 2), str(labels[c])[:60], fill="black", font=font)
    buffer = io.BytesIO()
    sheet.save(buffer, format="PNG", compress_level=1)
    return buffer.getvalue()


# --- On screen: each map as an image that fills its column -----------------------------------

TILE_SIDE = 560  # a map's longer side in its PNG: about a column's width at 1920 (the browser fits it)
OVERSHOOT = 1.15  # display_scale may make a map this much longer than max_side to keep a whole-number zoom
_FRAME = 190  # gray level of the 1-pixel frame around the input image


@dataclass(frozen=True)
class Tile:
    """One feature map drawn for the screen.

    png -- the PNG file's bytes: the map resized by `scale` (shrink_extreme down, k x k blocks up)
    rule -- its ColourRule (the page draws the colour bar and legend from it)
    shape -- (n_H, n_W) of the map at full resolution
    shown -- (rows, cols) of the map as drawn
    """

    png: bytes
    rule: ColourRule
    shape: tuple[int, int]
    shown: tuple[int, int]

    @property
    def vrange(self) -> tuple[float, float]:
        return self.rule.vrange


def display_scale(n_H: int, n_W: int, max_side: int = TILE_SIDE) -> float:
    """Screen pixels per map pixel so that the longer side is about max_side (at most OVERSHOOT x max_side).

    Maps longer than OVERSHOOT x max_side shrink to max_side (scale < 1, shrink_extreme); others grow
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


def _resized(plane: np.ndarray, scale: float, extreme: bool = True) -> np.ndarray:
    """plane (n_H, n_W) -> (round(n_H * scale), round(n_W * scale)), at least 1x1.

    Down: shrink_extreme for maps (extreme=True), area average for photos; up: k x k blocks.
    """
    n_H, n_W = plane.shape
    size = (max(1, round(n_W * scale)), max(1, round(n_H * scale)))  # PIL: (width, height)
    if size == (n_W, n_H):
        return np.asarray(plane, dtype=np.float32)
    if scale < 1 and extreme:
        return shrink_extreme(plane, (min(size[1], n_H), min(size[0], n_W)))
    resample = Image.Resampling.BOX if scale < 1 else Image.Resampling.NEAREST
    small = Image.fromarray(np.ascontiguousarray(plane, dtype=np.float32), mode="F").resize(size, resample)
    return np.asarray(small)


def tile_png(
    values: np.ndarray, scale: float, rule: ColourRule | None = None, canvas: tuple[int, int] | None = None
) -> tuple[bytes, tuple[int, int]]:
    """Draw one map for the screen: resized by `scale` (display_scale), coloured by its rule.

    Arguments:
    values -- finite map of shape (n_H, n_W)
    scale -- screen pixels per map pixel (display_scale)
    rule -- its ColourRule; default colour_rule(values.min(), values.max())
    canvas -- (rows, cols): draw the map in the top-left corner of a transparent canvas this large
              (the pooled map on Z's canvas, so a page that fits the PNG to a column shows it at its
              size relative to Z); None: the PNG is the map alone

    Returns:
    png -- the PNG file's bytes (mode L for sequential maps, RGB for diverging; RGBA on a canvas)
    shown -- (rows, cols) of the map as drawn
    """
    values = np.asarray(values)
    if values.ndim != 2:
        raise ValueError(f"values must be 2-D (n_H, n_W), got shape {values.shape}")
    if not scale > 0:
        raise ValueError(f"scale={scale!r} must be > 0")
    rule = colour_rule(values.min(), values.max()) if rule is None else rule
    pixels = colorize(_resized(values, scale), rule.cmap, rule.vrange)  # (h, w) or (h, w, 3)
    picture = Image.fromarray(pixels)
    if canvas is not None:
        rows, cols = max(canvas[0], pixels.shape[0]), max(canvas[1], pixels.shape[1])
        sheet = Image.new("RGBA", (cols, rows), (0, 0, 0, 0))
        ImageDraw.Draw(sheet).rectangle((0, 0, cols - 1, rows - 1), outline=(200, 200, 200, 255))  # Z's footprint
        sheet.paste(picture.convert("RGBA"), (0, 0))
        picture = sheet
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG", compress_level=1)
    return buffer.getvalue(), pixels.shape[:2]


def feature_tiles(
    maps: FeatureMaps, max_side: int = TILE_SIDE, progress: Progress | None = None
) -> list[dict[str, Tile]]:
    """Every filter's maps drawn for the screen, all three at the scale of its conv output Z.

    Colours by stage_rules (colour_rule: diverging centred on 0 for signed maps, sequential gray
    from 0 for never-negative ones). At one scale for the three, and the pooled map's PNG is Z's
    size with the map in its top-left corner (the rest transparent), so fitted to the same width it
    looks as much smaller as it is.

    Arguments:
    maps -- FeatureMaps (Z, relu of shape (n_H, n_W, n_C), pooled of shape (n_H_pool, n_W_pool, n_C))
    max_side -- the conv output's longer side in the PNG, about (display_scale)
    progress -- called as progress(fraction, text) after each filter

    Returns:
    tiles -- n_C dicts {"Z": Tile, "relu": Tile, "pooled": Tile}
    """
    n_H, n_W, n_C = maps.Z.shape
    scale = display_scale(n_H, n_W, max_side)
    # Channel-first float32 copies, one pass per stage (a strided plane per filter would cost a pass each).
    planes = {"Z": np.ascontiguousarray(np.moveaxis(maps.Z, 2, 0), dtype=np.float32)}  # (n_C, n_H, n_W)
    planes["pooled"] = np.ascontiguousarray(
        np.moveaxis(maps.pooled, 2, 0), dtype=np.float32
    )  # (n_C, n_H_pool, n_W_pool)
    rules = stage_rules(maps)
    tiles = []
    canvas = (max(1, round(n_H * scale)), max(1, round(n_W * scale)))  # Z as drawn
    for c in range(n_C):
        row = {}
        for stage in ("Z", "relu", "pooled"):
            plane = np.maximum(planes["Z"][c], 0) if stage == "relu" else planes[stage][c]  # (rows, cols)
            png, shown = tile_png(plane, scale, rules[c][stage], canvas if stage == "pooled" else None)
            row[stage] = Tile(png, rules[c][stage], plane.shape, shown)
        tiles.append(row)
        if progress is not None:
            progress((c + 1) / n_C, f"Drawing the maps of filter {c + 1} of {n_C}")
    return tiles


def full_png(plane: np.ndarray, rule: ColourRule) -> bytes:
    """One map at full size (one pixel per value), coloured by its rule: the page's "full size" view."""
    return to_png_bytes(np.asarray(plane), rule.cmap, rule.vrange)


def image_png(image: np.ndarray, scale: float) -> tuple[bytes, tuple[int, int]]:
    """The input image for the screen: resized by `scale` (display_scale; area average down), framed.

    Arguments:
    image -- shape (H, W, 1) or (H, W, 3), values in [0, 1]

    Returns:
    png -- the PNG file's bytes; shown -- (rows, cols) as drawn
    """
    image = np.asarray(image)
    if image.ndim != 3 or image.shape[2] not in (1, 3):
        raise ValueError(f"image must have shape (H, W, 1) or (H, W, 3), got {image.shape}")
    planes = [_resized(image[:, :, k], scale, extreme=False) for k in range(image.shape[2])]
    pixels = np.rint(np.clip(np.stack(planes, axis=-1), 0.0, 1.0) * 255).astype(np.uint8)  # (h, w, C)
    h, w = pixels.shape[:2]
    mode = "L" if image.shape[2] == 1 else "RGB"
    canvas = Image.new(mode, (w + 2, h + 2), _FRAME if mode == "L" else (_FRAME,) * 3)
    canvas.paste(Image.fromarray(pixels[:, :, 0] if mode == "L" else pixels, mode=mode), (1, 1))
    buffer = io.BytesIO()
    canvas.save(buffer, format="PNG", compress_level=3)
    return buffer.getvalue(), (h, w)


# The zip's names for each stage: (file/folder name, what the maps are).
ZIP_STAGES = {
    "Z": ("Z_conv_output", "Z = conv_forward(A_prev, W, b)"),
    "relu": ("ReLU_max_Z_0", "ReLU: max(Z, 0)"),
    "pooled": ("A_pooled", "A = pool_forward(max(Z, 0))"),
}


def file_label(label: str) -> str:
    """A filter's label as a file name part: "Sobel x" -> "Sobel_x"."""
    return re.sub(r"[^A-Za-z0-9]+", "_", label).strip("_") or "filter"


def maps_zip(maps: FeatureMaps, labels: list[str]) -> bytes:
    """Every map as a PNG in one zip: for each stage a grid (maps_grid_png) and one full-size PNG per filter.

    Files: "Z_conv_output_grid.png", "Z_conv_output/00_Sobel_x.png", ... and the same for
    "ReLU_max_Z_0" and "A_pooled" (ZIP_STAGES). Each grid is titled with what it holds and its
    n_H x n_W, each tile with "c = 0: Sobel x"; the three grids share Z's scale, so the pooled grid is
    as much smaller as the pooled maps are. Colours by stage_rules, as on the page (diverging centred
    on 0 for signed maps, sequential gray from 0 for never-negative ones).

    Arguments:
    maps -- FeatureMaps with n_C filters; labels -- n_C names (kernel names)

    Returns:
    the zip file's bytes (stored: PNG is already compressed)
    """
    n_H, n_W, n_C = maps.Z.shape
    if len(labels) != n_C:
        raise ValueError(f"labels has {len(labels)} entries for {n_C} maps; give one per map")
    rules = stage_rules(maps)
    stacks = {"Z": maps.Z, "relu": maps.relu, "pooled": maps.pooled}  # relu derived once here
    scale = min(1.0, 512 / max(n_H, n_W))  # Z's tiles at most 512 pixels long; the others at the same scale
    tiles = [f"c = {c}: {label}" for c, label in enumerate(labels)]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for stage, stack in stacks.items():  # (rows, cols, n_C)
            name, what = ZIP_STAGES[stage]
            stage_rule = [rules[c][stage] for c in range(n_C)]
            rows, cols = stack.shape[:2]
            title = f"{what}, one map per filter, each {rows}×{cols} (n_H × n_W)"
            if scale < 1:
                title += f", drawn at {scale:.0%}"
            grid = maps_grid_png(stack, tiles, rules=stage_rule, scale=scale, title=title)
            archive.writestr(f"{name}_grid.png", grid)
            for c, label in enumerate(labels):
                archive.writestr(f"{name}/{c:02d}_{file_label(label)}.png", full_png(stack[:, :, c], stage_rule[c]))
    return buffer.getvalue()


# --- Inspecting one map: what is sent to the browser, within a budget -------------------------

# Values per map sent to the browser: float32 typed arrays are ~5.3 bytes a value in base64, up to ~7
# as Plotly's JSON escapes every "/" of it: three maps of 65,536 values are about 1.1 MB (bench).
INSPECT_CELLS = 65_536
INSPECT_SIDE = 256  # a full-resolution window's side, in Z's rows and columns (256 x 256 = INSPECT_CELLS)


def block_extreme(plane: np.ndarray, k: int) -> np.ndarray:
    """Exact k x k blocks (the last ones partial), each the value farthest from 0 it holds, sign kept.

    plane (rows, cols) -> float32 (ceil(rows / k), ceil(cols / k)); k = 1 returns the values as float32.
    """
    plane = np.asarray(plane, dtype=np.float32)
    if k == 1:
        return plane
    r0, c0 = np.arange(0, plane.shape[0], k), np.arange(0, plane.shape[1], k)
    hi = np.maximum.reduceat(np.maximum.reduceat(plane, r0, axis=0), c0, axis=1)
    lo = np.minimum.reduceat(np.minimum.reduceat(plane, r0, axis=0), c0, axis=1)
    return np.where(-lo > hi, lo, hi)


def block_for(rows: int, cols: int, max_cells: int = INSPECT_CELLS) -> int:
    """The smallest whole k with ceil(rows / k) * ceil(cols / k) <= max_cells (1: every value fits)."""
    k = 1
    while -(-rows // k) * -(-cols // k) > max_cells:
        k += 1
    return k


@dataclass(frozen=True)
class InspectView:
    """One filter's Z, ReLU and pooled map as the browser receives them (plots.inspect_figure's panels).

    panels -- three dicts (see plots.inspect_figure), Z's coordinates for all three
    blocks -- {"Z": k, "pooled": k_pool}: values per drawn cell side (1 = every value)
    window -- (top, left, bottom, right) in Z's rows and columns
    pooled_cells -- (i_lo, i_hi, j_lo, j_hi): A's rows and columns inside the window
    """

    panels: list[dict]
    blocks: dict[str, int]
    window: tuple[int, int, int, int]
    pooled_cells: tuple[int, int, int, int]


def inspect_view(
    Z: np.ndarray,
    pooled: np.ndarray,
    rules: dict[str, ColourRule],
    pool_f: int,
    pool_stride: int,
    window: tuple[int, int, int, int] | None = None,
    max_cells: int = INSPECT_CELLS,
    mode: str = "max",
) -> InspectView:
    """Z, max(Z, 0) and A of one filter, inside `window`, reduced to at most max_cells values each.

    A[i, j] pools Z's rows i*pool_stride .. i*pool_stride + pool_f - 1 (and the same for columns), so
    it is drawn centred on that window, one pool_stride wide: the three maps line up on the picture.
    A reduced map (block k > 1) shows in each cell the value farthest from 0 of its k x k block. A
    gets half the budget: each of its cells also carries A's own row and column (customdata).

    Arguments:
    Z -- one filter's conv output, shape (n_H, n_W); pooled -- its pooled map, (n_H_pool, n_W_pool)
    rules -- stage_rules(maps)[c]: {"Z", "relu", "pooled"} ColourRules
    window -- (top, left, bottom, right) of Z to show (bottom, right exclusive); None: all of Z
    """
    n_H, n_W = Z.shape
    top, left, bottom, right = (0, 0, n_H, n_W) if window is None else window
    top, left = max(0, top), max(0, left)
    bottom, right = min(n_H, bottom), min(n_W, right)
    z = Z[top:bottom, left:right]  # (rows, cols)
    k = block_for(*z.shape, max_cells)
    z_drawn = block_extreme(z, k)
    # A's rows whose pooling window lies inside [top, bottom): i * stride >= top and i * stride + f <= bottom
    n_H_pool, n_W_pool = pooled.shape
    i_lo, j_lo = -(-top // pool_stride), -(-left // pool_stride)
    i_hi = min(n_H_pool, max(i_lo, (bottom - pool_f) // pool_stride + 1))
    j_hi = min(n_W_pool, max(j_lo, (right - pool_f) // pool_stride + 1))
    a = pooled[i_lo:i_hi, j_lo:j_hi]
    k_pool = block_for(*a.shape, max_cells // 2) if a.size else 1  # half: its hover carries A's row, column
    a_drawn = block_extreme(a, k_pool) if a.size else np.zeros((0, 0), np.float32)
    rows_a, cols_a = a_drawn.shape
    index = np.stack(
        np.meshgrid(i_lo + k_pool * np.arange(rows_a), j_lo + k_pool * np.arange(cols_a), indexing="ij"), axis=-1
    ).astype(np.uint16)  # (rows_a, cols_a, 2): A's row and column of each drawn cell (its block's first)
    ranges = {"x_range": (left - 0.5, right - 0.5), "y_range": (top - 0.5, bottom - 0.5)}
    centre = (k - 1) / 2
    z_panel = {"x0": left + centre, "y0": top + centre, "d": k, "block": k, **ranges}
    a_first = (pool_f - 1) / 2 + pool_stride * (k_pool - 1) / 2  # centre of A[i_lo]'s (block's) windows
    stops = {stage: colour_stops(rule.cmap) for stage, rule in rules.items()}
    panels = [
        {"name": "Z", "title": "Z (conv output)", "values": z_drawn, "stops": stops["Z"],
         "vrange": rules["Z"].vrange, **z_panel},
        {"name": "max(Z, 0)", "title": "after ReLU: max(Z, 0)", "values": np.maximum(z_drawn, 0),
         "stops": stops["relu"], "vrange": rules["relu"].vrange, **z_panel},
        {"name": "A", "title": f"after {mode} pooling: A", "values": a_drawn, "stops": stops["pooled"],
         "vrange": rules["pooled"].vrange, "x0": pool_stride * j_lo + a_first, "y0": pool_stride * i_lo + a_first,
         "d": pool_stride * k_pool, "block": k_pool, "customdata": index, **ranges},
    ]  # fmt: skip
    return InspectView(panels, {"Z": k, "pooled": k_pool}, (top, left, bottom, right), (i_lo, i_hi, j_lo, j_hi))


def centred_window(n_H: int, n_W: int, row: int, col: int, side: int = INSPECT_SIDE) -> tuple[int, int, int, int]:
    """(top, left, bottom, right): a side x side window of an n_H x n_W map around (row, col), kept inside it."""
    top = min(max(0, row - side // 2), max(0, n_H - side))
    left = min(max(0, col - side // 2), max(0, n_W - side))
    return top, left, min(n_H, top + side), min(n_W, left + side)


def histograms(Z: np.ndarray, pooled: np.ndarray, bins: int = 60) -> tuple[np.ndarray, ...]:
    """Counts and edges of one filter's Z and pooled A, every value (full resolution).

    Returns z_counts (bins,), z_edges (bins + 1,), a_counts, a_edges. Z's bins put an edge at 0, so
    a bin never mixes what ReLU keeps with what it drops.
    """
    lo, hi = float(Z.min()), float(Z.max())
    if lo < 0 < hi:
        width = (hi - lo) / bins
        below = min(max(1, round(-lo / width)), bins - 1)  # bins on each side of 0
        z_edges = np.concatenate([np.linspace(lo, 0, below + 1), np.linspace(0, hi, bins - below + 1)[1:]])
    else:
        z_edges = np.linspace(lo, hi if hi > lo else lo + 1, bins + 1)
    z_counts, z_edges = np.histogram(Z, z_edges)
    a_lo, a_hi = float(pooled.min()), float(pooled.max())
    a_counts, a_edges = np.histogram(pooled, bins, (a_lo, a_hi if a_hi > a_lo else a_lo + 1))
    return z_counts, z_edges, a_counts, a_edges


# --- The animation's crop, with its real neighbours ----------------------------------------------


@dataclass(frozen=True)
class Crop:
    """A crop of the picture and the ring of pixels around it that its windows read.

    A_prev -- (h + 2*pad, w + 2*pad, C): the crop, with `pad` rows and columns of the picture's real
              neighbours on each side (zeros only beyond the picture's own edge, as the full map has)
    box -- (top, left, bottom, right) of the crop in the picture (bottom, right exclusive)
    cells -- (i0, j0): Z's row and column of the crop's first window; conv_forward(A_prev, pad=0)
             gives Z[i0 : i0 + n_H, j0 : j0 + n_W] of the full map
    """

    A_prev: np.ndarray
    box: tuple[int, int, int, int]
    cells: tuple[int, int]


def crop_with_neighbours(image: np.ndarray, size: int, center: tuple[int, int], stride: int = 1, pad: int = 0) -> Crop:
    """The size x size crop around center, moved inside the picture and onto the stride's grid.

    Its top and left are multiples of stride (so its windows are windows of the full map), and it
    carries `pad` real neighbours on each side: convolved with pad = 0 it gives exactly the full
    map's Z at its cells.
    """
    image = np.asarray(image)
    n_H_prev, n_W_prev, n_C_prev = image.shape
    row, col = center
    if not (0 <= row < n_H_prev and 0 <= col < n_W_prev):
        raise ValueError(f"center=({row}, {col}) is outside the {n_H_prev}x{n_W_prev} image")
    top = min(max(0, row - size // 2), max(0, n_H_prev - size)) // stride * stride
    left = min(max(0, col - size // 2), max(0, n_W_prev - size)) // stride * stride
    bottom, right = min(n_H_prev, top + size), min(n_W_prev, left + size)
    A_prev = np.zeros((bottom - top + 2 * pad, right - left + 2 * pad, n_C_prev))  # (h + 2p, w + 2p, C)
    r0, r1 = max(0, top - pad), min(n_H_prev, bottom + pad)  # the picture's rows that exist
    c0, c1 = max(0, left - pad), min(n_W_prev, right + pad)
    A_prev[r0 - (top - pad) : r1 - (top - pad), c0 - (left - pad) : c1 - (left - pad)] = image[r0:r1, c0:c1]
    return Crop(A_prev, (top, left, bottom, right), (top // stride, left // stride))


def crop_png(crop: Crop, pad: int, side: int = 280) -> bytes:
    """The crop in the photo's colours, each pixel a crisp block, its ring of neighbours faded and outlined.

    crop -- crop_with_neighbours(...); pad -- the ring's width; side -- about the longer side in pixels
    """
    A = np.clip(crop.A_prev, 0.0, 1.0)  # (h + 2p, w + 2p, C)
    rows, cols, n_C = A.shape
    k = max(1, side // max(rows, cols))
    pixels = np.rint(A * 255).astype(np.uint8)
    pixels = np.repeat(pixels, 3, axis=2) if n_C == 1 else pixels  # (rows, cols, 3)
    if pad:
        ring = np.ones((rows, cols), bool)
        ring[pad : rows - pad, pad : cols - pad] = False
        pixels[ring] = (pixels[ring] // 2 + 128).astype(np.uint8)  # faded: halfway to white
    im = Image.fromarray(pixels).resize((cols * k, rows * k), Image.Resampling.NEAREST)
    draw = ImageDraw.Draw(im)
    box = (pad * k - 1, pad * k - 1, (cols - pad) * k, (rows - pad) * k)
    draw.rectangle(box, outline=(255, 255, 255), width=3)
    draw.rectangle(box, outline=(230, 0, 120), width=2)
    buffer = io.BytesIO()
    im.save(buffer, format="PNG")
    return buffer.getvalue()
