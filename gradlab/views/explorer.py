"""Explorer: type a function, get a slider per variable and the views that fit it (a curve for
one variable; a surface and the gradient field for two; a chosen pair for three or more), with
f, the gradient vector, the partials table and the computation graph, all live."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import ipywidgets as widgets
import numpy as np

from ._base import BookExample, as_expression
from ._common import (
    DEFAULT_RANGE,
    Message,
    describe_lab,
    fmt,
    guarded,
    start_value,
    tagged,
    variable_sliders,
)
from .curve import Curve
from .field import GradientField
from .figure import FigureStateOnDisplay
from .surface import Surface

WIDE = widgets.Layout(flex="1 1 440px", min_width="320px")  # side by side, or stacked if narrow


def close_all(widget: widgets.Widget) -> None:
    """Close a widget and everything inside it (frees their comms when a view is replaced)."""
    for child in getattr(widget, "children", ()):
        close_all(child)
    for figure in getattr(widget, "figures", ()):
        figure.close()
    widget.close()


class Explorer(BookExample, FigureStateOnDisplay, widgets.VBox):
    """A lab for any f in gradlab's expression language.

    `.sliders` (name -> FloatSlider), `.value` (f at the point), `.gradient` (name -> partial at
    the point, from the core's backward pass; nan where f is undefined) and `.figures` let
    Python drive and check it:
    Explorer("x^2 * y").sliders["x"].value = 2  ->  .gradient == {"x": 2xy, "y": x^2}.
    """

    __repr__ = describe_lab

    def __init__(self, expression: Any, ranges: Mapping[str, tuple[float, float]] | None = None
                 ) -> None:
        super().__init__()
        # the graph helper's views, loaded with the lab
        from .computation_graph import ComputationGraph
        from .table import PartialsTable

        self._graph_class, self._table_class = ComputationGraph, PartialsTable
        self.ranges = dict(ranges or {})
        self.message = Message()
        self.text_message = Message()
        expression = as_expression(expression)
        self.text_box = widgets.Text(value=expression.text, description="f =",
                                     continuous_update=False,
                                     placeholder="e.g. x^2 * y + log(x)",
                                     layout=widgets.Layout(width="100%", max_width="520px"))
        self.text_box.observe(self._on_text, names="value")
        self.pair_boxes = [widgets.Dropdown(description=label,
                                            layout=widgets.Layout(width="160px"))
                           for label in ("across", "up")]
        self.readout = widgets.HTML()
        self.value = float("nan")
        self.gradient: dict[str, float] = {}
        self.sliders: dict[str, widgets.FloatSlider] = {}
        self.plots: list[widgets.Widget] = []
        self.views: list[widgets.Widget] = []
        at = ", ".join(f"{name} = {fmt(self._start_of(name))}" for name in expression.variables)
        self.book_row([self.text_box], book=ranges is None,
                      tooltip=f"back to f = {expression.text}" + (f" at {at}" if at else ""))
        self._build(expression)

    def _start_of(self, name: str) -> float:
        return start_value(*self.ranges.get(name, DEFAULT_RANGE))

    def restore_start(self) -> None:
        """After the text box: every slider at its start value, the first two variables
        plotted (for three or more), and a redraw."""
        for name, slider in self.sliders.items():
            slider.value = self._start_of(name)
        names = self.expression.variables
        if len(names) >= 3:
            for box, name in zip(self.pair_boxes, names, strict=False):
                box.value = name
        self.update()
        self.graph.restore_start()  # its replay stopped at the end, as it started

    # -- building: once per function (or per chosen pair) ---------------------------------------

    def _build(self, expression: Any) -> None:
        old_values = {name: slider.value for name, slider in self.sliders.items()}
        old_parts = [*self.sliders.values(), *self.views]
        self.expression = expression
        # a variable the old function had keeps its value (on the same range)
        self.sliders = variable_sliders(expression.variables, self.ranges,
                                        {n: v for n, v in old_values.items()
                                         if n in expression.variables})
        for slider in self.sliders.values():
            slider.observe(self._on_slider, names="value")
        self.table = self._table_class(expression, self.sliders)
        self.graph = self._graph_class(expression, self.sliders)
        names = list(expression.variables)
        for box in self.pair_boxes:
            box.unobserve_all("value")
            box.options = names
        if len(names) >= 3:
            self.pair_boxes[0].value, self.pair_boxes[1].value = names[0], names[1]
        for box in self.pair_boxes:
            box.observe(self._on_pair, names="value")
        self._build_plots()
        for part in old_parts:
            close_all(part)
        self.update()

    def _build_plots(self) -> None:
        for plot in self.plots:
            close_all(plot)
        names = self.expression.variables
        shared = {"sliders": self.sliders}
        if len(names) == 1:
            self.plots = [Curve(self.expression, variable=names[0], **shared)]
        elif len(names) >= 2:
            pair = (self.pair_boxes[0].value, self.pair_boxes[1].value) if len(names) > 2 \
                else names
            self.plots = [Surface(self.expression, variables=pair, **shared),
                          GradientField(self.expression, variables=pair, **shared)]
        else:  # a constant: nothing to plot
            self.plots = []
        for plot in self.plots:
            plot.layout = WIDE
        self.views = [*self.plots, self.table, self.graph]
        self.figures = [figure for view in self.views for figure in view.figures]
        self._arrange()

    def _arrange(self) -> None:
        header = widgets.HBox([self.text_box, self.book_button, self.text_message],
                              layout=widgets.Layout(flex_flow="row wrap", align_items="center"))
        rows: list[widgets.Widget] = [header]
        if len(self.expression.variables) >= 3:
            rows.append(widgets.HBox([widgets.HTML("plot against:"), *self.pair_boxes],
                                     layout=widgets.Layout(flex_flow="row wrap")))
        rows += [widgets.VBox(list(self.sliders.values())), self.readout,
                 widgets.HBox(self.plots, layout=widgets.Layout(flex_flow="row wrap")),
                 self.table, self.graph, self.message]
        self.children = rows

    # -- callbacks --------------------------------------------------------------------------------

    @guarded
    def _on_text(self, change: dict) -> None:
        from ..expression import ExpressionError

        text = change["new"].strip()
        try:
            expression = as_expression(text)
        except ExpressionError as error:  # keep the previous function working
            self.text_message.show(f"{error} (still showing f = {self.expression.text})",
                                   "error")
            return
        self.text_message.clear()
        if expression.text != self.expression.text:
            self._build(expression)

    @guarded
    def _on_pair(self, change: dict) -> None:
        across, up = (box.value for box in self.pair_boxes)
        if across == up:
            self.message.show("choose two different variables to plot against", "warning")
            return
        self.message.clear()
        self._build_plots()
        self.update()

    @guarded
    def _on_slider(self, change: dict) -> None:
        self.update()

    @guarded
    def update(self, point: Mapping[str, float] | None = None) -> None:
        """Redraw every view at the sliders' point (or `point`): one update each per change."""
        values = {name: float(slider.value) for name, slider in self.sliders.items()}
        values.update(point or {})
        for view in self.views:
            view.update(values)
        self.value = float(self.expression.evaluate(**values))
        gradient = self.expression.gradient(**values) if values else {}
        defined = bool(np.isfinite(self.value))
        # where f has no value it has no derivative either (log(x) at x = -1: the rule 1/x
        # would still give -1), as the curve and the gradient field show
        self.gradient = {name: float(gradient[name]) if defined else float("nan")
                         for name in self.expression.variables}
        names = self.expression.variables
        at = ", ".join(fmt(values[n]) for n in names)
        formula = self.expression.text  # tags: a browser test recomputes them with the core
        vector = ", ".join(tagged(fmt(self.gradient[n]), formula, n, values, self.gradient[n])
                           if defined else fmt(self.gradient[n]) for n in names)
        partials = ", ".join(f"∂f/∂{n}" for n in names)
        text = f"f({at}) = <b>{tagged(fmt(self.value), formula, '', values, self.value)}</b>"
        if names:
            text += f" &nbsp;·&nbsp; gradient ∇f = [{partials}] = <b>[{vector}]</b>"
        self.readout.value = f'<div style="font-size:16px;line-height:1.6">{text}</div>'
        if not np.isfinite(self.value):
            self.message.show("f is undefined (or infinite) at this point: see the plots' "
                              "messages", "warning")
        else:
            self.message.clear()
