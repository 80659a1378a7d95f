"""Level curves drawn as plain lines: the two traces a map of f(x, y) draws them with and the
values that fill them from f on a grid (gradlab.contours), plus the partials on a grid from the
core. The gradient field, the loss surface and the optimizer race share them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import plotly.graph_objects as go

from .. import contours
from ._common import PALETTE, fmt

LEVELS = 14
LEVEL_COLOUR = PALETTE["slice_x"]  # sky blue: apart from the arrows, path and point


def gradient_on_grid(expression: Any, values: dict[str, Any],
                     names: Sequence[str]) -> list[np.ndarray]:
    """The partials df/dname at every grid point, from the core: `Expression.gradient` on
    arrays when it accepts them, else each symbolic partial `Expression.partial(name)`
    evaluated on the arrays."""
    shape = np.broadcast(*[np.asarray(v) for v in values.values()]).shape if values else ()
    try:
        gradient = expression.gradient(**values)
        partials = [np.broadcast_to(np.asarray(gradient.get(n, 0.0), dtype=np.float64), shape)
                    for n in names]
        if all(p.shape == shape for p in partials):
            return partials
    except Exception:  # noqa: BLE001 - fall back to the symbolic partials below
        pass
    return [np.broadcast_to(np.asarray(expression.partial(n).evaluate(**values)
                                       if n in values else 0.0, dtype=np.float64), shape)
            for n in names]


def level_traces(name: str, colour: str = LEVEL_COLOUR, width: float = 1.5
                 ) -> dict[str, go.Scatter]:
    """The two traces level curves are drawn with, by name: "levels", the curves as plain
    lines (drawn once per function, so a slider move never makes the browser recompute them,
    as a go.Contour would on every redraw) and "level values", a label with each level's
    value."""
    return {
        "levels": go.Scatter(name=name, mode="lines", line={"color": colour, "width": width},
                             hoverinfo="skip", showlegend=True),
        "level values": go.Scatter(name="level values", mode="text", showlegend=False,
                                   hoverinfo="skip",
                                   textfont={"size": 12, "color": PALETTE["text"]}),
    }


def level_data(xs: np.ndarray, ys: np.ndarray, z: np.ndarray, count: int = LEVELS,
               shown: Any = None) -> tuple[dict[str, Any], dict[str, Any]]:
    """Restyle values for `level_traces` from f's grid z[i, j] = f(xs[j], ys[i]): about
    `count` round levels between the smallest and largest finite z, each curve's points
    (gaps as nan) and a label at a point of each. `shown(level)` is the number a label
    shows (the level itself unless given, e.g. f where z is log10(1 + f))."""
    finite = z[np.isfinite(z)]
    levels = contours.nice_levels(finite.min(), finite.max(), count) if finite.size else []
    curves = contours.level_curves(xs, ys, z, levels)
    x, y = contours.joined(curves)
    spots = contours.spread_labels(curves, (xs[0], xs[-1]), (ys[0], ys[-1]))
    labelled = [(c, at) for c, at in zip(curves, spots, strict=True) if np.isfinite(at[0])]
    shown = shown or (lambda level: level)
    lines = {"x": x, "y": y}
    labels = {"x": np.array([at[0] for _, at in labelled], dtype=np.float64),
              "y": np.array([at[1] for _, at in labelled], dtype=np.float64),
              "text": [fmt(shown(c.level), 3) for c, _ in labelled]}
    return lines, labels
