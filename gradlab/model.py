"""The book's classifier as one core graph: dense(2, H) -> ReLU -> dense(H, 3) -> softmax ->
categorical cross-entropy on a small batch, every weight's and bias's gradient by backward,
checked against central differences, and d loss / d logits beside the book's shortcut
(softmax - one-hot) / N (Neural Networks from Scratch, ch. 9). Needs numpy and the core only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from .engine import Value, cross_entropy, one_hot, relu, softmax
from .nn import Dense
from .numeric import numerical_gradient

_ENTRY = re.compile(r"^(W1|b1|W2|b2)\[(\d+)(?:,(\d+))?\]$")
TOLERANCE = 1e-6  # as gl.check_gradient; a correct rule's error is ~1e-11 here, a wrong one's ~1e-4


def small_batch(samples: int = 5, classes: int = 3,
                seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """A tiny spiral batch (X, y): `samples` points per class, X of shape (samples * classes,
    2), y the class index of each row (int64).

    Made by the book's `nnfs.datasets.spiral_data`, which draws from numpy's *global* random
    state: we seed that state with `seed`, draw, and put the state back as it was, so nothing
    else in the process notices. (`nnfs.init()` is not called: it would also patch np.dot and
    friends for the whole process.) seed=0 gives the points of `nnfs.init()` + spiral_data.
    """
    from nnfs.datasets import spiral_data  # imported on use: `import gradlab` stays light

    saved = np.random.get_state()
    np.random.seed(seed)
    try:
        X, y = spiral_data(samples=samples, classes=classes)
    finally:
        np.random.set_state(saved)
    return X, y.astype(np.int64)


class Forward(NamedTuple):
    """The nodes of one forward pass, named as in the book."""

    inputs: Value  # X, a constant leaf
    hidden: Value  # z1 = X @ W1 + b1
    activated: Value  # a1 = ReLU(z1)
    logits: Value  # z2 = a1 @ W2 + b2
    probs: Value  # softmax(z2), row by row
    loss: Value  # -mean(log probs[row, target])


class LogitsGradient(NamedTuple):
    """d loss / d logits two ways: `core` by the chain rule, `formula` by the book's shortcut."""

    core: np.ndarray
    formula: np.ndarray
    probs: np.ndarray
    onehot: np.ndarray

    @property
    def max_difference(self) -> float:
        return float(np.max(np.abs(self.core - self.formula)))


class BackwardPass(NamedTuple):
    """What one forward and one recorded backward pass give."""

    forward: Forward
    loss: float
    gradients: dict[str, np.ndarray]  # name -> dL/dname
    logits: LogitsGradient


@dataclass(frozen=True)
class ParameterCheck:
    """One parameter's gradient by backward beside its central-difference estimate.

    max_error = the largest |analytic - numerical| / max(1, |analytic|, |numerical|) over the
    entries, the measure of `gl.check_gradient`: relative for partials above 1, the plain
    difference below (this model's partials are ~1e-4, and a relative error of a partial near
    0 would measure only the central differences' round-off, ~1e-11 here).
    """

    name: str
    analytic: np.ndarray
    numerical: np.ndarray
    max_error: float
    worst: tuple[int, ...]  # the entry where the error is largest
    tolerance: float

    @property
    def passed(self) -> bool:
        return bool(self.max_error <= self.tolerance)


@dataclass(frozen=True)
class ModelCheck:
    """The gradient check of every parameter; `.max_error` and `.worst` over all of them."""

    parameters: dict[str, ParameterCheck]
    h: float
    tolerance: float

    @property
    def max_error(self) -> float:
        return max(check.max_error for check in self.parameters.values())

    @property
    def worst(self) -> str:
        """The name of the parameter with the largest error."""
        return max(self.parameters.values(), key=lambda check: check.max_error).name

    @property
    def passed(self) -> bool:
        return all(check.passed for check in self.parameters.values())

    def __bool__(self) -> bool:
        return self.passed

    def __getitem__(self, name: str) -> ParameterCheck:
        return self.parameters[name]

    def __str__(self) -> str:
        lines = [f"gradient check (central differences, h = {self.h:g}): "
                 + ("passed" if self.passed else "FAILED")]
        for check in self.parameters.values():
            lines.append(f"  {check.name}: largest relative error {_verdict(check)}")
        return "\n".join(lines)


class BookModel:
    """dense(n_inputs, n_hidden) -> ReLU -> dense(n_hidden, n_classes) -> softmax ->
    cross-entropy, its weights and biases Values named W1, b1, W2, b2 (the book's start:
    weights 0.01 * standard normal from `seed`, biases 0).

    z1 = X @ W1 + b1, a1 = ReLU(z1), z2 = a1 @ W2 + b2, p = softmax(z2),
    L = -(1/N) sum_i log p[i, y_i]. Backward gives, with G = dL/dz2 = (p - onehot) / N:
    dL/dW2 = a1^T G, dL/db2 = sum of G's rows, dL/dz1 = (G W2^T) * (z1 > 0),
    dL/dW1 = X^T dL/dz1, dL/db1 = sum of dL/dz1's rows.
    """

    def __init__(self, n_inputs: int = 2, n_hidden: int = 4, n_classes: int = 3,
                 seed: int = 0) -> None:
        rng = np.random.default_rng(seed)  # one stream for both layers, as the book draws them
        self.dense1 = Dense(n_inputs, n_hidden, seed=rng)
        self.dense2 = Dense(n_hidden, n_classes, seed=rng)
        self.params: dict[str, Value] = {
            "W1": self.dense1.weights, "b1": self.dense1.biases,
            "W2": self.dense2.weights, "b2": self.dense2.biases,
        }
        for name, param in self.params.items():
            param.label = name  # a graph view shows the book's names

    def __repr__(self) -> str:
        return (f"BookModel(dense({self.dense1.n_inputs}, {self.dense1.n_neurons}) -> ReLU -> "
                f"dense({self.dense2.n_inputs}, {self.dense2.n_neurons}) -> softmax -> "
                "cross-entropy)")

    # -- single entries, by name (W1[i,j], b1[j], W2[i,j], b2[j]) ------------------------------

    def entries(self) -> list[str]:
        """Every weight and bias entry by name: W1[0,0], ..., b1[0], ..., W2[0,0], ..., b2[0]."""
        names = []
        for name, param in self.params.items():
            rows, columns = param.data.shape
            names += ([f"{name}[{j}]" for j in range(columns)] if name.startswith("b") else
                      [f"{name}[{i},{j}]" for i in range(rows) for j in range(columns)])
        return names

    def locate(self, entry: str) -> tuple[str, tuple[int, int]]:
        """'W2[1,0]' -> ('W2', (1, 0)); 'b1[2]' -> ('b1', (0, 2)) (biases are 1-row arrays).
        ValueError naming the valid choices for anything else."""
        match = _ENTRY.match(str(entry).replace(" ", ""))
        if match:
            name, first, second = match.groups()
            index = (0, int(first)) if second is None else (int(first), int(second))
            is_bias = name.startswith("b")
            if is_bias == (second is None) and all(
                    i < n for i, n in zip(index, self.params[name].data.shape, strict=True)):
                return name, index
        shapes = [f"{n}[{'j' if n.startswith('b') else 'i,j'}] {p.data.shape}"
                  for n, p in self.params.items()]
        raise ValueError(f"no parameter entry {entry!r}: choose one of " + ", ".join(shapes)
                         + " (indices count from 0)")

    def value_of(self, entry: str) -> float:
        name, index = self.locate(entry)
        return float(self.params[name].data[index])

    def set_entry(self, entry: str, value: float) -> None:
        """Give one entry a new value (a new array, so graphs already built keep theirs)."""
        name, index = self.locate(entry)
        data = self.params[name].data.copy()
        data[index] = float(value)
        self.params[name].data = data

    def loss_along(self, X, y, entry: str, values) -> np.ndarray:
        """L at each of `values` of one entry, the others held: one core forward pass each."""
        name, index = self.locate(entry)
        return np.array([self._loss_with(X, y, name, index, v) for v in np.ravel(values)])

    # -- forward and backward ------------------------------------------------------------------

    def forward(self, X, y) -> Forward:
        """A fresh graph from X (a constant leaf) to the loss; its parameters are the layers'
        Values, so a backward pass fills in their .grad."""
        inputs = Value(X, label="X")
        hidden = self.dense1(inputs)
        activated = relu(hidden)
        logits = self.dense2(activated)
        probs = softmax(logits, axis=-1)
        return Forward(inputs, hidden, activated, logits, probs, cross_entropy(probs, y))

    def loss(self, X, y) -> Value:
        """L = -(1/N) sum_i log softmax(z2)[i, y_i], as the output Value of a fresh graph."""
        return self.forward(X, y).loss

    def backward(self, X, y) -> dict[str, np.ndarray]:
        """dL/dW1, dL/db1, dL/dW2, dL/db2 by the core's backward pass (gradients zeroed
        first, so they are this batch's alone), as copies keyed by name."""
        return self.backward_pass(X, y).gradients

    def backward_pass(self, X, y) -> BackwardPass:
        """One forward pass and one recorded backward pass: the loss, every parameter's
        gradient and d loss / d logits beside (softmax - onehot) / N (see logits_gradient)."""
        fwd = self.forward(X, y)
        fwd.loss.zero_grad()  # the parameters outlive the graph: clear what they hold
        steps = fwd.loss.backward(record=True)
        gradients = {name: np.array(param.grad) for name, param in self.params.items()}
        into_logits = [step for step in steps if step.parent is fwd.logits]
        core = np.array(into_logits[-1].total)  # the last step into z2 holds its whole grad
        probs = np.array(fwd.probs.data)
        onehot = one_hot(fwd.loss.arg, probs.shape)
        n = probs.shape[0] if probs.ndim == 2 else 1
        logits = LogitsGradient(core, (probs - onehot) / n, probs, onehot)
        return BackwardPass(fwd, float(fwd.loss.data), gradients, logits)

    # -- checks --------------------------------------------------------------------------------

    def loss_at(self, X, y, entry: str, value: float) -> float:
        """L with one entry (e.g. 'W2[0,0]') set to `value`; the entry is put back after."""
        return self._loss_with(X, y, *self.locate(entry), value)

    def _loss_with(self, X, y, name: str, index: tuple[int, ...], value: float) -> float:
        param = self.params[name]
        original = param.data
        changed = original.copy()
        changed[index] = value
        param.data = changed
        try:
            return float(self.loss(X, y).data)
        finally:
            param.data = original

    def numerical_partial(self, X, y, entry: str, h: float = 1e-5) -> float:
        """(L(w + h) - L(w - h)) / 2h for one entry w, e.g. 'W2[0,0]'."""
        name, index = self.locate(entry)
        here = float(self.params[name].data[index])
        return float(numerical_gradient(
            lambda t: self._loss_with(X, y, name, index, t), here, h=h)[0])

    def check(self, X, y, h: float = 1e-5, tolerance: float = TOLERANCE) -> ModelCheck:
        """Every parameter's gradient by backward beside central differences: each entry of
        each parameter's .data is moved by +-h and the loss re-evaluated,
        dL/dw ~ (L(w + h) - L(w - h)) / 2h. Parameters are left as they were."""
        analytic = self.backward(X, y)
        checks = {}
        for name, param in self.params.items():
            original = param.data
            shape = original.shape

            def loss_of(*entries: float, param=param, shape=shape) -> float:
                param.data = np.array(entries).reshape(shape)
                return float(self.loss(X, y).data)

            try:
                numerical = numerical_gradient(loss_of, *original.ravel(), h=h).reshape(shape)
            finally:
                param.data = original
            checks[name] = _compare(name, analytic[name], numerical, tolerance)
        return ModelCheck(checks, h, tolerance)

    def logits_gradient(self, X, y) -> LogitsGradient:
        """dL/dz2 two ways, for the lesson that they agree.

        core: read from the recorded backward pass at the logits node z2: the chain through
        cross-entropy's own rule (dL/dp = -onehot / p / N) and softmax's own rule
        (dL/dz = p * (dL/dp - sum(dL/dp * p))), as backward applied them.
        formula: the book's shortcut (softmax - onehot) / N, computed from the core's softmax
        output p. Substituting the first rule into the second gives p * (-onehot/(p N) + 1/N)
        = (p - onehot) / N, which is why the two agree (away from the 1e-7 clip).
        """
        return self.backward_pass(X, y).logits

    def summary(self, X, y) -> str:
        """The key numbers as plain text that prints the same on every machine: the loss to 6
        significant digits, verdicts instead of raw errors, gradients to 4 digits."""
        check = self.check(X, y)
        backward = self.backward_pass(X, y)
        loss, logits = backward.loss, backward.logits
        shapes = {name: "x".join(map(str, p.data.shape)) for name, p in self.params.items()}
        agree = "agree" if logits.max_difference < 1e-12 else "DISAGREE"
        lines = [repr(self), f"batch: {len(X)} samples", f"loss = {_number(loss, 6)}",
                 str(check),
                 "d loss / d logits: the core's chain through softmax and cross-entropy and",
                 f"  the book's (softmax - onehot) / N {agree} (largest difference "
                 f"{'below 1e-12' if agree == 'agree' else _number(logits.max_difference, 3)})",
                 "gradients (backward):"]
        for name, parameter in check.parameters.items():
            lines.append(f"  d loss / d {name} ({shapes[name]}) = {_array(parameter.analytic)}")
        return "\n".join(lines)


def _compare(name: str, analytic: np.ndarray, numerical: np.ndarray,
             tolerance: float) -> ParameterCheck:
    scale = np.maximum(1.0, np.maximum(np.abs(analytic), np.abs(numerical)))
    errors = np.abs(analytic - numerical) / scale
    errors = np.where(np.isnan(errors), np.inf, errors)  # an undefined partial never passes
    worst = tuple(int(i) for i in np.unravel_index(int(np.argmax(errors)), errors.shape))
    return ParameterCheck(name, analytic, numerical, float(errors[worst]), worst, tolerance)


def _verdict(check: ParameterCheck) -> str:
    if check.passed:
        return f"below {check.tolerance:.0e}".replace("e-0", "e-")
    return f"{check.max_error:.1e} at entry {list(check.worst)} (FAILED)"


def _number(x: float, digits: int) -> str:
    """x to `digits` significant digits, with no '-0'."""
    text = f"{float(x):.{digits}g}"
    return "0" if float(text) == 0 else text


def _array(values: np.ndarray, digits: int = 4) -> str:
    """A small array as nested lists of rounded numbers (numpy's own printing varies)."""
    if np.ndim(values) == 0:
        return _number(float(values), digits)
    return "[" + ", ".join(_array(v, digits) for v in values) + "]"
