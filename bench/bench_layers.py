"""cnnviz.core.fast vs PyTorch CPU vs the cnnviz.core.layers loops, side by side in one run.

Every timing is the median of several repeats (time.perf_counter). Like for like: float64 for
both numpy and torch; each library gets its native layout, prepared outside the timer (NHWC for
cnnviz, contiguous NCHW for torch). Backward timings are the backward kernels alone:
`fast.*_backward(dZ, cache)` against `aten.convolution_backward` / `aten.*pool2d*_backward`
(the course's cache holds no argmax, so our max-pool backward finds it again from A_prev; torch's
column for it is max_pool2d_with_indices + its backward kernel, the same work).

Targets (DESIGN.md): geometric mean fast/torch <= 1.0, worst fast/torch <= 3.0, layers/fast >= 100x,
and the 2048x2048 RGB image through eight 11x11 filters peaking at <= 3x (input + output) bytes.
"""

from __future__ import annotations

import math
import os
import statistics
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from cnnviz.core import fast, layers

try:
    import torch

    _TORCH_THREADS = torch.get_num_threads()  # the default, before anything changes it
except ImportError:  # the bench still compares fast with the loops
    torch = None


_SETTLE = 0.15  # seconds; OpenBLAS threads spin ~0.1 s after a call


@dataclass
class Case:
    name: str
    kind: str  # "conv", "pool" or "transposed" (conv_transpose_forward; W_shape (f, f, n_C, n_C_prev))
    A_shape: tuple[int, int, int, int]
    hparameters: dict
    W_shape: tuple[int, int, int, int] | None = None
    mode: str = "max"
    loops: bool = False  # time the layers loops too (once: they take up to a few seconds)
    group: str = "course"  # "dilated/transposed": the cases of issue 19, summarised on their own


CASES = [
    Case(
        "conv batch 10x32x32x3, 8 3x3 p1 s1", "conv", (10, 32, 32, 3), {"pad": 1, "stride": 1}, (3, 3, 3, 8), loops=True
    ),
    Case("conv image 1x512x512x3, 8 5x5 p2 s1", "conv", (1, 512, 512, 3), {"pad": 2, "stride": 1}, (5, 5, 3, 8)),
    Case(
        "conv deep 4x64x64x16, 16 3x3 p1 s2",
        "conv",
        (4, 64, 64, 16),
        {"pad": 1, "stride": 2},
        (3, 3, 16, 16),
        loops=True,
    ),
    Case("conv course 10x4x4x3, 8 2x2 p2 s2", "conv", (10, 4, 4, 3), {"pad": 2, "stride": 2}, (2, 2, 3, 8), loops=True),
    Case("max pool batch 10x32x32x3 f2 s2", "pool", (10, 32, 32, 3), {"f": 2, "stride": 2}, mode="max", loops=True),
    Case("avg pool batch 10x32x32x3 f2 s2", "pool", (10, 32, 32, 3), {"f": 2, "stride": 2}, mode="average", loops=True),
    Case("max pool image 1x512x512x3 f3 s2", "pool", (1, 512, 512, 3), {"f": 3, "stride": 2}, mode="max"),
    Case("avg pool image 1x512x512x3 f3 s2", "pool", (1, 512, 512, 3), {"f": 3, "stride": 2}, mode="average"),
]
# Dilation and the transposed convolution (issue 19): the lessons' shapes and a 512x512 image.
NEW = "dilated/transposed"
CASES += [
    Case(
        "dilated lesson 2x8x8x3, 4 3x3 p1 s1 d2",
        "conv",
        (2, 8, 8, 3),
        {"pad": 1, "stride": 1, "dilation": 2},
        (3, 3, 3, 4),
        loops=True,
        group=NEW,
    ),
    Case(
        "dilated deep 4x64x64x16, 16 3x3 p2 s1 d2",
        "conv",
        (4, 64, 64, 16),
        {"pad": 2, "stride": 1, "dilation": 2},
        (3, 3, 16, 16),
        group=NEW,
    ),
    Case(
        "dilated image 1x512x512x3, 8 3x3 p3 s2 d3",
        "conv",
        (1, 512, 512, 3),
        {"pad": 3, "stride": 2, "dilation": 3},
        (3, 3, 3, 8),
        group=NEW,
    ),
    Case(
        "transposed lesson 2x8x8x3 -> 4, 3x3 s2 p1 op1",
        "transposed",
        (2, 8, 8, 3),
        {"pad": 1, "stride": 2, "output_padding": 1},
        (3, 3, 4, 3),
        loops=True,
        group=NEW,
    ),
    Case(
        "transposed lesson 2x8x8x3 -> 4, 3x3 s1 p1",
        "transposed",
        (2, 8, 8, 3),
        {"pad": 1, "stride": 1},
        (3, 3, 4, 3),
        group=NEW,
    ),
    Case(
        "transposed image 1x256x256x8 -> 512x512x3, 4x4 s2 p1",
        "transposed",
        (1, 256, 256, 8),
        {"pad": 1, "stride": 2},
        (4, 4, 3, 8),
        group=NEW,
    ),
]


def _once(fn: Callable[[], object]) -> float:
    """Seconds for one call, after the settling pause (for the loops, which take seconds)."""
    time.sleep(_SETTLE)
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def _loops_time(fn: Callable[[], object]) -> float:
    """Seconds per call of the loops: one call if it takes over 0.2 s, else the median of three."""
    first = _once(fn)
    return first if first > 0.2 else statistics.median([first, _once(fn), _once(fn)])


def _median_times(
    fns: dict[str, Callable[[], object]], prepare: dict[str, Callable[[], None]], rounds: int = 7
) -> dict[str, float]:
    """Median seconds per call of each function, measured in interleaved rounds.

    Each sample is a batch of calls lasting >= 10 ms (the first calls after a pause run on cold
    caches). The rounds alternate between the functions so that a burst of load from other
    processes hits all of them alike, and every sample starts after a pause: OpenBLAS (numpy) and
    OpenMP (torch) worker threads spin for a while after their last call, and on 2 cores the other
    library's spinning threads would slow this one down.
    prepare[name], if given, runs untimed before each of that function's samples.
    """
    numbers = {}
    for name, fn in fns.items():
        prepare.get(name, lambda: None)()
        numbers[name] = max(1, math.ceil(1e-2 / max(_once(fn), 1e-7)))
    samples: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(rounds):
        for name, fn in fns.items():
            prepare.get(name, lambda: None)()
            time.sleep(_SETTLE)
            start = time.perf_counter()
            for _ in range(numbers[name]):
                fn()
            samples[name].append((time.perf_counter() - start) / numbers[name])
    return {name: statistics.median(values) for name, values in samples.items()}


def _to_nchw(X: np.ndarray):
    return torch.from_numpy(np.ascontiguousarray(X.transpose(0, 3, 1, 2)))


def _torch_calls(case: Case, A_prev: np.ndarray, W, b, grad: np.ndarray) -> tuple[Callable, Callable]:
    """torch forward and backward closures on NCHW float64 copies of the same data."""
    x, g = _to_nchw(A_prev), _to_nchw(grad)
    ops = torch.ops.aten
    if case.kind == "conv":
        stride, pad = case.hparameters["stride"], case.hparameters["pad"]
        d = case.hparameters.get("dilation", 1)
        w = torch.from_numpy(np.ascontiguousarray(W.transpose(3, 2, 0, 1)))  # (n_C, n_C_prev, f, f)
        bias = torch.from_numpy(b.reshape(-1).copy())

        def forward():
            return torch.nn.functional.conv2d(x, w, bias, stride=stride, padding=pad, dilation=d)

        def backward():
            return ops.convolution_backward(
                g, x, w, [w.shape[0]], [stride, stride], [pad, pad], [d, d], False, [0, 0], 1, [True, True, True]
            )

        return forward, backward
    if case.kind == "transposed":
        stride, pad = case.hparameters["stride"], case.hparameters["pad"]
        op = case.hparameters.get("output_padding", 0)
        w = torch.from_numpy(np.ascontiguousarray(W.transpose(3, 2, 0, 1)))  # (in = n_C_prev, out = n_C, f, f)
        bias = torch.from_numpy(b.reshape(-1).copy())

        def forward():
            return torch.nn.functional.conv_transpose2d(x, w, bias, stride=stride, padding=pad, output_padding=op)

        def backward():
            return ops.convolution_backward(
                g, x, w, [w.shape[1]], [stride, stride], [pad, pad], [1, 1], True, [op, op], 1, [True, True, True]
            )

        return forward, backward
    f, stride = case.hparameters["f"], case.hparameters["stride"]
    if case.mode == "max":

        def forward():
            return torch.nn.functional.max_pool2d(x, f, stride)

        def backward():
            # Like for like: our pool_backward gets only the cache (A_prev), so it finds the argmax
            # again; torch's backward kernel needs the indices from a forward with indices.
            _, indices = ops.max_pool2d_with_indices(x, [f, f], [stride, stride])
            return ops.max_pool2d_with_indices_backward(g, x, [f, f], [stride, stride], [0, 0], [1, 1], False, indices)

        return forward, backward

    def forward():
        return torch.nn.functional.avg_pool2d(x, f, stride)

    def backward():
        return ops.avg_pool2d_backward(g, x, [f, f], [stride, stride], [0, 0], False, True, None)

    return forward, backward


def _run_case(
    case: Case, rng: np.random.Generator
) -> list[tuple[str, float, float | None, float | None, float | None]]:
    """Rows (label, fast, torch, torch on 1 thread, layers) in seconds (None: not run) for forward and backward."""
    A_prev = rng.standard_normal(case.A_shape)
    W = b = None
    if case.kind == "conv":
        W = rng.standard_normal(case.W_shape)
        b = rng.standard_normal((1, 1, 1, case.W_shape[3]))
        out, cache = fast.conv_forward(A_prev, W, b, case.hparameters)
        grad = rng.standard_normal(out.shape)
        calls = {
            "fast": (
                lambda: fast.conv_forward(A_prev, W, b, case.hparameters),
                lambda: fast.conv_backward(grad, cache),
            ),
            "layers": (
                lambda: layers.conv_forward(A_prev, W, b, case.hparameters),
                lambda: layers.conv_backward(grad, cache),
            ),
        }
    elif case.kind == "transposed":
        W = rng.standard_normal(case.W_shape)
        b = rng.standard_normal((1, 1, 1, case.W_shape[2]))
        out, cache = fast.conv_transpose_forward(A_prev, W, b, case.hparameters)
        grad = rng.standard_normal(out.shape)
        calls = {
            "fast": (
                lambda: fast.conv_transpose_forward(A_prev, W, b, case.hparameters),
                lambda: fast.conv_transpose_backward(grad, cache),
            ),
            "layers": (
                lambda: layers.conv_transpose_forward(A_prev, W, b, case.hparameters),
                lambda: layers.conv_transpose_backward(grad, cache),
            ),
        }
    else:
        out, cache = fast.pool_forward(A_prev, case.hparameters, case.mode)
        grad = rng.standard_normal(out.shape)
        calls = {
            "fast": (
                lambda: fast.pool_forward(A_prev, case.hparameters, case.mode),
                lambda: fast.pool_backward(grad, cache, case.mode),
            ),
            "layers": (
                lambda: layers.pool_forward(A_prev, case.hparameters, case.mode),
                lambda: layers.pool_backward(grad, cache, case.mode),
            ),
        }
    if torch is not None:
        calls["torch"] = _torch_calls(case, A_prev, W, b, grad)
    rows = []
    for pass_index, pass_name in enumerate(("fwd", "bwd")):
        fns = {"fast": calls["fast"][pass_index]}
        prepare = {}
        if "torch" in calls:  # torch at its default thread count, and on one thread like numpy's copies
            fns["torch"] = fns["torch1"] = calls["torch"][pass_index]
            prepare = {
                "torch": lambda: torch.set_num_threads(_TORCH_THREADS),
                "torch1": lambda: torch.set_num_threads(1),
            }
        times = _median_times(fns, prepare)
        if torch is not None:
            torch.set_num_threads(_TORCH_THREADS)
        t_layers = _loops_time(calls["layers"][pass_index]) if case.loops else None
        rows.append((f"{case.name} {pass_name}", times["fast"], times.get("torch"), times.get("torch1"), t_layers))
    return rows


def peak_memory_ratio() -> tuple[float, float]:
    """Peak traced bytes of fast.conv_forward on 1x2048x2048x3, eight 11x11 (pad 0, stride 1),
    as a multiple of (input + output) bytes; and the call's time in seconds."""
    rng = np.random.default_rng(0)
    A_prev = rng.standard_normal((1, 2048, 2048, 3))
    W = rng.standard_normal((11, 11, 3, 8))
    b = np.zeros((1, 1, 1, 8))
    tracemalloc.start()
    start = time.perf_counter()
    Z, _ = fast.conv_forward(A_prev, W, b, {"pad": 0, "stride": 1})
    seconds = time.perf_counter() - start
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / (A_prev.nbytes + Z.nbytes), seconds


def _fmt(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    if seconds < 1e-3:
        return f"{seconds * 1e6:7.1f} us"
    if seconds < 1:
        return f"{seconds * 1e3:7.2f} ms"
    return f"{seconds:7.2f} s "


def _geomean(values: list[float]) -> float:
    return math.exp(statistics.fmean(math.log(v) for v in values))


def _warm_allocator() -> None:
    """Allocate and free 16 MB once, so that glibc's malloc keeps freed memory instead of unmapping it.

    glibc hands freed blocks above its mmap threshold (128 KB at start) back to the OS, so each call
    pays page faults for its temporaries (measured: 8 ms instead of 3.3 ms for the deep backward)
    until a block of up to 32 MB has been freed once, which raises the threshold. A long-running
    app reaches that state by itself; the bench starts there, for numpy and torch alike.
    """
    block = np.ones(2 << 20)  # 16 MB
    del block


def main() -> None:
    _warm_allocator()
    rng = np.random.default_rng(0)
    env = {
        k: os.environ[k]
        for k in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS")
        if k in os.environ
    }
    print(f"numpy {np.__version__}, environment: {env or 'no OPENBLAS_*/OMP_* variables set'}")
    print(f"{os.cpu_count()} CPUs, load average at start {os.getloadavg()[0]:.2f} (other processes skew the timings)")
    if torch is None:
        print("PyTorch is not installed: the torch columns are empty")
    else:
        print(
            f"torch {torch.__version__}: {_TORCH_THREADS} threads (its default; 'torch 1t': one thread), float64 NCHW"
        )
    print(
        "fast and layers: float64 NHWC; medians of 7 interleaved rounds; layers: 1-3 runs, only where it takes seconds"
    )
    header = (
        f"{'case':<42} {'fast':>10} {'torch f64':>10} {'fast/torch':>10} {'torch 1t':>10} {'fast/1t':>8}"
        f" {'layers':>10} {'layers/fast':>11}"
    )
    print(header)
    print("-" * len(header))
    ratios, ratios_1t, speedups, new_ratios = [], [], [], []
    only = os.environ.get("CNNVIZ_BENCH_GROUP")  # e.g. "dilated/transposed": only that group's cases
    for case in CASES:
        if only and case.group != only:
            continue
        for label, t_fast, t_torch, t_torch1, t_layers in _run_case(case, rng):
            ratio = t_fast / t_torch if t_torch else None
            ratio_1t = t_fast / t_torch1 if t_torch1 else None
            speedup = t_layers / t_fast if t_layers else None
            if ratio is not None:
                ratios.append((ratio, label))
                ratios_1t.append(ratio_1t)
                if case.group == NEW:
                    new_ratios.append((ratio, label))
            if speedup is not None:
                speedups.append((speedup, label))
            print(
                f"{label:<42} {_fmt(t_fast):>10} {_fmt(t_torch):>10} {f'{ratio:.2f}' if ratio else '-':>10} "
                f"{_fmt(t_torch1):>10} {f'{ratio_1t:.2f}' if ratio_1t else '-':>8} "
                f"{_fmt(t_layers):>10} {f'{speedup:.0f}x' if speedup else '-':>11}",
                flush=True,
            )
    print("-" * len(header))
    if ratios:
        worst, worst_label = max(ratios)
        print(f"geometric mean fast/torch: {_geomean([r for r, _ in ratios]):.2f}  (target <= 1.0)")
        print(f"worst fast/torch:          {worst:.2f}  (target <= 3.0) on {worst_label}")
        print(f"against torch on 1 thread: geometric mean {_geomean(ratios_1t):.2f}, worst {max(ratios_1t):.2f}")
    if new_ratios:
        worst, worst_label = max(new_ratios)
        print(
            f"{NEW}: geometric mean fast/torch {_geomean([r for r, _ in new_ratios]):.2f} (target <= 1.5), "
            f"worst {worst:.2f} on {worst_label}"
        )
    if speedups:
        low, low_label = min(speedups)
        print(f"min layers/fast speedup:   {low:.0f}x  (target >= 100x) on {low_label}")
    print(f"load average at the end {os.getloadavg()[0]:.2f}")
    if only:
        return
    ratio, seconds = peak_memory_ratio()
    print(
        f"peak memory, 1x2048x2048x3 through eight 11x11 (fast.conv_forward, {seconds:.1f} s): "
        f"{ratio:.2f}x (input + output)  (target <= 3x)"
    )


if __name__ == "__main__":
    main()
