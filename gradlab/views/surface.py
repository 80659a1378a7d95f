"""Surface: z = f(x, y) in 3-D with the point, the two slices through it (y held fixed, then x
held fixed) and their tangents, whose slopes are the core's df/dx and df/dy; optionally the
tangent plane z = f + df/dx (x - x0) + df/dy (y - y0), and the secant of the first slice
through (x0, y0) and (x0 + h, y0), whose slope (f(x0 + h, y0) - f(x0, y0)) / h tends to df/dx
as h -> 0 (the definition of the partial derivative)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import ipywidgets as widgets
import numpy as np
import plotly.graph_objects as go

from .. import geometry
from ._base import View, as_expression, describe_undefined
from ._common import PALETTE, base_layout, fmt, guarded, rate_slider, tagged
from .curve import Curve
from .figure import Figure

GRID = 40  # the surface's grid is GRID x GRID, recomputed only when f or its range changes
SLICE_SAMPLES = 80
SLICE_WIDTH = 460  # pixels: the flat slice beside the surface
SECANT = PALETTE["gradient"]  # the secant's colour here: the palette's is the y-slice's


def plotted_pair(expression: Any, variables: Sequence[str] | None) -> tuple[str, str]:
    """The two variables on the horizontal axes: the given pair, or f's first two (padded
    with unused names for a function of fewer variables)."""
    if variables is not None:
        first, second = variables
        if first == second:
            raise ValueError(f"choose two different variables, got {first!r} twice")
        return first, second
    names = list(dict.fromkeys([*expression.variables, "x", "y", "u", "v"]))
    return names[0], names[1]


class Surface(View):
    """z = f(a, b) over the sliders' ranges of the plotted pair (a, b); other variables are
    held at their sliders' values. For f = x^2 y at (1, 2): df/dx = 2xy = 4, df/dy = x^2 = 1.

    With `secant=True` the slice along a also carries the secant through (a0, b0) and
    (a0 + h, b0), b held at b0, and an h slider; beside the surface, `.slice` (a Curve) draws
    that slice flat, t -> f(t, b0), with its tangent and the same secant. The readout puts the
    secant's slope, the difference quotient (f(a0 + h, b0) - f(a0, b0)) / h (f by the core),
    beside the core's df/da. For f = x^2 y the quotient is (2x + h) y: it differs from
    df/dx = 2xy by h y. The readout shows f and the partials to 4 significant digits, the
    secant's difference from df/da to 3; the slices' legends name the held values to 3. Each
    tangent is drawn 0.2 of the shorter slider range either side of the point, the secant's line
    0.1 of a's range past each of its two points.
    """

    def __init__(self, expression: Any, sliders: Mapping[str, widgets.FloatSlider] | None = None,
                 *, variables: Sequence[str] | None = None,
                 ranges: Mapping[str, tuple[float, float]] | None = None,
                 plane: bool = False, secant: bool = False, h: float = 0.5) -> None:
        super().__init__()
        expression = as_expression(expression)
        self.pair = plotted_pair(expression, variables)
        self._setup(expression, sliders, ranges, self.pair)
        self.plane_box = widgets.Checkbox(value=plane, description="tangent plane",
                                          indent=False)
        self.plane_box.observe(self._on_plane, names="value")
        self.secant = secant
        self.h_slider: widgets.SelectionSlider | None = None
        if secant:
            self.h_slider = rate_slider("secant step h", h, 1e-3, 2.0)
            self.h_slider.observe(self._on_h, names="value")
        self.readout = widgets.HTML()
        self.figure = self._build_figure()
        self.figures = [self.figure]
        self.slice: Curve | None = None
        plots: list[widgets.Widget] = [self.figure]
        if secant:  # the slice along a, flat: it reads the same sliders and the same h
            self.slice = Curve(self.expression, self.sliders, variable=self.pair[0],
                               h_slider=self.h_slider)
            # a fixed width: autosized beside the 3-D plot, it took the whole row's width
            self.slice.figure.layout.update(height=self.figure.layout.height, width=SLICE_WIDTH,
                                            autosize=False)
            self.slice.figure.layout.yaxis.title.text = f"f({', '.join(self.pair)})"
            # the palette's secant green is the 3-D y-slice's: both plots use SECANT
            self.slice.figure.trace("secant").set(line_color=SECANT)
            self.slice.figure.trace("secant points").set(marker_color=SECANT)
            self.figures.append(self.slice.figure)
            # side by side, or stacked when the page is narrow
            plots = [widgets.VBox([self.figure], layout=widgets.Layout(flex="1 1 440px",
                                                                      min_width="320px")),
                     widgets.VBox([self.slice.figure], layout=widgets.Layout(flex="0 0 auto"))]
        self._grid_for: tuple | None = None
        self.value = float("nan")
        self.partials = (float("nan"), float("nan"))
        self.secant_slope = float("nan")
        controls = list(self.sliders.values()) if self.owns_sliders else []
        if secant:
            controls.append(self.h_slider)
        figures = (widgets.HBox(plots, layout=widgets.Layout(flex_flow="row wrap"))
                   if len(plots) > 1 else self.figure)
        book = self.book_row([*controls, self.plane_box], book=ranges is None,
                              shown=self.owns_sliders)
        self.children = [figures, self.readout, *controls, self.plane_box, *book, self.message]
        self.update()

    def _build_figure(self) -> Figure:
        a, b = self.pair
        tangent_line = {"color": PALETTE["tangent"], "width": 7}
        traces = {
            "surface": go.Surface(name=f"f({a}, {b}) = {self.expression.text}",
                                  colorscale="Viridis", opacity=0.8, showscale=False,
                                  showlegend=True),
            "slice a": go.Scatter3d(name=f"slice along {a}", mode="lines",
                                    line={"color": PALETTE["slice_x"], "width": 6}),
            "slice b": go.Scatter3d(name=f"slice along {b}", mode="lines",
                                    line={"color": PALETTE["slice_y"], "width": 6,
                                          "dash": "dash"}),
            "tangent a": go.Scatter3d(name=f"tangent along {a}", mode="lines",
                                      line=tangent_line),
            "tangent b": go.Scatter3d(name=f"tangent along {b}", mode="lines",
                                      line={**tangent_line, "dash": "dash"}),
            "point": go.Scatter3d(name="the point", mode="markers", showlegend=False,
                                  marker={"color": PALETTE["point"], "size": 6,
                                          "symbol": "diamond"}),
            "plane": go.Surface(name="tangent plane", opacity=0.45, showscale=False,
                                showlegend=True, visible=self.plane_box.value,
                                colorscale=[[0, PALETTE["tangent"]], [1, PALETTE["tangent"]]]),
        }
        if self.secant:  # the secant of the slice along a, and its two points
            traces["secant"] = go.Scatter3d(name=f"secant along {a} ({b} held)", mode="lines",
                                            line={"color": SECANT, "width": 6, "dash": "dot"})
            traces["secant points"] = go.Scatter3d(
                name=f"({a}, {b}) and ({a} + h, {b})", mode="markers", showlegend=False,
                marker={"color": SECANT, "size": 5, "symbol": "square"})
        scene = {"xaxis": {"title": {"text": a}, "range": list(self.range_of(a))},
                 "yaxis": {"title": {"text": b}, "range": list(self.range_of(b))},
                 "zaxis": {"title": {"text": f"f({a}, {b})"}},
                 "aspectmode": "cube", "camera": {"eye": {"x": 1.2, "y": -1.3, "z": 0.75}}}
        layout = base_layout(scene=scene, height=460, uirevision="keep",
                             margin={"l": 0, "r": 0, "t": 40, "b": 10})
        return Figure(traces, layout)

    @guarded
    def _on_plane(self, change: dict) -> None:
        with self.figure.batch_update():
            self.figure.trace("plane").set(visible=bool(change["new"]))
        self.update()

    @guarded
    def _on_h(self, change: dict) -> None:
        self.update()

    def _f_of(self, point: dict[str, Any]):
        """(a, b) -> f, with the other variables as in `point` (arrays broadcast)."""
        a, b = self.pair

        def f(ta, tb):
            values = self.values_for(point)
            if a in values:
                values[a] = ta
            if b in values:
                values[b] = tb
            result = self.expression.evaluate(**values)
            return np.broadcast_to(np.asarray(result, dtype=np.float64),
                                   np.broadcast(ta, tb).shape)

        return f

    def _regrid(self, point: dict[str, float]) -> None:
        a, b = self.pair
        xs, ys, gx, gy = geometry.grid(self.range_of(a), self.range_of(b), GRID)
        z = geometry.with_gaps(self._f_of(point)(gx, gy))
        finite = z[np.isfinite(z)]
        bottom, top = (finite.min(), finite.max()) if finite.size else (-1.0, 1.0)
        pad = 0.1 * (top - bottom) if top > bottom else 1.0
        self._gap_reason = ""
        if finite.size < z.size:
            values = {**self.values_for(point)}
            values.update({k: v for k, v in ((a, gx), (b, gy)) if k in values})
            reason = describe_undefined(self.expression, values) or "f is undefined"
            self._gap_reason = f"{reason}, so the surface has holes"
        with self.figure.batch_update():
            self.figure.trace("surface").set(x=xs, y=ys, z=z)
            self.figure.layout.scene.zaxis.range = [bottom - pad, top + pad]

    @guarded
    def update(self, point: Mapping[str, float] | None = None) -> None:
        """Redraw from the sliders (or `point`): the point (a0, b0, f), the slices
        t -> f(t, b0) and t -> f(a0, t), and their tangents with slopes df/da, df/db."""
        point, others = self.regridded(point)
        a, b = self.pair
        a0, b0 = point[a], point[b]
        f = self._f_of(point)
        z0 = float(f(a0, b0))
        values = self.values_for(point)
        gradient = self.expression.gradient(**values) if values else {}
        partials = tuple(float(gradient.get(name, 0.0)) for name in self.pair)
        if not np.isfinite(z0):
            partials = (float("nan"), float("nan"))
        self.value, self.partials = z0, partials

        (a_lo, a_hi), (b_lo, b_hi) = self.range_of(a), self.range_of(b)
        ta = np.linspace(a_lo, a_hi, SLICE_SAMPLES)
        tb = np.linspace(b_lo, b_hi, SLICE_SAMPLES)
        half = 0.2 * min(a_hi - a_lo, b_hi - b_lo)
        tangent_a = geometry.slice_tangent(a0, b0, z0, partials[0], "x", half)
        tangent_b = geometry.slice_tangent(a0, b0, z0, partials[1], "y", half)
        changes = {
            "slice a": {"x": ta, "y": np.full(SLICE_SAMPLES, b0),
                        "z": geometry.with_gaps(f(ta, b0)),
                        "name": f"slice {b} = {fmt(b0, 3)} (along {a})"},
            "slice b": {"x": np.full(SLICE_SAMPLES, a0), "y": tb,
                        "z": geometry.with_gaps(f(a0, tb)),
                        "name": f"slice {a} = {fmt(a0, 3)} (along {b})"},
            "tangent a": {"x": tangent_a[0], "y": tangent_a[1], "z": tangent_a[2],
                          "name": f"tangent, slope ∂f/∂{a} = {fmt(partials[0])}"},
            "tangent b": {"x": tangent_b[0], "y": tangent_b[1], "z": tangent_b[2],
                          "name": f"tangent, slope ∂f/∂{b} = {fmt(partials[1])}"},
            "point": {"x": np.array([a0]), "y": np.array([b0]), "z": geometry.with_gaps([z0])},
        }
        if self.plane_box.value:
            plane = geometry.tangent_plane(a0, b0, z0, partials[0], partials[1], half)
            changes["plane"] = {"x": plane[0], "y": plane[1], "z": plane[2]}
        if self.secant:
            changes.update(self._secant(f, a0, b0, z0, a_hi - a_lo))
        self.figure.restyle(changes)
        if self.slice is not None:
            self._update_slice(point, b0)
        text = self.expression.text
        shown = self.shown_partials(values, z0, partials)
        secant = self._secant_readout(a0, b0, partials[0]) if self.secant else ""
        self.readout.value = (
            '<div style="font-size:15px;line-height:1.5">'
            f"f({fmt(a0)}, {fmt(b0)}) = {tagged(fmt(z0), text, '', values, z0)} &nbsp;·&nbsp; "
            f"∂f/∂{a} = <b>{shown[0]}</b> (slope along {a}) &nbsp;·&nbsp; "
            f"∂f/∂{b} = <b>{shown[1]}</b> (slope along {b}){secant}</div>")
        self._explain(point, z0, partials)
        if self.slice is not None and self.slice.message.kind == "error":  # its own line is
            self.message.show(self.slice.message.text, "error")  # not shown: say it here

    def _secant(self, f, a0: float, b0: float, z0: float, span: float) -> dict[str, dict]:
        """The traces "secant" and "secant points": the secant of the slice b = b0 through a0
        and a0 + h, its slope the difference quotient (f(a0 + h, b0) - f(a0, b0)) / h of the
        core's values of f."""
        h = float(self.h_slider.value)
        self.secant_slope = geometry.secant_slope(lambda t: float(f(t, b0)), a0, h)
        ends = geometry.line_through(a0, z0, self.secant_slope, a0 - 0.1 * span,
                                     a0 + h + 0.1 * span)
        return {
            "secant": {"x": ends[0], "y": np.full(2, b0), "z": ends[1]},
            "secant points": {"x": np.array([a0, a0 + h]), "y": np.full(2, b0),
                "z": geometry.with_gaps([z0, float(f(a0 + h, b0))])},
        }

    def _update_slice(self, point: dict[str, float], b0: float) -> None:
        """The flat slice t -> f(t, b0), redrawn by its Curve; its legend names the held b0."""
        a, b = self.pair
        name = f"slice {b} = {fmt(b0, 3)}: f({a}, {fmt(b0, 3)})"
        curve = self.slice.figure.trace("function")
        if curve.data.name != name:
            curve.set(name=name)
        self.slice.update(point)

    def _secant_readout(self, a0: float, b0: float, partial: float) -> str:
        """The difference quotient of the slice along a beside the core's partial."""
        a, b = self.pair
        h = float(self.h_slider.value)
        return (f"<br>secant of the slice {b} = {fmt(b0)}: "
                f"(f({a} + h, {b}) − f({a}, {b}))/h = <b>{fmt(self.secant_slope)}</b> "
                f"for h = {fmt(h, 3)}; ∂f/∂{a} = {fmt(partial)} (backward); "
                f"they differ by {fmt(self.secant_slope - partial, 3)}")

    def _explain(self, point: dict, z0: float, partials: tuple[float, float]) -> None:
        if self.show_undefined(point, z0):
            return
        if not all(np.isfinite(partials)):
            self.message.show(f"a partial derivative is undefined (or infinite) at "
                              f"{self.where(point)}: "
                              "its tangent is hidden", "warning")
        elif self._gap_reason:
            self.message.show(self._gap_reason, "info")
        elif limit := self.at_limit(point, self.pair):
            self.message.show(limit, "info")
        else:
            self.message.clear()
