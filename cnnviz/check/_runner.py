"""The sandbox's child: python -I -S _runner.py JOBDIR. Imports nothing from cnnviz (not on its path).

Order matters: network namespace first (needs privileges), then numpy and the stdlib it needs,
then the resource limits, and only then the student's code. Protections that worked are written to
JOBDIR/sandbox.json; each case's result to caseK.json (JSON: status, traceback, printed text) and
caseK.npz (arrays only, saved with allow_pickle=False).
"""

import ctypes
import json
import os
import resource
import sys

JOB = sys.argv[1]
active = {}
try:
    libc = ctypes.CDLL(None, use_errno=True)
    active["network namespace"] = libc.unshare(0x40000000) == 0  # CLONE_NEWNET
except OSError:
    active["network namespace"] = False

with open(os.path.join(JOB, "job.json")) as fh:
    job = json.load(fh)
sys.path.insert(0, job["numpy_path"])
import builtins  # noqa: E402
import io  # noqa: E402
import linecache  # noqa: E402
import math  # noqa: E402, F401
import traceback  # noqa: E402

import numpy as np  # noqa: E402

inputs = dict(np.load(os.path.join(JOB, "inputs.npz"), allow_pickle=False))
os.chdir(JOB)
limits = job["limits"]
for name, value in (
    ("RLIMIT_CPU", limits["cpu_s"]),
    ("RLIMIT_AS", limits["memory_mb"] * 2**20),
    ("RLIMIT_FSIZE", limits["file_mb"] * 2**20),
    ("RLIMIT_CORE", 0),
    ("RLIMIT_NOFILE", 32),
):
    try:
        resource.setrlimit(getattr(resource, name), (value, value))
        active[name] = True
    except (ValueError, OSError):
        active[name] = False
import zipfile  # noqa: E402, F401 -- np.savez needs it; after the uid change the stdlib may be unreadable

active["unprivileged user (nobody)"] = False
if os.geteuid() == 0:  # last: dropping root also drops the right to raise the limits above again
    try:
        os.setgroups([])
        os.setgid(65534)
        os.setuid(65534)
        active["unprivileged user (nobody)"] = os.geteuid() == 65534
    except OSError:
        pass
with open(os.path.join(JOB, "sandbox.json"), "w") as fh:
    json.dump(active, fh)

ALLOWED = {"numpy", "math", "numpy.linalg", "numpy.random"}
_import = builtins.__import__


def guarded_import(name, globals=None, locals=None, fromlist=(), level=0):
    if name.split(".")[0] not in {a.split(".")[0] for a in ALLOWED}:
        raise ImportError(f"import {name}: the checker runs numpy and math only (no os, files or network)")
    return _import(name, globals, locals, fromlist, level)


def no_open(*args, **kwargs):
    raise PermissionError("your function tried to open a file: the checker gives it no files")


safe = {k: getattr(builtins, k) for k in dir(builtins) if k not in ("open", "input", "breakpoint", "exit", "quit")}
safe["__import__"] = guarded_import
safe["open"] = no_open


class Capped(io.TextIOBase):
    """print() goes here: the first `cap` characters are kept, the rest counted."""

    def __init__(self, cap):
        self.cap, self.parts, self.n = cap, [], 0

    def write(self, s):
        keep = max(0, self.cap - self.n)
        if keep:
            self.parts.append(s[:keep])
        self.n += len(s)
        return len(s)


ns = {"__builtins__": safe, "__name__": "__student__", "np": np}
labels = set()


def run_chunk(label, lineno, text):
    labels.add(label)
    linecache.cache[label] = (len(text), None, ["\n"] * (lineno - 1) + [ln + "\n" for ln in text.split("\n")], label)
    exec(compile("\n" * (lineno - 1) + text, label, "exec"), ns)


def student_tb(err):
    frames = [f for f in traceback.extract_tb(err.__traceback__) if f.filename in labels]
    lines = traceback.format_list(frames) + traceback.format_exception_only(type(err), err)
    return "".join(lines)[-4000:]


def arg(spec):
    kind = spec[0]
    if kind == "array":
        return inputs[spec[1]].copy()
    if kind == "tuple":
        return tuple(arg(s) for s in spec[1])
    return spec[1]  # "value": a JSON scalar, string or dict


def pack(value, arrays, path):
    """A JSON description of the result; arrays go into `arrays` (never a pickle)."""
    if isinstance(value, tuple | list) and len(value) <= 8:
        return {"type": type(value).__name__, "items": [pack(v, arrays, f"{path}.{k}") for k, v in enumerate(value)]}
    if isinstance(value, np.ndarray):
        if value.dtype == object or value.size > 10**6:
            return {"type": f"ndarray of {value.dtype}, {value.size} elements (not compared)"}
        arrays[path] = value
        return {"type": "ndarray", "key": path}
    if isinstance(value, int | float | bool | np.generic) and not isinstance(value, str):
        arrays[path] = np.asarray(value)
        return {"type": type(value).__name__, "key": path}
    return {"type": type(value).__name__}


setup_error = None
sys.stdout = sys.stderr = Capped(job["print_cap"])
try:
    for chunk in job["chunks"]:
        run_chunk(*chunk)
    for name, text in job["helpers"].items():
        if name not in ns:  # a helper the student did not paste: the course's own
            exec(compile(text, "<course helper>", "exec"), ns)
except BaseException as err:  # noqa: BLE001
    setup_error = student_tb(err)
sys.stdout, sys.stderr = sys.__stdout__, sys.__stderr__

for k, case in enumerate(job["cases"]):
    out = Capped(job["print_cap"])
    sys.stdout = sys.stderr = out
    try:
        if setup_error:
            raise RuntimeError(setup_error)
        value = ns[job["function"]](*[arg(s) for s in case["args"]])
        arrays = {}
        result = {"status": "returned", "value": pack(value, arrays, "r")}
        np.savez(os.path.join(JOB, f"case{k}.npz"), **arrays)
    except RuntimeError as err:
        result = {"status": "raised", "traceback": str(err) if setup_error else student_tb(err)}
    except MemoryError:
        result = {"status": "memory", "traceback": "MemoryError: the memory limit was reached"}
    except BaseException as err:  # noqa: BLE001 -- the student's exception, whatever it is
        result = {"status": "raised", "traceback": student_tb(err)}
    finally:
        sys.stdout, sys.stderr = sys.__stdout__, sys.__stderr__
    result["printed"] = "".join(out.parts)
    result["printed_chars"] = out.n
    with open(os.path.join(JOB, f"case{k}.json"), "w") as fh:
        json.dump(result, fh)
