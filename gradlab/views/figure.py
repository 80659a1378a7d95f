"""Every plotly call of the labs, in one place: a figure of named traces.

A view builds a `Figure` once from its traces, each under a name, and changes them through
those names, never through their positions in `figure.data`:

    figure = Figure({"function": go.Scatter(...), "tangent": go.Scatter(...)}, layout)
    figure.trace("tangent").move(x=xs, y=ys)          # a still frame: only this trace redrawn
    figure.move({"tangent": {...}, "point": {...}})    # several traces, one message
    figure.restyle({"levels": {...}})                  # redraws the whole plot
    figure.replot({"SGD": {...}}, {"xaxis.range": r})  # traces and axes, one redraw

This is the only module of the views that knows plotly.py's internals (its private methods
and attributes): `move` calls three of them for speed, `refresh_figure_state` writes the state
a late page starts from, and each falls back to plotly's public API when a plotly release
moved them (slower in the browser, never broken). Tests that watch what is sent to the page
use `spy`, here, rather than patching plotly themselves.

plotly's FigureWidget is an anywidget whose code (plotly.js and its widget, ~5 MB of
JavaScript) travels with every figure, and the page evaluates it anew for each: ~2 s per
figure in headless Chromium on 2 cores (benchmarks/README.md). A `Figure` sends instead a small
module (`SHARED_PLOTLY`) that loads plotly's own code once per page and kernel, from one
view-less widget (`PlotlyCode`) that carries it; plotly's widget then runs unchanged.
"""

from __future__ import annotations

import contextlib
import copy
import inspect
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import ipywidgets as widgets
import numpy as np
import plotly.graph_objects as go
import traitlets

Changes = Mapping[str, Mapping[str, Any]]  # trace name -> {property: value}


class NamedTraces:
    """A plotly figure whose traces are addressed by name (`figure.trace("tangent")`).

    `traces` maps each name (the view's own, not the legend's text, which may change) to its
    plotly trace, in drawing order: later traces are drawn on top.
    """

    def __init__(self, traces: Mapping[str, Any], layout: Any = None) -> None:
        super().__init__(data=list(traces.values()), layout=layout)  # type: ignore[call-arg]
        self._names = {name: index for index, name in enumerate(traces)}

    @classmethod
    def named(cls, figure: Any, names: Sequence[str]) -> Any:
        """A figure of this class holding `figure`'s traces (named `names`, in order) and
        layout, e.g. one made with plotly's make_subplots."""
        named = cls.__new__(cls)
        super(NamedTraces, named).__init__(figure)  # plotly's own copy (subplots' grid too)
        if len(names) != len(named.data):
            raise ValueError(f"{len(names)} names for {len(named.data)} traces")
        named._names = {name: index for index, name in enumerate(names)}
        return named

    @property
    def names(self) -> list[str]:
        """The traces' names, in drawing order."""
        return list(self._names)

    def names_at(self, indexes: list[int] | None) -> list[str]:
        """The names of the traces at plotly's positions `indexes` (as a message gives them)."""
        by_index = {index: name for name, index in self._names.items()}
        return [by_index[index] for index in indexes or []]

    def trace(self, name: str) -> Trace:
        """The trace called `name`."""
        return Trace(self, name)

    def _index(self, name: str) -> int:
        try:
            return self._names[name]
        except KeyError:
            raise KeyError(f"no trace named {name!r}; the figure has {self.names}") from None

    def _by_index(self, changes: Changes) -> dict[int, dict[str, Any]]:
        return {self._index(name): dict(properties) for name, properties in changes.items()}

    def restyle(self, changes: Changes) -> None:
        """Assign trace properties in place: `changes` maps a trace's name to {property: value}.

        Uses FigureWidget.plotly_restyle, which changes the existing traces and sends a
        Plotly.restyle message. Unlike assigning `trace.x = ...` it skips plotly's per-property
        validation (about 0.2 ms per array, most of an update's time), so callers pass
        ready-made values: float arrays (nan for gaps), strings, booleans.

        Every Plotly.restyle makes the browser recompute and redraw the whole plot, so the
        changes go in ONE message: a trace that does not set a property another one sets is
        given its current value (only where it has one; otherwise the traces go in groups, one
        message per group of traces setting the same properties).
        """
        by_index, keys = _ready(self._by_index(changes))
        for index, properties in by_index.items():
            for key in keys:
                if key not in properties:
                    current = self.data[index][key]
                    if current is not None:
                        properties[key] = current
        groups: dict[tuple[str, ...], list[int]] = {}
        for index, properties in by_index.items():
            groups.setdefault(tuple(sorted(properties)), []).append(index)
        for group, indexes in groups.items():
            self.plotly_restyle({key: [by_index[i][key] for i in indexes] for key in group},
                                trace_indexes=indexes)

    def replot(self, changes: Changes, layout: Mapping[str, Any]) -> None:
        """Trace properties (as `restyle` takes them, every trace setting the same ones) and
        layout properties (by path, e.g. "xaxis.range") in ONE Plotly.update message: the
        browser recomputes and redraws the plot once."""
        indexes, _, data = _same_properties(self._by_index(changes), "replot")
        self.plotly_update(data, dict(layout), trace_indexes=indexes)

    def move(self, changes: Changes, layout: Mapping[str, Any] | None = None) -> None:
        """A still frame: like `restyle`, for scatter traces whose points (x, y) or texts change
        on axes with fixed ranges, and for layout images whose pictures change (`layout` maps a
        path such as "images[0].source" to its new value). Every trace given must change the
        same properties.

        The browser runs Plotly.animate with no transition and no redraw, which redraws only
        the traces given and the layout's images; Plotly.restyle recomputes and redraws the
        whole plot (level curves, their labels, the legend), about twice the work on the
        optimizer race's map, and sends every trace's state back before the page can paint. A
        relayout from plotly's widget also redraws the whole plot (it passes the widget's own
        flag to Plotly.relayout, which takes it for a layout attribute). Nothing else is redone:
        no autorange, no legend, so only x, y, text and images' sources may change here.
        """
        indexes, by_index, data = _same_properties(self._by_index(changes), "move")
        layout = dict(layout or {})
        if any(not _MOVABLE_LAYOUT.fullmatch(path) for path in layout):
            raise ValueError("move: only layout images' sources may change, as images[i].source")
        if not _has_fast_move(self):
            # a plotly whose private methods moved: the public update (the browser redraws the
            # whole plot, slower, but the figure and the page hold the same points)
            self.plotly_update(restyle_data=data or None, relayout_data=layout or None,
                               trace_indexes=indexes or None)
            return
        # the Python side of the figure first, as plotly_restyle and plotly_relayout do (they
        # report what changed)
        restyled = bool(indexes) and self._perform_plotly_restyle(restyle_data=data,
                                                                  trace_indexes=indexes)
        relaid = self._perform_plotly_relayout(relayout_data=layout) if layout else {}
        if not restyled and not relaid:
            return
        if not restyled:
            indexes = []
        self._send_animate_msg(styles_data=[by_index[i] for i in indexes], relayout_data=relaid,
                               trace_indexes=indexes, animation_opts=_MOVE_NOW)


# -- one plotly.js per page ---------------------------------------------------------------------

# The module a Figure sends in place of plotly's: it fetches plotly's code from the PlotlyCode
# widget named by the figure's `_plotly_code` (its model id), evaluates it once per page (a
# module per PlotlyCode, i.e. per kernel) and hands each figure a widget of its own from
# plotly's factory, as anywidget would have done from plotly's module.
SHARED_PLOTLY = r"""// gradlab/views/figure.py: plotly's code, evaluated once per page
const MODULES = Symbol.for("gradlab.plotly-modules");

async function carrierOf(model) {
  const id = model.get("_plotly_code");
  for (let waited = 0; ; waited += 50) {
    try {
      return await model.widget_manager.get_model(id);
    } catch (error) {  // opened just before this figure: give the page a moment to register it
      if (waited >= 10000) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

function plotlyModule(model) {
  const modules = (globalThis[MODULES] ??= new Map());
  const id = model.get("_plotly_code");
  if (!modules.has(id)) {
    const loading = carrierOf(model).then(async (carrier) => {
      // the code's UTF-8 bytes (a DataView of the message's buffer) or, from an older
      // kernel, its text: a Blob takes either as it is
      const code = new Blob([carrier.get("code")], { type: "text/javascript" });
      const url = URL.createObjectURL(code);
      try {
        return await import(/* webpackIgnore: true */ url);
      } finally {
        URL.revokeObjectURL(url);
      }
    });
    loading.catch(() => modules.delete(id));  // the next figure tries again
    modules.set(id, loading);
  }
  return modules.get(id);
}

export default () => {
  let widget;
  return {
    async initialize(context) {
      const plotly = await plotlyModule(context.model);
      widget = typeof plotly.default === "function" ? await plotly.default() : plotly.default;
      return widget.initialize && widget.initialize(context);
    },
    render(context) {
      return widget.render(context);
    },
  };
};
"""


def _plotly_widget_code() -> str | None:
    """plotly's FigureWidget module (its anywidget `_esm`) as text, or None when this plotly's
    FigureWidget is not an anywidget with its code in one module (then figures send plotly's
    own, unchanged)."""
    esm = getattr(go.FigureWidget, "_esm", None)
    if not isinstance(esm, str) and type(esm).__name__ not in ("FileContents",
                                                                "VirtualFileContents"):
        return None
    return str(esm) or None


class PlotlyCode(widgets.Widget):
    """A widget with no view: plotly's FigureWidget code, sent to the page once per kernel for
    every Figure to load from (see SHARED_PLOTLY).

    The code travels as UTF-8 bytes, a binary buffer of the widget's message: neither the
    kernel nor the page handles it as a 5 MB JSON string (the kernel's JSON encoding of it took
    ~30 ms; a buffer is not signed either), and the page hands the bytes to a Blob as they are.
    The bytes stay with the widget, for a page that asks for its state again: ~5 MB of the
    kernel's memory beside the text plotly keeps.
    """

    code = traitlets.Bytes().tag(sync=True)


_code_widget: PlotlyCode | None = None


def plotly_code() -> PlotlyCode:
    """The kernel's PlotlyCode widget (made, and its comm opened, at the first Figure; made
    again if it was closed)."""
    global _code_widget
    if _code_widget is None or _code_widget.comm is None:
        _code_widget = PlotlyCode(code=(_PLOTLY_CODE or "").encode())  # ~5 ms, once
    return _code_widget


_PLOTLY_CODE = _plotly_widget_code()  # read once per process: ~5 MB of text
_SHARED = _PLOTLY_CODE is not None


class Figure(NamedTraces, go.FigureWidget):
    """The live figure of a lab: a FigureWidget of named traces, whose plotly code the page
    evaluates once for all of them (see SHARED_PLOTLY)."""

    if _SHARED:
        _esm = SHARED_PLOTLY
    _plotly_code = traitlets.Unicode().tag(sync=True)  # the model id of the PlotlyCode

    @traitlets.default("_plotly_code")
    def _default_plotly_code(self) -> str:
        # read when the figure's state is first sent, just before its comm opens: the
        # PlotlyCode's comm opens first
        return plotly_code().model_id if _SHARED else ""


class Draft(NamedTraces, go.Figure):
    """A plain figure of named traces that a lab draws its first state into before it makes
    the widget (`live`), so the page has that state from the widget's first message on."""


def live(draft: Draft) -> Figure:
    """The draft, already drawn, as a Figure (a FigureWidget) with the same trace names. (On a
    busy machine, a lab whose figure was filled in after the widget was made was seen drawn
    empty in JupyterLab.)"""
    return Figure.named(draft, draft.names)


class Trace:
    """One named trace of a Figure: `.data` is plotly's trace; `.set` assigns properties with
    plotly's validation (inside `figure.batch_update()` they go in one message), `.move` and
    `.restyle` change it as Figure.move and Figure.restyle do."""

    def __init__(self, figure: NamedTraces, name: str) -> None:
        self.figure, self.name = figure, name
        self.data = figure.data[figure._index(name)]  # type: ignore[attr-defined]

    def set(self, **properties: Any) -> None:
        self.data.update(**properties)

    def move(self, **properties: Any) -> None:
        self.figure.move({self.name: properties})

    def restyle(self, **properties: Any) -> None:
        self.figure.restyle({self.name: properties})


def _ready(changes: dict[int, dict[str, Any]]) -> tuple[dict[int, dict[str, Any]], list[str]]:
    """The changes with every array contiguous, and the properties they set, in order.

    An array goes to the browser as a binary buffer, which must be contiguous: a column of a
    points array (points[:, 0]) is not, and the widget's comm refuses it (ValueError)."""
    changes = {index: {key: np.ascontiguousarray(value) if isinstance(value, np.ndarray)
                       else value for key, value in properties.items()}
               for index, properties in changes.items()}
    return changes, list(dict.fromkeys(key for properties in changes.values()
                                       for key in properties))


def _same_properties(changes: dict[int, dict[str, Any]], caller: str
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


# -- the state a page that connects late starts from ---------------------------------------------


def refresh_figure_state(widget: Any) -> None:
    """Copy each FigureWidget's current traces and layout into the state a new page starts from.

    plotly does this only for a figure displayed on its own; inside a box, a page that connects
    after the cells ran (Voila, a reloaded tab) would draw the empty traces it was made with.
    """
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


# -- for tests: what a figure sends to the page -------------------------------------------------

# plotly.py's private senders, one per kind of message, with the parameters they take
_SENDERS = {
    "animate": ("_send_animate_msg",
                ("styles_data", "relayout_data", "trace_indexes", "animation_opts")),
    "restyle": ("_send_restyle_msg", ("restyle_data", "trace_indexes", "source_view_id")),
    "relayout": ("_send_relayout_msg", ("layout_data", "source_view_id")),
    "update": ("_send_update_msg",
               ("restyle_data", "relayout_data", "trace_indexes", "source_view_id")),
}


def spy(figure: go.FigureWidget, record: Callable[[str, dict[str, Any]], Any],
        kinds: tuple[str, ...] = tuple(_SENDERS)) -> None:
    """For tests: instead of sending a message of one of `kinds` ("animate" for a still frame,
    "restyle", "relayout", "update") to the page, the figure calls record(kind, message), with
    the message as {parameter: value} (trace_indexes as plotly's list of positions; `names`
    Figure.names_at turns them into names). The figure's Python side is updated as usual."""
    for kind in kinds:
        method, parameters = _SENDERS[kind]

        def send(*args: Any, _kind: str = kind, _parameters: tuple[str, ...] = parameters,
                 **kwargs: Any) -> None:
            record(_kind, {**dict(zip(_parameters, args, strict=False)), **kwargs})

        setattr(figure, method, send)


def sent(figure: go.FigureWidget, kinds: tuple[str, ...] = tuple(_SENDERS)
         ) -> list[tuple[str, dict[str, Any]]]:
    """For tests: a list that fills with (kind, message) for each message the figure would
    have sent to the page from now on (see `spy`)."""
    messages: list[tuple[str, dict[str, Any]]] = []
    spy(figure, lambda kind, message: messages.append((kind, message)), kinds)
    return messages

