"""TrainingLab: the book's spiral classifier trained live with a choice of optimizer; the decision
regions redrawn as it learns, loss and accuracy against the epoch, each layer's gradient norm,
Play / Pause / Step / Reset and a progress readout. The training is gradlab.training's."""

from __future__ import annotations

import copy
import math
from typing import Any

import ipywidgets as widgets
import numpy as np
import plotly.graph_objects as go

from ..training import OPTIMIZERS, Trainer, optimizer_name
from ._base import BookExample
from ._common import (
    PALETTE,
    FigureStateOnDisplay,
    Message,
    base_layout,
    describe_lab,
    fmt,
    guarded,
    move,
    nearest_nice,
    rate_slider,
    replot,
    tagged,
)
from ._png import png_data_uri, stamp_markers, symbol_mask

EPOCHS_PER_TICK = 5  # each Play tick trains this many epochs, then redraws once
INTERVAL = 50  # ms between ticks (the browser's clock)
MAX_EPOCHS = 10_000
GRID = 64  # decision regions: GRID x GRID points (a cell is ~6 px on screen)
PIXELS = 6  # each cell's side in the regions' picture: about one pixel per screen pixel
MARKER_RADIUS = 4  # the data points' markers in the picture, in its pixels
EXTENT = 1.15  # the spiral lies in the unit disc
CURVE_POINTS = 1_000  # longer histories are drawn thinned to about this many points
# the curves' axes end at the next of these (times a power of 10), so they stay put for many
# ticks: a tick that keeps them redraws only the lines, a much lighter job for the browser
EPOCH_SPANS = (100, 200, 500, 1_000, 2_000, 5_000, 10_000)
LOSS_TOPS = (1.0, 1.2, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0)
DECAYS = (0.0, 1e-7, 5e-7, 1e-6, 1e-5, 1e-4, 1e-3, 1e-2)
# class colours (Okabe-Ito) and the light tints of their regions; classes also differ by marker
CLASS_COLOURS = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9")
CLASS_TINTS = ("#bfdcec", "#f9e7bf", "#bfe6da", "#f2dde9", "#d5ecf9")
CLASS_SYMBOLS = ("circle", "square", "diamond", "triangle-up", "cross")


class TrainingLab(BookExample, FigureStateOnDisplay, widgets.VBox):
    """Train dense(2, 64) -> ReLU -> dense(64, 3) -> softmax -> cross-entropy on the spiral.

    `.play.value` counts ticks: the model is trained to play.value * EPOCHS_PER_TICK epochs.
    The decision regions colour each grid point by the model's class there, argmax of the
    logits a1 W2 + b2. Attributes: .trainer, .figures, .sliders, .regions (the classes shown),
    .step(), .reset(), .configure(...).
    """

    __repr__ = describe_lab

    def __init__(self, optimizer: str = "adam", lr: float | None = None,
                 decay: float | None = None, momentum: float | None = None,
                 epochs: int = 0, trainer: Trainer | None = None) -> None:
        self.message = Message()
        # a trainer the lab makes is Trainer(...)'s defaults: its numbers are tagged so a test
        # can retrain with the same settings; one given from outside is not described
        self._tagged = trainer is None
        if trainer is None:
            trainer = Trainer(optimizer, lr=lr, decay=decay, momentum=momentum)
        elif (optimizer_name(optimizer) != trainer.optimizer_name
              or any(v is not None for v in (lr, decay, momentum))):
            trainer.configure(optimizer, lr=lr, decay=decay, momentum=momentum)
        self.trainer = trainer
        settings = self.trainer.settings
        self.optimizer_choice = widgets.Dropdown(options=list(OPTIMIZERS),
                                                 value=self.trainer.optimizer_name,
                                                 description="optimizer",
                                                 layout=widgets.Layout(width="260px"))
        self.rate_slider = rate_slider("learning rate", settings["lr"], 1e-4, 10.0,
                                       continuous_update=False)
        self.decay_slider = widgets.SelectionSlider(
            options=[(f"{d:g}", d) for d in DECAYS], value=_nearest(settings["decay"], DECAYS),
            description="learning-rate decay", continuous_update=False,
            style={"description_width": "initial"},
            layout=widgets.Layout(width="100%", max_width="520px"))
        self.momentum_slider = widgets.FloatSlider(
            value=settings.get("momentum", 0.9), min=0.0, max=0.99, step=0.01,
            description="momentum", continuous_update=False,
            disabled=self.trainer.optimizer_name != "SGD + momentum",
            style={"description_width": "initial"},
            layout=widgets.Layout(width="100%", max_width="520px"))
        self.sliders = {"learning rate": self.rate_slider, "decay": self.decay_slider,
                        "momentum": self.momentum_slider}
        self.play = widgets.Play(value=0, min=0, max=MAX_EPOCHS // EPOCHS_PER_TICK, step=1,
                                 interval=INTERVAL, description="Play / Pause",
                                 show_repeat=False)
        self.step_button = widgets.Button(description=f"Step ({EPOCHS_PER_TICK} epochs)",
                                          icon="step-forward",
                                          layout=widgets.Layout(width="170px"))
        self.reset_button = widgets.Button(description="Reset", icon="undo",
                                           layout=widgets.Layout(width="90px"))
        self.progress = widgets.HTML()
        classes = int(np.max(self.trainer.y)) + 1
        if classes > len(CLASS_COLOURS):
            raise ValueError(f"the lab draws up to {len(CLASS_COLOURS)} classes, got {classes}")
        self.classes = classes
        axis = np.linspace(-EXTENT, EXTENT, GRID)
        self.grid_x, self.grid_y = np.meshgrid(axis, axis)
        self.regions = np.zeros((GRID, GRID), dtype=np.uint8)
        self._start = None  # the history row at epoch 0, see _starting_row
        self._start_regions: np.ndarray | None = None  # the classes at the starting weights
        self.region_figure = self._build_regions(axis)
        self.curve_figure = self._build_curves()
        self.norm_figure = self._build_norms()
        self.figures = [self.region_figure, self.curve_figure, self.norm_figure]
        self._syncing = False
        self._announced = False
        ticks = min(self.play.max, -(-int(epochs) // EPOCHS_PER_TICK)) if epochs else 0
        self._start_setup = (self.trainer.optimizer_name, dict(self.trainer.settings),
                             float(self.momentum_slider.value), ticks)
        book = self.book_row([self.optimizer_choice, self.rate_slider, self.decay_slider,
                              self.momentum_slider, (self.play, ticks)],
                             book=self._tagged and (lr, decay, momentum) == (None,) * 3,
                             tooltip=f"back to {self.trainer.optimizer_name} with its settings "
                                     f"here, the starting weights, epoch {ticks * EPOCHS_PER_TICK}")
        controls = widgets.HBox([self.optimizer_choice, self.play, self.step_button,
                                 self.reset_button, *book],
                                layout=widgets.Layout(flex_flow="row wrap"))
        plots = widgets.HBox([self.curve_figure, self.norm_figure],
                             layout=widgets.Layout(flex_flow="row wrap"))
        super().__init__(children=[controls, self.progress, self.region_figure, plots,
                                   self.rate_slider, self.decay_slider, self.momentum_slider,
                                   self.message])
        self.play.observe(self._on_play, names="value")
        self.optimizer_choice.observe(self._on_optimizer, names="value")
        for slider in (self.rate_slider, self.decay_slider, self.momentum_slider):
            slider.observe(self._on_setting, names="value")
        self.step_button.on_click(lambda _: self.step())
        self.reset_button.on_click(lambda _: self.reset())
        if ticks:
            self.play.value = ticks
        else:
            self.update()

    # -- building (once) ------------------------------------------------------------------------

    def _build_regions(self, axis: np.ndarray) -> go.FigureWidget:
        """The decision regions with the data points on them, drawn as one picture
        (layout.images[0]) that each redraw replaces: the browser then redraws a picture, not
        300 markers. The traces are the legend's entries only."""
        traces: list[Any] = [
            go.Scatter(x=[None], y=[None], mode="markers", name=f"class {k}", hoverinfo="skip",
                       marker={"color": CLASS_COLOURS[k], "symbol": CLASS_SYMBOLS[k], "size": 7,
                               "line": {"color": "white", "width": 0.8}})
            for k in range(self.classes)]
        cell = float(axis[1] - axis[0])  # each grid point is the centre of its cell
        self._picture_box = (float(axis[0]) - cell / 2, float(axis[-1]) + cell / 2,
                             float(axis[-1] - axis[0]) + cell)  # left, top, side
        left, top, side = self._picture_box
        self._points = self._points_layer()
        self._drawn = self._points >= 0
        picture = {"source": self._regions_picture(), "xref": "x", "yref": "y",
                   "x": left, "y": top, "sizex": side, "sizey": side,
                   "sizing": "stretch", "layer": "below", "name": "decision regions"}
        layout = base_layout(height=460, uirevision="keep", images=[picture],
                             xaxis={"title": {"text": "x1"}, "range": [-EXTENT, EXTENT],
                                    "constrain": "domain"},
                             yaxis={"title": {"text": "x2"}, "range": [-EXTENT, EXTENT],
                                    "scaleanchor": "x", "scaleratio": 1, "constrain": "domain"})
        return go.FigureWidget(data=traces, layout=layout)

    def _points_layer(self) -> np.ndarray:
        """The data points as palette indexes (class k's colour is classes + k, the outline
        2 * classes), -1 elsewhere: drawn once, laid over every picture of the regions."""
        size = GRID * PIXELS
        layer = np.full((size, size), -1, dtype=np.int16)
        left, top, side = self._picture_box
        X, y = self.trainer.X, self.trainer.y
        columns = np.floor((X[:, 0] - left) / side * size).astype(np.int64)
        rows = np.floor((top - X[:, 1]) / side * size).astype(np.int64)
        for k in range(self.classes):
            mask = symbol_mask(CLASS_SYMBOLS[k], MARKER_RADIUS)
            stamp_markers(layer, rows[y == k], columns[y == k], mask, self.classes + k,
                          2 * self.classes)
        return layer

    def _regions_picture(self) -> str:
        """self.regions (row = x2 from low to high) as a PNG, top row first, each grid point
        PIXELS x PIXELS pixels of its class's tint, with the data points over it."""
        shown = np.repeat(np.repeat(self.regions[::-1], PIXELS, axis=0), PIXELS, axis=1)
        shown = np.where(self._drawn, self._points, shown).astype(np.uint8)
        palette = [*CLASS_TINTS[: self.classes], *CLASS_COLOURS[: self.classes], "#ffffff"]
        return png_data_uri(shown, palette)

    def _build_curves(self) -> go.FigureWidget:
        traces = [
            go.Scatter(name="loss", mode="lines",
                       line={"color": PALETTE["function"], "width": 2.5}),
            go.Scatter(name="accuracy", mode="lines", yaxis="y2",
                       line={"color": PALETTE["point"], "width": 2.5, "dash": "dash"}),
        ]
        layout = base_layout(height=340, uirevision="keep",
                             xaxis={"title": {"text": "epoch"}, "range": [0, 100]},
                             yaxis={"title": {"text": "loss"}},
                             yaxis2={"title": {"text": "accuracy"}, "overlaying": "y",
                                     "side": "right", "range": [0, 1], "showgrid": False},
                             margin={"l": 50, "r": 55, "t": 40, "b": 45})
        return go.FigureWidget(data=traces, layout=layout)

    def _build_norms(self) -> go.FigureWidget:
        traces = [
            go.Scatter(name="‖∂L/∂(W1, b1)‖, dense 1", mode="lines",
                       line={"color": PALETTE["gradient"], "width": 2.5}),
            go.Scatter(name="‖∂L/∂(W2, b2)‖, dense 2", mode="lines",
                       line={"color": PALETTE["secant"], "width": 2.5, "dash": "dot"}),
        ]
        layout = base_layout(height=340, uirevision="keep",
                             xaxis={"title": {"text": "epoch"}, "range": [0, 100]},
                             yaxis={"title": {"text": "gradient norm"}, "type": "log"})
        return go.FigureWidget(data=traces, layout=layout)

    # -- settings -------------------------------------------------------------------------------

    @guarded
    def configure(self, optimizer: str | None = None, lr: float | None = None,
                  decay: float | None = None, momentum: float | None = None) -> None:
        """New settings (a new optimizer gets the book's settings for what is not given);
        training starts over from the same starting weights. Bad settings: a message, and the
        previous settings stay."""
        try:
            self.trainer.configure(optimizer, lr=lr, decay=decay, momentum=momentum)
        except ValueError as error:
            self.message.show(f"{error}; the previous settings are kept", "error")
            self._sync_controls()
            return
        self._sync_controls()
        self._restart()
        self.message.show("new settings: training starts over from the same starting weights",
                          "info")

    def _sync_controls(self) -> None:
        """The controls show the trainer's settings, without triggering callbacks."""
        settings = self.trainer.settings
        self._syncing = True
        try:
            self.optimizer_choice.value = self.trainer.optimizer_name
            self.rate_slider.value = nearest_nice(settings["lr"])
            self.decay_slider.value = _nearest(settings["decay"], DECAYS)
            self.momentum_slider.disabled = self.trainer.optimizer_name != "SGD + momentum"
            if "momentum" in settings:
                self.momentum_slider.value = settings["momentum"]
        finally:
            self._syncing = False

    @guarded
    def _on_optimizer(self, change: dict) -> None:
        if not self._syncing:
            self.configure(change["new"])

    @guarded
    def _on_setting(self, change: dict) -> None:
        if not self._syncing:
            momentum = (self.momentum_slider.value
                        if self.trainer.optimizer_name == "SGD + momentum" else None)
            self.configure(lr=self.rate_slider.value, decay=self.decay_slider.value,
                           momentum=momentum)

    def book_example(self) -> None:
        """The optimizer and settings the lab started with, its starting weights, and the run
        back at its start (stopped), in one restart rather than one per control."""
        name, settings, momentum, ticks = self._start_setup
        self.trainer.configure(name, lr=settings["lr"], decay=settings["decay"],
                               momentum=settings.get("momentum"))
        self._sync_controls()
        self._syncing = True
        try:
            self.momentum_slider.value = momentum
        finally:
            self._syncing = False
        self._restart()
        self.message.clear()
        self.play.value = ticks

    # -- stepping -------------------------------------------------------------------------------

    def _restart(self) -> None:
        self.trainer.reset()
        self._announced = False
        self._syncing = True
        try:
            self.play.playing = False
            self.play.value = 0
        finally:
            self._syncing = False
        self.update()

    @guarded
    def _on_play(self, change: dict) -> None:
        if self._syncing:
            return
        target = int(change["new"]) * EPOCHS_PER_TICK
        if target < self.trainer.epochs:  # moved back: train again from the start
            self.trainer.reset()
            self._announced = False
        self.trainer.step(target - self.trainer.epochs)
        if self.trainer.stopped:
            self.play.playing = False
        self.update()

    def step(self) -> None:
        """One tick: EPOCHS_PER_TICK more epochs, one redraw."""
        self.play.value = min(self.play.max, self.play.value + 1)

    @guarded
    def reset(self) -> None:
        """The starting weights, a fresh optimizer, epoch 0."""
        self._restart()
        self.message.clear()

    # -- drawing --------------------------------------------------------------------------------

    @guarded
    def update(self) -> None:
        """Redraw from the trainer: regions, curves, norms and the readout."""
        trainer, history = self.trainer, self.trainer.history
        if not len(history):  # epoch 0: draw where training starts, not empty axes
            history = self._starting_row()
        if len(trainer.history):
            regions = trainer.predict_grid(self.grid_x, self.grid_y).astype(np.uint8)
        else:  # the starting weights, whatever the settings: worked out once
            if self._start_regions is None:
                self._start_regions = trainer.predict_grid(self.grid_x,
                                                           self.grid_y).astype(np.uint8)
            regions = self._start_regions
        if not np.array_equal(regions, self.regions):
            self.regions = regions
            move(self.region_figure, {}, layout={"images[0].source": self._regions_picture()})
        epochs = np.asarray(history.epoch, dtype=np.float64)
        rows = _thinned(len(epochs))
        x = epochs[rows]
        loss = np.asarray(history.loss, dtype=np.float64)[rows]
        norms = [_positive(history.grad_norm[layer], rows) for layer in ("dense 1", "dense 2")]
        span = [0, _epoch_span(epochs[-1])]
        _draw(self.curve_figure,
              {0: {"x": x, "y": loss},
               1: {"x": x, "y": np.asarray(history.accuracy, dtype=np.float64)[rows]}},
              {"xaxis.range": span, "yaxis.range": [0, _loss_top(loss)]})
        _draw(self.norm_figure, {0: {"x": x, "y": norms[0]}, 1: {"x": x, "y": norms[1]}},
              {"xaxis.range": span, "yaxis.range": _decades(np.concatenate(norms))})
        self._readout()
        self._explain()

    def _starting_row(self):
        """The history row the trainer records at epoch 0 (loss, accuracy and gradient norms
        at the starting weights), from a copy trained one epoch: the trainer's own numbers,
        without moving its weights. Worked out once: those numbers are measured before the
        first update, so no setting changes them (the row's lr, which does, is not drawn)."""
        if self._start is None:
            preview = copy.deepcopy(self.trainer)
            preview.step(1)
            self._start = preview.history
        return self._start

    def _readout(self) -> None:
        trainer, history = self.trainer, self.trainer.history
        tag = self._tag if self._tagged else lambda text, of, value: text
        if len(history):
            loss = tag(fmt(history.loss[-1]), "", history.loss[-1])
            accuracy = f"{100 * history.accuracy[-1]:.1f} %"
        else:
            loss = accuracy = "–"
        rate = trainer.optimizer.current_lr
        self.progress.value = (
            '<div style="font-size:15px;line-height:1.5">'
            f"<b>epoch {trainer.epochs}</b> of {MAX_EPOCHS} &nbsp;·&nbsp; loss <b>{loss}</b>"
            f" &nbsp;·&nbsp; accuracy <b>{accuracy}</b> &nbsp;·&nbsp; {trainer.optimizer_name}, "
            f"learning rate now {tag(fmt(rate), 'lr', rate)}</div>")

    def _tag(self, text: str, of: str, value: float) -> str:
        """A number of the training (of "": the last loss, "lr": the learning rate now),
        tagged so a test can retrain Trainer(optimizer, **settings) for as many epochs; the
        settings are read from `at`, keyed by the sliders' labels."""
        settings = self.trainer.settings
        labels = {"lr": self.rate_slider.description, "decay": self.decay_slider.description}
        if "momentum" in settings:
            labels["momentum"] = self.momentum_slider.description
        at = {label: settings[key] for key, label in labels.items()}
        check = {"kind": "training", "trainer": {}, "optimizer": self.trainer.optimizer_name,
                 "epochs": self.trainer.epochs, "settings": labels}
        return tagged(text, "", of, at, value, check)

    def _explain(self) -> None:
        trainer = self.trainer
        first = trainer.history.first_epoch_above(0.9)
        if trainer.stopped:
            self.message.show(trainer.stopped, "warning")
        elif trainer.epochs >= MAX_EPOCHS:
            self.message.show(f"{MAX_EPOCHS} epochs done: press Reset to train again", "info")
        elif first is not None and not self._announced:
            self._announced = True
            self.message.show(f"above 90 % training accuracy since epoch {first}", "info")


def _draw(figure: go.FigureWidget, traces: dict[int, dict[str, Any]],
          axes: dict[str, list[float]]) -> None:
    """The traces' new points: with the same axis ranges, redrawn alone (a still animation
    frame); with new ranges, the whole plot in one update."""
    layout = figure.layout
    if all(list(layout[path.split(".")[0]].range or []) == value for path, value in axes.items()):
        move(figure, traces)
    else:
        replot(figure, traces, axes)


def _epoch_span(last: float) -> float:
    """The epoch axis's end: the first of EPOCH_SPANS (x 10^k) from the last epoch on."""
    return _step_up(float(last), EPOCH_SPANS)


def _loss_top(loss: np.ndarray) -> float:
    """The loss axis's top: 5 % above the highest loss drawn, rounded up to LOSS_TOPS x 10^k
    (1.2 for the starting loss ln 3 = 1.0986)."""
    finite = loss[np.isfinite(loss)]
    return _step_up(1.05 * float(finite.max()) if len(finite) else 1.0, LOSS_TOPS)


def _step_up(value: float, steps: tuple[float, ...]) -> float:
    """The least of steps x 10^k (k >= 0 whole) that is >= value; steps[0] for a value
    below it or not finite."""
    if not math.isfinite(value) or value <= steps[0]:
        return steps[0]
    # value / steps[-1] lies in [scale, 10 scale): the answer is steps x scale or x 10 scale
    scale = 10.0 ** max(0, math.floor(math.log10(value / steps[-1])))
    return min(step * s for s in (scale, 10 * scale) for step in steps if step * s >= value)


def _decades(values: np.ndarray) -> list[float]:
    """A log axis's range (in powers of 10) over whole decades holding every positive value,
    with a little room at either end; one decade below 1 when there is none."""
    values = values[np.isfinite(values) & (values > 0)]
    if not len(values):
        return [-1.0, 0.0]
    logs = np.log10(values)
    low, high = math.floor(float(logs.min()) - 0.05), math.ceil(float(logs.max()) + 0.05)
    return [float(low), float(max(high, low + 1))]


def _thinned(n: int) -> np.ndarray:
    """Indexes of at most ~CURVE_POINTS rows of n, evenly spread, the last one included."""
    if n <= CURVE_POINTS:
        return np.arange(n)
    stride = -(-n // CURVE_POINTS)
    rows = np.arange(0, n, stride)
    return rows if rows[-1] == n - 1 else np.append(rows, n - 1)


def _positive(values: list[float], rows: np.ndarray) -> np.ndarray:
    """For a log axis: nan (a gap) where a norm is 0."""
    array = np.asarray(values, dtype=np.float64)[rows]
    return np.where(array > 0, array, np.nan)


def _nearest(value: float, options: tuple[float, ...]) -> float:
    return min(options, key=lambda option: abs(option - float(value)))
