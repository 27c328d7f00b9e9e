"""Pure Plotly builders: arrays -> go.Figure. No Streamlit here; colours and number formats from style.

Every figure of a 2-D array uses fixed ranges, `yaxis autorange="reversed"` and `scaleanchor="x"`, so
pixels are square and row 0 is on top (`square_axes`). Plotly >= 7, public API only.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import plotly.graph_objects as go

from cnnviz.draw import style


def square_axes(fig: go.Figure, row: int | None = None, col: int | None = None) -> go.Figure:
    """Square pixels, row 0 on top, for a heatmap in `fig` (or in one subplot of it)."""
    fig.update_yaxes(autorange="reversed", scaleanchor="x", scaleratio=1, row=row, col=col)
    fig.update_xaxes(constrain="domain", row=row, col=col)
    return fig


def _cell_names(name: str, shape: tuple[int, ...]) -> list[str]:
    """ "dA_prev[0, 3, 4, 1]" for every cell of an array of `shape`, row-major."""
    return [f"{name}[{', '.join(map(str, index))}]" for index in np.ndindex(shape)]


def disagreeing(analytic: np.ndarray, numerical: np.ndarray, rtol: float = 1e-5) -> np.ndarray:
    """Cells whose analytic and numerical gradients differ by more than rtol x the array's largest value.

    The centred differences' rounding is ~1e-10 here; a wrong backward pass (or a tie rule at tied
    maxima, where the numbers estimate half the gradient for each tied entry) is off by ~the value.
    """
    analytic, numerical = np.asarray(analytic, dtype=np.float64), np.asarray(numerical, dtype=np.float64)
    scale = max(float(np.max(np.abs(analytic), initial=0.0)), float(np.max(np.abs(numerical), initial=0.0)), 1e-12)
    return np.abs(analytic - numerical) > rtol * scale


def gradient_check(pairs: Mapping[str, tuple[np.ndarray, np.ndarray]], title: str = "") -> go.Figure:
    """Analytic against numerical gradient, one point per cell, one colour per gradient, and the line y = x.

    Arguments:
    pairs -- {"dA_prev": (analytic, numerical), "dW": ..., "db": ...} (gradcheck.*_gradients), each pair of one shape
    title -- the figure's title

    Returns:
    fig -- traces named after the gradients ("dA_prev", ...), "<name> differs" for the cells off the line
           (a large x outlined in the "differs" colour), and "y = x"; hover names the cell with its indices
    """
    fig = go.Figure()
    values = [np.asarray(v, dtype=np.float64).ravel() for pair in pairs.values() for v in pair]
    lo = min((float(v.min()) for v in values if v.size), default=-1.0)
    hi = max((float(v.max()) for v in values if v.size), default=1.0)
    margin = 0.05 * (hi - lo) if hi > lo else 1.0
    lo, hi = lo - margin, hi + margin
    line = {"color": style.GRID, "dash": "dash"}
    fig.add_trace(go.Scatter(x=[lo, hi], y=[lo, hi], mode="lines", name="y = x", hoverinfo="skip", line=line))
    hover = "%{customdata}<br>analytic %{y:.8g}<br>numerical %{x:.8g}<extra></extra>"
    for name, (analytic, numerical) in pairs.items():
        analytic, numerical = np.asarray(analytic, dtype=np.float64), np.asarray(numerical, dtype=np.float64)
        cells = np.array(_cell_names(name, analytic.shape), dtype=object)
        off = disagreeing(analytic, numerical).ravel()
        colour = style.GRADIENT_COLOURS.get(name, style.TEXT)
        outline = {"color": style.ROLE_COLOURS["differs"], "width": 2}
        for mask, label, marker in (
            (~off, name, {"color": colour, "size": 7, "opacity": 0.8}),
            (off, f"{name} differs", {"color": colour, "size": 13, "symbol": "x", "line": outline}),
        ):
            if label != name and not mask.any():
                continue
            fig.add_trace(
                go.Scatter(
                    x=numerical.ravel()[mask],
                    y=analytic.ravel()[mask],
                    customdata=cells[mask],
                    mode="markers",
                    name=label,
                    marker=marker,
                    hovertemplate=hover,
                )
            )
    fig.update_layout(
        title={"text": title},
        xaxis={"title": {"text": "numerical gradient (centred differences)"}, "range": [lo, hi]},
        yaxis={"title": {"text": "analytic gradient (the backward pass)"}, "range": [lo, hi]},
        legend={"title": {"text": "gradient"}},
        height=460,
        margin={"l": 60, "r": 20, "t": 50, "b": 50},
        plot_bgcolor=style.BACKGROUND,
    )
    fig.update_yaxes(scaleanchor="x", scaleratio=1, gridcolor="#eeeeee", zerolinecolor=style.GRID)
    fig.update_xaxes(constrain="domain", gridcolor="#eeeeee", zerolinecolor=style.GRID)
    return fig
