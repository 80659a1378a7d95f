"""Lesson 1, partial derivatives: each lab built as the notebook builds it, driven to each state a
"Try this" asks for, and what the text says happens checked against SymPy or the calculus worked
by hand (never against the core or the view); each printed number checked against SymPy."""

import ast
import json
import re
from pathlib import Path

import pytest

pytest.importorskip("plotly")
sp = pytest.importorskip("sympy")

import numpy as np  # noqa: E402

import gradlab as gl  # noqa: E402
from gradlab.views import Curve, Exercise, PartialsTable, Surface  # noqa: E402
from gradlab.views._common import fmt  # noqa: E402

NOTEBOOK = Path(__file__).resolve().parent.parent / "notebooks" / "01_partial_derivatives.ipynb"
CELLS = {cell["id"]: cell for cell in json.loads(NOTEBOOK.read_text())["cells"]}
x, y, h = sp.symbols("x y h")


def text(cell_id: str) -> str:
    return "".join(CELLS[cell_id]["source"])


def words(cell_id: str) -> str:
    """A markdown cell's text with its line breaks as spaces (for the phrases it must say)."""
    return " ".join(text(cell_id).split())


def run_cell(cell_id: str):
    """The value a code cell of the notebook shows (its last expression), run as the notebook
    runs it, after the lesson's import cell."""
    namespace = {"gl": gl, "Curve": Curve, "Exercise": Exercise, "PartialsTable": PartialsTable,
                 "Surface": Surface}
    exec(text("01-03"), namespace)
    tree = ast.parse(text(cell_id))
    exec(compile(ast.Module(tree.body[:-1], []), cell_id, "exec"), namespace)
    return eval(compile(ast.Expression(tree.body[-1].value), cell_id, "eval"), namespace)


def plain(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub("<[^>]+>", " ", html)).replace("&nbsp;", " ")


def reachable(slider, value: float) -> bool:
    """A learner can put the slider at value: inside its range, on its step."""
    steps = (value - slider.min) / slider.step
    return slider.min <= value <= slider.max and abs(steps - round(steps)) < 1e-9


def slope_of(trace) -> float:
    """Rise over run of a 2-point line: along y in a 2-D plot, along z in a 3-D one."""
    rise = trace.z if getattr(trace, "z", None) is not None else trace.y
    xs, zs = np.asarray(trace.x, dtype=float), np.asarray(rise, dtype=float)
    return (zs[-1] - zs[0]) / (xs[-1] - xs[0])


F = x**2 * y  # the lesson's f


# -- the one-input derivative: Curve("x^3 - 2x", secant=True) -------------------------------------

def test_the_secant_gap_shrinks_with_h_and_changes_side_with_x():
    curve = run_cell("01-04")
    assert "set $h$ to 1, then 0.1, then 0.01" in words("01-05")
    g = x**3 - 2 * x
    quotient = (g.subs(x, x + h) - g) / h  # the secant's slope, by SymPy
    for at in (1.0, 2.0, -1.0):
        assert reachable(curve.sliders["x"], at)
        curve.sliders["x"].value = at
        gaps = []
        for step in (1.0, 0.1, 0.01):
            curve.h_slider.value = step  # one of the slider's own options
            expected = float(quotient.subs({x: at, h: step}))
            assert curve.secant_slope == pytest.approx(expected, abs=1e-9)
            assert slope_of(curve.figure.data[2]) == pytest.approx(expected, abs=1e-9)
            gap = curve.secant_slope - float(sp.diff(g, x).subs(x, at))
            assert gap == pytest.approx(3 * at * step + step**2, abs=1e-9)  # by hand
            gaps.append(gap)
        assert abs(gaps[0]) > abs(gaps[1]) > abs(gaps[2])  # "shrinks each time"
        ratios = [abs(gap) / step for gap, step in zip(gaps, (1.0, 0.1, 0.01), strict=True)]
        assert max(ratios) / min(ratios) < 1.5  # "roughly in proportion to h"
    # "is the gap always on the same side?": no; the gap 3xh + h^2 is -0.0299 at x = -1,
    # h = 0.01 (below the tangent) and positive at x = 1
    curve.sliders["x"].value = -1.0
    curve.h_slider.value = 0.01
    assert curve.secant_slope - curve.slope < 0


def test_exercise_on_the_power_rule():
    exercise = run_cell("01-13")
    expected = float(sp.diff(x**3 - 2 * x, x).subs(x, 2))  # 3x^2 - 2 at 2
    assert exercise.expected == pytest.approx(expected)
    assert exercise.check(str(expected)) and not run_cell("01-13").check(str(expected + 1))


# -- the limit definition next to the slice: Surface("x^2 * y", secant=True) ----------------------

def test_the_prose_formulas_hold():
    prose = words("01-06")
    assert r"\frac{f(x + h, y) - f(x, y)}{h}" in prose  # y held in both values of f
    assert r"\frac{f(x, y + h) - f(x, y)}{h}" in prose
    assert sp.diff(F, x) == 2 * x * y and sp.diff(F, y) == x**2
    assert r"\frac{\partial f}{\partial x} = 2xy" in prose
    # the limit itself: the fraction with y held tends to 2xy
    assert sp.limit((F.subs(x, x + h) - F) / h, h, 0) == 2 * x * y
    claim = words("01-08")
    assert r"= (2x + h)\,y" in claim and r"by exactly $h\,y$" in claim
    assert sp.simplify((F.subs(x, x + h) - F) / h - (2 * x + h) * y) == 0
    assert sp.simplify((F.subs(x, x + h) - F) / h - 2 * x * y - h * y) == 0


def test_the_secant_of_the_x_slice_holds_y_and_approaches_the_partial():
    surface = run_cell("01-07")
    for at_x, at_y in [(1.0, 1.0), (-2.0, 0.5), (1.5, -2.0)]:
        assert reachable(surface.sliders["x"], at_x) and reachable(surface.sliders["y"], at_y)
        surface.sliders["x"].value, surface.sliders["y"].value = at_x, at_y
        for step in (1.0, 0.1, 0.01):
            surface.h_slider.value = step
            quotient = ((at_x + step) ** 2 * at_y - at_x**2 * at_y) / step  # by hand
            partial = 2 * at_x * at_y
            assert surface.secant_slope == pytest.approx(quotient, abs=1e-9)
            assert surface.secant_slope - surface.partials[0] == pytest.approx(step * at_y,
                                                                                abs=1e-9)
            # the secant on the surface: both points at the same y, the second at x + h
            line, points = surface.figure.data[7], surface.figure.data[8]
            assert list(points.y) == [at_y, at_y] and list(line.y) == [at_y, at_y]
            assert list(points.x) == pytest.approx([at_x, at_x + step])
            assert list(points.z) == pytest.approx([at_x**2 * at_y, (at_x + step) ** 2 * at_y])
            assert slope_of(line) == pytest.approx(quotient, abs=1e-9)
            # the flat slice beside it: f(t, y0), its tangent (slope 2xy) and the same secant
            flat = surface.slice.figure
            ts = np.asarray(flat.data[0].x, dtype=float)
            assert np.asarray(flat.data[0].y, dtype=float) == pytest.approx(ts**2 * at_y)
            assert slope_of(flat.data[1]) == pytest.approx(partial, abs=1e-9)
            assert slope_of(flat.data[2]) == pytest.approx(quotient, abs=1e-9)
            shown = plain(surface.readout.value)
            assert f"they differ by {fmt(step * at_y, 3)}" in shown


def test_at_y_zero_the_x_slice_and_its_secants_are_flat():
    surface = run_cell("01-07")
    assert "Set $y = 0$" in words("01-08")
    assert reachable(surface.sliders["y"], 0.0)
    surface.sliders["y"].value = 0.0
    for at_x in (-2.5, 0.5, 3.0):
        surface.sliders["x"].value = at_x
        for step in (2.0, 0.5, 0.001):
            surface.h_slider.value = step
            assert surface.partials[0] == 0.0 == float(sp.diff(F, x).subs({x: at_x, y: 0}))
            assert surface.secant_slope == 0.0
            assert np.all(np.asarray(surface.figure.data[1].z, dtype=float) == 0.0)


def test_with_x_fixed_the_slope_along_y_does_not_change():
    surface = run_cell("01-07")
    assert "Keep $x$ fixed and move $y$" in words("01-08")
    surface.sliders["x"].value = 1.5
    slopes = set()
    for at_y in (-3.0, -1.0, 0.0, 2.0, 3.0):
        surface.sliders["y"].value = at_y
        slopes.add(surface.partials[1])
        assert surface.partials[1] == pytest.approx(float(sp.diff(F, y).subs({x: 1.5, y: at_y})))
    assert len(slopes) == 1


def test_exercises_on_the_difference_quotient_and_the_partial():
    quotient = run_cell("01-14")
    expected = float(((F.subs(x, x + h) - F) / h).subs({x: 1, y: 2, h: 0.5}))
    assert quotient.expected == pytest.approx(expected)
    # "the lab to check": the lab driven to (1, 2) with h = 0.5 shows the same number
    surface = run_cell("01-07")
    surface.sliders["y"].value = 2.0
    surface.h_slider.value = 0.5
    assert surface.secant_slope == pytest.approx(expected)
    partial = run_cell("01-10")
    assert partial.expected == pytest.approx(float(sp.diff(F, x).subs({x: 3, y: 2})))
    assert reachable(surface.sliders["x"], 3.0)


# -- checking numerically: PartialsTable("x^2 * y") -----------------------------------------------

def test_the_central_difference_holds_the_other_input_and_agrees():
    prose = words("01-09")
    assert r"\frac{f(x + h, y) - f(x - h, y)}{2h}" in prose
    assert r"\frac{f(x, y + h) - f(x, y - h)}{2h}" in prose
    table = run_cell("01-15")
    assert "(f(x + h, y) − f(x − h, y)) / 2h, y held fixed" in plain(table.table.value)
    assert "the last column stays below $10^{-6}$" in words("01-16")
    step = table.h
    for at_x in np.arange(-3.0, 3.01, 1.5):
        for at_y in np.arange(-3.0, 3.01, 1.5):
            table.sliders["x"].value, table.sliders["y"].value = at_x, at_y
            by_x, by_y = table.rows
            # the central differences worked out here, one input moved, the other held
            assert by_x["numerical"] == pytest.approx(
                ((at_x + step) ** 2 * at_y - (at_x - step) ** 2 * at_y) / (2 * step), abs=1e-12)
            assert by_y["numerical"] == pytest.approx(
                (at_x**2 * (at_y + step) - at_x**2 * (at_y - step)) / (2 * step), abs=1e-12)
            assert by_x["value"] == pytest.approx(2 * at_x * at_y, abs=1e-12)
            assert max(by_x["difference"], by_y["difference"]) < 1e-6


def test_exercise_on_the_central_difference_is_exact_for_this_f():
    exercise = run_cell("01-17")
    central = (F.subs(x, x + h) - F.subs(x, x - h)) / (2 * h)
    assert sp.simplify(central - 2 * x * y) == 0  # "the h^2 terms cancel"
    assert exercise.expected == pytest.approx(float(central.subs({x: 1, y: 2, h: 0.5})))


# -- the summary ----------------------------------------------------------------------------------

def printed(cell_id: str) -> str:
    return "".join("".join(out.get("text", "")) for out in CELLS[cell_id]["outputs"])


def test_the_summary_prints_sympys_numbers_at_a_point_no_exercise_asks_about():
    shown = printed("01-12")
    point = {x: -1, y: sp.Rational(3, 2)}
    assert "at x = -1, y = 1.5:" in shown
    assert f"f = {float(F.subs(point)):g}" in shown
    assert f"= {float(sp.diff(F, x).subs(point)):g}\n" in shown.split("∂f/∂x")[1]
    assert f"= {float(sp.diff(F, y).subs(point)):g}\n" in shown.split("∂f/∂y")[1]
    asked = [run_cell(c).at for c in ("01-13", "01-14", "01-10", "01-17")]
    assert {"x": -1.0, "y": 1.5} not in asked
