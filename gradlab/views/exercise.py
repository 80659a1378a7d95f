"""An exercise a learner answers in a widget: a number, a formula, a gradient or a choice, checked
by gradlab.exercises against answers the core computed, with hints that come in steps.

One example per kind (every right answer is computed when the exercise is made, never typed in):

    Exercise("x^2*y", at={"x": 3, "y": 2}, partial="x")           # a number: ∂f/∂x = 2xy = 12
    Exercise.formula("2x + 3y^2", "y")                             # a formula: 6y (or 6*y, y*6)
    Exercise.gradient("3x^3*z - y^2 + 5z + 2y*z", at={"x": 1, "y": 2, "z": 3})  # 27, 2, 12
    Exercise.which_inputs("max(x, y)", at={"x": 2, "y": 2})        # a choice: none of them (a tie)
    Exercise.choice("At a tie of max(x, y), which input gets the gradient?",
                    ["x", "y", "neither"], "neither")              # a choice with a given answer

Every kind takes `question=` (text; $...$ is LaTeX), `hints=[nudge, rule, worked step]` (one
string is one hint; the number kind's old `hint=` still works) and `tries=`. Each wrong try shows
the next hint; after `tries` wrong tries (default 3; tries=0: never; a one-answer choice also
once only one option is left) or when "Show answer" is pressed, the answer is shown and it counts
as not solved (`.solved` stays False, `.revealed` is True). An answer that cannot be read (empty,
not a number, too long) gets a message and is not counted as a try.

Attributes for tests and an answer key: `.kind` ('number', 'formula', 'vector', 'choice'),
`.expected` (a float; an Expression; {name: float}; an option or a tuple of options),
`.answer_text` (as a learner would type it), `.solved`, `.revealed`, `.wrong_tries`,
`.hints_shown`, `.result` (the last gradlab.exercises.Result). `.check(answer)` judges an answer
as the Check button does; `.show_answer()` and `.reset()` do what their buttons do. Every
exercise made is followed by gradlab.views.Progress, which counts the solved ones and resets them.
"""

from __future__ import annotations

import html
import warnings
from collections.abc import Collection, Mapping, Sequence
from typing import Any

import ipywidgets as widgets
import traitlets

from .. import exercises
from ..expression import Expression, parse
from ._common import Message, guarded
from .figure import FigureStateOnDisplay

Hints = str | Sequence[str] | None


class Exercise(FigureStateOnDisplay, widgets.VBox):
    """Ask for f or one partial derivative of `expression` at a point; check the typed answer.

    Exercise("x*y", at={"x": 3, "y": 2}, partial="x", hints=["Hold y fixed.", "d(xy)/dx = y."])
    The expected number is computed by the core when the exercise is made (never typed in):
    `Expression.gradient` for a partial, `Expression.evaluate` for f itself. The other kinds are
    made by Exercise.formula, Exercise.gradient, Exercise.choice and Exercise.which_inputs.
    """

    solved = traitlets.Bool(False, help="answered right before the answer was shown")
    revealed = traitlets.Bool(False, help="the answer was shown (after the tries, or asked for)")

    def __repr__(self) -> str:
        # the plain-text stand-in names no expression: for an exercise it could show the method
        # (or, for f's value, the answer's recipe) before the learner answers
        return f"Exercise ({self.kind}): run the cell to answer it"

    def __init__(self, expression: str | Expression, at: dict[str, float],
                 partial: str | None = None, question: str | None = None, hint: str = "",
                 tolerance: float = 1e-3, *, hints: Hints = None, tries: int = 3) -> None:
        if hint and hints:
            raise ValueError("give hint= (one hint) or hints= (several), not both")
        problem = exercises.NumberProblem(expression, at, partial, tolerance)
        names_f = question is None
        if question is None:
            what = f"∂f/∂{partial}" if partial else "f"
            question = (f"For f = {problem.expression.text}, what is {what} at "
                        f"{exercises.problems.point_text(problem.at)}?")
        self.tolerance = tolerance
        self._build(problem, question, hints if hints else hint, tries, names_f)

    # -- the other kinds ---------------------------------------------------------------------------

    @classmethod
    def formula(cls, expression: str | Expression, partial: str, question: str | None = None,
                hints: Hints = None, tries: int = 3) -> Exercise:
        """Type the partial derivative ∂f/∂partial as a formula, e.g. 6y for 2x + 3y^2 and y.

        Checked for equivalence with Expression.partial (SymPy; see gradlab.exercises.formula);
        a wrong formula is told at which point it differs and which terms are extra or missing.
        """
        problem = exercises.FormulaProblem(expression, partial)
        f = problem.expression
        names_f = question is None
        if question is None:
            question = (f"For f({', '.join(f.variables)}) = {f.text}, type the partial "
                        f"derivative ∂f/∂{partial} as a formula.")
        return cls._made(problem, question, hints, tries, names_f)

    @classmethod
    def gradient(cls, expression: str | Expression, at: dict[str, float],
                 question: str | None = None, hints: Hints = None, tolerance: float = 1e-3,
                 tries: int = 3) -> Exercise:
        """Type the whole gradient at a point, e.g. `27, 2, 12`, components in the order of at.

        The expected vector is the core's backward pass (Expression.gradient) at the point.
        """
        problem = exercises.VectorProblem(expression, at, tolerance)
        names_f = question is None
        if question is None:
            names = list(problem.at)
            partials = ", ".join(f"∂f/∂{name}" for name in names)
            question = (f"For f = {problem.expression.text}, type the gradient ∇f = ({partials}) "
                        f"at {exercises.problems.point_text(problem.at)}: {len(names)} numbers "
                        "separated by commas.")
        return cls._made(problem, question, hints, tries, names_f)

    @classmethod
    def choice(cls, question: str, options: Sequence[str],
               answer: str | int | Collection[str | int], hints: Hints = None,
               feedback: Mapping[str, str] | None = None, tries: int = 3) -> Exercise:
        """A question with options, for ideas more than numbers: radio buttons for one answer
        (an option's text or index), check boxes when answer is a list of several.

        feedback: option -> what to say when that option is chosen wrongly.
        """
        problem = exercises.ChoiceProblem(options, answer, feedback)
        return cls._made(problem, question, hints, tries)

    @classmethod
    def which_inputs(cls, expression: str | Expression, at: dict[str, float],
                     question: str | None = None, hints: Hints = None,
                     tries: int = 3) -> Exercise:
        """Which inputs get a gradient (a partial that is not 0) at the point? Check boxes, one
        per input and "none of them"; the answer comes from the core's backward pass.

        max(x, y) at (3, 1): x; at the tie (2, 2): none of them (gradlab's rule at a kink).
        """
        problem = exercises.which_inputs(expression, at)
        if question is None:
            question = (f"For f = {problem.expression.text} at "
                        f"{exercises.problems.point_text(problem.at)}, which inputs get a "
                        "gradient (a partial derivative that is not 0)? Tick each one, or "
                        f"“{exercises.NONE_OF_THEM}”.")
        return cls._made(problem, question, hints, tries)

    @classmethod
    def _made(cls, problem: Any, question: str, hints: Hints, tries: int,
              names_f: bool = False) -> Exercise:
        exercise = cls.__new__(cls)
        exercise.tolerance = getattr(problem, "tolerance", None)
        exercise._build(problem, question, hints, tries, names_f)
        return exercise

    # -- the widget --------------------------------------------------------------------------------

    def _build(self, problem: Any, question: str, hints: Hints, tries: int,
               names_f: bool = False) -> None:
        # the question is the default one, "For f = <expression> ...": the answer may name f
        # and the point; a question of the lesson's own may call them otherwise (h, dweights,
        # a step), and an expression may be the computation itself (b - lr*g)
        self.names_f = names_f
        self.problem = problem
        self.kind: str = problem.kind
        self.expression: Expression | None = getattr(problem, "expression", None)
        self.at: dict[str, float] | None = getattr(problem, "at", None)
        self.partial: str | None = getattr(problem, "partial", None)
        self.hints: tuple[str, ...] = (hints,) if isinstance(hints, str) else tuple(hints or ())
        self.hints = tuple(hint for hint in self.hints if hint)
        self.hint = self.hints[0] if self.hints else ""
        if tries and self.kind == "choice" and not problem.multiple:
            tries = min(tries, len(problem.options) - 1)  # then only one option is left
        self.tries = tries
        self.question_text = question
        self.wrong_tries = 0
        self.hints_shown = 0
        self.result: exercises.Result | None = None

        self.question = widgets.HTMLMath(f"<b>Exercise.</b> {html.escape(question)}")
        self.answer = self._input()
        self.button = widgets.Button(description="Check", button_style="primary")
        self.show_button = widgets.Button(description="Show answer", icon="eye")
        self.message = Message()
        self.hint_box = widgets.HTMLMath("")
        self.solution = widgets.HTMLMath("")
        self.button.on_click(lambda _: self._on_check())
        self.show_button.on_click(lambda _: self._on_show())
        buttons = [self.button, self.show_button]
        if isinstance(self.answer, widgets.Text):
            with warnings.catch_warnings():
                # Enter checks the answer. The replacement ipywidgets suggests (observe value,
                # continuous_update=False) would also check on leaving the box, so pressing
                # Check would count one answer twice.
                warnings.simplefilter("ignore", DeprecationWarning)
                self.answer.on_submit(lambda _: self._on_check())
            rows = [widgets.HBox([self.answer, *buttons])]
        else:
            rows = [self.answer, widgets.HBox(buttons)]
        super().__init__([self.question, *rows, self.message, self.hint_box, self.solution])
        _register(self)

    @property
    def expected(self) -> Any:
        """The expected answer (the problem's: a formula's symbolic partial is worked out when
        first read, so making the exercise does not wait for SymPy)."""
        return self.problem.expected

    @property
    def answer_text(self) -> str:
        """The answer as a learner would type it (the problem's: a formula's is simplified when
        first read, not when the exercise is made)."""
        return self.problem.answer_text

    def _input(self) -> widgets.Widget:
        """The answer box: text for numbers, formulas and gradients; buttons for a choice."""
        if self.kind == "choice":
            if not self.problem.multiple:
                return widgets.RadioButtons(options=self.problem.options, value=None,
                                            layout=widgets.Layout(width="auto"))
            return widgets.HBox([widgets.Checkbox(value=False, description=option, indent=False,
                                                  layout=widgets.Layout(width="auto",
                                                                        margin="0 2em 0 0"))
                                 for option in self.problem.options])
        if self.kind == "formula":
            # the examples use a letter f does not have, so they can never be the answer
            names = self.expression.variables
            t = next(c for c in "tuvspq" if c not in names)
            return widgets.Text(placeholder=f"a formula in {', '.join(names)}, e.g. {t}^3 or 4{t}",
                                layout=widgets.Layout(width="24em"))
        if self.kind == "vector":
            return widgets.Text(placeholder=f"{len(self.expected)} numbers, separated by commas",
                                layout=widgets.Layout(width="18em"))
        return widgets.Text(placeholder="your answer, e.g. 2.5",
                            layout=widgets.Layout(width="12em"))

    def _given(self) -> Any:
        """What the learner entered: the text, the option chosen, or the options ticked."""
        if isinstance(self.answer, widgets.HBox):
            return tuple(box.description for box in self.answer.children if box.value)
        return self.answer.value

    @guarded
    def _on_check(self) -> None:
        self.check(self._given())

    @guarded
    def _on_show(self) -> None:
        self.show_answer()

    # -- checking, hints and the answer ------------------------------------------------------------

    def check(self, answer: Any) -> bool:
        """Judge an answer (text, a number, an option, ...) as the Check button does; True when
        it is right. A wrong answer shows the next hint, and the answer after `tries` of them."""
        result = self.problem.check(answer)
        self.result = result
        if not result.understood:
            self.message.show(_sentence(result.message), "warning")
            return False
        if result.correct:
            if self.revealed and not self.solved:
                self.message.show("That is right, but the answer was shown, so this exercise "
                                  "counts as not solved.", "info")
            else:
                self.solved = True
                self.message.show(f"Correct! {_sentence(result.message)}", "info")
            return True
        self.wrong_tries += 1
        text = f"Not yet: {result.message.rstrip('.')}."
        if not self.revealed and self.tries and self.wrong_tries >= self.tries:
            self._reveal()
            tries = "try" if self.tries == 1 else "tries"
            text += (f" After {self.tries} {tries} the answer is shown below; this exercise "
                     "counts as not solved.")
        elif not self.revealed and self.wrong_tries <= len(self.hints):
            self._show_hints(self.wrong_tries)
            text += f" Hint {self.wrong_tries} is below."
        self.message.show(text, "warning")
        return False

    def show_answer(self) -> None:
        """Show the answer and every hint; the exercise then counts as not solved (unless it
        was solved before)."""
        if self.revealed:
            return
        self._reveal()
        if self.solved:
            self.message.show("The answer is shown below (you had solved it).", "info")
        else:
            self.message.show("The answer is shown below; this exercise counts as not solved.",
                              "warning")

    def reset(self) -> None:
        """Back to the start: no answer, no hints, no message, not solved, not revealed."""
        self.wrong_tries = 0
        self.hints_shown = 0
        self.result = None
        self.solved = False
        self.revealed = False
        if isinstance(self.answer, widgets.HBox):
            for box in self.answer.children:
                box.value = False
        elif isinstance(self.answer, widgets.RadioButtons):
            self.answer.value = None
        else:
            self.answer.value = ""
        self.message.clear()
        self.hint_box.value = ""
        self.solution.value = ""

    def _show_hints(self, count: int) -> None:
        self.hints_shown = count
        self.hint_box.value = "".join(
            f"<div><b>Hint {i}.</b> {html.escape(hint)}</div>"
            for i, hint in enumerate(self.hints[:count], start=1))

    def _reveal(self) -> None:
        self.revealed = True
        self._show_hints(len(self.hints))
        self.solution.value = f"<div><b>Answer.</b> {self._solution()}</div>"

    def _solution(self) -> str:
        """The answer as HTML (with LaTeX for a formula): named ∂f/∂x = ... at the point only
        when the question was the default one about f; else as the lesson's question asked it,
        the number, vector or formula alone."""
        point = exercises.problems.point_text(self.at) if self.at else ""
        if self.kind == "formula":
            name = parse(self.partial).latex
            lhs = rf"\frac{{\partial f}}{{\partial {name}}} = " if self.names_f else ""
            latex = f"${lhs}{self.problem.shown.latex}$"
            return f"{latex} (typed: {html.escape(self.answer_text)})"
        if self.kind == "vector":
            vector = f"({self.answer_text})"
            return html.escape(f"∇f = {vector} at {point}" if self.names_f else vector)
        if self.kind == "number" and self.partial and self.names_f:
            return html.escape(f"∂f/∂{self.partial} = {self.answer_text} at {point}")
        return html.escape(self.answer_text)


def _sentence(text: str) -> str:
    """The core's message as a sentence: a capital first letter and a full stop."""
    text = text[:1].upper() + text[1:]
    return text if text.endswith((".", "?", "!")) or "\n" in text else text + "."


# -- every exercise made in this kernel, for Progress ---------------------------------------------

class _Made(traitlets.HasTraits):
    """The exercises made in this kernel, in order; Progress observes `exercises`."""

    exercises = traitlets.List()


MADE = _Made()


def _identity(exercise: Exercise) -> tuple:
    """What makes two exercises the same one: kind, question and expected answer (a formula's
    by its function and variable, so that neither SymPy's partial nor simplify runs to tell)."""
    if exercise.kind == "formula":
        answer = (exercise.expression.text, exercise.partial)
    else:
        answer = repr(exercise.expected)
    return (exercise.kind, exercise.question_text, answer)


def _register(exercise: Exercise) -> None:
    """Add an exercise; one made again (its cell run again) replaces its earlier copy."""
    exercise._key = key = _identity(exercise)
    made = list(MADE.exercises)
    for i, old in enumerate(made):
        if old._key == key:
            made[i] = exercise
            break
    else:
        made.append(exercise)
    MADE.exercises = made
