"""The training lab's curves: how their axes are chosen and how a tick redraws them.

The axes end at round steps (epochs 100, 200, 500, 1000 ...; loss 1.2, 1.5, 2 ...; whole
decades for the gradient norms), so they stay put for many ticks: a tick that keeps them is
a still frame that redraws only the lines, a much lighter job for the browser than a replot.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .figure import Figure

CURVE_POINTS = 1_000  # longer histories are drawn thinned to about this many points
EPOCH_SPANS = (100, 200, 500, 1_000, 2_000, 5_000, 10_000)
LOSS_TOPS = (1.0, 1.2, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0)


def draw(figure: Figure, traces: dict[str, dict[str, Any]],
         axes: dict[str, list[float]]) -> None:
    """The traces' new points: with the same axis ranges, redrawn alone (a still animation
    frame); with new ranges, the whole plot in one update."""
    layout = figure.layout
    if all(list(layout[path.split(".")[0]].range or []) == value for path, value in axes.items()):
        figure.move(traces)
    else:
        figure.replot(traces, axes)


def epoch_span(last: float) -> float:
    """The epoch axis's end: the first of EPOCH_SPANS (x 10^k) from the last epoch on."""
    return step_up(float(last), EPOCH_SPANS)


def loss_top(loss: np.ndarray) -> float:
    """The loss axis's top: 5 % above the highest loss drawn, rounded up to LOSS_TOPS x 10^k
    (1.2 for the starting loss ln 3 = 1.0986)."""
    finite = loss[np.isfinite(loss)]
    return step_up(1.05 * float(finite.max()) if len(finite) else 1.0, LOSS_TOPS)


def step_up(value: float, steps: tuple[float, ...]) -> float:
    """The least of steps x 10^k (k >= 0 whole) that is >= value; steps[0] for a value
    below it or not finite."""
    if not math.isfinite(value) or value <= steps[0]:
        return steps[0]
    # value / steps[-1] lies in [scale, 10 scale): the answer is steps x scale or x 10 scale
    scale = 10.0 ** max(0, math.floor(math.log10(value / steps[-1])))
    return min(step * s for s in (scale, 10 * scale) for step in steps if step * s >= value)


def decades(values: np.ndarray) -> list[float]:
    """A log axis's range (in powers of 10) over whole decades holding every positive value,
    with a little room at either end; one decade below 1 when there is none."""
    values = values[np.isfinite(values) & (values > 0)]
    if not len(values):
        return [-1.0, 0.0]
    logs = np.log10(values)
    low, high = math.floor(float(logs.min()) - 0.05), math.ceil(float(logs.max()) + 0.05)
    return [float(low), float(max(high, low + 1))]


def thinned(n: int) -> np.ndarray:
    """Indexes of at most ~CURVE_POINTS rows of n, evenly spread, the last one included."""
    if n <= CURVE_POINTS:
        return np.arange(n)
    stride = -(-n // CURVE_POINTS)
    rows = np.arange(0, n, stride)
    return rows if rows[-1] == n - 1 else np.append(rows, n - 1)


def positive(values: list[float], rows: np.ndarray) -> np.ndarray:
    """For a log axis: nan (a gap) where a norm is 0."""
    array = np.asarray(values, dtype=np.float64)[rows]
    return np.where(array > 0, array, np.nan)
