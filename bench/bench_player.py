"""The lesson player: storyboard sizes and build times (board_sizes); browser timings (helper B) below it.

Budgets (issue 8): a storyboard's JSON <= 150 KB at the app's defaults (cnnviz/app/settings.py
DEFAULTS), <= 1 MB at the worst settings the controls allow. Bytes = len(json.dumps(board)), what
the browser receives; build = the builder call (trace + board), median of 3 runs (1 when quick).
The GIF drawn from the same board (cnnviz.draw.gif) is listed with its byte size and time.

Worst cases: the largest input (16x16x4), pad 3, and f = 7 (the most cells per window x 256
windows: the biggest product and window-update payloads) or f = 1 (the most windows, 484).
"""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Callable

from cnnviz.app.settings import DEFAULTS
from cnnviz.core import inputs, layers
from cnnviz.steps import storyboard as S


def _cases(n: int, C: int, f: int, stride: int, pad: int, n_C: int, pf: int, ps: int, values: str = "normal"):
    A_prev = inputs.random_tensor(1, 2, n, n, C, values)
    W, b = inputs.conv_params(1, f, C, n_C, values)
    hp = {"stride": stride, "pad": pad}
    Z, cache = layers.conv_forward(A_prev, W, b, hp)
    dZ = inputs.upstream_gradient(1, Z.shape)
    php = {"f": pf, "stride": ps}
    A, pcache = layers.pool_forward(A_prev, php)
    dA = inputs.upstream_gradient(1, A.shape)
    return {
        "zero_pad": lambda: S.zero_pad_board(A_prev, pad),
        "conv_forward": lambda: S.conv_forward_board(A_prev, W, b, hp),
        "pool_forward": lambda: S.pool_forward_board(A_prev, php, "max"),
        "conv_backward": lambda: S.conv_backward_board(dZ, cache),
        "pool_backward": lambda: S.pool_backward_board(dA, pcache, "max"),
        "pool_backward average": lambda: S.pool_backward_board(dA, pcache, "average"),
    }


def _settings() -> dict[str, dict]:
    d = DEFAULTS
    default = dict(
        n=int(d["n_H_prev"]),
        C=int(d["n_C_prev"]),
        f=int(d["f"]),
        stride=int(d["stride"]),
        pad=int(d["pad"]),
        n_C=int(d["n_C"]),
        pf=int(d["pool_f"]),
        ps=int(d["pool_stride"]),
    )
    return {
        "default": default,
        "worst f7 p3 16x16x4": dict(n=16, C=4, f=7, stride=1, pad=3, n_C=8, pf=6, ps=1),
        "worst f1 p3 16x16x4": dict(n=16, C=4, f=1, stride=1, pad=3, n_C=8, pf=1, ps=1),
    }


def _time(fn: Callable, runs: int):
    times, out = [], None
    for _ in range(runs):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return out, statistics.median(times) * 1000


def board_sizes(quick: bool = False) -> list[dict]:
    """Every lesson's board at the defaults and the worst settings: rows {lesson, case, bytes, n_steps, build_ms}."""
    rows = []
    for case, kw in _settings().items():
        for lesson, build in _cases(**kw).items():
            board, ms = _time(build, 1 if quick else 3)
            rows.append(
                {
                    "lesson": lesson,
                    "case": case,
                    "bytes": len(json.dumps(board)),
                    "n_steps": board["n_steps"],
                    "build_ms": ms,
                }
            )
    return rows


def gif_sizes(quick: bool = False) -> list[dict]:
    """The GIF of each lesson's default board (cnnviz.draw.gif.board_gif): rows {lesson, bytes, ms}."""
    from cnnviz.draw.gif import board_gif

    rows = []
    for lesson, build in _cases(**_settings()["default"]).items():
        board = build()
        data, ms = _time(lambda b=board: board_gif(b), 1 if quick else 3)
        rows.append({"lesson": lesson, "bytes": len(data), "ms": ms})
    return rows


def main() -> None:
    print("storyboards (budget: default <= 150 KB, worst <= 1 MB)")
    print(f"{'lesson':<24}{'case':<22}{'KB':>8}{'steps':>7}{'build ms':>10}  ok")
    for r in board_sizes():
        limit = 150_000 if r["case"] == "default" else 1_000_000
        ok = "yes" if r["bytes"] <= limit else "OVER"
        print(f"{r['lesson']:<24}{r['case']:<22}{r['bytes'] / 1000:>8.1f}{r['n_steps']:>7}{r['build_ms']:>10.1f}  {ok}")
    print("\nGIFs from the default boards")
    for r in gif_sizes():
        print(f"{r['lesson']:<24}{r['bytes'] / 1000:>8.1f} KB{r['ms']:>10.1f} ms")


if __name__ == "__main__":
    main()
