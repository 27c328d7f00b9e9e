"""Run a student's function in bubblewrap (cnnviz.check.boundary); get arrays back, never pickles, never files.

Each run is one `bwrap ... python -I -S runner.py` (cnnviz/check/_runner.py). The job (code, function,
cases, limits) and the inputs go in on stdin; results come back on stdout as frames (cnnviz.check.wire)
read by this process with a byte cap; the child's stderr is kept to its last 64 KB. Nothing is read from
a path the child could have touched. The child sets RLIMIT_CPU, RLIMIT_AS, RLIMIT_FSIZE, RLIMIT_NOFILE,
RLIMIT_NPROC and RLIMIT_CORE and installs a seccomp filter before it reads the student's code. When the
runner exits, bwrap (PID 1 of the sandbox's PID namespace) exits and the kernel kills everything left in
it; at the wall-clock limit the server kills bwrap, and --die-with-parent does the same. The waiting is
a select() loop that releases the GIL, so other sessions' reruns go on.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import selectors
import signal
import struct
import subprocess
import time
from dataclasses import dataclass, field

import numpy as np

from cnnviz.check import boundary, wire
from cnnviz.check.source import Chunk

SECCOMP = True  # tests switch it off to show that the PID namespace alone still ends every process
RESULT_CAP = 64 * 2**20  # bytes of results kept from one run (6 cases of 10**6 float64 fit)
STDERR_CAP = 64 * 2**10


@dataclass(frozen=True)
class Limits:
    """CPU s, address space (MB), wall clock (s), file size and private /tmp (MB), printed characters per case."""

    cpu_s: int = 2
    memory_mb: int = 512
    wall_s: float = 5.0
    file_mb: int = 16
    print_cap: int = 4000


@dataclass
class CaseResult:
    """What the child reported for one case (status "returned" | "raised" | "memory" | "not run").

    notes -- the NumPy 1.x conversions made ({"kind", "shape", "where"}; cnnviz.check.compat words them)
    """

    status: str
    value: dict | None = None
    arrays: dict[str, np.ndarray] = field(default_factory=dict)
    traceback: str = ""
    printed: str = ""
    printed_chars: int = 0
    notes: list[dict] = field(default_factory=list)


@dataclass
class Run:
    """One sandboxed run: per-case results, how it ended, which protections were active, time taken."""

    cases: list[CaseResult]
    ended: str  # "ok" | "time limit ..." | "the checker's process ended with code ..."
    protections: dict[str, bool]
    seconds: float


def _encode(spec, arrays: dict[str, np.ndarray]):
    """Arguments -> JSON specs; arrays by name into the .npz."""
    if isinstance(spec, np.ndarray):
        key = f"a{len(arrays)}"
        arrays[key] = np.ascontiguousarray(spec)
        return ["array", key]
    if isinstance(spec, tuple):
        return ["tuple", [_encode(s, arrays) for s in spec]]
    if isinstance(spec, np.generic):
        return ["value", spec.item()]
    return ["value", spec]


def _job(chunks, function, calls, helpers, limits: Limits) -> bytes:
    arrays: dict[str, np.ndarray] = {}
    cases = [{"args": [_encode(a, arrays) for a in args]} for args in calls]
    job = {
        "chunks": [[c.label, c.lineno, c.text] for c in chunks],
        "function": function,
        "cases": cases,
        "helpers": helpers or {},
        "limits": {"cpu_s": limits.cpu_s, "memory_mb": limits.memory_mb, "file_mb": limits.file_mb},
        "print_cap": limits.print_cap,
        "seccomp": SECCOMP,
    }
    npz = io.BytesIO()
    np.savez(npz, **arrays)
    parts = [json.dumps(job).encode(), npz.getvalue()]
    return b"".join(struct.pack(">Q", len(p)) + p for p in parts)


def _kill(proc: subprocess.Popen) -> None:
    """SIGKILL bwrap's process group; --die-with-parent and the PID namespace take everything inside."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()


def _gone(proc: subprocess.Popen, timeout: float = 10.0) -> None:
    """Wait (bounded) until every process of the sandbox has exited: they all hold its stdout until then."""
    deadline = time.monotonic() + timeout
    with selectors.DefaultSelector() as sel:
        if proc.stdout.closed:
            return
        sel.register(proc.stdout, selectors.EVENT_READ)
        while time.monotonic() < deadline:
            if sel.select(0.1) and not os.read(proc.stdout.fileno(), 1 << 16):
                return


def _exchange(proc: subprocess.Popen, job: bytes, wall_s: float) -> tuple[bytes, bytes, str]:
    """Write the job, read stdout (capped) and stderr (its tail) until both close or the wall clock runs out."""
    out, err, why = bytearray(), bytearray(), ""
    sel = selectors.DefaultSelector()
    for f, ev in (
        (proc.stdin, selectors.EVENT_WRITE),
        (proc.stdout, selectors.EVENT_READ),
        (proc.stderr, selectors.EVENT_READ),
    ):
        os.set_blocking(f.fileno(), False)
        sel.register(f, ev)
    pending, deadline = memoryview(job), time.monotonic() + wall_s
    try:
        while sel.get_map():
            left = deadline - time.monotonic()
            if left <= 0:
                why = "wall"
                break
            for key, _ in sel.select(min(left, 0.5)):
                f = key.fileobj
                if f is proc.stdin:
                    try:
                        pending = pending[os.write(f.fileno(), pending[: 1 << 16]) :]
                    except (BrokenPipeError, BlockingIOError):
                        pending = memoryview(b"")
                    if not len(pending):
                        sel.unregister(f)
                        f.close()
                    continue
                chunk = os.read(f.fileno(), 1 << 16)
                if not chunk:
                    sel.unregister(f)
                    continue
                if f is proc.stdout:
                    out += chunk
                    if len(out) > RESULT_CAP:
                        why = "cap"
                        break
                else:
                    err = (err + chunk)[-STDERR_CAP:]
            if why:
                break
    finally:
        sel.close()
    return bytes(out), bytes(err), why


def run(
    chunks: list[Chunk],
    function: str,
    calls: list[tuple],
    helpers: dict[str, str] | None = None,
    limits: Limits | None = None,
) -> Run:
    """Run `function(*args)` for every args tuple in `calls`, in one sandboxed child process.

    Raises boundary.NoSandboxError when bubblewrap cannot run here (nothing is run then).
    """
    limits = limits or Limits()
    user = boundary.host_user()
    t0 = time.perf_counter()
    job = _job(chunks, function, calls, helpers, limits)
    kwargs = {"user": user, "group": user, "extra_groups": []} if user is not None else {}
    proc = subprocess.Popen(
        boundary.command(limits.file_mb),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={"PATH": "/usr/bin:/bin"},
        cwd="/",
        close_fds=True,
        start_new_session=True,
        **kwargs,
    )
    try:
        out, err, why = _exchange(proc, job, limits.wall_s)
        if why:
            _kill(proc)
            _gone(proc)
        code = proc.wait(timeout=max(0.1, limits.wall_s))
    except subprocess.TimeoutExpired:
        why, code = "wall", None
    finally:
        _kill(proc)  # normal exit included: nothing outlives a check
        for f in (proc.stdin, proc.stdout, proc.stderr):
            if f and not f.closed:
                f.close()
    sig = -code if code is not None and code < 0 else (code - 128 if code is not None and code > 128 else 0)
    if why == "wall":
        ended = f"time limit: stopped after {limits.wall_s:g} s (wall clock)"
    elif why == "cap":
        ended = f"your function's results exceeded {RESULT_CAP // 2**20} MB: stopped"
    elif sig in (signal.SIGXCPU, signal.SIGKILL):
        ended = f"time limit: stopped after {limits.cpu_s} s of CPU time"
    elif code != 0:
        tail = err[-600:].decode("utf-8", "replace").strip()
        ended = f"the checker's process ended with code {code}" + (f": {tail}" if tail else "")
    else:
        ended = "ok"
    cases, protections = _results(out, len(calls))
    protections["bubblewrap: user, PID, mount, network, IPC namespaces; read-only files; private /tmp"] = True
    protections["bwrap started as nobody on the host"] = user is not None
    return Run(cases, ended, protections, time.perf_counter() - t0)


def _results(out: bytes, n: int) -> tuple[list[CaseResult], dict[str, bool]]:
    """The cases from the child's frames; a frame that cannot be read becomes that case's "raised" result."""
    got, problem = wire.frames(out)
    cases = [CaseResult("not run") for _ in range(n)]
    protections: dict[str, bool] = {}
    for header, arrays in got:
        if "sandbox" in header and isinstance(header["sandbox"], dict):
            protections.update({str(k)[:80]: v is True for k, v in list(header["sandbox"].items())[:16]})
            continue
        k = header.get("case")
        if not isinstance(k, int) or isinstance(k, bool) or not 0 <= k < n:
            problem = problem or "a result for a case that does not exist"
            break
        cases[k] = _case(header, arrays)
    if problem:
        k = next((j for j, c in enumerate(cases) if c.status == "not run"), None)
        if k is not None:
            cases[k] = CaseResult(
                "raised", traceback=f"the checker could not read what your function returned: {problem}"
            )
    return cases, protections


def _case(h: dict, arrays: dict[str, np.ndarray]) -> CaseResult:
    status = h.get("status")
    if status not in ("returned", "raised", "memory"):
        return CaseResult(
            "raised", traceback=f"the checker could not read what your function returned: status {str(status)[:40]!r}"
        )
    try:
        val = wire.value(h["value"]) if status == "returned" else None
    except (ValueError, KeyError, TypeError, RecursionError) as err:
        return CaseResult("raised", traceback=f"the checker could not read what your function returned: {err}")
    notes = h.get("notes") if isinstance(h.get("notes"), list) else []
    notes = [
        {
            "kind": str(x.get("kind"))[:20],
            "shape": [int(s) for s in x.get("shape", [])[:8] if isinstance(s, int)],
            "where": str(x.get("where"))[:80],
        }
        for x in notes[:8]
        if isinstance(x, dict) and isinstance(x.get("shape", []), list)
    ]
    return CaseResult(
        status,
        val,
        arrays,
        wire.text(h.get("traceback"), 8000),
        wire.text(h.get("printed"), 8000),
        wire.count(h.get("printed_chars")),
        notes,
    )
