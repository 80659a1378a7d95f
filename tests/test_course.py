"""tools/course.py: reading the lessons' exercises with `ast` (literal arguments only, never run),
their titles and learning goals, the checker each assignment calls, and the answer key kept in
each lesson's teacher's notes, which keeps what a teacher wrote. Expected values are worked by
hand here."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest
from siblings import load  # tools/siblings.py (tests/conftest.py puts tools/ on the path)

REPO = Path(__file__).resolve().parents[1]


def _course():
    return load("course")


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


# -- the answer key, in each lesson's teacher's notes ------------------------------------------

PLAN = "# Lesson 1: A — teacher's notes\n\n## Lesson plan\n\nTen minutes: the *power rule*, then.\n"
# the pattern the lessons' own tests (tests/test_lesson_NN.py) read the notes' key with
LESSON_TESTS = re.compile(r"^### Exercise (\d+): .+\n+Answer: (.+)$", re.MULTILINE)
REASONING = "The power rule: 2x is 4 at x = 2.\n\nSecond paragraph."


def _key_course(tmp_path, point: int = 2, *cells: str):
    """Lesson 01_a: ∂(x^2)/∂x at x = point (by hand 2·point) in cell c1, ∂(xy)/∂y = x in c2."""
    notebook(tmp_path, "01_a", "# 1. A", *(cells or (
        f'Exercise("x^2", at={{"x": {point}}}, partial="x")', 'Exercise.formula("x*y", "y")')))
    return course.built_lessons(tmp_path)


def _notes(built_course, old: str) -> str:
    (lesson, builts), = built_course
    new = course.notes_text(lesson, builts, old)
    assert course.notes_text(lesson, builts, new) == new  # in step: a second run changes nothing
    return new


def test_the_skeleton_adds_an_answer_key_after_the_plan(tmp_path):
    notes = _notes(_key_course(tmp_path), PLAN)
    assert notes.startswith(PLAN + "\n## Answer key\n")
    assert "<!-- exercise: 01_a/c1/1 -->\n### Exercise 1: " in notes
    assert "<!-- exercise: 01_a/c2/1 -->\n### Exercise 2: " in notes
    assert LESSON_TESTS.findall(notes) == [("1", "`4`"), ("2", "`x`")]
    assert "Question (a formula): What is ∂f/∂y" not in notes  # the question is the notebook's
    assert notes.count(f"\n{course.PLACEHOLDER}\n") == 2


def test_what_a_teacher_wrote_is_kept(tmp_path):
    skeleton = _notes(_key_course(tmp_path), PLAN)
    written = (skeleton.replace(course.PLACEHOLDER, REASONING, 1)
               .replace("### Exercise 1: " + skeleton.split("### Exercise 1: ")[1].split("\n")[0],
                        "### Exercise 1: the slope of x² at 2")
               + "\n### Try this: slide x\n\nThe slope doubles.\n\n## Further reading\n\nBook.\n")
    again = _notes(_key_course(tmp_path), written)
    assert again == written
    assert again.startswith(PLAN) and again.endswith("## Further reading\n\nBook.\n")
    assert "### Exercise 1: the slope of x² at 2\n\nAnswer: `4`\n" in again
    assert f"\n\n{REASONING}\n\n<!-- exercise: 01_a/c2/1 -->" in again


def test_entries_follow_the_notebook_and_one_without_its_marker_is_matched_by_its_number(tmp_path):
    by_hand = (PLAN + "\n## Answer key\n\n<!-- exercise: 01_a/c2/1 -->\n### Exercise 1: xy in y"
               "\n\nAnswer: x\n\nOnly x is left when y moves by 1, since x is a constant here.\n"
               "\n### Exercise 1: the slope\n\nAnswer: 4\n\n" + REASONING + "\n"
               "\n### Try this: slide x\n\nThe slope doubles.\n")
    notes = _notes(_key_course(tmp_path), by_hand)
    assert LESSON_TESTS.findall(notes) == [("1", "`4`"), ("2", "`x`")]
    first, second = notes.split("<!-- exercise: ")[1:]
    assert first.startswith("01_a/c1/1 -->\n### Exercise 1: the slope\n") and REASONING in first
    assert second.startswith("01_a/c2/1 -->\n### Exercise 2: xy in y\n")
    assert "since x is a constant here" in second and second.rstrip().endswith("doubles.")


def test_a_changed_answer_is_marked_to_check_and_a_gone_exercise_is_kept(tmp_path):
    written = _notes(_key_course(tmp_path), PLAN).replace(course.PLACEHOLDER, "Two x at x = 2.", 1)
    written = written.replace("Answer: `x`", "Answer: `1*x`")  # another form of the same answer
    moved = _notes(_key_course(tmp_path / "moved", point=3), written)
    assert LESSON_TESTS.findall(moved) == [("1", "`6`"), ("2", "`x`")]
    assert moved.count(course.TO_CHECK) == 1
    assert (f"{course.TO_CHECK} this reasoning was written for the answer `4`: check it against "
            "the Answer above, then delete this line.\n\nTwo x at x = 2.") in moved
    gone = _notes(_key_course(tmp_path / "gone", 2, "x = 1", 'Exercise.formula("x*y", "y")'),
                  written)
    assert LESSON_TESTS.findall(gone) == [("1", "`x`")]
    kept = gone.split(f"### {course.GONE}: ")[1]
    assert "01_a/c1/1" in kept and "Two x at x = 2." in kept and "`4`" in kept


def test_write_key_changes_the_notes_it_finds_reports_the_missing_and_writes_the_index(tmp_path):
    notebook(tmp_path / "notebooks", "01_a", "# 1. A", 'Exercise("x^2", at={"x": 2}, partial="x")')
    notebook(tmp_path / "notebooks", "02_b", "# 2. B", 'Exercise.formula("x*y", "y")')
    folder = tmp_path / "teaching" / "lessons"
    folder.mkdir(parents=True)
    (folder / "01_a.md").write_text(PLAN, encoding="utf-8")
    assert course.main(["--notebooks", str(tmp_path / "notebooks"), "--key", str(folder)]) == 0
    assert sorted(path.name for path in folder.iterdir()) == ["01_a.md"]  # 02_b's: its author's
    assert "Answer: `4`" in (folder / "01_a.md").read_text(encoding="utf-8")
    index = (tmp_path / "teaching" / "answers.md").read_text(encoding="utf-8")
    assert "- [1. A](lessons/01_a.md): 1 exercise\n" in index
    assert "- 2. B: 1 exercise; its teacher's notes (02_b.md) are not written yet" in index
    report = course.write_key(folder, course.built_lessons(tmp_path / "notebooks"), None)
    assert (report.changed, [lesson.name for lesson in report.missing]) == ([], ["02_b"])
