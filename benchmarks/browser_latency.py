"""How long a learner waits, in the browser, from pressing a slider key to the plot repainting:
each notebook's first lab beside a bare baseline (one FigureWidget whose marker follows a
slider), all in one JupyterLab and one Chromium, in one run.

A MutationObserver on the lab's plots, armed just before each key press, resolves with
performance.now() at the first change of the plot's DOM; the key's time is taken by a keydown
listener on the slider handle. The baseline stays open in its own tab, and its presses alternate
with each lab's (baseline, lab, baseline, lab, ...), so a lab is compared with baseline presses
made at the same time: the machine's speed drifts over a run of several minutes. Prints p50 and
p95 over the presses, and each lab's p50 over the p50 of the baseline presses made beside it.
Run: `python benchmarks/browser_latency.py [--presses 30] [notebooks ...]`.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "browser"))  # the browser harness lives with its tests

from chromium import CHROMIUM_ARGS, ensure_chromium  # noqa: E402
from lab_server import start_lab  # noqa: E402
from lab_slider import find_lab, press_button, readouts, slider_locator, wait_for_check  # noqa: E402
from notebook_page import (  # noqa: E402
    PageWatch,
    open_notebook,
    output_problems,
    run_all,
    shut_down_kernel,
    wait_for_plots,
)
from scratch_notebooks import bare_notebook, lab_notebook, write  # noqa: E402

from gradlab.views.training_lab import EPOCHS_PER_TICK  # noqa: E402

BASELINE = "_baseline/bare_slider.ipynb"
WARMUP = 3
PAINT_TIMEOUT_MS = 10_000
QUIET_MS = 250  # the plot must be still this long before the next press

# Installs window.__gradlabLatency on the lab's cell: arm() starts watching the plots,
# elapsed() awaits the first mutation and returns ms since the key went down (null on timeout),
# quiet() resolves once the plots have not changed for QUIET_MS.
_INSTALL = """([index, slider, timeoutMs, quietMs]) => {
  const node = window.jupyterapp.shell.currentWidget.content.widgets[index].node;
  const plots = Array.from(node.querySelectorAll('.js-plotly-plot'));
  const handle = Array.from(node.querySelectorAll('.widget-slider'))
    .filter(box => box.querySelector('.noUi-handle'))[slider].querySelector('.noUi-handle');
  const watch = callback => {
    const observer = new MutationObserver(callback);
    const options = {subtree: true, childList: true, attributes: true, characterData: true};
    plots.forEach(plot => observer.observe(plot, options));
    return observer;
  };
  const latency = {
    keydown: null,
    arm() {
      this.keydown = null;
      this.paint = new Promise(resolve => {
        const observer = watch(() => { observer.disconnect(); resolve(performance.now()); });
        setTimeout(() => { observer.disconnect(); resolve(null); }, timeoutMs);
      });
    },
    async elapsed() {
      const painted = await this.paint;
      return painted === null || this.keydown === null ? null : painted - this.keydown;
    },
    quiet() {
      return new Promise(resolve => {
        let timer = null;
        const done = () => { observer.disconnect(); resolve(); };
        const observer = watch(() => { clearTimeout(timer); timer = setTimeout(done, quietMs); });
        timer = setTimeout(done, quietMs);
      });
    },
    position() {
      return [Number(handle.getAttribute('aria-valuenow')),
              Number(handle.getAttribute('aria-valuemin')),
              Number(handle.getAttribute('aria-valuemax'))];
    },
  };
  // capture phase: runs before the slider's own handler acts on the key
  handle.addEventListener('keydown', () => { latency.keydown = performance.now(); }, true);
  window.__gradlabLatency = latency;
}"""


class Subject:
    """A notebook open in its own tab, its first lab found and armed for timed key presses."""

    def __init__(self, browser, lab_server, name: str) -> None:
        self.name = name
        self.context = browser.new_context(viewport={"width": 1280, "height": 720})
        self.page = self.context.new_page()
        PageWatch(lab_server.base).attach(self.page)
        self.key = "ArrowRight"
        self.times: list[float] = []
        open_notebook(self.page, lab_server.lab_url(name))
        run_all(self.page)
        wait_for_plots(self.page)
        problems = output_problems(self.page)
        if problems:
            raise LabUnusable(f"notebook reports errors: {problems[:2]}")
        lab = find_lab(self.page)
        if lab is None:
            raise LabUnusable("no slider beside a plot")
        self.lab = lab
        # a training lab at epoch 0 draws nothing that a new setting would change (a new
        # setting starts training over): each press is made after one Step of training
        self.trains = any(r.check is not None and r.check.get("kind") == "training"
                          for r in readouts(self.page, lab))
        self.page.evaluate(_INSTALL, [lab.cell, lab.slider, PAINT_TIMEOUT_MS, QUIET_MS])

    def press(self) -> float:
        """One key press (right, or left at the slider's end): ms until the plot changed."""
        page = self.page
        page.bring_to_front()
        if self.trains:  # untimed: train one Step, wait until it is shown and all is still
            press_button(page, self.lab, "Step")
            wait_for_check(page, self.lab, "training", "epochs", EPOCHS_PER_TICK)
            page.evaluate("() => window.__gradlabLatency.quiet()")
        slider_locator(page, self.lab).locator(".noUi-handle").focus()
        now, low, high = page.evaluate("() => window.__gradlabLatency.position()")
        if now >= high:
            self.key = "ArrowLeft"
        elif now <= low:
            self.key = "ArrowRight"
        page.evaluate("() => window.__gradlabLatency.arm()")
        page.keyboard.press(self.key)
        elapsed = page.evaluate("() => window.__gradlabLatency.elapsed()")
        if elapsed is None:
            raise LabUnusable(f"no repaint within {PAINT_TIMEOUT_MS / 1000:.0f} s of a key press")
        page.evaluate("() => window.__gradlabLatency.quiet()")
        page.wait_for_function(
            "() => window.jupyterapp.shell.currentWidget.sessionContext.session.kernel.status"
            " === 'idle'", timeout=PAINT_TIMEOUT_MS)
        return elapsed

    def close(self) -> None:
        shut_down_kernel(self.page)
        self.context.close()


class LabUnusable(Exception):
    """Why a lab could not be timed (reported in its row, the run goes on)."""


def measure_beside(baseline: Subject, subject: Subject, presses: int) -> list[float]:
    """Presses alternating between the baseline and the lab; the baseline's go to its own
    list and to the list returned (the baseline presses made beside this lab)."""
    beside = []
    for press in range(WARMUP + presses):
        base = baseline.press()
        lab = subject.press()
        if press >= WARMUP:
            baseline.times.append(base)
            beside.append(base)
            subject.times.append(lab)
    return beside


def subjects(arguments: list[str]) -> list[str]:
    if arguments:
        return [Path(name).name for name in arguments]
    return sorted(path.name for path in (REPO / "notebooks").glob("*.ipynb"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", help="notebooks/ files (default: all)")
    parser.add_argument("--presses", type=int, default=30, help="timed presses per lab")
    options = parser.parse_args()

    chromium, reason = ensure_chromium()
    if chromium is None:
        print(f"browser_latency: {reason}", file=sys.stderr)
        return 2
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        print("browser_latency: Playwright is not installed (pip install -e '.[browser]')",
              file=sys.stderr)
        return 2

    names = subjects(options.notebooks)
    with tempfile.TemporaryDirectory(prefix="gradlab-latency-") as temp:
        root = Path(temp) / "root"
        (root / Path(BASELINE).parent).mkdir(parents=True)
        write(bare_notebook(), root / BASELINE)
        for name in names:
            shutil.copy2(REPO / "notebooks" / name, root / name)
        if not names:  # no notebooks yet: time the harness's scratch lab instead
            names = ["scratch_lab.ipynb"]
            write(lab_notebook(), root / names[0])

        started = time.perf_counter()
        server = start_lab(root, Path(temp) / "state")
        results: dict[str, tuple[list[float], list[float]] | str] = {}
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path=chromium, args=CHROMIUM_ARGS, headless=True)
                version = browser.version
                baseline = Subject(browser, server, BASELINE)
                for name in names:
                    subject = None
                    try:
                        subject = Subject(browser, server, name)
                        beside = measure_beside(baseline, subject, options.presses)
                        results[name] = (subject.times, beside)
                    except LabUnusable as why:
                        results[name] = str(why)
                    except Exception as error:  # noqa: BLE001 - report it, go on to the next
                        results[name] = f"{type(error).__name__}: {str(error)[:200]}"
                    finally:
                        if subject is not None:
                            subject.close()
                    print(f"  measured {name}", file=sys.stderr, flush=True)
                baseline.close()
                browser.close()
        finally:
            server.stop()
        total = time.perf_counter() - started

    print_table(baseline.times, results, version, options.presses, total)
    return 0 if all(not isinstance(r, str) for r in results.values()) else 1


def print_table(baseline: list[float], results: dict[str, tuple[list[float], list[float]] | str],
                version: str, presses: int, total: float) -> None:
    print(f"Key press -> plot repaint in JupyterLab, Chromium {version}, {os.cpu_count()} cores, "
          f"{presses} presses each after {WARMUP} warm-up, each beside a baseline press "
          f"({total:.0f} s in all)")
    print(f"{'lab (first in notebook)':<34} {'n':>4} {'p50 ms':>8} {'p95 ms':>8} "
          f"{'base p50':>9} {'p50/base':>9}")
    if baseline:
        p50, p95 = np.percentile(baseline, [50, 95])
        print(f"{'baseline: bare slider + marker':<34} {len(baseline):>4} {p50:8.1f} {p95:8.1f} "
              f"{p50:9.1f} {1.0:9.2f}")
    for name, result in results.items():
        if isinstance(result, str):
            print(f"{name:<34} {'-':>4}  {result}")
            continue
        times, beside = result
        p50, p95 = np.percentile(times, [50, 95])
        base = float(np.percentile(beside, 50))
        print(f"{name:<34} {len(times):>4} {p50:8.1f} {p95:8.1f} {base:9.1f} {p50 / base:9.2f}")


if __name__ == "__main__":
    sys.exit(main())
