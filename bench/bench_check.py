"""One "Check your code" run at the lesson defaults, end to end (budget <= 1.5 s).

End to end = read the pasted code, build the cases (lesson inputs, course cells, extras) with
their reference outputs, start the sandboxed child (bubblewrap + python + numpy), run every case,
read the arrays back, judge, diagnose. Prints the median of a few runs, the protections that were
active, and the cost of bubblewrap: the same sandbox.run with the same runner, protocol and seccomp
filter, once inside bwrap and once as a plain `python -I -S` child (what bwrap adds per check).
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time

import numpy as np

from cnnviz.check import boundary, checker, sandbox, source
from cnnviz.core import inputs, layers

BUDGET_S = 1.5
CODE = {
    "conv_forward": """
import numpy as np
def zero_pad(X, pad):
    return np.pad(X, ((0, 0), (pad, pad), (pad, pad), (0, 0)), 'constant')
def conv_forward(A_prev, W, b, hparameters):
    (m, n_H_prev, n_W_prev, n_C_prev) = A_prev.shape
    (f, f, n_C_prev, n_C) = W.shape
    stride, pad = hparameters['stride'], hparameters['pad']
    n_H = int((n_H_prev + 2 * pad - f) / stride + 1)
    n_W = int((n_W_prev + 2 * pad - f) / stride + 1)
    Z = np.zeros((m, n_H, n_W, n_C))
    A_prev_pad = zero_pad(A_prev, pad)
    for i in range(m):
        a_prev_pad = A_prev_pad[i]
        for h in range(n_H):
            for w in range(n_W):
                for c in range(n_C):
                    vert_start, horiz_start = h * stride, w * stride
                    a_slice_prev = a_prev_pad[vert_start:vert_start + f, horiz_start:horiz_start + f, :]
                    Z[i, h, w, c] = np.sum(a_slice_prev * W[:, :, :, c]) + b[0, 0, 0, c]
    return Z, (A_prev, W, b, hparameters)
""",
}


def main(options: list[str] | None = None) -> None:
    A_prev = inputs.random_tensor(1, 2, 5, 5, 3, "normal")  # the sidebar's defaults: m=2, 5x5x3
    r = np.random.RandomState(1)
    W, b = r.randn(3, 3, 3, 2), r.randn(1, 1, 1, 2)
    hp = {"stride": 1, "pad": 1}
    Z, _ = layers.conv_forward(A_prev, W, b, hp)
    lesson = {"A_prev": A_prev, "W": W, "b": b, "hparameters": hp, "dZ": r.randn(*Z.shape)}
    t0 = time.perf_counter()
    boundary.host_user()  # the app probes bubblewrap in the background when the panel is first drawn
    print(f"bubblewrap probe (once per process): {time.perf_counter() - t0:.3f} s")
    times = []
    for _ in range(5):
        t0 = time.perf_counter()
        report = checker.check("conv_forward", CODE["conv_forward"], lesson)
        times.append(time.perf_counter() - t0)
        assert report.passed, [(v.title, v.verdict, v.detail) for v in report.verdicts]
    med = statistics.median(times)
    print(
        f"check conv_forward ({len(report.verdicts)} cases), end to end: median {med:.3f} s "
        f"(runs {', '.join(f'{t:.3f}' for t in times)}; child {report.seconds:.3f} s); budget {BUDGET_S} s: "
        f"{'OK' if med <= BUDGET_S else 'OVER'}"
    )
    print("protections:", ", ".join(f"{k}={'yes' if v else 'no'}" for k, v in report.protections.items()))
    bwrap_cost()


def _plain(_tmp_mb: int) -> list[str]:
    """The runner without bubblewrap (bench only): same interpreter, flags, stdin/stdout protocol."""
    site = str(__import__("pathlib").Path(np.__file__).resolve().parents[1])
    boot = (
        f"import sys; sys.path.insert(0, {site!r}); sys.argv = ['runner']; exec(open({str(boundary.RUNNER)!r}).read())"
    )
    return [sys.executable, "-I", "-S", "-c", boot]


def bwrap_cost(n: int = 20) -> None:
    """Median seconds of one sandbox.run (one trivial case) inside bwrap and as a plain child, alternated
    run by run so that the machine's load falls on both alike."""
    chunks = source.extract("def f(x):\n    return x\n", "f")
    boundary.host_user()  # the one-time probe, not part of a check
    times: dict[str, list[float]] = {"bwrap": [], "plain python": []}
    real = boundary.command
    try:
        for _ in range(n):
            for name, command in (("bwrap", real), ("plain python", _plain)):
                boundary.command = command
                t0 = time.perf_counter()
                run = sandbox.run(chunks, "f", [(1.0,)])
                times[name].append(time.perf_counter() - t0)
                assert run.cases[0].status == "returned", (name, run.ended)
    finally:
        boundary.command = real
    bw, plain = (statistics.median(times[k]) * 1000 for k in ("bwrap", "plain python"))
    setup = boundary.command(16)
    setup = setup[: setup.index("--chdir") + 2] + ["/usr/bin/true"]
    raw: dict[str, list[float]] = {"bwrap": [], "plain": []}
    for _ in range(2 * n):
        for name, cmd in (("bwrap", setup), ("plain", ["/usr/bin/true"])):
            t0 = time.perf_counter()
            subprocess.run(cmd, check=True)
            raw[name].append(time.perf_counter() - t0)
    print(
        f"bwrap's own setup (namespaces, binds, tmpfs; then /usr/bin/true), median of {2 * n}: "
        f"{statistics.median(raw['bwrap']) * 1000:.1f} ms against {statistics.median(raw['plain']) * 1000:.1f} ms"
    )
    print(
        f"one sandbox.run, trivial function, median of {n} alternated: bwrap {bw:.0f} ms, plain python "
        f"{plain:.0f} ms: bubblewrap adds {bw - plain:.0f} ms"
    )


if __name__ == "__main__":
    main()
