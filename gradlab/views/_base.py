"""What every plotting block shares: the expression it shows, its sliders (its own, or a
composite's), reading the current point, and plain-language reasons why f is undefined."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import ipywidgets as widgets
import numpy as np

from ._common import (
    FigureStateOnDisplay,
    Message,
    describe_lab,
    fmt,
    guarded,
    make_slider,
    tagged,
)

DEFAULT_RANGE = (-3.0, 3.0)


def as_expression(expression: Any):
    """An Expression from text in gradlab's expression language (or an Expression as is)."""
    from ..expression import Expression, parse  # the views need the parser; the core does not

    if isinstance(expression, Expression):
        return expression
    if isinstance(expression, str):
        return parse(expression)
    raise TypeError(f"expected an expression as text (e.g. 'x^2 * y') or an Expression, got "
                    f"{type(expression).__name__}")


def start_value(lo: float, hi: float) -> float:
    """Where a new slider starts: 1 if the range allows (0 is often a kink or a pole), else
    the middle."""
    return 1.0 if lo < 1.0 < hi else (lo + hi) / 2


class View(FigureStateOnDisplay, widgets.VBox):
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
            ranges = dict(ranges or {})
            self.sliders = {}
            for name in wanted:
                lo, hi = ranges.get(name, DEFAULT_RANGE)
                self.sliders[name] = make_slider(name, start_value(lo, hi), lo, hi)
                self.sliders[name].observe(self._on_slider, names="value")
        else:
            missing = [name for name in wanted if name not in sliders]
            if missing:
                raise ValueError(f"no slider for {', '.join(missing)}")
            self.sliders = dict(sliders)

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
    if op == "log":
        return f"log is undefined for {a} ≤ 0" if a else \
            f"log is undefined for inputs ≤ 0 (here log({fmt(inputs[0])}))"
    if op == "sqrt":
        return f"sqrt is undefined for {a} < 0" if a else \
            f"sqrt is undefined for inputs < 0 (here sqrt({fmt(inputs[0])}))"
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
