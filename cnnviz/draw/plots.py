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


# --- Feature maps: one map inspected (Z, ReLU, pooled side by side), and its histograms ---------

# Streamlit draws with its own theme; Plotly's default template would add ~9 KB of JSON to every figure.
_NO_TEMPLATE = go.layout.Template()


def colourscale(stops: list[tuple[float, str]]) -> list[list]:
    """(t, "rgb(r,g,b)") stops from the pictures' colour rule -> a Plotly colorscale."""
    return [[float(t), colour] for t, colour in stops]


def _hover(stage: str, block: int, decimals: int, indexed: bool = False) -> str:
    """Row, column and value in the page's precision; a reduced map says which block a value stands for.

    indexed: the map is drawn in another map's coordinates (the pooled map over Z), its own row and
    column come in customdata[0], customdata[1], and the hover names both.
    """
    value = f"%{{z:.{decimals}f}}"
    if indexed:
        what = "value" if block == 1 else f"value farthest from 0 in its {block}×{block} block"
        where = "its window's centre" if block == 1 else "its block's windows' centre"
        return (
            f"{stage}<br>row %{{customdata[0]}}, column %{{customdata[1]}}<br>{what} {value}<br>"
            f"drawn over {where} in Z: row %{{y}}, column %{{x}}<extra></extra>"
        )
    if block == 1:
        return f"{stage}<br>row %{{y}}, column %{{x}}<br>value {value}<extra></extra>"
    return (
        f"{stage}<br>{block}×{block} block centred on row %{{y}}, column %{{x}}<br>"
        f"value farthest from 0 in it {value}<extra></extra>"
    )


def map_heatmap(
    values: np.ndarray,
    name: str,
    stops: list[tuple[float, str]],
    vrange: tuple[float, float],
    decimals: int,
    x0: float = 0.0,
    y0: float = 0.0,
    d: float = 1.0,
    block: int = 1,
    customdata: np.ndarray | None = None,
) -> go.Heatmap:
    """One map as a heatmap: float32 values (sent as a typed array), fixed colour range, no colour bar.

    values -- shape (rows, cols); cell (r, c) is drawn centred on (x0 + c*d, y0 + r*d)
    """
    values = np.asarray(values, dtype=np.float32)
    lo, hi = vrange
    return go.Heatmap(
        z=values,
        x0=x0,
        dx=d,
        y0=y0,
        dy=d,
        name=name,
        colorscale=colourscale(stops),
        zmin=lo,
        zmax=hi,
        showscale=False,
        hovertemplate=_hover(name, block, decimals, indexed=customdata is not None),
        customdata=customdata,
        hoverongaps=False,
    )


PANEL_WIDTH, MIN_HEIGHT, MAX_HEIGHT = 300, 200, 560  # pixels: a panel's expected width, the maps' height limits


def inspect_figure(panels: list[dict], decimals: int = 2, height: int | None = None) -> go.Figure:
    """Z, ReLU and pooled of one filter side by side, in one coordinate system, zoom and pan linked.

    panels -- one dict per map, left to right: {"name", "values" (rows, cols), "stops", "vrange",
              "x0", "y0", "d" (map pixels per drawn cell along each axis, in Z's coordinates),
              "block" (values per cell side when reduced), "x_range", "y_range" (the first panel's
              are used), optional "customdata" (rows, cols, 2): the map's own row and column}
    All axes share Z's row and column numbers (`matches`), so a zoom on one map zooms the others onto
    the same part of the picture; square pixels, row 0 on top. height: pixels, by default from the
    shown area's aspect for panels about PANEL_WIDTH wide (the maps sit at the top of their panels).
    """
    from plotly.subplots import make_subplots

    n = len(panels)
    fig = make_subplots(rows=1, cols=n, subplot_titles=[p["title"] for p in panels], horizontal_spacing=0.03)
    for k, p in enumerate(panels, start=1):
        fig.add_trace(
            map_heatmap(
                p["values"],
                p["name"],
                p["stops"],
                p["vrange"],
                decimals,
                p.get("x0", 0.0),
                p.get("y0", 0.0),
                p.get("d", 1.0),
                p.get("block", 1),
                p.get("customdata"),
            ),
            row=1,
            col=k,
        )
    x_range, y_range = panels[0]["x_range"], panels[0]["y_range"]
    if height is None:
        aspect = (y_range[1] - y_range[0]) / (x_range[1] - x_range[0])
        height = int(min(MAX_HEIGHT, max(MIN_HEIGHT, PANEL_WIDTH * aspect))) + 70  # + titles and tick labels
    for k in range(1, n + 1):
        fig.update_xaxes(range=list(x_range), row=1, col=k, matches="x" if k > 1 else None, showgrid=False)
        fig.update_yaxes(range=list(y_range)[::-1], row=1, col=k, matches="y" if k > 1 else None, showgrid=False)
        fig.update_yaxes(showticklabels=k == 1, row=1, col=k)  # one set of row numbers: they are shared
        fig.update_yaxes(
            scaleanchor=f"x{k if k > 1 else ''}", scaleratio=1, constrain="domain", constraintoward="top", row=1, col=k
        )
        fig.update_xaxes(constrain="domain", row=1, col=k)
    fig.update_layout(
        template=_NO_TEMPLATE,
        height=height,
        margin={"l": 40, "r": 10, "t": 40, "b": 30},
        dragmode="zoom",
        plot_bgcolor="#f0f0f0",
        hoverlabel={"font": {"size": 14}},
        uirevision=panels[0].get("uirevision", "map"),
    )
    return fig


def histogram_figure(
    z_counts: np.ndarray,
    z_edges: np.ndarray,
    a_counts: np.ndarray,
    a_edges: np.ndarray,
    titles: tuple[str, str],
    height: int = 260,
) -> go.Figure:
    """Two small histograms: Z (negative bins gray: ReLU sets them to 0) and the pooled map A.

    z_counts (bins,), z_edges (bins + 1,), likewise a_*; counts on a log axis (a map is mostly near 0).
    """
    from plotly.subplots import make_subplots

    fig = make_subplots(rows=1, cols=2, subplot_titles=list(titles), horizontal_spacing=0.12)
    z_mid = (z_edges[:-1] + z_edges[1:]) / 2
    kept = z_mid >= 0
    for mask, label, colour in (
        (~kept, "Z < 0: ReLU makes these 0", "#9e9e9e"),
        (kept, "Z ≥ 0: ReLU keeps", "#c0392b"),
    ):
        if mask.any():
            fig.add_trace(
                go.Bar(
                    x=z_mid[mask],
                    y=z_counts[mask],
                    width=float(z_edges[1] - z_edges[0]),
                    marker_color=colour,
                    name=label,
                    hovertemplate="Z from %{x:.3g}: %{y} values<extra></extra>",
                ),
                row=1,
                col=1,
            )
    a_mid = (a_edges[:-1] + a_edges[1:]) / 2
    fig.add_trace(
        go.Bar(
            x=a_mid,
            y=a_counts,
            width=float(a_edges[1] - a_edges[0]),
            marker_color="#34495e",
            name="pooled A",
            hovertemplate="A from %{x:.3g}: %{y} values<extra></extra>",
        ),
        row=1,
        col=2,
    )
    fig.update_yaxes(type="log", title_text="values", row=1, col=1)
    fig.update_yaxes(type="log", row=1, col=2)
    fig.update_layout(
        template=_NO_TEMPLATE,
        height=height,
        bargap=0,
        margin={"l": 50, "r": 10, "t": 40, "b": 30},
        legend={"orientation": "h", "y": -0.2},
    )
    return fig


def wire_bytes(fig: go.Figure) -> int:
    """The figure's size as st.plotly_chart sends it (Plotly's JSON, numpy arrays as base64 typed arrays)."""
    import plotly.io as pio

    return len(pio.to_json(fig, validate=False).encode())


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
