"""The table of SymPy's results for the lessons' formulas (gradlab/expression/worked.py, issue 16):
current, right, used, and ignored when it is not for this SymPy and gradlab.

1. The table was written by this SymPy and these sources (else: `make worked` rewrites it).
2. Every entry is what SymPy works out now (gradlab's own conversion, the table bypassed), and
   every partial agrees with the core's backward pass at sample points (an independent oracle).
3. No lesson imports SymPy to draw: a fresh Python runs each lesson's cells, displays included.
4. A table of another fingerprint, or a malformed one, is ignored (SymPy works the result out);
   a partial the table gave is SymPy's own derivative when its SymPy form is asked for; and a
   partial's LaTeX is never taken for the LaTeX of its text parsed anew (2*pi*x).
"""

from __future__ import annotations

import json
import math
import random
import subprocess
import sys
from pathlib import Path

import pytest

import gradlab as gl
from gradlab.expression import expression as expression_module
from gradlab.expression import symbolic, worked
from gradlab.expression.expression import Expression

ROOT = Path(__file__).resolve().parent.parent
LESSONS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
STORED = json.loads(worked.TABLE.read_text(encoding="utf-8"))
ENTRIES = [(key, tree, result) for key, pairs in STORED["results"].items()
           for tree, result in pairs]


@pytest.fixture
def fresh(monkeypatch):
    """No result worked out earlier in this process; the table read anew."""
    monkeypatch.setattr(expression_module, "_known_results", {})
    worked._table.cache_clear()
    yield
    worked._table.cache_clear()


def test_the_table_is_for_this_sympy_and_gradlab():
    assert STORED["fingerprint"] == worked.fingerprint(), (
        "gradlab/expression/worked.json was written by another SymPy or other sources "
        "(worked.SOURCES): run `make worked` to rewrite it")
    assert len(ENTRIES) > 20


@pytest.mark.parametrize(("key", "tree", "result"), ENTRIES, ids=[e[0] for e in ENTRIES])
def test_each_entry_is_what_sympy_works_out_now(key, tree, result):
    what, *rest = key.split("|")
    source = worked.decode(tree)
    if what == "latex":
        (text,) = rest
        expression = Expression(source)
        assert expression.text == text
        assert expression._latex() == result  # SymPy now, not the table
        return
    names, name, text = rest
    expression = Expression(source, tuple(names.split(",")) if names else ())
    assert expression.text == text
    partial = expression._partial(name)  # SymPy now, not the table
    if what == "latex of partial":
        assert partial._latex() == result
        return
    assert what == "partial"
    assert partial.tree == worked.decode(result)
    # the partial against the core's backward pass (no SymPy), at points off every kink
    rng = random.Random(key)
    shown = Expression(worked.decode(result), expression.variables)
    checked = 0
    for _ in range(6):
        point = {v: rng.uniform(0.3, 1.7) * rng.choice((-1, 1)) for v in expression.variables}
        expected = expression.gradient(**point)[name]
        if math.isfinite(expected):  # log or sqrt of a negative number: not defined there
            assert shown.evaluate(**point) == pytest.approx(expected, rel=1e-9, abs=1e-12)
            checked += 1
    assert checked >= 1


def test_trees_go_into_the_table_and_back_unchanged():
    for text in ("3(2x^2)^5", "-x*y + max(x, y)/2", "exp(-x^2 - y^2)", "sqrt(relu(x)) - -1.5e-3"):
        tree = gl.parse(text).tree
        assert worked.decode(json.loads(json.dumps(worked.encode(tree)))) == tree


LESSON_WITHOUT_SYMPY = """
import contextlib, io, sys
import nbformat
from IPython.core.interactiveshell import InteractiveShell
shell = InteractiveShell.instance()
book = nbformat.read(sys.argv[1], as_version=4)
for cell in book.cells:
    if cell.cell_type == "code":
        with contextlib.redirect_stdout(io.StringIO()):  # displays too: _repr_latex_ runs
            result = shell.run_cell(cell.source)
        result.raise_error()
print("sympy" in sys.modules)
"""


@pytest.mark.parametrize("lesson", LESSONS, ids=[p.stem for p in LESSONS])
def test_no_lesson_imports_sympy_to_draw(lesson):
    """Every cell of the lesson run as Run All runs it (the exercises not checked): SymPy is not
    imported. A formula a lesson shows that the table lacks fails here: `make worked`."""
    run = subprocess.run([sys.executable, "-c", LESSON_WITHOUT_SYMPY, str(lesson)],
                         capture_output=True, text=True, cwd=lesson.parent, timeout=300)
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.stdout.split()[-1] == "False", (
        f"{lesson.name} imported SymPy to draw: a formula it shows is not in the table "
        "(`make worked`), or the table is stale (see the first test)")


def test_the_table_is_used(fresh, monkeypatch):
    """Lesson 02's product: its partials come from the table, SymPy is not asked; and they are
    right by hand: d[x(1 - x^2 - y^2)]/dx = 1 - 3x^2 - y^2, d/dy = -2xy."""
    def not_asked(*args):
        raise AssertionError("SymPy was asked")

    monkeypatch.setattr(symbolic, "to_sympy", not_asked)
    f = gl.parse("x * (1 - x^2 - y^2)")
    dx, dy = f.partial("x"), f.partial("y")
    for x, y in ((0.5, -1.0), (2.0, 0.25)):
        assert dx.evaluate(x=x, y=y) == pytest.approx(1 - 3 * x**2 - y**2)
        assert dy.evaluate(x=x, y=y) == pytest.approx(-2 * x * y)
    assert dx.latex == "- 3 x^{2} - y^{2} + 1"


def test_a_table_for_another_sympy_or_gradlab_is_ignored(fresh, monkeypatch, tmp_path):
    """The same entries under another fingerprint, one of them planted wrong: not used."""
    planted = dict(STORED["results"])
    key = "partial|x,y|x|x*(1 - x^2 - y^2)"
    tree, _ = planted[key][0]
    planted[key] = [[tree, worked.encode(gl.parse("42").tree)]]
    table = tmp_path / "worked.json"
    table.write_text(json.dumps({"fingerprint": "sympy 0.0; gradlab 0", "results": planted}))
    monkeypatch.setattr(worked, "TABLE", table)
    asked = []
    real = symbolic.to_sympy
    monkeypatch.setattr(symbolic, "to_sympy", lambda *args: asked.append(1) or real(*args))
    dx = gl.parse("x * (1 - x^2 - y^2)").partial("x")
    assert asked and dx.evaluate(x=0.5, y=-1.0) == pytest.approx(1 - 0.75 - 1)
    # under this SymPy and gradlab's fingerprint, the planted entry would be used
    table.write_text(json.dumps({"fingerprint": worked.fingerprint(), "results": planted}))
    worked._table.cache_clear()
    monkeypatch.setattr(expression_module, "_known_results", {})
    assert gl.parse("x * (1 - x^2 - y^2)").partial("x").text == "42"


@pytest.mark.parametrize("text", ["[]", '{"fingerprint": 1}', "{", ""])
def test_a_malformed_table_is_ignored(fresh, monkeypatch, tmp_path, text):
    table = tmp_path / "worked.json"
    table.write_text(text)
    monkeypatch.setattr(worked, "TABLE", table)
    assert gl.parse("x * (1 - x^2 - y^2)").partial("y").text == "-2*x*y"  # by hand


def test_a_partials_latex_is_not_taken_for_its_text_parsed_anew(fresh, monkeypatch, tmp_path):
    """d(pi x^2)/dx = 2 pi x: SymPy writes the partial with pi, but the text 2*pi*x parsed anew
    enters SymPy with pi's value (a constant part is computed by the core). Through a table
    holding the first, the second still reads as without a table."""
    partial = gl.parse("pi*x^2").partial("x")
    assert partial.text == "2*pi*x" and partial.latex == r"2 \pi x"
    anew = Expression(gl.parse("2*pi*x").tree)._latex()  # no table, no cache
    assert anew.startswith("6.28318530717959")
    table = tmp_path / "worked.json"
    worked.write(expression_module.worked_out(), table)
    monkeypatch.setattr(worked, "TABLE", table)
    worked._table.cache_clear()
    monkeypatch.setattr(expression_module, "_known_results", {})
    assert gl.parse("2*pi*x").latex == anew
    assert gl.parse("pi*x^2").partial("x").latex == r"2 \pi x"


def test_a_partial_from_the_table_is_sympys_own_derivative_when_asked(fresh):
    """Its SymPy form is SymPy's derivative of the function (not the table's tree converted
    back), so a second partial and a check of an answer work as without the table:
    d/dy (1 - 3x^2 - y^2) = -2y, by hand."""
    import sympy
    f = gl.parse("x * (1 - x^2 - y^2)")
    dx = f.partial("x")
    assert "_sympy_expression" not in dx.__dict__  # from the table
    x, y = sympy.symbols("x y")
    assert dx._sympy() == sympy.diff(x * (1 - x**2 - y**2), x)
    assert dx.partial("y").evaluate(x=0.3, y=0.5) == pytest.approx(-1.0)
