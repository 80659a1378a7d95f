"""Lesson 1, partial derivatives: each lab built as the notebook builds it, driven to each state a
"Try this" asks for, and what the text says happens checked against SymPy or the calculus worked
by hand (never against the core or the view); each printed number checked against SymPy.
The exercises are made from the notebook's own cells: each answer checked by SymPy or by hand,
plausible wrong answers rejected, each hint's worked step checked, and no answer on the page
before the learner answers (saved outputs, prose, the labs' default readouts, hints)."""

import ast
import json
import re
from pathlib import Path
from tokenize import TokenError

import numpy as np  # noqa: E402
import plotly  # noqa: F401 - required: a missing one fails the tests
import pytest
import sympy as sp
from sympy.parsing.sympy_parser import (  # noqa: E402
    convert_xor,
    implicit_multiplication_application,
    parse_expr,
    standard_transformations,
)

from gradlab.views import PartialsTable, Progress  # noqa: E402
from gradlab.views._common import fmt  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = ROOT / "notebooks" / "01_partial_derivatives.ipynb"
KEY = ROOT / "docs" / "teaching" / "lessons" / "01_partial_derivatives.md"
CELLS = {cell["id"]: cell for cell in json.loads(NOTEBOOK.read_text())["cells"]}
LABS = ("Curve(", "Surface(", "PartialsTable(")
READER = standard_transformations + (implicit_multiplication_application, convert_xor)
x, y, z, h = sp.symbols("x y z h")


def text(cell_id: str) -> str:
    return "".join(CELLS[cell_id]["source"])


def words(cell_id: str) -> str:
    """A markdown cell's text with its line breaks as spaces (for the phrases it must say)."""
    return " ".join(text(cell_id).split())


def run_cell(cell_id: str):
    """The value a code cell of the notebook shows (its last expression), run as the notebook
    runs it, after the lesson's import cell."""
    namespace: dict = {}
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


CELLS_ORDER = list(CELLS)


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
    assert sp.simplify(central - 2 * x * y) == 0  # "the h^2 terms cancel"
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


# -- the practice as a whole ----------------------------------------------------------------------

def test_the_lesson_has_six_exercises_of_two_kinds_each_after_its_idea_then_progress():
    assert exercise_cells() == EXERCISES
    exercises = [run_cell(c) for c in EXERCISES]
    assert [e.kind for e in exercises] == ["number", "formula", "number", "formula", "formula",
                                           "number"]
    order = CELLS_ORDER
    # each right after the idea it practises: the one-input slope after its lab; the x partial
    # after the definition; the secant after the slice lab; the freezing practice before the
    # numerical check; the central difference after its table
    assert order.index("01-05") < order.index("01-13") < order.index("01-06")
    assert order.index("01-06") < order.index("01-18") < order.index("01-07")
    assert order.index("01-08") < order.index("01-14") < order.index("01-21") \
        < order.index("01-23") < order.index("01-09")
    assert order.index("01-16") < order.index("01-17") < order.index("01-11")
    assert text(order[-2]).strip() == "## Your progress" and text(order[-1]).strip() == \
        "Progress()"
    progress = Progress(exercises)
    assert progress.count == 6 and progress.solved_count == 0
    for exercise in exercises:
        assert len(exercise.hints) == 3  # a nudge, the rule, the worked step
        assert exercise.check(exercise.answer_text) is True
    assert progress.solved_count == 6
    progress.reset()
    assert progress.solved_count == 0


def test_the_exercise_cells_hide_their_code_which_holds_the_hints():
    for cell_id in EXERCISES:
        assert CELLS[cell_id]["metadata"].get("jupyter", {}).get("source_hidden") is True
        first = text(cell_id).splitlines()[0]
        assert not any(hint[:25] in first for hint in run_cell(cell_id).hints)
        assert len([line for line in text(cell_id).splitlines() if line.strip()]) <= 3
# -- the exercises, read from the notebook, and what the page shows -------------------------------

def exercise_cells() -> list[str]:
    """The ids of the code cells that make an Exercise (any kind), in the lesson's order."""
    found = []
    for cell_id, cell in CELLS.items():
        if cell["cell_type"] != "code":
            continue
        for node in ast.walk(ast.parse(text(cell_id))):
            func = getattr(node, "func", None)
            if (isinstance(func, ast.Name) and func.id == "Exercise") or (
                    isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name)
                    and func.value.id == "Exercise"):
                found.append(cell_id)
                break
    return found


def arithmetic(worked: str) -> float:
    """A hint's worked step such as '3·2² − 2', evaluated by SymPy (not by gradlab)."""
    for old, new in (("·", "*"), ("−", "-"), ("²", "**2"), ("³", "**3")):
        worked = worked.replace(old, new)
    return float(sp.sympify(worked))


def number_texts(value: float) -> set[str]:
    """A number as a page might print it: several roundings, either minus sign, unsigned."""
    texts = set()
    for v in (value, abs(value)):
        for spec in ("g", ".1f", ".2f", ".3f", ".3g", ".6g"):
            shown = format(v, spec)
            texts |= {shown, shown.replace("-", "−")}
    return texts


def shows_number(page: str, shown: str) -> bool:
    """Does the page hold the number as a value: not as part of a longer number, a lesson's
    number, nor a coefficient or an exponent of a formula (5*z, 5z, x^2, 10^{-5})?"""
    pattern = (rf"(?<![\d.^])(?<!\^-)(?<!\^{{)(?<!\^{{-)(?<!esson ){re.escape(shown)}"
               r"(?![\d^*a-zA-Z]|\.\d)")
    return re.search(pattern, page) is not None


UNICODE = (("·", "*"), ("−", "-"), ("²", "^2"), ("³", "^3"), (r"\cdot", "*"), (r"\,", " "),
           (r"\left", ""), (r"\right", ""), (r"\;", " "), ("{", "("), ("}", ")"))


def formula_pieces(page: str) -> list:
    """Every piece of the page between '=', ',', ':', ';' and '$' that reads as a formula in
    x, y and z alone, as SymPy reads it (2xy, 3 \\cdot 2y, 3*x^3 + 2*y + 5, ...)."""
    for old, new in UNICODE:
        page = page.replace(old, new)
    pieces = []
    for piece in re.split(r"[=,:;$\n]|\\qquad|\\quad", page):
        piece = piece.strip().rstrip(".")
        if not piece or not re.fullmatch(r"[0-9xyz+\-*/^(). ]+", piece) or not re.search(
                "[xyz]", piece):
            continue
        try:
            pieces.append(parse_expr(piece, local_dict={"x": x, "y": y, "z": z},
                                     transformations=READER))
        except (SyntaxError, TypeError, ValueError, sp.SympifyError, TokenError):
            continue
    return pieces


def oracle_formula(exercise):
    """SymPy's partial of the exercise's f (read by SymPy from its text, not by gradlab)."""
    f = parse_expr(exercise.expression.text.replace("^", "**"),
                   local_dict={"x": x, "y": y, "z": z})
    return sp.diff(f, sp.Symbol(exercise.partial))


def saved_outputs() -> str:
    texts = []
    for cell in CELLS.values():
        for output in cell.get("outputs", []):
            texts.append("".join(output.get("text", "")))
            for value in output.get("data", {}).values():
                texts.append("".join(value) if isinstance(value, list) else str(value))
    return "\n".join(texts)


def prose() -> str:
    return "\n".join(text(c) for c, cell in CELLS.items() if cell["cell_type"] == "markdown")


def lab_cells() -> list[str]:
    return [c for c, cell in CELLS.items() if cell["cell_type"] == "code"
            and text(c).startswith(LABS)]


def default_readouts() -> str:
    """What each lab shows at its default point, as plain text."""
    shown = []
    for cell_id in lab_cells():
        lab = run_cell(cell_id)
        for name in ("readout", "table", "parts_table"):
            widget = getattr(lab, name, None)
            if widget is not None:
                shown.append(plain(widget.value))
        shown += [plain(trace.name or "") for figure in getattr(lab, "figures", [])
                  for trace in figure.data]
    assert shown
    return "\n".join(shown)


def page_before_answering() -> dict[str, str]:
    """Everything a learner can read before answering: saved outputs, prose, the labs'
    readouts at their default points, every hint, and each exercise cell's first line (shown
    when its code is collapsed)."""
    exercises = [run_cell(c) for c in exercise_cells()]
    return {"saved outputs": saved_outputs(), "prose": prose(),
            "readouts": default_readouts(),
            "hints": "\n".join(h for e in exercises for h in e.hints),
            "first lines": "\n".join(text(c).splitlines()[0] for c in exercise_cells())}


def leaks(exercise, page: str) -> list[str]:
    """The forms of the exercise's answer that the page shows."""
    found = []
    if exercise.kind == "number":
        found = [t for t in number_texts(exercise.expected) if shows_number(page, t)]
    elif exercise.kind == "vector":
        values = list(exercise.expected.values())
        for spec in ("g", ".1f", ".2f", ".3g"):
            parts = [format(v, spec) for v in values]
            for sep in (", ", ",", " ", "; "):
                for joined in (sep.join(parts), f"({sep.join(parts)})"):
                    if joined in page or joined.replace("-", "−") in page:
                        found.append(joined)
    elif exercise.kind == "formula":
        target = oracle_formula(exercise)
        found = [t for t in (exercise.answer_text, exercise.answer_text.replace(" ", ""))
                 if t in page]
        found += [str(p) for p in formula_pieces(page) if sp.simplify(p - target) == 0]
    elif exercise.problem.multiple is False:  # a choice with one right option, said in words
        found = [exercise.answer_text] if exercise.answer_text in page else []
    return found


def test_no_answer_is_on_the_page_before_the_learner_answers():
    page = page_before_answering()
    for cell_id in exercise_cells():
        exercise = run_cell(cell_id)
        for where, shown in page.items():
            if where == "hints":  # its own hints, and the others'
                shown = "\n".join(h for c in exercise_cells() for h in run_cell(c).hints)
            assert not leaks(exercise, shown), (cell_id, where, leaks(exercise, shown))
        if exercise.at is not None:  # nothing printed or shown at the exercise's point
            point = ", ".join(f"{k} = {v:g}" for k, v in exercise.at.items())
            assert f"at {point}:" not in page["saved outputs"], cell_id
            for lab_id in lab_cells():
                lab = run_cell(lab_id)
                expression = getattr(lab, "expression", None)
                if expression is None:  # a PartialsTable
                    expression = lab.source.expression
                if expression.text == exercise.expression.text:
                    default = {k: float(s.value) for k, s in lab.sliders.items()}
                    assert default != exercise.at, (cell_id, lab_id)


def test_the_leak_check_finds_an_answer_in_each_form():
    """The check above can fail: it finds each kind of answer where it is written."""
    for cell_id in exercise_cells():
        exercise = run_cell(cell_id)
        if exercise.kind == "number":
            assert leaks(exercise, f"slope = {exercise.expected:g}.")
        elif exercise.kind == "vector":
            values = ", ".join(f"{v:g}" for v in exercise.expected.values())
            assert leaks(exercise, f"gradient ∇f = ({values})")
        elif exercise.kind == "formula":
            target = oracle_formula(exercise)
            assert leaks(exercise, f"so $\\frac{{\\partial f}}{{\\partial v}} = "
                                   f"{sp.latex(sp.expand(target))}$.")
            assert leaks(exercise, f"∂f/∂v = {sp.factor(target)} = 3")
        elif not exercise.problem.multiple:
            assert leaks(exercise, f"({exercise.answer_text})")


# -- the teacher's notes --------------------------------------------------------------------------

def test_the_teachers_answer_key_has_every_exercise_with_the_cores_answer_and_each_try_this():
    key = KEY.read_text()
    assert "## Lesson plan" in key and "## Answer key" in key
    assert "Gradients, Partial Derivatives, and the Chain Rule" in " ".join(key.split())
    headings = re.findall(r"^### Exercise (\d+): .+\n+Answer: (.+)$", key, flags=re.M)
    assert [int(k) for k, _ in headings] == list(range(1, len(EXERCISES) + 1))
    for (_, answer), cell_id in zip(headings, EXERCISES, strict=True):
        exercise = run_cell(cell_id)
        typed = answer.strip().strip("`")
        if exercise.kind == "choice":
            assert typed == exercise.answer_text, cell_id
        else:
            assert exercise.problem.check(typed).correct, (cell_id, typed)
    assert len(re.findall(r"^### Try this: ", key, flags=re.M)) == len(try_this()) == TRY_THIS


def try_this() -> list[str]:
    """Each "Try this" of the lesson: a bullet of a list, or the whole paragraph."""
    found = []
    for cell_id, cell in CELLS.items():
        if cell["cell_type"] != "markdown" or "**Try this:**" not in text(cell_id):
            continue
        body = text(cell_id).split("**Try this:**")[1].split("**Check")[0]
        bullets = [line for line in body.splitlines() if line.startswith("- ")]
        found += bullets or [body.strip()]
    return found
