"""A formula exercise: the learner types a partial derivative, judged against Expression.partial.

How an answer is judged (FormulaProblem.check):
1. It is read by answers.formula_of: refused before any work if too long, too large, with an
   exponent above 20, or using a name f does not have.
2. The core evaluates it and the partial at 30 fixed pseudo-random points. A clear difference
   at one point makes it wrong; the learner is told at which point (a simple one such as
   (x, y) = (1, 2) where possible), that it is f or another partial, that the sign or a
   factor is off, or, for polynomials, which terms are extra, missing or off in their number
   (a missing term by its variables only, so the answer is not given away).
3. Otherwise SymPy checks that the difference expands to 0 (how = 'sympy'). It expands only
   when a bound on the expansion's size is small, so no answer can make it hang.
4. When SymPy cannot show it, the agreement at every point decides (how = 'points'). This is the
   fallback for kinked and special functions, which SymPy leaves unsimplified (relu, max, min,
   abs, step, sign, sigmoid: gradlab's own SymPy functions), and for forms expand does not
   cancel, such as (x^2 - 1)/(x - 1). The points are random floats, so they miss the kinks
   (relu at 0, max at a tie): a formula that differs from the partial only at a kink is accepted.
"""

from __future__ import annotations

import math
from functools import cached_property
from typing import Any

import numpy as np

from ..expression import Expression, ExpressionError, parse, symbolic
from .answers import Result, formula_of, show, unreadable

POINTS = 30  # sample points for the numerical comparison
SEED = 2024  # fixed: the same answer always gets the same verdict and message
AGREE = 1e-7  # relative difference below which two values at a point agree
MAX_EXPANDED_TERMS = 2000  # SymPy expands a difference only if it has at most this many terms
MAX_TERMS_SHOWN = 12  # terms compared one by one to tell the learner what is missing or extra
NICE_VALUES = (1.0, 2.0, 3.0, -1.0, -2.0, 0.5, 4.0, -3.0, 1.5, 0.0)
# A function of more parts than this has its partial worked out by SymPy when the exercise is
# made, so that a partial gradlab cannot show (over MAX_RESULT_NODES parts) is refused then. No
# smaller one comes near that limit: 1 500 random functions of at most 40 parts (powers, products,
# quotients, nested exp/log/sigmoid/max, ...) had partials of at most 385 parts. The lessons'
# formula exercises have 5-21 parts.
EAGER_PARTS = 40


class FormulaProblem:
    """Type the partial derivative of `expression` with respect to `partial`, as a formula.

    FormulaProblem("2x + 3y^2", "y").check("6y") is right (d/dy of 3y^2 is 6y, 2x is held
    fixed); "y*6", "6*y" and "3*2*y" are right too; "6" and "6x" are wrong, told where.
    expected is the core's symbolic partial (an Expression); shown is the same function in its
    shortest form (SymPy's simplify, when shorter) and answer_text is shown's text. Both are
    worked out when first read (a right answer, the answer shown, an answer key), not when the
    exercise is made, and so is expected itself: a lesson's first picture waits for neither
    SymPy's import nor its work (except for a function of more than EAGER_PARTS parts). Making
    the exercise checks, with the core's backward pass, that the partial is defined at enough
    sample points to judge answers.
    """

    kind = "formula"

    def __init__(self, expression: str | Expression, partial: str) -> None:
        self.expression = expression if isinstance(expression, Expression) else parse(expression)
        if partial not in self.expression.variables:
            raise ValueError(f"{partial!r} is not a variable of {self.expression.text}")
        self.partial = partial
        parts = self.expression.check_symbolic()  # too large for SymPy: refused now
        rng = np.random.default_rng(SEED)
        third = POINTS // 3  # some points positive (log, sqrt), some signed, some wider
        self.points = {name: np.concatenate([rng.uniform(0.3, 2.7, third),
                                             rng.uniform(-2.7, 2.7, third),
                                             rng.uniform(-6.0, 6.0, POINTS - 2 * third)])
                       for name in self.expression.variables}
        # the core's backward pass tells, without SymPy, whether answers can be checked at all
        backward = self.expression.gradient(**self.points)[partial]
        if np.count_nonzero(np.isfinite(backward)) < 3:
            raise ValueError(f"the partial ∂f/∂{partial} of {self.expression.text} is undefined "
                             "at almost every sample point: gradlab could not check answers "
                             "to it")
        if parts > EAGER_PARTS:
            self.expected  # noqa: B018  (worked out now: see EAGER_PARTS)

    @cached_property
    def expected(self) -> Expression:
        """The core's symbolic partial (Expression.partial, by SymPy), worked out when first
        needed: at the first answer checked or shown."""
        return self.expression.partial(self.partial)

    @cached_property
    def values(self) -> np.ndarray:
        """expected at the sample points, as one array."""
        return self.values_of(self.expected)

    @cached_property
    def shown(self) -> Expression:
        """The partial as an answer key shows it: its shortest form (`_simplest`)."""
        return _simplest(self.expected)

    @property
    def answer_text(self) -> str:
        """The partial as a learner would type it (shown's text)."""
        return self.shown.text

    def values_of(self, formula: Expression, points: dict | None = None) -> np.ndarray:
        """formula at the sample points (or the given ones), as one array."""
        points = self.points if points is None else points
        values = formula.evaluate(**{name: points[name] for name in formula.variables})
        size = len(next(iter(points.values())))
        return np.broadcast_to(np.asarray(values, dtype=float), (size,))

    def check(self, answer: Any) -> Result:
        """Judge a formula (text or Expression); see the module docstring for how."""
        formula = formula_of(answer, self.expression.variables)
        if isinstance(formula, Result):
            return formula
        try:
            self.values  # noqa: B018  (the partial, worked out at the first answer)
        except ExpressionError as error:
            return unreadable(f"gradlab cannot judge answers to this exercise: {error}")
        yours = self.values_of(formula)
        if _differ(yours, self.values).any():
            return self._wrong(formula, yours)
        shown = f"∂f/∂{self.partial} = {self.answer_text}"
        if _quietly(_sympy_equal, False, formula, self.expected):
            return Result(True, f"{shown} is right", how="sympy")
        return Result(True, f"{shown} is right (yours agrees with it everywhere gradlab "
                      "checked)", how="points")

    # -- telling a wrong formula where it differs ----------------------------------------------

    def _wrong(self, formula: Expression, yours: np.ndarray) -> Result:
        usable = np.isfinite(self.values)
        if np.all(~np.isfinite(yours[usable])):
            return Result(False, "your formula is undefined at every point gradlab tried "
                          "(a division by zero?)")
        other = _quietly(self._other_function, "", yours)
        if other:
            return Result(False, other)
        where = self._where(formula)
        relation = _relation(yours[usable], self.values[usable])
        if relation:  # yours = k * the partial: the terms differ only in their numbers
            return Result(False, f"{where}; {relation}")
        extra, sentences = _quietly(_term_difference, ((), []), formula, self.expected)
        return Result(False, "; ".join([where, *sentences]), wrong=extra)

    def _other_function(self, yours: np.ndarray) -> str:
        """'that is ∂f/∂x ...' when the answer is f itself or the partial by another variable."""
        wanted = f"∂f/∂{self.partial}"
        if not _differ(yours, self.values_of(self.expression)).any():
            return f"that is f itself; the question asks for its partial derivative {wanted}"
        for name in self.expression.variables:
            if name != self.partial and not _differ(yours, self._partial_values[name]).any():
                return (f"that is ∂f/∂{name} ({name} changing, {self.partial} held fixed); the "
                        f"question asks for {wanted}: {self.partial} changes, the others are "
                        "held fixed")
        return ""

    @cached_property
    def _partial_values(self) -> dict[str, np.ndarray]:
        return {name: self.values_of(self.expression.partial(name))
                for name in self.expression.variables}

    def _where(self, formula: Expression) -> str:
        """'at (x, y) = (1, 2) yours gives 6, the partial gives 12', at the simplest point found."""
        names = self.expression.variables
        for point in self._candidates():
            (mine,), (theirs,) = (self.values_of(f, point) for f in (formula, self.expected))
            if _differ(np.array([mine]), np.array([theirs])).all():
                place = (f"{names[0]} = {show(point[names[0]][0])}" if len(names) == 1 else
                         f"({', '.join(names)}) = "
                         f"({', '.join(show(point[name][0]) for name in names)})")
                return f"at {place} yours gives {show(mine)}, the partial gives {show(theirs)}"
        return "yours differs from the partial"  # unreachable: the sample points are candidates

    def _candidates(self):
        """Simple points first ((1, 2, 3, ...), all 1, all 2, ...), then the sample points
        rounded to one decimal, then the sample points themselves."""
        names = self.expression.variables
        yield {name: [float(i + 1)] for i, name in enumerate(names)}
        for shift in range(len(NICE_VALUES)):
            yield {name: [NICE_VALUES[(i + shift) % len(NICE_VALUES)]]
                   for i, name in enumerate(names)}
            yield {name: [NICE_VALUES[shift]] for name in names}
        for rounding in (1, None):
            for k in range(POINTS):
                yield {name: [float(self.points[name][k] if rounding is None
                                    else round(self.points[name][k], rounding))]
                       for name in names}


def _differ(yours: np.ndarray, expected: np.ndarray) -> np.ndarray:
    """Where two formulas clearly differ: both finite and apart, or yours undefined where the
    partial is defined. Points where the partial is undefined say nothing."""
    both = np.isfinite(yours) & np.isfinite(expected)
    with np.errstate(invalid="ignore", over="ignore"):
        scale = np.maximum(1.0, np.maximum(np.abs(yours), np.abs(expected)))
        apart = both & (np.abs(yours - expected) > AGREE * scale)
    return apart | (~np.isfinite(yours) & np.isfinite(expected))


def _relation(yours: np.ndarray, expected: np.ndarray) -> str:
    """'the sign is wrong' or 'yours is 2 times the partial' when that holds at every point."""
    if not np.all(np.isfinite(yours)) or not np.any(expected != 0):
        return ""
    if not _differ(-yours, expected).any():
        return "the sign is wrong"
    nonzero = expected != 0
    ratios = yours[nonzero] / expected[nonzero]
    if np.all(yours[~nonzero] == 0) and np.ptp(ratios) <= AGREE * max(1.0, abs(ratios[0])):
        factor = float(ratios[0])
        if abs(factor) >= 1 and math.isfinite(factor):
            return f"yours is {show(factor)} times the partial"
        if factor != 0:
            return f"the partial is {show(1 / factor)} times yours"
    return ""


# -- SymPy: proof of equality, which terms differ, the simplest form ---------------------------

MAX_SIMPLIFIED_PARTS = 60  # the exercise's own partial is simplified only up to this size


def _simplest(expected: Expression) -> Expression:
    """The partial as SymPy's simplify writes it when that is shorter: the softmax
    cross-entropy partial -(e^a/s - e^(2a)/s^2)*s*e^(-a) becomes -(e^b + e^c)/s. Only the
    exercise's own partial is simplified (never a learner's answer), and only when small."""
    expression = expected._sympy()
    if symbolic.result_size(expression, MAX_SIMPLIFIED_PARTS) > MAX_SIMPLIFIED_PARTS:
        return expected
    try:
        simpler = Expression(symbolic.from_sympy(symbolic.kit().sympy.simplify(expression)),
                             expected.variables)
    except (ArithmeticError, ValueError, TypeError, RecursionError):  # a form we cannot show
        return expected
    return simpler if len(simpler.text) < len(expected.text) else expected


def _quietly(work, fallback, *args):
    """work(*args), or fallback when SymPy or our conversion gives up on an unusual answer
    (too large for symbolic work, a number too large for a float, a part gradlab cannot show):
    the numerical comparison has already judged it."""
    try:
        return work(*args)
    except (ArithmeticError, ValueError, TypeError, RecursionError):  # ExpressionError too
        return fallback


def _sympy_equal(formula: Expression, expected: Expression) -> bool:
    """True when SymPy shows formula - expected is 0 (expanding it only when that is small)."""
    difference = formula._sympy() - expected._sympy()
    if difference == 0:
        return True
    if _expanded_terms(difference) > MAX_EXPANDED_TERMS:
        return False
    return symbolic.kit().sympy.expand(difference) == 0


def _term_difference(formula: Expression, expected: Expression) -> tuple[tuple[str, ...],
                                                                            list[str]]:
    """(your extra terms, sentences on the terms that are extra, off in their number or
    missing), from the expanded sums; nothing when they are too large to compare term by term.
    A missing term is described by its variables only, so the answer is not given away."""
    yours, theirs = _terms(formula._sympy()), _terms(expected._sympy())
    if yours is None or theirs is None:
        return (), []
    extra = tuple(_text(coefficient * rest) for rest, coefficient in yours.items()
                  if rest not in theirs)
    sentences = [f"yours has {_term_word(rest)} {_text(coefficient * rest)}, which the partial "
                 "does not have" for rest, coefficient in yours.items() if rest not in theirs]
    for rest, coefficient in yours.items():
        if rest in theirs and abs(float(coefficient) - float(theirs[rest])) > AGREE * max(
                1.0, abs(float(theirs[rest]))):
            sentences.append("the number on its own is not right" if rest == 1 else
                             f"the number in front of {_text(rest)} is not right")
    missing: dict[tuple[str, ...], int] = {}  # told by their variables only: no answer given
    for rest in theirs:
        if rest not in yours:
            names = tuple(sorted(str(symbol) for symbol in rest.free_symbols))
            missing[names] = missing.get(names, 0) + 1
    for names, count in missing.items():
        if not names:
            sentences.append("a number on its own is missing")
        else:
            terms = "a term" if count == 1 else f"{count} terms"
            sentences.append(f"{terms} with {_listed(list(names))} "
                             f"{'is' if count == 1 else 'are'} missing")
    return extra, sentences


def _listed(names: list[str]) -> str:
    """x; x and y; x, y and z"""
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def _term_word(rest) -> str:
    return "the number" if rest == 1 else "the term"


def _terms(expression) -> dict | None:
    """{the rest of a term: its number} of an expanded polynomial (3x^2 + 5 -> {x^2: 3, 1: 5});
    None for other functions, whose terms say little (the point where they differ says more)."""
    symbols = sorted(expression.free_symbols, key=str)
    if not expression.is_polynomial(*symbols) or _expanded_terms(expression) > MAX_EXPANDED_TERMS:
        return None
    sympy = symbolic.kit().sympy
    terms = sympy.Add.make_args(sympy.expand(expression))
    if len(terms) > MAX_TERMS_SHOWN:
        return None
    collected: dict = {}
    for term in terms:
        coefficient, rest = term.as_coeff_Mul()
        if not math.isfinite(float(coefficient)):
            return None
        collected[rest] = collected.get(rest, 0) + coefficient
    return collected


def _text(expression) -> str:
    """A SymPy expression in gradlab's text (3*x^2), as the learner types it."""
    return Expression(symbolic.from_sympy(expression)).text


def _expanded_terms(expression, limit: int = MAX_EXPANDED_TERMS) -> int:
    """An upper bound on the number of terms sympy.expand would make (at most limit + 1).

    A sum adds its parts' counts, a product multiplies them, (a + b + ...)^n with t terms gives
    at most C(t + n - 1, n); a function counts 1 if its arguments are small. The bound is what
    keeps expand from ever running long on a learner's answer.
    """
    over = limit + 1
    if expression.is_Atom:
        return 1
    if expression.is_Add or expression.is_Mul:
        total = 0 if expression.is_Add else 1
        for arg in expression.args:
            count = _expanded_terms(arg, limit)
            total = total + count if expression.is_Add else total * count
            if total > limit:
                return over
        return total
    if expression.is_Pow:
        base, exponent = expression.args
        count = _expanded_terms(base, limit)
        if count > limit or _expanded_terms(exponent, limit) > limit:
            return over
        if exponent.is_Number:
            n = abs(float(exponent))
            if not n <= 2 * symbolic.MAX_EXACT_POWER:
                return over
            return min(over, math.comb(count + math.ceil(n) - 1, math.ceil(n)))
        return 1
    return over if any(_expanded_terms(arg, limit) > limit for arg in expression.args) else 1
