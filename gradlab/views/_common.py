"""Shared pieces of the live views: the colour-blind-safe palette, a projector-friendly layout,
the message line every view shows its warnings in, the `guarded` decorator that keeps tracebacks
out of the log, number formatting for learners and the slider factory."""

from __future__ import annotations

import contextlib
import copy
import functools
import html
import inspect
import json
import math
import re
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import ipywidgets as widgets
import numpy as np

# Okabe-Ito colours by role: distinguishable with the common colour-vision deficiencies.
# Views also vary dash styles and marker symbols, so colour is never the only cue.
PALETTE: dict[str, str] = {
    "function": "#0072B2",  # blue
    "point": "#D55E00",  # vermillion
    "tangent": "#E69F00",  # orange
    "secant": "#009E73",  # bluish green
    "gradient": "#CC79A7",  # reddish purple
    "slice_x": "#56B4E9",  # sky blue
    "slice_y": "#009E73",  # bluish green
    "highlight": "#F0E442",  # yellow
    "text": "#222222",
    "muted": "#999999",
}


# While the pointer is over a plot, plotly shows its modebar (zoom, pan, download, ...) in the
# figure's top right corner: a row of 22 px buttons with 3 px padding, 2 px from the top.
MODEBAR_ROOM = 32  # px at the figure's top kept free of text
TEXT_ROW = 26  # px for one line of 15 px text (a title, a subplot title) above the plot


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
        "template": "plotly_white",
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


def fmt(x: float, digits: int = 4) -> str:
    """A number as a learner reads it: 4 significant digits, "undefined" for nan, "∞"/"−∞",
    a true minus sign, and no "-0"."""
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


def make_slider(name: str, value: float, lo: float, hi: float,
                step: float | None = None) -> widgets.FloatSlider:
    """A FloatSlider for variable `name` on [lo, hi] that updates while dragged; the step
    defaults to a round number near 1/200 of the range so a drag moves smoothly."""
    lo, hi = float(lo), float(hi)
    if not lo < hi:
        raise ValueError(f"the range of {name} must have lo < hi, got ({lo}, {hi})")
    if step is None:
        step = _nice_step(hi - lo)
    # The browser snaps a value to min + k * step: start on such a value, or the page and the
    # kernel would disagree about the point (1.0 shown as 0.99).
    value = min(max(float(value), lo), hi)
    value = min(round(lo + round((value - lo) / step) * step, 12), hi)
    return widgets.FloatSlider(
        value=value, min=lo, max=hi, step=step, description=name,
        continuous_update=True, readout=True, readout_format=".3g",
        style={"description_width": "initial"},
        layout=widgets.Layout(width="100%", max_width="520px"),
    )


# Round numbers a learner can type into a formula: 1, 1.5, 2, 3, 4, 4.5, 5, ... 9 per decade.
NICE_NUMBERS = tuple(sorted({round(m * 10.0 ** e, 10) for e in range(-4, 2)
                             for m in (1, 1.5, 2, 3, 4, 4.5, 5, 6, 7, 8, 9)}))


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


def _ready(changes: dict[int, dict[str, Any]]) -> tuple[dict[int, dict[str, Any]], list[str]]:
    """The changes with every array contiguous, and the properties they set, in order.

    An array goes to the browser as a binary buffer, which must be contiguous: a column of a
    points array (points[:, 0]) is not, and the widget's comm refuses it (ValueError)."""
    changes = {index: {key: np.ascontiguousarray(value) if isinstance(value, np.ndarray)
                       else value for key, value in properties.items()}
               for index, properties in changes.items()}
    return changes, list(dict.fromkeys(key for properties in changes.values()
                                       for key in properties))


def restyle(figure: Any, changes: dict[int, dict[str, Any]]) -> None:
    """Assign trace properties in place: `changes` maps a trace index to {property: value}.

    Uses FigureWidget.plotly_restyle, which changes the existing traces and sends a
    Plotly.restyle message. Unlike assigning `fig.data[i].x = ...` it skips plotly's
    per-property validation (about 0.2 ms per array, most of an update's time), so callers
    pass ready-made values: float arrays (nan for gaps), strings, booleans.

    Every Plotly.restyle makes the browser recompute and redraw the whole plot, so the changes
    go in ONE message: a trace that does not set a property another one sets is given its
    current value (only where it has one; otherwise the traces go in groups, one message per
    group of traces setting the same properties). Callers that set the same keys on every
    trace they change skip that lookup.
    """
    changes, keys = _ready(changes)
    for index, properties in changes.items():
        for key in keys:
            if key not in properties:
                current = figure.data[index][key]
                if current is not None:
                    properties[key] = current
    groups: dict[tuple[str, ...], list[int]] = {}
    for index, properties in changes.items():
        groups.setdefault(tuple(sorted(properties)), []).append(index)
    for group, indexes in groups.items():
        figure.plotly_restyle({key: [changes[i][key] for i in indexes] for key in group},
                              trace_indexes=indexes)


def replot(figure: Any, changes: dict[int, dict[str, Any]], layout: dict[str, Any]) -> None:
    """Trace properties (as `restyle` takes them, every trace setting the same ones) and
    layout properties (by path, e.g. "xaxis.range") in ONE Plotly.update message: the browser
    recomputes and redraws the plot once."""
    indexes, _, data = _by_property(changes, "replot")
    figure.plotly_update(data, layout, trace_indexes=indexes)


def _by_property(changes: dict[int, dict[str, Any]], caller: str
                 ) -> tuple[list[int], dict[int, dict[str, Any]], dict[str, list[Any]]]:
    """The trace indexes, the changes made ready (see `_ready`) and {property: [its value for
    each trace]}, for a message that sets the same properties on every trace it names."""
    indexes = list(changes)
    changes, keys = _ready(changes)
    if any(key not in properties for properties in changes.values() for key in keys):
        raise ValueError(f"{caller}: every trace must change the same properties")
    return indexes, changes, {key: [changes[i][key] for i in indexes] for key in keys}


# Plotly.animate with no transition and no redraw: only the given traces are redrawn.
_MOVE_NOW = {"frame": {"duration": 0, "redraw": False}, "transition": {"duration": 0},
             "mode": "immediate"}


def move(figure: Any, changes: dict[int, dict[str, Any]],
         layout: dict[str, Any] | None = None) -> None:
    """Like `restyle`, for scatter traces whose points (x, y) or texts change on axes with
    fixed ranges, and for layout images whose pictures change (`layout` maps a path such as
    "images[0].source" to its new value).

    The browser runs Plotly.animate with no transition and no redraw, which redraws only the
    traces given and the layout's images; Plotly.restyle recomputes and redraws the whole plot
    (level curves, their labels, the legend), about twice the work on the optimizer race's map,
    and sends every trace's state back before the page can paint. A relayout from plotly's
    widget also redraws the whole plot (it passes the widget's own flag to Plotly.relayout,
    which takes it for a layout attribute). Nothing else is redone: no autorange, no legend,
    so only x, y, text and images' sources may change here.
    """
    indexes, changes, data = _by_property(changes, "move")
    if any(not _MOVABLE_LAYOUT.fullmatch(path) for path in layout or {}):
        raise ValueError("move: only layout images' sources may change, as images[i].source")
    if not _has_fast_move(figure):
        # a plotly whose private methods moved: the public update (the browser redraws the
        # whole plot, slower, but the figure and the page hold the same points)
        figure.plotly_update(restyle_data=data or None, relayout_data=layout or None,
                             trace_indexes=indexes or None)
        return
    # the Python side of the figure first, as plotly_restyle and plotly_relayout do (they
    # report what changed)
    restyled = bool(indexes) and figure._perform_plotly_restyle(restyle_data=data,
                                                                trace_indexes=indexes)
    relaid = figure._perform_plotly_relayout(relayout_data=layout) if layout else {}
    if not restyled and not relaid:
        return
    if not restyled:
        indexes = []
    figure._send_animate_msg(styles_data=[changes[i] for i in indexes], relayout_data=relaid,
                             trace_indexes=indexes, animation_opts=_MOVE_NOW)


_MOVABLE_LAYOUT = re.compile(r"images\[\d+\]\.source")

# plotly.py's private methods that `move` calls for speed, with the parameters it passes them
# (as in plotly 5.24 to 7.1). A plotly where one is missing or takes other parameters gets the
# public plotly_update instead: slower in the browser, never broken.
_FAST_MOVE = {
    "_perform_plotly_restyle": ("restyle_data", "trace_indexes"),
    "_perform_plotly_relayout": ("relayout_data",),
    "_send_animate_msg": ("styles_data", "relayout_data", "trace_indexes", "animation_opts"),
}
_fast_move_seen: dict[tuple[Any, ...], bool] = {}


def _has_fast_move(figure: Any) -> bool:
    """Whether the figure's class has the private methods `move` uses, as it calls them."""
    methods = tuple(getattr(type(figure), name, None) for name in _FAST_MOVE)
    known = _fast_move_seen.get(methods)  # keyed by the functions: a changed plotly is looked at
    if known is None:
        known = _fast_move_seen[methods] = all(
            _takes(method, names) for method, names in zip(methods, _FAST_MOVE.values(),
                                                           strict=True))
    return known


def _takes(method: Any, names: tuple[str, ...]) -> bool:
    """Whether `method` (a function defined on a class) takes exactly self and `names`."""
    try:
        parameters = list(inspect.signature(method).parameters)
    except (TypeError, ValueError):  # missing (None) or not a function
        return False
    return parameters[1:] == list(names)


def describe_lab(view: Any) -> str:
    """A lab's plain-text stand-in: what a notebook shows before it is run (and what nbval
    compares), e.g. "Curve of x^2: a live lab, run the cell to use it"."""
    expression = getattr(view, "expression", None)
    if expression is None:
        expression = getattr(getattr(view, "source", None), "expression", None)
    what = f" of {expression.text}" if expression is not None else ""
    return f"{type(view).__name__}{what}: a live lab, run the cell to use it"


def refresh_figure_state(widget: Any) -> None:
    """Copy each FigureWidget's current traces and layout into the state a new page starts from.

    plotly does this only for a figure displayed on its own; inside a box, a page that connects
    after the cells ran (Voila, a reloaded tab) would draw the empty traces it was made with.
    """
    import plotly.graph_objects as go

    if isinstance(widget, go.FigureWidget):
        if _holds_state_as_known(widget):  # plotly 6 and 7: what its _repr_mimebundle_ does
            widget._widget_layout = copy.deepcopy(widget._layout_obj._props)
            widget._widget_data = copy.deepcopy(widget._data)
        else:  # another plotly: its own display hook refreshes the state, whatever it holds
            with contextlib.suppress(Exception):
                widget._repr_mimebundle_()
    for child in getattr(widget, "children", ()):
        refresh_figure_state(child)


def _holds_state_as_known(widget: Any) -> bool:
    """Whether a FigureWidget keeps the state a new page starts from where plotly 6 and 7 do:
    the synced traits _widget_layout and _widget_data, copied from _layout_obj and _data."""
    return (widget.has_trait("_widget_layout") and widget.has_trait("_widget_data")
            and isinstance(getattr(getattr(widget, "_layout_obj", None), "_props", None), dict)
            and isinstance(getattr(widget, "_data", None), list))


class FigureStateOnDisplay:
    """Mixin for a lab's box: its figures' state is refreshed whenever the lab is displayed."""

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        refresh_figure_state(self)
        return super()._repr_mimebundle_(**kwargs)
