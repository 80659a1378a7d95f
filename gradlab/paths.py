"""The chain rule read off a recorded backward pass: the paths from an output down to an input,
each path's recorded local derivatives and their product, and the formula text of each node,
so a view can write dh/dx = dh/dg * dg/dx with the numbers the core really computed.

    steps = h.backward(record=True)
    sum(path.product for path in paths(steps, h, x)) == x.grad   # one term per path
"""

from __future__ import annotations

import math
from collections.abc import Collection
from dataclasses import dataclass
from functools import cache

import numpy as np

from .engine import Step, Value
from .expression.nodes import ATOM, UNARY, Node, number_text, operator_text, postorder
from .expression.nodes import to_text as tree_text
from .expression.parser import parse_tree

MAX_PATHS = 64  # a graph can have exponentially many paths; a learner reads only a few


@dataclass(frozen=True)
class ChainPath:
    """One route from a top node down to a bottom node: the recorded steps along it, top first.

    product = the product of the steps' local derivatives: this route's term of d top / d bottom.
    """

    steps: tuple[Step, ...]

    @property
    def locals(self) -> list:
        return [step.local for step in self.steps]

    @property
    def product(self) -> float:
        """prod(local_i); 1 for the empty path (d x / d x)."""
        if any(local is None for local in self.locals):
            raise ValueError("a matrix primitive's step has no local derivative, only a VJP")
        return float(math.prod(float(local) for local in self.locals))


def steps_by_node(steps: list[Step]) -> dict[int, list[Step]]:
    """The recorded steps grouped by the node that applied them (keyed by id(node))."""
    grouped: dict[int, list[Step]] = {}
    for step in steps:
        grouped.setdefault(id(step.node), []).append(step)
    return grouped


def paths(steps: list[Step], top: Value, bottom: Value, limit: int = MAX_PATHS) -> list[ChainPath]:
    """Every route from `top` down to `bottom` through the recorded steps (x*x has two routes
    to x). Raises ValueError past `limit` routes, rather than listing thousands."""
    grouped = steps_by_node(steps)
    found: list[ChainPath] = []
    stack: list[tuple[Value, tuple[Step, ...]]] = [(top, ())]
    while stack:
        node, route = stack.pop()
        if node is bottom:
            found.append(ChainPath(route))
            if len(found) > limit:
                raise ValueError(f"more than {limit} paths lead from the output to this input")
            continue
        for step in reversed(grouped.get(id(node), [])):  # reversed: pop in parent order
            stack.append((step.parent, route + (step,)))
    return found


def chain_product(steps: list[Step], top: Value, bottom: Value) -> float:
    """d top / d bottom = the sum over routes of the product of the recorded locals."""
    return float(sum(path.product for path in paths(steps, top, bottom)))


def is_variable(node: Value, variables: Collection[str] | None = None) -> bool:
    """A leaf named as a variable: its label is in `variables`, or, without that list, a name
    (constants may be labelled with their text, such as '3')."""
    if node.parents or not node.label:
        return False
    return node.label in variables if variables is not None else node.label.isidentifier()


def depends_on_variable(order: list[Value],
                        variables: Collection[str] | None = None) -> dict[int, bool]:
    """For each node (by id): does it depend on a variable?"""
    depends: dict[int, bool] = {}
    for node in order:
        depends[id(node)] = (is_variable(node, variables) if not node.parents
                             else any(depends[id(p)] for p in node.parents))
    return depends


def inner_node(out: Value, variables: Collection[str] | None = None) -> Value | None:
    """The inner function g of out = outer(g): walking down from the output through steps that
    are linear in their one variable input (+, -, negation, times or over a constant), the
    argument of the first non-linear primitive. For 3(2x^2)^5 that is 2x^2.

    None when there is no composition to split (x*y, sin(x), a constant).
    """
    depends = depends_on_variable(out.topological_order(), variables)
    node = out
    while node.parents:
        varying = [i for i, p in enumerate(node.parents) if depends[id(p)]]
        if len(varying) != 1:
            return None
        inner = node.parents[varying[0]]
        linear = node.op in ("+", "-", "neg") or (node.op == "*") or (
            node.op == "/" and varying == [0])
        if not linear:
            return inner if inner.parents else None
        node = inner
    return None


def structure_keys(out: Value) -> dict[int, tuple]:
    """A key per node (by id) equal for two nodes exactly when they compute the same formula:
    same operations, settings, variable names and constants."""
    keys: dict[int, tuple] = {}
    for node in out.topological_order():
        if node.parents:
            keys[id(node)] = (node.op, repr(node.arg), tuple(keys[id(p)] for p in node.parents))
        elif node.label:
            keys[id(node)] = ("var", node.label)
        else:
            keys[id(node)] = ("const", repr(node.data))
    return keys


def find_node(out: Value, pattern: Value) -> Value | None:
    """The node of out's graph that computes the same formula as `pattern` (another graph)."""
    wanted = structure_keys(pattern)[id(pattern)]
    keys = structure_keys(out)
    for node in out.topological_order():
        if keys[id(node)] == wanted:
            return node
    return None


# -- formula text: written by the expression language's printer (expression/nodes.py) -------------

_OPERATORS = {"pow": "^"}  # a**b of two nodes is the language's a^b; the rest keep their names


def _leaf_text(node: Value) -> tuple[str, int]:
    if node.label:
        return node.label, ATOM
    if np.ndim(node.data) != 0:
        return f"[array {node.data.shape}]", ATOM
    text = number_text(node.data, short=True)
    return (f"({text})", ATOM) if text.startswith("-") else (text, ATOM)


def _node_text(node: Value, operands: list[tuple[str, int]]) -> tuple[str, int]:
    if node.op == "**":  # x ** n: n is the node's setting, not a node of the graph
        return operator_text("^", [operands[0], _leaf_number(node.arg)])
    return operator_text(_OPERATORS.get(node.op, node.op), operands)


def formulas(out: Value, names: dict[int, str] | None = None) -> dict[int, tuple[str, int]]:
    """Each node's formula as text in gradlab's expression language (by id: (text, precedence)),
    built iteratively from the leaves; `names` (id -> name) writes a node as a name instead,
    e.g. {id(g): 'g'} turns 3*(2*x^2)^5 into 3*g^5."""
    names = names or {}
    texts: dict[int, tuple[str, int]] = {}
    for node in out.topological_order():
        if id(node) in names:
            texts[id(node)] = (names[id(node)], ATOM)
        elif not node.parents:
            texts[id(node)] = _leaf_text(node)
        else:
            texts[id(node)] = _node_text(node, [texts[id(p)] for p in node.parents])
    return texts


def formula(out: Value, names: dict[int, str] | None = None) -> str:
    """out's formula as text: formula(3 * (2 * x**2)**5) == '3*(2*x^2)^5'."""
    return formulas(out, names)[id(out)][0]


@cache
def _rule_tree(rule: str) -> list[Node]:
    """A registry's local derivative (text in a, b) as a tree, parsed once."""
    return postorder(parse_tree(rule))


def local_rule(step: Step, texts: dict[int, tuple[str, int]]) -> str:
    """The step's local derivative as a formula in the node's operands: the registry's rule
    (ops.py) with a and b replaced, e.g. 'y' for the step from x*y to x, or 'step(sin(x*y))'
    for the step from relu(sin(x*y)); '5*g^4' for the step from g^5 to g."""
    node = step.node
    operands = [texts[id(p)] for p in node.parents]
    if node.op == "**":  # the rule n*a^(n - 1) with n - 1 worked out: 5*g^4, not 5*g^(5 - 1)
        n = float(node.arg)
        if n == 2:
            return operator_text("*", [("2", ATOM), operands[0]])[0]
        power = operator_text("^", [operands[0], _leaf_number(n - 1)])
        return operator_text("*", [_leaf_number(n), power])[0]
    if step.local is None:  # a matrix primitive: its VJP, described in words
        return step.rule
    return tree_text(_rule_tree(step.rule), dict(zip(("a", "b"), operands, strict=False)))


def _leaf_number(n: float) -> tuple[str, int]:
    """A setting such as the n of x**n, as an operand: -1 binds as a unary minus."""
    text = number_text(n, short=True)
    return text, UNARY if text.startswith("-") else ATOM
