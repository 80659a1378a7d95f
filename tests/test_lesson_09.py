"""Lesson 09 (the Explorer), checked as a learner would use it: the Explorer built as the
notebook builds it, each "Try this" function typed into its box and its sliders moved to the
point the text asks about, each claim checked against SymPy (never against the lab's numbers);
the language table, the exercise, its hint and the printed summary too."""

import html
import json
import re
from pathlib import Path

import pytest
import sympy as sp

pytest.importorskip("plotly")

from gradlab import parse  # noqa: E402
from gradlab.views import Exercise, Explorer  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
LESSON = ROOT / "notebooks" / "09_explorer.ipynb"
X, Y, Z, W, B = sp.symbols("x y z w b")
F = X * sp.exp(-X**2 - Y**2)  # the lesson's function, by hand


def cell(cell_id: str) -> dict:
    book = json.loads(LESSON.read_text())
    return next(c for c in book["cells"] if c.get("id") == cell_id)


def source(cell_id: str) -> str:
    return "".join(cell(cell_id)["source"])


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


def feedback(exercise: Exercise) -> str:
    """What the learner reads after pressing Check: the message line and any hint shown."""
    hints = getattr(exercise, "hint_box", None)
    return exercise.message.text + " " + html.unescape(
        re.sub(r"<[^>]+>", " ", hints.value if hints is not None else ""))


@pytest.fixture
def lab():
    assert 'Explorer("x*exp(-x^2 - y^2)")' in source("08-04")
    return Explorer("x*exp(-x^2 - y^2)")


def test_the_explorer_opens_at_1_1_with_sympys_gradient(lab):
    assert {n: s.value for n, s in lab.sliders.items()} == {"x": 1.0, "y": 1.0}
    point = {X: 1, Y: 1}
    expected = [float(sp.diff(F, v).subs(point)) for v in (X, Y)]
    assert [lab.gradient["x"], lab.gradient["y"]] == pytest.approx(expected)
    assert [as_number(t) for t in shown_gradient(lab)] == pytest.approx(expected, rel=1e-3)


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
    assert lab.expression.text == "x*exp(-x^2 - y^2)"
    move(lab, x=0.5)
    assert lab.value == pytest.approx(float(F.subs({X: 0.5, Y: 1.0})))


def test_the_saddle_has_a_zero_gradient_at_0_0_that_is_not_a_minimum(lab):
    lab.text_box.value = "x^2 - y^2"
    saddle = X**2 - Y**2
    # SymPy: the gradient (2x, -2y) is zero only at (0, 0)
    assert sp.solve([sp.diff(saddle, X), sp.diff(saddle, Y)], [X, Y]) == {X: 0, Y: 0}
    move(lab, x=0.0, y=0.0)
    assert lab.gradient == {"x": 0.0, "y": 0.0}
    assert [as_number(t) for t in shown_gradient(lab)] == [0.0, 0.0]
    at_zero = lab.value
    move(lab, x=0.5)  # x alone: f rises
    assert lab.value == pytest.approx(float(saddle.subs({X: 0.5, Y: 0}))) and lab.value > at_zero
    move(lab, x=0.0, y=0.5)  # y alone: f falls, so (0, 0) is no minimum
    assert lab.value == pytest.approx(float(saddle.subs({X: 0, Y: 0.5}))) and lab.value < at_zero


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


def test_the_exercise_is_sympys_partial_and_its_hint_points_to_lessons_2_and_5():
    code = source("08-06")
    assert 'at={"x": 0, "y": 0}, partial="x"' in code
    hint = re.search(r'hint="(.*)"\)', code.replace('"\n              "', ""), re.S).group(1)
    assert "product rule of lesson 2" in hint and "e^u" in hint and "lesson 5" in hint
    exercise = Exercise("x*exp(-x^2 - y^2)", at={"x": 0, "y": 0}, partial="x", hint=hint)
    answer = float(sp.diff(F, X).subs({X: 0, Y: 0}))  # e^0 - 0 = 1
    assert answer == 1.0
    assert not exercise.check(0) and "product rule of lesson 2" in feedback(exercise)
    assert exercise.check(answer)


def test_the_summary_is_sympys_at_the_explorers_point_and_not_the_exercises_answer():
    printed = "".join("".join(o.get("text", "")) for o in cell("08-08")["outputs"])
    assert "at x = 1, y = 1:" in printed
    point = {X: 1, Y: 1}
    lines = dict(line.strip().split(" = ", 1) for line in printed.splitlines()[2:5])
    assert float(lines["f"]) == pytest.approx(float(F.subs(point)), rel=1e-5)
    dx = lines["∂f/∂x"].rsplit(" = ", 1)[1]
    dy = lines["∂f/∂y"].rsplit(" = ", 1)[1]
    assert float(dx) == pytest.approx(float(sp.diff(F, X).subs(point)), rel=1e-5)
    assert float(dy) == pytest.approx(float(sp.diff(F, Y).subs(point)), rel=1e-5)
    assert "at x = 0, y = 0" not in printed
