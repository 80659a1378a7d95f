"""The expression tree: five immutable node types, an iterative walk, and the normalized text.

Every walk over a tree is iterative (a stack, never recursion): a 2,000-character sum such as
`x + x + ... + x` is a chain 1,000 nodes deep, deeper than Python's recursion allows.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

FUNCTIONS: dict[str, int] = {  # name -> number of arguments
    "exp": 1, "log": 1, "sqrt": 1, "sin": 1, "cos": 1, "tanh": 1, "sigmoid": 1,
    "relu": 1, "abs": 1, "step": 1, "sign": 1, "max": 2, "min": 2,
}
CONSTANTS: dict[str, float] = {"e": math.e, "pi": math.pi}


@dataclass(frozen=True, slots=True)
class Number:
    """A number (never negative: `-3` is Neg(Number(3)), so the text can be read back)."""

    value: float
    column: int | None = field(default=None, compare=False)
    children = ()

    @property
    def text(self) -> str:
        return number_text(self.value)


@dataclass(frozen=True, slots=True)
class Name:
    """A variable such as `x`, or one of the constants `e` and `pi`."""

    name: str
    column: int | None = field(default=None, compare=False)
    children = ()


@dataclass(frozen=True, slots=True)
class Neg:
    """Unary minus: -operand."""

    operand: Node
    column: int | None = field(default=None, compare=False)

    @property
    def children(self) -> tuple[Node, ...]:
        return (self.operand,)


@dataclass(frozen=True, slots=True)
class Binary:
    """left op right, op one of + - * / ^ (the parser turns ** into ^)."""

    op: str
    left: Node
    right: Node
    column: int | None = field(default=None, compare=False)

    @property
    def children(self) -> tuple[Node, ...]:
        return (self.left, self.right)


@dataclass(frozen=True, slots=True)
class Call:
    """function(args...), function a key of FUNCTIONS."""

    function: str
    args: tuple[Node, ...]
    column: int | None = field(default=None, compare=False)

    @property
    def children(self) -> tuple[Node, ...]:
        return self.args


Node = Number | Name | Neg | Binary | Call
R = TypeVar("R")


def postorder(root: Node) -> list[Node]:
    """Every node of the tree, each after its children (left to right), without recursion."""
    order: list[Node] = []
    stack = [root]
    while stack:
        node = stack.pop()
        order.append(node)
        stack.extend(node.children)
    order.reverse()
    return order


def fold(order: list[Node], combine: Callable[[Node, list[R]], R]) -> R:
    """Combine a postorder bottom-up: combine(node, results of its children) for each node."""
    stack: list[R] = []
    for node in order:
        count = len(node.children)
        if count:
            args = stack[-count:]
            del stack[-count:]
        else:
            args = []
        stack.append(combine(node, args))
    return stack[0]


def depth(order: list[Node]) -> int:
    """The number of nodes on the longest path from the root to a leaf."""
    return fold(order, lambda node, args: 1 + max(args, default=0))


def is_numeric(order: list[Node]) -> dict[int, bool]:
    """id(node) -> True when the node's subtree holds no variable (only numbers and e, pi)."""
    numeric: dict[int, bool] = {}
    for node in order:
        if isinstance(node, Name):
            numeric[id(node)] = node.name in CONSTANTS
        else:
            numeric[id(node)] = all(numeric[id(child)] for child in node.children)
    return numeric


def number_text(value: float) -> str:
    """3.0 -> '3', 0.5 -> '0.5', 1e20 -> '1e+20'; inf and nan as text that parses back."""
    if math.isnan(value):
        return "(0/0)"
    if math.isinf(value):
        return "1e999" if value > 0 else "-1e999"
    if value == int(value) and abs(value) < 1e15:
        return str(int(value))
    return repr(value)


# -- the normalized text: one space around + and -, none around * / ^ -----------------------------

# Binding strength: a sum binds loosest, then products, unary minus, powers, atoms.
SUM, PRODUCT, UNARY, POWER, ATOM = 1, 2, 3, 4, 5
_STRENGTH = {"+": SUM, "-": SUM, "*": PRODUCT, "/": PRODUCT, "^": POWER}


def to_text(order: list[Node]) -> str:
    """Text that parse() reads back to an equal function, with only the parentheses it needs.

    Printing the text of that parse gives the same text again.
    """
    return fold(order, _text_of)[0]


def _wrap(part: tuple[str, int], needed: int) -> str:
    text, strength = part
    return f"({text})" if strength < needed else text


def _text_of(node: Node, args: list[tuple[str, int]]) -> tuple[str, int]:
    if isinstance(node, Number):
        return node.text, ATOM
    if isinstance(node, Name):
        return node.name, ATOM
    if isinstance(node, Call):
        return f"{node.function}({', '.join(text for text, _ in args)})", ATOM
    if isinstance(node, Neg):
        # -2*y reads back as (-2)*y: the same number; but -(-x) rather than --x
        text, strength = args[0]
        return "-" + (f"({text})" if text.startswith("-") else _wrap(args[0], PRODUCT)), UNARY
    left, right = args
    strength = _STRENGTH[node.op]
    if node.op == "^":  # right-associative: (x^y)^z needs parentheses, x^(y^z) is x^y^z
        return f"{_wrap(left, ATOM)}^{_wrap(right, ATOM)}", POWER
    # left-associative: the right operand of the same strength needs parentheses: a - (b - c)
    separator = f" {node.op} " if strength == SUM else node.op
    return f"{_wrap(left, strength)}{separator}{_wrap(right, strength + 1)}", strength
