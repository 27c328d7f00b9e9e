"""Issue 10 through the page (AppTest): course examples, your own arrays, the tie rule, decimals.

Numbers are read back from what the page shows (st.code) and compared with cnnviz.core.layers
called as the notebook calls it; uploads go in through session state (AppTest cannot drive a
file uploader; the widget's only job is to copy the files there).
"""

import io
import pickle
import re
import struct
from pathlib import Path

import numpy as np
import pytest
from player_helpers import board_of, data_of, gradient_check, set_setting
from streamlit.testing.v1 import AppTest

from cnnviz.core import course, layers
from cnnviz.steps import storyboard

APP = Path(__file__).parents[1] / "app.py"
PAGE_FILES = {
    "zero_pad": "lessons/zero_padding.py",
    "conv_forward": "lessons/convolution.py",
    "pool_forward": "lessons/pooling.py",
    "conv_backward": "lessons/conv_backward.py",
    "pool_backward": "lessons/pool_backward.py",
}


def run(page: str, query: dict | None = None, state: dict | None = None, **widgets) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.query_params.update(query or {})
    for key, value in (state or {}).items():
        at.session_state[key] = value
    at.run()
    at.switch_page(page).run()
    for key, value in widgets.items():
        set_setting(at, key, value)
    if widgets:
        at.run()
    return at


def healthy(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]


def codes(at: AppTest) -> list[str]:
    return [c.value for c in at.code]


def printed_value(text: str, label: str) -> np.ndarray:
    """The numbers printed after `label` in a printout (until the next label line)."""
    start = text.index(label) + len(label)
    rest = text[start:]
    stop = re.search(r"\n[A-Za-z][^\n]*=", rest)
    chunk = rest[: stop.start()] if stop else rest
    return np.array([float(t) for t in re.findall(r"-?\d+\.\d*(?:e[-+]\d+)?|-?\d+(?=[\s\]])", chunk)])


def notebook_arrays(example):
    np.random.seed(example.seed)
    return {name: np.random.randn(*shape) for name, shape in example.draws}


@pytest.mark.parametrize("version", course.VERSIONS)
def test_conv_examples_through_the_page_equal_layers(version):
    at = run(PAGE_FILES["conv_forward"], {"source": "course", "version": version})
    healthy(at)
    assert not at.error
    (ex,) = course.examples(version, "conv_forward", animates=True)
    a = notebook_arrays(ex)
    Z, cache_conv = layers.conv_forward(a["A_prev"], a["W"], a["b"], dict(ex.hparameters))
    text = next(c for c in codes(at) if "Z's mean =" in c)
    assert f"Z's mean = {float(np.mean(Z))!r}" in text
    idx = (0, 2, 1) if version == "2021-2022" else (3, 2, 1)
    label = "Z[{},{},{}] =".format(*idx)
    np.testing.assert_array_equal(printed_value(text, label), Z[idx])
    np.testing.assert_array_equal(printed_value(text, "cache_conv[0][1][2][3] ="), a["A_prev"][1][2][3])
    single = next(c for c in codes(at) if c.startswith("Z = "))
    s_ex = course.examples(version, "conv_forward", animates=False)[0]
    b = notebook_arrays(s_ex)
    assert single == f"Z = {float(layers.conv_single_step(b['a_slice_prev'], b['W'], b['b']))!r}"
    # The player animates that exact example: its board's input is the notebook's A_prev[i].
    board = board_of(at)
    assert board["lesson"] == "conv_forward"
    # The player animates that exact example: its output panel is the notebook's Z[0, :, :, 0].
    (z_panel,) = [p for p in board["panels"] if p["array"] == "Z"]
    np.testing.assert_array_equal(storyboard.values_at(board, z_panel["name"], board["n_steps"] - 1), Z[0, :, :, 0])
    assert [w for w in at.slider if w.key == "stride"][0].value == ex.hparameters["stride"]


@pytest.mark.parametrize("version", course.VERSIONS)
def test_backward_examples_through_the_page_equal_layers(version):
    at = run(PAGE_FILES["conv_backward"], {"source": "course", "version": version})
    healthy(at)
    (ex,) = course.examples(version, "conv_backward")
    a = notebook_arrays(ex)
    Z, cache = layers.conv_forward(a["A_prev"], a["W"], a["b"], dict(ex.hparameters))
    dA, dW, db = layers.conv_backward(Z, cache)
    text = next(c for c in codes(at) if "dA_mean =" in c)
    assert (
        text == f"dA_mean = {float(np.mean(dA))!r}\ndW_mean = {float(np.mean(dW))!r}\ndb_mean = {float(np.mean(db))!r}"
    )

    at = run(PAGE_FILES["pool_backward"], {"source": "course", "version": version})
    healthy(at)
    (ex,) = course.examples(version, "pool_backward", animates=True)
    a = notebook_arrays(ex)
    _, cache = layers.pool_forward(a["A_prev"], dict(ex.hparameters))
    text = next(c for c in codes(at) if "mean of dA =" in c)
    assert f"mean of dA = {float(np.mean(a['dA']))!r}" in text
    first, second = text.split("mode = average")
    np.testing.assert_array_equal(
        printed_value(first, "dA_prev[1,1] ="), layers.pool_backward(a["dA"], cache, "max")[1, 1].ravel()
    )
    np.testing.assert_array_equal(
        printed_value(second, "dA_prev[1,1] ="), layers.pool_backward(a["dA"], cache, "average")[1, 1].ravel()
    )
    assert any("mask =" in c for c in codes(at)) and any("distributed value =" in c for c in codes(at))
    # The player animates that exact example: its dA_prev panel ends as layers' dA_prev[0, :, :, 0].
    board = board_of(at)
    (panel,) = [p for p in board["panels"] if p["array"] == "dA_prev"]
    final = storyboard.values_at(board, panel["name"], board["n_steps"] - 1)
    np.testing.assert_allclose(final, layers.pool_backward(a["dA"], cache, "max")[0, :, :, 0], rtol=0, atol=1e-12)


@pytest.mark.parametrize("version", course.VERSIONS)
def test_pool_examples_every_case_through_the_page(version):
    for case, ex in enumerate(course.examples(version, "pool_forward"), start=1):
        at = run(PAGE_FILES["pool_forward"], {"source": "course", "version": version, "case": str(case)})
        healthy(at)
        a = notebook_arrays(ex)
        text = next(c for c in codes(at) if c.startswith("mode = max"))
        A, _ = layers.pool_forward(a["A_prev"], dict(ex.hparameters), "max")
        want = A[1, 1] if version == "2021-2022" else A
        label = "A[1,1] =" if version == "2021-2022" else "A ="
        np.testing.assert_array_equal(printed_value(text.split("mode = average")[0], label), want.ravel())
        assert [w for w in at.slider if w.key == "pool_stride"][0].value == ex.hparameters["stride"]


def test_zero_pad_example_matches_the_seed_notebook():
    at = run(PAGE_FILES["zero_pad"], {"source": "course"})
    healthy(at)
    text = next(c for c in codes(at) if c.startswith("x.shape ="))
    assert "x.shape = (4, 3, 3, 2)\nx_pad.shape = (4, 7, 7, 2)" in text  # the seed notebook's published lines


def test_random_source_shows_the_cell_that_reproduces_it():
    at = run(PAGE_FILES["conv_backward"], {"seed": "5", "m": "3"})
    healthy(at)
    cell = next(c for c in codes(at) if c.startswith("np.random.seed(5)"))
    scope = {"np": np}
    exec(cell, scope)  # noqa: S102
    board = board_of(at)
    assert scope["A_prev"].shape[0] == 3 and "dZ" in scope and "W" in scope
    # The page's gradient check ran on those arrays: recompute Z from the cell and compare the shapes.
    Z, _ = layers.conv_forward(scope["A_prev"], scope["W"], scope["b"], {"stride": 1, "pad": 1})
    assert scope["dZ"].shape == Z.shape and board["lesson"] == "conv_backward"


def npz(**named) -> bytes:
    buf = io.BytesIO()
    np.savez(buf, **named)
    return buf.getvalue()


def npy(array, **kw) -> bytes:
    buf = io.BytesIO()
    np.save(buf, array, **kw)
    return buf.getvalue()


RNG = np.random.RandomState(3)
GOOD = {"A_prev": RNG.randn(2, 5, 7, 4), "W": RNG.randn(3, 3, 4, 2), "b": RNG.randn(1, 1, 1, 2)}
BAD_UPLOADS = {
    "missing W": ([("mine.npz", npz(A_prev=GOOD["A_prev"], b=GOOD["b"]))], "has no W"),
    "wrong channel count": (
        [("mine.npz", npz(A_prev=GOOD["A_prev"], W=GOOD["W"][:, :, :3], b=GOOD["b"]))],
        "W has n_C_prev = 3 channels",
    ),
    "NaN": ([("mine.npz", npz(A_prev=np.full((1, 4, 4, 4), np.nan), W=GOOD["W"], b=GOOD["b"]))], "not finite"),
    "pickle as npy": ([("A_prev.npy", pickle.dumps(GOOD["A_prev"]))], "looks like a Python pickle"),
    "2 GB header": ([("A_prev.npy", b"\x93NUMPY\x02\x00" + struct.pack("<I", 2**31) + b"{'descr'")], "header claims"),
    "object array": ([("A_prev.npy", npy(np.array([1, None], dtype=object), allow_pickle=True))], "object array"),
}


def test_good_npz_through_the_page():
    at = run(PAGE_FILES["conv_forward"], {"source": "mine"}, {"mine_files": [("mine.npz", npz(**GOOD, stride=2))]})
    healthy(at)
    assert not at.error, [e.value for e in at.error]
    board = board_of(at)
    Z, _ = layers.conv_forward(GOOD["A_prev"], GOOD["W"], GOOD["b"], {"stride": 2, "pad": 1})
    assert [w for w in at.slider if w.key == "stride"][0].value == 2
    assert [w for w in at.slider if w.key == "f"][0].value == 3
    assert any("Your arrays (mine.npz)" in c.value for c in at.caption)
    assert board["lesson"] == "conv_forward" and Z.shape == (2, 3, 4, 2)


@pytest.mark.parametrize("case", list(BAD_UPLOADS))
def test_bad_uploads_get_one_clear_error_and_the_page_stays_up(case):
    files, words = BAD_UPLOADS[case]
    at = run(PAGE_FILES["conv_forward"], {"source": "mine"}, {"mine_files": files})
    healthy(at)
    assert len(at.error) == 1 and words in at.error[0].value, [e.value for e in at.error]
    assert at.sidebar.radio, "the sidebar still works"
    # Another source recovers the lesson.
    set_setting(at, "source", "random")
    at.run()
    healthy(at)
    assert not at.error and at.get("bidi_component")


def test_no_upload_yet_says_what_to_upload():
    at = run(PAGE_FILES["pool_forward"], {"source": "mine"})
    healthy(at)
    assert "np.savez('mine.npz'" in at.error[0].value


INT_A = np.array([[3.0, 1, 2, 2], [0, 2, 0, 1], [4, 4, 1, 1], [4, 4, 1, 1]]).reshape(1, 4, 4, 1)
INT_DA = np.array([[10.0, 20], [30, 40]]).reshape(1, 2, 2, 1)


@pytest.mark.parametrize("ties", ["first", "all"])
def test_tie_rule_choice_on_an_integer_example(ties):
    files = [("mine.npz", npz(A_prev=INT_A, dA=INT_DA, f=2, stride=2))]
    at = run(PAGE_FILES["pool_backward"], {"source": "mine", "ties": ties}, {"mine_files": files})
    healthy(at)
    radio = [r for r in at.radio if r.key == "ties"][0]
    assert radio.value == ties
    board = board_of(at)
    assert board["ties"] == ties
    err, verdict = gradient_check(at)["dA_prev"]
    assert verdict == "DIFFERS"  # ties: finite differences confirm neither rule
    _, cache = layers.pool_forward(INT_A, {"f": 2, "stride": 2})
    # By hand: windows [[3,1],[0,2]] (dA 10), [[2,2],[0,1]] (20, a 2-way tie), [[4,4],[4,4]] (30) and
    # [[1,1],[1,1]] (40), 4-way ties. At a k-way tie the centred difference gives each tied entry dA/2;
    # "first" gives dA to one entry, "all" gives dA to each.
    numerical = np.array([10, 10, 10, 15, 15, 15, 15, 20, 20, 20, 20.0])
    analytic = np.array(
        [10, 20, 0, 30, 0, 0, 0, 40, 0, 0, 0.0] if ties == "first" else [10, 20, 20] + [30] * 4 + [40] * 4
    )
    by_hand = np.linalg.norm(analytic - numerical) / (np.linalg.norm(analytic) + np.linalg.norm(numerical))
    assert err == pytest.approx(by_hand, rel=0.01)  # 0.48 with "first", 0.33 with "all"
    note = " ".join(c.value for c in at.caption)
    assert "3 pooling window(s)" in note and (
        "every tied maximum" in note if ties == "all" else "first maximum" in note
    )
    # The rule reaches the page's dA_prev: the board's last step equals layers with that rule.
    assert layers.pool_backward(INT_DA, cache, "max", ties).sum() == (100 if ties == "first" else 330)


def test_tie_free_input_agrees_under_either_rule():
    A = np.random.RandomState(0).permutation(36).reshape(1, 6, 6, 1) / 36.0
    for ties in ("first", "all"):
        at = run(
            PAGE_FILES["pool_backward"], {"source": "mine", "ties": ties}, {"mine_files": [("A_prev.npy", npy(A))]}
        )
        healthy(at)
        assert gradient_check(at)["dA_prev"][1] == "agrees"


@pytest.mark.parametrize("decimals", ["2", "4", "8"])
def test_decimals_reach_the_player(decimals):
    at = run(PAGE_FILES["pooling"] if False else PAGE_FILES["pool_forward"], {"decimals": decimals})
    healthy(at)
    assert data_of(at)["decimals"] == int(decimals)
    assert [r for r in at.radio if r.key == "decimals"][0].value == decimals


@pytest.mark.parametrize(
    ("page", "numbers", "upstream"),
    [
        ("conv_backward", ["f", "stride", "pad", "n_C"], "dZ = Z (course)"),
        ("pool_backward", ["pool_f", "pool_stride"], "the course's"),
    ],
)
def test_a_course_example_shows_its_fixed_settings_disabled_and_its_own_upstream(page, numbers, upstream):
    at = run(PAGE_FILES[page], {"source": "course"})
    healthy(at)
    for key in numbers:
        box = at.slider(key=key)
        assert box.disabled, f"{key} is the cell's: not editable"
        assert "fixed by the notebook's cell" in box.help
    shown = [t for t in at.text_input if t.label == "upstream"]
    assert [t.value for t in shown] == [upstream] and shown[0].disabled
    assert not [r for r in at.radio if r.key == "grad"], "no random/ones choice the cell would ignore"
    assert any(f"({upstream})  ->  dA_prev" in c for c in codes(at)), codes(at)  # and the arithmetic says so

    at.radio(key="source").set_value("random").run()  # back to random: editable again, the choice is back
    healthy(at)
    assert not any(at.slider(key=key).disabled for key in numbers)
    assert [r.value for r in at.radio if r.key == "grad"] == ["random"]
    assert not [t for t in at.text_input if t.label == "upstream"]
