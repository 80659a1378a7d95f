"""The chain rule with live numbers: for h(x) = f(g(x)), dh/dx = dh/dg · dg/dx = f'(g(x)) · g'(x),
every factor read off the recorded backward pass (the product of the local derivatives along the
path), and for several inputs the sum over paths."""

from __future__ import annotations

import html
import math
import re
from typing import Any

import ipywidgets as widgets

from ..engine import Value
from ..graph_layout import graph_signature
from ..paths import (
    ChainPath,
    depends_on_variable,
    find_node,
    formulas,
    inner_node,
    is_variable,
    local_rule,
    paths,
)
from ._base import BookExample
from ._common import Message, describe_lab, fmt, guarded, tagged
from .figure import FigureStateOnDisplay
from .graph_source import (
    GraphSource,
    current_point,
    leaf_gradient,
    number,
    own_sliders,
    pretty,
    shared_sliders,
)

INNER_NAME = "g"
OUTER_NAMES = ("f", "F", "q")  # the outer function's name: the first that is not a variable


def html_formula(text: str) -> str:
    """A formula for HTML: '*' as '·' and exponents raised (x^2 -> x<sup>2</sup>)."""
    text = html.escape(pretty(text))
    text = re.sub(r"\^\(([^()]*)\)", r"<sup>\1</sup>", text)
    return re.sub(r"\^(-?[\w.]+)", r"<sup>\1</sup>", text)


def _symbolic(text: str, name: str) -> str | None:
    """d(text)/d(name) in LaTeX via Expression.partial, or None when that is unavailable."""
    try:
        from ..expression import parse

        return parse(text).partial(name).latex
    except Exception:  # noqa: BLE001 - the symbolic line is optional; the numbers are not
        return None


class ChainRule(BookExample, FigureStateOnDisplay, widgets.VBox):
    """dh/dx = dh/dg · dg/dx = f'(g(x)) · g'(x) at the sliders' point, for h = f(g(x)).

    g is the inner function: by default the argument of the outermost non-linear primitive
    (2x^2 in 3(2x^2)^5), or given as text, `inner="2x^2"`. dh/dg is the product of the recorded
    local derivatives from h down to g (summed over paths), dg/dx the product from g down to x;
    each path's locals are listed with their recorded values, and their product is compared with
    the core's dh/dx. With several inputs each partial is the sum over its paths.

    `expression` is a formula's text, an Expression, a function building the graph (its
    parameters are the variables: make each variable's leaf once, `x = Value(x, label="x")`, and
    reuse it; two leaves with one variable's label are refused) or a fixed Value graph.

    `.numbers[x]` holds, per variable: 'dh_dg', 'dg_dx', 'chain' (their product, or None when
    some path avoids g), 'paths' (list of lists of recorded locals), 'sum' and 'core'.
    """

    __repr__ = describe_lab

    def __init__(self, expression: Any, sliders: dict[str, widgets.FloatSlider] | None = None,
                 inner: str | None = None, point: dict[str, float] | None = None,
                 ranges: dict[str, tuple[float, float]] | None = None) -> None:
        self.source = GraphSource(expression, one_leaf_per_variable=True)
        self.message = Message()
        self.inner_text = inner
        self.pattern: Value | None = None
        if inner is not None:
            from ..expression import parse

            inner_expression = parse(inner)
            self.pattern = inner_expression.graph(**dict.fromkeys(inner_expression.variables,
                                                                  1.0))
        self.owns_sliders = sliders is None
        self.sliders = (own_sliders(self.source.variables, point, ranges) if sliders is None
                        else shared_sliders(sliders, self.source.variables))
        self.readout = widgets.HTMLMath()
        self.readout_text = ""
        self.numbers: dict[str, dict[str, Any]] = {}
        self.figures: list = []
        self._signature: tuple | None = None
        self._point: dict[str, float] | None = None  # the point update() was given, if any
        children = [*self.sliders.values()] if self.owns_sliders else []
        children += self.book_row(children, book=point is None and ranges is None,
                                  shown=self.owns_sliders)
        super().__init__(children=[*children, self.readout, self.message])
        if self.owns_sliders:
            for slider in self.sliders.values():
                slider.observe(self._on_slider, names="value")
        self.update()

    # -- finding g once per graph shape ----------------------------------------------------------

    def _find_inner(self, out: Value, order: list[Value]) -> int | None:
        """g's position in the topological order (None: no g)."""
        if self.pattern is not None:
            node = find_node(out, self.pattern)
            if node is None:
                raise ValueError(f"the inner function {self.inner_text} is not a part of "
                                 f"{pretty(formulas(out)[id(out)][0])}")
        else:
            node = inner_node(out, self.source.names)
        return None if node is None else next(i for i, n in enumerate(order) if n is node)

    def _describe(self, out: Value, g: Value | None) -> None:
        """Formula texts and symbolic derivatives: once per graph shape (sympy is slow)."""
        self.h_text = formulas(out)[id(out)][0]
        self.symbolic: dict[str, str | None] = {}
        if g is None:
            return
        self.g_text = formulas(out)[id(g)][0]
        name = INNER_NAME if INNER_NAME not in self.source.names else "u"
        self.g_name = name
        self.f_name = next(n for n in OUTER_NAMES if n not in self.source.names + (name,))
        self.outer_text = formulas(out, {id(g): name})[id(out)][0]
        self.symbolic["dh_dg"] = _symbolic(self.outer_text, name)
        for variable in self.source.names:
            self.symbolic[variable] = _symbolic(self.g_text, variable)

    # -- update -------------------------------------------------------------------------------

    def update(self, point: dict[str, float] | None = None) -> None:
        """Record h's backward pass at the point and rewrite the chain with its numbers."""
        self._point = point
        out = self.source.build(current_point(self.sliders, self.source.variables, point))
        steps = out.backward(record=True)
        order = out.topological_order()
        signature = graph_signature(order)
        if signature != self._signature:
            self._inner_index = self._find_inner(out, order)
            self._describe(out, None if self._inner_index is None else order[self._inner_index])
            self._signature = signature
        g = None if self._inner_index is None else order[self._inner_index]
        self.g_value = None if g is None else g.data  # g at the point, as recorded
        texts = formulas(out) if g is None else formulas(out, {id(g): self.g_name})
        names = self.source.names
        core = leaf_gradient(out, names)
        depends = depends_on_variable(order, names)
        leaves = {n.label: n for n in order if is_variable(n, names)}
        self.numbers = {}
        routes_by_variable: dict[str, list[ChainPath]] = {}
        for variable in names:
            leaf = leaves.get(variable)
            routes = paths(steps, out, leaf) if leaf is not None else []
            routes_by_variable[variable] = routes
            entry: dict[str, Any] = {
                "paths": [route.locals for route in routes],
                "rules": [[local_rule(s, texts) for s in route.steps] for route in routes],
                "sum": float(sum(route.product for route in routes)),
                "core": core.get(variable, 0.0),
                "dh_dg": None, "dg_dx": None, "chain": None,
            }
            if g is not None and depends[id(g)]:
                through_g = routes and all(any(s.parent is g for s in r.steps) for r in routes)
                entry["dh_dg"] = float(sum(r.product for r in paths(steps, out, g)))
                g_routes = paths(steps, g, leaf) if leaf is not None else []
                entry["dg_dx"] = float(sum(r.product for r in g_routes))
                if through_g:
                    entry["chain"] = entry["dh_dg"] * entry["dg_dx"]
            self.numbers[variable] = entry
        self._write(g, routes_by_variable)

    def _write(self, g: Value | None, routes_by_variable: dict[str, list[ChainPath]]) -> None:
        several = len(self.source.names) > 1
        d = r"\partial" if several else "d"
        parts: list[str] = []
        plain: list[str] = []
        if g is not None:
            u, f = self.g_name, self.f_name
            inputs = ", ".join(self.source.names)
            at = ", ".join(f"{n} = {fmt(v)}" for n, v in current_point(
                self.sliders, self.source.variables, self._point).items())
            where = f"; at {at}: {u} = {number(self.g_value)}" if at else ""
            parts.append(f"<div>h = {html_formula(self.h_text)} = {f}({u}({inputs})) with "
                         f"inner function {u} = {html_formula(self.g_text)} and outer function "
                         f"{f}({u}) = {html_formula(self.outer_text)}{html.escape(where)}</div>")
            plain.append(f"h = {pretty(self.h_text)} = {f}({u}({inputs})), {u} = "
                         f"{pretty(self.g_text)}, {f}({u}) = {pretty(self.outer_text)}{where}")
        else:
            parts.append(f"<div>h = {html_formula(self.h_text)} (no inner function to split "
                         "off: the chain rule still multiplies the locals along each path)</div>")
            plain.append(f"h = {pretty(self.h_text)}")
        u = getattr(self, "g_name", "g")
        for variable, entry in self.numbers.items():
            if entry["chain"] is not None:
                symbolic_outer = self.symbolic.get("dh_dg")
                symbolic_inner = self.symbolic.get(variable)
                symbols = ""
                if symbolic_outer and symbolic_inner:
                    symbols = (rf" = \left({symbolic_outer}\right)\cdot"
                               rf"\left({symbolic_inner}\right)")
                inner_prime = (rf"{u}'({variable})" if not several
                               else rf"\frac{{\partial {u}}}{{\partial {variable}}}")
                parts.append(
                    rf"<div>$$\frac{{{d} h}}{{{d} {variable}}} = \frac{{{d} h}}{{{d} {u}}}\cdot"
                    rf"\frac{{{d} {u}}}{{{d} {variable}}} = {self.f_name}'({u})\cdot "
                    rf"{inner_prime}{symbols} = {_tex(entry['dh_dg'])}"
                    rf"\times {_tex_factor(entry['dg_dx'])} = {_tex(entry['chain'])}$$</div>")
                inner_plain = f"{u}'({variable})" if not several else f"∂{u}/∂{variable}"
                p = "∂" if several else "d"  # ∂h/∂x for h(x, y), dh/dx for h(x)
                plain.append(f"{p}h/{p}{variable} = {p}h/{p}{u} · {p}{u}/{p}{variable} = "
                             f"{self.f_name}'({u}) · {inner_plain} = "
                             f"{fmt(entry['dh_dg'])} × {fmt(entry['dg_dx'])} = "
                             f"{fmt(entry['chain'])}")
            lines, line_text = self._path_lines(variable, entry, routes_by_variable[variable])
            parts.append(lines)
            plain.extend(line_text)
        self.readout_text = "\n".join(plain)
        self.readout.value = "".join(parts)
        undefined = [v for v, e in self.numbers.items() if fmt(e["core"]) in ("undefined",)
                     or "∞" in fmt(e["core"])]
        if undefined:
            p = "∂" if several else "d"
            named = [f"{p}h/{p}{v}" for v in undefined]
            which = (named[0] + " is" if len(named) == 1
                     else ", ".join(named[:-1]) + f" and {named[-1]} are")
            self.message.show(f"{which} undefined or infinite at this point (a log of a "
                              "number <= 0, a division by zero, or overflow).", "warning")
        else:
            self.message.clear()

    def _path_lines(self, variable: str, entry: dict, routes: list[ChainPath]) -> tuple[str, list]:
        """Each path's locals, as rules and recorded numbers, their product, and the sum."""
        rows, text = [], []
        for rules, locals_ in zip(entry["rules"], entry["paths"], strict=True):
            product = 1.0
            for local in locals_:
                product *= float(local)
            symbols = " · ".join(html_formula(rule) for rule in rules) or "1"
            numbers = " × ".join(fmt(local) for local in locals_) or "1"
            rows.append(f"<li>{symbols} = {html.escape(numbers)} = {fmt(product)}</li>")
            text.append(f"  path: {pretty(' · '.join(rules)) or '1'} = {numbers} = "
                        f"{fmt(product)}")
        check = "✓" if _close(entry["sum"], entry["core"]) else "✗"
        what = "the sum over paths" if len(routes) > 1 else "the product of the locals"
        p = "∂" if len(self.source.names) > 1 else "d"  # ∂h/∂x for h(x, y), dh/dx for h(x)
        start = f"{what} = {fmt(entry['sum'])}; the core's {p}h/{p}{variable} = "
        core = fmt(entry["core"])
        text.append(f"{start}{core} {check}")
        if self.source.expression is not None:  # the core's dh/dx, tagged for browser tests
            at = current_point(self.sliders, self.source.variables, self._point)
            core = tagged(core, self.source.expression.text, variable, at, entry["core"])
        else:
            core = html.escape(core)
        head = (f"<div>Locals along each path from h down to {html.escape(variable)} (recorded "
                f"in the backward pass):</div><ul style='margin:2px 0'>{''.join(rows)}</ul>")
        return head + f"<div>{html.escape(start)}{core} {check}</div>", text

    # -- callbacks ---------------------------------------------------------------------------

    @guarded
    def _on_slider(self, change: dict) -> None:
        self.update()


def _tex(x: float) -> str:
    """A number inside LaTeX: fmt's text, with × 10^n written as LaTeX, ∞ as \\infty and
    "undefined" upright (\\text{undefined}), not as a product of italic letters."""
    text = fmt(x).replace("−", "-").replace("∞", r"\infty").replace("undefined",
                                                                     r"\text{undefined}")
    return re.sub(r"×10\^(-?\d+)", r"\\times 10^{\1}", text)


def _tex_factor(x: float) -> str:
    """A number after a times sign: in parentheses when negative, 2 × (−3)."""
    text = _tex(x)
    return f"({text})" if text.startswith("-") else text


def _close(a: float, b: float) -> bool:
    """Equal up to rounding (two undefined results agree: both are nan)."""
    if a == b or (math.isnan(a) and math.isnan(b)):
        return True
    return abs(a - b) <= 1e-9 * max(1.0, abs(a), abs(b))
