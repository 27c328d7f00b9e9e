"""Pure Plotly builders: arrays -> go.Figure. No Streamlit here; colours and number formats from style.

Every figure of a 2-D array uses fixed ranges, `yaxis autorange="reversed"` and `scaleanchor="x"`, so
pixels are square and row 0 is on top (`square_axes`). Plotly >= 7, public API only.
"""

from __future__ import annotations

import plotly.graph_objects as go


def square_axes(fig: go.Figure, row: int | None = None, col: int | None = None) -> go.Figure:
    """Square pixels, row 0 on top, for a heatmap in `fig` (or in one subplot of it)."""
    fig.update_yaxes(autorange="reversed", scaleanchor="x", scaleratio=1, row=row, col=col)
    fig.update_xaxes(constrain="domain", row=row, col=col)
    return fig
