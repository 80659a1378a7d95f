"""The answer key in step with the lessons. It lives in one place: the "## Answer key" section of
each lesson's teacher's notes, docs/teaching/lessons/NN_name.md. Every exercise of every notebook
has its entry there, under its `<!-- exercise: lesson/cell/n -->` line: "### Exercise k: ...",
the answer gradlab's core computes, the question the learner reads, and a reasoning a teacher
would say aloud. No notes hold an exercise the notebooks do not, and docs/teaching/answers.md is
only the index of the notes.

`make answer-key-skeleton` (tools/course.py --key) writes the numbers, answers and questions and
keeps every reasoning written; the reasoning is written by hand, so these tests fail for each
exercise whose reasoning is still "(to be written)", or marked "To check" after its answer
changed. The notes are read here with their own few patterns, not with tools/course.py's reader,
and the answers are the core's, computed now.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from siblings import load  # tools/siblings.py (tests/conftest.py puts tools/ on the path)

REPO = Path(__file__).resolve().parents[1]
NOTES = REPO / "docs" / "teaching" / "lessons"
INDEX = REPO / "docs" / "teaching" / "answers.md"
PLACEHOLDER = "(to be written)"
MIN_WORDS = 8  # a reasoning says why, in at least a sentence
MARKER = re.compile(r"^<!--\s*exercise:\s*(\S+)\s*-->\s*$", re.MULTILINE)


def _course():
    return load("course")


course = _course()
LESSONS = course.lessons()
SPECS = [spec for lesson in LESSONS for spec in lesson.exercises]


def answer_key(lesson: str) -> str:
    """The "## Answer key" section of a lesson's teacher's notes (up to the next # or ##)."""
    path = NOTES / f"{lesson}.md"
    if not path.exists():
        pytest.fail(f"{path.relative_to(REPO)} is missing: the lesson's author writes its "
                    "teacher's notes (a lesson plan and a \"## Answer key\" section); then "
                    "`make answer-key-skeleton` adds each exercise's entry")
    text = path.read_text(encoding="utf-8")
    start = re.search(r"^## Answer key\b.*$", text, re.MULTILINE)
    assert start, f"{path.relative_to(REPO)} has no \"## Answer key\" section"
    end = re.compile(r"^#{1,2} ", re.MULTILINE).search(text, start.end())
    return text[start.end():end.start() if end else len(text)]


def entry(spec) -> list[str]:
    """The lines of one exercise's entry: from its marker to the next marker or ### heading."""
    key = answer_key(spec.lesson)
    marker = re.search(rf"^<!--\s*exercise:\s*{re.escape(spec.id)}\s*-->\s*$", key, re.MULTILINE)
    if not marker:
        pytest.fail(f"{spec.where}: exercise {spec.index} of {spec.lesson} (`{spec.source}`) "
                    f"has no entry in docs/teaching/lessons/{spec.lesson}.md: run "
                    "`make answer-key-skeleton`")
    lines = key[marker.end():].splitlines()[1:]
    for i, line in enumerate(lines[1:], 1):
        if line.startswith("### ") or MARKER.match(line):
            return lines[:i]
    return lines


def parts(spec) -> tuple[str, str, str, str]:
    """An entry's heading, Answer line, Question paragraph (its options included) and the rest,
    the reasoning."""
    lines = entry(spec)
    heading = lines[0] if lines else ""
    answer = next((line for line in lines if line.startswith("Answer:")), "")
    start = next((i for i, line in enumerate(lines) if line.startswith("Question (")), None)
    question, rest = [], [line for line in lines[1:] if line != answer]
    if start is not None:
        end = next((i for i in range(start, len(lines)) if not lines[i].strip()), len(lines))
        question = lines[start:end]
        rest = [line for line in lines[1:start] + lines[end:] if line != answer]
    return heading, answer, "\n".join(question), "\n".join(rest)


def plain(text: str) -> str:
    """Markdown's escapes of * and _ undone, runs of white space made one space."""
    return " ".join(re.sub(r"\\([*_])", r"\1", text).split())


def test_the_lessons_have_exercises():
    assert len(SPECS) >= len({spec.lesson for spec in SPECS}) > 0


@pytest.mark.parametrize("spec", SPECS, ids=[spec.id for spec in SPECS])
def test_each_exercise_is_in_its_lessons_key_with_the_cores_answer(spec):
    built = course.build(spec)
    heading, answer, question, _ = parts(spec)
    assert re.fullmatch(rf"### Exercise {spec.index}: \S.*", heading), (
        f"{spec.id}: the line after its marker should be \"### Exercise {spec.index}: ...\", "
        f"not {heading!r}")
    assert answer == f"Answer: `{built.answer_text}`", (
        f"{spec.id}: the key says {answer!r}, the core `{built.answer_text}`: run "
        "`make answer-key-skeleton` and check the reasoning")
    assert question, f"{spec.id}: no \"Question (...):\" line"
    asked = plain(re.sub(r"^- `.*`$", "", question, flags=re.MULTILINE))
    assert re.sub(r"^Question \([^)]*\): ", "", asked) == plain(built.question), spec.id
    if built.kind == "choice":
        assert re.findall(r"^- `(.*)`$", question, re.MULTILINE) == list(built.options), spec.id


@pytest.mark.parametrize("spec", SPECS, ids=[spec.id for spec in SPECS])
def test_each_exercise_has_its_reasoning(spec):
    *_, reasoning = parts(spec)
    assert "**To check:**" not in reasoning, (
        f"{spec.id}: its reasoning was written for another answer; check it against the "
        "Answer line, then delete the \"To check\" line")
    assert PLACEHOLDER not in reasoning and len(reasoning.split()) >= MIN_WORDS, (
        f"{spec.id}: the reasoning is not written yet ({spec.where}, `{spec.source}`)")


def test_the_notes_hold_no_exercise_the_notebooks_do_not():
    ids = {spec.id for spec in SPECS}
    for path in sorted(NOTES.glob("*.md")):
        key = answer_key(path.stem)
        listed = MARKER.findall(key)
        assert len(listed) == len(set(listed)), f"{path.name}: an exercise is in the key twice"
        assert all(spec_id.startswith(f"{path.stem}/") for spec_id in listed), (
            f"{path.name} holds another lesson's exercise: {listed}")
        assert not set(listed) - ids, (
            f"{path.name} has exercises the notebook no longer has: {sorted(set(listed) - ids)}")
        assert "### Not in the notebook any more" not in key, (
            f"{path.name}: an entry whose exercise is gone is left (move it, or delete it)")
        headings = re.findall(r"^(.*)\n### Exercise \d+:", key, re.MULTILINE)
        assert all(MARKER.match(line) for line in headings), (
            f"{path.name}: an \"### Exercise k\" entry without its marker: run "
            "`make answer-key-skeleton`")


def test_answers_md_is_the_index_of_the_notes():
    index = INDEX.read_text(encoding="utf-8")
    assert not MARKER.search(index) and not re.search(r"^Answer:", index, re.MULTILINE), (
        "docs/teaching/answers.md holds answers: the key lives in the lessons' notes only")
    links = re.findall(r"\]\((lessons/[^)]+\.md)\)", index)
    assert all((INDEX.parent / link).exists() for link in links), links
    for lesson in LESSONS:
        if lesson.exercises and (NOTES / f"{lesson.name}.md").exists():
            assert f"lessons/{lesson.name}.md" in links, lesson.name
