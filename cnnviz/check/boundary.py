"""The boundary a check runs in: bubblewrap (Debian `bubblewrap`), its command line, and whether it works here.

New user, PID, mount, network, IPC and UTS namespaces; no capabilities; uid/gid 65534 inside; a new session
(no terminal); --die-with-parent. The filesystem is empty except read-only binds of /usr, the Python
interpreter's prefix (its stdlib), numpy's package directory and the runner script; a fresh /proc of the
sandbox's own PID namespace, remounted read-only (no /proc/sys knobs, no sysrq), a minimal read-only /dev,
and one private tmpfs of `tmp_mb` MB at /tmp as the only writable place. When the server runs as root
and the interpreter and numpy are readable by `nobody`, bubblewrap itself is started as uid 65534
(unprivileged user namespaces), so the child is nobody on the host as well; otherwise it is the server's
user inside a user namespace without capabilities.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np

from cnnviz.core.errors import InputError

RUNNER = Path(__file__).with_name("_runner.py")
NOBODY = 65534
INSIDE_RUNNER = "/run/cnnviz/runner.py"
INSIDE_SITE = "/opt/cnnviz/site"


class NoSandboxError(InputError):
    """No working bubblewrap here: checking is refused, never run with weaker measures."""


def _binds() -> list[str]:
    """Read-only binds: /usr, the interpreter's prefix, numpy (and its bundled libraries), the runner."""
    prefix = Path(sys.base_prefix).resolve()
    numpy_dir = Path(np.__file__).resolve().parent
    args = ["--ro-bind", "/usr", "/usr"]
    for link, target in (("/lib", "usr/lib"), ("/lib64", "usr/lib64"), ("/bin", "usr/bin"), ("/sbin", "usr/sbin")):
        if Path(link).is_symlink():
            args += ["--symlink", target, link]
        elif Path(link).is_dir():
            args += ["--ro-bind", link, link]
    if not str(prefix).startswith("/usr/"):
        args += ["--ro-bind", str(prefix), str(prefix)]
    exe = Path(sys.executable).resolve()
    if not (str(exe).startswith("/usr/") or exe.is_relative_to(prefix)):
        args += ["--ro-bind", str(exe), str(exe)]
    args += ["--ro-bind", str(numpy_dir), f"{INSIDE_SITE}/numpy"]
    libs = numpy_dir.parent / "numpy.libs"
    if libs.is_dir():
        args += ["--ro-bind", str(libs), f"{INSIDE_SITE}/numpy.libs"]
    return args + ["--ro-bind", str(RUNNER), INSIDE_RUNNER]


def bwrap_path() -> str | None:
    """Where bubblewrap is, or None."""
    return shutil.which("bwrap") or ("/usr/bin/bwrap" if Path("/usr/bin/bwrap").exists() else None)


def command(tmp_mb: int) -> list[str]:
    """bwrap ... python -I -S runner: the whole command line of one check."""
    return [
        bwrap_path() or "bwrap",
        "--unshare-user",
        "--unshare-pid",
        "--unshare-net",
        "--unshare-ipc",
        "--unshare-uts",
        "--unshare-cgroup-try",
        "--uid",
        str(NOBODY),
        "--gid",
        str(NOBODY),
        "--hostname",
        "sandbox",
        "--die-with-parent",
        "--new-session",
        "--cap-drop",
        "ALL",
        "--clearenv",
        "--setenv",
        "OPENBLAS_NUM_THREADS",
        "1",
        "--setenv",
        "OMP_NUM_THREADS",
        "1",
        "--setenv",
        "HOME",
        "/tmp",
        *_binds(),
        "--proc",
        "/proc",
        "--dev",
        "/dev",
        "--size",
        str(tmp_mb * 2**20),
        "--tmpfs",
        "/tmp",
        "--remount-ro",
        "/dev",
        "--remount-ro",
        "/proc",
        "--remount-ro",
        "/",
        "--chdir",
        "/tmp",
        str(Path(sys.executable).resolve()),
        "-I",
        "-S",
        INSIDE_RUNNER,
    ]


def _try(user: int | None) -> str:
    """'' if bwrap runs python + numpy as `user` (None: the server's own), else what went wrong."""
    probe = [*command(1)[:-1], "-c", f"import sys; sys.path.insert(0, {INSIDE_SITE!r}); import numpy; numpy.ones(2)"]
    kwargs = {"user": user, "group": user, "extra_groups": []} if user is not None else {}
    try:
        r = subprocess.run(probe, capture_output=True, timeout=30, stdin=subprocess.DEVNULL, **kwargs)
    except (OSError, subprocess.SubprocessError) as err:
        return str(err)
    return "" if r.returncode == 0 else r.stderr.decode("utf-8", "replace").strip()[-300:] or f"code {r.returncode}"


@functools.cache
def host_user() -> int | None:
    """The host uid to start bwrap as: 65534 when that works, None for the server's own user.

    Raises NoSandboxError when bubblewrap is missing or cannot create its namespaces.
    """
    if bwrap_path() is None:
        raise NoSandboxError(
            "Checking your code needs bubblewrap (the Debian/Ubuntu package `bubblewrap`: `sudo apt-get install "
            "bubblewrap`), which this server does not have; cnnviz does not run your code without it."
        )
    if os.geteuid() == 0 and not _try(NOBODY):
        return NOBODY
    err = _try(None)
    if err:
        raise NoSandboxError(
            "Checking your code needs bubblewrap with user namespaces, and it does not work here "
            f"({err}); cnnviz does not run your code without it. In a container, allow user namespaces "
            "(e.g. Docker's default seccomp profile with `--security-opt seccomp=unconfined`, or podman)."
        )
    return None
