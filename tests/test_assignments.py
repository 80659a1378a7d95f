"""Assignments a class hands in (tools/course.py, `make assignments`), end to end with nbgrader 0.9
as a teacher runs it: the course folder written, `nbgrader generate_assignment`, a right and a
wrong submission filled in as students do (the stub cells of the students' copy edited),
`nbgrader autograde` on both, and the scores read from nbgrader's gradebook: full marks for the
right one, 0 for each wrong answer (a sign flipped, another option), which gradlab's checkers must
refuse.

Autograding runs each notebook in a kernel, several seconds each, so one assignment of two
notebooks is handed in: a real lesson exactly as `make assignments` writes it (the one with the
most kinds of exercise), and a notebook with every exercise of every lesson and of a synthetic
lesson that has every kind, so every exercise's checker is graded whatever the lessons hold.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from siblings import load  # tools/siblings.py (tests/conftest.py puts tools/ on the path)

REPO = Path(__file__).resolve().parents[1]
STUB = "# YOUR CODE HERE\nraise NotImplementedError()"
ASSIGNMENT = "handin"
STUDENTS = ("right", "wrong")


def _course():
    return load("course")


course = _course()

# every kind, on the book's examples: 2x + 3y^2 (its partial by y), the 3-input gradient, max with
# and without a tie, a choice with one answer and one with several
SYNTHETIC = [
    "# 1. Synthetic lesson\n\n**Learning goal:** every kind of exercise,\nchecked.",
    'Exercise("2x + 3y^2", at={"x": 1, "y": -2}, partial="y", hint="d(3y^2)/dy = 6y")\n'
    'Exercise.formula("2x + 3y^2", "y", hints=["2x has no y", "the power rule"])',
    'Exercise.formula("x^2*y + y", partial="x")',
    'Exercise.gradient("3x^3*z - y^2 + 5z + 2y*z", at={"x": 1, "y": 2, "z": 3})',
    'Exercise.choice("At a tie of max(x, y), which input gets the gradient?",\n'
    '                ["x", "y", "neither"], "neither")\n'
    'Exercise.choice("Which of these are linear in x?", ["2x", "x^2", "3x + 1"], [0, 2])',
    'Exercise.which_inputs("max(x, y)", at={"x": 3, "y": 1})\n'
    'Exercise.which_inputs("max(x, y)", {"x": 2, "y": 2})',
]


def write_synthetic(folder: Path) -> Path:
    """A lesson notebook (markdown first, then code cells) with SYNTHETIC's cells."""
    folder.mkdir(parents=True, exist_ok=True)
    cells = [{"cell_type": "markdown", "id": "syn-00", "metadata": {}, "source": SYNTHETIC[0]}]
    cells += [{"cell_type": "code", "id": f"syn-{i:02d}", "metadata": {}, "source": source,
               "outputs": [], "execution_count": None}
              for i, source in enumerate(SYNTHETIC[1:], start=1)]
    notebook = {"cells": cells, "metadata": {"kernelspec": {
        "name": "python3", "display_name": "Python 3", "language": "python"}},
        "nbformat": 4, "nbformat_minor": 5}
    path = folder / "01_synthetic.ipynb"
    path.write_text(json.dumps(notebook), encoding="utf-8")
    return path


def wrong_answer(built):
    """A learner's wrong answer: a number's or a component's sign flipped (or 1 added where it is
    0), a formula negated, another option chosen (or another set of them)."""
    right = built.solution
    if built.kind == "number":
        return -right if abs(right) > 1e-2 else right + 1
    if built.kind == "formula":
        return "1" if built.problem.check("0").correct else f"-({right})"
    if built.kind == "vector":
        i = next((i for i, value in enumerate(right) if abs(value) > 1e-2), 0)
        return [(-value if abs(value) > 1e-2 else value + 1) if j == i else value
                for j, value in enumerate(right)]
    if not built.multiple:
        return next(option for option in built.options if option != right)
    none = built.problem.none_option
    if none in right:
        return [next(option for option in built.options if option != none)]
    others = [option for option in built.options if option not in right and option != none]
    return [others[0]] if others else right[:-1]


def _nbgrader(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    """`nbgrader ...` run in the course folder, with this Python's bin first on PATH (nbgrader
    runs `alembic` from PATH) and Jupyter's config and data folders of the course only."""
    env = dict(os.environ)
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    env["JUPYTER_CONFIG_DIR"] = str(cwd / ".jupyter-config")
    env["JUPYTER_DATA_DIR"] = str(cwd / ".jupyter-data")
    done = subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, f"nbgrader {' '.join(args)} failed:\n{done.stderr[-4000:]}"
    return done


def _kinds(builts) -> int:
    return len({(built.kind, built.multiple) for built in builts})


def _answered(release: Path, answers: list) -> nbformat.NotebookNode:
    """The students' copy with each stub replaced by `answer_n = ...`, as a student types it."""
    notebook = nbformat.read(release, as_version=4)
    stubs = [cell for cell in notebook.cells
             if cell.metadata.get("nbgrader", {}).get("solution")]
    assert len(stubs) == len(answers)
    for n, (cell, answer) in enumerate(zip(stubs, answers, strict=True), start=1):
        assert cell.metadata["nbgrader"]["grade_id"] == f"ex{n}-answer"
        assert STUB in cell.source, f"the students' copy of exercise {n} has no stub"
        cell.source = cell.source.replace(STUB, f"answer_{n} = {answer!r}")
    return notebook


@pytest.fixture(scope="module")
def handed_in(tmp_path_factory):
    """The course written, the assignment generated, handed in by two students, autograded."""
    try:
        from nbgrader.api import Gradebook
    except ImportError:
        pytest.fail("nbgrader is not installed: it is in gradlab's `teach` extra "
                    "(pip install -e '.[teach]'), which the test lock must include")
    tmp = tmp_path_factory.mktemp("assignments")
    real = course.built_lessons()
    synthetic = course.built_lessons(write_synthetic(tmp / "synthetic").parent)
    root = tmp / "course"
    written = course.write_assignments(root, [*real, *synthetic])
    with (root / "nbgrader_config.py").open("a") as config:
        config.write("c.Execute.timeout = 600  # a busy machine\n")

    lesson, builts = max((item for item in real if item[1]),
                         key=lambda item: (_kinds(item[1]), len(item[1])))
    every = [built for _, builts_ in [*real, *synthetic] for built in builts_]
    notebooks = {lesson.name: builts, "every_exercise": every}
    source = root / "source" / ASSIGNMENT
    source.mkdir(parents=True)
    shutil.copy(root / "source" / lesson.name / f"{lesson.name}.ipynb", source)
    (source / "every_exercise.ipynb").write_text(json.dumps(course.assignment_notebook(
        "Every exercise", "", every)), encoding="utf-8")

    _nbgrader("generate_assignment", ASSIGNMENT, cwd=root)
    for student in STUDENTS:
        for name, exercises in notebooks.items():
            answers = [built.solution if student == "right" else wrong_answer(built)
                       for built in exercises]
            notebook = _answered(root / "release" / ASSIGNMENT / f"{name}.ipynb", answers)
            folder = root / "submitted" / student / ASSIGNMENT
            folder.mkdir(parents=True, exist_ok=True)
            nbformat.write(notebook, folder / f"{name}.ipynb")
    _nbgrader("autograde", ASSIGNMENT, cwd=root)

    scores = {}
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gradebook:
        for student in STUDENTS:
            submission = gradebook.find_submission(ASSIGNMENT, student)
            scores[student] = {"total": (submission.score, submission.max_score)}
            for name, exercises in notebooks.items():
                for n in range(1, len(exercises) + 1):
                    grade = gradebook.find_grade(f"ex{n}-test", name, ASSIGNMENT, student)
                    scores[student][name, n] = (grade.score, grade.max_score)
    return {"root": root, "written": written, "notebooks": notebooks, "scores": scores,
            "lessons": [*real, *synthetic]}


def test_a_source_notebook_per_lesson_with_exercises(handed_in):
    from nbgrader.nbgraderformat import MetadataValidator

    names = [lesson.name for lesson, builts in handed_in["lessons"] if builts]
    assert [path.stem for path in handed_in["written"]] == names
    for path in handed_in["written"]:
        notebook = nbformat.read(path, as_version=4)
        nbformat.validate(notebook)
        MetadataValidator().validate_nb(notebook)
        ids = [cell.metadata["nbgrader"]["grade_id"] for cell in notebook.cells]
        assert len(ids) == len(set(ids)), path


def test_the_students_copy_gives_no_answer_away(handed_in):
    release = handed_in["root"] / "release" / ASSIGNMENT
    for name, exercises in handed_in["notebooks"].items():
        cells = nbformat.read(release / f"{name}.ipynb", as_version=4).cells
        text = "\n".join(cell.source for cell in cells)
        assert "HIDDEN TESTS" not in text and "check_choice" not in text
        answers = [cell.source for cell in cells
                   if cell.metadata.get("nbgrader", {}).get("solution")]
        assert len(answers) == len(exercises)
        assert all(answer.strip() == STUB for answer in answers)


def test_a_right_submission_gets_full_marks(handed_in):
    scores = handed_in["scores"]["right"]
    score, most = scores.pop("total")
    wrong = {key: value for key, value in scores.items() if value[0] != value[1]}
    assert not wrong, f"right answers not given full marks: {wrong}"
    assert score == most == sum(len(e) for e in handed_in["notebooks"].values())


def test_a_wrong_submission_gets_no_marks(handed_in):
    scores = handed_in["scores"]["wrong"]
    score, most = scores.pop("total")
    given = {key: value for key, value in scores.items() if value[0] != 0}
    assert not given, f"wrong answers given marks: {given}"
    assert score == 0 and most > 0


def test_each_wrong_answer_is_read_and_judged_wrong(tmp_path):
    """So a wrong submission's 0 comes from a wrong answer, not an unreadable one; and the right
    answer, as the assignment's solution writes it, is right."""
    synthetic = course.built_lessons(write_synthetic(tmp_path).parent)
    for lesson, builts in [*course.built_lessons(), *synthetic]:
        for built in builts:
            where = f"{lesson.name} exercise {built.spec.index}"
            assert built.problem.check(built.solution).correct, where
            result = built.problem.check(wrong_answer(built))
            assert result.understood and not result.correct, (where, result)
