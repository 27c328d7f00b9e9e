"""examples/in-your-notebook.ipynb runs top to bottom in a real kernel (nbclient), as a student's would."""

import json
import os
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).parents[1]
NOTEBOOK = ROOT / "examples" / "in-your-notebook.ipynb"
WIDGET = "application/vnd.jupyter.widget-view+json"


def test_the_example_is_committed_without_outputs():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code and all(not c.outputs and c.execution_count is None for c in code)


@pytest.fixture(scope="module")
def executed(tmp_path_factory):
    from nbclient import NotebookClient

    nb = nbformat.read(NOTEBOOK, as_version=4)
    work = tmp_path_factory.mktemp("nb")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PYTHONPATH", str(ROOT), prepend=os.pathsep)  # the kernel imports this checkout
        NotebookClient(nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(work)}}).execute()
    return nb, work


def outputs_of(nb, needle: str) -> list[dict]:
    cell = next(c for c in nb.cells if c.cell_type == "code" and needle in c.source)
    assert not [o for o in cell.outputs if o.output_type == "error"], cell.outputs
    return cell.outputs


@pytest.mark.parametrize(
    "call", ["show.zero_pad", "show.conv_forward", "show.pool_forward", "show.conv_backward", "show.pool_backward"]
)
def test_every_show_cell_displays_a_player_widget(executed, call):
    nb, _ = executed
    outs = outputs_of(nb, call + "(")
    views = [o for o in outs if WIDGET in o.get("data", {})]
    assert views, f"{call}: no widget view in {outs}"


def test_save_html_writes_one_offline_page(executed):
    _, work = executed
    page = (work / "conv_forward.html").read_text()
    assert '<script type="module">' in page and "cnnviz-board" in page


def html_of(outs) -> str:
    return "".join(o.get("data", {}).get("text/html", "") for o in outs)


def test_check_passes_the_correct_function_and_names_the_bug_of_the_buggy_one(executed):
    nb, _ = executed
    checks = [c for c in nb.cells if c.cell_type == "code" and "cnnviz.check(conv_forward)" in c.source]
    correct, buggy = checks
    assert not [o for o in correct.outputs + buggy.outputs if o.output_type == "error"]
    assert "conv_forward passes every case" in html_of(correct.outputs)
    text = html_of(buggy.outputs)
    assert "does not pass every case" in text and "h * stride" in text
    assert any(WIDGET in o.get("data", {}) for o in buggy.outputs), "the player on the first differing window"
    diagnosis = next(o for o in buggy.outputs if o.output_type == "execute_result")["data"]["text/plain"]
    assert "stride" in json.dumps(diagnosis)
