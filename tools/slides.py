"""Slide metadata for RISE (jupyterlab-rise): each cell's `metadata.slideshow.slide_type`, set
from the cell's role in the lesson, so a lesson presents as slides in JupyterLab.

    title "# ..." and each "## ..." section            slide      (a new slide, left to right)
    a lab (a gradlab view with sliders)                subslide   (its own screen, below)
    a "Try this" (a question for the room)             fragment   (shown on the next key press)
    prose, formulas, printed numbers                   -          (on the slide above)
    exercises, "Practice"/"Check yourself" sections,   skip       (hidden while presenting:
    "Summary" and "Your progress" sections, the                    no answer on the projector,
    navigation banner, the import cell                             no menus to "Run All" with)

Deterministic: running it twice changes nothing, and tests/test_slides.py checks every notebook
is in step with it. `make notebooks` (tools/run_notebooks.py) applies it before saving;
`python tools/slides.py [notebooks...]` applies it alone (metadata only, outputs kept).
A skipped cell is only hidden: the kernel runs it with the others (Run All before presenting).
"""

from __future__ import annotations

import ast
import re
import sys
from collections.abc import Iterable
from pathlib import Path

import nbformat

SLIDE, SUBSLIDE, FRAGMENT, CONTINUE, SKIP = "slide", "subslide", "fragment", "-", "skip"

# Sections hidden in presentation mode, by the start of their heading's title: the exercises'
# own sections, the summaries (they print numbers) and the progress count.
HIDDEN_SECTIONS = ("Summary", "Your progress", "Practice", "Check yourself")
# The navigation banner of every lesson (links and "Run ▸ Run All Cells": no menus in a slide).
BANNER = re.compile(r"^\*gradlab\*\s*·")
# Prose that sets an exercise ("**Exercise:** ...", "**Exercises:** ...").
EXERCISE_PROSE = re.compile(r"^\*\*Exercises?\b")
# A call of gradlab's checked exercises (as tools/run_notebooks.py collapses them).
EXERCISE_CALL = re.compile(r"\bExercise\s*[.(]")
TRY_THIS = re.compile(r"^\*\*Try this\b")
HEADING = re.compile(r"^(#{1,6})\s+(.*)")


def lab_call() -> re.Pattern:
    """A call that makes a lab: any view gradlab.views exports, except Exercise and Progress."""
    from gradlab.views import __all__ as views

    labs = sorted(set(views) - {"Exercise", "Progress"})
    return re.compile(rf"\b(?:{'|'.join(labs)})\(")


def heading(cell: dict) -> tuple[int, str] | None:
    """(level, title) of a markdown cell that starts with a heading, else None."""
    if cell["cell_type"] != "markdown":
        return None
    match = HEADING.match(_source(cell).lstrip())
    return (len(match.group(1)), match.group(2).strip()) if match else None


def is_exercise(cell: dict) -> bool:
    """An exercise's code cell: it calls Exercise, or its code is collapsed (it holds hints)."""
    return cell["cell_type"] == "code" and (
        EXERCISE_CALL.search(_source(cell)) is not None
        or cell.get("metadata", {}).get("jupyter", {}).get("source_hidden") is True)


def is_imports(cell: dict) -> bool:
    """A code cell that only imports (nothing to see: it is run, not shown)."""
    if cell["cell_type"] != "code" or not _source(cell).strip():
        return False
    try:
        tree = ast.parse(_source(cell))
    except SyntaxError:
        return False
    return all(isinstance(node, (ast.Import, ast.ImportFrom)) for node in tree.body)


def slide_types(cells: list[dict], labs: re.Pattern | None = None) -> list[str]:
    """The slide type of each cell, from its role (see the module's docstring)."""
    labs = labs or lab_call()
    types: list[str] = []
    hidden_below: int | None = None  # the level of the hidden section we are in, if any
    for index, cell in enumerate(cells):
        source = _source(cell).lstrip()
        head = heading(cell)
        if head is not None:
            level, title = head
            if hidden_below is not None and level <= hidden_below:
                hidden_below = None  # a heading at the same or a higher level ends it
            if hidden_below is None and title.startswith(HIDDEN_SECTIONS):
                hidden_below = level
        if hidden_below is not None:
            kind = SKIP
        elif head is not None and (head[0] <= 2 or index == 0):
            kind = SLIDE
        elif cell["cell_type"] == "markdown" and (BANNER.match(source)
                                                  or EXERCISE_PROSE.match(source)):
            kind = SKIP
        elif is_exercise(cell) or is_imports(cell):
            kind = SKIP
        elif index == 0:
            kind = SLIDE
        elif cell["cell_type"] == "code" and labs.search(_source(cell)):
            kind = SUBSLIDE
        elif cell["cell_type"] == "markdown" and TRY_THIS.match(source):
            kind = FRAGMENT
        else:
            kind = CONTINUE
        types.append(kind)
    return types


def apply(book: dict, labs: re.Pattern | None = None) -> bool:
    """Write each cell's slide type into `book` (a notebook as nbformat or json gives it; ids
    and everything else kept). Returns whether anything changed."""
    changed = False
    for cell, kind in zip(book["cells"], slide_types(book["cells"], labs), strict=True):
        metadata = cell.setdefault("metadata", {})
        slideshow = metadata.setdefault("slideshow", {})
        if slideshow.get("slide_type") != kind:
            slideshow["slide_type"] = kind
            changed = True
    return changed


def _source(cell: dict) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else source


def main(argv: Iterable[str]) -> None:
    paths = [Path(p) for p in argv] or sorted(Path("notebooks").glob("[0-9][0-9]_*.ipynb"))
    labs = lab_call()
    for path in paths:
        book = nbformat.read(path, as_version=4)
        if apply(book, labs):
            nbformat.write(book, path)
            print(f"{path.name}: slide types written")
        else:
            print(f"{path.name}: in step")


if __name__ == "__main__":
    main(sys.argv[1:])
