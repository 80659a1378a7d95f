"""Lesson 3, max and ReLU: each lab built as the notebook builds it and driven to each state a
"Try this" asks for; what the text says happens (which input gets the gradient, the tie, the
one-sided secants at ReLU's kink) checked against the definitions worked by hand; the claims
about subgradients checked by their inequality; the printed summaries checked by hand. The
exercises are made from the notebook's own cells: each answer checked by hand, plausible wrong
answers rejected, each checkable in a lab, and no answer on the page before the learner
answers."""


import numpy as np  # noqa: E402
import plotly  # noqa: F401 - required: a missing one fails the tests
import pytest
import sympy as sp
from lesson_page import (  # noqa: E402
    EARLY_READING,
    Lesson,
    PageChecks,
    assert_exercises_then_progress,
    reachable,
)

LABS = ("Curve(", "Surface(", "PartialsTable(")
LESSON = Lesson("03_max_and_relu", "03-03", LABS, **EARLY_READING)
CELLS, CELLS_ORDER = LESSON.cells, LESSON.order
text, words, run_cell = LESSON.text, LESSON.words, LESSON.run
EXERCISES = ["03-18", "03-19", "03-20", "03-21", "03-22"]
TRY_THIS = 5  # 03-05, 03-14, the three bullets of 03-08
x, y, z = sp.symbols("x y z")


def relu(t: float) -> float:
    return t if t > 0 else 0.0


def book_max_partials(a: float, b: float) -> tuple[float, float]:
    """The book's rule: d max(x, y)/dx = 1(x > y), d max(x, y)/dy = 1(y > x)."""
    return float(a > b), float(b > a)


# -- max ------------------------------------------------------------------------------------------

def test_only_the_larger_input_gets_the_gradient_and_the_lab_starts_at_a_tie():
    surface = run_cell("03-04")
    assert "the lab starts at $x = y = 1$" in words("03-05")
    assert surface.sliders["x"].value == surface.sliders["y"].value == 1.0
    assert surface.partials == book_max_partials(1.0, 1.0) == (0.0, 0.0)
    for at_x in (1.5, 2.0, 3.0):  # x above y
        surface.sliders["x"].value = at_x
        assert surface.partials == book_max_partials(at_x, 1.0) == (1.0, 0.0)
    for at_x in (0.5, -1.0, -3.0):  # x below y: they swap
        surface.sliders["x"].value = at_x
        assert surface.partials == book_max_partials(at_x, 1.0) == (0.0, 1.0)


def test_exercise_1_which_input_of_max_gets_the_gradient_without_a_tie():
    exercise = run_cell("03-18")
    assert exercise.kind == "choice" and exercise.at == {"x": -1.0, "y": 0.5}
    by_hand = book_max_partials(-1.0, 0.5)
    assert by_hand == (0.0, 1.0)  # y is the larger: only y moves max
    assert exercise.expected == ("y",) == tuple(n for n, g in zip("xy", by_hand, strict=True) if g)
    for wrong in (("x",), ("x", "y"), ("none of them",)):
        assert not run_cell("03-18").check(wrong), wrong
    # checkable in the lab above it: the surface at (-1, 0.5)
    surface = run_cell("03-04")
    assert reachable(surface.sliders["x"], -1.0) and reachable(surface.sliders["y"], 0.5)
    surface.sliders["x"].value, surface.sliders["y"].value = -1.0, 0.5
    assert surface.partials == by_hand


# -- the tie --------------------------------------------------------------------------------------

def test_the_claims_about_a_tie_hold():
    prose = words("03-12")
    assert "gives **0 to both inputs** at a tie, and gradlab follows the book" in prose
    # the one-sided slopes of max(x, 1) at x = 1: 1 to the right, 0 to the left
    step = 1e-6
    assert (max(1 + step, 1) - max(1, 1)) / step == pytest.approx(1.0)
    assert (max(1, 1) - max(1 - step, 1)) / step == 0.0
    # subgradients at a tie (x = y = 0): g with max(dx, dy) >= g . (dx, dy) for every move;
    # pairs in [0, 1] adding up to 1 pass, the book's (0, 0) fails for raising both together
    rng = np.random.default_rng(3)
    moves = np.vstack([rng.normal(size=(2000, 2)), [[1, 1], [-1, -1], [1, -1], [-1, 1]]])
    highest = moves.max(axis=1)

    def subgradient(g: tuple[float, float]) -> bool:
        return bool(np.all(highest >= moves @ np.asarray(g) - 1e-12))

    assert all(subgradient((t, 1 - t)) for t in (0.0, 0.25, 0.5, 1.0))
    assert not subgradient((0.0, 0.0)) and not subgradient((0.5, 0.6))
    # ReLU at 0: relu(d) >= s d for every d exactly when 0 <= s <= 1, so 0 is one of them
    ds = np.linspace(-2, 2, 401)
    relus = np.maximum(ds, 0)
    assert all(np.all(relus >= s * ds) for s in (0.0, 0.3, 1.0))
    assert not np.all(relus >= 1.2 * ds) and not np.all(relus >= -0.2 * ds)
    assert "PyTorch's `torch.maximum`, for one, gives $\\tfrac12$ to each input" in prose


def test_at_the_tie_backward_gives_0_and_the_central_difference_one_half():
    table = run_cell("03-13")
    assert "the central difference gives $\\tfrac12$ to each" in words("03-14")
    assert (table.sliders["x"].value, table.sliders["y"].value) == (1.0, 1.0)
    step = table.h
    by_hand = (max(1 + step, 1.0) - max(1 - step, 1.0)) / (2 * step)  # (1 + h - 1) / 2h
    for row in table.rows:
        assert row["value"] == 0.0
        assert row["numerical"] == pytest.approx(by_hand) == pytest.approx(0.5)
    for at_x in (0.5, 2.0):  # "Move x away from y: the two columns agree again"
        table.sliders["x"].value = at_x
        for row, expected in zip(table.rows, book_max_partials(at_x, 1.0), strict=True):
            assert row["value"] == expected
            assert row["difference"] < 1e-6


def test_exercise_2_at_the_tie_no_input_gets_the_gradient_by_the_books_convention():
    """A tie the page does not state (x = 3, y + 1 = 3, though x is not y): the learner must see
    it, then apply the convention the table shows at its own tie x = y."""
    exercise = run_cell("03-19")
    assert exercise.at == {"x": 3.0, "y": 2.0} and exercise.expression.text == "max(x, y + 1)"
    x, y = 3.0, 2.0
    assert x != y and x == y + 1  # a tie of max's two arguments
    assert book_max_partials(x, y + 1) == (0.0, 0.0)  # 1(3 > 3) = 0 for both; d(y+1)/dy = 1
    assert exercise.expected == ("none of them",)
    for wrong in (("x", "y"), ("x",), ("y",)):  # both (a half each), or a tie not seen
        assert not run_cell("03-19").check(wrong), wrong
    worked = exercise.hints[2]
    assert "whether 3 > 3" in worked and not 3 > 3
    # the page states the convention at the table's tie x = y, not this exercise's answer:
    # at (2, 2) the backward pass gives 0 to both inputs
    table = run_cell("03-13")
    assert reachable(table.sliders["x"], 2.0) and reachable(table.sliders["y"], 2.0)
    table.sliders["x"].value, table.sliders["y"].value = 2.0, 2.0
    assert [row["value"] for row in table.rows] == list(book_max_partials(2.0, 2.0))


def test_exercise_3_what_the_tie_convention_means():
    exercise = run_cell("03-20")
    assert exercise.kind == "choice" and not exercise.problem.multiple
    options = exercise.problem.options
    assert exercise.answer_text == options[2] and options[2].startswith("neither")
    # the answer's claim: the one-sided slopes of max(x, 1) at x = 1 differ (by hand), so
    # there is no derivative (0 and 1/2 both lie between them: the subgradients, tested above)
    step = 1e-6
    right = (max(1 + step, 1) - max(1, 1)) / step
    left = (max(1, 1) - max(1 - step, 1)) / step
    assert right == pytest.approx(1.0) and left == 0.0
    # each wrong option is rejected with the reason the text gives
    for wrong, told in ((options[0], "the slope to the right is 1"),
                        (options[1], "an average of two different slopes is not a derivative")):
        fresh = run_cell("03-20")
        assert not fresh.check(wrong) and told in fresh.result.message, fresh.result.message
    # "PyTorch's" 1/2 and the book's 0, as the prose says
    prose = words("03-12")
    assert "PyTorch's `torch.maximum`, for one, gives $\\tfrac12$ to each input" in prose
    assert "gives **0 to both inputs** at a tie" in prose


# -- ReLU and its one-sided secants ---------------------------------------------------------------

def test_at_zero_the_secant_is_1_from_the_right_and_0_from_the_left_for_every_h():
    curve = run_cell("03-07")
    claim = words("03-08")
    assert "with the second point on the right, the secant's slope stays 1" in claim
    assert "Switch the second point to the left: it stays 0" in claim
    assert reachable(curve.sliders["x"], 0.0)
    curve.sliders["x"].value = 0.0
    steps = [value for _, value in curve.h_slider.options]
    assert steps[0] == pytest.approx(0.001) and steps[-1] == pytest.approx(2.0)
    for side, expected in ((1.0, 1.0), (-1.0, 0.0)):
        curve.side.value = side
        for step in reversed(steps):  # "shrink h from 2 to 0.001"
            curve.h_slider.value = step
            second = side * step
            assert curve.secant_slope == (relu(second) - relu(0.0)) / second == expected
            assert list(curve.figure.data[3].x) == pytest.approx([0.0, second])
    # the tangent at 0 uses the convention: slope 0
    assert curve.slope == 0.0
    tangent = curve.figure.data[1]
    assert np.all(np.asarray(tangent.y, dtype=float) == 0.0)


def test_a_secant_across_the_kink_lies_between_0_and_1_and_settles_once_h_is_small():
    curve = run_cell("03-07")
    assert "Shrink $h$ to 0.5 or below: the slope drops to 0" in words("03-08")
    assert reachable(curve.sliders["x"], -0.5)
    curve.sliders["x"].value = -0.5
    curve.h_slider.value = 1.0
    assert 0.0 < curve.secant_slope == (relu(0.5) - relu(-0.5)) / 1.0 < 1.0
    below = [value for _, value in curve.h_slider.options if value <= 0.5]
    assert 0.5 in below and len(below) > 1  # the slider offers them, 0.5 itself too
    for step in below:
        curve.h_slider.value = step
        assert curve.secant_slope == (relu(-0.5 + step) - relu(-0.5)) / step == 0.0


def test_a_negative_input_gets_gradient_0():
    curve = run_cell("03-07")
    for at in (-3.0, -1.5, -0.02):
        curve.sliders["x"].value = at
        assert curve.slope == 0.0


def test_exercise_4_relu_of_a_negative_sum_gives_no_input_a_gradient():
    exercise = run_cell("03-21")
    assert exercise.at == {"x": 1.0, "y": -2.5}
    inside = 1.0 + -2.5
    worked = exercise.hints[2].split("x + y = ")[1].split(":")[0]  # "1 + (−2.5)"
    assert float(sp.sympify(worked.replace("−", "-"))) == inside < 0
    # by hand: a small step of x or of y keeps x + y below 0, so the output stays 0
    for dx, dy in ((1e-3, 0), (-1e-3, 0), (0, 1e-3), (0, -1e-3)):
        assert relu(1.0 + dx + -2.5 + dy) == relu(inside) == 0.0
    assert exercise.expected == ("none of them",)
    for wrong in (("x",), ("x", "y"), ("y",)):  # x > 0 does not make ReLU pass a gradient
        assert not run_cell("03-21").check(wrong), wrong


def test_exercise_5_a_secant_across_the_kink_and_the_lab_shows_it():
    exercise = run_cell("03-22")
    expected = (relu(-0.2 + 0.5) - relu(-0.2)) / 0.5
    assert expected == pytest.approx(0.6)
    assert exercise.expected == pytest.approx(expected)
    worked = exercise.hints[2]  # "ReLU(0.3) = 0.3 and ReLU(−0.2) = 0: subtract, ... h = 0.5"
    assert "ReLU(0.3) = 0.3 and ReLU(−0.2) = 0" in worked
    assert relu(0.3) == 0.3 and relu(-0.2) == 0.0
    for wrong in (0.3,  # not divided by h
                  0.0, 1.0,  # ReLU's slope left, or right, of the kink
                  (relu(0.3) - (-0.2)) / 0.5):  # ReLU(-0.2) taken as -0.2
        assert not run_cell("03-22").check(f"{wrong:g}"), wrong
    # "check the second in the lab": x = -0.2, h = 0.5, the second point on the right
    curve = run_cell("03-07")
    assert reachable(curve.sliders["x"], -0.2)
    assert 0.5 in [value for _, value in curve.h_slider.options]
    curve.sliders["x"].value = -0.2
    curve.h_slider.value = 0.5
    curve.side.value = 1.0
    assert curve.secant_slope == pytest.approx(expected)


# -- the summary ----------------------------------------------------------------------------------

def test_the_summary_is_right_by_hand_at_points_no_exercise_asks_about():
    shown = "".join("".join(out.get("text", "")) for out in CELLS["03-10"]["outputs"])
    max_part, relu_part = shown.split("f(x) = relu(x)")
    assert "at x = 2, y = 1:" in max_part and "f = 2\n" in max_part
    assert f"gradient ∇f = ({book_max_partials(2, 1)[0]:g}, {book_max_partials(2, 1)[1]:g})" \
        in max_part
    assert "at x = 2:" in relu_part and "f = 2\n" in relu_part
    assert "gradient ∇f = (1)" in relu_part  # relu'(2) = 1
    asked = [run_cell(c).at for c in EXERCISES]
    assert {"x": 2.0, "y": 1.0} not in asked and {"x": 2.0} not in asked


# -- the practice as a whole (the checks every lesson shares are in tests/lesson_page.py) --------

def test_the_lesson_has_five_exercises_of_two_kinds_each_after_its_idea_then_progress():
    assert_exercises_then_progress(LESSON, EXERCISES, ["choice", "choice", "choice", "choice",
                                                       "number"])
    order = CELLS_ORDER
    # max without a tie after its lab; the tie after its table; ReLU after its curve
    assert order.index("03-05") < order.index("03-18") < order.index("03-12")
    assert order.index("03-14") < order.index("03-19") < order.index("03-20") \
        < order.index("03-06")
    assert order.index("03-08") < order.index("03-21") < order.index("03-22") \
        < order.index("03-17")


class TestPage(PageChecks):
    lesson, exercises, try_this = LESSON, EXERCISES, TRY_THIS
