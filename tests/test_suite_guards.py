"""The suite cannot pass quietly: no test file skips because a required dependency is missing
(plotly, ipywidgets, sympy, Playwright, Voila, ... are imported plainly, so their absence fails
the run). Only the browser tests' skip for a missing Chromium on a learner's machine without apt
stays (tests/browser/chromium.py: it fails in CI)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
SKIPPING = {"skip", "unavailable", "xfail"}  # calls that end a test without failing it
IMPORT_ERRORS = {"ImportError", "ModuleNotFoundError"}
OPTIONAL = "importor" + "skip"  # pytest's skip-if-missing import (spelled so: not a use here)


def _name(node: ast.AST) -> str:
    """'skip' for pytest.skip(...) or skip(...); '' for anything else."""
    if isinstance(node, ast.Call):
        node = node.func
    if isinstance(node, ast.Attribute):
        return node.attr
    return node.id if isinstance(node, ast.Name) else ""


def _calls(nodes: list[ast.stmt]) -> set[str]:
    return {_name(n) for stmt in nodes for n in ast.walk(stmt) if isinstance(n, ast.Call)}


def _catches_import_error(handler: ast.ExceptHandler) -> bool:
    kinds = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    return any(_name(kind) in IMPORT_ERRORS for kind in kinds if kind is not None)


def quiet_skips(source: str) -> list[str]:
    """Where a test module skips for a missing module: pytest's importorskip, a skip (or the
    browser tests' `unavailable`) in an `except ImportError`, under an `if` on
    importlib.util.find_spec, or a skipif mark whose condition asks find_spec."""
    found = []
    for node in ast.walk(ast.parse(source)):
        line = getattr(node, "lineno", 0)
        if isinstance(node, ast.Call) and _name(node) == OPTIONAL:
            found.append(f"line {line}: {OPTIONAL}")
        elif isinstance(node, ast.ExceptHandler) and _catches_import_error(node):
            if _calls(node.body) & SKIPPING:
                found.append(f"line {line}: a skip when an import fails")
        elif isinstance(node, ast.If) and "find_spec" in _calls([ast.Expr(node.test)]):
            if _calls(node.body) & SKIPPING:
                found.append(f"line {line}: a skip when find_spec finds no module")
        elif isinstance(node, ast.Call) and _name(node) == "skipif":
            if "find_spec" in _calls([ast.Expr(arg) for arg in node.args]):
                found.append(f"line {line}: skipif on a missing module")
    return found


def test_no_test_file_skips_for_a_missing_dependency() -> None:
    offenders = {str(path.relative_to(TESTS)): quiet_skips(path.read_text())
                 for path in sorted(TESTS.rglob("*.py"))}
    assert {path: where for path, where in offenders.items() if where} == {}


@pytest.mark.parametrize("source", [
    f'import pytest\npytest.{OPTIONAL}("plotly")\n',
    f'import pytest\nsp = pytest.{OPTIONAL}("sympy")\n',
    "import pytest\ntry:\n    import plotly\nexcept ImportError:\n    pytest.skip('no plotly')\n",
    "try:\n    import voila\nexcept (ModuleNotFoundError, OSError):\n    unavailable('voila')\n",
    "import importlib.util\nif importlib.util.find_spec('voila') is None:\n"
    "    unavailable('Voila is not installed')\n",
    "import importlib, pytest\n@pytest.mark.skipif(importlib.util.find_spec('x') is None, "
    "reason='x')\ndef test_x():\n    pass\n",
])
def test_the_guard_catches_each_way_of_skipping(source: str) -> None:
    assert quiet_skips(source)


@pytest.mark.parametrize("source", [
    "import plotly\nimport sympy as sp\n",
    "try:\n    import tomllib\nexcept ModuleNotFoundError:\n    import tomli as tomllib\n",
    "import pytest\ntry:\n    import nbgrader\nexcept ImportError:\n"
    "    pytest.fail('install it')\n",
    "import pytest\ndef test_root():\n    pytest.skip('runs as an ordinary user already')\n",
])
def test_the_guard_lets_plain_imports_fallbacks_and_failures_pass(source: str) -> None:
    assert quiet_skips(source) == []


def test_no_two_test_files_share_a_name() -> None:
    # pytest imports test files by their base name (no packages here): a second
    # tests/**/test_x.py stops the whole run at collection with "import file mismatch"
    names: dict[str, list[str]] = {}
    for path in TESTS.rglob("test_*.py"):
        names.setdefault(path.name, []).append(str(path.relative_to(TESTS)))
    assert {name: paths for name, paths in names.items() if len(paths) > 1} == {}
