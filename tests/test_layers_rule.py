"""The package's layers, enforced: core imports nothing above it; Streamlit only in cnnviz/app/ and lessons/."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]
PACKAGE = ROOT / "cnnviz"
# What each layer may import from cnnviz (itself included). Upward imports are the bug.
ALLOWED = {
    "core": {"core"},
    "steps": {"core", "steps"},
    "draw": {"core", "steps", "draw"},
    "pictures": {"core", "pictures", "draw"},
    "check": {"core", "steps", "player", "check"},  # player: cnnviz.check(fn) in a notebook shows one
    "player": {"player"},  # the host-neutral player: its JS/CSS and the offline page
    "show": {"core", "steps", "player", "show"},
    "app": {"core", "steps", "draw", "pictures", "check", "player", "app"},
}


def imports(path: Path) -> set[str]:
    """Every module name a file imports (absolute), at any depth, lazily imported ones included."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def layer_files():
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE).parts
        if len(parts) > 1:
            yield parts[0], path


def test_every_module_sits_in_a_layer():
    loose = [p.name for p in PACKAGE.glob("*.py") if p.name != "__init__.py"]
    assert not loose, f"modules outside a layer folder: {loose}"
    assert {layer for layer, _ in layer_files()} <= set(ALLOWED)


@pytest.mark.parametrize("layer,path", list(layer_files()), ids=lambda v: str(v).split("cnnviz/")[-1])
def test_imports_go_down_only(layer, path):
    for name in imports(path):
        if name.startswith("cnnviz."):
            target = name.split(".")[1]
            assert target in ALLOWED[layer], f"{path.relative_to(ROOT)} ({layer}) imports {name}"
        if layer != "app" and name.split(".")[0] in ("streamlit",):
            pytest.fail(f"{path.relative_to(ROOT)} imports Streamlit outside cnnviz/app/")


def test_the_rule_catches_an_upward_import(tmp_path):
    planted = tmp_path / "bad.py"
    planted.write_text("import streamlit as st\nfrom cnnviz.app import sidebar\n")
    assert {"streamlit", "cnnviz.app", "cnnviz.app.sidebar"} <= imports(planted)


def test_lessons_hold_no_math():
    """Pages call cnnviz; they never import numpy's math directly to compute a layer."""
    for path in sorted((ROOT / "lessons").glob("*.py")):
        text = path.read_text()
        assert "for h in range" not in text and "np.sum(" not in text, f"{path.name} computes a layer itself"
