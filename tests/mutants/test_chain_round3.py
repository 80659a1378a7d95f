"""Third round against the readout survivors of `make mutate MUTANTS=readout` in
gradlab/views/chain.py (ChainRule._write, ChainRule._path_lines, _tex, _tex_factor,
html_formula): what a learner reads in a ChainRule lab (tests/visible.py), each formula checked
by equivalence with SymPy, each number against SymPy or calculus by hand, never against the view's
or the core's own output. `readout_text` (the plain copy) is not read here: no lesson or doc
shows it."""

from __future__ import annotations

import html
import json
import math
import re
import sys

import pytest
import sympy as sp
from oracles import S, agrees, number_at, partial, same_formula, sym, value
from visible import html_lines, lines

from gradlab.engine import Value
from gradlab.views import ChainRule

# -- reading the readout as rendered -------------------------------------------------------------


def raised_lines(chain: ChainRule) -> list[str]:
    """The readout's lines with each superscript written back as ^(…), the way a learner
    reads a raised exponent (HTML tag names are case-blind, as in a browser)."""
    markup = re.sub(r"<sup>(.*?)</sup>", r"^(\1)", chain.readout.value, flags=re.I | re.S)
    return html_lines(markup)


def formula(shown: str) -> sp.Expr:
    """A formula as shown in HTML ('3·(2·x^(2))^(5)', '−x') read by SymPy (not gradlab)."""
    return sym(shown.replace("·", "*").replace("−", "-"))


def tex_number(shown: str) -> float:
    """A number in the MathJax line as it renders: 2, -0.7358, 1.5\\times 10^{-7} (×10⁻⁷),
    \\infty, \\text{undefined}. ∞ and a true minus sign render as \\infty and - do, and the bare
    word undefined renders as the same letters (in italics); anything else (an unknown macro,
    'XX', a bare '10^-7' that MathJax raises only one character of) is not a number."""
    text = shown.strip()
    if text in (r"\text{undefined}", "undefined"):
        return math.nan
    found = re.fullmatch(r"([-−]?)(\\infty|∞)", text)
    if found:
        return -math.inf if found[1] else math.inf
    found = re.fullmatch(r"([-−]?)(\d+(?:\.\d+)?)(?:\\times 10\^\{(-?\d+)\})?", text)
    assert found, f"not a number as MathJax shows it: {text!r}"
    number = float(found[2]) * 10.0 ** int(found[3] or 0)
    return -number if found[1] else number


HEAD = re.compile(r"^h = (.+) = (\w)\((\w)\(([\w, ]+)\)\) with inner function \3 = (.+) and "
                  r"outer function \2\(\3\) = (.+); at (.+): \3 = (\S+)$")
SENTENCE = ("(no inner function to split off: the chain rule still multiplies the locals along "
            "each path)")
BLOCK = re.compile(r"^Locals along each path from h down to (\w+) \(recorded in the backward "
                   r"pass\):$")
TOTAL = re.compile(r"^(the product of the locals|the sum over paths) = (\S+); the core's "
                   r"([d∂])h/\3(\w+) = (\S+) ([✓✗])$")
NUMBER = (r"(?:\(?[-−]?[\d.]+(?:\\times 10\^\{-?\d+\})?\)?|[-−]?\\infty|∞"
          r"|\\text\{undefined\}|undefined)")
CHAIN = re.compile(
    r"^\$\$\\frac\{(d|\\partial) h\}\{\1 (\w+)\} = \\frac\{\1 h\}\{\1 (\w+)\}\\cdot"
    r"\\frac\{\1 \3\}\{\1 \2\} = (\w)'\(\3\)\\cdot (\3'\(\2\)|\\frac\{\\partial \3\}"
    r"\{\\partial \2\})(?: = \\left\((.+?)\\right\)\\cdot\\left\((.+)\\right\))? = "
    rf"({NUMBER})\\times ({NUMBER}) = ({NUMBER})\$\$$")


def header(chain: ChainRule, point: dict[str, float]) -> dict:
    """The first line, 'h = H = f(g(x, y)) with inner function g = G and outer function
    f(g) = F; at x = …: g = …', checked: H is the lab's h (by SymPy), F with G put in for g is H
    again (h = f(g(x))), the point is the one given and g's number is G there."""
    (first, *_) = raised_lines(chain)
    assert "^" not in lines(chain)[0], "an exponent not raised (html_formula's docstring)"
    found = HEAD.match(first)
    assert found, first
    h, f, g, inputs, inner, outer, at, g_shown = found.groups()
    assert inputs == ", ".join(point)
    assert at == ", ".join(f"{n} = {v:g}".replace("-", "−") for n, v in point.items())
    assert agrees(g_shown, value(inner.replace("·", "*").replace("−", "-"), point))
    assert sp.simplify(formula(outer).subs(S(g), formula(inner)) - formula(h)) == 0
    return {"h": formula(h), "f": f, "g": g, "G": formula(inner), "F": formula(outer)}


def blocks(shown: list[str]) -> dict[str, tuple[list[str], re.Match]]:
    """For each variable: its path lines and its closing 'the … = …; the core's …' line."""
    found: dict[str, tuple[list[str], re.Match]] = {}
    for i, line in enumerate(shown):
        head = BLOCK.match(line)
        if head:
            j = i + 1
            while not TOTAL.match(shown[j]):
                j += 1
            found[head[1]] = (shown[i + 1:j], TOTAL.match(shown[j]))
    return found


def chain_lines(chain: ChainRule) -> dict[str, re.Match]:
    """Each '$$\\frac{d h}{d x} = … $$' line, by its variable."""
    found = {}
    for line in raised_lines(chain):
        if line.startswith("$$"):
            match = CHAIN.match(line)
            assert match, line
            found[match[2]] = match
    return found


# -- html_formula: every exponent raised, every formula h = f(g(x)) ------------------------------

@pytest.mark.parametrize(("text", "inner", "point"), [
    ("sin(x^(y + 1))", None, {"x": 1.5, "y": 1.0}),  # a parenthesised exponent: x^(y + 1)
    ("exp(2^(x*y))", None, {"x": 0.5, "y": 1.0}),
    ("3(2x^2)^5", "2x^2", {"x": 0.5}),
])
def test_the_header_raises_every_exponent_and_splits_h_into_f_of_g(text, inner, point) -> None:
    """The first line names h, g and f with every exponent raised (no '^' left, as
    html_formula's docstring says: x^2 -> x<sup>2</sup>, x^(y + 1) likewise) and the
    superscripts read back give h = f(g) by SymPy, with g's number at the point by SymPy."""
    chain = ChainRule(text, inner=inner, point=point)
    parts = header(chain, point)
    assert sp.simplify(parts["h"] - sym(text)) == 0
    assert parts["G"].free_symbols <= {S(n) for n in point}


# -- _path_lines: each path's rules and numbers, their product, the sum --------------------------

@pytest.mark.parametrize(("text", "inner", "point"), [
    ("sin(x^(y + 1))", None, {"x": 1.5, "y": 1.0}),
    ("(x*y + y)^2", None, {"x": 0.5, "y": 2.0}),       # y reaches h along two paths
    ("3(2x^2)^5", "2x^2", {"x": -0.5}),
    ("x*y", None, {"x": 0.5, "y": 2.0}),               # no inner function
    ("x", None, {"x": 0.5}),                           # h is x: one path with no step
])
def test_each_paths_rules_and_numbers_multiply_to_the_partial(text, inner, point) -> None:
    """Under 'Locals along each path from h down to v': each line is 'r1 · r2 · … =
    n1 × n2 × … = p' (an empty path reads '1 = 1 = 1', dv/dv). Each rule (g put in for its
    name) is its number at the point, the numbers multiply to p, and the rules' products
    summed over the paths are ∂h/∂v by SymPy. The closing line says 'the product of the locals'
    for one path, 'the sum over paths' for several, names the core's dh/dv (∂h/∂v for several
    inputs), both numbers by SymPy, marked ✓."""
    chain = ChainRule(text, inner=inner, point=point)
    g_name = HEAD.match(raised_lines(chain)[0])
    g = {} if g_name is None else {S(g_name[3]): header(chain, point)["G"]}
    shown = raised_lines(chain)
    found = blocks(shown)
    assert list(found) == list(point)
    # nothing else on the page: the header, one chain line per variable (when there is a g),
    # and per variable its heading, its paths and its closing line
    assert len(shown) == (1 + len(chain_lines(chain))
                          + sum(2 + len(paths) for paths, _ in found.values()))
    for variable, (paths, total) in found.items():
        exact = partial(text, variable, point)
        assert paths
        summed = sp.Integer(0)
        for line in paths:
            rules, numbers, product = line.split(" = ")
            rules, numbers = rules.split(" · "), numbers.split(" × ")
            assert len(rules) == len(numbers), line
            factors = [formula(rule).subs(g) for rule in rules]
            for factor, shown in zip(factors, numbers, strict=True):
                assert agrees(shown, number_at(factor, point)), (line, factor)
            assert agrees(product, math.prod(number_at(f, point) for f in factors))
            summed += sp.Mul(*factors)
        assert same_formula(summed, sp.diff(sym(text), S(variable)))
        what, path_sum, d, named, core, mark = total.groups()
        assert what == ("the sum over paths" if len(paths) > 1 else "the product of the locals")
        assert d == ("∂" if len(point) > 1 else "d")  # ∂h/∂x for h(x, y), dh/dx for h(x)
        assert named == variable
        assert agrees(path_sum, exact) and agrees(core, exact) and mark == "✓"


def test_h_without_an_inner_function_says_so_and_shows_no_chain_line() -> None:
    """x·y has no non-linear primitive to split off (the class docstring's g): the first line
    is h (by SymPy) and the sentence saying so, and no dh/dg · dg/dx line follows."""
    chain = ChainRule("x*y", point={"x": 0.5, "y": 2.0})
    first = raised_lines(chain)[0]
    assert first.endswith(" " + SENTENCE), first
    assert sp.simplify(formula(first.removeprefix("h = ").removesuffix(" " + SENTENCE))
                       - sym("x*y")) == 0
    assert chain_lines(chain) == {}


def cancelling_giants(x: float) -> Value:
    """h = a·10^300 + a·(−10^300) with a = x·10^10: h is 0 for every x, so dh/dx = 0."""
    a = Value(x, label="x") * 1e10
    return a * 1e300 + a * -1e300


def test_paths_that_overflow_where_the_core_does_not_are_marked_with_a_cross() -> None:
    """Two paths from h to x, 1·10^300·10^10 and 1·(−10^300)·10^10: each product overflows
    to ±∞, so their sum is undefined, while backward adds at a first (10^300 − 10^300 = 0)
    and then multiplies, and gets h's true dh/dx = 0 (by hand: h is 0 for every x). The
    numbers beside each other differ, so the line ends with ✗, not ✓. (Two leaves labelled x,
    this test's earlier case, are now refused: tests/test_views_graph.py.)"""
    chain = ChainRule(cancelling_giants, point={"x": 0.5})
    (paths, total) = blocks(raised_lines(chain))["x"]
    assert len(paths) == 2
    _, path_sum, _, _, core, mark = total.groups()
    assert agrees(path_sum, math.nan)
    assert agrees(core, 0.0)
    assert mark == "✗"
    ordinary = ChainRule(lambda x: (Value(x, label="x") * 2.0).exp(), point={"x": 0.5})
    (_, total) = blocks(raised_lines(ordinary))["x"]
    _, path_sum, _, _, core, mark = total.groups()
    assert agrees(path_sum, 2 * math.e) and agrees(core, 2 * math.e) and mark == "✓"


# -- the chain line: its symbolic factors and its numbers in LaTeX (_write, _tex, _tex_factor) ---

@pytest.mark.parametrize(("text", "inner", "point"), [
    ("3(2x^2)^5", "2x^2", {"x": 0.02}),    # 6.144×10^-12 × 0.08 = 4.915×10^-13
    ("3(2x^2)^5", "2x^2", {"x": -3.0}),    # 1.575×10^6 × (−12) = −1.89×10^7
    ("exp(-x^2)", None, {"x": 1.0}),       # e^-1 × (−2)
    ("(x*y + y)^2", None, {"x": 0.5, "y": 2.0}),
])
def test_the_chain_line_reads_f_prime_times_g_prime_by_sympy(text, inner, point) -> None:
    """dh/dv = dh/dg · dg/dv = f'(g) · g'(v) = (F')·(G') = a × b = c: F' and G' (LaTeX read
    back) are SymPy's derivatives of the shown f and g; a, b, c are f'(g), ∂g/∂v and ∂h/∂v at
    the point by SymPy, in LaTeX MathJax renders as numbers (× 10^{n}, not a bare 10^-n); b in
    parentheses when negative (_tex_factor's docstring), not otherwise."""
    chain = ChainRule(text, inner=inner, point=point)
    parts = header(chain, point)
    g = S(parts["g"])
    g_at = number_at(parts["G"], point)
    found = chain_lines(chain)
    assert list(found) == list(point)
    for variable, line in found.items():
        several = len(point) > 1  # ∂ and ∂g/∂v for several inputs, d and g'(v) for one
        assert line[1] == (r"\partial" if several else "d")
        assert line[5] == (rf"\frac{{\partial g}}{{\partial {variable}}}" if several
                           else f"g'({variable})")
        outer, inner_d, a, b, c = line.group(6, 7, 8, 9, 10)
        outer_exact = sp.diff(parts["F"], g)
        inner_exact = sp.diff(parts["G"], S(variable))
        assert same_formula(outer, outer_exact)
        assert same_formula(inner_d, inner_exact)
        assert agrees(tex_number(a), number_at(outer_exact, {parts["g"]: g_at}))
        b_exact = number_at(inner_exact, point)
        assert agrees(tex_number(b.strip("()")), b_exact)
        assert (b.startswith("(") and b.endswith(")")) == (b_exact < 0), b
        assert agrees(tex_number(c), partial(text, variable, point))


@pytest.mark.parametrize(("text", "inner", "at", "expected"), [
    # 1/(2 sqrt(g)) at g = 0 is +∞, times dg/dx = 1: ∞ (by hand)
    ("sqrt(x + 1)", "x + 1", -1.0, (math.inf, 1.0, math.inf)),
    # 1/g at g = 0 is ∞, times dg/dx = 2x = 0: ∞ · 0 is undefined (by hand)
    ("log(x^2)", "x^2", 0.0, (math.inf, 0.0, math.nan)),
])
def test_an_infinite_or_undefined_chain_reads_infinity_or_undefined(text, inner, at,
                                                                    expected) -> None:
    """The chain line's numbers at g = 0, where f'(g) is infinite, in LaTeX MathJax renders:
    ∞ (\\infty) and 'undefined' (\\text{undefined}), each as worked by hand."""
    chain = ChainRule(text, inner=inner, point={"x": at})
    (line,) = chain_lines(chain).values()
    shown = [tex_number(line[k].strip("()")) for k in (8, 9, 10)]
    for got, exact in zip(shown, expected, strict=True):
        assert agrees(got, exact), (line[0], shown)


def test_a_builder_without_symbolic_derivatives_shows_the_numbers_only() -> None:
    """A builder whose variable is α: the expression language cannot read α, so no symbolic
    f'(g)·g'(α) is shown (the docstring: the symbolic line is optional); the line goes straight
    to the numbers, e^(2α) · 2 at α = 0.5: e × 2 = 5.437 (by hand), and the core's d h/d α
    below is 2e too."""
    chain = ChainRule(lambda α: (Value(α, label="α") * 2.0).exp(), point={"α": 0.5})
    (line,) = chain_lines(chain).values()
    assert line[6] is None and line[7] is None, line[0]
    a, b, c = (tex_number(line[k]) for k in (8, 9, 10))
    assert agrees(a, math.e) and agrees(b, 2.0) and agrees(c, 2 * math.e)
    (_, total) = blocks(raised_lines(chain))["α"]
    assert agrees(total[5], 2 * math.e) and total[6] == "✓"


def test_a_builders_core_partial_is_shown_by_its_number() -> None:
    """A builder (no expression text): the core's d h/d x is still shown as a number,
    d/dx exp(x·x) = 2x e^(x²) = 1.284 at x = 0.5 (SymPy)."""
    def build(x: float) -> Value:
        leaf = Value(x, label="x")
        return (leaf * leaf).exp()

    chain = ChainRule(build, point={"x": 0.5})
    (_, total) = blocks(raised_lines(chain))["x"]
    exact = partial("exp(x*x)", "x", {"x": 0.5})
    assert agrees(total[2], exact) and agrees(total[5], exact) and total[6] == "✓"


# -- update(point): the point given, not the sliders' ---------------------------------------------

def _tags(markup: str) -> list[dict[str, str]]:
    return [{k: html.unescape(v) for k, v in re.findall(r'data-gradlab-(\w+)="([^"]*)"', attrs)}
            for attrs in re.findall(r"<span ([^>]*data-gradlab-[^>]*)>", markup)]


def test_update_at_a_point_reads_that_point_everywhere() -> None:
    """update(point) draws at the point given (its docstring), not the sliders': with the
    slider at x = 1, update({'x': 0.5}) on h = 3(2x^2)^5 says 'at x = 0.5: g = 0.5', shows
    dh/dx = 1.875 (SymPy), and the core's number is tagged with that point (browser tests
    recompute it from the tag)."""
    chain = ChainRule("3(2x^2)^5", inner="2x^2")
    chain.sliders["x"].value = 1.0
    chain.update({"x": 0.5})
    header(chain, {"x": 0.5})
    exact = partial("3*(2*x^2)^5", "x", {"x": 0.5})
    assert agrees(tex_number(chain_lines(chain)["x"][10]), exact)
    (tag,) = _tags(chain.readout.value)
    assert tag["of"] == "x" and json.loads(tag["at"]) == {"x": 0.5}
    assert float(tag["value"]) == pytest.approx(exact, rel=1e-12)


# -- the warning ------------------------------------------------------------------------------

def test_an_overflow_is_named_as_the_cause() -> None:
    """h = exp(x^2) at x = 30: g = 900 (by hand) and e^900 is past the largest double
    (about e^709.8), so dh/dx = 2x e^(x²) overflows to ∞; the warning's sentence names the three
    causes it offers, ending with overflow."""
    chain = ChainRule("exp(x^2)", inner="x^2", point={"x": 30.0}, ranges={"x": (-30.0, 30.0)})
    header(chain, {"x": 30.0})
    assert 900 > math.log(sys.float_info.max)
    assert tex_number(chain_lines(chain)["x"][10]) == math.inf
    assert chain.message.kind == "warning"
    assert chain.message.text == ("dh/dx is undefined or infinite at this point (a log of a "
                                  "number <= 0, a division by zero, or overflow).")
