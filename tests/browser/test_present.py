"""Presentation mode (`make present`): Voila, started exactly as tools/present.py starts it, opens
on the course page (every lesson in order, with its title and learning goal, each a link that
opens it) and serves a lesson that a projector can show - widgets drawn, plots holding their
data, code hidden, large type - with no request leaving the local server and no console error.
(`make present` itself, as root and as an ordinary user runs it: test_make_lab.py.)"""

from __future__ import annotations

import importlib.util
import json
import re
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import VIEWPORT
from lab_server import free_port, stop_group
from notebook_page import RENDER_MS, PageWatch
from siblings import load  # tools/siblings.py (tests/conftest.py puts tools/ on the path)
from subjects import NOTEBOOKS, REPO, SCREENSHOTS

LESSON = "01_partial_derivatives.ipynb"  # a curve and a 3-D surface: both kinds of plot
START_TIMEOUT = 90.0  # seconds
PAGE_MS = 240_000  # Voila runs every cell before the page finishes loading (2 busy cores)


def load_present():
    """tools/present.py as a module."""
    return load("present")


present = load_present()


@dataclass
class Voila:
    base: str
    process: subprocess.Popen
    log_path: Path

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])


def _stop(process: subprocess.Popen) -> None:
    """Ctrl+C (JupyterLab and Voila then shut their kernels down), then SIGKILL to the rest."""
    stop_group(process)


@pytest.fixture(scope="module")
def voila(tmp_path_factory: pytest.TempPathFactory, chromium_path: str) -> Iterator[Voila]:
    if importlib.util.find_spec("voila") is None:
        pytest.fail("Voila is not installed in this Python: it is one of gradlab's own "
                    "dependencies (pip install -e .)", pytrace=False)
    state = tmp_path_factory.mktemp("voila")
    env = present.environment()
    for name, folder in (("JUPYTER_CONFIG_DIR", "config"), ("JUPYTER_RUNTIME_DIR", "runtime"),
                         ("JUPYTER_DATA_DIR", "data"), ("IPYTHONDIR", "ipython")):
        (state / folder).mkdir()
        env[name] = str(state / folder)  # nothing read from or written to the user's ~
    port = free_port()
    command = present.command(NOTEBOOKS, port, open_browser=False)
    command.append("--Voila.port_retries=0")  # the test must reach the port it chose
    log_path = state / "voila.log"
    with open(log_path, "w") as log:
        process = subprocess.Popen(command, cwd=REPO, env=env, stdout=log,
                                   stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                   start_new_session=True)
    server = Voila(f"http://127.0.0.1:{port}", process, log_path)
    try:
        _wait_ready(server)
        yield server
    finally:
        _stop(process)


def _wait_ready(server: Voila) -> None:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"Voila exited:\n{server.log_tail()}")
        try:
            with opener.open(f"{server.base}/", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            time.sleep(0.25)
    raise RuntimeError(f"Voila did not answer within {START_TIMEOUT:.0f} s:\n{server.log_tail()}")


@pytest.fixture()
def page(voila, browser) -> Iterator[tuple[object, PageWatch]]:
    context = browser.new_context(viewport=VIEWPORT)
    new_page = context.new_page()
    watch = PageWatch(voila.base).attach(new_page)
    try:
        yield new_page, watch
    finally:
        context.close()  # Voila ends the page's kernel when its websocket closes


# 1 + the number of plots once every plot has drawn its SVG and the count held still for `quiet`
# ms (widgets appear one after another once the page has loaded); 0 until then.
_PLOTS_SETTLED = """([quiet]) => {
  const plots = document.querySelectorAll('.js-plotly-plot');
  const drawn = plots.length > 0 && Array.from(plots).every(
    p => p.querySelector('svg.main-svg') && p.getBoundingClientRect().width > 0);
  const now = performance.now();
  if (window.__presentPlots !== plots.length || !drawn) {
    window.__presentPlots = plots.length;
    window.__presentSince = now;
    return 0;
  }
  return now - window.__presentSince >= quiet ? plots.length + 1 : 0;
}"""

# Traces that plotly was given no points for, though they are not hidden on purpose: a plot
# the audience would see empty (e.g. data drawn before the page existed and never sent).
_EMPTY_TRACES = """() => {
  const empty = [];
  document.querySelectorAll('.js-plotly-plot').forEach((plot, p) => {
    (plot.data || []).forEach(trace => {
      if (trace.visible === false) return;
      const size = ['x', 'y', 'z'].map(k => (trace[k] && trace[k].length) || 0);
      if (Math.max(...size) === 0) empty.push(`plot ${p}: ${trace.type} '${trace.name}'`);
    });
  });
  return empty;
}"""

# Code the page shows: a code cell's input area with a size, or a line of the notebook's code.
_SHOWN_CODE = """([snippet]) => {
  const shown = Array.from(document.querySelectorAll('.jp-CodeCell .jp-InputArea, .jp-InputPrompt'))
    .filter(el => el.getBoundingClientRect().height > 0).map(el => el.outerHTML.slice(0, 120));
  if (document.body.innerText.includes(snippet)) shown.push(`text: ${snippet}`);
  return shown;
}"""


def open_lesson(page, voila: Voila, name: str) -> int:
    """Open one notebook as Voila serves it and wait until its plots are drawn; returns how
    many there are."""
    page.goto(f"{voila.base}/voila/render/{name}", timeout=PAGE_MS)
    handle = page.wait_for_function(_PLOTS_SETTLED, arg=[1500], timeout=RENDER_MS, polling=250)
    return int(handle.json_value()) - 1


def font_px(page, selector: str) -> float:
    return page.evaluate(
        "([s]) => parseFloat(getComputedStyle(document.querySelector(s)).fontSize)", [selector])


def lesson_heading_and_goal(path: Path) -> tuple[str, str]:
    """A notebook's title (its first heading) and learning goal (the paragraph after
    "**Learning goal:**"), read from its JSON."""
    first = "".join(json.loads(path.read_text(encoding="utf-8"))["cells"][0]["source"])
    title = re.search(r"^#+\s+(.+)$", first, re.MULTILINE).group(1).strip()
    goal = re.search(r"\*\*Learning goal:?\*\*:?\s*(.+?)(?:\n\s*\n|\Z)", first, re.DOTALL)
    return title, goal.group(1) if goal else ""


def words_and_formulas(markdown: str) -> tuple[list[str], list[str]]:
    """The words between a text's $...$ formulas (markdown's * marks gone, spaces collapsed),
    and the formulas."""
    formulas = [f.strip() for f in re.findall(r"\$([^$]+)\$", markdown)]
    words = [" ".join(re.sub(r"\*+", "", piece).split())
             for piece in re.split(r"\$[^$]+\$", markdown)]
    return [w for w in words if w], formulas


# Each lesson of the course page: its link's text, address and target, its goal's text with each
# formula replaced by a space, and the TeX of those formulas.
_COURSE = """() => Array.from(document.querySelectorAll('.gradlab-lesson')).map(li => {
  const link = li.querySelector('a');
  const goal = li.querySelector('.gradlab-lesson-goal').cloneNode(true);
  const tex = Array.from(goal.querySelectorAll('.math')).map(m => m.dataset.tex);
  goal.querySelectorAll('.math').forEach(m => m.replaceWith(' '));
  return {title: link.textContent.trim(), href: link.getAttribute('href'), url: link.href,
          goal: goal.textContent.replace(/\\s+/g, ' ').trim(), tex};
})"""


def test_the_course_page_lists_every_lesson_in_order_from_the_local_server_only(
        page, voila) -> None:
    page_, watch = page
    page_.goto(f"{voila.base}/", timeout=PAGE_MS)
    page_.locator(".gradlab-lesson").first.wait_for(timeout=RENDER_MS)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page_.screenshot(path=str(SCREENSHOTS / "present_course_page.png"))
    shown = page_.evaluate(_COURSE)
    notebooks = sorted(NOTEBOOKS.glob("*.ipynb"))
    assert [lesson["title"] for lesson in shown] == [lesson_heading_and_goal(p)[0]
                                                    for p in notebooks]
    for lesson, path in zip(shown, notebooks, strict=True):
        assert lesson["url"] == f"{voila.base}/voila/render/{path.name}"
        words, formulas = words_and_formulas(lesson_heading_and_goal(path)[1])
        assert words, path.name  # every lesson says what it teaches
        for piece in words:
            assert piece in lesson["goal"], (path.name, piece)
        assert lesson["tex"] == formulas, path.name  # drawn, each formula in its place
    # projector type; Voila's own list of files is not what the room sees
    assert font_px(page_, ".gradlab-lesson-title") >= 24
    assert font_px(page_, ".gradlab-lesson-goal") >= 20
    assert page_.locator(".jp-DirListing-item, .voila-notebooks").count() == 0
    assert watch.foreign_requests() == []
    assert watch.console_errors == []


def test_a_lesson_opens_from_the_course_page_with_its_labs_drawn(page, voila) -> None:
    page_, watch = page
    page_.goto(f"{voila.base}/", timeout=PAGE_MS)
    title = lesson_heading_and_goal(NOTEBOOKS / LESSON)[0]
    page_.get_by_role("link", name=title, exact=True).click()
    page_.wait_for_url(f"{voila.base}/voila/render/{LESSON}", timeout=PAGE_MS)
    handle = page_.wait_for_function(_PLOTS_SETTLED, arg=[1500], timeout=PAGE_MS, polling=250)
    assert int(handle.json_value()) - 1 >= 2  # the lesson's curve and surface, drawn
    assert page_.get_by_role("heading", name=title).count() >= 1
    # the lesson's links to other lessons ("Start here") open them in Voila too
    links = page_.evaluate("""() => Array.from(document.querySelectorAll('a[href$=".ipynb"]'))
      .map(a => a.href)""")
    assert f"{voila.base}/voila/render/00_start_here.ipynb" in links
    for url in links:
        name = url.rsplit("/", 1)[1]
        assert url == f"{voila.base}/voila/render/{name}" and (NOTEBOOKS / name).is_file(), url
    assert watch.foreign_requests() == []


def test_a_lesson_is_projected_with_its_widgets_large_text_and_no_code(page, voila) -> None:
    page_, watch = page
    plots = open_lesson(page_, voila, LESSON)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page_.screenshot(path=str(SCREENSHOTS / f"present_{LESSON.removesuffix('.ipynb')}.png"))
    # both kinds of plot: a curve (2-D) and a surface (3-D, WebGL); the lesson may hold more
    kinds = page_.evaluate("""() => Array.from(document.querySelectorAll('.js-plotly-plot'))
      .map(gd => gd.querySelector('.gl-container canvas') ? '3-D' : '2-D')""")
    assert plots >= 2 and {"2-D", "3-D"} <= set(kinds), kinds
    assert page_.evaluate(_SHOWN_CODE, ["import gradlab"]) == []
    # projector.css: body text 20px (Voila's lab template gives 14px), slider labels 18px
    assert font_px(page_, ".jp-RenderedMarkdown p") >= 20
    assert font_px(page_, ".widget-label") >= 18
    assert watch.foreign_requests() == []
    assert watch.console_errors == []


def test_every_plot_shows_its_data(page, voila) -> None:
    """Voila runs the cells before any browser is connected, so a page starts from each
    figure's saved state: a curve or surface drawn into a FigureWidget after it was made must
    be in that state, or the projector shows axes without the function."""
    page_, _ = page
    open_lesson(page_, voila, LESSON)
    assert page_.evaluate(_EMPTY_TRACES) == []
