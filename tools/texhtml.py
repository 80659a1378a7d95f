"""The lessons' $...$ maths as plain HTML, for pages that must work offline and print without
JavaScript (the worksheets, the projector's course page): no MathJax, no CDN. It reads the small
part of TeX the lessons write (letters, ^ and _, \\frac, \\text, \\partial, Greek letters...) and
draws it with <i>, <sup>, <sub> and a stacked fraction; a command it does not know is shown by
its name, never dropped and never an error.

    tex_html("\\partial f/\\partial x")   ->  ∂<i>f</i>/∂<i>x</i> (in a <span class="math">)
    markdown_html("**Try this:** move $x$")  ->  <p><strong>Try this:</strong> move <span ...
"""

from __future__ import annotations

import html
import re

# symbols written as one command, e.g. \partial -> ∂ (upright unless a Greek letter)
SYMBOLS = {
    "partial": "∂", "nabla": "∇", "cdot": "·", "times": "×", "pm": "±", "mp": "∓",
    "leftarrow": "←", "rightarrow": "→", "to": "→", "gets": "←", "Rightarrow": "⇒",
    "leq": "≤", "le": "≤", "geq": "≥", "ge": "≥", "neq": "≠", "ne": "≠", "approx": "≈",
    "infty": "∞", "in": "∈", "sum": "∑", "prod": "∏", "ldots": "…", "cdots": "⋯", "dots": "…",
    "lVert": "‖", "rVert": "‖", "Vert": "‖", "|": "‖", "lvert": "|", "rvert": "|",
    "prime": "′", "circ": "∘", "degree": "°", "{": "{", "}": "}", "%": "%", "$": "$", "_": "_",
    "&": "&", "#": "#",
}
GREEK = {
    "alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ε", "varepsilon": "ε",
    "zeta": "ζ", "eta": "η", "theta": "θ", "iota": "ι", "kappa": "κ", "lambda": "λ", "mu": "μ",
    "nu": "ν", "xi": "ξ", "pi": "π", "rho": "ρ", "sigma": "σ", "tau": "τ", "phi": "φ",
    "varphi": "φ", "chi": "χ", "psi": "ψ", "omega": "ω", "Gamma": "Γ", "Delta": "Δ",
    "Theta": "Θ", "Lambda": "Λ", "Pi": "Π", "Sigma": "Σ", "Phi": "Φ", "Psi": "Ψ", "Omega": "Ω",
}
SPACES = {",": "\u2009", ";": "\u2005", ":": "\u2005", "!": "", " ": " ", "quad": "\u2003",
          "qquad": "\u2003\u2003"}
TEXT_COMMANDS = {"text", "mathrm", "textrm", "operatorname", "mathbf", "textbf", "mathit"}
IGNORED = {"left", "right", "displaystyle", "big", "Big", "bigl", "bigr", "limits"}
ASCII = {"-": "\u2212", "'": "′", "*": "∗"}
ACCENTS = {"hat": "\u0302", "bar": "\u0304", "tilde": "\u0303", "vec": "\u20d7", "dot": "\u0307"}

# a command's name swallows the spaces after it, as in TeX: "\\partial f" is ∂f
_TOKEN = re.compile(r"\\[A-Za-z]+\s*|\\.|\s+|.", re.DOTALL)
RELATIONS = {"←", "→", "⇒", "≤", "≥", "≠", "≈", "∈"}


class _Reader:
    """A cursor over the tokens of one formula."""

    def __init__(self, tex: str) -> None:
        self.tokens = _TOKEN.findall(tex)
        self.at = 0

    def peek(self) -> str | None:
        return self.tokens[self.at] if self.at < len(self.tokens) else None

    def take(self) -> str | None:
        token = self.peek()
        self.at += token is not None
        return token

    def sequence(self, closing: str | None = None) -> str:
        """HTML of the tokens up to `closing` (taken) or the end."""
        out = []
        while (token := self.peek()) is not None:
            if token == closing:
                self.take()
                break
            if token == "}":  # an unmatched brace: show it rather than lose what follows
                self.take()
                out.append("}")
                continue
            out.append(self.atom())
        return "".join(out)

    def argument(self) -> str:
        """The HTML of one argument: a {group} or the next single token (\\tfrac12)."""
        while (token := self.peek()) is not None and token.isspace():
            self.take()
        if self.peek() == "{":
            self.take()
            return self.sequence("}")
        return self.atom() if self.peek() is not None else ""

    def raw_argument(self) -> str:
        """A {group}'s text as written (for \\text{...}), escaped."""
        if self.peek() != "{":
            return html.escape(self.take() or "")
        self.take()
        depth, text = 1, []
        while (token := self.take()) is not None:
            depth += token == "{"
            depth -= token == "}"
            if depth == 0:
                break
            text.append(token[1:] if token.startswith("\\") and len(token) == 2 else token)
        return html.escape("".join(text))

    def atom(self) -> str:
        token = self.take()
        if token is None:
            return ""
        if token.isspace():
            return " "
        if token == "{":
            return self.sequence("}")
        if token in ("^", "_"):
            tag = "sup" if token == "^" else "sub"
            return f"<{tag}>{self.argument()}</{tag}>"
        if token.startswith("\\"):
            return self.command(token[1:].rstrip() or token[1:])
        if token.isalpha():
            return f"<i>{html.escape(token)}</i>"
        return html.escape(ASCII.get(token, token))

    def command(self, name: str) -> str:
        if name in ("frac", "tfrac", "dfrac"):
            top, bottom = self.argument(), self.argument()
            return (f'<span class="frac"><span class="num">{top}</span>'
                    f'<span class="den">{bottom}</span></span>')
        if name in TEXT_COMMANDS:
            return f'<span class="up">{self.raw_argument()}</span>'
        if name == "sqrt":
            return f'√<span class="root">{self.argument()}</span>'
        if name in ACCENTS:
            return f"{self.argument()}{ACCENTS[name]}"
        if name in GREEK:
            return f"<i>{GREEK[name]}</i>"
        if name in SYMBOLS:
            symbol = html.escape(SYMBOLS[name])
            return f" {symbol} " if symbol in RELATIONS else symbol
        if name in SPACES:
            return SPACES[name]
        if name in IGNORED:
            return ""
        # an operator (\max) or a command this page does not know: its name, upright
        return f'<span class="up">{html.escape(name)}</span>'


def tex_html(tex: str, display: bool = False) -> str:
    """One formula (without its $ signs) as HTML in a <span class="math"> (a <div> for
    display maths), its TeX kept in data-tex."""
    body = re.sub(r"</i><i>", "", _Reader(tex.strip()).sequence())  # xy: one italic run
    body = re.sub(r"  +", " ", body)
    tag = "div" if display else "span"
    kind = "math display" if display else "math"
    return f'<{tag} class="{kind}" data-tex="{html.escape(tex.strip())}">{body}</{tag}>'


# `code` first, so a $ inside code is code; then $$display$$ and $inline$ maths
_MATHS = re.compile(r"(`+)(?:.+?)\1|\$\$(.+?)\$\$|(?<![\\$])\$(?!\s)([^$]+?)(?<!\s)\$",
                    re.DOTALL)
_SLOT = "GRADLABMATHS{}X"


def text_html(text: str) -> str:
    """Plain text with $...$ maths (an exercise's question) as HTML: escaped, maths drawn."""
    out, last = [], 0
    for match in _MATHS.finditer(text):
        if match.group(2) is None and match.group(3) is None:
            continue  # a `code` span in plain text: leave it as written
        out.append(html.escape(text[last:match.start()]))
        out.append(tex_html(match.group(2) or match.group(3), display=match.group(2) is not None))
        last = match.end()
    out.append(html.escape(text[last:]))
    return "".join(out)


def markdown_html(text: str) -> str:
    """Markdown with $...$ maths (a lesson's cell) as HTML: raw HTML in it escaped, the maths
    kept out of the markdown parser's reach (x_1 must not turn into italics) and drawn."""
    import mistune

    formulas: list[str] = []

    def hold(match: re.Match) -> str:
        if match.group(2) is None and match.group(3) is None:
            return match.group(0)
        formulas.append(tex_html(match.group(2) or match.group(3),
                                 display=match.group(2) is not None))
        return _SLOT.format(len(formulas) - 1)

    held = _MATHS.sub(hold, text)
    rendered = mistune.create_markdown(escape=True)(held)
    return re.sub(_SLOT.format(r"(\d+)"), lambda m: formulas[int(m.group(1))], rendered)


MATHS_CSS = """
.math { font-family: "DejaVu Serif", "Cambria Math", "STIX Two Math", Georgia, serif;
  white-space: nowrap; }
.math.display { display: block; text-align: center; margin: 0.4em 0; white-space: normal; }
.math .up { font-style: normal; }
.math sup, .math sub { font-size: 72%; line-height: 0; }
.math .frac { display: inline-flex; flex-direction: column; vertical-align: middle;
  text-align: center; font-size: 90%; margin: 0 0.1em; }
.math .frac .num { border-bottom: 1px solid currentColor; padding: 0 0.15em; }
.math .frac .den { padding: 0 0.15em; }
.math .root { border-top: 1px solid currentColor; }
"""
