"""The expression language's functions as functions of Values and numbers, one for each
primitive ops.py marks `function=True`, made from its entry: a new primitive there (softplus)
is `gl.softplus(x)` and `parse("softplus(x)")` without a line here.

engine.py writes out the long-standing ones with docstrings of their own (gl.exp,
gl.maximum, ...); they make the same primitives.
"""

from __future__ import annotations

from collections.abc import Callable

from . import ops
from .engine import Value, apply


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
