"""The book's classifier as one core graph: dense(2, H) -> ReLU -> dense(H, 3) -> softmax ->
categorical cross-entropy on a small batch, every weight's and bias's gradient by backward,
checked against central differences, and d loss / d logits beside the book's shortcut
(softmax - one-hot) / N (Neural Networks from Scratch, ch. 9). Needs numpy and the core only.

(Over 350 lines: BookModel's forward pass, backward pass, recorded steps and descent step share
its parameters and batch; the small records they return are defined just above it. The gradient
check is in model_check.py, the chain of one weight in model_chain.py.)
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from . import ops
from .engine import Value
from .functions import _targets as check_targets
from .functions import cross_entropy, one_hot, relu, softmax
from .model_check import FLOOR, TOLERANCE, ModelCheck, ParameterCheck, compare
from .nn import Dense
from .numeric import numerical_gradient

if TYPE_CHECKING:
    from .model_chain import Chain

__all__ = ["FLOOR", "TOLERANCE", "BackwardPass", "BookModel", "DescentStep", "Forward",
           "LogitsGradient", "ModelCheck", "ParameterCheck", "Recorded", "locate",
           "small_batch"]

_ENTRY = re.compile(r"^(W1|b1|W2|b2)\[(\d+)(?:,(\d+))?\]$")
BOOK_WEIGHT_SCALE = 0.01  # the book's starting weights: 0.01 * standard normal numbers
SPANS = (0.5, 1.0, 2.0, 3.0, 5.0, 10.0, 20.0)  # half-widths `visible_span` chooses from
VISIBLE = 0.1  # ... the smallest over which the loss changes by this fraction of itself


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


class Recorded(NamedTuple):
    """What the recorded backward pass left at each stage (row n = sample n), read from its
    steps: the gradient of L with respect to each node, and ReLU's local derivative."""

    probs: np.ndarray  # dL/dp: cross-entropy's rule, -onehot / (N p)
    logits: np.ndarray  # dL/dz2: after softmax's rule
    activated: np.ndarray  # dL/da1: after dense 2's rule, dL/dz2 @ W2^T
    relu_local: np.ndarray  # ReLU'(z1): 1 where z1 > 0, else 0
    hidden: np.ndarray  # dL/dz1: after ReLU's rule, ReLU'(z1) * dL/da1


class BackwardPass(NamedTuple):
    """What one forward and one recorded backward pass give."""

    forward: Forward
    loss: float
    gradients: dict[str, np.ndarray]  # name -> dL/dname
    logits: LogitsGradient
    recorded: Recorded
    weights: dict[str, np.ndarray]  # name -> the parameter's numbers this pass used


class DescentStep(NamedTuple):
    """One gradient-descent step on a few entries, the rest held: after = before - lr * gradient,
    with the gradient from backward and the loss before and after by forward passes."""

    entries: tuple[str, ...]
    before: np.ndarray
    gradient: np.ndarray
    lr: float
    after: np.ndarray
    loss_before: float
    loss_after: float


def locate(entry: str, shapes: Mapping[str, tuple[int, ...]]) -> tuple[str, tuple[int, int]]:
    """'W2[1,0]' -> ('W2', (1, 0)); 'b1[2]' -> ('b1', (0, 2)) (biases are 1-row arrays), for
    parameters of the given shapes. ValueError naming the valid choices for anything else."""
    match = _ENTRY.match(str(entry).replace(" ", ""))
    if match:
        name, first, second = match.groups()
        index = (0, int(first)) if second is None else (int(first), int(second))
        is_bias = name.startswith("b")
        if is_bias == (second is None) and all(
                i < n for i, n in zip(index, shapes[name], strict=True)):
            return name, index
    choices = [f"{n}[{'j' if n.startswith('b') else 'i,j'}] {shape}"
               for n, shape in shapes.items()]
    raise ValueError(f"no parameter entry {entry!r}: choose one of " + ", ".join(choices)
                     + " (indices count from 0)")


class BookModel:
    """dense(n_inputs, n_hidden) -> ReLU -> dense(n_hidden, n_classes) -> softmax ->
    cross-entropy, its weights and biases Values named W1, b1, W2, b2. The book's start:
    weights 0.01 * standard normal numbers from `seed`, biases 0; `weight_scale` and `bias`
    change that start (weight_scale * the same normal numbers, every bias = `bias`).

    z1 = X @ W1 + b1, a1 = ReLU(z1), z2 = a1 @ W2 + b2, p = softmax(z2),
    L = -(1/N) sum_i log p[i, y_i]. Backward gives, with G = dL/dz2 = (p - onehot) / N:
    dL/dW2 = a1^T G, dL/db2 = sum of G's rows, dL/dz1 = (G W2^T) * (z1 > 0),
    dL/dW1 = X^T dL/dz1, dL/db1 = sum of dL/dz1's rows.
    """

    def __init__(self, n_inputs: int = 2, n_hidden: int = 4, n_classes: int = 3,
                 seed: int = 0, weight_scale: float = BOOK_WEIGHT_SCALE,
                 bias: float = 0.0) -> None:
        weight_scale, bias = float(weight_scale), float(bias)
        if not (np.isfinite(weight_scale) and weight_scale > 0 and np.isfinite(bias)):
            raise ValueError(f"weight_scale must be a positive number and bias a number, got "
                             f"{weight_scale!r} and {bias!r}")
        rng = np.random.default_rng(seed)  # one stream for both layers, as the book draws them
        self.dense1 = Dense(n_inputs, n_hidden, seed=rng)
        self.dense2 = Dense(n_hidden, n_classes, seed=rng)
        if weight_scale != BOOK_WEIGHT_SCALE or bias != 0.0:
            draws = np.random.default_rng(seed)  # the same normal numbers, in the same order
            for dense in (self.dense1, self.dense2):
                dense.weights.data = weight_scale * draws.standard_normal(dense.weights.shape)
                dense.biases.data = np.full(dense.biases.shape, bias)
        self.params: dict[str, Value] = {
            "W1": self.dense1.weights, "b1": self.dense1.biases,
            "W2": self.dense2.weights, "b2": self.dense2.biases,
        }
        for name, param in self.params.items():
            param.label = name  # a graph view shows the book's names
        # how to build this model again: BookModel(**settings) starts from the same numbers
        defaults = {"n_inputs": 2, "n_hidden": 4, "n_classes": 3, "seed": 0,
                    "weight_scale": BOOK_WEIGHT_SCALE, "bias": 0.0}
        given = {"n_inputs": int(n_inputs), "n_hidden": int(n_hidden),
                 "n_classes": int(n_classes), "seed": int(seed),
                 "weight_scale": weight_scale, "bias": bias}
        self.settings: dict[str, float] = {k: v for k, v in given.items() if v != defaults[k]}

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
        return locate(entry, {name: p.data.shape for name, p in self.params.items()})

    def value_of(self, entry: str) -> float:
        name, index = self.locate(entry)
        return float(self.params[name].data[index])

    def set_entry(self, entry: str, value: float) -> None:
        """Give one entry a new value (a new array, so graphs already built keep theirs)."""
        name, index = self.locate(entry)
        data = self.params[name].data.copy()
        data[index] = float(value)
        self.params[name].data = data

    def moved_entries(self, start: Mapping[str, np.ndarray] | None = None) -> dict[str, float]:
        """Every entry whose value differs from `start` (name -> array; by default the start
        BookModel(**self.settings) draws), with its value now."""
        if start is None:
            start = {name: p.data for name, p in BookModel(**self.settings).params.items()}
        moved = {}
        for name, param in self.params.items():
            for i, j in zip(*np.nonzero(param.data != start[name]), strict=True):
                key = f"{name}[{j}]" if name.startswith("b") else f"{name}[{i},{j}]"
                moved[key] = float(param.data[i, j])
        return moved

    def loss_along(self, X, y, entry: str, values) -> np.ndarray:
        """L at each of `values` of one entry, the others held (one stacked forward pass)."""
        values = np.ravel(np.asarray(values, dtype=float))
        return self._losses_with(X, y, [self.locate(entry)], values[:, None])

    def loss_grid(self, X, y, entries: Sequence[str], xs, ys) -> np.ndarray:
        """z[i, j] = L with entries[0] = xs[j] and entries[1] = ys[i], the rest held: the loss
        over two entries on a grid (one stacked forward pass)."""
        first, second = (self.locate(entry) for entry in entries)
        if first == second:
            raise ValueError(f"choose two different entries, got {entries[0]!r} twice")
        across, up = np.meshgrid(np.ravel(xs), np.ravel(ys))
        losses = self._losses_with(X, y, [first, second],
                                   np.column_stack([across.ravel(), up.ravel()]))
        return losses.reshape(across.shape)

    def _losses_with(self, X, y, located: Sequence[tuple[str, tuple[int, int]]],
                     values: np.ndarray) -> np.ndarray:
        """L for each row of `values` (K rows, one column per entry of `located`, as (name,
        index)), the rest held; the parameters are not touched.

        `forward`'s pass, by the same operations' own forward functions, with the K settings
        stacked on a leading axis: W (K, n, m) broadcasts in X @ W, so one pass gives K
        losses where K graphs took ~5x longer (a loss surface's 961 points: 35 -> 7 ms)."""
        count = len(values)
        data = {name: param.data for name, param in self.params.items()}
        for column, (name, index) in enumerate(located):
            if data[name] is self.params[name].data:  # stack this parameter K times, once
                data[name] = np.repeat(data[name][None], count, axis=0)
            data[name][(slice(None), *index)] = values[:, column]
        inputs = np.atleast_2d(np.asarray(X.data if isinstance(X, Value) else X, dtype=float))
        hidden = ops.MATMUL.forward(inputs, data["W1"]) + data["b1"]
        logits = ops.MATMUL.forward(ops.RELU.forward(hidden), data["W2"]) + data["b2"]
        probs = ops.SOFTMAX.forward(logits, -1)
        targets = check_targets(y, probs.shape[1:])
        return np.array([ops.CROSS_ENTROPY.forward(rows, targets) for rows in probs],
                        dtype=float)

    def visible_span(self, X, y, entry: str, change: float = VISIBLE,
                     spans: Sequence[float] = SPANS, samples: int = 21) -> float:
        """The smallest half-width r in `spans` over which the loss along `entry` (the rest
        held) changes by at least `change` * L: max - min of L on `samples` points of
        [w - r, w + r] around the entry's value w. The largest span if none does."""
        here = self.value_of(entry)
        loss = float(self.loss(X, y).data)
        for span in spans:
            along = self.loss_along(X, y, entry, here + np.linspace(-span, span, samples))
            finite = along[np.isfinite(along)]
            if finite.size and finite.max() - finite.min() >= change * abs(loss):
                return float(span)
        return float(spans[-1])

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
        gradient, what the pass left at each stage (`recorded`) and d loss / d logits beside
        (softmax - onehot) / N (see logits_gradient)."""
        fwd = self.forward(X, y)
        weights = {name: param.data for name, param in self.params.items()}
        fwd.loss.zero_grad()  # the parameters outlive the graph: clear what they hold
        steps = fwd.loss.backward(record=True)
        gradients = {name: np.array(param.grad) for name, param in self.params.items()}
        last_into: dict[int, object] = {}  # node -> its whole gradient: the last step's total
        relu_local = None
        for step in steps:
            last_into[id(step.parent)] = step.total
            if step.node is fwd.activated:
                relu_local = step.local
        recorded = Recorded(*(np.array(last_into[id(node)]) for node in
                              (fwd.probs, fwd.logits, fwd.activated)),
                            np.array(relu_local), np.array(last_into[id(fwd.hidden)]))
        probs = np.array(fwd.probs.data)
        onehot = one_hot(fwd.loss.arg, probs.shape)
        n = probs.shape[0] if probs.ndim == 2 else 1
        logits = LogitsGradient(recorded.logits, (probs - onehot) / n, probs, onehot)
        return BackwardPass(fwd, float(fwd.loss.data), gradients, logits, recorded, weights)

    def chain(self, X, y, entry: str, result: BackwardPass | None = None) -> Chain:
        """dL/d(entry) as the recorded chain through every stage, summed over the samples
        (see gradlab.model_chain); `result` is a backward pass to read, else one is made."""
        from .model_chain import chain_of

        self.locate(entry)
        return chain_of(result if result is not None else self.backward_pass(X, y), entry)

    def descent_step(self, X, y, entries: Sequence[str], lr: float,
                     result: BackwardPass | None = None) -> DescentStep:
        """The step w <- w - lr * dL/dw for each of `entries` (the rest held), not taken: the
        gradient from backward (`result`'s, if given), the loss after by a forward pass."""
        lr = float(lr)
        if not (np.isfinite(lr) and lr > 0):
            raise ValueError(f"the learning rate must be a positive number, got {lr!r}")
        result = result if result is not None else self.backward_pass(X, y)
        located = [self.locate(entry) for entry in entries]
        before = np.array([self.params[name].data[index] for name, index in located])
        gradient = np.array([result.gradients[name][index] for name, index in located])
        after = before - lr * gradient
        loss_after = self._loss_with(X, y, dict(zip(located, after, strict=True)))
        return DescentStep(tuple(entries), before, gradient, lr, after, result.loss, loss_after)

    def _loss_with(self, X, y, values: Mapping[tuple[str, tuple[int, int]], float]) -> float:
        """L with the given entries ((name, index) -> value) set; the parameters put back."""
        originals = {}
        for (name, index), value in values.items():
            param = self.params[name]
            if name not in originals:
                originals[name] = param.data
                param.data = param.data.copy()
            param.data[index] = value
        try:
            return float(self.loss(X, y).data)
        finally:
            for name, data in originals.items():
                self.params[name].data = data

    def numerical_partial(self, X, y, entry: str, h: float = 1e-5) -> float:
        """(L(w + h) - L(w - h)) / 2h for one entry w, e.g. 'W2[0,0]'."""
        located = self.locate(entry)
        here = float(self.params[located[0]].data[located[1]])
        return float(numerical_gradient(
            lambda t: self._loss_with(X, y, {located: t}), here, h=h)[0])

    def check(self, X, y, h: float = 1e-5, tolerance: float = TOLERANCE,
              floor: float = FLOOR) -> ModelCheck:
        """Every parameter's gradient by backward beside central differences: each entry of
        each parameter's .data is moved by +-h and the loss re-evaluated,
        dL/dw ~ (L(w + h) - L(w - h)) / 2h. Each entry's relative error is
        |backward - central| / max(|backward|, |central|, floor). Parameters are left as
        they were."""
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
            checks[name] = compare(name, analytic[name], numerical, tolerance, floor)
        return ModelCheck(checks, h, tolerance, floor)

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
        lines = [repr(self), self._start_text(), f"batch: {len(X)} samples",
                 f"loss = {_number(loss, 6)}", str(check),
                 "d loss / d logits: the core's chain through softmax and cross-entropy and",
                 f"  the book's (softmax - onehot) / N {agree} (largest difference "
                 f"{'below 1e-12' if agree == 'agree' else _number(logits.max_difference, 3)})",
                 "gradients (backward):"]
        for name, parameter in check.parameters.items():
            lines.append(f"  d loss / d {name} ({shapes[name]}) = {_array(parameter.analytic)}")
        return "\n".join(lines)

    def _start_text(self) -> str:
        scale = self.settings.get("weight_scale", BOOK_WEIGHT_SCALE)
        bias = self.settings.get("bias", 0.0)
        book = " (the book's)" if not {"weight_scale", "bias"} & set(self.settings) else ""
        return (f"start{book}: weights {_number(scale, 4)} x standard normal "
                f"(seed {self.settings.get('seed', 0)}), biases {_number(bias, 4)}")


def _number(x: float, digits: int) -> str:
    """x to `digits` significant digits, with no '-0'."""
    text = f"{float(x):.{digits}g}"
    return "0" if float(text) == 0 else text


def _array(values: np.ndarray, digits: int = 4) -> str:
    """A small array as nested lists of rounded numbers (numpy's own printing varies)."""
    if np.ndim(values) == 0:
        return _number(float(values), digits)
    return "[" + ", ".join(_array(v, digits) for v in values) + "]"
