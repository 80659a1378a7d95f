"""A worksheet (tools/worksheet.py) printed to PDF by Chromium through Playwright's page.pdf(), on
A4 as a teacher's browser would print it: at least one page, every exercise question of the
lesson in the PDF's text (read back from the PDF itself: its content streams and each font's
ToUnicode map), and nothing requested from anywhere while it loads."""

from __future__ import annotations

import re
import sys
import zlib
from pathlib import Path

from subjects import NOTEBOOKS, REPO, SCREENSHOTS

sys.path.insert(0, str(REPO / "tests"))
import practice_checks as practice  # noqa: E402
from siblings import load  # tools/siblings.py (tests/conftest.py puts tools/ on the path)

LESSON = "02_sum_and_product"  # a number, a formula and a vector, and four "Try this"


def _worksheet():
    return load("worksheet")


# -- reading a PDF's text (Chromium's: Type0 fonts, hex glyph strings, ToUnicode maps) ----------

_OBJECT = re.compile(rb"(\d+) 0 obj(.*?)endobj", re.DOTALL)


def _stream(body: bytes) -> bytes | None:
    match = re.search(rb"stream\r?\n(.*?)\r?\nendstream", body, re.DOTALL)
    if match is None:
        return None
    data = match.group(1)
    return zlib.decompress(data) if b"/FlateDecode" in body[:match.start()] else data


def _cmap(text: bytes) -> dict[int, str]:
    """A ToUnicode CMap: glyph code -> text (bfchar lines and bfrange lines)."""
    table: dict[int, str] = {}

    def chars(hex_text: bytes) -> str:
        return bytes.fromhex(hex_text.decode()).decode("utf-16-be")

    for block in re.findall(rb"beginbfchar(.*?)endbfchar", text, re.DOTALL):
        for code, target in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
            table[int(code, 16)] = chars(target)
    for block in re.findall(rb"beginbfrange(.*?)endbfrange", text, re.DOTALL):
        for first, last, target in re.findall(
                rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
            start = int(target, 16)
            for offset, code in enumerate(range(int(first, 16), int(last, 16) + 1)):
                table[code] = chr(start + offset)
    return table


def pdf_pages_and_text(pdf: bytes) -> tuple[int, str]:
    """The number of pages and the text drawn on them, in drawing order."""
    objects = {int(number): body for number, body in _OBJECT.findall(pdf)}
    pages = sum(1 for body in objects.values() if re.search(rb"/Type\s*/Page\b", body))
    maps: dict[bytes, dict[int, str]] = {}  # font resource name (/F4) -> its ToUnicode map
    for body in objects.values():
        for fonts in re.findall(rb"/Font\s*<<(.*?)>>", body, re.DOTALL):
            for name, ref in re.findall(rb"/(\w+)\s+(\d+) 0 R", fonts):
                font = objects.get(int(ref), b"")
                unicode = re.search(rb"/ToUnicode\s+(\d+) 0 R", font)
                if unicode and name not in maps:
                    maps[name] = _cmap(_stream(objects[int(unicode.group(1))]) or b"")
    text = []
    for body in objects.values():
        content = _stream(body)
        if content is None or b"Tf" not in content:
            continue
        table: dict[int, str] = {}
        shown = rb"/(\w+)\s+[\d.]+\s+Tf|(<[0-9A-Fa-f]*>|\[[^\]]*\])\s*T[jJ]"
        for font, strings in re.findall(shown, content):
            if font:
                table = maps.get(font, {})
                continue
            for hex_text in re.findall(rb"<([0-9A-Fa-f]*)>", strings):
                codes = [int(hex_text[i:i + 4], 16) for i in range(0, len(hex_text), 4)]
                text.append("".join(table.get(code, "?") for code in codes))
    return pages, "".join(text)


def squeezed(text: str) -> str:
    """Without white space (a PDF draws no space where a line wraps)."""
    return re.sub(r"\s+", "", text)


# -- the test --------------------------------------------------------------------------------------

def test_a_worksheet_prints_to_pdf_with_its_questions(browser, tmp_path: Path) -> None:
    worksheet = _worksheet()
    worksheet.write(tmp_path)
    page_path = tmp_path / f"{LESSON}.html"
    context = browser.new_context(viewport={"width": 900, "height": 1270})
    requests: list[str] = []
    page = context.new_page()
    page.on("request", lambda request: requests.append(request.url))
    try:
        page.goto(page_path.as_uri())
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "worksheet.png"), full_page=True)
        pdf = page.pdf(format="A4", prefer_css_page_size=True)
    finally:
        context.close()
    assert [url for url in requests if not url.startswith("file://")] == []
    assert pdf.startswith(b"%PDF")
    pages, text = pdf_pages_and_text(pdf)
    assert pages >= 1
    lesson = worksheet.course.read_lesson(NOTEBOOKS / f"{LESSON}.ipynb")
    assert squeezed(lesson.title) in squeezed(text)
    cells = [cell for cell in worksheet.json.loads(lesson.path.read_text())["cells"]
             if cell["cell_type"] == "code"]
    exercises = practice.notebook_exercises(cells)
    assert exercises
    for _, exercise in exercises:  # read from the notebook here, not from the worksheet tool
        for words in re.split(r"\$[^$]*\$", exercise.question_text):  # the words between maths
            assert squeezed(words) in squeezed(text), exercise.question_text
        for form in practice.answer_forms(exercise):
            assert not practice.shows(text, form) or practice.shows(
                exercise.question_text, form), form
    # a plain PDF text reader is no formality: a sentence not on the sheet is not found
    assert squeezed("The answer is 27, 2, 12") not in squeezed(text)


def test_the_pdf_reader_reads_what_chromium_prints(browser, tmp_path: Path) -> None:
    """pdf_pages_and_text on a page whose text is known: a long page is several pages."""
    page_path = tmp_path / "known.html"
    page_path.write_text("<html><body>" + "".join(
        f"<p style='font-size:40pt'>line number {i} of the known page</p>" for i in range(40))
        + "</body></html>", encoding="utf-8")
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(page_path.as_uri())
        pdf = page.pdf(format="A4")
    finally:
        context.close()
    pages, text = pdf_pages_and_text(pdf)
    assert pages > 1
    assert squeezed("line number 39 of the known page") in squeezed(text)
