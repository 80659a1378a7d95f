"""Tests written to kill the mutants that survived in the views' readout code (`make mutate`,
issue 13; benchmarks/README.md lists them). Each checks what a learner reads against an
independent oracle: SymPy's derivative, arithmetic by hand, or the formatting rule the
docstrings state (4 significant digits, a true minus sign, "undefined" for nan, no "-0")."""

from __future__ import annotations

import math
import re
import sys

import numpy as np
import pytest
import sympy as sp
from oracles import S, agrees, number_at, partial, sym, value
from visible import html_lines, html_tables, number, shown_pairs, tables

from gradlab import parse
from gradlab.engine import Value
from gradlab.views import ComputationGraph, Exercise, GradientField, PartialsTable, Surface
from gradlab.views._base import describe_undefined
from gradlab.views._common import fmt


@pytest.mark.parametrize(("x", "shown"), [
    (float("nan"), "undefined"), (float("inf"), "∞"), (float("-inf"), "−∞"),
    (-0.0, "0"), (0.0, "0"), (-2.5, "−2.5"), (1 / 3, "0.3333"), (123456.0, "1.235×10^5"),
    (-1.5e-7, "−1.5×10^-7"), (2.0, "2"),
])
def test_fmt_follows_its_stated_rules(x: float, shown: str) -> None:
    """The rules fmt's docstring states, each written out by hand."""
    assert fmt(x) == shown


def test_fmt_keeps_the_digits_asked_for() -> None:
    assert fmt(math.pi, 6) == "3.14159"
    assert fmt(-math.pi, 2) == "−3.1"


# -- the point named in a warning (View.where) -----------------------------------------------------

WHERE = re.compile(r"\((\w+), (\w+)\) = \((\S+), (\S+)\)")


@pytest.mark.parametrize("make", [Surface, GradientField])
def test_a_warning_names_the_point_the_sliders_put(make) -> None:
    """log(x) has no value for x <= 0: the warning names the plotted pair at the sliders'
    values, each beside its own name."""
    view = make("log(x) + y")
    view.sliders["x"].value = -1.5
    view.sliders["y"].value = 0.5
    found = WHERE.search(view.message.text)
    assert found, view.message.text
    a, b, a_shown, b_shown = found.groups()
    assert (a, b) == ("x", "y")
    assert agrees(a_shown, -1.5) and agrees(b_shown, 0.5)


# -- the exercise's shown answer (Exercise._solution) --------------------------------------------


def test_the_answer_for_f_itself_is_fs_value_with_no_partial_named() -> None:
    """An exercise asking for f (no partial): the answer shown is f = x·y = 6 at (3, 2), by
    hand, and names no partial derivative."""
    exercise = Exercise("x*y", at={"x": 3, "y": 2})
    exercise.show_answer()
    shown = " ".join(html_lines(exercise.solution.value))
    assert "∂" not in shown, shown
    assert agrees(shown.removeprefix("Answer.").strip(), 6.0), shown


# -- why f has no value (describe_undefined and its _reason) --------------------------------------

# f, the point, and the sentence by hand: which input breaks which rule (log needs a positive
# input, sqrt a non-negative one, a quotient a non-zero denominator), naming the variable when
# the input is one and the input's number (worked by hand: 1 - 3 = −2) when it is not.
UNDEFINED = [
    ("log(x)", {"x": -1.0}, "log is undefined for x ≤ 0"),
    ("log(x - 3)", {"x": 1.0}, "log is undefined for inputs ≤ 0 (here log(−2))"),
    ("sqrt(y)", {"y": -2.0}, "sqrt is undefined for y < 0"),
    ("sqrt(y - 3)", {"y": 1.0}, "sqrt is undefined for inputs < 0 (here sqrt(−2))"),
    ("x / y", {"x": 1.0, "y": 0.0}, "division by zero (y = 0)"),
    ("x / (y - 1)", {"x": 1.0, "y": 1.0}, "division by zero (the denominator is 0)"),
    ("exp(1000*x)", {"x": 1.0}, "exp overflows: e^1000 is too large for a float"),
    ("x^(-1)", {"x": 0.0}, "0 to a negative power is undefined (division by zero)"),
    ("x^0.5", {"x": -4.0}, "a negative number to a fractional power is undefined"),
    ("x^y", {"x": -2.0, "y": 0.5}, "a negative number to a fractional power is undefined"),
    ("x^y", {"x": 0.0, "y": -1.0}, "0 to a negative power is undefined (division by zero)"),
    ("x * 1e308 * 10", {"x": 1.0}, "the numbers overflow (grow beyond the largest float)"),
    ("x^y", {"x": 0.5, "y": -2000.0}, "the numbers overflow (grow beyond the largest float)"),
]


@pytest.mark.parametrize(("formula", "at", "sentence"), UNDEFINED)
def test_why_f_has_no_value_names_the_broken_rule_and_its_input(formula, at, sentence) -> None:
    exact = sym(formula).subs({S(name): sp.nsimplify(v) for name, v in at.items()})
    # SymPy agrees: f there is not a real number, or too large for a float
    assert not (exact.is_real and exact.is_finite) or abs(exact) > sys.float_info.max
    assert describe_undefined(parse(formula), at) == sentence


# -- a builder's chain column (PartialsTable._chains) ---------------------------------------------


def grown(x: float, y: float) -> Value:
    """f(x, y) = 3x² + xy + x built from Values (no Expression, so the table shows the
    recorded locals along each path)."""
    X, Y = Value(x, label="x"), Value(y, label="y")
    return X * X * 3 + X * Y + X


def test_a_builder_that_is_its_variable_shows_a_chain_of_1() -> None:
    """g(x) = x: no step lies between f and x, so its chain is 1 (dx/dx), not an empty product
    ("")."""
    bare = PartialsTable(lambda x: Value(x, label="x"))
    rows = {row[0]: row for row in tables(bare.table)[0][1:]}
    assert rows["∂f/∂x"][1] == "1", rows
    assert number(rows["∂f/∂x"][2]) == 1.0


def test_a_builders_chain_column_multiplies_each_paths_locals_and_adds_the_paths() -> None:
    """Each term "rules = numbers" is one path: as many rules as numbers, separated by " · "
    and " × "; the products, added over the paths (" + "), are SymPy's partial of 3x² + xy + x
    (∂f/∂x = 6x + y + 1: four paths from f down to x, ∂f/∂y = x: one)."""
    table = PartialsTable(grown)
    for x, y in ((1.0, 2.0), (-1.5, 0.5)):
        table.sliders["x"].value, table.sliders["y"].value = x, y
        rows = {row[0]: row for row in tables(table.table)[0][1:]}
        for variable, paths in (("x", 4), ("y", 1)):
            terms = rows[f"∂f/∂{variable}"][1].split(" + ")
            assert len(terms) == paths, terms
            at = {"x": table.sliders["x"].value, "y": table.sliders["y"].value}
            total = 0.0
            for term in terms:
                rules, numbers = term.split(" = ")
                factors = [number(n) for n in numbers.split(" × ")]
                rules = rules.split(" · ")
                assert len(rules) == len(factors), term
                for rule, factor in zip(rules, factors, strict=True):  # each local, by SymPy
                    assert agrees(factor, value(rule, at)), (rule, factor)
                total += math.prod(factors)
            assert agrees(fmt(total), partial("3x^2 + x*y + x", variable, at)), terms


# -- the terms and product tables (PartialsTable._draw_terms, _draw_product, _paren) ---------------


def rows_as_read(source: str) -> list[str]:
    """The lines a learner reads after the caption, which must be the table's rows and nothing
    else (each row its cells, " | " between them)."""
    return html_lines(source)[1:]


@pytest.mark.parametrize(("formula", "parts"), [
    ("3x^3*z - y^2 + 5z + 2y*z", "terms"),
    ("x * (1 - x^2 - y^2)", "product"),
])
def test_the_parts_tables_show_their_cells_and_nothing_else(formula, parts) -> None:
    """No stray text between, before or after the cells; the first header names the column
    of terms ("term") and the others the variables, in f's order."""
    table = PartialsTable(formula, parts=parts)
    shown = table.parts_table.value
    (rows,) = html_tables(shown)
    assert rows_as_read(shown) == [" | ".join(row).strip() for row in rows]
    if parts == "terms":
        assert rows[0] == ["term", *(f"∂/∂{name}" for name in sorted(sym(formula).free_symbols,
                                                                       key=str))]
        assert rows[-1][0] == "f: the sum"


PRODUCT_SUM = re.compile(r"^(\S+)·(\S+) \+ (\S+)·(\S+) = (\S+)$")


def test_the_product_rules_sum_shows_u_prime_v_plus_u_v_prime_by_sympy() -> None:
    """The u′v + uv′ cell is "u′·v + u·v′ = total" with each factor SymPy's (u = x,
    v = 1 - x² - y²), a negative factor after the first in parentheses ("2·(−3)"), a
    non-negative one bare, and the total their sum."""
    formula = "x * (1 - x^2 - y^2)"
    u, v = sym("x"), sym("1 - x^2 - y^2")
    table = PartialsTable(formula, parts="product")
    for x, y in ((0.5, 1.0), (-1.2, 0.4), (2.0, -1.5)):
        table.sliders["x"].value, table.sliders["y"].value = x, y
        at = {"x": x, "y": y}
        head, *rows = html_tables(table.parts_table.value)[0]
        for row in rows:
            name = row[0].removeprefix("∂/∂")
            found = PRODUCT_SUM.match(row[5])
            assert found, row[5]
            du, v_shown, u_shown, dv, total = found.groups()
            expected = [number_at(sp.diff(u, S(name)), at), number_at(v, at), number_at(u, at),
                        number_at(sp.diff(v, S(name)), at)]
            for shown, exact, first in zip((du, v_shown, u_shown, dv), expected,
                                           (True, False, False, False), strict=True):
                bare = shown.removeprefix("(").removesuffix(")")
                assert agrees(bare, exact), (row[5], exact)
                wrapped = shown != bare
                assert wrapped == (not first and bare.startswith("−")), row[5]
            assert agrees(total, expected[0] * expected[1] + expected[2] * expected[3])


# -- update(point): a view redrawn at a point given in code ---------------------------------------


@pytest.mark.parametrize("make", [Surface, GradientField])
def test_update_at_a_given_point_reads_that_point_not_the_sliders(make) -> None:
    """`update(point)` redraws at `point` (the sliders stay where they are): f and both
    partials of x²y at (1.5, −2) by SymPy, each beside its own name."""
    formula = "x^2 * y"
    view = make(formula)
    view.sliders["x"].value, view.sliders["y"].value = -1.0, 0.5
    at = {"x": 1.5, "y": -2.0}
    view.update(at)
    readout = " ".join(html_lines(view.readout.value))
    shown = dict(shown_pairs(readout))
    assert agrees(shown["f(1.5, −2)"], value(formula, at)), readout
    if make is Surface:
        for name in ("x", "y"):
            assert agrees(shown[f"∂f/∂{name}"], partial(formula, name, at)), readout
    else:
        vector = re.search(r"\[∂f/∂x, ∂f/∂y\] = \[(\S+), (\S+)\]", readout)
        assert vector, readout
        for name, number_text in zip(("x", "y"), vector.groups(), strict=True):
            assert agrees(number_text, partial(formula, name, at)), readout


# -- a graph's summary line (ComputationGraph._write_summary) -------------------------------------

SUMMARY_PART = re.compile(r"^(f|∂f/∂\w+) = (\S+)$")


@pytest.mark.parametrize("formula", ["x*y + x", "exp(-x^2)"])
def test_a_graphs_summary_is_the_point_then_label_equals_number_parts(formula) -> None:
    """"at x = 1, y = 2: f = 4 · ∂f/∂x = 3 · ∂f/∂y = 1 (...)": the point the sliders put, then
    one "label = number" per part, f and each partial by SymPy, nothing else between them."""
    graph = ComputationGraph(formula)
    for name, slider in graph.sliders.items():
        slider.value = {"x": 1.5, "y": -0.5}[name]
    at = {name: float(slider.value) for name, slider in graph.sliders.items()}
    (line,) = html_lines(graph.summary.value)
    where, rest = line.split(": ", 1)
    assert dict(shown_pairs(where.removeprefix("at "))) == {n: fmt(v) for n, v in at.items()}
    rest = rest.removesuffix(" (every grad, after the whole backward pass)")
    for part in rest.split(" · "):
        label, shown = SUMMARY_PART.match(part).groups()
        exact = value(formula, at) if label == "f" else partial(formula, label[4:], at)
        assert agrees(shown, exact), line


def test_a_fixed_graphs_summary_starts_with_f_and_names_no_point() -> None:
    """A graph of fixed Values has no sliders: its summary is f's value alone, 2·3 + 2 = 8 by
    hand, with no "at ...:" before it."""
    a, b = Value(2.0, label="a"), Value(3.0, label="b")
    (line,) = html_lines(ComputationGraph(a * b + a).summary.value)
    label, shown = SUMMARY_PART.match(line.split(" (")[0]).groups()
    assert label == "f" and agrees(shown, 8.0), line


def test_the_level_curve_follows_a_third_variable() -> None:
    """f = x² + z·y²: the level curve through (x, y) = (1, 1) is x² + z·y² = 1 + z, another
    curve for each z. After z moves, every point drawn on it satisfies the new equation
    (worked by hand, to the tracer's accuracy)."""
    field = GradientField("x^2 + z*y^2", along=True)
    field.sliders["x"].value, field.sliders["y"].value = 1.0, 1.0
    for z in (1.0, 2.5):
        field.sliders["z"].value = z
        (curve,) = [trace for trace in field.figure.data
                    if trace.name == "the level curve through the point"]
        xs, ys = np.asarray(curve.x, dtype=float), np.asarray(curve.y, dtype=float)
        keep = np.isfinite(xs) & np.isfinite(ys)
        assert keep.sum() > 10
        assert np.allclose(xs[keep] ** 2 + z * ys[keep] ** 2, 1 + z, rtol=0.02, atol=0.02)


# -- the gradient field's sentence about its arrow (GradientField.update) -------------------------

LENGTH = re.compile(r"length (\S+)(?:, drawn (\S+) × as long)? \(the rate of steepest ascent; "
                    r"(.*)\)$")


@pytest.mark.parametrize("scale", [1.0, 0.25])
def test_the_fields_readout_says_the_length_the_scale_and_the_angle(scale) -> None:
    """"length |∇f|" (SymPy's), ", drawn k × as long" only when the arrow is scaled (k the
    scale), and what the gradient does: it crosses the level curves at right angles, or at a
    critical point (∇f = 0 by SymPy) that there is no direction of ascent."""
    formula = "x^2 + 3y^2"
    field = GradientField(formula, arrow_scale=scale)
    for x, y in ((1.0, -0.5), (0.0, 0.0)):
        field.sliders["x"].value, field.sliders["y"].value = x, y
        at = {"x": x, "y": y}
        line = " ".join(html_lines(field.readout.value))
        found = LENGTH.search(line)
        assert found, line
        length, drawn, meets = found.groups()
        grad = [partial(formula, name, at) for name in ("x", "y")]
        assert agrees(length, math.hypot(*grad)), line
        assert (drawn is None) == (scale == 1.0), line
        if drawn is not None:
            assert agrees(drawn, scale), line
        if grad == [0.0, 0.0]:
            assert meets.startswith("∇f = 0"), line
        else:
            assert meets == "it crosses the level curves at right angles", line
