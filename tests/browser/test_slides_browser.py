"""The lessons as slides (jupyterlab-rise, RISE), the way a teacher opens them: in `make lab`'s
JupyterLab (the session's `lab` server, started from tools/lab.py's command line), Run All, then
the command "Open as Reveal Slideshow" (RISE:slideshow; the toolbar button RISE:preview shows
the same app beside the notebook). In the slideshow tab, as large as a projector's screen:
reveal.js lays the slides out, MathJax typesets the formulas, the labs are the live widgets of
the notebook's kernel (a slider moved on a slide redraws its plot and its numbers), and, walking
the whole deck key press by key press, no exercise, summary, progress count or "Run All" banner
is ever on screen. No request leaves 127.0.0.1 (any other is aborted and recorded).
Screenshots: artifacts/screenshots/slides_*.png."""

from __future__ import annotations

import re
import shutil

import pytest
from notebook_page import (
    DRAWN,
    RENDER_MS,
    UPDATE_MS,
    PageWatch,
    open_notebook,
    output_problems,
    parse_number,
    run_all,
)
from subjects import NOTEBOOKS, SCREENSHOTS

LESSONS = ["02_sum_and_product.ipynb", "06_neuron_backprop.ipynb"]
MAX_STEPS = 80  # key presses through a deck (slides, subslides and fragments)
# Never on screen in a slideshow: an exercise (its buttons), the progress count, the
# summaries, the banner's menu instruction.
FORBIDDEN = re.compile(r"Show answer|Reset exercises|exercises solved|Exercise[.(]|Run All"
                       r"|Your progress|Summary|Practice:")
# The widget stack failing to load in the slideshow (as without gradlab-rise-shims)
WIDGET_ERROR = re.compile(r"jupyter-widgets|jupyterWidgetRegistry|anywidget|plotly"
                          r"|@jupyterlab/console", re.I)
# TeX that MathJax should have typeset (it would show as source if MathJax failed)
RAW_TEX = re.compile(r"\$[^$\s][^$]*\$|\\frac|\\partial|\\cdot")

# The innermost slide on screen: its number (h, v), whether it holds a drawn plot, and its text
# as the room reads it (innerText leaves out hidden cells and fragments not shown yet).
_PRESENT = """() => {
  const drawn = __DRAWN__;
  const slides = Array.from(document.querySelectorAll('.reveal .slides > section'));
  const h = slides.findIndex(s => s.classList.contains('present'));
  if (h < 0) return null;
  const subs = Array.from(slides[h].querySelectorAll(':scope > section'));
  const v = subs.findIndex(s => s.classList.contains('present'));
  const here = v < 0 ? slides[h] : subs[v];
  const plots = Array.from(here.querySelectorAll('.js-plotly-plot'));
  return {h, v, text: here.innerText, plots: plots.length, drawn: plots.filter(drawn).length,
          sliders: here.querySelectorAll('.widget-slider .noUi-handle').length,
          // outputs drawn by a widget renderer (a panel, not a mime-typed output), on screen
          widgets: Array.from(here.querySelectorAll('.jp-OutputArea-output.lm-Panel'))
            .filter(out => !out.closest('.reveal-skip')).length,
          math: here.querySelectorAll('mjx-container').length,
          fragments: here.querySelectorAll('.fragment:not(.visible)').length};
}""".replace("__DRAWN__", DRAWN)

# Where the present slide's plots and readouts are: their SVG and the text of the lab.
_LAB_STATE = """() => {
  const here = document.querySelector('.reveal .slides section.present section.present')
    || document.querySelector('.reveal .slides > section.present');
  return {svg: Array.from(here.querySelectorAll('.js-plotly-plot svg.main-svg'))
                 .map(svg => svg.innerHTML).join(''),
          text: Array.from(here.querySelectorAll('.widget-html, .widget-htmlmath'))
                 .map(box => box.innerText).join('\\n'),
          readout: (here.querySelector('.widget-slider .widget-readout') || {}).textContent};
}"""


def _block_foreign(context, base: str, blocked: list[str]) -> None:
    """Abort (and record) every request that would leave the local server."""
    host = re.escape(base.split("://", 1)[1])
    # a pattern, not a Python predicate: the browser matches it without asking this process
    foreign = re.compile(rf"^(?!(?:http|ws)://{host}/|blob:|data:)")

    def handle(route) -> None:
        blocked.append(route.request.url)
        route.abort()

    context.route(foreign, handle)


# The deck's end: the last slide (and its last subslide) on screen, every fragment shown.
_AT_END = """() => {
  const slides = Array.from(document.querySelectorAll('.reveal .slides > section'));
  const last = slides[slides.length - 1];
  if (!last || !last.classList.contains('present')) return false;
  const subs = Array.from(last.querySelectorAll(':scope > section'));
  const here = subs.length ? subs[subs.length - 1] : last;
  return here.classList.contains('present')
    && here.querySelectorAll('.fragment:not(.visible)').length === 0;
}"""


def _next(show, seen: list[dict]) -> dict:
    """Press Space (RISE: the next slide, subslide or fragment) and return the slide then on
    screen, once it has changed."""
    before = show.evaluate(_PRESENT)
    show.keyboard.press("Space")
    show.wait_for_function(
        """([before]) => { const now = (__PRESENT__)();
             return now && (now.h !== before.h || now.v !== before.v
                            || now.fragments !== before.fragments); }"""
        .replace("__PRESENT__", _PRESENT), arg=[before], timeout=UPDATE_MS, polling=100)
    now = show.evaluate(_PRESENT)
    seen.append(now)
    return now


@pytest.mark.parametrize("name", LESSONS, ids=lambda n: n.split("_")[0])
def test_lesson_as_slides(name, lab, page):
    page, watch = page
    blocked: list[str] = []
    _block_foreign(page.context, lab.base, blocked)

    # a copy of its own: opening the slideshow saves the notebook, with this kernel's widgets
    copy = lab.root / "slides" / name
    copy.parent.mkdir(exist_ok=True)
    shutil.copy2(NOTEBOOKS / name, copy)

    # the teacher: open the lesson, Run All (the kernel runs every cell, the hidden ones too)
    open_notebook(page, lab.lab_url(f"slides/{name}"))
    run_all(page)
    assert output_problems(page) == []
    assert page.locator(".jp-NotebookPanel-toolbar [data-command='RISE:preview']").count() == 1, \
        "no RISE button in the notebook's toolbar: is jupyterlab-rise installed and enabled?"

    # ... then "Open as Reveal Slideshow": a new tab with the deck, on the same kernel
    with page.context.expect_page(timeout=RENDER_MS) as opened:
        page.evaluate("() => window.jupyterapp.commands.execute('RISE:slideshow')")
    show = opened.value
    show_watch = PageWatch(lab.base).attach(show)
    show.wait_for_selector(".reveal.ready .slides > section", state="attached", timeout=RENDER_MS)
    show.wait_for_function("() => document.querySelectorAll('mjx-container').length > 0",
                           timeout=RENDER_MS)
    first = show.evaluate(_PRESENT)
    assert first["h"] == 0 and first["text"].lstrip().startswith(name[:2].lstrip("0")), \
        f"the deck does not open on the lesson's title: {first['text'][:120]!r}"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    stem = name.split(".")[0]
    show.screenshot(path=str(SCREENSHOTS / f"slides_{stem}_title.png"))

    # walk the whole deck: every slide and fragment the room would see
    seen = [first]
    lab_slide = None
    for _ in range(MAX_STEPS):
        if show.evaluate(_AT_END):
            break
        now = _next(show, seen)
        if lab_slide is None and now["widgets"]:  # a lab's output: wait until it is drawn
            show.wait_for_function(
                """() => { const p = (__PRESENT__)();
                     return p.sliders > 0 && p.plots > 0 && p.drawn === p.plots; }"""
                .replace("__PRESENT__", _PRESENT), timeout=RENDER_MS, polling=250)
            lab_slide = show.evaluate(_PRESENT)
            seen[-1] = lab_slide
            show.screenshot(path=str(SCREENSHOTS / f"slides_{stem}_lab.png"))
            _move_a_slider(show, stem)
            seen.append(show.evaluate(_PRESENT))
    else:
        pytest.fail(f"more than {MAX_STEPS} steps through the deck")

    assert lab_slide is not None, "no slide shows a lab with a drawn plot and a slider"
    slides_seen = {(s["h"], s["v"]) for s in seen}
    in_deck = show.evaluate("() => document.querySelectorAll('.reveal .slides > section').length")
    assert {h for h, _ in slides_seen} == set(range(in_deck)) and in_deck >= 3, \
        f"the walk missed slides: saw {sorted(slides_seen)} of {in_deck}"
    for slide in seen:
        found = FORBIDDEN.search(slide["text"])
        assert found is None, (f"slide {slide['h']}/{slide['v']} shows {found.group(0)!r}: "
                               f"{slide['text'][:300]!r}")
        raw = RAW_TEX.search(slide["text"])
        assert raw is None, f"TeX not typeset on slide {slide['h']}/{slide['v']}: {raw.group(0)}"
    assert sum(slide["math"] for slide in seen) > 0, "no formula typeset by MathJax"

    # the widget stack loaded in the slideshow app (jupyter/labextensions/gradlab-rise-shims);
    # other console errors there come from RISE's own bundle and the teacher's extensions
    widget_errors = [e for e in show_watch.console_errors if WIDGET_ERROR.search(e)]
    assert widget_errors == [], widget_errors
    assert blocked == [], f"requests that would leave 127.0.0.1: {blocked}"
    assert watch.foreign_requests() == [] and show_watch.foreign_requests() == []


def _move_a_slider(show, stem: str) -> None:
    """Click the present slide's first slider a little right of its handle, as a teacher does
    with the mouse in a slideshow (there the arrow keys move through the deck, and a slider's
    handle passes them on); wait until the slider's readout, the lab's plot and its text have
    all changed, and the lab shows the slider's new value."""
    before = show.evaluate(_LAB_STATE)
    handle = show.locator(".reveal .slides section.present .widget-slider .noUi-handle").first
    handle.scroll_into_view_if_needed()
    box = handle.bounding_box()
    show.mouse.click(box["x"] + box["width"] / 2 + 40, box["y"] + box["height"] / 2)
    show.wait_for_function(
        """([before]) => { const now = (__STATE__)();
             return now.readout && now.readout !== before.readout && now.svg !== before.svg
                    && now.text !== before.text; }""".replace("__STATE__", _LAB_STATE),
        arg=[before], timeout=RENDER_MS, polling=100)  # a 3-D replot, slow on a busy machine
    after = show.evaluate(_LAB_STATE)
    value = parse_number(after["readout"])
    assert value > parse_number(before["readout"])
    shown = f"{value:g}".replace("-", "\u2212")
    show.wait_for_function(
        "([shown]) => { const now = (__STATE__)(); return (now.text + now.svg).includes(shown); }"
        .replace("__STATE__", _LAB_STATE), arg=[shown], timeout=UPDATE_MS, polling=100)
    show.screenshot(path=str(SCREENSHOTS / f"slides_{stem}_moved.png"))
    # give the keyboard back to the deck (the slider has it after the click)
    show.evaluate("() => document.querySelector('.jp-Notebook').focus()")
