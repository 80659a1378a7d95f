"""TrainingLab: the book's spiral classifier trained live with a choice of optimizer; the decision
regions redrawn as it learns, loss and accuracy against the epoch, each layer's gradient norm,
Play / Pause / Step / Reset and a progress readout. The training is gradlab.trainer's.

This module keeps the controls and their syncing with the trainer; the map of the decision
regions is training_regions.py's, the curves' axis rules training_axes.py's, and the
optimizers, their settings and sliders gradlab.optim.OPTIMIZERS's."""

from __future__ import annotations

import copy

import ipywidgets as widgets
import numpy as np
import plotly.graph_objects as go

from ..optim import MOMENTUM
from ..trainer import OPTIMIZERS, Trainer, optimizer_name
from ._base import BookExample
from ._common import (
    PALETTE,
    Message,
    Slider,
    base_layout,
    describe_lab,
    fmt,
    guarded,
    nearest,
    nearest_nice,
    rate_slider,
    tagged,
)
from .figure import Figure, FigureStateOnDisplay
from .training_axes import decades, draw, epoch_span, loss_top, positive, thinned
from .training_regions import CLASS_COLOURS, CLASS_TINTS, EXTENT, GRID, RegionMap

__all__ = ["CLASS_COLOURS", "CLASS_TINTS", "EPOCHS_PER_TICK", "EXTENT", "GRID", "TrainingLab"]

EPOCHS_PER_TICK = 5  # each Play tick trains this many epochs, then redraws once
INTERVAL = 50  # ms between ticks (the browser's clock)
MAX_EPOCHS = 10_000
DECAYS = (0.0, 1e-7, 5e-7, 1e-6, 1e-5, 1e-4, 1e-3, 1e-2)


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
            options=[(f"{d:g}", d) for d in DECAYS], value=nearest(settings["decay"], DECAYS),
            description="learning-rate decay", continuous_update=False,
            style={"description_width": "initial"},
            layout=widgets.Layout(width="100%", max_width="520px"))
        self.momentum_slider = Slider(
            value=settings.get("momentum", MOMENTUM.default), min=MOMENTUM.low,
            max=MOMENTUM.high, step=MOMENTUM.step, description=MOMENTUM.label,
            continuous_update=False, disabled=not self._takes("momentum"),
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
        self.map = RegionMap(self.trainer.X, self.trainer.y, int(np.max(self.trainer.y)) + 1)
        self.classes = self.map.classes
        self.grid_x, self.grid_y = self.map.grid_x, self.map.grid_y
        self._start = None  # the history row at epoch 0, see _starting_row
        self._start_regions: np.ndarray | None = None  # the classes at the starting weights
        self.region_figure = self.map.figure
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

    @property
    def regions(self) -> np.ndarray:
        """The classes the map shows, on the grid (grid_x, grid_y)."""
        return self.map.regions

    # -- building (once) ------------------------------------------------------------------------

    def _build_curves(self) -> Figure:
        traces = {
            "loss": go.Scatter(name="loss", mode="lines",
                               line={"color": PALETTE["function"], "width": 2.5}),
            "accuracy": go.Scatter(name="accuracy", mode="lines", yaxis="y2",
                                   line={"color": PALETTE["point"], "width": 2.5,
                                         "dash": "dash"}),
        }
        layout = base_layout(height=340, uirevision="keep",
                             xaxis={"title": {"text": "epoch"}, "range": [0, 100]},
                             yaxis={"title": {"text": "loss"}},
                             yaxis2={"title": {"text": "accuracy"}, "overlaying": "y",
                                     "side": "right", "range": [0, 1], "showgrid": False},
                             margin={"l": 50, "r": 55, "t": 40, "b": 45})
        return Figure(traces, layout)

    def _build_norms(self) -> Figure:
        traces = {
            "dense 1": go.Scatter(name="‖∂L/∂(W1, b1)‖, dense 1", mode="lines",
                                  line={"color": PALETTE["gradient"], "width": 2.5}),
            "dense 2": go.Scatter(name="‖∂L/∂(W2, b2)‖, dense 2", mode="lines",
                                  line={"color": PALETTE["secant"], "width": 2.5, "dash": "dot"}),
        }
        layout = base_layout(height=340, uirevision="keep",
                             xaxis={"title": {"text": "epoch"}, "range": [0, 100]},
                             yaxis={"title": {"text": "gradient norm"}, "type": "log"})
        return Figure(traces, layout)

    def _takes(self, setting: str) -> bool:
        """Whether the trainer's optimizer takes `setting` (e.g. "momentum")."""
        return setting in OPTIMIZERS[self.trainer.optimizer_name].extra

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
            self.decay_slider.value = nearest(settings["decay"], DECAYS)
            self.momentum_slider.disabled = not self._takes("momentum")
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
            momentum = self.momentum_slider.value if self._takes("momentum") else None
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
        self.map.show(regions)
        epochs = np.asarray(history.epoch, dtype=np.float64)
        rows = thinned(len(epochs))
        x = epochs[rows]
        loss = np.asarray(history.loss, dtype=np.float64)[rows]
        norms = {layer: positive(history.grad_norm[layer], rows)
                 for layer in ("dense 1", "dense 2")}
        span = [0, epoch_span(epochs[-1])]
        draw(self.curve_figure,
             {"loss": {"x": x, "y": loss},
              "accuracy": {"x": x, "y": np.asarray(history.accuracy, dtype=np.float64)[rows]}},
             {"xaxis.range": span, "yaxis.range": [0, loss_top(loss)]})
        draw(self.norm_figure, {layer: {"x": x, "y": y} for layer, y in norms.items()},
             {"xaxis.range": span, "yaxis.range": decades(np.concatenate(list(norms.values())))})
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

