"""The offline HTML page and the wheel: sizes (issue 21).

Budget: a page <= its board's JSON + 80 KB (the player's JS and CSS, the page's adapter, the
settings), at the app's defaults (cnnviz/app/settings.py DEFAULTS) for every lesson. The wheel is
built from the checkout with `pip wheel --no-deps --no-build-isolation` into a temporary folder.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.bench_player import _cases, _settings
from cnnviz.player import html

ROOT = Path(__file__).parents[1]
BUDGET = 80_000


def html_sizes() -> list[dict]:
    """Per lesson at the defaults: the board's JSON bytes and the page's bytes."""
    rows = []
    for lesson, build in _cases(**_settings()["default"]).items():
        board = build()
        board_bytes = len(json.dumps(board, separators=(",", ":")).encode())
        page_bytes = len(html.page(board).encode())
        rows.append({"lesson": lesson, "board": board_bytes, "page": page_bytes})
    return rows


def wheel_size() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        src, dist = Path(tmp) / "src", Path(tmp) / "dist"
        files = subprocess.run(
            ["git", "ls-files", "cnnviz", "pyproject.toml", "README.md"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()
        for name in files:
            (src / name).parent.mkdir(parents=True, exist_ok=True)
            (src / name).write_bytes((ROOT / name).read_bytes())
        cmd = [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            str(src),
            "-w",
            str(dist),
        ]
        subprocess.run(cmd, check=True, capture_output=True)
        return next(dist.glob("*.whl")).stat().st_size


def main() -> None:
    print("offline HTML at the defaults (budget: board + 80 KB)")
    print(f"{'lesson':<24}{'board KB':>10}{'page KB':>10}{'added KB':>10}  ok")
    for r in html_sizes():
        added = r["page"] - r["board"]
        ok = "yes" if added <= BUDGET else "OVER"
        print(f"{r['lesson']:<24}{r['board'] / 1000:>10.1f}{r['page'] / 1000:>10.1f}{added / 1000:>10.1f}  {ok}")
    print(f"\nwheel: {wheel_size() / 1000:.1f} KB")


if __name__ == "__main__":
    main()
