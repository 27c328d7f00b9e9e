"""The lesson player, host-neutral: one ES module (player.js) and its stylesheet (player.css).

`player.js` exports `mount(element, board, host)`; each host is a thin adapter placed after it in
one module: the Streamlit component (cnnviz/app/player), the notebook widget (cnnviz.widget) and
the offline HTML page (cnnviz.html). Nothing here imports Streamlit.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

HERE = Path(__file__).parent


@cache
def js() -> str:
    """The player's ES module source (exports `mount`)."""
    return (HERE / "player.js").read_text(encoding="utf-8")


@cache
def css() -> str:
    """The player's stylesheet, scoped by the .cnnviz-player class."""
    return (HERE / "player.css").read_text(encoding="utf-8")


def module(adapter: str) -> str:
    """One ES module: the player, then a host's adapter (which calls `mount` and exports what its host loads)."""
    return js() + "\n" + adapter
