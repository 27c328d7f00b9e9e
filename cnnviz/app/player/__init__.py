"""The lesson player: one Streamlit v2 component that draws a storyboard in the browser.

The board (cnnviz.steps.storyboard) is sent once; stepping, playing, hovering and clicking happen
in the browser (player.js, SVG). The browser reports its step back only when the user pauses or
has stopped stepping for a second, so a share link carries `step` and a reload reopens there.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import streamlit as st

from cnnviz.steps import storyboard

HERE = Path(__file__).parent
_CSS = (HERE / "player.css").read_text(encoding="utf-8")
# The stylesheet travels in the component's HTML: with isolate_styles=False, Streamlit 1.67 does not
# inject the `css=` text. It is scoped by the .cnnviz-player class.
_COMPONENT = st.components.v2.component(
    "cnnviz_player",
    html=f"<style>{_CSS}</style>",
    js=(HERE / "player.js").read_text(encoding="utf-8"),
    isolate_styles=False,  # in the page DOM: test hooks and focus work with plain selectors
)


def board_id(board: dict) -> str:
    """The board's content digest: the browser keeps its step while the board stays the same.

    Builders put it in the board once (storyboard.content_id); hashing a 1 MB board on every rerun
    was work the cache had already done.
    """
    return board.get("id") or storyboard.content_id(board)


def _reported(key: str) -> int | None:
    state = st.session_state.get(key)
    try:
        return int(state["step"]) if state and state.get("step") is not None else None
    except (TypeError, ValueError, KeyError, AttributeError):
        return None


def show(
    board: dict[str, Any],
    *,
    key: str,
    step: int = 0,
    decimals: int = 2,
    present: bool = False,
    marks: dict[str, Any] | None = None,
) -> int:
    """Draw `board` in the browser player; return the step the browser reported, else `step`.

    Parameters
    ----------
    board : dict
        A storyboard (see cnnviz.steps.storyboard), JSON-able.
    key : str
        The widget key (one per lesson figure).
    step : int
        The step to open on (0-based; clamped to 0..n_steps-1), e.g. from a share link.
    decimals : int
        Digits after the point for the numbers in cells, the step box and the code notes.
    present : bool
        Presentation mode: the player sizes itself to the viewport, larger text; Escape leaves.
    marks : dict or None
        {"differs": {panel_name: [[r0, r1, c0, c1], ...]}}: cells drawn as another overlay role.
    """
    n = int(board.get("n_steps", 0))
    step = min(max(int(step), 0), max(n - 1, 0))

    def on_step() -> None:
        k = _reported(key)
        if k is not None:
            st.session_state["step"] = k  # the share link's step

    def on_escape() -> None:
        # Not st.session_state["present"] itself: a bidi callback runs before the toggle's own value
        # is applied, which would overwrite it. The sidebar reads this flag first thing next run.
        st.session_state["_leave_present"] = True

    data = {
        "id": board_id(board),
        "board": board,
        "step": step,
        "decimals": int(decimals),
        "present": bool(present),
        "marks": marks or {},
    }
    result = _COMPONENT(key=key, data=data, default={"step": step}, on_step_change=on_step, on_escape_change=on_escape)
    reported = result.get("step") if hasattr(result, "get") else getattr(result, "step", None)
    try:
        return min(max(int(reported), 0), max(n - 1, 0)) if reported is not None else step
    except (TypeError, ValueError):
        return step
