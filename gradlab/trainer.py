"""Training the book's spiral classifier (dense 2-64 -> ReLU -> dense 64-3 -> softmax ->
cross-entropy) with a choice of optimizer, one epoch at a time, keeping the history a learner
plots: loss, accuracy and each layer's gradient norm. Numpy and the core only.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from .engine import Value
from .model import BookModel, small_batch

# the optimizers by name, their settings and the book's settings for the spiral: optim's table
from .optim import OPTIMIZERS, make_optimizer, optimizer_name  # noqa: F401 - re-exported


@dataclass
class History:
    """Row k: the forward pass after k updates (as the book prints, before update k + 1):
    loss, accuracy, the learning rate update k + 1 used, and ||dL/dparameters|| per layer."""

    epoch: list[int] = field(default_factory=list)
    loss: list[float] = field(default_factory=list)
    accuracy: list[float] = field(default_factory=list)
    lr: list[float] = field(default_factory=list)
    grad_norm: dict[str, list[float]] = field(
        default_factory=lambda: {"dense 1": [], "dense 2": []})

    def __len__(self) -> int:
        return len(self.epoch)

    def first_epoch_above(self, accuracy: float) -> int | None:
        """The first epoch whose accuracy exceeds `accuracy`, or None."""
        for epoch, value in zip(self.epoch, self.accuracy, strict=True):
            if value > accuracy:
                return epoch
        return None


class Trainer:
    """The book's model on its spiral data, trained by a gradlab.optim optimizer.

    Each epoch: z1 = X W1 + b1, a1 = ReLU(z1), p = softmax(a1 W2 + b2),
    L = -(1/N) sum_i log p[i, y_i]; backward fills dL/dW1, dL/db1, dL/dW2, dL/db2; the optimizer
    moves the weights. lr and decay default to the book's settings for the optimizer chosen
    (Adam: lr 0.05, decay 5e-7, which passes 90 % training accuracy within 10,000 epochs).
    Data: nnfs spiral_data(samples, classes) drawn with numpy's global seed `seed` (the state is
    put back); the weights: BookModel's, from `seed`.
    """

    def __init__(self, optimizer: str = "adam", lr: float | None = None,
                 decay: float | None = None, momentum: float | None = None,
                 samples: int = 100, classes: int = 3, seed: int = 0, hidden: int = 64) -> None:
        self.X, self.y = small_batch(samples=samples, classes=classes, seed=seed)
        self.model = BookModel(n_inputs=2, n_hidden=hidden, n_classes=classes, seed=seed)
        self.start = {name: param.data.copy() for name, param in self.model.params.items()}
        self.optimizer_name = ""
        self.settings: dict[str, float] = {}
        self.configure(optimizer, lr=lr, decay=decay, momentum=momentum)

    def __repr__(self) -> str:
        return (f"Trainer({self.optimizer_name}, {_settings_text(self.settings)}, "
                f"{len(self.X)} samples, {self.epochs} epochs)")

    # -- settings -----------------------------------------------------------------------------

    def configure(self, optimizer: str | None = None, lr: float | None = None,
                  decay: float | None = None, momentum: float | None = None) -> None:
        """Choose the optimizer and its settings, and start over from the starting weights.
        A new optimizer takes the book's settings for anything not given. Bad settings raise
        ValueError and change nothing."""
        name = optimizer_name(optimizer) if optimizer is not None else self.optimizer_name
        settings = dict(OPTIMIZERS[name].book) if name != self.optimizer_name else dict(
            self.settings)
        for key, value in (("lr", lr), ("decay", decay), ("momentum", momentum)):
            # momentum belongs to those that take it ('SGD + momentum'); the others ignore it
            if value is not None and (key in ("lr", "decay") or key in OPTIMIZERS[name].extra):
                settings[key] = value
        # built on throw-away Values first: the optimizer's own checks reject bad numbers
        make_optimizer(name, [Value(0.0)], **settings)
        self.optimizer_name, self.settings = name, settings
        self.reset()

    def reset(self) -> None:
        """The starting weights, a fresh optimizer (running averages at zero), no history."""
        for name, data in self.start.items():
            self.model.params[name].data = data.copy()
        self.optimizer = make_optimizer(self.optimizer_name, self.model.params.values(),
                                        **self.settings)
        self.history = History()
        self.stopped = ""

    @property
    def epochs(self) -> int:
        """Updates taken so far."""
        return self.optimizer.iterations

    # -- training -----------------------------------------------------------------------------

    def step(self, epochs: int = 1) -> None:
        """Train for `epochs` epochs (each: forward, backward, one optimizer update), recording
        each forward pass in .history. Stops, with .stopped saying why, when the loss or a
        weight stops being a finite number."""
        with np.errstate(all="ignore"):  # an overflow is reported in .stopped, not warned
            self._train(int(epochs))

    def _train(self, epochs: int) -> None:
        X, y, model = self.X, self.y, self.model
        for _ in range(epochs):
            if self.stopped:
                return
            forward = model.forward(X, y)
            self.optimizer.zero_grad()  # the weights outlive each graph: clear their grads
            forward.loss.backward()
            loss = float(forward.loss.data)
            if not math.isfinite(loss):
                self.stopped = (f"training stopped at epoch {self.epochs}: the loss is not a "
                                "number; lower the learning rate and press Reset")
                return
            accuracy = float(np.mean(np.argmax(forward.probs.data, axis=1) == y))
            self._record(loss, accuracy)
            self.optimizer.step()
            if not all(np.all(np.isfinite(p.data)) for p in model.params.values()):
                self.stopped = (f"training stopped at epoch {self.epochs}: the weights "
                                "overflowed; lower the learning rate and press Reset")
                return

    def _record(self, loss: float, accuracy: float) -> None:
        history, params = self.history, self.model.params
        history.epoch.append(self.epochs)
        history.loss.append(loss)
        history.accuracy.append(accuracy)
        # the rate the coming update uses: lr / (1 + decay * updates so far)
        history.lr.append(self.optimizer.lr / (1.0 + self.optimizer.decay * self.epochs))
        for layer, (w, b) in (("dense 1", ("W1", "b1")), ("dense 2", ("W2", "b2"))):
            # ||g|| = sqrt(sum of every squared partial of the layer's weights and biases)
            squares = float(np.sum(params[w].grad ** 2) + np.sum(params[b].grad ** 2))
            history.grad_norm[layer].append(math.sqrt(squares))

    # -- predictions ----------------------------------------------------------------------------

    def predict(self, X) -> np.ndarray:
        """The class of each row of X: argmax of the logits a1 W2 + b2 (softmax keeps the
        order, so it is also the most probable class), by a forward pass of the core."""
        inputs = Value(np.asarray(X, dtype=np.float64).reshape(-1, 2), label="X")
        with np.errstate(all="ignore"):
            logits = self.model.dense2(self.model.dense1(inputs).relu())
        return np.argmax(logits.data, axis=1)

    def predict_grid(self, xx, yy) -> np.ndarray:
        """The predicted class at each grid point (xx[i, j], yy[i, j]): an int array of xx's
        shape, the decision regions."""
        xx, yy = np.asarray(xx, dtype=np.float64), np.asarray(yy, dtype=np.float64)
        return self.predict(np.column_stack([xx.ravel(), yy.ravel()])).reshape(xx.shape)

    # -- reading --------------------------------------------------------------------------------

    def summary(self) -> str:
        """The run so far as plain text with few digits (the same on every machine)."""
        history = self.history
        lines = [f"optimizer: {self.optimizer_name} ({_settings_text(self.settings)})",
                 f"data: {len(self.X)} spiral points, {int(np.max(self.y)) + 1} classes; "
                 f"model: {self.model!r}"]
        if not len(history):
            return "\n".join([*lines, "no epochs yet"])
        first = history.first_epoch_above(0.9)
        lines += [f"epochs: {self.epochs}",
                  f"loss: {_number(history.loss[0], 4)} at epoch 0 -> "
                  f"{_number(history.loss[-1], 4)} at epoch {history.epoch[-1]}",
                  f"accuracy: {history.accuracy[0]:.3f} -> {history.accuracy[-1]:.3f}",
                  "above 90 % accuracy: " + ("not yet" if first is None else f"epoch {first}")]
        if self.stopped:
            lines.append(self.stopped)
        return "\n".join(lines)


def _number(x: float, digits: int) -> str:
    return f"{float(x):.{digits}g}"


def _settings_text(settings: dict[str, float]) -> str:
    return ", ".join(f"{key} {value:g}" for key, value in settings.items())
