"""A live table of partial derivatives: for each variable the symbolic partial (from
`Expression.partial`), its value at the point by the core's backward pass, the central-difference
estimate beside it, and how far apart the two are."""

from __future__ import annotations

import html
from typing import Any

import ipywidgets as widgets
import numpy as np

from ..numeric import numerical_gradient
from ..paths import formulas, is_variable, local_rule, paths
from ._common import FigureStateOnDisplay, Message, describe_lab, fmt, guarded, tagged
from .chain import html_formula
from .graph_source import GraphSource, current_point, leaf_gradient, own_sliders, shared_sliders

CELL = "padding:3px 10px;border-bottom:1px solid #ddd;text-align:right"
KINK_TOLERANCE = 1e-4  # far above central differences' error on smooth f, far below a kink's jump
HEAD = "padding:3px 10px;border-bottom:2px solid #222;text-align:right"


class PartialsTable(FigureStateOnDisplay, widgets.VBox):
    """One row per variable v: ∂f/∂v symbolically, its value (core), the central difference
    (f(v + h) - f(v - h)) / 2h, and |value - central difference|.

    For a graph built by a function (no Expression, so no symbolic partial) the row shows the
    chain of recorded local derivatives instead, e.g. ∂out/∂w1 = 1 · 1 · 1 · x1.
    `.rows` holds the numbers: dicts with variable, symbolic, chain, value, numerical, difference.
    """

    __repr__ = describe_lab

    def __init__(self, expression: Any, sliders: dict[str, widgets.FloatSlider] | None = None,
                 point: dict[str, float] | None = None,
                 ranges: dict[str, tuple[float, float]] | None = None, h: float = 1e-5,
                 formula: str | None = None) -> None:
        self.source = GraphSource(expression)
        # f in gradlab's expression language (a builder's given by its owner): the numbers
        # shown are tagged with it, so a browser test can recompute them with the core
        self.formula = formula or (self.source.expression.text
                                   if self.source.expression is not None else None)
        self.message = Message()
        self.h = h
        self.owns_sliders = sliders is None
        self.sliders = (own_sliders(self.source.variables, point, ranges) if sliders is None
                        else shared_sliders(sliders, self.source.variables))
        self.symbolic: dict[str, str] = {}
        if self.source.expression is not None:  # sympy once, here, never per slider move
            for name in self.source.variables:
                self.symbolic[name] = self.source.expression.partial(name).latex
        self.rows: list[dict[str, Any]] = []
        self.value = float("nan")
        self.table = widgets.HTMLMath()
        self.figures: list = []
        children = [*self.sliders.values()] if self.owns_sliders else []
        super().__init__(children=[*children, self.table, self.message])
        if self.owns_sliders:
            for slider in self.sliders.values():
                slider.observe(self._on_slider, names="value")
        self.update()

    @property
    def gradient(self) -> dict[str, float]:
        return {row["variable"]: row["value"] for row in self.rows}

    def update(self, point: dict[str, float] | None = None) -> None:
        """Recompute every row at the point (default: the sliders')."""
        names = self.source.variables
        at = current_point(self.sliders, names, point)
        chains: dict[str, str] = {}
        if self.source.expression is not None:
            self.value = float(self.source.expression.evaluate(**at))
            gradient = {k: float(v) for k, v in self.source.expression.gradient(**at).items()}
        else:
            out = self.source.build(at)
            steps = out.backward(record=True)
            self.value = float(out.data)
            gradient = leaf_gradient(out, names)
            chains = self._chains(out, steps)
        def f(*coordinates: float) -> float:
            return self.source.evaluate(dict(zip(names, coordinates, strict=True)))

        numerical = numerical_gradient(f, *[at[n] for n in names], h=self.h) if names else []
        self.rows = [{
            "variable": name,
            "symbolic": self.symbolic.get(name),
            "chain": chains.get(name),
            "value": gradient.get(name, 0.0),
            "numerical": float(numerical[i]),
            "difference": abs(gradient.get(name, 0.0) - float(numerical[i])),
        } for i, name in enumerate(names)]
        self._draw(at)

    def _chains(self, out, steps) -> dict[str, str]:
        """For each variable: the recorded locals along each path, e.g. '1 · 1 · x1 = 1'."""
        texts = formulas(out)
        names = self.source.names
        leaves = {n.label: n for n in out.topological_order() if is_variable(n, names)}
        chains = {}
        for name, leaf in leaves.items():
            terms = []
            for route in paths(steps, out, leaf):
                rules = " · ".join(html_formula(local_rule(s, texts)) for s in route.steps)
                numbers = " × ".join(fmt(s.local) for s in route.steps)
                terms.append(f"{rules} = {html.escape(numbers)}")
            chains[name] = " + ".join(terms) or "0"
        return chains

    def _draw(self, at: dict[str, float]) -> None:
        symbolic = self.source.expression is not None
        second = "symbolic ∂f/∂v" if symbolic else "locals along the path (recorded)"
        heads = ["v", second, "value (backward)", f"central difference (h = {fmt(self.h)})",
                 "difference"]
        lines = ["<table style='border-collapse:collapse;font-size:15px'><tr>"
                 + "".join(f"<th style='{HEAD}'>{html.escape(h)}</th>" for h in heads) + "</tr>"]
        for row in self.rows:
            middle = (f"$${row['symbolic']}$$" if symbolic else (row["chain"] or ""))
            value = fmt(row["value"], 6)
            if self.formula is not None:
                value = tagged(value, self.formula, row["variable"], at, row["value"])
            cells = [f"∂f/∂{html.escape(row['variable'])}", middle, value,
                     fmt(row["numerical"], 6), fmt(row["difference"], 2)]
            lines.append("<tr>" + "".join(f"<td style='{CELL}'>{c}</td>" for c in cells)
                         + "</tr>")
        lines.append("</table>")
        value = fmt(self.value, 6)
        value = (tagged(value, self.formula, "", at, self.value) if self.formula is not None
                 else html.escape(value))
        caption = (f"<div style='font-size:15px'>f = {value} at "
                   + html.escape(", ".join(f"{n} = {fmt(at[n])}"
                                           for n in self.source.variables)) + "</div>")
        self.table.value = caption + "".join(lines)
        bad = [row["variable"] for row in self.rows
               if not (np.isfinite(row["value"]) and np.isfinite(row["numerical"]))]
        apart = [row["variable"] for row in self.rows
                 if row["difference"] > KINK_TOLERANCE * max(1.0, abs(row["value"]))]
        if not np.isfinite(self.value) or bad:
            self.message.show("f or a partial is undefined or infinite at this point (a log of a "
                              "number <= 0, a division by zero, or overflow): shown as "
                              "'undefined' or '∞'.", "warning")
        elif apart:
            self.message.show(f"∂f/∂{', ∂f/∂'.join(apart)} and the central difference disagree "
                              "here: f has a kink at this point (ReLU at 0, max or min at a "
                              "tie, abs at 0). The core uses a one-sided convention; the "
                              "central difference averages the two sides.", "info")
        else:
            self.message.clear()

    @guarded
    def _on_slider(self, change: dict) -> None:
        self.update()

