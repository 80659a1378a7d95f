"""The table of primitives: each one's forward rule beside its local derivatives.

Elementwise primitives state `d out / d input_i` (a number, or an array of them); `backward`
in engine.py is the one place that multiplies these by the upstream gradient. Matrix
primitives (`@`, reductions, softmax, cross-entropy) state their rule as a vector-Jacobian
product: the contribution to each input, given the upstream gradient.

Every rule works on Python floats (the fast path for scalar graphs) and on float64 arrays.
Out-of-domain inputs give IEEE results (nan, +-inf), never an exception: a plot shows a gap.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

NO_ARG = object()  # a primitive that takes no setting (an exponent, an axis, targets)
ONE = 1.0  # the local derivative of a sum: backward passes the upstream gradient on as is


@dataclass(frozen=True)
class Op:
    """One primitive: its forward rule and either its local derivatives or its VJP.

    forward(*inputs[, arg]) -> out
    local(out, *inputs[, arg]) -> (d out / d input_0, d out / d input_1, ...)
    vjp[i](upstream, out, *inputs[, arg]) -> contribution_i (one function per input, so a
    constant input costs nothing)
    """

    name: str
    formula: str  # the forward rule as a learner reads it, in a, b (the inputs)
    partials: tuple[str, ...]  # d out / d a, d out / d b, as text
    forward: Callable
    local: Callable | None = None
    vjp: tuple[Callable, ...] | None = None


# ---------------------------------------------------------------------------------------------
# Quiet numpy: out-of-range array inputs give inf/nan without a RuntimeWarning.
# ---------------------------------------------------------------------------------------------

try:  # numpy >= 2 keeps its error state in a context variable: setting it directly costs
    # a fifth of entering np.errstate, which every array primitive would otherwise pay
    from numpy._core._ufunc_config import _extobj_contextvar, _make_extobj

    _QUIET_STATE = _make_extobj(all="ignore")

    def _quietly(forward):
        """forward with numpy's floating-point warnings off (inf and nan come quietly)."""
        def quiet(*args):
            token = _extobj_contextvar.set(_QUIET_STATE)
            try:
                return forward(*args)
            finally:
                _extobj_contextvar.reset(token)
        return quiet
except ImportError:  # numpy 1.x, or a numpy whose internals moved: the public way
    def _quietly(forward):
        """forward with numpy's floating-point warnings off (inf and nan come quietly)."""
        def quiet(*args):
            with np.errstate(all="ignore"):
                return forward(*args)
        return quiet


# ---------------------------------------------------------------------------------------------
# Scalar-or-array helpers: Python floats take the math module (fast), arrays take numpy.
# ---------------------------------------------------------------------------------------------

def _is_scalar(a) -> bool:
    return type(a) is float


_add, _subtract, _multiply, _divide, _power = map(
    _quietly, (np.add, np.subtract, np.multiply, np.divide, np.power))
_exp, _log, _sqrt, _sin, _cos = map(_quietly, (np.exp, np.log, np.sqrt, np.sin, np.cos))
_sigmoid = _quietly(lambda a: np.exp(-np.logaddexp(0.0, -a)))


def step(a):
    """1 where a > 0, else 0 (so 0 at a = 0: the convention learners are taught for ReLU)."""
    if _is_scalar(a):
        return 1.0 if a > 0.0 else 0.0
    return (np.asarray(a) > 0).astype(np.float64)


def positive(a):
    """1 where a > 0, else 0; for an array, a boolean mask (numpy multiplies it as 1 and 0
    without first making an array of floats: ReLU's backward runs once per training step)."""
    if _is_scalar(a):
        return 1.0 if a > 0.0 else 0.0
    return np.greater(a, 0.0)


def greater(a, b):
    """1 where a > b, else 0."""
    if _is_scalar(a) and _is_scalar(b):
        return 1.0 if a > b else 0.0
    return np.greater(a, b).astype(np.float64)


def sign(a):
    if _is_scalar(a):
        return 1.0 if a > 0.0 else (-1.0 if a < 0.0 else (a if a != a else 0.0))
    return np.sign(a)


def _zero_like(a):
    return 0.0 if _is_scalar(a) else np.zeros(np.shape(a))


def divide(a, b):
    if _is_scalar(a) and _is_scalar(b):
        if b != 0.0:
            return a / b
        if a == 0.0 or a != a:
            return math.nan
        return math.copysign(math.inf, a) * math.copysign(1.0, b)
    return _divide(a, b)


def power(a, b):
    if _is_scalar(a) and _is_scalar(b):
        try:
            result = a**b
        except (ZeroDivisionError, OverflowError):
            return float(_power(a, b))
        return math.nan if type(result) is complex else result
    return _power(a, b)


def exp(a):
    if _is_scalar(a):
        try:
            return math.exp(a)
        except OverflowError:
            return math.inf
    return _exp(a)


def log(a):
    if _is_scalar(a):
        if a > 0.0:
            return math.log(a)
        return -math.inf if a == 0.0 else math.nan
    return _log(a)


def sqrt(a):
    if _is_scalar(a):
        return math.sqrt(a) if a >= 0.0 else math.nan
    return _sqrt(a)


def tanh(a):
    return math.tanh(a) if _is_scalar(a) else np.tanh(a)


def sigmoid(a):
    """1 / (1 + e^-a), computed without overflow for large |a|."""
    if _is_scalar(a):
        if a >= 0.0:
            return 1.0 / (1.0 + math.exp(-a))
        e = math.exp(a)
        return e / (1.0 + e)
    return _sigmoid(np.asarray(a))


def sin(a):
    if _is_scalar(a):
        return math.sin(a) if math.isfinite(a) else math.nan
    return _sin(a)


def cos(a):
    if _is_scalar(a):
        return math.cos(a) if math.isfinite(a) else math.nan
    return _cos(a)


def add(a, b):
    if _is_scalar(a) and _is_scalar(b):
        return a + b
    return _add(a, b)  # inf - inf is nan, quietly


def subtract(a, b):
    if _is_scalar(a) and _is_scalar(b):
        return a - b
    return _subtract(a, b)


def multiply(a, b):
    if _is_scalar(a) and _is_scalar(b):
        return a * b
    return _multiply(a, b)  # 0 * inf is nan, quietly


def maximum(a, b):
    if _is_scalar(a) and _is_scalar(b):
        return a if a > b or a != a else b  # nan wins, as in numpy
    return np.maximum(a, b)


def minimum(a, b):
    if _is_scalar(a) and _is_scalar(b):
        return a if a < b or a != a else b
    return np.minimum(a, b)


def relu(a):
    if _is_scalar(a):
        return a if a > 0.0 or a != a else 0.0
    return np.maximum(a, 0.0)


# ---------------------------------------------------------------------------------------------
# Binary elementwise primitives: out = f(a, b); local derivatives (d out/da, d out/db)
# ---------------------------------------------------------------------------------------------

ADD = Op("+", "a + b", ("1", "1"),
         forward=add,
         local=lambda out, a, b: (ONE, ONE))

SUB = Op("-", "a - b", ("1", "-1"),
         forward=subtract,
         local=lambda out, a, b: (ONE, -1.0))

MUL = Op("*", "a * b", ("b", "a"),
         forward=multiply,
         local=lambda out, a, b: (b, a))

DIV = Op("/", "a / b", ("1/b", "-a/b^2"),
         forward=divide,
         local=lambda out, a, b: (divide(1.0, b), -divide(out, b)))

POW = Op("pow", "a ^ b", ("b a^(b-1)", "a^b ln(a)"),
         forward=power,
         local=lambda out, a, b: (b * power(a, b - 1.0), out * log(a)))

MAX = Op("max", "max(a, b)", ("1 if a > b else 0", "1 if b > a else 0"),
         forward=maximum,
         local=lambda out, a, b: (greater(a, b), greater(b, a)))

MIN = Op("min", "min(a, b)", ("1 if a < b else 0", "1 if b < a else 0"),
         forward=minimum,
         local=lambda out, a, b: (greater(b, a), greater(a, b)))

# ---------------------------------------------------------------------------------------------
# Unary elementwise primitives: out = f(a); local derivative (d out/da,)
# ---------------------------------------------------------------------------------------------

NEG = Op("neg", "-a", ("-1",),
         forward=lambda a: -a,
         local=lambda out, a: (-1.0,))

POWC = Op("**", "a ^ n", ("n a^(n-1)",),  # n is a constant, not a node of the graph
          forward=lambda a, n: power(a, n),
          local=lambda out, a, n: (n * power(a, n - 1.0),))

EXP = Op("exp", "e^a", ("e^a",),
         forward=exp,
         local=lambda out, a: (out,))

LOG = Op("log", "ln(a)", ("1/a",),
         forward=log,
         local=lambda out, a: (divide(1.0, a),))

SQRT = Op("sqrt", "sqrt(a)", ("1 / (2 sqrt(a))",),
          forward=sqrt,
          local=lambda out, a: (divide(0.5, out),))

TANH = Op("tanh", "tanh(a)", ("1 - tanh(a)^2",),
          forward=tanh,
          local=lambda out, a: (1.0 - out * out,))

SIGMOID = Op("sigmoid", "1 / (1 + e^-a)", ("sigmoid(a) (1 - sigmoid(a))",),
             forward=sigmoid,
             local=lambda out, a: (out * (1.0 - out),))

RELU = Op("relu", "max(a, 0)", ("1 if a > 0 else 0",),
          forward=relu,
          local=lambda out, a: (positive(a),))

SIN = Op("sin", "sin(a)", ("cos(a)",),
         forward=sin,
         local=lambda out, a: (cos(a),))

COS = Op("cos", "cos(a)", ("-sin(a)",),
         forward=cos,
         local=lambda out, a: (-sin(a),))

ABS = Op("abs", "|a|", ("sign(a)",),
         forward=lambda a: abs(a) if _is_scalar(a) else np.abs(a),
         local=lambda out, a: (sign(a),))

STEP = Op("step", "1 if a > 0 else 0", ("0",),
          forward=step,
          local=lambda out, a: (_zero_like(a),))

SIGN = Op("sign", "sign(a)", ("0",),
          forward=sign,
          local=lambda out, a: (_zero_like(a),))

# ---------------------------------------------------------------------------------------------
# Matrix primitives, stated as vector-Jacobian products: given the upstream gradient g,
# the contribution to each input.
# ---------------------------------------------------------------------------------------------


def _promoted(g, a, b):
    """a @ b with vectors promoted to matrices (a row, b a column), and g to match."""
    g = np.asarray(g)
    if a.ndim == 1:
        g = np.expand_dims(g, -2)
    if b.ndim == 1:
        g = np.expand_dims(g, -1)
    a2 = a[np.newaxis, :] if a.ndim == 1 else a
    b2 = b[:, np.newaxis] if b.ndim == 1 else b
    return g, a2, b2


def _matmul_vjp_a(g, out, a, b):
    """out = a @ b: the contribution to a is g @ b^T."""
    if a.ndim == 2 and b.ndim == 2:  # matrices, the common case
        return g @ b.T
    if a.ndim == 1 and b.ndim == 1:  # a dot product: out = sum_i a_i b_i
        return g * b
    g2, _, b2 = _promoted(g, a, b)
    ga = g2 @ np.swapaxes(b2, -1, -2)
    return unbroadcast(ga[..., 0, :] if a.ndim == 1 else ga, a.shape)


def _matmul_vjp_b(g, out, a, b):
    """out = a @ b: the contribution to b is a^T @ g."""
    if a.ndim == 2 and b.ndim == 2:
        return a.T @ g
    if a.ndim == 1 and b.ndim == 1:
        return g * a
    g2, a2, _ = _promoted(g, a, b)
    gb = np.swapaxes(a2, -1, -2) @ g2
    return unbroadcast(gb[..., :, 0] if b.ndim == 1 else gb, b.shape)


def _expand_reduced(g, shape, axis):
    """Undo a reduction over `axis`: g broadcast back to `shape`."""
    g = np.asarray(g, dtype=np.float64)
    if axis is not None:
        axes = (axis,) if isinstance(axis, int) else tuple(axis)
        g = np.expand_dims(g, tuple(ax % len(shape) for ax in axes))
    return np.array(np.broadcast_to(g, shape))  # a writable array: it may become a grad


def _reduced_count(shape, axis) -> int:
    if axis is None:
        return int(np.prod(shape, dtype=np.int64))
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    return int(np.prod([shape[ax] for ax in axes], dtype=np.int64))


def _column_major(a, axis):
    """a, copied column-major when it has many short rows reduced along the last axis.

    numpy reduces a short last axis of a row-major array one row at a time (300 rows of 3
    take ~14 us); the same numbers laid out column-major reduce about 5x faster, and the
    arrays computed from them keep that layout (so softmax's backward is quick too)."""
    if a.ndim == 2 and axis in (1, -1) and a.shape[1] <= 16 and a.shape[0] >= 32:
        return np.asfortranarray(a)
    return a


def _softmax(a, axis):
    a = _column_major(a, axis)
    shifted = a - np.max(a, axis=axis, keepdims=True)  # e^(a - max) cannot overflow
    e = np.exp(shifted)
    return e / np.sum(e, axis=axis, keepdims=True)


def _softmax_vjp(g, s, a, axis):
    """out = softmax(a): the contribution to a is s * (g - sum(g * s)) along the axis."""
    return s * (g - np.sum(g * s, axis=axis, keepdims=True))


CLIP = 1e-7  # the book clips probabilities to [1e-7, 1 - 1e-7] before taking logs


def _clip(p):
    """p clipped to [CLIP, 1 - CLIP] (np.clip's checks cost more than the clipping)."""
    return np.minimum(np.maximum(p, CLIP), 1.0 - CLIP)


def _as_rows(p):
    """p as (samples, classes): a single row of probabilities becomes one sample (a view)."""
    return p if p.ndim == 2 else p.reshape(1, -1)


def _cross_entropy(p, targets):
    """-(1/N) sum_i log(p[i, target_i]): the mean categorical cross-entropy of N rows.

    targets: class indices (an int array, one per row) or rows of p's shape (one-hot)."""
    if targets.dtype.kind == "i":  # pick each row's p[target] rather than sum onehot * log p
        picked = _as_rows(p)[np.arange(targets.size), targets]
        return float(-np.log(_clip(picked)).sum() / targets.size)
    n = p.shape[0] if p.ndim == 2 else 1
    return float(-np.sum(targets * np.log(_clip(p))) / n)


def _cross_entropy_vjp(g, out, p, targets):
    """As in the book, the clip only guards log(0): d loss / d p = -onehot / p / N."""
    if targets.dtype.kind == "i":  # zero except at each row's target
        grad = np.zeros_like(p)
        rows = np.arange(targets.size)
        picked = _as_rows(p)[rows, targets]
        _as_rows(grad)[rows, targets] = -g / (_clip(picked) * targets.size)
        return grad
    n = p.shape[0] if p.ndim == 2 else 1
    return -g * targets / _clip(p) / n


MATMUL = Op("@", "a @ b", ("g @ b^T", "a^T @ g"),
            forward=_quietly(lambda a, b: a @ b),
            vjp=(_matmul_vjp_a, _matmul_vjp_b))

SUM = Op("sum", "sum(a)", ("g broadcast back to a's shape",),
         forward=_quietly(lambda a, axis: np.sum(a, axis=axis)),
         vjp=(lambda g, out, a, axis: _expand_reduced(g, np.shape(a), axis),))

MEAN = Op("mean", "mean(a)", ("g / n, broadcast back to a's shape",),
          forward=_quietly(lambda a, axis: np.mean(a, axis=axis)),
          vjp=(lambda g, out, a, axis:
               _expand_reduced(g, np.shape(a), axis) / _reduced_count(np.shape(a), axis),))

SOFTMAX = Op("softmax", "e^a / sum(e^a)", ("s * (g - sum(g * s))",),
             forward=_quietly(_softmax),
             vjp=(_softmax_vjp,))

CROSS_ENTROPY = Op("cross_entropy", "-mean(log(p[target]))", ("-onehot / p / N",),
                   forward=_quietly(_cross_entropy),
                   vjp=(_cross_entropy_vjp,))

TABLE: dict[str, Op] = {
    op.name: op
    for op in (ADD, SUB, MUL, DIV, POW, MAX, MIN, NEG, POWC, EXP, LOG, SQRT, TANH, SIGMOID,
               RELU, SIN, COS, ABS, STEP, SIGN, MATMUL, SUM, MEAN, SOFTMAX, CROSS_ENTROPY)
}


def unbroadcast(g, shape: tuple[int, ...]):
    """Sum a gradient back down to an operand's shape (undoing numpy broadcasting)."""
    if np.shape(g) == shape:
        return g
    if shape == ():
        return float(np.sum(g))
    g = np.asarray(g)
    if g.ndim < len(shape):
        return np.array(np.broadcast_to(g, shape))
    g = np.sum(g, axis=tuple(range(g.ndim - len(shape)))) if g.ndim > len(shape) else g
    keep = tuple(i for i, n in enumerate(shape) if n == 1 and g.shape[i] != 1)
    if keep == (0,) and g.ndim == 2 and g.dtype == np.float64:
        # a bias's gradient, the column sums of g: as ones @ g (one BLAS call), 4x quicker
        # than numpy's row-by-row reduction for a batch of a few hundred rows
        return (np.ones(g.shape[0]) @ g)[np.newaxis, :]
    return np.sum(g, axis=keep, keepdims=True) if keep else g
