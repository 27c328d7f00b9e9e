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
from PIL import Image, ImageDraw

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


def css_gradient(cmap: str, steps: int = 11) -> str:
    """The colour map as a CSS linear-gradient (left = lo, right = hi), for a colour bar drawn in HTML."""
    ramp = colorize(np.linspace(0.0, 1.0, steps)[None, :], cmap, (0.0, 1.0))[0]  # (steps,) or (steps, 3)
    colours = [f"rgb({v},{v},{v})" if np.ndim(v) == 0 else "rgb({},{},{})".format(*v) for v in ramp]
    return "linear-gradient(to right, " + ", ".join(colours) + ")"


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
    max_tile: int = 256,
) -> bytes:
    """Tile feature maps into one PNG: one tile per channel, coloured by its rule (colour_rule).

    Arguments:
    maps -- shape (n_H, n_W, n_C)
    labels -- n_C captions drawn above the tiles (e.g. kernel names), or None
    cols -- tiles per row
    rules -- n_C ColourRules (default colour_rule of each map's own min and max)
    max_tile -- tiles are downscaled (shrink_extreme) so their longer side is at most this

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
    scale = min(1.0, max_tile / max(n_H, n_W))
    tile_w, tile_h = max(1, round(n_W * scale)), max(1, round(n_H * scale))
    gap, caption = 4, (14 if labels else 0)
    sheet = Image.new("RGB", (cols * (tile_w + gap) + gap, rows * (tile_h + caption + gap) + gap), "white")
    draw = ImageDraw.Draw(sheet)
    planes = np.ascontiguousarray(np.moveaxis(maps, 2, 0), dtype=np.float32)  # (n_C, n_H, n_W)
    for c in range(n_C):
        r, k = divmod(c, cols)
        x, y = gap + k * (tile_w + gap), gap + r * (tile_h + caption + gap)
        rule = colour_rule(planes[c].min(), planes[c].max()) if rules is None else rules[c]
        small = planes[c] if (tile_h, tile_w) == (n_H, n_W) else shrink_extreme(planes[c], (tile_h, tile_w))
        tile = Image.fromarray(colorize(small, rule.cmap, rule.vrange)).convert("RGB")
        sheet.paste(tile, (x, y + caption))
        if labels:
            draw.text((x, y), str(labels[c])[:40], fill="black")
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


def tile_png(values: np.ndarray, scale: float, rule: ColourRule | None = None) -> tuple[bytes, tuple[int, int]]:
    """Draw one map for the screen: resized by `scale` (display_scale), coloured by its rule.

    Arguments:
    values -- finite map of shape (n_H, n_W)
    scale -- screen pixels per map pixel (display_scale)
    rule -- its ColourRule; default colour_rule(values.min(), values.max())

    Returns:
    png -- the PNG file's bytes (mode L for sequential maps, RGB for diverging)
    shown -- (rows, cols) of the map as drawn
    """
    values = np.asarray(values)
    if values.ndim != 2:
        raise ValueError(f"values must be 2-D (n_H, n_W), got shape {values.shape}")
    if not scale > 0:
        raise ValueError(f"scale={scale!r} must be > 0")
    rule = colour_rule(values.min(), values.max()) if rule is None else rule
    pixels = colorize(_resized(values, scale), rule.cmap, rule.vrange)  # (h, w) or (h, w, 3)
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="PNG", compress_level=1)
    return buffer.getvalue(), pixels.shape[:2]


def feature_tiles(
    maps: FeatureMaps, max_side: int = TILE_SIDE, progress: Progress | None = None
) -> list[dict[str, Tile]]:
    """Every filter's maps drawn for the screen, all three at the scale of its conv output Z.

    Colours by stage_rules (colour_rule: diverging centred on 0 for signed maps, sequential gray
    from 0 for never-negative ones). At one scale for the three, the pooled map looks as much
    smaller as it is.

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
    for c in range(n_C):
        row = {}
        for stage in ("Z", "relu", "pooled"):
            plane = np.maximum(planes["Z"][c], 0) if stage == "relu" else planes[stage][c]  # (rows, cols)
            png, shown = tile_png(plane, scale, rules[c][stage])
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


def maps_zip(maps: FeatureMaps, labels: list[str]) -> bytes:
    """Every map as a PNG in one zip: for each stage a grid (maps_grid_png) and one full-size PNG per filter.

    Files: "Z_grid.png", "Z/00_<label>.png", ... and the same for "relu" and "pooled"; colours by
    stage_rules, as on the page (diverging centred on 0 for signed maps, sequential gray from 0 for
    never-negative ones).

    Arguments:
    maps -- FeatureMaps with n_C filters; labels -- n_C names (kernel names)

    Returns:
    the zip file's bytes (stored: PNG is already compressed)
    """
    n_C = maps.Z.shape[2]
    if len(labels) != n_C:
        raise ValueError(f"labels has {len(labels)} entries for {n_C} maps; give one per map")
    rules = stage_rules(maps)
    stacks = {"Z": maps.Z, "relu": maps.relu, "pooled": maps.pooled}  # relu derived once here
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for stage, stack in stacks.items():  # (rows, cols, n_C)
            stage_rule = [rules[c][stage] for c in range(n_C)]
            archive.writestr(f"{stage}_grid.png", maps_grid_png(stack, labels, rules=stage_rule))
            for c, label in enumerate(labels):
                name = re.sub(r"[^A-Za-z0-9]+", "_", label).strip("_") or "filter"
                archive.writestr(f"{stage}/{c:02d}_{name}.png", full_png(stack[:, :, c], stage_rule[c]))
    return buffer.getvalue()
