"""What a lesson's page shows a learner, read from its saved notebook, for the lesson tests: its
cells run as the notebook runs them, its exercises, everything readable before an exercise is
answered, and whether that holds an exercise's answer in any of its forms (the answers' own
oracle is SymPy reading the exercise's text, never gradlab). Also the check that the lesson's
teacher's notes have every exercise, with an answer the checker accepts, and every Try this.
"""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path
from tokenize import TokenError

import sympy as sp
from sympy.parsing.sympy_parser import (
    convert_xor,
    implicit_multiplication_application,
    parse_expr,
    standard_transformations,
)

ROOT = Path(__file__).resolve().parent.parent
READER = standard_transformations + (implicit_multiplication_application, convert_xor)
x, y, z = sp.symbols("x y z")
NAMES = {"x": x, "y": y, "z": z, "exp": sp.exp}


class Lesson:
    """A saved lesson notebook: `Lesson("04_gradient", "04-03")` (its import cell's id)."""

    def __init__(self, name: str, import_cell: str, labs: tuple[str, ...]) -> None:
        self.name = name
        self.path = ROOT / "notebooks" / f"{name}.ipynb"
        self.key = ROOT / "docs" / "teaching" / "lessons" / f"{name}.md"
        self.cells = {cell["id"]: cell for cell in json.loads(self.path.read_text())["cells"]}
        self.order = list(self.cells)
        self.import_cell = import_cell
        self.labs = labs

    def text(self, cell_id: str) -> str:
        return "".join(self.cells[cell_id]["source"])

    def words(self, cell_id: str) -> str:
        return " ".join(self.text(cell_id).split())

    def run(self, cell_id: str):
        """The value a code cell shows (its last expression), after the lesson's imports."""
        namespace: dict = {}
        exec(self.text(self.import_cell), namespace)
        tree = ast.parse(self.text(cell_id))
        exec(compile(ast.Module(tree.body[:-1], []), cell_id, "exec"), namespace)
        return eval(compile(ast.Expression(tree.body[-1].value), cell_id, "eval"), namespace)

    def exercise_cells(self) -> list[str]:
        """The code cells that make an Exercise (any kind), in the lesson's order."""
        found = []
        for cell_id, cell in self.cells.items():
            if cell["cell_type"] != "code":
                continue
            for node in ast.walk(ast.parse(self.text(cell_id))):
                func = getattr(node, "func", None)
                if (isinstance(func, ast.Name) and func.id == "Exercise") or (
                        isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name)
                        and func.value.id == "Exercise"):
                    found.append(cell_id)
                    break
        return found

    def lab_cells(self) -> list[str]:
        return [c for c, cell in self.cells.items() if cell["cell_type"] == "code"
                and self.text(c).startswith(self.labs)]

    def saved_outputs(self) -> str:
        texts = []
        for cell in self.cells.values():
            for output in cell.get("outputs", []):
                texts.append("".join(output.get("text", "")))
                for value in output.get("data", {}).values():
                    texts.append("".join(value) if isinstance(value, list) else str(value))
        return "\n".join(texts)

    def prose(self) -> str:
        return "\n".join(self.text(c) for c, cell in self.cells.items()
                         if cell["cell_type"] == "markdown")

    def default_readouts(self) -> str:
        """What each lab shows at its default point, as plain text."""
        shown = []
        for cell_id in self.lab_cells():
            lab = self.run(cell_id)
            for name in ("readout", "summary", "message"):
                widget = getattr(lab, name, None)
                if widget is not None:
                    shown.append(plain(widget.value))
            shown.append(getattr(lab, "readout_text", ""))
            shown += [plain(trace.name or "") for figure in getattr(lab, "figures", [])
                      for trace in figure.data]
        assert shown
        return "\n".join(shown)

    def page_before_answering(self) -> dict[str, str]:
        """Everything a learner can read before answering: saved outputs, prose, the labs'
        readouts at their default points, every hint, and each exercise cell's first line."""
        exercises = [self.run(c) for c in self.exercise_cells()]
        return {"saved outputs": self.saved_outputs(), "prose": self.prose(),
                "readouts": self.default_readouts(),
                "hints": "\n".join(h for e in exercises for h in e.hints),
                "first lines": "\n".join(self.text(c).splitlines()[0]
                                         for c in self.exercise_cells())}

    def try_this(self) -> list[str]:
        """Each "Try this" of the lesson: a bullet of a list, or the whole paragraph."""
        found = []
        for cell_id, cell in self.cells.items():
            if cell["cell_type"] != "markdown" or "**Try this:**" not in self.text(cell_id):
                continue
            body = self.text(cell_id).split("**Try this:**")[1].split("\n\n")[0]
            bullets = [line for line in body.splitlines() if line.startswith("- ")]
            found += bullets or [body.strip()]
        return found


def plain(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub("<[^>]+>", " ", html)).replace("&nbsp;", " ")


def sympy_of(text: str) -> sp.Expr:
    """An exercise's f, read by SymPy from its text (not by gradlab)."""
    return parse_expr(text, local_dict=dict(NAMES), transformations=READER)


def oracle_formula(exercise) -> sp.Expr:
    """SymPy's partial of the exercise's f."""
    return sp.diff(sympy_of(exercise.expression.text), sp.Symbol(exercise.partial))


def number_texts(value: float) -> set[str]:
    """A number as a page might print it: several roundings, either minus sign, unsigned."""
    texts = set()
    for v in (value, abs(value)):
        for spec in ("g", ".2f", ".3f", ".3g", ".4g", ".6g"):
            shown = format(v, spec)
            texts |= {shown, shown.replace("-", "−")}
    return texts - {"0", "0.0", "0.00", "-0", "−0"}


def shows_number(page: str, shown: str) -> bool:
    """Does the page hold the number as a value: not as part of a longer number, a fraction's
    denominator (1/3), a lesson's number, a coefficient or an exponent (5z, x^2, 10^{-5})?"""
    pattern = (rf"(?<![\d./^])(?<!\^-)(?<!\^{{)(?<!\^{{-)(?<!esson ){re.escape(shown)}"
               r"(?![\d^*a-zA-Z]|\.\d)")
    return re.search(pattern, page) is not None


UNICODE = (("·", "*"), ("−", "-"), ("²", "^2"), ("³", "^3"), (r"\cdot", "*"), (r"\,", " "),
           (r"\left", ""), (r"\right", ""), (r"\;", " "), ("{", "("), ("}", ")"),
           ("e^", "exp"))


def formula_pieces(page: str) -> list:
    """Every piece of the page between '=', ',', ':', ';' and '$' that reads as a formula in
    x, y, z (and exp), as SymPy reads it."""
    for old, new in UNICODE:
        page = page.replace(old, new)
    pieces = []
    for piece in re.split(r"[=,:;$\n]|\\qquad|\\quad", page):
        piece = piece.strip().rstrip(".")
        if not piece or not re.fullmatch(r"[0-9xyzexp+\-*/^(). ]+", piece) or not re.search(
                "[xyz]", piece):
            continue
        try:
            pieces.append(sympy_of(piece))
        except (SyntaxError, TypeError, ValueError, sp.SympifyError, TokenError):
            continue
    return pieces


def leaks(exercise, page: str) -> list[str]:
    """The forms of the exercise's answer that the page shows."""
    found: list[str] = []
    if exercise.kind == "number":
        found = [t for t in number_texts(exercise.expected) if shows_number(page, t)]
    elif exercise.kind == "vector":
        values = list(exercise.expected.values())
        for spec in ("g", ".1f", ".2f", ".3g"):
            parts = [format(v, spec) for v in values]
            for sep in (", ", ",", " ", "; "):
                for joined in (sep.join(parts), f"({sep.join(parts)})", f"[{sep.join(parts)}]"):
                    if joined in page or joined.replace("-", "−") in page:
                        found.append(joined)
    elif exercise.kind == "formula":
        target = oracle_formula(exercise)
        found = [t for t in (exercise.answer_text, exercise.answer_text.replace(" ", ""))
                 if t in page]
        found += [str(p) for p in formula_pieces(page) if sp.simplify(p - target) == 0]
    elif exercise.problem.multiple is False:  # a choice with one right option, said in words
        found = [exercise.answer_text] if exercise.answer_text in page else []
    return found


def sample_leak(exercise) -> str:
    """A sentence that gives the exercise's answer away, for the check that leaks() can fail."""
    if exercise.kind == "number":
        return f"slope = {exercise.expected:g}."
    if exercise.kind == "vector":
        return "gradient ∇f = (" + ", ".join(f"{v:g}" for v in exercise.expected.values()) + ")"
    if exercise.kind == "formula":
        return f"so $h'(x) = {sp.latex(sp.expand(oracle_formula(exercise)))}$."
    return f"({exercise.answer_text})"


def key_entries(lesson: Lesson) -> list[tuple[str, str]]:
    """The answer key's "### Exercise k: ..." numbers and their Answer lines."""
    key = lesson.key.read_text()
    assert "## Lesson plan" in key and "## Answer key" in key
    assert "Gradients, Partial Derivatives, and the Chain Rule" in " ".join(key.split())
    return re.findall(r"^### Exercise (\d+): .+\n+Answer: (.+)$", key, flags=re.M)
