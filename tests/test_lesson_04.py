"""Lesson 04 (the gradient) as a learner drives it: each lab built as the notebook builds it,
moved to the state each "Try this" asks for, and the lesson's claims checked against SymPy and
calculus worked by hand (never against the view's or the core's own numbers). The exercises
are made from the notebook's own cells: each answer checked by hand or SymPy, plausible wrong
answers rejected, each checkable in a lab, no answer on the page before the learner answers,
and the teacher's notes hold each exercise with the core's answer and each Try this."""

import json
import math
import re
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

from gradlab.views import GradientField  # noqa: E402

NOTEBOOK = Path(__file__).resolve().parent.parent / "notebooks" / "04_gradient.ipynb"
X, Y = sympy.symbols("x y", real=True)
F = X**2 + 3 * Y**2  # the lesson's bowl, typed from the lesson's text

# the labs exactly as the notebook's code cells make them
LEVEL_LAB = 'GradientField("x^2 + 3y^2", arrows=True, along=True, arrow_scale=0.2)'
DESCENT_LAB = 'GradientField("x^2 + 3y^2", descent=True, learning_rate=0.1, arrow_scale=0.2)'


def cells(kind):
    book = json.loads(NOTEBOOK.read_text())
    return ["".join(cell["source"]) for cell in book["cells"] if cell["cell_type"] == kind]


def prose():
    return "\n".join(cells("markdown"))


def level_lab():
    return GradientField("x^2 + 3y^2", arrows=True, along=True, arrow_scale=0.2)


def descent_lab():
    return GradientField("x^2 + 3y^2", descent=True, learning_rate=0.1, arrow_scale=0.2)


def sympy_gradient(x, y):
    return [float(sympy.diff(F, v).subs({X: x, Y: y})) for v in (X, Y)]


def test_the_labs_are_built_as_in_the_notebook():
    code = cells("code")
    assert LEVEL_LAB in code and DESCENT_LAB in code


# -- the gradient arrow ---------------------------------------------------------------------------

def test_at_the_default_point_the_arrow_is_on_the_plot_and_its_scale_is_stated():
    lab = level_lab()
    x, y = lab.sliders["x"].value, lab.sliders["y"].value
    gx, gy = sympy_gradient(x, y)
    arrow = lab.figure.data[3]
    # the arrow is 0.2 * the gradient, drawn from the point
    assert list(arrow.x) == pytest.approx([x, x + 0.2 * gx])
    assert list(arrow.y) == pytest.approx([y, y + 0.2 * gy])
    # ... and its tip is inside the plot's ranges
    for tip, axis in ((arrow.x[1], lab.figure.layout.xaxis), (arrow.y[1], lab.figure.layout.yaxis)):
        assert axis.range[0] <= tip <= axis.range[1]
    assert "longer than the plot" not in lab.message.text
    # the legend and the readout say what the arrow's length means; the readout gives the true
    # components and length
    assert "drawn 0.2 × as long" in arrow.name
    text = re.sub("<[^>]+>", "", lab.readout.value)
    assert f"[{gx:g}, {gy:g}]" in text
    assert f"length {math.hypot(gx, gy):.4g}" in text
    assert "0.2" in prose() and "of its length" in prose()


def test_an_unscaled_arrow_would_run_off_the_plot_at_the_default_point():
    # the reason for the scale: 1 + 6 = 7 > 3 (by hand)
    lab = GradientField("x^2 + 3y^2")
    assert lab.figure.data[3].y[1] > lab.figure.layout.yaxis.range[1]
    assert "longer than the plot shows" in lab.message.text


# -- Try this: slide along the level curve ---------------------------------------------------------

def ellipse_tangent(x, y, c):
    """The tangent of x^2 + 3y^2 = c at (x, y) from its parametrisation
    (sqrt(c) cos t, sqrt(c/3) sin t): d/dt = (-sqrt(c) sin t, sqrt(c/3) cos t), unit length."""
    t = math.atan2(y / math.sqrt(c / 3), x / math.sqrt(c))
    tx, ty = -math.sqrt(c) * math.sin(t), math.sqrt(c / 3) * math.cos(t)
    norm = math.hypot(tx, ty)
    return tx / norm, ty / norm, t


def test_sliding_along_the_level_curve_keeps_f_and_the_arrow_perpendicular_to_it():
    lab = level_lab()
    c = float(F.subs({X: lab.sliders["x"].value, Y: lab.sliders["y"].value}))
    slider = lab.along_slider
    angles = []
    for k in range(int(round((slider.max - slider.min) / slider.step)) + 1):
        slider.value = slider.min + k * slider.step  # every value the page's slider offers
        (x0, x1), (y0, y1) = lab.figure.data[3].x, lab.figure.data[3].y
        px, py = lab.figure.data[4].x[0], lab.figure.data[4].y[0]
        assert (x0, y0) == pytest.approx((px, py))  # the arrow starts at the point
        # the point stays on the level curve f = c (SymPy's f)
        assert float(F.subs({X: px, Y: py})) == pytest.approx(c, abs=1e-9)
        # the arrow is perpendicular to the ellipse's own tangent
        tx, ty, t = ellipse_tangent(px, py, c)
        ax, ay = x1 - x0, y1 - y0
        assert (ax * tx + ay * ty) / math.hypot(ax, ay) == pytest.approx(0.0, abs=1e-6)
        assert abs(lab.angle - 90) < 1e-3  # what the readout states
        assert "meets the level curve at 90°" in lab.readout.value
        angles.append(t)
    # the slider takes the point all the way round the ellipse
    covered = np.sort(np.mod(angles, 2 * math.pi))
    assert np.max(np.diff(np.concatenate([covered, [covered[0] + 2 * math.pi]]))) < 0.1
    # and the x, y sliders stay where the learner put them
    assert (lab.sliders["x"].value, lab.sliders["y"].value) == (1.0, 1.0)


def test_the_green_curve_is_the_level_curve_through_the_point():
    lab = level_lab()
    curve = lab.figure.data[1]
    assert curve.visible is True and curve.name == "the level curve through the point"
    x, y = np.asarray(curve.x, dtype=float), np.asarray(curve.y, dtype=float)
    assert len(x) > 50
    assert x**2 + 3 * y**2 == pytest.approx(np.full(len(x), 4.0), abs=1e-9)  # f(1, 1) = 4
    lab.sliders["x"].value = 2.0  # moving the point: a new level curve, and the slide restarts
    x, y = np.asarray(curve.x, dtype=float), np.asarray(curve.y, dtype=float)
    assert x**2 + 3 * y**2 == pytest.approx(np.full(len(x), 7.0), abs=1e-9)
    assert lab.along_slider.value == 0


def test_on_a_level_curve_the_arrow_is_longest_where_the_curves_crowd_together():
    # by hand, on x^2 + 3y^2 = 4: |grad f|^2 = 4x^2 + 36y^2 = 4x^2 + 12(4 - x^2) = 48 - 8x^2,
    # largest at x = 0 (y = ±2/sqrt 3, the ellipse's narrow sides), smallest at x = ±2
    lab = level_lab()
    points, lengths = [], []
    for k in range(201):
        lab.along_slider.value = -1 + k * 0.01
        px, py = lab.position
        points.append((px, py))
        lengths.append(math.hypot(*lab.gradient))
        assert lengths[-1] == pytest.approx(math.sqrt(48 - 8 * px**2), rel=1e-9)
    longest, shortest = points[int(np.argmax(lengths))], points[int(np.argmin(lengths))]
    assert abs(longest[0]) < 0.05 and abs(abs(longest[1]) - 2 / math.sqrt(3)) < 0.01
    assert abs(abs(shortest[0]) - 2) < 0.01 and abs(shortest[1]) < 0.05
    # the level curves are closer together there: along the y axis f = 3y^2 rises from 4 to 7
    # over a smaller distance than along the x axis, where f = x^2 (both by hand)
    assert math.sqrt(7 / 3) - math.sqrt(4 / 3) < math.sqrt(7) - math.sqrt(4)


def test_at_the_origin_the_gradient_is_zero_and_there_is_nothing_to_slide_along():
    lab = level_lab()
    for name in ("x", "y"):
        slider = lab.sliders[name]
        steps = (0.0 - slider.min) / slider.step
        assert steps == pytest.approx(round(steps))  # 0 is a value the page's slider offers
        slider.value = 0.0
    assert list(lab.gradient) == sympy_gradient(0, 0) == [0.0, 0.0]
    assert lab.along_slider.disabled
    assert "nothing to slide along" in lab.message.text
    lab.sliders["x"].value = 1.0
    assert not lab.along_slider.disabled


# -- Try this: the learning rate -------------------------------------------------------------------

def drawn_path(lab):
    return (np.asarray(lab.figure.data[2].x, dtype=float),
            np.asarray(lab.figure.data[2].y, dtype=float))


def test_the_factor_thresholds_in_the_text_are_right():
    eta = sympy.symbols("eta", positive=True)
    factor = 1 - 6 * eta  # y <- y - eta * dF/dy = (1 - 6 eta) y
    assert sympy.expand(Y - eta * sympy.diff(F, Y)) == sympy.expand(factor * Y)
    assert sympy.solve(sympy.Eq(factor, 0), eta) == [sympy.Rational(1, 6)]
    assert sympy.solve(sympy.Eq(factor, -1), eta) == [sympy.Rational(1, 3)]
    text = prose()
    assert "(1 - 6\\eta)" in text and "1/6" in text and "1/3" in text
    # the two boundaries the text names: y lands on 0 in one step, or flips between +-y
    step = Y - eta * sympy.diff(F, Y)
    assert sympy.simplify(step.subs(eta, sympy.Rational(1, 6))) == 0
    assert sympy.simplify(step.subs(eta, sympy.Rational(1, 3))) == -Y
    words = " ".join(text.split())
    assert "at $\\eta = 1/6$ exactly it is $0$: $y$ lands on $0$ in one step" in words
    assert "at $\\eta = 1/3$ exactly it is $-1$: $y$ flips between $\\pm y$" in words


@pytest.mark.parametrize("eta", [0.1, 0.15, 0.2, 0.3, 0.4])
def test_each_notch_the_text_names_zigzags_or_diverges_as_the_factor_says(eta):
    lab = descent_lab()
    assert eta in lab.rate_slider.options or eta in [v for _, v in lab.rate_slider.options]
    lab.rate_slider.value = eta
    xs, ys = drawn_path(lab)
    k = np.arange(len(ys))
    # by hand: after k steps x = (1 - 2 eta)^k, y = (1 - 6 eta)^k (from (1, 1))
    assert xs == pytest.approx((1 - 2 * eta) ** k, rel=1e-9)
    assert ys == pytest.approx((1 - 6 * eta) ** k, rel=1e-9)
    assert len(ys) == 21  # the 20 steps the text says are drawn
    flips = np.sign(ys[1:]) != np.sign(ys[:-1])
    assert flips.all() == (eta > 1 / 6) and flips.any() == (eta > 1 / 6)  # zig-zag
    diverges = eta > 1 / 3
    assert (abs(ys[-1]) > abs(ys[0])) == diverges
    assert (ys.max() > lab.figure.layout.yaxis.range[1]) == diverges  # runs off the plot
    assert ("diverges" in lab.message.text) == diverges


def test_every_notch_of_the_slider_agrees_with_the_factor():
    lab = descent_lab()
    for _, eta in lab.rate_slider.options:
        lab.rate_slider.value = eta
        xs, ys = drawn_path(lab)
        if abs(1 - 6 * eta) > 1 or abs(1 - 2 * eta) > 1:
            assert "diverge" in lab.message.text, eta
        else:
            assert abs(ys[-1]) <= abs(ys[0]) and "diverge" not in lab.message.text, eta


def test_a_tiny_learning_rate_is_smooth_but_barely_moves_in_20_steps():
    lab = descent_lab()
    lab.rate_slider.value = 0.001
    xs, ys = drawn_path(lab)
    assert (np.diff(xs) < 0).all() and (np.diff(ys) < 0).all()  # straight in, no overshoot
    f_start, f_end = xs[0] ** 2 + 3 * ys[0] ** 2, xs[-1] ** 2 + 3 * ys[-1] ** 2
    assert f_end > 0.8 * f_start  # by hand: (0.998^40 + 3 * 0.994^40) / 4 = 0.82


def test_the_zigzag_is_across_the_valley_not_along_it():
    # at 0.2 the y factor is -0.2 (flips) and the x factor 0.6 (does not): by hand
    lab = descent_lab()
    lab.rate_slider.value = 0.2
    xs, ys = drawn_path(lab)
    assert (np.sign(ys[1:]) != np.sign(ys[:-1])).all()
    assert (xs > 0).all()


def test_the_learning_rate_slider_shows_only_with_the_descent_path():
    lab = level_lab()
    assert lab.rate_slider.layout.display == "none"
    lab.descent_box.value = True
    assert lab.rate_slider.layout.display != "none"
    assert descent_lab().rate_slider.layout.display != "none"


# -- exercises and the summary -----------------------------------------------------------------

LESSON = Lesson("04_gradient", "04-03", ("GradientField(",))
EXERCISES = ["04-12", "04-14", "04-15", "04-13", "04-16"]
TRY_THIS = 6  # the three bullets of 04-05 and the three of 04-07


def on_grid(slider, value):
    steps = (value - slider.min) / slider.step
    return slider.min <= value <= slider.max and abs(steps - round(steps)) < 1e-9


def put(lab, px, py):
    assert on_grid(lab.sliders["x"], px) and on_grid(lab.sliders["y"], py)
    lab.sliders["x"].value, lab.sliders["y"].value = px, py


def test_exercise_1_the_y_component_of_the_gradient():
    exercise = LESSON.run("04-12")
    answer = float(sympy.diff(F, Y).subs({X: 2, Y: -0.5}))  # 6y at y = -0.5
    assert answer == -3.0 and exercise.expected == answer
    for wrong in ("3",  # the sign of y lost
                  "4",  # the x component, 2x at x = 2
                  "-1.5", "-6"):  # the power rule's 2 forgotten, or y not put in
        assert not LESSON.run("04-12").check(wrong), wrong
    assert exercise.check("-3")
    # checkable in the first lab: its readout at (2, -0.5) holds [4, -3]
    lab = level_lab()
    put(lab, 2.0, -0.5)
    assert list(lab.gradient) == sympy_gradient(2.0, -0.5)


def test_exercise_2_the_whole_gradient_at_a_point_no_lab_or_summary_shows():
    exercise = LESSON.run("04-14")
    assert exercise.kind == "vector" and exercise.at == {"x": -0.5, "y": 0.8}
    by_sympy = sympy_gradient(-0.5, 0.8)
    assert by_sympy == pytest.approx([-1.0, 4.8], rel=1e-12)
    assert list(exercise.expected.values()) == pytest.approx(by_sympy, rel=1e-12)
    assert exercise.check("-1, 4.8")
    for wrong in ("4.8, -1",  # the components swapped
                  "1, -4.8",  # both signs lost
                  "-0.5, 2.4"):  # the power rule's 2 forgotten
        assert not LESSON.run("04-14").check(wrong), wrong
    worked = exercise.hints[2]
    assert "2·(−0.5) and 6·0.8" in worked
    lab = level_lab()
    put(lab, -0.5, 0.8)
    assert list(lab.gradient) == pytest.approx(by_sympy, rel=1e-12)
    assert "[-1, 4.8]" in re.sub("<[^>]+>", "", lab.readout.value).replace("−", "-")


def test_exercise_3_the_gradient_is_perpendicular_to_the_level_curve_and_points_uphill():
    exercise = LESSON.run("04-15")
    options = exercise.problem.options
    assert exercise.kind == "choice" and not exercise.problem.multiple
    assert exercise.answer_text == options[1]
    assert "perpendicular" in options[1] and "higher" in options[1]
    # the oracle: on the ellipse x^2 + 3y^2 = c, SymPy's gradient is at 90 degrees to the
    # curve's tangent, and a small step along it raises f
    for px, py in ((1.0, 1.0), (-1.7, 0.3), (0.2, -1.1)):
        c = px**2 + 3 * py**2
        tx, ty, _ = ellipse_tangent(px, py, c)
        gx, gy = sympy_gradient(px, py)
        assert gx * tx + gy * ty == pytest.approx(0.0, abs=1e-9)
        step = 1e-3
        assert float(F.subs({X: px + step * gx, Y: py + step * gy})) > c
        assert float(F.subs({X: px - step * gx, Y: py - step * gy})) < c
    for wrong, told in ((options[0], "at 90°"), (options[2], "−∇f that points downhill")):
        fresh = LESSON.run("04-15")
        assert not fresh.check(wrong) and told in fresh.result.message, fresh.result.message


def test_exercise_4_one_descent_step_in_y():
    exercise = LESSON.run("04-13")
    assert "learning rate 0.1, from (x, y) = (1, 0.4)" in exercise.question.value
    eta = sympy.Rational(1, 10)
    answer = float(-eta * sympy.diff(F, Y).subs({X: 1, Y: sympy.Rational(2, 5)}))
    assert answer == pytest.approx(-0.24)
    assert exercise.expected == pytest.approx(answer)
    assert exercise.check("-0.24")
    revealed = LESSON.run("04-13")
    revealed.show_answer()  # the step dy = -0.24 is shown as such, not as the partial (2.4)
    assert "-0.24" in revealed.solution.value and "∂" not in revealed.solution.value
    # the cell's code is hidden but for its first line: that line must not show the step's
    # formula (-0.1 * 6y), which is in the code
    first_line = LESSON.text("04-13").splitlines()[0]
    assert "6y" in LESSON.text("04-13") and "6y" not in first_line and "0.1" not in first_line
    for wrong in ("0.24",  # a step uphill, along the gradient
                  "-2.4",  # the learning rate forgotten
                  "0.16"):  # the new y, not its change
        assert not LESSON.run("04-13").check(wrong), wrong
    # checkable in the descent lab: from (1, 0.4) at rate 0.1 the first step moves y by it
    lab = descent_lab()
    put(lab, 1.0, 0.4)
    assert lab.rate_slider.value == pytest.approx(0.1)
    xs, ys = drawn_path(lab)
    assert ys[1] - ys[0] == pytest.approx(answer)


def test_exercise_5_just_below_the_zigzag_threshold_y_shrinks_without_flipping():
    exercise = LESSON.run("04-16")
    options = exercise.problem.options
    factor = 1 - 6 * 0.15  # by hand: y <- (1 - 6 eta) y
    assert 0 < factor < 1 and 0.15 < 1 / 6
    assert exercise.answer_text == options[0] == "y shrinks towards 0 without changing sign"
    for wrong, told in ((options[1], "0.15 is just below it"), (options[2], "above 1/3")):
        fresh = LESSON.run("04-16")
        assert not fresh.check(wrong) and told in fresh.result.message, fresh.result.message
    # the lab offers 0.15, and its path from (1, 1) does what the factor says
    lab = descent_lab()
    assert 0.15 in [v for _, v in lab.rate_slider.options]
    lab.rate_slider.value = 0.15
    xs, ys = drawn_path(lab)
    assert ys == pytest.approx(factor ** np.arange(len(ys)), rel=1e-9)
    assert (ys > 0).all() and (np.diff(ys) < 0).all()


def test_the_lesson_has_five_exercises_of_three_kinds_each_after_its_idea_then_progress():
    assert_exercises_then_progress(LESSON, EXERCISES,
                                   ["number", "vector", "choice", "number", "choice"])
    order = LESSON.order
    # the gradient's exercises after its lab and Try this, the descent's after theirs
    assert order.index("04-05") < order.index("04-12") < order.index("04-14") \
        < order.index("04-15") < order.index("04-11")
    assert order.index("04-07") < order.index("04-13") < order.index("04-16") \
        < order.index("04-10")


class TestPage(PageChecks):
    lesson, exercises, try_this = LESSON, EXERCISES, TRY_THIS

    def test_no_answer_is_on_the_page_before_the_learner_answers(self):
        super().test_no_answer_is_on_the_page_before_the_learner_answers()
        # the labs open at (1, 1), where the summary prints too: no exercise asks about it
        for lab in (level_lab(), descent_lab()):
            assert lab.position == (1.0, 1.0)
        assert all(LESSON.run(c).at in (None, {"x": 2.0, "y": -0.5}, {"x": -0.5, "y": 0.8},
                                        {"y": 0.4}) for c in EXERCISES)

    def test_the_leak_check_finds_an_answer_in_each_form(self):
        super().test_the_leak_check_finds_an_answer_in_each_form()
        assert leaks(LESSON.run("04-12"), "so ∂f/∂y = −3 there")
        assert not leaks(LESSON.run("04-12"), "for $\\eta > 1/3$ it is below $-1$; 3y^2")

    def test_the_teachers_notes_have_every_exercise_with_the_cores_answer_and_each_try(self):
        super().test_the_teachers_notes_have_every_exercise_with_the_cores_answer_and_each_try()
        key = LESSON.key.read_text()
        # the numbers the key's Try this answers state, by hand
        assert math.sqrt(48) == pytest.approx(6.93, abs=5e-3) and "\\approx 6.9" in key
        assert 0.998**20 == pytest.approx(0.96, abs=5e-3)
        assert 0.994**20 == pytest.approx(0.89, abs=5e-3)
        assert 0.998**40 + 3 * 0.994**40 == pytest.approx(3.3, abs=0.05)
        assert [round(1 - 6 * eta, 2) for eta in (0.1, 0.15, 0.2, 0.3, 0.4)] == \
            [0.4, 0.1, -0.2, -0.8, -1.4]
        assert "−0.2 at 0.2" in key and "−1.4 at\n0.4" in key


def test_the_saved_summary_matches_sympy():
    book = json.loads(NOTEBOOK.read_text())
    (summary,) = ["".join(o.get("text", "")) for c in book["cells"] if c["cell_type"] == "code"
                  for o in c.get("outputs", []) if "gradient ∇f" in "".join(o.get("text", ""))]
    assert "at x = 1, y = 1:" in summary
    numbers = dict(re.findall(r"(f|∂f/∂x|∂f/∂y) = (?:[^=\n]*= )?(-?[\d.]+)\n", summary))
    assert float(numbers["f"]) == float(F.subs({X: 1, Y: 1}))
    assert [float(numbers["∂f/∂x"]), float(numbers["∂f/∂y"])] == sympy_gradient(1, 1)
    assert f"gradient ∇f = ({sympy_gradient(1, 1)[0]:g}, {sympy_gradient(1, 1)[1]:g})" in summary
