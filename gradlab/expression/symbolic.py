"""Symbolic partial derivatives and LaTeX, by SymPy (imported only when first needed).

Our tree is converted to SymPy by hand (never by sympify, which evaluates text as Python).
Every subtree without variables is first computed by the core and enters SymPy as one number,
so `9^9^9^9` becomes inf rather than an exact integer SymPy would try to build. Each function
of the language is SymPy's own where the registry (ops.py) names one (exp, log, ...), else a
SymPy function made here from its registry entry (relu, step, sign, sigmoid, softplus, abs,
max, min), differentiated by the entry's `partials`: so SymPy follows gradlab's conventions
at a kink (d relu(x)/dx = step(x), 0 at x = 0; d max(a, b)/da = step(a - b)).
"""

from __future__ import annotations

import math
import types
from fractions import Fraction
from functools import cache
from types import SimpleNamespace

from .. import ops
from .compile import constant_value
from .nodes import Binary, Call, Name, Neg, Node, Number, is_numeric, postorder
from .parser import ExpressionError, parse_tree

MAX_NODES = 200  # larger expressions are refused for symbolic work: SymPy could take seconds
MAX_DEPTH = 40  # SymPy's own recursion overflows on expressions nested ~100 deep
MAX_RESULT_NODES = 2000  # a partial derivative larger than this is refused, not typeset
MAX_EXACT_POWER = 1000  # (2x)^n expands to 2^n x^n: keep such exact integers modest
ARGUMENTS = ("a", "b")  # the inputs' names in the registry's formulas


@cache
def kit() -> SimpleNamespace:
    """sympy and our functions for it, made on first use so `import gradlab` skips sympy."""
    import sympy

    class _Ours(sympy.Function):
        """A function SymPy leaves alone (no automatic rewriting), written and differentiated
        as its registry entry `rule` says."""

        rule: ops.Op

        def fdiff(self, argindex=1):
            return partial_rule(self.rule.name, argindex - 1).xreplace(
                dict(zip(sympy.symbols(ARGUMENTS), self.args, strict=False)))

        def _latex(self, printer, exp=None):
            text = self.rule.latex
            for name, arg in zip(ARGUMENTS, self.args, strict=False):
                text = text.replace("{" + name + "}", printer._print(arg))
            return text if exp is None else rf"{text}^{{{exp}}}"

        def _sympystr(self, printer):
            return f"{self.rule.name}({', '.join(printer._print(a) for a in self.args)})"

    def ours(op: ops.Op) -> type:
        def body(namespace: dict) -> None:
            namespace.update(nargs=len(op.partials), rule=op)
        return types.new_class(op.name, (_Ours,), exec_body=body)

    functions = {name: getattr(sympy, op.sympy) if op.sympy else ours(op)
                 for name, op in ops.FUNCTIONS.items()}
    return SimpleNamespace(sympy=sympy, functions=functions)


@cache
def partial_rule(name: str, index: int):
    """The registry's d name / d input_index in SymPy, in the symbols a (and b)."""
    order = postorder(parse_tree(ops.TABLE[name].partials[index]))
    return to_sympy(order, constant_value)


def check_size(order: list[Node], tree_depth: int) -> None:
    if len(order) > MAX_NODES:
        raise ExpressionError(f"expression is too large for symbolic work ({len(order)} parts; "
                              f"the limit is {MAX_NODES})")
    if tree_depth > MAX_DEPTH:
        raise ExpressionError(f"expression is nested too deeply for symbolic work "
                              f"({tree_depth} levels; the limit is {MAX_DEPTH})")


def sympy_number(value: float, exact_limit: float = 1e15):
    """A float as SymPy shows it best: 9.0 -> 9, 0.5 -> 1/2, 0.1 -> 1/10, pi -> 3.14159..."""
    sympy = kit().sympy
    if math.isnan(value):
        return sympy.nan
    if math.isinf(value):
        return sympy.oo if value > 0 else -sympy.oo
    if value == int(value) and abs(value) < exact_limit:
        return sympy.Integer(int(value))
    fraction = Fraction(value).limit_denominator(1000)
    if float(fraction) == value and abs(fraction.numerator) < exact_limit:
        # value is the float nearest p/q: the text said p/q, or a number equal to it
        return sympy.Rational(fraction.numerator, fraction.denominator)
    return sympy.Float(value)


def to_sympy(order: list[Node], constant_value) -> object:
    """The SymPy expression of a tree (given in postorder).

    constant_value(node) -> the float the core computes for a subtree without variables.
    Each converted part carries its degree (how far exact integer powers multiply up), so
    (((2x)^10)^10)^10 keeps its exponents exact only while 2^n stays modest.
    """
    k = kit()
    sympy = k.sympy
    numeric = is_numeric(order)
    parts: list[tuple[object, int] | Node] = []  # (sympy expression, degree), or a numeric node

    def resolve(part):
        """A subtree without variables enters SymPy as the one number the core computes."""
        if not isinstance(part, tuple):
            if isinstance(part, Name):
                return (sympy.E if part.name == "e" else sympy.pi), 1
            return sympy_number(constant_value(part)), 1
        return part

    for node in order:
        count = len(node.children)
        args = parts[-count:] if count else []
        if count:
            del parts[-count:]
        if numeric[id(node)]:
            parts.append(node)  # converted only if a part with variables uses it
            continue
        if isinstance(node, Name):
            parts.append((sympy.Symbol(node.name), 1))
            continue
        if isinstance(node, Binary) and node.op == "^" and numeric[id(node.right)]:
            base, degree = resolve(args[0])
            n = constant_value(node.right)
            if abs(n) * degree <= MAX_EXACT_POWER or not math.isfinite(n):
                exponent = sympy_number(n)
                if exponent.is_Rational:
                    degree = max(degree * math.ceil(abs(n)), 1)
            else:
                exponent = sympy.Float(n)  # a Float exponent is never expanded exactly
            parts.append((base**exponent, degree))
            continue
        args = [resolve(arg) for arg in args]
        degrees = [degree for _, degree in args]
        if isinstance(node, Neg):
            parts.append((-args[0][0], degrees[0]))
        elif isinstance(node, Call):
            parts.append((k.functions[node.function](*(a for a, _ in args)), max(degrees)))
        else:
            (a, _), (b, _) = args
            if node.op == "+":
                expr = a + b
            elif node.op == "-":
                expr = a - b
            elif node.op == "*":
                expr = a * b
            elif node.op == "/":
                expr = a / b
            else:
                expr = a**b
            parts.append((expr, sum(degrees) if node.op in "*/" else max(degrees)))
    return resolve(parts[0])[0]


def result_size(expr, limit: int) -> int:
    """The number of parts of a SymPy expression, counting no further than limit + 1."""
    count = 0
    stack = [expr]
    while stack and count <= limit:
        node = stack.pop()
        count += 1
        stack.extend(node.args)
    return count


def from_sympy(expr) -> Node:
    """Our tree for a SymPy expression (the inverse of to_sympy, up to SymPy's rewriting)."""
    k = kit()
    sympy = k.sympy
    converted: dict[object, Node] = {}
    stack = [expr]
    while stack:  # children before parents, without recursion
        node = stack[-1]
        pending = [arg for arg in _parts(node, sympy) if arg not in converted]
        if pending:
            stack.extend(pending)
            continue
        stack.pop()
        if node not in converted:
            converted[node] = _convert(node, converted, k)
    return converted[expr]


def _parts(node, sympy) -> list:
    """The sub-expressions _convert needs converted first."""
    if isinstance(node, sympy.Mul):
        if node.could_extract_minus_sign():
            return [-node]
        numerator, denominator = _split_fraction(node, sympy)
        return [f for f in numerator + denominator if not f.is_Number]
    if isinstance(node, sympy.Add):
        return [_positive(term, sympy)[0] for term in node.args]
    if isinstance(node, sympy.Pow):
        base, exponent = node.args
        if exponent.is_Number and exponent.is_extended_negative:
            return [sympy.Pow(base, -exponent)]
        return [base] if exponent in (sympy.Rational(1, 2),) else [base, exponent]
    if node.is_Number or node.is_Symbol or node in (sympy.E, sympy.pi):
        return []
    return list(node.args)


def _split_fraction(node, sympy) -> tuple[list, list]:
    """A product's factors above and below the fraction bar, coefficient included."""
    numerator, denominator = [], []
    for factor in node.as_ordered_factors():
        if factor.is_Rational and factor.q != 1:
            if factor.p != 1:
                numerator.append(sympy.Integer(factor.p))
            denominator.append(sympy.Integer(factor.q))
        elif factor.is_Pow and factor.exp.is_Number and factor.exp.is_extended_negative:
            denominator.append(sympy.Pow(factor.base, -factor.exp))
        else:
            numerator.append(factor)
    return numerator, denominator


def _positive(term, sympy) -> tuple[object, bool]:
    """(term, False) or (-term, True) when term reads as negative, such as -2*y."""
    if term.could_extract_minus_sign():
        return -term, True
    return term, False


def _leaf_number(value, sympy) -> Node:
    """A SymPy number as a tree: negative numbers become Neg, fractions Div."""
    if value is sympy.nan:
        return Number(math.nan)
    if value in (sympy.oo, sympy.zoo):
        return Number(math.inf)
    if value == -sympy.oo:
        return Neg(Number(math.inf))
    if value.is_Rational and value.q != 1:
        node = Binary("/", Number(float(abs(value.p))), Number(float(value.q)))
    else:
        node = Number(abs(float(value)))
    return Neg(node) if value < 0 else node


def _chain(op: str, nodes: list[Node]) -> Node:
    result = nodes[0]
    for node in nodes[1:]:
        result = Binary(op, result, node)
    return result


def _convert(node, converted: dict, k) -> Node:
    sympy = k.sympy
    if node.is_Number:
        return _leaf_number(node, sympy)
    if node.is_Symbol:
        return Name(node.name)
    if node is sympy.E or node is sympy.pi:
        return Name("e" if node is sympy.E else "pi")
    if isinstance(node, sympy.Add):
        terms = [_positive(term, sympy) for term in node.as_ordered_terms()]
        terms.sort(key=lambda term: term[1])  # y - x rather than -x + y
        first, negative = terms[0]
        result = Neg(converted[first]) if negative else converted[first]
        for term, negative in terms[1:]:
            result = Binary("-" if negative else "+", result, converted[term])
        return result
    if isinstance(node, sympy.Mul):
        if node.could_extract_minus_sign():
            return Neg(converted[-node])
        numerator, denominator = _split_fraction(node, sympy)
        top = _chain("*", [_leaf_number(f, sympy) if f.is_Number else converted[f]
                           for f in numerator]) if numerator else Number(1.0)
        if not denominator:
            return top
        bottom = _chain("*", [_leaf_number(f, sympy) if f.is_Number else converted[f]
                              for f in denominator])
        return Binary("/", top, bottom)
    if isinstance(node, sympy.Pow):
        base, exponent = node.args
        if exponent.is_Number and exponent.is_extended_negative:
            return Binary("/", Number(1.0), converted[sympy.Pow(base, -exponent)])
        if exponent == sympy.Rational(1, 2):
            return Call("sqrt", (converted[base],))
        return Binary("^", converted[base], converted[exponent])
    for name, function in k.functions.items():
        if isinstance(function, type) and type(node) is function:
            return Call(name, tuple(converted[arg] for arg in node.args))
    if isinstance(node, sympy.Abs):
        return Call("abs", (converted[node.args[0]],))
    if isinstance(node, sympy.sign):
        return Call("sign", (converted[node.args[0]],))
    if isinstance(node, (sympy.DiracDelta, sympy.Heaviside)):
        raise ExpressionError(f"SymPy's result uses {type(node).__name__}, which gradlab cannot "
                              "show")
    raise ExpressionError(f"SymPy's result contains {node}, which gradlab cannot show")

