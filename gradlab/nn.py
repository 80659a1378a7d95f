"""Layers built from the core: a dense (fully connected) layer whose weights and biases are Values,
so `loss.backward()` fills in their gradients and an optimizer (gradlab.optim) can train them.
"""

from __future__ import annotations

import numpy as np

from .engine import Value, lift


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
