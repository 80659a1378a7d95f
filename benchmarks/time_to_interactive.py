"""Time to interactive in the browser: for each lesson, Run All in JupyterLab (Chromium) until
every lab is drawn, beside a baseline notebook (one bare FigureWidget whose marker follows a
slider) run just before it, in one JupyterLab and one run. Each notebook opens in a fresh tab
with a fresh kernel (the kernel's start is not counted: the page waits for it before Run All),
and its kernel is shut down after. The clock starts at Run All and stops when the last plot of
the page was first seen drawn with its data (polled every 250 ms), so a figure is "interactive"
when a learner can see it. Goal: every lesson <= 1.5x the baseline.
Run: `python benchmarks/time_to_interactive.py [--rounds 2] [notebooks ...]`.
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

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "browser"))  # the browser harness lives with its tests

from chromium import CHROMIUM_ARGS, ensure_chromium  # noqa: E402
from lab_server import start_lab  # noqa: E402
from notebook_page import open_notebook, run_all, shut_down_kernel, wait_for_plots  # noqa: E402
from scratch_notebooks import bare_notebook, write  # noqa: E402

BASELINE = "baseline/bare_figurewidget.ipynb"
VIEWPORT = {"width": 1280, "height": 900}


def time_to_plots(browser, server, name: str) -> tuple[float, int]:
    """Seconds from Run All to the last plot drawn, and how many plots."""
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    try:
        open_notebook(page, server.lab_url(name))
        start = page.evaluate("() => performance.now()")
        run_all(page)
        count = wait_for_plots(page, quiet_ms=1500)
        drawn = page.evaluate("() => window.__gradlabPlotSince")
        return (drawn - start) / 1000, count
    finally:
        shut_down_kernel(page)
        context.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", help="notebooks/ files (default: every lesson)")
    parser.add_argument("--rounds", type=int, default=2, help="runs of each notebook")
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
        for name in names:
            shutil.copy2(REPO / "notebooks" / name, root / name)
        started = time.perf_counter()
        server = start_lab(root, Path(temp) / "state")
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=chromium,
                                                     args=CHROMIUM_ARGS, headless=True)
                for name in names:
                    base, ours, plots = [], [], 0
                    for _ in range(options.rounds):
                        base.append(time_to_plots(browser, server, BASELINE)[0])
                        seconds, plots = time_to_plots(browser, server, name)
                        ours.append(seconds)
                    rows.append((name, statistics.median(ours), statistics.median(base), plots))
                    print(f"  measured {name}", file=sys.stderr, flush=True)
                browser.close()
        finally:
            server.stop()
    print(f"Run All until every lab is drawn, median of {options.rounds} runs each "
          f"({time.perf_counter() - started:.0f} s in all)")
    print(f"  {'notebook':<34}{'plots':>6}{'lesson':>9}{'baseline':>10}{'ratio':>7}")
    for name, ours, base, plots in rows:
        flag = "" if ours <= 1.5 * base else "  > 1.5x"
        print(f"  {name:<34}{plots:>6}{ours:>8.2f}s{base:>9.2f}s{ours / base:>7.2f}{flag}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
