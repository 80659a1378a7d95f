"""The expression tree: five immutable node types, an iterative walk, and the normalized text.

Every walk over a tree is iterative (a stack, never recursion): a 2,000-character sum such as
`x + x + ... + x` is a chain 1,000 nodes deep, deeper than Python's recursion allows.
The printer here (`operator_text`, `number_text`) is gradlab's one way of writing a formula:
paths.py writes a core graph's formulas and its chain-rule steps with it too.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from .. import ops

# name -> number of arguments, for every primitive the registry (ops.py) marks a function
FUNCTIONS: dict[str, int] = {name: len(op.partials) for name, op in ops.FUNCTIONS.items()}
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


def number_text(value: float, short: bool = False) -> str:
    """3.0 -> '3', 0.5 -> '0.5'. Exact by default: parse() reads the text back to the same float
    (1/3 -> '0.3333333333333333', 1e20 -> '1e+20', inf -> '1e999', nan -> '(0/0)').
    short=True: six significant digits for a label a learner reads on a graph or in a
    chain-rule formula (1/3 -> '0.333333', inf -> 'inf'), where exactness would only clutter."""
    if short:
        return f"{value:g}"
    if math.isnan(value):
        return "(0/0)"
    if math.isinf(value):
        return "1e999" if value > 0 else "-1e999"
    if value == int(value) and abs(value) < 1e15:
        return str(int(value))
    return repr(value)


# -- the normalized text: one space around + and -, none around * / ^ -----------------------------

# Binding strength: a sum binds loosest, then products, unary minus, powers, atoms. Only the
# order counts (and PRODUCT = SUM + 1, UNARY = PRODUCT + 1); the computation graph's view
# reads ATOM to decide when a name needs brackets.
SUM, PRODUCT, UNARY, POWER, ATOM = 4, 5, 6, 7, 9
_STRENGTH = {"+": SUM, "-": SUM, "*": PRODUCT, "/": PRODUCT, "^": POWER}


def to_text(order: list[Node], names: dict[str, tuple[str, int]] | None = None) -> str:
    """Text that parse() reads back to an equal function, with only the parentheses it needs.

    Printing the text of that parse gives the same text again. `names` writes a variable as
    given text of a given strength: the rule 'step(a - b)' with a as ('x*y', PRODUCT) and b as
    ('z', ATOM) reads 'step(x*y - z)'.
    """
    if not names:
        return fold(order, _text_of)[0]

    def text_of(node: Node, args: list[tuple[str, int]]) -> tuple[str, int]:
        if isinstance(node, Name) and node.name in names:
            return names[node.name]
        return _text_of(node, args)
    return fold(order, text_of)[0]


def _wrap(part: tuple[str, int], needed: int) -> str:
    text, strength = part
    return f"({text})" if strength < needed else text


def operator_text(op: str, args: list[tuple[str, int]]) -> tuple[str, int]:
    """The text and strength of op applied to operands given as (text, strength): op is one of
    + - * / ^, 'neg' (unary minus) or a function's name."""
    if op == "neg":
        # -2*y reads back as (-2)*y: the same number; but -(-x) rather than --x
        text, _ = args[0]
        return "-" + (f"({text})" if text.startswith("-") else _wrap(args[0], PRODUCT)), UNARY
    if op not in _STRENGTH:
        return f"{op}({', '.join(text for text, _ in args)})", ATOM
    left, right = args
    if op == "^":  # (x^y)^z and x^(y^z) both keep their parentheses; so does x^(-1)
        return f"{_wrap(left, ATOM)}^{_wrap(right, ATOM)}", POWER
    # left-associative: the right operand of the same strength needs parentheses: a - (b - c)
    strength = _STRENGTH[op]
    separator = f" {op} " if strength == SUM else op
    return f"{_wrap(left, strength)}{separator}{_wrap(right, strength + 1)}", strength


def _text_of(node: Node, args: list[tuple[str, int]]) -> tuple[str, int]:
    if isinstance(node, Number):
        return node.text, ATOM
    if isinstance(node, Name):
        return node.name, ATOM
    if isinstance(node, Call):
        return operator_text(node.function, args)
    if isinstance(node, Neg):
        return operator_text("neg", args)
    return operator_text(node.op, args)
