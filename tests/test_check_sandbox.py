"""The sandbox and the source reader, driven directly (short limits where the test allows)."""

import json

import numpy as np
import pytest

from cnnviz.check import boundary, checker, sandbox, source
from cnnviz.core.errors import InputError

FAST = sandbox.Limits(cpu_s=1, wall_s=3.0)
PAD = {"A_prev": np.ones((2, 3, 3, 1)), "pad": 1}


def one(code, limits=FAST, function="f", args=((1,),)):
    run = sandbox.run(source.extract(code, function), function, list(args), limits=limits)
    return run, run.cases[0]


def test_source_takes_the_last_definition_from_a_notebook_and_skips_magics_and_test_cells():
    nb = {
        "cells": [
            {"cell_type": "code", "source": ["%matplotlib inline\n", "import numpy as np\n"]},
            {"cell_type": "code", "source": "def zero_pad(X, pad):\n    return X\n"},
            {"cell_type": "markdown", "source": "def zero_pad(: not code"},
            {"cell_type": "code", "source": "x = zero_pad(1, 2)\nprint(x)\n"},
            {
                "cell_type": "code",
                "source": "def zero_pad(X, pad):\n    return np.pad(X, ((0,0),(pad,pad),(pad,pad),(0,0)))\n",
            },
        ]
    }
    chunks = source.extract(json.dumps(nb), "zero_pad", "mine.ipynb")
    assert [c.label for c in chunks] == ["cell 1", "cell 4"]
    assert "np.pad" in chunks[-1].text
    assert checker.check("zero_pad", json.dumps(nb), PAD, "mine.ipynb").passed


def test_a_syntax_error_says_line_and_column():
    with pytest.raises(InputError, match=r"line 3, column \d+"):
        source.extract("import numpy as np\ndef zero_pad(X, pad):\n    return (X\n", "zero_pad")
    nb = {"cells": [{"cell_type": "code", "source": "def zero_pad(X, pad)\n    return X\n"}]}
    with pytest.raises(InputError, match="cell 1, line 1"):
        source.extract(json.dumps(nb), "zero_pad", "nb.ipynb")


def test_no_function_of_that_name_lists_what_was_found():
    with pytest.raises(InputError, match=r"No function called zero_pad .*pad_it"):
        source.extract("def pad_it(X):\n    return X\n", "zero_pad")


def test_an_endless_loop_is_stopped_by_the_cpu_limit_and_a_sleep_by_the_wall_clock():
    run, case = one("def f(x):\n    while True:\n        pass\n")
    assert case.status == "not run" and "CPU" in run.ended
    # a sleep needs no CPU: only the wall clock stops it
    sleep = "import numpy as np\ndef f(x):\n    np.__dict__['__builtins__']['__import__']('time').sleep(30)\n"
    run, case = one(sleep, sandbox.Limits(cpu_s=1, wall_s=1.0))
    assert case.status == "not run" and "wall clock" in run.ended


def test_a_memory_bomb_hits_the_address_space_limit():
    run, case = one("import numpy as np\ndef f(x):\n    return np.ones((2**30,))\n")
    assert case.status == "memory"


def test_printing_a_lot_is_capped():
    run, case = one("def f(x):\n    for k in range(10**5):\n        print('spam')\n    return 1.0\n")
    assert case.status == "returned" and len(case.printed) == FAST.print_cap and case.printed_chars == 5 * 10**5


@pytest.mark.parametrize("module", ["os", "subprocess", "socket"])
def test_imports_other_than_numpy_and_math_are_refused(module):
    run, case = one(f"def f(x):\n    import {module}\n    return 1.0\n")
    assert case.status == "raised" and f"import {module}" in case.traceback


def test_reading_a_file_is_refused_and_the_traceback_is_the_students_only():
    run, case = one("def helper():\n    return open('/etc/hostname').read()\n\ndef f(x):\n    return helper()\n")
    assert "open a file" in case.traceback
    assert 'File "your code", line 5, in f' in case.traceback and "line 2, in helper" in case.traceback
    assert "_runner" not in case.traceback and "sandbox" not in case.traceback


BYPASS = "np.__dict__['__builtins__']"  # the real builtins: the guard is not the boundary


def test_no_network_and_no_host_files_even_when_the_guard_is_bypassed(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("root only")
    secret.chmod(0o600)
    code = (
        "import numpy as np\n"
        "def f(x):\n"
        f"    devices = {BYPASS}['open']('/proc/self/net/dev').read().split('\\n')[2:]\n"
        "    up = [d.split(':')[0].strip() for d in devices if d.strip()]\n"
        "    assert up == ['lo'], up\n"
        f"    return {BYPASS}['open']({str(secret)!r}).read()\n"
    )
    run, case = one(code)
    assert run.protections["seccomp filter (no new processes, no sockets, no ptrace)"] is True, run.protections
    assert case.status == "raised" and "FileNotFoundError" in case.traceback, case.traceback  # the net check passed
    sock = f"import numpy as np\ndef f(x):\n    {BYPASS}['__import__']('socket').socket()\n"
    assert "PermissionError" in one(sock)[1].traceback  # the seccomp filter: no sockets at all


def test_results_are_arrays_only():
    run, case = one("import numpy as np\ndef f(x):\n    return np.array([object()]), {'a': 1}, 2.5\n")
    assert case.status == "returned"
    kinds = [item["type"] for item in case.value["items"]]
    assert kinds[0].startswith("ndarray of object") and kinds[1] == "dict" and kinds[2] == "float"
    assert list(case.arrays) == ["r.2"] and case.arrays["r.2"] == 2.5


def test_the_check_reports_nan_and_wrong_shape():
    nan = checker.check(
        "zero_pad",
        "import numpy as np\ndef zero_pad(X, pad):\n    return np.full(X.shape[:1] + (X.shape[1] + 2*pad, "
        "X.shape[2] + 2*pad) + X.shape[3:], np.nan)\n",
        PAD,
    )
    assert nan.verdicts[0].verdict == "differs" and "NaN" in nan.verdicts[0].detail
    shape = checker.check("zero_pad", "def zero_pad(X, pad):\n    return X\n", PAD)
    assert {v.verdict for v in shape.verdicts} == {"wrong shape", "matches"}  # pad 0 matches


@pytest.mark.parametrize("why", ["missing", "no namespaces"])
def test_without_a_working_bubblewrap_nothing_is_run_and_the_student_is_told(monkeypatch, why):
    boundary.host_user.cache_clear()
    if why == "missing":
        monkeypatch.setattr(boundary, "bwrap_path", lambda: None)
    else:
        monkeypatch.setattr(boundary, "_try", lambda user: "bwrap: No permissions to create new namespace")
    started = []
    monkeypatch.setattr(sandbox.subprocess, "Popen", lambda *a, **k: started.append(a))
    try:
        with pytest.raises(boundary.NoSandboxError, match="bubblewrap") as err:
            checker.check("zero_pad", "def zero_pad(X, pad):\n    return X\n", PAD)
        assert isinstance(err.value, InputError) and started == []  # shown as a message; no weaker fallback
        if why != "missing":
            assert "No permissions to create new namespace" in str(err.value)
    finally:
        boundary.host_user.cache_clear()
