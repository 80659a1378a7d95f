"""Drive one notebook in JupyterLab through Playwright: open it, Run All, and watch what the
page and the kernel report (errors, console messages, requests) and the plots drawn. Shared by
the browser tests and benchmarks/browser_latency.py (lab_slider.py moves a lab's slider)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the module imports without Playwright, so skipping stays possible
    from playwright.sync_api import Page

# Bounded waits (milliseconds): generous for a busy 2-core machine, short enough that a hang
# fails the run instead of stalling it.
KERNEL_READY_MS = 90_000
RUN_ALL_MS = 180_000
RENDER_MS = 120_000  # a condition waited for: a busy 2-core machine draws a 3-D surface slowly
UPDATE_MS = 20_000


_PANEL = "window.jupyterapp && window.jupyterapp.shell.currentWidget"

# Resolves to true once the notebook's kernel is idle; also starts recording the kernel's
# error and stderr messages (a traceback from a slider callback never reaches a cell's output:
# JupyterLab sends it to the log console, where nobody would see it).
_WATCH_KERNEL = """() => {
  const panel = window.jupyterapp && window.jupyterapp.shell.currentWidget;
  const kernel = panel && panel.sessionContext && panel.sessionContext.session
    && panel.sessionContext.session.kernel;
  if (!kernel || kernel.status !== 'idle') return false;
  if (!window.__gradlabKernelErrors) {
    window.__gradlabKernelErrors = [];
    kernel.iopubMessage.connect((_, msg) => {
      const type = msg.header.msg_type, content = msg.content;
      if (type === 'error') {
        window.__gradlabKernelErrors.push(`${content.ename}: ${content.evalue}`);
      } else if (type === 'stream' && content.name === 'stderr'
                 && /Traceback|Error/.test(content.text)) {
        window.__gradlabKernelErrors.push(content.text.slice(0, 2000));
      }
    });
  }
  return true;
}"""

# Run All as the menu does; the promise settles when every cell ran (or one failed).
_RUN_ALL = """() => {
  window.__gradlabRunAll = null;
  window.jupyterapp.commands.execute('runmenu:run-all').then(
    ok => { window.__gradlabRunAll = {settled: true, ok: ok !== false}; },
    err => { window.__gradlabRunAll = {settled: true, ok: false, error: String(err)}; });
}"""

# What the cells' outputs hold after the run: error outputs, stderr with a traceback, widgets
# that failed to display, and code cells that never ran.
_OUTPUT_PROBLEMS = """() => {
  const panel = window.jupyterapp.shell.currentWidget;
  const problems = [];
  panel.content.widgets.forEach((cell, index) => {
    if (cell.model.type !== 'code') return;
    if (cell.model.executionCount === null && cell.model.sharedModel.getSource().trim()) {
      problems.push(`cell ${index}: not executed`);
    }
    for (const output of cell.model.outputs.toJSON()) {
      if (output.output_type === 'error') {
        problems.push(`cell ${index}: ${output.ename}: ${output.evalue}`);
      } else if (output.output_type === 'stream' && output.name === 'stderr'
                 && /Traceback/.test(output.text)) {
        problems.push(`cell ${index}: stderr traceback: ${String(output.text).slice(0, 500)}`);
      }
    }
  });
  const node = panel.content.node;
  node.querySelectorAll(
    '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]'
  ).forEach(out => {
    if (/Traceback/.test(out.textContent)) {
      problems.push(`stderr output shown: ${out.textContent.slice(0, 500)}`);
    }
  });
  node.querySelectorAll('.jp-OutputArea-output').forEach(out => {
    if (/Error displaying widget|Error rendering output/.test(out.textContent)) {
      problems.push(`widget not displayed: ${out.textContent.slice(0, 300)}`);
    }
  });
  return problems.concat(window.__gradlabKernelErrors || []);
}"""

# Whether a plot (plotly's graph div) shows its data: at least one visible trace, drawn as SVG
# (each 2-D trace is a group in its type's "mlayer", e.g. g.trace or g.contour) or on a WebGL
# canvas (3-D). An empty set of axes (the figure before its data
# arrived, or data that never did) is not drawn.
DRAWN = """gd => !!gd.querySelector('svg.main-svg')
  && (gd._fullData || []).some(trace => trace.visible === true)
  && !!gd.querySelector('svg.main-svg .mlayer > *, svg.main-svg .trace, .gl-container canvas')
  && gd.getBoundingClientRect().width > 0"""

# 1 + the number of plots once their count stopped changing for `quiet` ms (widgets render
# after Run All resolves, one after another) and each is drawn; 0 until then.
_PLOTS_SETTLED = """([quiet]) => {
  const drawn = __DRAWN__;
  const node = window.jupyterapp.shell.currentWidget.content.node;
  const plots = node.querySelectorAll('.js-plotly-plot');
  const ready = Array.from(plots).every(drawn);
  const now = performance.now();
  if (window.__gradlabPlotCount !== plots.length || !ready) {
    window.__gradlabPlotCount = plots.length;
    window.__gradlabPlotSince = now;
    return 0;
  }
  return now - window.__gradlabPlotSince >= quiet ? plots.length + 1 : 0;
}""".replace("__DRAWN__", DRAWN)


@dataclass
class PageWatch:
    """Everything a page reported that a learner's page should not: console errors, uncaught
    exceptions, and any request that leaves the local server."""

    base: str
    console_errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)

    def attach(self, page: Page) -> PageWatch:
        page.on("console", self._on_console)
        page.on("pageerror", lambda error: self.console_errors.append(f"uncaught: {error}"))
        page.on("request", lambda request: self.requests.append(request.url))
        page.on("websocket", lambda socket: self.requests.append(socket.url))
        return self

    def _on_console(self, message) -> None:
        if message.type == "error":
            self.console_errors.append(message.text)

    def foreign_requests(self) -> list[str]:
        """Requests to anything but the local server (blob:/data: stay inside the page)."""
        host = self.base.split("://", 1)[1]
        local = (f"http://{host}/", f"ws://{host}/", "blob:", "data:")
        return [url for url in self.requests if not url.startswith(local)]


def open_notebook(page: Page, url: str) -> None:
    """Open the notebook at `url` and wait until its kernel is idle (and being watched)."""
    page.goto(url, timeout=KERNEL_READY_MS)
    page.wait_for_function(_WATCH_KERNEL, timeout=KERNEL_READY_MS)


def run_all(page: Page) -> None:
    """Run All (the `runmenu:run-all` command) and wait until every cell ran, or one failed,
    and the kernel is idle again."""
    page.evaluate(_RUN_ALL)
    page.wait_for_function("() => window.__gradlabRunAll && window.__gradlabRunAll.settled",
                           timeout=RUN_ALL_MS)
    page.wait_for_function(f"() => {_PANEL}.sessionContext.session.kernel.status === 'idle'",
                           timeout=RUN_ALL_MS)


def output_problems(page: Page) -> list[str]:
    return page.evaluate(_OUTPUT_PROBLEMS)


def wait_for_plots(page: Page, quiet_ms: int = 1500) -> int:
    """Wait until the plots stop appearing and each shows its data; returns how many."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    try:
        handle = page.wait_for_function(_PLOTS_SETTLED, arg=[quiet_ms], timeout=RENDER_MS,
                                        polling=250)
    except PlaywrightTimeout as timeout:
        raise AssertionError(f"plots still not drawn after {RENDER_MS / 1000:.0f} s: "
                             f"{undrawn_plots(page)}") from timeout
    return int(handle.json_value()) - 1


def undrawn_plots(page: Page) -> list[str]:
    """Titles (or positions) of the notebook's plots that do not show their data."""
    return page.evaluate("""() => {
      const drawn = __DRAWN__;
      return Array.from(document.querySelectorAll('.js-plotly-plot'))
        .map((gd, index) => drawn(gd) ? null
             : `plot ${index + 1}: ${(gd.textContent || '').slice(0, 80)}`)
        .filter(Boolean);
    }""".replace("__DRAWN__", DRAWN))


def shut_down_kernel(page: Page) -> None:
    """End the notebook's kernel now rather than when the server stops (memory: 2 cores and
    several kernels)."""
    try:
        page.evaluate(f"""() => {_PANEL} && Promise.race([
            {_PANEL}.sessionContext.shutdown(),
            new Promise(resolve => setTimeout(resolve, 10000))])""")
    except Exception:  # noqa: BLE001 - best effort: the server ends it at teardown anyway
        pass


def parse_number(text: str) -> float:
    """A number as the page shows it (a true minus sign, "∞", "undefined", "1.5×10^-5")."""
    text = text.strip().replace("\u2212", "-").replace("∞", "inf").replace("×10^", "e")
    if text in ("undefined", "nan"):
        return float("nan")
    return float(text)
