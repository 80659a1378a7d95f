"""The lessons' exercises for the teacher's kit: read them from the notebooks, answer them with
gradlab's core, and write an nbgrader course folder and the answer key's skeleton from them.

    .venv/bin/python tools/course.py                  # the lessons, goals, exercises, answers
    .venv/bin/python tools/course.py --assignments    # nbgrader 0.9 course: make assignments
    .venv/bin/python tools/course.py --key            # make answer-key-skeleton

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
import re
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
NOTEBOOKS = REPO / "notebooks"
KEY = REPO / "docs" / "teaching" / "answers.md"
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


# -- the answer key ------------------------------------------------------------------------------

KEY_PREAMBLE = """\
# Answer key

Every checked exercise of the lessons, with the answer gradlab's core computes and the reasoning
a teacher would say aloud.

This file is kept in step with the notebooks by `make answer-key-skeleton`
(`tools/course.py --key`): it rewrites each exercise's question and answer from the notebooks and
keeps every reasoning already written, matched by the hidden "exercise:" comment under its
heading (the lesson, the notebook cell's id and the exercise's place in that cell). Anything else
in a lesson's section (a "Try this" answered, a note) is kept after its exercises. When an
exercise's answer changes, its reasoning is kept under "Reasoning (written for the answer ...;
check it)" until a teacher checks it and puts it back under "Reasoning.".
`tests/test_answer_key.py` fails while an exercise is missing here, has another answer than the
core's, or has no reasoning yet.
"""

_EXERCISE = re.compile(r"<!--\s*exercise:\s*(\S+)\s*-->")
_LESSON = re.compile(r"<!--\s*lesson:\s*(\S+)\s*-->")
_REASONING = re.compile(r"^\*\*Reasoning(?P<label>[^*]*)\*\*\s*(?P<rest>.*)$")
_ANSWER = re.compile(r"^\*\*Answer\.\*\*\s*`(?P<answer>[^`]*)`")
ORPHANS = "Reasoning no longer matched to an exercise"


def _markdown(text: str) -> str:
    """Text for markdown: * and _ outside $...$ escaped (x^2*y must not turn into italics)."""
    parts = re.split(r"(\$[^$]*\$)", text)
    return "".join(part if part.startswith("$") and part.endswith("$") and len(part) > 1
                    else re.sub(r"([*_])", r"\\\1", part) for part in parts)


@dataclass
class _Block:
    """A ### block of the key: its lines, and for an exercise its id, answer and reasoning."""

    lines: list[str]
    id: str | None = None
    answer: str | None = None
    reasoning: str = ""
    label: str = ""  # "." when the reasoning is current, else "(written for ...; check it)."


def _blocks(lines: list[str]) -> tuple[list[str], list[_Block]]:
    """A section's lines before its first ### heading, and its ### blocks."""
    head: list[str] = []
    blocks: list[_Block] = []
    for line in lines:
        if line.startswith("### "):
            blocks.append(_Block([line]))
        elif blocks:
            blocks[-1].lines.append(line)
        else:
            head.append(line)
    for block in blocks:
        text = "\n".join(block.lines)
        marker = _EXERCISE.search(text)
        if not marker:
            continue
        block.id = marker.group(1)
        for i, line in enumerate(block.lines):
            answer = _ANSWER.match(line)
            if answer:
                block.answer = answer.group("answer")
            reasoning = _REASONING.match(line)
            if reasoning:
                block.label = reasoning.group("label").strip()
                block.reasoning = "\n".join([reasoning.group("rest"),
                                             *block.lines[i + 1:]]).strip()
                break
    return head, blocks


def _sections(text: str) -> tuple[list[str], list[tuple[str | None, list[str]]]]:
    """The key's preamble (before the first ## heading) and its ## sections (lesson, lines)."""
    preamble: list[str] = []
    sections: list[tuple[str | None, list[str]]] = []
    for line in text.splitlines():
        if line.startswith("## "):
            sections.append((None, [line]))
        elif sections:
            sections[-1][1].append(line)
        else:
            preamble.append(line)
    named = []
    for _, lines in sections:
        marker = _LESSON.search("\n".join(lines[:3]))
        named.append((marker.group(1) if marker else None, lines))
    return preamble, named


def _trimmed(lines: list[str]) -> list[str]:
    text = "\n".join(lines).strip("\n")
    return text.splitlines() if text.strip() else []


def _answer_block(lesson: Lesson, built: Built, old: _Block | None) -> list[str]:
    number = f"{lesson.number}." if lesson.number is not None else ""
    question = _markdown(built.question)
    if built.kind == "choice":
        question += " Options: " + " · ".join(f"`{option}`" for option in built.options) + "."
    answer = f"**Answer.** `{built.answer_text}`"
    if built.kind == "formula":
        partial = built.problem.partial
        answer += (rf" — $\frac{{\partial f}}{{\partial {partial}}} = "
                   f"{built.problem.shown.latex}$")
    reasoning, label = PLACEHOLDER, "."
    if old is not None and old.reasoning and old.reasoning != PLACEHOLDER:
        reasoning = old.reasoning
        if old.label != ".":
            label = old.label  # still to be checked
        elif old.answer != built.answer_text:
            label = f" (written for the answer `{old.answer}`; check it)."
    return [f"### {number}{built.spec.index} ({KIND_NAMES[built.kind]})", "",
            f"<!-- exercise: {built.spec.id} -->", "", f"**Question.** {question}", "", answer,
            "", f"**Reasoning{label}** {reasoning}", ""]


def key_text(course: Sequence[tuple[Lesson, Sequence[Built]]], old: str | None = None) -> str:
    """The answer key: a section per lesson with exercises, each exercise's question, the core's
    answer and its reasoning (kept from `old`, the key as it is; a placeholder where none is
    written). What else `old` holds is kept: its preamble, a lesson section's other text and
    blocks, sections that are not a lesson's, and reasonings whose exercise is gone (under
    "Reasoning no longer matched to an exercise")."""
    preamble, sections = _sections(old or "")
    old_exercises: dict[str, _Block] = {}
    old_lessons: dict[str, tuple[list[str], list[_Block]]] = {}
    others: list[list[str]] = []
    for lesson_name, lines in sections:
        head, blocks = _blocks(lines)
        old_exercises.update({block.id: block for block in blocks if block.id})
        if lesson_name:
            old_lessons[lesson_name] = (head, [block for block in blocks if not block.id])
        elif not lines[0].startswith(f"## {ORPHANS}"):
            others.append([*head, *(line for block in blocks if not block.id
                                    for line in block.lines)])
    out = _trimmed(preamble) or KEY_PREAMBLE.splitlines()
    current = set()
    for lesson, builts in course:
        head, kept = old_lessons.pop(lesson.name, ([], []))
        if not builts and not kept:
            continue
        extra = [line for line in head[1:] if not _LESSON.search(line)]
        out += ["", f"## {lesson.title}", "", f"<!-- lesson: {lesson.name} -->", ""]
        out += [*_trimmed(extra), ""] if _trimmed(extra) else []
        for built in builts:
            current.add(built.spec.id)
            out += _answer_block(lesson, built, old_exercises.get(built.spec.id))
        for block in kept:
            out += [*_trimmed(block.lines), ""]
    for head, blocks in old_lessons.values():  # a lesson that is gone: kept as it was
        out += ["", *_trimmed([*head, *(line for block in blocks for line in block.lines)])]
    for lines in others:
        out += ["", *_trimmed(lines)]
    orphans = [block for block_id, block in old_exercises.items() if block_id not in current
               and block.reasoning and block.reasoning != PLACEHOLDER]
    if orphans:
        out += ["", f"## {ORPHANS}", "",
                "These reasonings were written for exercises that are no longer in the "
                "notebooks (or whose cell got another id). Move each to its exercise, or "
                "delete it; tests/test_answer_key.py fails while this section is here.", ""]
        for block in orphans:
            out += [*_trimmed(block.lines), ""]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(_trimmed(out))) + "\n"


def write_key(path: Path = KEY,
              course: Sequence[tuple[Lesson, Sequence[Built]]] | None = None) -> Path:
    """(Re)write the answer key at `path` from the lessons (default: notebooks/), keeping what
    is written (see key_text)."""
    path = Path(path)
    old = path.read_text(encoding="utf-8") if path.exists() else None
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(key_text(built_lessons() if course is None else course, old),
                    encoding="utf-8")
    return path


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
    parser.add_argument("--key", type=Path, nargs="?", const=KEY,
                        help="(re)write the answer key's skeleton, keeping what is written "
                        "(default: docs/teaching/answers.md)")
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
        print(f"answer key written: {write_key(options.key, course)}")
    if not options.assignments and not options.key:
        print(outline(course))
    return 0


if __name__ == "__main__":
    sys.exit(main())
