"""The Feature maps page in a real Chromium: upload errors, the inspected map's zoom and hover, the crop's box."""

import io
import re

import browser
import fixtures_images as F
import numpy as np
import pytest
from PIL import Image

from cnnviz.pictures import images

pytestmark = pytest.mark.browser


app_url, chrome = browser.module_fixtures()


@pytest.fixture
def page(chrome):
    page = browser.watched_page(chrome, 1280, 720)
    yield page
    page.close()


def test_a_too_large_png_is_explained_in_the_main_area(app_url, page, tmp_path):
    """A 20.8 MB PNG: Streamlit lets it through (its limit is higher), the app says why in the main area."""
    big = tmp_path / "holiday photo.png"
    big.write_bytes(F.rgb_png() + bytes(int(20.8 * 2**20)))
    page.goto(app_url + "/feature_maps?source=upload", wait_until="networkidle")
    sidebar = page.locator('[data-testid="stSidebar"]')
    limit = f"up to {images.MAX_FILE_BYTES // 2**20} MB"
    sidebar.get_by_text(limit).wait_for(timeout=30000)  # the limit, stated before the upload
    page.set_input_files('[data-testid="stFileUploaderDropzoneInput"]', str(big))
    main = page.locator('[data-testid="stMain"]')
    alert = main.locator('[data-testid="stAlert"]', has_text="cannot be used")
    alert.wait_for(timeout=60000)
    assert "the limit is 20 MB" in alert.inner_text()
    assert main.get_by_text("File: holiday photo.png").is_visible()
    assert not sidebar.get_by_text("File must be").count()  # not Streamlit's own refusal in the sidebar
    assert not browser.errors_after_settling(page), page.errors


def test_a_heic_photo_is_accepted(app_url, page, tmp_path):
    photo = tmp_path / "IMG_0001.HEIC"
    photo.write_bytes(F.heic())
    page.goto(app_url + "/feature_maps?source=upload", wait_until="networkidle")
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').wait_for(state="attached", timeout=30000)
    page.set_input_files('[data-testid="stFileUploaderDropzoneInput"]', str(photo))
    main = page.locator('[data-testid="stMain"]')
    main.get_by_text("A_prev is your upload: 20×40×3").wait_for(timeout=60000)
    assert not main.locator('[data-testid="stAlert"]', has_text="cannot be used").count()
    assert not browser.errors_after_settling(page), page.errors


def test_the_shape_arithmetic_is_not_clipped_at_1280(app_url, page):
    """The formulas sat in the column beside the picture and scrolled sideways at 1280x720."""
    page.goto(app_url + "/feature_maps", wait_until="networkidle")
    block = page.locator('[data-testid="stMain"] [data-testid="stCode"]', has_text="n_H_pool = floor(").first
    block.wait_for(timeout=60000)
    pre = block.locator("pre").first
    widths = pre.evaluate("e => [e.scrollWidth, e.clientWidth]")
    assert widths[0] <= widths[1], f"scrollWidth {widths[0]} > clientWidth {widths[1]}: the formulas are clipped"
    assert not browser.errors_after_settling(page), page.errors


def inspect_chart(page):
    """The inspect figure's Plotly element, drawn."""
    chart = page.locator(".st-key-fm_inspect_chart .js-plotly-plot")
    chart.wait_for(timeout=90000)
    chart.locator(".heatmaplayer image, .heatmaplayer").first.wait_for(state="attached", timeout=30000)
    chart.scroll_into_view_if_needed()
    return chart


def axis_ranges(chart) -> dict[str, list[float]]:
    return chart.evaluate(
        "e => Object.fromEntries(['xaxis', 'yaxis', 'xaxis2', 'yaxis3'].map(a => [a, e._fullLayout[a].range]))"
    )


def test_zoom_on_the_inspected_map_zooms_the_three_and_hover_reads_a_value(app_url, page):
    page.goto(app_url + "/feature_maps?sample=scene", wait_until="networkidle")
    chart = inspect_chart(page)
    before = axis_ranges(chart)
    assert before["xaxis"] == [-0.5, 255.5] and before["yaxis"] == [191.5, -0.5]  # all of Z, row 0 on top
    box = chart.locator(".nsewdrag").first.bounding_box()  # the Z panel's drag area
    x0, y0 = box["x"] + box["width"] * 0.3, box["y"] + box["height"] * 0.3
    page.mouse.move(x0, y0)
    page.mouse.down()
    page.mouse.move(x0 + box["width"] * 0.25, y0 + box["height"] * 0.25, steps=8)
    page.mouse.up()
    page.wait_for_function(
        "e => e._fullLayout.xaxis.range[1] - e._fullLayout.xaxis.range[0] < 200",
        arg=chart.element_handle(),
        timeout=60000,
    )
    after = axis_ranges(chart)
    width = after["xaxis"][1] - after["xaxis"][0]
    assert 20 < width < 120, after  # about a quarter of 256 columns (square pixels may widen it)
    assert after["xaxis2"] == after["xaxis"] and after["yaxis3"] == after["yaxis"]  # ReLU and A zoomed with it
    # Hover in the zoomed Z: row, column and a value with the page's 2 decimals
    page.mouse.move(box["x"] + box["width"] * 0.5, box["y"] + box["height"] * 0.3)
    label = chart.locator(".hoverlayer .hovertext").first
    label.wait_for(timeout=30000)
    text = label.text_content()
    assert "row" in text and "column" in text and "value" in text, text
    assert re.search(r"value -?\d+\.\d\d\b", text), text
    assert not browser.errors_after_settling(page), page.errors


def test_the_crop_box_is_visible_on_the_photo(app_url, page):
    """The crop's box: at least 2 px of magenta around it (it was ~4 px of 1-px outline on a phone photo)."""
    page.goto(app_url + "/feature_maps?sample=scene", wait_until="networkidle")
    frame = page.frame_locator('.st-key-fm_crop_click iframe, iframe[title*="image_coordinates"]').first
    img = frame.locator("img")
    img.wait_for(timeout=90000)
    img.scroll_into_view_if_needed()
    page.wait_for_timeout(500)
    shot = np.asarray(Image.open(io.BytesIO(img.screenshot())).convert("RGB")).astype(int)
    magenta = (abs(shot[:, :, 0] - 230) < 40) & (shot[:, :, 1] < 60) & (abs(shot[:, :, 2] - 120) < 50)
    rows, cols = np.nonzero(magenta)
    assert magenta.sum() > 60, magenta.sum()
    # A thick outline: some column holds a vertical run of magenta at least 2 px wide across several rows
    thick = magenta[:, :-1] & magenta[:, 1:]
    assert thick.sum() > 20, thick.sum()
    # around the crop's place: the default crop is the picture's centre
    h, w = magenta.shape
    assert abs(rows.mean() - h / 2) < h / 5 and abs(cols.mean() - w / 2) < w / 5
    assert not browser.errors_after_settling(page), page.errors
