"""Expression: parsed text that evaluates, differentiates and typesets itself through the core."""

from __future__ import annotations

from functools import cached_property

import numpy as np

from ..engine import Value
from . import compile as compiler
from . import symbolic, worked
from .nodes import CONSTANTS, FUNCTIONS, Name, Node, depth, postorder, to_text
from .parser import ExpressionError, parse_tree


def parse(text: str) -> Expression:
    """The Expression of text, e.g. parse('3x^3*z - y^2 + 5z + 2y*z').

    Raises ExpressionError (a ValueError) saying what is wrong and at which column.
    """
    return Expression(parse_tree(text))


class Expression:
    """A function of named variables, written as text.

    >>> f = parse("x*y")
    >>> f.variables, f.evaluate(x=2, y=3), f.gradient(x=2, y=3)
    (('x', 'y'), 6.0, {'x': 3.0, 'y': 2.0})
    >>> f.partial("x").text          # f = x*y; df/dx = y
    'y'
    """

    def __init__(self, tree: Node, variables: tuple[str, ...] = ()) -> None:
        """An expression of a parsed tree; variables may add names it does not use.

        (A partial derivative keeps its function's variables: d(x*y)/dx = y is still
        evaluated at some (x, y).)
        """
        self.tree = tree
        self._order = postorder(tree)
        self._program = compiler.compile_tree(self._order)
        names = {n.name for n in self._order if isinstance(n, Name) and n.name not in CONSTANTS}
        names.update(variables)
        self.variables: tuple[str, ...] = tuple(sorted(names))
        self.text: str = to_text(self._order)  # normalized; parse(text) reads it back

    # -- numbers, all computed by the core -----------------------------------------------------

    def evaluate(self, /, **values) -> float | np.ndarray:
        """f at the given values: a float for numbers, an array for arrays (broadcast together).

        Out-of-domain points give nan or inf (log(-1) -> nan, 1/0 -> inf), never an error.
        """
        checked = compiler.check_values(self.variables, values)
        out, _ = compiler.build(self._program, checked)
        if all(type(value) is float for value in checked.values()):
            return compiler.as_float(out.data)
        shape = compiler.common_shape(checked)
        data = out.data
        return data if np.shape(data) == shape else np.broadcast_to(data, shape).copy()

    def gradient(self, /, **values) -> dict[str, float | np.ndarray]:
        """name -> the partial derivative at the values, by the core's backward pass.

        f = x*y at (2, 3): {'x': 3.0, 'y': 2.0}. Arrays give the partials at every point.
        """
        checked = compiler.check_values(self.variables, values)
        return compiler.gradient(self._program, checked)

    def summary(self, /, **values) -> str:
        """The key numbers at a point as plain text: f, each partial (symbolic, then its
        value from the core's backward pass) and the gradient vector."""
        point = ", ".join(f"{name} = {_number(values[name])}" for name in values)
        partials = self.gradient(**values)
        lines = [f"f({', '.join(self.variables)}) = {self.text}", f"at {point}:",
                 f"  f = {_number(self.evaluate(**values))}"]
        for name in self.variables:
            symbolic, number = self.partial(name).text, _number(partials[name])
            shown = number if symbolic == number else f"{symbolic} = {number}"
            lines.append(f"  ∂f/∂{name} = {shown}")
        gradient = ", ".join(_number(partials[name]) for name in self.variables)
        lines.append(f"  gradient ∇f = ({gradient})")
        return "\n".join(lines)

    def graph(self, /, **values) -> Value:
        """The output Value of a fresh core graph at the values.

        Its leaves are one Value per variable, labelled with the name and shared by every use,
        and one Value per constant, labelled with its text ('3', 'pi'). Call
        out.backward(record=True) to see the chain rule; find the leaves with build().
        """
        return self.build(**values)[0]

    def build(self, /, **values) -> tuple[Value, dict[str, Value]]:
        """(output Value, {variable name: its leaf Value}) of a fresh core graph."""
        checked = compiler.check_values(self.variables, values)
        return compiler.build(self._program, checked)

    # -- symbols, by SymPy ---------------------------------------------------------------------

    def partial(self, name: str) -> Expression:
        """The partial derivative d self / d name, worked symbolically.

        f = 2x + 3y^2: partial('x') is 2, partial('y') is 6*y. A name the expression does not
        use gives 0. The partial keeps this expression's variables, so it is evaluated at the
        same values (parse('x*y').partial('x') is y, with variables ('x', 'y')).
        relu, max, min and abs differentiate to step and sign, with gradlab's
        convention at the kink (d relu(x)/dx = step(x), which is 0 at x = 0).
        """
        if not isinstance(name, str) or not name.isidentifier() or not name.isascii():
            raise ExpressionError(f"partial() needs a variable name such as 'x', got {name!r}")
        if name in FUNCTIONS or name in CONSTANTS:
            raise ExpressionError(f"{name!r} is a {'function' if name in FUNCTIONS else 'constant'}"
                                  ", not a variable")
        cache = self.__dict__.setdefault("_partials", {})
        if name not in cache:
            cache[name] = _known(("partial", self.variables, name), self,
                                 lambda: self._partial(name))
        return cache[name]

    def check_symbolic(self) -> int:
        """The expression's number of parts (nodes); ExpressionError if it is too large or too
        deeply nested for symbolic work (the limits in symbolic.py). SymPy is not imported."""
        symbolic.check_size(self._order, depth(self._order))
        return len(self._order)

    def _derivative(self, name: str):
        return self._sympy().diff(symbolic.kit().sympy.Symbol(name))

    def _partial(self, name: str) -> Expression:
        derivative = self._derivative(name)
        size = symbolic.result_size(derivative, symbolic.MAX_RESULT_NODES)
        if size > symbolic.MAX_RESULT_NODES:
            raise ExpressionError(f"the partial derivative with respect to {name} is too large "
                                  f"to show (more than {symbolic.MAX_RESULT_NODES} parts)")
        result = Expression(symbolic.from_sympy(derivative), self.variables)
        result.__dict__["_sympy_expression"] = derivative
        result.__dict__["_origin"] = (self, name)
        return result

    def _sympy(self):
        """This expression in SymPy (computed once; refused when too large for SymPy). A
        partial's is SymPy's derivative of its function, also when the table gave its tree."""
        if "_sympy_expression" not in self.__dict__ and "_origin" in self.__dict__:
            source, name = self.__dict__["_origin"]
            self.__dict__["_sympy_expression"] = source._derivative(name)
        if "_sympy_expression" not in self.__dict__:
            self.check_symbolic()
            try:
                expr = symbolic.to_sympy(self._order, compiler.constant_value)
            except RecursionError:
                raise ExpressionError("expression is nested too deeply for symbolic work"
                                      ) from None
            self.__dict__["_sympy_expression"] = expr
        return self.__dict__["_sympy_expression"]

    @cached_property
    def latex(self) -> str:
        """LaTeX for the expression (SymPy's layout: 3x^3*z - y^2 -> 3 x^{3} z - y^{2}).

        A partial's LaTeX is its derivative's as SymPy worked it (d(pi x^2)/dx: 2 \\pi x),
        which may differ from the LaTeX of its text parsed anew (2*pi*x: 6.28318530717959 x, pi's
        value): so it is known under its function and variable, not under its own text."""
        origin = self.__dict__.get("_origin")
        if origin is not None:
            source, name = origin
            return _known(("latex of partial", source.variables, name), source, self._latex)
        return _known(("latex",), self, self._latex)

    def _latex(self) -> str:
        try:
            expr = self._sympy()
        except ExpressionError:  # too large for SymPy: show the text itself
            return r"\mathtt{" + _escape(self.text) + "}"
        return symbolic.kit().sympy.latex(expr)

    # -- comparing and showing -----------------------------------------------------------------

    def __repr__(self) -> str:
        return f"Expression({self.text!r})"

    def __str__(self) -> str:
        return self.text

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Expression) and other.text == self.text

    def __hash__(self) -> int:
        return hash(self.text)

    def _repr_latex_(self) -> str:
        return f"${self.latex}$"


# SymPy's results, once per process rather than once per lab: (what, function's text) -> [(its
# tree, the result)]. A lesson's labs and exercises parse the same function again and again,
# and each new Expression asked SymPy anew (a second PartialsTable of one function took 10.7 ms,
# now 4.1 ms; benchmarks/README.md). The text is the key; the tree is compared too, since two
# trees may print the same text (-2*y and (-2)*y) and SymPy's answer is kept for the very tree
# it was worked from. Only expressions small enough for SymPy (MAX_NODES, MAX_DEPTH) are kept,
# and at most _KNOWN_LIMIT texts before the store starts afresh.
_known_results: dict[tuple, list[tuple[Node, object]]] = {}
_KNOWN_LIMIT = 2000


def _known(what: tuple, expression: Expression, work):
    """work() for this expression, or what it gave for an equal expression before (in this
    process, or when the lessons were built: worked.py)."""
    order = expression._order
    if len(order) > symbolic.MAX_NODES or depth(order) > symbolic.MAX_DEPTH:
        return work()  # too large for SymPy anyway (and for comparing trees quickly)
    if "_origin" in expression.__dict__:
        return work()  # a partial's SymPy form is its derivative's, not its text's: see latex
    key = (*what, expression.text)
    for tree, result in _known_results.get(key, ()):
        if tree == expression.tree:
            return result
    result = worked.look_up(what, expression.text, expression.tree)
    if result is None:
        result = work()
    elif what[0] == "partial":
        result = Expression(result, expression.variables)
        result.__dict__["_origin"] = (expression, what[2])  # its SymPy form, when asked
    if len(_known_results) >= _KNOWN_LIMIT:
        _known_results.clear()
    _known_results.setdefault(key, []).append((expression.tree, result))
    return result


def worked_out() -> dict[str, list]:
    """The symbolic results this process has worked out, as worked.py stores them: what
    tools/worked_table.py collects from a Run All of each lesson (with the table out of reach)."""
    entries: dict[str, list] = {}
    for (*what, text), found in _known_results.items():
        for tree, result in found:
            name, pair = worked.entry(tuple(what), text, tree,
                                      result.tree if isinstance(result, Expression) else result)
            entries.setdefault(name, []).append(pair)
    return entries


def _number(x) -> str:
    """Six significant digits: stable from machine to machine, enough to read."""
    text = f"{float(x):.6g}"
    return "0" if text == "-0" else text


def _escape(text: str) -> str:
    return text.replace("\\", r"\\").replace("{", r"\{").replace("}", r"\}").replace("^", r"\hat{}")
