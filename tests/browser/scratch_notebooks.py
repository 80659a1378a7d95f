"""Small notebooks the browser harness generates for itself: a gradlab-like lab (slider, plotly
FigureWidget whose marker follows it, readout of the core's derivative) used while notebooks/ is
empty, bare baselines for the benchmarks (a 2-D marker; a 3-D surface), and a "canary" notebook
whose faults the checks must catch (so the checks are shown to be able to fail)."""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

_KERNEL = {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}}

# The lab: f(x) = x^2 with its point; the readout shows df/dx = 2x from the core's backward pass
# and follows the data-gradlab-* convention the browser tests read (see test_notebooks_browser).
_LAB = '''\
import json
import html

import ipywidgets as widgets
import numpy as np
import plotly.graph_objects as go

import gradlab as gl

EXPRESSION = "x^2"
xs = np.linspace(-3, 3, 121)
slider = widgets.FloatSlider(value=1.0, min=-3.0, max=3.0, step=0.1, description="x",
                             continuous_update=True)
figure = go.FigureWidget(
    [go.Scatter(x=xs, y=xs**2, name="f(x) = x²"),
     go.Scatter(x=[1.0], y=[1.0], mode="markers", marker={"size": 14}, name="point")],
    layout={"height": 320, "margin": {"l": 40, "r": 10, "t": 30, "b": 30}},
)
readout = widgets.HTML()


def slope_at(x):
    """df/dx of f = x*x at x, from the core: d(x*x)/dx = x + x = 2x."""
    point = gl.Value(x, label="x")
    (point * point).backward()
    return point.grad


def show(change=None):
    x = slider.value
    slope = slope_at(x)
    with figure.batch_update():
        figure.data[1].x, figure.data[1].y = [x], [x * x]
    readout.value = (
        f"df/dx = <span data-gradlab-expression='{html.escape(EXPRESSION)}' "
        f"data-gradlab-of='x' data-gradlab-at='{html.escape(json.dumps({'x': x}))}' "
        f"data-gradlab-value='{slope!r}'>{slope:.4g}</span>"
    )


slider.observe(show, names="value")
show()
widgets.VBox([slider, figure, readout])
'''

# The baseline: nothing but a slider moving one marker (no core, no readout).
_BARE = '''\
import ipywidgets as widgets
import plotly.graph_objects as go

slider = widgets.FloatSlider(value=0.0, min=-3.0, max=3.0, step=0.1, description="x")
figure = go.FigureWidget([go.Scatter(x=[0.0], y=[0.0], mode="markers", marker={"size": 14})],
                         layout={"height": 300, "xaxis": {"range": [-3.5, 3.5]},
                                 "yaxis": {"range": [-1, 10]}})


def follow(change):
    with figure.batch_update():
        figure.data[0].x, figure.data[0].y = [slider.value], [slider.value ** 2]


slider.observe(follow, names="value")
widgets.VBox([slider, figure])
'''

# The canary: an outside request (an image from a remote host) and an exception.
_CANARY_REMOTE = '''\
from IPython.display import HTML
HTML('<img src="http://198.51.100.7/gradlab-canary.png" alt="remote">')
'''
_CANARY_ERROR = 'raise ValueError("canary: this error must be reported")\n'


def _notebook(*cells) -> nbformat.NotebookNode:
    book = new_notebook(cells=list(cells), metadata=dict(_KERNEL))
    nbformat.validate(book)
    return book


def lab_notebook() -> nbformat.NotebookNode:
    return _notebook(new_markdown_cell("# Scratch lab: the slope of x²"), new_code_cell(_LAB))


# The 3-D baseline: one bare plotly surface on the Surface lab's 40 x 40 grid (f = x^2 - y^2, by
# numpy) and a marker on it that follows a slider: what any 3-D lab costs the browser at least.
_BARE_SURFACE = '''\
import ipywidgets as widgets
import numpy as np
import plotly.graph_objects as go

grid = np.linspace(-3.0, 3.0, 40)
gx, gy = np.meshgrid(grid, grid)
slider = widgets.FloatSlider(value=0.0, min=-3.0, max=3.0, step=0.1, description="x")
figure = go.FigureWidget([go.Surface(x=grid, y=grid, z=gx**2 - gy**2, showscale=False),
                          go.Scatter3d(x=[0.0], y=[0.0], z=[0.0], mode="markers")],
                         layout={"height": 420})


def follow(change):
    with figure.batch_update():
        figure.data[1].x, figure.data[1].z = [slider.value], [slider.value ** 2]


slider.observe(follow, names="value")
widgets.VBox([slider, figure])
'''


def bare_notebook() -> nbformat.NotebookNode:
    return _notebook(new_markdown_cell("# Baseline: one marker follows a slider"),
                     new_code_cell(_BARE))


def bare_surface_notebook() -> nbformat.NotebookNode:
    return _notebook(new_markdown_cell("# 3-D baseline: one marker on a surface follows a slider"),
                     new_code_cell(_BARE_SURFACE))


def canary_notebook() -> nbformat.NotebookNode:
    return _notebook(new_code_cell(_CANARY_REMOTE), new_code_cell(_CANARY_ERROR),
                     new_code_cell("print('never reached: Run All stops at the error')"))


def code_notebook(*sources: str) -> nbformat.NotebookNode:
    """A notebook of these code cells (a test's own small lab)."""
    return _notebook(*(new_code_cell(source) for source in sources))


def write(book: nbformat.NotebookNode, path: Path) -> Path:
    nbformat.write(book, str(path))
    return path
