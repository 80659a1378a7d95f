"""The loss over a grid of two entries (what LossSurface draws its level curves from) and along
one entry (LossLab's curve): BookModel.loss_grid / loss_along, one stacked forward pass, beside
the core's forward pass point by point (a fresh graph per point, as they were computed before),
in interleaved rounds. The two must agree first (the gate), then medians and their ratio.
Run: `python benchmarks/loss_grid.py [--rounds 15]`.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from gradlab.model import BookModel, small_batch  # noqa: E402
from gradlab.views.loss import SAMPLES  # noqa: E402  (LossLab's curve)
from gradlab.views.loss_surface import GRID  # noqa: E402  (LossSurface's grid, per side)


def point_by_point_grid(model: BookModel, X, y, entries, xs, ys) -> np.ndarray:
    first, second = (model.locate(entry) for entry in entries)
    return np.array([[model._loss_with(X, y, {first: a, second: b}) for a in xs] for b in ys])


def point_by_point_along(model: BookModel, X, y, entry, values) -> np.ndarray:
    located = model.locate(entry)
    return np.array([model._loss_with(X, y, {located: v}) for v in values])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    rounds = parser.parse_args().rounds
    model = BookModel(weight_scale=1, bias=0.1)  # lesson 08's model and batch
    X, y = small_batch()
    entries = ("W1[0,1]", "b2[2]")
    xs, ys = np.linspace(-3, 3, GRID), np.linspace(-2, 2, GRID)
    along = np.linspace(-3, 3, SAMPLES)
    cases = {
        f"grid {GRID}x{GRID}": (lambda: model.loss_grid(X, y, entries, xs, ys),
                                lambda: point_by_point_grid(model, X, y, entries, xs, ys)),
        f"along, {SAMPLES} points": (lambda: model.loss_along(X, y, entries[0], along),
                                     lambda: point_by_point_along(model, X, y, entries[0], along)),
    }
    for name, (stacked, by_point) in cases.items():
        gap = float(np.max(np.abs(stacked() - by_point())))
        if not gap <= 1e-12:
            print(f"{name}: the two disagree by {gap:.3g}", file=sys.stderr)
            return 1
    times: dict[str, tuple[list[float], list[float]]] = {name: ([], []) for name in cases}
    for _ in range(rounds):
        for name, pair in cases.items():
            for run, kept in zip(pair, times[name], strict=True):
                start = time.perf_counter()
                run()
                kept.append(time.perf_counter() - start)
    print(f"loss of lesson 08's model on its batch ({len(y)} samples), medians of {rounds} "
          "interleaved rounds; the two agree to 1e-12")
    print(f"  {'':<24}{'stacked':>10}{'point by point':>16}{'ratio':>8}")
    for name, (stacked, by_point) in times.items():
        a, b = statistics.median(stacked) * 1e3, statistics.median(by_point) * 1e3
        print(f"  {name:<24}{a:>8.1f} ms{b:>13.1f} ms{a / b:>8.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
