"""Where a graph view's numbers come from: an Expression, a function that builds a graph of
Values, or one fixed Value graph; plus the small helpers the graph views share (their sliders,
made by views._common's one slider system, the current point, number and formula text)."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import ipywidgets as widgets
import numpy as np

from ..engine import Value
from ..paths import is_variable
from ._common import fmt, shared_sliders, variable_sliders

__all__ = ["GraphSource", "current_point", "leaf_gradient", "number", "own_sliders", "pretty",
           "shared_sliders"]


def number(x: Any) -> str:
    """A recorded number as text; an array (a matrix primitive's) by its shape."""
    if x is None:
        return "(vector-Jacobian product)"
    if np.ndim(x) != 0:
        return f"array {np.shape(x)}"
    return fmt(x)


def pretty(text: str) -> str:
    """A formula in the expression language as a learner writes it: '*' becomes '·'."""
    return text.replace("*", "·")


class GraphSource:
    """What a graph view draws: an `Expression` (or its text), a builder function whose
    parameters are the variables and which returns the output Value of a graph with leaves
    labelled by those names, or one fixed Value graph (no sliders).

    one_leaf_per_variable=True (the views that follow chain-rule paths to a variable's leaf)
    refuses a fixed graph, when given, and a builder's graph, at each point (its shape may
    change with the point), in which two leaves carry one variable's label; an expression's
    graph has one leaf per variable by construction."""

    def __init__(self, source: Any, one_leaf_per_variable: bool = False) -> None:
        self.one_leaf_per_variable = one_leaf_per_variable
        self.expression = None
        self.builder: Callable[..., Value] | None = None
        self.fixed: Value | None = None
        if isinstance(source, str):
            from ..expression import parse  # sympy and the parser load only when needed

            source = parse(source)
        if isinstance(source, Value):
            self.fixed = source
            self.variables: tuple[str, ...] = ()  # nothing to slide: the values are fixed
            if one_leaf_per_variable:
                check_one_leaf_per_variable(source, self.names)
        elif hasattr(source, "graph") and hasattr(source, "variables"):
            self.expression = source
            self.variables = tuple(source.variables)
        elif callable(source):
            self.builder = source
            self.variables = tuple(inspect.signature(source).parameters)
        else:
            raise TypeError("give an expression (text or Expression), a function building a "
                            f"graph of Values, or a Value; got {type(source).__name__}")

    @property
    def names(self) -> tuple[str, ...]:
        """The variables' names (for a fixed graph: its leaves labelled with a name)."""
        if self.fixed is None:
            return self.variables
        return tuple(sorted({n.label for n in self.fixed.topological_order()
                             if is_variable(n)}))

    def build(self, point: dict[str, float]) -> Value:
        """A graph at the point, ready for `backward` (all grads zero)."""
        if self.fixed is not None:
            self.fixed.zero_grad()
            return self.fixed
        out = self._made(point)
        if self.one_leaf_per_variable and self.builder is not None:
            check_one_leaf_per_variable(out, self.variables)
        return out

    def _made(self, point: dict[str, float]) -> Value:
        """A new graph at the point: the expression's, or the builder's (checked a Value)."""
        values = {name: float(point[name]) for name in self.variables}
        if self.expression is not None:
            return self.expression.graph(**values)
        out = self.builder(**values)
        if not isinstance(out, Value):
            raise TypeError(f"the graph builder returned {type(out).__name__}, not a Value")
        return out

    def evaluate(self, point: dict[str, float]) -> float:
        """f at the point, as a float (what central differences need)."""
        if self.expression is not None:
            return float(self.expression.evaluate(**{n: point[n] for n in self.variables}))
        return float((self.fixed if self.fixed is not None else self._made(point)).data)


def check_one_leaf_per_variable(out: Value, variables: tuple[str, ...]) -> None:
    """Refuse a graph in which two leaves carry one variable's label: a path, and so a chain
    of local derivatives, ends at one node, and following one leaf would miss the other's share
    (x * x made of two leaves: x, not 2x)."""
    leaves: dict[str, Value] = {}
    for node in out.topological_order():
        if is_variable(node, variables) and leaves.setdefault(node.label, node) is not node:
            name = node.label
            raise ValueError(f"two leaves of the graph are labelled {name!r}: make {name} once, "
                             f"as {name} = Value({name}, label={name!r}), and use that Value "
                             f"wherever {name} appears (a chain of derivatives follows one "
                             "node per variable)")


def leaf_gradient(out: Value, variables: tuple[str, ...]) -> dict[str, float]:
    """d out / d v for every variable v after out.backward() (0 for one out does not use)."""
    gradient = dict.fromkeys(variables, 0.0)
    for node in out.topological_order():
        if is_variable(node, variables):
            gradient[node.label] = gradient.get(node.label, 0.0) + float(node.grad)
    return gradient


def own_sliders(names: tuple[str, ...], point: dict[str, float] | None,
                ranges: dict[str, tuple[float, float]] | None) -> dict[str, widgets.FloatSlider]:
    """A slider per variable (views._common.variable_sliders) starting at the point (default 1,
    where a plotting view starts at 1 only if its range holds 1)."""
    point = point or {}
    return variable_sliders(names, ranges, {name: point.get(name, 1.0) for name in names})


def current_point(sliders: dict[str, widgets.FloatSlider], names: tuple[str, ...],
                  point: dict[str, float] | None) -> dict[str, float]:
    """The point to draw: the given one, else the sliders' values."""
    if point is not None:
        return {name: float(point[name]) for name in names}
    return {name: float(sliders[name].value) for name in names}
