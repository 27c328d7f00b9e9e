"""Take the function of a given name from pasted code, a .py file or a notebook (.ipynb).

Only top-level imports and definitions are kept (a notebook's test cells and prints are not run);
the last definition of each name wins, as when a notebook's cells are run top to bottom. What the
checker cannot offer is set aside with a note, never a failure: IPython lines (`%matplotlib inline`,
`%load_ext autoreload`, `!pip install ...`) and imports other than numpy and math (`import h5py`,
`import matplotlib.pyplot as plt`, `from public_tests import *`). Only the function and what it calls run.
"""

from __future__ import annotations

import ast
import json
from dataclasses import dataclass

from cnnviz.core.errors import InputError


@dataclass(frozen=True)
class Chunk:
    """One top-level statement to run: its file label ("your code", "cell 5"), first line, text."""

    label: str
    lineno: int
    text: str


OFFERED = ("numpy", "math")  # what the checker's process can import (cnnviz/check/_runner.py)


def _blank_magics(src: str) -> tuple[str, list[str]]:
    """IPython magics and shell lines are not Python: blank them, keeping line numbers."""
    lines, magics = [], []
    for ln in src.split("\n"):
        if ln.lstrip().startswith(("%", "!")):
            magics.append(ln.strip())
            ln = ""
        lines.append(ln)
    return "\n".join(lines), magics


def _cells(text: str, filename: str) -> list[tuple[str, str]]:
    if not filename.lower().endswith(".ipynb"):
        return [("your code", text)]
    try:
        nb = json.loads(text)
        cells = [c for c in nb["cells"] if c.get("cell_type") == "code"]
    except (ValueError, KeyError, TypeError) as err:
        raise InputError(f"{filename} is not a readable notebook (.ipynb JSON): {err}") from None
    out = []
    for k, cell in enumerate(cells, start=1):
        src = cell.get("source", "")
        src = "".join(src) if isinstance(src, list) else str(src)
        out.append((f"cell {k}", src))
    return out


def _syntax(label: str, err: SyntaxError) -> str:
    where = f"line {err.lineno}, column {err.offset}" if err.lineno else "somewhere"
    return f"Syntax error in {label}, {where}: {err.msg}" + (f"\n\n    {err.text.strip()}" if err.text else "")


def _offered(node: ast.Import | ast.ImportFrom) -> bool:
    if isinstance(node, ast.ImportFrom):
        return node.level == 0 and (node.module or "").split(".")[0] in OFFERED
    return all(a.name.split(".")[0] in OFFERED for a in node.names)


def extract(text: str, name: str, filename: str = "pasted code") -> list[Chunk]:
    """The chunks to run so that `name` is defined: imports and the last definition of every function.

    Raises InputError for a syntax error (with line and column) or when no `def name` is found.
    """
    return read(text, name, filename)[0]


def read(text: str, name: str, filename: str = "pasted code") -> tuple[list[Chunk], list[str]]:
    """extract(), and a note on what was set aside (IPython lines, imports the checker does not offer)."""
    if not text.strip():
        raise InputError(f"Paste your {name} function, or upload a .py or .ipynb file that defines it.")
    defs: dict[str, Chunk] = {}
    imports: list[Chunk] = []
    errors, magics, skipped = [], [], []
    for label, src in _cells(text, filename):
        src, found = _blank_magics(src)
        magics += found
        try:
            tree = ast.parse(src)
        except SyntaxError as err:
            errors.append((label, err, f"def {name}" in src))
            continue
        lines = src.split("\n")
        for node in tree.body:
            seg = "\n".join(lines[node.lineno - 1 : node.end_lineno])
            if isinstance(node, ast.FunctionDef | ast.ClassDef):
                start = min([d.lineno for d in node.decorator_list] + [node.lineno])
                seg = "\n".join(lines[start - 1 : node.end_lineno])
                defs.pop(node.name, None)  # a redefinition moves to the end, as in a notebook
                defs[node.name] = Chunk(label, start, seg)
            elif isinstance(node, ast.Import | ast.ImportFrom):
                if _offered(node):
                    imports.append(Chunk(label, node.lineno, seg))
                elif seg.strip() not in skipped:
                    skipped.append(seg.strip())
    for label, err, holds in errors:
        if holds or (name not in defs):
            raise InputError(_syntax(label, err))
    if name not in defs:
        found = ", ".join(sorted(defs)) or "none"
        raise InputError(f"No function called {name} in {filename} (functions found: {found}).")
    notes = []
    if magics or skipped:
        shown = [*magics, *skipped]
        listed = ", ".join(f"`{x[:60]}`" for x in shown[:12]) + (
            f" and {len(shown) - 12} more" if len(shown) > 12 else ""
        )
        notes.append(
            f"Set aside (not run; the checker runs your function with numpy and math only): {listed}. "
            f"Your {name} itself did not need them; if it does, it raises and the traceback shows where."
        )
    return imports + list(defs.values()), notes
