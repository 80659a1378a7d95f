"""The book's single neuron, out = ReLU(x1·w1 + x2·w2 + x3·w3 + b), with a slider per input,
weight and bias, its computation graph and every partial derivative, live; and the update the
partials are for: the gradient dvalue arriving from the next layer, then one step
w -= lr·dw, b -= lr·db (NNFS ch. 9)."""

from __future__ import annotations

import ipywidgets as widgets

from ..engine import Value
from ..nn import NeuronStep, neuron_step
from ._base import BookExample
from ._common import (
    Message,
    describe_lab,
    fmt,
    guarded,
    make_slider,
    rate_slider,
    tagged,
)
from .computation_graph import ComputationGraph
from .figure import FigureStateOnDisplay
from .table import PartialsTable

DEFAULTS = {"x1": 1.0, "x2": -2.0, "x3": 3.0, "w1": -3.0, "w2": -1.0, "w3": 2.0, "b": 1.0}
# b reaches -10, so z = w·x + b (5 + b at the book's x and w) can go below 0 and turn ReLU off
RANGES = {**dict.fromkeys(("x1", "x2", "x3", "w1", "w2", "w3"), (-5.0, 5.0)), "b": (-10.0, 10.0)}
DVALUE = 1.0  # the book's gradient from the next layer, dL/d out
DVALUE_RANGE = (-2.0, 2.0)
LR = 0.001  # the book's learning rate
LR_RANGE = (0.0001, 0.5)
WEIGHTS = ("w1", "w2", "w3")
# the neuron in gradlab's expression language: its numbers are tagged with these, so a browser
# test can recompute them from the text with the core
FORMULA = "relu(x1*w1 + x2*w2 + x3*w3 + b)"
WEIGHTED_SUM = "x1*w1 + x2*w2 + x3*w3 + b"
# L's dependence on the parameters as far as this neuron knows it: dL/d out = dvalue, so the
# gradient the update uses is the partial of dvalue·out (dvalue held fixed)
UPSTREAM_FORMULA = "dvalue*relu(x1*w1 + x2*w2 + x3*w3 + b)"


def neuron(x1: float, x2: float, x3: float, w1: float, w2: float, w3: float,
           b: float) -> Value:
    """out = ReLU(z), z = x1*w1 + x2*w2 + x3*w3 + b, as a graph whose leaves carry these names.

    d out/d w_i = x_i, d out/d x_i = w_i and d out/d b = 1 where z > 0; all 0 where z <= 0.
    """
    x = [Value(v, label=f"x{i}") for i, v in enumerate((x1, x2, x3), start=1)]
    w = [Value(v, label=f"w{i}") for i, v in enumerate((w1, w2, w3), start=1)]
    z = x[0] * w[0] + x[1] * w[1] + x[2] * w[2] + Value(b, label="b")
    return z.relu()


class NeuronLab(BookExample, FigureStateOnDisplay, widgets.VBox):
    """Sliders x1 x2 x3 w1 w2 w3 b (the book's defaults x = [1, -2, 3], w = [-3, -1, 2],
    b = 1), the neuron's output and its computation graph with Step / Play / Reset, and a table
    of every partial by backward (with the recorded locals along its path) beside central
    differences. `.value` is the output, `.gradient` maps each name to d out / d name.

    Below them, the update: the gradient dvalue = dL/d out from the next layer (slider, the
    book's 1), dL/dw = dvalue · d out/dw and dL/db by the core (`gradlab.nn.neuron_step`), and
    a button that takes one step w -= lr·dw, b -= lr·db (learning rate lr, the book's 0.001)
    and moves the sliders there. `.last_step` is that step's `NeuronStep` (None before one)."""

    __repr__ = describe_lab

    def __init__(self, point: dict[str, float] | None = None) -> None:
        start = {**DEFAULTS, **(point or {})}
        self.message = Message()
        self.sliders = {name: make_slider(name, start[name], *RANGES[name], step=0.1)
                        for name in DEFAULTS}
        for slider in self.sliders.values():
            slider.readout_format = ".5"  # d3 g without trailing zeros: -3.001 after a step, 3
        self.graph = ComputationGraph(neuron, sliders=self.sliders)
        self.table = PartialsTable(neuron, sliders=self.sliders, formula=FORMULA)
        self.figures = list(self.graph.figures)
        self.output = widgets.HTML()
        self.dvalue = make_slider("dvalue", DVALUE, *DVALUE_RANGE, step=0.1)
        self.dvalue.readout_format = ".3"
        self.rate = rate_slider("learning rate lr", LR, *LR_RANGE)
        self.update_button = widgets.Button(
            description="one step: w −= lr·dw, b −= lr·db", button_style="primary",
            tooltip="move every weight and the bias against its gradient",
            layout=widgets.Layout(width="auto"))
        book = start == DEFAULTS
        self.book_row([*self.sliders.values(), self.dvalue, self.rate], book=book,
                      tooltip="back to x = [1, −2, 3], w = [−3, −1, 2], b = 1, dvalue = 1, "
                              "lr = 0.001" if book else "")
        self.step_readout = widgets.HTML()
        self.last_step: NeuronStep | None = None
        self._holding = False  # True while the lab moves several sliders itself
        rows = [widgets.HBox([self.sliders[n] for n in names],
                             layout=widgets.Layout(flex_flow="row wrap"))
                for names in (("x1", "x2", "x3"), ("w1", "w2", "w3"), ("b",))]
        heading = widgets.HTML("<div style='font-size:16px;margin-top:8px'><b>The update.</b> "
                               "The next layer sends back dvalue = ∂L/∂out; one step moves "
                               "every weight and the bias against its gradient.</div>")
        update_rows = [heading,
                       widgets.HBox([self.dvalue, self.rate],
                                    layout=widgets.Layout(flex_flow="row wrap")),
                       widgets.HBox([self.update_button, self.book_button],
                                    layout=widgets.Layout(flex_flow="row wrap")),
                       self.step_readout]
        super().__init__(children=[*rows, self.output, self.message, self.graph, self.table,
                                   *update_rows])
        for slider in (*self.sliders.values(), self.dvalue):
            slider.observe(self._on_slider, names="value")
        self.rate.observe(self._on_rate, names="value")
        self.update_button.on_click(self._on_update_step)
        self._show_output()
        self._show_update()

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

    @property
    def point(self) -> dict[str, float]:
        """The sliders' values: x1, x2, x3, w1, w2, w3, b."""
        return {name: float(slider.value) for name, slider in self.sliders.items()}

    def update(self, point: dict[str, float] | None = None) -> None:
        """Redraw the graph and the table at the sliders' values (or the given point)."""
        self.graph.update(point)
        self.table.update(point)
        self._show_output(point)
        self._show_update(point)

    def step(self) -> NeuronStep:
        """One update w -= lr·dw, b -= lr·db at the sliders' point, with the gradient dvalue
        from the next layer (both computed by `gradlab.nn.neuron_step`); the weight and bias
        sliders move to the new values (a slider's end stops a value beyond it, and says so)."""
        at = self.point
        result = neuron_step([at["x1"], at["x2"], at["x3"]], [at[n] for n in WEIGHTS], at["b"],
                             dvalue=float(self.dvalue.value), lr=float(self.rate.value))
        targets = {**dict(zip(WEIGHTS, result.new_weights.tolist(), strict=True)),
                   "b": result.new_bias}
        self._holding = True
        try:
            for name, value in targets.items():
                self.sliders[name].value = value
        finally:
            self._holding = False
        self.last_step = result
        self.update()
        stopped = [name for name, value in targets.items()
                   if float(self.sliders[name].value) != value]
        if stopped:
            self.message.show(f"{', '.join(stopped)} reached the end of its slider: the step "
                              "stopped there", "warning")
        return result

    def book_example(self) -> None:
        """Back to the numbers the lab started with (the book's neuron: x = [1, -2, 3],
        w = [-3, -1, 2], b = 1, dvalue = 1, lr = 0.001, unless others were given), one redraw."""
        self._holding = True
        try:
            super().book_example()
        finally:
            self._holding = False

    def restore_start(self) -> None:
        """No step taken yet, everything redrawn, the graph's replay at its end."""
        self.last_step = None
        self.update()
        self.graph.restore_start()  # its replay stopped at the end, as it started

    def _show_output(self, point: dict[str, float] | None = None) -> None:
        z, out = self.z, self.value
        at = self.point
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

    def _show_update(self, point: dict[str, float] | None = None) -> None:
        """The gradient the update uses, dL/dw = dvalue · d out/dw, by the core; and the last
        step's before and after."""
        at = self.point
        at.update({name: float(v) for name, v in (point or {}).items()})
        dvalue = float(self.dvalue.value)
        now = neuron_step([at["x1"], at["x2"], at["x3"]], [at[n] for n in WEIGHTS], at["b"],
                          dvalue=dvalue, lr=float(self.rate.value))
        where = {**at, "dvalue": dvalue}

        def shown(number: float, of: str) -> str:
            return tagged(fmt(number), UPSTREAM_FORMULA, of, where, number)

        dw = ", ".join(shown(v, name) for name, v in zip(WEIGHTS, now.dweights, strict=True))
        lines = [f"gradient from the next layer: dvalue = ∂L/∂out = {fmt(dvalue)}; "
                 f"ReLU′(z) = {fmt(now.drelu)}",
                 f"dw = dvalue · ReLU′(z) · x = [{dw}], &nbsp; "
                 f"db = dvalue · ReLU′(z) = {shown(now.dbias, 'b')}"]
        step = self.last_step
        if step is not None:
            weights = ", ".join(fmt(v, 6) for v in step.new_weights)
            lines.append(f"last step (lr = {fmt(step.lr)}): w = [{weights}], "
                         f"b = {fmt(step.new_bias, 6)}; &nbsp; out {fmt(step.output, 6)} → "
                         f"<b>{fmt(step.new_output, 6)}</b>")
        self.step_readout.value = ("<div style='font-size:15px;line-height:1.6'>"
                                   + "<br>".join(lines) + "</div>")

    @guarded
    def _on_slider(self, change: dict) -> None:
        if self._holding:
            return
        self.last_step = None  # the point moved by hand: that step is history
        self.update()

    @guarded
    def _on_rate(self, change: dict) -> None:
        if not self._holding:
            self._show_update()

    @guarded
    def _on_update_step(self, button: widgets.Button) -> None:
        self.step()
