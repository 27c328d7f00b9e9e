"""The Feature maps page with a 12-megapixel photo: upload -> maps on screen (AppTest), budget 2 s.

A 4032x3024 photo-like JPEG (tests/fixtures_images.photo_jpeg, quality 90, about 4.5 MB) is
uploaded through the sidebar's file_uploader with eight filters chosen on the page. Measured:
- upload -> the page's finished run, first time (nothing cached: decode, downscale to 1024x768,
  eight 3x3 filters, ReLU, pool, 24 map images, the animation) and a rerun (all cached);
- the stages on their own (same functions, outside Streamlit), to show where the time goes;
- peak memory of the first run: process RSS growth (VmHWM, sees Pillow's C buffers) and
  tracemalloc (Python and numpy allocations; a separate run, tracemalloc slows things down);
- what the page sends: every element's protobuf (the player's storyboard and the inspect figure are
  most of it) plus the PNG bytes behind each st.image (served as media files);
- the inspect figure on the wire (Plotly's JSON, float32 typed arrays): the whole map (reduced to
  features.INSPECT_CELLS values per map) and a full-resolution window, against FIGURE_BUDGET;
- in a real Chromium (if present): the websocket bytes of a first load and of two reruns (one that
  keeps the inspect figure, one that changes it); upload -> every map loaded and the chart drawn.
A warm-up with a different photo comes first (imports, BLAS threads), so "first" means first for
this picture, not first in the process.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

from bench import proc_status_kb

ROOT = Path(__file__).parents[1]
sys.path.insert(0, str(ROOT / "tests"))

BUDGET_S = 2.0
FIGURE_BUDGET = 1.2 * 2**20  # bytes: the inspect figure (Z, ReLU and A of one filter) on the wire
PAGE = "lessons/feature_maps.py"
FILTERS = ["box blur", "Gaussian blur", "sharpen", "Sobel x", "Sobel y", "Laplacian", "emboss", "outline"]
RERUNS = 5


class MediaSizes:
    """Record the bytes of every media file (st.image PNGs) the app stores, by file id."""

    def __init__(self) -> None:
        from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage

        self.sizes: dict[str, int] = {}
        original = MemoryMediaFileStorage.load_and_get_id

        def spy(storage, path_or_data, mimetype, kind, filename=None):  # noqa: ANN001, ANN202
            file_id = original(storage, path_or_data, mimetype, kind, filename)
            if isinstance(path_or_data, bytes | bytearray):
                self.sizes[file_id] = len(path_or_data)
            return file_id

        MemoryMediaFileStorage.load_and_get_id = spy

    def of(self, at) -> int:  # noqa: ANN001
        """Bytes of the images the page currently shows."""
        total = 0
        for image in at.image:
            for url in image.value:
                file_id = url.rsplit("/", 1)[-1].split(".", 1)[0]
                total += self.sizes.get(file_id, 0)
        return total


def _elements(node):  # noqa: ANN001, ANN202
    children = getattr(node, "children", None)
    if children is None:
        yield node
        return
    for child in children.values():
        yield from _elements(child)


def proto_bytes(at) -> tuple[int, int, int]:  # noqa: ANN001
    """(all elements' protobuf bytes, of which the player's storyboard, of which Plotly figures)."""
    total = charts = figures = 0
    for root in (at.main, at.sidebar):
        for element in _elements(root):
            proto = getattr(element, "proto", None)
            if proto is None:
                continue
            size = proto.ByteSize()
            total += size
            charts += size if element.type == "bidi_component" else 0
            figures += size if element.type == "plotly_chart" else 0
    return total, charts, figures


def page_with_filters():  # noqa: ANN201
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.run()
    at.switch_page(PAGE).run()
    at.radio(key="source").set_value("upload").run()
    at.multiselect(key="fm_kernels").set_value(FILTERS).run()
    return at


def upload(at, data: bytes, name: str = "photo.jpg") -> float:  # noqa: ANN001
    t = time.perf_counter()
    at.file_uploader(key="upload_widget").set_value((name, data, "image/jpeg")).run()
    elapsed = time.perf_counter() - t
    if at.exception or at.error:
        raise RuntimeError([e.value for e in [*at.exception, *at.error]])
    if len(at.image) != 2 + 3 * len(FILTERS) or not at.get("bidi_component") or not at.get("plotly_chart"):
        raise RuntimeError(f"the page did not draw every map: {len(at.image)} images")
    return elapsed


def _reset_peak() -> bool:
    try:
        Path("/proc/self/clear_refs").write_text("5")  # VmHWM := current RSS
        return True
    except OSError:
        return False


def stages(data: bytes) -> list[tuple[str, float]]:
    """The page's work, stage by stage, outside Streamlit (one run, a fresh photo)."""
    import numpy as np

    from cnnviz.pictures import features, images, kernels
    from cnnviz.steps import storyboard

    out = []
    t = time.perf_counter()
    loaded = images.load_image(data)
    out.append((f"decode + downscale to {loaded.array.shape[1]}x{loaded.array.shape[0]}", time.perf_counter() - t))
    W = kernels.kernel_bank(FILTERS, loaded.array.shape[2])
    t = time.perf_counter()
    maps = features.compute_feature_maps(loaded.array, W, stride=1, pad=1)
    out.append(("conv + ReLU + pool (cnnviz.core.fast, 8 filters)", time.perf_counter() - t))
    t = time.perf_counter()
    features.feature_tiles(maps, features.TILE_SIDE)
    features.image_png(loaded.array, features.display_scale(*loaded.array.shape[:2], features.TILE_SIDE))
    out.append((f"24 map tiles ({features.TILE_SIDE} px) + input as PNG", time.perf_counter() - t))
    t = time.perf_counter()
    n_H_prev, n_W_prev = loaded.array.shape[:2]
    crop = features.crop_with_neighbours(loaded.array, 10, (n_H_prev // 2, n_W_prev // 2), 1, 1)
    board = storyboard.conv_forward_board(
        crop.A_prev[None], W, np.zeros((1, 1, 1, len(FILTERS))), {"stride": 1, "pad": 0}
    )
    json.dumps(board)
    out.append(("storyboard (10 px crop and its ring) + JSON", time.perf_counter() - t))
    t = time.perf_counter()
    figure_sizes(maps)
    out.append(("inspect figure (whole map) + histograms, built and serialised", time.perf_counter() - t))
    return out


def figure_sizes(maps) -> list[tuple[str, int, tuple[int, int]]]:  # noqa: ANN001
    """(what, bytes on the wire, blocks (Z, A)) of filter 0's inspect figure and histograms."""
    from cnnviz.draw import plots
    from cnnviz.pictures import features

    n_H, n_W = maps.Z.shape[:2]
    rules = features.stage_rules(maps)[0]
    out = []
    for what, window in (
        ("whole map", None),
        (
            f"{features.INSPECT_SIDE}x{features.INSPECT_SIDE} window",
            features.centred_window(n_H, n_W, n_H // 2, n_W // 2),
        ),
    ):
        view = features.inspect_view(maps.Z[:, :, 0], maps.pooled[:, :, 0], rules, 2, 2, window)
        out.append(
            (what, plots.wire_bytes(plots.inspect_figure(view.panels)), (view.blocks["Z"], view.blocks["pooled"]))
        )
    hist = plots.histogram_figure(*features.histograms(maps.Z[:, :, 0], maps.pooled[:, :, 0]), ("Z", "A"))
    out.append(("histograms (Z, A)", plots.wire_bytes(hist), (1, 1)))
    return out


CHART_Z = """() => {
  const p = document.querySelector('[data-testid="cnnviz-player"]');
  return p ? p.outerHTML.length + ':' + (p.getAttribute('data-step') || '') : '';
}"""
BROWSER_STATE = """(before) => {
  const imgs = [...document.querySelectorAll('[data-testid="stImage"] img')];
  return [!document.querySelector('[data-testid="stStatusWidget"]'), imgs.length,
          imgs.length > 0 && imgs[0].src !== before,
          imgs.every(i => i.complete && i.naturalWidth > 0), !!document.querySelector('[data-testid="cnnviz-player"]')];
}"""


def browser_times(photos: list[bytes]) -> None:
    """Upload each photo in a real Chromium; time until its maps are loaded and the chart redrawn, and until idle."""
    import tempfile

    import browser

    why = browser.missing()
    if why:
        print(f"\nbrowser: skipped ({why})")
        return
    n_images = 2 + 3 * len(FILTERS)  # the input, 3 maps per filter, the crop in colour
    with tempfile.TemporaryDirectory() as tmp, browser.streamlit_server() as url, browser.chromium() as chrome:
        paths = []
        for k, data in enumerate(photos):
            paths.append(Path(tmp) / f"photo{k}.jpg")
            paths[-1].write_bytes(data)
        page = chrome.new_page(viewport={"width": 1600, "height": 1000})
        page.goto(f"{url}/feature_maps?source=upload")
        browser.wait_for_player(page, 60000)
        box = page.locator('[data-testid="stMultiSelect"] input')
        for name in FILTERS:
            if name not in page.locator('[data-testid="stMultiSelect"]').inner_text():
                box.click()
                box.fill(name)
                box.press("Enter")
                page.wait_for_timeout(300)
        page.keyboard.press("Escape")
        page.wait_for_function(f"() => document.querySelectorAll('[data-testid=stImage] img').length === {n_images}")
        browser.wait_for_player(page, 60000)
        marks: dict[str, list[float]] = {"maps": [], "chart": [], "idle": []}
        for path in paths:
            before = page.evaluate("() => document.querySelector('[data-testid=stImage] img').src")
            chart_before = page.evaluate(CHART_Z)  # the preview's channel 0: new photo, new numbers
            start = time.perf_counter()
            page.set_input_files('[data-testid="stFileUploaderDropzoneInput"]', str(path))
            seen: dict[str, float] = {}
            while time.perf_counter() - start < 60 and len(seen) < 3:
                idle, count, new, loaded, _ = page.evaluate(BROWSER_STATE, before)
                now = time.perf_counter() - start
                if new and loaded and count == n_images:
                    seen.setdefault("maps", now)
                if "chart" not in seen and page.evaluate(CHART_Z) != chart_before:
                    seen["chart"] = now
                if idle and len(seen) == 2:
                    seen["idle"] = now
                page.wait_for_timeout(20)
            for name in marks:
                marks[name].append(seen.get(name, float("nan")))
        print(f"\nbrowser (Chromium, 1600x1000), {len(paths)} new photos, each uploaded through the sidebar:")
        for name, text in (
            ("maps", f"upload -> all {n_images} map images loaded (the budget)"),
            ("chart", "upload -> the animation redrawn with the new picture"),
            ("idle", "upload -> Streamlit's 'running' indicator gone"),
        ):
            median = statistics.median(marks[name])
            verdict = (" ok" if median <= BUDGET_S else " OVER") if name == "maps" else ""
            each = ", ".join(f"{t:.2f}" for t in marks[name])
            print(f"  {text:<56}{median:>6.2f} s  (each: {each}){verdict}")
        print("  all include the upload, the extra rerun the uploader starts on selecting a file, image fetches")


def wire_per_rerun() -> None:
    """Websocket bytes the browser receives: the first load, a rerun that keeps the inspect figure, a new figure.

    Streamlit's message cache sends an element the browser already holds (same bytes) as a reference,
    so the inspect figure crosses the wire when it changes, not on every rerun.
    """
    import browser

    why = browser.missing()
    if why:
        print(f"\nwire per rerun: skipped ({why})")
        return
    with browser.streamlit_server() as url, browser.chromium() as chrome:
        page = chrome.new_page(viewport={"width": 1280, "height": 720})
        frames: list[int] = []
        page.on("websocket", lambda ws: ws.on("framereceived", lambda p: frames.append(len(p))))
        page.goto(url + "/feature_maps?sample=scene", wait_until="networkidle")
        page.locator(".st-key-fm_inspect_chart .js-plotly-plot").wait_for(timeout=90000)
        page.wait_for_timeout(2000)
        print("\nwebsocket bytes received (Chromium, sample 'scene', 4 filters):")
        print(f"  {'first load of the page':<56}{sum(frames) / 1024:>9.0f} KB")

        def crop_step() -> None:
            page.locator(".st-key-fm_crop_row input[type=range]").focus()
            page.keyboard.press("ArrowRight")

        for what, action in (
            ("crop moved 1 row (new storyboard, same inspect figure)", crop_step),
            (
                "another filter inspected (a new inspect figure)",
                lambda: page.locator(".st-key-fm_inspect_btn_1 button").first.click(),
            ),
        ):
            frames.clear()
            action()
            page.wait_for_timeout(3000)
            page.wait_for_function("() => !document.querySelector('[data-testid=stStatusWidget]')", timeout=60000)
            print(f"  {what:<56}{sum(frames) / 1024:>9.0f} KB")


def main() -> None:
    from fixtures_images import photo_jpeg

    media = MediaSizes()
    photos = {q: photo_jpeg(4032, 3024, quality=q) for q in (88, 89, 90)}  # three different files
    data = photos[90]
    print(
        f"input: 4032x3024 photo-like JPEG, {len(data) / 2**20:.1f} MB; filters: {len(FILTERS)} ({', '.join(FILTERS)})"
    )
    print("page defaults otherwise: stride 1, pad 1, max pool 2x2 stride 2, animation on a 10 px crop")
    print(f"load average {', '.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} CPUs\n")

    at = page_with_filters()
    upload(at, photos[89], "warm-up.jpg")  # imports, BLAS threads, Streamlit's first-run costs

    at = page_with_filters()
    peak_ok = _reset_peak()
    rss_before = proc_status_kb("VmRSS")
    first = upload(at, data)
    rss_peak = proc_status_kb("VmHWM")
    reruns = []
    for _ in range(RERUNS):
        t = time.perf_counter()
        at.run()
        reruns.append(time.perf_counter() - t)
    rerun = statistics.median(reruns)
    protos, charts, figures = proto_bytes(at)
    pngs, n_images = media.of(at), len(at.image)

    print(f"{'measure':<58}{'value':>12}  budget")
    verdict = "ok" if first <= BUDGET_S else "OVER"
    print(f"{'upload -> finished run, first (uncached)':<58}{first:>10.2f} s  {BUDGET_S:.1f} s {verdict}")
    print(f"{f'rerun, all cached (median of {RERUNS})':<58}{rerun * 1000:>9.0f} ms  0.3 s (app rerun budget)")
    if peak_ok and rss_before is not None and rss_peak is not None:
        print(f"{'peak RSS growth during the first run':<58}{(rss_peak - rss_before) / 1024:>9.0f} MB")
    else:
        print(f"{'peak RSS growth during the first run':<58}{'n/a':>12}")

    at = page_with_filters()
    tracemalloc.start()
    upload(at, photos[88])
    traced = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    print(f"{'tracemalloc peak, first run (another photo)':<58}{traced:>9.0f} MB")
    print(f"{'sent: element protos (all)':<58}{protos / 1024:>9.0f} KB")
    print(f"{'  of which the storyboard (player)':<58}{charts / 1024:>9.0f} KB  1 MB (a board)")
    print(f"{'  of which the inspect figure and histograms (Plotly)':<58}{figures / 1024:>9.0f} KB")
    print(f"{f'sent: {n_images} PNG images (input + 3 x {len(FILTERS)} maps + crop)':<58}{pngs / 1024:>9.0f} KB")
    print(f"{'sent in all':<58}{(protos + pngs) / 1024:>9.0f} KB")
    full = 1024 * 768 * len(FILTERS) * 8 * 2 + 512 * 384 * len(FILTERS) * 8
    print(f"(for scale: the float64 maps themselves are {full / 2**20:.0f} MB; they are downloads, made on click)")

    from cnnviz.pictures import features, images, kernels

    loaded = images.load_image(data)
    maps = features.compute_feature_maps(loaded.array, kernels.kernel_bank(FILTERS[:1], 3), stride=1, pad=1)
    print(
        f"\nthe inspect figure on the wire, Z {maps.Z.shape[0]}x{maps.Z.shape[1]} (Plotly JSON, float32 typed arrays):"
    )
    for what, size, (k, k_pool) in figure_sizes(maps):
        verdict = "ok" if size <= FIGURE_BUDGET else "OVER"
        blocks = f"blocks {k}x{k} / A {k_pool}x{k_pool}" if what != "histograms (Z, A)" else ""
        budget = f"{FIGURE_BUDGET / 2**20:.1f} MB {verdict}" if what != "histograms (Z, A)" else ""
        print(f"  {what:<30}{blocks:<26}{size / 1024:>9.0f} KB  {budget}")

    print("\nwhere the time goes (the same functions outside Streamlit, one run):")
    for name, seconds in stages(photo_jpeg(4000, 3000, quality=87)):
        print(f"  {name:<56}{seconds:>10.3f} s")

    wire_per_rerun()
    browser_times([photo_jpeg(4032, 3024, quality=q) for q in (84, 85, 86)])


if __name__ == "__main__":
    main()
