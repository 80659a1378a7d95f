"""Checking a learner's answers, without widgets: a number, a formula, a gradient, a choice.

The right answer is always computed by the core when a problem is made, never typed in: a number
by Expression.evaluate or the backward pass (Expression.gradient), a formula by Expression.partial
(SymPy), which inputs get a gradient by the backward pass. A learner's text is read by gradlab's
own parser, never evaluated as Python; answers that are too long (over 200 characters), too large
or with an exponent above 20 are refused before any work is done on them.

    >>> from gradlab import exercises as ex
    >>> ex.check_number("x^2*y", {"x": 3, "y": 2}, "12", partial="x").correct  # 2xy = 12
    True
    >>> ex.check_formula("2x + 3y^2", "y", "6y").correct                       # 6y, x held fixed
    True
    >>> for sentence in ex.check_formula("2x + 3y^2", "y", "6x").message.split("; "):
    ...     print(sentence)
    at (x, y) = (1, 2) yours gives 6, the partial gives 12
    yours has the term 6*x, which the partial does not have
    a term with y is missing
    >>> ex.check_vector("3x^3*z - y^2 + 5z + 2y*z", {"x": 1, "y": 2, "z": 3}, "27, 1, 12").message
    'the y component is not right'
    >>> ex.check_choice(["x", "y", "neither"], "x", "y").correct
    False
    >>> ex.which_inputs("max(x, y)", {"x": 2, "y": 2}).expected   # a tie: d max/dx = step(x - y)
    ('none of them',)

Each check returns a Result: .correct; .message, what to tell the learner; .understood, False
when the answer could not be judged (empty, unreadable, too long, a name f does not have), which
a widget does not count as a try; .wrong, the parts that are wrong. The problems behind the
checks (NumberProblem, FormulaProblem, VectorProblem, ChoiceProblem, which_inputs) keep the right
answer as .expected and .answer_text (as a learner would type it) for an answer key, and judge
any number of answers with .check(answer). gradlab.views.Exercise shows them as widgets.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Any

from ..expression import Expression
from .answers import MAX_EXPONENT, MAX_LENGTH, Result
from .formula import FormulaProblem
from .problems import NONE_OF_THEM, ChoiceProblem, NumberProblem, VectorProblem, which_inputs

__all__ = [
    "MAX_EXPONENT",
    "MAX_LENGTH",
    "NONE_OF_THEM",
    "ChoiceProblem",
    "FormulaProblem",
    "NumberProblem",
    "Result",
    "VectorProblem",
    "check_choice",
    "check_formula",
    "check_number",
    "check_vector",
    "which_inputs",
]


def check_number(expression: str | Expression, at: Mapping[str, float], answer: Any,
                 partial: str | None = None, tolerance: float = 1e-3) -> Result:
    """Is `answer` f (or ∂f/∂partial) at the point `at`, within tolerance * max(1, |value|)?"""
    return NumberProblem(expression, at, partial, tolerance).check(answer)


def check_formula(expression: str | Expression, partial: str, answer: Any) -> Result:
    """Is the formula `answer` the partial derivative ∂f/∂partial (see FormulaProblem)?"""
    return FormulaProblem(expression, partial).check(answer)


def check_vector(expression: str | Expression, at: Mapping[str, float], answer: Any,
                 tolerance: float = 1e-3) -> Result:
    """Is `answer` the gradient of f at `at`, its components in the order of `at`?"""
    return VectorProblem(expression, at, tolerance).check(answer)


def check_choice(options: Sequence[str], answer: str | int | Collection[str | int],
                 given: Any) -> Result:
    """Is `given` the right option (or, when answer is a list, exactly the right options)?"""
    return ChoiceProblem(options, answer).check(given)
