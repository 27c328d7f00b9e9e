"""The course's own code passes: NumPy 1.x conversions (cnnviz.check.compat), and a notebook as students have it.

Each conversion of the catalogue has a test where the course's code needs it: the verdict is the one
NumPy 1.x gave, with the note. The same code run directly under this NumPy 2 raises (shown first, so
that the test could not pass without the conversion).
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from check_course_code import (
    COURSE_2018_CONV_SINGLE_STEP,
    SEED_CONV_FORWARD,
    SEED_CONV_SINGLE_STEP,
    SEED_FIRST_CELL,
    SEED_ZERO_PAD,
    SEED_ZERO_PAD_TEST,
    notebook,
)

from cnnviz.check import checker, compat


def conv_inputs(stride=2, pad=1):
    r = np.random.RandomState(1)
    return {
        "A_prev": r.randn(2, 5, 7, 4),
        "W": r.randn(3, 3, 4, 8),
        "b": r.randn(1, 1, 1, 8),
        "hparameters": {"stride": stride, "pad": pad},
    }


def under_numpy2(code: str, function: str, *args):
    """Run the course's code as a notebook would, here (NumPy 2): the error it raises."""
    ns = {"np": np}
    exec(code, ns)  # the course's text, a test constant
    with pytest.raises((ValueError, TypeError)) as err:
        ns[function](*args)
    return str(err.value)


SEED = "import numpy as np\n" + SEED_ZERO_PAD + SEED_CONV_SINGLE_STEP + SEED_CONV_FORWARD
SEED_2018 = "import numpy as np\n" + SEED_ZERO_PAD + COURSE_2018_CONV_SINGLE_STEP + SEED_CONV_FORWARD


def test_the_seed_conv_forward_passes_with_the_numpy_note():
    inputs = conv_inputs()
    assert "setting an array element with a sequence" in under_numpy2(SEED, "conv_forward", *inputs.values())
    report = checker.check("conv_forward", SEED, inputs)
    assert report.passed, [(v.title, v.verdict, v.detail) for v in report.verdicts]
    note = " ".join(report.notes)
    assert "shape (1, 1, 1)" in note and "conv_forward, line" in note and "b.item()" in note, report.notes
    assert "NumPy 1.x" in note and "NumPy 2 refuses" in note


def test_the_2018_float_of_b_passes_with_the_numpy_note():
    inputs = conv_inputs()
    assert "0-dimensional" in under_numpy2(SEED_2018, "conv_forward", *inputs.values())
    report = checker.check("conv_forward", SEED_2018, inputs)
    assert report.passed, [(v.title, v.verdict, v.detail) for v in report.verdicts]
    assert any("`float(...)`" in n and "conv_single_step, line" in n for n in report.notes), report.notes


def test_int_of_a_size_one_array_passes_with_the_numpy_note():
    code = SEED.replace("stride = hparameters['stride']", "stride = int(np.array([hparameters['stride']]))")
    inputs = conv_inputs()
    assert "0-dimensional" in under_numpy2(code, "conv_forward", *inputs.values())
    report = checker.check("conv_forward", code, inputs)
    assert report.passed and any("`int(...)`" in n for n in report.notes), report.notes


def test_an_augmented_store_is_converted_too():
    code = SEED.replace("Z[i, h, w, c] = conv_single_step", "Z[i, h, w, c] += conv_single_step")
    report = checker.check("conv_forward", code, conv_inputs())
    assert report.passed and any("shape (1, 1, 1)" in n for n in report.notes), report.notes


def test_every_conversion_of_the_catalogue_has_a_test():
    covered = {
        "store": test_the_seed_conv_forward_passes_with_the_numpy_note,
        "float()": test_the_2018_float_of_b_passes_with_the_numpy_note,
        "int()": test_int_of_a_size_one_array_passes_with_the_numpy_note,
        "returned": test_the_seed_conv_single_step_and_zero_pad_pass_alone,
    }
    assert set(covered) == set(compat.CATALOGUE)


def test_a_real_mistake_is_still_named_behind_the_conversion():
    code = SEED.replace("vert_start = h * stride", "vert_start = h").replace(
        "horiz_start = w * stride", "horiz_start = w"
    )
    report = checker.check("conv_forward", code, conv_inputs())
    assert not report.passed and any(v.verdict == "differs" for v in report.verdicts)
    assert any("without the stride" in d for d in report.diagnosis), report.diagnosis
    assert any("shape (1, 1, 1)" in n for n in report.notes)


def test_the_seed_conv_single_step_and_zero_pad_pass_alone():
    inputs = conv_inputs(pad=2)
    alone = checker.check("conv_single_step", SEED, inputs)
    assert alone.passed and any("returns an array of shape (1, 1, 1), not a number" in n for n in alone.notes)
    assert checker.check("conv_single_step", SEED.replace("+ b\n", "+ b.item()\n"), inputs).notes == []
    assert checker.check("zero_pad", SEED, {"A_prev": inputs["A_prev"], "pad": 2}).passed


def test_a_conversion_changes_nothing_where_numpy2_agrees():
    """A list element keeps its array; a slice store of a (1, 1, 1) array is NumPy's own broadcasting."""
    code = (
        "import numpy as np\n"
        "def zero_pad(X, pad):\n"
        "    keep = [None]\n"
        "    keep[0] = np.ones((1, 1, 1))\n"
        "    X_pad = np.pad(X, ((0, 0), (pad, pad), (pad, pad), (0, 0)))\n"
        "    X_pad[:, :pad, :pad, :] = np.zeros((1, 1, 1)) + 0 * keep[0].sum()\n"
        "    assert keep[0].shape == (1, 1, 1)\n"
        "    return X_pad\n"
    )
    report = checker.check("zero_pad", code, {"A_prev": np.ones((2, 3, 3, 1)), "pad": 1})
    assert report.passed and report.notes == [], report.notes


def test_the_course_notebook_uploaded_as_it_is_passes():
    nb = notebook(SEED_FIRST_CELL, SEED_ZERO_PAD, SEED_ZERO_PAD_TEST, SEED_CONV_SINGLE_STEP, SEED_CONV_FORWARD,
                  "!pip install h5py\nfrom public_tests import *\nconv_forward_test(conv_forward)\n")  # fmt: skip
    report = checker.check("conv_forward", json.dumps(nb), conv_inputs(), "Convolution_model_Step_by_Step_v1.ipynb")
    assert report.passed, [(v.title, v.verdict, v.detail, v.traceback) for v in report.verdicts]
    aside = next(n for n in report.notes if n.startswith("Set aside"))
    for line in ("import h5py", "import matplotlib.pyplot as plt", "%matplotlib inline", "%load_ext autoreload"):
        assert f"`{line}`" in aside, aside
    assert "!pip install h5py" in aside and "from public_tests import *" in aside


def test_pasted_cells_with_magics_pass_too():
    text = SEED_FIRST_CELL + "\n" + SEED_ZERO_PAD + SEED_CONV_SINGLE_STEP + SEED_CONV_FORWARD
    report = checker.check("conv_forward", text, conv_inputs())
    assert report.passed and any(n.startswith("Set aside") for n in report.notes)
