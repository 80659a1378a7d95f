"""`make pictures`: the pictures of README.md and docs/teaching.md, taken from the real thing in
Chromium (the browser tests' harness, tests/browser/), so they show what a learner and a teacher
get today:

- docs/images/exercise.png: lesson 2's formula exercise, answered wrongly, with its feedback;
- docs/images/assignment.png: a lesson's exercises as an nbgrader assignment, as released.

(slides.png, worksheet.png and course_page.png are screenshots the browser tests' runs took of
a slide after a slider moved, a printed worksheet and `make present`'s first page.)
Run: `python tools/pictures.py [exercise assignment]`.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
IMAGES = REPO / "docs" / "images"
sys.path.insert(0, str(REPO / "tests" / "browser"))

from chromium import CHROMIUM_ARGS, ensure_chromium  # noqa: E402
from lab_server import start_lab  # noqa: E402
from notebook_page import open_notebook, run_all, shut_down_kernel  # noqa: E402

LESSON = "02_sum_and_product.ipynb"
SLIDES_LESSON = "06_neuron_backprop.ipynb"
WIDE = {"width": 1100, "height": 820}


def _output_of(page, text: str):
    """The output area of the cell whose output holds `text`."""
    return page.locator(".jp-Cell-outputWrapper", has_text=text).first


def exercise(browser, server, root: Path) -> None:
    """Lesson 2's formula exercise: a wrong answer typed and checked."""
    shutil.copy2(REPO / "notebooks" / LESSON, root / LESSON)
    page = browser.new_page(viewport=WIDE, device_scale_factor=1)
    try:
        open_notebook(page, server.lab_url(LESSON))
        run_all(page)
        box = _output_of(page, "type ∂f/∂x as a formula")
        box.scroll_into_view_if_needed()
        box.locator("input[type=text]").first.fill("2x*(x + y)")
        box.get_by_role("button", name="Check").click()
        box.get_by_text("Not yet").first.wait_for(timeout=20_000)
        box.screenshot(path=str(IMAGES / "exercise.png"))
    finally:
        shut_down_kernel(page)
        page.close()


def assignment(browser, server, root: Path) -> None:
    """Lesson 2's exercises as nbgrader releases them to a class."""
    course = root / "course"
    subprocess.run([sys.executable, str(REPO / "tools" / "course.py"), "--assignments",
                    str(course)], check=True, capture_output=True)
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    name = Path(LESSON).stem
    subprocess.run([sys.executable, "-m", "nbgrader", "generate_assignment", name], cwd=course,
                   env=env, check=True, capture_output=True)
    released = course / "release" / name / LESSON
    shutil.copy2(released, root / f"assignment_{LESSON}")
    page = browser.new_page(viewport={"width": 1100, "height": 900}, device_scale_factor=1)
    try:
        open_notebook(page, server.lab_url(f"assignment_{LESSON}"))
        cell = page.locator(".jp-Cell", has_text="YOUR CODE HERE").first
        cell.scroll_into_view_if_needed()
        page.locator(".jp-NotebookPanel").first.screenshot(path=str(IMAGES / "assignment.png"))
    finally:
        shut_down_kernel(page)
        page.close()


PICTURES = {"exercise": exercise, "assignment": assignment}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", choices=[[], *PICTURES], default=[])
    options = parser.parse_args(argv)
    chromium, reason = ensure_chromium()
    if chromium is None:
        print(f"pictures: {reason}", file=sys.stderr)
        return 2
    from playwright.sync_api import sync_playwright

    IMAGES.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="gradlab-pictures-") as temp:
        root = Path(temp) / "root"
        root.mkdir()
        server = start_lab(root, Path(temp) / "state")
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=chromium,
                                                     args=CHROMIUM_ARGS, headless=True)
                for name in options.names or PICTURES:
                    PICTURES[name](browser, server, root)
                    print(f"docs/images/{name}.png")
                browser.close()
        finally:
            server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
