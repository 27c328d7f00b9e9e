"""Figure payloads and build times, at the app's defaults and at the worst settings its controls allow.

Budgets (DESIGN.md): a figure's JSON <= 1 MB at the defaults, <= 5 MB at the worst settings.
Payload = len(fig.to_json()), what the browser receives. Build = the builder call (trace + figure);
JSON = fig.to_json(); both the median of 3 runs. GIFs (draw.gif from the storyboards) are listed with their byte sizes.

The worst cases are where the per-frame payload peaks: f=1 on the largest padded input (most
windows, every frame capped at 144), f=7 with 4 channels (the biggest product / dW panels), a 12x12
padded grid (the largest one that still prints running totals in every cell, 4 channels), and the
Feature maps page's 32x32 crop.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

import numpy as np

from cnnviz.core import layers
from cnnviz.draw import figures, gif
from cnnviz.steps import storyboard

MB = 1_000_000


def _conv(m, n, C, f, stride, pad, n_C=8, seed=0):
    rng = np.random.default_rng(seed)
    A_prev = rng.standard_normal((m, n, n, C))
    W, b = rng.standard_normal((f, f, C, n_C)), rng.standard_normal((1, 1, 1, n_C))
    hp = {"stride": stride, "pad": pad}
    Z, cache = layers.conv_forward(A_prev, W, b, hp)
    return A_prev, W, b, hp, rng.standard_normal(Z.shape), cache


def _pool(m, n, C, f, stride, seed=0):
    rng = np.random.default_rng(seed)
    A_prev = rng.integers(-3, 4, (m, n, n, C)).astype(float)
    hp = {"f": f, "stride": stride}
    A, cache = layers.pool_forward(A_prev, hp)
    return A_prev, hp, rng.standard_normal(A.shape), cache


def _cases() -> list[tuple[str, str, Callable]]:
    """(builder, setting, build) triples: 'default' (budget 1 MB) or 'worst: ...' (budget 5 MB)."""
    d = _conv(2, 8, 3, 3, 1, 1, n_C=4)
    w1 = _conv(1, 16, 4, 1, 1, 3)
    w7 = _conv(1, 16, 4, 7, 1, 3)
    w12 = _conv(1, 6, 4, 1, 1, 3)  # 12x12 padded: running totals printed in all 4 channels, 144 frames
    crop = _conv(1, 32, 3, 7, 1, 3)
    p = _pool(2, 8, 3, 2, 2)
    p1 = _pool(1, 16, 4, 1, 1)
    p12 = _pool(1, 12, 1, 1, 1)
    pcrop = _pool(1, 32, 3, 2, 1)
    return [
        ("zero_pad", "default", lambda: figures.zero_pad_figure(d[0], 1)),
        ("zero_pad", "worst: 16x16, pad 3", lambda: figures.zero_pad_figure(w1[0], 3)),
        ("conv_forward", "default", lambda: figures.conv_forward_figure(*d[:4])),
        ("conv_forward", "worst: 16x16x4 f1 s1 p3", lambda: figures.conv_forward_figure(*w1[:4])),
        ("conv_forward", "worst: 16x16x4 f7 s1 p3", lambda: figures.conv_forward_figure(*w7[:4])),
        ("conv_forward", "worst: crop 32x32x3 f7 p3", lambda: figures.conv_forward_figure(*crop[:4])),
        ("pool_forward", "default", lambda: figures.pool_forward_figure(p[0], p[1])),
        ("pool_forward", "worst: 16x16 f1 s1", lambda: figures.pool_forward_figure(p1[0], p1[1])),
        ("pool_forward", "worst: crop 32x32 f2 s1", lambda: figures.pool_forward_figure(pcrop[0], pcrop[1])),
        ("conv_backward", "default", lambda: figures.conv_backward_figure(d[4], d[5])),
        ("conv_backward", "worst: 16x16x4 f1 s1 p3", lambda: figures.conv_backward_figure(w1[4], w1[5])),
        ("conv_backward", "worst: 16x16x4 f7 s1 p3", lambda: figures.conv_backward_figure(w7[4], w7[5])),
        ("conv_backward", "worst: 6x6x4 f1 p3 (12x12)", lambda: figures.conv_backward_figure(w12[4], w12[5])),
        ("pool_backward", "default", lambda: figures.pool_backward_figure(p[2], p[3])),
        ("pool_backward", "worst: 16x16 f1 s1", lambda: figures.pool_backward_figure(p1[2], p1[3])),
        ("pool_backward", "worst: 12x12 f1 s1", lambda: figures.pool_backward_figure(p12[2], p12[3])),
        ("conv_forward_gif", "default", lambda: gif.conv_forward_gif(*d[:4])),
        (
            "conv_backward_gif",
            "worst: 16x16x4 f1 s1 p3",
            lambda: gif.board_gif(storyboard.conv_backward_board(w1[4], w1[5])),
        ),
        ("pool_backward_gif", "default", lambda: gif.board_gif(storyboard.pool_backward_board(p[2], p[3]))),
    ]


def _median_ms(fn: Callable, repeats: int = 3) -> tuple[float, object]:
    times, out = [], None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times), out


def main() -> None:
    rows = []
    for name, setting, build in _cases():
        build_ms, out = _median_ms(build)
        if isinstance(out, bytes):  # a GIF
            size, json_ms, frames = len(out), 0.0, "-"
        else:
            json_ms, js = _median_ms(out.to_json)
            size, frames = len(js), str(len(out.to_dict().get("frames", [])))
        budget = 1 * MB if setting == "default" else 5 * MB
        if name.endswith("_gif"):
            budget = 2 * MB
        rows.append((name, setting, frames, size, budget, build_ms, json_ms))

    header = (
        f"{'builder':<18} {'setting':<28} {'frames':>6} {'payload':>10} {'budget':>8} {'ok':>4} "
        f"{'build':>9} {'to_json':>9}"
    )
    print(header)
    print("-" * len(header))
    for name, setting, frames, size, budget, build_ms, json_ms in rows:
        ok = "pass" if size <= budget else "FAIL"
        print(
            f"{name:<18} {setting:<28} {frames:>6} {size / MB:>8.3f}MB {budget / MB:>6.0f}MB {ok:>4} "
            f"{build_ms:>7.1f}ms {json_ms:>7.1f}ms"
        )
    failed = [r for r in rows if r[3] > r[4]]
    print(f"\n{len(rows) - len(failed)}/{len(rows)} within budget (figures: 1 MB default, 5 MB worst; GIFs: 2 MB)")


if __name__ == "__main__":
    main()
