"""Lesson 3, max and ReLU: each lab built as the notebook builds it and driven to each state a
"Try this" asks for; what the text says happens (which input gets the gradient, the tie, the
one-sided secants at ReLU's kink) checked against the definitions worked by hand; the claims
about subgradients checked by their inequality; the printed summaries checked by hand."""

import ast
import json
from pathlib import Path

import pytest

pytest.importorskip("plotly")

import numpy as np  # noqa: E402

import gradlab as gl  # noqa: E402
from gradlab.views import Curve, Exercise, PartialsTable, Surface  # noqa: E402

NOTEBOOK = Path(__file__).resolve().parent.parent / "notebooks" / "03_max_and_relu.ipynb"
CELLS = {cell["id"]: cell for cell in json.loads(NOTEBOOK.read_text())["cells"]}


def text(cell_id: str) -> str:
    return "".join(CELLS[cell_id]["source"])


def words(cell_id: str) -> str:
    """A markdown cell's text with its line breaks as spaces (for the phrases it must say)."""
    return " ".join(text(cell_id).split())


def run_cell(cell_id: str):
    """The value a code cell of the notebook shows (its last expression), run as the notebook
    runs it, after the lesson's import cell."""
    namespace = {"gl": gl, "Curve": Curve, "Exercise": Exercise, "PartialsTable": PartialsTable,
                 "Surface": Surface}
    exec(text("03-03"), namespace)
    tree = ast.parse(text(cell_id))
    exec(compile(ast.Module(tree.body[:-1], []), cell_id, "exec"), namespace)
    return eval(compile(ast.Expression(tree.body[-1].value), cell_id, "eval"), namespace)


def reachable(slider, value: float) -> bool:
    steps = (value - slider.min) / slider.step
    return slider.min <= value <= slider.max and abs(steps - round(steps)) < 1e-9


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


def test_exercise_on_which_input_gets_the_gradient():
    exercise = run_cell("03-11")
    assert exercise.expected == book_max_partials(-1.0, 0.5)[1] == 1.0


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


def test_exercise_on_the_tie_uses_the_books_convention():
    exercise = run_cell("03-15")
    assert exercise.expected == book_max_partials(2.0, 2.0)[0] == 0.0


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
    assert "Shrink $h$ below 0.5: the slope drops to 0" in words("03-08")
    assert reachable(curve.sliders["x"], -0.5)
    curve.sliders["x"].value = -0.5
    curve.h_slider.value = 1.0
    assert 0.0 < curve.secant_slope == (relu(0.5) - relu(-0.5)) / 1.0 < 1.0
    below = [value for _, value in curve.h_slider.options if value < 0.5]
    assert below  # the slider offers them
    for step in below:
        curve.h_slider.value = step
        assert curve.secant_slope == (relu(-0.5 + step) - relu(-0.5)) / step == 0.0


def test_a_negative_input_gets_gradient_0():
    curve = run_cell("03-07")
    for at in (-3.0, -1.5, -0.02):
        curve.sliders["x"].value = at
        assert curve.slope == 0.0


def test_exercises_on_relu():
    assert run_cell("03-09").expected == 0.0  # x = -1.5 < 0
    crossing = run_cell("03-16")
    assert crossing.expected == pytest.approx((relu(-0.25 + 0.5) - relu(-0.25)) / 0.5)


# -- the summary ----------------------------------------------------------------------------------

def test_the_summary_is_right_by_hand_at_points_no_exercise_asks_about():
    shown = "".join("".join(out.get("text", "")) for out in CELLS["03-10"]["outputs"])
    max_part, relu_part = shown.split("f(x) = relu(x)")
    assert "at x = 2, y = 1:" in max_part and "f = 2\n" in max_part
    assert f"gradient ∇f = ({book_max_partials(2, 1)[0]:g}, {book_max_partials(2, 1)[1]:g})" \
        in max_part
    assert "at x = 2:" in relu_part and "f = 2\n" in relu_part
    assert "gradient ∇f = (1)" in relu_part  # relu'(2) = 1
    asked = [run_cell(c).at for c in ("03-11", "03-15", "03-09", "03-16")]
    assert {"x": 2.0, "y": 1.0} not in asked and {"x": 2.0} not in asked
