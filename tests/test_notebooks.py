"""The notebooks as a guard: saved small and executed, and nbval fails when a derivative rule
of the core is wrong."""

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def test_there_is_a_notebook_per_lesson():
    names = [path.stem for path in NOTEBOOKS]
    assert names[0] == "00_start_here" and len(names) >= 9


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_is_saved_small_executed_in_order_and_thin(path):
    assert path.stat().st_size < 300_000
    book = json.loads(path.read_text())
    assert "widgets" not in book["metadata"]  # no stored widget state
    counts = []
    for cell in book["cells"]:
        if cell["cell_type"] != "code":
            continue
        lines = [line for line in "".join(cell["source"]).splitlines()
                 if line.strip() and not line.lstrip().startswith("#")]
        assert 1 <= len(lines) <= 3, "code cells are 1-3 lines that call gradlab"
        assert not any(line.lstrip().startswith(("def ", "class ", "lambda")) for line in lines)
        counts.append(cell["execution_count"])
        if re.search(r"\bExercise\s*[.(]", "".join(cell["source"])):
            # an exercise's code holds its hints (and a choice's answer): collapsed on the page
            assert cell["metadata"].get("jupyter", {}).get("source_hidden") is True
            # which still shows its first line: for an exercise made from a formula, only its
            # maker (the formula can be the computation asked for, as x - 0.1*2*x for a step)
            first = lines[0]
            if not first.startswith("Exercise.choice("):
                assert re.fullmatch(r"Exercise(\.\w+)?\(", first), first
        for output in cell.get("outputs", []):
            assert output["output_type"] != "error"
            # saved without widget views: unrun, a lab shows its plain-text description
            assert "application/vnd.jupyter.widget-view+json" not in output.get("data", {})
    assert counts == list(range(1, len(counts) + 1)), "saved executed, in order"


def test_nbval_fails_when_a_derivative_rule_is_wrong(tmp_path):
    """Inject a wrong product rule, d(a*b)/da = 2b, into a copy of the core; nbval must fail."""
    copy = tmp_path / "gradlab"
    shutil.copytree(ROOT / "gradlab", copy, ignore=shutil.ignore_patterns("__pycache__"))
    ops = copy / "ops.py"
    right = "local=lambda out, a, b: (b, a))"
    assert ops.read_text().count(right) == 1
    ops.write_text(ops.read_text().replace(right, "local=lambda out, a, b: (2 * b, a))"))
    notebook = ROOT / "notebooks" / "02_sum_and_product.ipynb"
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}  # the kernel imports the broken copy
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--nbval",
               "--nbval-sanitize-with", str(ROOT / "tests" / "nbval_sanitize.cfg"),
               str(notebook)]
    broken = subprocess.run(command, capture_output=True, text=True, env=env, cwd=tmp_path,
                            timeout=600)
    assert broken.returncode == 1, broken.stdout[-2000:]
    # it failed on the printed partials (27 by hand, 54 with the wrong rule), not elsewhere
    assert "Cell outputs differ" in broken.stdout and "9*x^2*z = 54" in broken.stdout
