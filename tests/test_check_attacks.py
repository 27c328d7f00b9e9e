"""The attacks of issue 16, run against the real checker: each must be contained.

The student's code gets the real builtins through numpy (`np.__dict__['__builtins__']`): the import
guard is not the boundary, bubblewrap and the seccomp filter are. Canaries are files this test plants
(never real secrets); network attempts go only to 127.0.0.1 and 192.0.2.1 (a documentation address);
every process a check starts is looked for afterwards on the host and must be gone.
"""

from __future__ import annotations

import os
import secrets
import socket
import struct
import subprocess
import threading
import time

import numpy as np
import pytest

from cnnviz.check import boundary, checker, sandbox, slots, source

FAST = sandbox.Limits(cpu_s=1, wall_s=4.0)
PAD = {"A_prev": np.ones((1, 2, 2, 1)), "pad": 1}
PRELUDE = """
import numpy as np
def real(name):
    return np.__dict__['__builtins__']['__import__'](name)
def real_open(*a):
    return np.__dict__['__builtins__']['open'](*a)
"""


def _argv(pid: int) -> list[bytes]:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as fh:
            return fh.read().split(b"\0")
    except OSError:
        return []


def _parent(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as fh:
            return int(fh.read().split("PPid:")[1].split()[0])
    except (OSError, IndexError, ValueError):
        return 0


def sandboxed(runners_only: bool = False) -> list[int]:
    """Host pids of this test's checks (bwrap and the runner; only the runners: one per check), and of any
    runner that lost its bwrap parent (an escaped process, whoever's check it was). Checks that other
    processes on this machine run at the same time are not counted."""
    me, out = os.getpid(), []
    for pid in (int(p) for p in os.listdir("/proc") if p.isdigit()):
        argv = _argv(pid)
        if boundary.INSIDE_RUNNER.encode() not in argv or (runners_only and argv[0].endswith(b"bwrap")):
            continue
        chain, p = [], pid
        while p > 1 and len(chain) < 16:
            p = _parent(p)
            chain.append(p)
        orphan = not argv[0].endswith(b"bwrap") and not (_argv(chain[0])[:1] or [b""])[0].endswith(b"bwrap")
        if me in chain or orphan:
            out.append(pid)
    return out


def nothing_left() -> bool:
    deadline = time.monotonic() + 5
    while sandboxed() and time.monotonic() < deadline:
        time.sleep(0.05)
    return not sandboxed()


def run(body: str, limits=FAST, n=1):
    code = PRELUDE + "def f(x):\n" + "\n".join("    " + ln for ln in body.strip("\n").split("\n")) + "\n"
    result = sandbox.run(source.extract(code, "f"), "f", [(k,) for k in range(n)], limits=limits)
    assert nothing_left(), f"processes left after the check: {sandboxed()}"
    return result, result.cases[0]


def everything_said(r: sandbox.Run) -> str:
    return r.ended + " ".join(c.traceback + c.printed + str(c.value) for c in r.cases)


@pytest.fixture
def canary(tmp_path):
    """A root-only file with a random token (the stand-in for /etc/shadow)."""
    token = secrets.token_hex(16)
    path = tmp_path / "canary.txt"
    path.write_text(token)
    path.chmod(0o600)
    return path, token


def test_a_fork_and_a_double_fork_are_refused_and_nothing_outlives_the_check():
    r, case = run("os = real('os')\npid = os.fork()\nif pid == 0:\n    os.setsid()\n    os.fork()\nreturn 1.0")
    assert case.status == "raised" and "PermissionError" in case.traceback, case.traceback
    r, case = run("os = real('os')\nos.posix_spawn('/usr/bin/sleep', ['sleep', '60'], {})\nreturn 1.0")
    assert case.status == "raised" and "PermissionError" in case.traceback, case.traceback


def test_without_the_seccomp_filter_a_double_fork_survivor_still_dies_with_the_check(monkeypatch, tmp_path):
    """The second layer: the PID namespace. A detached grandchild (setsid) that would outlive the check is
    killed when the runner exits normally; it never gets to write its mark."""
    monkeypatch.setattr(sandbox, "SECCOMP", False)
    body = (
        "os = real('os')\n"
        "if os.fork() == 0:\n"
        "    os.setsid()\n"
        "    if os.fork() == 0:\n"
        "        real('time').sleep(30)\n"
        "        real_open('/tmp/alive', 'w').write('x')\n"
        "        os.kill(1, 9)\n"
        "    os._exit(0)\n"
        "real('time').sleep(0.3)\n"
        "return 1.0"
    )
    r, case = run(body)  # run() asserts that no process is left on the host
    assert (
        case.status == "returned" and r.protections["seccomp filter (no new processes, no sockets, no ptrace)"] is False
    )
    time.sleep(2)
    assert not sandboxed()


def test_a_fork_bomb_is_bounded():
    r, case = run("os = real('os')\nwhile True:\n    os.fork()")
    assert case.status == "raised" and "PermissionError" in case.traceback


def test_a_thread_left_running_dies_with_the_check(tmp_path):
    """Threads are allowed (numpy may use them); one still running when the function returns dies with it."""
    body = "t = real('threading').Thread(target=lambda: real('time').sleep(60), daemon=False)\nt.start()\nreturn 1.0"
    r, case = run(body)
    assert case.status == "returned"  # and run() asserted that no process is left


def test_no_job_file_to_rewrite_and_a_private_tmp_per_check(tmp_path):
    """The old job.json in a nobody-owned directory: now the job comes on stdin and /tmp is the check's own."""
    token = secrets.token_hex(8)
    r, case = run(
        f"os = real('os')\nreal_open('/tmp/job.json', 'w').write({token!r})\nreturn float(len(os.listdir('/tmp')))"
    )
    assert case.status == "returned" and case.arrays["r"] == 1
    r, case = run("os = real('os')\nraise ValueError(sorted(os.listdir('/tmp')))")  # the next check
    assert "ValueError: []" in case.traceback, case.traceback
    host = [p for d in ("/tmp", "/var/tmp", "/dev/shm") for p in os.listdir(d)]
    assert not any(token in p for p in host)


def test_the_canary_and_the_apps_files_are_not_there(canary):
    path, token = canary
    here = os.path.dirname(os.path.abspath(checker.__file__))
    body = (
        "os = real('os')\n"
        f"seen = [p for p in ({str(path)!r}, '/etc/shadow', '/etc/passwd', '/root/.bashrc', {here!r}, "
        f"{os.path.join(here, 'checker.py')!r}, '/work', '/app', '/home', '/etc', '/sys', '/var')"
        " if os.path.exists(p)]\n"
        "raise ValueError(seen)"
    )
    r, case = run(body)
    assert "ValueError: []" in case.traceback, case.traceback
    # everything the check can see: /usr, the interpreter's prefix, numpy, the runner, its /tmp, /proc, /dev
    prefix = os.path.realpath(__import__("sys").base_prefix)
    allowed = (prefix + "/", "/opt/cnnviz/site/numpy", boundary.INSIDE_RUNNER)
    walk = (
        "os = real('os')\n"
        "files = []\n"
        "for top in os.listdir('/'):\n"
        "    if top not in ('proc', 'dev', 'usr') and not os.path.islink('/' + top):\n"
        "        for d, _, names in os.walk('/' + top):\n"
        "            files += [os.path.join(d, n) for n in names]\n"
        f"raise ValueError(len(files), [f for f in files if not f.startswith({allowed!r})][:5])"
    )
    r, case = run(walk)
    last = case.traceback.strip().splitlines()[-1] if case.traceback.strip() else repr(case)
    assert last.endswith(", [])") and not last.startswith("ValueError: (0,"), last


def test_a_symlink_to_the_canary_and_a_bad_exit_show_nothing_of_it(canary):
    """The old server read stderr.txt after a non-zero exit, following a symlink the child had made."""
    path, token = canary
    body = f"os = real('os')\nos.symlink({str(path)!r}, '/tmp/stderr.txt')\nos.write(2, b'bye')\nos._exit(3)"
    r, case = run(body)
    assert "code 3" in r.ended and token not in everything_said(r)


def test_endless_output_is_capped_and_the_server_does_not_grow():
    """The old /dev/zero symlink: now the only thing the server reads is a pipe, with a byte cap."""
    body = (
        "os = real('os')\n"
        "block = b'\\0' * (1 << 20)\n"
        "while True:\n"
        "    for fd in range(1, 8):\n"
        "        try:\n"
        "            os.write(fd, block)\n"
        "        except OSError:\n"
        "            pass"
    )
    r, case = run(body, sandbox.Limits(cpu_s=3, wall_s=6.0))
    assert case.status in ("raised", "not run")
    assert "exceeded" in r.ended or "time limit" in r.ended or "garbled" in case.traceback, r.ended


def test_a_fifo_does_not_block_the_server():
    r, case = run("os = real('os')\nos.mkfifo('/tmp/stderr.txt')\nos.mkfifo('/tmp/case0.json')\nos._exit(3)")
    assert "code 3" in r.ended  # returned at once: the server reads no file the child made


def _forge(header: dict, payload: bytes = b"") -> str:
    """Code that writes one hand-made result frame on the results' channel and stops the runner."""
    import json

    head = json.dumps(header).encode()
    frame = b"CNV1" + struct.pack(">I", len(head)) + head + payload
    return (
        "os = real('os')\n"
        "for fd in range(3, 8):\n"
        "    try:\n"
        "        os.fstat(fd)\n"
        "    except OSError:\n"
        "        continue\n"
        "    if real('stat').S_ISFIFO(os.fstat(fd).st_mode):\n"
        f"        os.write(fd, {frame!r})\n"
        "os._exit(0)"
    )


def test_a_zip_bomb_and_lying_array_headers_are_refused_before_allocation():
    import io
    import zipfile

    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("r.npy", b"\0" * (64 << 20))  # 64 MB of zeros, ~64 KB compressed
    lies = [
        ({"case": 0, "status": "returned", "value": {"type": "ndarray", "key": "r"}}, bomb.getvalue()),
        (
            {
                "case": 0,
                "status": "returned",
                "value": {"type": "ndarray", "key": "r"},
                "arrays": [{"key": "r", "dtype": "<f8", "shape": [10**5, 10**5], "nbytes": 8 * 10**10}],
            },
            b"\0" * 64,
        ),
        (
            {
                "case": 0,
                "status": "returned",
                "value": {"type": "ndarray", "key": "r"},
                "arrays": [{"key": "r", "dtype": "<U8", "shape": [2], "nbytes": 64}],
            },
            b"\0" * 64,
        ),
    ]
    for k, (header, payload) in enumerate(lies):
        r, case = run(_forge(header, payload))
        assert case.arrays == {}, header  # nothing was unpacked
        if k:
            assert case.status == "raised" and "could not read" in case.traceback, (header, case)


@pytest.mark.parametrize(
    "value",
    [
        "np.array(['a', 'b'])",
        "np.zeros(3, dtype='V8')",
        "np.array([object()])",
        "np.zeros((4, 4), dtype=complex)",
        "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]",
        "{'X_pad': np.zeros((1, 4, 4, 1))}",
        "(np.zeros((1, 4, 4, 1)),) * 9",
        "np.zeros((1, 4, 4, 1)).view(np.recarray)",
        "type('Weird', (np.ndarray,), {})((1, 4, 4, 1))",
    ],
)
def test_weird_results_get_a_verdict(value):
    code = f"import numpy as np\ndef zero_pad(X, pad):\n    return {value}\n"
    report = checker.check("zero_pad", code, PAD)
    assert report.verdicts and not report.passed
    assert all(v.verdict in ("wrong type", "wrong shape", "raised", "differs") for v in report.verdicts), [
        (v.verdict, v.detail) for v in report.verdicts
    ]


@pytest.mark.parametrize(
    "header",
    [
        {"case": 0, "status": "returned", "value": [1, 2]},
        {"case": 0, "status": "returned", "value": {"type": "tuple", "items": {"a": 1}}},
        {"case": 0, "status": "returned", "value": {"type": 3}},
        {"case": "0", "status": "returned"},
        {"case": 0, "status": ["raised"]},
        {"case": 0, "status": "raised", "traceback": {"a": 1}, "printed": [1], "printed_chars": "x"},
        {"case": 0, "status": "returned", "value": {"type": "x", "items": [{"type": "y", "key": ["r"]}]}},
        {"sandbox": [1, 2, 3]},
        {"case": 0, "status": "returned", "value": {"type": "ndarray", "key": "r"}, "notes": [{"shape": "x"}, 7]},
    ],
)
def test_forged_result_descriptions_get_a_verdict(header):
    code = PRELUDE + "def zero_pad(X, pad):\n" + "\n".join("    " + ln for ln in _forge(header).split("\n")) + "\n"
    report = checker.check("zero_pad", code, PAD)
    assert not report.passed and report.verdicts


def test_json_nested_too_deep_is_a_verdict():
    deep = "[" * 100000 + "]" * 100000
    code = (
        "os = real('os')\n"
        f'head = b\'{{"case": 0, "status": "returned", "value": \' + b\'{deep}\' + b\'}}\'\n'
        "for fd in range(3, 8):\n"
        "    try:\n"
        "        if real('stat').S_ISFIFO(os.fstat(fd).st_mode):\n"
        "            os.write(fd, b'CNV1' + real('struct').pack('>I', len(head)) + head)\n"
        "    except OSError:\n"
        "        pass\n"
        "os._exit(0)"
    )
    r, case = run(code)
    assert case.status == "raised" and "could not read" in case.traceback


def test_writes_go_only_to_the_checks_own_bounded_tmp():
    token = secrets.token_hex(8)
    body = (
        "out = []\n"
        "for d in ('/var/tmp', '/dev/shm', '/run/lock', '/', '/usr', '/opt/cnnviz/site', '/run/cnnviz'):\n"
        "    try:\n"
        f"        real_open(d + '/{token}', 'w').write('x')\n"
        "        out.append(d)\n"
        "    except OSError:\n"
        "        pass\n"
        "n = 0\n"
        "try:\n"
        "    for k in range(64):\n"
        f"        real_open('/tmp/{token}%d' % k, 'w').write('x' * (1 << 20))\n"
        "        n += 1\n"
        "except OSError:\n"
        "    pass\n"
        "raise ValueError(out, n)"
    )
    r, case = run(body, sandbox.Limits(cpu_s=2, wall_s=6.0))
    assert "ValueError: ([]," in case.traceback, case.traceback
    n = int(case.traceback.strip().rsplit(",", 1)[1].strip(" )"))
    assert n <= FAST.file_mb, "the private /tmp holds file_mb MB in total, not per file"
    host = [p for d in ("/tmp", "/var/tmp", "/dev/shm", "/run/lock") if os.path.isdir(d) for p in os.listdir(d)]
    assert not any(token in p for p in host)


def test_the_server_cannot_be_seen_killed_or_traced():
    me = os.getpid()
    body = (
        "os = real('os')\n"
        "found = []\n"
        "try:\n"
        f"    os.kill({me}, 0)\n"
        "    found.append('kill')\n"
        "except OSError:\n"
        "    pass\n"
        "libc = real('ctypes').CDLL(None, use_errno=True)\n"
        f"if libc.ptrace(16, {me}, 0, 0) == 0:\n"  # PTRACE_ATTACH
        "    found.append('ptrace')\n"
        "found.append(sorted(p for p in os.listdir('/proc') if p.isdigit()))\n"
        "raise ValueError(found)"
    )
    r, case = run(body)
    last = case.traceback.strip().splitlines()[-1]
    assert last.startswith("ValueError: [[") and "kill" not in last and "ptrace" not in last, last
    assert str(me) not in last.split("[[")[1] or me < 3  # only the sandbox's own pids (1, 2)


def test_kernel_knobs_are_read_only():
    """/proc/sysrq-trigger and /proc/sys are host-root-owned: opened for writing (nothing is written), they refuse."""
    body = (
        "os = real('os')\n"
        "opened = []\n"
        "for path in ('/proc/sysrq-trigger', '/proc/sys/kernel/hostname', '/proc/sys/vm/drop_caches'):\n"
        "    try:\n"
        "        os.close(os.open(path, os.O_WRONLY))\n"
        "        opened.append(path)\n"
        "    except OSError:\n"
        "        pass\n"
        "raise ValueError(opened)"
    )
    r, case = run(body)
    assert "ValueError: []" in case.traceback, case.traceback


def test_memory_outside_the_address_space_limit_is_refused():
    """memfd_create would hold RAM that RLIMIT_AS does not count (written, never mapped)."""
    r, case = run("os = real('os')\nfd = os.memfd_create('x')\nreturn 1.0")
    assert case.status == "raised" and "PermissionError" in case.traceback, case.traceback


def test_kill_minus_one_reaches_only_the_check():
    probe = subprocess.Popen(["sleep", "30"])  # a host process the check must not reach
    try:
        r, case = run("os = real('os')\nos.kill(-1, 9)\nreturn 1.0")
        assert probe.poll() is None, "a host process was killed"
        assert case.status in ("not run", "raised") or "code" in r.ended
    finally:
        probe.kill()
        probe.wait()


def test_no_network_to_loopback_or_a_documentation_address():
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    server.settimeout(0.2)
    port = server.getsockname()[1]
    try:
        for host in ("127.0.0.1", "192.0.2.1"):
            body = f"s = real('socket')\nc = s.create_connection(({host!r}, {port}), timeout=1)\nreturn 1.0"
            r, case = run(body)
            assert case.status == "raised" and ("PermissionError" in case.traceback or "OSError" in case.traceback)
        with pytest.raises(TimeoutError):
            server.accept()  # nobody came
    finally:
        server.close()


def test_another_checks_job_cannot_be_read():
    """Two checks at once: the second looks for the first's code (stdin, /proc, files) and finds nothing."""
    token = secrets.token_hex(8)
    slow = f"# {token}\nreal('time').sleep(2.5)\nreturn 1.0"
    first = threading.Thread(target=run, args=(slow,))
    first.start()
    time.sleep(0.8)
    body = (
        "os = real('os')\n"
        "seen = []\n"
        "for pid in os.listdir('/proc'):\n"
        "    for name in ('cmdline', 'environ', 'fd/0'):\n"
        "        try:\n"
        "            seen.append(real_open('/proc/%s/%s' % (pid, name), 'rb').read(1 << 16))\n"
        "        except OSError:\n"
        "            pass\n"
        "for d in ('/tmp', '/run', '/opt'):\n"
        "    seen.append(repr(os.listdir(d)))\n"
        "raise ValueError(repr(seen))"
    )
    r, case = run(body)
    first.join()
    assert "ValueError" in case.traceback and token not in case.traceback


def test_many_cpu_burning_checks_run_at_most_slots_at_a_time(monkeypatch):
    monkeypatch.setattr(slots, "WAIT_S", 60.0)
    peak, stop = [0], threading.Event()

    def watch():
        while not stop.is_set():
            peak[0] = max(peak[0], len(sandboxed(runners_only=True)))
            time.sleep(0.02)

    results = []

    def burn(k):
        results.append(
            checker.check(
                "zero_pad",
                "def zero_pad(X, pad):\n    while True:\n        pass\n",
                PAD,
                limits=sandbox.Limits(cpu_s=1, wall_s=3.0),
                session=f"student-{k}",
            )
        )

    watcher = threading.Thread(target=watch)
    watcher.start()
    threads = [threading.Thread(target=burn, args=(k,)) for k in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    stop.set()
    watcher.join()
    assert len(results) == 6 and all(r.ended.startswith("time limit") for r in results), [r.ended for r in results]
    assert 1 <= peak[0] <= slots.SLOTS, f"{peak[0]} checks ran at once"
    assert max(r.waited for r in results) > 0.5  # some waited in line
    assert nothing_left()


def test_one_check_per_session_at_a_time():
    done = threading.Event()

    def first():
        checker.check("zero_pad", "def zero_pad(X, pad):\n    while True:\n        pass\n", PAD, session="same")
        done.set()

    t = threading.Thread(target=first)
    t.start()
    while "same" not in slots._busy and t.is_alive():  # the first check holds this session
        time.sleep(0.01)
    with pytest.raises(slots.BusyError, match="previous check is still running"):
        checker.check("zero_pad", "def zero_pad(X, pad):\n    return X\n", PAD, session="same")
    t.join()
    assert done.is_set()
