"""Training the book's spiral model: the first epoch's loss, gradients and Adam update against
numpy written out by hand (the book's formulas), the loss falling, predictions against numpy's
argmax, Reset, bad settings and divergence."""

import math

import numpy as np
import pytest

from gradlab.trainer import OPTIMIZERS, Trainer, make_optimizer, optimizer_name


def numpy_pass(params, X, y):
    """Forward and the book's backward in plain numpy: loss, accuracy, gradients."""
    z1 = X @ params["W1"] + params["b1"]
    a1 = np.maximum(z1, 0.0)
    z2 = a1 @ params["W2"] + params["b2"]
    e = np.exp(z2 - z2.max(axis=1, keepdims=True))
    p = e / e.sum(axis=1, keepdims=True)
    n = len(y)
    loss = -np.mean(np.log(np.clip(p[np.arange(n), y], 1e-7, 1 - 1e-7)))
    dz2 = p.copy()
    dz2[np.arange(n), y] -= 1
    dz2 /= n  # (softmax - onehot) / N
    dz1 = (dz2 @ params["W2"].T) * (z1 > 0)
    grads = {"W1": X.T @ dz1, "b1": dz1.sum(axis=0, keepdims=True),
             "W2": a1.T @ dz2, "b2": dz2.sum(axis=0, keepdims=True)}
    accuracy = np.mean(np.argmax(z2, axis=1) == y)
    return loss, accuracy, grads


@pytest.fixture(scope="module")
def fresh():
    return Trainer()


def test_first_epoch_matches_numpy_and_adam_first_update(fresh):
    trainer = Trainer()
    start = {name: data.copy() for name, data in trainer.start.items()}
    loss, accuracy, grads = numpy_pass(start, trainer.X, trainer.y)
    trainer.step(1)
    history = trainer.history
    assert history.epoch == [0]
    assert history.loss[0] == pytest.approx(loss, rel=1e-12)
    assert history.loss[0] == pytest.approx(math.log(3), abs=1e-3)  # 0.01-scale weights
    assert history.accuracy[0] == pytest.approx(accuracy)
    norm1 = math.sqrt(np.sum(grads["W1"] ** 2) + np.sum(grads["b1"] ** 2))
    norm2 = math.sqrt(np.sum(grads["W2"] ** 2) + np.sum(grads["b2"] ** 2))
    assert history.grad_norm["dense 1"][0] == pytest.approx(norm1, rel=1e-10)
    assert history.grad_norm["dense 2"][0] == pytest.approx(norm2, rel=1e-10)
    # Adam's first update: m_hat = g, c_hat = g^2, so w <- w - 0.05 g / (|g| + 1e-7)
    for name, g in grads.items():
        expected = start[name] - 0.05 * g / (np.abs(g) + 1e-7)
        np.testing.assert_allclose(trainer.model.params[name].data, expected, atol=1e-12)


def test_the_loss_falls_over_100_epochs_with_every_optimizer():
    for name in OPTIMIZERS:
        trainer = Trainer(name)
        trainer.step(100)
        loss = trainer.history.loss
        assert len(loss) == 100 and trainer.epochs == 100
        assert loss[-1] < loss[0] - 0.005, name  # plain SGD is the slowest: 1.0986 -> 1.089


def test_adam_passes_90_percent_as_in_the_book():
    trainer = Trainer("adam", lr=0.05, decay=5e-7)
    trainer.step(700)
    first = trainer.history.first_epoch_above(0.9)
    assert first is not None and first < 700
    assert "above 90 % accuracy: epoch" in trainer.summary()


def test_predict_grid_is_the_argmax_of_the_logits_worked_in_numpy():
    trainer = Trainer()
    trainer.step(50)
    params = {name: p.data for name, p in trainer.model.params.items()}
    xx, yy = np.meshgrid(np.linspace(-1, 1, 7), np.linspace(-1, 1, 5))
    z = trainer.predict_grid(xx, yy)
    assert z.shape == (5, 7)
    points = np.column_stack([xx.ravel(), yy.ravel()])
    logits = np.maximum(points @ params["W1"] + params["b1"], 0) @ params["W2"] + params["b2"]
    np.testing.assert_array_equal(z.ravel(), np.argmax(logits, axis=1))


def test_reset_restores_the_starting_weights_and_clears_the_history():
    trainer = Trainer()
    start = {name: p.data.copy() for name, p in trainer.model.params.items()}
    trainer.step(5)
    assert not np.allclose(trainer.model.params["W1"].data, start["W1"])
    trainer.reset()
    for name, data in start.items():
        np.testing.assert_array_equal(trainer.model.params[name].data, data)
    assert len(trainer.history) == 0 and trainer.epochs == 0
    trainer.step(1)  # and a fresh optimizer: the same first loss again
    assert trainer.history.loss[0] == pytest.approx(math.log(3), abs=1e-3)


def test_configure_takes_the_books_settings_and_refuses_bad_numbers():
    trainer = Trainer()
    trainer.configure("rmsprop")
    assert trainer.optimizer_name == "RMSProp"
    assert trainer.settings == {"lr": 0.02, "decay": 1e-5, "rho": 0.999}
    assert trainer.optimizer.rho == 0.999
    with pytest.raises(ValueError, match="lr must be > 0"):
        trainer.configure(lr=-1.0)
    assert trainer.settings["lr"] == 0.02  # unchanged
    with pytest.raises(ValueError, match="momentum must be in"):
        trainer.configure("SGD + momentum", momentum=1.5)
    assert trainer.optimizer_name == "RMSProp"


def test_optimizer_names_and_aliases():
    assert optimizer_name("adam") == "Adam" and optimizer_name("SGD+momentum") == "SGD + momentum"
    with pytest.raises(ValueError, match="choose one of SGD, SGD \\+ momentum"):
        optimizer_name("lbfgs")
    from gradlab.engine import Value
    sgd = make_optimizer("momentum", [Value(1.0)], lr=0.1)
    assert sgd.momentum == 0.9


def test_an_overflowing_run_stops_with_a_reason():
    trainer = Trainer("sgd", lr=1e300, decay=0.0)
    trainer.step(10)
    assert trainer.stopped.startswith("training stopped at epoch")
    assert trainer.epochs < 10
    before = trainer.epochs
    trainer.step(3)  # stays stopped
    assert trainer.epochs == before


def test_numpys_global_random_state_is_left_alone():
    np.random.seed(1234)
    expected = np.random.random_sample()
    np.random.seed(1234)
    Trainer(samples=20)
    assert np.random.random_sample() == expected
