"""SymPy's results for the lessons' own formulas, worked out once when the lessons are built.

A lesson that shows a symbolic partial in its first picture (lessons 02-05 and 09) used to import
SymPy for it (~0.3 s of a ~1.5 s Run All in a fresh kernel, and ~30 MB of the kernel). The
partials and LaTeX of the formulas the lessons show are kept in `worked.json`, beside this file,
written by `tools/worked_table.py` (`make worked`, also run by `make notebooks`) from a Run All
of every lesson. A result is looked up by the question (a partial in a variable, LaTeX, a
partial's LaTeX), the expression's text and its very tree (two trees may print the same text),
so the table gives exactly what SymPy gave for it.

The table is used only with the SymPy, mpmath and gradlab sources that wrote it: its fingerprint
is their versions and a hash of the sources a result depends on (`SOURCES`). With any other, or
a table missing or malformed, SymPy works as before. tests/test_worked_table.py checks that the
table is current and that every entry is what SymPy gives now.
"""

from __future__ import annotations

import hashlib
import json
import os
from functools import cache
from pathlib import Path

from .nodes import Binary, Call, Name, Neg, Node, Number

TABLE = Path(__file__).with_name("worked.json")
_PACKAGE = Path(__file__).resolve().parents[1]
# the sources a symbolic result depends on, besides SymPy and mpmath (the tree itself is
# compared): the conversion to SymPy and back, the registry's rules (parsed by the parser), and
# the core that computes a constant part (log(2)) before SymPy sees it
SOURCES = ("ops.py", "engine.py", "functions.py", "kernels.py", "expression/symbolic.py",
           "expression/compile.py", "expression/nodes.py", "expression/parser.py",
           "expression/expression.py", "expression/worked.py")


def fingerprint() -> str:
    """SymPy's and mpmath's versions and a hash of SOURCES (line ends as \\n): what the
    table's results depend on."""
    from importlib import metadata  # here: `import gradlab` stays light

    digest = hashlib.sha256()
    for name in SOURCES:
        digest.update(name.encode())
        digest.update((_PACKAGE / name).read_bytes().replace(b"\r\n", b"\n"))
    return (f"sympy {metadata.version('sympy')}; mpmath {metadata.version('mpmath')}; "
            f"gradlab {digest.hexdigest()[:16]}")


def encode(node: Node) -> list:
    """A tree as JSON-ready lists: ["n", 2.0], ["v", "x"], ["neg", ...], ["^", l, r],
    ["call", "exp", [...]]. Lossless: decode(encode(t)) == t."""
    if isinstance(node, Number):
        return ["n", node.value]
    if isinstance(node, Name):
        return ["v", node.name]
    if isinstance(node, Neg):
        return ["neg", encode(node.operand)]
    if isinstance(node, Binary):
        return [node.op, encode(node.left), encode(node.right)]
    return ["call", node.function, [encode(arg) for arg in node.args]]


def decode(data: list) -> Node:
    """The tree of encode's lists."""
    kind = data[0]
    if kind == "n":
        return Number(float(data[1]))
    if kind == "v":
        return Name(data[1])
    if kind == "neg":
        return Neg(decode(data[1]))
    if kind == "call":
        return Call(data[1], tuple(decode(arg) for arg in data[2]))
    return Binary(kind, decode(data[1]), decode(data[2]))


def key(what: tuple, text: str) -> str:
    """The table's key of a question about an expression: e.g. 'partial|x,y|x|x^2*y' (its
    partial in x, its variables x and y), 'latex of partial|x,y|x|x^2*y', 'latex|2*x*y'."""
    parts = [",".join(part) if isinstance(part, tuple) else part for part in what]
    return "|".join([*parts, text])


@cache
def _table() -> dict[str, list[tuple[Node, Node | str]]]:
    """key -> [(its expression's tree, the result), ...], or {} if the table is not for this
    SymPy and gradlab, or is missing or malformed (then SymPy works every result out)."""
    try:
        stored = json.loads(TABLE.read_text(encoding="utf-8"))
        if stored["fingerprint"] != fingerprint():
            return {}
        return {key: [(decode(tree), decode(result) if _holds_tree(key.split("|", 1)[0])
                       else result) for tree, result in pairs]
                for key, pairs in stored["results"].items()}
    except Exception:  # noqa: BLE001 - any fault in the table leaves the work to SymPy
        return {}


def look_up(what: tuple, text: str, tree: Node) -> Node | str | None:
    """What the table holds for this question about this very tree: a partial's tree, a LaTeX
    string, or None."""
    for stored_tree, result in _table().get(key(what, text), ()):
        if stored_tree == tree:
            return result
    return None


def entry(what: tuple, text: str, tree: Node, result: Node | str) -> tuple[str, list]:
    """(key, [tree, result]) as the table stores them."""
    return key(what, text), [encode(tree), encode(result) if _holds_tree(what[0]) else result]


def _holds_tree(question: str) -> bool:
    """Whether the question's result is a tree (a partial), not a LaTeX string."""
    return question == "partial"


def write(entries: dict[str, list], path: Path = TABLE) -> None:
    """The table: `entries` (key -> [[tree, result], ...]) under the current fingerprint,
    written whole or not at all. ValueError for a result with inf or nan (JSON has neither)."""
    lines = [f"{json.dumps(name)}: {json.dumps(pairs, separators=(',', ':'), allow_nan=False)}"
             for name, pairs in sorted(entries.items())]  # a line per question: short diffs
    text = (f'{{"fingerprint": {json.dumps(fingerprint())}, "results": {{\n'
            + ",\n".join(lines) + "\n}}\n")
    partial = path.with_suffix(".json.part")
    partial.write_text(text, encoding="utf-8")
    os.replace(partial, path)
