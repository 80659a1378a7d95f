"""LossSurface: the book's model's loss over two chosen weights or biases (the rest held) as
level curves, the gradient (dL/da, dL/db) from backward drawn as an arrow at the point, and
gradient descent on the two: Step moves both by -learning rate * gradient."""

from __future__ import annotations

import html
import math
from collections.abc import Sequence

import ipywidgets as widgets
import numpy as np
import plotly.graph_objects as go

from .. import contours, geometry
from ..model import BookModel, DescentStep
from ._base import BookExample
from ._common import (
    PALETTE,
    Message,
    base_layout,
    describe_lab,
    fmt,
    guarded,
    rate_slider,
    tagged,
)
from .figure import Draft, FigureStateOnDisplay, live
from .levels import level_traces
from .loss import H, is_lesson_start, take_model

GRID = 31  # grid points per side: GRID^2 losses (BookModel.loss_grid) per window drawn
LEVELS = 12
WINDOW = 0.6  # the window's half-width, as a share of the entries' larger visible span
SHORTEST = 0.06  # an arrow shorter than this fraction of the window's width is drawn longer


def arrow_scale(length: float, width: float) -> float:
    """1, or the smallest of 2, 5, 10, 20, 50, ... that makes an arrow of `length` at least
    SHORTEST * width long."""
    if not (length > 0 and math.isfinite(length)) or length >= SHORTEST * width:
        return 1.0
    need = SHORTEST * width / length
    power = 10.0 ** math.floor(math.log10(need))
    return next(m * power for m in (1, 2, 5, 10) if m * power >= need)


def loss_levels(z: np.ndarray, count: int = LEVELS) -> np.ndarray:
    """About `count` levels at evenly spaced quantiles of the grid's losses, rounded to a
    thousandth of their spread: each level curve encloses about the same share of the window,
    so the valley has curves too (equally spaced levels would crowd the steep side)."""
    finite = z[np.isfinite(z)]
    if finite.size == 0 or not finite.max() > finite.min():
        return np.empty(0)
    quantiles = np.quantile(finite, np.linspace(0.0, 1.0, count + 2)[1:-1])
    unit = 10.0 ** math.floor(math.log10((finite.max() - finite.min()) / 100))
    return np.unique(np.round(quantiles / unit) * unit)


def level_data(xs: np.ndarray, ys: np.ndarray, z: np.ndarray) -> tuple[dict, dict]:
    """Restyle values for `level_traces` from z[i, j] = L(xs[j], ys[i]): the level curves of
    `loss_levels` (gaps as nan) and a label on each with its level, to 4 digits."""
    curves = contours.level_curves(xs, ys, z, loss_levels(z))
    x, y = contours.joined(curves)
    spots = contours.spread_labels(curves, (xs[0], xs[-1]), (ys[0], ys[-1]))
    labelled = [(c, at) for c, at in zip(curves, spots, strict=True) if np.isfinite(at[0])]
    labels = {"x": np.array([at[0] for _, at in labelled], dtype=np.float64),
              "y": np.array([at[1] for _, at in labelled], dtype=np.float64),
              "text": [fmt(c.level, 4) for c, _ in labelled]}
    return {"x": x, "y": y}, labels


class LossSurface(BookExample, FigureStateOnDisplay, widgets.VBox):
    """Level curves of L over two entries a, b (two dropdowns pick them) on a square window
    around the point (WINDOW times the larger BookModel.visible_span of the two either side);
    the point; the gradient (dL/da, dL/db) from the core's backward pass as an arrow (its
    components are the partials, unless the legend says it is drawn longer); the next descent
    step (a, b) - lr (dL/da, dL/db) dashed, with L there. Step takes it; the trail shows the
    steps taken; Reset puts the model's exact starting numbers back.

    `.value` is L, `.gradient` maps a and b to their partials, `.numerical` to central
    differences, `.next` is the DescentStep Step would take, `.last` the one it took.
    """

    __repr__ = describe_lab

    def __init__(self, model: BookModel | None = None,
                 batch: tuple[np.ndarray, np.ndarray] | None = None,
                 entries: Sequence[str] = ("W1[0,1]", "b2[2]"),
                 learning_rate: float = 1.0) -> None:
        take_model(self, model, batch)
        if len(entries) != 2:
            raise ValueError(f"give two entries, e.g. ('W1[0,1]', 'b2[2]'), got {entries!r}")
        for entry in entries:
            self.model.locate(entry)
        if entries[0] == entries[1]:
            raise ValueError(f"choose two different entries, got {entries[0]!r} twice")
        self.entries = (str(entries[0]), str(entries[1]))
        options = self.model.entries()
        layout = widgets.Layout(width="210px")
        self.first = widgets.Dropdown(options=options, value=self.entries[0],
                                      description="across", layout=layout)
        self.second = widgets.Dropdown(options=options, value=self.entries[1],
                                       description="up", layout=layout)
        self.rate_slider = rate_slider("learning rate", learning_rate, 0.1, 20.0)
        self.step_button = widgets.Button(description="Step", icon="arrow-down",
                                          button_style="primary")
        self.reset_button = widgets.Button(description="Reset weights", icon="undo")
        self.readout = widgets.HTML()
        self.message = Message()
        self.figure: Draft = self._build_figure()
        self.value = float("nan")
        self.gradient: dict[str, float] = {}
        self.numerical: dict[str, float] = {}
        self.next: DescentStep | None = None
        self.last: DescentStep | None = None
        self.trail: list[tuple[float, float]] = []
        self.window: tuple[float, float, float] = (0.0, 0.0, 1.0)  # centre a, centre b, half
        self.scale = 1.0
        self._draw_window()
        self.update()
        self.figure = live(self.figure)
        self.figures = [self.figure]
        controls = widgets.HBox([self.first, self.second],
                                layout=widgets.Layout(flex_flow="row wrap"))
        self.start_entries = self.entries
        book = self.book_row([self.rate_slider], book=is_lesson_start(self.model, batch),
                             tooltip="back to the starting weights and biases, "
                                     f"{' and '.join(self.entries)}, learning rate "
                                     f"{self.rate_slider.label}")
        buttons = widgets.HBox([self.step_button, self.reset_button, *book],
                               layout=widgets.Layout(flex_flow="row wrap"))
        super().__init__(children=[self.figure, self.readout, controls, self.rate_slider,
                                   buttons, self.message])
        self.first.observe(self._on_choice, names="value")
        self.second.observe(self._on_choice, names="value")
        self.rate_slider.observe(self._on_rate, names="value")
        self.step_button.on_click(self._on_step)
        self.reset_button.on_click(self._on_reset)

    @property
    def sliders(self) -> dict[str, widgets.SelectionSlider]:
        return {"learning rate": self.rate_slider}

    @property
    def point(self) -> tuple[float, float]:
        return (self.model.value_of(self.entries[0]), self.model.value_of(self.entries[1]))

    # -- building ---------------------------------------------------------------------------

    def _build_figure(self) -> Draft:
        traces = {
            **level_traces("level curves of L (the rest held)"),
            "trail": go.Scatter(name="steps taken", mode="lines+markers",
                                line={"color": PALETTE["function"], "width": 2},
                                marker={"size": 6, "color": PALETTE["function"]}),
            "next step": go.Scatter(name="next step: −learning rate × gradient",
                                    mode="lines+markers",
                                    line={"color": PALETTE["secant"], "width": 3, "dash": "dash"},
                                    marker={"size": [0, 11], "symbol": "circle-open",
                                            "color": PALETTE["secant"], "line": {"width": 2}}),
            "arrow": go.Scatter(name="gradient ∇L", mode="lines+markers",
                                line={"color": PALETTE["gradient"], "width": 4},
                                marker={"symbol": "arrow", "angleref": "previous",
                                        "size": [0, 18], "color": PALETTE["gradient"]}),
            "point": go.Scatter(name="the point", mode="markers", showlegend=False,
                                marker={"color": PALETTE["point"], "size": 13,
                                        "line": {"color": "white", "width": 1.5}}),
        }
        layout = base_layout(
            xaxis={"title": {"text": self.entries[0]}, "constrain": "domain"},
            yaxis={"title": {"text": self.entries[1]}, "scaleanchor": "x", "scaleratio": 1,
                   "constrain": "domain"},
            height=600, uirevision="keep")
        return Draft(traces, layout)

    def _draw_window(self, keep_trail: bool = False) -> None:
        """Draw L's level curves (GRID^2 losses) over a square window: around the
        point, WINDOW times the entries' larger visible span on either side, or, when the
        trail is kept, the smallest such square that holds the whole trail with a margin."""
        a, b = self.entries
        here = self.point
        trail = np.array(self.trail + [here]) if keep_trail else np.array([here])
        low, high = trail.min(axis=0), trail.max(axis=0)
        centre = (low + high) / 2
        half = max(WINDOW * max(self.model.visible_span(self.X, self.y, a),
                                self.model.visible_span(self.X, self.y, b)),
                   0.6 * float(np.max(high - low)))
        xs = np.linspace(centre[0] - half, centre[0] + half, GRID)
        ys = np.linspace(centre[1] - half, centre[1] + half, GRID)
        z = self.model.loss_grid(self.X, self.y, self.entries, xs, ys)
        lines, labels = level_data(xs, ys, z)
        self.window = (float(centre[0]), float(centre[1]), half)
        self.trail = [tuple(map(float, p)) for p in trail]
        self.figure.restyle({"levels": lines, "level values": labels})
        with self.figure.batch_update():
            self.figure.layout.xaxis.range = [xs[0], xs[-1]]
            self.figure.layout.yaxis.range = [ys[0], ys[-1]]
            self.figure.layout.xaxis.title.text = a
            self.figure.layout.yaxis.title.text = b

    def _inside(self, a: float, b: float) -> bool:
        ca, cb, half = self.window
        return abs(a - ca) <= half and abs(b - cb) <= half

    # -- redrawing --------------------------------------------------------------------------

    @guarded
    def update(self) -> None:
        """L and its two partials by backward (and central differences), the arrow, the next
        step and the readout, at the point the model is at."""
        a, b = self.entries
        result = self.model.backward_pass(self.X, self.y)
        step = self.model.descent_step(self.X, self.y, self.entries,
                                       float(self.rate_slider.value), result)
        ga, gb = (float(g) for g in step.gradient)
        self.value, self.next = result.loss, step
        self.gradient = {a: ga, b: gb}
        self.numerical = {e: self.model.numerical_partial(self.X, self.y, e, h=H)
                          for e in self.entries}
        pa, pb = self.point
        scale = arrow_scale(math.hypot(ga, gb), 2 * self.window[2])
        if scale != self.scale:
            self.scale = scale
            name = "gradient ∇L" + ("" if scale == 1 else f", drawn {fmt(scale)} × as long")
            self.figure.trace("arrow").restyle(name=name)
        arrow = geometry.arrow(pa, pb, scale * ga, scale * gb)
        trail = np.array(self.trail)
        self.figure.move({
            "trail": {"x": trail[:, 0], "y": trail[:, 1]},
            "next step": {"x": np.array([pa, step.after[0]]),
                          "y": np.array([pb, step.after[1]])},
            "arrow": {"x": arrow[0], "y": arrow[1]},
            "point": {"x": np.array([pa]), "y": geometry.with_gaps([pb])},
        })
        self._readout(result.loss, step)
        if not (np.isfinite(result.loss) and np.isfinite(ga) and np.isfinite(gb)):
            self.message.show("the loss or its gradient is undefined (overflow) here",
                              "warning")
        elif not self._inside(*step.after):
            self.message.show("the next step leaves the window: Step widens it", "info")
        else:
            self.message.clear()

    def _readout(self, loss: float, step: DescentStep) -> None:
        a, b = self.entries
        values = dict(zip(self.entries, self.point, strict=True))
        shown = {"": fmt(loss, 6), a: fmt(self.gradient[a], 6), b: fmt(self.gradient[b], 6)}
        if self._check is not None:  # tagged: a test recomputes them with gradlab.model
            start = self.recipe_start
            at = {**self.model.moved_entries(start), **values}
            exact = {"": loss, **self.gradient}
            shown = {of: tagged(text, "", of, at, exact[of], self._check)
                     for of, text in shown.items()}
        e = {name: html.escape(name) for name in self.entries}
        lines = [
            f"{e[a]} = {fmt(values[a], 6)}, {e[b]} = {fmt(values[b], 6)} &nbsp;·&nbsp; "
            f"loss L = <b>{shown['']}</b>",
            f"gradient by backward: ∂L/∂{e[a]} = <b>{shown[a]}</b>, ∂L/∂{e[b]} = "
            f"<b>{shown[b]}</b> &nbsp;(central differences: {fmt(self.numerical[a], 6)}, "
            f"{fmt(self.numerical[b], 6)})",
            f"next step: −{fmt(step.lr)} × gradient = ({fmt(step.after[0] - step.before[0], 4)},"
            f" {fmt(step.after[1] - step.before[1], 4)}) → L = {fmt(step.loss_after, 6)}",
        ]
        if self.last is not None:
            change = "down" if self.last.loss_after < self.last.loss_before else "up"
            lines.append(f"last step: L went {change}, from {fmt(self.last.loss_before, 6)} "
                         f"to {fmt(self.last.loss_after, 6)}")
        self.readout.value = ('<div style="font-size:15px;line-height:1.5">'
                              + "<br>".join(lines) + "</div>")

    # -- actions ----------------------------------------------------------------------------

    @guarded
    def step(self) -> None:
        """Take the next step: both entries move by -learning rate * their partials."""
        step = self.model.descent_step(self.X, self.y, self.entries,
                                       float(self.rate_slider.value))
        if not np.all(np.isfinite(step.after)):
            raise ValueError("the step is undefined here (the gradient overflowed)")
        for entry, value in zip(self.entries, step.after, strict=True):
            self.model.set_entry(entry, float(value))
        self.last = step
        if self._inside(*step.after):
            self.trail.append((float(step.after[0]), float(step.after[1])))
        else:  # a wider window that still shows the steps taken
            self._draw_window(keep_trail=True)
        self.update()

    @guarded
    def choose(self, first: str, second: str) -> None:
        """Draw the loss over two other entries (the model keeps every value it has)."""
        self.model.locate(first)
        self.model.locate(second)
        if first == second:
            raise ValueError(f"choose two different entries, got {first!r} twice")
        self.entries = (first, second)
        self.last = None
        self._sync_choices()
        self._draw_window()
        self.update()

    def _sync_choices(self) -> None:
        for dropdown, entry in zip((self.first, self.second), self.entries, strict=True):
            if dropdown.value != entry:
                dropdown.unobserve(self._on_choice, names="value")
                try:
                    dropdown.value = entry
                finally:
                    dropdown.observe(self._on_choice, names="value")

    @guarded
    def reset(self) -> None:
        """The model's starting numbers back, the window around them."""
        for name, data in self.start.items():
            self.model.params[name].data = data.copy()
        self.last = None
        self._draw_window()
        self.update()

    def restore_start(self) -> None:
        """The starting entries on the axes, the model's starting numbers."""
        self.entries = self.start_entries
        self._sync_choices()
        self.message.clear()
        self.reset()

    @guarded
    def _on_choice(self, change: dict) -> None:
        if self.first.value == self.second.value:
            self.message.show("choose two different entries", "warning")
            return
        self.choose(self.first.value, self.second.value)

    @guarded
    def _on_rate(self, change: dict) -> None:
        self.update()

    @guarded
    def _on_step(self, button: widgets.Button) -> None:
        self.step()

    @guarded
    def _on_reset(self, button: widgets.Button) -> None:
        self.reset()
