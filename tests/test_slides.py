"""The lessons as RISE slides (tools/slides.py): every notebook saved with the slide types the
tool gives, and, checked here on the saved metadata with rules of its own, nothing on a slide
that must not reach the projector (an exercise, a summary, the progress count, the banner that
says "Run All Cells"), every slide opening on a heading, every lab on screen."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path

import pytest
from siblings import load  # tools/siblings.py (tests/conftest.py puts tools/ on the path)

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
SHOWN = {"slide", "subslide", "fragment", "-"}


def _load_slides():
    return load("slides")


slides = _load_slides()


def source(cell: dict) -> str:
    return "".join(cell["source"])


def cells(path: Path) -> list[dict]:
    return json.loads(path.read_text())["cells"]


def slide_type(cell: dict) -> str | None:
    return cell["metadata"].get("slideshow", {}).get("slide_type")


def sections(book: list[dict]) -> list[tuple[str, list[dict]]]:
    """The notebook cut at its "## " headings: (heading line, the cells under it)."""
    cut: list[tuple[str, list[dict]]] = [("", [])]
    for cell in book:
        text = source(cell).lstrip()
        if cell["cell_type"] == "markdown" and text.startswith("## "):
            cut.append((text.splitlines()[0], []))
        cut[-1][1].append(cell)
    return cut


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_is_saved_with_the_slide_types_the_tool_gives(path):
    book = cells(path)
    saved = [slide_type(cell) for cell in book]
    assert None not in saved, "a cell without slide metadata: run tools/slides.py"
    assert saved == slides.slide_types(book), "out of step: run tools/slides.py"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_no_exercise_summary_progress_or_banner_on_a_slide(path):
    for heading, under in sections(cells(path)):
        hidden_section = re.match(r"## (Summary|Your progress)", heading) is not None
        for cell in under:
            text = source(cell)
            why = None
            if hidden_section:
                why = f"in the section {heading!r}"
            elif cell["cell_type"] == "code" and re.search(r"\bExercise\s*[.(]", text):
                why = "an exercise (its code holds the hints and answers)"
            elif cell["metadata"].get("jupyter", {}).get("source_hidden"):
                why = "collapsed code"
            elif "Progress(" in text:
                why = "the progress count"
            elif "Run All" in text and cell["cell_type"] == "markdown" \
                    and text.lstrip().startswith("*gradlab*"):
                why = "the navigation banner (no menus in a slideshow)"
            elif re.match(r"\s*(###\s+Practice|\*\*Exercises?\b)", text):
                why = "the text of an exercise"
            if why:
                assert slide_type(cell) == "skip", f"shown on a slide, {why}: {text[:80]!r}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_slide_opens_on_a_heading_and_every_lab_is_shown(path):
    book = cells(path)
    shown = [cell for cell in book if slide_type(cell) in SHOWN]
    assert shown and slide_type(shown[0]) == "slide" and source(shown[0]).startswith("# ")
    for cell in book:
        if slide_type(cell) == "slide":
            assert cell["cell_type"] == "markdown" and source(cell).startswith("#"), \
                f"a slide without a heading: {source(cell)[:80]!r}"
    labs = slides.lab_call()
    for cell in book:
        if cell["cell_type"] == "code" and labs.search(source(cell)):
            assert slide_type(cell) == "subslide", f"a lab not on its own screen: {source(cell)!r}"
    heads = [source(c) for c in book if slide_type(c) == "slide"]
    assert len(heads) >= 2, "a lesson of one slide"


def test_the_tool_is_idempotent_and_keeps_everything_but_the_slide_type():
    for path in NOTEBOOKS:
        book = json.loads(path.read_text())
        book["cells"][0]["metadata"]["slideshow"] = {"slide_type": "skip"}  # out of step
        before = copy.deepcopy(book)
        assert slides.apply(book) is True
        assert slides.apply(book) is False, "a second run changed something"
        for old, new in zip(before["cells"], book["cells"], strict=True):
            assert new["id"] == old["id"] and new["source"] == old["source"]
            assert new.get("outputs") == old.get("outputs")
            rest = {k: v for k, v in new["metadata"].items() if k != "slideshow"}
            assert rest == {k: v for k, v in old["metadata"].items() if k != "slideshow"}
        assert book["metadata"] == before["metadata"]


def _md(text: str) -> dict:
    return {"cell_type": "markdown", "metadata": {}, "source": text}


def _code(text: str, hidden: bool = False) -> dict:
    metadata = {"jupyter": {"source_hidden": True}} if hidden else {}
    return {"cell_type": "code", "metadata": metadata, "source": text, "outputs": []}


def test_the_rules_on_a_made_up_lesson():
    lesson = [
        _md("# 1. Title"),
        _md("*gradlab* · [Start here](00_start_here.ipynb) · Run the lesson with **Run ▸ Run "
            "All Cells**"),
        _md("## Idea\n\nProse."),
        _code("import gradlab as gl\nfrom gradlab.views import Surface"),
        _code('Surface("x*y")'),
        _md("**Try this:** move x."),
        _code('Exercise("x", at={"x": 1}, partial="x")', hidden=True),
        _md("### Practice: more\n\nWork it out."),
        _code('Exercise.formula("x^2", "x")', hidden=True),
        _md("### Afterwards\n\nBack on the slide."),
        _code('print(gl.parse("x").summary(x=1))'),
        _md("**Exercise:** one by hand."),
        _md("## Summary at another point"),
        _code('print(gl.parse("x").summary(x=2))'),
        _md("More summary prose."),
        _md("## Next idea"),
        _md("## Your progress"),
        _code("Progress()"),
    ]
    assert slides.slide_types(lesson) == [
        "slide", "skip", "slide", "skip", "subslide", "fragment", "skip", "skip", "skip", "-",
        "-", "skip", "skip", "skip", "skip", "slide", "skip", "skip"]
