"""The book's single neuron, out = ReLU(x1·w1 + x2·w2 + x3·w3 + b), with a slider per input,
weight and bias, its computation graph and every partial derivative, live (NNFS ch. 9)."""

from __future__ import annotations

import ipywidgets as widgets

from ..engine import Value
from ._common import FigureStateOnDisplay, Message, describe_lab, fmt, guarded, make_slider, tagged
from .graph import ComputationGraph
from .table import PartialsTable

DEFAULTS = {"x1": 1.0, "x2": -2.0, "x3": 3.0, "w1": -3.0, "w2": -1.0, "w3": 2.0, "b": 1.0}
RANGE = (-5.0, 5.0)
# the neuron in gradlab's expression language: its numbers are tagged with these, so a browser
# test can recompute them from the text with the core
FORMULA = "relu(x1*w1 + x2*w2 + x3*w3 + b)"
WEIGHTED_SUM = "x1*w1 + x2*w2 + x3*w3 + b"


def neuron(x1: float, x2: float, x3: float, w1: float, w2: float, w3: float,
           b: float) -> Value:
    """out = ReLU(z), z = x1*w1 + x2*w2 + x3*w3 + b, as a graph whose leaves carry these names.

    d out/d w_i = x_i, d out/d x_i = w_i and d out/d b = 1 where z > 0; all 0 where z <= 0.
    """
    x = [Value(v, label=f"x{i}") for i, v in enumerate((x1, x2, x3), start=1)]
    w = [Value(v, label=f"w{i}") for i, v in enumerate((w1, w2, w3), start=1)]
    z = x[0] * w[0] + x[1] * w[1] + x[2] * w[2] + Value(b, label="b")
    return z.relu()


class NeuronLab(FigureStateOnDisplay, widgets.VBox):
    """Sliders x1 x2 x3 w1 w2 w3 b (the book's defaults x = [1, -2, 3], w = [-3, -1, 2],
    b = 1), the neuron's output and its computation graph with Step / Play / Reset, and a table
    of every partial by backward (with the recorded locals along its path) beside central
    differences. `.value` is the output, `.gradient` maps each name to d out / d name."""

    __repr__ = describe_lab

    def __init__(self, point: dict[str, float] | None = None) -> None:
        start = {**DEFAULTS, **(point or {})}
        self.message = Message()
        self.sliders = {name: make_slider(name, start[name], *RANGE, step=0.1)
                        for name in DEFAULTS}
        self.graph = ComputationGraph(neuron, sliders=self.sliders)
        self.table = PartialsTable(neuron, sliders=self.sliders, formula=FORMULA)
        self.figures = list(self.graph.figures)
        self.output = widgets.HTML()
        rows = [widgets.HBox([self.sliders[n] for n in names],
                             layout=widgets.Layout(flex_flow="row wrap"))
                for names in (("x1", "x2", "x3"), ("w1", "w2", "w3"), ("b",))]
        super().__init__(children=[*rows, self.output, self.message, self.graph, self.table])
        for slider in self.sliders.values():
            slider.observe(self._on_slider, names="value")
        self._show_output()

    @property
    def value(self) -> float:
        return self.graph.value

    @property
    def z(self) -> float:
        """The weighted sum w·x + b, the ReLU's input."""
        return float(self.graph.out.parents[0].data)

    @property
    def gradient(self) -> dict[str, float]:
        gradient = self.graph.gradient
        return {name: gradient[name] for name in DEFAULTS}

    def update(self, point: dict[str, float] | None = None) -> None:
        """Redraw the graph and the table at the sliders' values (or the given point)."""
        self.graph.update(point)
        self.table.update(point)
        self._show_output(point)

    def _show_output(self, point: dict[str, float] | None = None) -> None:
        z, out = self.z, self.value
        at = {name: float(slider.value) for name, slider in self.sliders.items()}
        at.update({name: float(v) for name, v in (point or {}).items()})
        self.output.value = (f"<div style='font-size:16px'>z = w·x + b = "
                             f"{tagged(fmt(z), WEIGHTED_SUM, '', at, z)}, &nbsp; out = ReLU(z) = "
                             f"{tagged(fmt(out), FORMULA, '', at, out)}</div>")
        if z > 0:
            self.message.clear()
        else:
            self.message.show(f"ReLU is off: z = {fmt(z)} <= 0, so its local derivative is 0 and "
                              "every partial of the output is 0 (no gradient flows back).",
                              "info")

    @guarded
    def _on_slider(self, change: dict) -> None:
        self.update()
