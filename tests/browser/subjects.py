"""Where the browser tests find their notebooks and put their screenshots, and the window
size they look at them in."""

from __future__ import annotations

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
