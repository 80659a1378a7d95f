"""Work done once, not once per lab (issue 16, time to interactive).

1. plotly's FigureWidget code (~5 MB of JavaScript) goes to the page once per kernel, carried by
   one view-less widget (figure.PlotlyCode), and the page evaluates it once: every Figure
   sends a small module (figure.SHARED_PLOTLY) that loads it. Checked here in Python (what
   each widget sends, in which order); the page's side in Chromium is
   tests/browser/test_shared_plotly_browser.py (with the browser tests' session browser,
   started before any test leaves an asyncio loop behind).
2. A symbolic partial is worked by SymPy once per process: a second lab of the same function
   (a new Expression of the same text) gets it without calling SymPy again.
3. A formula exercise simplifies its answer key only when it is first read, and works out its
   symbolic partial only when an answer is checked or shown: a lesson that shows no formula
   before then (a table with symbolic=False included) does not import SymPy to draw.
4. A slider's value that the page sends back rounded (0.9999999999999996 for 1.0) is not a move:
   the lab does not recompute and redraw after it first appears.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator

import plotly.graph_objects as go
import pytest
from ipywidgets.widgets.widget import _instances

import gradlab as gl
from gradlab.expression import symbolic
from gradlab.views import Curve, Exercise, Surface
from gradlab.views import figure as figure_module
from gradlab.views.figure import SHARED_PLOTLY, Figure, PlotlyCode, plotly_code

PLOTLY_CODE = str(go.FigureWidget._esm)  # plotly's own module, as its FigureWidget sends it


class RecordingComm:
    """A kernel's comm that records the state each widget opens with."""

    opened: list[dict] = []
    kernel = "a kernel"
    _ids = 0

    def __init__(self, *args, data=None, buffers=None, **kwargs) -> None:
        RecordingComm._ids += 1
        self.comm_id = f"comm-{RecordingComm._ids}"
        state = {"id": self.comm_id, **(data or {}).get("state", {})}
        for path, buffer in zip((data or {}).get("buffer_paths", []), buffers or [],
                                strict=True):
            state["binary " + ".".join(map(str, path))] = bytes(buffer)
        RecordingComm.opened.append(state)

    def open(self, *args, **kwargs) -> None:
        pass

    def on_msg(self, *args, **kwargs) -> None:
        pass

    def close(self, *args, **kwargs) -> None:
        pass

    def send(self, *args, **kwargs) -> None:
        pass


@pytest.fixture
def comms(monkeypatch) -> Iterator[list[dict]]:
    import comm

    monkeypatch.setattr(comm, "create_comm", RecordingComm)
    monkeypatch.setattr(figure_module, "_code_widget", None)  # a fresh kernel
    RecordingComm.opened = []
    yield RecordingComm.opened
    for widget in list(_instances.values()):  # closed now, not at the interpreter's exit
        if isinstance(widget.comm, RecordingComm):
            widget.close()


def test_plotly_code_goes_to_the_page_once_before_the_first_figure(comms):
    surface = Surface("x^2 * y", secant=True)  # two figures: the surface and its flat slice
    curve = Curve("x^3 - 2x")
    figures = [state for state in comms if state.get("_model_name") == "FigureModel"
               or "_plotly_code" in state]
    carriers = [state for state in comms if state.get("binary code")]
    assert len(figures) == 3 and len(carriers) == 1
    carrier = carriers[0]
    # plotly's code, as UTF-8 bytes in a binary buffer of the message (not in its JSON)
    assert carrier["binary code"].decode() == PLOTLY_CODE and len(PLOTLY_CODE) > 1_000_000
    assert "code" not in carrier
    # opened before any figure, so the page knows it when a figure asks for it
    assert comms.index(carrier) < min(comms.index(state) for state in figures)
    for state in figures:
        assert state["_plotly_code"] == carrier["id"]
        assert state["_esm"] == SHARED_PLOTLY and len(state["_esm"]) < 5_000
    sent = sum(len(json.dumps({k: v for k, v in state.items() if not k.startswith("binary")}))
               + sum(len(v) for k, v in state.items() if k.startswith("binary"))
               for state in comms)
    assert sent < 1.2 * len(PLOTLY_CODE) + 200_000
    assert surface.figure._plotly_code == curve.figure._plotly_code == plotly_code().model_id


def test_a_closed_plotly_code_is_made_again(comms):
    first = Figure({"a": go.Scatter(x=[0.0], y=[0.0])})
    plotly_code().close()
    second = Figure({"a": go.Scatter(x=[0.0], y=[0.0])})
    assert second._plotly_code != first._plotly_code
    assert second._plotly_code == plotly_code().model_id
    assert isinstance(plotly_code(), PlotlyCode) and plotly_code().comm is not None


# -- symbolic partials, once per process ---------------------------------------------------------


def test_a_second_lab_of_the_same_function_does_not_call_sympy_again(monkeypatch):
    text = "x^3*y - 2*x*y^2 + 7*y"  # a function no other test differentiates first
    first = gl.parse(text)
    assert first.partial("x").text == "3*x^2*y - 2*y^2"  # by hand: 3x^2 y - 2y^2
    assert first.partial("y").latex == "x^{3} - 4 x y + 7"  # by hand: x^3 - 4xy + 7

    calls = []
    real = symbolic.to_sympy
    monkeypatch.setattr(symbolic, "to_sympy", lambda *args: calls.append(args) or real(*args))
    second = gl.parse(text)  # a new Expression, as a second lab of the same lesson makes
    assert second is not first
    assert second.partial("x").text == "3*x^2*y - 2*y^2"
    assert second.partial("y").latex == "x^{3} - 4 x y + 7"
    assert calls == []
    # another function is still worked out (the cache is keyed by the function, not shared)
    other = gl.parse("x^3*y - 2*x*y^2 + 8*y").partial("y")
    assert other.evaluate(x=2.0, y=3.0) == pytest.approx(2**3 - 4 * 2 * 3 + 8)  # by hand
    assert len(calls) == 1


def test_equal_text_of_different_variables_is_not_confused():
    # d(x*y)/dz = 0 whether or not z is a variable; the partial keeps its function's variables
    plain = gl.parse("x*y").partial("x")
    wider = gl.Expression(gl.parse("x*y").tree, ("x", "y", "z")).partial("x")
    assert plain.variables == ("x", "y") and wider.variables == ("x", "y", "z")
    assert plain.text == wider.text == "y"


# -- an exercise's answer key, simplified only when read ----------------------------------------


def test_a_formula_exercise_simplifies_its_answer_only_when_it_is_read(monkeypatch):
    """Making a formula exercise (as a lesson's cell does, before its first picture) runs no
    simplify; checking a right answer or showing the answer does, once. The answer the learner
    is shown is the partial: ∂(x^2 y + x y)/∂x = 2xy + y (by hand) at two points."""
    from gradlab.exercises import formula

    calls = []
    real = formula._simplest
    monkeypatch.setattr(formula, "_simplest", lambda e: calls.append(e) or real(e))
    exercise = Exercise.formula("x^2*y + x*y", "x")
    assert calls == []
    exercise.answer.value = "2*x*y + y"
    exercise.button.click()
    assert exercise.solved and len(calls) == 1
    exercise.show_button.click()
    assert len(calls) == 1  # worked out once
    shown = gl.parse(exercise.answer_text)
    for x, y in ((1.0, 2.0), (-0.5, 3.0)):
        assert shown.evaluate(x=x, y=y) == pytest.approx(2 * x * y + y)


NO_SYMPY_BEFORE_A_CHECK = """
import sys
from gradlab.views import Exercise, PartialsTable
exercise = Exercise.formula("x^2*y + x*y", "x")
table = PartialsTable("x^2 * y", point={"x": 3, "y": 2}, symbolic=False)
print("sympy" in sys.modules, [row["value"] for row in table.rows])
exercise.answer.value = "y*(2*x + 1)"
exercise.button.click()
print("sympy" in sys.modules, exercise.solved, exercise.message.text)
"""


def test_making_a_formula_exercise_and_a_table_without_formulas_imports_no_sympy():
    """Fresh Python: the exercise and the table are made without SymPy (the table's numbers by
    the core's backward pass: d(x^2 y)/dx = 2xy = 12, d(x^2 y)/dy = x^2 = 9 at (3, 2), by
    hand); the first Check imports it and judges y(2x + 1) right (it is 2xy + y)."""
    run = subprocess.run([sys.executable, "-c", NO_SYMPY_BEFORE_A_CHECK], capture_output=True,
                         text=True, check=True)
    before, after = run.stdout.splitlines()
    assert before == "False [12.0, 9.0]"
    assert after.startswith("True True Correct!")


# What Chromium's page sent back for a slider at 1.0 on [-3, 3] when it first drew it (measured:
# the page's slider works in percent of its range).
PAGE_ROUNDED_ONE = 0.9999999999999996


def test_the_pages_rounding_of_a_slider_is_not_a_move(monkeypatch):
    lab = Surface("x * y")
    x = lab.sliders["x"]
    assert x.value == 1.0 and x.step == 0.02
    updates = []
    monkeypatch.setattr(lab, "update", lambda *args: updates.append(x.value))
    x.set_state({"value": PAGE_ROUNDED_ONE})  # as the page's message arrives
    assert x.value == 1.0 and updates == []
    # a learner's move, however small (one step), is one
    x.set_state({"value": 1.02})
    assert x.value == 1.02 and updates == [1.02]
    # a plain ipywidgets slider takes the rounded value as a move
    from ipywidgets import FloatSlider

    plain = FloatSlider(value=1.0, min=-3.0, max=3.0, step=0.02)
    moves = []
    plain.observe(lambda change: moves.append(change["new"]), names="value")
    plain.set_state({"value": PAGE_ROUNDED_ONE})
    assert moves == [PAGE_ROUNDED_ONE]
