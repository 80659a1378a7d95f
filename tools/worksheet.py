"""`make worksheets`: a printable worksheet per lesson (01 to 11), for a class that works on paper
beside the labs: the lesson's title and learning goal, then every checked exercise and every
"Try this" of the lesson in the order the lesson asks them, each with room to answer (lines for
the working, a box for a number, a line for a formula, a box per component of a vector, a box
per option of a choice). No answer is on a worksheet: not the exercises' (computed by
tools/course.py, never written here) and no output of a notebook cell.

    .venv/bin/python tools/worksheet.py                # build/worksheets/NN_name.html + index.html
    .venv/bin/python tools/worksheet.py --pdf          # and NN_name.pdf, printed by Chromium

The pages are plain HTML with a print stylesheet: no script, nothing fetched from the internet,
the maths drawn by tools/texhtml.py. Print one from a browser (Ctrl+P) on A4 or Letter; --pdf
prints them all with the Chromium the browser tests use (--paper a4 or letter).
"""

from __future__ import annotations

import argparse
import html
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # also when loaded from elsewhere
from siblings import load  # noqa: E402  (tools/siblings.py)

REPO = Path(__file__).resolve().parents[1]
NOTEBOOKS = REPO / "notebooks"
OUT = REPO / "build" / "worksheets"
FIRST, LAST = 1, 11  # the lessons that get a worksheet (00 is the tour of the tools)
TRY_THIS = "**Try this"  # a paragraph of a markdown cell that starts so is a "Try this"
LINES_PER_QUESTION = 3
PAPERS = {"a4": "A4", "letter": "letter"}


course = load("course")
texhtml = load("texhtml")


# -- what a worksheet holds ----------------------------------------------------------------------

@dataclass
class Item:
    """One question of a worksheet: an exercise (built: course.Built) or a "Try this" (its
    markdown), in the lesson's order."""

    kind: str  # "exercise" or "try"
    number: int
    markdown: str = ""
    built: object = None


def try_these(source: str) -> list[str]:
    """The "Try this" questions of a markdown cell: each paragraph that starts with
    "**Try this", with the list that follows it (its questions), up to the next paragraph that
    is not part of that list (a "Check yourself", a heading: the lesson's, not a question)."""
    found: list[list[str]] = []
    current: list[str] | None = None
    for paragraph in re.split(r"\n[ \t]*\n", source):
        if paragraph.lstrip().startswith(TRY_THIS):
            current = [paragraph.strip()]
            found.append(current)
        elif current is not None and re.match(r"(?:[-*+]|\d+[.)])\s|[ \t]{2,}\S", paragraph):
            current.append(paragraph.rstrip())
        else:
            current = None
    return ["\n\n".join(block) for block in found]


def items(lesson: object) -> list[Item]:
    """The lesson's exercises (made by tools/course.py, as the notebook makes them) and its
    "Try this" cells, in the notebook's order."""
    notebook = json.loads(Path(lesson.path).read_text(encoding="utf-8"))
    by_cell: dict[str, list] = {}
    for spec in lesson.exercises:
        by_cell.setdefault(spec.cell, []).append(spec)
    found: list[Item] = []
    tries = 0
    for position, cell in enumerate(notebook.get("cells", [])):
        source = course._source(cell)
        if cell.get("cell_type") == "markdown":
            for text in try_these(source):
                tries += 1
                found.append(Item("try", tries, markdown=text))
        elif cell.get("cell_type") == "code":
            for spec in by_cell.get(str(cell.get("id") or position), []):
                found.append(Item("exercise", spec.index, built=course.build(spec)))
    return found


# -- the page ------------------------------------------------------------------------------------

def _lines(count: int) -> str:
    return '<div class="lines">' + '<div class="line"></div>' * count + "</div>"


KIND_LABELS = {"number": "a number", "formula": "a formula", "vector": "a vector",
               "choice": "a choice"}


def answer_space(built: object) -> str:
    """Room to answer an exercise, by its kind; never its answer."""
    kind = built.kind
    if kind == "choice":
        one = not built.multiple
        mark = "circle" if one else "box"
        how = "Tick one." if one else "Tick every one that is right."
        options = "".join(f'<li><span class="{mark}"></span> {texhtml.text_html(option)}</li>'
                          for option in built.options)
        return (f'<p class="how">{how}</p><ul class="options">{options}</ul>'
                + '<p class="how">Why?</p>' + _lines(2))
    working = '<p class="how">Working:</p>' + _lines(2)
    if kind == "vector":
        boxes = ", ".join(
            f'<span class="component"><span class="box small"></span>'
            f'<span class="label">∂/∂{html.escape(name)}</span></span>'
            for name in built.problem.at)
        return working + f'<p class="answer">Answer: <span class="vector">( {boxes} )</span></p>'
    if kind == "formula":
        return working + '<p class="answer">Answer: <span class="formula-line"></span></p>'
    return working + '<p class="answer">Answer: <span class="box"></span></p>'


def item_html(item: Item) -> str:
    if item.kind == "exercise":
        built = item.built
        question = texhtml.text_html(built.question)
        return (f'<section class="item exercise"><h2>Exercise {item.number} '
                f'<span class="kind">{KIND_LABELS[built.kind]}</span></h2>'
                f'<div class="question">{question}</div>{answer_space(built)}</section>')
    body = texhtml.markdown_html(item.markdown)
    space = _lines(LINES_PER_QUESTION)
    body = body.replace("</li>", space + "</li>") if "</li>" in body else body + space
    return (f'<section class="item try"><h2>Try this {item.number} '
            f'<span class="kind">with the lab</span></h2>'
            f'<div class="question">{body}</div></section>')


def _inline(markdown: str) -> str:
    """Markdown of one paragraph (a goal) as HTML without its <p>."""
    return re.sub(r"^<p>|</p>\s*$", "", texhtml.markdown_html(markdown).strip())


# the look of a sheet, on screen and on paper (@page margins, page-break rules)
CSS = Path(__file__).with_name("worksheet.css").read_text(encoding="utf-8")


def _page(title: str, body: str, extra_css: str = "") -> str:
    return (f'<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            f"<title>{html.escape(title)}</title>\n<style>{CSS}{texhtml.MATHS_CSS}{extra_css}"
            f'</style>\n</head>\n<body>\n<main class="sheet">\n{body}\n</main>\n</body>\n'
            "</html>\n")


COURSE = "gradlab · Gradients, partial derivatives and the chain rule · worksheet"
INTRO = ("Keep the lesson open beside this sheet. <b>Exercises</b>: write your working on the "
         "lines and your answer in the box. <b>Try this</b>: do it in the lab, then write what "
         "you saw and why.")


def worksheet_html(lesson: object, found: Sequence[Item] | None = None) -> str:
    """A lesson's worksheet: its title, goal, then every exercise and "Try this" with room to
    answer."""
    found = items(lesson) if found is None else found
    goal = (f'<p class="goal"><b>Learning goal:</b> {_inline(lesson.goal)}</p>'
            if lesson.goal else "")
    header = (f'<header><div class="course">{COURSE}</div>'
              f"<h1>{texhtml.text_html(lesson.title)}</h1>{goal}"
              '<div class="who"><span class="name">Name</span><span>Class</span>'
              "<span>Date</span></div></header>")
    body = "\n".join(item_html(item) for item in found)
    footer = (f"<footer>{html.escape(lesson.title)}. The answers are in the teacher's "
              f"notes (docs/teaching/lessons/{html.escape(lesson.name)}.md).</footer>")
    return _page(f"Worksheet: {lesson.title}",
                 f'{header}<p class="intro">{INTRO}</p>\n{body}\n{footer}')


def index_html(written: Sequence[tuple[object, Path, Path | None]]) -> str:
    """The list of the worksheets (and their PDFs when printed)."""
    rows = []
    for lesson, page, pdf in written:
        pdf_link = f' · <a href="{pdf.name}">PDF</a>' if pdf is not None else ""
        goal = f"<br>{_inline(lesson.goal)}" if lesson.goal else ""
        title = texhtml.text_html(lesson.title)
        rows.append(f'<li><a href="{page.name}">{title}</a>{pdf_link}{goal}</li>')
    body = (f'<header><div class="course">gradlab · worksheets</div><h1>Worksheets</h1>'
            f'<p class="goal">One per lesson: open one and print it (Ctrl+P), on A4 or '
            f"Letter.</p></header><ul class=\"index\">{''.join(rows)}</ul>")
    return _page("gradlab worksheets", body)


# -- writing them --------------------------------------------------------------------------------

def chosen(lessons: Sequence[object]) -> list[object]:
    """The lessons FIRST..LAST."""
    return [lesson for lesson in lessons
            if lesson.number is not None and FIRST <= lesson.number <= LAST]


def find_chromium() -> str | None:
    """$GRADLAB_CHROMIUM, else chromium on PATH (as the browser tests find it)."""
    override = os.environ.get("GRADLAB_CHROMIUM")
    if override:
        return override if Path(override).is_file() else None
    return shutil.which("chromium") or shutil.which("chromium-browser")


def print_pdf(page: Path, pdf: Path, chromium: str, paper: str = "a4") -> None:
    """Print one page to PDF with headless Chromium (no header or footer line, the paper size
    set by an @page rule added to a copy of the page)."""
    text = page.read_text(encoding="utf-8").replace(
        "</style>", f"@page {{ size: {PAPERS[paper]}; }}</style>", 1)
    with tempfile.TemporaryDirectory() as folder:
        copy = Path(folder) / page.name
        copy.write_text(text, encoding="utf-8")
        command = [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                   "--disable-background-networking", "--disable-component-update",
                   "--no-pdf-header-footer", f"--user-data-dir={Path(folder) / 'profile'}",
                   f"--print-to-pdf={pdf}", copy.as_uri()]
        subprocess.run(command, check=True, capture_output=True, timeout=180,
                       stdin=subprocess.DEVNULL)


def write(out: Path = OUT, folder: Path = NOTEBOOKS, pdf: bool = False,
          paper: str = "a4") -> list[Path]:
    """Write out/NN_name.html for every lesson FIRST..LAST and out/index.html (and each
    NN_name.pdf when pdf is true and Chromium is there); returns the files written."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    chromium = find_chromium() if pdf else None
    if pdf and chromium is None:
        print("worksheet.py: no Chromium found (install the `chromium` package or set "
              "GRADLAB_CHROMIUM): HTML only", file=sys.stderr)
    done, written = [], []
    for lesson in chosen(course.lessons(folder)):
        page = out / f"{lesson.name}.html"
        page.write_text(worksheet_html(lesson), encoding="utf-8")
        written.append(page)
        printed = None
        if chromium is not None:
            printed = page.with_suffix(".pdf")
            print_pdf(page, printed, chromium, paper)
            written.append(printed)
        done.append((lesson, page, printed))
    index = out / "index.html"
    index.write_text(index_html(done), encoding="utf-8")
    return [*written, index]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=OUT, help="default: build/worksheets")
    parser.add_argument("--notebooks", type=Path, default=NOTEBOOKS)
    parser.add_argument("--pdf", action="store_true",
                        help="also print each worksheet to PDF with Chromium, when it is there")
    parser.add_argument("--paper", choices=sorted(PAPERS), default="a4",
                        help="the PDFs' paper size (the HTML pages print on any)")
    options = parser.parse_args(argv)
    try:
        written = write(options.out, options.notebooks, options.pdf, options.paper)
    except course.CourseError as error:
        print(f"worksheet.py: {error}", file=sys.stderr)
        return 1
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as error:
        print(f"worksheet.py: Chromium could not print a PDF: {error}", file=sys.stderr)
        return 1
    pages = sum(path.suffix == ".html" for path in written) - 1
    pdfs = sum(path.suffix == ".pdf" for path in written)
    print(f"{pages} worksheets{f' and {pdfs} PDFs' if pdfs else ''} in {options.out} "
          f"(open {options.out / 'index.html'})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
