"""The peer both engine.py and training.py time gradlab against: one forward and backward pass of
the book's spiral model written out in numpy as Neural Networks from Scratch writes it (dense,
ReLU, dense, softmax with categorical cross-entropy and their combined backward,
(softmax - one-hot) / N; each dense layer's backward also computes its dinputs, as the book's
does). Each benchmark adds its own update (SGD, Adam)."""

from __future__ import annotations

import numpy as np


def forward_backward(X: np.ndarray, y: np.ndarray, params: list[np.ndarray], *,
                     accuracy: bool = False) -> tuple[float, list[np.ndarray]]:
    """(loss, [dW1, db1, dW2, db2]) of the batch (X, y) for params [W1, b1, W2, b2]; with
    `accuracy`, the share of rows whose largest probability is their class is computed too
    (the training lab computes it every epoch)."""
    W1, b1, W2, b2 = params
    n, rows = len(y), np.arange(len(y))
    z1 = X @ W1 + b1
    hidden = np.maximum(0, z1)
    z2 = hidden @ W2 + b2
    exp = np.exp(z2 - np.max(z2, axis=1, keepdims=True))
    probs = exp / np.sum(exp, axis=1, keepdims=True)
    loss = float(np.mean(-np.log(np.clip(probs[rows, y], 1e-7, 1 - 1e-7))))
    if accuracy:
        _share = np.mean(np.argmax(probs, axis=1) == y)
    dz2 = probs.copy()  # d loss / d z2 = (softmax - onehot) / N
    dz2[rows, y] -= 1
    dz2 /= n
    dW2, db2 = hidden.T @ dz2, np.sum(dz2, axis=0, keepdims=True)
    dz1 = dz2 @ W2.T
    dz1[z1 <= 0] = 0
    dW1, db1 = X.T @ dz1, np.sum(dz1, axis=0, keepdims=True)
    _dX = dz1 @ W1.T  # the book's dense layer always computes its dinputs
    return loss, [dW1, db1, dW2, db2]
