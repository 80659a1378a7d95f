"""Re-execute the notebooks in order and save them for nbval (`make notebooks`).

Each notebook runs top to bottom in a fresh kernel, as nbconvert --execute would, but is saved
without widget state (plotly's JavaScript would add 5 MB each) and without the widget-view
outputs: a notebook opened before it is run then shows each lab's plain-text description
instead of an error about a missing widget model. nbval ignores widget views either way.
Each cell's slide type for RISE is set too (tools/slides.py), from its role in the lesson.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient

sys.path.insert(0, str(Path(__file__).resolve().parent))  # also when loaded from elsewhere
from siblings import load  # noqa: E402  (tools/siblings.py)

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
LIMIT = 300_000  # bytes: the team's ceiling for a saved notebook


def _load_slides():
    """tools/slides.py as a module."""
    return load("slides")


slides = _load_slides()


def hides_an_answer(cell: nbformat.NotebookNode) -> bool:
    """An exercise's cell: its code holds the hints (and a choice's answer)."""
    return cell.cell_type == "code" and re.search(r"\bExercise\s*[.(]", cell.source) is not None


def strip(book: nbformat.NotebookNode) -> None:
    book.metadata.pop("widgets", None)
    for cell in book.cells:
        cell.metadata.pop("execution", None)
        if hides_an_answer(cell):  # collapsed in JupyterLab: the learner sees the widget only
            cell.metadata.setdefault("jupyter", {})["source_hidden"] = True
        for output in cell.get("outputs", []):
            output.get("data", {}).pop(WIDGET_VIEW, None)
    slides.apply(book)  # each cell's slide type, from its role (after source_hidden is set)


def run(path: Path) -> None:
    book = nbformat.read(path, as_version=4)
    client = NotebookClient(book, timeout=300, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}},
                            store_widget_state=False)
    client.execute()
    strip(book)
    nbformat.write(book, path)
    size = path.stat().st_size
    print(f"{path.name}: {size // 1000} KB")
    if size > LIMIT:
        raise SystemExit(f"{path} is {size} bytes, over the {LIMIT}-byte limit")


def main(argv: list[str]) -> None:
    paths = [Path(p) for p in argv] or sorted(Path("notebooks").glob("[0-9][0-9]_*.ipynb"))
    for path in paths:
        run(path)


if __name__ == "__main__":
    main(sys.argv[1:])
