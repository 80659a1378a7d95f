"""A slider's value as the page sends it back when it first draws the slider is not a move
(issue 16; the kernel's side is tests/test_startup_cache.py). The page's slider works in percent
of its range and sent 1.0 on [-3, 3] back as 0.9999999999999996; every lab took that as a move
and recomputed and redrew after it appeared, a 3-D surface in software WebGL twice.

Here, in Chromium: a Surface lab is run, and after its plot is drawn and the page is quiet, its
plot has had no restyle and its readouts are still for the point the kernel set, (1, 1)."""

from __future__ import annotations

import json

from notebook_page import open_notebook, run_all, wait_for_plots
from scratch_notebooks import code_notebook, write

NOTEBOOK = "scratch/slider_echo.ipynb"

# Before Run All: count the restyles of each plot once it is drawn, and record what the page
# sends the kernel for a slider's value.
WATCH = """() => {
  const seen = window.__echo = {restyles: 0, sent: []};
  const kernel = window.jupyterapp.shell.currentWidget.sessionContext.session.kernel;
  kernel.anyMessage.connect((_, args) => {
    const data = args.msg.content && args.msg.content.data;
    if (args.direction === 'send' && args.msg.header.msg_type === 'comm_msg'
        && data && data.state && typeof data.state.value === 'number') {
      seen.sent.push(data.state.value);
    }
  });
  setInterval(() => document.querySelectorAll('.js-plotly-plot').forEach((gd) => {
    if (gd.on && !gd.__echoWatched) {
      gd.__echoWatched = true;
      gd.on('plotly_restyle', () => { seen.restyles += 1; });
    }
  }), 20);
}"""


def test_a_slider_drawn_by_the_page_does_not_move_its_lab(page, lab) -> None:
    page, _ = page
    path = lab.root / NOTEBOOK
    path.parent.mkdir(exist_ok=True)
    write(code_notebook('from gradlab.views import Surface\nSurface("x * y")'), path)
    open_notebook(page, lab.lab_url(NOTEBOOK))
    page.evaluate(WATCH)
    run_all(page)
    assert wait_for_plots(page, quiet_ms=2500) == 1
    page.wait_for_timeout(1500)  # the page's messages for the sliders have come back by now
    seen = page.evaluate("() => window.__echo")
    assert seen["restyles"] == 0, seen
    points = [json.loads(at) for at in page.eval_on_selector_all(
        "[data-gradlab-at]", "els => els.map((el) => el.getAttribute('data-gradlab-at'))")]
    assert points and all(point == {"x": 1.0, "y": 1.0} for point in points), (points, seen)
