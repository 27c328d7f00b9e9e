"""Issue 10 through the page (AppTest): course examples, your own arrays, the tie rule, decimals.

Numbers are read back from what the page shows (st.code) and compared with cnnviz.core.layers
called as the notebook calls it; uploads go in through session state (AppTest cannot drive a
file uploader; the widget's only job is to copy the files there).
"""

import importlib
import io
import os
import pickle
import struct

import numpy as np
import pytest
from course_reference import check_against_published, flat, page_numbers, published, published_key, reference
from player_helpers import board_of, data_of, gradient_check, open_app, set_setting
from streamlit.testing.v1 import AppTest

from cnnviz.core import course, layers, printed
from cnnviz.steps import storyboard

PAGE_FILES = {
    "zero_pad": "lessons/zero_padding.py",
    "conv_forward": "lessons/convolution.py",
    "pool_forward": "lessons/pooling.py",
    "conv_backward": "lessons/conv_backward.py",
    "pool_backward": "lessons/pool_backward.py",
}


def run(page: str, query: dict | None = None, state: dict | None = None, **widgets) -> AppTest:
    return open_app(page, query, state, **widgets)


def healthy(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]


def codes(at: AppTest) -> list[str]:
    return [c.value for c in at.code]


def printouts(at: AppTest, version: str, page: str) -> dict[str, str]:
    """{example title: the printout the page shows} for the page's course examples (the chosen case and extras)."""
    shown = codes(at)
    out = {}
    for ex in course.examples(version, page):
        text = printed.format_printout(printed.printout(ex))
        if text.strip("\n") in shown:  # st.code drops a leading empty line (2023's CASE 2 block opens with one)
            out[ex.title] = text
    return out


def torch_here() -> bool:
    """True if PyTorch imports; False if not, unless CNNVIZ_REQUIRE_TORCH=1 (then the test fails)."""
    try:
        importlib.import_module("torch")
    except ImportError as exc:
        if os.environ.get("CNNVIZ_REQUIRE_TORCH") == "1":
            pytest.fail(f"CNNVIZ_REQUIRE_TORCH=1 but PyTorch is not installed ({exc})")
        return False
    return True


PAGE_RUNS = [
    pytest.param(version, page, case, id=f"{version}-{page}-{case}")
    for version in course.VERSIONS
    for page in course.PAGES
    for case in range(1, len(course.examples(version, page, animates=True)) + 1)
]


@pytest.mark.parametrize(("version", "page", "case"), PAGE_RUNS)
def test_every_version_through_the_page_prints_as_its_notebook_and_equals_layers_fast_torch(version, page, case):
    at = run(PAGE_FILES[page], {"source": "course", "version": version, "case": str(case)})
    healthy(at)
    assert not at.error
    chosen = course.examples(version, page, animates=True)[case - 1]
    want = [chosen] + list(course.examples(version, page, animates=False))
    shown = printouts(at, version, page)
    assert sorted(shown) == sorted(e.title for e in want)  # every cell of the page, nothing stale
    for ex in want:
        text = shown[ex.title]
        # The notebook's own printed output: labels and layout exactly, numbers to its digits.
        check_against_published(text, published(version, published_key(ex)))
        # Every printed quantity, read back from the page, recomputed three ways.
        got = page_numbers(text)
        np.testing.assert_array_equal(got, flat(reference(ex, "layers")))
        np.testing.assert_allclose(got, flat(reference(ex, "fast")), rtol=1e-12, atol=1e-12)
        if torch_here():  # without PyTorch (and CNNVIZ_REQUIRE_TORCH unset) the oracle part alone is left out
            np.testing.assert_allclose(got, flat(reference(ex, "torch")), rtol=1e-11, atol=1e-11)
    # The page names the notebook by years and file, and the picker offers every version by that name.
    notebook = course.NOTEBOOKS[version]
    assert any(notebook.file in m.value and notebook.years in m.value for m in at.markdown)
    (picker,) = [w for w in at.radio if w.key == "version"]
    assert picker.value == version
    assert len(picker.options) == len(course.VERSIONS)
    for option, v in zip(picker.options, course.VERSIONS, strict=True):
        assert course.NOTEBOOKS[v].years in option and course.NOTEBOOKS[v].file in option
    # The player animates that exact example, with the notebook's hyperparameters.
    hp = dict(chosen.hparameters)
    keys = (
        {"f": "pool_f", "stride": "pool_stride"}
        if page in ("pool_forward", "pool_backward")
        else {"stride": "stride", "pad": "pad"}
    )
    for name, key in keys.items():
        if name in hp:
            assert [w for w in at.slider if w.key == key][0].value == hp[name], key
    board = board_of(at)
    arr = course.lesson_arrays(chosen)
    if page == "conv_forward":
        Z, _ = layers.conv_forward(arr.A_prev, arr.W, arr.b, hp)
        (z_panel,) = [p for p in board["panels"] if p["array"] == "Z"]
        np.testing.assert_array_equal(storyboard.values_at(board, z_panel["name"], board["n_steps"] - 1), Z[0, :, :, 0])
    if page == "pool_backward":
        _, cache = layers.pool_forward(arr.A_prev, hp)
        (panel,) = [p for p in board["panels"] if p["array"] == "dA_prev"]
        final = storyboard.values_at(board, panel["name"], board["n_steps"] - 1)
        want_final = layers.pool_backward(arr.grad, cache, "max")[0, :, :, 0]
        np.testing.assert_allclose(final, want_final, rtol=0, atol=1e-12)
    # 2017 says why its conv numbers carry f*f*n_C_prev*b; no other version does.
    explained = any(course.BIAS_RULE in m.value for m in at.info)
    assert explained == (version == "2017" and page in ("conv_forward", "conv_backward"))


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
