"""What a lesson's page shows a learner, read from its saved notebook, for the lesson tests: its
cells run as the notebook runs them, its exercises, everything readable before an exercise is
answered, and whether that holds an exercise's answer in any of its forms (the answers' own
oracle is SymPy reading the exercise's text, never gradlab). Also the checks every lesson's
practice shares: its exercises then its progress, the exercise cells collapsed, no answer on the
page, and the teacher's notes with every exercise (an answer the checker accepts) and Try this.
"""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path
from tokenize import TokenError

import sympy as sp
from practice_checks import exercise_maker
from sympy.parsing.sympy_parser import (
    convert_xor,
    implicit_multiplication_application,
    parse_expr,
    standard_transformations,
)

ROOT = Path(__file__).resolve().parent.parent
NUMBER_SPECS = ("g", ".2f", ".3f", ".3g", ".4g", ".6g")  # a lesson may add ".1f"
READER = standard_transformations + (implicit_multiplication_application, convert_xor)
x, y, z = sp.symbols("x y z")
NAMES = {"x": x, "y": y, "z": z, "exp": sp.exp}

# how lessons 01 to 03 read their pages: a "Try this" runs up to its "**Check", and a number
# answer is looked for at one decimal too, and as a fraction's denominator
EARLY_READING = {"try_this_ends": "**Check", "denominators": True,
                 "number_specs": ("g", ".1f", ".2f", ".3f", ".3g", ".4g", ".6g")}


class Lesson:
    """A saved lesson notebook: `Lesson("04_gradient", "04-03")` (its import cell's id)."""

    def __init__(self, name: str, import_cell: str, labs: tuple[str, ...],
                 try_this_ends: str = "\n\n", number_specs: tuple[str, ...] = NUMBER_SPECS,
                 denominators: bool = False) -> None:
        self.name = name
        self.path = ROOT / "notebooks" / f"{name}.ipynb"
        self.key = ROOT / "docs" / "teaching" / "lessons" / f"{name}.md"
        self.cells = {cell["id"]: cell for cell in json.loads(self.path.read_text())["cells"]}
        self.order = list(self.cells)
        self.import_cell = import_cell
        self.labs = labs
        self.try_this_ends = try_this_ends  # where a "Try this" paragraph ends
        # how leaks() looks for a number answer: at these roundings, in denominators too?
        self.number_specs, self.denominators = number_specs, denominators

    def text(self, cell_id: str) -> str:
        return "".join(self.cells[cell_id]["source"])

    def words(self, cell_id: str) -> str:
        return " ".join(self.text(cell_id).split())

    def run(self, cell_id: str):
        """The value a code cell shows (its last expression), after the lesson's imports."""
        namespace: dict = {}
        exec(self.text(self.import_cell), namespace)
        tree = ast.parse(self.text(cell_id))
        exec(compile(ast.Module(tree.body[:-1], []), cell_id, "exec"), namespace)
        return eval(compile(ast.Expression(tree.body[-1].value), cell_id, "eval"), namespace)

    def exercise_cells(self) -> list[str]:
        """The code cells that make an Exercise (any kind), in the lesson's order."""
        return [cell_id for cell_id, cell in self.cells.items() if cell["cell_type"] == "code"
                and any(exercise_maker(node) for node in ast.walk(ast.parse(self.text(cell_id))))]

    def lab_cells(self) -> list[str]:
        return [c for c, cell in self.cells.items() if cell["cell_type"] == "code"
                and self.text(c).startswith(self.labs)]

    def saved_outputs(self) -> str:
        texts = []
        for cell in self.cells.values():
            for output in cell.get("outputs", []):
                texts.append("".join(output.get("text", "")))
                for value in output.get("data", {}).values():
                    texts.append("".join(value) if isinstance(value, list) else str(value))
        return "\n".join(texts)

    def prose(self) -> str:
        return "\n".join(self.text(c) for c, cell in self.cells.items()
                         if cell["cell_type"] == "markdown")

    def default_readouts(self) -> str:
        """What each lab shows at its default point, as plain text."""
        shown = []
        for cell_id in self.lab_cells():
            lab = self.run(cell_id)
            for name in ("readout", "summary", "message", "table", "parts_table"):
                widget = getattr(lab, name, None)
                if widget is not None:
                    shown.append(plain(widget.value))
            shown.append(getattr(lab, "readout_text", ""))
            shown += [plain(trace.name or "") for figure in getattr(lab, "figures", [])
                      for trace in figure.data]
        assert shown
        return "\n".join(shown)

    def page_before_answering(self) -> dict[str, str]:
        """Everything a learner can read before answering: saved outputs, prose, the labs'
        readouts at their default points, every hint, and each exercise cell's first line."""
        exercises = [self.run(c) for c in self.exercise_cells()]
        return {"saved outputs": self.saved_outputs(), "prose": self.prose(),
                "readouts": self.default_readouts(),
                "hints": "\n".join(h for e in exercises for h in e.hints),
                "first lines": "\n".join(self.text(c).splitlines()[0]
                                         for c in self.exercise_cells())}

    def try_this(self) -> list[str]:
        """Each "Try this" of the lesson: a bullet of a list, or the whole paragraph."""
        found = []
        for cell_id, cell in self.cells.items():
            if cell["cell_type"] != "markdown" or "**Try this:**" not in self.text(cell_id):
                continue
            body = self.text(cell_id).split("**Try this:**")[1].split(self.try_this_ends)[0]
            bullets = [line for line in body.splitlines() if line.startswith("- ")]
            found += bullets or [body.strip()]
        return found


def plain(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub("<[^>]+>", " ", html)).replace("&nbsp;", " ")


def sympy_of(text: str) -> sp.Expr:
    """An exercise's f, read by SymPy from its text (not by gradlab)."""
    return parse_expr(text, local_dict=dict(NAMES), transformations=READER)


def oracle_formula(exercise) -> sp.Expr:
    """SymPy's partial of the exercise's f."""
    return sp.diff(sympy_of(exercise.expression.text), sp.Symbol(exercise.partial))


def number_texts(value: float, specs: tuple[str, ...] = NUMBER_SPECS) -> set[str]:
    """A number as a page might print it: several roundings, either minus sign, unsigned."""
    texts = set()
    for v in (value, abs(value)):
        for spec in specs:
            shown = format(v, spec)
            texts |= {shown, shown.replace("-", "−")}
    return texts


def shows_number(page: str, shown: str, denominators: bool = False) -> bool:
    """Does the page hold the number as a value: not as part of a longer number, a fraction's
    denominator (1/3: unless denominators), a lesson's number, a coefficient or an exponent
    (5z, x^2, 10^{-5})?"""
    before = r"\d.^" if denominators else r"\d./^"
    pattern = (rf"(?<![{before}])(?<!\^-)(?<!\^{{)(?<!\^{{-)(?<!esson ){re.escape(shown)}"
               r"(?![\d^*a-zA-Z]|\.\d)")
    return re.search(pattern, page) is not None


def shows_answer(text: str, answer: str) -> bool:
    """Does the text contain the answer (a number not as part of a longer number)? For the
    answer texts lessons 06 to 08 list themselves."""
    if re.fullmatch(r"[−-]?\d+(\.\d+)?", answer):
        return re.search(rf"(?<![\d.]){re.escape(answer)}(?![\d])", text) is not None
    return answer in text


UNICODE = (("·", "*"), ("−", "-"), ("²", "^2"), ("³", "^3"), (r"\cdot", "*"), (r"\,", " "),
           (r"\left", ""), (r"\right", ""), (r"\;", " "), ("{", "("), ("}", ")"),
           ("e^", "exp"))


def formula_pieces(page: str) -> list:
    """Every piece of the page between '=', ',', ':', ';' and '$' that reads as a formula in
    x, y, z (and exp), as SymPy reads it."""
    for old, new in UNICODE:
        page = page.replace(old, new)
    pieces = []
    for piece in re.split(r"[=,:;$\n]|\\qquad|\\quad", page):
        piece = piece.strip().rstrip(".")
        if not piece or not re.fullmatch(r"[0-9xyzexp+\-*/^(). ]+", piece) or not re.search(
                "[xyz]", piece):
            continue
        try:
            pieces.append(sympy_of(piece))
        except (SyntaxError, TypeError, ValueError, sp.SympifyError, TokenError):
            continue
    return pieces


def leaks(exercise, page: str, specs: tuple[str, ...] = NUMBER_SPECS,
          denominators: bool = False) -> list[str]:
    """The forms of the exercise's answer that the page shows (a number at these roundings,
    and as a fraction's denominator too if denominators)."""
    found: list[str] = []
    if exercise.kind == "number":
        found = [t for t in number_texts(exercise.expected, specs)
                 if shows_number(page, t, denominators)]
    elif exercise.kind == "vector":
        values = list(exercise.expected.values())
        for spec in ("g", ".1f", ".2f", ".3g"):
            parts = [format(v, spec) for v in values]
            for sep in (", ", ",", " ", "; "):
                for joined in (sep.join(parts), f"({sep.join(parts)})", f"[{sep.join(parts)}]"):
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


def sample_leak(exercise) -> str:
    """A sentence that gives the exercise's answer away, for the check that leaks() can fail."""
    if exercise.kind == "number":
        return f"slope = {exercise.expected:g}."
    if exercise.kind == "vector":
        return "gradient ∇f = (" + ", ".join(f"{v:g}" for v in exercise.expected.values()) + ")"
    if exercise.kind == "formula":
        return f"so $h'(x) = {sp.latex(sp.expand(oracle_formula(exercise)))}$."
    return f"({exercise.answer_text})"


def arithmetic(worked: str) -> float:
    """A hint's worked step such as '3·2² − 2', evaluated by SymPy (not by gradlab)."""
    for old, new in (("·", "*"), ("−", "-"), ("²", "**2"), ("³", "**3")):
        worked = worked.replace(old, new)
    return float(sp.sympify(worked))


def reachable(slider, value: float) -> bool:
    """A learner can put the slider at value: inside its range, on its step."""
    steps = (value - slider.min) / slider.step
    return slider.min <= value <= slider.max and abs(steps - round(steps)) < 1e-9


# -- the practice checks every lesson's test file runs with its own exercises ---------------------

def assert_ends_with_progress(texts: list[str]) -> None:
    """The lesson's cells (their texts, in order) end with its progress."""
    assert texts[-2].strip() == "## Your progress" and texts[-1].strip() == "Progress()"


def assert_progress_counts(exercises: list) -> None:
    """Each exercise has three hints (a nudge, the rule, the worked step) and accepts its own
    answer (a choice also its right options), which Progress counts, until reset."""
    from gradlab.views import Progress

    progress = Progress(exercises)
    assert progress.count == len(exercises) and progress.solved_count == 0
    for exercise in exercises:
        assert len(exercise.hints) == 3  # a nudge, the rule, the worked step
        assert exercise.check(exercise.answer_text) is True
        if exercise.kind == "choice":
            assert exercise.check(exercise.expected) is True
    assert progress.solved_count == len(exercises)
    progress.reset()
    assert progress.solved_count == 0


def assert_exercises_then_progress(lesson: Lesson, cells: list[str], kinds: list[str]) -> None:
    """The lesson makes these exercises (of these kinds) in this order, ends with its progress,
    and each exercise passes assert_progress_counts. Each lesson checks where each exercise
    stands itself."""
    assert lesson.exercise_cells() == cells
    exercises = [lesson.run(c) for c in cells]
    assert [e.kind for e in exercises] == kinds
    assert_ends_with_progress([lesson.text(c) for c in lesson.order])
    assert_progress_counts(exercises)


def assert_cells_hide_their_code(cells: dict[str, dict], exercises: dict[str, object],
                                 answer_texts=None, shows=None) -> None:
    """Each exercise cell's code (which holds the hints) is collapsed and its saved output says
    to run it; its first line, shown when collapsed, holds no hint, no single choice's answer
    (nor, given answer_texts and shows, any of the exercise's answer texts) and, for an
    exercise made from a formula, nothing but its maker: the formula can be the very computation
    asked for (a descent step's x - 0.1*2*x, a difference quotient); it is at most three
    lines."""
    for cell_id, exercise in exercises.items():
        cell = cells[cell_id]
        source = "".join(cell["source"])
        assert cell["metadata"].get("jupyter", {}).get("source_hidden") is True
        assert "".join(cell["outputs"][0]["data"]["text/plain"]).strip() == \
            f"Exercise ({exercise.kind}): run the cell to answer it"
        first = source.splitlines()[0]
        assert not any(hint[:25] in first for hint in exercise.hints), cell_id
        if exercise.kind == "choice" and not exercise.problem.multiple:
            assert exercise.answer_text not in first  # the options are on the next line
        if getattr(exercise, "expression", None) is not None:
            assert re.fullmatch(r"Exercise(\.\w+)?\(", first), (cell_id, first)
        if answer_texts is not None:
            assert not any(shows(first, answer) for answer in answer_texts(exercise)), cell_id
        assert len([line for line in source.splitlines() if line.strip()]) <= 3


def assert_exercise_cells_hide_their_code(lesson: Lesson, cells: list[str]) -> None:
    assert_cells_hide_their_code(lesson.cells, {c: lesson.run(c) for c in cells})


def assert_no_answer_before_answering(lesson: Lesson, cells: list[str]) -> None:
    """No exercise's answer is on the page before the learner answers (leaks()), nothing is
    printed at an exercise's point and no lab of the exercise's f opens at its point."""
    page = lesson.page_before_answering()
    for cell_id in cells:
        exercise = lesson.run(cell_id)
        for where, shown in page.items():
            found = leaks(exercise, shown, lesson.number_specs, lesson.denominators)
            assert not found, (cell_id, where, found)
        if exercise.at is None:
            continue
        point = ", ".join(f"{k} = {v:g}" for k, v in exercise.at.items())
        assert f"at {point}:" not in page["saved outputs"], cell_id
        for lab_id in lesson.lab_cells():
            lab = lesson.run(lab_id)
            source = getattr(lab, "expression", None) or lab.source.expression
            if source.text == exercise.expression.text:
                default = {k: float(s.value) for k, s in lab.sliders.items()}
                assert default != exercise.at, (cell_id, lab_id)


def assert_the_leak_check_finds_each_answer(lesson: Lesson, cells: list[str]) -> None:
    """The check above can fail: it finds each exercise's answer where it is written (a
    formula also as SymPy's LaTeX fraction form and factored)."""
    for cell_id in cells:
        exercise = lesson.run(cell_id)
        if exercise.kind == "choice" and exercise.problem.multiple:
            continue  # several right options: no one sentence gives them away
        assert leaks(exercise, sample_leak(exercise), lesson.number_specs,
                     lesson.denominators), cell_id
        if exercise.kind == "formula":
            target = oracle_formula(exercise)
            assert leaks(exercise, f"so $\\frac{{\\partial f}}{{\\partial v}} = "
                                   f"{sp.latex(sp.expand(target))}$."), cell_id
            assert leaks(exercise, f"∂f/∂v = {sp.factor(target)} = 3"), cell_id


def assert_key_answers(key: str, exercises: list) -> None:
    """The teacher's notes (key: their text) have a plan and an answer key, name the chapter,
    and give every exercise, in order, an answer the checker accepts (a choice's right option
    to the letter)."""
    assert "## Lesson plan" in key and "## Answer key" in key
    assert "Gradients, Partial Derivatives, and the Chain Rule" in " ".join(key.split())
    entries = re.findall(r"^### Exercise (\d+): .+\n+Answer: (.+)$", key, flags=re.M)
    assert [int(k) for k, _ in entries] == list(range(1, len(exercises) + 1))
    for k, ((_, answer), exercise) in enumerate(zip(entries, exercises, strict=True), 1):
        typed = answer.strip().strip("`")
        if exercise.kind == "choice":
            assert typed == exercise.answer_text, k
        else:
            assert exercise.problem.check(typed).correct, (k, typed)


def assert_the_key_has_every_exercise_and_try_this(lesson: Lesson, cells: list[str],
                                                   try_this: int) -> str:
    """assert_key_answers for the lesson's exercises, and a section per "Try this". Returns the
    key's text, for the numbers each lesson's key states."""
    key = lesson.key.read_text()
    assert_key_answers(key, [lesson.run(c) for c in cells])
    assert len(re.findall(r"^### Try this: ", key, flags=re.M)) == len(lesson.try_this()) \
        == try_this
    return key


class PageChecks:
    """The shared checks above as tests, for a lesson's test file to take over with its lesson:
    `class TestPage(PageChecks)` setting `lesson`, `exercises` (the cells that make them, in
    order) and `try_this` (how many the lesson has); a lesson adds its own claims by
    overriding a test and calling super(). Its name does not start with Test, so pytest
    collects it only in a lesson's subclass."""

    lesson: Lesson
    exercises: list[str]
    try_this: int

    def test_the_exercise_cells_hide_their_code_which_holds_the_hints(self):
        assert_exercise_cells_hide_their_code(self.lesson, self.exercises)

    def test_no_answer_is_on_the_page_before_the_learner_answers(self):
        assert_no_answer_before_answering(self.lesson, self.exercises)

    def test_the_leak_check_finds_an_answer_in_each_form(self):
        """The check above can fail: it finds each exercise's answer where it is written."""
        assert_the_leak_check_finds_each_answer(self.lesson, self.exercises)

    def test_the_teachers_notes_have_every_exercise_with_the_cores_answer_and_each_try(self):
        assert_the_key_has_every_exercise_and_try_this(self.lesson, self.exercises,
                                                       self.try_this)
