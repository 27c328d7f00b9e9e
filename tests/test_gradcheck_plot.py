"""The gradient check's Plotly scatter: the pure builder, and the figure the backward lessons show (AppTest)."""

import base64
import json
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from cnnviz.core import gradcheck
from cnnviz.draw import plots, style

APP = Path(__file__).parents[1] / "app.py"
RNG = np.random.default_rng(5)


def _array(v):
    """A figure's data array: a list, or Plotly's typed array {"dtype", "bdata"} (base64)."""
    if isinstance(v, dict) and "bdata" in v:
        return np.frombuffer(base64.b64decode(v["bdata"]), dtype=np.dtype(v["dtype"])).tolist()
    return list(v)


def traces(fig_json: dict) -> dict[str, dict]:
    """Each trace by its name, with x, y and customdata as plain lists."""
    out = {}
    for t in fig_json["data"]:
        out[t["name"]] = {**t, **{k: _array(t[k]) for k in ("x", "y", "customdata") if k in t}}
    return out


def conv_pairs():
    A_prev, W, b = RNG.normal(size=(2, 4, 4, 2)), RNG.normal(size=(2, 2, 2, 3)), RNG.normal(size=(1, 1, 1, 3))
    hp = {"stride": 1, "pad": 1}
    Z = RNG.normal(size=(2, 5, 5, 3))
    return gradcheck.conv_backward_gradients(A_prev, W, b, hp, Z)


def test_one_trace_per_gradient_with_every_cell_named_and_the_line_y_equals_x():
    pairs = conv_pairs()
    fig = json.loads(plots.gradient_check(pairs).to_json())
    by_name = traces(fig)
    assert set(by_name) == {"y = x", "dA_prev", "dW", "db"}, "agreeing gradients have no 'differs' trace"
    line = by_name["y = x"]
    assert line["mode"] == "lines" and line["x"] == line["y"] and len(line["x"]) == 2
    values = np.concatenate([np.ravel(v) for pair in pairs.values() for v in pair])
    assert line["x"][0] <= values.min() and line["x"][1] >= values.max(), "the line spans every point"
    for name, (analytic, numerical) in pairs.items():
        t = by_name[name]
        assert len(t["x"]) == analytic.size
        np.testing.assert_allclose(t["y"], analytic.ravel())  # analytic up, numerical across
        np.testing.assert_allclose(t["x"], numerical.ravel())
        assert t["marker"]["color"] == style.GRADIENT_COLOURS[name]
        assert "%{customdata}" in t["hovertemplate"]
    assert by_name["dW"]["customdata"][1] == "dW[0, 0, 0, 1]" and by_name["db"]["customdata"][2] == "db[0, 0, 0, 2]"
    assert len({t["marker"]["color"] for n, t in by_name.items() if n != "y = x"}) == 3


def test_a_wrong_cell_stands_out_by_name():
    pairs = conv_pairs()
    dW, num_dW = pairs["dW"]
    wrong = dW.copy()
    wrong[1, 0, 1, 2] += 0.5
    fig = json.loads(plots.gradient_check({**pairs, "dW": (wrong, num_dW)}).to_json())
    by_name = traces(fig)
    assert by_name["dW differs"]["customdata"] == ["dW[1, 0, 1, 2]"]
    assert by_name["dW differs"]["marker"]["line"]["color"] == style.ROLE_COLOURS["differs"]
    assert len(by_name["dW"]["x"]) == dW.size - 1 and "dA_prev differs" not in by_name


def run(page: str, query: dict) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.query_params.update(query)
    at.run()
    at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def figure(at: AppTest) -> dict:
    (chart,) = at.get("plotly_chart")
    return json.loads(chart.proto.spec)


def test_conv_backward_shows_the_scatter_of_its_three_gradients():
    at = run("lessons/conv_backward.py", {"f": "2", "stride": "2", "pad": "1"})
    by_name = traces(figure(at))
    assert set(by_name) == {"y = x", "dA_prev", "dW", "db"}
    # every cell once: dA_prev (m, n_H_prev, n_W_prev, n_C_prev) = (2, 8, 8, 3), dW (2, 2, 3, 4), db (1, 1, 1, 4)
    assert [len(by_name[n]["x"]) for n in ("dA_prev", "dW", "db")] == [2 * 8 * 8 * 3, 2 * 2 * 3 * 4, 4]
    assert by_name["dA_prev"]["customdata"][-1] == "dA_prev[1, 7, 7, 2]"
    assert "analytic" in by_name["db"]["hovertemplate"] and "numerical" in by_name["db"]["hovertemplate"]
    assert by_name["y = x"]["x"] == by_name["y = x"]["y"]


@pytest.mark.parametrize(("ties", "stands_out"), [("all", True), ("first", True)])
def test_pool_backward_at_tied_maxima_marks_the_cells_off_the_line(ties, stands_out):
    at = run("lessons/pool_backward.py", {"values": "integers", "ties": ties})
    by_name = traces(figure(at))
    assert ("dA_prev differs" in by_name) == stands_out
    assert all(name.startswith("dA_prev") for name in by_name if name != "y = x")


def test_pool_backward_without_ties_lies_on_the_line():
    by_name = traces(figure(run("lessons/pool_backward.py", {})))
    assert set(by_name) == {"y = x", "dA_prev"}


def test_presentation_mode_has_no_scatter():
    assert not run("lessons/conv_backward.py", {"present": "1"}).get("plotly_chart")
