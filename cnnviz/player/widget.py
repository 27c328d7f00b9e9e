"""The player as a notebook widget (anywidget): Jupyter, VS Code, Colab, marimo.

Needs the `notebook` extra (`pip install "cnnviz[notebook]"`). The board is one trait sent once;
`step` is synced both ways (the browser reports it when the user pauses or stops stepping).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

try:
    import anywidget
    import traitlets
except ImportError as err:  # pragma: no cover - the message is the point
    raise ImportError('the notebook player needs anywidget: pip install "cnnviz[notebook]"') from err

from cnnviz import player
from cnnviz.player import html

HERE = Path(__file__).parent


class Player(anywidget.AnyWidget):
    """One storyboard in the browser player: keys, hover, click-to-jump, Play, precision, marks.

    Parameters
    ----------
    board : dict
        A storyboard (cnnviz.steps.storyboard; the cnnviz.show functions make them).
    step : int
        The step to open on (0-based; clamped to the board).
    decimals : int
        Digits after the point for the numbers (2, 4 or 8).
    marks : dict or None
        {"differs": {panel_name: [[r0, r1, c0, c1], ...]}}: cells drawn as "your code differs here".
    """

    _esm = player.module((HERE / "anywidget.js").read_text(encoding="utf-8"))
    _css = player.css()

    board = traitlets.Unicode("").tag(sync=True)  # the storyboard's JSON, sent once
    step = traitlets.Int(0).tag(sync=True)
    decimals = traitlets.Int(2).tag(sync=True)
    marks = traitlets.Dict().tag(sync=True)

    def __init__(self, board: dict[str, Any], step: int = 0, decimals: int = 2, marks: dict | None = None) -> None:
        n = int(board["n_steps"])
        step = min(max(int(step), 0), max(n - 1, 0))
        super().__init__(
            board=json.dumps(board, separators=(",", ":")), step=step, decimals=int(decimals), marks=marks or {}
        )

    @property
    def storyboard(self) -> dict[str, Any]:
        """The board this player shows (a dict)."""
        return json.loads(self.board)

    def save_html(self, path: str | Path) -> Path:
        """Write one self-contained HTML file (no server, no network) that plays this board; return its path."""
        return html.save(path, self.board, step=self.step, decimals=self.decimals, marks=self.marks)
