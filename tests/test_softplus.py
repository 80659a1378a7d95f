"""softplus(x) = ln(1 + e^x), declared once (its entry in gradlab/ops.py), works everywhere:
the engine, the expression language, symbolic partials, the graph and the chain-rule text.
Every number is checked against SymPy (high-precision ln(1 + e^x) and its derivative
e^x / (1 + e^x)) or central differences, never against gradlab's own output.

The last test holds the registry to its word: each elementwise primitive's derivative text
(what a learner reads on a chain-rule step, and what SymPy differentiates gradlab's own
functions by) gives the same numbers as its local-derivative rule.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import sympy as sp

import gradlab as gl
from gradlab import ops
from gradlab.expression import Expression
from gradlab.graph_layout import layout, node_symbol
from gradlab.paths import formulas, local_rule, paths
from gradlab.views._base import describe_undefined

X = sp.Symbol("x", real=True)
SOFTPLUS = sp.log(1 + sp.exp(X))  # the oracle, written with SymPy's own log and exp
SLOPE = sp.diff(SOFTPLUS, X)  # e^x / (1 + e^x)
POINTS = [-30.0, -2.5, -0.7, 0.0, 0.3, 1.0, 4.2, 30.0]


def oracle(expr: sp.Expr, **values: float) -> float:
    """expr at the values, worked by SymPy with 40 digits (so e^800 does not overflow)."""
    subs = {sp.Symbol(name, real=True): sp.Float(value, 40) for name, value in values.items()}
    return float(expr.subs(subs).evalf(40))


def central_difference(f, x: float, h: float = 1e-6) -> float:
    return (f(x + h) - f(x - h)) / (2 * h)


# -- the engine ---------------------------------------------------------------------------------

@pytest.mark.parametrize("x", POINTS + [-800.0, 800.0])
def test_engine_value_and_slope_match_sympy(x):
    leaf = gl.Value(x, label="x")
    out = gl.softplus(leaf)
    out.backward()
    assert out.op == "softplus" and out.parents == (leaf,)
    assert out.data == pytest.approx(oracle(SOFTPLUS, x=x), rel=1e-12, abs=1e-300)
    assert leaf.grad == pytest.approx(oracle(SLOPE, x=x), rel=1e-12, abs=1e-300)


def test_engine_arrays_match_central_differences_and_the_scalar_path():
    xs = np.array(POINTS)
    leaf = gl.Value(xs)
    out = gl.softplus(leaf * 2.0)  # d softplus(2x)/dx = 2 sigmoid(2x)
    out.backward(np.ones(xs.shape))
    for k, x in enumerate(POINTS):
        expected = central_difference(lambda t: math.log1p(math.exp(2 * t)), x)
        assert leaf.grad[k] == pytest.approx(expected, rel=1e-6, abs=1e-9)
        assert out.data[k] == gl.softplus(gl.Value(2.0 * x)).data  # the float path agrees


# -- the expression language ----------------------------------------------------------------------

def test_expression_language_parses_evaluates_and_differentiates_softplus():
    f = gl.parse("softplus(x*y) + x")
    assert f.text == "softplus(x*y) + x" and f.variables == ("x", "y")
    expr = sp.log(1 + sp.exp(X * sp.Symbol("y", real=True))) + X
    for x, y in [(0.5, -1.5), (2.0, 3.0), (-4.0, 0.25)]:
        assert f.evaluate(x=x, y=y) == pytest.approx(oracle(expr, x=x, y=y), rel=1e-12)
        gradient = f.gradient(x=x, y=y)
        for name in ("x", "y"):
            exact = oracle(sp.diff(expr, sp.Symbol(name, real=True)), x=x, y=y)
            assert gradient[name] == pytest.approx(exact, rel=1e-12)
    with pytest.raises(gl.ExpressionError, match="function"):
        f.partial("softplus")  # a function's name is not a variable
    with pytest.raises(gl.ExpressionError):
        gl.parse("softplus(x, y)")  # one argument


def test_symbolic_partial_is_sympys_derivative_of_log_one_plus_exp():
    f = gl.parse("softplus(x^2)")
    partial = f.partial("x")
    assert partial.text == "2*x*sigmoid(x^2)"
    assert r"\operatorname{softplus}" in f.latex and r"\sigma" in partial.latex
    expected = sp.diff(sp.log(1 + sp.exp(X**2)), X)
    for x in POINTS[1:-1]:
        assert partial.evaluate(x=x) == pytest.approx(oracle(expected, x=x), rel=1e-12, abs=1e-15)


# -- the graph and the chain-rule text ------------------------------------------------------------

def test_graph_draws_a_softplus_node():
    out = gl.parse("softplus(3*x)").graph(x=0.5)
    drawn = layout(out)
    assert [node_symbol(node) for node in drawn.nodes][-1] == "softplus"
    assert drawn.columns == 3  # x and 3, then 3*x, then softplus


def test_chain_rule_text_and_numbers_of_a_softplus_step():
    x, y = gl.Value(0.8, label="x"), gl.Value(-1.25, label="y")
    out = gl.softplus(x * y)
    steps = out.backward(record=True)
    texts = formulas(out)
    assert texts[id(out)][0] == "softplus(x*y)"
    assert [local_rule(s, texts) for s in steps] == ["sigmoid(x*y)", "y", "x"]
    sigmoid = 1 / (1 + sp.exp(-X * sp.Symbol("y", real=True)))
    assert steps[0].local == pytest.approx(oracle(sigmoid, x=0.8, y=-1.25), rel=1e-12)
    exact = oracle(sp.diff(sp.log(1 + sp.exp(X * sp.Symbol("y", real=True))), X), x=0.8, y=-1.25)
    assert sum(path.product for path in paths(steps, out, x)) == pytest.approx(exact, rel=1e-12)


def test_softplus_never_overflows_where_its_formula_does():
    """e^800 overflows a float, so ln(1 + e^x) has no value at 800; softplus(800) = 800."""
    assert describe_undefined(gl.parse("softplus(x)"), {"x": 800.0}) == ""
    assert "exp overflows" in describe_undefined(gl.parse("log(1 + exp(x))"), {"x": 800.0})
    # softplus(-1) - 1 < 0: the registry's domain of log explains the gap
    reason = describe_undefined(gl.parse("log(softplus(x) - 1)"), {"x": -1.0})
    assert reason.startswith("log is undefined for inputs ≤ 0")
    assert oracle(SOFTPLUS - 1, x=-1.0) < 0


# -- the registry's text and numbers agree --------------------------------------------------------

SAMPLES = [(1.3, 0.4), (0.6, 2.1), (2.5, -0.7)]  # no ties (max, min), a > 0 (log, sqrt, pow)


@pytest.mark.parametrize("name", sorted(n for n, op in ops.TABLE.items() if op.local))
def test_each_rules_text_gives_the_numbers_of_its_local_derivative(name):
    op = ops.TABLE[name]
    for a, b in SAMPLES:
        inputs = (a, b)[:len(op.partials)] if name != "**" else (a, 2.5)
        numbers = op.local(op.forward(*inputs), *inputs)
        for index, rule in enumerate(op.partials):
            text = Expression(gl.parse(rule).tree, ("a", "b", "n"))
            values = {"a": a, "b": b, "n": 2.5} if name == "**" else {"a": a, "b": b, "n": 0.0}
            assert text.evaluate(**values) == pytest.approx(float(numbers[index]), rel=1e-12), \
                (name, rule, a, b)
