"""Plotly's modebar never covers a lab's text: in every figure of every lab a lesson builds, the
legend, the title and the subplot titles are laid out below the modebar's row at the figure's
top (the browser test tests/browser/test_book_button.py measures the same on the page)."""

from __future__ import annotations

import pytest
from test_book_example import LESSON_CALLS

# plotly.js draws the modebar 2 px from the figure's top: buttons 22 px tall, 3 px padding
MODEBAR_BOTTOM = 2 + 22 + 2 * 3
LINE = 1.3  # a line of text is about 1.3 times its font size tall


def figures_of(lab) -> list:
    return list(getattr(lab, "figures", []))


@pytest.mark.parametrize("call", sorted(LESSON_CALLS))
def test_nothing_is_laid_out_under_the_modebar(call):
    lab = LESSON_CALLS[call]()
    for figure in figures_of(lab):
        layout = figure.layout
        height, top = layout.height, layout.margin.t
        font = layout.font.size
        if layout.showlegend is not False and any(t.showlegend is not False
                                                  for t in figure.data):
            legend = layout.legend
            # hung from the figure's top below the modebar: plotly pushes the plot down to
            # make room for every row of it
            assert (legend.yref, legend.yanchor) == ("container", "top"), call
            assert (1 - legend.y) * height >= MODEBAR_BOTTOM, call
        title = layout.title
        if title.text:
            assert (title.yref, title.yanchor, title.y) == ("paper", "bottom", 1), call
            pad = title.pad.b or 0
            size = (title.font.size or font)
            assert top - pad - LINE * size >= MODEBAR_BOTTOM, call
        for note in layout.annotations:  # subplot titles on the plot's top edge
            if note.yref and note.yref.endswith("paper") and note.y >= 1:
                size = note.font.size or font
                assert top - LINE * size >= MODEBAR_BOTTOM, (call, note.text)


def test_a_figure_that_asks_for_a_small_top_margin_still_keeps_the_modebars_row():
    from gradlab.views._common import base_layout

    layout = base_layout(height=300, margin={"l": 5, "r": 5, "t": 10, "b": 5})
    assert layout["margin"]["t"] - LINE * 15 >= MODEBAR_BOTTOM
    assert (1 - layout["legend"]["y"]) * 300 >= MODEBAR_BOTTOM
