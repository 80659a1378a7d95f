"""tools/worksheet.py (`make worksheets`): each lesson's printable worksheet holds every exercise
question and every "Try this" of its notebook, read here from the notebook's JSON on their own
(the exercises made again from their ast-read arguments, as tests/practice_checks.py does), and
none of the answers: not the core's (checked in every form a page could print it), not the
answer key's (docs/teaching/lessons/NN_name.md), not any saved output of the notebook. It has a
print stylesheet, no script and loads nothing from the internet. tools/texhtml.py, which draws
the maths, is checked on formulas worked by hand."""

from __future__ import annotations

import html
import json
import re
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
import practice_checks as practice  # noqa: E402
from siblings import load  # tools/siblings.py (tests/conftest.py puts tools/ on the path)

REPO = Path(__file__).resolve().parents[1]
NOTEBOOKS = REPO / "notebooks"
NOTES = REPO / "docs" / "teaching" / "lessons"
LESSONS = [path for path in sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
           if 1 <= int(path.name[:2]) <= 11]


worksheet = load("worksheet")
texhtml = load("texhtml")


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("worksheets")
    worksheet.write(out)
    return out


# -- reading a page and a notebook, independently of the tool ------------------------------------

BLOCKS = {"p", "li", "ul", "ol", "div", "h1", "h2", "h3", "section", "header", "footer", "main",
          "title", "br"}


class _Text(HTMLParser):
    """A page's visible text, each formula (<span class="math">) replaced by a space, and the
    TeX of each formula (its data-tex)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.tex: list[str] = []
        self.skip = 0  # inside <style>/<script> or a formula: depth
        self.stack: list[bool] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        attributes = dict(attrs)
        hidden = tag in ("style", "script") or "math" in (attributes.get("class") or "").split()
        if "data-tex" in attributes:
            self.tex.append(attributes["data-tex"])
        if tag in ("br", "meta", "link", "img", "input"):
            return
        self.stack.append(hidden)
        if hidden:
            self.skip += 1
            self.parts.append(" ")
        elif tag in BLOCKS:
            self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if self.stack and self.stack.pop():
            self.skip -= 1
        if tag in BLOCKS:
            self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.parts.append(data)


def page_text(page: str) -> tuple[str, list[str]]:
    parser = _Text()
    parser.feed(page)
    return " ".join("".join(parser.parts).split()), parser.tex


MATHS = re.compile(r"\$\$(.+?)\$\$|\$([^$]+)\$", re.DOTALL)


def chunks(markdown: str, marked: bool = True) -> list[str]:
    """The words between a text's formulas, markdown marks removed (when `marked`: an
    exercise's question is plain text), spaces collapsed."""
    out = []
    for piece in MATHS.split(markdown):
        if piece is None:
            continue
        if piece in {m.group(1) or m.group(2) for m in MATHS.finditer(markdown)}:
            continue  # a formula
        if marked:
            piece = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", piece)  # [text](link)
            piece = re.sub(r"^\s*[-*+]\s+", " ", piece, flags=re.MULTILINE)  # list marks
            piece = "".join(part[1:-1] if part.startswith("`") else re.sub(r"\*+", "", part)
                            for part in re.split(r"(`[^`]*`)", piece))  # code as written
        piece = " ".join(piece.split())
        if piece:
            out.append(piece)
    return out


def formulas(markdown: str) -> list[str]:
    return [(m.group(1) or m.group(2)).strip() for m in MATHS.finditer(markdown)]


def notebook(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def cells(path: Path, kind: str) -> list[dict]:
    return [cell for cell in notebook(path)["cells"] if cell["cell_type"] == kind]


def try_this_texts(path: Path) -> list[str]:
    """Each "Try this" of a notebook: from "**Try this" to the end of its paragraph, with the
    list of questions right after it (a line that starts with "- " or is indented)."""
    found = []
    for cell in cells(path, "markdown"):
        source = "".join(cell["source"])
        for match in re.finditer(r"\*\*Try this.*?(?=\n[ \t]*\n(?![ \t]*[-*+] |[ \t]{2,}\S)|\Z)",
                                 source, re.DOTALL):
            found.append(match.group(0))
    return found


def answer_key(path: Path) -> list[str]:
    """The answers the teacher's notes give, from their "## Answer key"."""
    notes = (NOTES / f"{path.stem}.md").read_text(encoding="utf-8")
    key = notes[notes.index("## Answer key"):]
    return re.findall(r"^Answer: `([^`]*)`", key, re.MULTILINE)


def title_and_goal(path: Path) -> tuple[str, str]:
    markdown = "".join(cells(path, "markdown")[0]["source"])
    title = re.search(r"^#+\s+(.+)$", markdown, re.MULTILINE).group(1).strip()
    goal = re.search(r"\*\*Learning goal:?\*\*:?\s*(.+?)(?:\n\s*\n|\Z)", markdown, re.DOTALL)
    return title, goal.group(1) if goal else ""


# -- each lesson's worksheet ---------------------------------------------------------------------

def test_there_is_a_worksheet_per_lesson_and_an_index(written: Path) -> None:
    assert len(LESSONS) == 11
    index = (written / "index.html").read_text(encoding="utf-8")
    for path in LESSONS:
        assert (written / f"{path.stem}.html").is_file()
        assert f'href="{path.stem}.html"' in index
    assert sorted(p.stem for p in written.glob("*.html")) == sorted(
        [p.stem for p in LESSONS] + ["index"])


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.stem)
def test_the_worksheet_holds_every_question_of_the_lesson(written: Path, path: Path) -> None:
    page = (written / f"{path.stem}.html").read_text(encoding="utf-8")
    text, tex = page_text(page)
    title, goal = title_and_goal(path)
    exercises = practice.notebook_exercises(cells(path, "code"))
    tries = try_this_texts(path)
    assert exercises and tries, path.name  # every lesson 1-11 asks both kinds
    marked = [goal, *tries]
    plain = [title, *(exercise.question_text for _, exercise in exercises),
             *(option for _, exercise in exercises for option in
               getattr(exercise.problem, "options", ()))]
    for source in [*marked, *plain]:
        for chunk in chunks(source, source in marked):
            assert chunk in text, (path.name, chunk)
        for formula in formulas(source):
            assert formula in tex, (path.name, formula)  # drawn, not dropped
    # one section per exercise and per "Try this", numbered in the lesson's order
    numbers = [int(n) for n in re.findall(r"<h2>Exercise (\d+)", page)]
    assert numbers == list(range(1, len(exercises) + 1))
    assert len(re.findall(r"<h2>Try this \d+", page)) == len(tries)
    # room to answer, by kind: a box per component of a vector, a mark per option of a choice
    sections = re.findall(r'<section class="item exercise">(.*?)</section>', page, re.DOTALL)
    for section, (_, exercise) in zip(sections, exercises, strict=True):
        if exercise.kind == "vector":
            assert section.count('class="box small"') == len(exercise.expected)
        elif exercise.kind == "choice":
            marks = re.findall(r'<li><span class="(box|circle)">', section)
            assert len(marks) == len(exercise.problem.options) and len(set(marks)) == 1
        elif exercise.kind == "formula":
            assert 'class="formula-line"' in section
        else:
            assert '<span class="box">' in section


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.stem)
def test_the_worksheet_shows_no_answer(written: Path, path: Path) -> None:
    page = (written / f"{path.stem}.html").read_text(encoding="utf-8")
    text, tex = page_text(page)
    title, goal = title_and_goal(path)
    exercises = practice.notebook_exercises(cells(path, "code"))
    marked = [goal, *try_this_texts(path)]
    plain = [title, *(e.question_text for _, e in exercises),
             *(o for _, e in exercises for o in getattr(e.problem, "options", ()))]
    asked = [*marked, *plain]
    # what the page adds to the lesson's own words: headings, labels, instructions
    added = re.sub(r"(Exercise|Try this) \d+", " ", text)
    words = {c for source in asked for c in chunks(source, source in marked)}
    for chunk in sorted(words, key=len, reverse=True):
        added = re.sub(r"(?<!\w)" + re.escape(chunk) + r"(?!\w)", " ", added)
    forms = [form for _, exercise in exercises for form in practice.answer_forms(exercise)]
    forms += [f"{value:{spec}}" for _, exercise in exercises if exercise.kind == "vector"
              for value in exercise.expected.values() for spec in (".6g", ".4g", ".3g")]
    options = {o for _, e in exercises for o in getattr(e.problem, "options", ())}
    forms += [answer for answer in answer_key(path)  # a choice's answer is one of its options
              if answer not in options and not set(answer.split(", ")) <= options]
    assert forms
    for form in forms:
        assert not practice.shows(added, form), (path.name, form)
    # no formula but the lesson's own; no option marked; no saved output of a cell
    assert set(tex) <= {f for source in asked for f in formulas(source)}
    assert not re.search(r"\bchecked\b|class=\"[^\"]*(right|correct|answer-text)", page)
    for line in practice.saved_outputs(cells(path, "code")).splitlines():
        line = " ".join(line.split())
        if len(line) >= 12 and not any(line in source for source in asked):
            assert line not in text, (path.name, line)


def test_the_leak_check_catches_an_answer_written_on_the_page(written: Path,
                                                              monkeypatch) -> None:
    """Plant the bug: an answer space that prints the answer is caught by the check above."""
    leaky = worksheet.answer_space
    monkeypatch.setattr(worksheet, "answer_space",
                        lambda built: leaky(built) + f"<p>{html.escape(built.answer_text)}</p>")
    path = LESSONS[1]
    lesson = worksheet.course.read_lesson(path)
    (written / "leaky").mkdir(exist_ok=True)
    (written / "leaky" / f"{path.stem}.html").write_text(worksheet.worksheet_html(lesson))
    with pytest.raises(AssertionError):
        test_the_worksheet_shows_no_answer(written / "leaky", path)


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.stem)
def test_the_worksheet_prints_offline(written: Path, path: Path) -> None:
    page = (written / f"{path.stem}.html").read_text(encoding="utf-8")
    assert "@media print" in page and "@page" in page
    assert re.search(r"break-inside:\s*avoid", page)
    assert "<script" not in page and "<link" not in page and "@import" not in page
    assert not re.search(r"(src|href)\s*=\s*[\"']?\s*(https?:)?//", page)
    assert not re.search(r"url\(\s*[\"']?(https?:)?//", page)
    assert "<input" not in page  # a printout: nothing to click


# -- the maths, worked by hand --------------------------------------------------------------------

@pytest.mark.parametrize(("tex", "drawn"), [
    (r"\partial f/\partial x", "∂<i>f</i>/∂<i>x</i>"),
    (r"f = 3x^3z - y^2", "<i>f</i> = 3<i>x</i><sup>3</sup><i>z</i> − <i>y</i><sup>2</sup>"),
    (r"X_{n1}", "<i>X</i><sub><i>n</i>1</sub>"),
    (r"\tfrac12", '<span class="num">1</span><span class="den">2</span>'),
    (r"\text{lr} > 0", '<span class="up">lr</span> &gt; 0'),
    (r"w \leftarrow w", "<i>w</i> ← <i>w</i>"),
    (r"\unknown{x}", '<span class="up">unknown</span><i>x</i>'),  # shown by name, not lost
])
def test_tex_is_drawn_as_html(tex: str, drawn: str) -> None:
    assert drawn in texhtml.tex_html(tex)


def test_markdown_keeps_maths_away_from_the_parser_and_escapes_html() -> None:
    out = texhtml.markdown_html("**Try this:** move $x_1$ and $x_2$ <script>alert(1)</script>")
    assert "<strong>Try this:</strong>" in out and "<em>" not in out  # x_1 ... x_2 not italics
    assert "<sub>1</sub>" in out and "<sub>2</sub>" in out
    assert "<script>" not in out and "&lt;script&gt;" in out
    assert "<" not in texhtml.text_html("<b> $a$").split("<span")[0].replace("&lt;", "")
