"""Curve: y = f(x) with the point, its tangent (slope = the core's derivative) and a secant
whose step h has its own slider, so the learner watches (f(x+h) - f(x)) / h approach f'(x);
optionally a toggle puts the secant's second point left of x, (f(x) - f(x-h)) / h, to compare
the two one-sided slopes at a kink."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import ipywidgets as widgets
import numpy as np
import plotly.graph_objects as go

from .. import geometry
from ._base import View, as_expression, describe_undefined
from ._common import PALETTE, base_layout, fmt, guarded, rate_slider, tagged
from .figure import Figure

SAMPLES = 200


class Curve(View):
    """f(x) on the slider's range, the point (x, f(x)), the tangent y = f(x) + f'(x)(t - x)
    and, optionally, the secant through (x, f(x)) and (x + h, f(x + h)).

    >>> Curve("x^2")            # at x = 1 the tangent's slope is f'(1) = 2
    >>> Curve("relu(x)", sides=True)   # at x = 0: secant slope 1 from the right, 0 from the left
    With `sides=True` a toggle moves the secant's second point to x - h: its slope is then
    (f(x) - f(x - h)) / h. Other variables of f (if any) are held at their sliders' values.
    The readout gives x, f, f' and the secant's slope to 4 significant digits, h as the slider
    shows it, and the secant's difference from f' to 3.
    """

    def __init__(self, expression: Any, sliders: Mapping[str, widgets.FloatSlider] | None = None,
                 *, variable: str | None = None,
                 ranges: Mapping[str, tuple[float, float]] | None = None,
                 secant: bool = True, h: float = 0.5, sides: bool = False,
                 h_slider: widgets.SelectionSlider | None = None) -> None:
        super().__init__()
        expression = as_expression(expression)
        self.variable = variable or (expression.variables[0] if expression.variables else "x")
        self._setup(expression, sliders, ranges, [self.variable])
        self.secant = secant
        # a given h slider is a composite's: it is read here, and the composite calls update
        self.owns_h = h_slider is None
        self.h_slider = rate_slider("secant step h", h, 1e-3, 2.0) if h_slider is None \
            else h_slider
        if self.owns_h:
            self.h_slider.observe(self._on_h, names="value")
        # the secant's second point: right of x (+1) or, with `sides`, left of it (-1)
        self.side: widgets.ToggleButtons | None = None
        if secant and sides:
            self.side = widgets.ToggleButtons(
                options=[(f"right: {self.variable} + h", 1.0),
                         (f"left: {self.variable} − h", -1.0)],
                value=1.0, description="secant's second point",
                style={"description_width": "initial"})
            self.side.observe(self._on_h, names="value")
        self.readout = widgets.HTML()
        self.figure = self._build_figure()
        self.figures = [self.figure]
        self._sampled_for: tuple | None = None  # the other variables' values the curve is for
        self.slope = self.secant_slope = self.y = float("nan")
        controls = list(self.sliders.values()) if self.owns_sliders else []
        if secant and self.owns_h:
            controls.append(self.h_slider)
        if self.side is not None:
            controls.append(self.side)
        book = self.book_row(controls, book=ranges is None,
                              shown=self.owns_sliders)
        self.children = [self.figure, self.readout, *controls, *book, self.message]
        self.update()

    # -- building (once) ------------------------------------------------------------------------

    def _build_figure(self) -> Figure:
        x = self.variable
        lo, hi = self.range_of(x)
        traces = {
            "function": go.Scatter(name=f"f({x}) = {self.expression.text}", mode="lines",
                line={"color": PALETTE["function"], "width": 3}),
            "tangent": go.Scatter(name="tangent", mode="lines",
                line={"color": PALETTE["tangent"], "width": 3, "dash": "dash"}),
            "secant": go.Scatter(name="secant", mode="lines", visible=self.secant,
                line={"color": PALETTE["secant"], "width": 2, "dash": "dot"}),
            "secant points": go.Scatter(
                name=f"({x}, f({x})) and ({x} + h, f({x} + h))", mode="markers",
                showlegend=False, visible=self.secant,
                marker={"color": PALETTE["secant"], "size": 9, "symbol": "square"}),
            "point": go.Scatter(name="the point", mode="markers", showlegend=False,
                marker={"color": PALETTE["point"], "size": 13, "symbol": "circle",
                        "line": {"color": "white", "width": 1.5}}),
        }
        layout = base_layout(xaxis={"title": {"text": x}, "range": [lo, hi]},
                             yaxis={"title": {"text": f"f({x})"}}, uirevision="keep")
        return Figure(traces, layout)

    # -- updating (per slider change) -----------------------------------------------------------

    @guarded
    def _on_h(self, change: dict) -> None:
        self.update()

    def _f_of(self, point: dict[str, float]):
        """t -> f with the curve's variable set to t and the others as in `point`."""
        values = self.values_for({**point})
        name = self.variable

        def f(t):
            if name in values:
                values[name] = t
            return self.expression.evaluate(**values)

        return f

    def _resample(self, point: dict[str, float]) -> None:
        lo, hi = self.range_of(self.variable)
        xs, ys = geometry.sample(self._f_of(point), lo, hi, SAMPLES)
        finite = ys[np.isfinite(ys)]
        bottom, top = (finite.min(), finite.max()) if finite.size else (-1.0, 1.0)
        pad = 0.1 * (top - bottom) if top > bottom else 1.0
        self._gap_reason = ""
        if not np.all(np.isfinite(ys)):  # explained once per curve, not per slider move
            sample = self.values_for(point)
            if self.variable in sample:
                sample[self.variable] = xs
            reason = describe_undefined(self.expression, sample) or "f is undefined"
            self._gap_reason = f"{reason}, so the curve has a gap"
        with self.figure.batch_update():
            self.figure.trace("function").set(x=xs, y=ys)
            self.figure.layout.yaxis.range = [bottom - pad, top + pad]

    @guarded
    def update(self, point: Mapping[str, float] | None = None) -> None:
        """Redraw from the sliders (or `point`): f(x), f'(x) from the core's backward pass,
        the tangent y = f(x) + f'(x)(t - x) and the secant slope (f(x + h) - f(x)) / h."""
        point = self.point(point)
        name = self.variable
        others = tuple(v for k, v in sorted(point.items()) if k != name)
        if others != self._sampled_for:
            self._resample(point)
            self._sampled_for = others
        x = point[name]
        f = self._f_of(point)
        y = float(f(x))
        values = self.values_for(point)
        slope = float(self.expression.gradient(**values)[name]) if name in values else 0.0
        if not np.isfinite(y):
            slope = float("nan")
        # the secant's signed step: h to the right of x, -h to the left (the toggle)
        h = float(self.h_slider.value) * (float(self.side.value) if self.side else 1.0)
        secant_slope = geometry.secant_slope(f, x, h) if self.secant else float("nan")
        self.y, self.slope, self.secant_slope = y, slope, secant_slope

        lo, hi = self.range_of(name)
        span = hi - lo
        tangent = geometry.tangent_segment(x, y, slope, 0.25 * span)
        left, right = min(x, x + h), max(x, x + h)
        secant = geometry.line_through(x, y, secant_slope, left - 0.15 * span,
                                       right + 0.15 * span)
        changes = {
            "tangent": {"x": tangent[0], "y": tangent[1]},
            "point": {"x": np.array([x]), "y": geometry.with_gaps([y])},
        }
        if self.secant:
            changes["secant"] = {"x": secant[0], "y": secant[1]}
            changes["secant points"] = {"x": np.array([x, x + h]),
                                        "y": geometry.with_gaps([y, float(f(x + h))])}
        # the axes' ranges are fixed and the legend's names too (the slopes are in the
        # readout), so only these traces are redrawn
        self.figure.move(changes)
        self._readout(values, x, y, slope, h, secant_slope)
        self._explain(point, x, y, slope, h, secant_slope)

    def _readout(self, at: dict[str, float], x: float, y: float, slope: float, h: float,
                 secant_slope: float) -> None:
        name = self.variable
        text = self.expression.text
        shown_slope = fmt(slope)
        # tagged: f and f' at the point as the core computes them (where f is undefined the
        # view hides the slope: that "undefined" is the view's, so it carries no tag)
        if name in at and np.isfinite(y):
            shown_slope = tagged(shown_slope, text, name, at, slope)
        parts = [f"{name} = {fmt(x)}", f"f({name}) = {tagged(fmt(y), text, '', at, y)}",
                 f"tangent slope f'({name}) = <b>{shown_slope}</b>"]
        if self.secant:
            gap = secant_slope - slope
            quotient = (f"(f({name}+h) − f({name}))/h" if h > 0
                        else f"(f({name}) − f({name}−h))/h")
            parts.append(f"secant slope {quotient} = <b>{fmt(secant_slope)}</b>"
                         f" for h = {fmt(abs(h), 3)} (differs by {fmt(gap, 3)})")
        self.readout.value = ('<div style="font-size:15px;line-height:1.5">'
                              + " &nbsp;·&nbsp; ".join(parts) + "</div>")

    def _explain(self, point: dict, x: float, y: float, slope: float, h: float,
                 secant_slope: float) -> None:
        name = self.variable
        values = self.values_for(point)
        if not np.isfinite(y):
            reason = describe_undefined(self.expression, values) or "f is undefined"
            self.message.show(f"{reason}, so f has no value at {name} = {fmt(x)} "
                              "(no tangent here)", "warning")
        elif not np.isfinite(slope):
            self.message.show(f"the derivative f'({name}) is undefined (or infinite) at "
                              f"{name} = {fmt(x)}: the tangent is hidden", "warning")
        elif self.secant and not np.isfinite(secant_slope):
            self.message.show(f"f is undefined (or infinite) at {fmt(x + h)}, the secant's "
                              "second point: the secant cannot be drawn", "warning")
        elif self._gap_reason:
            self.message.show(self._gap_reason, "info")
        elif limit := self.at_limit(point, [name]):
            self.message.show(limit, "info")
        else:
            self.message.clear()
