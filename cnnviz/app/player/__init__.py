"""The lesson player's Streamlit host: one v2 component that draws a storyboard in the browser.

The player itself is host-neutral (cnnviz/player/player.js, `mount`); streamlit.js here is the thin
adapter that decodes what `encode` sends and reports the step. The board (cnnviz.steps.storyboard)
is sent once; stepping, playing, hovering and clicking happen in the browser (SVG). The browser
reports its step back only when the user pauses or has stopped stepping for a second, so a share
link carries `step` and a reload reopens there.

The board travels as JSON bytes made once, inside the shared cache (`pack`): a rerun adds one
short header line (`encode`) instead of serialising (twice, with Streamlit's identity hash) a
dict of up to 1 MB. The browser parses the board only when its id is new.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import streamlit as st

from cnnviz import player as neutral
from cnnviz.steps import storyboard

HERE = Path(__file__).parent
# The stylesheet travels in the component's HTML: with isolate_styles=False, Streamlit 1.67 does not
# inject the `css=` text. It is scoped by the .cnnviz-player class.
_COMPONENT = st.components.v2.component(
    "cnnviz_player",
    html=f"<style>{neutral.css()}</style>",
    js=neutral.module((HERE / "streamlit.js").read_text(encoding="utf-8")),
    isolate_styles=False,  # in the page DOM: test hooks and focus work with plain selectors
)


def board_id(board: dict) -> str:
    """The board's content digest: the browser keeps its step while the board stays the same.

    Builders put it in the board once (storyboard.content_id); hashing a 1 MB board on every rerun
    was work the cache had already done.
    """
    return board.get("id") or storyboard.content_id(board)


@dataclass(frozen=True)
class Packed:
    """A storyboard as the player receives it: its id, its step count and its JSON bytes."""

    id: str
    n_steps: int
    json: bytes

    def board(self) -> dict[str, Any]:
        """The storyboard itself (for the GIF export and tests)."""
        return json.loads(self.json)


def pack(board: dict[str, Any] | Packed) -> Packed:
    """The board serialised once: compact JSON, with its content id."""
    if isinstance(board, Packed):
        return board
    text = json.dumps(board, separators=(",", ":"))
    return Packed(board_id(board), int(board.get("n_steps", 0)), text.encode("utf-8"))


def encode(packed: Packed, step: int, decimals: int, present: bool, marks: dict[str, Any]) -> bytes:
    """The component's data: a header line of JSON, a newline, the board's JSON (streamlit.js decode)."""
    head = {"id": packed.id, "step": step, "decimals": int(decimals), "present": bool(present), "marks": marks}
    return json.dumps(head, separators=(",", ":")).encode("utf-8") + b"\n" + packed.json


def decode(raw: bytes) -> dict[str, Any]:
    """What the browser reads out of `encode`'s bytes: the header's keys and "board"."""
    head, _, body = bytes(raw).partition(b"\n")
    return {**json.loads(head), "board": json.loads(body)}


def _reported(key: str) -> int | None:
    state = st.session_state.get(key)
    try:
        return int(state["step"]) if state and state.get("step") is not None else None
    except (TypeError, ValueError, KeyError, AttributeError):
        return None


def show(
    board: dict[str, Any] | Packed,
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
    board : Packed or dict
        A storyboard (see cnnviz.steps.storyboard), packed once by the cache that made it (`pack`).
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
    packed = pack(board)
    n = packed.n_steps
    step = min(max(int(step), 0), max(n - 1, 0))

    def on_step() -> None:
        k = _reported(key)
        if k is not None:
            st.session_state["step"] = k  # the share link's step

    def on_escape() -> None:
        # Not st.session_state["present"] itself: a bidi callback runs before the toggle's own value
        # is applied, which would overwrite it. The sidebar reads this flag first thing next run.
        st.session_state["_leave_present"] = True

    data = encode(packed, step, decimals, present, marks or {})
    result = _COMPONENT(key=key, data=data, default={"step": step}, on_step_change=on_step, on_escape_change=on_escape)
    reported = result.get("step") if hasattr(result, "get") else getattr(result, "step", None)
    try:
        return min(max(int(reported), 0), max(n - 1, 0)) if reported is not None else step
    except (TypeError, ValueError):
        return step
