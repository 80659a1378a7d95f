"""Layers built from the core: a dense (fully connected) layer whose weights and biases are Values,
so `loss.backward()` fills in their gradients and an optimizer (gradlab.optim) can train them;
and the book's worked backward passes of one neuron and of one layer (lessons 6 and 7).
"""

from __future__ import annotations

import re
from typing import NamedTuple

import numpy as np

from .engine import Value, lift
from .optim import SGD


class Dense:
    """A fully connected layer: output = inputs @ weights + biases (Neural Networks from Scratch).

    weights has shape (n_inputs, n_neurons), one column per neuron, and starts as 0.01 times
    standard normal numbers; biases has shape (1, n_neurons) and starts at zero. For a loss L
    and output = x @ W + b: dL/dW = x^T @ dL/doutput, dL/db = dL/doutput summed over the rows.

    seed: an int (the same int gives the same weights), a numpy Generator, or None (fresh
    numbers each time). Only a local generator is used; numpy's global random state is
    neither read nor changed.
    """

    def __init__(self, n_inputs: int, n_neurons: int,
                 seed: int | np.random.Generator | None = None) -> None:
        self.n_inputs = _check_size("n_inputs", n_inputs)
        self.n_neurons = _check_size("n_neurons", n_neurons)
        rng = np.random.default_rng(seed)
        self.weights = Value(0.01 * rng.standard_normal((self.n_inputs, self.n_neurons)),
                             label="weights")
        self.biases = Value(np.zeros((1, self.n_neurons)), label="biases")

    def __call__(self, inputs) -> Value:
        """inputs @ weights + biases, for inputs of shape (samples, n_inputs) or (n_inputs,).

        inputs may be a Value (then gradients flow back into it too) or an array or list.
        """
        inputs = lift(inputs)
        shape = np.shape(inputs.data)
        if len(shape) not in (1, 2) or shape[-1] != self.n_inputs:
            raise ValueError(f"{self!r} needs inputs of shape (samples, {self.n_inputs}) or "
                             f"({self.n_inputs},), got shape {shape}")
        return inputs @ self.weights + self.biases

    def parameters(self) -> list[Value]:
        """[weights, biases]: what an optimizer should change."""
        return [self.weights, self.biases]

    def __repr__(self) -> str:
        return f"Dense({self.n_inputs}, {self.n_neurons})"


def _check_size(name: str, value) -> int:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)) \
            or value < 1:
        raise ValueError(f"{name} must be a positive whole number, got {value!r}")
    return int(value)


# -- the backward passes of lessons 6 and 7, with the book's numbers ---------------------------

def _number(x: float) -> str:
    """Six significant digits, no '-0' (a printout that reads the same on every machine)."""
    text = f"{float(x):.6g}"
    return "0" if float(text) == 0 else text


def _factor(x: float) -> str:
    """A number inside a product: a negative one in parentheses."""
    text = _number(x)
    return f"({text})" if text.startswith("-") else text


def _vector(values) -> str:
    return "[" + ", ".join(_number(v) for v in np.ravel(values)) + "]"


def _matrix(values: np.ndarray, indent: str = "  ") -> str:
    """A matrix, one row a line, its numbers right-aligned in columns."""
    texts = [[_number(v) for v in row] for row in np.atleast_2d(values)]
    width = max(len(text) for row in texts for text in row)
    return "\n".join(indent + "[" + "  ".join(text.rjust(width) for text in row) + "]"
                     for row in texts)


class NeuronStep(NamedTuple):
    """One backward pass and one update of the book's neuron out = ReLU(w·x + b), given the
    gradient dvalue = dL/d out that arrives from the next layer (NNFS ch. 9).

    By the chain rule dL/dw_i = dvalue * ReLU'(z) * x_i, dL/db = dvalue * ReLU'(z) and
    dL/dx_i = dvalue * ReLU'(z) * w_i; the update is w <- w - lr * dw, b <- b - lr * db.
    """

    inputs: np.ndarray
    weights: np.ndarray
    bias: float
    z: float
    output: float
    dvalue: float
    drelu: float  # ReLU'(z), the local derivative backward recorded at the ReLU
    dweights: np.ndarray
    dbias: float
    dinputs: np.ndarray
    lr: float
    new_weights: np.ndarray
    new_bias: float
    new_z: float
    new_output: float

    def __str__(self) -> str:
        change = self.new_output - self.output
        direction = "lower" if change < 0 else "higher" if change > 0 else "unchanged"
        by = f" by {_number(abs(change))}" if change else ""
        return "\n".join([
            f"forward:   z = w·x + b = {_number(self.z)},  out = ReLU(z) = "
            f"{_number(self.output)}",
            f"backward:  the next layer sends dvalue = {_number(self.dvalue)};  ReLU'(z) = "
            f"{_number(self.drelu)}",
            f"           dw = dvalue·ReLU'(z)·x = {_vector(self.dweights)},  "
            f"db = dvalue·ReLU'(z) = {_number(self.dbias)}",
            f"           (dx = dvalue·ReLU'(z)·w = {_vector(self.dinputs)}, for the layer "
            "before)",
            f"update:    w - {_number(self.lr)}·dw = {_vector(self.new_weights)},  "
            f"b - {_number(self.lr)}·db = {_number(self.new_bias)}",
            f"forward:   z = {_number(self.new_z)},  out = ReLU(z) = "
            f"{_number(self.new_output)}  ({direction}{by})",
        ])


def _neuron(inputs: Value, weights: Value, bias: Value) -> tuple[Value, Value]:
    """(z, out) with z = inputs · weights + bias and out = ReLU(z)."""
    z = inputs @ weights + bias
    return z, z.relu()


def neuron_step(inputs, weights, bias: float, dvalue: float = 1.0,
                lr: float = 0.001) -> NeuronStep:
    """The book's neuron: forward, backward from dvalue = dL/d out, one SGD step of lr
    (gradlab.optim.SGD: w <- w - lr * dw, b <- b - lr * db), then forward again.

    >>> print(neuron_step([1, -2, 3], [-3, -1, 2], 1).new_output)   # the book's 5.985
    5.985
    """
    x = Value(np.asarray(inputs, dtype=np.float64), label="x")
    w = Value(np.asarray(weights, dtype=np.float64), label="w")
    b = Value(float(bias), label="b")
    if x.data.ndim != 1 or x.data.shape != w.data.shape:
        raise ValueError(f"inputs and weights must be two lists of the same length, got shapes "
                         f"{x.data.shape} and {w.data.shape}")
    for name, number in (("bias", b.data), ("dvalue", dvalue), ("lr", lr)):
        if not np.isfinite(float(number)):
            raise ValueError(f"{name} must be a finite number, got {number!r}")
    z, out = _neuron(x, w, b)
    steps = out.backward(float(dvalue), record=True)
    drelu = float(steps[0].local)  # the first step is ReLU's: local ReLU'(z)
    dweights, dbias, dinputs = np.array(w.grad), float(b.grad), np.array(x.grad)
    before = (np.array(w.data), float(b.data))
    SGD([w, b], lr=lr).step()
    new_z, new_out = _neuron(Value(x.data), Value(w.data), Value(b.data))
    return NeuronStep(x.data, before[0], before[1], float(z.data), float(out.data),
                      float(dvalue), drelu, dweights, dbias, dinputs, float(lr),
                      np.array(w.data), float(b.data), float(new_z.data), float(new_out.data))


def book_layer() -> dict[str, np.ndarray]:
    """The book's example of a layer's backward pass (NNFS ch. 9): a batch of 3 samples with 4
    inputs each through 3 neurons. weights is the transpose of the book's one row per neuron,
    so it has one column per neuron, shape (4, 3); dvalues is the gradient from the next layer,
    one per sample and neuron, shape (3, 3)."""
    return {
        "inputs": np.array([[1.0, 2.0, 3.0, 2.5], [2.0, 5.0, -1.0, 2.0],
                            [-1.5, 2.7, 3.3, -0.8]]),
        "weights": np.array([[0.2, 0.8, -0.5, 1.0], [0.5, -0.91, 0.26, -0.5],
                             [-0.26, -0.27, 0.17, 0.87]]).T,
        "biases": np.array([[2.0, 3.0, 0.5]]),
        "dvalues": np.array([[1.0, 1.0, 1.0], [2.0, 2.0, 2.0], [3.0, 3.0, 3.0]]),
    }


class LayerBackward(NamedTuple):
    """A dense layer's forward and backward pass on a batch, by the core (Dense and backward):
    output = X W + b; with dvalues = dL/d output, dinputs = dvalues W^T, dweights = X^T dvalues
    and dbiases = dvalues summed over the samples (its column sums)."""

    output: np.ndarray
    dinputs: np.ndarray
    dweights: np.ndarray
    dbiases: np.ndarray

    def __str__(self) -> str:
        parts = [("output = inputs·weights + biases", self.output),
                 ("dinputs = dvalues·weightsᵀ", self.dinputs),
                 ("dweights = inputsᵀ·dvalues", self.dweights),
                 ("dbiases = the column sums of dvalues", self.dbiases)]
        return "\n".join(f"{name}, shape {values.shape}:\n{_matrix(values)}"
                         for name, values in parts)


def layer_arrays(inputs, weights, biases, dvalues) -> tuple[np.ndarray, ...]:
    """The four arrays as float matrices (biases as one row), their shapes checked against each
    other and their numbers finite; a ValueError saying which shapes a layer needs otherwise."""
    arrays = [np.array(a, dtype=np.float64) for a in (inputs, weights, biases, dvalues)]
    arrays[2] = arrays[2].reshape(1, -1) if arrays[2].ndim == 1 else arrays[2]
    X, W, b, dv = arrays
    samples, n_inputs = X.shape if X.ndim == 2 else (0, 0)
    neurons = W.shape[1] if W.ndim == 2 else 0
    wanted = {"inputs": (X, (samples, n_inputs)), "weights": (W, (n_inputs, neurons)),
              "biases": (b, (1, neurons)), "dvalues": (dv, (samples, neurons))}
    if X.ndim != 2 or W.ndim != 2 or not samples or not neurons or any(
            array.shape != shape for array, shape in wanted.values()):
        shapes = ", ".join(f"{name} {array.shape}" for name, (array, _) in wanted.items())
        raise ValueError("a dense layer needs inputs (samples, n_inputs), weights (n_inputs, "
                         "neurons), biases (1, neurons) and dvalues (samples, neurons); got "
                         + shapes)
    if not all(np.all(np.isfinite(a)) for a in arrays):
        raise ValueError("inputs, weights, biases and dvalues must hold finite numbers")
    return X, W, b, dv


def layer_backward(inputs, weights, biases, dvalues) -> LayerBackward:
    """Forward a batch through Dense (output = inputs @ weights + biases), then backward with
    grad=dvalues: the engine's matrix rules give dinputs, dweights and dbiases."""
    X, W, b, dv = layer_arrays(inputs, weights, biases, dvalues)
    layer = Dense(W.shape[0], W.shape[1])
    layer.weights.data, layer.biases.data = W, b
    x = Value(X, label="inputs")
    output = layer(x)
    output.backward(dv)
    return LayerBackward(np.array(output.data), np.array(x.grad),
                         np.array(layer.weights.grad), np.array(layer.biases.grad))


class ChainTerm(NamedTuple):
    """One path's term of a layer gradient's entry, as backward recorded it at the leaf:
    contribution = local * upstream (e.g. X[n,i] * dvalues[n,j] for dweights[i,j])."""

    index: int  # the path's sample n (dweights, dbiases) or neuron j (dinputs)
    via: str  # the node the gradient came through, e.g. 'X[1,1]·W[1,2]'
    local: float
    upstream: float
    contribution: float


class EntryChain(NamedTuple):
    """One entry of dinputs, dweights or dbiases as the neuron-level chain rule: the sum of
    the recorded terms of every path from L down to the leaf (one per sample or neuron)."""

    entry: str  # e.g. 'dweights[1,2]'
    leaf: str  # e.g. 'W[1,2]'
    over: str  # 'sample' or 'neuron': what the paths run over
    terms: tuple[ChainTerm, ...]
    total: float  # the grad backward left on the leaf: the sum of the contributions

    def __str__(self) -> str:
        sums = " + ".join(f"{_factor(t.local)}·{_factor(t.upstream)}" for t in self.terms)
        lines = [f"{self.entry} = ∂L/∂{self.leaf}: one term per {self.over}, "
                 "local × upstream (recorded by backward)"]
        lines += [f"  {self.over} {t.index}: via {t.via}: {_number(t.local)} × "
                  f"{_number(t.upstream)} = {_number(t.contribution)}" for t in self.terms]
        lines.append(f"  sum: {sums} = {_number(self.total)}")
        return "\n".join(lines)


RESULT_OF = {"dinputs": "X", "dweights": "W", "dbiases": "b"}  # gradient -> its leaves' name
_ENTRY = re.compile(r"(dinputs|dweights|dbiases|output)\[(\d+)(?:,(\d+))?\]")


def locate_result(entry: str, shapes: dict[str, tuple[int, int]]) -> tuple[str, tuple[int, int]]:
    """'dweights[1,2]' -> ('dweights', (1, 2)); 'dbiases[2]' -> ('dbiases', (0, 2)).
    ValueError naming the valid entries for anything else."""
    match = _ENTRY.fullmatch(str(entry).replace(" ", ""))
    if match:
        name, first, second = match.groups()
        index = (0, int(first)) if second is None else (int(first), int(second))
        rows, columns = shapes.get(name, (0, 0))
        if (name == "dbiases") == (second is None) and index[0] < rows and index[1] < columns:
            return name, index
    choices = ", ".join(f"{name}[{'j' if name == 'dbiases' else 'r,c'}] {shape}"
                        for name, shape in shapes.items())
    raise ValueError(f"no entry {entry!r}: choose one of {choices} (indices count from 0)")


def entry_chain(inputs, weights, biases, dvalues, entry: str) -> EntryChain:
    """One entry of a layer's gradient, neuron by neuron: the layer built from single numbers,
    out[n,j] = sum_i X[n,i] W[i,j] + b[j], seeded with dvalues by L = sum dvalues[n,j] out[n,j]
    (so dL/d out[n,j] = dvalues[n,j]), then backward with record=True. The recorded steps into
    the entry's leaf are its terms:

    dweights[i,j] = sum over samples n of X[n,i] dvalues[n,j]  (local X[n,i]),
    dinputs[n,i]  = sum over neurons j of W[i,j] dvalues[n,j]  (local W[i,j]),
    dbiases[j]    = sum over samples n of 1 dvalues[n,j]       (local 1).
    """
    X, W, b, dv = layer_arrays(inputs, weights, biases, dvalues)
    samples, n_inputs = X.shape
    neurons = W.shape[1]
    shapes = {"dinputs": X.shape, "dweights": W.shape, "dbiases": b.shape}
    name, (r, c) = locate_result(entry, shapes)
    xs = [[Value(X[n, i], label=f"X[{n},{i}]") for i in range(n_inputs)] for n in range(samples)]
    ws = [[Value(W[i, j], label=f"W[{i},{j}]") for j in range(neurons)] for i in range(n_inputs)]
    bs = [Value(b[0, j], label=f"b[{j}]") for j in range(neurons)]
    where: dict[int, tuple[int, int, str]] = {}  # id(node) -> (sample, neuron, its text)
    loss = None
    for n in range(samples):
        for j in range(neurons):
            total = None
            for i in range(n_inputs):
                product = xs[n][i] * ws[i][j]
                where[id(product)] = (n, j, f"X[{n},{i}]·W[{i},{j}]")
                total = product if total is None else total + product
            out = total + bs[j]
            where[id(out)] = (n, j, f"out[{n},{j}] = … + b[{j}]")
            term = Value.constant(dv[n, j], label=f"dvalues[{n},{j}]") * out
            loss = term if loss is None else loss + term
    steps = loss.backward(record=True)
    leaf = {"dinputs": lambda: xs[r][c], "dweights": lambda: ws[r][c],
            "dbiases": lambda: bs[c]}[name]()
    over = "neuron" if name == "dinputs" else "sample"
    terms = []
    for step in steps:
        if step.parent is leaf:
            n, j, via = where[id(step.node)]
            terms.append(ChainTerm(j if over == "neuron" else n, via, float(step.local),
                                   float(step.upstream), float(step.contribution)))
    terms.sort(key=lambda term: term.index)
    return EntryChain(f"{name}[{c}]" if name == "dbiases" else f"{name}[{r},{c}]", leaf.label,
                      over, tuple(terms), float(leaf.grad))
