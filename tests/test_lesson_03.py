"""Lesson 3, max and ReLU: each lab built as the notebook builds it and driven to each state a
"Try this" asks for; what the text says happens (which input gets the gradient, the tie, the
one-sided secants at ReLU's kink) checked against the definitions worked by hand; the claims
about subgradients checked by their inequality; the printed summaries checked by hand. The
exercises are made from the notebook's own cells: each answer checked by hand, plausible wrong
answers rejected, each checkable in a lab, and no answer on the page before the learner
answers."""

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

from gradlab.views import Progress  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = ROOT / "notebooks" / "03_max_and_relu.ipynb"
KEY = ROOT / "docs" / "teaching" / "lessons" / "03_max_and_relu.md"
CELLS = {cell["id"]: cell for cell in json.loads(NOTEBOOK.read_text())["cells"]}
CELLS_ORDER = list(CELLS)
LABS = ("Curve(", "Surface(", "PartialsTable(")
READER = standard_transformations + (implicit_multiplication_application, convert_xor)
EXERCISES = ["03-18", "03-19", "03-20", "03-21", "03-22"]
TRY_THIS = 5  # 03-05, 03-14, the three bullets of 03-08
x, y, z = sp.symbols("x y z")


def text(cell_id: str) -> str:
    return "".join(CELLS[cell_id]["source"])


def words(cell_id: str) -> str:
    """A markdown cell's text with its line breaks as spaces (for the phrases it must say)."""
    return " ".join(text(cell_id).split())


def run_cell(cell_id: str):
    """The value a code cell of the notebook shows (its last expression), run as the notebook
    runs it, after the lesson's import cell."""
    namespace: dict = {}
    exec(text("03-03"), namespace)
    tree = ast.parse(text(cell_id))
    exec(compile(ast.Module(tree.body[:-1], []), cell_id, "exec"), namespace)
    return eval(compile(ast.Expression(tree.body[-1].value), cell_id, "eval"), namespace)


def plain(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub("<[^>]+>", " ", html)).replace("&nbsp;", " ")


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
    exercise = run_cell("03-19")
    assert exercise.at == {"x": 2.0, "y": 2.0}
    assert book_max_partials(2.0, 2.0) == (0.0, 0.0)  # 1(2 > 2) = 0 for both
    assert exercise.expected == ("none of them",)
    for wrong in (("x", "y"), ("x",), ("y",)):  # both (a half each, or the subgradient 1)
        assert not run_cell("03-19").check(wrong), wrong
    worked = exercise.hints[2]
    assert "whether 2 > 2" in worked and not 2 > 2
    # checkable in the table above it: at (2, 2) the backward pass gives 0 to both inputs
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


# -- the practice as a whole ----------------------------------------------------------------------

def test_the_lesson_has_five_exercises_of_two_kinds_each_after_its_idea_then_progress():
    assert exercise_cells() == EXERCISES
    exercises = [run_cell(c) for c in EXERCISES]
    assert [e.kind for e in exercises] == ["choice", "choice", "choice", "choice", "number"]
    order = CELLS_ORDER
    # max without a tie after its lab; the tie after its table; ReLU after its curve
    assert order.index("03-05") < order.index("03-18") < order.index("03-12")
    assert order.index("03-14") < order.index("03-19") < order.index("03-20") \
        < order.index("03-06")
    assert order.index("03-08") < order.index("03-21") < order.index("03-22") \
        < order.index("03-17")
    assert text(order[-2]).strip() == "## Your progress" and text(order[-1]).strip() == \
        "Progress()"
    progress = Progress(exercises)
    assert progress.count == 5 and progress.solved_count == 0
    for exercise in exercises:
        assert len(exercise.hints) == 3  # a nudge, the rule, the worked step
        answer = exercise.expected if exercise.kind == "choice" else exercise.answer_text
        assert exercise.check(answer) is True
    assert progress.solved_count == 5
    progress.reset()
    assert progress.solved_count == 0


def test_the_exercise_cells_hide_their_code_which_holds_the_hints():
    for cell_id in EXERCISES:
        assert CELLS[cell_id]["metadata"].get("jupyter", {}).get("source_hidden") is True
        first = text(cell_id).splitlines()[0]
        exercise = run_cell(cell_id)
        assert not any(hint[:25] in first for hint in exercise.hints)
        if exercise.kind == "choice" and not exercise.problem.multiple:
            assert exercise.answer_text not in first  # the options are on the next line
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
