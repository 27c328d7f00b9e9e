"""The Check panel through the page (AppTest): bad inputs give a clear message, the page keeps working."""

import threading
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from cnnviz.check import checker, sandbox, switch
from cnnviz.core import layers

APP = Path(__file__).parents[1] / "app.py"
TIMEOUT = 60
GOOD_PAD = "import numpy as np\ndef zero_pad(X, pad):\n    return np.pad(X, ((0, 0), (pad, pad), (pad, pad), (0, 0)))\n"


@pytest.fixture(autouse=True)
def check_on(monkeypatch):
    monkeypatch.setenv(switch.ENV, "on")


def page(path="lessons/zero_padding.py"):
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    at.run()
    at.switch_page(path).run()
    return at


def check(at, code, page_key="zero_pad"):
    at.text_area(key=f"check/{page_key}/code").set_value(code)
    at.button(key=f"check/{page_key}/button").click().run()
    assert not at.exception, at.exception
    return at


def texts(at, kind):
    return " ".join(e.value for e in getattr(at, kind))


def test_a_correct_function_matches_and_the_player_still_draws():
    at = check(page(), GOOD_PAD)
    assert "every case matches" in texts(at, "success")


@pytest.mark.parametrize(
    "code,kind,words",
    [
        ("def zero_pad(X, pad):\n    return X[\n", "error", "line 2"),
        ("def pad_it(X, pad):\n    return X\n", "error", "No function called zero_pad"),
        ("def zero_pad(X, pad):\n    while True:\n        pass\n", "error", "time limit"),
        ("def zero_pad(X, pad):\n    return [0] * 10**9\n", "dataframe", "memory limit"),
        ("def zero_pad(X, pad):\n    return X\n", "dataframe", "wrong shape"),
        ("def zero_pad(X, pad):\n    return 'padded'\n", "dataframe", "wrong type"),
        (GOOD_PAD.replace("return np.pad(X", "return np.nan * np.pad(X"), "dataframe", "NaN"),
        ("def zero_pad(X, pad):\n    print('x' * 10**6)\n    return X\n", "caption", "of 1000001 characters"),
        ("def zero_pad(X, pad):\n    return open('/etc/passwd').read()\n", "code", "open a file"),
        (
            "import os\ndef zero_pad(X, pad):\n    return X\n",
            "info",
            "Set aside (not run; the checker runs your function with numpy and math only): `import os`",
        ),
        ("def zero_pad(X, pad):\n    import socket\n    return X\n", "code", "import socket"),
        ("def zero_pad(X, pad):\n    import subprocess\n    return X\n", "code", "import subprocess"),
    ],
    ids=[
        "syntax",
        "no-function",
        "loop",
        "memory",
        "shape",
        "type",
        "nan",
        "prints",
        "file",
        "os",
        "socket",
        "subprocess",
    ],
)
def test_bad_input_gets_a_clear_message_through_the_page(code, kind, words):
    at = check(page(), code)
    if kind == "dataframe":
        shown = " ".join(str(df.value.to_dict()) for df in at.dataframe)
    elif kind == "code":
        shown = " ".join(c.value for c in at.code)
    else:
        shown = texts(at, kind)
    assert words in shown
    page_text = " ".join([c.value for c in at.code] + [m.value for m in at.markdown])
    assert "X_pad.shape" in page_text  # the rest of the page is drawn


def test_off_says_how_to_enable_it(monkeypatch):
    monkeypatch.setenv(switch.ENV, "off")
    at = page()
    assert "CNNVIZ_CHECK_CODE=on" in texts(at, "info")
    assert not at.button  # no Check button


def test_the_switch():
    assert switch.enabled("127.0.0.1", None) and switch.enabled("localhost", None) and switch.enabled("::1", None)
    assert not switch.enabled("", None) and not switch.enabled("0.0.0.0", None)
    assert switch.enabled("0.0.0.0", "on") and not switch.enabled("127.0.0.1", "off")


def test_another_session_reruns_while_a_loop_runs():
    """A 5 s endless loop in one session's check; another session's page rerun completes meanwhile."""
    A = layers.zero_pad(__import__("numpy").ones((1, 2, 2, 1)), 0)
    done = {}

    def slow():
        done["report"] = checker.check(
            "zero_pad",
            "def zero_pad(X, pad):\n    while True:\n        pass\n",
            {"A_prev": A, "pad": 1},
            limits=sandbox.Limits(cpu_s=5, wall_s=5.0),
        )

    t = threading.Thread(target=slow)
    t.start()
    other = page("lessons/convolution.py")
    still_running = t.is_alive()
    t.join()
    assert not other.exception
    assert still_running, "the other session's rerun only finished after the loop was stopped"
    assert done["report"].ended.startswith("time limit")


CONV_ONE_CELL_WRONG = """
import numpy as np
def conv_forward(A_prev, W, b, hparameters):
    stride, pad = hparameters['stride'], hparameters['pad']
    (m, n_H_prev, n_W_prev, n_C_prev) = A_prev.shape
    (f, f, n_C_prev, n_C) = W.shape
    n_H = (n_H_prev + 2 * pad - f) // stride + 1
    n_W = (n_W_prev + 2 * pad - f) // stride + 1
    A_prev_pad = np.pad(A_prev, ((0, 0), (pad, pad), (pad, pad), (0, 0)))
    Z = np.zeros((m, n_H, n_W, n_C))
    for i in range(m):
        for h in range(n_H):
            for w in range(n_W):
                for c in range(n_C):
                    a = A_prev_pad[i, h * stride:h * stride + f, w * stride:w * stride + f, :]
                    Z[i, h, w, c] = np.sum(a * W[..., c]) + b[0, 0, 0, c] + (h == 1 and w == 2)
    return Z, (A_prev, W, b, hparameters)
"""


def test_a_wrong_cell_is_marked_on_the_player_which_opens_its_window():
    from player_helpers import data_of

    at = page("lessons/convolution.py")
    board = data_of(at)["board"]  # the first run sends the board; later runs send its id only
    at = check(at, CONV_ONE_CELL_WRONG, "conv_forward")
    data = data_of(at)
    n_W = [p for p in board["panels"] if p["name"] == "Z"][0]["shape"][1]
    assert data["marks"]["differs"]["Z"] == [[1, 2, 2, 3]]
    assert data["step"] == 1 * n_W + 2
    # one numbering: the panel counts from 1, as the player's "k / n" does (the board's step index + 1)
    assert f"First differing window: Z[0, 1, 2, 0] (step {1 * n_W + 2 + 1} of the player" in texts(at, "info")
    assert data["marks"]["seek"]["step"] == data["step"]  # changes with every check: the player may seek to it
    first = data["marks"]["seek"]["check"]
    assert data_of(check(at, CONV_ONE_CELL_WRONG, "conv_forward"))["marks"]["seek"]["check"] == first + 1


def test_a_syntax_error_after_a_result_stays_visible_in_the_open_panel():
    at = check(page(), GOOD_PAD)
    assert "every case matches" in texts(at, "success")
    at = check(at, "def zero_pad(X, pad):\n    return np.pad(X, (\n")
    assert "was never closed" in texts(at, "error")
    panel = next(e for e in at.expander if e.label == "Check your own code")
    assert panel.proto.expanded, "the panel collapsed over its own message"
    assert "every case matches" not in texts(at, "success")  # the old result is not shown as if current


def test_the_pool_backward_page_picks_the_function_and_names_the_course_mask():
    at = page("lessons/pool_backward.py")
    at.selectbox(key="check/pool_backward/function").set_value("create_mask_from_window").run()
    at = check(at, "import numpy as np\ndef create_mask_from_window(x):\n    return x == np.max(x)\n", "pool_backward")
    # the default rule is the first maximum: the course's mask is named as the course's rule, not as wrong
    assert "course's own rule" in texts(at, "warning") and not texts(at, "success")
