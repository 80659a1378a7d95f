"""The lessons' exercises for the teacher's kit: read them from the notebooks, answer them with
gradlab's core, and write an nbgrader course folder from them and keep the answer key in step.

    .venv/bin/python tools/course.py                  # the lessons, goals, exercises, answers
    .venv/bin/python tools/course.py --assignments    # nbgrader 0.9 course: make assignments
    .venv/bin/python tools/course.py --key            # make answer-key-skeleton

The answer key has one home: the "## Answer key" section of each lesson's teacher's notes,
docs/teaching/lessons/NN_name.md (beside its lesson plan and its "Try this" answers). `--key`
rewrites there each exercise's number, answer and question from the notebook, keeps every
reasoning and everything else a teacher wrote, and writes docs/teaching/answers.md, the index of
the notes.

An exercise is found in a notebook's code cells as a call `Exercise(...)`, `Exercise.formula(...)`,
`Exercise.gradient(...)`, `Exercise.choice(...)` or `Exercise.which_inputs(...)`, read with
Python's `ast`: nothing of a notebook is run, only literal arguments are read
(ast.literal_eval), and any other argument is an error that names the notebook and the cell. The
right answer is then the one a learner's widget holds: the Exercise is made from the same
arguments (never displayed), so the core computes .expected and .answer_text exactly as in the
lesson, and the question is the text the learner reads.
"""

from __future__ import annotations

import argparse
import ast
import inspect
import json
import os
import re
import sys
import textwrap
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
NOTEBOOKS = REPO / "notebooks"
NOTES = REPO / "docs" / "teaching" / "lessons"  # NN_name.md: the notes of notebooks/NN_name.ipynb
INDEX = REPO / "docs" / "teaching" / "answers.md"  # the notes' index
ASSIGNMENTS = REPO / "build" / "assignments"
COURSE_ID = "gradlab"

# Exercise(...) makes a number exercise; Exercise.<maker>(...) the other kinds
KINDS = {"Exercise": "number", "formula": "formula", "gradient": "vector", "choice": "choice",
         "which_inputs": "choice"}
KIND_NAMES = {"number": "a number", "formula": "a formula", "vector": "the gradient",
              "choice": "a choice"}
DEFAULT_TOLERANCE = 1e-3
PLACEHOLDER = "(to be written)"


class CourseError(ValueError):
    """An exercise that cannot be read or made, named by its notebook and cell."""


# -- reading the notebooks -----------------------------------------------------------------------

@dataclass(frozen=True)
class Spec:
    """One exercise as a notebook writes it: `maker(*args, **kwargs)`, literal arguments only."""

    lesson: str  # the notebook's name without .ipynb, e.g. 01_partial_derivatives
    index: int  # 1, 2, ... in the order of the lesson
    maker: str  # Exercise, formula, gradient, choice or which_inputs
    args: tuple
    kwargs: dict
    cell: str  # the cell's id (its position when the notebook has no ids)
    call: int  # 1, 2, ... among the exercises of that cell
    source: str  # the call's text

    @property
    def kind(self) -> str:
        """number, formula, vector or choice (which_inputs is a choice)."""
        return KINDS[self.maker]

    @property
    def id(self) -> str:
        """lesson/cell/call: stable while the cell keeps its id (the answer key's anchor)."""
        return f"{self.lesson}/{self.cell}/{self.call}"

    @property
    def where(self) -> str:
        return f"{self.lesson}.ipynb, cell {self.cell}"


@dataclass
class Lesson:
    """A notebook: its name, number, title, learning goal and exercises (in order)."""

    name: str
    number: int | None
    title: str
    goal: str
    path: Path
    exercises: list[Spec] = field(default_factory=list)


def _maker(call: ast.Call) -> str | None:
    """Which kind of exercise a call makes: Exercise(...), x.Exercise(...), Exercise.formula(...)"""
    func = call.func
    named = (func.id if isinstance(func, ast.Name) else
             func.attr if isinstance(func, ast.Attribute) else None)
    if named == "Exercise":
        return "Exercise"
    if isinstance(func, ast.Attribute) and func.attr in KINDS and func.attr != "Exercise":
        owner = func.value
        owner_name = (owner.id if isinstance(owner, ast.Name) else
                      owner.attr if isinstance(owner, ast.Attribute) else None)
        if owner_name == "Exercise":
            return func.attr
    return None


def _literal(node: ast.expr, what: str, where: str, text: str) -> Any:
    try:
        return ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        raise CourseError(f"{where}: {what} of `{text}` is not a literal "
                          f"({ast.unparse(node)}); tools/course.py reads exercises without "
                          "running the notebook, so write the value itself") from None


def _without_magics(source: str) -> str:
    """IPython lines (%magic, !shell) blanked, so `ast` can read the rest of a cell."""
    return "\n".join("" if line.lstrip().startswith(("%", "!")) else line
                     for line in source.splitlines())


def exercise_calls(source: str, where: str) -> list[tuple[str, tuple, dict, str]]:
    """The exercises a cell makes, in the order written: (maker, args, kwargs, call text)."""
    if "Exercise" not in source:
        return []
    try:
        tree = ast.parse(_without_magics(source))
    except SyntaxError as error:
        raise CourseError(f"{where}: the cell cannot be read ({error.msg}, line "
                          f"{error.lineno})") from None
    calls = sorted((node for node in ast.walk(tree) if isinstance(node, ast.Call)
                    and _maker(node)), key=lambda node: (node.lineno, node.col_offset))
    found = []
    for call in calls:
        maker = _maker(call)
        text = ast.unparse(call)
        if any(isinstance(arg, ast.Starred) for arg in call.args) or any(
                keyword.arg is None for keyword in call.keywords):
            raise CourseError(f"{where}: `{text}` unpacks arguments (* or **); write them out")
        args = tuple(_literal(arg, f"argument {i + 1}", where, text)
                     for i, arg in enumerate(call.args))
        kwargs = {keyword.arg: _literal(keyword.value, f"argument `{keyword.arg}`", where, text)
                  for keyword in call.keywords}
        found.append((maker, args, kwargs, text))
    return found


def _source(cell: dict) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else source


def read_lesson(path: Path) -> Lesson:
    """A notebook's title (its first heading), learning goal (the paragraph that starts with
    "**Learning goal:**") and exercises."""
    notebook = json.loads(Path(path).read_text(encoding="utf-8"))
    name = Path(path).stem
    match = re.match(r"\d+", name)
    lesson = Lesson(name, int(match.group()) if match else None, name, "", Path(path))
    for position, cell in enumerate(notebook.get("cells", [])):
        source = _source(cell)
        if cell.get("cell_type") == "markdown":
            if lesson.title == name:
                heading = re.search(r"^#+\s+(.+)$", source, re.MULTILINE)
                if heading:
                    lesson.title = heading.group(1).strip()
            if not lesson.goal:
                goal = re.search(r"\*\*Learning goal:?\*\*:?\s*(.+?)(?:\n\s*\n|\Z)", source,
                                 re.DOTALL)
                if goal:
                    lesson.goal = " ".join(goal.group(1).split())
        elif cell.get("cell_type") == "code":
            cell_id = str(cell.get("id") or position)
            where = f"{name}.ipynb, cell {cell_id}"
            for call, (maker, args, kwargs, text) in enumerate(exercise_calls(source, where), 1):
                lesson.exercises.append(Spec(name, len(lesson.exercises) + 1, maker, args,
                                             kwargs, cell_id, call, text))
    return lesson


def lessons(folder: Path = NOTEBOOKS) -> list[Lesson]:
    """Every notebook of `folder` (NN_name.ipynb), in order."""
    return [read_lesson(path) for path in sorted(Path(folder).glob("*.ipynb"))]


# -- answering them with the core ----------------------------------------------------------------

@dataclass
class Built:
    """An exercise made as the lesson makes it: the question the learner reads, the core's
    answer (answer_text as a learner types it; solution as a Python value for an assignment's
    `answer = ...`) and the arguments that make its checker (`arguments`, defaults filled in)."""

    spec: Spec
    exercise: Any  # gradlab.views.Exercise, never displayed
    arguments: dict

    @property
    def kind(self) -> str:
        return self.exercise.kind

    @property
    def problem(self) -> Any:
        """The gradlab.exercises problem that judges answers (.check)."""
        return self.exercise.problem

    @property
    def question(self) -> str:
        return self.exercise.question_text

    @property
    def answer_text(self) -> str:
        return self.exercise.answer_text

    @property
    def options(self) -> tuple[str, ...]:
        return getattr(self.problem, "options", ())

    @property
    def multiple(self) -> bool:
        return bool(getattr(self.problem, "multiple", False))

    @property
    def solution(self) -> Any:
        """The answer as a learner would assign it: a number, a formula's text, a list of
        numbers (a gradient), an option's text or a list of options."""
        if self.kind == "number":
            short = ast.literal_eval(self.answer_text)  # 6 significant digits
            return short if self.problem.check(short).correct else float(self.problem.expected)
        if self.kind == "vector":
            from gradlab.exercises.answers import show
            short = [ast.literal_eval(show(value)) for value in self.problem.expected.values()]
            return (short if self.problem.check(short).correct else
                    [float(value) for value in self.problem.expected.values()])
        if self.kind == "choice" and self.multiple:
            return list(self.problem.expected)
        return self.answer_text

    def checker(self, answer: str) -> str:
        """Python that judges the variable `answer` with gradlab's checker (a Result)."""
        a = self.arguments
        tolerance = ("" if a.get("tolerance", DEFAULT_TOLERANCE) == DEFAULT_TOLERANCE else
                     f", tolerance={a['tolerance']!r}")
        if self.spec.maker == "Exercise":
            partial = "" if a["partial"] is None else f", partial={a['partial']!r}"
            return (f"gradlab.exercises.check_number({a['expression']!r}, {a['at']!r}, {answer}"
                    f"{partial}{tolerance})")
        if self.spec.maker == "formula":
            return (f"gradlab.exercises.check_formula({a['expression']!r}, {a['partial']!r}, "
                    f"{answer})")
        if self.spec.maker == "gradient":
            return (f"gradlab.exercises.check_vector({a['expression']!r}, {a['at']!r}, {answer}"
                    f"{tolerance})")
        if self.spec.maker == "which_inputs":
            return (f"gradlab.exercises.which_inputs({a['expression']!r}, {a['at']!r})"
                    f".check({answer})")
        right = list(self.problem.expected) if self.multiple else self.problem.expected
        return f"gradlab.exercises.check_choice({list(self.options)!r}, {right!r}, {answer})"


def build(spec: Spec) -> Built:
    """Make the exercise from its literal arguments as the notebook does (gradlab.views.Exercise,
    not displayed): the core computes its answer."""
    from gradlab.views import Exercise

    target = Exercise if spec.maker == "Exercise" else getattr(Exercise, spec.maker)
    signature = inspect.signature(Exercise.__init__ if spec.maker == "Exercise" else target)
    try:
        bound = (signature.bind(None, *spec.args, **spec.kwargs) if spec.maker == "Exercise"
                 else signature.bind(*spec.args, **spec.kwargs))
    except TypeError as error:
        raise CourseError(f"{spec.where}: `{spec.source}`: {error}") from None
    bound.apply_defaults()
    arguments = {name: value for name, value in bound.arguments.items() if name != "self"}
    try:
        exercise = target(*spec.args, **spec.kwargs)
    except (ValueError, TypeError) as error:
        raise CourseError(f"{spec.where}: `{spec.source}` cannot be made: {error}") from None
    return Built(spec, exercise, arguments)


def built_lessons(folder: Path = NOTEBOOKS) -> list[tuple[Lesson, list[Built]]]:
    """Every lesson with its exercises made (answers computed by the core)."""
    return [(lesson, [build(spec) for spec in lesson.exercises]) for lesson in lessons(folder)]


# -- nbgrader assignments --------------------------------------------------------------------------

NBGRADER_CONFIG = '''\
# nbgrader's settings for the gradlab course folder, written once by `make assignments` (edit
# freely: it is not rewritten). nbgrader reads this file from the folder it is run in.
c = get_config()  # noqa: F821 (nbgrader defines get_config)
c.CourseDirectory.course_id = "{course_id}"
'''

HOW_TO_ANSWER = {
    "number": "a number, e.g. `answer_{n} = 2.5` (arithmetic such as `3/4` is read too)",
    "formula": "a formula as text in the function's variables: `x^2` for $x^2$, `2*x` or `2x`, "
               "e.g. `answer_{n} = \"...\"`",
    "vector": "the gradient as a list of numbers, one per input in the order the question "
              "lists them, e.g. `answer_{n} = [1, 2.5, -3]`",
    "choice": "one of the options, as text in quotes",
    "choices": "a list of every option that is right, each as text in quotes",
}


def _nbgrader(grade_id: str, *, solution: bool = False, grade: bool = False,
              points: float = 0) -> dict:
    meta = {"grade": grade, "grade_id": grade_id, "locked": not solution, "schema_version": 3,
            "solution": solution, "task": False}
    if grade:
        meta["points"] = points
    return {"nbgrader": meta}


def _cell(kind: str, cell_id: str, source: str, metadata: dict) -> dict:
    cell = {"cell_type": kind, "id": cell_id, "metadata": metadata, "source": source}
    if kind == "code":
        cell.update(execution_count=None, outputs=[])
    return cell


def _options_text(options: Sequence[str]) -> str:
    return ", ".join(f"`{option!r}`" for option in options)


def assignment_notebook(title: str, goal: str, builts: Sequence[Built],
                        points: float = 1) -> dict:
    """One nbgrader source notebook: per exercise the question (markdown), a solution cell
    (`answer_n = ...` between ### BEGIN SOLUTION / ### END SOLUTION, which nbgrader's
    generate_assignment replaces by a stub) and a read-only test cell worth `points`. The
    visible test only checks that the answer can be read; whether it is right is checked in a
    hidden test (kept out of the students' copy, run by nbgrader's autograde), which calls
    gradlab's checker. Each answer has its own name, so a missing answer never borrows one."""
    intro = [f"# {title}: exercises", ""]
    if goal:
        intro += [f"**Learning goal:** {goal}", ""]
    intro += ["Answer each exercise in the cell below it: replace `# YOUR CODE HERE` and "
              "`raise NotImplementedError()` with `answer_1 = ...` (`answer_2`, ... for the "
              "next ones), then run that cell and the test below it. The test tells you when "
              "an answer cannot be read (a formula where a number is asked, a typo); whether "
              "it is right is graded after you hand the notebook in.",
              "", f"Each exercise is worth {points:g} point{'s' if points != 1 else ''}."]
    cells = [_cell("markdown", "intro", "\n".join(intro), _nbgrader("intro")),
             _cell("code", "setup", "import gradlab.exercises", _nbgrader("setup"))]
    for n, built in enumerate(builts, start=1):
        name = f"answer_{n}"
        how = ("choices" if built.multiple else built.kind)
        question = [f"**Exercise {n}** ({KIND_NAMES[built.kind]}). {_markdown(built.question)}"]
        if built.kind == "choice":
            question.append(f"Options: {_options_text(built.options)}.")
        question.append(f"Answer with {HOW_TO_ANSWER[how].format(n=n)}.")
        cells.append(_cell("markdown", f"ex{n}-question", "\n\n".join(question),
                           _nbgrader(f"ex{n}-question")))
        solution = (f"### BEGIN SOLUTION\n{name} = {built.solution!r}\n### END SOLUTION")
        cells.append(_cell("code", f"ex{n}-answer", solution,
                           _nbgrader(f"ex{n}-answer", solution=True)))
        cells.append(_cell("code", f"ex{n}-test", _test_source(built, name),
                           _nbgrader(f"ex{n}-test", grade=True, points=points)))
    return {"cells": cells, "metadata": {
        "kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python",
                       "name": "python3"},
        "language_info": {"name": "python"}}, "nbformat": 4, "nbformat_minor": 5}


def _test_source(built: Built, name: str) -> str:
    """The test cell: readable (visible), right (hidden, with gradlab's checker)."""
    if built.spec.maker == "choice":  # its checker names the right option: all of it hidden
        options = list(built.options)
        visible = ([f"assert all(option in {options!r} for option in {name}), "
                    f"\"{name} must be a list of the options, each as text\""]
                   if built.multiple else
                   [f"assert {name} in {options!r}, \"{name} must be one of the options, "
                    "as text\""])
        hidden = [f"result = {built.checker(name)}", "assert result.correct, result.message"]
    else:
        visible = [f"result = {built.checker(name)}",
                   "assert result.understood, result.message  # your answer can be read"]
        hidden = ["assert result.correct, result.message"]
    return "\n".join([*visible, "### BEGIN HIDDEN TESTS", *hidden, "### END HIDDEN TESTS"])


def write_assignments(root: Path, course: Iterable[tuple[Lesson, Sequence[Built]]],
                      points: float = 1) -> list[Path]:
    """An nbgrader course folder at `root`: nbgrader_config.py (written once) and
    source/<lesson>/<lesson>.ipynb for every lesson with exercises (rewritten)."""
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    config = root / "nbgrader_config.py"
    if not config.exists():
        config.write_text(NBGRADER_CONFIG.format(course_id=COURSE_ID), encoding="utf-8")
    written = []
    for lesson, builts in course:
        if not builts:
            continue
        path = root / "source" / lesson.name / f"{lesson.name}.ipynb"
        path.parent.mkdir(parents=True, exist_ok=True)
        notebook = assignment_notebook(lesson.title, lesson.goal, builts, points)
        path.write_text(json.dumps(notebook, indent=1, ensure_ascii=False) + "\n",
                        encoding="utf-8")
        written.append(path)
    return written


# -- the answer key: the "## Answer key" section of each lesson's teacher's notes ----------------

KEY_HEADING = "## Answer key"
KIND_ASKED = {"number": "a number", "formula": "a formula", "vector": "a vector",
              "choice": "a choice"}
KEY_COMMENT = """\
<!-- The exercises' entries are kept in step with the notebook by `make answer-key-skeleton`
(tools/course.py --key): it rewrites each entry's number, its Answer line (the core's answer) and
its Question line (the text the learner reads), matched by the "exercise:" comment above its
heading, and keeps every other line. An entry written without that comment is matched by its
number. -->"""
GONE = "Not in the notebook any more"
WIDTH = 100  # the notes' lines are wrapped at 100 characters
TO_CHECK = "**To check:**"

_MARKER = re.compile(r"^<!--\s*exercise:\s*(\S+)\s*-->\s*$")
_NUMBERED = re.compile(r"^### Exercise (\d+):\s*(.*)$")
_ANSWER_LINE = re.compile(r"^Answer:\s*(.*?)\s*$")
_QUESTION_LINE = re.compile(r"^Question \([^)]*\):")
_CHECK_LINE = re.compile(r"^" + re.escape(TO_CHECK) + r" .*?`(?P<answer>[^`]*)`")
_FENCE = ("```", "~~~")


def _markdown(text: str) -> str:
    """Text for markdown: * and _ outside $...$ escaped (x^2*y must not turn into italics)."""
    parts = re.split(r"(\$[^$]*\$)", text)
    return "".join(part if part.startswith("$") and part.endswith("$") and len(part) > 1
                    else re.sub(r"([*_])", r"\\\1", part) for part in parts)


def _trimmed(lines: Sequence[str]) -> list[str]:
    """The lines without the blank lines at either end."""
    text = "\n".join(lines).strip("\n")
    return text.splitlines() if text.strip() else []


def notes_path(lesson: Lesson, folder: Path = NOTES) -> Path:
    """The teacher's notes of a lesson: docs/teaching/lessons/<notebook's name>.md."""
    return Path(folder) / f"{lesson.name}.md"


@dataclass
class _Entry:
    """A ### block of an answer key. For an exercise's entry (an "exercise:" marker or a
    "### Exercise k:" heading): its marker's id, number, short question (the heading's text),
    the answer its Answer line gives, the answer a "To check" line names, and the rest of its
    lines: the reasoning, kept as written."""

    lines: list[str]
    id: str | None = None
    number: int | None = None
    title: str = ""
    answer: str | None = None
    check_for: str | None = None
    reasoning: list[str] = field(default_factory=list)

    @property
    def is_exercise(self) -> bool:
        return self.id is not None or self.number is not None

    @property
    def written(self) -> bool:
        """Whether its reasoning is written (not empty, not the placeholder)."""
        text = "\n".join(self.reasoning).strip()
        return bool(text) and text != PLACEHOLDER


def _entry(lines: list[str]) -> _Entry:
    entry = _Entry(lines)
    heading = next((line for line in lines if line.startswith("### ")), "")
    marker = _MARKER.match(lines[0])
    numbered = _NUMBERED.match(heading)
    entry.id = marker.group(1) if marker else None
    entry.number = int(numbered.group(1)) if numbered else None
    entry.title = (numbered.group(2) if numbered else heading[4:]).strip()
    if not entry.is_exercise:
        return entry
    rest: list[str] = []
    in_question = False
    for line in lines[lines.index(heading) + 1 if heading else 1:]:
        if in_question and line.strip():
            continue  # a Question line wrapped by hand
        in_question = False
        answer, check = _ANSWER_LINE.match(line), _CHECK_LINE.match(line)
        if answer and entry.answer is None and not any(x.strip() for x in rest):
            entry.answer = answer.group(1).strip("`")
        elif _QUESTION_LINE.match(line) and not any(x.strip() for x in rest):
            in_question = True
        elif check and entry.check_for is None:
            entry.check_for = check.group("answer")
        else:
            rest.append(line)
    entry.reasoning = _trimmed(rest)
    return entry


def _blocks(lines: Sequence[str]) -> tuple[list[str], list[_Entry]]:
    """An answer key section's lines (after its heading) as the lines before its first entry
    and its entries: each starts at a ### heading, or at an "exercise:" marker with its heading
    on the next line. Headings inside fenced code do not count."""
    head: list[str] = []
    blocks: list[list[str]] = []
    fenced = False
    for line in lines:
        starts = not fenced and (bool(_MARKER.match(line)) or line.startswith("### "))
        if line.lstrip().startswith(_FENCE):
            fenced = not fenced
        joins = (line.startswith("### ") and blocks and _MARKER.match(blocks[-1][0])
                 and not any(x.strip() for x in blocks[-1][1:]))
        if starts and not joins:
            blocks.append([line])
        elif blocks:
            blocks[-1].append(line)
        else:
            head.append(line)
    return head, [_entry(block) for block in blocks]


def _key_span(lines: Sequence[str]) -> tuple[int, int] | None:
    """Where the "## Answer key" section is: the index of its heading and of the line after it
    ends (the next # or ## heading, or the end); None when the notes have none."""
    start = next((i for i, line in enumerate(lines)
                  if re.match(re.escape(KEY_HEADING) + r"\b", line)), None)
    if start is None:
        return None
    fenced = False
    for i in range(start + 1, len(lines)):
        if lines[i].lstrip().startswith(_FENCE):
            fenced = not fenced
        elif not fenced and re.match(r"#{1,2} ", lines[i]):
            return start, i
    return start, len(lines)


def _still_right(built: Built, answer: str | None) -> bool:
    """Whether an entry's old Answer is still the exercise's answer: the same text, or (not for
    a choice) an answer the checker accepts, such as another form of the same formula."""
    if answer is None or answer == built.answer_text:
        return True
    if built.kind == "choice":
        return False
    try:
        return bool(built.problem.check(answer).correct)
    except (ValueError, TypeError, ArithmeticError):
        return False


def _wrapped(text: str) -> list[str]:
    """`text` wrapped at WIDTH characters, never inside `code` or $maths$."""
    keep = "\x00"  # stands for a space that must not break a line
    text = re.sub(r"`[^`]*`|\$[^$]*\$", lambda span: span.group().replace(" ", keep), text)
    # nor before what would start a list, a heading or a quote at the start of a line
    text = re.sub(r" (?=[-+*#>=|]|\d+[.)](?:\s|$))", keep, text)
    return [line.replace(keep, " ") for line in textwrap.wrap(
        text, width=WIDTH, break_long_words=False, break_on_hyphens=False)]


def _exercise_entry(built: Built, old: _Entry | None) -> list[str]:
    """An exercise's entry: its marker, "### Exercise k: <short question>", the core's answer,
    the question the learner reads (a choice's options listed under it), then the reasoning
    (kept from `old`)."""
    question = " ".join(_markdown(built.question).split())
    asked = "a choice of several" if built.multiple else KIND_ASKED[built.kind]
    title = old.title if old is not None and old.title else question
    lines = [f"<!-- exercise: {built.spec.id} -->", f"### Exercise {built.spec.index}: {title}",
             "", f"Answer: `{built.answer_text}`", "",
             *_wrapped(f"Question ({asked}): {question}"),
             *(f"- `{option}`" for option in (built.options if built.kind == "choice" else ())),
             ""]
    if old is None or not old.written:
        return [*lines, PLACEHOLDER, ""]
    check_for = old.check_for
    if check_for is None and not _still_right(built, old.answer):
        check_for = old.answer
    if check_for is not None:
        lines += [f"{TO_CHECK} this reasoning was written for the answer `{check_for}`: "
                  "check it against the Answer above, then delete this line.", ""]
    return [*lines, *old.reasoning, ""]


def _gone_entry(entry: _Entry) -> list[str]:
    """An entry whose exercise the notebook no longer has, kept for a teacher to move."""
    was = entry.id or f"Exercise {entry.number}, written without its marker"
    lines = [f"### {GONE}: {entry.title}", "", f"<!-- was exercise: {was} -->", "",
             "This entry's exercise is no longer in the notebook (or its cell got another id). "
             "Move what is worth keeping to the exercise's entry, then delete this one; "
             "tests/test_answer_key.py fails while it is here.", ""]
    if entry.answer is not None:
        lines += [f"The answer was `{entry.answer}`.", ""]
    return [*lines, *entry.reasoning, ""]


def key_section(lesson: Lesson, builts: Sequence[Built], old: Sequence[str] = ()) -> list[str]:
    """A lesson's "## Answer key" section (its lines after the heading): the lines before its
    first entry, then an entry per exercise in the notebook's order (see _exercise_entry), then
    every other entry of `old` as written ("Try this" answered, notes), then the entries whose
    exercise is gone. An old entry is matched by its marker's id, else (written without one) by
    its number "### Exercise k:"."""
    head, entries = _blocks(old)
    ids = {built.spec.id for built in builts}
    matched: dict[str, _Entry] = {}
    gone: list[_Entry] = []
    for entry in entries:  # marked entries first: a marker is the surer match
        if entry.id is None:
            continue
        if entry.id in ids and entry.id not in matched:
            matched[entry.id] = entry
        else:
            gone.append(entry)
    for entry in entries:
        if entry.id is None and entry.number is not None:
            spec_id = (builts[entry.number - 1].spec.id if 1 <= entry.number <= len(builts)
                       else None)
            if spec_id is not None and spec_id not in matched:
                matched[spec_id] = entry
            else:
                gone.append(entry)
    head = _trimmed(head)
    if not any("make answer-key-skeleton" in line for line in head if "<!--" in line):
        head = [*KEY_COMMENT.splitlines(), *([""] if head else []), *head]
    out = [*head, ""]
    for built in builts:
        out += _exercise_entry(built, matched.get(built.spec.id))
    for entry in entries:
        if not entry.is_exercise:
            out += [*_trimmed(entry.lines), ""]
    for entry in gone:
        if entry.written:  # an entry with no reasoning yet is no loss
            out += _gone_entry(entry)
    return _trimmed(out)


def notes_text(lesson: Lesson, builts: Sequence[Built], old: str) -> str:
    """The teacher's notes `old` with their "## Answer key" section in step with the lesson's
    exercises (key_section); everything before and after the section is kept as written. Notes
    without the section get it at their end."""
    lines = old.splitlines()
    span = _key_span(lines)
    if span is None:
        before, heading, section, after = lines, KEY_HEADING, [], []
    else:
        start, end = span
        before, heading, section, after = (lines[:start], lines[start], lines[start + 1:end],
                                           lines[end:])
    out = [*_trimmed(before), "", heading, "", *key_section(lesson, builts, section)]
    if _trimmed(after):
        out += ["", *_trimmed(after)]
    return "\n".join(out) + "\n"


INDEX_TEXT = """\
# Answer key

The answer key lives in each lesson's teacher's notes, in their "## Answer key" section: every
checked exercise of the lesson, with the answer gradlab's core computes, the question the learner
reads and the reasoning a teacher would say aloud, then each "Try this" of the lesson answered.
The notes start with the lesson plan.

{lessons}

`make answer-key-skeleton` (`tools/course.py --key`) keeps the notes in step with the notebooks
and writes this page. In each lesson's answer key it rewrites every exercise's number, its
`Answer:` line (the core's answer) and its `Question (...):` line from the notebook, adds an
entry for an exercise that has none (its reasoning "{placeholder}"), and keeps every other line:
the reasoning, the "Try this" answers, the lesson plan. An entry is matched to its exercise by
the hidden "exercise:" comment above its heading (the lesson, the notebook cell's id and the
exercise's place in that cell). When an exercise's answer changes, its reasoning is kept under a
"To check:" line until a teacher checks it and deletes that line; an entry whose exercise is
gone is kept under "### Not in the notebook any more: ...". `tests/test_answer_key.py` fails
while an exercise has no entry, another answer than the core's or no reasoning yet, and while
such a line is left.
"""


def index_text(course: Sequence[tuple[Lesson, Sequence[Built]]], folder: Path = NOTES,
               index: Path = INDEX) -> str:
    """docs/teaching/answers.md: a link to each lesson's teacher's notes, with its number of
    exercises (a lesson whose notes are not written yet is named without a link)."""
    items = []
    for lesson, builts in course:
        path = notes_path(lesson, folder)
        count = f"{len(builts)} exercise{'s' if len(builts) != 1 else ''}"
        if path.exists():
            link = Path(os.path.relpath(path, Path(index).parent)).as_posix()
            items.append(f"- [{lesson.title}]({link}): {count}")
        else:
            items.append(f"- {lesson.title}: {count}; its teacher's notes "
                         f"({path.name}) are not written yet")
    return INDEX_TEXT.format(lessons="\n".join(items), placeholder=PLACEHOLDER)


@dataclass
class KeyReport:
    """What write_key did: the notes it changed, the lessons with exercises and no notes yet,
    and the index it wrote."""

    changed: list[Path]
    missing: list[Lesson]
    index: Path | None


def write_key(folder: Path = NOTES,
              course: Sequence[tuple[Lesson, Sequence[Built]]] | None = None,
              index: Path | None = INDEX) -> KeyReport:
    """Bring the answer key of every lesson's teacher's notes in `folder` in step with its
    exercises (notes_text), and write the index (None: no index). A lesson with exercises and no
    notes is reported, not created: its notes start with a lesson plan its author writes."""
    course = built_lessons() if course is None else course
    report = KeyReport([], [], None)
    for lesson, builts in course:
        path = notes_path(lesson, folder)
        if not path.exists():
            if builts:
                report.missing.append(lesson)
            continue
        old = path.read_text(encoding="utf-8")
        if not builts and _key_span(old.splitlines()) is None:
            continue
        new = notes_text(lesson, builts, old)
        if new != old:
            path.write_text(new, encoding="utf-8")
            report.changed.append(path)
    if index is not None:
        Path(index).write_text(index_text(course, folder, index), encoding="utf-8")
        report.index = Path(index)
    return report


# -- the command ---------------------------------------------------------------------------------

def outline(course: Sequence[tuple[Lesson, Sequence[Built]]]) -> str:
    """The lessons in order: title, learning goal, and each exercise with the core's answer."""
    lines = []
    for lesson, builts in course:
        lines += [lesson.title, f"  goal: {lesson.goal or '(none)'}"]
        for built in builts:
            lines.append(f"  {built.spec.index}. [{built.kind}] {built.question}"
                         f"  ->  {built.answer_text}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--notebooks", type=Path, default=NOTEBOOKS,
                        help="the folder of the lessons (default: notebooks/)")
    parser.add_argument("--assignments", type=Path, nargs="?", const=ASSIGNMENTS,
                        help="write an nbgrader course folder there (default: build/assignments)")
    parser.add_argument("--key", type=Path, nargs="?", const=NOTES, metavar="NOTES",
                        help="bring the answer key of each lesson's teacher's notes in NOTES "
                        "(default: docs/teaching/lessons) in step with the exercises, keeping "
                        "what is written, and write the index answers.md beside NOTES")
    options = parser.parse_args(argv)
    try:
        course = built_lessons(options.notebooks)
    except CourseError as error:
        print(f"course.py: {error}", file=sys.stderr)
        return 1
    if options.assignments:
        written = write_assignments(options.assignments, course)
        root = options.assignments
        print(f"{len(written)} nbgrader assignments in {root / 'source'}. With nbgrader 0.9 "
              "(gradlab's `teach` extra: pip install -e '.[teach]') and its venv activated "
              f"(nbgrader runs `alembic` from PATH), in {root}:\n"
              "  nbgrader generate_assignment <lesson>   # the students' copy, in release/\n"
              "  nbgrader autograde <lesson>             # after collecting to submitted/")
    if options.key:
        report = write_key(options.key, course, options.key.parent / INDEX.name)
        for path in report.changed:
            print(f"answer key brought in step: {path}")
        for lesson in report.missing:
            print(f"no teacher's notes for {lesson.name} ({len(lesson.exercises)} exercises): "
                  f"its author writes {notes_path(lesson, options.key)} (a lesson plan and a "
                  f"\"{KEY_HEADING}\" section), then runs this again", file=sys.stderr)
        print(f"{len(report.changed)} teacher's notes changed; index written: {report.index}")
    if not options.assignments and not options.key:
        print(outline(course))
    return 0


if __name__ == "__main__":
    sys.exit(main())
