"""Reading the lesson player (and the gradient check) out of an AppTest run; setting a setting wherever it is drawn."""

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


def gradient_check(at: AppTest) -> dict[str, tuple[float, str]]:
    """The numerical gradient check's table on the page: {gradient: (difference, verdict)}."""
    (table,) = [m.value for m in at.markdown if "| gradient | difference | verdict |" in m.value]
    rows = [line.strip("|").split("|") for line in table.splitlines() if line.startswith("| `")]
    return {name.strip(" `"): (float(err), verdict.strip(" *")) for name, err, verdict in rows}
