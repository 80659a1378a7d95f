"""The layer lab's drawings: the three results (dinputs, dweights, dbiases) as heatmaps side
by side, and a matrix (X, W, b, the output, dvalues) as a small table of its numbers."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ._common import PALETTE, base_layout
from .figure import Figure

TITLES = {"dinputs": "dinputs = dvalues·Wᵀ", "dweights": "dweights = Xᵀ·dvalues",
          "dbiases": "dbiases = Σ<sub>n</sub> dvalues"}
COLOURS = [[0.0, PALETTE["slice_x"]], [0.5, "#ffffff"], [1.0, PALETTE["tangent"]]]
CHANGED = "background:#f6ef9a"  # the entry on the slider
USED = f"outline:3px solid {PALETTE['point']};outline-offset:-3px"  # the explained entry's factors
CELL = "padding:2px 7px;text-align:right;font-size:14px;min-width:2.8em"
INDEX = "padding:1px 5px;color:#777;font-size:12px;text-align:center"


def results_figure(shapes: dict[str, tuple[int, int]]) -> Figure:
    """A heatmap per result (named as it: "dinputs", "dweights", "dbiases"), of its shape.

    plotly's make_subplots gives the grid (the axes' domains, the titles' places); the axes,
    titles and heatmaps are then written into its layout as plain data and the figure is made
    once (the same figure as make_subplots' update_xaxes/update_yaxes/update_layout calls gave,
    in ~20 ms rather than ~130: each of those calls validated the whole layout again)."""
    grid = make_subplots(rows=1, cols=3, column_widths=[0.4, 0.32, 0.28],
                         subplot_titles=list(TITLES.values()), horizontal_spacing=0.09)
    layout = grid.layout.to_plotly_json()
    axes = {"dinputs": ("input i", "sample n"), "dweights": ("neuron j", "input i"),
            "dbiases": ("neuron j", "")}
    traces = {}
    for column, name in enumerate(shapes, start=1):
        rows, columns = shapes[name]
        suffix = "" if column == 1 else str(column)
        row_index = "%{y}," if name != "dbiases" else ""
        traces[name] = go.Heatmap(
            name=name, z=np.zeros((rows, columns)), x=list(range(columns)),
            y=list(range(rows)), text=[[""] * columns] * rows, texttemplate="%{text}",
            textfont={"size": 14}, colorscale=COLOURS, zmid=0.0, showscale=False,
            xgap=2, ygap=2, xaxis=f"x{suffix}", yaxis=f"y{suffix}",
            hovertemplate=f"{name}[{row_index}%{{x}}] = %{{z:.6g}}<extra></extra>")
        x_title, y_title = axes[name]
        layout[f"xaxis{suffix}"].update(title={"text": x_title, "standoff": 4},
                                        tickmode="array", tickvals=list(range(columns)))
        layout[f"yaxis{suffix}"].update(title={"text": y_title, "standoff": 2},
                                        tickmode="array", tickvals=list(range(rows)),
                                        autorange="reversed",
                                        showticklabels=name != "dbiases")
    layout["yaxis3"]["domain"] = [0.55, 1.0]  # one row: a strip, not a wall
    for annotation in layout["annotations"]:  # the subplots' titles
        annotation["font"] = {"size": 15}
    layout.update(base_layout(height=300, margin={"l": 55, "r": 10, "t": 40, "b": 50},
                              showlegend=False))  # plotly_white's look (template), as every lab
    return Figure(traces, layout)


def matrix_table(part: str, title: str, shape: tuple[int, int], shown: Callable[[int, int], str],
                 used: set[tuple[int, int]], changed: tuple[int, int] | None) -> str:
    """One matrix as a small table with its row and column indices, entry (r, c) written as
    shown(r, c): the entry on the slider (`changed`) shaded, the explained entry's factors
    (`used`) outlined. A bias row (part "b") has no row index."""
    rows, columns = shape
    lines = ["<table style='border-collapse:separate;border-spacing:2px'><tr><td></td>"
             + "".join(f"<td style='{INDEX}'>{c}</td>" for c in range(columns)) + "</tr>"]
    for r in range(rows):
        cells = [f"<td style='{INDEX}'>{r if part not in ('b',) else ''}</td>"]
        for c in range(columns):
            style = CELL + ";background:#f4f4f4"
            if changed == (r, c):
                style += ";" + CHANGED
            if (r, c) in used:
                style += ";" + USED
            cells.append(f"<td style='{style}'>{shown(r, c)}</td>")
        lines.append("<tr>" + "".join(cells) + "</tr>")
    lines.append("</table>")
    size = f"{rows}×{columns}"
    return (f"<div style='margin:0 14px 6px 0'><div style='font-size:15px'>{title} "
            f"<span style='color:#777'>({size})</span></div>{''.join(lines)}</div>")
