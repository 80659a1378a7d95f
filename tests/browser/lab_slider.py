"""A lab inside a notebook open in JupyterLab: find its slider, move it with the keyboard, and
read what it changes: the plots' SVG and the readouts tagged with the data-gradlab-* convention
(expression, what is shown, point, exact value)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from notebook_page import DRAWN, RENDER_MS, UPDATE_MS, parse_number

if TYPE_CHECKING:
    from playwright.sync_api import Page

SLIDER = ".widget-slider"
HANDLE = ".noUi-handle"


@dataclass
class Lab:
    """A lab: a cell holding a slider beside a plot or a readout (`cell` is its index among
    the notebook's cells) and the slider to move in it."""

    cell: int
    slider: int  # among the cell's sliders
    variable: str
    value: float
    decimals: int
    at_max: bool


# A cell's slider to move: the first (enabled) one whose label names a variable of a tagged
# readout in that cell (else simply the first). With no index, the first cell holding a
# slider beside a plot.
_FIND_LAB = """([only]) => {
  const cells = window.jupyterapp.shell.currentWidget.content.widgets;
  for (let i = (only === null ? 0 : only); i < (only === null ? cells.length : only + 1); i++) {
    const node = cells[i].node;
    const sliders = Array.from(node.querySelectorAll('.widget-slider'))
      .filter(box => box.querySelector('.noUi-handle'));
    if (!sliders.length || (only === null && !node.querySelector('.js-plotly-plot'))) continue;
    const variables = new Set();
    node.querySelectorAll('[data-gradlab-at]').forEach(el => {
      try { Object.keys(JSON.parse(el.dataset.gradlabAt)).forEach(k => variables.add(k)); }
      catch (error) { /* a malformed tag is reported by the readout check */ }
    });
    const name = box => {
      const label = box.querySelector('.widget-label');
      return label ? label.textContent.trim() : '';
    };
    const enabled = box => !box.querySelector('.noUi-handle[disabled], [disabled]')
      && !box.classList.contains('mod-disabled');
    let index = sliders.findIndex(box => enabled(box) && variables.has(name(box)));
    if (index < 0) index = Math.max(0, sliders.findIndex(enabled));
    const box = sliders[index], handle = box.querySelector('.noUi-handle');
    const readout = box.querySelector('.widget-readout');
    return {cell: i, slider: index, variable: name(box),
            readout: readout ? readout.textContent.trim() : '',
            now: handle.getAttribute('aria-valuenow'), max: handle.getAttribute('aria-valuemax')};
  }
  return null;
}"""


def find_lab(page: Page, cell: int | None = None) -> Lab | None:
    """The lab in cell `cell` (None: the first cell with a slider beside a plot), or None."""
    found = page.evaluate(_FIND_LAB, [cell])
    if found is None:
        return None
    readout = found["readout"]
    decimals = len(readout.split(".", 1)[1]) if "." in readout else 0
    value = parse_number(readout)
    at_max = float(found["now"]) >= float(found["max"])
    return Lab(found["cell"], found["slider"], found["variable"], value, decimals, at_max)


# Each lab cell shows its widget: a slider with its handle, and every plot in it drawn.
_LABS_SHOWN = """([cells]) => {
  const all = window.jupyterapp.shell.currentWidget.content.widgets;
  const drawn = __DRAWN__;
  return cells.every(i => {
    const node = all[i] && all[i].node;
    if (!node || !node.querySelector('.widget-slider .noUi-handle')) return false;
    return Array.from(node.querySelectorAll('.js-plotly-plot')).every(drawn);
  });
}"""


def wait_for_labs(page: Page, cells: list[int]) -> None:
    """Wait until every lab cell shows its slider and its plots are drawn (a condition, not a
    quiet period: a slow machine only takes longer)."""
    page.wait_for_function(_LABS_SHOWN.replace("__DRAWN__", DRAWN), arg=[cells],
                           timeout=RENDER_MS, polling=250)


def slider_readouts(page: Page, lab: Lab) -> dict[str, str]:
    """Every slider of the lab's cell: its label -> the value its readout shows."""
    return page.evaluate(
        """([index]) => {
          const node = window.jupyterapp.shell.currentWidget.content.widgets[index].node;
          const shown = {};
          node.querySelectorAll('.widget-slider').forEach(box => {
            const label = box.querySelector('.widget-label');
            const readout = box.querySelector('.widget-readout');
            if (label && readout) shown[label.textContent.trim()] = readout.textContent.trim();
          });
          return shown;
        }""",
        [lab.cell],
    )


@dataclass
class TextBlock:
    """One HTML or HTMLMath widget of a lab as the learner reads it (its innerText), the
    tagged readouts inside it, and each of its tables as rows of cell texts."""

    text: str
    readouts: list
    tables: list = field(default_factory=list)


def text_blocks(page: Page, lab: Lab) -> list[TextBlock]:
    raw = page.evaluate(
        """([index]) => {
          const node = window.jupyterapp.shell.currentWidget.content.widgets[index].node;
          return Array.from(node.querySelectorAll('.widget-html, .widget-htmlmath'))
            .map(box => ({text: box.innerText,
              tables: Array.from(box.querySelectorAll('table')).map(table => Array.from(
                table.rows).map(row => Array.from(row.cells).map(
                  cell => cell.innerText.replace(/\\s+/g, ' ').trim()))),
              tags: Array.from(
              box.querySelectorAll('[data-gradlab-expression]')).map(el => ({
                expression: el.dataset.gradlabExpression, of: el.dataset.gradlabOf || '',
                at: el.dataset.gradlabAt || '{}', value: el.dataset.gradlabValue || 'nan',
                check: el.dataset.gradlabCheck || null, text: el.textContent}))}))
            .filter(block => block.text.trim());
        }""",
        [lab.cell],
    )
    return [TextBlock(block["text"], [_readout(r) for r in block["tags"]], block["tables"])
            for block in raw]


def lab_text(page: Page, lab: Lab) -> str:
    """All the lab's HTML text, as rendered (to see that a move changed what it says)."""
    return "\n".join(block.text for block in text_blocks(page, lab))


def wait_for_new_text(page: Page, lab: Lab, before: str) -> None:
    page.wait_for_function(
        """([index, before]) => {
          const node = window.jupyterapp.shell.currentWidget.content.widgets[index].node;
          const now = Array.from(node.querySelectorAll('.widget-html, .widget-htmlmath'))
            .map(box => box.innerText).filter(text => text.trim()).join('\\n');
          return now !== before;
        }""",
        arg=[lab.cell, before],
        timeout=UPDATE_MS,
    )


def cell_locator(page: Page, index: int):
    return page.locator(".jp-NotebookPanel-notebook .jp-Cell").nth(index)


def slider_locator(page: Page, lab: Lab):
    return cell_locator(page, lab.cell).locator(f"{SLIDER}:has({HANDLE})").nth(lab.slider)


def slider_readout(page: Page, lab: Lab) -> float:
    return parse_number(slider_locator(page, lab).locator(".widget-readout").inner_text())


def plot_drawing(page: Page, lab: Lab) -> list[str]:
    """The SVG of the lab's plots (what changes when a marker or a line moves)."""
    return page.evaluate(
        """([index]) => {
          const node = window.jupyterapp.shell.currentWidget.content.widgets[index].node;
          return Array.from(node.querySelectorAll('.js-plotly-plot svg.main-svg'))
            .map(svg => svg.innerHTML);
        }""",
        [lab.cell],
    )


def wait_for_new_drawing(page: Page, lab: Lab, before: list[str]) -> None:
    page.wait_for_function(
        """([index, before]) => {
          const node = window.jupyterapp.shell.currentWidget.content.widgets[index].node;
          const now = Array.from(node.querySelectorAll('.js-plotly-plot svg.main-svg'))
            .map(svg => svg.innerHTML);
          return JSON.stringify(now) !== JSON.stringify(before);
        }""",
        arg=[lab.cell, before],
        timeout=UPDATE_MS,
    )


def press_slider(page: Page, lab: Lab, key: str) -> None:
    """Focus the lab's slider handle and press `key` (ArrowRight / ArrowLeft)."""
    slider_locator(page, lab).locator(HANDLE).focus()
    page.keyboard.press(key)


@dataclass
class Readout:
    """A number a view shows, tagged with the data-gradlab-* convention: the expression, what
    is shown ("" = f itself, a variable name = the partial along it), the point, the exact
    value and the text the learner sees. A number that is not one expression's (a model's
    loss, an optimizer's path, a training run) has an empty expression and `check` instead:
    the data-gradlab-check JSON naming the recomputation (see test_notebooks_browser)."""

    expression: str
    of: str
    at: dict[str, float]
    value: float
    text: str
    check: dict | None = None


def readouts(page: Page, lab: Lab) -> list[Readout]:
    raw = page.evaluate(
        """([index]) => {
          const node = window.jupyterapp.shell.currentWidget.content.widgets[index].node;
          return Array.from(node.querySelectorAll('[data-gradlab-expression]')).map(el => ({
            expression: el.dataset.gradlabExpression, of: el.dataset.gradlabOf || '',
            at: el.dataset.gradlabAt || '{}', value: el.dataset.gradlabValue || 'nan',
            check: el.dataset.gradlabCheck || null, text: el.textContent}));
        }""",
        [lab.cell],
    )
    return [_readout(r) for r in raw]


def _readout(r: dict) -> Readout:
    return Readout(r["expression"], r["of"],
                   {k: float(v) for k, v in json.loads(r["at"]).items()},
                   parse_number(r["value"]), r["text"].strip(),
                   json.loads(r["check"]) if r["check"] else None)


def press_button(page: Page, lab: Lab, label: str) -> None:
    """Click the lab's first button whose text starts with `label` (e.g. "Step")."""
    buttons = cell_locator(page, lab.cell).locator("button.jupyter-button")
    buttons.filter(has_text=label).first.click()


def wait_for_check(page: Page, lab: Lab, kind: str, key: str, value: object) -> None:
    """Wait until the lab shows a readout whose data-gradlab-check is of `kind`, and every such
    readout has check[key] == value (e.g. the race at "steps" 3)."""
    page.wait_for_function(
        """([index, kind, key, value]) => {
          const node = window.jupyterapp.shell.currentWidget.content.widgets[index].node;
          const checks = Array.from(node.querySelectorAll('[data-gradlab-check]'))
            .map(el => JSON.parse(el.dataset.gradlabCheck)).filter(c => c.kind === kind);
          return checks.length > 0 && checks.every(c => c[key] === value);
        }""",
        arg=[lab.cell, kind, key, value],
        timeout=UPDATE_MS,
    )


def wait_for_readouts_at(page: Page, lab: Lab, variable: str, value: float, tol: float) -> None:
    """Wait until every readout of the lab that depends on `variable` shows the new point."""
    page.wait_for_function(
        """([index, variable, value, tol]) => {
          const node = window.jupyterapp.shell.currentWidget.content.widgets[index].node;
          const tagged = Array.from(node.querySelectorAll('[data-gradlab-expression]'));
          return tagged.length > 0 && tagged.every(el => {
            const at = JSON.parse(el.dataset.gradlabAt || '{}');
            return !(variable in at) || Math.abs(at[variable] - value) <= tol;
          });
        }""",
        arg=[lab.cell, variable, value, tol],
        timeout=UPDATE_MS,
    )
