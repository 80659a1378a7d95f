"""The chain rule through the book's model, read off one recorded backward pass: d L / d one
weight or bias as a sum over the samples, each sample's term the upstream gradient backward
recorded at a stage times the local derivatives below it (numpy and the core only).

For W1[i,j] (lesson 5's rule: add up the paths, here over samples n and classes k):
    dL/dW1[i,j] = sum_n sum_k dL/dz2[n,k] * W2[j,k] * ReLU'(z1[n,j]) * X[n,i]
where the inner sum is dL/da1[n,j] and dL/da1[n,j] * ReLU'(z1[n,j]) is dL/dz1[n,j]: each of
these, and dL/dp before them, is read from the pass, not worked out again here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

if TYPE_CHECKING:
    from .model import BackwardPass

STAGES = ("cross-entropy", "softmax", "dense 2", "ReLU", "dense 1")


class Column(NamedTuple):
    """One column of the chain: the stage it belongs to, its name (plain text, e.g.
    'dL/dz2[n,:]'), one value per sample (a row per sample for a vector), and whether it is a
    gradient backward recorded (`upstream`) or a local derivative of the stage."""

    stage: str
    label: str
    values: np.ndarray
    upstream: bool


@dataclass(frozen=True)
class Chain:
    """dL/d(entry) = the sum over samples of `contributions`; each contribution is the last
    upstream column times the local columns after it, for that sample's row.

    `paths` (for an entry of W1 or b1) are W2[j, :], the local derivatives dz2[n,k]/da1[n,j]
    through which the classes' gradients dL/dz2[n,k] reach a1[n,j]: dL/da1[n,j] = their sum
    of products. `backward` is the entry's gradient from the same pass (its matrix product
    adds the same terms in its own order); `total` the sum of the contributions.
    """

    entry: str
    columns: tuple[Column, ...]
    contributions: np.ndarray
    backward: float
    targets: np.ndarray
    paths: np.ndarray | None = None
    index: tuple[int, int] = (0, 0)  # the entry's (row, column) in its parameter

    @property
    def total(self) -> float:
        return float(np.sum(self.contributions))

    @property
    def samples(self) -> int:
        return len(self.contributions)

    def column(self, label: str) -> Column:
        """The column of that name, e.g. chain.column("ReLU'(z1[n,1])")."""
        for column in self.columns:
            if column.label == label:
                return column
        raise KeyError(f"no column {label!r}: the columns are "
                       + ", ".join(c.label for c in self.columns))

    def __str__(self) -> str:
        lines = [f"dL/d{self.entry} = sum over the {self.samples} samples of "
                 + " * ".join(c.label for c in self.columns[-self._factors():]),
                 "  " + " | ".join(["n (class)"] + [c.label for c in self.columns]
                                   + ["contribution"])]
        for n in range(self.samples):
            cells = [f"{n} ({self.targets[n]})"] + [_text(c.values[n]) for c in self.columns]
            lines.append("  " + " | ".join(cells + [_text(self.contributions[n])]))
        lines.append(f"  sum of contributions = {self.total:.6g}; backward: "
                     f"dL/d{self.entry} = {self.backward:.6g}")
        return "\n".join(lines)

    def _factors(self) -> int:
        """How many columns, from the right, multiply into a contribution."""
        last_upstream = max(i for i, c in enumerate(self.columns) if c.upstream)
        return len(self.columns) - last_upstream


def _text(value) -> str:
    if np.ndim(value):
        return "[" + ", ".join(_text(v) for v in value) + "]"
    text = f"{float(value):.4g}"
    return "0" if float(text) == 0 else text


def chain_of(result: BackwardPass, entry: str) -> Chain:
    """The chain for one entry (e.g. 'W1[0,1]', 'b2[2]') from a recorded backward pass."""
    from .model import locate

    name, (i, j) = locate(entry, {key: data.shape for key, data in result.weights.items()})
    recorded, forward = result.recorded, result.forward
    targets = np.asarray(forward.loss.arg)
    if targets.ndim == 2:  # one-hot rows
        targets = np.argmax(targets, axis=1)
    rows = np.arange(len(targets))
    samples = len(targets)
    columns = [Column("cross-entropy", "dL/dp[n,y_n]", recorded.probs[rows, targets], True)]
    paths = None
    if name in ("W2", "b2"):
        k = j
        upstream = recorded.logits[:, k]
        local = (np.array(forward.activated.data[:, i]) if name == "W2"
                 else np.ones(samples))  # dz2[n,k]/dW2[i,k] = a1[n,i]; dz2[n,k]/db2[k] = 1
        columns += [Column("softmax", f"dL/dz2[n,{k}]", upstream, True),
                    Column("dense 2", f"a1[n,{i}]" if name == "W2" else f"dz2[n,{k}]/db2[{k}]",
                           local, False)]
    else:
        paths = np.array(result.weights["W2"][j, :])
        local = (np.array(forward.inputs.data[:, i]) if name == "W1"
                 else np.ones(samples))  # dz1[n,j]/dW1[i,j] = X[n,i]; dz1[n,j]/db1[j] = 1
        upstream = recorded.hidden[:, j]
        columns += [Column("softmax", "dL/dz2[n,:]", recorded.logits, True),
                    Column("dense 2", f"dL/da1[n,{j}]", recorded.activated[:, j], True),
                    Column("ReLU", f"ReLU'(z1[n,{j}])", recorded.relu_local[:, j], False),
                    Column("ReLU", f"dL/dz1[n,{j}]", upstream, True),
                    Column("dense 1", f"X[n,{i}]" if name == "W1" else f"dz1[n,{j}]/db1[{j}]",
                           local, False)]
    return Chain(entry, tuple(columns), upstream * local,
                 float(result.gradients[name][i, j]), targets, paths, (i, j))
