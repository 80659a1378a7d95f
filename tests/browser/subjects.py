"""Where the browser tests find their notebooks and put their screenshots, and the window
size they look at them in."""

from __future__ import annotations

import json
import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
NOTEBOOKS = REPO / "notebooks"
SCREENSHOTS = REPO / "artifacts" / "screenshots"
SCRATCH_LAB = "scratch_lab.ipynb"  # the subject while notebooks/ is empty
CANARY = "_canary/canary.ipynb"  # faults the checks must catch
VIEWPORT = {"width": 1280, "height": 720}  # a classroom projector


def subject_notebooks() -> list[str]:
    """The notebooks under test (paths relative to the server's root)."""
    found = sorted(path.name for path in NOTEBOOKS.glob("*.ipynb"))
    return found or [SCRATCH_LAB]


def _lab_call() -> re.Pattern:
    """A call that makes a lab: a gradlab view with sliders (not Exercise or Progress)."""
    from gradlab.views import __all__ as views

    labs = sorted(set(views) - {"Exercise", "Progress"})
    return re.compile(rf"\b(?:{'|'.join(labs)})\(")


def lab_cells(name: str) -> list[int]:
    """The indexes of the notebook's cells that make a lab (JupyterLab shows the same cells in
    the same order); the scratch lab's is its cell with a slider."""
    if name == SCRATCH_LAB:
        from scratch_notebooks import lab_notebook

        cells = lab_notebook()["cells"]
        pattern = re.compile(r"FloatSlider\(")
    else:
        cells = json.loads((NOTEBOOKS / name).read_text())["cells"]
        pattern = _lab_call()
    return [i for i, cell in enumerate(cells) if cell["cell_type"] == "code"
            and pattern.search("".join(cell["source"]))]
