"""Lesson 1, partial derivatives: each lab built as the notebook builds it, driven to each state a
"Try this" asks for, and what the text says happens checked against SymPy or the calculus worked
by hand (never against the core or the view); each printed number checked against SymPy.
The exercises are made from the notebook's own cells: each answer checked by SymPy or by hand,
plausible wrong answers rejected, each hint's worked step checked, and no answer on the page
before the learner answers (saved outputs, prose, the labs' default readouts, hints)."""

import ast

import numpy as np  # noqa: E402
import plotly  # noqa: F401 - required: a missing one fails the tests
import pytest
import sympy as sp
from lesson_page import (  # noqa: E402
    EARLY_READING,
    Lesson,
    PageChecks,
    arithmetic,
    assert_exercises_then_progress,
    plain,
    reachable,
)

from gradlab.views import PartialsTable  # noqa: E402
from gradlab.views._common import fmt  # noqa: E402

LABS = ("Curve(", "Surface(", "PartialsTable(")
LESSON = Lesson("01_partial_derivatives", "01-03", LABS, **EARLY_READING)
CELLS, CELLS_ORDER = LESSON.cells, LESSON.order
text, words, run_cell = LESSON.text, LESSON.words, LESSON.run
x, y, z, h = sp.symbols("x y z h")


def slope_of(trace) -> float:
    """Rise over run of a 2-point line: along y in a 2-D plot, along z in a 3-D one."""
    rise = trace.z if getattr(trace, "z", None) is not None else trace.y
    xs, zs = np.asarray(trace.x, dtype=float), np.asarray(rise, dtype=float)
    return (zs[-1] - zs[0]) / (xs[-1] - xs[0])


F = x**2 * y  # the lesson's f
F3 = 3 * x**3 * z - y**2 + 5 * z + 2 * y * z  # the chapter's three-input example
EXERCISES = ["01-13", "01-18", "01-14", "01-21", "01-23", "01-17"]
TRY_THIS = 5  # 01-05, the three bullets of 01-08, 01-16


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


def test_exercise_1_the_slope_of_x3_minus_2x_at_2():
    exercise = run_cell("01-13")
    expected = float(sp.diff(x**3 - 2 * x, x).subs(x, 2))  # 3x^2 - 2 at 2: 10
    assert expected == 3 * 2**2 - 2 == 10
    assert exercise.kind == "number" and exercise.expected == pytest.approx(expected)
    assert exercise.check(f"{expected:g}")
    worked = exercise.hints[2].split("f′(2) = ")[1].rstrip(".")
    assert arithmetic(worked) == expected  # the worked step, finished, is the answer
    for wrong in (3 * 2**2,  # the 2x term forgotten
                  3 * 2**2 - 2 * 2,  # f(2)'s 2x kept: 3x^2 - 2x
                  2**3 - 2 * 2,  # f(2), not its slope
                  -expected):
        assert not run_cell("01-13").check(f"{wrong:g}"), wrong
    # "the lab to check": the curve at x = 2 shows the tangent's slope
    curve = run_cell("01-04")
    assert reachable(curve.sliders["x"], 2.0)
    curve.sliders["x"].value = 2.0
    assert curve.slope == pytest.approx(expected)


# -- the limit definition next to the slice: Surface("x^2 * y", secant=True) ----------------------

def test_the_prose_formulas_hold_and_leave_the_x_partial_to_the_learner():
    prose = words("01-06")
    assert r"\frac{f(x + h, y) - f(x, y)}{h}" in prose  # y held in both values of f
    assert r"\frac{f(x, y + h) - f(x, y)}{h}" in prose
    # the worked example is the y partial: x^2 * d(y)/dy = x^2 * 1 = x^2
    worked = r"\frac{\partial f}{\partial y} = x^2 \cdot \frac{d}{dy}\,y = x^2 \cdot 1 = x^2"
    assert worked in prose
    assert sp.diff(F, y) == x**2
    assert sp.limit((F.subs(y, y + h) - F) / h, h, 0) == x**2  # the limit, y moved, x held
    # the x partial is the exercise right after: the prose does not give it
    assert CELLS_ORDER.index("01-06") + 1 == CELLS_ORDER.index("01-18")
    assert "2xy" not in prose.replace(" ", "")
    # the Try this: the secant's gap from the partial is exactly h*y, at every point
    claim = words("01-08")
    assert r"is exactly $h\,y$, at every point" in claim
    assert sp.limit((F.subs(x, x + h) - F) / h, h, 0) == sp.diff(F, x)
    assert sp.simplify((F.subs(x, x + h) - F) / h - sp.diff(F, x) - h * y) == 0




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
            # "the gap between the two (the readout's last number)"
            assert shown.rstrip().endswith(f"they differ by {fmt(step * at_y, 3)}")


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


def test_exercise_2_the_formula_of_the_x_partial_of_x2y():
    exercise = run_cell("01-18")
    assert exercise.kind == "formula" and exercise.partial == "x"
    oracle = sp.diff(F, x)
    assert oracle == 2 * x * y
    rng = np.random.default_rng(1)
    for at_x, at_y in rng.uniform(-3, 3, (20, 2)):
        assert exercise.expected.evaluate(x=at_x, y=at_y) == pytest.approx(
            float(oracle.subs({x: at_x, y: at_y})), abs=1e-12)
    for right in ("2*x*y", "2x*y", "y*2*x", "2 * y * x", "x*y + x*y"):
        assert exercise.problem.check(right).correct, right
    wrongs = {"x^2": "that is ∂f/∂y",  # the other partial
              "2*x": "yours gives",  # y dropped
              "-2*x*y": "sign",  # the sign flipped
              "x*y": "2 times yours"}  # the power rule's factor 2 forgotten
    for wrong, told in wrongs.items():
        result = exercise.problem.check(wrong)
        assert not result.correct and told in result.message, (wrong, result.message)
    # "the lab can also check your formula at any point": the readout's ∂f/∂x is 2xy there
    surface = run_cell("01-07")
    for at_x, at_y in [(1.5, -2.0), (-0.5, 3.0)]:
        surface.sliders["x"].value, surface.sliders["y"].value = at_x, at_y
        assert surface.partials[0] == pytest.approx(2 * at_x * at_y)


def test_exercise_3_the_secant_slope_at_1_2_with_h_half():
    exercise = run_cell("01-14")
    expected = float(((F.subs(x, x + h) - F) / h).subs({x: 1, y: 2, h: sp.Rational(1, 2)}))
    assert expected == (1.5**2 * 2 - 1**2 * 2) / 0.5 == 5
    assert exercise.expected == pytest.approx(expected)
    worked = exercise.hints[2].split(":")[0]  # "f(1.5, 2) = 1.5²·2 and f(1, 2) = 1²·2"
    ahead, here = (arithmetic(side.split(" and ")[0]) for side in worked.split(" = ")[1:])
    assert (ahead - here) / 0.5 == expected
    for wrong in (2 * 1 * 2,  # the partial itself, not the secant
                  1.5**2 * 2 - 1**2 * 2,  # not divided by h
                  (1.5**2 - 1**2) / 0.5):  # y dropped
        assert not run_cell("01-14").check(f"{wrong:g}"), wrong
    # "then set the lab to this point and h to check": the lab shows the same number
    surface = run_cell("01-07")
    assert reachable(surface.sliders["x"], 1.0) and reachable(surface.sliders["y"], 2.0)
    surface.sliders["x"].value, surface.sliders["y"].value = 1.0, 2.0
    surface.h_slider.value = 0.5
    assert surface.secant_slope == pytest.approx(expected)


def test_exercise_4_the_formula_of_the_y_partial_of_2x_plus_3y2():
    exercise = run_cell("01-21")
    assert exercise.kind == "formula" and exercise.partial == "y"
    oracle = sp.diff(2 * x + 3 * y**2, y)
    assert oracle == 6 * y
    for right in ("6y", "6*y", "y*6", "3*2*y"):
        assert exercise.problem.check(right).correct, right
    wrongs = {"2": "that is ∂f/∂x",  # the other partial
              "2 + 6y": "yours has the number 2",  # 2x's derivative kept
              "3y": "the partial is 2 times yours",  # the power rule's 2 forgotten
              "-6y": "sign"}
    for wrong, told in wrongs.items():
        result = exercise.problem.check(wrong)
        assert not result.correct and told in result.message, (wrong, result.message)


def test_exercise_5_the_formula_of_the_z_partial_of_the_three_input_example():
    exercise = run_cell("01-23")
    assert exercise.kind == "formula" and exercise.partial == "z"
    oracle = sp.diff(F3, z)
    assert sp.expand(oracle - (3 * x**3 + 5 + 2 * y)) == 0
    for right in ("3x^3 + 5 + 2y", "3*x^3 + 2*y + 5", "5 + 2*y + 3*x^3"):
        assert exercise.problem.check(right).correct, right
    wrongs = {"3x^3 + 2y": "a number on its own is missing",  # 5z's 5 forgotten
              "3x^3*z + 5 + 2y": "yours gives",  # z kept in the first term
              "9x^2*z": "that is ∂f/∂x",  # the x partial
              "2z - 2y": "that is ∂f/∂y"}  # the y partial
    for wrong, told in wrongs.items():
        result = exercise.problem.check(wrong)
        assert not result.correct and told in result.message, (wrong, result.message)
    # the hint's first term: 3x^3 z gives 3x^3 (by SymPy)
    assert "3x³z gives 3x³" in exercise.hints[2]
    assert sp.diff(3 * x**3 * z, z) == 3 * x**3


# -- checking numerically: PartialsTable("x^2 * y", symbolic=False) ------------------------------

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


def test_the_table_leaves_the_formulas_out_as_the_text_says():
    assert "it leaves the formulas out" in words("01-09")
    shown = plain(run_cell("01-15").table.value)
    assert "symbolic" not in shown and "value (backward)" in shown
    assert "2 x y" not in shown and "x^{2}" not in shown
    # the same table with its default shows them: the option is what hides them
    assert "symbolic" in plain(PartialsTable("x^2 * y").table.value)


def test_exercise_6_the_central_difference_is_exact_for_this_f():
    exercise = run_cell("01-17")
    central = (F.subs(x, x + h) - F.subs(x, x - h)) / (2 * h)
    assert sp.simplify(central - 2 * x * y) == 0  # the h^2 terms cancel: the key says so
    # the page asks the learner to find that out; it does not say it before the answer
    assert "compare it with $\\partial f/\\partial x$" in words("01-16")
    assert "exact" not in text("01-16") and "cancel" not in text("01-16")
    expected = float(central.subs({x: 1, y: 2, h: sp.Rational(1, 2)}))
    assert expected == 4
    assert exercise.expected == pytest.approx(expected)
    worked = exercise.hints[2].split(":")[0]  # "f(1.5, 2) = 1.5²·2 and f(0.5, 2) = 0.5²·2"
    ahead, behind = (arithmetic(side.split(" and ")[0]) for side in worked.split(" = ")[1:])
    assert (ahead - behind) / 1 == expected
    for wrong in ((1.5**2 * 2 - 0.5**2 * 2) / 0.5,  # divided by h, not 2h
                  (1.5**2 * 2 - 1**2 * 2) / 0.5):  # the one-sided secant
        assert not run_cell("01-17").check(f"{wrong:g}"), wrong


# -- the summary ----------------------------------------------------------------------------------

def printed(cell_id: str) -> str:
    return "".join("".join(out.get("text", "")) for out in CELLS[cell_id]["outputs"])


def test_the_summary_prints_sympys_numbers_at_points_no_exercise_asks_about():
    curve_part, gradient_part = printed("01-12").rstrip("\n").rsplit("\n", 1)
    g = x**3 - 2 * x
    value, slope = curve_part.split(" ", 1)
    assert float(value) == pytest.approx(float(g.subs(x, -1.5)))
    assert ast.literal_eval(slope) == {"x": pytest.approx(float(sp.diff(g, x).subs(x, -1.5)))}
    assert "x^2" not in curve_part  # the derivative's formula is an exercise's answer
    point = {x: -1, y: sp.Rational(3, 2)}
    assert ast.literal_eval(gradient_part) == {"x": float(sp.diff(F, x).subs(point)),
                                               "y": float(sp.diff(F, y).subs(point))}
    asked = [run_cell(c).at for c in EXERCISES]
    assert {"x": -1.5} not in asked and {"x": -1.0, "y": 1.5} not in asked


# -- the practice as a whole (the checks every lesson shares are in tests/lesson_page.py) --------

def test_the_lesson_has_six_exercises_of_two_kinds_each_after_its_idea_then_progress():
    assert_exercises_then_progress(LESSON, EXERCISES, ["number", "formula", "number", "formula",
                                                       "formula", "number"])
    order = CELLS_ORDER
    # each right after the idea it practises: the one-input slope after its lab; the x partial
    # after the definition; the secant after the slice lab; the freezing practice before the
    # numerical check; the central difference after its table
    assert order.index("01-05") < order.index("01-13") < order.index("01-06")
    assert order.index("01-06") < order.index("01-18") < order.index("01-07")
    assert order.index("01-08") < order.index("01-14") < order.index("01-21") \
        < order.index("01-23") < order.index("01-09")
    assert order.index("01-16") < order.index("01-17") < order.index("01-11")


class TestPage(PageChecks):
    lesson, exercises, try_this = LESSON, EXERCISES, TRY_THIS
