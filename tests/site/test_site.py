"""The static site (`make site`) as a learner meets it: served by a plain static server on
127.0.0.1, opened in Chromium with every request to another host aborted and recorded. Each
lesson tested runs as it is (Run All, no %pip): no Python error, every lab drawn, a slider moved
with the keyboard redraws each lab's plot, an Exercise says "Not yet" to a wrong answer and
"Correct!" to the right one (the answer from SymPy, not from gradlab), and no request left
127.0.0.1. The site's files are checked too: its own Pyodide, the wheels its lock names with
their sha256, Pyodide's builds byte for byte the official ones, and its size.

GRADLAB_SITE_LESSONS=all (or a comma-separated list of notebook names) runs other lessons than
the default two; each takes ~1.5-2 min on a 2-core machine (the kernel starts in the browser)."""

from __future__ import annotations

import ast
import base64
import hashlib
import json
import os
import tarfile
import time
from pathlib import Path

import pytest
import sympy
from lab_slider import (
    cell_locator,
    find_lab,
    plot_drawing,
    press_button,
    press_slider,
    readouts,
    wait_for_check,
    wait_for_labs,
    wait_for_new_drawing,
)
from notebook_page import UPDATE_MS, open_notebook, output_problems, run_all, shut_down_kernel
from siblings import load  # noqa: E402  (tools/siblings.py; tests/conftest.py puts tools/ on the path)
from site_server import Offline
from subjects import NOTEBOOKS, VIEWPORT, lab_cells
from sympy.parsing.sympy_parser import (
    convert_xor,
    implicit_multiplication_application,
    parse_expr,
    standard_transformations,
)

from gradlab.views.training_lab import EPOCHS_PER_TICK

ROOT = Path(__file__).resolve().parents[2]
SIZE_GOAL_MB = 80
DEFAULT_LESSONS = ["01_partial_derivatives.ipynb", "05_chain_rule.ipynb"]


SITE_TOOL = load("site")


def lessons() -> list[str]:
    chosen = os.environ.get("GRADLAB_SITE_LESSONS", "")
    if chosen == "all":
        return sorted(path.name for path in NOTEBOOKS.glob("*.ipynb"))
    return [name.strip() for name in chosen.split(",") if name.strip()] or DEFAULT_LESSONS


# --- the files --------------------------------------------------------------------------------

def official_lock() -> dict:
    """Pyodide's own pyodide-lock.json, read from npm's tarball (its sha512 checked here)."""
    tarball = SITE_TOOL.fetch_pyodide_tarball(SITE_TOOL.CACHE)
    digest = base64.b64encode(hashlib.sha512(tarball.read_bytes()).digest()).decode()
    assert f"sha512-{digest}" == SITE_TOOL.NPM_INTEGRITY
    with tarfile.open(tarball) as tar:
        return json.loads(tar.extractfile("package/pyodide-lock.json").read())


def test_the_site_loads_its_own_pyodide_and_every_lesson(site_folder: Path) -> None:
    config = json.loads((site_folder / "jupyter-lite.json").read_text())["jupyter-config-data"]
    kernel = config["litePluginSettings"]["@jupyterlite/pyodide-kernel-extension:kernel"]
    assert kernel["pyodideUrl"] == "./static/pyodide/pyodide.js"
    assert kernel["disablePyPIFallback"] is True
    assert "gradlab" in kernel["loadPyodideOptions"]["packages"]
    for url in kernel.get("pipliteUrls", []):
        assert url.startswith("./"), url
    for notebook in NOTEBOOKS.glob("*.ipynb"):
        assert (site_folder / "files" / notebook.name).read_bytes() == notebook.read_bytes()


def test_every_file_the_kernel_loads_is_in_the_site_with_its_hash(site_folder: Path) -> None:
    pyodide = site_folder / "static" / "pyodide"
    lock = json.loads((pyodide / "pyodide-lock.json").read_text())
    official = official_lock()
    assert lock["info"] == official["info"]  # Pyodide 0.27.7, Python 3.12
    ours = set(SITE_TOOL.PYPI)
    for name, entry in lock["packages"].items():
        path = pyodide / entry["file_name"]
        assert hashlib.sha256(path.read_bytes()).hexdigest() == entry["sha256"], name
        if name not in ours:  # Pyodide's own build: exactly the official file
            assert entry == official["packages"][name], name
    assert lock["packages"]["numpy"]["file_name"].endswith("pyodide_2024_0_wasm32.whl")
    names = {SITE_TOOL._norm(name) for name in lock["packages"]}
    for name, entry in lock["packages"].items():  # every dependency is there
        assert {SITE_TOOL._norm(d) for d in entry["depends"]} <= names, name


def test_the_site_is_under_its_size_goal(site_folder: Path) -> None:
    size = sum(p.stat().st_size for p in site_folder.rglob("*") if p.is_file()) / 1e6
    print(f"\nsite size: {size:.1f} MB")
    assert size < SIZE_GOAL_MB


# --- in the browser -----------------------------------------------------------------------------

def partial_exercise(lesson: str) -> tuple[int, str, dict[str, float], str] | None:
    """(cell index, expression, point, variable) of the lesson's first Exercise asking a
    partial derivative at a point, read from the notebook's source."""
    cells = json.loads((NOTEBOOKS / lesson).read_text())["cells"]
    for index, cell in enumerate(cells):
        if cell["cell_type"] != "code":
            continue
        for node in ast.walk(ast.parse("".join(cell["source"]))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                    and node.func.id == "Exercise" and node.args):
                keywords = {k.arg: ast.literal_eval(k.value) for k in node.keywords
                            if k.arg in ("at", "partial")}
                if "at" in keywords and "partial" in keywords:
                    return (index, ast.literal_eval(node.args[0]), keywords["at"],
                            keywords["partial"])
    return None


def sympy_partial(expression: str, point: dict[str, float], variable: str) -> float:
    """The partial derivative by SymPy, from the expression's text (gradlab's syntax: ^ for
    powers, 2x for 2*x)."""
    transformations = (*standard_transformations, implicit_multiplication_application,
                       convert_xor)
    symbols = {name: sympy.Symbol(name) for name in point}
    f = parse_expr(expression, local_dict=symbols, transformations=transformations)
    return float(sympy.diff(f, symbols[variable]).subs(
        {symbols[k]: sympy.nsimplify(v) for k, v in point.items()}))


def answer(page, cell: int, text: str) -> str:
    """Type `text` into the exercise's answer box, press Check, and return what it says."""
    node = cell_locator(page, cell)
    before = node.inner_text()
    node.locator(".widget-text input").first.fill(text)
    node.get_by_role("button", name="Check").click()
    page.wait_for_function(
        """([index, before]) => {
          const node = window.jupyterapp.shell.currentWidget.content.widgets[index].node;
          return node.innerText !== before && /Correct|Not yet/.test(node.innerText);
        }""", arg=[cell, before], timeout=UPDATE_MS)
    return node.inner_text()


def test_the_default_lessons_each_have_a_partial_exercise() -> None:
    for lesson in DEFAULT_LESSONS:
        assert partial_exercise(lesson) is not None, lesson


def test_the_oracle_reads_gradlab_syntax() -> None:
    assert sympy_partial("x^3 - 2x", {"x": 2}, "x") == 10.0
    assert sympy_partial("3(2x^2)^5", {"x": 0.5}, "x") == 1.875


@pytest.mark.parametrize("lesson", lessons())
def test_a_lesson_runs_in_the_site_with_nothing_from_another_host(site, browser,
                                                                   lesson: str) -> None:
    context = browser.new_context(viewport=VIEWPORT)
    offline = Offline(site.base).attach(context)
    page = context.new_page()
    uncaught: list[str] = []
    page.on("pageerror", lambda error: uncaught.append(str(error)))
    started = time.monotonic()
    try:
        open_notebook(page, f"{site.base}/lab/index.html?path={lesson}")
        ready = time.monotonic() - started
        run_all(page)
        ran = time.monotonic() - started
        assert output_problems(page) == []

        cells = lab_cells(lesson)
        assert cells, f"{lesson} makes no lab"
        wait_for_labs(page, cells)
        redrawn = 0
        for cell in cells:
            lab = find_lab(page, cell)
            assert lab is not None, f"cell {cell}: no slider"
            if not plot_drawing(page, lab):
                continue  # a lab of readouts only: its plots are elsewhere
            kinds = {r.check.get("kind") for r in readouts(page, lab) if r.check}
            if "training" in kinds:  # at epoch 0 a setting changes nothing drawn: train first
                press_button(page, lab, "Step")
                wait_for_check(page, lab, "training", "epochs", EPOCHS_PER_TICK)
            before = plot_drawing(page, lab)
            press_slider(page, lab, "ArrowLeft" if lab.at_max else "ArrowRight")
            wait_for_new_drawing(page, lab, before)
            redrawn += 1
        assert redrawn, f"{lesson}: no slider redrew a plot"

        exercise = partial_exercise(lesson)
        if exercise is not None:
            cell, expression, point, variable = exercise
            right = sympy_partial(expression, point, variable)
            assert "Not yet" in answer(page, cell, repr(right + 1))
            assert "Correct!" in answer(page, cell, repr(right))
        assert output_problems(page) == []
        assert uncaught == []
        print(f"\n{lesson}: kernel ready {ready:.0f} s, Run All done {ran:.0f} s, "
              f"{len(cells)} labs, {redrawn} redrawn by a slider, "
              f"all {time.monotonic() - started:.0f} s; {len(offline.local)} local requests")
    finally:
        shut_down_kernel(page)
        context.close()
    assert offline.foreign == [], f"requests left 127.0.0.1: {offline.foreign}"
    # the route saw the kernel's own downloads (from its web worker), so "none left" means it
    assert any(url.endswith("/pyodide.asm.wasm") for url in offline.local), offline.local[:20]
    assert any("/numpy-2.0.2-" in url for url in offline.local), offline.local[:20]
