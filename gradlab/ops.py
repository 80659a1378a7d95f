"""The registry of primitives: each one declared once, its forward rule beside its derivative.

An entry says everything gradlab knows about a primitive, and every other module reads it
from here: the engine its forward rule and local derivatives (or VJP); the expression
language its name and number of arguments (`function=True`); SymPy its counterpart, or a
SymPy function of gradlab's own differentiated by `partials` (expression/symbolic.py); the
graph its symbol (graph_layout.py); the chain-rule text its `partials` (paths.py); a view why
it has no value (`undefined`). Adding a primitive is one entry here (softplus is the proof).

Elementwise primitives state `d out / d input_i` (a number, or an array of them); `backward`
in engine.py is the one place that multiplies these by the upstream gradient. Matrix
primitives (`@`, reductions, softmax, cross-entropy) state their rule as a vector-Jacobian
product: the contribution to each input, given the upstream gradient. The numerical kernels
(the float fast paths, quiet numpy, shape helpers) are in kernels.py, so the rules read first.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .kernels import (
    absolute,
    add,
    as_rows,
    clip,
    column_major,
    cos,
    divide,
    exp,
    expand_reduced,
    greater,
    log,
    maximum,
    minimum,
    multiply,
    positive,
    power,
    promoted,
    quietly,
    reduced_count,
    relu,
    sigmoid,
    sign,
    sin,
    softplus,
    sqrt,
    step,
    subtract,
    tanh,
    unbroadcast,
    zero_like,
)

NO_ARG = object()  # a primitive that takes no setting (an exponent, an axis, targets)
ONE = 1.0  # the local derivative of a sum: backward passes the upstream gradient on as is
_quietly = quietly  # engine.py's name for it (engine also reads ops.unbroadcast)


@dataclass(frozen=True)
class Op:
    """One primitive: its forward rule and either its local derivatives or its VJP, and how
    each part of gradlab names, writes and draws it.

    forward(*inputs[, arg]) -> out
    local(out, *inputs[, arg]) -> (d out / d input_0, d out / d input_1, ...)
    vjp[i](upstream, out, *inputs[, arg]) -> contribution_i (one function per input, so a
    constant input costs nothing)
    partials: for an elementwise primitive, d out / d input_i in the expression language, in
    the inputs a, b (and n, the setting of a ** n): the text a learner reads on a chain-rule
    step and, for a function of gradlab's own, its derivative in SymPy. A test checks each
    against `local` at sample points, so the text and the numbers cannot drift apart.
    """

    name: str
    formula: str  # the forward rule as a learner reads it, in a, b (the inputs)
    partials: tuple[str, ...]  # d out / d a, d out / d b (for a VJP rule: a description)
    forward: Callable
    local: Callable | None = None
    vjp: tuple[Callable, ...] | None = None
    function: bool = False  # written name(a) or name(a, b) in the expression language
    symbol: str = ""  # what its node on a graph says ('' : its name)
    sympy: str = ""  # the SymPy function it is ('' : a SymPy function of gradlab's own)
    latex: str = ""  # for a function of gradlab's own: LaTeX with {a}, {b} for the arguments
    kink: str = ""  # the convention gradlab takes where the derivative does not exist
    undefined: str = ""  # the inputs where it has no value, e.g. '≤ 0' (log)


# ---------------------------------------------------------------------------------------------
# Binary elementwise primitives: out = f(a, b); local derivatives (d out/da, d out/db)
# ---------------------------------------------------------------------------------------------

ADD = Op("+", "a + b", ("1", "1"),
         forward=add,
         local=lambda out, a, b: (ONE, ONE))

SUB = Op("-", "a - b", ("1", "-1"), symbol="−",
         forward=subtract,
         local=lambda out, a, b: (ONE, -1.0))

MUL = Op("*", "a * b", ("b", "a"), symbol="×",
         forward=multiply,
         local=lambda out, a, b: (b, a))

DIV = Op("/", "a / b", ("1/b", "-a/b^2"), symbol="÷",
         forward=divide,
         local=lambda out, a, b: (divide(1.0, b), -divide(out, b)))

POW = Op("pow", "a ^ b", ("b*a^(b - 1)", "a^b*log(a)"), symbol="^",
         forward=power,
         local=lambda out, a, b: (b * power(a, b - 1.0), out * log(a)))

MAX = Op("max", "max(a, b)", ("step(a - b)", "step(b - a)"),
         function=True, latex=r"\max\left({a}, {b}\right)",
         kink="at a tie a = b both partials are 0",
         forward=maximum,
         local=lambda out, a, b: (greater(a, b), greater(b, a)))

MIN = Op("min", "min(a, b)", ("step(b - a)", "step(a - b)"),
         function=True, latex=r"\min\left({a}, {b}\right)",
         kink="at a tie a = b both partials are 0",
         forward=minimum,
         local=lambda out, a, b: (greater(b, a), greater(a, b)))

# ---------------------------------------------------------------------------------------------
# Unary elementwise primitives: out = f(a); local derivative (d out/da,)
# ---------------------------------------------------------------------------------------------

NEG = Op("neg", "-a", ("-1",), symbol="−",
         forward=lambda a: -a,
         local=lambda out, a: (-1.0,))

POWC = Op("**", "a ^ n", ("n*a^(n - 1)",),  # n is a constant, not a node of the graph
          forward=lambda a, n: power(a, n),
          local=lambda out, a, n: (n * power(a, n - 1.0),))

EXP = Op("exp", "e^a", ("exp(a)",), function=True, sympy="exp",
         forward=exp,
         local=lambda out, a: (out,))

LOG = Op("log", "ln(a)", ("1/a",), function=True, sympy="log", symbol="ln", undefined="≤ 0",
         forward=log,
         local=lambda out, a: (divide(1.0, a),))

SQRT = Op("sqrt", "sqrt(a)", ("1/(2*sqrt(a))",), function=True, sympy="sqrt", symbol="√",
          undefined="< 0",
          forward=sqrt,
          local=lambda out, a: (divide(0.5, out),))

TANH = Op("tanh", "tanh(a)", ("1 - tanh(a)^2",), function=True, sympy="tanh",
          forward=tanh,
          local=lambda out, a: (1.0 - out * out,))

SIGMOID = Op("sigmoid", "1 / (1 + e^-a)", ("sigmoid(a)*(1 - sigmoid(a))",),
             function=True, symbol="σ", latex=r"\sigma\left({a}\right)",
             forward=sigmoid,
             local=lambda out, a: (out * (1.0 - out),))

SOFTPLUS = Op("softplus", "ln(1 + e^a)", ("sigmoid(a)",),
              function=True, latex=r"\operatorname{softplus}\left({a}\right)",
              forward=softplus,
              local=lambda out, a: (sigmoid(a),))

RELU = Op("relu", "max(a, 0)", ("step(a)",),
          function=True, symbol="ReLU", latex=r"\operatorname{relu}\left({a}\right)",
          kink="d relu(a)/da = step(a), so 0 at a = 0",
          forward=relu,
          local=lambda out, a: (positive(a),))

SIN = Op("sin", "sin(a)", ("cos(a)",), function=True, sympy="sin",
         forward=sin,
         local=lambda out, a: (cos(a),))

COS = Op("cos", "cos(a)", ("-sin(a)",), function=True, sympy="cos",
         forward=cos,
         local=lambda out, a: (-sin(a),))

ABS = Op("abs", "|a|", ("sign(a)",),
         function=True, symbol="|·|", latex=r"\left|{a}\right|",
         kink="d|a|/da = sign(a), so 0 at a = 0",
         forward=absolute,
         local=lambda out, a: (sign(a),))

STEP = Op("step", "1 if a > 0 else 0", ("0",),
          function=True, latex=r"\operatorname{step}\left({a}\right)",
          kink="0 everywhere, the jump at a = 0 included",
          forward=step,
          local=lambda out, a: (zero_like(a),))

SIGN = Op("sign", "sign(a)", ("0",),
          function=True, latex=r"\operatorname{sign}\left({a}\right)",
          kink="0 everywhere, the jump at a = 0 included",
          forward=sign,
          local=lambda out, a: (zero_like(a),))

# ---------------------------------------------------------------------------------------------
# Matrix primitives, stated as vector-Jacobian products: given the upstream gradient g,
# the contribution to each input.
# ---------------------------------------------------------------------------------------------


def _matmul_vjp_a(g, out, a, b):
    """out = a @ b: the contribution to a is g @ b^T."""
    if a.ndim == 2 and b.ndim == 2:  # matrices, the common case
        return g @ b.T
    if a.ndim == 1 and b.ndim == 1:  # a dot product: out = sum_i a_i b_i
        return g * b
    g2, _, b2 = promoted(g, a, b)
    ga = g2 @ np.swapaxes(b2, -1, -2)
    return unbroadcast(ga[..., 0, :] if a.ndim == 1 else ga, a.shape)


def _matmul_vjp_b(g, out, a, b):
    """out = a @ b: the contribution to b is a^T @ g."""
    if a.ndim == 2 and b.ndim == 2:
        return a.T @ g
    if a.ndim == 1 and b.ndim == 1:
        return g * a
    g2, a2, _ = promoted(g, a, b)
    gb = np.swapaxes(a2, -1, -2) @ g2
    return unbroadcast(gb[..., :, 0] if b.ndim == 1 else gb, b.shape)


def _softmax(a, axis):
    a = column_major(a, axis)  # kernels.column_major says why (5x on 300 rows of 3)
    shifted = a - np.max(a, axis=axis, keepdims=True)  # e^(a - max) cannot overflow
    e = np.exp(shifted)
    return e / np.sum(e, axis=axis, keepdims=True)


def _softmax_vjp(g, s, a, axis):
    """out = softmax(a): the contribution to a is s * (g - sum(g * s)) along the axis."""
    return s * (g - np.sum(g * s, axis=axis, keepdims=True))


def _cross_entropy(p, targets):
    """-(1/N) sum_i log(p[i, target_i]): the mean categorical cross-entropy of N rows.

    targets: class indices (an int array, one per row) or rows of p's shape (one-hot)."""
    if targets.dtype.kind == "i":  # pick each row's p[target] rather than sum onehot * log p
        picked = as_rows(p)[np.arange(targets.size), targets]
        return float(-np.log(clip(picked)).sum() / targets.size)
    n = p.shape[0] if p.ndim == 2 else 1
    return float(-np.sum(targets * np.log(clip(p))) / n)


def _cross_entropy_vjp(g, out, p, targets):
    """As in the book, the clip only guards log(0): d loss / d p = -onehot / p / N."""
    if targets.dtype.kind == "i":  # zero except at each row's target
        grad = np.zeros_like(p)
        rows = np.arange(targets.size)
        picked = as_rows(p)[rows, targets]
        as_rows(grad)[rows, targets] = -g / (clip(picked) * targets.size)
        return grad
    n = p.shape[0] if p.ndim == 2 else 1
    return -g * targets / clip(p) / n


MATMUL = Op("@", "a @ b", ("g @ b^T", "a^T @ g"),
            forward=quietly(lambda a, b: a @ b),
            vjp=(_matmul_vjp_a, _matmul_vjp_b))

SUM = Op("sum", "sum(a)", ("g broadcast back to a's shape",), symbol="Σ",
         forward=quietly(lambda a, axis: np.sum(a, axis=axis)),
         vjp=(lambda g, out, a, axis: expand_reduced(g, np.shape(a), axis),))

MEAN = Op("mean", "mean(a)", ("g / n, broadcast back to a's shape",),
          forward=quietly(lambda a, axis: np.mean(a, axis=axis)),
          vjp=(lambda g, out, a, axis:
               expand_reduced(g, np.shape(a), axis) / reduced_count(np.shape(a), axis),))

SOFTMAX = Op("softmax", "e^a / sum(e^a)", ("s * (g - sum(g * s))",),
             forward=quietly(_softmax),
             vjp=(_softmax_vjp,))

CROSS_ENTROPY = Op("cross_entropy", "-mean(log(p[target]))", ("-onehot / p / N",),
                   symbol="loss",
                   forward=quietly(_cross_entropy),
                   vjp=(_cross_entropy_vjp,))

# Every primitive, by the name a node records (Value.op); the engine reaches them through
# Value's operators and functions, the other modules through this table.
TABLE: dict[str, Op] = {
    op.name: op
    for op in (ADD, SUB, MUL, DIV, POW, MAX, MIN, NEG, POWC, EXP, LOG, SQRT, TANH, SIGMOID,
               SOFTPLUS, RELU, SIN, COS, ABS, STEP, SIGN, MATMUL, SUM, MEAN, SOFTMAX,
               CROSS_ENTROPY)
}

# The primitives the expression language writes name(a) or name(a, b), by that name.
FUNCTIONS: dict[str, Op] = {name: op for name, op in TABLE.items() if op.function}
