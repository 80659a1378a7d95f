"""GradientField: level curves of f(x, y) with the gradient at the point as an arrow (drawn to a
stated scale if asked), optionally the gradient's arrows over the whole plane, the path gradient
descent takes from the point (p <- p - learning rate * gradient) with its own learning-rate
slider, and a slider that moves the point along the level curve through it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import ipywidgets as widgets
import numpy as np
import plotly.graph_objects as go

from .. import contours, geometry
from ..level_path import LevelPath, level_path
from ._base import View, as_expression, describe_undefined
from ._common import (
    PALETTE,
    base_layout,
    fmt,
    guarded,
    make_slider,
    rate_slider,
    tagged,
)
from .figure import Figure
from .levels import gradient_on_grid, level_data, level_traces
from .surface import plotted_pair

GRID = 60  # level curves: computed once per function and range
ARROW_GRID = 13  # arrows over the plane
DESCENT_STEPS = 20
ARROWS = 0  # layout shape index of the arrows over the plane


class GradientField(View):
    """Level curves f(a, b) = c over the sliders' ranges, the gradient [df/da, df/db] drawn
    from the point as the arrow arrow_scale * gradient (unscaled by default: its components are
    the gradient's; the legend states any scale), and the options.

    For the bowl f = x^2 + y^2 at (1, 2): gradient = [2, 4]; with learning rate 0.1 descent's
    first step goes to (1, 2) - 0.1 [2, 4] = (0.8, 1.6).

    `along=True` adds the level curve f = f(point) through the point and a slider that moves
    the point along it (`level_path`: -1..1 of the way, 0 where the point was put with the
    other sliders), so f keeps its value while the gradient turns with the curve.
    """

    def __init__(self, expression: Any, sliders: Mapping[str, widgets.FloatSlider] | None = None,
                 *, variables: Sequence[str] | None = None,
                 ranges: Mapping[str, tuple[float, float]] | None = None,
                 arrows: bool = False, descent: bool = False,
                 learning_rate: float = 0.1, arrow_scale: float = 1.0,
                 along: bool = False) -> None:
        super().__init__()
        expression = as_expression(expression)
        self.pair = plotted_pair(expression, variables)
        if not (np.isfinite(arrow_scale) and arrow_scale > 0):
            raise ValueError(f"arrow_scale must be a positive number, got {arrow_scale!r}")
        self.arrow_scale = float(arrow_scale)
        if along and sliders is not None:
            raise ValueError("along=True moves the point with the view's own sliders: "
                             "leave `sliders` out")
        self._quiet_along = False  # the view resets the along slider: no redraw for it
        self._setup(expression, sliders, ranges, self.pair)
        self.arrows_box = widgets.Checkbox(value=arrows, description="arrows over the plane",
                                           indent=False)
        self.descent_box = widgets.Checkbox(value=descent, description="gradient descent path",
                                            indent=False)
        self.rate_slider = rate_slider("learning rate", learning_rate, 1e-3, 3.0)
        for control in (self.arrows_box, self.descent_box, self.rate_slider):
            control.observe(self._on_option, names="value")
        self.along_slider: widgets.FloatSlider | None = None
        if along:
            self.along_slider = make_slider("along the level curve", 0.0, -1.0, 1.0, step=0.01)
            self.along_slider.observe(self._on_along, names="value")
        self.level_path: LevelPath | None = None
        self._path_for: tuple | None = None  # (the anchor, the other variables) of level_path
        self._slid_to: tuple[float, float] | None = None  # the point, moved along level_path
        self.readout = widgets.HTML()
        self.figure = self._build_figure()
        self.figures = [self.figure]
        self._grid_for: tuple | None = None
        self._arrows_for: tuple | None = None
        self.value = float("nan")
        self.gradient = (float("nan"), float("nan"))
        self.angle = float("nan")  # between the gradient and the level curve (`along`)
        self.position = (float("nan"), float("nan"))  # the point drawn (a, b)
        self.path = geometry.DescentPath(np.empty((0, 2)), "")
        controls = list(self.sliders.values()) if self.owns_sliders else []
        options = widgets.HBox([self.arrows_box, self.descent_box],
                               layout=widgets.Layout(flex_flow="row wrap"))
        extra = [self.along_slider] if self.along_slider is not None else []
        self._show_rate()
        # the slide along the level curve first: back at 0, the sliders' point is shown
        book = self.book_row([*extra, *controls, self.arrows_box, self.descent_box,
                              self.rate_slider], book=ranges is None,
                             shown=self.owns_sliders)
        self.children = [self.figure, self.readout, *controls, *extra, options, self.rate_slider,
                         *book, self.message]
        self.update()

    def _build_figure(self) -> Figure:
        a, b = self.pair
        levels = level_traces(f"level curves of f = {self.expression.text}")
        traces = {
            "levels": levels["levels"],
            # (the arrows over the plane are drawn as the layout's shape ARROWS: one SVG path,
            # where as a line trace each of the ~300 pieces is its own element, redrawn on
            # every move.) The level curve through the point, under the arrow and the point:
            "level through": go.Scatter(
                name="the level curve through the point", mode="lines",
                line={"color": PALETTE["slice_y"], "width": 3}, hoverinfo="skip",
                visible=self.along_slider is not None),
            "descent": go.Scatter(
                name="gradient descent path", mode="lines+markers",
                line={"color": PALETTE["function"], "width": 2, "dash": "dot"},
                marker={"size": 6, "symbol": "circle-open"}, visible=self.descent_box.value),
            "arrow": go.Scatter(
                name=self._arrow_name(), mode="lines+markers",
                line={"color": PALETTE["gradient"], "width": 4},
                marker={"symbol": "arrow", "angleref": "previous", "size": [0, 18],
                        "color": PALETTE["gradient"]}),
            "point": go.Scatter(
                name="the point", mode="markers", showlegend=False,
                marker={"color": PALETTE["point"], "size": 13,
                        "line": {"color": "white", "width": 1.5}}),
            # on top of everything: the level values stay readable over the arrow and path
            "level values": levels["level values"],
        }
        layout = base_layout(
            xaxis={"title": {"text": a}, "range": list(self.range_of(a)), "constrain": "domain"},
            yaxis={"title": {"text": b}, "range": list(self.range_of(b)), "scaleanchor": "x",
                   "scaleratio": 1, "constrain": "domain"},
            # room above the plot for the legend (two rows) under the modebar's row
            height=490, margin={"l": 50, "r": 15, "t": 95, "b": 45}, uirevision="keep",
            shapes=[{"type": "path", "path": "M0,0", "xref": "x", "yref": "y", "layer": "below",
                     "line": {"color": PALETTE["muted"], "width": 1.5},
                     "visible": self.arrows_box.value, "showlegend": True,
                     "name": "gradient over the plane (scaled)"}])
        return Figure(traces, layout)

    def _arrow_name(self) -> str:
        if self.arrow_scale == 1:
            return "gradient ∇f"
        return f"gradient ∇f, drawn {fmt(self.arrow_scale)} × as long"

    def _show_rate(self) -> None:
        """The learning-rate slider only while the descent path is shown."""
        self.rate_slider.layout.display = None if self.descent_box.value else "none"

    @guarded
    def _on_option(self, change: dict) -> None:
        with self.figure.batch_update():
            self.figure.layout.shapes[ARROWS].visible = self.arrows_box.value
            self.figure.trace("descent").set(visible=self.descent_box.value)
        self._show_rate()
        self.update()

    @guarded
    def _on_along(self, change: dict) -> None:
        """Move the point to `along` of the way along the level curve through the point the
        sliders put (the sliders stay: a page's slider would round the point off the curve)."""
        if self._quiet_along or self.level_path is None:
            return
        along = float(change["new"])
        self._slid_to = None if along == 0 else self.level_path.at(along)
        self.update()

    def _reset_along(self) -> None:
        """The sliders put the point somewhere else: the slide starts again from it, at 0."""
        self._slid_to = None
        if self.along_slider is not None and self.along_slider.value != 0:
            self._quiet_along = True
            try:
                self.along_slider.value = 0.0
            finally:
                self._quiet_along = False

    def _follow_level(self, point: dict[str, float], others: tuple) -> None:
        """The level curve through the point the sliders put (recomputed when they move)."""
        a, b = self.pair
        here = (point[a], point[b])
        if self._path_for == (here, others):
            return
        self._reset_along()
        self._path_for = (here, others)
        xs, ys, z = self._grid

        def value(ta: Any, tb: Any) -> Any:
            return self.expression.evaluate(**self._values_with(point, ta, tb))

        def gradient(ta: Any, tb: Any) -> tuple[Any, Any]:
            values = self._values_with(point, ta, tb)
            partials = gradient_on_grid(self.expression, values, self.pair)
            return partials[0], partials[1]

        self.level_path = level_path(xs, ys, z, here, value, gradient)
        line = self.level_path.drawn if self.level_path is not None else ([], [])
        # restyled, not moved: the curve's number of points changes, and after a still frame
        # of another length plotly's page reports the points back as a change it cannot take
        self.figure.trace("level through").restyle(x=np.asarray(line[0], dtype=np.float64),
                                                   y=np.asarray(line[1], dtype=np.float64))
        self.along_slider.disabled = self.level_path is None

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
        self._grid = (xs, ys, z)
        self._gap_reason = ""
        if not np.all(np.isfinite(z)):
            reason = describe_undefined(self.expression, values) or "f is undefined"
            self._gap_reason = f"{reason}, so the level curves have gaps"
        lines, labels = level_data(xs, ys, z)
        self.figure.restyle({"levels": lines, "level values": labels})

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
        point, others = self.regridded(point)
        a, b = self.pair
        if self.along_slider is not None:
            self._follow_level(point, others)
            if self._slid_to is not None:
                point[a], point[b] = self._slid_to
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
        self.position = (a0, b0)
        if self.descent_box.value:
            self.path = geometry.descent_path(self._gradient_at(point), [a0, b0],
                                              float(self.rate_slider.value), DESCENT_STEPS)
        shaft = geometry.arrow(a0, b0, *(self.arrow_scale * g for g in gradient))
        # the axes' ranges and the legend are fixed (the numbers are in the readout): only the
        # arrow, the point and the path are redrawn, not the level curves
        changes = {
            "arrow": {"x": shaft[0], "y": shaft[1]},
            "point": {"x": np.array([a0]), "y": np.array([b0])},
        }
        if self.descent_box.value:
            changes["descent"] = {"x": self.path.points[:, 0], "y": self.path.points[:, 1]}
        self.figure.move(changes)
        length = float(np.hypot(*gradient))
        text = self.expression.text
        shown = self.shown_partials(values, value, gradient)
        drawn = "" if self.arrow_scale == 1 else f", drawn {fmt(self.arrow_scale)} × as long"
        self.angle = self._angle_to_level(gradient)
        meets = (f"it meets the level curve at {fmt(self.angle, 3)}°"
                 if np.isfinite(self.angle) else "it crosses the level curves at right angles")
        if length == 0:
            meets = "∇f = 0: no direction of ascent here"
        self.readout.value = (
            '<div style="font-size:15px;line-height:1.5">'
            f"f({fmt(a0)}, {fmt(b0)}) = {tagged(fmt(value), text, '', values, value)} "
            f"&nbsp;·&nbsp; gradient ∇f = "
            f"[∂f/∂{a}, ∂f/∂{b}] = <b>[{shown[0]}, {shown[1]}]</b>"
            f" &nbsp;·&nbsp; length {fmt(length)}{drawn} (the rate of steepest ascent; "
            f"{meets})</div>")
        self._explain(point, value, gradient)

    def _angle_to_level(self, gradient: tuple[float, float]) -> float:
        """The angle in degrees between the gradient and the level curve's tangent at the
        point (the tangent from `level_path`, not from the gradient); nan without a curve."""
        if self.along_slider is None or self.level_path is None:
            return float("nan")
        tx, ty = self.level_path.tangent(float(self.along_slider.value))
        length = float(np.hypot(*gradient))
        if not (np.isfinite(tx) and length > 0):
            return float("nan")
        cosine = (tx * gradient[0] + ty * gradient[1]) / length
        return float(np.degrees(np.arccos(np.clip(cosine, -1.0, 1.0))))

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
        elif self.descent_box.value and self._steps_grow():
            self.message.show("the descent path runs off the plot with ever longer steps: "
                              "it diverges (try a smaller learning rate)", "warning")
        elif not (a_lo <= point[a] + self.arrow_scale * gradient[0] <= a_hi
                  and b_lo <= point[b] + self.arrow_scale * gradient[1] <= b_hi):
            self.message.show("the gradient arrow is longer than the plot shows", "info")
        elif self.along_slider is not None and self.level_path is None:
            why = ("∇f = 0 there: the level set is not a curve through it" if gradient == (0, 0)
                   else "no level curve through it on the plot")
            self.message.show(f"nothing to slide along at {self.where(point)}: {why}", "info")
        elif limit := self.at_limit(point, self.pair):
            self.message.show(limit, "info")
        else:
            self.message.clear()

    def _steps_grow(self) -> bool:
        """The descent path leaves the plot and its last steps keep getting longer."""
        points = self.path.points
        if len(points) < 5:
            return False
        (a_lo, a_hi), (b_lo, b_hi) = self.range_of(self.pair[0]), self.range_of(self.pair[1])
        outside = ((points[:, 0] < a_lo) | (points[:, 0] > a_hi) | (points[:, 1] < b_lo)
                   | (points[:, 1] > b_hi)).any()
        steps = np.hypot(*np.diff(points, axis=0).T)
        return bool(outside and (np.diff(steps[-4:]) > 0).all())
