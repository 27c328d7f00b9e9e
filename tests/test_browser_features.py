"""The Feature maps page in a real Chromium: upload errors where the user looks, the limit before the upload."""

import browser
import fixtures_images as F
import pytest

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
    assert not page.errors, page.errors


def test_a_heic_photo_is_accepted(app_url, page, tmp_path):
    photo = tmp_path / "IMG_0001.HEIC"
    photo.write_bytes(F.heic())
    page.goto(app_url + "/feature_maps?source=upload", wait_until="networkidle")
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').wait_for(state="attached", timeout=30000)
    page.set_input_files('[data-testid="stFileUploaderDropzoneInput"]', str(photo))
    main = page.locator('[data-testid="stMain"]')
    main.get_by_text("A_prev is your upload: 20×40×3").wait_for(timeout=60000)
    assert not main.locator('[data-testid="stAlert"]', has_text="cannot be used").count()
    assert not page.errors, page.errors


def test_the_shape_arithmetic_is_not_clipped_at_1280(app_url, page):
    """The formulas sat in the column beside the picture and scrolled sideways at 1280x720."""
    page.goto(app_url + "/feature_maps", wait_until="networkidle")
    block = page.locator('[data-testid="stMain"] [data-testid="stCode"]', has_text="n_H_pool = floor(").first
    block.wait_for(timeout=60000)
    pre = block.locator("pre").first
    widths = pre.evaluate("e => [e.scrollWidth, e.clientWidth]")
    assert widths[0] <= widths[1], f"scrollWidth {widths[0]} > clientWidth {widths[1]}: the formulas are clipped"
    assert not page.errors, page.errors
