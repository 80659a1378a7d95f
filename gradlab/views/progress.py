"""How many of a lesson's exercises are solved, kept up to date, and a button that resets them.

    Progress()          # every Exercise made in this kernel (one lesson), also those made later
    Progress([a, b])    # only these
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import ipywidgets as widgets

from ._common import Message, describe_lab, guarded
from .exercise import MADE, Exercise
from .figure import FigureStateOnDisplay


class Progress(FigureStateOnDisplay, widgets.VBox):
    """"2 of 3 exercises solved", live, and "Reset exercises".

    With no exercises given it follows every Exercise made in this kernel, in the order made, and
    those made after it (so it may sit at the top of a lesson); an exercise whose cell is run
    again replaces its earlier copy. An exercise whose answer was shown is not solved.
    `.count`, `.solved_count`, `.revealed_count` and `.text` say what it shows; `.reset()`
    clears every exercise's answer, hints, answer shown and solved flag.
    """

    __repr__ = describe_lab

    def __init__(self, exercises: Sequence[Exercise] | None = None) -> None:
        self.follows_all = exercises is None
        self.exercises: list[Exercise] = []
        self.label = widgets.HTML()
        self.bar = widgets.IntProgress(value=0, min=0, max=1, bar_style="success",
                                       layout=widgets.Layout(width="12em"))
        self.reset_button = widgets.Button(description="Reset exercises", icon="undo")
        self.reset_button.on_click(lambda _: self._on_reset())
        self.message = Message()
        super().__init__([widgets.HBox([self.label, self.bar, self.reset_button]), self.message])
        if self.follows_all:
            MADE.observe(self._on_made, names="exercises")
            self._follow(MADE.exercises)
        else:
            self._follow(list(exercises))

    @property
    def count(self) -> int:
        return len(self.exercises)

    @property
    def solved_count(self) -> int:
        return sum(exercise.solved for exercise in self.exercises)

    @property
    def revealed_count(self) -> int:
        """Exercises whose answer was shown without being solved first."""
        return sum(exercise.revealed and not exercise.solved for exercise in self.exercises)

    @property
    def text(self) -> str:
        if not self.exercises:
            return "No exercises yet: run the cells of this lesson."
        text = f"{self.solved_count} of {self.count} exercises solved"
        if self.revealed_count:
            shown = "answer" if self.revealed_count == 1 else "answers"
            text += f" ({self.revealed_count} {shown} shown)"
        return text + "."

    def reset(self) -> None:
        """Reset every exercise followed: answers, hints, answers shown and solved flags."""
        for exercise in self.exercises:
            exercise.reset()
        self._update()

    @guarded
    def _on_reset(self) -> None:
        self.reset()

    def _on_made(self, change: dict[str, Any]) -> None:
        self._follow(change["new"])

    def _follow(self, exercises: list[Exercise]) -> None:
        for exercise in self.exercises:
            exercise.unobserve(self._update, names=["solved", "revealed"])
        self.exercises = list(exercises)
        for exercise in self.exercises:
            exercise.observe(self._update, names=["solved", "revealed"])
        self._update()

    def _update(self, _change: Any = None) -> None:
        self.label.value = f"<b>Progress.</b> {self.text}"
        self.bar.max = max(1, self.count)
        self.bar.value = self.solved_count
