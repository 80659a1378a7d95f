"""Reading what a learner typed: the verdict (Result), the limits, and text -> a number, a list
of numbers or a formula. Nothing is evaluated as Python: text goes through gradlab's parser, and
anything too long, too large or too deeply nested is refused before any work is done on it."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..expression import Expression, ExpressionError, parse
from ..expression.nodes import CONSTANTS, Binary, Name, depth, is_numeric, postorder
from ..expression.parser import tokenize

MAX_LENGTH = 200  # characters in one answer box (a gradient's box: 300)
MAX_PARTS = 100  # numbers, names and operations in a formula
MAX_DEPTH = 40  # levels of nesting in a formula (a sum of n terms is n levels)
MAX_EXPONENT = 20  # |n| in x^n: the course's partials need 9 at most; x^99999999 is refused

# characters a learner may paste from a page, read as the ASCII the parser knows
_LOOKALIKES = str.maketrans({"−": "-", "–": "-", "×": "*", "·": "*", "∗": "*", "²": "^2",
                             "³": "^3"})


@dataclass(frozen=True)
class Result:
    """The verdict on one answer.

    correct: the answer is right. message: what to tell the learner (no answer given away).
    understood: False when the answer could not be judged (empty, unreadable, too long, a name f
    does not have); a widget does not count such an answer as a try.
    wrong: the parts that are wrong: a gradient's components ('y'), a formula's extra terms,
    a choice's wrongly chosen options.
    how: for a right formula, 'sympy' (SymPy expanded the difference to 0) or 'points' (SymPy
    could not, and the two agree at every sample point; see FormulaProblem).
    """

    correct: bool
    message: str
    understood: bool = True
    wrong: tuple[str, ...] = ()
    how: str = ""

    def __bool__(self) -> bool:
        return self.correct


def unreadable(message: str) -> Result:
    """The verdict on an answer that could not be judged (it does not count as a try)."""
    return Result(False, message, understood=False)


def show(value: float) -> str:
    """A number as the learner would type it: 6 significant digits, no '-0'."""
    if math.isnan(value):
        return "undefined"
    if math.isinf(value):
        return "infinity" if value > 0 else "-infinity"
    text = f"{value:.6g}"
    return "0" if text == "-0" else text


def close(value: float, expected: float, tolerance: float) -> bool:
    """|value - expected| <= tolerance * max(1, |expected|): relative, absolute near 0."""
    return math.isfinite(value) and abs(value - expected) <= tolerance * max(1.0, abs(expected))


def text_of(answer: Any, limit: int = MAX_LENGTH) -> str | Result:
    """The answer as clean text, or the verdict that it is empty or too long (checked first, so
    10,000 characters are refused at once)."""
    if answer is None:
        return unreadable("type an answer first")
    text = answer if isinstance(answer, str) else str(answer)
    if len(text) > limit:
        return unreadable(f"your answer is {len(text):,} characters long; an answer here is at "
                          f"most {limit}")
    text = text.translate(_LOOKALIKES).strip()
    return text if text else unreadable("type an answer first")


def quoted(text: str) -> str:
    return f"“{text}”" if len(text) <= 40 else f"“{text[:37]}...”"


def number_of(answer: Any, wanted: str = "a number") -> float | Result:
    """A number typed as a number or as arithmetic without variables (3/4, 2^3, e^2 - 1).

    wanted says what the box asks for, in the message about a formula ("the value at x = 3").
    """
    if isinstance(answer, (bool, np.bool_)):
        return unreadable(f"{answer} is not a number")
    if isinstance(answer, (int, float, np.integer, np.floating)):
        value = float(answer)
        return value if math.isfinite(value) else unreadable(f"{show(value)} is not a finite "
                                                             "number")
    text = text_of(answer)
    if isinstance(text, Result):
        return text
    if "," in text:
        return unreadable(f"{quoted(text)} is not one number: type one number, with a point for "
                          "decimals (2.5, not 2,5)")
    if "=" in text:
        return unreadable("type only the number, without “=”")
    try:
        expression = parse(text)
    except ExpressionError as error:
        return unreadable(f"{quoted(text)} is not a number ({error.message}); type a number "
                          "such as 4, -0.5 or 3/4")
    if expression.variables:
        names = " and ".join(expression.variables)
        return unreadable(f"{quoted(text)} is a formula (it uses {names}); this box wants "
                          f"{wanted}")
    value = float(expression.evaluate())
    if not math.isfinite(value):
        return unreadable(f"{quoted(text)} is not a finite number (a division by zero, or too "
                          "large)")
    return value


def numbers_of(answer: Any, names: Sequence[str]) -> list[float] | Result:
    """One number per name: from text such as `27, 2, 12`, `[27, 2, 12]`, `(27, 2, 12)` or
    `27 2 12`, from a list of numbers, or from a mapping name -> number."""
    if isinstance(answer, Mapping):
        missing = [name for name in names if name not in answer]
        if missing:
            return unreadable(f"no value for {', '.join(missing)}")
        parts: list[Any] = [answer[name] for name in names]
    elif isinstance(answer, (list, tuple, np.ndarray)):
        parts = list(np.ravel(answer)) if isinstance(answer, np.ndarray) else list(answer)
    else:
        text = text_of(answer, limit=MAX_LENGTH + 100)
        if isinstance(text, Result):
            return text
        parts = _split(text)
    if len(parts) != len(names):
        partials = ", ".join(f"∂f/∂{name}" for name in names)
        return unreadable(f"the gradient has {len(names)} components ({partials}, in that "
                          f"order), separated by commas; yours has {len(parts)}")
    values = []
    for name, part in zip(names, parts, strict=True):
        if isinstance(part, str) and not part.strip():
            return unreadable(f"the {name} component is empty")
        value = number_of(part, wanted="a number at the point")
        if isinstance(value, Result):
            return unreadable(f"the {name} component: {value.message}")
        values.append(value)
    return values


_PLAIN_NUMBER = r"[-+]?[\d.]+(?:[eE][-+]?\d+)?"
_PLAIN_NUMBERS = re.compile(rf"\s*{_PLAIN_NUMBER}(?:\s+{_PLAIN_NUMBER})+\s*")


def _split(text: str) -> list[str]:
    """A list's parts at the commas (or semicolons) outside parentheses, without its brackets;
    numbers separated only by spaces are parts too."""
    if text[:1] in "([" and _closing(text) == len(text) - 1:
        text = text[1:-1]
    parts, level, start = [], 0, 0
    for i, char in enumerate(text):
        if char in "([":
            level += 1
        elif char in ")]":
            level -= 1
        elif char in ",;" and level == 0:
            parts.append(text[start:i])
            start = i + 1
    parts.append(text[start:])
    if len(parts) == 1 and _PLAIN_NUMBERS.fullmatch(text):
        return text.split()
    return parts


def _closing(text: str) -> int:
    """The index of the bracket closing the one at text[0] (-1 when it is never closed)."""
    level = 0
    for i, char in enumerate(text):
        level += char in "(["
        level -= char in ")]"
        if level == 0:
            return i
    return -1


def formula_of(answer: Any, variables: Sequence[str]) -> Expression | Result:
    """A learner's formula as an Expression over `variables` (the function's), or the verdict that
    it cannot be judged: empty, too long, unreadable, too large for SymPy, an exponent above
    MAX_EXPONENT, or a name that is not one of `variables`. A variable right before "(" is
    multiplied, as learners write 2x(x + y) (the language alone would read x( as a call)."""
    text = answer.text if isinstance(answer, Expression) else text_of(answer)
    if isinstance(text, Result):
        return text
    if "=" in text:
        return unreadable("type only the formula itself, without “∂f/∂… =”")
    text = _times_before_parentheses(text, variables)
    try:
        tree = parse(text).tree
    except ExpressionError as error:
        return unreadable(f"could not read your formula: {error}")
    order = postorder(tree)
    unknown = sorted({node.name for node in order if isinstance(node, Name)
                      and node.name not in CONSTANTS and node.name not in variables})
    if unknown:
        have = " and ".join(variables) if variables else "no variables"
        guess = [name.lower() for name in unknown if name.lower() in variables]
        products = [split for split in (_split_name(name, variables) for name in unknown)
                    if split]
        maybe = (f" (names are case-sensitive: {', '.join(guess)}?)" if guess else
                 f" (to multiply, write {'*'.join(products[0])})" if products else "")
        return unreadable(f"your formula uses {' and '.join(unknown)}, but f has only "
                          f"{have}{maybe}")
    if len(order) > MAX_PARTS or depth(order) > MAX_DEPTH:
        return unreadable(f"your formula is too large to check (at most {MAX_PARTS} parts and "
                          f"{MAX_DEPTH} levels); a partial derivative here is much shorter")
    numeric = is_numeric(order)
    for node in order:
        if (isinstance(node, Binary) and node.op == "^" and numeric[id(node.right)]
                and not numeric[id(node)]):
            exponent = float(Expression(node.right).evaluate())
            if not abs(exponent) <= MAX_EXPONENT:  # also refuses nan
                return unreadable(f"the exponent {show(exponent)} is too large to check: "
                                  f"exponents up to {MAX_EXPONENT} are enough here")
    return Expression(tree, tuple(variables))


def _times_before_parentheses(text: str, variables: Sequence[str]) -> str:
    """2x(x + y) read as 2x*(x + y) when x is a variable (the language reads x( as a call)."""
    try:
        tokens = tokenize(text)
    except ExpressionError:
        return text  # parse() says what is wrong
    places = [after.column - 1 for token, after in zip(tokens, tokens[1:], strict=False)
              if token.kind == "name" and token.text in variables and after.text == "("]
    for place in reversed(places):
        text = f"{text[:place]}*{text[place:]}"
    return text


def _split_name(name: str, variables: Sequence[str]) -> list[str]:
    """xy -> ['x', 'y'] when the name is two or more variables run together, else []."""
    pieces: list[str] = []
    rest = name
    while rest:
        match = next((v for v in sorted(variables, key=len, reverse=True)
                      if rest.startswith(v)), None)
        if match is None:
            return []
        pieces.append(match)
        rest = rest[len(match):]
    return pieces if len(pieces) > 1 else []
