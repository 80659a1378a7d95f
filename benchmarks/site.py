"""The static site (`make site`) beside JupyterLab (`make lab`), in one run and one Chromium: the
time from opening a lesson to its first lab drawn (the kernel starting, Run All, the first plot
showing its data), and slider-to-repaint for the lesson's first lab, presses alternating between
the site's tab and JupyterLab's so both share the machine's minutes (benchmarks/
browser_latency.py's measure: a MutationObserver on the plots against the key's keydown).

In the site the kernel is Pyodide, in the browser's own thread pool; in JupyterLab a Python
process beside the browser. Prints p50/p95 of each and the site's p50 over JupyterLab's.
Run: `python benchmarks/site.py [--site site] [--presses 20] [lesson]` after `make site`.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO / "tests" / "site"), str(REPO / "tests" / "browser"),
                str(REPO / "benchmarks")]

from browser_latency import WARMUP, Subject  # noqa: E402
from chromium import CHROMIUM_ARGS, ensure_chromium  # noqa: E402
from lab_server import start_lab  # noqa: E402
from site_server import start_site  # noqa: E402

FIRST_DRAWN = """() => {
  const panel = window.jupyterapp && window.jupyterapp.shell.currentWidget;
  const node = panel && panel.content && panel.content.node;
  const gd = node && node.querySelector('.js-plotly-plot');
  return !!gd && (gd._fullData || []).length > 0 && !!gd.querySelector('svg.main-svg');
}"""


class SiteServer:
    """The site as browser_latency.Subject expects a server: `base` and `lab_url(name)`."""

    def __init__(self, server) -> None:
        self.base = server.base

    def lab_url(self, name: str) -> str:
        return f"{self.base}/lab/index.html?path={name}"


def first_lab_drawn(browser, server, name: str) -> float:
    """Seconds from opening the lesson in a new tab to its first plot drawn (Run All)."""
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    page = context.new_page()
    try:
        started = time.monotonic()
        page.goto(server.lab_url(name), timeout=120_000)
        page.wait_for_function(
            "() => window.jupyterapp && window.jupyterapp.shell.currentWidget"
            " && window.jupyterapp.shell.currentWidget.sessionContext.session"
            " && window.jupyterapp.shell.currentWidget.sessionContext.session.kernel"
            " && window.jupyterapp.shell.currentWidget.sessionContext.session.kernel.status"
            " === 'idle'", timeout=120_000, polling=100)
        page.evaluate("() => window.jupyterapp.commands.execute('runmenu:run-all')")
        page.wait_for_function(FIRST_DRAWN, timeout=180_000, polling=100)
        return time.monotonic() - started
    finally:
        context.close()


def stats(times: list[float]) -> str:
    return f"p50 {np.percentile(times, 50):7.1f} ms   p95 {np.percentile(times, 95):7.1f} ms"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("lesson", nargs="?", default="01_partial_derivatives.ipynb")
    parser.add_argument("--site", type=Path, default=REPO / "site", help="the built site")
    parser.add_argument("--presses", type=int, default=20, help="timed presses per tab")
    options = parser.parse_args()
    chromium, reason = ensure_chromium()
    if chromium is None:
        print(f"site benchmark: {reason}", file=sys.stderr)
        return 2
    from playwright.sync_api import sync_playwright

    name = Path(options.lesson).name
    site = start_site(options.site.resolve())
    with tempfile.TemporaryDirectory(prefix="gradlab-site-bench-") as temp:
        root = Path(temp) / "root"
        root.mkdir()
        shutil.copy2(REPO / "notebooks" / name, root / name)
        lab = start_lab(root, Path(temp) / "state")
        servers = {"site (JupyterLite, Pyodide)": SiteServer(site), "JupyterLab": lab}
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=chromium,
                                                     args=CHROMIUM_ARGS, headless=True)
                print(f"{name}: opening the lesson to its first lab drawn (Run All)")
                for label, server in servers.items():
                    print(f"  {label:28s} {first_lab_drawn(browser, server, name):6.1f} s")
                tabs = {label: Subject(browser, server, name)
                        for label, server in servers.items()}
                for press in range(WARMUP + options.presses):
                    for tab in tabs.values():
                        elapsed = tab.press()
                        if press >= WARMUP:
                            tab.times.append(elapsed)
                print(f"{name}: slider key to plot repaint, {options.presses} presses each")
                for label, tab in tabs.items():
                    print(f"  {label:28s} {stats(tab.times)}")
                site_tab, lab_tab = tabs.values()
                ratio = np.median(site_tab.times) / np.median(lab_tab.times)
                print(f"  site / JupyterLab p50: {ratio:.2f}")
                for tab in tabs.values():
                    tab.close()
                browser.close()
        finally:
            lab.stop()
            site.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
