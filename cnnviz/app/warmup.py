"""Import everything the lessons import, once, before any session's script runs.

Why: Streamlit runs each session's script in its own thread. A module imported lazily at first use
of a page (pandas inside a function, PIL's format plugins, plotly.io) is half-initialised in one
thread while another thread already sees it in sys.modules (plotly checks `sys.modules` for
pandas), which crashed 9 of 30 sessions that arrived together after a restart
("partially initialized module 'pandas' has no attribute 'Series'").

`warm()` walks lessons/*.py and every cnnviz module they reach (every `import`, also inside
functions), imports them all, initialises PIL's plugins, and only then returns. app.py calls it
first thing: the first session does the work, sessions arriving at the same moment wait on one
lock instead of racing. It also freezes the collector's view of everything imported
(`gc.freeze()`), so the full collections Python still runs never walk these objects again.
"""

from __future__ import annotations

import ast
import gc
import importlib
import os
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# Imported lazily by libraries we use, not by name in our code (each one a race seen or possible).
EXTRA = ("pandas", "PIL.Image", "PIL.PngImagePlugin", "PIL.JpegImagePlugin")

_lock = threading.Lock()
_done: dict[str, float] = {}


def imported_names(path: Path) -> set[str]:
    """Every absolute module name `path` imports, at top level or inside functions."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
            # `from cnnviz.app import player` imports the submodule cnnviz.app.player
            names.update(f"{node.module}.{alias.name}" for alias in node.names if node.module.startswith("cnnviz"))
    return names


def _module_file(name: str) -> Path | None:
    base = ROOT.joinpath(*name.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def modules_to_import() -> list[str]:
    """The lessons' imports, followed through cnnviz (ours) transitively; third-party names as they are."""
    pending = [p for p in sorted((ROOT / "lessons").glob("*.py"))] + [ROOT / "app.py"]
    seen_files: set[Path] = set()
    names: set[str] = set(EXTRA)
    while pending:
        path = pending.pop()
        if path in seen_files:
            continue
        seen_files.add(path)
        for name in imported_names(path):
            if name.split(".")[0] == "cnnviz":
                file = _module_file(name)
                if file is None:  # `from cnnviz.x import some_function`
                    continue
                pending.append(file)
            names.add(name)
    return sorted(names)


def warm() -> dict[str, float]:
    """Import every module the pages need (once per process; later calls return at once).

    Returns {"modules": count, "seconds": time taken} of the one call that did the work.
    """
    if _done:
        return _done
    with _lock:
        if _done:
            return _done
        start = time.perf_counter()
        count = 0
        for name in modules_to_import():
            try:
                importlib.import_module(name)
                count += 1
            except ImportError:
                pass  # optional dependencies (pillow_heif) stay optional
        from PIL import Image

        Image.init()  # every format plugin now, not at the first upload of that format
        from cnnviz.app import memory

        memory.tune_malloc()  # large arrays in their own mappings, returned when freed
        memory.start_janitor()  # collects and trims once sessions have ended
        gc.collect()
        if os.environ.get("CNNVIZ_GC_FREEZE", "1") != "0":  # 0: only to measure what freezing buys
            gc.freeze()  # what is alive now lives for the whole process: never scan it again
        _done.update(modules=count, seconds=time.perf_counter() - start)
    return _done
