"""LossLab: the book's whole model (dense -> ReLU -> dense -> softmax -> cross-entropy) on a
small batch; move one weight or bias and watch the loss curve along it, its tangent (slope = the
core's d loss / d entry from backward, beside central differences) and d loss / d logits beside
the book's shortcut (softmax - one-hot) / N."""

from __future__ import annotations

import html
from collections.abc import Mapping

import ipywidgets as widgets
import numpy as np
import plotly.graph_objects as go

from .. import geometry
from ..model import BackwardPass, BookModel, small_batch
from ._common import (
    PALETTE,
    FigureStateOnDisplay,
    Message,
    base_layout,
    describe_lab,
    fmt,
    guarded,
    make_slider,
    move,
    tagged,
)

SAMPLES = 60  # points of the loss curve, each one core forward pass
RANGE = (-3.0, 3.0)  # every entry's slider range (widened if an entry already lies outside)
TABLE_ROWS = 6  # rows of the batch shown in the logits-gradient table
H = 1e-5  # the central differences' step
AGREE = 1e-6  # |backward - central difference| / max(1, |backward|) above this: a kink is near
CELL = "padding:2px 8px;border-bottom:1px solid #ddd;text-align:right"
HEAD = "padding:2px 8px;border-bottom:2px solid #222;text-align:right"


class LossLab(FigureStateOnDisplay, widgets.VBox):
    """One entry of the model's weights or biases on a slider (a dropdown picks which):
    the loss L as a function of that entry with the rest held, the point, and the tangent
    y = L + dL/dw (t - w) with dL/dw from the core's backward pass; readouts of L, dL/dw and
    (L(w + h) - L(w - h)) / 2h; a table of dL/dz2 (core) beside (softmax - onehot) / N.

    The slider writes into the model's parameters, so entries moved earlier stay moved when
    another is chosen (Reset puts the starting weights back). `.value` is L, `.gradient` maps
    the chosen entry to dL/d(entry); `.sliders` maps its name to the slider.
    """

    __repr__ = describe_lab

    def __init__(self, model: BookModel | None = None,
                 batch: tuple[np.ndarray, np.ndarray] | None = None,
                 parameter: str = "W2[0,0]") -> None:
        # how a test process can rebuild this model and batch (BookModel(), small_batch()) to
        # recompute the numbers shown; None for a model or batch given from outside
        self._check = ({"kind": "model", "model": {}, "batch": {}}
                      if model is None and batch is None else None)
        self.model = model if model is not None else BookModel()
        if not isinstance(self.model, BookModel):
            raise TypeError(f"model must be a gradlab.model.BookModel, got "
                            f"{type(self.model).__name__}")
        X, y = batch if batch is not None else small_batch()
        self.X, self.y = np.asarray(X, dtype=np.float64), np.asarray(y)
        self.model.loss(self.X, self.y)  # a batch that does not fit the model fails here, clearly
        self.start = {name: p.data.copy() for name, p in self.model.params.items()}
        self.message = Message()
        notice = ""
        try:
            self.model.locate(parameter)
        except ValueError as error:
            notice, parameter = f"{error}; showing W2[0,0] instead", "W2[0,0]"
        self.parameter = parameter
        self.choice = widgets.Dropdown(options=self.model.entries(), value=parameter,
                                       description="entry", layout=widgets.Layout(width="190px"))
        self.slider = make_slider(parameter, self.model.value_of(parameter), *RANGE, step=0.01)
        self.reset_button = widgets.Button(description="Reset weights", icon="undo")
        self.readout = widgets.HTML()
        self.table = widgets.HTML()
        self.figure = self._build_figure()
        self.figures = [self.figure]
        self._curve_for: tuple | None = None  # (entry, the other parameters) the curve is for
        self._syncing = False  # True while the lab itself moves the slider
        self.value = self.numerical = float("nan")
        self.gradient: dict[str, float] = {}
        self.result: BackwardPass | None = None
        controls = widgets.HBox([self.choice, self.reset_button],
                                layout=widgets.Layout(flex_flow="row wrap"))
        super().__init__(children=[self.figure, self.readout, controls, self.slider,
                                   self.message, self.table])
        self.slider.observe(self._on_slider, names="value")
        self.choice.observe(self._on_choice, names="value")
        self.reset_button.on_click(self._on_reset)
        self.update()
        if notice:
            self.message.show(notice, "error")

    @property
    def sliders(self) -> dict[str, widgets.FloatSlider]:
        return {self.parameter: self.slider}

    # -- building (once) ------------------------------------------------------------------------

    def _build_figure(self) -> go.FigureWidget:
        traces = [
            go.Scatter(name="loss L", mode="lines",
                       line={"color": PALETTE["function"], "width": 3}),
            go.Scatter(name="tangent", mode="lines",
                       line={"color": PALETTE["tangent"], "width": 3, "dash": "dash"}),
            go.Scatter(name="the point", mode="markers", showlegend=False,
                       marker={"color": PALETTE["point"], "size": 13, "symbol": "circle",
                               "line": {"color": "white", "width": 1.5}}),
        ]
        layout = base_layout(xaxis={"title": {"text": self.parameter}},
                             yaxis={"title": {"text": "loss L"}}, uirevision="keep")
        return go.FigureWidget(data=traces, layout=layout)

    # -- choosing and moving --------------------------------------------------------------------

    @guarded
    def choose(self, parameter: str) -> None:
        """Put another entry (e.g. 'W1[0,1]', 'b2[2]') on the slider."""
        self.model.locate(parameter)  # ValueError naming the valid choices
        self.parameter = parameter
        self._sync_slider()
        with self.figure.batch_update():
            self.figure.layout.xaxis.title.text = parameter
        self.update()

    def _sync_slider(self) -> None:
        """The dropdown and the slider show the chosen entry and its value in the model (the
        range widened if the value lies outside it), without triggering an update."""
        parameter = self.parameter
        value = self.model.value_of(parameter)
        lo, hi = min(RANGE[0], value - 1.0), max(RANGE[1], value + 1.0)
        self._syncing = True
        try:
            if self.choice.value != parameter:
                self.choice.value = parameter
            # widen first and narrow after, so min <= value <= max holds at every assignment
            self.slider.min, self.slider.max = min(lo, self.slider.min), max(hi, self.slider.max)
            self.slider.value = value
            self.slider.min, self.slider.max = lo, hi
            self.slider.description = parameter
        finally:
            self._syncing = False

    @guarded
    def update(self, point: Mapping[str, float] | None = None) -> None:
        """Redraw from the slider (or `point`, entry name -> value, which is written into the
        model first): L and dL/d(entry) by the core's backward pass, the central difference,
        the tangent and the logits-gradient table."""
        for entry, value in (point or {}).items():
            self.model.locate(entry)
            if not np.isfinite(float(value)):
                raise ValueError(f"{entry} must be a finite number, got {value!r}")
        if point:
            for entry, value in point.items():
                self.model.set_entry(entry, float(value))
            if self.parameter in point:
                self._sync_slider()
        else:
            self.model.set_entry(self.parameter, float(self.slider.value))
        entry = self.parameter
        x = self.model.value_of(entry)
        others = self._others()
        if others != self._curve_for:
            self._resample()
            self._curve_for = others
        result = self.model.backward_pass(self.X, self.y)
        name, index = self.model.locate(entry)
        loss, slope = result.loss, float(result.gradients[name][index])
        numerical = self.model.numerical_partial(self.X, self.y, entry, h=H)
        self.result, self.value, self.numerical = result, loss, numerical
        self.gradient = {entry: slope}
        span = float(self.slider.max - self.slider.min)
        tangent = geometry.tangent_segment(x, loss, slope, 0.15 * span)
        # fixed axes and legend (the slope is in the readout): only these two are redrawn
        move(self.figure, {
            1: {"x": tangent[0], "y": tangent[1]},
            2: {"x": np.array([x]), "y": geometry.with_gaps([loss])},
        })
        self._readout(entry, loss, slope, numerical)
        self._draw_table(result)
        self._explain(entry, x, result, slope, numerical)

    def _others(self) -> tuple:
        """Every parameter's numbers but the chosen entry: the curve depends on these."""
        name, index = self.model.locate(self.parameter)
        parts = [self.parameter]
        for key, param in self.model.params.items():
            data = param.data
            if key == name:
                data = data.copy()
                data[index] = 0.0
            parts.append(data.tobytes())
        return tuple(parts)

    def _resample(self) -> None:
        xs = np.linspace(float(self.slider.min), float(self.slider.max), SAMPLES)
        ys = geometry.with_gaps(self.model.loss_along(self.X, self.y, self.parameter, xs))
        finite = ys[np.isfinite(ys)]
        bottom, top = (finite.min(), finite.max()) if finite.size else (0.0, 1.0)
        pad = 0.1 * (top - bottom) if top > bottom else 0.01 * max(1.0, abs(top))
        with self.figure.batch_update():
            self.figure.data[0].x, self.figure.data[0].y = xs, ys
            self.figure.data[0].name = f"loss L along {self.parameter} (the rest held)"
            self.figure.layout.xaxis.range = [xs[0], xs[-1]]
            self.figure.layout.yaxis.range = [bottom - pad, top + pad]

    # -- readouts -------------------------------------------------------------------------------

    def moved_entries(self) -> dict[str, float]:
        """Every entry whose value differs from the starting model's, and the chosen one:
        the point the loss is at, relative to the start."""
        moved = {}
        for name, param in self.model.params.items():
            for index in zip(*np.nonzero(param.data != self.start[name]), strict=True):
                i, j = (int(k) for k in index)
                moved[f"{name}[{j}]" if name.startswith("b") else f"{name}[{i},{j}]"] = \
                    float(param.data[i, j])
        moved[self.parameter] = self.model.value_of(self.parameter)
        return moved

    def _readout(self, entry: str, loss: float, slope: float, numerical: float) -> None:
        shown_loss, shown_slope = fmt(loss, 6), fmt(slope, 6)
        if self._check is not None:  # tagged: a test recomputes both with gradlab.model
            at = self.moved_entries()
            shown_loss = tagged(shown_loss, "", "", at, loss, self._check)
            shown_slope = tagged(shown_slope, "", entry, at, slope, self._check)
        parts = [f"{html.escape(entry)} = {fmt(self.model.value_of(entry))}",
                 f"loss L = <b>{shown_loss}</b>",
                 f"∂L/∂{html.escape(entry)} by backward = <b>{shown_slope}</b>",
                 f"by central differences (h = 10^-5) = <b>{fmt(numerical, 6)}</b>"]
        self.readout.value = ('<div style="font-size:15px;line-height:1.5">'
                              + " &nbsp;·&nbsp; ".join(parts) + "</div>")

    def _draw_table(self, result: BackwardPass) -> None:
        logits = result.logits
        n, classes = logits.core.shape
        rows = np.unique(np.linspace(0, n - 1, min(n, TABLE_ROWS)).round().astype(int))
        heads = ["sample", "class", "∂L/∂z2 by backward (softmax and cross-entropy rules)",
                 f"(softmax − one-hot) / N, N = {n}"]
        lines = ["<table style='border-collapse:collapse;font-size:14px'><tr>"
                 + "".join(f"<th style='{HEAD}'>{h}</th>" for h in heads) + "</tr>"]
        for row in rows:
            target = int(np.argmax(logits.onehot[row]))
            core = ", ".join(fmt(v, 4) for v in logits.core[row])
            formula = ", ".join(fmt(v, 4) for v in logits.formula[row])
            cells = [str(row), str(target), f"[{core}]", f"[{formula}]"]
            lines.append("<tr>" + "".join(f"<td style='{CELL}'>{c}</td>" for c in cells)
                         + "</tr>")
        lines.append("</table>")
        caption = (f"<div style='font-size:14px'>The logits' gradient for {len(rows)} of the "
                   f"{n} samples; largest difference over the whole batch: "
                   f"{fmt(logits.max_difference, 2)}</div>")
        self.table.value = "".join(lines) + caption

    def _explain(self, entry: str, x: float, result: BackwardPass, slope: float,
                 numerical: float) -> None:
        name, index = self.model.locate(entry)
        hidden = result.forward.hidden.data
        if not (np.isfinite(result.loss) and np.isfinite(slope)):
            self.message.show("the loss or its gradient is undefined (overflow) at this point",
                              "warning")
        elif abs(slope - numerical) > AGREE * max(1.0, abs(slope)):
            # a move of w by h moves z1 by at most h * max(1, |X|): those inputs may cross 0
            near = int(np.sum(np.abs(hidden) <= H * max(1.0, float(np.max(np.abs(self.X))))))
            self.message.show(f"backward and central differences disagree: {near} ReLU "
                              "input(s) z1 sit at (or within h of) the kink z1 = 0 (the "
                              "spiral's centre X = (0, 0) gives z1 = b1). Backward uses "
                              "ReLU'(0) = 0; central differences average the two sides.", "info")
        elif name in ("W1", "b1") and np.all(hidden[:, index[1]] <= 0):
            unit = index[1]
            self.message.show(f"hidden unit {unit} is off (z1 ≤ 0) for every sample: ReLU "
                              f"passes no gradient back, so ∂L/∂{entry} = 0", "info")
        elif x <= self.slider.min or x >= self.slider.max:
            self.message.show(f"{entry} is at the end of its range ({fmt(x)})", "info")
        else:
            self.message.clear()

    # -- callbacks ------------------------------------------------------------------------------

    @guarded
    def _on_slider(self, change: dict) -> None:
        if not self._syncing:
            self.update()

    @guarded
    def _on_choice(self, change: dict) -> None:
        if not self._syncing:
            self.choose(change["new"])

    @guarded
    def _on_reset(self, button: widgets.Button) -> None:
        for name, data in self.start.items():
            self.model.params[name].data = data.copy()
        self.choose(self.parameter)
