"""The Exercise widget and Progress: each kind driven through its answer box and buttons, hints
in steps, "Show answer" counting as not solved, progress and reset, and bad input that gets a
message, never a traceback. Right answers are worked by hand here."""

from __future__ import annotations

import pytest

from gradlab.views import Exercise, Progress
from gradlab.views.exercise import MADE

HINTS = ["Hold x fixed.", "d(y^2)/dy = 2y.", "3 * 2y = 6y."]
BAD = ["", "   ", "__import__('os')", "1/0", "x" * 10_000, "open('f').read()", "$$"]


@pytest.fixture(autouse=True)
def no_exercises_yet():
    """Each test starts in a kernel where no exercise was made."""
    MADE.exercises = []
    yield
    MADE.exercises = []


def answer(exercise: Exercise, text: str) -> str:
    """Type text and press Check, as a learner does; the message shown."""
    exercise.answer.value = text
    exercise.button.click()
    assert exercise.message.kind != "error", exercise.message.text  # `guarded` caught a bug
    return exercise.message.text


def shown(exercise: Exercise) -> str:
    """Everything the widget shows (its HTML), as one string."""
    return " ".join([exercise.question.value, exercise.message.value, exercise.hint_box.value,
                     exercise.solution.value])


# -- the number kind, as the lessons already use it ------------------------------------------------

def test_the_old_call_still_works():
    exercise = Exercise("x^2 * y", at={"x": 3, "y": 2}, partial="x",
                        hint="Treat y as a constant number: the derivative of x^2 is 2x.")
    # the notebook's plain-text stand-in names neither the expression nor the answer
    assert repr(exercise) == "Exercise (number): run the cell to answer it"
    assert exercise.kind == "number" and exercise.expected == 12.0  # 2xy at (3, 2)
    assert exercise.hint.startswith("Treat y") and exercise.tolerance == 1e-3
    assert "what is ∂f/∂x at x = 3, y = 2?" in exercise.question.value
    assert exercise.check(12) and exercise.solved
    assert Exercise("x - 0.1*2*x", at={"x": 1.5}, question="x after one step?").expected == 1.2


def test_number_right_wrong_near_and_enter_key():
    exercise = Exercise("x^2", at={"x": 3}, partial="x")  # 2x = 6
    assert answer(exercise, "5") == "Not yet: 5 is not it."
    assert not exercise.solved and exercise.wrong_tries == 1
    assert answer(exercise, "6.004").startswith("Correct!") and exercise.solved
    exercise.reset()
    exercise.answer.value = "6"
    exercise.answer._handle_string_msg(None, {"event": "submit"}, None)  # Enter in the box
    assert exercise.solved


@pytest.mark.parametrize("text", BAD + ["2x", "2,5"])
def test_number_bad_input_gets_a_message_and_is_no_try(text):
    exercise = Exercise("x^2", at={"x": 3}, partial="x", hints=HINTS)
    message = answer(exercise, text)
    assert message and exercise.message.kind == "warning"
    assert exercise.wrong_tries == 0 and exercise.hints_shown == 0 and not exercise.solved
    assert "Traceback" not in message


def test_a_formula_in_a_number_box_is_told_what_the_box_wants():
    exercise = Exercise("x^2", at={"x": 3}, partial="x")
    assert answer(exercise, "2x") == ("“2x” is a formula (it uses x); this box wants the number "
                                      "it gives at x = 3.")


# -- the other kinds ------------------------------------------------------------------------------

def test_formula_kind():
    exercise = Exercise.formula("2x + 3y^2", "y")  # d/dy = 6y (by hand)
    assert exercise.kind == "formula" and exercise.answer_text == "6*y"
    assert exercise.expected.text == "6*y"
    assert "∂f/∂y as a formula" in exercise.question.value
    message = answer(exercise, "6x")
    assert "at (x, y) = (1, 2) yours gives 6, the partial gives 12" in message
    assert answer(exercise, "6z").startswith("Your formula uses z") and exercise.wrong_tries == 1
    assert answer(exercise, "y*6").startswith("Correct!") and exercise.solved


@pytest.mark.parametrize("text", BAD + ["x^99999999", "(" * 150 + "y" + ")" * 150, "6y = 6y"])
def test_formula_bad_input_gets_a_message(text):
    exercise = Exercise.formula("2x + 3y^2", "y")
    assert answer(exercise, text) and not exercise.solved


def test_a_number_is_fine_in_a_formula_box_when_the_partial_is_constant():
    exercise = Exercise.formula("2x + 3y^2", "x")  # d/dx = 2
    assert answer(exercise, "2").startswith("Correct!")


def test_gradient_kind():
    exercise = Exercise.gradient("3x^3*z - y^2 + 5z + 2y*z", at={"x": 1, "y": 2, "z": 3})
    assert exercise.kind == "vector"
    assert exercise.expected == {"x": 27.0, "y": 2.0, "z": 12.0}  # 9x^2z, 2z - 2y, 3x^3 + 5 + 2y
    assert answer(exercise, "27, 1, 12") == "Not yet: the y component is not right."
    assert answer(exercise, "(27, 2)").startswith("The gradient has 3 components")
    assert exercise.wrong_tries == 1
    assert answer(exercise, "[27, 2.001, 12]").startswith("Correct!") and exercise.solved


def test_which_inputs_kind_with_and_without_a_tie():
    tie = Exercise.which_inputs("max(x, y)", at={"x": 2, "y": 2})
    assert tie.kind == "choice" and tie.expected == ("none of them",)
    boxes = {box.description: box for box in tie.answer.children}
    assert list(boxes) == ["x", "y", "none of them"]
    tie.button.click()
    assert tie.message.text == "Choose at least one option." and tie.wrong_tries == 0
    boxes["x"].value = True
    tie.button.click()
    assert tie.message.text.startswith("Not yet: ∂f/∂x is 0 at this point")
    boxes["x"].value, boxes["none of them"].value = False, True
    tie.button.click()
    assert tie.solved

    apart = Exercise.which_inputs("max(x, y)", at={"x": 3, "y": 1})
    assert apart.expected == ("x",)  # x > y: only x gets the gradient
    apart.answer.children[0].value = True
    apart.button.click()
    assert apart.solved


def test_choice_kind_with_radio_buttons():
    exercise = Exercise.choice("At a tie of max(x, y), which input gets the gradient?",
                               ["x", "y", "neither"], "neither", hints="Look at step(x - y).")
    assert exercise.kind == "choice" and exercise.expected == "neither"
    assert exercise.answer.value is None and exercise.tries == 2  # 3 options: 2 wrong tries
    exercise.button.click()
    assert exercise.message.text == "Choose an option first." and exercise.wrong_tries == 0
    exercise.answer.value = "x"
    exercise.button.click()
    assert exercise.message.text.startswith("Not yet: “x” is not right")
    assert exercise.hints_shown == 1 and "step(x - y)" in exercise.hint_box.value
    exercise.answer.value = "neither"
    exercise.button.click()
    assert exercise.solved


def test_a_two_option_choice_shows_its_answer_after_one_wrong_try():
    exercise = Exercise.choice("Is d relu(x)/dx at x = -1 equal to 0?", ["yes", "no"], "yes")
    exercise.answer.value = "no"
    exercise.button.click()
    assert exercise.revealed and not exercise.solved and "yes" in exercise.solution.value


# -- hints in steps, the answer last -------------------------------------------------------------

def test_hints_are_revealed_in_order_and_the_answer_after_three_tries():
    exercise = Exercise.formula("2x + 3y^2", "y", hints=HINTS)
    assert exercise.hint_box.value == "" and exercise.solution.value == ""
    for tries, wrong in enumerate(["6", "6x"], start=1):
        assert f"Hint {tries} is below" in answer(exercise, wrong)
        assert exercise.hints_shown == tries
        for i, hint in enumerate(HINTS):
            assert (hint in exercise.hint_box.value) == (i < tries)
        assert not exercise.revealed and "6*y" not in shown(exercise)
    assert "the answer is shown below" in answer(exercise, "y")
    assert exercise.revealed and not exercise.solved and exercise.hints_shown == 3
    assert all(hint in exercise.hint_box.value for hint in HINTS)
    assert "6*y" in exercise.solution.value
    assert "counts as not solved" in answer(exercise, "6y") and not exercise.solved


def test_the_old_single_hint_shows_after_the_first_wrong_try():
    exercise = Exercise("x^2", at={"x": 3}, partial="x", hint="The slope of x^2 is 2x.")
    answer(exercise, "9")
    assert "The slope of x^2 is 2x." in exercise.hint_box.value
    with pytest.raises(ValueError):
        Exercise("x^2", at={"x": 3}, partial="x", hint="a", hints=["b"])


def test_tries_zero_never_shows_the_answer_by_itself():
    exercise = Exercise("x^2", at={"x": 3}, partial="x", tries=0)
    for _ in range(5):
        answer(exercise, "1")
    assert not exercise.revealed and exercise.solution.value == ""


def test_show_answer_counts_as_not_solved():
    exercise = Exercise.gradient("x*y", at={"x": 2, "y": 5})  # (y, x) = (5, 2)
    exercise.show_button.click()
    assert exercise.revealed and not exercise.solved
    assert "(5, 2)" in exercise.solution.value and "not solved" in exercise.message.text
    assert answer(exercise, "5, 2").startswith("That is right, but the answer was shown")
    assert not exercise.solved


def test_nothing_shows_the_answer_before_the_learner_answers():
    made = [Exercise("x^2*y", at={"x": 3, "y": 2}, partial="x", hints=HINTS),
            Exercise.formula("x^2*y", "x", hints=HINTS),
            Exercise.gradient("x^2*y", at={"x": 3, "y": 2})]
    answers = ["12", "2*x*y", "12, 9"]  # by hand: 2xy, and (2xy, x^2) at (3, 2)
    for exercise, right in zip(made, answers, strict=True):
        assert right not in shown(exercise).replace("x = 3, y = 2", "")
        assert exercise.answer_text == right


# -- progress and reset --------------------------------------------------------------------------

def test_progress_counts_solved_exercises_live_and_resets_them():
    first = Exercise("x^2", at={"x": 3}, partial="x", hints=HINTS)
    second = Exercise.formula("2x + 3y^2", "y", hints=HINTS)
    third = Exercise.which_inputs("max(x, y)", at={"x": 2, "y": 2})
    progress = Progress([first, second, third])
    assert repr(progress) == "Progress: a live lab, run the cell to use it"
    assert progress.text == "0 of 3 exercises solved." and progress.bar.max == 3
    answer(first, "6")
    answer(second, "6y")
    assert progress.text == "2 of 3 exercises solved." and progress.bar.value == 2
    assert "2 of 3 exercises solved" in progress.label.value
    answer(first, "7")  # a wrong answer after solving: still solved
    third.show_button.click()
    assert progress.solved_count == 2 and progress.text.endswith("(1 answer shown).")
    answer(second, "1")
    progress.reset_button.click()
    assert progress.text == "0 of 3 exercises solved." and progress.bar.value == 0
    for exercise in (first, second, third):
        assert not exercise.solved and not exercise.revealed and exercise.wrong_tries == 0
        assert exercise.hints_shown == 0 and exercise.hint_box.value == ""
        assert exercise.solution.value == "" and exercise.message.text == ""
    assert first.answer.value == "" and not any(box.value for box in third.answer.children)


def test_progress_follows_the_exercises_made_in_this_kernel():
    progress = Progress()  # at the top of a lesson: before its exercises
    assert progress.count == 0 and progress.text.startswith("No exercises yet")
    first = Exercise("x^2", at={"x": 3}, partial="x")
    Exercise.formula("2x + 3y^2", "y")
    assert progress.count == 2 and progress.text == "0 of 2 exercises solved."
    first.check("6")
    assert progress.text == "1 of 2 exercises solved."
    again = Exercise("x^2", at={"x": 3}, partial="x")  # the cell run again: replaces `first`
    assert progress.count == 2 and progress.exercises[0] is again
    assert progress.text == "0 of 2 exercises solved."
    first.reset()
    first.check("6")  # the old copy no longer counts
    assert progress.solved_count == 0
    assert Progress().count == 2


def test_the_shown_answer_names_f_only_when_the_question_was_the_default_about_f():
    """A lesson's own question may call the quantity otherwise (dweights[2,0], a step Δy) and
    make the exercise from the computation itself, with names the learner never sees: its
    answer is then the number (vector, formula) alone. The default question is about
    f = the expression, so its answer may say ∂f/∂x = ... at the point."""
    own = Exercise("d0*x0*w + d1*x1*w", partial="w", at={"d0": 1, "d1": -2, "x0": 3, "x1": 1,
                                                          "w": 0.5},
                   question="What is dweights[0,0] for these dvalues?")
    own.show_answer()
    assert own.solution.value == "<div><b>Answer.</b> 1</div>"  # 1*3 - 2*1, by hand
    default = Exercise("x^2", at={"x": 3}, partial="x")
    default.show_answer()
    assert "∂f/∂x = 6 at x = 3" in default.solution.value
    vector = Exercise.gradient("a*b", at={"a": 2, "b": 5}, question="dL/dz at (2, 5)?")
    vector.show_answer()
    assert vector.solution.value == "<div><b>Answer.</b> (5, 2)</div>"
    formula = Exercise.formula("x^2*y", "x", question="For h = x²y, type dh/dx.")
    formula.show_answer()
    assert "\\partial f" not in formula.solution.value and "2*x*y" in formula.solution.value
    default_formula = Exercise.formula("x^2*y", "x")
    default_formula.show_answer()
    assert "\\frac{\\partial f}{\\partial x}" in default_formula.solution.value
