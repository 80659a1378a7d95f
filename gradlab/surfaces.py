"""Four 2-D loss surfaces (a bowl, an elongated valley, Rosenbrock's banana and a saddle) and a
race of optimizers across them: each optimizer moves its own point (x, y), the gradient at every
step coming from the core's backward pass through the surface's expression. Numpy and core only.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .engine import Value
from .expression import Expression, parse
from .trainer import OPTIMIZERS, make_optimizer, optimizer_name


@dataclass(frozen=True)
class RaceSurface:
    """A function f(x, y) to descend, with where the race starts and what the plot shows.

    rates: a learning rate per optimizer name that makes a good race (the same rate does not
    suit all: plain SGD needs a rate below 2 / (the largest curvature), Adam's steps are about
    the rate's size whatever the gradient). limit: a point with |x| or |y| above it has
    diverged (or, on the saddle, run away down the slope that never ends).
    """

    name: str
    title: str
    text: str
    start: tuple[float, float]
    x_range: tuple[float, float]
    y_range: tuple[float, float]
    rates: Mapping[str, float]
    minimum: tuple[float, float] | None
    note: str
    limit: float = 50.0
    log_levels: bool = False  # level curves of log10(1 + f): Rosenbrock's span 0 to 2500

    @property
    def expression(self) -> Expression:
        return _parsed(self.text)


_CACHE: dict[str, Expression] = {}


def _parsed(text: str) -> Expression:
    if text not in _CACHE:
        _CACHE[text] = parse(text)
    return _CACHE[text]


SURFACES: dict[str, RaceSurface] = {
    "bowl": RaceSurface(
        "bowl", "a round bowl", "x^2 + y^2", (-1.5, 1.8), (-2.0, 2.0), (-2.0, 2.0),
        {"SGD": 0.1, "SGD + momentum": 0.05, "AdaGrad": 0.5, "RMSProp": 0.02, "Adam": 0.1},
        (0.0, 0.0),
        "Every direction curves the same: the gradient points straight at the minimum."),
    # curvature 0.04 along x, 4 along y: SGD's rate 0.45 is close to the limit 2/4 = 0.5 in y,
    # so it overshoots back and forth across the valley, and crawls along it (x shrinks by
    # 1 - 0.45 * 0.04 = 0.982 a step)
    "valley": RaceSurface(
        "valley", "an elongated valley", "0.02x^2 + 2y^2", (-3.5, 1.5), (-4.0, 4.0), (-2.0, 2.0),
        {"SGD": 0.45, "SGD + momentum": 0.1, "AdaGrad": 0.5, "RMSProp": 0.02, "Adam": 0.1},
        (0.0, 0.0),
        "Steep across, shallow along: plain SGD zig-zags across the valley and crawls along it."),
    "rosenbrock": RaceSurface(
        "rosenbrock", "Rosenbrock's banana valley", "(1 - x)^2 + 100(y - x^2)^2", (-1.2, 1.0),
        (-2.0, 2.0), (-1.0, 3.0),
        {"SGD": 0.001, "SGD + momentum": 0.001, "AdaGrad": 1.0, "RMSProp": 0.05, "Adam": 0.1},
        (1.0, 1.0),
        "A curved, flat-bottomed valley: easy to fall into, slow to follow to the minimum at "
        "(1, 1).", log_levels=True),
    "saddle": RaceSurface(
        "saddle", "a saddle", "x^2 - y^2", (-1.8, 0.05), (-2.0, 2.0), (-2.0, 2.0),
        {"SGD": 0.1, "SGD + momentum": 0.05, "AdaGrad": 0.2, "RMSProp": 0.02, "Adam": 0.05},
        None,
        "A minimum along x, a maximum along y: no minimum at all. The tiny slope in y near the "
        "saddle point (0, 0) is where optimizers differ.", limit=20.0),
}


def surface(name: str | RaceSurface) -> RaceSurface:
    """A surface by name ('bowl', 'valley', 'rosenbrock', 'saddle')."""
    if isinstance(name, RaceSurface):
        return name
    if name not in SURFACES:
        raise ValueError(f"no surface {name!r}: choose one of {', '.join(SURFACES)}")
    return SURFACES[name]


def gradient_at(expression: Expression, x: Value, y: Value) -> float:
    """f at (x.data, y.data), and the partials df/dx, df/dy put into x.grad and y.grad, by a
    fresh core graph of the expression and its backward pass."""
    out, leaves = expression.build(x=float(x.data), y=float(y.data))
    out.backward()
    x.grad, y.grad = float(leaves["x"].grad), float(leaves["y"].grad)
    return float(out.data)


@dataclass
class Runner:
    """One optimizer's trip across a surface: the points it visited (row k = after k steps),
    f at each, and why it stopped ('' while it runs)."""

    name: str
    settings: dict[str, float]
    surface: RaceSurface
    x: Value = field(init=False)
    y: Value = field(init=False)
    points: list[tuple[float, float]] = field(init=False)
    losses: list[float] = field(init=False)
    stopped: str = field(init=False, default="")

    def __post_init__(self) -> None:
        self.restart()

    def restart(self) -> None:
        """Back to the start with a fresh optimizer (its running averages at zero)."""
        x0, y0 = self.surface.start
        self.x, self.y = Value(float(x0), label="x"), Value(float(y0), label="y")
        self.optimizer = make_optimizer(self.name, [self.x, self.y], **self.settings)
        self.points = [(float(x0), float(y0))]
        # one core graph per point gives f there and the gradient the next step will use
        self.losses = [gradient_at(self.surface.expression, self.x, self.y)]
        self.stopped = ""

    @property
    def steps(self) -> int:
        return len(self.points) - 1

    def advance(self, steps: int = 1) -> None:
        """Take up to `steps` optimizer steps; stop (with a reason) on a non-finite number or
        a point outside the box |x|, |y| <= limit."""
        expression, limit = self.surface.expression, self.surface.limit
        for _ in range(steps):
            if self.stopped:
                return
            # x.grad and y.grad hold the gradient at the current point (see restart)
            if not (math.isfinite(self.x.grad) and math.isfinite(self.y.grad)):
                self.stopped = f"stopped at step {self.steps}: the gradient is not finite"
                return
            self.optimizer.step()
            x, y = float(self.x.data), float(self.y.data)
            if not (math.isfinite(x) and math.isfinite(y)):
                self.stopped = (f"diverged at step {self.steps + 1}: the point is no longer a "
                                "finite number; try a smaller learning rate")
                return
            if abs(x) > limit or abs(y) > limit:
                self.stopped = (f"left the box |x|, |y| ≤ {limit:g} at step {self.steps + 1}"
                                + ("" if self.surface.minimum is None else
                                   ": it diverged; try a smaller learning rate"))
                return
            self.points.append((x, y))
            self.losses.append(gradient_at(expression, self.x, self.y))

    @property
    def path(self) -> np.ndarray:
        return np.array(self.points, dtype=np.float64)


@dataclass(frozen=True)
class Trajectory:
    """What `race` returns per optimizer: points (steps + 1, 2), f along them, the reason it
    stopped early ('' if it took every step)."""

    name: str
    points: np.ndarray
    losses: np.ndarray
    stopped: str


def default_settings(surface_: RaceSurface, name: str, momentum: float = 0.9,
                     decay: float = 0.0) -> dict[str, float]:
    """The surface's learning rate for optimizer `name`, plus momentum (for the optimizers that
    take it, per optim.OPTIMIZERS) and the learning-rate decay."""
    name = optimizer_name(name)
    settings = {"lr": surface_.rates[name], "decay": decay}
    if "momentum" in OPTIMIZERS[name].extra:
        settings["momentum"] = momentum
    return settings


def race(surface_: str | RaceSurface, optimizers: Mapping[str, Mapping[str, Any]] | Iterable[str]
         | None = None, steps: int = 100) -> dict[str, Trajectory]:
    """Every optimizer from the surface's start for `steps` steps (or until it stops).

    optimizers: names (each with the surface's learning rate) or name -> settings such as
    {"lr": 0.1, "momentum": 0.9, "decay": 0.0}; None races all five. E.g. SGD on the bowl
    f = x^2 + y^2 from (1.5, 1): x1 = 1.5 - lr * 2 * 1.5.
    """
    chosen = surface(surface_)
    if optimizers is None:
        optimizers = list(OPTIMIZERS)
    if not isinstance(optimizers, Mapping):
        optimizers = {name: default_settings(chosen, name) for name in optimizers}
    paths = {}
    for name, settings in optimizers.items():
        runner = Runner(name, dict(settings), chosen)
        runner.advance(steps)
        paths[name] = Trajectory(name, runner.path, np.array(runner.losses), runner.stopped)
    return paths


def level_grid(surface_: RaceSurface, n: int = 80) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """xs (n,), ys (n,) and the level-curve heights z (n, n) (row = y): f from the core, on
    Rosenbrock log10(1 + f), whose levels would otherwise all crowd the valley's walls."""
    xs = np.linspace(*surface_.x_range, n)
    ys = np.linspace(*surface_.y_range, n)
    gx, gy = np.meshgrid(xs, ys)
    z = np.asarray(surface_.expression.evaluate(x=gx, y=gy), dtype=np.float64)
    if surface_.log_levels:
        z = np.log10(1.0 + z)
    return xs, ys, z


def summary(paths: Mapping[str, Trajectory]) -> str:
    """Where each optimizer got to, as plain text with 4 significant digits."""
    lines = []
    for name, path in paths.items():
        x, y = path.points[-1]
        line = (f"{name:<15} {len(path.points) - 1:>4} steps  f = {path.losses[-1]:<10.4g} "
                f"at ({x:.4g}, {y:.4g})")
        lines.append(line.rstrip() + (f"  [{path.stopped}]" if path.stopped else ""))
    return "\n".join(lines).replace("-0 ", "0 ").replace("(-0,", "(0,").replace(", -0)", ", 0)")
