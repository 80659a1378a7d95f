"""Second round of tests against the readout survivors of the full `make mutate MUTANTS=readout`
run of 2026-11-30 (benchmarks/README.md, "Full readout run of 2026-11-30"). Each reads what a
learner reads (tests/visible.py) and checks it against SymPy, a derivative worked by hand or a
rule a docstring states, never against the view's own output."""

from __future__ import annotations

import numpy as np
import pytest
from oracles import agrees, partial, value
from visible import lines, tables

from gradlab.engine import Value
from gradlab.views import ChainRule, PartialsTable, Surface

# -- PartialsTable._draw: the table's layout, its columns' labels, its warnings ------------------


def _expected_heads(second: str, h: str) -> list[str]:
    """The columns the class docstring lists: v, the symbolic partial (or, for a builder, the
    recorded chain), the core's value, the central difference with its h, and the difference."""
    return ["v", second, "value (backward)", f"central difference (h = {h})", "difference"]


@pytest.mark.parametrize(("formula", "point"), [
    ("x^3 * y + 1/(3*x)", {"x": 0.7, "y": 1.3}),
    ("x^2 - 2*y", {"x": -1.5, "y": 0.5}),
])
def test_table_reads_caption_heads_one_row_per_input_then_the_note(formula, point) -> None:
    """Nothing but the caption, the head row, one row per variable (each ∂f/∂v with its value
    by SymPy) and the central-difference note is on the page, in that order."""
    table = PartialsTable(formula, point=point)
    shown = lines(table)
    (grid,) = tables(table)
    assert grid[0] == _expected_heads("symbolic ∂f/∂v", "1×10^-5")
    assert len(grid) == 1 + len(point)
    assert shown[0].startswith("f = ") and agrees(shown[0].split()[2], value(formula, point))
    assert shown[1] == " | ".join(grid[0])
    for line, row, name in zip(shown[2:2 + len(point)], grid[1:], point, strict=True):
        assert line == " | ".join(row)
        assert row[0] == f"∂f/∂{name}"
        exact = partial(formula, name, point)
        assert agrees(row[2], exact, 6) and agrees(row[3], exact, 5)
    assert len(shown) == 3 + len(point)
    assert shown[-1].startswith("central difference: ∂f/∂x ≈ (f(x + h, y) − f(x − h, y)) / 2h")


def test_a_builders_table_heads_its_chain_column_as_recorded_locals() -> None:
    """For a graph built by a function the docstring says the row shows the chain of recorded
    local derivatives: ∂(x·w)/∂x = w, ∂(x·w)/∂w = x, here both 1."""
    table = PartialsTable(lambda x, w: Value(x, label="x") * Value(w, label="w"))
    shown = lines(table)
    (grid,) = tables(table)
    assert grid[0] == _expected_heads("locals along the path (recorded)", "1×10^-5")
    assert [row[:3] for row in grid[1:]] == [["∂f/∂x", "w = 1", "1"], ["∂f/∂w", "x = 1", "1"]]
    assert shown[1:4] == [" | ".join(row) for row in grid]
    assert len(shown) == 5


def test_an_infinite_partial_at_a_finite_f_is_warned_of() -> None:
    """sqrt(x) + y at x = 0: f = 1 is finite but ∂f/∂x = 1/(2 sqrt(x)) is infinite there, so the
    table warns (not merely informs) that a partial is undefined or infinite."""
    table = PartialsTable("sqrt(x) + y", point={"x": 0.0, "y": 1.0})
    (grid,) = tables(table)
    assert grid[1][2] == "∞"
    assert table.message.kind == "warning"
    assert "undefined or infinite" in table.message.text


def test_a_central_difference_reaching_past_the_domain_is_warned_of() -> None:
    """sqrt(x) at x = 4e-6 with h = 1e-5: the backward value 1/(2 sqrt(4e-6)) = 250 is finite,
    but f(x − h) needs sqrt of a negative number, so the central difference is undefined and
    the table must warn."""
    table = PartialsTable("sqrt(x) + y", point={"x": 0.0, "y": 1.0})
    table.sliders["x"].value = 4e-6
    (grid,) = tables(table)
    assert agrees(grid[1][2], 250.0) and grid[1][3] == "undefined"
    assert table.message.kind == "warning"


def test_a_kink_names_every_partial_that_disagrees() -> None:
    """max(x, y) at a tie x = y = 1: both partials jump (0 or 1 on either side), the central
    difference is 1/2 for each; the info note names ∂f/∂x and ∂f/∂y, comma-separated."""
    table = PartialsTable("max(x, y)", point={"x": 1.0, "y": 1.0})
    assert table.message.kind == "info"
    assert table.message.text.startswith("∂f/∂x, ∂f/∂y and the central difference disagree")


def test_a_smooth_f_with_a_large_partial_is_not_called_a_kink() -> None:
    """x^3 with h = 0.01 at x = 2: by hand ((x + h)^3 − (x − h)^3) / 2h = 3x^2 + h^2 = 12.0001,
    the partial is 12, so they differ by h^2 = 1e-4 — relative 1e-4 / 12, a smooth function's
    error, not a kink: no note."""
    table = PartialsTable("x^3 + y", point={"x": 2.0, "y": 0.0}, h=0.01)
    (grid,) = tables(table)
    assert grid[0][3] == "central difference (h = 0.01)"
    assert agrees(grid[1][2], 12.0, 6) and agrees(grid[1][3], 12.0001, 6)
    assert agrees(grid[1][4], 1e-4, 2)
    assert table.message.text == ""


# -- ChainRule._write: d for one input, ∂ for several; the point; the warning ---------------------

ONE = (r"$$\frac{d h}{d x} = \frac{d h}{d g}\cdot\frac{d g}{d x} = f'(g)\cdot g'(x) = ")
SEVERAL = (r"$$\frac{\partial h}{\partial x} = \frac{\partial h}{\partial g}\cdot"
           r"\frac{\partial g}{\partial x} = f'(g)\cdot \frac{\partial g}{\partial x} = ")


def test_one_input_chain_reads_d_and_its_numbers_by_hand() -> None:
    """h = 3(2x^2)^5, g = 2x^2 at x = 0.5: one input, so ordinary d's (the docstring's
    dh/dx = dh/dg · dg/dx = f'(g(x)) · g'(x)); g = 0.5, f'(g) = 15 g^4 = 0.9375, g'(x) = 4x = 2,
    dh/dx = 1.875 (SymPy)."""
    chain = ChainRule("3(2x^2)^5", inner="2x^2", point={"x": 0.5})
    shown = lines(chain)
    assert shown[0].endswith("= f(g(x)) with inner function g = 2·x2 and outer function "
                             "f(g) = 3·g5; at x = 0.5: g = 0.5")
    assert shown[1].startswith(ONE), shown[1]
    numbers = shown[1].removeprefix(ONE).split(" = ")[-2:]
    assert numbers[0].replace(r"\times", " ").split()[-2:] == ["0.9375", "2"]
    assert agrees(numbers[1].rstrip("$"), partial("3*(2*x^2)^5", "x", {"x": 0.5}))
    assert chain.message.text == ""


def test_several_inputs_chain_reads_partials_and_names_every_input() -> None:
    """h = sin(xy), g = xy at (0.5, 2): two inputs, so ∂'s and ∂g/∂x, not g'(x); the header
    names f(g(x, y)) and the point x = 0.5, y = 2 with g = 1 (by hand); ∂h/∂x = cos(1)·2 and
    ∂h/∂y = cos(1)·0.5 (SymPy)."""
    point = {"x": 0.5, "y": 2.0}
    chain = ChainRule("sin(x*y)", inner="x*y", point=point)
    shown = lines(chain)
    assert "= f(g(x, y)) with inner function g = x·y" in shown[0]
    assert shown[0].endswith("; at x = 0.5, y = 2: g = 1")
    assert shown[1].startswith(SEVERAL), shown[1]
    assert agrees(shown[1].split(" = ")[-1].rstrip("$"), partial("sin(x*y)", "x", point))
    assert agrees(shown[-1].split(" = ")[-1].rstrip(" ✓"), partial("sin(x*y)", "y", point))
    assert chain.message.text == ""


@pytest.mark.parametrize(("formula", "inner", "at"), [
    ("log(x^2)", "x^2", 0.0),      # 1/g · 2x = ∞ · 0: undefined
    ("sqrt(x + 1)", "x + 1", -1.0),  # 1/(2 sqrt(g)) · 1 = ∞
])
def test_an_undefined_or_infinite_chain_is_warned_of(formula, inner, at) -> None:
    """At g = 0 the outer derivative 1/g or 1/(2 sqrt(g)) is infinite (by hand): the learner
    gets a warning naming dh/dx (one input: d, not ∂)."""
    chain = ChainRule(formula, inner=inner, point={"x": at})
    assert chain.message.kind == "warning"
    assert chain.message.text.startswith("dh/dx is undefined or infinite at this point")


# -- Surface.update: the slices, tangents and point drawn (read off the figure's traces) ----------


def _trace(figure, name: str):
    (found,) = [t for t in figure.data if t.name == name]
    return found


def test_surface_draws_slices_tangents_and_point_where_calculus_puts_them() -> None:
    """f = x^2 + 3y at (1, 0.5), sliders over [-3, 3]: f = 2.5, ∂f/∂x = 2x = 2, ∂f/∂y = 3 (by
    hand). The slice y = 0.5 runs over the whole x range with z = x^2 + 1.5 and the slice x = 1
    over the whole y range with z = 1 + 3y; each tangent stays in its slice's plane and rises
    by its partial times the run; the point sits at (1, 0.5, 2.5)."""
    surface = Surface("x^2 + 3*y")
    surface.sliders["x"].value = 1.0
    surface.sliders["y"].value = 0.5
    fig = surface.figure
    along_x = _trace(fig, "slice y = 0.5 (along x)")
    along_y = _trace(fig, "slice x = 1 (along y)")
    for trace, run, plane in ((along_x, "x", "y"), (along_y, "y", "x")):
        ts = np.asarray(getattr(trace, run), dtype=float)
        assert ts[0] == -3.0 and ts[-1] == 3.0 and np.all(np.diff(ts) > 0)
        fixed = 0.5 if plane == "y" else 1.0
        assert np.allclose(np.asarray(getattr(trace, plane), dtype=float), fixed)
        x = ts if run == "x" else 1.0
        y = ts if run == "y" else 0.5
        assert np.allclose(np.asarray(trace.z, dtype=float), x ** 2 + 3 * y)
    for name, run, plane, fixed, slope in (("tangent, slope ∂f/∂x = 2", "x", "y", 0.5, 2.0),
                                           ("tangent, slope ∂f/∂y = 3", "y", "x", 1.0, 3.0)):
        trace = _trace(fig, name)
        ts = np.asarray(getattr(trace, run), dtype=float)
        start = 1.0 if run == "x" else 0.5
        assert ts[0] < start < ts[-1]
        assert np.allclose(np.asarray(getattr(trace, plane), dtype=float), fixed)
        assert np.allclose(np.asarray(trace.z, dtype=float), 2.5 + slope * (ts - start))
    point = _trace(fig, "the point")
    assert (list(point.x), list(point.y), list(point.z)) == ([1.0], [0.5], [2.5])


def test_an_input_named_g_renames_the_inner_function_u() -> None:
    """h = sin(g·x) with inner g·x: g is an input, so the inner function must be called u and
    ∂h/∂g = ∂h/∂u · ∂u/∂g = cos(u) · x = cos(1) · 2 at (0.5, 2) (SymPy)."""
    point = {"g": 0.5, "x": 2.0}
    chain = ChainRule("sin(g*x)", inner="g*x", point=point)
    shown = lines(chain)
    assert "= f(u(g, x)) with inner function u = g·x" in shown[0]
    assert shown[1].startswith(r"$$\frac{\partial h}{\partial g} = \frac{\partial h}{\partial u}"
                               r"\cdot\frac{\partial u}{\partial g} = f'(u)\cdot "), shown[1]
    assert agrees(shown[1].split(" = ")[-1].rstrip("$"), partial("sin(g*x)", "g", point))


def test_every_undefined_partial_is_named_in_the_warning() -> None:
    """log(xy) at (0, 0): ∂h/∂x = y/(xy) and ∂h/∂y = x/(xy) are both 0/0 (by hand); the
    warning names both partials, with ∂ (two inputs)."""
    chain = ChainRule("log(x*y)", inner="x*y", point={"x": 0.0, "y": 0.0})
    assert chain.message.text.startswith("∂h/∂x and ∂h/∂y are undefined or infinite")
