"""Lesson 2, sums and products: every formula of the text (the term-by-term table included)
checked with SymPy, each lab built as the notebook builds it and driven to each state a
"Try this" asks for, with what the text says checked against SymPy or by hand; the printed
summaries' numbers checked against SymPy. The exercises are made from the notebook's own cells:
each answer checked by SymPy or by hand, plausible wrong answers rejected, each hint's worked
step checked, and no answer on the page before the learner answers."""

import re

import numpy as np  # noqa: E402
import plotly  # noqa: F401 - required: a missing one fails the tests
import pytest
import sympy as sp
from lesson_page import (  # noqa: E402
    EARLY_READING,
    READER,
    Lesson,
    PageChecks,
    arithmetic,
    assert_exercises_then_progress,
    reachable,
)
from sympy.parsing.sympy_parser import (  # noqa: E402
    parse_expr,
)

import gradlab as gl  # noqa: E402
from gradlab.views import PartialsTable  # noqa: E402

LABS = ("Surface(", "PartialsTable(")
LESSON = Lesson("02_sum_and_product", "02-03", LABS, **EARLY_READING)
CELLS, CELLS_ORDER = LESSON.cells, LESSON.order
text, words, run_cell = LESSON.text, LESSON.words, LESSON.run
EXERCISES = ["02-13", "02-21", "02-22"]
TRY_THIS = 4  # 02-05, 02-07-try, 02-16, 02-09
x, y, z = sp.symbols("x y z")
VARIABLES = {"x": x, "y": y, "z": z}
F3 = 3 * x**3 * z - y**2 + 5 * z + 2 * y * z  # the chapter's three-input example
PRODUCT = x * (1 - x**2 - y**2)


def latex(formula: str):
    """A formula of the text as SymPy reads it: 9x^2z, 3z \\cdot 3x^2, -2y + 2z ..."""
    for old, new in ((r"\cdot", "*"), (r"\,", " "), (r"\left", ""), (r"\right", "")):
        formula = formula.replace(old, new)
    return parse_expr(formula, local_dict=VARIABLES, transformations=READER)


def test_latex_reader_reads_what_it_should():
    assert latex(r"3z \cdot 3x^2") == 9 * x**2 * z
    assert latex("-2xy") == -2 * x * y
    assert latex(r"1 \cdot (1 - x^2 - y^2) + x \cdot (-2x)") == 1 - 3 * x**2 - y**2


# -- the rules and the first example ------------------------------------------------------------

def test_the_sum_examples_hold():
    prose = words("02-02")
    assert r"\frac{\partial f}{\partial x} = 2 + 0 = 2" in prose
    assert r"\frac{\partial f}{\partial y} = 0 + 3 \cdot 2y = 6y" in prose
    f = 2 * x + 3 * y**2
    assert sp.diff(f, x) == latex("2 + 0") == 2
    assert sp.diff(f, y) == latex(r"0 + 3 \cdot 2y") == latex("6y")
    assert sp.diff(x + y, x) == 1 and sp.diff(x + y, y) == 1


def test_the_slope_along_x_stays_2_and_along_y_is_6y():
    surface = run_cell("02-04")
    assert "the slope along $x$ stays 2" in words("02-05")
    for at_x in (-3.0, -1.0, 0.5, 3.0):
        for at_y in (-2.0, 0.0, 1.5):
            assert reachable(surface.sliders["x"], at_x) and reachable(surface.sliders["y"], at_y)
            surface.sliders["x"].value, surface.sliders["y"].value = at_x, at_y
            assert surface.partials[0] == 2.0
            assert surface.partials[1] == pytest.approx(6 * at_y, abs=1e-12)
    surface.sliders["y"].value = 0.0
    assert surface.partials[1] == 0.0
    signs = set()
    for at_y in (-1.0, 1.0):
        surface.sliders["y"].value = at_y
        signs.add(np.sign(surface.partials[1]))
    assert signs == {-1.0, 1.0}  # "changes sign with y"


def test_exercise_1_the_y_partial_of_2x_plus_3y2_at_a_point():
    exercise = run_cell("02-13")
    oracle = float(sp.diff(2 * x + 3 * y**2, y).subs({x: 0.5, y: -2.5}))
    assert oracle == 6 * -2.5 == -15
    assert exercise.kind == "number" and exercise.expected == pytest.approx(oracle)
    worked = exercise.hints[2].split("that is ")[1].split(";")[0]  # "3·2·(−2.5)"
    assert arithmetic(worked) == oracle
    for wrong in (15,  # the sign of y lost
                  2,  # the x partial
                  3 * 2 * -2.5 + 2 * 0.5,  # 2x kept as if it had y
                  3 * (-2.5) ** 2):  # a term of f, not its partial
        assert not run_cell("02-13").check(f"{wrong:g}"), wrong
    # checkable in the lab above it: the surface at (0.5, -2.5)
    surface = run_cell("02-04")
    assert reachable(surface.sliders["x"], 0.5) and reachable(surface.sliders["y"], -2.5)
    surface.sliders["x"].value, surface.sliders["y"].value = 0.5, -2.5
    assert surface.partials[1] == pytest.approx(oracle)


# -- product ------------------------------------------------------------------------------------

def test_x_times_y_slopes_down_along_x_when_y_is_negative_and_is_flat_along_y_at_x_zero():
    surface = run_cell("02-06")
    assert "make $y$ negative" in words("02-07-try")
    assert sp.diff(x * y, x) == y and sp.diff(x * y, y) == x
    surface.sliders["y"].value = -1.5
    along_x = np.asarray(surface.figure.data[1].z, dtype=float)
    assert surface.partials[0] == -1.5 and np.all(np.diff(along_x) < 0)
    assert reachable(surface.sliders["x"], 0.0)
    surface.sliders["x"].value = 0.0
    assert surface.partials[1] == float(sp.diff(x * y, y).subs({x: 0, y: -1.5})) == 0.0


def test_the_product_rule_and_its_example_hold():
    prose = words("02-07")
    u, v = sp.Function("u")(x), sp.Function("v")(x)
    assert sp.diff(u * v, x) == sp.diff(u, x) * v + u * sp.diff(v, x)
    # the argument: (u + u'h)(v + v'h) = uv + (u'v + uv')h + u'v'h^2
    h, du, dv = sp.symbols("h du dv")
    uu, vv = sp.symbols("u v")
    assert sp.expand((uu + du * h) * (vv + dv * h) - (uu * vv + (du * vv + uu * dv) * h
                                                      + du * dv * h**2)) == 0
    assert r"uv + (u'v + uv')\,h + u'v'h^2" in prose
    worked_x = r"1 \cdot (1 - x^2 - y^2) + x \cdot (-2x) = 1 - 3x^2 - y^2"
    worked_y = r"0 \cdot (1 - x^2 - y^2) + x \cdot (-2y) = -2xy"
    for worked, name in ((worked_x, x), (worked_y, y)):
        assert worked in prose
        for side in worked.split("="):
            assert sp.simplify(latex(side) - sp.diff(PRODUCT, name)) == 0


def test_the_product_rule_table_matches_sympy_everywhere_and_zeroes_the_y_row_at_x_zero():
    table = run_cell("02-15")
    assert "always equals the backward pass's partial" in words("02-16")
    u, v = x, 1 - x**2 - y**2
    for at_x in (-2.0, -0.5, 0.0, 1.0, 2.5):
        for at_y in (-1.0, 0.0, 2.0):
            table.sliders["x"].value, table.sliders["y"].value = at_x, at_y
            point = {x: at_x, y: at_y}
            for row in table.product_rows:
                name = VARIABLES[row["variable"]]
                assert row["du"] == pytest.approx(float(sp.diff(u, name).subs(point)))
                assert row["dv"] == pytest.approx(float(sp.diff(v, name).subs(point)))
                assert row["u"] == pytest.approx(float(u.subs(point)))
                assert row["v"] == pytest.approx(float(v.subs(point)))
                expected = float(sp.diff(PRODUCT, name).subs(point))
                assert row["rule"] == pytest.approx(expected, abs=1e-12)
                assert row["value"] == pytest.approx(expected, abs=1e-12)
    table.sliders["x"].value = 0.0
    row_y = next(row for row in table.product_rows if row["variable"] == "y")
    assert row_y["du"] == 0.0 and row_y["u"] == 0.0 and row_y["value"] == 0.0


def test_exercise_2_the_product_rule_as_a_formula():
    exercise = run_cell("02-21")
    assert exercise.kind == "formula" and exercise.partial == "x"
    f = x**2 * (x + y)
    oracle = sp.diff(f, x)
    assert sp.expand(oracle - (3 * x**2 + 2 * x * y)) == 0  # u'v + uv' = 2x(x + y) + x^2
    assert sp.expand(oracle - (2 * x * (x + y) + x**2 * 1)) == 0
    for right in ("3x^2 + 2x*y", "2x*(x + y) + x^2", "x*(3x + 2y)", "x^2 + 2*x*(x+y)"):
        assert exercise.problem.check(right).correct, right
    wrongs = {"2x": "yours gives",  # u'v' : the product of the derivatives
              "2x*(x + y)": "yours gives",  # u'v alone: uv' forgotten
              "x^2": "that is ∂f/∂y",  # the other partial (and uv' alone)
              "-3x^2 - 2x*y": "sign"}
    for wrong, told in wrongs.items():
        result = exercise.problem.check(wrong)
        assert not result.correct and told in result.message, (wrong, result.message)
    # the hint's worked step: u' = 2x and v' = 1 + 0, by SymPy
    assert "u′ = 2x and v′ = 1 + 0" in exercise.hints[2]
    assert sp.diff(x**2, x) == 2 * x and sp.diff(x + y, x) == 1


# -- the three-input example, term by term --------------------------------------------------------

def table_rows(markdown: str) -> list[list[str]]:
    rows = [line.strip().strip("|").split("|") for line in markdown.splitlines()
            if line.startswith("|") and not line.startswith("|:")]
    return [[cell.strip() for cell in row] for row in rows[1:]]  # without the header


def math_of(cell: str) -> str:
    return re.findall(r"\$([^$]+)\$", cell)[0]


def test_every_cell_of_the_term_table_is_right_and_names_the_rule_it_uses():
    rows = table_rows(text("02-18"))
    terms = [row for row in rows if not row[0].startswith("**")]
    assert [latex(math_of(row[0])) for row in terms] == [3 * x**3 * z, -(y**2), 5 * z,
                                                         2 * y * z]
    assert sum(latex(math_of(row[0])) for row in terms) == F3
    for row in terms:
        term = latex(math_of(row[0]))
        for cell, name in zip(row[1:], (x, y, z), strict=True):
            sides = math_of(cell).split("=")
            for side in sides:  # every step of the working equals SymPy's partial
                assert sp.simplify(latex(side) - sp.diff(term, name)) == 0, cell
            rule = cell.split(":", 1)[1]
            if name not in term.free_symbols:
                assert f"no ${name}$, a constant" in rule, cell
            else:
                assert "constant multiple" in rule, cell
                assert ("power rule" in rule) == (sp.degree(term, name) > 1), cell
    total = next(row for row in rows if row[0] == "**sum rule**")
    for cell, name in zip(total[1:], (x, y, z), strict=True):
        assert sp.simplify(latex(math_of(cell)) - sp.diff(F3, name)) == 0


def test_the_gradient_vector_is_sympys():
    prose = text("02-18")
    matrix = prose.split(r"= \begin{bmatrix}")[-1].split(r"\end{bmatrix}")[0]
    entries = [latex(entry) for entry in matrix.split(r"\\")]
    assert entries == [sp.diff(F3, name) for name in (x, y, z)]


def printed(cell_id: str) -> str:
    return "".join("".join(out.get("text", "")) for out in CELLS[cell_id]["outputs"])


def check_summary(shown: str, f, point: dict) -> None:
    """The printed f, partials and gradient at `point` are SymPy's (to the 6 digits shown)."""
    values = [float(f.subs(point))] + [float(sp.diff(f, s).subs(point)) for s in point]
    numbers = [float(line.rsplit("=", 1)[1]) for line in shown.splitlines()
               if line.startswith(("  f =", "  ∂f/∂"))]
    assert numbers == pytest.approx(values, rel=1e-6)
    gradient = shown.split("gradient ∇f = (")[1].split(")")[0]
    assert [float(g) for g in gradient.split(",")] == pytest.approx(values[1:], rel=1e-6)


def test_the_printed_gradient_of_the_three_input_example_is_sympys():
    shown = printed("02-12")
    assert "at x = 1, y = -1, z = 3:" in shown
    check_summary(shown, F3, {x: 1, y: -1, z: 3})
    assert {"x": 1.0, "y": -1.0, "z": 3.0} not in [run_cell(c).at for c in EXERCISES]


def test_the_term_table_adds_up_and_does_what_the_try_this_says():
    table = run_cell("02-08")
    claim = words("02-09")
    assert "the lab starts at $y = z$" in claim
    point = {name: float(slider.value) for name, slider in table.sliders.items()}
    assert point["y"] == point["z"]
    rows = {row["term"]: row["partials"] for row in table.term_rows}
    assert table.gradient["y"] == 0.0 == float(sp.diff(F3, y).subs({y: 1, z: 1}))
    assert rows["-y^2"]["y"] + rows["2*y*z"]["y"] == 0.0 != rows["-y^2"]["y"]  # they cancel
    table.sliders["y"].value = -0.5
    assert table.gradient["y"] == pytest.approx(float(sp.diff(F3, y).subs({y: -0.5, z: 1})))
    assert table.gradient["y"] != 0.0
    assert reachable(table.sliders["x"], 0.0)
    table.sliders["x"].value = 0.0
    assert all(partials["x"] == 0.0 for partials in
               (row["partials"] for row in table.term_rows))
    assert table.gradient["z"] == pytest.approx(5 + 2 * -0.5)  # 5 + 2y, as the text says
    for at in [(1.5, -2.0, 0.5), (-1.0, 2.5, -3.0)]:
        for name, value in zip("xyz", at, strict=True):
            table.sliders[name].value = value
        point = dict(zip((x, y, z), at, strict=True))
        for name in "xyz":  # each column of the terms adds up to SymPy's partial of f
            column = sum(row["partials"][name] for row in table.term_rows)
            assert column == pytest.approx(float(sp.diff(F3, VARIABLES[name]).subs(point)))


def test_exercise_3_the_whole_gradient_of_the_three_input_example_at_1_2_3():
    exercise = run_cell("02-22")
    assert exercise.kind == "vector" and exercise.at == {"x": 1.0, "y": 2.0, "z": 3.0}
    point = {x: 1, y: 2, z: 3}
    oracle = [float(sp.diff(F3, name).subs(point)) for name in (x, y, z)]
    assert oracle == [9 * 1 * 3, -2 * 2 + 2 * 3, 3 * 1 + 5 + 2 * 2] == [27, 2, 12]
    assert list(exercise.expected.values()) == pytest.approx(oracle)
    worked = exercise.hints[2].rstrip(".").replace(", then ", "|").split("|")
    assert [arithmetic(part) for part in worked] == oracle
    assert exercise.check("27, 2, 12") and exercise.check("27,2,12")
    for wrong in ([27, -2, 12],  # the y partial's sign
                  [27, 8, 6],  # the summary's point (1, -1, 3)
                  [27, 2, 7],  # the 5 of 5z forgotten
                  [9, 2, 12]):  # x^2 differentiated, the 3 of 3z forgotten
        assert not run_cell("02-22").check(", ".join(f"{v:g}" for v in wrong)), wrong
    # "then set the table's sliders to the point to check"
    table = run_cell("02-08")
    for name, value in zip("xyz", (1.0, 2.0, 3.0), strict=True):
        assert reachable(table.sliders[name], value)
        table.sliders[name].value = value
    assert [table.gradient[name] for name in "xyz"] == pytest.approx(oracle)


def test_the_last_summaries_are_sympys_at_points_no_exercise_asks_about():
    shown = printed("02-20")
    first, second = shown.split("f(x, y) = x*(")
    check_summary(first, 2 * x + 3 * y**2, {x: 2, y: sp.Rational(1, 2)})
    check_summary(second, PRODUCT, {x: sp.Rational(1, 2), y: 1})
    asked = [run_cell(c).at for c in EXERCISES]
    assert {"x": 2.0, "y": 0.5} not in asked and {"x": 0.5, "y": 1.0} not in asked


def test_the_tables_take_f_apart_into_pieces_that_give_f_back():
    from gradlab.views.table import product_factors, sum_terms

    a, b, c = sp.symbols("a b c")
    f = gl.parse("a - (b - c) + 2x")
    terms = sum_terms(f)
    assert [term.text for term in terms] == ["a", "-b", "c", "2*x"]
    names = {"a": a, "b": b, "c": c, "x": x}
    assert sum(parse_expr(term.text.replace("^", "**"), local_dict=names)
               for term in terms) == a - (b - c) + 2 * x
    assert all(term.variables == f.variables for term in terms)
    u, v = product_factors(gl.parse("x * (1 - x^2 - y^2)"))
    assert (u.text, v.text) == ("x", "1 - x^2 - y^2")
    with pytest.raises(ValueError, match="not a product"):
        product_factors(gl.parse("x + y"))
    with pytest.raises(ValueError, match="parts must be one of"):
        PartialsTable("x*y", parts="quotient")


# -- the practice as a whole (the checks every lesson shares are in tests/lesson_page.py) --------

def test_the_lesson_has_three_exercises_of_three_kinds_each_after_its_idea_then_progress():
    assert_exercises_then_progress(LESSON, EXERCISES, ["number", "formula", "vector"])
    order = CELLS_ORDER
    # the sum after its lab's Try this, the product rule after its table's, the gradient after
    # the term table's
    assert order.index("02-05") < order.index("02-13") < order.index("02-14")
    assert order.index("02-16") < order.index("02-21") < order.index("02-18")
    assert order.index("02-09") < order.index("02-22") < order.index("02-11")


class TestPage(PageChecks):
    lesson, exercises, try_this = LESSON, EXERCISES, TRY_THIS
