"""What every plotting block shares: the expression it shows, its sliders (its own, or a
composite's), reading the current point, and plain-language reasons why f is undefined."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import ipywidgets as widgets
import numpy as np

from .. import ops
from ._common import (
    Message,
    describe_lab,
    fmt,
    guarded,
    shared_sliders,
    tagged,
    variable_sliders,
)
from .figure import FigureStateOnDisplay


def as_expression(expression: Any):
    """An Expression from text in gradlab's expression language (or an Expression as is)."""
    from ..expression import Expression, parse  # the views need the parser; the core does not

    if isinstance(expression, Expression):
        return expression
    if isinstance(expression, str):
        return parse(expression)
    raise TypeError(f"expected an expression as text (e.g. 'x^2 * y') or an Expression, got "
                    f"{type(expression).__name__}")


BOOK_LABEL, START_LABEL = "book's example", "start values"


def _said(control: Any, value: Any) -> str:
    """A control at `value` as a tooltip says it: 'x = 1', 'tangent plane off', 'surface = A'."""
    name = control.description
    if isinstance(value, bool):
        return f"{name} {'on' if value else 'off'}"
    if isinstance(control, widgets.Play):
        return f"step {value}"
    for option in getattr(control, "options", ()):  # a chosen option: its label
        label, option_value = option if isinstance(option, tuple) else (str(option), option)
        if option_value == value:
            return f"{name} = {label}"
    return f"{name} {value}" if isinstance(value, str) else f"{name} = {fmt(value)}"


class BookExample:
    """Mixin for a lab: `book_button` ("book's example", or "start values" for a lab built at
    other numbers than its defaults, which are the chapter's) and `book_example()`, which put
    every control back where the lab started, stop what plays, and redraw the start state."""

    book_button: widgets.Button

    def book_row(self, controls: Iterable[Any], book: bool = True, tooltip: str = "",
                 shown: bool = True) -> list[widgets.Widget]:
        """Remember the controls' values now (or the value given with one, as a pair
        (control, value)) and make `book_button`; returns it in a list to
        place in the lab, or [] if not `shown` (a part of a composite, whose sliders it shares:
        the composite's own button puts them back)."""
        self._start_values = [c if isinstance(c, tuple) else (c, c.value) for c in controls]
        said = ", ".join(_said(c, v) for c, v in self._start_values)
        self.book_button = widgets.Button(
            description=BOOK_LABEL if book else START_LABEL, icon="undo",
            tooltip=tooltip or f"back to {said or 'the start'}",
            layout=widgets.Layout(width="auto"))
        self.book_button.on_click(self._on_book)
        return [self.book_button] if shown else []

    def book_example(self) -> None:
        """Stop playing, put every control back to its start value (in the order given), then
        `restore_start` the rest of the lab (and redraw)."""
        for control, _ in self._start_values:
            if isinstance(control, widgets.Play):
                control.playing = False
        for control, value in self._start_values:
            if control.value != value:
                control.value = value
        self.restore_start()

    def restore_start(self) -> None:
        """What a lab holds beside its controls (weights, a run) back to the start, and a
        redraw: by default only the redraw."""
        self.update()  # type: ignore[attr-defined]

    @guarded
    def _on_book(self, button: widgets.Button) -> None:
        self.book_example()


class View(BookExample, FigureStateOnDisplay, widgets.VBox):
    """A block: an expression, a slider per variable and a Message line.

    With `sliders=None` the block makes and observes its own sliders; given sliders (shared
    with a composite) it only reads them, and the composite calls `update`.
    """

    __repr__ = describe_lab

    def _setup(self, expression: Any, sliders: Mapping[str, widgets.FloatSlider] | None,
               ranges: Mapping[str, tuple[float, float]] | None,
               names: Iterable[str]) -> None:
        self.expression = as_expression(expression)
        self.message = Message()
        wanted = list(dict.fromkeys([*self.expression.variables, *names]))
        self.owns_sliders = sliders is None
        if sliders is None:
            self.sliders = variable_sliders(wanted, ranges)
            for slider in self.sliders.values():
                slider.observe(self._on_slider, names="value")
        else:
            self.sliders = shared_sliders(sliders, wanted, keep_all=True)

    @guarded
    def _on_slider(self, change: dict) -> None:
        self.update()

    def range_of(self, name: str) -> tuple[float, float]:
        slider = self.sliders[name]
        return float(slider.min), float(slider.max)

    def point(self, point: Mapping[str, float] | None = None) -> dict[str, float]:
        """The sliders' values, overridden by `point` where it gives a value."""
        values = {name: float(slider.value) for name, slider in self.sliders.items()}
        if point:
            values.update({name: float(v) for name, v in point.items()})
        return values

    def regridded(self, point: Mapping[str, float] | None = None) -> tuple[dict[str, float], tuple]:
        """For a lab over a grid of its pair (a, b) of variables: the point (as `point`), and
        the values of the other variables, the grid made again (`_regrid`) when they changed."""
        point = self.point(point)
        others = tuple(v for k, v in sorted(point.items()) if k not in self.pair)
        if others != self._grid_for:
            self._regrid(point)
            self._grid_for = others
        return point, others

    def values_for(self, point: Mapping[str, Any]) -> dict[str, Any]:
        """Only the variables f has (evaluate is not given names it does not know)."""
        return {name: point[name] for name in self.expression.variables}

    def shown_partials(self, values: Mapping[str, Any], value: float,
                       partials: tuple[float, float]) -> list[str]:
        """The two plotted partials as text, each tagged with the core's number for the
        browser tests, except where f is undefined and the view blanks it."""
        shown = [fmt(p) for p in partials]
        for i, name in enumerate(self.pair):
            if name in values and np.isfinite(value):
                shown[i] = tagged(shown[i], self.expression.text, name, values, partials[i])
        return shown

    def where(self, point: Mapping[str, float]) -> str:
        """'(x, y) = (1, 2)' for the plotted pair."""
        a, b = self.pair
        return f"({a}, {b}) = ({fmt(point[a])}, {fmt(point[b])})"

    def show_undefined(self, point: Mapping[str, float], value: float) -> bool:
        """If f has no value at the point, say why in the message line and return True."""
        if np.isfinite(value):
            return False
        reason = describe_undefined(self.expression, self.values_for(point))
        self.message.show(f"{reason or 'f is undefined'}, so f has no value at "
                          f"{self.where(point)}", "warning")
        return True

    def at_limit(self, point: Mapping[str, float], names: Iterable[str]) -> str:
        """'x is at the end of its range' for the first of `names` sitting on a slider end."""
        for name in names:
            lo, hi = self.range_of(name)
            if point[name] <= lo or point[name] >= hi:
                return f"{name} is at the end of its range ({fmt(point[name])})"
        return ""


def _reason(op: str, names: list[str], inputs: list[float], arg: Any) -> str:
    """Why primitive `op` gave nan/inf for these finite inputs, in a learner's words."""
    a = names[0]
    undefined = ops.TABLE[op].undefined if op in ops.TABLE else ""  # the registry's '≤ 0'
    if undefined:
        return f"{op} is undefined for {a} {undefined}" if a else \
            f"{op} is undefined for inputs {undefined} (here {op}({fmt(inputs[0])}))"
    if op == "/" and inputs[1] == 0:
        return f"division by zero ({names[1]} = 0)" if names[1] else \
            "division by zero (the denominator is 0)"
    if op == "exp":
        return f"exp overflows: e^{fmt(inputs[0])} is too large for a float"
    if op in ("**", "pow"):
        base = inputs[0]
        power = arg if op == "**" else inputs[1]
        if base == 0 and power < 0:
            return "0 to a negative power is undefined (division by zero)"
        if base < 0:
            return "a negative number to a fractional power is undefined"
    return "the numbers overflow (grow beyond the largest float)"


def describe_undefined(expression: Any, values: Mapping[str, Any]) -> str:
    """Why f is nan/inf at `values` (floats or arrays): the first primitive of the core's
    graph whose output is not finite although its inputs are, e.g. 'log is undefined for
    x ≤ 0'. '' if nothing is undefined; a generic sentence if the cause cannot be found."""
    generic = "f is undefined (or infinite)"
    try:
        out = expression.graph(**{name: values[name] for name in expression.variables})
        if np.all(np.isfinite(out.data)):
            return ""
        for node in out.topological_order():
            if not node.parents:
                continue
            bad = ~np.isfinite(node.data)
            for parent in node.parents:
                bad = bad & np.isfinite(parent.data)
            if not np.any(bad):
                continue
            first = int(np.flatnonzero(bad)[0])  # the first sample where it happens
            inputs = [float(np.ravel(np.broadcast_to(p.data, np.shape(bad)))[first])
                      for p in node.parents]
            names = [p.label if p.label and not p.parents else "" for p in node.parents]
            return _reason(node.op, names, inputs, node.arg)
    except Exception:  # noqa: BLE001 - a diagnosis must never break the view it serves
        return generic
    return generic

