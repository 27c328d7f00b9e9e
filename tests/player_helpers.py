"""Reading the lesson player (and the gradient check) out of an AppTest run; setting a setting wherever it is drawn."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from cnnviz.app import player

APP = Path(__file__).parents[1] / "app.py"
# What each animated lesson draws in its settings row (its sliders), by lesson file
LESSON_ROWS = {
    "lessons/zero_padding.py": ["pad"],
    "lessons/convolution.py": ["f", "stride", "pad", "dilation", "n_C"],
    "lessons/pooling.py": ["pool_f", "pool_stride"],
    "lessons/conv_backward.py": ["f", "stride", "pad", "dilation", "n_C"],
    "lessons/pool_backward.py": ["pool_f", "pool_stride"],
    "lessons/transposed_conv.py": ["f", "stride", "pad", "output_padding", "n_C"],
}


def open_app(
    page: str | None = None, query: dict | None = None, state: dict | None = None, timeout: float = 60, **widgets
) -> AppTest:
    """A fresh app run, opened with a query string and session state, on `page`, with settings set by key."""
    at = AppTest.from_file(str(APP), default_timeout=timeout)
    at.query_params.update(query or {})
    for key, value in (state or {}).items():
        at.session_state[key] = value
    at.run()
    if page:
        at.switch_page(page).run()
    for key, value in widgets.items():
        set_setting(at, key, value)
    if widgets:
        at.run()
    return at


_BOARDS: dict[str, dict] = {}  # boards by id, as the browser keeps them (a rerun that keeps one sends its id)


def data_of(at: AppTest, index: int = 0) -> dict:
    """What the player has after this run: {"id", "board", "step", "decimals", "present", "marks"}.

    The board crosses the wire once per content id; a header-only run is read with the board
    received earlier under its id, as the browser does. A board sent in a run nobody read is asked
    for again, as the browser does too (the session forgets it sent it; one more run).
    """
    data = player.decode(at.get("bidi_component")[index].proto.bytes)
    if data["board"] is None and data["id"] not in _BOARDS:
        for key in [k for k in at.session_state if k.startswith("_cnnviz_board_sent:")]:
            del at.session_state[key]
        at.run()
        data = player.decode(at.get("bidi_component")[index].proto.bytes)
    if data["board"] is not None:
        _BOARDS[data["id"]] = data["board"]
    else:
        data["board"] = _BOARDS[data["id"]]
    return data


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
