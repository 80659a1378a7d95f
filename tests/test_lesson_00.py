"""Lesson 00 (start here), checked as a learner would use it: the Curve of x^2 driven to each
state its "Try this" asks for, the exercise, the printed summary and the table of lessons, each
against calculus worked by hand here (never against the lab's own numbers)."""

import html
import json
import re
from pathlib import Path

import pytest

pytest.importorskip("plotly")

from gradlab.views import Curve, Exercise  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
LESSON = ROOT / "notebooks" / "00_start_here.ipynb"


def cells(kind: str | None = None) -> list[dict]:
    book = json.loads(LESSON.read_text())
    return [cell for cell in book["cells"] if kind is None or cell["cell_type"] == kind]


def source(cell_id: str) -> str:
    return next("".join(c["source"]) for c in cells() if c.get("id") == cell_id)


def output(cell_id: str) -> str:
    cell = next(c for c in cells() if c.get("id") == cell_id)
    return "".join("".join(o.get("text", "")) for o in cell["outputs"])


def number_after(label: str, text: str) -> float:
    """The number the learner reads after `label` in a readout (− as a minus sign)."""
    plain = re.sub(r"<[^>]+>", "", text).replace("−", "-").replace("&nbsp;", " ")
    match = re.search(re.escape(label) + r"\s*=?\s*(-?[0-9.]+(?:×10\^-?[0-9]+)?)", plain)
    assert match, (label, plain)
    mantissa, _, exponent = match.group(1).partition("×10^")
    return float(mantissa) * 10.0 ** int(exponent or 0)


def feedback(exercise: Exercise) -> str:
    """What the learner reads after pressing Check: the message line and any hint shown."""
    hints = getattr(exercise, "hint_box", None)
    return exercise.message.text + " " + html.unescape(
        re.sub(r"<[^>]+>", " ", hints.value if hints is not None else ""))


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


def test_the_exercise_gives_a_hint_not_the_answer():
    assert 'Exercise("x^2", at={"x": 3}, partial="x"' in source("00-05")
    exercise = Exercise("x^2", at={"x": 3}, partial="x", hint="The slope of x^2 is 2x.")
    right = 2 * 3  # d(x^2)/dx = 2x at x = 3
    assert not exercise.check(right + 1)
    assert "The slope of x^2 is 2x." in feedback(exercise)
    assert str(right) not in feedback(exercise) + exercise.solution.value
    assert exercise.check(right)
    asked = Exercise("x^2", at={"x": 3}, partial="x", hint="The slope of x^2 is 2x.")
    assert "Show answer" in source("00-01")
    asked.show_button.click()  # the answer only when asked for, and then not solved
    assert f"= {right}" in asked.solution.value and not asked.solved


def test_the_summary_prints_the_hand_worked_numbers_at_the_labs_point_not_the_exercises():
    printed = output("00-07")
    assert "at x = 1:" in printed
    assert number_after("f", printed.split("at x = 1:")[1]) == pytest.approx(1.0**2)
    assert number_after("∂f/∂x = 2*x", printed) == pytest.approx(2 * 1.0)
    assert "= 6" not in printed  # the exercise's answer, 2 * 3


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
