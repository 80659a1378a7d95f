"""Functions of Values and numbers (gl.exp, gl.maximum, gl.softmax, gl.cross_entropy, ...): each
applies one primitive of ops.py to its inputs, lifted to Values (engine.apply).

The long-standing ones are written out below with docstrings of their own; every other
primitive ops.py marks `function=True` is made from its entry (FUNCTIONS), so a new primitive
there (softplus) is `gl.softplus(x)` and `parse("softplus(x)")` without a line here.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from . import ops
from .engine import Value, _check_axis, apply, lift


def _made(op: ops.Op) -> Callable[..., Value]:
    """The function name(a) (or name(a, b)) that applies `op` to Values or numbers."""
    if len(op.partials) == 1:
        def function(a) -> Value:
            return apply(op, a)
        derivative = f"d/da = {op.partials[0]}"
    else:
        def function(a, b) -> Value:
            return apply(op, a, b)
        derivative = f"d/da = {op.partials[0]}, d/db = {op.partials[1]}"
    function.__name__ = function.__qualname__ = op.name
    function.__module__ = __name__
    kink = f" ({op.kink})" if op.kink else ""
    arguments = "a" if len(op.partials) == 1 else "a, b"
    function.__doc__ = f"{op.name}({arguments}) = {op.formula}; {derivative}{kink}."
    return function


FUNCTIONS: dict[str, Callable[..., Value]] = {name: _made(op) for name, op in ops.FUNCTIONS.items()}


# -- functions ---------------------------------------------------------------------------------

def maximum(a, b) -> Value:
    """max(a, b); d/da is 1 where a > b, else 0 (and d/db is 1 where b > a, else 0)."""
    return apply(ops.MAX, a, b)


def minimum(a, b) -> Value:
    """min(a, b); d/da is 1 where a < b, else 0."""
    return apply(ops.MIN, a, b)


def relu(x) -> Value:
    """max(x, 0); d/dx is 1 where x > 0, else 0 (0 at x = 0)."""
    return apply(ops.RELU, x)


def exp(x) -> Value:
    return apply(ops.EXP, x)


def log(x) -> Value:
    """The natural logarithm; d/dx = 1/x."""
    return apply(ops.LOG, x)


def tanh(x) -> Value:
    return apply(ops.TANH, x)


def sigmoid(x) -> Value:
    return apply(ops.SIGMOID, x)


def sqrt(x) -> Value:
    return apply(ops.SQRT, x)


def sin(x) -> Value:
    return apply(ops.SIN, x)


def cos(x) -> Value:
    return apply(ops.COS, x)


def absolute(x) -> Value:
    return apply(ops.ABS, x)


def step(x) -> Value:
    """1 where x > 0, else 0: the derivative of relu(x), as a function."""
    return apply(ops.STEP, x)


def sign(x) -> Value:
    return apply(ops.SIGN, x)


def softmax(v, axis: int = -1) -> Value:
    """e^v / sum(e^v) along axis (shifted by the max first, so it cannot overflow)."""
    v = lift(v)
    if np.ndim(v.data) == 0:
        raise ValueError("softmax needs a vector or an array of rows, got a single number")
    return apply(ops.SOFTMAX, v, arg=_check_axis(axis, v.data))


def cross_entropy(probs, targets) -> Value:
    """The mean categorical cross-entropy of softmax outputs, -mean(log p[target]).

    targets: class indices (one per row) or one-hot rows. Probabilities are clipped to
    [1e-7, 1 - 1e-7] as in the book, so a confident wrong answer costs ~16, not infinity.
    """
    probs = lift(probs)
    return apply(ops.CROSS_ENTROPY, probs, arg=_targets(targets, np.shape(probs.data)))


def _targets(targets, shape: Sequence[int]) -> np.ndarray:
    """cross_entropy's targets, checked: class indices as int64 (one per row), kept as
    indices; or rows of the probabilities' shape (one-hot), as float64."""
    if len(shape) not in (1, 2):
        raise ValueError(f"cross_entropy needs probabilities of shape (classes,) or "
                         f"(samples, classes), got shape {tuple(shape)}")
    targets = np.asarray(targets.data if isinstance(targets, Value) else targets)
    classes = shape[-1]
    rows = 1 if len(shape) == 1 else shape[0]
    if targets.dtype == np.int64 and targets.shape == (rows,) and rows > 1:  # a training step
        if 0 <= targets.min() and targets.max() < classes:
            return targets.copy()  # the graph keeps its own: y may change after the pass
    if targets.shape == tuple(shape):  # one-hot rows
        return targets.astype(np.float64)
    indices = targets.reshape(-1)
    whole = indices.dtype.kind in "iu" or (
        indices.dtype.kind == "f" and np.all(np.equal(np.mod(indices, 1), 0)))
    if indices.size != rows or not whole:
        raise ValueError(f"targets must be {rows} class index(es) or one-hot rows of shape "
                         f"{tuple(shape)}, got {targets.tolist()!r}")
    if indices.dtype != np.int64:
        indices = indices.astype(np.int64)
    if indices.min() < 0 or indices.max() >= classes:
        raise ValueError(f"class indices must lie in 0..{classes - 1}, got {indices.tolist()!r}")
    return indices


def one_hot(targets, shape: Sequence[int]) -> np.ndarray:
    """Targets (class indices or one-hot rows) as one-hot rows of the probabilities' shape."""
    targets = _targets(targets, shape)
    if targets.dtype.kind == "f":
        return targets
    rows = np.zeros((targets.size, shape[-1]))
    rows[np.arange(targets.size), targets] = 1.0
    return rows.reshape(shape)
