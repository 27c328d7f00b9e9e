"""Lesson 6 (Feature maps): its own widgets, its progress bar and its cached work.

Widgets: the page's settings row (stride, pad, pooling: sliders keyed as settings.SPECS, so links
keep them), the kernels (presets and a custom f x f table), which pad, the inspected map, the
animation's filter and preview. Every other widget has a key starting with "fm_". Cached work: the
feature maps themselves (a few entries: they are large; shared, never pickled) and the PNG tiles
drawn from them, in a small process-wide memory.ByteLRU (see _MAPS for why not st.cache_*); the
input's PNG, the preview and the crop in st.cache_data.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import streamlit as st
from PIL import Image, ImageDraw
from streamlit_image_coordinates import streamlit_image_coordinates

from cnnviz.app import cached, memory, player
from cnnviz.app import settings as params
from cnnviz.core.errors import InputError
from cnnviz.draw import plots
from cnnviz.pictures import features, kernels

DEFAULT_KERNELS = ["Sobel x", "Sobel y", "Gaussian blur", "sharpen"]
MAX_CUSTOM_F = 7
PREVIEW_SIZES = list(range(4, 17))
DEFAULT_PREVIEW = 10  # 10x10 at stride 1, pad 1: 100 windows; an RGB storyboard of about 150 KB
BIG_WORK = 2_000_000  # output values (n_H * n_W * n_C) from which a progress bar is worth showing
PAD_SIDEBAR, PAD_SAME = "sidebar", "same"  # "sidebar": the settings row's pad slider (the key links keep)
ROW = {"stride": "conv stride", "pad": "pad", "pool_f": "pool f", "pool_stride": "pool stride", "mode": "pool mode"}
AREA_WHOLE, AREA_WINDOW = "whole map", "full resolution around the crop"
PREVIEW_WHOLE, PREVIEW_CROP = "whole image, averaged down", "a crop at full resolution"
PICKER_SIDE = 640  # pixels, the longer side of the photo you click on to place the crop


@dataclass(frozen=True)
class KernelChoice:
    """The filter bank the user asked for.

    names -- preset names and kernels.CUSTOM, in the order of the output channels c
    custom -- the custom kernel, shape (f, f), or None (not asked for, or its table has an error)
    pad -- the convolution's pad; pad_source -- where it comes from ("the sidebar's" or "'same'")
    """

    names: list[str]
    custom: np.ndarray | None
    pad: int
    pad_source: str

    def kernel(self, name: str) -> np.ndarray:
        """The kernel at its own size (f_c, f_c), before the bank pads it to the common f."""
        return self.custom if name == kernels.CUSTOM else kernels.PRESETS[name]

    def label(self, name: str) -> str:
        if name == kernels.CUSTOM:
            f = self.custom.shape[0]
            return f"custom {f}x{f}"
        return name


def settings_row() -> dict[str, int | str]:
    """The page's settings as one row of sliders (keys stride, pad, pool_f, pool_stride, mode); f is the kernels'."""
    cols = st.columns([1, 1, 1, 1, 1.3, 1.9], gap="medium", vertical_alignment="bottom")
    values: dict[str, int | str] = {}
    for col, (key, label) in zip(cols, ROW.items(), strict=False):
        spec = params.SPECS[key]
        st.session_state.setdefault(key, spec.default)
        with col:
            if spec.is_choice:
                values[key] = st.radio(label, spec.choices, key=key, horizontal=True, help=spec.label)
            else:
                values[key] = int(st.slider(label, spec.lo, spec.hi, key=key, help=_ROW_HELP.get(key)))
    with cols[-1]:
        st.caption(
            "**f** (the filter's size) is the kernels': the presets are 3×3, a custom kernel is as large as "
            "its table (below). There is one filter per kernel."
        )
    return values


_ROW_HELP = {
    "stride": "How far the convolution window moves between outputs.",
    "pad": "Zero rows and columns around the picture before the convolution (or 'same', below the kernels).",
    "pool_f": "The pooling window's size f.",
    "pool_stride": "How far the pooling window moves.",
}


def _starting_table(f: int) -> pd.DataFrame:
    """sign(col - row): a diagonal edge detector (Roberts cross for f=2); [[1]] for f=1."""
    rows, cols = np.indices((f, f))
    kernel = np.sign(cols - rows).astype(np.float64) if f > 1 else np.ones((1, 1))
    return pd.DataFrame(kernel, index=[f"row {r + 1}" for r in range(f)], columns=[f"col {k + 1}" for k in range(f)])


def _custom_kernel(f_default: int) -> np.ndarray | None:
    """The custom kernel's size and table; the parsed (f, f) kernel, or None after showing the error."""
    st.session_state.setdefault("fm_custom_f", min(max(int(f_default), 1), MAX_CUSTOM_F))
    f = int(
        st.number_input(
            "Custom kernel size f",
            min_value=1,
            max_value=MAX_CUSTOM_F,
            step=1,
            key="fm_custom_f",
            help="The custom kernel's own f (the presets stay 3×3 and are padded with zeros to match). "
            "Changing it starts a fresh table.",
        )
    )
    start = _starting_table(f)
    table = st.data_editor(
        start,
        key="fm_custom",
        num_rows="fixed",
        width="content",
        column_config={col: st.column_config.NumberColumn(col, format="%.4g", width="small") for col in start.columns},
    )
    cells = table.astype(object).where(table.notna(), None)  # a cleared cell is None: "empty", not "nan"
    try:
        return kernels.parse_custom_kernel(cells)
    except InputError as err:
        st.error(f"Custom kernel not used: {err}", icon=":material/block:")
        return None


def kernel_picker(f_default: int, row_pad: int) -> KernelChoice:
    """Kernels (multiselect), padding, and on the right the custom kernel. Keys fm_kernels, fm_pad_mode, fm_custom_*."""
    left, right = st.columns([3, 2], gap="large")
    with right:
        custom = None
        if st.toggle("Add a custom kernel", key="fm_custom_on"):
            custom = _custom_kernel(f_default)
    with left:
        st.session_state.setdefault("fm_kernels", list(DEFAULT_KERNELS))
        presets = st.multiselect(
            "Kernels (one filter, one feature map each)",
            kernels.PRESET_NAMES,
            key="fm_kernels",
            help="Each kernel is applied to the image's luminance (0.299 R + 0.587 G + 0.114 B).",
        )
        names = list(presets) + ([kernels.CUSTOM] if custom is not None else [])
        if not names:
            return KernelChoice(names, custom, 0, "")
        pad, pad_source = _pad_picker(row_pad, kernels.bank_size(names, custom)[0])
    return KernelChoice(names, custom, pad, pad_source)


def _pad_picker(row_pad: int, f: int) -> tuple[int, str]:
    """The convolution's pad, the pad slider's (default) or 'same', and where it comes from. Key fm_pad_mode."""
    same = features.same_pad(f)
    labels = {
        PAD_SIDEBAR: f"the pad slider's pad = {row_pad}",
        PAD_SAME: f"'same': pad = (f - 1) // 2 = {same}",
    }
    st.session_state.setdefault("fm_pad_mode", PAD_SIDEBAR)
    mode = st.radio(
        "Padding",
        list(labels),
        format_func=labels.get,
        key="fm_pad_mode",
        horizontal=True,
        help="'same' keeps the map as large as the image at stride 1 (odd f).",
    )
    return (same, "'same'") if mode == PAD_SAME else (int(row_pad), "the pad slider's")


@dataclass(frozen=True)
class PreviewChoice:
    """The animation's filter and input: c, and the preview's size and optional centre (row, col)."""

    c: int
    size: int
    center: tuple[int, int] | None


def preview_picker(labels: list[str], n_H_prev: int, n_W_prev: int) -> PreviewChoice:
    """Filter, preview kind and size, crop centre. Keys fm_anim_filter, fm_preview, fm_preview_size, fm_crop_*."""
    if st.session_state.get("fm_anim_filter") not in labels:
        st.session_state["fm_anim_filter"] = labels[0]
    cols = st.columns([2, 3, 2])
    with cols[0]:
        label = st.selectbox("Filter to animate", labels, key="fm_anim_filter")
    with cols[1]:
        st.session_state.setdefault("fm_preview", PREVIEW_CROP)
        kind = st.radio("Preview", [PREVIEW_WHOLE, PREVIEW_CROP], key="fm_preview", horizontal=True)
    with cols[2]:
        st.session_state.setdefault("fm_preview_size", DEFAULT_PREVIEW)
        size = st.select_slider(
            "Preview size (pixels, longer side)",
            PREVIEW_SIZES,
            key="fm_preview_size",
            help="Every window becomes a frame: 12x12 at stride 1 is 144 frames, the animation's cap.",
        )
    center = None
    if kind == PREVIEW_CROP:
        for key, n in (("fm_crop_row", n_H_prev), ("fm_crop_col", n_W_prev)):
            st.session_state[key] = min(int(st.session_state.get(key, n // 2)), n - 1)
        left, right = st.columns(2)
        with left:
            row = st.slider("Crop centre: row", 0, max(n_H_prev - 1, 1), key="fm_crop_row", disabled=n_H_prev < 2)
        with right:
            col = st.slider("Crop centre: column", 0, max(n_W_prev - 1, 1), key="fm_crop_col", disabled=n_W_prev < 2)
        center = (min(row, n_H_prev - 1), min(col, n_W_prev - 1))
    return PreviewChoice(labels.index(label), int(size), center)


def _picked(shape: tuple[int, int]) -> None:
    """on_click of the crop picker: the clicked point (in displayed pixels) becomes the crop centre (row, col)."""
    click = st.session_state.get("fm_crop_click")
    if not click or not click.get("width") or not click.get("height"):
        return
    n_H_prev, n_W_prev = shape
    row = int(click["y"] * n_H_prev / click["height"])
    col = int(click["x"] * n_W_prev / click["width"])
    st.session_state["fm_crop_row"] = min(max(row, 0), n_H_prev - 1)
    st.session_state["fm_crop_col"] = min(max(col, 0), n_W_prev - 1)
    st.session_state["fm_preview"] = PREVIEW_CROP


@st.cache_data(max_entries=16, show_spinner=False)
def _picker_image(key: str, _image: np.ndarray, box: tuple[int, int, int, int] | None) -> Image.Image:
    """The photo at PICKER_SIDE (area average), the crop's box (top, left, bottom, right) drawn on it."""
    n_H_prev, n_W_prev, n_C_prev = _image.shape
    ratio = min(1.0, PICKER_SIDE / max(n_H_prev, n_W_prev))
    if ratio == 1.0:
        ratio = float(max(1, PICKER_SIDE // max(n_H_prev, n_W_prev)))  # small samples: whole-number blocks
    size = (max(1, round(n_W_prev * ratio)), max(1, round(n_H_prev * ratio)))
    data = np.rint(np.clip(_image, 0, 1) * 255).astype(np.uint8)
    im = Image.fromarray(data[:, :, 0] if n_C_prev == 1 else data).convert("RGB")
    im = im.resize(size, Image.Resampling.BOX if ratio < 1 else Image.Resampling.NEAREST)
    if box is not None:
        draw_box(im, box, ratio)
    return im


BOX, HALO = (230, 0, 120), (255, 255, 255)  # the crop's outline: magenta, on a white halo (visible on any photo)


def draw_box(im: Image.Image, box: tuple[int, int, int, int], ratio: float) -> None:
    """The crop's box drawn around it (never over its pixels): 4 px magenta inside a 3 px white halo.

    The picture is shown at about 60 % of its PICKER_SIDE at 1280 px, so the outline stays >= 2 screen
    pixels. A crop drawn smaller than 24 px also gets four ticks pointing at it, found at a glance.
    """
    top, left, bottom, right = box
    draw = ImageDraw.Draw(im)
    x0, y0, x1, y1 = left * ratio - 1, top * ratio - 1, right * ratio, bottom * ratio  # just outside the crop
    draw.rectangle((x0 - 7, y0 - 7, x1 + 7, y1 + 7), outline=HALO, width=3)
    draw.rectangle((x0 - 4, y0 - 4, x1 + 4, y1 + 4), outline=BOX, width=4)
    if max(x1 - x0, y1 - y0) < 24:
        cx, cy, near, far = (x0 + x1) / 2, (y0 + y1) / 2, 9, 26
        for a, b in (
            ((cx, y0 - far), (cx, y0 - near)),
            ((cx, y1 + near), (cx, y1 + far)),
            ((x0 - far, cy), (x0 - near, cy)),
            ((x1 + near, cy), (x1 + far, cy)),
        ):
            draw.line((a, b), fill=HALO, width=8)
            draw.line((a, b), fill=BOX, width=4)


def crop_picker(key: str, image: np.ndarray, box: tuple[int, int, int, int] | None) -> None:
    """The photo with the crop's box; a click on it moves the crop there (keys fm_crop_click, fm_crop_*)."""
    streamlit_image_coordinates(
        _picker_image(key, image, box),
        key="fm_crop_click",
        width="stretch",
        image_format="JPEG",  # a photo to aim at, sent inline: JPEG ~60 KB where its default raw PNG is ~1.2 MB
        jpeg_quality=85,
        on_click=lambda: _picked(image.shape[:2]),
        cursor="crosshair",
    )


def colour_bar(rule: features.ColourRule) -> None:
    """The map's colour bar under it, as wide as the column (HTML: crisp at any width), and its legend."""
    lo, hi = rule.vrange
    ticks = [f"{v:.3g}" if v else "0" for v in (lo, (lo + hi) / 2, hi)]
    st.html(
        f'<div data-testid="cnnviz-colourbar" data-kind="{rule.kind}" style="font-size:12px;color:#444">'
        f'<div style="height:10px;border:1px solid #bbb;background:{features.css_gradient(rule.cmap)}"></div>'
        '<div style="display:flex;justify-content:space-between">'
        + "".join(f"<span>{t}</span>" for t in ticks)
        + "</div></div>"
    )


def inspect_picker(labels: list[str], reduced: bool) -> tuple[int, str]:
    """The filter to inspect and, for a map too large to send whole, which part. Keys fm_inspect, fm_inspect_area."""
    if st.session_state.get("fm_inspect") not in labels:
        st.session_state["fm_inspect"] = labels[0]
    cols = st.columns([2, 3, 2])
    with cols[0]:
        label = st.selectbox("Filter to inspect", labels, key="fm_inspect")
    area = AREA_WHOLE
    if reduced:
        st.session_state.setdefault("fm_inspect_area", AREA_WHOLE)
        with cols[1]:
            area = st.radio(
                "Show",
                [AREA_WHOLE, AREA_WINDOW],
                key="fm_inspect_area",
                horizontal=True,
                help=f"The whole map is too large to send value by value; the window is {features.INSPECT_SIDE}"
                f"×{features.INSPECT_SIDE} of Z at full resolution, around the crop's centre (the box on the "
                "photo, below).",
            )
    return labels.index(label), area


def inspect_button(label: str, c: int) -> None:
    """A grid row's button: inspect this filter's maps (in the section under the grid)."""
    st.button(
        "Inspect",
        key=f"fm_inspect_btn_{c}",
        icon=":material/zoom_in:",
        type="tertiary",
        on_click=lambda: st.session_state.update(fm_inspect=label),
        help="Shows this filter's Z, ReLU and pooled maps under the grid (Inspect a map), to zoom and read values.",
    )


def show_figure(fig: object, key: str) -> None:
    """A Plotly figure at the page's width; its mode bar keeps zoom, pan and reset."""
    st.plotly_chart(fig, key=key, width="stretch", config={"displaylogo": False, "scrollZoom": True})


def wire_size(n: int) -> str:
    return f"{n / 2**20:.2f} MB" if n >= 2**20 else f"{n / 1024:.0f} KB"


def kernel_text(kernel: np.ndarray, common_factor: bool = True) -> str:
    """A kernel (f, f) as aligned rows of numbers; "1/16 x" in front when a common denominator makes them whole."""
    for k in range(1, 65 if common_factor else 2):
        scaled = kernel * k
        if np.allclose(scaled, np.rint(scaled), rtol=0, atol=1e-9):
            cells = [[f"{v:g}" for v in row] for row in np.rint(scaled)]
            prefix = f"1/{k} ×\n" if k > 1 else ""
            break
    else:
        cells, prefix = [[f"{v:.3g}" for v in row] for row in kernel], ""
    width = max(len(cell) for row in cells for cell in row)
    return prefix + "\n".join(" ".join(cell.rjust(width) for cell in row) for row in cells)


def seconds(t: float) -> str:
    return f"{t:.2f} s" if t >= 1 else f"{t * 1000:.0f} ms"


class ProgressBar:
    """st.progress in a placeholder, shown only for big work, cleared by done(). Call it as a progress callback."""

    def __init__(self, work: int, start: float = 0.0, end: float = 1.0) -> None:
        self.holder = st.empty()
        self.show = work >= BIG_WORK
        self.span = (start, end)

    def part(self, start: float, end: float) -> ProgressBar:
        """The same bar, reporting into [start, end] of its length."""
        other = object.__new__(ProgressBar)
        other.holder, other.show, other.span = self.holder, self.show, (start, end)
        return other

    def __call__(self, fraction: float, text: str) -> None:
        if self.show:
            lo, hi = self.span
            self.holder.progress(min(1.0, lo + (hi - lo) * fraction), text=text)

    def done(self) -> None:
        self.holder.empty()


# Feature maps are large (8 filters at 1024x768: 113 MB of float64), so they are kept in byte-bounded
# process-wide caches shared by every session, never copied or pickled. Not st.cache_*: those record the
# st.* calls made while the function runs and replay them on a hit, and the progress bar's placeholder
# lives outside the function (replaying it fails).
_MAPS = memory.ByteLRU(256 * 2**20, name="feature maps", max_entries=3, drop_when_idle=True)
_TILES = memory.ByteLRU(64 * 2**20, name="map tiles", max_entries=16, drop_when_idle=True)


def feature_maps(
    key: str,
    image: np.ndarray,
    W: np.ndarray,
    stride: int,
    pad: int,
    pool_f: int,
    pool_stride: int,
    mode: str,
    progress: ProgressBar | None = None,
) -> features.FeatureMaps:
    """features.compute_feature_maps, cached on key (the image's content key) and the settings.

    Made once for sessions asking at the same moment, one computation per core at a time; the
    progress bar moves only in the session that computes.

    Raises ValueError (not cached) for settings that do not fit the image.
    """
    cache_key = (key, W.shape, W.tobytes(), stride, pad, pool_f, pool_stride, mode)

    def compute() -> features.FeatureMaps:
        with memory.heavy_work():
            return features.compute_feature_maps(
                image, W, None, stride, pad, pool_f, pool_stride, mode, progress=progress
            )

    return _MAPS.get_or_make(cache_key, compute)


def feature_tiles(
    key: str,
    W: np.ndarray,
    hparameters: tuple[int, ...],
    mode: str,
    max_side: int,
    maps: features.FeatureMaps,
    progress: ProgressBar | None = None,
) -> list[dict[str, features.Tile]]:
    """features.feature_tiles of maps, cached on what identifies maps (key, W, hparameters, mode) and max_side."""
    cache_key = (key, W.shape, W.tobytes(), hparameters, mode, max_side)
    tiles = _TILES.get(cache_key)
    if tiles is None:
        tiles = features.feature_tiles(maps, max_side, progress=progress)
        _TILES.put(cache_key, tiles)
    return tiles


@st.cache_data(max_entries=16, show_spinner=False)
def image_png(key: str, _image: np.ndarray, scale: float) -> tuple[bytes, tuple[int, int]]:
    return features.image_png(_image, scale)


def conv_board(A_prev: np.ndarray, W: np.ndarray, b: np.ndarray, hparameters: dict, c: int) -> player.Packed:
    """The window animation of the preview: the conv_forward board for sample 0, filter c (packed)."""
    return cached.conv_forward_board(A_prev, W, b, hparameters, 0, c)


@st.cache_data(max_entries=16, show_spinner=False)
def preview(key: str, _image: np.ndarray, size: int, center: tuple[int, int] | None) -> np.ndarray:
    return features.preview_crop(_image, size, center)


@st.cache_data(max_entries=16, show_spinner=False)
def crop(key: str, _image: np.ndarray, size: int, center: tuple[int, int], stride: int, pad: int) -> features.Crop:
    return features.crop_with_neighbours(_image, size, center, stride, pad)


# The inspect figure and its histograms, built once per filter, window and precision (building a
# figure of 200,000 values costs Plotly ~0.1-0.3 s; a rerun only re-serialises it). Read-only, shared.
_FIGURES = memory.ByteLRU(64 * 2**20, name="inspect figures", max_entries=8, drop_when_idle=True)


def inspect_figures(
    maps_id: tuple,
    maps: features.FeatureMaps,
    c: int,
    window: tuple[int, int, int, int] | None,
    decimals: int,
) -> tuple[object, int, features.InspectView, object]:
    """(inspect figure, its bytes on the wire, its InspectView, the histograms' figure) of filter c, cached.

    maps_id -- what identifies maps (the image's key, W, hyperparameters, mode), as feature_maps caches them
    """
    pool = maps.hparameters["pool"]

    def make() -> tuple[object, int, features.InspectView, object]:
        rules = features.stage_rules(maps)[c]
        Z, pooled = maps.Z[:, :, c], maps.pooled[:, :, c]  # (n_H, n_W), (n_H_pool, n_W_pool)
        view = features.inspect_view(Z, pooled, rules, pool["f"], pool["stride"], window, mode=maps.mode)
        fig = plots.inspect_figure(view.panels, decimals)
        n_H, n_W = Z.shape
        hist = plots.histogram_figure(
            *features.histograms(Z, pooled),
            (f"Z: all {n_H * n_W:,} values", f"A after {maps.mode} pooling: {pooled.size:,} values"),
        )
        return fig, plots.wire_bytes(fig), view, hist

    return _FIGURES.get_or_make((maps_id, c, window, decimals), make)
