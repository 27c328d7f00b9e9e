"""Lesson 6 (Feature maps) driven through the app with AppTest: what it shows, for every input and control.

Expected shapes come from cnnviz.core.windows.output_size; the kernels and samples from their modules.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import fixtures_images as F
import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from cnnviz.app import feature_controls as fc
from cnnviz.app import image_input, lesson, player
from cnnviz.app import settings as params
from cnnviz.core import windows
from cnnviz.pictures import features, images, kernels

APP = Path(__file__).parents[1] / "app.py"
PAGE = "lessons/feature_maps.py"
DOWNLOADS = {"fm_png", "fm_npy_Z", "fm_npy_relu", "fm_npy_pooled", "fm_gif", "fm_gif_html"}


def open_page(source: str = "random", sample: str | None = None, **sliders: int) -> AppTest:
    """A fresh app on the Feature maps page, with the sidebar's source, sample and sliders set."""
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.run()
    at.switch_page(PAGE).run()
    if source != "random":
        at.radio(key="source").set_value(source).run()
    if sample:
        at.selectbox(key="sample").set_value(sample).run()
    for key, value in sliders.items():
        at.slider(key=key).set_value(value)
    if sliders:
        at.run()
    healthy(at)
    return at


def healthy(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]


def errors(at: AppTest) -> str:
    return " ".join(e.value for e in at.error)


def main_code(at: AppTest) -> list[str]:
    return [c.value for c in at.main.code]


def filter_labels(at: AppTest) -> list[str]:
    """The grid's row labels, in order ("Sobel x", "custom 3x3", ...)."""
    found = [re.fullmatch(r"\*\*c = (\d+): (.+)\*\*", m.value) for m in at.markdown]
    rows = [(int(m[1]), m[2]) for m in found if m]
    assert [c for c, _ in rows] == list(range(len(rows)))
    return [label for _, label in rows]


def shape_captions(at: AppTest) -> list[str]:
    """The captions under the input and the maps, in order."""
    return [c.value for c in at.caption if re.match(r"A_prev is |Z\[0|max\(Z, 0\)\[0|A\[0", c.value)]


def expected(n_H_prev: int, n_W_prev: int, f: int, stride: int, pad: int, pool_f: int, pool_stride: int) -> dict:
    n_H, n_W = windows.output_size(n_H_prev, f, stride, pad), windows.output_size(n_W_prev, f, stride, pad)
    n_H_pool, n_W_pool = windows.output_size(n_H, pool_f, pool_stride), windows.output_size(n_W, pool_f, pool_stride)
    return {"Z": (n_H, n_W), "pooled": (n_H_pool, n_W_pool)}


def assert_grid(at: AppTest, labels: list[str], image_shape: tuple[int, ...], f: int, stride: int, pad: int) -> None:
    """The input, then Z, ReLU and pooled for every filter, each caption with its computed shape; a chart."""
    settings = at.session_state["settings"]
    shapes = expected(*image_shape[:2], f, stride, pad, settings["pool_f"], settings["pool_stride"])
    (n_H, n_W), (n_H_pool, n_W_pool) = shapes["Z"], shapes["pooled"]
    assert filter_labels(at) == labels
    captions = shape_captions(at)
    crop = at.radio(key="fm_preview").value == fc.PREVIEW_CROP  # the crop in the photo's colours, beside the player
    assert len(at.image) == len(captions) + crop == 1 + 3 * len(labels) + crop, captions
    assert all(image.value[0].endswith(".png") for image in at.image)  # sent as drawn, never re-encoded as JPEG
    assert captions[0].endswith(f"{image_shape[0]}×{image_shape[1]}×{image_shape[2]} (n_H_prev × n_W_prev × n_C_prev)")
    for c in range(len(labels)):
        assert re.fullmatch(rf"Z\[0, :, :, {c}\] · {n_H}×{n_W} · (diverging|sequential)", captions[1 + 3 * c])
        assert captions[2 + 3 * c] == f"max(Z, 0)[0, :, :, {c}] · {n_H}×{n_W} · sequential"  # never negative
        assert captions[3 + 3 * c] == f"A[0, :, :, {c}] · {n_H_pool}×{n_W_pool} · sequential"
    arithmetic = "\n".join(main_code(at))
    assert f"Z (1, {n_H}, {n_W}, {len(labels)})" in arithmetic
    assert f"A (1, {n_H_pool}, {n_W_pool}, {len(labels)})" in arithmetic
    assert at.get("bidi_component"), "no animation drawn (the player)"
    assert len(at.get("plotly_chart")) == 2  # the inspected map, its histograms


def board(at: AppTest) -> dict:
    """The storyboard the page sent to the player (a rerun that keeps it sends only its id: then ask again)."""
    sent = player.decode(at.get("bidi_component")[0].proto.bytes)["board"]
    if sent is None:
        at.session_state["_cnnviz_board_sent:fm_player"] = None  # as the browser's "need" does
        at.run()
        sent = player.decode(at.get("bidi_component")[0].proto.bytes)["board"]
    return sent


# --- Inputs ----------------------------------------------------------------------------------


def test_defaults_show_the_sample_with_four_filters_and_every_download():
    at = open_page()
    assert not at.error, errors(at)
    s = at.session_state["settings"]
    assert s["source"] == "sample"  # a picture page: the sidebar turns "random" into a sample
    image = images.sample_image(s["sample"])
    assert_grid(at, fc.DEFAULT_KERNELS, image.shape, 3, s["stride"], s["pad"])
    assert {d.key for d in at.get("download_button")} == DOWNLOADS
    # The animation is the first default filter, its real 3x3 kernel, on a preview no larger than the default size.
    panels = {p["name"]: p for p in board(at)["panels"]}
    assert "filter c = 0" in board(at)["title"] and panels["W/0"]["shape"] == [3, 3]
    assert at.selectbox(key="fm_anim_filter").value == fc.DEFAULT_KERNELS[0]


@pytest.mark.parametrize("sample", params.SAMPLE_CHOICES)
def test_every_sample(sample):
    at = open_page("sample", sample)
    assert not at.error, errors(at)
    assert not at.info  # a sample is a picture: no note
    s = at.session_state["settings"]
    assert_grid(at, fc.DEFAULT_KERNELS, images.sample_image(sample).shape, 3, s["stride"], s["pad"])


@pytest.mark.parametrize("name", kernels.PRESET_NAMES)
def test_every_preset_alone(name):
    at = open_page("sample", "disc")
    at.multiselect(key="fm_kernels").set_value([name]).run()
    healthy(at)
    s = at.session_state["settings"]
    assert_grid(at, [name], images.sample_image("disc").shape, 3, s["stride"], s["pad"])
    assert kernels.DESCRIPTIONS[name] in [c.value for c in at.caption]
    kernel_block = main_code(at)[-1]  # the row's kernel, below the arithmetic
    assert kernel_block == fc.kernel_text(kernels.PRESETS[name])


def test_no_kernel_says_what_to_do():
    at = open_page()
    at.multiselect(key="fm_kernels").set_value([]).run()
    healthy(at)
    assert any("Choose at least one kernel" in i.value for i in at.info)
    assert len(at.image) == 0 and not at.get("bidi_component")


def test_an_uploaded_picture_is_used_at_its_working_size():
    at = open_page("upload")
    at.file_uploader(key="upload_widget").set_value(("halves.png", F.rgb_png(), "image/png")).run()
    healthy(at)
    assert not at.error, errors(at)
    loaded = images.load_image(F.rgb_png())
    s = at.session_state["settings"]
    assert_grid(at, fc.DEFAULT_KERNELS, loaded.array.shape, 3, s["stride"], s["pad"])
    assert shape_captions(at)[0].startswith("A_prev is your upload")


def test_sessions_with_one_upload_share_one_decoded_read_only_picture():
    """Thirty students with the same photo hold one decoded copy, not one each (nor one per rerun)."""
    pictures = []
    for _ in range(2):
        at = open_page("upload")
        at.file_uploader(key="upload_widget").set_value(("halves.png", F.rgb_png(), "image/png")).run()
        healthy(at)
        assert at.session_state["upload_key"] == image_input.upload_key(F.rgb_png())
        at.run()  # a rerun uses the key stored with the upload
        pictures.append(lesson.load_upload(F.rgb_png(), at.session_state["upload_key"]).array)
    assert pictures[0] is pictures[1]
    np.testing.assert_array_equal(pictures[0], images.load_image(F.rgb_png()).array)
    assert not pictures[0].flags.writeable


# --- The custom kernel ------------------------------------------------------------------------


def edit(at: AppTest, cells: dict[int, dict[str, object]]) -> AppTest:
    """Edit the custom kernel's table as a user would (row position -> {column name: value})."""
    at.session_state["fm_custom"] = {"edited_rows": cells, "added_rows": [], "deleted_rows": []}
    return at.run()


def test_a_valid_custom_kernel_adds_its_map():
    at = open_page("sample", "checkerboard")
    at.toggle(key="fm_custom_on").set_value(True).run()
    healthy(at)
    table = at.data_editor[0].value
    assert table.shape == (3, 3)  # the sidebar's f
    edit(at, {0: {"col 1": 5.0}, 2: {"col 3": -0.5}})
    healthy(at)
    assert not at.error, errors(at)
    labels = [*fc.DEFAULT_KERNELS, "custom 3x3"]
    s = at.session_state["settings"]
    assert_grid(at, labels, images.sample_image("checkerboard").shape, 3, s["stride"], s["pad"])
    kernel = table.to_numpy().copy()
    kernel[0, 0], kernel[2, 2] = 5.0, -0.5
    assert main_code(at)[-1] == fc.kernel_text(kernel, common_factor=False)
    # It can be animated too: the custom filter is the last channel.
    at.selectbox(key="fm_anim_filter").set_value("custom 3x3").run()
    healthy(at)
    assert f"filter c = {len(labels) - 1}" in board(at)["title"]


def test_a_bigger_custom_kernel_sets_f_and_pads_the_presets():
    at = open_page("sample", "digit", pad=0)
    at.toggle(key="fm_custom_on").set_value(True).run()
    at.number_input(key="fm_custom_f").set_value(5).run()
    healthy(at)
    assert at.data_editor[0].value.shape == (5, 5)
    assert any("padded with zeros to 5x5" in c.value for c in at.caption)
    labels = [*fc.DEFAULT_KERNELS, "custom 5x5"]
    assert_grid(at, labels, images.sample_image("digit").shape, 5, 1, 0)
    at.radio(key="fm_pad_mode").set_value(fc.PAD_SAME).run()
    healthy(at)
    assert_grid(at, labels, images.sample_image("digit").shape, 5, 1, features.same_pad(5))
    assert {p["name"]: p for p in board(at)["panels"]}["W/0"]["shape"] == [5, 5]


@pytest.mark.parametrize("value", [None, "abc"])
def test_an_invalid_custom_cell_is_an_error_next_to_the_table_and_the_rest_works(value):
    at = open_page("sample", "disc")
    at.toggle(key="fm_custom_on").set_value(True).run()
    edit(at, {1: {"col 2": value}})
    healthy(at)
    assert "Custom kernel not used" in errors(at) and "row 2, column 2" in errors(at)
    s = at.session_state["settings"]
    assert_grid(at, fc.DEFAULT_KERNELS, images.sample_image("disc").shape, 3, s["stride"], s["pad"])


# --- Stride, pad, pooling ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("stride", "pad", "pad_mode"),
    [(1, 0, fc.PAD_SIDEBAR), (4, 3, fc.PAD_SIDEBAR), (4, 0, fc.PAD_SIDEBAR), (3, 3, fc.PAD_SAME)],
)
def test_stride_and_pad_extremes(stride, pad, pad_mode):
    at = open_page("sample", "scene", stride=stride, pad=pad, pool_f=1, pool_stride=1)
    at.radio(key="fm_pad_mode").set_value(pad_mode).run()
    healthy(at)
    assert not at.error, errors(at)
    used = features.same_pad(3) if pad_mode == fc.PAD_SAME else pad
    assert_grid(at, fc.DEFAULT_KERNELS, images.sample_image("scene").shape, 3, stride, used)
    size = fc.DEFAULT_PREVIEW  # a crop of the default size, padded by the pad the maps use
    assert {p["name"]: p for p in board(at)["panels"]}["a_prev_pad/0"]["shape"] == [size + 2 * used] * 2


@pytest.mark.parametrize(("mode", "pool_f", "pool_stride"), [("average", 6, 4), ("max", 1, 1), ("max", 6, 1)])
def test_pooling_settings(mode, pool_f, pool_stride):
    at = open_page("sample", "digit", pool_f=pool_f, pool_stride=pool_stride)
    at.radio(key="mode").set_value(mode).run()
    healthy(at)
    assert not at.error, errors(at)
    assert_grid(at, fc.DEFAULT_KERNELS, images.sample_image("digit").shape, 3, 1, 1)
    assert any(m.value == f"**after {mode} pooling** `A`" for m in at.markdown)


def test_pool_larger_than_the_conv_output_is_a_clear_error():
    at = open_page("upload", pool_f=3)
    at.file_uploader(key="upload_widget").set_value(("tiny.png", F.tiny_png(), "image/png")).run()
    healthy(at)
    assert "Pooling the 2x2 conv output" in errors(at) and "f=3" in errors(at)
    assert not at.get("plotly_chart") and len(at.image) == 0


def test_filter_larger_than_the_padded_picture_is_a_clear_error():
    at = open_page("upload", pad=0)
    at.file_uploader(key="upload_widget").set_value(("tiny.png", F.tiny_png(), "image/png")).run()
    healthy(at)
    assert "f=3 is larger than the padded input 2x2" in errors(at)
    at.slider(key="pad").set_value(1).run()  # the fix the message suggests
    healthy(at)
    assert not at.error, errors(at)
    assert_grid(at, fc.DEFAULT_KERNELS, (2, 2, 3), 3, 1, 1)


# --- The animation's preview ------------------------------------------------------------------


def test_preview_crop_and_size():
    at = open_page("sample", "scene")
    at.selectbox(key="fm_anim_filter").set_value("Gaussian blur").run()
    assert at.radio(key="fm_preview").value == fc.PREVIEW_CROP  # the default: real pixels
    at.select_slider(key="fm_preview_size").set_value(6).run()
    at.slider(key="fm_crop_row").set_value(150).run()
    healthy(at)
    text = " ".join(m.value for m in at.markdown)
    col = at.slider(key="fm_crop_col").value
    crop = features.crop_with_neighbours(images.sample_image("scene"), 6, (150, col), 1, 1)
    top, left, bottom, right = crop.box
    assert (top, bottom) == (147, 153)  # 6 rows around row 150
    assert f"a 6×6 crop at rows {top}..{bottom - 1}, columns {left}..{right - 1}, plus its 1-pixel ring" in text
    panels = {p["name"]: p for p in board(at)["panels"]}
    assert "W[:, :, 0, 2]" in json.dumps(panels["W/0"])  # filter c = 2, the Gaussian blur
    assert board(at)["n_steps"] == 36  # a 6x6 crop and its ring of 1 (pad 0 on it), stride 1: 6x6 windows
    assert "a_prev_pad/2" in panels  # the crop's three channels, real pixels


def test_the_progress_bar_of_a_first_computation_never_breaks_a_rerun(monkeypatch):
    # st.cache_* would record the bar's updates and fail to replay them on the next run.
    calls = []
    original = fc.ProgressBar.__call__
    monkeypatch.setattr(fc, "BIG_WORK", 0)  # show the bar even for a sample
    monkeypatch.setattr(fc.ProgressBar, "__call__", lambda self, x, text: calls.append(x) or original(self, x, text))
    at = open_page("sample", "scene", stride=2, pool_f=3, pool_stride=3)
    at.radio(key="fm_pad_mode").set_value(fc.PAD_SAME).run()  # new settings: computed now, with progress
    assert calls and calls[-1] == 1.0
    for _ in range(2):
        at.run()  # cached
        healthy(at)
        assert_grid(at, fc.DEFAULT_KERNELS, images.sample_image("scene").shape, 3, 2, 1)


def test_a_preview_too_small_for_the_filter_is_an_error_below_the_maps():
    at = open_page("sample", "digit", pad=0)
    at.toggle(key="fm_custom_on").set_value(True).run()
    at.number_input(key="fm_custom_f").set_value(7).run()
    at.select_slider(key="fm_preview_size").set_value(4).run()
    healthy(at)
    assert "The preview is too small for this filter" in errors(at) and "f=7" in errors(at)
    assert not at.get("bidi_component")  # no animation, but every map
    assert len(at.image) == 1 + 3 * (len(fc.DEFAULT_KERNELS) + 1) + 1  # and the crop, in colour
    at.select_slider(key="fm_preview_size").set_value(8).run()  # the fix the message suggests
    healthy(at)
    assert not at.error and at.get("bidi_component")


# --- Upload errors: in the main area, with the file's name as plain text -----------------------


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("notes <b>x</b>.png", b"hello, this is text" * 10, "text file"),
        ("big.png", b"\x89PNG" + bytes(images.MAX_FILE_BYTES), "the limit is 20 MB"),
    ],
    ids=["text", "too-large"],
)
def test_upload_errors_are_shown_in_the_main_area_with_the_file_name(name, data, reason):
    at = open_page("upload")
    at.file_uploader(key="upload_widget").set_value((name, data, "image/png")).run()
    healthy(at)
    main_errors = " ".join(e.value for e in at.main.error)
    assert reason in main_errors and "cannot be used" in main_errors
    names = [t.value for t in at.main.text]
    assert f"File: {images.safe_name(name)}" in names and "<b>" not in " ".join(names)  # plain, sanitised
    assert not at.image  # no maps of a sample passed off as the upload


def test_heic_upload_makes_maps():
    at = open_page("upload")
    at.file_uploader(key="upload_widget").set_value(("photo.heic", F.heic(), "image/heif")).run()
    healthy(at)
    assert not at.error, errors(at)
    assert shape_captions(at)[0] == "A_prev is your upload: 20×40×3 (n_H_prev × n_W_prev × n_C_prev)"


# --- Inspect a map: the Plotly figure -----------------------------------------------------------


def figure(at: AppTest, key: str = "fm_inspect_chart") -> dict:
    (chart,) = [c for c in at.get("plotly_chart") if c.proto.id and key in c.proto.id]
    return json.loads(chart.proto.spec)


def typed(array: dict) -> np.ndarray:
    """A Plotly typed array ({"dtype", "bdata", "shape"}) back to numpy."""
    import base64

    shape = [int(n) for n in str(array.get("shape", "-1")).split(",")]
    return np.frombuffer(base64.b64decode(array["bdata"]), dtype=np.dtype(array["dtype"])).reshape(shape)


def test_the_inspect_figure_is_z_relu_and_pooled_linked_with_hover_values():
    at = open_page("sample", "scene")
    image = images.sample_image("scene")
    maps = features.compute_feature_maps(image, kernels.kernel_bank(fc.DEFAULT_KERNELS, 3), stride=1, pad=1)
    n_H, n_W = maps.Z.shape[:2]
    spec = figure(at)
    z, relu, a = spec["data"]
    assert [t["type"] for t in spec["data"]] == ["heatmap"] * 3 and [z["name"], relu["name"], a["name"]] == [
        "Z",
        "max(Z, 0)",
        "A",
    ]
    np.testing.assert_array_equal(typed(z["z"]), maps.Z[:, :, 0].astype(np.float32))  # every value: 192x256 fits
    np.testing.assert_array_equal(typed(a["z"]), maps.pooled[:, :, 0].astype(np.float32))
    m = np.abs(maps.Z[:, :, 0]).max()
    assert z["zmin"] == pytest.approx(-m) and z["zmax"] == pytest.approx(m)  # Sobel x: diverging, centred on 0
    assert relu["zmin"] == a["zmin"] == 0 and relu["zmax"] == a["zmax"] == pytest.approx(maps.Z[:, :, 0].max())
    assert "row %{y}, column %{x}" in z["hovertemplate"] and "%{z:.2f}" in z["hovertemplate"]  # 2 decimals
    assert "row %{customdata[0]}, column %{customdata[1]}" in a["hovertemplate"]
    layout = spec["layout"]
    assert layout["xaxis"]["range"] == [-0.5, n_W - 0.5] and layout["yaxis"]["range"] == [n_H - 0.5, -0.5]
    assert layout["xaxis2"]["matches"] == layout["xaxis3"]["matches"] == "x" and layout["yaxis3"]["matches"] == "y"
    assert layout["yaxis"]["scaleanchor"] == "x" and layout["yaxis"]["scaleratio"] == 1
    assert a["dx"] == a["dy"] == 2 and a["x0"] == a["y0"] == 0.5  # A[i, j] over Z's rows 2i, 2i+1
    assert any("at full resolution" in c.value and "on the wire" in c.value for c in at.caption)
    hist = figure(at, "fm_inspect_hist")
    counts = [typed(t["y"]) if isinstance(t["y"], dict) else np.asarray(t["y"]) for t in hist["data"][:2]]
    assert sum(int(c.astype(np.int64).sum()) for c in counts) == n_H * n_W  # every Z value, in gray or red

    # A blur's Z is never negative: sequential from 0. The row's Inspect button picks it.
    at.button(key="fm_inspect_btn_2").click().run()
    healthy(at)
    assert at.selectbox(key="fm_inspect").value == "Gaussian blur"
    z = figure(at)["data"][0]
    assert z["zmin"] == 0 and z["zmax"] == pytest.approx(maps.Z[:, :, 2].max())


def test_a_large_photo_is_inspected_reduced_or_at_full_resolution_around_the_crop():
    at = open_page("upload")
    at.file_uploader(key="upload_widget").set_value(("photo.jpg", F.photo_jpeg(1600, 1200), "image/jpeg")).run()
    healthy(at)
    assert not at.error, errors(at)
    n_H, n_W = images.load_image(F.photo_jpeg(1600, 1200)).array.shape[:2]  # (768, 1024) at pad 1, stride 1
    spec = figure(at)
    k = features.block_for(n_H, n_W)
    assert k > 1 and typed(spec["data"][0]["z"]).shape == (-(-n_H // k), -(-n_W // k))
    assert f"each cell is a {k}×{k} block" in " ".join(c.value for c in at.caption)
    at.slider(key="fm_crop_row").set_value(100).run()
    at.radio(key="fm_inspect_area").set_value(fc.AREA_WINDOW).run()
    healthy(at)
    spec = figure(at)
    top, left, bottom, right = features.centred_window(n_H, n_W, 101, at.slider(key="fm_crop_col").value + 1)
    side = features.INSPECT_SIDE
    assert typed(spec["data"][0]["z"]).shape == (bottom - top, right - left) == (side, side)
    assert spec["layout"]["xaxis"]["range"] == [left - 0.5, right - 0.5]
    assert spec["layout"]["yaxis"]["range"] == [bottom - 0.5, top - 0.5]


def test_the_settings_row_is_on_the_page_not_in_the_sidebar():
    at = open_page("sample", "disc", stride=2, pool_f=3, pool_stride=3)
    for key in ("stride", "pad", "pool_f", "pool_stride"):
        assert at.main.slider(key=key) and key not in [s.key for s in at.sidebar.slider]
    assert at.main.radio(key="mode").value == "max"
    assert not any(s.key == "f" for s in at.slider)  # f is the kernels': no slider that does nothing
    assert any("**f** (the filter's size) is the kernels'" in c.value for c in at.caption)
    assert_grid(at, fc.DEFAULT_KERNELS, images.sample_image("disc").shape, 3, 2, 1)


def test_the_pages_zip_has_distinct_grids_and_full_names(monkeypatch):
    """The "Maps as PNG (.zip)" button's file, made by the page's own callable (captured where Streamlit keeps it)."""
    import io
    import zipfile

    from PIL import Image
    from streamlit.runtime.media_file_manager import MediaFileManager

    made = {}
    original = MediaFileManager.add_deferred

    def spy(self, data_callable, mimetype, coordinates, file_name=None, **kwargs):  # noqa: ANN001, ANN202
        file_id = original(self, data_callable, mimetype, coordinates, file_name, **kwargs)
        made[file_id] = data_callable
        return file_id

    monkeypatch.setattr(MediaFileManager, "add_deferred", spy)
    at = open_page("upload")  # a photo: maps of 768x1024, where 256-pixel thumbnails made the two grids one file
    at.file_uploader(key="upload_widget").set_value(("photo.jpg", F.photo_jpeg(1600, 1200), "image/jpeg")).run()
    healthy(at)
    (button,) = [d for d in at.get("download_button") if d.key == "fm_png"]
    with zipfile.ZipFile(io.BytesIO(made[button.proto.deferred_file_id]())) as archive:
        names = set(archive.namelist())
        grids = {name: archive.read(name) for name in names if name.endswith("_grid.png")}
        sizes = {name: Image.open(io.BytesIO(data)).size for name, data in grids.items()}
    stages = ["Z_conv_output", "ReLU_max_Z_0", "A_pooled"]
    assert set(grids) == {f"{stage}_grid.png" for stage in stages}
    assert len(set(grids.values())) == 3  # relu_grid.png and pooled_grid.png were byte-identical
    assert sizes["A_pooled_grid.png"][1] < sizes["ReLU_max_Z_0_grid.png"][1]  # the pooled maps, half as tall
    labels = [features.file_label(name) for name in fc.DEFAULT_KERNELS]
    assert {f"{stage}/{c:02d}_{label}.png" for stage in stages for c, label in enumerate(labels)} <= names
    assert "Z_conv_output/00_Sobel_x.png" in names  # the kernel's full name, its space as "_"
