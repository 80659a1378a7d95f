"""Shared pieces of the live views: the colour-blind-safe palette, a projector-friendly layout,
the message line every view shows its warnings in, the `guarded` decorator that keeps tracebacks
out of the log, number formatting for learners, the sliders (one system: `variable_sliders`,
`shared_sliders`, `rate_slider`) and a lab's plain-text
stand-in. Every plotly call (named traces, still frames, the late-page refresh) is in figure.py."""

from __future__ import annotations

import copy
import functools
import html
import json
import math
from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

import ipywidgets as widgets

# The Okabe-Ito colours: distinguishable with the common colour-vision deficiencies. Views also
# vary dash styles and marker symbols, so colour is never the only cue.
OKABE_ITO: dict[str, str] = {
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "orange": "#E69F00",
    "bluish green": "#009E73",
    "reddish purple": "#CC79A7",
    "sky blue": "#56B4E9",
    "yellow": "#F0E442",
}

# the colours by role
PALETTE: dict[str, str] = {
    "function": OKABE_ITO["blue"],
    "point": OKABE_ITO["vermillion"],
    "tangent": OKABE_ITO["orange"],
    "secant": OKABE_ITO["bluish green"],
    "gradient": OKABE_ITO["reddish purple"],
    "slice_x": OKABE_ITO["sky blue"],
    "slice_y": OKABE_ITO["bluish green"],
    "highlight": OKABE_ITO["yellow"],
    "text": "#222222",
    "muted": "#999999",
}


# While the pointer is over a plot, plotly shows its modebar (zoom, pan, download, ...) in the
# figure's top right corner: a row of 22 px buttons with 3 px padding, 2 px from the top.
MODEBAR_ROOM = 32  # px at the figure's top kept free of text
TEXT_ROW = 26  # px for one line of 15 px text (a title, a subplot title) above the plot

# Every trace type the views draw. The figures' template is plotly_white's layout and its
# defaults for these types only: plotly_white has defaults for 24 types, and plotly builds and
# validates each of them for a figure (the first figure of a kernel paid ~30 ms for that, each
# later one ~4 ms). tests/test_template.py runs every lesson and checks that each trace's type is
# here and that every figure gets plotly_white's look.
TRACE_TYPES = ("scatter", "scatter3d", "surface", "heatmap")


@functools.cache
def _template() -> dict:
    import plotly.io as pio

    white = pio.templates["plotly_white"]
    data = white.data.to_plotly_json()
    return {"layout": white.layout.to_plotly_json(),
            "data": {kind: data[kind] for kind in TRACE_TYPES if kind in data}}


def template() -> dict:
    """plotly_white for the trace types in TRACE_TYPES (a fresh copy each call)."""
    return copy.deepcopy(_template())


def base_layout(**overrides: Any) -> dict:
    """A plotly layout readable on a 1280x720 projector and in a narrow JupyterLab pane.

    No fixed width (the figure follows its pane), large font, small margins, the legend
    horizontal above the plot so it never eats the plot's width. `overrides` win, except that
    nothing goes under the modebar: the top margin keeps MODEBAR_ROOM + TEXT_ROW (a title or
    subplot title sits on the plot's top edge, below the modebar's row), and the legend hangs
    from just below that row (anchored to the figure, so plotly pushes the plot down to make
    room for all of its rows, however many a narrow pane needs).
    """
    layout: dict[str, Any] = {
        "template": template(),
        "font": {"size": 15, "color": PALETTE["text"]},
        "autosize": True,
        "height": 380,
        "margin": {"l": 50, "r": 15, "t": MODEBAR_ROOM + TEXT_ROW, "b": 45},
        "legend": {"orientation": "h", "xanchor": "left", "x": 0.0},
    }
    layout.update(overrides)
    layout["margin"] = {**layout["margin"],
                        "t": max(layout["margin"].get("t", 0), MODEBAR_ROOM + TEXT_ROW)}
    layout["legend"] = {**layout["legend"], "yref": "container", "yanchor": "top",
                        "y": 1 - MODEBAR_ROOM / layout["height"]}
    return layout


_STYLES = {
    "warning": ("#7a4a00", "#fff4e0", "⚠"),
    "error": ("#8b1a00", "#fde8e4", "✖"),
    "info": ("#0b4f75", "#e6f2fa", "ℹ"),
}


class Message(widgets.HTML):
    """One line under a view telling the learner what went wrong (or what to notice).

    `.show(text, kind)` displays it, `.clear()` hides it, `.text` is the plain text shown
    ("" when cleared), so tests can read it without parsing HTML.
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(value="", **kwargs)
        self.text = ""
        self.kind = ""

    def show(self, text: str, kind: str = "warning") -> None:
        if kind not in _STYLES:
            raise ValueError(f"kind must be one of {sorted(_STYLES)}, got {kind!r}")
        if text == self.text and kind == self.kind:
            return  # unchanged: skip the widget traffic
        colour, background, icon = _STYLES[kind]
        self.text, self.kind = text, kind
        # a parser's message points at a column with a caret: keep its monospace alignment
        font = "font-family:monospace;" if "\n" in text else ""
        self.value = (f'<div style="color:{colour};background:{background};padding:2px 8px;'
                      f'border-radius:4px;font-size:15px;white-space:pre-wrap;{font}">{icon} '
                      f'{html.escape(text)}</div>')

    def clear(self) -> None:
        if self.text or self.value:
            self.text, self.kind = "", ""
            self.value = ""


Method = TypeVar("Method", bound=Callable[..., Any])


def guarded(method: Method) -> Method:
    """Run an observe callback or button handler of a view; any exception becomes a short
    message in `self.message` ("Could not update: <ExceptionType>: <msg>") instead of a
    traceback in the log. Returns None when it caught something."""

    @functools.wraps(method)
    def wrapper(self, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(self, *args, **kwargs)
        except Exception as error:  # noqa: BLE001 - a widget callback must never raise
            message = getattr(self, "message", None)
            text = f"Could not update: {type(error).__name__}: {error}"
            if isinstance(message, Message):
                message.show(text, "error")
            return None

    return wrapper  # type: ignore[return-value]


class SliderChoiceCallbacks:
    """The two callbacks of a lab with one slider over the entry chosen in a list (LayerLab,
    LossLab): moving the slider redraws, choosing an entry puts the slider on it; neither acts
    while the lab itself is moving the slider (`self._syncing`)."""

    _syncing: bool

    @guarded
    def _on_slider(self, change: dict) -> None:
        if not self._syncing:
            self.update()  # type: ignore[attr-defined]

    @guarded
    def _on_choice(self, change: dict) -> None:
        if not self._syncing:
            self.choose(change["new"])  # type: ignore[attr-defined]


def fmt(x: float, digits: int = 4) -> str:
    """A number as a learner reads it: 4 significant digits, "undefined" for nan, "∞"/"−∞",
    a true minus sign, and no "-0"; what float() cannot read (a label, "n/a") as its text."""
    try:
        x = float(x)
    except (TypeError, ValueError):
        return str(x)
    if math.isnan(x):
        return "undefined"
    if math.isinf(x):
        return "∞" if x > 0 else "−∞"
    if x == 0:
        return "0"
    text = f"{x:.{digits}g}"
    if "e" in text:
        mantissa, exponent = text.split("e")
        text = f"{mantissa}×10^{int(exponent)}"
    if text.startswith("-"):
        text = "−" + text[1:]
    return text


def tagged(text: str, expression: str, of: str, at: Mapping[str, float], value: float,
           check: Mapping[str, Any] | None = None) -> str:
    """`text` (a number as the learner reads it) in a span saying where it comes from, so a
    browser test can recompute it with the core: `data-gradlab-expression` (f in gradlab's
    language), `data-gradlab-of` ("" for f, a variable for the partial along it),
    `data-gradlab-at` (JSON of the point, keyed by slider descriptions) and
    `data-gradlab-value` (repr of the exact float). A number that is not one expression's
    (a model's loss, an optimizer's path) names its recomputation in `check` instead
    (`data-gradlab-check`, JSON; `expression` is then "")."""
    point = html.escape(json.dumps({k: float(v) for k, v in at.items()}))
    extra = (f' data-gradlab-check="{html.escape(json.dumps(dict(check)))}"'
             if check is not None else "")
    return (f'<span data-gradlab-expression="{html.escape(expression)}" '
            f'data-gradlab-of="{html.escape(of)}" data-gradlab-at="{point}" '
            f'data-gradlab-value="{float(value)!r}"{extra}>{html.escape(text)}</span>')


def _nice_step(span: float) -> float:
    """About 1/200 of the range, rounded down to 1, 2 or 5 times a power of ten."""
    raw = span / 200
    power = 10.0 ** math.floor(math.log10(raw))
    return next(m * power for m in (5, 2, 1) if m * power <= raw * (1 + 1e-12))


def _step_through(value: float, lo: float, step: float) -> float:
    """`step`, or the largest 1, 2 or 5 times a power of ten down to step / 10 whose grid
    lo + k * step holds `value`: a starting point given off the default step (x = 0.01 where
    the step is 0.02) is kept rather than moved. `step` when none does (x = pi)."""
    power = 10.0 ** math.floor(math.log10(step))
    finer = sorted((float(f"{m * power * scale:.12g}") for m in (1, 2, 5) for scale in (0.1, 1.0)),
                   reverse=True)
    for candidate in (c for c in finer if step / 10 * (1 - 1e-12) <= c <= step * (1 + 1e-12)):
        k = (value - lo) / candidate
        if abs(k - round(k)) <= 1e-9 * max(1.0, abs(k)):
            return candidate
    return step


class Slider(widgets.FloatSlider):
    """A FloatSlider that ignores the page's rounding of its own value.

    The page's slider works in percent of its range, so a value the kernel set, such as 1.0 on
    [-3, 3] in steps of 0.1, comes back from the page as 0.9999999999999996 when the slider is
    first drawn. A plain FloatSlider takes that as a move: every lab recomputed and redrew once
    after it appeared (a 3-D surface, drawn in software without a GPU, twice). A value from the
    page within NOISE steps of the current one is taken as the current value; a learner's move
    is at least one step. Setting .value in Python is unchanged.
    """

    NOISE = 1e-9  # in steps

    def set_state(self, sync_data: dict) -> None:
        value = sync_data.get("value")
        if (isinstance(value, float) and value != self.value
                and abs(value - self.value) <= self.NOISE * self.step):
            sync_data = {**sync_data, "value": self.value}
        super().set_state(sync_data)


def make_slider(name: str, value: float, lo: float, hi: float,
                step: float | None = None) -> Slider:
    """A FloatSlider for variable `name` on [lo, hi] that updates while dragged; the step
    defaults to a round number near 1/200 of the range so a drag moves smoothly (finer, down to
    a tenth of that, when `value` lies on a finer round step only). `value` is put on the
    slider's step (the page would move it there)."""
    lo, hi = float(lo), float(hi)
    if not lo < hi:
        raise ValueError(f"the range of {name} must have lo < hi, got ({lo}, {hi})")
    value = min(max(float(value), lo), hi)
    if step is None:
        step = _step_through(value, lo, _nice_step(hi - lo))
    # The browser snaps a value to min + k * step: start on such a value, or the page and the
    # kernel would disagree about the point (1.0 shown as 0.99).
    value = min(round(lo + round((value - lo) / step) * step, 12), hi)
    return Slider(
        value=value, min=lo, max=hi, step=step, description=name,
        continuous_update=True, readout=True, readout_format=".3g",
        style={"description_width": "initial"},
        layout=widgets.Layout(width="100%", max_width="520px"),
    )


DEFAULT_RANGE = (-3.0, 3.0)  # a variable's slider range unless one is given


def start_value(lo: float, hi: float) -> float:
    """Where a new slider starts: 1 if the range allows (0 is often a kink or a pole), else
    the middle."""
    return 1.0 if lo < 1.0 < hi else (lo + hi) / 2


def variable_sliders(names: Iterable[str], ranges: Mapping[str, tuple[float, float]] | None = None,
                     point: Mapping[str, float] | None = None) -> dict[str, widgets.FloatSlider]:
    """A slider per variable (the one slider system of the labs): on its range (default
    DEFAULT_RANGE, widened to hold a starting value given outside it, rather than moving the
    point), starting at the point's value (default `start_value` of its range)."""
    ranges, point = ranges or {}, point or {}
    sliders = {}
    for name in names:
        lo, hi = ranges.get(name, DEFAULT_RANGE)
        value = float(point[name]) if name in point else start_value(lo, hi)
        if name not in ranges:
            lo, hi = min(lo, value), max(hi, value)
        sliders[name] = make_slider(name, value, lo, hi)
    return sliders


def shared_sliders(sliders: Mapping[str, widgets.FloatSlider], names: Iterable[str],
                   keep_all: bool = False) -> dict[str, widgets.FloatSlider]:
    """A composite's sliders that a part reads: those of `names` (all of them with
    `keep_all`); a clear error when one of `names` is missing."""
    names = list(names)
    missing = [name for name in names if name not in sliders]
    if missing:
        raise ValueError(f"no slider for {', '.join(missing)}")
    return dict(sliders) if keep_all else {name: sliders[name] for name in names}


# Round numbers a learner can type into a formula: 1, 1.5, 2, 3, 4, 4.5, 5, ... 9 per decade.
NICE_NUMBERS = tuple(sorted({round(m * 10.0 ** e, 10) for e in range(-4, 2)
                             for m in (1, 1.5, 2, 3, 4, 4.5, 5, 6, 7, 8, 9)}))


def nearest(value: float, options: tuple[float, ...]) -> float:
    """The option closest to value."""
    return min(options, key=lambda option: abs(option - float(value)))


def nearest_nice(value: float, options: tuple[float, ...] = NICE_NUMBERS) -> float:
    """The option closest to value on a log scale."""
    return min(options, key=lambda option: abs(math.log10(option) - math.log10(value)))


def rate_slider(description: str, value: float, lo: float, hi: float,
                **kwargs: Any) -> widgets.SelectionSlider:
    """A slider over round numbers from lo to hi (a learning rate, a step h): every value it
    shows is exactly the number used, where a log slider's page would nudge 0.05 to 0.0501."""
    options = [v for v in NICE_NUMBERS if lo * (1 - 1e-9) <= v <= hi * (1 + 1e-9)]
    settings = {"continuous_update": True, "style": {"description_width": "initial"},
                "layout": widgets.Layout(width="100%", max_width="520px"), **kwargs}
    return widgets.SelectionSlider(options=[(f"{v:g}", v) for v in options],
                                   value=nearest_nice(value, tuple(options)),
                                   description=description, **settings)


def describe_lab(view: Any) -> str:
    """A lab's plain-text stand-in: what a notebook shows before it is run (and what nbval
    compares), e.g. "Curve of x^2: a live lab, run the cell to use it"."""
    expression = getattr(view, "expression", None)
    if expression is None:
        expression = getattr(getattr(view, "source", None), "expression", None)
    what = f" of {expression.text}" if expression is not None else ""
    return f"{type(view).__name__}{what}: a live lab, run the cell to use it"

