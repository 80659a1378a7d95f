"""The layer lab's drawings: the three results (dinputs, dweights, dbiases) as heatmaps side
by side, and a matrix (X, W, b, the output, dvalues) as a small table of its numbers."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ._common import PALETTE, base_layout, template
from .figure import Figure

TITLES = {"dinputs": "dinputs = dvalues·Wᵀ", "dweights": "dweights = Xᵀ·dvalues",
          "dbiases": "dbiases = Σ<sub>n</sub> dvalues"}
COLOURS = [[0.0, PALETTE["slice_x"]], [0.5, "#ffffff"], [1.0, PALETTE["tangent"]]]
CHANGED = "background:#f6ef9a"  # the entry on the slider
USED = f"outline:3px solid {PALETTE['point']};outline-offset:-3px"  # the explained entry's factors
CELL = "padding:2px 7px;text-align:right;font-size:14px;min-width:2.8em"
INDEX = "padding:1px 5px;color:#777;font-size:12px;text-align:center"


def results_figure(shapes: dict[str, tuple[int, int]]) -> Figure:
    """A heatmap per result (named as it: "dinputs", "dweights", "dbiases"), of its shape."""
    titles = list(TITLES.values())
    figure = make_subplots(rows=1, cols=3, column_widths=[0.4, 0.32, 0.28],
                           subplot_titles=titles, horizontal_spacing=0.09,
                           figure=go.Figure(layout={"template": template()}))
    axes = {"dinputs": ("input i", "sample n"), "dweights": ("neuron j", "input i"),
            "dbiases": ("neuron j", "")}
    for column, name in enumerate(shapes, start=1):
        rows, columns = shapes[name]
        row_index = "%{y}," if name != "dbiases" else ""
        figure.add_trace(go.Heatmap(
            name=name, z=np.zeros((rows, columns)), x=list(range(columns)),
            y=list(range(rows)), text=[[""] * columns] * rows, texttemplate="%{text}",
            textfont={"size": 14}, colorscale=COLOURS, zmid=0.0, showscale=False,
            xgap=2, ygap=2,
            hovertemplate=f"{name}[{row_index}%{{x}}] = %{{z:.6g}}<extra></extra>"),
            row=1, col=column)
        x_title, y_title = axes[name]
        figure.update_xaxes(title={"text": x_title, "standoff": 4}, tickmode="array",
                            tickvals=list(range(columns)), row=1, col=column)
        figure.update_yaxes(title={"text": y_title, "standoff": 2}, tickmode="array",
                            tickvals=list(range(rows)), autorange="reversed",
                            showticklabels=name != "dbiases", row=1, col=column)
    figure.update_yaxes(domain=[0.55, 1.0], row=1, col=3)  # one row: a strip, not a wall
    figure.update_layout(base_layout(height=300, margin={"l": 55, "r": 10, "t": 40, "b": 50},
                                     showlegend=False))
    for annotation in figure.layout.annotations:
        annotation.font = {"size": 15}
    return Figure.named(figure, list(shapes))  # a heatmap per result, named as it


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
