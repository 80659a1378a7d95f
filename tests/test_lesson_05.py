"""Lesson 05 (the chain rule) as a learner drives it: each lab built as the notebook builds it,
moved to the state each "Try this" asks for, and the lesson's formulas and claims checked against
SymPy and calculus worked by hand (never against the view's or the core's own numbers). The
exercises are made from the notebook's own cells: each answer checked by SymPy, plausible wrong
answers rejected, no answer on the page before the learner answers, and the teacher's notes
hold each exercise with the core's answer and each Try this."""

import json
import math
from pathlib import Path

import ipywidgets  # noqa: F401 - required: a missing one fails the tests
import numpy as np
import plotly  # noqa: F401 - required: a missing one fails the tests
import pytest
import sympy
from lesson_page import (
    Lesson,
    PageChecks,
    assert_exercises_then_progress,
    leaks,
)

from gradlab.views import ChainRule, ComputationGraph  # noqa: E402

NOTEBOOK = Path(__file__).resolve().parent.parent / "notebooks" / "05_chain_rule.ipynb"
X, Y, G = sympy.symbols("x y g", real=True)
H = 3 * (2 * X**2) ** 5  # the chapter's example, typed from the lesson
GAUSS = sympy.exp(-X**2)
GAUSS_2D = sympy.exp(-X**2 - Y**2)
PATHS = (X * Y + Y) ** 2

LABS = ['ChainRule("3(2x^2)^5", inner="2x^2")', 'ComputationGraph("3(2x^2)^5")',
        'ChainRule("exp(-x^2)")', 'ComputationGraph("exp(-x^2)")',
        'ChainRule("exp(-x^2 - y^2)")', 'ChainRule("(x*y + y)^2")',
        'ComputationGraph("(x*y + y)^2")']


def book():
    return json.loads(NOTEBOOK.read_text())


def sources(kind):
    return ["".join(cell["source"]) for cell in book()["cells"] if cell["cell_type"] == kind]


def prose():
    return "\n".join(sources("markdown"))


def outputs():
    texts = []
    for cell in book()["cells"]:
        for output in cell.get("outputs", []):
            texts.append("".join(output.get("text", "")))
            texts.append("".join(output.get("data", {}).get("text/plain", "")))
    return "\n".join(texts)


def at(expression, **point):
    return float(expression.subs({sympy.Symbol(k, real=True): v for k, v in point.items()}))


def test_the_labs_are_built_as_in_the_notebook():
    code = sources("code")
    for lab in LABS:
        assert lab in code


# -- the rule in both notations and the worked example --------------------------------------------

def test_both_notations_and_the_partial_form_are_written():
    text = prose()
    assert r"\frac{dy}{dx} = \frac{dy}{dz} \cdot \frac{dz}{dx}" in text
    assert r"h'(x) = f'(g(x)) \cdot g'(x)" in text
    assert (r"\frac{\partial f}{\partial x} = \frac{\partial f}{\partial g} \cdot "
            r"\frac{\partial g}{\partial x}") in text
    # the two notations say the same for the example: y = f(z) = 3z^5, z = g(x) = 2x^2
    z = 2 * X**2
    outer = 3 * G**5
    leibniz = sympy.diff(outer, G).subs(G, z) * sympy.diff(z, X)
    assert sympy.simplify(leibniz - sympy.diff(H, X)) == 0


def test_the_worked_example_steps_are_each_right():
    text = prose()
    outer = 3 * G**5
    inner = 2 * X**2
    # 1. f'(g) = 3 * 5 g^4 = 15 g^4
    assert r"f'(g) = 3 \cdot 5 g^4 = 15 g^4" in text
    assert sympy.diff(outer, G) == 3 * 5 * G**4 == 15 * G**4
    # 2. g'(x) = 2 * 2x = 4x
    assert r"g'(x) = 2 \cdot 2x = 4x" in text
    assert sympy.diff(inner, X) == 4 * X
    # 3. and 4. h'(x) = 15(2x^2)^4 * 4x = 15 * 16x^8 * 4x = 960 x^9
    assert r"h'(x) = 15(2x^2)^4 \cdot 4x" in text
    assert r"(2x^2)^4 = 2^4 x^8 = 16x^8" in text
    assert r"h'(x) = 15 \cdot 16x^8 \cdot 4x = 960\, x^9" in text
    steps = [15 * (2 * X**2) ** 4 * 4 * X, 15 * 16 * X**8 * 4 * X, 960 * X**9]
    for step in steps:
        assert sympy.expand(step - sympy.diff(H, X)) == 0
    assert sympy.expand((2 * X**2) ** 4) == 16 * X**8
    # and the core's symbolic partial printed under it says 960*x^9
    assert "960*x^9" in outputs()


def test_the_exp_rule_and_its_examples_are_right():
    u = sympy.Function("u")(X)
    assert sympy.diff(sympy.exp(u), X) == sympy.exp(u) * sympy.diff(u, X)
    assert r"\frac{d}{dx} e^{u(x)} = e^{u(x)} \cdot u'(x)" in prose()
    assert sympy.simplify(sympy.diff(GAUSS, X) - (-2 * X * GAUSS)) == 0
    assert r"e^{-x^2} \cdot (-2x) = -2x\, e^{-x^2}" in prose()
    # the partial form: d/dx e^(-x^2 - y^2) = e^g (-2x), d/dy = e^g (-2y)
    assert sympy.simplify(sympy.diff(GAUSS_2D, X) - GAUSS_2D * (-2 * X)) == 0
    assert sympy.simplify(sympy.diff(GAUSS_2D, Y) - GAUSS_2D * (-2 * Y)) == 0
    # two paths: df/dy = 2(xy + y)(x + 1)
    assert sympy.simplify(sympy.diff(PATHS, Y) - 2 * (X * Y + Y) * (X + 1)) == 0
    assert r"2(xy + y)\cdot(x + 1)" in prose()


# -- Try this: 3(2x^2)^5 -------------------------------------------------------------------------

def on_slider_grid(slider, value):
    steps = (value - slider.min) / slider.step
    return slider.min <= value <= slider.max and steps == pytest.approx(round(steps))


def test_at_x_0_both_factors_are_zero():
    view = ChainRule("3(2x^2)^5", inner="2x^2")
    assert on_slider_grid(view.sliders["x"], 0.0)
    view.sliders["x"].value = 0.0
    numbers = view.numbers["x"]
    # by hand: dh/dg = 15 g^4 with g = 2 * 0^2 = 0, and dg/dx = 4 * 0: both zero
    assert numbers["dh_dg"] == float((15 * G**4).subs(G, 0)) == 0.0
    assert numbers["dg_dx"] == float(sympy.diff(2 * X**2, X).subs(X, 0)) == 0.0
    assert numbers["core"] == at(sympy.diff(H, X), x=0) == 0.0
    text = " ".join(prose().split())
    assert "Which factor is zero there?" not in text
    assert "which of them are zero there" in text


@pytest.mark.parametrize("x", [-2.0, -1.0, -0.5, 0.5, 1.0, 2.0])
def test_the_factors_are_the_outer_and_inner_derivatives_and_only_dg_dx_changes_sign(x):
    view = ChainRule("3(2x^2)^5", inner="2x^2")
    assert on_slider_grid(view.sliders["x"], x)
    view.sliders["x"].value = x
    numbers = view.numbers["x"]
    dh_dg = float((15 * G**4).subs(G, 2 * x**2))
    dg_dx = 4 * x
    assert numbers["dh_dg"] == pytest.approx(dh_dg, rel=1e-12)
    assert numbers["dg_dx"] == pytest.approx(dg_dx, rel=1e-12)
    assert numbers["chain"] == pytest.approx(at(sympy.diff(H, X), x=x), rel=1e-12)
    assert numbers["dh_dg"] > 0  # 15 g^4 >= 0 whatever the sign of x
    assert math.copysign(1, numbers["dg_dx"]) == math.copysign(1, x)
    # the recorded locals, one per operation of 3 * (2 * x^2)^5: 3, 5 g^4, 2, 2x
    (locals_,) = numbers["paths"]
    assert sorted(locals_) == pytest.approx(sorted([3.0, 5 * (2 * x**2) ** 4, 2.0, 2 * x]))
    assert math.prod(locals_) == pytest.approx(at(sympy.diff(H, X), x=x), rel=1e-12)


def test_the_lab_shows_both_notations_with_its_numbers():
    view = ChainRule("3(2x^2)^5", inner="2x^2")
    text = view.readout_text
    first, second = text.splitlines()[:2]  # as the prose says: f and g first, then the rule
    assert "Its first line names the inner\nfunction $g$ and the outer function $f$" in prose()
    assert "f(g) = 3·g^5" in first and "g = 2·x^2" in first and "at x = 1: g = 2" in first
    assert second.startswith("dh/dx = dh/dg · dg/dx = f'(g) · g'(x) = 240 × 4 = 960")  # 15·2^4
    assert "f'(g)\\cdot g'(x)" in view.readout.value
    assert "3 · 5·g^4 · 2 · 2·x = 3 × 80 × 2 × 2 = 960" in text  # 5 * 2^4 = 80


def test_the_graph_replays_four_steps_whose_locals_multiply_to_the_grad_of_x():
    view = ComputationGraph("3(2x^2)^5")
    assert len(view.steps) == 4
    view.reset_button.click()
    for k in range(1, 5):
        view.step_button.click()
        assert view.step_index == k
    last = view.steps[-1]
    assert last.parent.label == "x"
    # one path, one edge per step: the locals' product is the grad of x
    assert math.prod(float(step.local) for step in view.steps) == at(sympy.diff(H, X), x=1) == 960.0
    assert "x's grad so far: 960" in view.readout_text
    # edges into the constants 2 and 3 carry no step, and so no local-derivative label
    texts = list(view.figure.data[2].text)
    assert texts.count("") == 2 and "(vector-Jacobian product)" not in texts


# -- Try this: e^u -------------------------------------------------------------------------------

def test_the_slope_of_exp_of_minus_x_squared_is_zero_at_0_where_u_prime_is_zero():
    view = ChainRule("exp(-x^2)")
    assert on_slider_grid(view.sliders["x"], 0.0)
    view.sliders["x"].value = 0.0
    numbers = view.numbers["x"]
    assert numbers["core"] == at(sympy.diff(GAUSS, X), x=0) == 0.0
    assert numbers["dg_dx"] == 0.0  # u'(0) = -2 * 0
    assert numbers["dh_dg"] == math.exp(0.0) == 1.0  # e^u is never 0


def test_the_steepest_slider_value_is_the_one_nearest_where_2x_squared_is_1():
    view = ChainRule("exp(-x^2)")
    slider = view.sliders["x"]
    values = [slider.min + k * slider.step
              for k in range(int(round((slider.max - slider.min) / slider.step)) + 1)]
    slopes = []
    for value in values:
        slider.value = value
        slopes.append(abs(view.numbers["x"]["core"]))
        assert view.numbers["x"]["chain"] == pytest.approx(at(sympy.diff(GAUSS, X), x=value),
                                                           rel=1e-12, abs=1e-300)
    steepest = abs(values[int(np.argmax(slopes))])
    # by hand (SymPy): d/dx (-2x e^(-x^2)) = 0 where 2x^2 = 1
    roots = sympy.solve(sympy.diff(sympy.diff(GAUSS, X), X), X)
    assert sorted(abs(float(r)) for r in roots) == pytest.approx([1 / math.sqrt(2)] * 2)
    assert abs(steepest - 1 / math.sqrt(2)) <= slider.step / 2
    assert "2x^2 = 1" in prose()


def test_the_exp_node_passes_back_its_own_value():
    view = ComputationGraph("exp(-x^2)")
    view.sliders["x"].value = 0.5
    (step,) = [s for s in view.steps if s.node.op == "exp"]
    assert float(step.local) == pytest.approx(math.exp(-0.25), rel=1e-15)
    assert float(step.local) == float(step.node.data)


def test_the_partial_form_on_exp_of_minus_x_squared_minus_y_squared():
    view = ChainRule("exp(-x^2 - y^2)")
    for x, y in [(1.0, 1.0), (0.5, -1.5), (-2.0, 0.3)]:
        view.sliders["x"].value, view.sliders["y"].value = x, y
        g = -x * x - y * y
        for name, symbol, inner in (("x", X, -2 * x), ("y", Y, -2 * y)):
            numbers = view.numbers[name]
            assert numbers["dh_dg"] == pytest.approx(math.exp(g), rel=1e-12)
            assert numbers["dg_dx"] == pytest.approx(inner, rel=1e-12)
            assert numbers["chain"] == pytest.approx(at(sympy.diff(GAUSS_2D, symbol), x=x, y=y),
                                                     rel=1e-12)
    assert "∂g/∂x" in view.readout_text or "\\partial g" in view.readout.value


# -- Try this: two paths into y ------------------------------------------------------------------

@pytest.mark.parametrize("point", [{"x": 1.0, "y": 1.0}, {"x": 2.0, "y": -0.5}])
def test_y_receives_two_contributions_that_add_up_to_its_gradient(point):
    view = ComputationGraph("(x*y + y)^2")
    for name, value in point.items():
        view.sliders[name].value = value
    view.reset_button.click()
    arrivals = []
    while view.step_index < len(view.steps):
        view.step_button.click()
        step = view.steps[view.step_index - 1]
        if step.parent.label == "y":
            arrivals.append(float(step.contribution))
            if len(arrivals) == 2:
                break
    assert len(arrivals) == 2
    assert "contribution 2 of 2, added up" in view.readout_text
    x, y = point["x"], point["y"]
    # by hand: through x*y the local is x, directly the local is 1; upstream 2(xy + y) both
    upstream = 2 * (x * y + y)
    assert sorted(arrivals) == pytest.approx(sorted([upstream * x, upstream * 1.0]))
    assert sum(arrivals) == pytest.approx(at(sympy.diff(PATHS, Y), x=x, y=y))
    assert view.gradient["y"] == pytest.approx(sum(arrivals))


def test_the_chain_rule_lab_sums_the_two_paths_too():
    view = ChainRule("(x*y + y)^2")
    numbers = view.numbers["y"]
    assert len(numbers["paths"]) == 2
    assert numbers["sum"] == at(sympy.diff(PATHS, Y), x=1, y=1) == 8.0


# -- exercises and the summary ---------------------------------------------------------------------

LESSON = Lesson("05_chain_rule", "05-03", ("ChainRule(", "ComputationGraph("))
EXERCISES = ["05-12", "05-28", "05-25", "05-29", "05-26", "05-27"]
TRY_THIS = 6  # two bullets of 05-05, 05-19-try, two bullets of 05-21, 05-09
NUMBERS = [("05-12", H, {"x": 0.5}, X), ("05-25", GAUSS, {"x": 0.5}, X),
           ("05-26", GAUSS_2D, {"x": 0.5, "y": 1}, Y), ("05-27", PATHS, {"x": 2, "y": -1}, Y)]


@pytest.mark.parametrize("cell_id, expression, point, variable", NUMBERS,
                         ids=["chain", "exp", "exp-partial", "paths"])
def test_each_number_exercise_expects_what_sympy_says(cell_id, expression, point, variable):
    exercise = LESSON.run(cell_id)
    assert exercise.at == {k: float(v) for k, v in point.items()}
    answer = at(sympy.diff(expression, variable), **point)
    assert exercise.expected == pytest.approx(answer, rel=1e-12)
    assert exercise.check(f"{answer:.4f}")
    assert not LESSON.run(cell_id).check(f"{-answer:.4f}")  # the sign flipped


def test_exercise_1_the_chapters_example_at_a_new_point():
    assert at(sympy.diff(H, X), x=0.5) == 960 / 512 == 1.875
    for wrong in ("960",  # the value at x = 1, the lab's default
                  "3.75",  # a factor 2 too many
                  f"{960 * 0.5**10:g}"):  # 0.5^10 instead of 0.5^9
        assert not LESSON.run("05-12").check(wrong), wrong
    assert "0.5^9 = 1/512" in LESSON.run("05-12").hints[2] and 0.5**9 == 1 / 512
    view = ChainRule("3(2x^2)^5", inner="2x^2")  # checkable in the lab
    assert on_slider_grid(view.sliders["x"], 0.5)
    view.sliders["x"].value = 0.5
    assert view.numbers["x"]["chain"] == pytest.approx(1.875, rel=1e-12)


def test_exercise_2_a_new_function_of_a_function_as_a_formula():
    exercise = LESSON.run("05-28")
    assert exercise.kind == "formula"
    h = 2 * (3 * X**2) ** 3
    assert sympy.expand(sympy.diff(h, X)) == 324 * X**5
    assert sympy.expand(6 * (3 * X**2) ** 2 * 6 * X) == 324 * X**5  # the worked step's form
    for right in ("324x^5", "6(3x^2)^2 * 6x", "324*x^5"):
        assert LESSON.run("05-28").check(right), right
    for wrong in ("6(3x^2)^2",  # the inner derivative forgotten
                  "6x^2 * 6x",  # the outer derivative taken at x
                  "18x^4 * 6x",  # (3x^2)^2 taken as 3x^4
                  "-324x^5"):
        assert not LESSON.run("05-28").check(wrong), wrong


def test_exercise_4_the_exp_of_an_inner_function_as_a_formula():
    exercise = LESSON.run("05-29")
    assert exercise.kind == "formula"
    h = sympy.exp(X**2 + 3 * X)
    assert sympy.simplify(sympy.diff(h, X) - (2 * X + 3) * h) == 0
    assert "with * before it" in exercise.question.value  # the language needs * before exp
    for right in ("(2x + 3)*exp(x^2 + 3x)", "exp(x^2 + 3x)*(2x + 3)",
                  "2x*exp(x^2 + 3x) + 3*exp(x^2 + 3x)"):
        assert LESSON.run("05-29").check(right), right
    for wrong in ("exp(x^2 + 3x)",  # the inner derivative forgotten
                  "(2x + 3)*exp(2x + 3)",  # the derivative put into the exponent
                  "(x^2 + 3x)*exp(x^2 + 3x - 1)"):  # the power rule used on e^u
        assert not LESSON.run("05-29").check(wrong), wrong


def test_the_other_exercises_reject_the_slips_the_key_names():
    # exp(-x^2) at 0.5: e^u alone (u' forgotten) is e^-0.25, the sign flipped
    assert not LESSON.run("05-25").check(f"{math.exp(-0.25):.4f}")
    # exp(-x^2 - y^2) at (0.5, 1): the x partial instead, or x^2 left out of g
    for wrong in (at(sympy.diff(GAUSS_2D, X), x=0.5, y=1), -2 * math.exp(-1)):
        assert not LESSON.run("05-26").check(f"{wrong:.4f}"), wrong
    # (xy + y)^2 at (2, -1): one path only: upstream 2(xy + y) = -6 times x = 2, or times 1
    for wrong in (-12, -6):
        assert not LESSON.run("05-27").check(str(wrong)), wrong
    assert -12 + -6 == at(sympy.diff(PATHS, Y), x=2, y=-1)


def test_the_lesson_has_six_exercises_of_two_kinds_each_after_its_idea_then_progress():
    assert_exercises_then_progress(LESSON, EXERCISES, ["number", "formula", "number", "formula",
                                                       "number", "number"])
    order = LESSON.order
    index = order.index
    assert index("05-05") < index("05-12") < index("05-28") < index("05-18")  # the example
    assert index("05-21") < index("05-22") < index("05-25") < index("05-29") \
        < index("05-07")  # e^u, after its lab and its graph
    assert index("05-23") < index("05-26") < index("05-24")  # the partial form
    assert index("05-10") < index("05-27") < index("05-13")  # two paths


class TestPage(PageChecks):
    lesson, exercises, try_this = LESSON, EXERCISES, TRY_THIS

    def test_the_leak_check_finds_an_answer_in_each_form(self):
        super().test_the_leak_check_finds_an_answer_in_each_form()
        assert leaks(LESSON.run("05-28"), "so $h'(x) = 6(3x^2)^2 \\cdot 6x$")
        assert leaks(LESSON.run("05-29"), "$h'(x) = e^{x^2 + 3x} \\cdot (2x + 3)$")
        assert leaks(LESSON.run("05-25"), "the slope there is −0.7788")

    def test_the_teachers_notes_have_every_exercise_with_the_cores_answer_and_each_try(self):
        super().test_the_teachers_notes_have_every_exercise_with_the_cores_answer_and_each_try()
        key = LESSON.key.read_text()
        # the numbers the key's reasoning states, by hand or SymPy
        assert 15 * (2 * 0.25) ** 4 * 4 * 0.5 == 1.875
        assert sympy.expand(sympy.diff(-2 * X * GAUSS, X) - (4 * X**2 - 2) * GAUSS) == 0
        assert "(4x^2 - 2)\\,e^{-x^2}" in key
        assert abs(at(sympy.diff(GAUSS, X), x=0.7)) == pytest.approx(0.858, abs=5e-4)
        assert at(sympy.diff(GAUSS_2D, X), x=0.5, y=1) == pytest.approx(-0.287, abs=5e-4)
        assert -2 * math.exp(-1) == pytest.approx(-0.736, abs=5e-4)
        assert "−12, only the direct path −6" in " ".join(key.split())


def test_the_hints_formulas_are_right():
    assert sympy.expand(sympy.diff(H, X) - 960 * X**9) == 0
    assert sympy.expand(sympy.diff(H, X) - 15 * (2 * X**2) ** 4 * 4 * X) == 0
    assert sympy.diff(-X**2 - Y**2, Y) == -2 * Y


def test_the_saved_summary_matches_sympy():
    text = outputs()
    first = text[text.index("f(x) = 3*(2*x^2)^5"):]
    assert "at x = 1:" in first
    assert f"f = {at(H, x=1):g}" in first
    assert f"∂f/∂x = 960*x^9 = {at(sympy.diff(H, X), x=1):g}" in first
    second = text[text.index("f(x, y) = (x*y + y)^2"):]
    assert "at x = 1, y = 2:" in second
    assert f"f = {at(PATHS, x=1, y=2):g}" in second
    assert f"= {at(sympy.diff(PATHS, X), x=1, y=2):g}\n  ∂f/∂y" in second
    assert f"gradient ∇f = ({at(sympy.diff(PATHS, X), x=1, y=2):g}, " \
           f"{at(sympy.diff(PATHS, Y), x=1, y=2):g})" in second
