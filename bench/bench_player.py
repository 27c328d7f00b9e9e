"""The lesson player: storyboard sizes and build times (board_sizes); browser timings below it.

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
from cnnviz.steps import transposed as T


def _cases(
    n: int,
    C: int,
    f: int,
    stride: int,
    pad: int,
    n_C: int,
    pf: int,
    ps: int,
    values: str = "normal",
    d: int = 1,
    t_stride: int = 1,
    op: int = 0,
):
    A_prev = inputs.random_tensor(1, 2, n, n, C, values)
    W, b = inputs.conv_params(1, f, C, n_C, values)
    hp = {"stride": stride, "pad": pad}
    Z, cache = layers.conv_forward(A_prev, W, b, hp)
    dZ = inputs.upstream_gradient(1, Z.shape)
    php = {"f": pf, "stride": ps}
    A, pcache = layers.pool_forward(A_prev, php)
    dA = inputs.upstream_gradient(1, A.shape)
    dhp = {"stride": stride, "pad": pad, "dilation": d}
    Zd, dcache = layers.conv_forward(A_prev, W, b, dhp) if d > 1 else (Z, cache)
    dZd = inputs.upstream_gradient(1, Zd.shape)
    At, Wt, bt = inputs.transpose_inputs(1, A_prev.shape, f, n_C, values)
    thp = {"stride": t_stride, "pad": pad, "output_padding": op}
    return {
        "zero_pad": lambda: S.zero_pad_board(A_prev, pad),
        "conv_forward": lambda: S.conv_forward_board(A_prev, W, b, hp),
        "pool_forward": lambda: S.pool_forward_board(A_prev, php, "max"),
        "conv_backward": lambda: S.conv_backward_board(dZ, cache),
        "pool_backward": lambda: S.pool_backward_board(dA, pcache, "max"),
        "pool_backward average": lambda: S.pool_backward_board(dA, pcache, "average"),
        f"conv_forward d={d}": lambda: S.conv_forward_board(A_prev, W, b, dhp),
        f"conv_backward d={d}": lambda: S.conv_backward_board(dZd, dcache),
        f"conv_transpose s={t_stride}": lambda: T.conv_transpose_forward_board(At, Wt, bt, thp),
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
        d=int(d["dilation"]),
        t_stride=int(d["stride"]),
        op=int(d["output_padding"]),
    )
    return {
        "default": default,
        "worst f7 p3 16x16x4": dict(n=16, C=4, f=7, stride=1, pad=3, n_C=8, pf=6, ps=1),
        "worst f1 p3 16x16x4": dict(n=16, C=4, f=1, stride=1, pad=3, n_C=8, pf=1, ps=1),
        # dilation 3 (sets, not adds: a window with holes), transposed stride 4 (the biggest output)
        "worst f2 d3 s4 16x16x4": dict(n=16, C=4, f=2, stride=1, pad=3, n_C=8, pf=6, ps=1, d=3, t_stride=4, op=3),
        "worst f7 d3 s4 16x16x4": dict(n=16, C=4, f=7, stride=1, pad=3, n_C=8, pf=6, ps=1, d=3, t_stride=4, op=3),
        "dilated d2 default": {**default, "d": 2, "t_stride": 2, "op": 1},
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
    print_browser_timings()


# ---- browser timings: the player in headless Chromium ------------------------------
PAINT_JS = """async ({kind, n}) => {
  const root = document.querySelector('[data-testid="cnnviz-player"]');
  const P = root.parentElement.__cnnvizPlayer;
  const frame = () => new Promise(r => requestAnimationFrame(() => setTimeout(r, 0)));
  const last = P.board.panels[P.board.panels.length - 1].name;
  const cells = [...root.querySelectorAll('[data-panel="' + last + '"] [data-cell]')];
  const times = [];
  await frame();
  for (let j = 0; j < n; j++) {
    const t0 = performance.now();
    const key = j % 2 ? 'ArrowLeft' : 'ArrowRight';
    if (kind === 'key') root.dispatchEvent(new KeyboardEvent('keydown', {key, bubbles: true}));
    else if (kind === 'scrub') { P.scrub.value = String((j * 7) % P.n); P.scrub.dispatchEvent(new Event('input')); }
    else { const c = cells[(j * 5) % cells.length]; const b = c.getBoundingClientRect();
           const at = {clientX: b.x + b.width / 2, clientY: b.y + b.height / 2, bubbles: true};
           c.dispatchEvent(new MouseEvent('mousemove', at)); }
    await frame();
    times.push(performance.now() - t0);
  }
  return times;
}"""

PLAY_JS = """async (ms) => {
  const root = document.querySelector('[data-testid="cnnviz-player"]');
  const P = root.parentElement.__cnnvizPlayer;
  P.go(0, true); P.speed = 4; const stamps = []; let last = P.k;
  const obs = new MutationObserver(() => {  // a step change, not a re-render of the same step
    if (P.k !== last) { stamps.push(performance.now()); last = P.k; }
  });
  obs.observe(root, {attributes: true, attributeFilter: ['data-step']});
  P.play();
  await new Promise(r => setTimeout(r, ms));
  P.stop(false); obs.disconnect();
  const iv = []; for (let j = 1; j < stamps.length; j++) iv.push(stamps[j] - stamps[j - 1]);
  return iv;
}"""

LARGEST = "n_H_prev=16&n_W_prev=16&n_C_prev=4&m=4&f=7&pad=3&n_C=8&pool_f=2&pool_stride=1"


def browser_timings(
    pages: tuple[str, ...] = ("convolution", "conv_backward", "pool_backward"), n: int = 60
) -> list[dict]:
    """Step-change paint ms (key, scrub, hover: median, p95), Play at 4x interval, websocket messages.

    Paint = from the event to the next animation frame after it (the frame that shows the step).
    Messages = websocket frames the browser sent while stepping, hovering and playing: the one
    report a second after the stepping stopped is expected (budget: nothing else).
    """
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).parents[1] / "tests"))
    import browser

    why = browser.missing()
    if why:
        print(f"browser timings: skipped ({why})")
        return []
    rows = []
    with browser.streamlit_server() as url, browser.chromium() as chrome:
        page = chrome.new_page(viewport={"width": 1920, "height": 1080})
        sent = []
        page.on("websocket", lambda ws: ws.on("framesent", lambda payload: sent.append(payload)))
        for path in pages:
            for case, query in (("default", ""), ("largest", LARGEST)):
                page.goto(f"{url}/{path}" + (f"?{query}" if query else ""))
                browser.wait_for_player(page)
                page.wait_for_timeout(1500)
                before = len(sent)
                row = {"page": path, "case": case, "cells": page.locator("[data-cell]").count()}
                for kind in ("key", "scrub", "hover"):
                    t = sorted(page.evaluate(PAINT_JS, {"kind": kind, "n": n}))
                    row[kind] = (statistics.median(t), t[int(0.95 * (len(t) - 1))])
                iv = page.evaluate(PLAY_JS, 3000)
                row["play_ms"] = statistics.median(iv) if iv else float("nan")
                row["messages"] = len(sent) - before
                rows.append(row)
    return rows


def print_browser_timings() -> None:
    print("\nplayer in Chromium 1920x1080 (budget: paint median <= 16 ms, p95 <= 50 ms; 4x = 175 ms +-10 %)")
    head = f"{'key med/p95':>12}  {'scrub med/p95':>14}  {'hover med/p95':>14}  {'4x ms':>6}  msgs (budget 0)"
    print(f"{'page':<15}{'case':<9}{'cells':>6}  " + head)
    for r in browser_timings():
        fmt = lambda m: f"{m[0]:.1f}/{m[1]:.1f}"  # noqa: E731
        print(
            f"{r['page']:<15}{r['case']:<9}{r['cells']:>6}  {fmt(r['key']):>12}  {fmt(r['scrub']):>14}  "
            f"{fmt(r['hover']):>14}  {r['play_ms']:>6.0f}  {r['messages']}"
        )


if __name__ == "__main__":
    main()
