"""The sandbox's child: `python -I -S runner.py` inside bubblewrap (cnnviz.check.sandbox). Imports nothing from cnnviz.

The job comes in on stdin (never from a file the child could write): a frame of JSON (code, function, cases,
limits) and the inputs as .npz bytes. Results go out on stdout as frames: JSON (status, traceback, printed
text, how the value is built) followed by raw array bytes that the server checks before it allocates
anything (cnnviz.check.wire). Order: read the job, import numpy, set the resource limits, install the seccomp
filter (no new processes, no ptrace, no sockets), and only then run the student's code.
"""

import ast
import builtins
import ctypes
import io
import json
import linecache
import math  # noqa: F401 -- for the student's `import math`
import operator
import os
import resource
import struct
import sys
import traceback
import zipfile  # noqa: F401 -- np.load needs it

MAGIC = b"CNV1"
OUT = os.fdopen(os.dup(1), "wb", buffering=0)  # the results' channel; fd 1 and 2 then go to /dev/null
_null = os.open("/dev/null", os.O_WRONLY)
os.dup2(_null, 1)


def read_exact(n):
    buf = bytearray()
    while len(buf) < n:
        part = sys.stdin.buffer.read(n - len(buf))
        if not part:
            raise SystemExit(4)
        buf += part
    return bytes(buf)


def read_frame():
    (n,) = struct.unpack(">Q", read_exact(8))
    return read_exact(n)


def send(header, arrays=()):
    """One frame: MAGIC, header length, header JSON (with each array's dtype, shape, size), the array bytes."""
    header = dict(header)
    header["arrays"] = [{"key": k, "dtype": a.dtype.str, "shape": list(a.shape), "nbytes": a.nbytes} for k, a in arrays]
    head = json.dumps(header).encode()
    OUT.write(MAGIC + struct.pack(">I", len(head)) + head)
    for _, a in arrays:
        OUT.write(a.tobytes())


job = json.loads(read_frame())
inputs_bytes = read_frame()
sys.path.insert(0, "/opt/cnnviz/site")  # numpy, bound read-only (cnnviz.check.boundary)
import numpy as np  # noqa: E402

inputs = dict(np.load(io.BytesIO(inputs_bytes), allow_pickle=False))
active = {}
limits = job["limits"]
for name, soft, hard in (
    ("RLIMIT_CPU", limits["cpu_s"], limits["cpu_s"] + 1),
    ("RLIMIT_AS", limits["memory_mb"] * 2**20, limits["memory_mb"] * 2**20),
    ("RLIMIT_FSIZE", limits["file_mb"] * 2**20, limits["file_mb"] * 2**20),
    ("RLIMIT_CORE", 0, 0),
    ("RLIMIT_NOFILE", 32, 32),
    ("RLIMIT_NPROC", 16, 16),
):
    try:
        resource.setrlimit(getattr(resource, name), (soft, hard))
        active[name] = True
    except (ValueError, OSError):
        active[name] = False


def seccomp():
    """A classic-BPF seccomp filter (x86_64): no fork/vfork/clone of a process (threads allowed), no clone3,
    ptrace, process_vm_*, socket(pair), mount, unshare, setns, keyrings, bpf, perf, userfaultfd, io_uring,
    modules, memfd_create (memory outside RLIMIT_AS)."""
    if os.uname().machine != "x86_64":
        return False
    blocked = (57, 58, 101, 310, 311, 41, 53, 165, 166, 272, 308, 248, 249, 250, 321, 298, 323, 425, 175, 313, 246, 319)
    ld, jeq, jge, jset, ret = 0x20, 0x15, 0x35, 0x45, 0x06
    allow, kill, eperm, enosys = 0x7FFF0000, 0x80000000, 0x00050000 | 1, 0x00050000 | 38
    prog = [(ld, "", "", 4), (jeq, 1, 0, 0xC000003E), (ret, 0, 0, kill), (ld, 0, 0, 0), (jge, "E", 0, 0x40000000)]
    prog += [(jeq, "E", 0, nr) for nr in blocked]
    prog += [(jeq, "N", 0, 435), (jeq, "C", 0, 56), (ret, 0, 0, allow)]
    labels = {"C": len(prog)}  # clone: allowed with CLONE_THREAD in args[0] (a thread), else EPERM
    prog += [(ld, 0, 0, 16), (jset, 0, "E", 0x00010000), (ret, 0, 0, allow)]
    labels["E"], labels["N"] = len(prog), len(prog) + 1
    prog += [(ret, 0, 0, eperm), (ret, 0, 0, enosys)]

    def rel(at, x):
        return labels[x] - at - 1 if isinstance(x, str) and x else int(x or 0)

    raw = b"".join(struct.pack("HBBI", c, rel(k, t), rel(k, f), v) for k, (c, t, f, v) in enumerate(prog))
    buf = ctypes.create_string_buffer(raw)

    class Prog(ctypes.Structure):
        _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]

    libc = ctypes.CDLL(None, use_errno=True)
    fprog = Prog(len(prog), ctypes.cast(buf, ctypes.c_void_p))
    if libc.prctl(38, 1, 0, 0, 0) != 0:  # PR_SET_NO_NEW_PRIVS
        return False
    return libc.prctl(22, 2, ctypes.byref(fprog), 0, 0) == 0  # PR_SET_SECCOMP, SECCOMP_MODE_FILTER


try:
    os.nice(10)  # the server's pages first
    active["nice 10"] = True
except OSError:
    active["nice 10"] = False
try:
    active["seccomp filter (no new processes, no sockets, no ptrace)"] = job.get("seccomp", True) and seccomp()
except (OSError, ValueError, struct.error):
    active["seccomp filter (no new processes, no sockets, no ptrace)"] = False
send({"sandbox": active})

ALLOWED = {"numpy", "math"}
_import = builtins.__import__


def guarded_import(name, globals=None, locals=None, fromlist=(), level=0):
    if name.split(".")[0] not in ALLOWED:
        raise ImportError(f"import {name}: the checker runs numpy and math only (no os, files or network)")
    return _import(name, globals, locals, fromlist, level)


def no_open(*args, **kwargs):
    raise PermissionError("your function tried to open a file: the checker gives it no files")


# ---- NumPy 1.x conversions (cnnviz.check.compat has the catalogue and the words) ----
notes = []


def note(kind, shape, where):
    entry = {"kind": kind, "shape": list(shape), "where": where}
    if entry not in notes:
        notes.append(entry)


class _Number(type):
    """float / int as NumPy 1.x saw them: float(a) of a size-1 array is its number (NumPy 2 refuses)."""

    def __instancecheck__(cls, obj):
        return isinstance(obj, cls.base)

    def __subclasscheck__(cls, sub):
        return issubclass(sub, cls.base)

    def __call__(cls, *args, **kwargs):
        try:
            return cls.base(*args, **kwargs)
        except TypeError:
            x = args[0] if args else None
            if isinstance(x, np.ndarray) and x.size == 1 and len(args) == 1 and not kwargs:
                note(f"{cls.base.__name__}()", x.shape, cls.where())
                return cls.base(x.item())
            raise

    def where(cls):
        frame = sys._getframe(2)
        return f"{frame.f_code.co_name}, line {frame.f_lineno}"


def _number(base):
    return _Number(base.__name__, (), {"base": base})


def _store(target, index, value, where):
    """target[index] = value; a size-1 array stored into one cell is its number, as NumPy 1.x did."""
    try:
        target[index] = value
    except (ValueError, TypeError):
        if isinstance(target, np.ndarray) and isinstance(value, np.ndarray) and value.size == 1:
            target[index] = value.reshape(())
            note("store", value.shape, where)
        else:
            raise


def _augstore(target, index, op, value, where):
    """target[index] op= value, as Python does it, with the same NumPy 1.x conversion on the store."""
    _store(target, index, getattr(operator, op)(target[index], value), where)


_AUG = {
    ast.Add: "iadd",
    ast.Sub: "isub",
    ast.Mult: "imul",
    ast.Div: "itruediv",
    ast.FloorDiv: "ifloordiv",
    ast.Mod: "imod",
    ast.Pow: "ipow",
    ast.MatMult: "imatmul",
}


def _index(node):
    """A subscript's index as an expression (a:b becomes slice(a, b))."""
    if isinstance(node, ast.Slice):
        parts = [n if n is not None else ast.Constant(None) for n in (node.lower, node.upper, node.step)]
        return ast.Call(ast.Name("slice", ast.Load()), parts, [])
    if isinstance(node, ast.Tuple):
        return ast.Tuple([_index(e) for e in node.elts], ast.Load())
    return node


class Np1(ast.NodeTransformer):
    """`T[i] = v` and `T[i] += v` become calls of _store / _augstore (same order of effects, NumPy 1.x stores)."""

    def __init__(self):
        self.function = "<module>"

    def visit_FunctionDef(self, node):
        outer, self.function = self.function, node.name
        self.generic_visit(node)
        self.function = outer
        return node

    def _where(self, node):
        return ast.Constant(f"{self.function}, line {node.lineno}")

    def visit_Assign(self, node):
        self.generic_visit(node)
        if len(node.targets) == 1 and isinstance(node.targets[0], ast.Subscript):
            t = node.targets[0]
            call = ast.Call(
                ast.Name("__np1_store__", ast.Load()),
                [t.value, _index(t.slice), node.value, self._where(node)],
                [],
            )
            return ast.copy_location(ast.Expr(call), node)
        return node

    def visit_AugAssign(self, node):
        self.generic_visit(node)
        if isinstance(node.target, ast.Subscript) and type(node.op) in _AUG:
            t = node.target
            call = ast.Call(
                ast.Name("__np1_augstore__", ast.Load()),
                [t.value, _index(t.slice), ast.Constant(_AUG[type(node.op)]), node.value, self._where(node)],
                [],
            )
            return ast.copy_location(ast.Expr(call), node)
        return node


safe = {k: getattr(builtins, k) for k in dir(builtins) if k not in ("open", "input", "breakpoint", "exit", "quit")}
safe["__import__"] = guarded_import
safe["open"] = no_open
safe["float"] = _number(float)
safe["int"] = _number(int)
safe["__np1_store__"] = _store
safe["__np1_augstore__"] = _augstore


class Capped(io.TextIOBase):
    """print() goes here: the first `cap` characters are kept, the rest counted."""

    def __init__(self, cap):
        self.cap, self.parts, self.n = cap, [], 0

    def write(self, s):
        s = str(s)
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
    tree = ast.parse("\n" * (lineno - 1) + text, label)
    tree = ast.fix_missing_locations(Np1().visit(tree))
    exec(compile(tree, label, "exec"), ns)


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


def pack(value, arrays, path, depth=0):
    """A JSON description of the result; arrays go into `arrays` (raw bytes, never a pickle)."""
    if isinstance(value, tuple | list) and len(value) <= 8 and depth < 3:
        items = [pack(v, arrays, f"{path}.{k}", depth + 1) for k, v in enumerate(value)]
        return {"type": type(value).__name__, "items": items}
    if isinstance(value, np.ndarray):
        if value.dtype.kind not in "biuf" or value.size > 10**6:
            return {"type": f"ndarray of {value.dtype}, {value.size} elements (not compared)"}
        arrays.append((path, np.ascontiguousarray(value)))
        return {"type": "ndarray", "key": path}
    if isinstance(value, int | float | bool | np.bool_ | np.integer | np.floating):
        arrays.append((path, np.asarray(value)))
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
    arrays = []
    del notes[:]
    try:
        if setup_error:
            raise RuntimeError(setup_error)
        value = ns[job["function"]](*[arg(s) for s in case["args"]])
        result = {"status": "returned", "value": pack(value, arrays, "r")}
    except RuntimeError as err:
        result = {"status": "raised", "traceback": str(err) if setup_error else student_tb(err)}
    except MemoryError:
        result = {"status": "memory", "traceback": "MemoryError: the memory limit was reached"}
    except BaseException as err:  # noqa: BLE001 -- the student's exception, whatever it is
        result = {"status": "raised", "traceback": student_tb(err)}
    finally:
        sys.stdout, sys.stderr = sys.__stdout__, sys.__stderr__
    result.update(case=k, printed="".join(out.parts), printed_chars=out.n, notes=list(notes))
    send(result, arrays)
