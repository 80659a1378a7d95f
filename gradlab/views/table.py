"""A live table of partial derivatives: for each variable the symbolic partial (from
`Expression.partial`), its value at the point by the core's backward pass, the central-difference
estimate beside it (the variable moved by +-h, the others held), and how far apart the two are.
Optionally a second table takes f apart: a sum term by term (the sum rule), or a product u*v
into u'v + uv' (the product rule), every part's number from the core."""

from __future__ import annotations

import html
from typing import Any

import ipywidgets as widgets
import numpy as np

from ..expression import Expression
from ..expression.nodes import Binary, Neg, Node
from ..numeric import numerical_gradient
from ..paths import formulas, is_variable, local_rule, paths
from ._base import BookExample
from ._common import Message, describe_lab, fmt, guarded, tagged
from .chain import html_formula
from .figure import FigureStateOnDisplay
from .graph_source import GraphSource, current_point, leaf_gradient, own_sliders, shared_sliders

CELL = "padding:3px 10px;border-bottom:1px solid #ddd;text-align:right"
KINK_TOLERANCE = 1e-4  # far above central differences' error on smooth f, far below a kink's jump
HEAD = "padding:3px 10px;border-bottom:2px solid #222;text-align:right"
PARTS = ("terms", "product")


def sum_terms(expression: Expression) -> list[Expression]:
    """The terms of f's sum, a subtracted term with its minus sign (f is their sum):
    3x^3*z - y^2 + 5z + 2y*z -> 3x^3*z, -y^2, 5z, 2y*z. Each keeps f's variables."""
    terms: list[Node] = []
    stack: list[tuple[Node, bool]] = [(expression.tree, False)]
    while stack:
        node, negative = stack.pop()
        if isinstance(node, Binary) and node.op in "+-":
            stack.append((node.right, negative != (node.op == "-")))
            stack.append((node.left, negative))  # popped first: the terms in reading order
        else:
            terms.append(Neg(node) if negative else node)
    return [Expression(term, expression.variables) for term in terms]


def product_factors(expression: Expression) -> tuple[Expression, Expression]:
    """(u, v) with f = u*v, split at f's outermost product: x*(1 - x^2 - y^2) -> x, 1 - x^2 - y^2.
    Raises ValueError when f is not a product."""
    tree = expression.tree
    if not (isinstance(tree, Binary) and tree.op == "*"):
        raise ValueError(f"{expression.text} is not a product u*v: the product rule needs one")
    return (Expression(tree.left, expression.variables),
            Expression(tree.right, expression.variables))


def central_difference_text(names: tuple[str, ...]) -> str:
    """How the table's central difference moves one input and holds the others, e.g.
    '∂f/∂x ≈ (f(x + h, y) − f(x − h, y)) / 2h, y held fixed'."""
    if not names:
        return ""
    first, others = names[0], names[1:]
    shown = list(others[:2]) + (["…"] if len(others) > 2 else [])
    ahead = ", ".join([f"{first} + h", *shown])
    behind = ", ".join([f"{first} − h", *shown])
    held = (f", {' and '.join(others)} held fixed" if 0 < len(others) <= 2
            else ", the other inputs held fixed" if others else "")
    again = "; likewise for each input" if others else ""
    return (f"central difference: ∂f/∂{first} ≈ (f({ahead}) − f({behind})) / 2h{held}"
            f"{again}.")


class PartialsTable(BookExample, FigureStateOnDisplay, widgets.VBox):
    """One row per variable v: ∂f/∂v symbolically, its value (core), the central difference
    (f(.., v + h, ..) - f(.., v - h, ..)) / 2h with every other variable held, and
    |value - central difference|. For f(x, y): (f(x + h, y) - f(x - h, y)) / 2h.

    For a graph built by a function (no Expression, so no symbolic partial) the row shows the
    chain of recorded local derivatives instead, e.g. ∂out/∂w1 = 1 · 1 · 1 · x1. Such a function
    makes each variable's leaf once and reuses it (two leaves with one label are refused).
    `.rows` holds the numbers: dicts with variable, symbolic, chain, value, numerical, difference.

    parts="terms" adds a table of f's terms (f a sum): each term's partials, symbolic and by the
    core, in columns that add up to f's partials (the sum rule); `.term_rows` holds them.
    parts="product" (f = u*v) adds, per variable, u', v, u, v' (each by the core) and
    u'v + uv' beside f's partial by backward (the product rule); `.product_rows` holds them.

    symbolic=False leaves the symbolic column out: for a lesson that asks the learner for that
    formula, e.g. ∂(x^2 y)/∂x, and shows only the numbers. The rows' symbolic is then None
    (unless parts are shown) and SymPy is not imported for the table.

    Digits (significant): f, each partial's value and its central difference to 6, so a learner
    sees where they agree, and the difference column to 2; the terms table's numbers to 6; the
    product table's u′, v, u and v′ to 4 (fmt's), u′v + uv′ and backward's partial to 6.
    """

    __repr__ = describe_lab

    def __init__(self, expression: Any, sliders: dict[str, widgets.FloatSlider] | None = None,
                 point: dict[str, float] | None = None,
                 ranges: dict[str, tuple[float, float]] | None = None, h: float = 1e-5,
                 formula: str | None = None, parts: str | None = None,
                 symbolic: bool = True) -> None:
        self.source = GraphSource(expression, one_leaf_per_variable=True)
        self.show_symbolic = symbolic
        if parts is not None and (parts not in PARTS or self.source.expression is None):
            raise ValueError(f"parts must be one of {PARTS} for an expression, got {parts!r}")
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
        if self.source.expression is not None and (symbolic or parts):
            # SymPy once, here, never per slider move; not at all when no formula is shown
            for name in self.source.variables:
                self.symbolic[name] = self.source.expression.partial(name).latex
        self.parts = parts
        self._pieces: list[Expression] = []  # f's terms, or its factors u and v
        if parts == "terms":
            self._pieces = sum_terms(self.source.expression)
        elif parts == "product":
            self._pieces = list(product_factors(self.source.expression))
        self._piece_partials = [{name: piece.partial(name) for name in self.source.variables}
                                for piece in self._pieces]
        self.term_rows: list[dict[str, Any]] = []
        self.product_rows: list[dict[str, Any]] = []
        self.parts_table = widgets.HTMLMath()
        self.rows: list[dict[str, Any]] = []
        self.value = float("nan")
        self.table = widgets.HTMLMath()
        self.figures: list = []
        children = [*self.sliders.values()] if self.owns_sliders else []
        children += self.book_row(children, book=point is None and ranges is None,
                                  shown=self.owns_sliders)
        extra = [self.parts_table] if parts else []
        super().__init__(children=[*children, self.table, *extra, self.message])
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
        if self.parts == "terms":
            self._draw_terms(at)
        elif self.parts == "product":
            self._draw_product(at)

    def _piece_numbers(self, at: dict[str, float]) -> list[tuple[float, dict[str, float]]]:
        """(value, {variable: partial}) of each term or factor, by the core."""
        return [(float(piece.evaluate(**at)),
                 {k: float(v) for k, v in piece.gradient(**at).items()})
                for piece in self._pieces]

    def _draw_terms(self, at: dict[str, float]) -> None:
        """Term by term: row i holds term i's partials; the last row f's (by backward)."""
        names = self.source.variables
        numbers = self._piece_numbers(at)
        self.term_rows = [{"term": piece.text, "partials": gradient}
                          for piece, (_, gradient) in zip(self._pieces, numbers, strict=True)]
        heads = ["term", *(f"∂/∂{name}" for name in names)]
        lines = ["<table style='border-collapse:collapse;font-size:15px'><tr>"
                 + "".join(f"<th style='{HEAD}'>{html.escape(h)}</th>" for h in heads) + "</tr>"]
        for piece, partials, (_, gradient) in zip(self._pieces, self._piece_partials, numbers,
                                                  strict=True):
            cells = [f"${piece.latex}$"] + [
                f"${partials[name].latex}$ = {fmt(gradient[name], 6)}" for name in names]
            lines.append("<tr>" + "".join(f"<td style='{CELL}'>{c}</td>" for c in cells)
                         + "</tr>")
        total = {row["variable"]: row for row in self.rows}
        cells = ["<b>f: the sum</b>"] + [
            f"${self.symbolic[name]}$ = <b>{fmt(total[name]['value'], 6)}</b>"
            for name in names]
        lines.append("<tr>" + "".join(f"<td style='{HEAD.replace('bottom', 'top')}'>{c}</td>"
                                      for c in cells) + "</tr></table>")
        self.parts_table.value = ("<div style='font-size:15px;margin-top:6px'>Term by term "
                                  "(each column's terms add up to its last row, the partial "
                                  "of f by backward):</div>" + "".join(lines))

    def _draw_product(self, at: dict[str, float]) -> None:
        """The product rule per variable: u'v + uv' of the core's u, v, u', v'."""
        names = self.source.variables
        (u, du), (v, dv) = self._piece_numbers(at)
        total = {row["variable"]: row["value"] for row in self.rows}
        self.product_rows = []
        heads = ["", "u′", "v", "u", "v′", "u′v + uv′", "∂f/∂· (backward)"]
        lines = ["<table style='border-collapse:collapse;font-size:15px'><tr>"
                 + "".join(f"<th style='{HEAD}'>{html.escape(h)}</th>" for h in heads) + "</tr>"]
        partial_u, partial_v = self._piece_partials
        for name in names:
            rule = du[name] * v + u * dv[name]
            self.product_rows.append({"variable": name, "du": du[name], "v": v, "u": u,
                                      "dv": dv[name], "rule": rule, "value": total[name]})
            sum_text = (f"{fmt(du[name])}·{_paren(v)} + {_paren(u)}·{_paren(dv[name])} "
                        f"= {fmt(rule, 6)}")
            cells = [f"∂/∂{html.escape(name)}", f"${partial_u[name].latex}$ = {fmt(du[name])}",
                     fmt(v), fmt(u), f"${partial_v[name].latex}$ = {fmt(dv[name])}",
                     html.escape(sum_text), f"<b>{fmt(total[name], 6)}</b>"]
            lines.append("<tr>" + "".join(f"<td style='{CELL}'>{c}</td>" for c in cells)
                         + "</tr>")
        lines.append("</table>")
        u_text, v_text = (piece.latex for piece in self._pieces)
        self.parts_table.value = (
            f"<div style='font-size:15px;margin-top:6px'>The product rule with $u = {u_text}$ "
            f"and $v = {v_text}$ (′ is the partial along the row's variable; every number by "
            "the core):</div>" + "".join(lines))

    def _chains(self, out, steps) -> dict[str, str]:
        """For each variable: the recorded locals along each path, e.g. '1 · 1 · x1 = 1'."""
        texts = formulas(out)
        names = self.source.names
        leaves = {n.label: n for n in out.topological_order() if is_variable(n, names)}
        chains = {}
        for name, leaf in leaves.items():
            terms = []
            for route in paths(steps, out, leaf):
                if not route.steps:  # f is the variable itself: df/dv = 1, no step between
                    terms.append("1")
                    continue
                rules = " · ".join(html_formula(local_rule(s, texts)) for s in route.steps)
                numbers = " × ".join(fmt(s.local) for s in route.steps)
                terms.append(f"{rules} = {html.escape(numbers)}")
            chains[name] = " + ".join(terms) or "0"
        return chains

    def _draw(self, at: dict[str, float]) -> None:
        symbolic = self.source.expression is not None
        second = "symbolic ∂f/∂v" if symbolic else "locals along the path (recorded)"
        middle_shown = self.show_symbolic or not symbolic  # a builder's chain is always shown
        heads = ["v", *([second] if middle_shown else []), "value (backward)",
                 f"central difference (h = {fmt(self.h)})", "difference"]
        lines = ["<table style='border-collapse:collapse;font-size:15px'><tr>"
                 + "".join(f"<th style='{HEAD}'>{html.escape(h)}</th>" for h in heads) + "</tr>"]
        for row in self.rows:
            middle = (f"$${row['symbolic']}$$" if symbolic else (row["chain"] or ""))
            value = fmt(row["value"], 6)
            if self.formula is not None:
                value = tagged(value, self.formula, row["variable"], at, row["value"])
            cells = [f"∂f/∂{html.escape(row['variable'])}", *([middle] if middle_shown else []),
                     value, fmt(row["numerical"], 6), fmt(row["difference"], 2)]
            lines.append("<tr>" + "".join(f"<td style='{CELL}'>{c}</td>" for c in cells)
                         + "</tr>")
        lines.append("</table>")
        value = fmt(self.value, 6)
        value = (tagged(value, self.formula, "", at, self.value) if self.formula is not None
                 else html.escape(value))
        caption = (f"<div style='font-size:15px'>f = {value} at "
                   + html.escape(", ".join(f"{n} = {fmt(at[n])}"
                                           for n in self.source.variables)) + "</div>")
        note = central_difference_text(self.source.variables)
        note = f"<div style='font-size:14px;color:#444'>{html.escape(note)}</div>" if note else ""
        self.table.value = caption + "".join(lines) + note
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


def _paren(x: float) -> str:
    """A number in a product: (−2) in parentheses, 3 without."""
    text = fmt(x)
    return f"({text})" if text.startswith("−") else text

