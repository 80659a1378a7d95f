"""tools/course.py: reading the lessons' exercises with `ast` (literal arguments only, never run),
their titles and learning goals, the checker each assignment calls, and the answer key's
skeleton, which keeps what a teacher wrote. Expected values are worked by hand here."""

from __future__ import annotations

import ast
import importlib.util
import json
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def _course():
    """tools/course.py as a module (tools/ is not a package), registered under one name (its
    dataclasses need it in sys.modules) and shared by the test files that load it."""
    name = "gradlab_tools_course"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, REPO / "tools" / "course.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


course = _course()


def notebook(folder: Path, name: str, *cells: str) -> Path:
    """A notebook of markdown (text starting with #) and code cells, ids c0, c1, ..."""
    folder.mkdir(parents=True, exist_ok=True)
    made = [{"cell_type": "markdown" if text.startswith("#") else "code", "id": f"c{i}",
             "metadata": {}, "source": text} for i, text in enumerate(cells)]
    for cell in made:
        if cell["cell_type"] == "code":
            cell.update(outputs=[], execution_count=None)
    path = folder / f"{name}.ipynb"
    path.write_text(json.dumps({"cells": made, "metadata": {}, "nbformat": 4,
                                "nbformat_minor": 5}), encoding="utf-8")
    return path


# -- reading exercises ---------------------------------------------------------------------------

def test_every_maker_is_read_in_order_with_its_literal_arguments():
    source = (
        "%matplotlib inline\n"
        "from gradlab.views import Exercise, Progress\n"
        'Progress([Exercise.formula("2x + 3y^2", "y", hints=["a nudge", "the " "rule"]),\n'
        '          gl.views.Exercise("x^2", at={"x": -3}, partial="x")])\n'
        'views.Exercise.gradient("x*y", {"x": 1, "y": 2.5})\n'
        'Exercise.choice("Which?", ("a", "b"), 1)\n'
        'Exercise.which_inputs("max(x, y)", at={"x": 2, "y": 2})\n'
        'print(Exercise)\n')
    calls = course.exercise_calls(source, "lesson.ipynb, cell c1")
    assert [maker for maker, *_ in calls] == ["formula", "Exercise", "gradient", "choice",
                                              "which_inputs"]
    assert calls[0][1:3] == (("2x + 3y^2", "y"), {"hints": ["a nudge", "the rule"]})
    assert calls[1][1:3] == (("x^2",), {"at": {"x": -3}, "partial": "x"})
    assert calls[2][1] == ("x*y", {"x": 1, "y": 2.5})
    assert calls[3][1] == ("Which?", ("a", "b"), 1)


@pytest.mark.parametrize("call", [
    'Exercise("x", at={"x": __import__("os").getpid()})',
    'Exercise("x", at=point)',
    'Exercise.formula(f"{x}^2", "x")',
    'Exercise("x", **options)',
])
def test_an_argument_that_is_not_a_literal_is_an_error_naming_notebook_and_cell(tmp_path, call):
    path = notebook(tmp_path, "05_lesson", "# 5. A lesson", "x = 1", call)
    with pytest.raises(course.CourseError) as error:
        course.read_lesson(path)
    assert "05_lesson.ipynb, cell c2" in str(error.value)


def test_title_goal_and_the_place_of_each_exercise(tmp_path):
    path = notebook(tmp_path, "03_max", "# 3. The max\n\n**Learning goal:** know why\nthe max "
                    "picks one.\n\nMore text.", 'Exercise("x", at={"x": 1})',
                    "# A section", 'Exercise("x", at={"x": 2})\nExercise("y", at={"y": 3})')
    lesson = course.read_lesson(path)
    assert (lesson.name, lesson.number, lesson.title) == ("03_max", 3, "3. The max")
    assert lesson.goal == "know why the max picks one."
    assert [(s.index, s.cell, s.call, s.id) for s in lesson.exercises] == [
        (1, "c1", 1, "03_max/c1/1"), (2, "c3", 1, "03_max/c3/1"), (3, "c3", 2, "03_max/c3/2")]


def test_arguments_the_exercise_does_not_take_are_an_error_naming_the_cell(tmp_path):
    path = notebook(tmp_path, "01_a", "# 1. A", 'Exercise("x^2", at={"x": 1}, colour="red")',
                    'Exercise("1/x", at={"x": 0}, partial="x")')
    bad, undefined = course.read_lesson(path).exercises
    for spec, cell in ((bad, "c1"), (undefined, "c2")):
        with pytest.raises(course.CourseError, match=f"01_a.ipynb, cell {cell}"):
            course.build(spec)


# -- answers and checkers --------------------------------------------------------------------------

def _call(code: str) -> tuple[str, list]:
    """The function a checker's code calls and its arguments (read with ast, not run)."""
    call = ast.parse(code, mode="eval").body
    if isinstance(call.func.value, ast.Call):  # which_inputs(f, at).check(answer)
        inner = call.func.value
        return f"{inner.func.attr}.check", [ast.literal_eval(a) for a in inner.args]
    return call.func.attr, [a.id if isinstance(a, ast.Name) else ast.literal_eval(a)
                            for a in call.args] + [(k.arg, ast.literal_eval(k.value))
                                                   for k in call.keywords]


def test_answers_and_checkers_of_each_kind(tmp_path):
    notebook(tmp_path, "02_b", "# 2. B",
             'Exercise("2x + 3y^2", at={"x": 1, "y": -2}, partial="y")',
             'Exercise.formula("2x + 3y^2", "y")',
             'Exercise.gradient("3x^3*z - y^2 + 5z + 2y*z", {"x": 1, "y": 2, "z": 3},'
             ' tolerance=0.01)',
             'Exercise.choice("Tie?", ["x", "y", "neither"], 2)',
             'Exercise.which_inputs("max(x, y)", at={"x": 3, "y": 1})')
    (lesson, built), = course.built_lessons(tmp_path)
    # by hand: d(3y^2)/dy = 6y = -12 at y = -2; the gradient at (1, 2, 3) is (9x^2 z, -2y + 2z,
    # 3x^3 + 5 + 2y) = (27, 2, 12); max(3, 1) moves with x only
    assert [b.solution for b in built] == [-12, "6*y", [27, 2, 12], "neither", ["x"]]
    assert [_call(b.checker("answer")) for b in built] == [
        ("check_number", ["2x + 3y^2", {"x": 1, "y": -2}, "answer", ("partial", "y")]),
        ("check_formula", ["2x + 3y^2", "y", "answer"]),
        ("check_vector", ["3x^3*z - y^2 + 5z + 2y*z", {"x": 1, "y": 2, "z": 3}, "answer",
                          ("tolerance", 0.01)]),
        ("check_choice", [["x", "y", "neither"], "neither", "answer"]),
        ("which_inputs.check", ["max(x, y)", {"x": 3, "y": 1}]),
    ]


def test_a_tight_tolerance_gets_the_full_number_as_solution(tmp_path):
    notebook(tmp_path, "01_c", "# 1. C", 'Exercise("x/3", at={"x": 1}, tolerance=1e-9)',
             'Exercise("x/3", at={"x": 1})')
    (_, (tight, usual)), = course.built_lessons(tmp_path)
    assert usual.solution == 0.333333  # 6 significant digits are right within 1e-3
    assert tight.solution == pytest.approx(1 / 3, abs=1e-15)
    assert tight.problem.check(tight.solution).correct


# -- the answer key's skeleton -------------------------------------------------------------------

def _key_course(tmp_path, point: int = 2):
    notebook(tmp_path, "01_a", "# 1. A",
             f'Exercise("x^2", at={{"x": {point}}}, partial="x")\nExercise.formula("x*y", "y")')
    return course.built_lessons(tmp_path)


def test_the_skeleton_asks_for_reasoning_and_keeps_what_is_written(tmp_path):
    skeleton = course.key_text(_key_course(tmp_path))
    assert skeleton.count(f"**Reasoning.** {course.PLACEHOLDER}") == 2
    assert "<!-- exercise: 01_a/c1/1 -->" in skeleton and "**Answer.** `4`" in skeleton
    written = skeleton.replace(f"**Reasoning.** {course.PLACEHOLDER}",
                               "**Reasoning.** The power rule: 2x is 4 at x = 2.\n\nSecond.", 1)
    written += "\n### Try this: slide x\n\nThe slope doubles.\n"
    again = course.key_text(_key_course(tmp_path), written)
    assert course.key_text(_key_course(tmp_path), again) == again
    assert "**Reasoning.** The power rule: 2x is 4 at x = 2.\n\nSecond." in again
    assert "### Try this: slide x\n\nThe slope doubles." in again


def test_a_changed_answer_marks_its_reasoning_to_check_and_a_gone_one_is_kept(tmp_path):
    written = course.key_text(_key_course(tmp_path)).replace(
        f"**Reasoning.** {course.PLACEHOLDER}", "**Reasoning.** Two x at x = 2.", 1)
    moved = course.key_text(_key_course(tmp_path / "moved", point=3), written)
    assert "**Answer.** `6`" in moved
    assert "**Reasoning (written for the answer `4`; check it).** Two x at x = 2." in moved
    notebook(tmp_path / "gone", "01_a", "# 1. A", "x = 1", 'Exercise.formula("x*y", "y")')
    gone = course.key_text(course.built_lessons(tmp_path / "gone"), written)
    orphans = gone.split(f"## {course.ORPHANS}")[1]
    assert "Two x at x = 2." in orphans and "01_a/c1/1" in orphans
