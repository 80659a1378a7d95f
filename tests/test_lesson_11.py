"""Lesson 11 (the training lab), checked against a network trained here in numpy: the book's
forward pass, its backward pass worked by hand (dL/dz2 = (p - onehot) / N, then the dense and
ReLU rules) and the lesson's optimizer formulas, from the lab's own data and starting weights.
The TrainingLab is built as the notebook builds it and driven to each state a "Try this" asks
for; the exercises (answers by hand and by gradlab.optim, wrong answers refused, each choice's
answer shown true in the lab) and the printed summary are checked by hand too, nothing on the
page gives an answer away, and the teacher's notes (docs/teaching/lessons/11_training_lab.md)
answer every exercise and "Try this". Each run is a few hundred epochs (well under a second)."""

import html
import math
import re
from pathlib import Path

import numpy as np
import plotly  # noqa: F401 - required: a missing one fails the tests
import practice_checks as practice  # noqa: E402
import pytest

from gradlab.engine import Value  # noqa: E402
from gradlab.optim import Adam  # noqa: E402
from gradlab.trainer import Trainer  # noqa: E402
from gradlab.views import Exercise, TrainingLab  # noqa: E402
from gradlab.views.training_lab import EPOCHS_PER_TICK  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
LESSON = ROOT / "notebooks" / "11_training_lab.ipynb"
NOTES = ROOT / "docs" / "teaching" / "lessons" / "11_training_lab.md"
MIN_EXERCISES = 3
EPS = 1e-7
cells, cell, source = practice.notebook_reader(LESSON)


def forward(params: dict, X: np.ndarray):
    z1 = X @ params["W1"] + params["b1"]
    a1 = np.maximum(z1, 0.0)
    z2 = a1 @ params["W2"] + params["b2"]
    e = np.exp(z2 - z2.max(axis=1, keepdims=True))
    return z1, a1, e / e.sum(axis=1, keepdims=True)


def hand_gradients(params: dict, X: np.ndarray, y: np.ndarray) -> dict[str, np.ndarray]:
    """dL/dW1, dL/db1, dL/dW2, dL/db2 worked by hand: dL/dz2 = (p - onehot) / N, then the
    dense rules (dW = inputs^T dz, db = column sums of dz) and ReLU's (1 where z1 > 0)."""
    z1, a1, p = forward(params, X)
    rows = np.arange(len(X))
    dz2 = p.copy()
    dz2[rows, y] -= 1.0
    dz2 /= len(X)  # softmax with cross-entropy: (p - onehot) / N
    dz1 = (dz2 @ params["W2"].T) * (z1 > 0)
    return {"W2": a1.T @ dz2, "b2": dz2.sum(axis=0, keepdims=True),
            "W1": X.T @ dz1, "b1": dz1.sum(axis=0, keepdims=True)}


def hand_training(X, y, start: dict, name: str, lr: float, decay: float, epochs: int,
                  momentum: float = 0.9, rho: float = 0.999) -> dict[str, np.ndarray]:
    """Loss, accuracy and the two layers' gradient norms per epoch, as the lesson defines them:
    L = -(1/N) sum log p[i, y_i] (p clipped to [1e-7, 1 - 1e-7] as in the book), the
    accuracy the share of argmax p == y, ||dL/d(W, b)|| = sqrt(sum of squared partials)."""
    params = {k: v.copy() for k, v in start.items()}
    v = {k: np.zeros_like(p) for k, p in params.items()}
    c = {k: np.zeros_like(p) for k, p in params.items()}
    rows = np.arange(len(X))
    out = {"loss": [], "accuracy": [], "dense 1": [], "dense 2": []}
    for t in range(epochs):
        z1, a1, p = forward(params, X)
        out["loss"].append(-np.mean(np.log(np.clip(p[rows, y], 1e-7, 1 - 1e-7))))
        out["accuracy"].append(np.mean(np.argmax(p, axis=1) == y))
        grads = hand_gradients(params, X, y)
        for layer, (w, b) in (("dense 1", ("W1", "b1")), ("dense 2", ("W2", "b2"))):
            out[layer].append(math.sqrt(np.sum(grads[w] ** 2) + np.sum(grads[b] ** 2)))
        eta = lr / (1 + decay * t)
        for k, g in grads.items():
            if name == "SGD":
                params[k] = params[k] - eta * g
            elif name == "SGD + momentum":
                v[k] = momentum * v[k] - eta * g
                params[k] = params[k] + v[k]
            elif name == "RMSProp":
                c[k] = rho * c[k] + (1 - rho) * g**2
                params[k] = params[k] - eta * g / (np.sqrt(c[k]) + EPS)
            else:  # Adam
                v[k] = 0.9 * v[k] + 0.1 * g
                c[k] = 0.999 * c[k] + 0.001 * g**2
                params[k] = params[k] - eta * (v[k] / (1 - 0.9 ** (t + 1))) / (
                    np.sqrt(c[k] / (1 - 0.999 ** (t + 1))) + EPS)
    return {key: np.array(values) for key, values in out.items()}


def hand(lab: TrainingLab, epochs: int, **settings) -> dict[str, np.ndarray]:
    trainer = lab.trainer
    chosen = {**trainer.settings, **settings}
    return hand_training(trainer.X, trainer.y, trainer.start, trainer.optimizer_name,
                         chosen["lr"], chosen["decay"], epochs,
                         momentum=chosen.get("momentum", 0.9))


def history(lab: TrainingLab) -> dict[str, np.ndarray]:
    h = lab.trainer.history
    return {"loss": np.array(h.loss), "accuracy": np.array(h.accuracy),
            "dense 1": np.array(h.grad_norm["dense 1"]),
            "dense 2": np.array(h.grad_norm["dense 2"])}


def play(lab: TrainingLab, epochs: int) -> None:
    lab.play.value = epochs // EPOCHS_PER_TICK


@pytest.fixture
def lab():
    assert 'TrainingLab("adam")' in source("10-04")
    return TrainingLab("adam")


def test_the_model_is_the_one_the_lesson_describes_and_starts_at_ln_3(lab):
    trainer, params = lab.trainer, lab.trainer.start
    assert trainer.X.shape == (300, 2) and sorted(set(trainer.y)) == [0, 1, 2]
    assert params["W1"].shape == (2, 64) and params["W2"].shape == (64, 3)
    _, _, p = forward(params, trainer.X)
    np.testing.assert_allclose(p, 1 / 3, atol=0.01)  # tiny weights: every class ~ 1/3
    start = hand(lab, 1)["loss"][0]
    assert start == pytest.approx(math.log(3), abs=1e-3)
    assert lab.curve_figure.data[0].y[0] == pytest.approx(start, rel=1e-9)  # what is drawn
    assert (lab.trainer.settings["lr"], lab.trainer.settings["decay"]) == (0.05, 5e-7)


def test_loss_accuracy_and_gradient_norms_are_the_hand_trained_ones(lab):
    play(lab, 100)
    trained, by_hand = history(lab), hand(lab, 100)
    for key in ("loss", "dense 1", "dense 2"):
        np.testing.assert_allclose(trained[key], by_hand[key], rtol=1e-6)
    np.testing.assert_array_equal(trained["accuracy"], by_hand["accuracy"])
    drawn = {"loss": lab.curve_figure.data[0].y, "dense 1": lab.norm_figure.data[0].y,
             "dense 2": lab.norm_figure.data[1].y}
    for key, values in drawn.items():
        np.testing.assert_allclose(np.asarray(values, dtype=float), by_hand[key], rtol=1e-6)


def test_with_adam_the_accuracy_first_passes_90_percent_near_epoch_500(lab):
    """Adam amplifies round-off (|g| / sqrt(c) near 0), so the lab and the numpy run part
    after ~400 epochs by a few epochs: the crossing is compared within 50 epochs."""
    by_hand = hand(lab, 700)["accuracy"]
    expected = int(np.argmax(by_hand > 0.9))
    assert 300 < expected < 600 and by_hand[:expected].max() <= 0.9
    play(lab, 700)
    match = re.search(r"above 90 % training accuracy since epoch (\d+)", lab.message.text)
    assert match, lab.message.text
    first = int(match.group(1))
    assert abs(first - expected) <= 50
    assert lab.trainer.history.accuracy[first] > 0.9
    assert max(lab.trainer.history.accuracy[:first]) <= 0.9
    # the regions follow the spiral's arms: most data points lie in their own class's region
    axis = np.linspace(-1.15, 1.15, lab.regions.shape[0])
    X, y = lab.trainer.X, lab.trainer.y
    columns = np.abs(X[:, :1] - axis).argmin(axis=1)
    rows = np.abs(X[:, 1:] - axis).argmin(axis=1)
    assert np.mean(lab.regions[rows, columns] == y) > 0.85


def test_sgd_descends_much_slower_than_adam_and_momentum_lies_between(lab):
    adam = hand(lab, 501)["loss"][500]
    losses = {}
    for name in ("SGD", "SGD + momentum"):
        lab.optimizer_choice.value = name
        assert (lab.rate_slider.value, lab.decay_slider.value) == (1.0, 1e-3)  # the book's
        assert lab.trainer.epochs == 0  # the same start
        play(lab, 505)
        losses[name] = lab.trainer.history.loss[500]
        assert losses[name] == pytest.approx(hand(lab, 501)["loss"][500], rel=1e-6)
    assert losses["SGD"] > adam + 0.5  # much slower
    assert adam < losses["SGD + momentum"] < losses["SGD"] - 0.2


def test_adams_learning_rate_1_makes_the_loss_leap_and_the_accuracy_fall_to_a_third(lab):
    assert 1.0 in [value for _, value in lab.rate_slider.options]
    lab.rate_slider.value = 1.0
    assert lab.trainer.settings["lr"] == 1.0 and lab.trainer.optimizer_name == "Adam"
    play(lab, 500)
    for run in (history(lab), hand(lab, 500, lr=1.0)):  # the lab and the numpy run agree
        assert run["loss"][0] == pytest.approx(math.log(3), abs=1e-3)
        assert 8 < run["loss"][:5].max() < 12  # from about 1.1 to about 10
        assert np.all(np.abs(run["accuracy"][20:] - 1 / 3) < 0.05)  # a third, and stays


def test_dense_1_pulls_harder_at_the_start_dense_2_briefly_then_dense_1_again(lab):
    by_hand = hand(lab, 1000)
    lab.step()  # "press Step once and read the left end of the gradient-norm plot"
    dense1, dense2 = (np.asarray(trace.y, dtype=float) for trace in lab.norm_figure.data)
    assert len(dense1) == EPOCHS_PER_TICK
    np.testing.assert_allclose(dense1, by_hand["dense 1"][:EPOCHS_PER_TICK], rtol=1e-6)
    np.testing.assert_allclose(dense2, by_hand["dense 2"][:EPOCHS_PER_TICK], rtol=1e-6)
    assert dense1[0] > dense2[0]
    play(lab, 1000)
    for run in (history(lab), by_hand):
        ratio = run["dense 1"] / run["dense 2"]
        assert ratio[0] > 1  # at the start: dense 1's norm is the larger
        assert ratio[1:10].min() < 1  # Adam's first epochs: dense 2's overtakes
        assert ratio[10:].min() > 1  # then dense 1's stays larger


# -- the exercises --------------------------------------------------------------------------------

def feedback(exercise: Exercise) -> str:
    """What the learner reads after pressing Check: the message line and any hint shown."""
    return exercise.message.text + " " + html.unescape(
        re.sub(r"<[^>]+>", " ", exercise.hint_box.value))


def test_exercise_1_is_the_gradient_norm_as_the_lesson_defines_it():
    cell_id, exercise = EXERCISES[0]
    assert cell_id == "10-10" and exercise.kind == "number"
    assert r"\sqrt{\sum \text{(every partial)}^2}" in source("10-02")  # the definition
    by_hand = math.sqrt(0.3**2 + (-0.4) ** 2 + 1.2**2)  # 0.09 + 0.16 + 1.44 = 1.69
    assert exercise.expected == pytest.approx(by_hand) == pytest.approx(1.3)
    assert exercise.check(str(by_hand))


@pytest.mark.parametrize("wrong", [
    "1.1",  # the partials added, not squared
    "1.69",  # no square root
    "0.5",  # the bias left out
    "1.9"])  # the absolute values added
def test_exercise_1_refuses_plausible_wrong_answers(wrong):
    exercise = EXERCISES[0][1]
    assert not exercise.check(wrong)


def test_exercise_2_is_the_decayed_rate_after_1000_steps(lab):
    cell_id, exercise = EXERCISES[1]
    assert cell_id == "10-12" and exercise.kind == "number"
    by_hand = 1 / (1 + 1e-3 * 1000)  # eta / (1 + decay t), t the steps already taken
    assert exercise.expected == pytest.approx(by_hand)
    trainer = Trainer("sgd", lr=1.0, decay=1e-3)  # the book's SGD settings
    trainer.step(1001)  # the step taken when 1000 are done
    assert trainer.optimizer.current_lr == pytest.approx(by_hand)
    lab.optimizer_choice.value = "SGD"  # the lab's SGD has these settings too
    assert (lab.rate_slider.value, lab.decay_slider.value) == (1.0, 1e-3)
    assert r"$\eta_t = \eta / (1 + \text{decay}\cdot t)$" in source("10-11")


@pytest.mark.parametrize("wrong", [
    "1",  # no decay
    "0.001",  # eta / t
    "2",  # 1 + decay t
    "0.999"])  # eta - decay
def test_exercise_2_refuses_plausible_wrong_answers(wrong):
    exercise = EXERCISES[1][1]
    assert not exercise.check(wrong)


def test_exercise_3_is_adams_first_step_at_learning_rate_1():
    text, code = source("10-13"), source("10-07")
    assert r"-\eta\, g / (|g| + \epsilon)" in text and r"\epsilon = 10^{-7}" in text
    assert "negligible" in text
    cell_id, exercise = EXERCISES[2]
    assert cell_id == "10-07" and 'at={"lr": 1, "g": 0.3}' in code
    g, lr = 0.3, 1.0
    by_hand = -lr * g / (math.sqrt(g**2) + EPS)  # m_hat = g, c_hat = g^2 at t = 1
    weight = Value(0.0)
    optimizer = Adam([weight], lr=lr)
    weight.grad = g
    optimizer.step()
    assert weight.data == pytest.approx(by_hand, rel=1e-12)
    assert exercise.expected == pytest.approx(by_hand, rel=1e-12)
    assert exercise.check("-1")  # eps is negligible: the rounded answer is right


@pytest.mark.parametrize("wrong, says", [
    ("1", "sign"),  # with the gradient, not against it
    ("-0.3", "not it"),  # an SGD step, -eta g
    ("-0.05", "not it")])  # the book's learning rate, not this one
def test_exercise_3_refuses_plausible_wrong_answers(wrong, says):
    exercise = EXERCISES[2][1]
    assert not exercise.check(wrong) and says in exercise.result.message


def test_adams_first_step_at_rate_1_moves_every_parameter_by_about_1(lab):
    """The text after exercise 3: every weight and bias moves by close to the learning rate,
    a typical weight over a hundred times its own size (the book's 0.01-scale start)."""
    assert "close to the learning rate" in source("10-14")
    assert "over a hundred times its\nown size" in source("10-14")
    start, X, y = lab.trainer.start, lab.trainer.X, lab.trainer.y
    grads = hand_gradients(start, X, y)
    moves = {k: np.abs(-1.0 * g / (np.abs(g) + EPS)) for k, g in grads.items()}
    assert min(m.min() for m in moves.values()) > 0.8
    for k in ("W1", "W2"):
        assert np.median(moves[k]) / np.median(np.abs(start[k])) > 100
    lab.rate_slider.value = 1.0  # and the lab takes that very step
    lab.trainer.step(1)
    moved = lab.trainer.model.dense1.weights.data - start["W1"]
    np.testing.assert_allclose(np.abs(moved), moves["W1"], rtol=1e-6)


def test_exercise_4s_answer_is_what_the_lab_shows_at_rate_1(lab):
    cell_id, exercise = EXERCISES[3]
    assert cell_id == "10-15" and exercise.kind == "choice"
    assert exercise.expected.startswith("The network gives every point the same class")
    lab.rate_slider.value = 1.0
    play(lab, 500)
    trainer = lab.trainer
    assert len(set(trainer.predict(trainer.X))) == 1  # the same class for every point
    assert len(np.unique(lab.regions)) == 1  # the regions picture is one colour
    assert np.bincount(trainer.y).tolist() == [100, 100, 100]  # a third in each class
    assert trainer.history.accuracy[-1] == pytest.approx(1 / 3)
    # "the weights have become 0" is false: then the loss would be ln 3, not about 10
    assert trainer.history.loss[-1] > 3 * math.log(3)
    assert exercise.check(0) and not exercise.check(1) and not exercise.check(2)


def test_exercise_5s_answer_is_the_larger_norm_at_epoch_0_with_any_optimizer(lab):
    cell_id, exercise = EXERCISES[4]
    assert cell_id == "10-17" and exercise.kind == "choice"
    assert exercise.expected.startswith("dense 1")
    lab.rate_slider.value = 1.0  # as left by the Try this before it
    play(lab, 50)
    lab.rate_slider.value = 0.05  # "with its learning rate back at 0.05": training starts over
    assert lab.trainer.epochs == 0 and lab.trainer.optimizer_name == "Adam"
    lab.step()  # "press Step once and read the left end of the gradient-norm plot"
    dense1, dense2 = (float(trace.y[0]) for trace in lab.norm_figure.data)
    by_hand = hand(lab, 1)
    assert (dense1, dense2) == pytest.approx((by_hand["dense 1"][0], by_hand["dense 2"][0]))
    assert dense1 > dense2
    for name in ("SGD", "RMSProp"):  # epoch 0 comes before any step: the same for all
        other = hand_training(lab.trainer.X, lab.trainer.y, lab.trainer.start, name, 1.0,
                              0.0, 1)
        assert other["dense 1"][0] == pytest.approx(dense1)
    assert exercise.check(0) and not exercise.check(1) and not exercise.check(2)


def test_exercise_3_hint_never_gives_the_answer():
    exercise = EXERCISES[2][1]
    exercise.reset()
    for wrong in ("0", "0.3"):
        exercise.check(wrong)
    assert exercise.hints[1] in feedback(exercise) and "-1" not in feedback(exercise)
    assert not exercise.revealed


def test_the_summary_prints_the_hand_trained_run_of_200_epochs(lab):
    printed = "".join("".join(o.get("text", "")) for o in cell("10-09")["outputs"])
    assert 'Trainer("adam", lr=0.05, decay=5e-7)' in source("10-09")
    by_hand = hand(lab, 200)
    start, end = (float(t) for t in re.search(r"loss: (\S+) at epoch 0 -> (\S+) at epoch 199",
                                                printed).groups())
    assert start == pytest.approx(by_hand["loss"][0], rel=1e-3)
    assert end == pytest.approx(by_hand["loss"][199], rel=1e-3)
    first, last = (float(t) for t in re.search(r"accuracy: (\S+) -> (\S+)", printed).groups())
    assert (first, last) == pytest.approx((by_hand["accuracy"][0], by_hand["accuracy"][199]),
                                          abs=5e-4)
    assert by_hand["accuracy"].max() <= 0.9 and "above 90 % accuracy: not yet" in printed


def test_the_lesson_says_at_its_top_that_it_is_an_extension():
    practice.assert_says_it_is_an_extension(source("10-00"))


# -- the practice: exercises, no answer on the page, teacher's notes (tests/practice_checks.py)

EXERCISES = practice.notebook_exercises(cells("code"))


class TestPractice(practice.PracticeChecks):
    notebook, notes, minimum = LESSON, NOTES, MIN_EXERCISES
