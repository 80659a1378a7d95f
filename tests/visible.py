"""What a learner reads in a lab, as text: the tests read the words and the numbers together, the
way they are rendered, and never the data-gradlab-* tags a view writes for itself.

- `lines(widget)`: the visible text of every HTML, HTMLMath and Label widget in the lab's tree (in
  display order), tags stripped, one line per block element or table row (cells joined by " | ").
- `tables(widget)`: each HTML table as rows of cell texts.
- `pairs(text)`: every "label = number" the text states, e.g. ("∂f/∂x", 2.0); `shown_pairs(text)`
  the same with the number's text as printed, e.g. ("∂f/∂x", "2"), for a check to its digits.
- `figure_text(figure)`: the words on a plotly figure (title, axis titles, legend names,
  annotations), so a test can check that a legend entry names the right partial.

And, apart, for the tests of the tags themselves (the browser tests recompute each tagged
number from its tag, so a tag must name the quantity beside it): `tags(markup)`.
"""

from __future__ import annotations

import html
import math
import re
from html.parser import HTMLParser

import ipywidgets as widgets

_BLOCK = {"div", "p", "br", "tr", "table", "li", "h1", "h2", "h3", "h4", "ul", "ol"}
_CELL = {"td", "th"}


class _Text(HTMLParser):
    """HTML -> lines of visible text and tables of cell texts (style/script dropped)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = [""]
        self.tables: list[list[list[str]]] = []
        self._skip = 0
        self._row: list[str] | None = None
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag in ("style", "script"):
            self._skip += 1
        elif tag == "table":
            self.tables.append([])
            self._newline()
        elif tag == "tr":
            self._row = []
            self._newline()
        elif tag in _CELL:
            self._cell = []
            if self._row:
                self.lines[-1] += " | "
        elif tag in _BLOCK:
            self._newline()

    def handle_endtag(self, tag: str) -> None:
        if tag in ("style", "script"):
            self._skip -= 1
        elif tag in _CELL and self._cell is not None and self._row is not None:
            self._row.append(_squash("".join(self._cell)))
            self._cell = None
        elif tag == "tr" and self._row is not None:
            if self.tables:
                self.tables[-1].append(self._row)
            self._row = None
            self._newline()
        elif tag in _BLOCK:
            self._newline()

    def handle_data(self, data: str) -> None:
        if self._skip:
            return
        self.lines[-1] += data
        if self._cell is not None:
            self._cell.append(data)

    def _newline(self) -> None:
        if self.lines[-1].strip():
            self.lines.append("")


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("\xa0", " ")).strip()


def html_lines(html: str) -> list[str]:
    parser = _Text()
    parser.feed(html)
    parser.close()
    return [line for line in (_squash(x) for x in parser.lines) if line]


def html_tables(html: str) -> list[list[list[str]]]:
    parser = _Text()
    parser.feed(html)
    parser.close()
    return parser.tables


def _text_widgets(widget) -> list:
    found = []
    if isinstance(widget, (widgets.HTML, widgets.HTMLMath, widgets.Label)):
        found.append(widget)
    for child in getattr(widget, "children", ()) or ():
        found.extend(_text_widgets(child))
    return found


def lines(widget) -> list[str]:
    """Every visible line of text in the lab (hidden widgets, display: none, are skipped)."""
    out = []
    for item in _text_widgets(widget):
        if getattr(item.layout, "display", None) == "none":
            continue
        out.extend(html_lines(str(item.value)))
    return out


def text(widget) -> str:
    return "\n".join(lines(widget))


def tables(widget) -> list[list[list[str]]]:
    out = []
    for item in _text_widgets(widget):
        out.extend(html_tables(str(item.value)))
    return out


NUMBER = r"[−\-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:e[−\-+]?\d+|×10\^[−\-+]?\d+)?|[−\-]?∞|undefined|nan"
# a label: anything after a separator up to " = ", e.g. "∂f/∂x", "f(1, 2)", "∂L/∂W1[0,1]"
_PAIR = re.compile(r"(?:^|(?<=[\s·,;:(]))([^\s=·;:][^=·;]*?)\s*=\s*(" + NUMBER + r")(?![\w.])")


def number(shown: str) -> float:
    """A number as a lab prints it: a true minus sign, "∞", "×10^", "undefined"."""
    shown = shown.strip().replace("−", "-").replace("∞", "inf").replace("×10^", "e")
    if shown in ("undefined", "nan"):
        return math.nan
    return float(shown)


def pairs(source: str) -> list[tuple[str, float]]:
    """Every "label = number" in `source`, in order; the label with spaces squashed."""
    return [(_squash(label), number(value)) for label, value in _PAIR.findall(source)]


def shown_pairs(source: str) -> list[tuple[str, str]]:
    """Every "label = number" in `source`, the number's text as printed ("−2.43", "1×10^-5")."""
    return [(_squash(label), value) for label, value in _PAIR.findall(source)]


def figure_text(figure) -> list[str]:
    """Title, axis titles, legend names and annotations of a plotly figure."""
    layout = figure.layout
    words = []
    if layout.title and layout.title.text:
        words.append(layout.title.text)
    for axis in ("xaxis", "yaxis"):
        title = getattr(layout, axis).title
        if title and title.text:
            words.append(title.text)
    if getattr(layout, "scene", None) is not None:
        for axis in ("xaxis", "yaxis", "zaxis"):
            title = getattr(layout.scene, axis).title
            if title and title.text:
                words.append(title.text)
    words.extend(trace.name for trace in figure.data if trace.name)
    words.extend(note.text for note in layout.annotations or () if note.text)
    return words


_TAGGED = re.compile(r"<span ([^>]*data-gradlab-[^>]*)>([^<]*)</span>")
_ATTRIBUTE = re.compile(r'data-gradlab-(\w+)="([^"]*)"')


def tags(markup: str) -> list[tuple[dict[str, str], str]]:
    """Each number a view tagged (tagged() in gradlab/views/_common.py), in order: its
    data-gradlab-* attributes by name (expression, of, at, value, and check if any), unescaped,
    and the text shown."""
    return [({name: html.unescape(value) for name, value in _ATTRIBUTE.findall(attributes)},
             html.unescape(shown)) for attributes, shown in _TAGGED.findall(markup)]
