"""Lesson 00 (start here), checked as a learner would use it: the Curve of x^2 driven to each
state its "Try this" asks for, the exercises (their answers by hand and by SymPy, wrong answers
refused, hints that never give the answer away), the printed summary and the table of lessons,
each against calculus worked by hand here (never against the lab's own numbers); and the
teacher's notes (docs/teaching/lessons/00_start_here.md) in step with the exercises."""

import ast
import html
import json
import re
from pathlib import Path

import plotly  # noqa: F401 - required: a missing one fails the tests
import practice_checks as practice  # noqa: E402
import pytest
import sympy as sp

from gradlab.views import Curve, Exercise, Progress  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
LESSON = ROOT / "notebooks" / "00_start_here.ipynb"
NOTES = ROOT / "docs" / "teaching" / "lessons" / "00_start_here.md"
MIN_EXERCISES = 2  # the introduction: two exercises to try the answer boxes
X = sp.symbols("x")


cells, cell, source = practice.notebook_reader(LESSON)


def output(cell_id: str) -> str:
    return "".join("".join(o.get("text", "")) for o in cell(cell_id)["outputs"])


def number_after(label: str, text: str) -> float:
    """The number the learner reads after `label` in a readout (− as a minus sign)."""
    plain = re.sub(r"<[^>]+>", "", text).replace("−", "-").replace("&nbsp;", " ")
    match = re.search(re.escape(label) + r"\s*=?\s*(-?[0-9.]+(?:×10\^-?[0-9]+)?)", plain)
    assert match, (label, plain)
    mantissa, _, exponent = match.group(1).partition("×10^")
    return float(mantissa) * 10.0 ** int(exponent or 0)


def feedback(exercise: Exercise) -> str:
    """What the learner reads after pressing Check: the message line and any hint shown."""
    return exercise.message.text + " " + html.unescape(
        re.sub(r"<[^>]+>", " ", exercise.hint_box.value))


@pytest.fixture
def curve():
    assert 'Curve("x^2")' in source("00-03")  # the lab as the notebook makes it
    return Curve("x^2")


def test_the_lab_opens_at_x_1_with_the_slope_2x(curve):
    # f(x) = x^2, f'(x) = 2x by the power rule: at x = 1 the slope is 2
    assert curve.sliders["x"].value == 1.0
    assert curve.slope == pytest.approx(2.0)
    assert number_after("tangent slope f'(x)", curve.readout.value) == pytest.approx(2.0)


def test_moving_h_towards_0_the_secant_slope_differs_from_the_tangent_by_h(curve):
    """((x + h)^2 - x^2) / h = 2x + h: the secant's slope is the tangent's plus exactly h."""
    options = [value for _, value in curve.h_slider.options]
    assert min(options) == 0.001 and "smallest value is 0.001" in source("00-04")
    x = curve.sliders["x"].value
    gaps = []
    for h in sorted(options, reverse=True):  # towards 0, as the learner drags it
        curve.h_slider.value = h
        by_hand = ((x + h) ** 2 - x**2) / h
        assert curve.secant_slope == pytest.approx(by_hand, abs=1e-9)
        shown_gap = number_after("differs by", curve.readout.value)
        assert shown_gap == pytest.approx(h, rel=5e-3)  # 3 digits on screen
        gaps.append(curve.secant_slope - 2 * x)
    assert gaps == pytest.approx(sorted(options, reverse=True), abs=1e-9)
    assert gaps[-1] < 0.0011  # the secant settles on the tangent as h -> 0


def test_a_negative_x_has_a_negative_slope(curve):
    curve.sliders["x"].value = -1.5
    # f'(-1.5) = 2 * (-1.5) = -3 < 0: x^2 falls as x grows there
    assert curve.slope == pytest.approx(-3.0)
    assert number_after("tangent slope f'(x)", curve.readout.value) == pytest.approx(-3.0)
    assert (-1.4) ** 2 < (-1.5) ** 2  # falling, by hand


def test_a_coloured_line_says_when_a_slider_is_at_the_end_of_its_range(curve):
    curve.sliders["x"].value = curve.sliders["x"].max
    assert "end of its range" in curve.message.text
    curve.sliders["x"].value = 0.5
    assert curve.message.text == ""


def test_a_coloured_line_says_when_f_is_undefined():
    lab = Curve("log(x)")
    lab.sliders["x"].value = -1.0
    assert lab.message.kind == "warning" and "undefined" in lab.message.text


def test_the_prose_does_not_give_the_derivative_of_x2_before_the_exercises():
    """The secant of the Try this leads to the slope; the page never states f'(x) = 2x first."""
    before = "".join("".join(c["source"]) for c in cells("markdown")[:4])
    assert "2x" not in before.replace(" ", "") and "2*x" not in before
    assert r"\frac{(x+h)^2 - x^2}{h}" in source("00-04")
    h = sp.symbols("h")
    assert sp.expand(((X + h) ** 2 - X**2) / h) == 2 * X + h  # what the learner works out


# -- exercise 1: the slope of x^2 at x = 3, read off the lab or worked out ------------------------

def test_exercise_1_is_the_slope_at_3_and_the_lab_can_show_it(curve):
    (cell_id, exercise), _ = EXERCISES
    assert cell_id == "00-05" and exercise.kind == "number"
    by_hand = float(sp.diff(X**2, X).subs(X, 3))  # 2x at 3
    assert exercise.expected == pytest.approx(by_hand) == 6.0
    # hint 1: "Move the x slider to 3 (its right end) and read the tangent slope"
    assert "to 3 (its right end)" in exercise.hints[0]
    assert curve.sliders["x"].max == 3
    curve.sliders["x"].value = 3
    assert number_after("tangent slope f'(x)", curve.readout.value) == pytest.approx(by_hand)
    # hint 3's worked step: ((3 + h)^2 - 9)/h tends to the answer
    h = sp.symbols("h")
    assert float(sp.limit(((3 + h) ** 2 - 9) / h, h, 0)) == by_hand


@pytest.mark.parametrize("wrong, says", [
    ("-6", "sign"), ("9", "not it"), ("3", "not it"), ("2", "not it"), ("6x", "formula")])
def test_exercise_1_refuses_plausible_wrong_answers(wrong, says):
    exercise = EXERCISES[0][1]
    assert not exercise.check(wrong) and says in exercise.result.message


def test_exercise_1_gives_hints_in_steps_and_the_answer_only_when_asked():
    exercise = EXERCISES[0][1]
    exercise.reset()
    assert not exercise.check("9")  # f(3), not its slope
    assert exercise.hints[0] in feedback(exercise) and exercise.hints[1] not in feedback(exercise)
    assert not exercise.check("3")
    assert exercise.hints[1] in feedback(exercise) and not exercise.revealed
    assert exercise.check("6") and exercise.solved
    asked = Exercise("x^2", at={"x": 3}, partial="x")
    assert "Show answer" in source("00-01")
    asked.show_button.click()  # the answer only when asked for, and then not solved
    assert "= 6 at x = 3" in asked.solution.value and not asked.solved


# -- exercise 2: the derivative of 3x^2 as a formula -----------------------------------------------

@pytest.mark.parametrize("typed", ["6x", "6*x", "x*6", "3*2x", "2x*3"])
def test_exercise_2_takes_the_formula_in_any_form_sympy_calls_equal(typed):
    (cell_id, exercise) = EXERCISES[1]
    assert cell_id == "00-11" and exercise.kind == "formula"
    by_sympy = sp.diff(3 * X**2, X)
    assert by_sympy == 6 * X and exercise.check(str(by_sympy))  # SymPy's own answer is taken
    assert exercise.check(typed), exercise.result.message


@pytest.mark.parametrize("wrong, says", [
    ("2x", "3 times yours"),  # the slope of x^2, not of 3x^2
    ("3x", "2 times yours"), ("6", "a term with x is missing"), ("3x^2", "f itself"),
    ("-6x", "")])
def test_exercise_2_refuses_plausible_wrong_formulas_and_says_where(wrong, says):
    exercise = EXERCISES[1][1]
    assert not exercise.check(wrong) and says in exercise.result.message


def test_the_summary_prints_the_hand_worked_numbers_at_the_labs_point_not_the_exercises():
    value, slope = output("00-07").strip().split(" ", 1)
    assert float(value) == pytest.approx(1.0**2)  # f(1) = 1
    assert ast.literal_eval(slope) == {"x": pytest.approx(2 * 1.0)}  # f'(1) = 2 by hand
    assert "2*x" not in output("00-07")  # the formula is exercise 2's answer


def test_progress_counts_the_two_exercises():
    for _, exercise in EXERCISES:
        exercise.reset()
    progress = Progress([exercise for _, exercise in EXERCISES])
    assert "0 of 2" in progress.text
    EXERCISES[0][1].check("6")
    assert "1 of 2" in progress.text


def every_lessons_exercises() -> list[tuple[str, Exercise]]:
    found = []
    for path in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        book = json.loads(path.read_text(encoding="utf-8"))
        code = [c for c in book["cells"] if c["cell_type"] == "code"]
        found += [(f"{path.stem} {cell_id}", e) for cell_id, e in practice.notebook_exercises(code)]
    return found


def test_four_significant_digits_are_always_enough_as_the_howto_says():
    """'A number to 4 significant digits is always enough (−0.7788, 960.0); arithmetic such as
    3/4 or 2*0.5^3 is read too': every number and vector exercise of every lesson takes its
    answer rounded to 4 significant digits (printed by Python, not by gradlab), with a true
    minus sign too."""
    assert ("A number to 4 significant digits is always enough (−0.7788, 960.0); arithmetic\n"
            "   such as `3/4` or `2*0.5^3` is read too.") in source("00-01")
    checked = 0
    for where, exercise in every_lessons_exercises():
        if exercise.kind == "number":
            typed = f"{exercise.expected:.4g}"
        elif exercise.kind == "vector":
            typed = ", ".join(f"{v:.4g}" for v in dict(exercise.expected).values())
        else:
            continue
        for form in (typed, typed.replace("-", "−")):
            assert exercise.problem.check(form).correct, (where, form, exercise.expected)
        checked += 1
    assert checked >= 20
    three_quarters = Exercise("x^2", at={"x": 0.5}, partial="x", question="q")  # 2x = 1
    assert not three_quarters.problem.check("3/4").correct
    assert "0.75 is not it" in three_quarters.problem.check("3/4").message  # read as 0.75
    assert three_quarters.problem.check("2*0.5^1").correct  # 1, as arithmetic


def test_the_table_of_lessons_links_each_lesson_with_its_number():
    table = source("00-08")
    rows = re.findall(r"^\| (\d+) \| \[([^\]]+)\]\(([^)]+)\) \|", table, flags=re.M)
    assert [int(n) for n, _, _ in rows] == list(range(1, len(rows) + 1))
    lessons = sorted(p.name for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    assert [link for _, _, link in rows] == lessons[1:]  # every lesson, in order, none missing
    for number, _, link in rows:
        book = json.loads((ROOT / "notebooks" / link).read_text())
        title = "".join(book["cells"][0]["source"]).splitlines()[0]
        assert title.startswith(f"# {int(number)}. "), (link, title)


# -- the practice: exercises, no answer on the page, teacher's notes (tests/practice_checks.py)

EXERCISES = practice.notebook_exercises(cells("code"))


class TestPractice(practice.PracticeChecks):
    notebook, notes, minimum = LESSON, NOTES, MIN_EXERCISES
