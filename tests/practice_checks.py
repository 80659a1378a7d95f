"""The practice checks that lessons 00, 09, 10 and 11 share: every Exercise a notebook makes (read
with ast, made again as written), whether a page shows an exercise's answer, and the lesson's
teacher's notes (a plan, an answer key the checker accepts, every "Try this" answered). Each
lesson's test file calls these from its own small tests."""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Callable
from pathlib import Path

from gradlab.views import Exercise


def exercise_maker(node: ast.AST) -> Callable[..., Exercise] | None:
    """What makes the Exercise if node is a call `Exercise(...)` or `Exercise.kind(...)`."""
    func = getattr(node, "func", None)
    if isinstance(func, ast.Name) and func.id == "Exercise":
        return Exercise
    if (isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name)
            and func.value.id == "Exercise"):
        return getattr(Exercise, func.attr)
    return None


def exercise_calls(code_cells: list[dict]) -> list[tuple[str, Callable[..., Exercise], list,
                                                         dict]]:
    """Every Exercise call of the notebook's code cells, in order: the id of its cell, what
    makes it, and its arguments, read with ast (they are literals, as the worksheets need)."""
    found = []
    for cell in code_cells:
        for node in ast.walk(ast.parse("".join(cell["source"]))):
            maker = exercise_maker(node)
            if maker is not None:
                found.append((cell["id"], maker, [ast.literal_eval(arg) for arg in node.args],
                              {kw.arg: ast.literal_eval(kw.value) for kw in node.keywords}))
    return found


def notebook_exercises(code_cells: list[dict]) -> list[tuple[str, Exercise]]:
    """Every Exercise the notebook's code cells make, in order, with the id of its cell: each
    call read with ast (its arguments are literals) and made again exactly as written."""
    return [(cell_id, maker(*args, **kwargs))
            for cell_id, maker, args, kwargs in exercise_calls(code_cells)]


def answer_forms(exercise: Exercise) -> list[str]:
    """The exercise's answer as a page could print it: a number or vector at a few roundings
    (with its sign), a formula as the checker, summary() and SymPy's LaTeX write it, a choice's
    option (when it is long enough to be told apart from ordinary words)."""
    if exercise.kind == "number":
        v = exercise.expected
        forms = {f"{v:.6g}", f"{v:.4g}", f"{v:.3g}", f"{v:.2f}", f"{v:.3f}"}
        return sorted(forms | ({str(round(v))} if abs(v - round(v)) < 1e-6 else set()))
    if exercise.kind == "vector":
        values = list(exercise.expected.values())
        return sorted({", ".join(format(v, spec) for v in values)
                       for spec in (".6g", ".4g", ".3g", ".2f")})
    if exercise.kind == "formula":
        partial = exercise.expression.partial(exercise.partial)
        return sorted({exercise.answer_text, partial.text, exercise.problem.shown.latex,
                       partial.latex})
    options = exercise.expected if isinstance(exercise.expected, tuple) else (exercise.expected,)
    return [option for option in options if len(option) >= 15]


def shows(text: str, form: str) -> bool:
    """Does text show this answer? A number only as a whole number with its own sign (6 is not
    in 16, 6.5, -6 or 6x; -1 is not in -1.5), ASCII or typeset minus."""
    text, form = text.replace("−", "-"), form.replace("−", "-")
    if re.fullmatch(r"-?[0-9.]+(e-?[0-9]+)?(, -?[0-9.]+(e-?[0-9]+)?)*", form):
        return re.search(r"(?<![\w.\-])" + re.escape(form) + r"(?![\w]|\.\d)", text) is not None
    return form in text


def saved_outputs(code_cells: list[dict]) -> str:
    """Every text the saved notebook shows below its code cells."""
    texts = []
    for cell in code_cells:
        for output in cell.get("outputs", []):
            texts.append("".join(output.get("text", "")))
            for kind, data in output.get("data", {}).items():
                if kind.startswith("text/"):
                    texts.append("".join(data))
    return "\n".join(texts)


def assert_no_answer_shown(code_cells: list[dict], exercises: list[tuple[str, Exercise]],
                           cell_id: str, exercise: Exercise) -> None:
    """No saved output, and no hint or question of the lesson, shows this exercise's answer."""
    outputs = saved_outputs(code_cells)
    for form in answer_forms(exercise):
        assert not shows(outputs, form), (cell_id, form)
        for _, other in exercises:
            for text in (*other.hints, other.question_text):
                assert not shows(text, form), (cell_id, form, text)


def assert_the_leak_check_sees_a_printed_answer(exercises: list[tuple[str, Exercise]]) -> None:
    """The check above is no formality: an output with the answer in it is caught."""
    for _, exercise in exercises:
        forms = answer_forms(exercise)
        assert forms or exercise.kind == "choice", exercise  # only a short option has none
        if forms:
            assert any(shows(f"  gradient = {form}\n", form) for form in forms)
    assert not shows("-6.5 and 16 and 6x", "6") and shows("∂f/∂x = 6", "6")
    assert shows("(−3, −1)", "-3, -1") and not shows("(-13, -1.5)", "-3, -1")


def assert_kinds_and_progress(exercises: list[tuple[str, Exercise]], code_cells: list[dict],
                              markdown_cells: list[dict], minimum: int) -> None:
    kinds = {exercise.kind for _, exercise in exercises}
    assert len(exercises) >= minimum and len(kinds) >= 2
    last_code, last_heading = code_cells[-1], markdown_cells[-1]
    assert "".join(last_code["source"]).strip() == "Progress()"
    assert "".join(last_heading["source"]).startswith("## Your progress")
    assert all(len(exercise.hints) == 3 for _, exercise in exercises)  # nudge, rule, step


# -- the teacher's notes: every exercise in the answer key, with an answer the checker accepts -----

def key_sections(notes: Path) -> dict[str, str]:
    text = notes.read_text()
    parts = re.split(r"^### ", text, flags=re.M)
    return {part.splitlines()[0]: part for part in parts[1:]}


def assert_notes_have_a_plan_and_an_answer_key(notes: Path) -> None:
    text = notes.read_text()
    for heading in ("## Lesson plan", "## Answer key"):
        assert heading in text
    assert "Gradients, Partial Derivatives, and the Chain Rule" in text
    plan = text.split("## Answer key")[0]
    assert re.search(r"\d+ min", plan) and "misconception" in plan.lower()


def assert_every_exercise_in_the_key(notes: Path,
                                     exercises: list[tuple[str, Exercise]]) -> None:
    sections = [body for title, body in key_sections(notes).items()
                if title.startswith("Exercise")]
    assert len(sections) == len(exercises)
    for k, ((cell_id, exercise), body) in enumerate(zip(exercises, sections, strict=True), 1):
        assert body.startswith(f"Exercise {k}:"), body[:40]
        typed = re.search(r"^Answer: `?([^`\n]+)`?", body, flags=re.M).group(1).strip()
        assert exercise.check(typed), (cell_id, typed, exercise.result.message)
        assert exercise.answer_text in body or exercise.kind == "choice", cell_id


def assert_every_try_this_in_the_key(markdown_cells: list[dict], notes: Path) -> None:
    bullets = 0
    for cell in markdown_cells:
        text = "".join(cell["source"])
        for block in re.findall(r"\*\*Try this[^*]*\*\*(.*?)(?:\n\n|\Z)", text, flags=re.S):
            found = len(re.findall(r"^- ", block, flags=re.M))
            bullets += found or 1
    answered = [title for title in key_sections(notes) if title.startswith("Try this")]
    assert bullets >= 1 and len(answered) >= bullets


class PracticeChecks:
    """Every check above as tests, for a lesson's test file to take over with its notebook:
    `class TestPractice(PracticeChecks)` setting `notebook` (its path), `notes` (the teacher's
    notes) and `minimum` (the fewest exercises it may have). Its name does not start with Test,
    so pytest collects it only in a lesson's subclass."""

    notebook: Path
    notes: Path
    minimum: int

    @property
    def code_cells(self) -> list[dict]:
        return notebook_reader(self.notebook)[0]("code")

    @property
    def markdown_cells(self) -> list[dict]:
        return notebook_reader(self.notebook)[0]("markdown")

    @property
    def exercises(self) -> list[tuple[str, Exercise]]:
        return notebook_exercises(self.code_cells)

    def pytest_generate_tests(self, metafunc) -> None:
        """One test per exercise, named by its cell's id."""
        if "exercise" in metafunc.fixturenames:
            metafunc.parametrize("cell_id, exercise", self.exercises,
                                 ids=[cell_id for cell_id, _ in self.exercises])

    def test_no_saved_output_hint_or_question_shows_an_exercises_answer(self, cell_id,
                                                                         exercise):
        assert_no_answer_shown(self.code_cells, self.exercises, cell_id, exercise)

    def test_the_leak_check_would_see_a_printed_answer(self):
        assert_the_leak_check_sees_a_printed_answer(self.exercises)

    def test_at_least_two_kinds_and_progress_at_the_end(self):
        assert_kinds_and_progress(self.exercises, self.code_cells, self.markdown_cells,
                                  self.minimum)

    def test_the_teachers_notes_have_a_plan_and_an_answer_key(self):
        assert_notes_have_a_plan_and_an_answer_key(self.notes)

    def test_every_exercise_is_in_the_answer_key_with_an_answer_the_checker_accepts(self):
        assert_every_exercise_in_the_key(self.notes, self.exercises)

    def test_every_try_this_is_answered_in_the_key(self):
        assert_every_try_this_in_the_key(self.markdown_cells, self.notes)


def exercise_calls_by_cell(cells: list[dict]) -> dict[str, tuple[Callable[..., Exercise], list,
                                                                 dict]]:
    """cell id -> (what makes its Exercise, its arguments, its keywords), for the code cells
    of a notebook's cells, in the lesson's order; a lesson's `made(cell_id)` makes each again,
    fresh, as `maker(*args, **kwargs)`."""
    code = [cell for cell in cells if cell["cell_type"] == "code"]
    return {cell_id: (maker, args, kwargs)
            for cell_id, maker, args, kwargs in exercise_calls(code)}


def notebook_reader(path: Path) -> tuple[Callable[..., list[dict]], Callable[[str], dict],
                                         Callable[[str], str]]:
    """A saved notebook's `cells(kind=None)` (all, or those of a kind), `cell(cell_id)` and
    `source(cell_id)`, each reading the file afresh."""

    def cells(kind: str | None = None) -> list[dict]:
        book = json.loads(path.read_text())
        return [c for c in book["cells"] if kind is None or c["cell_type"] == kind]

    def cell(cell_id: str) -> dict:
        return next(c for c in cells() if c.get("id") == cell_id)

    def source(cell_id: str) -> str:
        return "".join(cell(cell_id)["source"])

    return cells, cell, source


def assert_says_it_is_an_extension(top: str) -> None:
    """The top cell of an optimizers lesson (10, 11) says it goes beyond the chapter."""
    assert "**Extension.**" in top and "beyond the chapter" in top
    assert "chapter on optimizers" in top
