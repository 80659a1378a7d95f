"""Lesson 11 (the training lab), checked against a network trained here in numpy: the book's
forward pass, its backward pass worked by hand (dL/dz2 = (p - onehot) / N, then the dense and
ReLU rules) and the lesson's optimizer formulas, from the lab's own data and starting weights.
The TrainingLab is built as the notebook builds it and driven to each state a "Try this" asks
for; the exercise and the printed summary are checked by hand too. Each run is a few hundred
epochs (well under a second)."""

import json
import math
import re
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("plotly")

from gradlab.engine import Value  # noqa: E402
from gradlab.optim import Adam  # noqa: E402
from gradlab.views import Exercise, TrainingLab  # noqa: E402
from gradlab.views.training import EPOCHS_PER_TICK  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
LESSON = ROOT / "notebooks" / "11_training_lab.ipynb"
EPS = 1e-7


def cell(cell_id: str) -> dict:
    book = json.loads(LESSON.read_text())
    return next(c for c in book["cells"] if c.get("id") == cell_id)


def source(cell_id: str) -> str:
    return "".join(cell(cell_id)["source"])


def forward(params: dict, X: np.ndarray):
    z1 = X @ params["W1"] + params["b1"]
    a1 = np.maximum(z1, 0.0)
    z2 = a1 @ params["W2"] + params["b2"]
    e = np.exp(z2 - z2.max(axis=1, keepdims=True))
    return z1, a1, e / e.sum(axis=1, keepdims=True)


def hand_training(X, y, start: dict, name: str, lr: float, decay: float, epochs: int,
                  momentum: float = 0.9, rho: float = 0.999) -> dict[str, np.ndarray]:
    """Loss, accuracy and the two layers' gradient norms per epoch, as the lesson defines them:
    L = -(1/N) sum log p[i, y_i] (p clipped to [1e-7, 1 - 1e-7] as in the book), the
    accuracy the share of argmax p == y, ||dL/d(W, b)|| = sqrt(sum of squared partials)."""
    params = {k: v.copy() for k, v in start.items()}
    v = {k: np.zeros_like(p) for k, p in params.items()}
    c = {k: np.zeros_like(p) for k, p in params.items()}
    n, rows = len(X), np.arange(len(X))
    out = {"loss": [], "accuracy": [], "dense 1": [], "dense 2": []}
    for t in range(epochs):
        z1, a1, p = forward(params, X)
        out["loss"].append(-np.mean(np.log(np.clip(p[rows, y], 1e-7, 1 - 1e-7))))
        out["accuracy"].append(np.mean(np.argmax(p, axis=1) == y))
        dz2 = p.copy()
        dz2[rows, y] -= 1.0
        dz2 /= n  # softmax with cross-entropy: (p - onehot) / N
        dz1 = (dz2 @ params["W2"].T) * (z1 > 0)
        grads = {"W2": a1.T @ dz2, "b2": dz2.sum(axis=0, keepdims=True),
                 "W1": X.T @ dz1, "b1": dz1.sum(axis=0, keepdims=True)}
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


def test_the_exercise_is_adams_first_step_with_eps():
    text, code = source("10-06"), source("10-07")
    assert r"-\eta\, \hat m / (\sqrt{\hat c} + \epsilon)" in text
    assert r"\epsilon = 10^{-7}" in text and "negligible" in text
    assert 'Exercise("-0.05*g/(sqrt(g^2) + 1e-7)", at={"g": -0.3}' in code
    g, lr = -0.3, 0.05
    by_hand = -lr * g / (math.sqrt(g**2) + EPS)  # m_hat = g, c_hat = g^2 at t = 1
    weight = Value(0.0)
    optimizer = Adam([weight], lr=lr)
    weight.grad = g
    optimizer.step()
    assert weight.data == pytest.approx(by_hand, rel=1e-12)
    exercise = Exercise("-0.05*g/(sqrt(g^2) + 1e-7)", at={"g": -0.3})
    assert exercise.expected == pytest.approx(by_hand, rel=1e-12)
    assert exercise.check(0.05)  # eps is negligible: the rounded answer is right
    assert not exercise.check(-0.05)  # the sign matters


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
    top = source("10-00")
    assert "**Extension.**" in top and "beyond the chapter" in top
    assert "chapter on optimizers" in top
