"""Time to interactive in the browser: for each lesson, Run All in JupyterLab (Chromium) until
every lab is drawn, beside a baseline notebook (one bare FigureWidget whose marker follows a
slider) run just before it, in one JupyterLab and one run. Each notebook opens in a fresh tab
with a fresh kernel (the kernel's start is not counted: the page waits for it before Run All),
and its kernel is shut down after. The clock starts at Run All and stops when the last plot of
the page was first seen drawn with its data (polled every 250 ms), so a figure is "interactive"
when a learner can see it. Goal: every lesson <= 1.5x the baseline.
The ratio is the median of each round's lesson over the baseline run just before it (pairs
cancel the host's slow drifts: the baseline alone moves by 20% within one run here), with the
lowest and highest round beside it.
Each round also runs a 3-D baseline (one bare plotly surface on the Surface lab's 40 x 40 grid
whose marker follows a slider): what a lesson with a 3-D lab pays at least, in a browser that
draws WebGL in software (headless Chromium without a GPU, as here).
`--without-table` also runs each lesson without gradlab's table of SymPy's results for the
lessons' formulas (gradlab/expression/worked.py), as with a SymPy other than the one that wrote
it, in the same rounds: "NN_name-without-table.ipynb".
`--split` also prints, per notebook (medians), when the kernel finished the cells (its last
reply to an execute request; after that the page only draws) and the megabytes of widget
messages it sent (plotly's widget code travels in them: see gradlab/views/figure.py).
Run: `python benchmarks/time_to_interactive.py [--rounds 2] [--split] [notebooks ...]`.
(The kernel's side alone, and memory: benchmarks/startup.py.)
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import nbformat

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "browser"))  # the browser harness lives with its tests

from chromium import CHROMIUM_ARGS, ensure_chromium  # noqa: E402
from lab_server import start_lab  # noqa: E402
from notebook_page import open_notebook, run_all, shut_down_kernel, wait_for_plots  # noqa: E402
from scratch_notebooks import bare_notebook, bare_surface_notebook, write  # noqa: E402
from startup import without_table  # noqa: E402  (tools/worked_table.py, by way of startup.py)

BASELINE = "baseline/bare_figurewidget.ipynb"
SURFACE = "baseline/bare_surface.ipynb"
VIEWPORT = {"width": 1280, "height": 900}


# For --split: the time of the kernel's last "idle" after an execute request (the cells done),
# and the bytes of the widget messages (comm_open, comm_msg) it sent.
_WATCH = """() => {
  const kernel = window.jupyterapp.shell.currentWidget.sessionContext.session.kernel;
  const seen = window.__gradlabSplit = {cellsDone: null, commBytes: 0};
  kernel.iopubMessage.connect((_, msg) => {
    const type = msg.header.msg_type;
    if (type === 'status' && msg.content.execution_state === 'idle'
        && msg.parent_header.msg_type === 'execute_request') seen.cellsDone = performance.now();
    if (type === 'comm_open' || type === 'comm_msg') {
      seen.commBytes += JSON.stringify(msg.content).length
        + (msg.buffers || []).reduce((sum, buffer) => sum + (buffer.byteLength || 0), 0);
    }
  });
}"""


def time_to_plots(browser, server, name: str) -> tuple[float, int, float, float]:
    """Seconds from Run All to the last plot drawn, how many plots, seconds from Run All to the
    kernel's last cell done, and megabytes of widget messages."""
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    try:
        open_notebook(page, server.lab_url(name))
        page.evaluate(_WATCH)
        start = page.evaluate("() => performance.now()")
        run_all(page)
        count = wait_for_plots(page, quiet_ms=1500)
        drawn = page.evaluate("() => window.__gradlabPlotSince")
        split = page.evaluate("() => window.__gradlabSplit")
        return ((drawn - start) / 1000, count, ((split["cellsDone"] or start) - start) / 1000,
                split["commBytes"] / 1e6)
    finally:
        shut_down_kernel(page)
        context.close()


def cold_name(name: str) -> str:
    """The notebook's name for its run without the table of SymPy's results."""
    return name.replace(".ipynb", "-without-table.ipynb")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", help="notebooks/ files (default: every lesson)")
    parser.add_argument("--rounds", type=int, default=2, help="runs of each notebook")
    parser.add_argument("--split", action="store_true",
                        help="also the kernel's cells done, and widget messages' MB")
    parser.add_argument("--without-table", action="store_true",
                        help="also each lesson without the table of SymPy's results")
    options = parser.parse_args()
    chromium, reason = ensure_chromium()
    if chromium is None:
        print(f"time_to_interactive: {reason}", file=sys.stderr)
        return 2
    from playwright.sync_api import sync_playwright

    names = options.notebooks or sorted(p.name for p in (REPO / "notebooks").glob("[0-9]*.ipynb"))
    rows = []
    with tempfile.TemporaryDirectory(prefix="gradlab-tti-") as temp:
        root = Path(temp) / "root"
        (root / Path(BASELINE).parent).mkdir(parents=True)
        write(bare_notebook(), root / BASELINE)
        write(bare_surface_notebook(), root / SURFACE)
        for name in names:
            shutil.copy2(REPO / "notebooks" / name, root / name)
            if options.without_table:
                book = without_table(nbformat.read(REPO / "notebooks" / name, as_version=4))
                nbformat.write(book, root / cold_name(name))
        started = time.perf_counter()
        server = start_lab(root, Path(temp) / "state")
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=chromium,
                                                     args=CHROMIUM_ARGS, headless=True)
                for name in names:
                    base, surface, ours, cold = [], [], [], []
                    for _ in range(options.rounds):
                        base.append(time_to_plots(browser, server, BASELINE))
                        surface.append(time_to_plots(browser, server, SURFACE)[0])
                        ours.append(time_to_plots(browser, server, name))
                        if options.without_table:
                            cold.append(time_to_plots(browser, server, cold_name(name)))
                    base_row = [statistics.median(run[i] for run in base) for i in range(4)]
                    for label, runs in ((name, ours), (cold_name(name), cold)):
                        if runs:
                            ratios = [run[0] / before[0]
                                      for run, before in zip(runs, base, strict=True)]
                            rows.append((label, [statistics.median(run[i] for run in runs)
                                                 for i in range(4)],
                                         base_row, statistics.median(surface), ratios))
                    print(f"  measured {name}", file=sys.stderr, flush=True)
                browser.close()
        finally:
            server.stop()
    print(f"Run All until every lab is drawn, median of {options.rounds} runs each "
          f"({time.perf_counter() - started:.0f} s in all)")
    print(f"  {'notebook':<44}{'plots':>6}{'lesson':>9}{'baseline':>10}{'ratio':>7}"
          f"{'rounds':>12}{'3-D base':>10}{'ratio':>7}")
    for name, (ours, plots, _, _), (base, *_), surface, ratios in rows:
        ratio = statistics.median(ratios)
        flag = "" if ratio <= 1.5 else "  > 1.5x"
        spread = f"{min(ratios):.2f}-{max(ratios):.2f}"
        print(f"  {name:<44}{plots:>6.0f}{ours:>8.2f}s{base:>9.2f}s{ratio:>7.2f}{spread:>12}"
              f"{surface:>9.2f}s{ours / surface:>7.2f}{flag}")
    bases = [row[2][0] for row in rows]
    surfaces = [row[3] for row in rows]
    print(f"  the 3-D baseline itself: {statistics.median(surfaces):.2f} s, "
          f"{statistics.median(s / b for s, b in zip(surfaces, bases, strict=True)):.2f}x the "
          "baseline (medians over the rows)")
    if options.split:
        print("  cells done (s after Run All) and widget messages (MB), lesson | baseline")
        for name, (_, _, done, mb), (_, _, base_done, base_mb), *_ in rows:
            print(f"  {name:<44}{done:>7.2f}s{mb:>7.1f} MB | {base_done:>5.2f}s{base_mb:>6.1f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
