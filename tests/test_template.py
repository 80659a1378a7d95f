"""The figures' template (gradlab/views/_common.py `template`): plotly_white's layout and its
defaults for the trace types the views draw, and nothing for the other twenty types, which
plotly would build and validate for every figure (issue 16: the first figure of a kernel).

Every lesson's code cells are run here, every figure they make is recorded, and each must look
as with plotly_white: its template's layout is plotly_white's, and each of its traces' types
has plotly_white's defaults (plotly.io's own templates are the oracle)."""

from __future__ import annotations

import contextlib
import io
import os
from pathlib import Path

import nbformat
import plotly.io as pio
import pytest
from plotly.basewidget import BaseFigureWidget

from gradlab.views._common import TRACE_TYPES

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"


@pytest.fixture(scope="module")
def figures() -> list[BaseFigureWidget]:
    made: list[BaseFigureWidget] = []
    real = BaseFigureWidget.__init__

    def recording(self, *args, **kwargs) -> None:
        real(self, *args, **kwargs)
        made.append(self)

    here = os.getcwd()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(BaseFigureWidget, "__init__", recording)
        os.chdir(NOTEBOOKS)
        try:
            for path in sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb")):
                namespace: dict = {}
                for cell in nbformat.read(path, as_version=4).cells:
                    if cell.cell_type == "code":
                        with contextlib.redirect_stdout(io.StringIO()):
                            exec(cell.source, namespace)  # the lesson's code, as a kernel runs it
        finally:
            os.chdir(here)
    return made


def test_every_lesson_draws_only_the_trace_types_the_template_covers(figures):
    drawn = {trace.type for figure in figures for trace in figure.data}
    assert len(figures) >= 20 and {"scatter", "surface", "heatmap", "scatter3d"} <= drawn
    assert drawn <= set(TRACE_TYPES)


def test_every_figure_looks_as_with_plotly_white(figures):
    white = pio.templates["plotly_white"].to_plotly_json()
    for figure in figures:
        # what the figure sends to the page (plotly's getters fill in defaults of their own)
        template = figure.to_plotly_json()["layout"]["template"]
        assert template["layout"] == white["layout"]
        assert set(template["data"]) <= set(TRACE_TYPES)  # none of the other twenty types
        for trace in figure.data:
            assert template["data"].get(trace.type) == white["data"][trace.type]
