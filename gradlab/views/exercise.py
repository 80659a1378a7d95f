"""An exercise a learner answers in a widget: the answer is checked against the core's number,
with a hint when it is wrong."""

from __future__ import annotations

import html
import math
from typing import Any

import ipywidgets as widgets

from ..expression import Expression, parse
from ._common import FigureStateOnDisplay, Message, describe_lab, fmt, guarded


class Exercise(FigureStateOnDisplay, widgets.VBox):
    """Ask for f or one partial derivative of `expression` at a point; check the typed answer.

    Exercise("x*y", at={"x": 3, "y": 2}, partial="x", hint="Hold y fixed: d(xy)/dx = y.")
    The expected number is computed by the core when the exercise is made (never typed in):
    `Expression.gradient` for a partial, `Expression.evaluate` for f itself.
    """

    __repr__ = describe_lab

    def __init__(self, expression: str | Expression, at: dict[str, float],
                 partial: str | None = None, question: str | None = None, hint: str = "",
                 tolerance: float = 1e-3) -> None:
        self.expression = expression if isinstance(expression, Expression) else parse(expression)
        self.at = {name: float(value) for name, value in at.items()}
        self.partial = partial
        self.hint = hint
        self.tolerance = tolerance
        if partial is None:
            self.expected = self.expression.evaluate(**self.at)
        else:
            if partial not in self.expression.variables:
                raise ValueError(f"{partial!r} is not a variable of {self.expression.text}")
            self.expected = self.expression.gradient(**self.at)[partial]
        point = ", ".join(f"{name} = {fmt(value)}" for name, value in self.at.items())
        if question is None:
            what = f"∂f/∂{partial}" if partial else "f"
            question = f"For f = {self.expression.text}, what is {what} at {point}?"
        self.question = widgets.HTMLMath(f"<b>Exercise.</b> {html.escape(question)}")
        self.answer = widgets.Text(placeholder="your answer, e.g. 2.5",
                                   layout=widgets.Layout(width="12em"))
        self.button = widgets.Button(description="Check", button_style="primary")
        self.message = Message()
        self.solved = False
        self.button.on_click(lambda _: self._on_check())
        self.answer.on_submit(lambda _: self._on_check())
        super().__init__([self.question, widgets.HBox([self.answer, self.button]),
                          self.message])

    @guarded
    def _on_check(self) -> None:
        self.check(self.answer.value)

    def check(self, answer: Any) -> bool:
        """Compare an answer (a number or the text typed) with the core's value; say why."""
        try:
            number = float(str(answer).strip().replace("−", "-"))
        except ValueError:
            self.message.show(f"“{answer}” is not a number: type a number such as 4 or -0.5",
                              "warning")
            return False
        expected = self.expected
        if math.isfinite(expected) and abs(number - expected) <= self.tolerance * max(
                1.0, abs(expected)):
            self.solved = True
            self.message.show(f"Correct: {fmt(expected, 6)}.", "info")
            return True
        text = f"Not yet: {fmt(number, 6)} is not it."
        if self.hint:
            text += f" Hint: {self.hint}"
        self.message.show(text, "warning")
        return False

