"""Run a student's function in a separate, limited Python process; get arrays back, never pickles.

Each run: `python -I -S _runner.py JOBDIR` in a fresh temporary directory (its working directory),
with an environment of four variables, no inherited file descriptors (close_fds), its own session.
The child itself, before it reads any student code, moves into a new network namespace (only an
unconfigured loopback; needs root / CAP_SYS_ADMIN, best effort) and sets RLIMIT_CPU, RLIMIT_AS,
RLIMIT_FSIZE, RLIMIT_NOFILE, RLIMIT_CORE. (Not preexec_fn: that is unsafe in a threaded server like
Streamlit's.) The parent kills the whole process group at the wall-clock limit. Results come back
as .npz files loaded with allow_pickle=False and JSON. The waiting is a subprocess poll that
releases the GIL, so other sessions' reruns go on.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from cnnviz.check.source import Chunk

RUNNER = Path(__file__).with_name("_runner.py")
NUMPY_PATH = str(Path(np.__file__).parents[1])


@dataclass(frozen=True)
class Limits:
    """CPU seconds, address space (MB), wall clock (s), file size (MB), printed characters kept per case."""

    cpu_s: int = 2
    memory_mb: int = 512
    wall_s: float = 5.0
    file_mb: int = 16
    print_cap: int = 4000


@dataclass
class CaseResult:
    """What the child reported for one case (status "returned" | "raised" | "memory" | "not run")."""

    status: str
    value: dict | None = None
    arrays: dict[str, np.ndarray] = field(default_factory=dict)
    traceback: str = ""
    printed: str = ""
    printed_chars: int = 0


@dataclass
class Run:
    """One subprocess run: per-case results, how it ended, which protections were active, time taken."""

    cases: list[CaseResult]
    ended: str  # "ok" | "time limit (wall clock)" | "time limit (CPU)" | "crashed: ..."
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


def run(
    chunks: list[Chunk],
    function: str,
    calls: list[tuple],
    helpers: dict[str, str] | None = None,
    limits: Limits | None = None,
) -> Run:
    """Run `function(*args)` for every args tuple in `calls`, in one sandboxed child process."""
    limits = limits or Limits()
    t0 = time.perf_counter()
    job_dir = tempfile.mkdtemp(prefix="cnnviz-check-")
    try:
        arrays: dict[str, np.ndarray] = {}
        cases = [{"args": [_encode(a, arrays) for a in args]} for args in calls]
        job = {
            "chunks": [[c.label, c.lineno, c.text] for c in chunks],
            "function": function,
            "cases": cases,
            "helpers": helpers or {},
            "numpy_path": NUMPY_PATH,
            "limits": {"cpu_s": limits.cpu_s, "memory_mb": limits.memory_mb, "file_mb": limits.file_mb},
            "print_cap": limits.print_cap,
        }
        if os.geteuid() == 0:
            os.chown(job_dir, 65534, 65534)  # the child drops to nobody and writes its results here
        Path(job_dir, "job.json").write_text(json.dumps(job))
        np.savez(Path(job_dir, "inputs.npz"), **arrays)
        env = {"PATH": "/usr/bin:/bin", "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "HOME": job_dir}
        with open(Path(job_dir, "stderr.txt"), "wb") as err:
            proc = subprocess.Popen(
                [sys.executable, "-I", "-S", str(RUNNER), job_dir],
                cwd=job_dir,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=err,
                stderr=err,
                close_fds=True,
                start_new_session=True,
            )
            try:
                code = proc.wait(timeout=limits.wall_s)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
                code = None
        if code is None:
            ended = f"time limit: stopped after {limits.wall_s:g} s (wall clock)"
        elif code == -signal.SIGXCPU or code == -signal.SIGKILL:
            ended = f"time limit: stopped after {limits.cpu_s} s of CPU time"
        elif code != 0:
            tail = Path(job_dir, "stderr.txt").read_bytes()[-600:].decode("utf-8", "replace")
            ended = f"the checker's process ended with code {code}: {tail.strip()}"
        else:
            ended = "ok"
        results = [_read(Path(job_dir), k) for k in range(len(calls))]
        prot_file = Path(job_dir, "sandbox.json")
        protections = json.loads(prot_file.read_text()) if prot_file.exists() else {}
        protections["empty environment, closed descriptors, fresh directory, wall clock"] = True
        return Run(results, ended, protections, time.perf_counter() - t0)
    finally:
        shutil.rmtree(job_dir, ignore_errors=True)


def _read(job_dir: Path, k: int) -> CaseResult:
    meta = job_dir / f"case{k}.json"
    if not meta.exists():
        return CaseResult("not run")
    try:
        d = json.loads(meta.read_text())
        arrays = {}
        npz = job_dir / f"case{k}.npz"
        if d.get("status") == "returned" and npz.exists():
            with np.load(npz, allow_pickle=False) as z:
                arrays = {name: z[name] for name in z.files}
    except (ValueError, OSError) as err:
        return CaseResult("raised", traceback=f"the result could not be read back: {err}")
    return CaseResult(
        str(d.get("status")),
        d.get("value"),
        arrays,
        str(d.get("traceback", "")),
        str(d.get("printed", "")),
        int(d.get("printed_chars", 0)),
    )
