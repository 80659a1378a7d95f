"""Number, gradient and choice exercises: each keeps the right answer the core computed when it
was made (.expected, and .answer_text as a learner would type it) and judges answers (.check)."""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping, Sequence
from typing import Any

from ..expression import Expression, parse
from .answers import Result, close, number_of, numbers_of, show, unreadable

NONE_OF_THEM = "none of them"


def _expression(expression: str | Expression) -> Expression:
    return expression if isinstance(expression, Expression) else parse(expression)


def _point(at: Mapping[str, float], expression: Expression) -> dict[str, float]:
    """The point as floats, in the order given; every variable of the expression needed."""
    point = {name: float(value) for name, value in at.items()}
    missing = [name for name in expression.variables if name not in point]
    if missing:
        raise ValueError(f"`at` has no value for {', '.join(missing)} (f = {expression.text})")
    return point


def point_text(at: Mapping[str, float]) -> str:
    """x = 1, y = 2, z = 3"""
    return ", ".join(f"{name} = {show(value)}" for name, value in at.items())


class NumberProblem:
    """f, or one partial derivative of f, at a point: a number.

    NumberProblem("x^2*y", {"x": 3, "y": 2}, partial="x").expected is 12.0 (d(x^2 y)/dx = 2xy),
    computed by the core's backward pass (Expression.gradient); f itself by Expression.evaluate.
    An answer within tolerance * max(1, |expected|) is right.
    """

    kind = "number"

    def __init__(self, expression: str | Expression, at: Mapping[str, float],
                 partial: str | None = None, tolerance: float = 1e-3) -> None:
        self.expression = _expression(expression)
        self.at = _point(at, self.expression)
        self.partial = partial
        self.tolerance = tolerance
        if partial is None:
            expected = self.expression.evaluate(**self.at)
        else:
            if partial not in self.expression.variables:
                raise ValueError(f"{partial!r} is not a variable of {self.expression.text}")
            expected = self.expression.gradient(**self.at)[partial]
        self.expected = float(expected)
        if not math.isfinite(self.expected):
            raise ValueError(f"the answer at {point_text(self.at)} is {show(self.expected)}: "
                             "choose a point where it is a number")
        self.answer_text = show(self.expected)

    def check(self, answer: Any) -> Result:
        """Judge a number (typed, or a Python number); arithmetic such as 3/4 is read too."""
        value = number_of(answer, wanted=f"the number it gives at {point_text(self.at)}")
        if isinstance(value, Result):
            return value
        if close(value, self.expected, self.tolerance):
            return Result(True, f"{self.answer_text} is right")
        message = f"{show(value)} is not it"
        if self.expected != 0 and close(-value, self.expected, self.tolerance):
            message += ": check the sign"
        elif abs(value - self.expected) <= 0.05 * abs(self.expected):
            message += ": close; check your rounding (give 4 significant digits)"
        return Result(False, message)


class VectorProblem:
    """The whole gradient of f at a point: one number per variable, in the order of `at`.

    VectorProblem("3x^3*z - y^2 + 5z + 2y*z", {"x": 1, "y": 2, "z": 3}).expected is
    {'x': 27.0, 'y': 2.0, 'z': 12.0}, by the core's backward pass; answers such as `27, 2, 12`,
    `[27, 2, 12]` or `(27, 2, 12)` are right, and a wrong one is told which components are wrong.
    """

    kind = "vector"

    def __init__(self, expression: str | Expression, at: Mapping[str, float],
                 tolerance: float = 1e-3) -> None:
        self.expression = _expression(expression)
        self.at = _point(at, self.expression)
        self.tolerance = tolerance
        gradient = self.expression.gradient(**self.at)
        self.expected = {name: float(gradient[name]) for name in self.at}
        undefined = [name for name, value in self.expected.items() if not math.isfinite(value)]
        if undefined:
            raise ValueError(f"∂f/∂{undefined[0]} is {show(self.expected[undefined[0]])} at "
                             f"{point_text(self.at)}: choose a point where it is a number")
        self.answer_text = ", ".join(show(value) for value in self.expected.values())

    def check(self, answer: Any) -> Result:
        """Judge a gradient: text with commas, a list of numbers, or a dict name -> number."""
        names = list(self.expected)
        values = numbers_of(answer, names)
        if isinstance(values, Result):
            return values
        wrong = tuple(name for name, value in zip(names, values, strict=True)
                      if not close(value, self.expected[name], self.tolerance))
        if not wrong:
            return Result(True, f"∇f = ({self.answer_text}) is right")
        if len(names) > 1 and _same_numbers(values, list(self.expected.values()),
                                            self.tolerance):
            order = ", ".join(f"∂f/∂{name}" for name in names)
            return Result(False, f"the numbers are right but in the wrong order: ∇f lists "
                          f"{order}, in that order", wrong=wrong)
        if len(wrong) == len(names) and len(names) > 1:
            return Result(False, "none of the components is right", wrong=wrong)
        listed = " and ".join(wrong) if len(wrong) < 3 else ", ".join(wrong[:-1]) + " and " + \
            wrong[-1]
        what = "component is" if len(wrong) == 1 else "components are"
        return Result(False, f"the {listed} {what} not right", wrong=wrong)


def _same_numbers(values: list[float], expected: list[float], tolerance: float) -> bool:
    """Each expected number matched by one of values (in any order)."""
    left = list(values)
    for target in expected:
        match = next((i for i, value in enumerate(left) if close(value, target, tolerance)), None)
        if match is None:
            return False
        left.pop(match)
    return True


class ChoiceProblem:
    """Pick the right option, or every right option when `answer` is a list.

    ChoiceProblem(["x", "y", "both"], "x"): one answer (radio buttons in a widget);
    ChoiceProblem(["a", "b", "c"], ["a", "c"]): several (check boxes). An answer is an option's
    text or its index. feedback maps an option to what to say when it is chosen wrongly;
    none_option is an option that cannot be chosen together with others ("none of them").
    """

    kind = "choice"

    def __init__(self, options: Sequence[str], answer: str | int | Collection[str | int],
                 feedback: Mapping[str, str] | None = None,
                 none_option: str | None = None) -> None:
        self.options = tuple(str(option) for option in options)
        if len(self.options) < 2 or len(set(self.options)) != len(self.options) or not all(
                option.strip() for option in self.options):
            raise ValueError(f"a choice needs at least 2 different, non-empty options, got "
                             f"{self.options}")
        self.multiple = not isinstance(answer, (str, int))
        chosen = [self._label(a) for a in ((answer,) if not self.multiple else answer)]
        if any(label is None for label in chosen) or not chosen:
            raise ValueError(f"the answer {answer!r} is not among the options {self.options}")
        self.feedback = dict(feedback or {})
        named = [*self.feedback, *([none_option] if none_option is not None else [])]
        unknown = [key for key in named if key not in self.options]
        if unknown:
            raise ValueError(f"{unknown[0]!r} is not one of the options {self.options}")
        self.none_option = none_option
        self.expression: Expression | None = None  # set by which_inputs
        self.at: dict[str, float] | None = None
        if self.multiple:
            self.expected: str | tuple[str, ...] = tuple(o for o in self.options if o in chosen)
            self.answer_text = ", ".join(self.expected)
        else:
            self.expected = self.answer_text = chosen[0]

    def _label(self, given: Any) -> str | None:
        """An option's text from its text or its index; None if it is neither."""
        if isinstance(given, int) and not isinstance(given, bool):
            return self.options[given] if 0 <= given < len(self.options) else None
        return given if isinstance(given, str) and given in self.options else None

    def check(self, given: Any) -> Result:
        """Judge the option chosen (text or index), or, for several, a collection of them."""
        try:
            picks = [] if given is None or given == "" else (
                [given] if isinstance(given, (str, int)) else list(given))
        except TypeError:
            return unreadable(f"{given!r} is not an option")
        if not picks:
            return unreadable("choose at least one option" if self.multiple else
                              "choose an option first")
        labels = [self._label(pick) for pick in picks]
        if None in labels:
            return unreadable(f"“{picks[labels.index(None)]}” is not one of the options")
        if not self.multiple:
            if len(labels) != 1:
                return unreadable("choose one option")
            if labels[0] == self.expected:
                return Result(True, f"“{self.expected}” is right")
            return Result(False, self.feedback.get(labels[0], f"“{labels[0]}” is not right"),
                          wrong=(labels[0],))
        if self.none_option in labels and len(set(labels)) > 1:
            return unreadable(f"“{self.none_option}” cannot go with other options")
        wrong = tuple(o for o in self.options if o in labels and o not in self.expected)
        missed = [o for o in self.expected if o not in labels]
        if not wrong and not missed:
            return Result(True, f"{', '.join(f'“{o}”' for o in self.expected)} is right")
        sentences = [self.feedback.get(o, f"“{o}” is not right") for o in wrong]
        missed = [o for o in missed if o != self.none_option]
        if missed and self.none_option not in wrong:  # its feedback says what is missed
            sentences.append("another option is right as well" if len(missed) == 1 else
                             f"{len(missed)} more options are right as well")
        return Result(False, "; ".join(sentences), wrong=wrong)


def which_inputs(expression: str | Expression, at: Mapping[str, float]) -> ChoiceProblem:
    """Which inputs get a gradient (a partial that is not 0) at the point: several may be right.

    The options are the variables in the order of `at`, and "none of them"; the answer comes
    from the core's backward pass (Expression.gradient). max(x, y) at (3, 1): x only
    (d max/dx = 1 where x > y); at the tie (2, 2): none of them, by gradlab's rule at a kink
    (d max(x, y)/dx = step(x - y), which is 0 at x = y).
    """
    f = _expression(expression)
    point = _point(at, f)
    gradient = f.gradient(**point)
    undefined = [name for name in point if not math.isfinite(gradient[name])]
    if undefined:
        raise ValueError(f"∂f/∂{undefined[0]} is undefined at {point_text(point)}")
    gets = [name for name in point if gradient[name] != 0]
    feedback = {name: f"∂f/∂{name} is 0 at this point, so {name} gets no gradient"
                for name in point if name not in gets}
    if gets:
        feedback[NONE_OF_THEM] = "at least one input does get a gradient here"
    problem = ChoiceProblem([*point, NONE_OF_THEM], gets or [NONE_OF_THEM], feedback,
                            none_option=NONE_OF_THEM)
    problem.expression, problem.at = f, point
    return problem
