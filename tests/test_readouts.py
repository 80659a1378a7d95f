"""What a learner reads in the expression labs (Curve, Surface, GradientField, PartialsTable,
Explorer, ComputationGraph, ChainRule), checked label by label: each lab is driven to several
points, its visible text is read as rendered (tests/visible.py: tags stripped, never the
data-gradlab-* attributes) and every "label = number" is checked against SymPy's derivative of
the variable the LABEL names (tests/oracles.py), every shown formula against SymPy's derivative
by equivalence. A view that puts ∂f/∂y's number beside "∂f/∂x", swaps a vector's components or
shows another row's formula fails here."""

from __future__ import annotations

import html
import math
import re

import numpy as np
import pytest
import sympy as sp
from oracles import S, agrees, from_latex, number_at, partial, same_formula, sym, value
from visible import figure_text, html_lines, shown_pairs, tables

from gradlab import parse
from gradlab.views import (
    ChainRule,
    ComputationGraph,
    Curve,
    Explorer,
    GradientField,
    PartialsTable,
    Surface,
)

PARTIAL = re.compile(r"^∂f/∂(\w+)$")


def point_of(view) -> dict[str, float]:
    """The point the sliders show (what the learner set)."""
    return {name: float(slider.value) for name, slider in view.sliders.items()}


def said(widget) -> str:
    """The visible text of one HTML widget, a line per block."""
    return "\n".join(html_lines(widget.value))


def partials_in(text: str) -> dict[str, str]:
    """{variable: number text} for every "∂f/∂v = number" in the text (the last one wins)."""
    found = {}
    for label, shown in shown_pairs(text):
        match = PARTIAL.match(label.split()[-1]) if label else None
        if match:
            found[match.group(1)] = shown
    return found


def check_partials(text: str, formula: str, at: dict[str, float], expected: set[str]) -> None:
    """Every "∂f/∂v = n" in the text is SymPy's ∂f/∂v at the point, and each of `expected` is
    there."""
    shown = partials_in(text)
    assert expected <= set(shown), (expected, text)
    for variable, number in shown.items():
        exact = partial(formula, variable, at)
        assert agrees(number, exact), f"∂f/∂{variable} shows {number}, SymPy says {exact}: {text}"


def formula_in(source: str) -> str:
    """A formula as a view renders it in HTML (x<sup>2</sup>, 2·x) back in the expression
    language (x^(2), 2*x)."""
    source = re.sub(r"<sup>(.*?)</sup>", r"^(\1)", source)
    return html.unescape(re.sub(r"<[^>]+>", "", source)).replace("·", "*").replace("−", "-")


def move(view, **values: float) -> None:
    for name, number in values.items():
        view.sliders[name].value = number
        assert view.sliders[name].value == pytest.approx(number), f"{name} cannot reach {number}"


# -- Curve -------------------------------------------------------------------------------------

CURVE_LINE = re.compile(r"secant slope \((.*?)\)/h = (\S+) for h = (\S+) \(differs by (\S+)\)")


def check_curve(curve: Curve, formula: str) -> None:
    at = point_of(curve)
    name = curve.variable
    x = at[name]
    readout = said(curve.readout)
    shown = dict(shown_pairs(readout))
    assert agrees(shown[name], x)
    assert agrees(shown[f"f({name})"], value(formula, at))
    slope_label = next(label for label in shown if label.startswith("tangent slope"))
    variable = re.search(r"f'\((\w+)\)", slope_label).group(1)
    slope = partial(formula, variable, at)
    assert agrees(shown[slope_label], slope), readout
    quotient, secant, h_text, gap = CURVE_LINE.search(readout).groups()
    h = float(curve.h_slider.value)
    assert agrees(h_text, h, digits=3)
    # the quotient the label writes, by SymPy's values of f
    if quotient == f"f({name}+h) − f({name})":
        expected = (value(formula, {**at, name: x + h}) - value(formula, at)) / h
    else:
        assert quotient == f"f({name}) − f({name}−h)", quotient
        expected = (value(formula, at) - value(formula, {**at, name: x - h})) / h
    assert agrees(secant, expected), readout
    assert agrees(gap, expected - slope, digits=3), readout
    # the tangent drawn has that slope, the function's legend names f
    tangent = curve.figure.data[1]
    drawn = (tangent.y[-1] - tangent.y[0]) / (tangent.x[-1] - tangent.x[0])
    assert drawn == pytest.approx(slope, abs=1e-9)
    legend = next(w for w in figure_text(curve.figure) if w.startswith(f"f({name}) = "))
    assert sp.simplify(sym(legend.split(" = ", 1)[1]) - sym(formula)) == 0


@pytest.mark.parametrize("formula, points", [
    ("x^2", [1, 3, -2.5]),
    ("x^3 - 2x", [1, -1.5, 2.5, 0.02]),
    ("exp(-x^2)", [0.5, -1.2]),
])
def test_a_curves_readout_is_f_its_derivative_and_the_secant(formula, points):
    curve = Curve(formula, secant=True)
    for x in points:
        move(curve, x=x)
        for h in (0.5, 0.1, 2.0):
            curve.h_slider.value = h
            check_curve(curve, formula)


def test_relus_secants_from_either_side_at_the_kink():
    """relu at 0: the core's slope is the convention relu'(0) = 0; the secant from the right
    has slope 1, from the left 0 (by hand)."""
    curve = Curve("relu(x)", secant=True, sides=True)
    move(curve, x=0)
    check_curve(curve, "relu(x)")
    assert agrees(dict(shown_pairs(said(curve.readout)))["tangent slope f'(x)"], 0.0)
    assert "(f(x+h) − f(x))/h = 1 for" in said(curve.readout)
    curve.side.value = -1.0
    check_curve(curve, "relu(x)")
    assert "(f(x) − f(x−h))/h = 0 for" in said(curve.readout)
    move(curve, x=-0.2)
    curve.side.value = 1.0
    check_curve(curve, "relu(x)")


# -- Surface -----------------------------------------------------------------------------------

SECANT_LINE = re.compile(r"secant of the slice (\w+) = (\S+): \(f\((\w+) \+ h, \w+\) − f\(\w+, "
                         r"\w+\)\)/h = (\S+) for h = (\S+); ∂f/∂(\w+) = (\S+) \(backward\); "
                         r"they differ by (\S+)")


def check_surface(surface: Surface, formula: str) -> None:
    at = point_of(surface)
    a, b = surface.pair
    readout = said(surface.readout)
    first = readout.splitlines()[0]
    where, f_text = shown_pairs(first)[0]
    shown_a, shown_b = re.fullmatch(r"f\((\S+), (\S+)\)", where).groups()
    assert agrees(shown_a, at[a]) and agrees(shown_b, at[b])
    assert agrees(f_text, value(formula, at))
    check_partials(first, formula, at, {a, b})
    # the legend: "tangent, slope ∂f/∂x = 2" and the slices' held values
    legend = figure_text(surface.figure)
    for entry in legend:
        if entry.startswith("tangent, slope"):
            check_partials(entry.removeprefix("tangent, slope "), formula, at, set())
    tangents = {w for w in legend if w.startswith("tangent, slope")}
    assert {PARTIAL.match(w.split(" = ")[0].split()[-1]).group(1) for w in tangents} == {a, b}
    for entry in legend:
        held = re.fullmatch(r"slice (\w+) = (\S+) \(along (\w+)\)", entry)
        if held:
            assert held.group(3) != held.group(1)
            assert agrees(held.group(2), at[held.group(1)], digits=3)
    if surface.secant:
        held, held_at, moved, quotient, h_text, name, backward, gap = \
            SECANT_LINE.search(readout).groups()
        h = float(surface.h_slider.value)
        assert (held, moved, name) == (b, a, a) and agrees(held_at, at[b])
        assert agrees(h_text, h, digits=3)
        expected = (value(formula, {**at, a: at[a] + h}) - value(formula, at)) / h
        assert agrees(quotient, expected)
        assert agrees(backward, partial(formula, name, at))
        assert agrees(gap, expected - partial(formula, name, at), digits=3)


@pytest.mark.parametrize("formula, points", [
    ("2x + 3y^2", [(1, 1), (-2, 0.5), (2.5, -1.5)]),
    ("x^2 * y", [(1, 2), (-1, 1.5), (0.5, -2)]),
    ("x * y", [(1, 1), (2, -0.5)]),
    ("max(x, y)", [(2, 1), (-1, 0.5)]),
    ("x * (1 - x^2 - y^2)", [(0.5, 1), (-1, 0.2)]),
])
def test_a_surfaces_readout_and_legend_name_each_partial_beside_its_number(formula, points):
    surface = Surface(formula, secant=formula == "x^2 * y")
    for x, y in points:
        move(surface, x=x, y=y)
        check_surface(surface, formula)
        if surface.secant:
            surface.h_slider.value = 0.1
            check_surface(surface, formula)


def test_max_at_a_tie_gives_neither_input_a_gradient():
    """gradlab's rule (the book's): ∂max/∂x = 1(x > y), ∂max/∂y = 1(y > x); at x = y both 0."""
    surface = Surface("max(x, y)")
    move(surface, x=0.5, y=0.5)
    assert partials_in(said(surface.readout)) == {"x": "0", "y": "0"}


def test_a_surface_with_the_pair_given_in_the_other_order():
    surface = Surface("x^2 * y", variables=("y", "x"))
    move(surface, x=1.5, y=-1)
    check_surface(surface, "x^2 * y")


# -- GradientField ------------------------------------------------------------------------------

VECTOR = re.compile(r"\[((?:∂f/∂\w+, )*∂f/∂\w+)\] = \[([^\]]+)\]")


def vector_in(text: str) -> dict[str, str]:
    """'[∂f/∂x, ∂f/∂y] = [2, 6]' -> {'x': '2', 'y': '6'}: each label with the number in its
    place."""
    labels, numbers = VECTOR.search(text).groups()
    names = [label.removeprefix("∂f/∂") for label in labels.split(", ")]
    numbers = numbers.split(", ")
    assert len(names) == len(numbers), text
    return dict(zip(names, numbers, strict=True))


def check_field(field: GradientField, formula: str, at: dict[str, float] | None = None) -> None:
    at = at or point_of(field)
    a, b = field.pair
    readout = said(field.readout)
    shown = vector_in(readout)
    assert set(shown) == {a, b}
    exact = {name: partial(formula, name, at) for name in shown}
    for name, number in shown.items():
        assert agrees(number, exact[name]), f"∂f/∂{name} shows {number}: {readout}"
    assert agrees(re.search(r"length (\S+?),? ", readout).group(1), math.hypot(*exact.values()))
    assert agrees(re.search(r"f\(\S+, \S+\) = (\S+)", readout).group(1), value(formula, at))
    # the arrow drawn: from the point to the point + scale * gradient, scale as the legend says
    arrow = field.figure.data[3]
    scale = re.search(r"drawn (\S+) × as long", arrow.name)
    scale = float(scale.group(1)) if scale else 1.0
    assert arrow.x[1] - arrow.x[0] == pytest.approx(scale * exact[a], abs=1e-9)
    assert arrow.y[1] - arrow.y[0] == pytest.approx(scale * exact[b], abs=1e-9)


@pytest.mark.parametrize("formula, points", [
    ("x^2 + 3y^2", [(1, 1), (2, -0.5), (-1.5, 0.3)]),
    ("x^2 - y^2", [(1, 2), (-0.5, 1)]),
    ("x * exp(-x^2 - y^2)", [(0.5, 0.5), (-1, 0.2)]),
])
def test_a_gradient_fields_vector_puts_each_partial_in_its_place(formula, points):
    field = GradientField(formula, arrow_scale=0.2)
    for x, y in points:
        move(field, x=x, y=y)
        check_field(field, formula)


def test_sliding_along_the_level_curve_keeps_f_and_the_gradient_meets_it_at_right_angles():
    field = GradientField("x^2 + 3y^2", arrows=True, along=True, arrow_scale=0.2)
    move(field, x=1, y=1)
    start = value("x^2 + 3y^2", point_of(field))
    for along in (0.3, -0.6, 0.9):
        field.along_slider.value = along
        dot = field.figure.data[4]  # the point drawn
        here = {"x": float(dot.x[0]), "y": float(dot.y[0])}
        assert value("x^2 + 3y^2", here) == pytest.approx(start, rel=1e-6)
        check_field(field, "x^2 + 3y^2", here)
        angle = re.search(r"meets the level curve at (\S+)°", said(field.readout)).group(1)
        assert agrees(angle, 90.0, digits=3)


def test_the_descent_path_steps_against_sympys_gradient():
    field = GradientField("x^2 + 3y^2", descent=True, learning_rate=0.1, arrow_scale=0.2)
    move(field, x=1.5, y=-1)
    path = field.figure.data[2]
    p = np.array([1.5, -1.0])
    for k in range(4):
        assert (path.x[k], path.y[k]) == pytest.approx(tuple(p), abs=1e-9)
        g = [partial("x^2 + 3y^2", n, {"x": p[0], "y": p[1]}) for n in "xy"]
        p = p - 0.1 * np.array(g)


# -- PartialsTable ------------------------------------------------------------------------------

def columns(head: list[str]) -> dict[str, int]:
    """A table's header: cell text -> column index."""
    return {name: i for i, name in enumerate(head)}


def check_table(table: PartialsTable, formula: str) -> None:
    at = point_of(table)
    shown = tables(table)[0]
    head, rows = shown[0], shown[1:]
    where = columns(head)
    central_head = next(h for h in head if h.startswith("central difference"))
    h = float(re.search(r"h = (\S+)\)", central_head).group(1).replace("×10^", "e"))
    caption = html_lines(table.table.value)[0]
    f_text, *point_texts = [number for _, number in shown_pairs(caption)]
    assert agrees(f_text, value(formula, at))
    names = re.findall(r"(\w+) = ", caption.split(" at ", 1)[1])
    assert names == list(table.sliders) and all(
        agrees(t, at[n]) for n, t in zip(names, point_texts, strict=True))
    assert [row[where["v"]] for row in rows] == [f"∂f/∂{name}" for name in table.sliders]
    f = sym(formula)
    for row in rows:
        variable = PARTIAL.match(row[where["v"]]).group(1)
        exact = partial(formula, variable, at)
        assert agrees(row[where["value (backward)"]], exact), (variable, row)
        ahead = number_at(f, {**at, variable: at[variable] + h})
        behind = number_at(f, {**at, variable: at[variable] - h})
        assert agrees(row[where[central_head]], (ahead - behind) / (2 * h)), (variable, row)
        if "symbolic ∂f/∂v" in where:
            shown_formula = row[where["symbolic ∂f/∂v"]].strip("$")
            assert same_formula(shown_formula, sp.diff(f, S(variable))), (variable, row)


@pytest.mark.parametrize("formula, points", [
    ("x^2 * y", [(1, 2), (-1, 1.5)]),
    ("2x + 3y^2", [(1, 1), (0.5, -2.5)]),
    ("x * exp(-x^2 - y^2)", [(0.5, -1)]),
    ("max(x, y)", [(2, 1), (-1, 0.5)]),
])
def test_each_row_of_the_partials_table_is_its_own_variables(formula, points):
    table = PartialsTable(formula)
    for x, y in points:
        move(table, x=x, y=y)
        check_table(table, formula)


def test_three_inputs_every_row_its_own_formula_and_number():
    formula = "3x^3*z - y^2 + 5z + 2y*z"
    table = PartialsTable(formula)
    for point in ({"x": 1, "y": -1, "z": 3}, {"x": -0.5, "y": 2, "z": 1.5}):
        move(table, **point)
        check_table(table, formula)


def test_without_the_symbolic_column_the_numbers_are_still_each_rows():
    table = PartialsTable("x^2 * y", symbolic=False)
    assert not any("symbolic" in h for h in tables(table)[0][0])
    move(table, x=-1, y=1.5)
    check_table(table, "x^2 * y")


def test_at_a_tie_backward_gives_0_and_central_differences_a_half():
    """max at x = y: the core's convention 0 for both; central differences average the sides,
    (1 + 0)/2 (by hand); the message names the kink."""
    table = PartialsTable("max(x, y)")
    move(table, x=2, y=2)
    rows = tables(table)[0][1:]
    assert [(r[0], r[2], r[3]) for r in rows] == [("∂f/∂x", "0", "0.5"), ("∂f/∂y", "0", "0.5")]
    assert "kink" in table.message.text


def latex_cell(cell: str) -> tuple[sp.Expr, str | None]:
    """'$9 x^{2} z$ = 9' -> (the formula, '9')."""
    match = re.fullmatch(r"\$(.*?)\$(?: = (\S+))?", cell)
    return from_latex(match.group(1)), match.group(2)


def test_the_terms_table_adds_up_term_by_term_to_fs_partials():
    formula = "3x^3*z - y^2 + 5z + 2y*z"
    table = PartialsTable(formula, parts="terms")
    for point in ({"x": 1, "y": -1, "z": 3}, {"x": 0.5, "y": 2, "z": -1}):
        move(table, **point)
        shown = tables(table)[1]
        head, *terms, total = shown
        names = [h.removeprefix("∂/∂") for h in head[1:]]
        assert names == ["x", "y", "z"]
        pieces = [latex_cell(row[0])[0] for row in terms]
        assert sp.simplify(sum(pieces) - sym(formula)) == 0
        for piece, row in zip(pieces, terms, strict=True):
            for name, cell in zip(names, row[1:], strict=True):
                shown_formula, number = latex_cell(cell)
                assert same_formula(shown_formula, sp.diff(piece, S(name))) if \
                    shown_formula.free_symbols else shown_formula == sp.diff(piece, S(name))
                assert agrees(number, number_at(sp.diff(piece, S(name)), point))
        for name, cell in zip(names, total[1:], strict=True):
            shown_formula, number = latex_cell(re.sub(r"\s+", " ", cell))
            assert same_formula(shown_formula, sp.diff(sym(formula), S(name)))
            assert agrees(number, partial(formula, name, point))


def test_the_product_table_is_the_product_rule_with_each_variables_partials():
    formula = "x * (1 - x^2 - y^2)"
    table = PartialsTable(formula, parts="product")
    caption = table.parts_table.value
    u_text, v_text = re.search(r"with \$u = (.*?)\$ and \$v = (.*?)\$", caption).groups()
    u, v = from_latex(u_text), from_latex(v_text)
    assert sp.simplify(u * v - sym(formula)) == 0
    for point in ({"x": 0.5, "y": 1}, {"x": -1.2, "y": 0.4}):
        move(table, **point)
        head, *rows = tables(table)[1]
        assert head == ["", "u′", "v", "u", "v′", "u′v + uv′", "∂f/∂· (backward)"]
        for row in rows:
            name = row[0].removeprefix("∂/∂")
            du, du_number = latex_cell(row[1])
            dv, dv_number = latex_cell(row[4])
            assert same_formula(du, sp.diff(u, S(name))) if du.free_symbols else \
                du == sp.diff(u, S(name))
            assert same_formula(dv, sp.diff(v, S(name))) if dv.free_symbols else \
                dv == sp.diff(v, S(name))
            assert agrees(du_number, number_at(sp.diff(u, S(name)), point))
            assert agrees(dv_number, number_at(sp.diff(v, S(name)), point))
            assert agrees(row[2], number_at(v, point)) and agrees(row[3], number_at(u, point))
            assert agrees(row[5].rsplit(" = ", 1)[1], partial(formula, name, point))
            assert agrees(row[6], partial(formula, name, point))


# -- Explorer -----------------------------------------------------------------------------------

def check_explorer(explorer: Explorer, formula: str) -> None:
    at = point_of(explorer)
    readout = said(explorer.readout)
    assert agrees(re.search(r"f\([^)]*\) = (\S+)", readout).group(1), value(formula, at))
    shown = vector_in(readout)
    assert list(shown) == list(explorer.sliders)
    for name, number in shown.items():
        assert agrees(number, partial(formula, name, at)), (name, readout)
    for plot in explorer.plots:
        if isinstance(plot, Surface):
            check_surface(plot, formula)
        elif isinstance(plot, GradientField):
            check_field(plot, formula)
        else:
            check_curve(plot, formula)
    check_table(explorer.table, formula)


def test_the_explorer_reads_right_for_every_function_typed():
    explorer = Explorer("x^2 - y^2")
    for x, y in ((1, 1), (-1.5, 0.5), (2, -1)):
        move(explorer, x=x, y=y)
        check_explorer(explorer, "x^2 - y^2")
    for formula, point in (("x^2 * y + log(x)", {"x": 1.5, "y": -1}),
                           ("x*y*z", {"x": 1, "y": 2, "z": -0.5}),
                           ("sigmoid(w*x + b)", {"w": -0.5, "x": 2, "b": 1}),
                           ("x^3 - 2x", {"x": -1.5})):
        explorer.text_box.value = formula
        assert explorer.text_message.text == ""
        move(explorer, **point)
        check_explorer(explorer, formula)
    explorer.text_box.value = "x^^2"  # a typo: a message, the last function kept
    assert explorer.text_message.text and explorer.expression.text == parse("x^3 - 2x").text
    check_explorer(explorer, "x^3 - 2x")


def test_the_explorers_plotted_pair_can_be_chosen():
    explorer = Explorer("x*y*z")
    explorer.pair_boxes[0].value, explorer.pair_boxes[1].value = "z", "x"
    move(explorer, x=0.5, y=-2, z=1.5)
    check_explorer(explorer, "x*y*z")
    assert {plot.pair for plot in explorer.plots} == {("z", "x")}


# -- ComputationGraph ----------------------------------------------------------------------------

def node_formulas(graph: ComputationGraph) -> list[tuple[str, str, str]]:
    """(formula, value text, grad text) of each node as drawn (hover text and label)."""
    nodes = graph.figure.data[3]
    out = []
    for formula, label in zip(nodes.hovertext, nodes.text, strict=True):
        shown_value, shown_grad = re.fullmatch(r"value (\S+)<br>grad (\S+)", label).groups()
        out.append((formula.replace("·", "*"), shown_value, shown_grad))
    return out


def check_graph_nodes(graph: ComputationGraph, formula: str, at: dict[str, float]) -> None:
    """After the whole backward pass each node shows its formula's value and ∂f/∂node, by
    SymPy: f with the node's formula replaced by a symbol (where it occurs once)."""
    assert graph.step_index == len(graph.steps)
    nodes = node_formulas(graph)
    whole = nodes[-1][0]
    n = S("node_")
    for text, shown_value, shown_grad in nodes:
        if re.fullmatch(r"[\d.]+", text):
            continue  # a constant: no grad is sent to it
        assert agrees(shown_value, value(text, at)), (text, shown_value)
        if re.fullmatch(r"[A-Za-z]\w*", text):
            exact = partial(formula, text, at)
        elif whole.count(text) == 1:
            replaced = sym(whole.replace(text, "(node_)"))
            exact = number_at(sp.diff(replaced, n), {**at, "node_": value(text, at)})
        else:
            continue
        assert agrees(shown_grad, exact), (text, shown_grad, exact)


def check_graph_summary(graph: ComputationGraph, formula: str) -> None:
    at = point_of(graph)
    summary = said(graph.summary)
    where = re.match(r"at (.*?): ", summary).group(1)
    assert dict((k, float(v.replace("−", "-"))) for k, v in
                (pair.split(" = ") for pair in where.split(", "))) == pytest.approx(at)
    f_text = dict(shown_pairs(summary.split(": ", 1)[1]))["f"]
    assert agrees(f_text, value(formula, at))
    check_partials(summary, formula, at, set(at))


@pytest.mark.parametrize("formula, points", [
    ("3(2x^2)^5", [{"x": 1}, {"x": 0.5}, {"x": -0.7}]),
    ("exp(-x^2)", [{"x": 0.5}, {"x": -1.3}]),
    ("(x*y + y)^2", [{"x": 1, "y": 2}, {"x": 2, "y": -1}, {"x": -0.5, "y": 1.5}]),
    ("x*y + x", [{"x": 1.5, "y": -2}]),
])
def test_a_graphs_summary_and_nodes_pair_each_grad_with_its_variable(formula, points):
    graph = ComputationGraph(formula)
    for point in points:
        move(graph, **point)
        check_graph_summary(graph, formula)
        check_graph_nodes(graph, formula, point)


STEP_LINE = re.compile(r"= (\S+) × upstream (\S+) = contribution (\S+)$")


def test_each_replayed_step_multiplies_local_by_upstream_and_the_grads_add_up():
    formula = "(x*y + y)^2"
    graph = ComputationGraph(formula, point={"x": 2, "y": -1})
    graph.reset_button.click()
    received: dict[str, float] = {}
    for _ in range(len(graph.steps)):
        graph.step_button.click()
        shown = html_lines(graph.readout.value)
        local, upstream, contribution = STEP_LINE.search(shown[1]).groups()
        numbers = [float(t.replace("−", "-")) for t in (local, upstream, contribution)]
        assert numbers[0] * numbers[1] == pytest.approx(numbers[2], abs=1e-9)
        name, so_far = re.match(r"(.*)'s grad so far: (\S+)", shown[2]).groups()
        received[name] = received.get(name, 0.0) + numbers[2]
        assert agrees(so_far, received[name])
    at = {"x": 2, "y": -1}
    assert received["x"] == pytest.approx(partial(formula, "x", at))
    assert received["y"] == pytest.approx(partial(formula, "y", at))
    check_graph_nodes(graph, formula, at)


# -- ChainRule ----------------------------------------------------------------------------------

CORE_LINE = re.compile(r"(the product of the locals|the sum over paths) = (\S+); the core's "
                       r"(?:dh/d|∂h/∂)(\w+) = (\S+) ✓")


def check_chain(chain: ChainRule, formula: str) -> None:
    """Per variable the text names: each path's recorded numbers multiply to the product it
    shows, the products add up to the sum shown, and that sum and the core's ∂h/∂v (dh/dv
    for one input) are SymPy's ∂h/∂v; the inner function's value is SymPy's, and outer(inner)
    is h."""
    at = point_of(chain)
    shown = html_lines(chain.readout.value)
    found, variable, products = set(), None, []
    for line in shown:
        heading = re.match(r"Locals along each path from h down to (\w+) ", line)
        core = CORE_LINE.fullmatch(line)
        if heading:
            variable, products = heading.group(1), []
        elif core:
            _, total, named, core_number = core.groups()
            assert named == variable, line
            exact = partial(formula, named, at)
            assert agrees(core_number, exact) and agrees(total, exact), line
            assert sum(products) == pytest.approx(exact, rel=1e-3, abs=1e-6), line
            found.add(named)
            variable = None
        elif variable is not None:  # a path: rules = recorded numbers = their product
            _, numbers, product = line.rsplit(" = ", 2)
            factors = [float(t.replace("−", "-")) for t in numbers.split(" × ")]
            assert agrees(product, math.prod(factors)), line
            products.append(math.prod(factors))
    assert found == set(at)
    split = re.search(r"with inner function (\w+) = (.*?) and outer function \w+\(\w+\) = "
                      r"(.*?); at .*?: \w+ = (\S+)</div>", chain.readout.value)
    if split:  # h = f(g(x)): g's value at the point, and f(g) with g put in is h
        name, inner, outer, g_shown = split.groups()
        inner, outer = formula_in(inner), formula_in(outer)
        assert agrees(g_shown, value(inner, at))
        assert same_formula(sym(outer).subs(S(name), sym(inner)), sym(formula))


@pytest.mark.parametrize("formula, inner, points", [
    ("3(2x^2)^5", "2x^2", [{"x": 1}, {"x": 0.5}, {"x": -0.8}]),
    ("exp(-x^2)", None, [{"x": 0.5}, {"x": -1.2}]),
    ("exp(-x^2 - y^2)", None, [{"x": 0.5, "y": 1}, {"x": -1, "y": 0.3}]),
    ("(x*y + y)^2", None, [{"x": 1, "y": 2}, {"x": 2, "y": -1}]),
])
def test_the_chain_rules_numbers_are_sympys_partials(formula, inner, points):
    chain = ChainRule(formula, inner=inner)
    for point in points:
        move(chain, **point)
        check_chain(chain, formula)


def test_the_chain_rules_factors_are_the_outer_and_inner_derivatives():
    """dh/dx = f'(g) · g'(x) = (15 g^4)(4x) for h = 3(2x^2)^5, g = 2x^2: the formulas shown are
    SymPy's derivatives of the outer and the inner function, and their numbers multiply out."""
    chain = ChainRule("3(2x^2)^5", inner="2x^2")
    move(chain, x=0.5)
    g, x = S("g"), S("x")
    line = next(t for t in html_lines(chain.readout.value) if t.startswith("$$"))
    outer, inner, dh_dg, dg_dx, total = re.search(
        r"\\left\((.*)\\right\)\\cdot\\left\((.*)\\right\) = (\S+)\\times \(?(\S+?)\)? = "
        r"(\S+)\$\$", line).groups()
    assert same_formula(from_latex(outer), 15 * g**4)
    assert same_formula(from_latex(inner), 4 * x)
    g_value = 2 * 0.5**2
    assert agrees(dh_dg, 15 * g_value**4) and agrees(dg_dx, 4 * 0.5)
    assert agrees(total, partial("3(2x^2)^5", "x", {"x": 0.5}))
