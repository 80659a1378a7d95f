"""One place for plotly: gradlab/views/figure.py is the only view module that touches plotly.py's
private names (its methods and attributes starting with "_"), and no view addresses a trace
by its position in `figure.data` (traces have names: `figure.trace("tangent")`).

The private names are read from plotly itself (every "_name" its figure, trace and layout
classes and a live figure's instance carry), so a new call such as `figure._data_objs` or
`getattr(figure, "_send_animate_msg")` anywhere else in gradlab/views fails here."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import plotly.graph_objects as go
import pytest

VIEWS = Path(__file__).resolve().parent.parent / "gradlab" / "views"
BOUNDARY = "figure.py"  # the one module allowed to know plotly's internals
# a trace by position: figure.data[3], data[ARROW] (a constant naming an index), data[2:4]
BY_POSITION = re.compile(r"\bdata\[\s*(?:-?\d|[A-Z][A-Z0-9_]*\s*[\]+\-:])")


def _private_plotly_names() -> set[str]:
    """Every non-dunder name starting with "_" on plotly's figure, trace and layout objects."""
    figure = go.FigureWidget(data=[go.Scatter(x=[1.0], y=[1.0])], layout={"images": [{}]})
    objects: list[object] = [go.FigureWidget, go.Figure, go.Scatter, go.Scatter3d, go.Surface,
                             go.Heatmap, go.Layout, go.layout.Image, go.layout.Shape, figure,
                             figure.data[0], figure.layout, figure.layout.images[0]]
    names = {name for thing in objects for name in dir(thing)}
    names |= {name for thing in objects[9:] for name in vars(thing)}
    return {name for name in names
            if name.startswith("_") and not (name.startswith("__") and name.endswith("__"))}


PRIVATE = _private_plotly_names()


def _view_modules() -> list[Path]:
    return sorted(path for path in VIEWS.glob("*.py") if path.name != BOUNDARY)


def private_uses(source: str) -> list[tuple[int, str]]:
    """(line, name) of each private plotly name used as an attribute or named in a string."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Attribute) and node.attr in PRIVATE:
            found.append((node.lineno, node.attr))
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) \
                and node.value in PRIVATE:
            found.append((node.lineno, node.value))
    return found


def positional_traces(source: str) -> list[tuple[int, str]]:
    """(line, text) of each place that picks a trace by its position in `data`."""
    return [(number, line.strip()) for number, line in enumerate(source.splitlines(), 1)
            if BY_POSITION.search(line)]


def test_plotlys_private_names_are_known():
    # the check below looks for these: it sees nothing if it knows none of them
    assert {"_send_animate_msg", "_perform_plotly_restyle", "_data_objs", "_layout_obj",
            "_widget_data", "_props"} <= PRIVATE


@pytest.mark.parametrize("path", _view_modules(), ids=lambda path: path.name)
def test_no_view_but_the_figure_module_touches_plotlys_private_names(path: Path):
    assert private_uses(path.read_text(encoding="utf-8")) == [], (
        f"{path.name} touches plotly's internals: put that call in views/{BOUNDARY}")


@pytest.mark.parametrize("path", sorted(VIEWS.glob("*.py")), ids=lambda path: path.name)
def test_no_view_addresses_a_trace_by_its_position(path: Path):
    assert positional_traces(path.read_text(encoding="utf-8")) == [], (
        f"{path.name} picks a trace by position: name it (figure.trace(name))")


def test_the_figure_module_is_where_the_private_names_are():
    # the boundary holds the calls the rest must not make (else this test checks nothing)
    used = {name for _, name in private_uses((VIEWS / BOUNDARY).read_text(encoding="utf-8"))}
    assert {"_send_animate_msg", "_perform_plotly_restyle", "_widget_data"} <= used


# lines of code that touch plotly's internals, that pick a trace by position, and neither
TOUCHING = ("figure._send_animate_msg(styles_data=[])", "x = self.figure._data_objs[0]",
            "getattr(widget, '_layout_obj')",
            "self.map._perform_plotly_restyle(restyle_data={}, trace_indexes=[0])")
BY_NUMBER = ("self.figure.data[6].visible = True", "traces = self.slice.figure.data[2:4]",
             "arrow = self.figure.data[ARROW]", "trace = race.map.data[FIRST_PATH + 1]")
CLEAN = ("self.figure.trace('tangent').move(x=xs, y=ys)", "value = float(out.data)",
         "grads[self.position[id(step.parent)]] = step.total", "self._names = {}")
LINES = [(line, line in TOUCHING, line in BY_NUMBER) for line in TOUCHING + BY_NUMBER + CLEAN]


@pytest.mark.parametrize(("line", "private", "positional"), LINES)
def test_the_checks_catch_what_they_look_for_and_nothing_else(line: str, private: bool,
                                                              positional: bool):
    assert bool(private_uses(line)) is private
    assert bool(positional_traces(line)) is positional
