"""cnnviz: convolution and pooling, one window at a time (importable without Streamlit).

In a notebook (`pip install "cnnviz[notebook]"`):

    from cnnviz import show       # show.conv_forward(A_prev, W, b, hparameters) -> a player
    import cnnviz
    cnnviz.check(conv_forward)    # your function on the lesson cases, judged like the app does

`cnnviz.Player` is the widget class (loaded on first use, so `import cnnviz` needs only NumPy).
"""

from __future__ import annotations

from typing import Any

__all__ = ["Player", "check", "show"]


def __getattr__(name: str) -> Any:
    if name == "Player":
        from cnnviz.player.widget import Player

        return Player
    if name in ("check", "show"):
        import importlib

        return importlib.import_module(f"cnnviz.{name}")
    raise AttributeError(f"module 'cnnviz' has no attribute {name!r}")
