"""The "book's example" button and plotly's modebar in JupyterLab, in Chromium.

In three lessons a lab's slider is moved by keyboard, then the rendered "book's example"
button is clicked: the lab's rendered text must be the start's again, and what it says is
checked against the oracles (SymPy, numpy by hand: lab_claims), not only against the text seen
before. In the same labs the modebar (shown while the pointer is over a plot) must not cover a
plot's title, legend or subplot titles (each lab's first plot is saved as modebar_NN.png).
"""

from __future__ import annotations

import json

import pytest
from lab_claims import claim_problems, settled_claim_problems
from lab_slider import (
    Lab,
    cell_locator,
    find_lab,
    lab_text,
    press_button,
    press_slider,
    slider_readout,
    slider_readouts,
    text_blocks,
    wait_for_labs,
    wait_for_new_text,
)
from notebook_page import UPDATE_MS, open_notebook, output_problems, run_all
from subjects import NOTEBOOKS, SCREENSHOTS

# lesson -> the lab call whose cell is driven (its first slider is moved)
LESSONS = {
    "02_sum_and_product.ipynb": 'Surface("2x + 3y^2")',
    "05_chain_rule.ipynb": 'ComputationGraph("3(2x^2)^5")',
    "06_neuron_backprop.ipynb": "NeuronLab()",
}

# Every text element plotly draws near a plot's top (title, legend, subplot titles and other
# annotations) whose box meets the modebar's, as "what: text".
_UNDER_MODEBAR = """([index]) => {
  const node = window.jupyterapp.shell.currentWidget.content.widgets[index].node;
  const hits = [];
  const meets = (a, b) => a.left < b.right && b.left < a.right && a.top < b.bottom
    && b.top < a.bottom;
  node.querySelectorAll('.js-plotly-plot').forEach(plot => {
    const bar = plot.querySelector('.modebar');
    if (!bar) return;
    const box = bar.getBoundingClientRect();
    if (!box.width || !box.height) return;
    plot.querySelectorAll('.gtitle, .legend .traces, .annotation').forEach(el => {
      if (meets(box, el.getBoundingClientRect()))
        hits.push(`${el.getAttribute('class')}: ${el.textContent.slice(0, 60)}`);
    });
  });
  return hits;
}"""


def cell_of(name: str, call: str) -> int:
    cells = json.loads((NOTEBOOKS / name).read_text(encoding="utf-8"))["cells"]
    return next(i for i, cell in enumerate(cells)
                if cell["cell_type"] == "code" and call in "".join(cell["source"]))


def wait_for_text(page, lab: Lab, wanted: str) -> None:
    page.wait_for_function(
        """([index, wanted]) => {
          const node = window.jupyterapp.shell.currentWidget.content.widgets[index].node;
          const now = Array.from(node.querySelectorAll('.widget-html, .widget-htmlmath'))
            .map(box => box.innerText).filter(text => text.trim()).join('\\n');
          return now === wanted;
        }""",
        arg=[lab.cell, wanted], timeout=UPDATE_MS)


@pytest.mark.parametrize("name", sorted(LESSONS))
def test_the_book_button_brings_back_the_start(page, lab, name: str) -> None:
    page, watch = page
    cell = cell_of(name, LESSONS[name])
    open_notebook(page, lab.lab_url(name))
    run_all(page)
    wait_for_labs(page, [cell])
    found = find_lab(page, cell)
    assert found is not None
    start_text, start_value = lab_text(page, found), slider_readout(page, found)
    checked, wrong = claim_problems(text_blocks(page, found), slider_readouts(page, found))
    assert checked >= 1 and wrong == []

    for _ in range(3):
        before = lab_text(page, found)
        press_slider(page, found, "ArrowLeft" if found.at_max else "ArrowRight")
        wait_for_new_text(page, found, before)
    assert slider_readout(page, found) != start_value

    button = cell_locator(page, cell).locator("button.jupyter-button",
                                              has_text="book's example")
    assert button.count() == 1, f"{name}: no rendered \"book's example\" button in the lab"
    assert button.first.get_attribute("title").startswith("back to ")
    press_button(page, found, "book's example")
    wait_for_text(page, found, start_text)
    assert slider_readout(page, found) == start_value
    checked, wrong = settled_claim_problems(page, found, UPDATE_MS)
    assert checked >= 1 and wrong == [], wrong  # the start's numbers, by the oracles

    # the modebar shows while the pointer is over a plot: nothing it covers may be text
    plots = cell_locator(page, cell).locator(".js-plotly-plot")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    plots.first.hover()
    page.wait_for_timeout(400)  # the modebar fades in
    plots.first.screenshot(path=str(SCREENSHOTS / f"modebar_{name[:2]}.png"))
    for index in range(plots.count()):
        plots.nth(index).hover()
        assert page.evaluate(_UNDER_MODEBAR, [cell]) == []
    assert output_problems(page) == []
    assert watch.console_errors == []
