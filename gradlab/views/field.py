"""GradientField: level curves of f(x, y) with the gradient at the point as an arrow, optionally
the gradient's arrows over the whole plane and the path gradient descent takes from the point
(p <- p - learning rate * gradient), with its own learning-rate slider."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import ipywidgets as widgets
import numpy as np
import plotly.graph_objects as go

from .. import contours, geometry
from ._base import View, as_expression, describe_undefined
from ._common import PALETTE, base_layout, fmt, guarded, move, rate_slider, restyle, tagged
from .surface import plotted_pair

GRID = 60  # level curves: computed once per function and range
LEVELS = 14
LEVEL_COLOUR = PALETTE["slice_x"]  # sky blue: apart from the arrows, path and point
ARROW_GRID = 13  # arrows over the plane
DESCENT_STEPS = 20
LABELS = 5  # trace index of the level values
ARROWS = 0  # layout shape index of the arrows over the plane


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


def level_traces(name: str, colour: str = LEVEL_COLOUR, width: float = 1.5) -> list[go.Scatter]:
    """The two traces level curves are drawn with: the curves as plain lines (drawn once per
    function, so a slider move never makes the browser recompute them, as a go.Contour
    would on every redraw) and a label with each level's value."""
    return [
        go.Scatter(name=name, mode="lines", line={"color": colour, "width": width},
                   hoverinfo="skip", showlegend=True),
        go.Scatter(name="level values", mode="text", showlegend=False, hoverinfo="skip",
                   textfont={"size": 12, "color": PALETTE["text"]}),
    ]


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


class GradientField(View):
    """Level curves f(a, b) = c over the sliders' ranges, the gradient [df/da, df/db] drawn
    from the point (unscaled: its components are the gradient's), and the options.

    For the bowl f = x^2 + y^2 at (1, 2): gradient = [2, 4]; with learning rate 0.1 descent's
    first step goes to (1, 2) - 0.1 [2, 4] = (0.8, 1.6).
    """

    def __init__(self, expression: Any, sliders: Mapping[str, widgets.FloatSlider] | None = None,
                 *, variables: Sequence[str] | None = None,
                 ranges: Mapping[str, tuple[float, float]] | None = None,
                 arrows: bool = False, descent: bool = False,
                 learning_rate: float = 0.1) -> None:
        super().__init__()
        expression = as_expression(expression)
        self.pair = plotted_pair(expression, variables)
        self._setup(expression, sliders, ranges, self.pair)
        self.arrows_box = widgets.Checkbox(value=arrows, description="arrows over the plane",
                                           indent=False)
        self.descent_box = widgets.Checkbox(value=descent, description="gradient descent path",
                                            indent=False)
        self.rate_slider = rate_slider("learning rate", learning_rate, 1e-3, 3.0)
        for control in (self.arrows_box, self.descent_box, self.rate_slider):
            control.observe(self._on_option, names="value")
        self.readout = widgets.HTML()
        self.figure = self._build_figure()
        self.figures = [self.figure]
        self._grid_for: tuple | None = None
        self._arrows_for: tuple | None = None
        self.value = float("nan")
        self.gradient = (float("nan"), float("nan"))
        self.path = geometry.DescentPath(np.empty((0, 2)), "")
        controls = list(self.sliders.values()) if self.owns_sliders else []
        options = widgets.HBox([self.arrows_box, self.descent_box],
                               layout=widgets.Layout(flex_flow="row wrap"))
        self.children = [self.figure, self.readout, *controls, options, self.rate_slider,
                         self.message]
        self.update()

    def _build_figure(self) -> go.FigureWidget:
        a, b = self.pair
        traces = [
            level_traces(f"level curves of f = {self.expression.text}")[0],
            # the arrows over the plane are drawn as the layout's shape ARROWS (one SVG path:
            # as a line trace each of the ~300 pieces is its own element, redrawn on every
            # move); this trace keeps the trace indexes and is left empty
            go.Scatter(name="gradient over the plane (scaled)", mode="lines", showlegend=False,
                       visible=False, hoverinfo="skip"),
            go.Scatter(name="gradient descent path", mode="lines+markers",
                       line={"color": PALETTE["function"], "width": 2, "dash": "dot"},
                       marker={"size": 6, "symbol": "circle-open"},
                       visible=self.descent_box.value),
            go.Scatter(name="gradient ∇f", mode="lines+markers",
                       line={"color": PALETTE["gradient"], "width": 4},
                       marker={"symbol": "arrow", "angleref": "previous", "size": [0, 18],
                               "color": PALETTE["gradient"]}),
            go.Scatter(name="the point", mode="markers", showlegend=False,
                       marker={"color": PALETTE["point"], "size": 13,
                               "line": {"color": "white", "width": 1.5}}),
            # last, so existing code and tests keep the indexes 0-4 above
            level_traces("")[1],
        ]
        layout = base_layout(
            xaxis={"title": {"text": a}, "range": list(self.range_of(a)), "constrain": "domain"},
            yaxis={"title": {"text": b}, "range": list(self.range_of(b)), "scaleanchor": "x",
                   "scaleratio": 1, "constrain": "domain"},
            height=440, uirevision="keep",
            shapes=[{"type": "path", "path": "M0,0", "xref": "x", "yref": "y", "layer": "below",
                     "line": {"color": PALETTE["muted"], "width": 1.5},
                     "visible": self.arrows_box.value, "showlegend": True,
                     "name": "gradient over the plane (scaled)"}])
        return go.FigureWidget(data=traces, layout=layout)

    @guarded
    def _on_option(self, change: dict) -> None:
        with self.figure.batch_update():
            self.figure.layout.shapes[ARROWS].visible = self.arrows_box.value
            self.figure.data[2].visible = self.descent_box.value
        self.update()

    def _values_with(self, point: Mapping[str, Any], ta: Any, tb: Any) -> dict[str, Any]:
        values = self.values_for(point)
        a, b = self.pair
        if a in values:
            values[a] = ta
        if b in values:
            values[b] = tb
        return values

    def _regrid(self, point: dict[str, float]) -> None:
        a, b = self.pair
        xs, ys, gx, gy = geometry.grid(self.range_of(a), self.range_of(b), GRID)
        values = self._values_with(point, gx, gy)
        z = np.broadcast_to(np.asarray(self.expression.evaluate(**values), dtype=np.float64),
                            gx.shape)
        z = geometry.with_gaps(z)
        self._gap_reason = ""
        if not np.all(np.isfinite(z)):
            reason = describe_undefined(self.expression, values) or "f is undefined"
            self._gap_reason = f"{reason}, so the level curves have gaps"
        lines, labels = level_data(xs, ys, z)
        restyle(self.figure, {0: lines, LABELS: labels})

    def _arrows(self, point: dict[str, float]) -> None:
        a, b = self.pair
        (a_lo, a_hi), (b_lo, b_hi) = self.range_of(a), self.range_of(b)
        _, _, gx, gy = geometry.grid((a_lo, a_hi), (b_lo, b_hi), ARROW_GRID)
        du, dv = gradient_on_grid(self.expression, self._values_with(point, gx, gy), self.pair)
        cell = 0.9 * min(a_hi - a_lo, b_hi - b_lo) / (ARROW_GRID - 1)
        xs, ys = geometry.quiver(gx, gy, du, dv, cell)
        self.figure.layout.shapes[ARROWS].path = contours.svg_path(xs, ys)

    def _gradient_at(self, point: dict[str, float]):
        """p -> [df/da, df/db] at (a, b) = p, the other variables as in `point`."""
        names = self.pair

        def gradient(p: np.ndarray) -> np.ndarray:
            values = self._values_with(point, float(p[0]), float(p[1]))
            grad = self.expression.gradient(**values) if values else {}
            return np.array([float(grad.get(n, 0.0)) for n in names])

        return gradient

    @guarded
    def update(self, point: Mapping[str, float] | None = None) -> None:
        """Redraw from the sliders (or `point`): the gradient arrow from (a0, b0) to
        (a0 + df/da, b0 + df/db), and the descent path if shown."""
        point = self.point(point)
        a, b = self.pair
        others = tuple(v for k, v in sorted(point.items()) if k not in self.pair)
        if others != self._grid_for:
            self._regrid(point)
            self._grid_for = others
        if self.arrows_box.value and others != self._arrows_for:
            self._arrows(point)
            self._arrows_for = others
        a0, b0 = point[a], point[b]
        values = self._values_with(point, a0, b0)
        value = float(self.expression.evaluate(**values))
        gradient = tuple(float(g) for g in self._gradient_at(point)(np.array([a0, b0])))
        if not np.isfinite(value):
            gradient = (float("nan"), float("nan"))
        self.value, self.gradient = value, gradient
        if self.descent_box.value:
            self.path = geometry.descent_path(self._gradient_at(point), [a0, b0],
                                              float(self.rate_slider.value), DESCENT_STEPS)
        shaft = geometry.arrow(a0, b0, *gradient)
        # the axes' ranges and the legend are fixed (the numbers are in the readout): only the
        # arrow, the point and the path are redrawn, not the level curves
        changes = {
            3: {"x": shaft[0], "y": shaft[1]},
            4: {"x": np.array([a0]), "y": np.array([b0])},
        }
        if self.descent_box.value:
            changes[2] = {"x": self.path.points[:, 0], "y": self.path.points[:, 1]}
        move(self.figure, changes)
        length = float(np.hypot(*gradient))
        text = self.expression.text
        shown = self.shown_partials(values, value, gradient)
        self.readout.value = (
            '<div style="font-size:15px;line-height:1.5">'
            f"f({fmt(a0)}, {fmt(b0)}) = {tagged(fmt(value), text, '', values, value)} "
            f"&nbsp;·&nbsp; gradient ∇f = "
            f"[∂f/∂{a}, ∂f/∂{b}] = <b>[{shown[0]}, {shown[1]}]</b>"
            f" &nbsp;·&nbsp; length {fmt(length)} (steepest ascent; it crosses the level "
            "curves at right angles)</div>")
        self._explain(point, value, gradient)

    def _explain(self, point: dict, value: float, gradient: tuple[float, float]) -> None:
        a, b = self.pair
        (a_lo, a_hi), (b_lo, b_hi) = self.range_of(a), self.range_of(b)
        if self.show_undefined(point, value):
            return
        if not all(np.isfinite(gradient)):
            self.message.show(f"the gradient is undefined (or infinite) at {self.where(point)}: "
                              "no arrow here", "warning")
        elif self.descent_box.value and self.path.stopped:
            self.message.show(self.path.stopped, "warning")
        elif self._gap_reason:
            self.message.show(self._gap_reason, "info")
        elif not (a_lo <= point[a] + gradient[0] <= a_hi
                  and b_lo <= point[b] + gradient[1] <= b_hi):
            self.message.show("the gradient arrow is longer than the plot shows", "info")
        elif limit := self.at_limit(point, self.pair):
            self.message.show(limit, "info")
        else:
            self.message.clear()
