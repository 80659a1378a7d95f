"""Lesson 09 (the Explorer), checked as a learner would use it: the Explorer built as the
notebook builds it, each "Try this" function typed into its box and its sliders moved to the
point the text asks about, each claim checked against SymPy (never against the lab's numbers);
the language table, the exercises (answers by SymPy, wrong answers refused, each choice's answer
shown true in the lab), the printed summary, and the teacher's notes
(docs/teaching/lessons/09_explorer.md) in step with the exercises."""

import html
import re
from pathlib import Path

import plotly  # noqa: F401 - required: a missing one fails the tests
import practice_checks as practice  # noqa: E402
import pytest
import sympy as sp

from gradlab import parse  # noqa: E402
from gradlab.views import Exercise, Explorer  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
LESSON = ROOT / "notebooks" / "09_explorer.ipynb"
NOTES = ROOT / "docs" / "teaching" / "lessons" / "09_explorer.md"
MIN_EXERCISES = 3
X, Y, Z, W, B = sp.symbols("x y z w b")
F = X * sp.exp(-X**2 - Y**2)  # the warm-up's function, by hand
SADDLE = X**2 - Y**2  # the function the explorer opens on
cells, cell, source = practice.notebook_reader(LESSON)


def shown_gradient(lab: Explorer) -> list[str]:
    """The entries of the gradient vector as the learner reads them in the readout."""
    plain = re.sub(r"<[^>]+>", "", lab.readout.value).replace("&nbsp;", " ")
    return plain.split("= [")[-1].rstrip("]").split(", ")


def as_number(text: str) -> float:
    mantissa, _, exponent = text.replace("−", "-").partition("×10^")
    return float(mantissa) * 10.0 ** int(exponent or 0)


def move(lab: Explorer, **point: float) -> None:
    for name, value in point.items():
        slider = lab.sliders[name]
        assert slider.min <= value <= slider.max
        # a point the slider can stop on: min + a whole number of steps
        steps = (value - slider.min) / slider.step
        assert steps == pytest.approx(round(steps), abs=1e-9), (name, value)
        slider.value = value


def table_formula(lab: Explorer, name: str) -> str:
    """The table's symbolic ∂f/∂name, as the LaTeX the learner reads."""
    row = next(r for r in lab.table.rows if r["variable"] == name)
    assert f"$${row['symbolic']}$$" in lab.table.table.value  # on screen
    return row["symbolic"]


def feedback(exercise: Exercise) -> str:
    """What the learner reads after pressing Check: the message line and any hint shown."""
    return exercise.message.text + " " + html.unescape(
        re.sub(r"<[^>]+>", " ", exercise.hint_box.value))


@pytest.fixture
def lab():
    assert 'Explorer("x^2 - y^2")' in source("08-04")
    return Explorer("x^2 - y^2")


def test_the_explorer_opens_on_the_saddle_at_1_1_with_sympys_gradient(lab):
    assert "opens on $f(x, y) = x^2 - y^2$ at $(x, y) = (1, 1)$" in source("08-02")
    assert {n: s.value for n, s in lab.sliders.items()} == {"x": 1.0, "y": 1.0}
    point = {X: 1, Y: 1}
    expected = [float(sp.diff(SADDLE, v).subs(point)) for v in (X, Y)]
    assert [lab.gradient["x"], lab.gradient["y"]] == pytest.approx(expected)
    assert [as_number(t) for t in shown_gradient(lab)] == pytest.approx(expected, rel=1e-3)


def test_the_explorer_does_not_open_on_the_warm_ups_function(lab):
    """Its table would show the formula exercise 1 asks for."""
    assert lab.expression.text != parse("x*exp(-x^2 - y^2)").text
    for name in ("x", "y"):
        assert table_formula(lab, name) != sp.latex(sp.diff(F, X))


@pytest.mark.parametrize("typed, meaning", [
    ("3x^2*y", 3 * X**2 * Y), ("3*x**2*y", 3 * X**2 * Y), ("2(x + y)", 2 * (X + Y)),
    ("exp(x)", sp.exp(X)), ("log(x)", sp.log(X)), ("sqrt(x)", sp.sqrt(X)),
    ("sin(x)", sp.sin(X)), ("cos(x)", sp.cos(X)), ("tanh(x)", sp.tanh(X)),
    ("sigmoid(x)", 1 / (1 + sp.exp(-X))), ("relu(x)", sp.Max(X, 0)), ("abs(x)", sp.Abs(X)),
    ("max(x, y)", sp.Max(X, Y)), ("min(x, y)", sp.Min(X, Y)),
])
def test_each_row_of_the_language_table_means_what_it_says(typed, meaning):
    assert f"`{typed}`" in source("08-02")
    expression = parse(typed)
    for at in ({"x": 0.7, "y": 1.9}, {"x": 2.5, "y": -0.4}):
        at = {name: at[name] for name in expression.variables}
        expected = float(meaning.subs({X: at["x"], Y: at.get("y", 0.0)}))
        assert expression.evaluate(**at) == pytest.approx(expected)


def test_a_typing_mistake_gets_a_message_and_the_previous_function_keeps_working(lab):
    lab.text_box.value = "x^^2"
    assert "column" in lab.text_message.text and lab.text_message.kind == "error"
    assert lab.expression.text == "x^2 - y^2"
    move(lab, x=0.5)
    assert lab.value == pytest.approx(float(SADDLE.subs({X: 0.5, Y: 1.0})))


def test_the_saddle_has_a_zero_gradient_at_0_0_that_is_not_a_minimum(lab):
    # SymPy: the gradient (2x, -2y) is zero only at (0, 0)
    assert sp.solve([sp.diff(SADDLE, X), sp.diff(SADDLE, Y)], [X, Y]) == {X: 0, Y: 0}
    move(lab, x=0.0, y=0.0)
    assert lab.gradient == {"x": 0.0, "y": 0.0}
    assert [as_number(t) for t in shown_gradient(lab)] == [0.0, 0.0]
    at_zero = lab.value
    move(lab, x=0.5)  # x alone: f rises
    assert lab.value == pytest.approx(float(SADDLE.subs({X: 0.5, Y: 0}))) and lab.value > at_zero
    move(lab, x=0.0, y=0.5)  # y alone: f falls, so (0, 0) is no minimum
    assert lab.value == pytest.approx(float(SADDLE.subs({X: 0, Y: 0.5}))) and lab.value < at_zero


def test_the_tables_formulas_are_sympys_and_give_the_gradient_anywhere(lab):
    for name, symbol in (("x", X), ("y", Y)):
        assert table_formula(lab, name) == sp.latex(sp.diff(SADDLE, symbol))
    for point in ({"x": 2.0, "y": -0.3}, {"x": -0.7, "y": 1.5}):
        move(lab, **point)
        at = {X: point["x"], Y: point["y"]}
        assert lab.gradient["x"] == pytest.approx(float(sp.diff(SADDLE, X).subs(at)))
        assert lab.gradient["y"] == pytest.approx(float(sp.diff(SADDLE, Y).subs(at)))


def test_the_warm_ups_function_in_the_explorer_agrees_with_sympy_and_peaks_at_1_over_root_2(lab):
    lab.text_box.value = "x*exp(-x^2 - y^2)"
    assert table_formula(lab, "x") == sp.latex(sp.diff(F, X))  # SymPy's, written as SymPy does
    move(lab, y=0.0)
    root = sp.solve(sp.diff(F, X).subs(Y, 0), X)  # (1 - 2x^2) e^(-x^2) = 0
    positive = float(max(root))
    assert positive == pytest.approx(2**-0.5)
    slider = lab.sliders["x"]
    signs = []
    k0 = round((0.0 - slider.min) / slider.step)
    k1 = round((1.0 - slider.min) / slider.step)
    for k in range(k0, k1 + 1):  # x from 0 to 1, step by step
        x = round(slider.min + k * slider.step, 12)
        move(lab, x=x)
        signs.append((x, lab.gradient["x"] > 0))
    changes = [(a, b) for (a, sa), (b, sb) in zip(signs, signs[1:], strict=False)
               if sa != sb]
    assert len(changes) == 1  # one change of sign, from + to -, around 1/sqrt(2)
    (a, b), = changes
    assert a < positive < b and signs[0][1] and not signs[-1][1]


@pytest.mark.parametrize("x", [0.0, -1.0])
def test_log_at_0_or_below_says_why_there_is_no_tangent(lab, x):
    lab.text_box.value = "log(x)"
    assert lab.sliders["x"].min < 0  # the slider reaches below 0
    move(lab, x=x)
    assert not sp.log(sp.Float(x)).is_real  # SymPy: no real log there (zoo or complex)
    assert "undefined" in lab.message.text
    curve = lab.plots[0]
    assert "log is undefined for x ≤ 0" in curve.message.text
    assert "no tangent here" in curve.message.text
    # no number is shown for a derivative of a function that has no value
    assert shown_gradient(lab) == ["undefined"]
    move(lab, x=0.5)
    assert lab.message.text == "" and lab.gradient["x"] == pytest.approx(1 / 0.5)


@pytest.mark.parametrize("point", [{"w": 1.0, "x": 1.0, "b": 1.0},
                                   {"w": -0.5, "x": 2.0, "b": 0.3},
                                   {"w": 2.0, "x": -1.5, "b": -1.0}])
def test_the_sigmoid_neuron_has_df_dw_equal_to_x_times_df_db(lab, point):
    lab.text_box.value = "sigmoid(w*x + b)"
    move(lab, **point)
    neuron = 1 / (1 + sp.exp(-(W * X + B)))
    at = {W: point["w"], X: point["x"], B: point["b"]}
    df_dw, df_db = (float(sp.diff(neuron, v).subs(at)) for v in (W, B))
    assert df_dw == pytest.approx(point["x"] * df_db)  # the chain rule, by SymPy
    assert lab.gradient["w"] == pytest.approx(df_dw)
    assert lab.gradient["w"] == pytest.approx(point["x"] * lab.gradient["b"])


def test_the_chapters_example_gives_lesson_2s_partials_and_any_pair_can_be_plotted(lab):
    lab.text_box.value = "3x^3*z - y^2 + 5z + 2y*z"
    example = 3 * X**3 * Z - Y**2 + 5 * Z + 2 * Y * Z
    move(lab, x=1.0, y=-2.0, z=0.5)
    at = {X: 1.0, Y: -2.0, Z: 0.5}
    for name, symbol, by_term in (("x", X, 9 * X**2 * Z), ("y", Y, -2 * Y + 2 * Z),
                                  ("z", Z, 3 * X**3 + 5 + 2 * Y)):
        assert sp.simplify(sp.diff(example, symbol) - by_term) == 0
        assert lab.gradient[name] == pytest.approx(float(by_term.subs(at)))
    lab.pair_boxes[0].value, lab.pair_boxes[1].value = "z", "y"
    assert lab.plots[0].pair == ("z", "y")


# -- exercise 1: the warm-up's partial as a formula -----------------------------------------------

def test_exercise_1_comes_before_the_explorer_and_after_the_rules_it_needs():
    order = [c["id"] for c in cells()]
    assert order.index("08-09") < order.index("08-06") < order.index("08-04")
    warm_up = source("08-09")
    assert "product" in warm_up and "lesson 2" in warm_up and "lesson 5" in warm_up
    assert r"e^{g}\,\frac{\partial g}{\partial x}" in warm_up


@pytest.mark.parametrize("typed", [
    "(1 - 2x^2)*exp(-x^2 - y^2)", "exp(-x^2 - y^2) - 2x^2*exp(-x^2 - y^2)",
    "exp(-x^2-y^2) + x*exp(-x^2-y^2)*(-2x)", "e^(-x^2 - y^2)*(1 - 2x^2)"])
def test_exercise_1_takes_the_product_rule_in_any_form(typed):
    cell_id, exercise = EXERCISES[0]
    assert cell_id == "08-06" and exercise.kind == "formula" and exercise.partial == "x"
    typed_sympy = sp.sympify(typed.replace("^", "**").replace("2x", "2*x"), {"e": sp.E})
    assert sp.simplify(typed_sympy - sp.diff(F, X)) == 0  # SymPy agrees it is right
    assert exercise.check(typed), exercise.result.message


@pytest.mark.parametrize("wrong, says", [
    ("exp(-x^2 - y^2)", "at (x, y)"),  # u'v only: the product rule half done
    ("-2x^2*exp(-x^2 - y^2)", "at (x, y)"),  # uv' only
    ("(1 + 2x^2)*exp(-x^2 - y^2)", "at (x, y)"),  # the sign of the inner derivative lost
    ("-2x*y*exp(-x^2 - y^2)", "that is ∂f/∂y"),  # the other variable's partial
    ("x*exp(-x^2 - y^2)", "f itself")])
def test_exercise_1_refuses_plausible_wrong_formulas_and_says_why(wrong, says):
    exercise = EXERCISES[0][1]
    typed_sympy = sp.sympify(wrong.replace("^", "**").replace("2x", "2*x"))
    assert sp.simplify(typed_sympy - sp.diff(F, X)) != 0  # SymPy agrees it is wrong
    assert not exercise.check(wrong) and says in exercise.result.message


# -- exercise 2: the saddle's gradient at (-1.5, 0.5) ----------------------------------------------

def test_exercise_2_is_sympys_gradient_and_the_lab_can_reach_its_point(lab):
    cell_id, exercise = EXERCISES[1]
    assert cell_id == "08-11" and exercise.kind == "vector"
    at = {X: -1.5, Y: 0.5}
    by_sympy = [float(sp.diff(SADDLE, v).subs(at)) for v in (X, Y)]
    assert list(exercise.expected.values()) == pytest.approx(by_sympy) == [-3.0, -1.0]
    assert exercise.check(", ".join(str(v) for v in by_sympy))
    move(lab, x=-1.5, y=0.5)  # "you may check it with the sliders afterwards"
    assert [lab.gradient["x"], lab.gradient["y"]] == pytest.approx(by_sympy)


@pytest.mark.parametrize("wrong, says", [
    ("-3, 1", "the y component"),  # -2y with its sign lost
    ("3, -1", "the x component"), ("-1, -3", "wrong order"), ("3, 1", "none of the")])
def test_exercise_2_refuses_plausible_wrong_gradients(wrong, says):
    exercise = EXERCISES[1][1]
    assert not exercise.check(wrong) and says in exercise.result.message


# -- exercise 3: is (0, 0) a minimum? (the lab shows the answer's claim) ---------------------------

def test_exercise_3s_answer_is_what_the_lab_shows_from_0_0(lab):
    cell_id, exercise = EXERCISES[2]
    assert cell_id == "08-13" and exercise.kind == "choice"
    assert exercise.expected.startswith("No: f rises as x moves away from 0, but falls as y")
    move(lab, x=0.0, y=0.0)
    at_zero = lab.value
    for x in (-0.5, 0.5):  # x alone: f rises, both ways
        move(lab, x=x, y=0.0)
        assert lab.value > at_zero and float(SADDLE.subs({X: x, Y: 0})) > 0
    for y in (-0.5, 0.5):  # y alone: f falls, both ways
        move(lab, x=0.0, y=y)
        assert lab.value < at_zero and float(SADDLE.subs({X: 0, Y: y})) < 0
    assert "saddle" not in source("08-05")  # the word would give the answer away
    assert exercise.check(exercise.expected)


@pytest.mark.parametrize("wrong", [0, 1, 3])
def test_exercise_3_refuses_the_other_options_with_their_own_reason(wrong):
    exercise = EXERCISES[2][1]
    option = exercise.problem.options[wrong]
    assert not exercise.check(option)
    assert exercise.result.message == exercise.problem.feedback[option]


# -- exercise 4: why dw = x * db for the sigmoid neuron --------------------------------------------

def test_exercise_4s_answer_is_the_chain_rule_through_z_and_the_wrong_ones_are_false(lab):
    cell_id, exercise = EXERCISES[3]
    assert cell_id == "08-16" and exercise.kind == "choice"
    assert exercise.expected.startswith("Both go through z = wx + b")
    zed = sp.symbols("z")
    outer = 1 / (1 + sp.exp(-zed))
    neuron = outer.subs(zed, W * X + B)
    # the chain rule through z: dz/dw = x, dz/db = 1, the same sigmoid'(z) in both
    for symbol, dz in ((W, X), (B, 1)):
        by_chain = sp.diff(outer, zed).subs(zed, W * X + B) * dz
        assert sp.simplify(sp.diff(neuron, symbol) - by_chain) == 0
    # "only where w = 1": false, the lab shows it at w = -0.5 and w = 2 too
    lab.text_box.value = "sigmoid(w*x + b)"
    for w in (-0.5, 2.0):
        move(lab, w=w, x=1.5, b=0.3)
        assert lab.gradient["w"] == pytest.approx(1.5 * lab.gradient["b"])
    assert exercise.check(0) and not exercise.check(2)


def test_the_summary_is_sympys_at_the_explorers_point_and_not_an_exercises():
    printed = "".join("".join(o.get("text", "")) for o in cell("08-08")["outputs"])
    assert 'parse("x^2 - y^2").summary(x=1, y=1)' in source("08-08")
    assert "at x = 1, y = 1:" in printed
    point = {X: 1, Y: 1}
    lines = dict(line.strip().split(" = ", 1) for line in printed.splitlines()[2:5])
    assert float(lines["f"]) == pytest.approx(float(SADDLE.subs(point)), abs=1e-12)
    dx = lines["∂f/∂x"].rsplit(" = ", 1)[1]
    dy = lines["∂f/∂y"].rsplit(" = ", 1)[1]
    assert float(dx) == pytest.approx(float(sp.diff(SADDLE, X).subs(point)))
    assert float(dy) == pytest.approx(float(sp.diff(SADDLE, Y).subs(point)))


# -- the practice: exercises, no answer on the page, teacher's notes (tests/practice_checks.py)

EXERCISES = practice.notebook_exercises(cells("code"))


class TestPractice(practice.PracticeChecks):
    notebook, notes, minimum = LESSON, NOTES, MIN_EXERCISES
