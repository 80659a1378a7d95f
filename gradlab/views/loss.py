"""LossLab: the book's whole model (dense -> ReLU -> dense -> softmax -> cross-entropy) on a
small batch; move one weight or bias and watch the loss curve along it, its tangent (slope = the
core's d loss / d entry from backward, beside central differences) and the chain from L back to
that entry, sample by sample, with the numbers the recorded backward pass left at each stage."""

from __future__ import annotations

import html
from collections.abc import Mapping
from typing import Any

import ipywidgets as widgets
import numpy as np
import plotly.graph_objects as go

from .. import geometry
from ..model import BackwardPass, BookModel, small_batch
from ..model_chain import Chain
from ._base import BookExample
from ._common import (
    PALETTE,
    Message,
    Slider,
    SliderChoiceCallbacks,
    base_layout,
    describe_lab,
    fmt,
    guarded,
    tagged,
)
from .figure import Draft, FigureStateOnDisplay, live
from .loss_chain import chain_table

SAMPLES = 60  # points of the loss curve (BookModel.loss_along: one stacked forward pass)
STEPS = 100  # slider steps on either side of the value an entry is chosen at
H = 1e-5  # the central differences' step
AGREE = 1e-6  # |backward - central difference| / max(1, |backward|) above this: a kink is near
LESSON_START = {"weight_scale": 1.0, "bias": 0.1}  # the default model: see lesson 8


def model_recipe(model: BookModel, batch: Any) -> dict | None:
    """How a test process can rebuild the model and batch to recompute the numbers shown
    (BookModel(**settings), small_batch()); None for a batch given from outside."""
    return {"kind": "model", "model": dict(model.settings), "batch": {}} if batch is None else None


def lab_model(model: BookModel | None, batch: Any) -> tuple[BookModel, np.ndarray, np.ndarray]:
    """The model (LESSON_START if None), checked, and the batch (small_batch() if None), checked
    against the model: a batch that does not fit fails here, with the model's message."""
    model = model if model is not None else BookModel(**LESSON_START)
    if not isinstance(model, BookModel):
        raise TypeError(f"model must be a gradlab.model.BookModel, got {type(model).__name__}")
    X, y = batch if batch is not None else small_batch()
    X, y = np.asarray(X, dtype=np.float64), np.asarray(y)
    model.loss(X, y)
    return model, X, y


def take_model(lab: Any, model: BookModel | None, batch: Any) -> None:
    """Give a loss lab its model and batch (lab_model), how a test rebuilds them (_check), the
    recipe's own starting weights (recipe_start, when there is a recipe) and the weights it
    starts from (start, which its Reset puts back)."""
    lab.model, lab.X, lab.y = lab_model(model, batch)
    lab._check = model_recipe(lab.model, batch)
    lab.recipe_start = ({name: p.data for name, p in
                         BookModel(**lab.model.settings).params.items()}
                        if lab._check is not None else None)
    lab.start = {name: p.data.copy() for name, p in lab.model.params.items()}


def is_lesson_start(model: BookModel, batch: Any) -> bool:
    """Whether a lab's model and batch are the lesson's (LESSON_START on small_batch())."""
    return batch is None and model.settings == LESSON_START


def entry_slider(entry: str, value: float, span: float) -> Slider:
    """A slider for one entry centred on its exact value: [value - span, value + span] in
    2 * STEPS steps, so the value itself is one of the slider's positions (never rounded)."""
    slider = Slider(
        value=value, min=value - span, max=value + span, step=span / STEPS,
        description=entry, continuous_update=True, readout=True, readout_format=".4g",
        style={"description_width": "initial"},
        layout=widgets.Layout(width="100%", max_width="520px"))
    slider.value = value  # exactly: the widget clips to its range and nothing else
    return slider


class LossLab(SliderChoiceCallbacks, BookExample, FigureStateOnDisplay, widgets.VBox):
    """One entry of the model's weights or biases on a slider (a dropdown picks which): the
    loss L as a function of that entry with the rest held, the point, and the tangent
    y = L + dL/dw (t - w) with dL/dw from the core's backward pass; readouts of L, dL/dw and
    (L(w + h) - L(w - h)) / 2h; and the chain table: for each sample n, what the recorded
    backward pass left at each stage (cross-entropy, softmax, dense 2, ReLU, dense 1) and the
    sample's contribution, whose sum over the samples is backward's dL/dw.

    The model starts where it is given (LESSON_START by default) and Reset puts its exact
    numbers back. The slider writes into the model's parameters, so entries moved earlier
    stay moved when another is chosen. Each entry's slider spans BookModel.visible_span around
    the entry's value when it is chosen. `.value` is L, `.gradient` maps the chosen entry to
    dL/d(entry), `.chain` is the gradlab.model_chain.Chain shown; `.sliders` maps the entry's
    name to the slider.
    """

    __repr__ = describe_lab

    def __init__(self, model: BookModel | None = None,
                 batch: tuple[np.ndarray, np.ndarray] | None = None,
                 parameter: str = "W1[0,1]") -> None:
        take_model(self, model, batch)
        self.message = Message()
        notice = ""
        try:
            self.model.locate(parameter)
        except ValueError as error:
            notice, parameter = f"{error}; showing W1[0,1] instead", "W1[0,1]"
        self.parameter = parameter
        self.choice = widgets.Dropdown(options=self.model.entries(), value=parameter,
                                       description="entry", layout=widgets.Layout(width="190px"))
        self.slider = entry_slider(parameter, self.model.value_of(parameter),
                                   self.model.visible_span(self.X, self.y, parameter))
        self.reset_button = widgets.Button(description="Reset weights", icon="undo")
        self.readout = widgets.HTML()
        self.table = widgets.HTML()
        self.figure: Draft = self._build_figure()
        self._curve_for: tuple | None = None  # (entry, range, the other parameters) of the curve
        self._syncing = False  # True while the lab itself moves the slider
        self.value = self.numerical = float("nan")
        self.gradient: dict[str, float] = {}
        self.result: BackwardPass | None = None
        self.chain: Chain | None = None
        self.update()
        self.figure = live(self.figure)
        self.figures = [self.figure]
        book = self.book_row([self.choice], book=is_lesson_start(self.model, batch),
                             tooltip=f"back to the starting weights and biases, entry {parameter}")
        controls = widgets.HBox([self.choice, self.reset_button, *book],
                                layout=widgets.Layout(flex_flow="row wrap"))
        super().__init__(children=[self.figure, self.readout, controls, self.slider,
                                   self.message, self.table])
        self.slider.observe(self._on_slider, names="value")
        self.choice.observe(self._on_choice, names="value")
        self.reset_button.on_click(self._on_reset)
        if notice:
            self.message.show(notice, "error")

    @property
    def sliders(self) -> dict[str, widgets.FloatSlider]:
        return {self.parameter: self.slider}

    # -- building (once) ------------------------------------------------------------------------

    def _build_figure(self) -> Draft:
        traces = {
            "loss": go.Scatter(name="loss L", mode="lines",
                               line={"color": PALETTE["function"], "width": 3}),
            "tangent": go.Scatter(name="tangent", mode="lines",
                                  line={"color": PALETTE["tangent"], "width": 3, "dash": "dash"}),
            "point": go.Scatter(name="the point", mode="markers", showlegend=False,
                                marker={"color": PALETTE["point"], "size": 13, "symbol": "circle",
                                        "line": {"color": "white", "width": 1.5}}),
        }
        layout = base_layout(xaxis={"title": {"text": self.parameter}},
                             yaxis={"title": {"text": "loss L"}}, uirevision="keep")
        return Draft(traces, layout)

    # -- choosing and moving --------------------------------------------------------------------

    @guarded
    def choose(self, parameter: str) -> None:
        """Put another entry (e.g. 'W1[0,1]', 'b2[2]') on the slider, its range centred on
        the entry's value now."""
        self.model.locate(parameter)  # ValueError naming the valid choices
        self.parameter = parameter
        self._sync_slider()
        with self.figure.batch_update():
            self.figure.layout.xaxis.title.text = parameter
        self.update()

    def _sync_slider(self) -> None:
        """The dropdown and the slider show the chosen entry at its exact value in the model,
        the range centred on it (BookModel.visible_span), without triggering an update."""
        parameter = self.parameter
        value = self.model.value_of(parameter)
        span = self.model.visible_span(self.X, self.y, parameter)
        self._syncing = True
        try:
            if self.choice.value != parameter:
                self.choice.value = parameter
            self._set_range(value, span)
            self.slider.description = parameter
        finally:
            self._syncing = False

    def _set_range(self, value: float, span: float) -> None:
        slider = self.slider
        lo, hi = value - span, value + span
        # widen first and narrow after, so min <= value <= max holds at every assignment
        slider.min, slider.max = min(lo, slider.min), max(hi, slider.max)
        slider.step = span / STEPS
        slider.value = value
        slider.min, slider.max = lo, hi
        slider.value = value

    @guarded
    def update(self, point: Mapping[str, float] | None = None) -> None:
        """Redraw from the slider (or `point`, entry name -> value, which is written into the
        model first): L and dL/d(entry) by the core's backward pass, the central difference,
        the tangent and the chain table."""
        for entry, value in (point or {}).items():
            self.model.locate(entry)
            if not np.isfinite(float(value)):
                raise ValueError(f"{entry} must be a finite number, got {value!r}")
        if point:
            for entry, value in point.items():
                self.model.set_entry(entry, float(value))
            if self.parameter in point:
                self._sync_slider()
        elif float(self.slider.value) != self.model.value_of(self.parameter):
            self.model.set_entry(self.parameter, float(self.slider.value))
        entry = self.parameter
        x = self.model.value_of(entry)
        others = self._others()
        if others != self._curve_for:
            self._resample()
            self._curve_for = others
        result = self.model.backward_pass(self.X, self.y)
        chain = self.model.chain(self.X, self.y, entry, result)
        loss, slope = result.loss, chain.backward
        numerical = self.model.numerical_partial(self.X, self.y, entry, h=H)
        self.result, self.chain, self.value, self.numerical = result, chain, loss, numerical
        self.gradient = {entry: slope}
        span = float(self.slider.max - self.slider.min)
        tangent = geometry.tangent_segment(x, loss, slope, 0.15 * span)
        # fixed axes and legend (the slope is in the readout): only these two are redrawn
        self.figure.move({
            "tangent": {"x": tangent[0], "y": tangent[1]},
            "point": {"x": np.array([x]), "y": geometry.with_gaps([loss])},
        })
        self._readout(entry, loss, slope, numerical)
        self.table.value = chain_table(chain, result, numerical)
        self._explain(entry, x, result, slope, numerical)

    def _others(self) -> tuple:
        """The chosen entry, the slider's range and every parameter's numbers but the chosen
        entry's: the curve depends on these."""
        name, index = self.model.locate(self.parameter)
        parts = [self.parameter, float(self.slider.min), float(self.slider.max)]
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
            self.figure.trace("loss").set(x=xs, y=ys,
                                          name=f"loss L along {self.parameter} (the rest held)")
            self.figure.layout.xaxis.range = [xs[0], xs[-1]]
            self.figure.layout.yaxis.range = [bottom - pad, top + pad]

    # -- readouts -------------------------------------------------------------------------------

    def moved_entries(self) -> dict[str, float]:
        """Every entry whose value differs from the start the recipe rebuilds (or, for a model
        from outside, the lab's start), and the chosen one: the point the loss is at."""
        start = self.recipe_start if self.recipe_start is not None else self.start
        moved = self.model.moved_entries(start)
        moved[self.parameter] = self.model.value_of(self.parameter)
        return moved

    def _readout(self, entry: str, loss: float, slope: float, numerical: float) -> None:
        shown_loss, shown_slope = fmt(loss, 6), fmt(slope, 6)
        if self._check is not None:  # tagged: a test recomputes both with gradlab.model
            at = self.moved_entries()
            shown_loss = tagged(shown_loss, "", "", at, loss, self._check)
            shown_slope = tagged(shown_slope, "", entry, at, slope, self._check)
        parts = [f"{html.escape(entry)} = {fmt(self.model.value_of(entry), 6)}",
                 f"loss L = <b>{shown_loss}</b>",
                 f"∂L/∂{html.escape(entry)} by backward = <b>{shown_slope}</b>",
                 f"by central differences (h = 10^-5) = <b>{fmt(numerical, 6)}</b>"]
        self.readout.value = ('<div style="font-size:15px;line-height:1.5">'
                              + " &nbsp;·&nbsp; ".join(parts) + "</div>")

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
                              "spiral's centre X = (0, 0) gives z1 = b1). Backward takes the slope "
                              "of the side z1 is on, and exactly at the kink ReLU'(0) = 0, the "
                              "slope of the side where the unit is off; central differences "
                              "average the two sides.", "info")
        elif name in ("W1", "b1") and np.all(hidden[:, index[1]] <= 0):
            unit = index[1]
            self.message.show(f"hidden unit {unit} is off (z1 ≤ 0) for every sample: ReLU "
                              f"passes no gradient back, so ∂L/∂{entry} = 0", "info")
        elif min(x - self.slider.min, self.slider.max - x) < 0.5 * self.slider.step:
            self.message.show(f"{entry} is at the end of its range ({fmt(x)}); choose it "
                              "again in the list to centre the range on it", "info")
        else:
            self.message.clear()

    # -- callbacks ------------------------------------------------------------------------------

    @guarded
    def _on_reset(self, button: widgets.Button) -> None:
        self.restore_start()

    def restore_start(self) -> None:
        """The model's starting numbers back, the slider centred on the chosen entry."""
        for name, data in self.start.items():
            self.model.params[name].data = data.copy()
        self.choose(self.parameter)
