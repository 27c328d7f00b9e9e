"""A 12-megapixel photo -> feature maps: load, downscale, eight filters, ReLU, pool; budget 2 s.

The photo is a 4000x3000 photo-like JPEG (quality 90) generated in memory. Each stage is timed
(median of REPEATS runs) for several working sizes (load_image's max_side); "grids" encodes the
Z / ReLU / pooled maps as the three PNG grids the page offers for download, standing in for
"on screen". Peak memory: tracemalloc (Python and numpy allocations) and the process's peak RSS
growth (VmHWM, which also sees Pillow's C buffers), both for one run at the default size.
"""

from __future__ import annotations

import inspect
import statistics
import time
import tracemalloc
from pathlib import Path

from PIL import Image

from bench import proc_status_kb
from cnnviz.pictures import features, images, kernels
from tests.fixtures_images import encode, photo_array, photo_jpeg

BUDGET_S = 2.0
REPEATS = 3
SIZES = (512, 768, 1024, 1536)
FILTERS = ["box blur", "Gaussian blur", "sharpen", "Sobel x", "Sobel y", "Laplacian", "emboss", "outline"]
DEFAULT_MAX_SIDE = inspect.signature(images.load_image).parameters["max_side"].default


def pipeline(data: bytes, max_side: int) -> tuple[dict[str, float], tuple[int, ...]]:
    """Run every stage once; return seconds per stage and the working image's shape."""
    timings: dict[str, float] = {}
    t = time.perf_counter()
    loaded = images.load_image(data, max_side=max_side)
    timings["load+downscale"] = time.perf_counter() - t
    t = time.perf_counter()
    W = kernels.kernel_bank(FILTERS, loaded.array.shape[2])
    maps = features.compute_feature_maps(loaded.array, W)
    timings["conv"] = maps.timings["conv"]
    timings["relu"] = maps.timings["relu"]
    timings["pool"] = maps.timings["pool"]
    timings["features (all)"] = time.perf_counter() - t
    t = time.perf_counter()
    for stage in (maps.Z, maps.relu, maps.pooled):
        features.maps_grid_png(stage, labels=FILTERS)  # colours by content, as the page (features.colour_rule)
    timings["grids (3 PNG)"] = time.perf_counter() - t
    timings["total"] = timings["load+downscale"] + timings["features (all)"] + timings["grids (3 PNG)"]
    return timings, loaded.array.shape


def _timed(fn, *args) -> float:
    t = time.perf_counter()
    fn(*args)
    return time.perf_counter() - t


def peak_rss_growth_mb(data: bytes, max_side: int) -> float | None:
    """Peak RSS during one run minus RSS before it (resets the high-water mark via clear_refs)."""
    try:
        Path("/proc/self/clear_refs").write_text("5")  # reset VmHWM to the current RSS
    except OSError:
        return None
    before = proc_status_kb("VmRSS")
    pipeline(data, max_side)
    peak = proc_status_kb("VmHWM")
    return None if before is None or peak is None else (peak - before) / 1024


def main() -> None:
    t = time.perf_counter()
    data = photo_jpeg(4000, 3000, quality=90)
    print(f"input: 4000x3000 photo-like JPEG, {len(data) / 2**20:.1f} MB, generated in {time.perf_counter() - t:.2f} s")
    print(f"filters: {len(FILTERS)} ({', '.join(FILTERS)}), 3x3, pad 'same', stride 1; max pool 2x2 stride 2")
    print(f"median of {REPEATS} runs, seconds; budget {BUDGET_S:.1f} s for load -> maps\n")
    pipeline(data, DEFAULT_MAX_SIDE)  # warm-up: imports, BLAS threads, caches

    stages = ["load+downscale", "conv", "relu", "pool", "features (all)", "grids (3 PNG)", "total"]
    print(f"{'max_side':>8} {'working size':>14} " + " ".join(f"{s:>14}" for s in stages) + "  budget")
    for max_side in SIZES:
        runs = [pipeline(data, max_side) for _ in range(REPEATS)]
        shape = runs[0][1]
        median = {s: statistics.median(r[0][s] for r in runs) for s in stages}
        mark = " (default)" if max_side == DEFAULT_MAX_SIDE else ""
        verdict = "ok" if median["total"] <= BUDGET_S else "OVER"
        size = f"{shape[1]}x{shape[0]}x{shape[2]}"
        print(
            f"{max_side:>8} {size:>14} "
            + " ".join(f"{median[s]:>14.3f}" for s in stages)
            + f"  {verdict} ({median['total'] / BUDGET_S:.0%}){mark}"
        )

    png = encode(Image.fromarray(photo_array(4000, 3000)), "PNG", compress_level=1)
    png_load = statistics.median(_timed(images.load_image, png, DEFAULT_MAX_SIDE) for _ in range(REPEATS))
    print(f"\nfor comparison, the same photo as a {len(png) / 2**20:.0f} MB PNG (no draft decoding for PNG):")
    print(f"  load+downscale at max_side={DEFAULT_MAX_SIDE}: {png_load:.3f} s")

    tracemalloc.start()
    pipeline(data, DEFAULT_MAX_SIDE)
    traced = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    rss = peak_rss_growth_mb(data, DEFAULT_MAX_SIDE)
    print(f"\npeak memory at max_side={DEFAULT_MAX_SIDE}: tracemalloc {traced:.0f} MB (Python + numpy)", end="")
    print(f", peak RSS growth {rss:.0f} MB (all, incl. Pillow)" if rss is not None else ", RSS not measurable here")
    print(f"input JPEG {len(data) / 2**20:.1f} MB; a full 12 MP decode alone would be 36 MB (uint8) / 144 MB (float32)")


if __name__ == "__main__":
    main()
