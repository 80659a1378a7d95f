"""Value, the node of a computation graph, and `backward`: the one place the chain rule is applied.

A Value holds a number (a Python float) or a float64 array, the primitive that made it and its
parents, in order. `backward` walks the graph in reverse topological order and, for each node,
multiplies the primitive's local derivatives (ops.py) by the node's upstream gradient, adding
each contribution to a parent's gradient. On request it records every step, so a view can show
`local x upstream = contribution` with the numbers that were really computed.

The functions of Values (exp, relu, softmax, ...) are in functions.py; the primitives' rules in
ops.py. (Over 350 lines: Value's operators, the backward pass and `_node`, the fast constructor
that must set exactly Value's `__slots__`, are kept in one file so they change together.)
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from . import ops
from .ops import NO_ARG, ONE, Op


class Step(NamedTuple):
    """One application of the chain rule, as recorded by `backward(record=True)`.

    contribution = local * upstream (for a matrix primitive, its vector-Jacobian product of
    upstream; `local` is then None), and `total` is the parent's gradient from this pass
    after the contribution was added, so accumulation on a reused node can be shown.
    """

    node: Value
    parent: Value
    index: int  # which entry of node.parents (x * x has entries 0 and 1, both x)
    local: object  # d node / d parent: a float or an array; None for a VJP rule
    upstream: object  # d out / d node
    contribution: object  # d out / d node * d node / d parent, summed to the parent's shape
    total: object  # the parent's gradient from this pass so far

    @property
    def rule(self) -> str:
        """The local derivative as text, e.g. 'b' for d(a*b)/da."""
        return self.node._rule.partials[self.index]


def _to_data(data) -> float | np.ndarray:
    """A number becomes a Python float; anything array-like, a float64 array (a copy)."""
    if type(data) is float:
        return data
    if isinstance(data, Value):
        data = data.data
    if isinstance(data, (bool, np.bool_)) or isinstance(data, (str, bytes)):
        raise TypeError(f"Value needs a number or an array of numbers, got {data!r}")
    if isinstance(data, (int, float, np.integer, np.floating)):
        return float(data)
    try:
        array = np.array(data, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"Value needs a number or an array of numbers, got {data!r}") from None
    if _holds_none(data):  # numpy would read None as nan
        raise TypeError(f"Value needs a number or an array of numbers, got {data!r}")
    return float(array) if array.ndim == 0 else array


def _holds_none(data) -> bool:
    if data is None:
        return True
    return isinstance(data, (list, tuple)) and any(_holds_none(item) for item in data)


def _zeros_like(data) -> float | np.ndarray:
    return 0.0 if type(data) is float else np.zeros(data.shape)


class Value:
    """A node of a computation graph: a number or an array, and the gradient of an output.

    >>> x = Value(3.0, label="x"); y = x * x + 1
    >>> y.backward(); x.grad          # d(x^2 + 1)/dx = 2x
    6.0
    """

    __slots__ = ("data", "_grad", "label", "parents", "_rule", "_arg", "_up", "is_constant",
                 "__weakref__")
    __array_ufunc__ = None  # numpy_array * Value and numpy_array @ Value defer to Value

    def __init__(self, data, label: str = "") -> None:
        self.data = _to_data(data)
        self._grad = None  # zeros, made when first read (most nodes' grads are never zeros)
        self.label = str(label)
        self.parents: tuple[Value, ...] = ()
        self._rule: Op | None = None
        self._arg = NO_ARG
        self._up = None
        self.is_constant = False

    @classmethod
    def constant(cls, data, label: str = "") -> Value:
        """A number written into a formula (the 3 of 3*x), not a variable: backward passes it
        by, so its grad stays zero. Plain numbers and arrays in an expression become these."""
        value = cls(data, label)
        value.is_constant = True
        return value

    @property
    def grad(self) -> float | np.ndarray:
        """d out / d self, summed over every backward pass since the last reset (zeros before)."""
        if self._grad is None:
            self._grad = _zeros_like(self.data)
        return self._grad

    @grad.setter
    def grad(self, value) -> None:
        self._grad = value

    # -- what a node is ------------------------------------------------------------------------

    @property
    def op(self) -> str:
        """The primitive's name ('' for a leaf)."""
        return self._rule.name if self._rule is not None else ""

    @property
    def arg(self):
        """The primitive's constant setting (the n of x**n, an axis), or None."""
        return None if self._arg is NO_ARG else self._arg

    @property
    def shape(self) -> tuple[int, ...]:
        return np.shape(self.data)

    @property
    def _prev(self) -> set[Value]:  # micrograd's name for the parents, used by its draw_dot
        return set(self.parents)

    @property
    def _op(self) -> str:  # micrograd's name for the operation
        return self.op

    def __repr__(self) -> str:
        label = f", label={self.label!r}" if self.label else ""
        if type(self.data) is float:
            return f"Value(data={self.data!r}, grad={self.grad!r}{label})"
        return f"Value(shape={self.data.shape}{label})"

    def __float__(self) -> float:
        return float(self.data)

    # -- operators -----------------------------------------------------------------------------

    def __add__(self, other):
        return _binary(ops.ADD, self, other)

    def __radd__(self, other):
        return _binary(ops.ADD, other, self)

    def __sub__(self, other):
        return _binary(ops.SUB, self, other)

    def __rsub__(self, other):
        return _binary(ops.SUB, other, self)

    def __mul__(self, other):
        return _binary(ops.MUL, self, other)

    def __rmul__(self, other):
        return _binary(ops.MUL, other, self)

    def __truediv__(self, other):
        return _binary(ops.DIV, self, other)

    def __rtruediv__(self, other):
        return _binary(ops.DIV, other, self)

    def __pow__(self, other):
        if isinstance(other, Value):
            return apply(ops.POW, self, other)
        if isinstance(other, (int, float, np.integer, np.floating)) and not isinstance(other, bool):
            return apply(ops.POWC, self, arg=float(other))  # x ** 2: one parent, n a constant
        return NotImplemented

    def __rpow__(self, other):
        return _binary(ops.POW, other, self)

    def __matmul__(self, other):
        return _binary(ops.MATMUL, self, other)

    def __rmatmul__(self, other):
        return _binary(ops.MATMUL, other, self)

    def __neg__(self):
        return apply(ops.NEG, self)

    def __abs__(self):
        return apply(ops.ABS, self)

    # -- methods -------------------------------------------------------------------------------

    def relu(self) -> Value:
        """max(x, 0); d/dx is 1 where x > 0, else 0."""
        return apply(ops.RELU, self)

    def exp(self) -> Value:
        return apply(ops.EXP, self)

    def log(self) -> Value:
        return apply(ops.LOG, self)

    def tanh(self) -> Value:
        return apply(ops.TANH, self)

    def sigmoid(self) -> Value:
        return apply(ops.SIGMOID, self)

    def sqrt(self) -> Value:
        return apply(ops.SQRT, self)

    def sin(self) -> Value:
        return apply(ops.SIN, self)

    def cos(self) -> Value:
        return apply(ops.COS, self)

    def sum(self, axis: int | tuple[int, ...] | None = None) -> Value:
        return apply(ops.SUM, self, arg=_check_axis(axis, self.data))

    def mean(self, axis: int | tuple[int, ...] | None = None) -> Value:
        return apply(ops.MEAN, self, arg=_check_axis(axis, self.data))

    # -- the graph -----------------------------------------------------------------------------

    def topological_order(self) -> list[Value]:
        """Every node this one depends on, each after its parents (an iterative walk)."""
        order: list[Value] = []
        seen = {self}
        stack = [(self, iter(self.parents))]
        while stack:
            node, parents = stack[-1]
            for parent in parents:
                if parent not in seen:
                    seen.add(parent)
                    stack.append((parent, iter(parent.parents)))
                    break
            else:
                stack.pop()
                order.append(node)
        return order

    def zero_grad(self) -> None:
        """Reset the gradient of every node of this graph to zero."""
        for node in self.topological_order():
            node._grad = None

    def backward(self, grad=None, *, record: bool = False) -> list[Step] | None:
        """Reverse mode from this node: add d self / d node to the .grad of every node reached.

        grad is d out / d self (1 for a scalar; required, of the same shape, for an array).
        With record=True, returns the chain-rule steps in the order they were applied.
        """
        seed = _seed(grad, self.data)
        order = self.topological_order()
        for node in order:
            node._up = None
        self._up = seed
        steps: list[Step] | None = [] if record else None
        _backward_quietly(order, steps)  # 0 * inf in a contribution is nan, quietly
        return steps


def _backward(order: list[Value], steps: list[Step] | None) -> None:
    """The chain rule from order[-1] back, then each node's pass added to its .grad."""
    _propagate(order, steps)
    for node in order:
        up, node._up = node._up, None
        if up is None:
            continue
        if node._grad is not None:
            node._grad = node._grad + up
        elif node.parents or type(up) is float:
            node._grad = up
        else:  # a leaf's grad is its own array, whatever flowed into it
            node._grad = np.array(up)


def _propagate(order: list[Value], steps: list[Step] | None) -> None:
    """The chain rule, node by node from the output back to the leaves."""
    unbroadcast = ops.unbroadcast
    for node in reversed(order):
        rule = node._rule
        upstream = node._up
        if rule is None or upstream is None:  # a leaf, or a node nothing flowed into
            continue
        parents = node.parents
        inputs = [parent.data for parent in parents]
        if node._arg is not NO_ARG:
            inputs.append(node._arg)
        locals_ = rule.local(node.data, *inputs) if rule.local is not None else None
        for index, parent in enumerate(parents):
            if parent.is_constant:
                continue  # a number of the formula: nobody asks how the output depends on it
            if locals_ is not None:
                # The chain rule: contribution = (d node / d parent) * (d out / d node)
                # (times a local derivative of exactly 1, the upstream itself: no copy).
                local = locals_[index]
                contribution = upstream if local is ONE else local * upstream
            else:  # a matrix primitive's rule gives the product directly (a VJP)
                local = None
                contribution = rule.vjp[index](upstream, node.data, *inputs)
            if type(contribution) is not float:
                data = inputs[index]
                shape = () if type(data) is float else data.shape
                if contribution.shape != shape:
                    contribution = unbroadcast(contribution, shape)
            total = parent._up
            parent._up = contribution if total is None else total + contribution
            if steps is not None:
                if isinstance(local, np.ndarray) and local.dtype == bool:
                    local = local.astype(np.float64)  # a mask of 1s and 0s, as numbers
                steps.append(Step(node, parent, index, local, upstream, contribution,
                                  parent._up))


_backward_quietly = ops._quietly(_backward)


def _seed(grad, data):
    if grad is None:
        if type(data) is not float:
            raise ValueError(
                f"backward() of an array of shape {data.shape} needs grad=, the gradient of "
                "the final output with respect to it (an array of the same shape); "
                "a scalar output can call backward() with no argument")
        return 1.0
    grad = _to_data(grad)
    if np.shape(grad) != np.shape(data):
        raise ValueError(f"grad has shape {np.shape(grad)} but the output has shape "
                         f"{np.shape(data)}")
    return grad


def _check_axis(axis, data):
    if axis is None:
        return None
    ndim = np.ndim(data)
    axes = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
    for ax in axes:
        if not -ndim <= int(ax) < max(ndim, 1):
            raise ValueError(f"axis {ax} is out of range for data of shape {np.shape(data)}")
    return int(axis) if isinstance(axis, (int, np.integer)) else tuple(int(a) for a in axes)


def lift(x) -> Value:
    """A Value as is; a number or array as a constant leaf."""
    return x if isinstance(x, Value) else Value.constant(x)


def _binary(rule: Op, a, b):
    """An operator's node, or NotImplemented for an operand that is not a number or array."""
    try:  # the hot path of scalar graphs: no argument lists
        if not isinstance(a, Value):
            a = Value.constant(a)
        if not isinstance(b, Value):
            b = Value.constant(b)
    except TypeError:
        return NotImplemented
    return _node(rule, (a, b), rule.forward(a.data, b.data), NO_ARG)


def apply(rule: Op, *operands, arg=NO_ARG) -> Value:
    """A new node: rule's forward applied to the operands (numbers become constant leaves)."""
    parents = tuple([x if isinstance(x, Value) else Value.constant(x) for x in operands])
    inputs = [parent.data for parent in parents]
    data = rule.forward(*inputs) if arg is NO_ARG else rule.forward(*inputs, arg)
    return _node(rule, parents, data, arg)


def _node(rule: Op, parents: tuple[Value, ...], data, arg) -> Value:
    out = Value.__new__(Value)
    if type(data) is not float:
        if type(data) is not np.ndarray or data.dtype != np.float64:
            data = np.asarray(data, dtype=np.float64)
        if data.ndim == 0:
            data = float(data)
    out.data = data
    out._grad = None
    out.label = ""
    out.parents = parents
    out._rule = rule
    out._arg = arg
    out._up = None
    out.is_constant = False
    return out
