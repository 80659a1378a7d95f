"""Oracles the readout tests compare what a learner reads with, none of them gradlab's:

- `sym(text)`: f from gradlab's expression text, by SymPy's own parser (^ as power, 2x as 2*x);
  relu, step and max are SymPy's Piecewise/Max, so `partial` is SymPy's derivative.
- `from_latex(text)`: a formula as shown in LaTeX read back into SymPy by a small parser of its
  own (no eval), and `same_formula` comparing it with an expected one at random points.
- `agrees(shown, exact)`: a number as a lab prints it ("−2.43", "1.5×10^-5") is `exact` rounded to
  the digits it shows.
- the book's model (dense -> ReLU -> dense -> softmax -> cross-entropy), its gradients, SGD /
  momentum / AdaGrad / RMSProp / Adam steps and a dense layer's backward pass, in plain numpy.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping

import numpy as np
import sympy as sp
from sympy.parsing.sympy_parser import (
    convert_xor,
    implicit_multiplication,
    parse_expr,
    standard_transformations,
)


def S(name: str) -> sp.Symbol:
    """A real symbol (so that d|x|/dx is sign(x)); every oracle uses these."""
    return sp.Symbol(name, real=True)


def _step(z):
    return sp.Piecewise((1, z > 0), (0, True))


# gradlab's primitives in SymPy; relu'(0) = step(0) = 0, as the book and gradlab take it
FUNCTIONS = {
    "relu": lambda z: sp.Piecewise((z, z > 0), (0, True)),
    "step": _step,
    "sigmoid": lambda z: 1 / (1 + sp.exp(-z)),
    "max": sp.Max, "min": sp.Min, "abs": sp.Abs, "sign": sp.sign,
    "exp": sp.exp, "log": sp.log, "sqrt": sp.sqrt, "tanh": sp.tanh, "sin": sp.sin,
    "cos": sp.cos,
}
_READER = standard_transformations + (implicit_multiplication, convert_xor)
_GLOBALS = {"Integer": sp.Integer, "Float": sp.Float, "Rational": sp.Rational,
            "Symbol": S}


def sym(text: str) -> sp.Expr:
    """f from its text in gradlab's language ("3(2x^2)^5", "relu(x1*w1 + b)"), by SymPy."""
    names = set(re.findall(r"[A-Za-z_]\w*", text)) - set(FUNCTIONS)
    local = {name: S(name) for name in names}
    local.update(FUNCTIONS)
    return parse_expr(text, local_dict=local, global_dict=dict(_GLOBALS),
                      transformations=_READER)


def number_at(expr: sp.Expr, point: Mapping[str, float]) -> float:
    """expr at the point, as a float (nan where it is not a real number)."""
    value = expr.subs({S(k): sp.Float(v, 30) for k, v in point.items()})
    try:
        value = complex(sp.N(value, 20))
    except TypeError:  # not a number (a derivative SymPy cannot take there)
        return math.nan
    return value.real if abs(value.imag) < 1e-12 else math.nan


def value(text: str, point: Mapping[str, float]) -> float:
    return number_at(sym(text), point)


def partial(text: str, variable: str, point: Mapping[str, float]) -> float:
    """∂f/∂variable at the point, by SymPy's derivative of f's text."""
    return number_at(sp.diff(sym(text), S(variable)), point)


def gradient(text: str, point: Mapping[str, float]) -> dict[str, float]:
    return {name: partial(text, name, point) for name in point}


# -- numbers as printed -----------------------------------------------------------------------

def parse_shown(text: str) -> float:
    """'−2.43' -> -2.43, '1.5×10^-5' -> 1.5e-05, '∞', 'undefined' -> nan."""
    text = text.strip().replace("−", "-").replace("∞", "inf").replace("×10^", "e")
    if text in ("undefined", "nan"):
        return math.nan
    return float(text)


def agrees(shown: str | float, exact: float, digits: int = 4) -> bool:
    """`shown` (a number as a lab prints it, "−2.43", "1.5×10^-5") is `exact` to `digits`
    significant digits (the views print 4 unless they say otherwise; "1" printed so means
    1.000, not 0.996), its last digit off by rounding only."""
    number = parse_shown(shown) if isinstance(shown, str) else float(shown)
    if math.isnan(number) or math.isnan(exact):
        return math.isnan(number) and math.isnan(exact)
    if not math.isfinite(exact):
        return number == exact
    if exact == 0:
        return abs(number) <= 1e-12
    tolerance = 0.5 * 10.0 ** (math.floor(math.log10(abs(exact))) - digits + 1)
    return abs(number - exact) <= tolerance * (1 + 1e-9) + 1e-15


# -- LaTeX read back ----------------------------------------------------------------------------

_TOKEN = re.compile(r"\\[A-Za-z]+|\\[,;:! ]|\d+\.\d+|\d+|[A-Za-z]+|[{}()^_+\-|,=]|\S")
_LATEX_FUNCTIONS = {
    "log": sp.log, "ln": sp.log, "exp": sp.exp, "tanh": sp.tanh, "sin": sp.sin, "cos": sp.cos,
    "max": sp.Max, "min": sp.Min, "sigma": FUNCTIONS["sigmoid"], "step": _step,
    "relu": FUNCTIONS["relu"], "sign": sp.sign, "sigmoid": FUNCTIONS["sigmoid"],
}


class LatexError(ValueError):
    pass


class _Latex:
    """A recursive-descent reader of the LaTeX SymPy prints for gradlab's formulas: sums,
    products (by juxtaposition, \\cdot, \\times), \\frac, powers, \\sqrt, |..|, e^{..} and the
    functions above (\\operatorname{step}\\left(..\\right), \\log{\\left(..\\right)}, ...)."""

    def __init__(self, text: str) -> None:
        self.tokens = [t for t in _TOKEN.findall(text)
                       if t not in ("\\,", "\\;", "\\:", "\\!", "\\ ")]
        self.i = 0

    def peek(self) -> str | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def take(self, expected: str | None = None) -> str:
        token = self.peek()
        if token is None or (expected is not None and token != expected):
            raise LatexError(f"expected {expected!r} at token {self.i}, got {token!r} in "
                             f"{' '.join(self.tokens)}")
        self.i += 1
        return token

    def read(self) -> sp.Expr:
        expr = self.sum()
        if self.peek() is not None:
            raise LatexError(f"unread LaTeX from token {self.i}: {self.tokens[self.i:]}")
        return expr

    def sum(self) -> sp.Expr:
        sign = -1 if self.peek() == "-" else 1
        if self.peek() in ("-", "+"):
            self.take()
        total = sign * self.product()
        while self.peek() in ("+", "-"):
            sign = -1 if self.take() == "-" else 1
            total = total + sign * self.product()
        return total

    _ENDS = {None, "+", "-", "}", ")", "\\right", ",", "|", "="}

    def product(self) -> sp.Expr:
        result = self.power()
        while self.peek() not in self._ENDS:
            if self.peek() in ("\\cdot", "\\times"):
                self.take()
            result = result * self.power()
        return result

    def power(self) -> sp.Expr:
        base = self.atom()
        if self.peek() == "^":
            self.take()
            base = base ** self.exponent()
        return base

    def exponent(self) -> sp.Expr:
        if self.peek() == "{":
            return self.group()
        token = self.take()
        if token.isdigit():
            return sp.Integer(token[0]) if len(token) == 1 else sp.Integer(token)
        return S(token)

    def group(self) -> sp.Expr:
        self.take("{")
        inside = self.sum()
        self.take("}")
        return inside

    def parenthesised(self) -> sp.Expr:
        """( .. ), \\left( .. \\right) or { .. } around one expression."""
        if self.peek() == "{":
            self.take()
            inside = self.parenthesised() if self.peek() in ("\\left", "(") else self.sum()
            self.take("}")
            return inside
        if self.peek() == "\\left":
            self.take()
            self.take("(")
            inside = self.sum()
            self.take("\\right")
            self.take(")")
            return inside
        self.take("(")
        inside = self.sum()
        self.take(")")
        return inside

    def arguments(self) -> list[sp.Expr]:
        """f\\left(a, b\\right): the comma-separated arguments."""
        wrapped = self.peek() == "{"
        if wrapped:
            self.take()
        left = self.peek() == "\\left"
        if left:
            self.take()
        self.take("(")
        args = [self.sum()]
        while self.peek() == ",":
            self.take()
            args.append(self.sum())
        if left:
            self.take("\\right")
        self.take(")")
        if wrapped:
            self.take("}")
        return args

    def function(self, name: str) -> sp.Expr:
        if name not in _LATEX_FUNCTIONS:
            raise LatexError(f"unknown function {name!r}")
        power = None
        if self.peek() == "^":  # \tanh^{2}{\left(x \right)}
            self.take()
            power = self.exponent()
        result = _LATEX_FUNCTIONS[name](*self.arguments())
        return result if power is None else result ** power

    def atom(self) -> sp.Expr:
        token = self.peek()
        if token is None:
            raise LatexError("the formula ends too early")
        if re.fullmatch(r"\d+(\.\d+)?", token):
            self.take()
            return sp.Rational(token) if "." in token else sp.Integer(token)
        if token == "\\frac":
            self.take()
            top = self.group()
            return top / self.group()
        if token == "\\sqrt":
            self.take()
            return sp.sqrt(self.group())
        if token == "\\operatorname":
            self.take()
            self.take("{")
            name = self.take()
            self.take("}")
            return self.function(name)
        if token in ("\\left", "(", "{"):
            if token == "\\left" and self.tokens[self.i + 1] == "|":
                self.take()
                self.take("|")
                inside = self.sum()
                self.take("\\right")
                self.take("|")
                return sp.Abs(inside)
            return self.parenthesised()
        if token.startswith("\\") and token[1:] in _LATEX_FUNCTIONS:
            self.take()
            return self.function(token[1:])
        if re.fullmatch(r"[A-Za-z]+", token):
            self.take()
            if token == "e" and self.peek() == "^":
                self.take()
                return sp.exp(self.exponent())
            name = token
            if self.peek() == "_":
                self.take()
                name += str(self.exponent())
            return S(name)
        raise LatexError(f"cannot read {token!r} at token {self.i} of {' '.join(self.tokens)}")


def from_latex(text: str) -> sp.Expr:
    """A formula shown in LaTeX (without its $ signs) as a SymPy expression; never eval."""
    return _Latex(text.strip().strip("$")).read()


def same_formula(shown: sp.Expr | str, expected: sp.Expr, seed: int = 0, points: int = 6
                 ) -> bool:
    """The two formulas agree at `points` random points where both are real numbers (a
    wrong variable's derivative differs at a random point almost surely)."""
    if isinstance(shown, str):
        shown = from_latex(shown)
    names = sorted({s.name for s in (shown.free_symbols | expected.free_symbols)})
    rng = np.random.default_rng(seed)
    compared = 0
    for _ in range(10 * points):
        point = dict(zip(names, rng.uniform(-2.5, 2.5, len(names)).round(6), strict=True))
        a, b = number_at(shown, point), number_at(expected, point)
        if not (math.isfinite(a) and math.isfinite(b)):
            continue
        if not math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9):
            return False
        compared += 1
        if compared == points:
            return True
    raise ValueError(f"{shown} and {expected}: too few points where both are defined")


# -- the book's model in numpy --------------------------------------------------------------------

def softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def model_forward(params: Mapping[str, np.ndarray], X: np.ndarray) -> dict[str, np.ndarray]:
    """z1 = X W1 + b1, a1 = max(z1, 0), z2 = a1 W2 + b2, p = softmax(z2)."""
    z1 = X @ params["W1"] + params["b1"]
    a1 = np.maximum(z1, 0.0)
    z2 = a1 @ params["W2"] + params["b2"]
    return {"z1": z1, "a1": a1, "z2": z2, "p": softmax(z2)}


def model_loss(params: Mapping[str, np.ndarray], X: np.ndarray, y: np.ndarray) -> float:
    """L = -mean(log p[n, y_n]) (p clipped to [1e-7, 1 - 1e-7], as the book does)."""
    p = model_forward(params, X)["p"]
    picked = np.clip(p[np.arange(len(y)), y], 1e-7, 1 - 1e-7)
    return float(-np.mean(np.log(picked)))


def model_gradients(params: Mapping[str, np.ndarray], X: np.ndarray,
                    y: np.ndarray) -> dict[str, np.ndarray]:
    """dL/dW1, dL/db1, dL/dW2, dL/db2 by the chain rule written out: G = (p - onehot)/N,
    dW2 = a1^T G, db2 = sum G, dz1 = (G W2^T) * (z1 > 0), dW1 = X^T dz1, db1 = sum dz1."""
    forward = model_forward(params, X)
    p = forward["p"]
    picked = p[np.arange(len(y)), y]
    if np.any((picked < 1e-7) | (picked > 1 - 1e-7)):
        raise ValueError("a probability is clipped: the shortcut (p - onehot)/N does not hold")
    G = (p - np.eye(p.shape[1])[y]) / len(y)
    dz1 = (G @ params["W2"].T) * (forward["z1"] > 0)
    return {"W1": X.T @ dz1, "b1": dz1.sum(axis=0, keepdims=True),
            "W2": forward["a1"].T @ G, "b2": G.sum(axis=0, keepdims=True)}


ENTRY = re.compile(r"(W1|b1|W2|b2)\[(\d+)(?:,(\d+))?\]")


def entry_index(entry: str) -> tuple[str, tuple[int, int]]:
    """'W1[0,1]' -> ('W1', (0, 1)); 'b2[2]' -> ('b2', (0, 2))."""
    name, first, second = ENTRY.fullmatch(entry).groups()
    return name, ((0, int(first)) if second is None else (int(first), int(second)))


def with_entries(params: Mapping[str, np.ndarray],
                 entries: Mapping[str, float]) -> dict[str, np.ndarray]:
    moved = {name: np.array(array, dtype=np.float64) for name, array in params.items()}
    for entry, number in entries.items():
        name, index = entry_index(entry)
        moved[name][index] = number
    return moved


# -- optimizers by hand (NNFS ch. 10) -------------------------------------------------------------

def optimizer_steps(name: str, grad, start, settings: Mapping[str, float], steps: int,
                    eps: float = 1e-7, rho: float = 0.9, beta1: float = 0.9,
                    beta2: float = 0.999) -> list:
    """The parameters after 0..steps updates: rate_t = lr / (1 + decay t); SGD p -= rate g;
    momentum v = m v - rate g, p += v; AdaGrad c += g^2, RMSProp c = rho c + (1 - rho) g^2, both
    p -= rate g / (sqrt(c) + eps); Adam with its averages corrected by 1 - beta^(t + 1)."""
    rho = settings.get("rho", rho)
    p = np.array(start, dtype=np.float64)
    v = np.zeros_like(p)
    c = np.zeros_like(p)
    path = [p.copy()]
    for t in range(steps):
        g = np.asarray(grad(p), dtype=np.float64)
        rate = settings["lr"] / (1 + settings.get("decay", 0.0) * t)
        if name == "SGD":
            p = p - rate * g
        elif name == "SGD + momentum":
            v = settings["momentum"] * v - rate * g
            p = p + v
        elif name == "AdaGrad":
            c = c + g * g
            p = p - rate * g / (np.sqrt(c) + eps)
        elif name == "RMSProp":
            c = rho * c + (1 - rho) * g * g
            p = p - rate * g / (np.sqrt(c) + eps)
        elif name == "Adam":
            v = beta1 * v + (1 - beta1) * g
            c = beta2 * c + (1 - beta2) * g * g
            p = p - rate * (v / (1 - beta1 ** (t + 1))) / (np.sqrt(c / (1 - beta2 ** (t + 1)))
                                                           + eps)
        else:
            raise ValueError(name)
        path.append(p.copy())
    return path


def train_by_hand(name: str, start: Mapping[str, np.ndarray], X: np.ndarray, y: np.ndarray,
                  settings: Mapping[str, float], updates: int) -> dict[str, np.ndarray]:
    """The model's parameters after `updates` optimizer steps on the full batch, each step's
    gradients by `model_gradients`, every parameter updated by `optimizer_steps`' rules."""
    names = list(start)
    shapes = [np.shape(start[n]) for n in names]
    sizes = [int(np.prod(s)) for s in shapes]

    def unpack(flat: np.ndarray) -> dict[str, np.ndarray]:
        pieces = np.split(flat, np.cumsum(sizes)[:-1])
        return {n: piece.reshape(s) for n, piece, s in zip(names, pieces, shapes, strict=True)}

    def grad(flat: np.ndarray) -> np.ndarray:
        grads = model_gradients(unpack(flat), X, y)
        return np.concatenate([grads[n].ravel() for n in names])

    flat = np.concatenate([np.asarray(start[n], dtype=np.float64).ravel() for n in names])
    return unpack(optimizer_steps(name, grad, flat, settings, updates)[-1])


def layer_by_hand(X: np.ndarray, W: np.ndarray, b: np.ndarray,
                  dvalues: np.ndarray) -> dict[str, np.ndarray]:
    """output = X W + b; dinputs = dvalues W^T, dweights = X^T dvalues, dbiases = column sums."""
    return {"output": X @ W + b, "dinputs": dvalues @ W.T, "dweights": X.T @ dvalues,
            "dbiases": dvalues.sum(axis=0, keepdims=True)}
