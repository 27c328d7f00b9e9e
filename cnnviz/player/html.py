"""One self-contained HTML page with the player and a board: opens from disk, fetches nothing.

The player's JS and CSS and the board's JSON are inline; the page's adapter (page.js) mounts the
player. Size: the board's JSON + the player (about 40 KB).
"""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any

from cnnviz import player

HERE = Path(__file__).parent


def _json_in_script(value: Any) -> str:
    """JSON that cannot end its <script> element early ("</" is written "<\\/", a valid JSON escape)."""
    text = value if isinstance(value, str) else json.dumps(value, separators=(",", ":"))
    return text.replace("</", "<\\/").replace("<!--", "<\\!--")


def page(board: dict[str, Any] | str, *, step: int = 0, decimals: int = 2, marks: dict[str, Any] | None = None) -> str:
    """The HTML text of one page that plays `board` (a storyboard dict, or its JSON text).

    Parameters
    ----------
    board : dict or str
        A storyboard (cnnviz.steps.storyboard), or its JSON text as packed for the app.
    step : int
        The step the page opens on (0-based).
    decimals : int
        Digits after the point (2, 4 or 8).
    marks : dict or None
        {"differs": {panel_name: [[r0, r1, c0, c1], ...]}}: cells outlined as "your code differs here".
    """
    title = (json.loads(board) if isinstance(board, str) else board).get("title", "cnnviz")
    settings = {"step": int(step), "decimals": int(decimals), "marks": marks or {}}
    return (
        '<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        # no request may leave the file: not even a favicon
        '<link rel="icon" href="data:,">\n'
        f"<title>{html.escape(title)} - cnnviz</title>\n"
        f"<style>\nbody {{ margin: 12px 16px; }}\n{player.css()}</style>\n</head>\n<body>\n"
        '<div id="cnnviz"></div>\n'
        f'<script type="application/json" id="cnnviz-settings">{_json_in_script(settings)}</script>\n'
        f'<script type="application/json" id="cnnviz-board">{_json_in_script(board)}</script>\n'
        f'<script type="module">\n{player.module((HERE / "page.js").read_text(encoding="utf-8"))}</script>\n'
        "</body>\n</html>\n"
    )


def save(path: str | Path, board: dict[str, Any] | str, **settings: Any) -> Path:
    """Write `page(board, **settings)` to `path` (UTF-8); return the path."""
    path = Path(path)
    path.write_text(page(board, **settings), encoding="utf-8")
    return path
