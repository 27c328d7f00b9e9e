"""The package installs from a clone into a fresh venv (`pip install ".[notebook]"`) and imports without Streamlit."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]


def test_import_cnnviz_does_not_import_streamlit():
    code = "import sys, cnnviz, cnnviz.show, cnnviz.check, cnnviz.player.html; assert 'streamlit' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)


@pytest.mark.install
def test_a_fresh_venv_installs_the_notebook_extra_and_shows(tmp_path):
    # the sources only (what a clone has), so nothing beside them can leak into the wheel
    src = tmp_path / "src"
    shutil.copytree(ROOT / "cnnviz", src / "cnnviz", ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, src)
    dist = tmp_path / "dist"
    pip_wheel = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", str(src), "-w"]
    subprocess.run([*pip_wheel, str(dist)], check=True)
    (wheel,) = dist.glob("cnnviz-*.whl")
    print(f"wheel: {wheel.name}, {wheel.stat().st_size:,} bytes")

    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)  # no --system-site-packages
    py = venv / "bin" / "python"
    subprocess.run([py, "-m", "pip", "install", "-q", f"{wheel}[notebook]"], check=True)
    code = """
import sys
import numpy as np
import cnnviz
from cnnviz import show
assert "streamlit" not in sys.modules, "import cnnviz pulled in Streamlit"
assert cnnviz.__file__.startswith(sys.prefix), cnnviz.__file__  # the installed copy, not the checkout
p = show.conv_forward(np.ones((1, 4, 4, 1)), np.ones((2, 2, 1, 1)), np.zeros((1, 1, 1, 1)), {"stride": 1, "pad": 0})
assert "export function mount" in p._esm and ".cnnviz-player" in p._css
from cnnviz.steps import schema
assert schema.load()["$defs"]["Board"]["properties"]["version"]["const"] == schema.VERSION  # shipped
p.save_html("out.html")
print(type(p).__name__)
"""
    out = subprocess.run([py, "-c", code], cwd=tmp_path, check=True, capture_output=True, text=True).stdout
    assert out.strip() == "Player"
    assert "cnnviz-board" in (tmp_path / "out.html").read_text()
