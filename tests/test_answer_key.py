"""The answer key, docs/teaching/answers.md, in step with the lessons: every exercise of every
notebook is in it (under its `<!-- exercise: lesson/cell/n -->` line) with its question, the
answer gradlab's core computes, and a reasoning a teacher would say aloud; and it holds no
exercise the notebooks do not.

`make answer-key-skeleton` (tools/course.py --key) writes the questions and answers and keeps
every reasoning written; the reasoning is written by hand, so these tests fail for each exercise
whose reasoning is still "(to be written)". The key is read here with its own few patterns, not
with tools/course.py's reader, and the answers are the core's, computed now.
"""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
KEY = REPO / "docs" / "teaching" / "answers.md"
PLACEHOLDER = "(to be written)"
MIN_WORDS = 8  # a reasoning says why, in at least a sentence


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
SPECS = [spec for lesson in course.lessons() for spec in lesson.exercises]


def key() -> str:
    if not KEY.exists():
        pytest.fail(f"{KEY.relative_to(REPO)} is missing: run `make answer-key-skeleton` "
                    "and write each exercise's reasoning")
    return KEY.read_text(encoding="utf-8")


def block(spec) -> str:
    """The key's text for one exercise: from its marker to the next heading."""
    text = key()
    start = text.find(f"<!-- exercise: {spec.id} -->")
    if start < 0:
        pytest.fail(f"{spec.where}: exercise {spec.index} of {spec.lesson} (`{spec.source}`) "
                    "is not in the answer key: run `make answer-key-skeleton`")
    end = re.compile(r"^#{1,3} ", re.MULTILINE).search(text, start)
    return text[start:end.start() if end else len(text)]


def test_the_lessons_have_exercises():
    assert len(SPECS) >= len({spec.lesson for spec in SPECS}) > 0


@pytest.mark.parametrize("spec", SPECS, ids=[spec.id for spec in SPECS])
def test_each_exercise_is_in_the_key_with_the_cores_answer(spec):
    built = course.build(spec)
    text = block(spec)
    answer = re.search(r"^\*\*Answer\.\*\*\s*`([^`]*)`", text, re.MULTILINE)
    assert answer, f"{spec.id}: no **Answer.** `...` line"
    assert answer.group(1) == built.answer_text, (
        f"{spec.id}: the key says {answer.group(1)!r}, the core {built.answer_text!r}: run "
        "`make answer-key-skeleton` and check the reasoning")
    question = re.search(r"^\*\*Question\.\*\*\s*(.+)$", text, re.MULTILINE)
    assert question, f"{spec.id}: no **Question.** line"
    assert re.sub(r"\\([*_])", r"\1", question.group(1)).startswith(built.question), spec.id


@pytest.mark.parametrize("spec", SPECS, ids=[spec.id for spec in SPECS])
def test_each_exercise_has_its_reasoning(spec):
    text = block(spec)
    reasoning = re.search(r"^\*\*Reasoning\.\*\*(.*)", text, re.MULTILINE | re.DOTALL)
    assert reasoning, (f"{spec.id}: no **Reasoning.** paragraph (one written for an older "
                       "answer must be checked, then labelled **Reasoning.** again)")
    words = reasoning.group(1).split()
    assert PLACEHOLDER not in reasoning.group(1) and len(words) >= MIN_WORDS, (
        f"{spec.id}: the reasoning is not written yet ({spec.where}, `{spec.source}`)")


def test_the_key_has_no_exercise_the_lessons_do_not():
    text = key()
    listed = re.findall(r"<!--\s*exercise:\s*(\S+)\s*-->", text)
    assert len(listed) == len(set(listed)), "an exercise is in the key twice"
    gone = sorted(set(listed) - {spec.id for spec in SPECS})
    assert not gone, f"the key has exercises the notebooks no longer have: {gone}"
