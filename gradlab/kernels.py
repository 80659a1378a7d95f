"""The numerical kernels behind ops.py's rules, kept apart from the table so the rules read
first: each forward rule on a Python float (the math module: the fast path of scalar graphs)
or on a float64 array (numpy, with its floating-point warnings off), and the helpers that
shape the matrix primitives' gradients. Each speed trick says why, with the figure it bought.

Out-of-domain inputs give IEEE results (nan, +-inf), never an exception: a plot shows a gap.
"""

from __future__ import annotations

import math

import numpy as np

# ---------------------------------------------------------------------------------------------
# Quiet numpy: out-of-range array inputs give inf/nan without a RuntimeWarning.
# ---------------------------------------------------------------------------------------------

try:  # numpy >= 2 keeps its error state in a context variable: setting it directly costs
    # a fifth of entering np.errstate, which every array primitive would otherwise pay
    from numpy._core._ufunc_config import _extobj_contextvar, _make_extobj

    _QUIET_STATE = _make_extobj(all="ignore")

    def quietly(forward):
        """forward with numpy's floating-point warnings off (inf and nan come quietly)."""
        def quiet(*args):
            token = _extobj_contextvar.set(_QUIET_STATE)
            try:
                return forward(*args)
            finally:
                _extobj_contextvar.reset(token)
        return quiet
except ImportError:  # numpy 1.x, or a numpy whose internals moved: the public way
    def quietly(forward):
        """forward with numpy's floating-point warnings off (inf and nan come quietly)."""
        def quiet(*args):
            with np.errstate(all="ignore"):
                return forward(*args)
        return quiet


# ---------------------------------------------------------------------------------------------
# Scalar-or-array helpers: Python floats take the math module (fast), arrays take numpy.
# ---------------------------------------------------------------------------------------------

def is_scalar(a) -> bool:
    return type(a) is float


_add, _subtract, _multiply, _divide, _power = map(
    quietly, (np.add, np.subtract, np.multiply, np.divide, np.power))
_exp, _log, _sqrt, _sin, _cos = map(quietly, (np.exp, np.log, np.sqrt, np.sin, np.cos))
_sigmoid = quietly(lambda a: np.exp(-np.logaddexp(0.0, -a)))
_softplus = quietly(lambda a: np.logaddexp(0.0, a))  # ln(e^0 + e^a), without overflow


def step(a):
    """1 where a > 0, else 0 (so 0 at a = 0: the convention learners are taught for ReLU)."""
    if is_scalar(a):
        return 1.0 if a > 0.0 else 0.0
    return (np.asarray(a) > 0).astype(np.float64)


def positive(a):
    """1 where a > 0, else 0; for an array, a boolean mask (numpy multiplies it as 1 and 0
    without first making an array of floats: ReLU's backward runs once per training step)."""
    if is_scalar(a):
        return 1.0 if a > 0.0 else 0.0
    return np.greater(a, 0.0)


def greater(a, b):
    """1 where a > b, else 0."""
    if is_scalar(a) and is_scalar(b):
        return 1.0 if a > b else 0.0
    return np.greater(a, b).astype(np.float64)


def sign(a):
    if is_scalar(a):
        return 1.0 if a > 0.0 else (-1.0 if a < 0.0 else (a if a != a else 0.0))
    return np.sign(a)


def zero_like(a):
    return 0.0 if is_scalar(a) else np.zeros(np.shape(a))


def divide(a, b):
    if is_scalar(a) and is_scalar(b):
        if b != 0.0:
            return a / b
        if a == 0.0 or a != a:
            return math.nan
        return math.copysign(math.inf, a) * math.copysign(1.0, b)
    return _divide(a, b)


def power(a, b):
    if is_scalar(a) and is_scalar(b):
        try:
            result = a**b
        except (ZeroDivisionError, OverflowError):
            return float(_power(a, b))
        return math.nan if type(result) is complex else result
    return _power(a, b)


def exp(a):
    if is_scalar(a):
        try:
            return math.exp(a)
        except OverflowError:
            return math.inf
    return _exp(a)


def log(a):
    if is_scalar(a):
        if a > 0.0:
            return math.log(a)
        return -math.inf if a == 0.0 else math.nan
    return _log(a)


def sqrt(a):
    if is_scalar(a):
        return math.sqrt(a) if a >= 0.0 else math.nan
    return _sqrt(a)


def tanh(a):
    return math.tanh(a) if is_scalar(a) else np.tanh(a)


def sigmoid(a):
    """1 / (1 + e^-a), computed without overflow for large |a|."""
    if is_scalar(a):
        if a >= 0.0:
            return 1.0 / (1.0 + math.exp(-a))
        e = math.exp(a)
        return e / (1.0 + e)
    return _sigmoid(np.asarray(a))


def sin(a):
    if is_scalar(a):
        return math.sin(a) if math.isfinite(a) else math.nan
    return _sin(a)


def cos(a):
    if is_scalar(a):
        return math.cos(a) if math.isfinite(a) else math.nan
    return _cos(a)


def add(a, b):
    if is_scalar(a) and is_scalar(b):
        return a + b
    return _add(a, b)  # inf - inf is nan, quietly


def subtract(a, b):
    if is_scalar(a) and is_scalar(b):
        return a - b
    return _subtract(a, b)


def multiply(a, b):
    if is_scalar(a) and is_scalar(b):
        return a * b
    return _multiply(a, b)  # 0 * inf is nan, quietly


def maximum(a, b):
    if is_scalar(a) and is_scalar(b):
        return a if a > b or a != a else b  # nan wins, as in numpy
    return np.maximum(a, b)


def minimum(a, b):
    if is_scalar(a) and is_scalar(b):
        return a if a < b or a != a else b
    return np.minimum(a, b)


def relu(a):
    if is_scalar(a):
        return a if a > 0.0 or a != a else 0.0
    return np.maximum(a, 0.0)


def absolute(a):
    return abs(a) if is_scalar(a) else np.abs(a)


def softplus(a):
    """ln(1 + e^a), as max(a, 0) + ln(1 + e^-|a|): e^-|a| <= 1 cannot overflow."""
    if is_scalar(a):
        if a != a:
            return a
        return (a if a > 0.0 else 0.0) + math.log1p(math.exp(-abs(a)))
    return _softplus(a)


# ---------------------------------------------------------------------------------------------
# Shapes for the matrix primitives' vector-Jacobian products
# ---------------------------------------------------------------------------------------------


def promoted(g, a, b):
    """a @ b with vectors promoted to matrices (a row, b a column), and g to match."""
    g = np.asarray(g)
    if a.ndim == 1:
        g = np.expand_dims(g, -2)
    if b.ndim == 1:
        g = np.expand_dims(g, -1)
    a2 = a[np.newaxis, :] if a.ndim == 1 else a
    b2 = b[:, np.newaxis] if b.ndim == 1 else b
    return g, a2, b2


def expand_reduced(g, shape, axis):
    """Undo a reduction over `axis`: g broadcast back to `shape`."""
    g = np.asarray(g, dtype=np.float64)
    if axis is not None:
        axes = (axis,) if isinstance(axis, int) else tuple(axis)
        g = np.expand_dims(g, tuple(ax % len(shape) for ax in axes))
    return np.array(np.broadcast_to(g, shape))  # a writable array: it may become a grad


def reduced_count(shape, axis) -> int:
    """How many entries a reduction over `axis` takes into each result."""
    if axis is None:
        return int(np.prod(shape, dtype=np.int64))
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    return int(np.prod([shape[ax] for ax in axes], dtype=np.int64))


def column_major(a, axis):
    """a, copied column-major when it has many short rows reduced along the last axis.

    numpy reduces a short last axis of a row-major array one row at a time (300 rows of 3
    take ~14 us); the same numbers laid out column-major reduce about 5x faster, and the
    arrays computed from them keep that layout (so softmax's backward is quick too)."""
    if a.ndim == 2 and axis in (1, -1) and a.shape[1] <= 16 and a.shape[0] >= 32:
        return np.asfortranarray(a)
    return a


CLIP = 1e-7  # the book clips probabilities to [1e-7, 1 - 1e-7] before taking logs


def clip(p):
    """p clipped to [CLIP, 1 - CLIP] (np.clip's checks cost more than the clipping)."""
    return np.minimum(np.maximum(p, CLIP), 1.0 - CLIP)


def as_rows(p):
    """p as (samples, classes): a single row of probabilities becomes one sample (a view)."""
    return p if p.ndim == 2 else p.reshape(1, -1)


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
