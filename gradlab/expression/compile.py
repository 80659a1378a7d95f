"""Expression tree -> a graph of core Values, so every number and slope comes from the core.

The tree is compiled once into a program (a postorder list of steps); building a graph runs
the program with a stack, so it needs no recursion however deep the expression is.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np

from ..engine import Value
from ..functions import FUNCTIONS
from .nodes import CONSTANTS, Binary, Call, Name, Neg, Node, Number, is_numeric, postorder
from .parser import ExpressionError

# The core's function for each name of the language, made from the registry (ops.py).
CORE_FUNCTIONS: dict[str, Callable[..., Value]] = FUNCTIONS
_OPERATORS: dict[str, Callable[[Value, Value], Value]] = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
    "/": lambda a, b: a / b,
    "^": lambda a, b: a**b,
}

# One instruction of a program: ('leaf', label, number) a constant, ('var', name, None) a variable,
# ('apply', function, count) pops count Values and pushes function(*them).
Instruction = tuple


def compile_tree(order: list[Node]) -> list[Instruction]:
    """The program that builds the graph of a tree (given in postorder).

    A power whose exponent holds no variable (x^2, x^(1/2), x^-1) becomes the core's x ** n
    with n a number, not a node: d(x^n)/dx = n x^(n-1) then holds for negative x too, where
    the general rule for a^b would need log(a).
    """
    numeric = is_numeric(order)
    programs: list[list[Instruction]] = []
    for node in order:
        count = len(node.children)
        args = programs[-count:] if count else []
        if count:
            del programs[-count:]
        if isinstance(node, Number):
            program = [("leaf", node.text, node.value)]
        elif isinstance(node, Name):
            if node.name in CONSTANTS:
                program = [("leaf", node.name, CONSTANTS[node.name])]
            else:
                program = [("var", node.name, None)]
        elif isinstance(node, Neg):
            program = args[0]
            program.append(("apply", Value.__neg__, 1))
        elif isinstance(node, Call):
            program = args[0]
            for more in args[1:]:
                program.extend(more)
            program.append(("apply", CORE_FUNCTIONS[node.function], count))
        elif isinstance(node, Binary) and node.op == "^" and numeric[id(node.right)]:
            exponent = _constant(args[1])
            program = args[0]
            program.append(("apply", lambda a, n=exponent: a**n, 1))
        else:
            program = args[0]
            program.extend(args[1])
            program.append(("apply", _OPERATORS[node.op], 2))
        programs.append(program)
    return programs[0]


def _constant(program: list[Instruction]) -> float:
    """The number a program without variables computes (by the core)."""
    with np.errstate(all="ignore"):
        return float(run(program, {}).data)


def constant_value(node: Node) -> float:
    """The float the core computes for a subtree without variables."""
    return _constant(compile_tree(postorder(node)))


def run(program: list[Instruction], leaves: Mapping[str, Value]) -> Value:
    """Build the graph: variables are the given leaves, each shared by all its uses."""
    stack: list[Value] = []
    for kind, what, extra in program:
        if kind == "apply":
            if extra == 1:
                stack[-1] = what(stack[-1])
            else:
                args = stack[-extra:]
                del stack[-extra:]
                stack.append(what(*args))
        elif kind == "var":
            stack.append(leaves[what])
        else:
            stack.append(Value.constant(extra, label=what))
    return stack[0]


def check_values(variables: tuple[str, ...], values: Mapping[str, object]) -> dict[str, object]:
    """Each variable's value as a float or a float64 array; clear errors for anything else."""
    missing = [name for name in variables if name not in values]
    if missing:
        names = ", ".join(repr(name) for name in missing)
        raise ExpressionError(f"no value for variable{'s' if len(missing) > 1 else ''} {names}")
    extra = [name for name in values if name not in variables]
    if extra:
        known = ", ".join(variables) if variables else "none"
        raise ExpressionError(f"{extra[0]!r} is not a variable of this expression "
                              f"(its variables: {known})")
    checked: dict[str, object] = {}
    for name in variables:
        value = values[name]
        if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(
                value, (bool, np.bool_)):
            checked[name] = float(value)
            continue
        array = value if isinstance(value, np.ndarray) else _as_array(name, value)
        if array.dtype.kind not in "iuf":
            raise ExpressionError(f"the value of {name!r} must be a number or an array of "
                                  f"numbers, got {_short(value)}")
        checked[name] = float(array) if array.ndim == 0 else array.astype(np.float64, copy=False)
    return checked


def _as_array(name: str, value: object) -> np.ndarray:
    try:
        return np.asarray(value)
    except (TypeError, ValueError):
        raise ExpressionError(f"the value of {name!r} must be a number or an array of "
                              f"numbers, got {_short(value)}") from None


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def common_shape(values: Mapping[str, object]) -> tuple[int, ...]:
    """The shape all values broadcast to (() when all are numbers)."""
    shapes = [np.shape(value) for value in values.values() if type(value) is not float]
    try:
        return np.broadcast_shapes(*shapes) if shapes else ()
    except ValueError:
        described = ", ".join(f"{name} {np.shape(value)}" for name, value in values.items())
        raise ExpressionError(f"the values' shapes do not broadcast together ({described})"
                              ) from None


def build(program: list[Instruction], values: Mapping[str, object], *, broadcast: bool = False
          ) -> tuple[Value, dict[str, Value]]:
    """The output Value and the leaves (name -> Value labelled with the name).

    broadcast=True gives every leaf the common shape, so each leaf's grad after backward holds
    the partial derivative at every point rather than a sum over broadcast axes.
    """
    scalar = all(type(value) is float for value in values.values())
    if not scalar:
        shape = common_shape(values)  # checked first: a clear error rather than numpy's
        if broadcast:
            values = {name: np.broadcast_to(value, shape) for name, value in values.items()}
    leaves = {name: Value(value, label=name) for name, value in values.items()}
    with np.errstate(all="ignore"):
        return run(program, leaves), leaves


def gradient(program: list[Instruction], values: Mapping[str, object]) -> dict[str, object]:
    """name -> d out / d name at the values (arrays: at every point), by the core's backward."""
    out, leaves = build(program, values, broadcast=True)
    with np.errstate(all="ignore"):
        if type(out.data) is float:
            out.backward()
        else:
            out.backward(np.ones(out.data.shape))
    return {name: leaf.grad for name, leaf in leaves.items()}


def as_float(data) -> float:
    """The number a scalar graph computed."""
    return data if type(data) is float else float(data)
