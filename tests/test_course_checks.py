"""The check panel's "course:" cases are the cells of the notebook version the page shows."""

from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from cnnviz.check import cases, switch
from cnnviz.core import course
from cnnviz.core.errors import InputError

APP = Path(__file__).parents[1] / "app.py"
PAD_TWO = "import numpy as np\ndef zero_pad(X, pad):\n    return np.pad(X, ((0, 0), (2, 2), (2, 2), (0, 0)))\n"


def course_cases(function, version=None):
    A_prev = np.random.RandomState(0).randn(2, 5, 5, 3)
    inputs = {"A_prev": A_prev, "pad": 1, "W": np.ones((2, 2, 3, 2)), "b": np.zeros((1, 1, 1, 2))}
    inputs |= {"hparameters": {"stride": 1, "pad": 1, "f": 2}, "mode": "max", "dA": None, "dZ": None}
    if version is not None:
        inputs["course_version"] = version
    return [c for c in cases.build(function, inputs) if c.title.startswith("course:")]


@pytest.mark.parametrize("version", course.VERSIONS)
def test_course_cases_follow_the_version(version):
    (zp,) = course_cases("zero_pad", version)
    (ex,) = course.examples(version, "zero_pad")
    assert zp.args[1] == ex.hparameters["pad"]
    np.testing.assert_array_equal(zp.args[0], course.draw(ex)["x"])
    conv = course_cases("conv_forward", version)
    assert [c.args[3] for c in conv] == [dict(e.hparameters) for e in course.examples(version, "conv_forward", True)]
    pools = course_cases("pool_forward", version)
    assert len(pools) == 2 * len(course.examples(version, "pool_forward"))  # max and average per cell


def test_newest_by_default_and_unknown_versions_refused():
    assert course_cases("zero_pad")[0].args[1] == 3  # 2023+
    with pytest.raises(InputError, match="unknown"):
        course_cases("zero_pad", "2019")


@pytest.mark.parametrize(("version", "verdict"), [("2017", "matches"), ("2023", "wrong shape")])
def test_the_page_checks_against_the_chosen_notebook(monkeypatch, version, verdict):
    # A zero_pad that always pads by 2 is right for the 2017 cell (pad 2), wrong for 2023's (pad 3).
    monkeypatch.setenv(switch.ENV, "on")
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.query_params.update({"source": "course", "version": version})
    at.run()
    at.switch_page("lessons/zero_padding.py").run()
    at.text_area(key="check/zero_pad/code").set_value(PAD_TWO)
    at.button(key="check/zero_pad/button").click().run()
    assert not at.exception, at.exception
    report = at.session_state["check/zero_pad/report"]
    (course_verdict,) = [v for v in report.verdicts if v.title.startswith("course:")]
    assert course_verdict.verdict == verdict
