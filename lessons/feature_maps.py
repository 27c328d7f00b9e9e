"""Lesson 6: a picture through preset or custom kernels, conv -> ReLU -> pool at full resolution."""

import numpy as np
import streamlit as st

from cnnviz.app import feature_controls as fc
from cnnviz.app import image_input, lesson
from cnnviz.core.errors import InputError
from cnnviz.pictures import features, images, kernels
from cnnviz.pictures.images import LUMA

MAX_SIDE = features.TILE_SIDE  # the conv output's longer side in its PNG; shown as wide as its column
WIDTHS = [1, 2.2, 2.2, 2.2]  # the grid's columns: filter, Z, ReLU, pooled

s = lesson.settings()
st.title("6. Feature maps")
st.markdown(
    "A picture goes through the same `conv_forward` → ReLU → `pool_forward` as in lessons 2 and 3, at its full "
    "working size (with `cnnviz.core.fast`, the vectorized twin of the loops, equal to them by test). Each kernel is "
    "one filter and makes one **feature map**: edge kernels (Sobel, Laplacian, outline) light up where the "
    "brightness changes, blurs smooth it. ReLU keeps the positive responses only; pooling shrinks the map, keeping "
    "each window's strongest (max) or mean (average) response."
)

# --- Settings: one row of sliders (f belongs to the kernels) ------------------------------------
row = fc.settings_row()
stride, pool_f, pool_stride, mode = row["stride"], row["pool_f"], row["pool_stride"], row["mode"]
decimals = int(s.get("decimals", 2))

# --- Input -------------------------------------------------------------------------------------
if s["source"] == "random":
    st.info(
        f"Feature maps need a picture, not random numbers: showing the sample image '{s['sample']}'. "
        "Choose Input: sample (another sample) or upload (your own picture) in the sidebar."
    )
try:
    with st.spinner("Decoding the image…"):
        source = lesson.source_image(s)
except images.ImageError as err:
    image_input.upload_error(err)  # in the main area, with the file's name
    st.stop()
image, caption, key = source.image, source.caption, source.key  # shared, read-only; key names its content
(n_H_prev, n_W_prev, n_C_prev) = image.shape

# --- Filters: kernels, stride, pad, pooling -----------------------------------------------------
choice = fc.kernel_picker(s["f"], row["pad"])
if not choice.names:
    st.info("Choose at least one kernel above (or add a custom one) to see its feature map.")
    st.stop()
W = kernels.kernel_bank(choice.names, n_C_prev, choice.custom)  # (f, f, n_C_prev, n_C)
(f, f, n_C_prev, n_C) = W.shape
labels = [choice.label(name) for name in choice.names]
note = kernels.padding_note(choice.names, choice.custom)
if note:
    st.caption(note)
pad, pad_source = choice.pad, choice.pad_source

bar = fc.ProgressBar(work=n_H_prev * n_W_prev * n_C // stride**2)
maps = lesson.guard(fc.feature_maps, key, image, W, stride, pad, pool_f, pool_stride, mode, bar.part(0.0, 0.75))
tiles = fc.feature_tiles(key, W, (stride, pad, pool_f, pool_stride), mode, MAX_SIDE, maps, bar.part(0.75, 1.0))
bar.done()
(n_H, n_W, n_C) = maps.Z.shape
(n_H_pool, n_W_pool, n_C) = maps.pooled.shape

# --- The input and the shape arithmetic ---------------------------------------------------------
scale = features.display_scale(n_H, n_W, MAX_SIDE)  # PNG pixels per map pixel, one for every map
left, right = st.columns([1, 2], gap="medium")
with left:
    png, _ = fc.image_png(key, image, features.display_scale(n_H_prev, n_W_prev, MAX_SIDE))
    st.image(png, output_format="PNG", width="stretch")
    st.caption(f"A_prev is {caption}: {n_H_prev}×{n_W_prev}×{n_C_prev} (n_H_prev × n_W_prev × n_C_prev)")
with right:
    st.markdown(
        f"**This run:** {n_C} filter{'s' if n_C > 1 else ''} of f = {f} (the kernels'), stride = {stride}, "
        f"pad = {pad} ({pad_source}); then ReLU; then **{mode} pooling** with f = {pool_f}, stride = {pool_stride}."
    )
    t = maps.timings
    st.caption(
        f"Computed in {fc.seconds(t['total'])} (conv {fc.seconds(t['conv'])}, ReLU {fc.seconds(t['relu'])}, "
        f"pool {fc.seconds(t['pool'])}). "
        "RGB pictures are filtered on their luminance: "
        f"W[:, :, k, c] = kernel × {LUMA}[k]."
    )
# The shape arithmetic at the page's full width: its formulas are wider than the column beside the picture
lesson.arithmetic(
    lesson.size_formula("n_H", "n_H_prev", n_H_prev, f, stride, pad),
    lesson.size_formula("n_W", "n_W_prev", n_W_prev, f, stride, pad),
    lesson.size_formula("n_H_pool", "n_H", n_H, pool_f, pool_stride, None),
    lesson.size_formula("n_W_pool", "n_W", n_W, pool_f, pool_stride, None),
    f"A_prev {(1, n_H_prev, n_W_prev, n_C_prev)}  conv  W {W.shape}  ->  Z {(1, n_H, n_W, n_C)}",
    f"ReLU  ->  max(Z, 0) {(1, n_H, n_W, n_C)}  {mode} pool  ->  A {(1, n_H_pool, n_W_pool, n_C)}",
)

# --- The grid: one row per filter --------------------------------------------------------------
st.subheader("Feature maps")
if scale < 1:
    shown = (
        f"drawn at {scale:.0%} of their size and fitted to the page; each drawn pixel shows the value farthest "
        f"from 0 of the {1 / scale:.1f}×{1 / scale:.1f} values it covers, so one-pixel edges stay visible"
    )
elif scale > 1:
    shown = f"drawn {scale:.0f}× enlarged (each value a {scale:.0f}×{scale:.0f} block) and fitted to the page"
else:
    shown = "drawn at their size and fitted to the page"
st.caption(
    f"Maps are {shown}, all three at one scale: the pooled map A has {n_H_pool}×{n_W_pool} values against Z's "
    f"{n_H}×{n_W}, so it fills only the top-left of its frame (the gray outline is Z's size). Sizes are "
    "n_H × n_W (rows × columns), as in the course. Colours by what a map holds: a map with negative values is "
    "**diverging**, centred on 0 (blue < 0, white = 0, red > 0); a map that is never negative (a blur, every ReLU "
    "and pooled map) is **sequential** gray, black = 0 up to white = its largest value. Each map has its colour "
    "bar; the downloads use the same rule. **Inspect** under a row opens its maps below the grid, to zoom and "
    "read values."
)
if pad > 0:
    st.caption(
        f"**The borders:** with pad = {pad}, the windows along the picture's edges read {pad} row(s)/column(s) of "
        "zeros. To an edge kernel that is a step from the picture's brightness down to black, so the outermost "
        f"{pad} row(s)/column(s) of Z light up (a Sobel x map gets a red line down one side and a blue one down the "
        "other) where the photo itself has no edge. That is the zero padding, not the picture; with pad = 0 the "
        "map is smaller and has no such border."
    )
head = st.columns(WIDTHS)
for column, text in zip(
    head,
    ["**Filter** (kernel)", "**conv output** `Z`", "**after ReLU** `max(Z, 0)`", f"**after {mode} pooling** `A`"],
    strict=True,
):
    column.markdown(text)
for c, name in enumerate(choice.names):
    row = tiles[c]
    with st.container(border=True):
        cols = st.columns(WIDTHS)
        with cols[0]:
            st.markdown(f"**c = {c}: {labels[c]}**")
            if name in kernels.DESCRIPTIONS:
                st.caption(kernels.DESCRIPTIONS[name])
            st.code(fc.kernel_text(choice.kernel(name), common_factor=name != kernels.CUSTOM), language=None)
            fc.inspect_button(labels[c], c)
        for column, stage, text in (
            (cols[1], "Z", f"Z[0, :, :, {c}] · {n_H}×{n_W}"),
            (cols[2], "relu", f"max(Z, 0)[0, :, :, {c}] · {n_H}×{n_W}"),
            (cols[3], "pooled", f"A[0, :, :, {c}] · {n_H_pool}×{n_W_pool}"),
        ):
            tile = row[stage]
            with column:
                # PNG: "auto" would re-encode as JPEG, blurring sharp edges. Stretched to the column.
                st.image(tile.png, output_format="PNG", width="stretch")
                fc.colour_bar(tile.rule)
                st.caption(f"{text} · {tile.rule.kind}")

# --- Inspect one filter's maps: zoom, pan, a value under the mouse ---------------------------------
st.subheader("Inspect a map: zoom, pan, read values")
reduced = features.block_for(n_H, n_W) > 1
c_in, area = fc.inspect_picker(labels, reduced)
rules = features.stage_rules(maps)[c_in]
window = None
if area == fc.AREA_WINDOW:
    crop_row = int(st.session_state.get("fm_crop_row", n_H_prev // 2))
    crop_col = int(st.session_state.get("fm_crop_col", n_W_prev // 2))
    # Z[i, j]'s window starts at padded row i * stride, i.e. picture row i * stride - pad
    window = features.centred_window(n_H, n_W, (crop_row + pad) // stride, (crop_col + pad) // stride)
maps_id = (key, W.shape, W.tobytes(), stride, pad, pool_f, pool_stride, mode)
fig, fig_bytes, view, hist = fc.inspect_figures(maps_id, maps, c_in, window, decimals)
fc.show_figure(fig, "fm_inspect_chart")
top, left_w, bottom, right_w = view.window
k, k_pool = view.blocks["Z"], view.blocks["pooled"]
what = (
    f"Z's rows {top}..{bottom - 1} and columns {left_w}..{right_w - 1}"
    if (top, left_w, bottom, right_w) != (0, 0, n_H, n_W)
    else f"all of Z ({n_H}×{n_W})"
)
if k == 1 and k_pool == 1:
    detail = "at full resolution: one cell per value, the hover gives each value"
else:
    detail = (
        f"reduced to fit the budget of {features.INSPECT_CELLS:,} values per map (half of it for A, whose cells "
        "also carry A's row and column): each cell is a "
        f"{k}×{k} block of Z (A: {k_pool}×{k_pool}) showing the value in it farthest from 0, as in the grid. "
        "Choose *Show: full resolution around the crop* for every value"
    )
st.caption(
    f"**c = {c_in}: {labels[c_in]}**, {what}, {detail}. Drag to zoom (the three maps zoom together onto the same "
    f"part of the picture), double-click to zoom out; the hover gives row, column and value ({decimals} decimals, "
    f"the page's). A[i, j] pools Z's rows i·{pool_stride}..i·{pool_stride}+{pool_f - 1} (and columns alike), so it "
    f"is drawn over that window, {pool_stride * k_pool} Z pixels a side"
    + (f" for each {k_pool}×{k_pool} block of A" if k_pool > 1 else "")
    + "; its hover gives A's own row and column. Colours "
    f"as in the grid: Z {rules['Z'].legend}; ReLU and A {rules['relu'].legend}. "
    f"This figure is {fc.wire_size(fig_bytes)} on the wire (float32 values)."
)
fc.show_figure(hist, "fm_inspect_hist")
negative = float((maps.Z[:, :, c_in] < 0).mean())
st.caption(
    f"What ReLU and pooling keep: {negative:.0%} of Z is negative (gray), and ReLU makes it 0; {mode} pooling keeps "
    f"one value per {pool_f}×{pool_f} window"
    + (", the largest, so A leans to larger values" if mode == "max" else "")
    + ". Counts on a log scale."
)

# --- Downloads -----------------------------------------------------------------------------------
st.markdown("**Downloads** (full size, made when you click)")
tag = f"f{f}_s{stride}_p{pad}_{mode}{pool_f}"
cols = st.columns(4)
with cols[0]:
    st.download_button(
        "Maps as PNG (.zip)",
        data=lambda: features.maps_zip(maps, labels),
        file_name=f"feature_maps_{tag}.zip",
        mime="application/zip",
        key="fm_png",
        on_click="ignore",
        icon=":material/image:",
        help="For Z, ReLU and pooled A: a titled grid of every map (the three at one scale) and one full-size "
        "PNG per filter, named by stage and kernel (Z_conv_output/00_Sobel_x.png).",
    )
# relu is derived from Z on access: the buttons get it only when clicked.
stages = [("Z", "Z", maps.Z.shape, lambda: maps.Z), ("relu", "ReLU", maps.Z.shape, lambda: maps.relu)]
stages.append(("pooled", "pooled A", maps.pooled.shape, lambda: maps.pooled))
for column, (stage, name, shape, get) in zip(cols[1:], stages, strict=True):
    with column:
        st.download_button(
            f"{name} as .npy ({(8 * shape[0] * shape[1] * shape[2] + 128) / 2**20:.1f} MB)",
            data=lambda get=get: images.to_npy_bytes(get()[None]),
            file_name=f"{stage}_{tag}.npy",
            mime="application/octet-stream",
            key=f"fm_npy_{stage}",
            on_click="ignore",
            icon=":material/data_array:",
            help=f"float64, shape (1, {shape[0]}, {shape[1]}, {n_C}) = (m, n_H, n_W, n_C); np.load() it.",
        )

# --- The window, step by step, on a small preview -------------------------------------------------
st.subheader("The window, step by step")
if st.session_state.get("fm_crop_image") != key:  # another picture: the crop starts at its centre
    st.session_state["fm_crop_image"] = key
    for crop_key in ("fm_crop_row", "fm_crop_col"):
        st.session_state.pop(crop_key, None)
pick = fc.preview_picker(labels, n_H_prev, n_W_prev)
c = pick.c
if pick.center is not None:  # a crop, with the real neighbours its edge windows read: pad = 0 on it
    crop = fc.crop(key, image, pick.size, pick.center, stride, pad)
    A_prev = crop.A_prev[None]  # (1, h + 2*pad, w + 2*pad, n_C_prev)
    hparameters = {"stride": stride, "pad": 0}
    top, left_edge, bottom, right_edge = crop.box
    picker, zoomed = st.columns([1, 1], gap="medium")
    with picker:
        st.caption("Click on the picture to move the crop (the magenta box) there; the sliders above fine-tune it.")
        fc.crop_picker(key, image, crop.box)
    with zoomed:
        st.image(features.crop_png(crop, pad), output_format="PNG", width="content")
        ring = (
            f", with the {pad}-pixel ring around it faded: the picture's real neighbours that the windows at its "
            "edge read (zeros only beyond the picture's own edge, as in the full map)"
            if pad
            else ""
        )
        st.caption(
            f"The crop in the photo's colours: rows {top}..{bottom - 1}, columns {left_edge}..{right_edge - 1} "
            f"({bottom - top}×{right_edge - left_edge}){ring}."
        )
    i0, j0 = crop.cells
    how = (
        f"a {bottom - top}×{right_edge - left_edge} crop at rows {top}..{bottom - 1}, columns "
        f"{left_edge}..{right_edge - 1}, plus its {pad}-pixel ring of real neighbours, so pad = 0 here and each "
        f"output is the full map's Z[{i0} + row, {j0} + column]"
        if pad
        else f"a {bottom - top}×{right_edge - left_edge} crop at rows {top}..{bottom - 1}, columns "
        f"{left_edge}..{right_edge - 1}; each output is the full map's Z[{i0} + row, {j0} + column]"
    )
else:
    small = fc.preview(key, image, pick.size, None)  # (h, w, n_C_prev)
    A_prev = small[None]  # (1, h, w, n_C_prev)
    hparameters = {"stride": stride, "pad": pad}
    how = f"the whole picture averaged down to {small.shape[0]}×{small.shape[1]}, with pad = {pad} as above"
    if small.shape[:2] == image.shape[:2]:
        how = f"the whole picture, small enough as it is, with pad = {pad} as above"
b = np.zeros((1, 1, 1, n_C))
weights = "" if n_C_prev == 1 else f", times {LUMA[0]}, {LUMA[1]} and {LUMA[2]} on the R, G and B channels"
st.markdown(
    f"Filter c = {c} (**{labels[c]}**): its real {f}×{f} kernel{weights}, slides with stride = {stride} over "
    f"{how}. Each frame is one `conv_single_step`; at full size the same happens {n_H * n_W:,} times for this filter."
)
try:
    board = fc.conv_board(A_prev, W, b, hparameters, c)
except InputError as err:
    st.error(
        f"The preview is too small for this filter: {err}. Choose a larger preview size (the maps above are fine).",
        icon=":material/block:",
    )
else:
    lesson.player(board, "fm_player", s)
    lesson.gif_button("Download this animation (GIF)", f"feature_map_window_c{c}_{tag}.gif", board, key="fm_gif")
