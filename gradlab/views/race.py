"""OptimizerRace: SGD, SGD with momentum, AdaGrad, RMSProp and Adam set off from the same point
of a 2-D surface; their paths are drawn on the level curves and f against the step beside it,
with Play / Pause / Step / Reset and sliders for each learning rate, the momentum and the decay.
Every step is a gradlab.optim update on gradients from the core (gradlab.surfaces)."""

from __future__ import annotations

import html
from typing import Any

import ipywidgets as widgets
import numpy as np
import plotly.graph_objects as go

from ..optim import MOMENTUM, OPTIMIZERS
from ..surfaces import SURFACES, Runner, default_settings, level_grid, surface
from ._base import BookExample
from ._common import (
    OKABE_ITO,
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
from .levels import level_data, level_traces

MAX_STEPS = 500
STEPS_PER_TICK = 2  # Play advances this many steps every INTERVAL ms
INTERVAL = 50
DECAYS = (0.0, 1e-4, 1e-3, 1e-2, 0.1)
# colour, dash, marker: colour is never the only cue (Okabe-Ito colours)
STYLES = {
    "SGD": (OKABE_ITO["blue"], "solid", "circle"),
    "SGD + momentum": (OKABE_ITO["orange"], "dash", "square"),
    "AdaGrad": (OKABE_ITO["bluish green"], "dot", "diamond"),
    "RMSProp": (OKABE_ITO["reddish purple"], "dashdot", "triangle-up"),
    "Adam": (OKABE_ITO["vermillion"], "longdash", "star"),
}
# the optimizers that take a momentum: the momentum slider sets theirs
WITH_MOMENTUM = [name for name in OPTIMIZERS if "momentum" in OPTIMIZERS[name].extra]
NAMES = list(OPTIMIZERS)
LEVELS = 18


class OptimizerRace(BookExample, FigureStateOnDisplay, widgets.VBox):
    """Five optimizers descend f(x, y) from the same start; `.play.value` is the step shown.

    Each runner keeps its own point (x, y) as two Values, gets dL/dx, dL/dy from a backward
    pass through the surface's expression and lets its gradlab.optim optimizer update them:
    SGD x <- x - lr df/dx; momentum v <- m v - lr df/dx, x <- x + v; AdaGrad, RMSProp and Adam
    divide by the root of their running squared gradients. Attributes for driving it from
    Python: .runners, .paths (name -> points shown), .sliders, .figures, .step(), .reset().
    """

    __repr__ = describe_lab

    def __init__(self, surface: str = "valley", steps: int = 0, momentum: float = 0.9,
                 decay: float = 0.0) -> None:
        self.message = Message()
        chosen = _surface_or_default(surface)
        self.surface = chosen
        self.surface_choice = widgets.Dropdown(
            options=[(s.title, s.name) for s in SURFACES.values()], value=chosen.name,
            description="surface", layout=widgets.Layout(width="330px"))
        self.play = widgets.Play(value=0, min=0, max=MAX_STEPS, step=STEPS_PER_TICK,
                                 interval=INTERVAL, description="Play / Pause",
                                 show_repeat=False)
        self.step_button = widgets.Button(description="Step", icon="step-forward",
                                          layout=widgets.Layout(width="90px"))
        self.reset_button = widgets.Button(description="Reset", icon="undo",
                                           layout=widgets.Layout(width="90px"))
        self.rates = {name: rate_slider(f"learning rate, {name}", chosen.rates[name], 1e-4, 3.0)
                      for name in NAMES}
        self.momentum_slider = Slider(
            value=momentum, min=MOMENTUM.low, max=MOMENTUM.high, step=MOMENTUM.step,
            description=f"{MOMENTUM.label} ({', '.join(WITH_MOMENTUM)})",
            continuous_update=True, style={"description_width": "initial"},
            layout=widgets.Layout(width="100%", max_width="520px"))
        self.decay_slider = widgets.SelectionSlider(
            options=[(f"{d:g}", d) for d in DECAYS], value=nearest(decay, DECAYS),
            description="learning-rate decay (all)", continuous_update=True,
            style={"description_width": "initial"},
            layout=widgets.Layout(width="100%", max_width="520px"))
        self.sliders: dict[str, Any] = {**{f"learning rate, {n}": s for n, s in
                                           self.rates.items()},
                                        "momentum": self.momentum_slider,
                                        "decay": self.decay_slider}
        self.readout = widgets.HTML()
        self.map = self._build_map()
        self.curves = self._build_curves()
        self.figures = [self.map, self.curves]
        self.runners = {name: Runner(name, self._settings(name), chosen) for name in NAMES}
        self.paths: dict[str, np.ndarray] = {}
        self._syncing = False
        self._draw_surface()
        # the surface first (it sets its own learning rates), the step last
        book = self.book_row([self.surface_choice, *self.rates.values(), self.momentum_slider,
                              self.decay_slider, (self.play, min(int(steps), MAX_STEPS))],
                             book=momentum == 0.9 and decay == 0.0,
                             tooltip=f"back to {chosen.title} with its learning rates, momentum "
                                     f"{fmt(momentum)}, decay {fmt(decay)}, "
                                     f"step {min(int(steps), MAX_STEPS)}")
        controls = widgets.HBox([self.surface_choice, self.play, self.step_button,
                                 self.reset_button, *book],
                                layout=widgets.Layout(flex_flow="row wrap"))
        super().__init__(children=[controls, self.readout, self.map, self.curves,
                                   *self.rates.values(), self.momentum_slider,
                                   self.decay_slider, self.message])
        self.play.observe(self._on_play, names="value")
        self.surface_choice.observe(self._on_surface, names="value")
        for name, slider in self.rates.items():
            slider.observe(lambda change, name=name: self._on_setting([name]), names="value")
        self.momentum_slider.observe(lambda change: self._on_setting(WITH_MOMENTUM),
                                     names="value")
        self.decay_slider.observe(lambda change: self._on_setting(NAMES), names="value")
        self.step_button.on_click(lambda _: self.step())
        self.reset_button.on_click(lambda _: self.reset())
        if steps:
            self.play.value = min(int(steps), MAX_STEPS)
        else:
            self.update()
        if surface is not chosen and surface != chosen.name:
            self.message.show(f"no surface {surface!r}: showing the valley. Choose one of "
                              f"{', '.join(SURFACES)}", "error")

    # -- building (once) ------------------------------------------------------------------------

    def _build_map(self) -> Figure:
        """The map's traces: "levels", "level values", "minimum", "start", one path per
        optimizer (named as the optimizer) and "heads", where each is now."""
        traces: dict[str, Any] = {
            **level_traces("level curves of f", colour="#8c8c8c", width=1.2),
            "minimum": go.Scatter(name="minimum", mode="markers",
                                  marker={"symbol": "x", "size": 13, "color": PALETTE["text"]}),
            "start": go.Scatter(name="start", mode="markers", showlegend=False,
                                marker={"symbol": "circle-open", "size": 16,
                                        "color": PALETTE["text"], "line": {"width": 2}}),
        }
        for name in NAMES:
            colour, dash, symbol = STYLES[name]
            traces[name] = go.Scatter(name=name, mode="lines+markers",
                                      line={"color": colour, "width": 2, "dash": dash},
                                      marker={"size": 4, "color": colour, "symbol": symbol})
        traces["heads"] = go.Scatter(name="where each is now", mode="markers", showlegend=False,
                                     marker={"size": 14, "color": [STYLES[n][0] for n in NAMES],
                                             "symbol": [STYLES[n][2] for n in NAMES],
                                             "line": {"color": "white", "width": 1.5}},
                                     text=NAMES, hoverinfo="text")
        layout = base_layout(height=460, uirevision="keep",
                             xaxis={"title": {"text": "x"}, "constrain": "domain"},
                             yaxis={"title": {"text": "y"}, "scaleanchor": "x", "scaleratio": 1,
                                    "constrain": "domain"})
        return Figure(traces, layout)

    def _build_curves(self) -> Figure:
        """f against the step, one trace per optimizer, named as the optimizer."""
        traces = {}
        for name in NAMES:
            colour, dash, _ = STYLES[name]
            traces[name] = go.Scatter(name=name, mode="lines",
                                      line={"color": colour, "width": 2.5, "dash": dash})
        layout = base_layout(height=320, uirevision="keep",
                             xaxis={"title": {"text": "step"}, "range": [0, 20]},
                             yaxis={"title": {"text": "f(x, y)"}})
        return Figure(traces, layout)

    def _draw_surface(self) -> None:
        """Level curves, start and minimum: once per surface."""
        chosen = self.surface
        xs, ys, z = level_grid(chosen)
        x0, y0 = chosen.start
        minimum = chosen.minimum or (np.nan, np.nan)
        levels = ("level curves of f (spaced evenly in log10(1 + f))" if chosen.log_levels else
                  "level curves of f")
        # drawn once per surface as plain lines: a slider move never recomputes them
        shown = (lambda level: 10.0 ** level - 1.0) if chosen.log_levels else None
        lines, labels = level_data(xs, ys, z, LEVELS, shown)
        with self.map.batch_update():
            self.map.trace("levels").set(name=f"{levels}, f = {chosen.expression.text}")
            self.map.trace("minimum").set(x=[minimum[0]], y=[minimum[1]])
            self.map.trace("start").set(x=[x0], y=[y0])
            self.map.layout.xaxis.range = list(chosen.x_range)
            self.map.layout.yaxis.range = list(chosen.y_range)
        self.map.restyle({"levels": lines, "level values": labels})
        with self.curves.batch_update():
            # f >= 0 with minimum 0: a log axis shows the last digits of the approach
            self.curves.layout.yaxis.type = "linear" if chosen.minimum is None else "log"
            self.curves.layout.yaxis.title.text = f"f(x, y) = {chosen.expression.text}"

    # -- settings -------------------------------------------------------------------------------

    def _settings(self, name: str) -> dict[str, float]:
        settings = {"lr": float(self.rates[name].value), "decay": float(self.decay_slider.value)}
        if name in WITH_MOMENTUM:
            settings["momentum"] = float(self.momentum_slider.value)
        return settings

    @guarded
    def _on_setting(self, names: list[str]) -> None:
        if self._syncing:
            return
        for name in names:
            runner = self.runners[name]
            runner.settings = self._settings(name)
            runner.restart()  # the same start, the new settings: the path is recomputed
        self.update()

    @guarded
    def _on_surface(self, change: dict) -> None:
        self.choose(change["new"])

    def choose(self, name: str) -> None:
        """Race on another surface: its level curves, start and learning rates; step 0."""
        chosen = surface(name)
        self.surface = chosen
        self._syncing = True
        try:
            self.play.playing = False
            for optimizer, slider in self.rates.items():
                slider.value = nearest_nice(chosen.rates[optimizer])
            if self.surface_choice.value != chosen.name:
                self.surface_choice.value = chosen.name
            self.play.value = 0
        finally:
            self._syncing = False
        self.runners = {n: Runner(n, default_settings(chosen, n, self.momentum_slider.value,
                                                      self.decay_slider.value), chosen)
                        for n in NAMES}
        self._draw_surface()
        self.update()

    # -- stepping -------------------------------------------------------------------------------

    @guarded
    def _on_play(self, change: dict) -> None:
        if not self._syncing:
            self.update()

    def step(self) -> None:
        """One step further (Play moves STEPS_PER_TICK per tick)."""
        self.play.value = min(self.play.max, self.play.value + 1)

    def reset(self) -> None:
        """Back to step 0 (the paths are kept: replaying them gives the same steps)."""
        self.play.playing = False
        self.play.value = 0

    @guarded
    def update(self) -> None:
        """Show every path up to step k = play.value, computing steps not taken yet."""
        k = int(self.play.value)
        changes: dict[str, dict[str, Any]] = {}
        loss_changes: dict[str, dict[str, Any]] = {}
        heads_x, heads_y = [], []
        for name in NAMES:
            runner = self.runners[name]
            if runner.steps < k:
                runner.advance(k - runner.steps)
            points = runner.path[: k + 1]
            losses = np.array(runner.losses[: k + 1], dtype=np.float64)
            drawn = self.paths.get(name)
            self.paths[name] = points
            heads_x.append(points[-1, 0])
            heads_y.append(points[-1, 1])
            if drawn is None or not np.array_equal(drawn, points):  # one setting: one path
                changes[name] = {"x": points[:, 0], "y": points[:, 1]}
            if self.surface.minimum is not None:
                losses = np.where(losses > 0, losses, np.nan)  # a log axis has no 0
            loss_changes[name] = {"x": np.arange(len(losses), dtype=np.float64), "y": losses}
        if changes:
            changes["heads"] = {"x": np.array(heads_x), "y": np.array(heads_y)}
            self.map.move(changes)  # fixed axes: only the paths that moved, and the heads
        span = [0, max(20, k)]
        if list(self.curves.layout.xaxis.range or []) != span:  # one redraw, not two
            self.curves.replot(loss_changes, {"xaxis.range": span})
        else:
            self.curves.restyle(loss_changes)
        self._readout(k)
        self._explain(k)

    def _tag(self, name: str, k: int, f: float) -> str:
        """f at the end of `name`'s path after k steps, tagged so a test can rerun it with
        gradlab.surfaces.race: the settings are read from `at`, keyed by the sliders' labels."""
        labels = {"lr": self.rates[name].description,
                  "decay": self.decay_slider.description}
        if "momentum" in self.runners[name].settings:
            labels["momentum"] = self.momentum_slider.description
        settings = self.runners[name].settings
        at = {label: settings[key] for key, label in labels.items()}
        check = {"kind": "race", "surface": self.surface.name, "optimizer": name, "steps": k,
                 "settings": labels}
        return tagged(fmt(f), "", "", at, f, check)

    def _readout(self, k: int) -> None:
        cells = []
        for name in NAMES:
            runner = self.runners[name]
            shown = min(k, runner.steps)
            x, y = runner.points[shown]
            cells.append(f"<span style='color:{STYLES[name][0]}'>■</span> {html.escape(name)}: "
                         f"f = {self._tag(name, k, runner.losses[shown])} at "
                         f"({fmt(x, 3)}, {fmt(y, 3)})")
        self.readout.value = ('<div style="font-size:15px;line-height:1.5">'
                              f"<b>step {k}</b> of {MAX_STEPS} &nbsp;·&nbsp; "
                              + " &nbsp;·&nbsp; ".join(cells) + "</div>")

    def _explain(self, k: int) -> None:
        stopped = [f"{name} {runner.stopped}" for name, runner in self.runners.items()
                   if runner.stopped and runner.steps < k]
        if stopped:
            extra = "" if self.surface.minimum is not None else \
                " (the saddle has no minimum: f falls without end along y)"
            self.message.show("; ".join(stopped) + extra, "warning")
        elif k >= MAX_STEPS:
            self.message.show(f"the race is over ({MAX_STEPS} steps): press Reset to watch it "
                              "again", "info")
        else:
            self.message.show(self.surface.note, "info")


def _surface_or_default(name: Any):
    try:
        return surface(name)
    except ValueError:
        return SURFACES["valley"]

