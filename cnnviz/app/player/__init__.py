"""The lesson player's Streamlit host: one v2 component that draws a storyboard in the browser.

The player itself is host-neutral (cnnviz/player/player.js, `mount`); streamlit.js here is the thin
adapter that decodes what `encode` sends, loads the player's module and reports the step. The
board (cnnviz.steps.storyboard) is sent once; stepping, playing, hovering and clicking happen in
the browser (SVG). The browser reports its step back only when the user pauses or has stopped
stepping for a second, so a share link carries `step` and a reload reopens there.

The board travels as JSON bytes made once, inside the shared cache (`pack`), and crosses the wire
once per content id: a rerun that keeps the board sends one short header line (`encode`), and the
browser draws the board it keeps under that id.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import streamlit as st

from cnnviz import player as neutral
from cnnviz.steps import storyboard

HERE = Path(__file__).parent


def _compact(js: str) -> str:
    """The adapter without its comment lines and indentation: it rides along on every rerun."""
    lines = (line.strip() for line in js.splitlines())
    return "\n".join(line for line in lines if line and not line.startswith("//"))


# Streamlit puts a component's inline js/html into every rerun's message (the player is ~35 KB), and
# file-backed assets need an installed package. So the component is only the small adapter; the
# player's module and stylesheet travel in the data once per session (like the board, by digest)
# and the browser keeps them (streamlit.js).
_COMPONENT = st.components.v2.component(
    "cnnviz_player",
    js=_compact((HERE / "streamlit.js").read_text(encoding="utf-8")),
    isolate_styles=False,  # in the page DOM: test hooks and focus work with plain selectors
)
_CODE = neutral.js().encode("utf-8")
_CSS = neutral.css().encode("utf-8")
CODE_ID = hashlib.sha1(_CODE + b"\0" + _CSS).hexdigest()[:16]
_CODE_SENT = "_cnnviz_player_code_sent"


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


def encode(
    packed: Packed,
    step: int,
    decimals: int,
    present: bool,
    marks: dict[str, Any],
    with_board: bool = True,
    with_code: bool = True,
) -> bytes:
    """The component's data: a header line of JSON, a newline, then the parts the header sizes.

    Parts, in order, each only when sent: "code" (the player's ES module), "css" (its stylesheet),
    "board" (the board's JSON). Without them the browser uses what it keeps under the header's
    "code" digest and board "id" (streamlit.js).
    """
    parts = {"code": _CODE, "css": _CSS} if with_code else {}
    if with_board:
        parts["board"] = packed.json
    head = {"id": packed.id, "step": step, "decimals": int(decimals), "present": bool(present), "marks": marks}
    head |= {"code": CODE_ID, "sizes": {name: len(part) for name, part in parts.items()}}
    return json.dumps(head, separators=(",", ":")).encode("utf-8") + b"\n" + b"".join(parts.values())


def decode(raw: bytes) -> dict[str, Any]:
    """What the browser reads out of `encode`'s bytes: the header's keys and its parts (None if not sent)."""
    line, _, body = bytes(raw).partition(b"\n")
    head = json.loads(line)
    out, at = {**head, "code_text": None, "css": None, "board": None}, 0
    for name, size in head["sizes"].items():
        text = body[at : at + size].decode("utf-8")
        out["code_text" if name == "code" else name] = json.loads(text) if name == "board" else text
        at += size
    return out


def _sent_key(key: str) -> str:
    return f"_cnnviz_board_sent:{key}"


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

    def on_need() -> None:
        # the browser has no board under the id it was sent (a new tab of the same session, a
        # dropped message): send it whole on this rerun
        st.session_state.pop(_sent_key(key), None)
        st.session_state.pop(_CODE_SENT, None)

    def on_escape() -> None:
        # Not st.session_state["present"] itself: a bidi callback runs before the toggle's own value
        # is applied, which would overwrite it. The sidebar reads this flag first thing next run.
        st.session_state["_leave_present"] = True

    # The board crosses the wire once per content id: a rerun that keeps it sends the header only
    # (the browser keeps boards by id); a new id, or the browser asking (on_need), sends it whole.
    with_board = st.session_state.get(_sent_key(key)) != packed.id
    with_code = st.session_state.get(_CODE_SENT) != CODE_ID
    st.session_state[_sent_key(key)] = packed.id
    st.session_state[_CODE_SENT] = CODE_ID
    data = encode(packed, step, decimals, present, marks or {}, with_board, with_code)
    result = _COMPONENT(
        key=key,
        data=data,
        default={"step": step},
        on_step_change=on_step,
        on_escape_change=on_escape,
        on_need_change=on_need,
    )
    reported = result.get("step") if hasattr(result, "get") else getattr(result, "step", None)
    try:
        return min(max(int(reported), 0), max(n - 1, 0)) if reported is not None else step
    except (TypeError, ValueError):
        return step
