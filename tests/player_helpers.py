"""Reading the lesson player out of an AppTest run, and setting a setting wherever it is drawn."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from cnnviz.app import player


def data_of(at: AppTest, index: int = 0) -> dict:
    """What Python sent the player: {"id", "board", "step", "decimals", "present", "marks"}."""
    return player.decode(at.get("bidi_component")[index].proto.bytes)


def board_of(at: AppTest, index: int = 0) -> dict:
    return data_of(at, index)["board"]


def set_setting(at: AppTest, key: str, value) -> None:
    """Set the widget keyed `key`: a lesson's number box or radio, or a sidebar slider."""
    for kind in ("number_input", "slider", "radio"):
        found = [w for w in getattr(at, kind) if w.key == key]
        if found:
            found[0].set_value(value)
            return
    raise KeyError(f"no widget keyed {key!r} on this page")
