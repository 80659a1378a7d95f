"""Gradients at a point: by the autodiff core, by central differences, and a check of one
against the other."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .engine import Value


def _point(point) -> list[float]:
    if not point:
        raise ValueError("give the point's coordinates, e.g. gradient(f, 1.0, 2.0)")
    try:
        return [float(p) for p in point]
    except (TypeError, ValueError):
        raise TypeError(f"the point's coordinates must be numbers, got {point!r}") from None


def _number(result) -> float:
    data = result.data if isinstance(result, Value) else result
    if np.ndim(data) != 0:
        raise ValueError(f"f must return a single number, got shape {np.shape(data)}")
    return float(data)


def gradient(f: Callable[..., Value], *point: float) -> np.ndarray:
    """[df/dx_1, ..., df/dx_n] at the point, by reverse mode (f receives one Value each)."""
    leaves = [Value(p, label=f"x{i + 1}") for i, p in enumerate(_point(point))]
    out = f(*leaves)
    if not isinstance(out, Value):  # a constant function
        _number(out)
        return np.zeros(len(leaves))
    _number(out)
    out.backward()
    return np.array([leaf.grad for leaf in leaves])


def numerical_gradient(f: Callable[..., float], *point: float, h: float = 1e-5) -> np.ndarray:
    """The partials by central differences: (f(x + h e_i) - f(x - h e_i)) / 2h.

    f receives floats (it may return a float or a Value).
    """
    try:
        h = float(h)
    except (TypeError, ValueError):
        raise TypeError(f"the step h must be a number, got {h!r}") from None
    if not 0.0 < h < math.inf:  # also refuses nan
        raise ValueError(f"the step h must be positive and finite, got {h}")
    x = _point(point)
    partials = np.empty(len(x))
    for i in range(len(x)):
        ahead, behind = list(x), list(x)
        ahead[i] += h
        behind[i] -= h
        partials[i] = (_number(f(*ahead)) - _number(f(*behind))) / (2 * h)
    return partials


@dataclass(frozen=True)
class GradientCheck:
    """The autodiff gradient beside the central-difference one, and how far apart they are."""

    analytic: np.ndarray
    numerical: np.ndarray
    max_error: float  # the largest |analytic - numerical| / max(1, |analytic|, |numerical|)
    worst: int  # the coordinate where it occurs
    tolerance: float

    @property
    def passed(self) -> bool:
        return bool(self.max_error <= self.tolerance)

    def __bool__(self) -> bool:
        return self.passed

    def __str__(self) -> str:
        verdict = "passed" if self.passed else "FAILED"
        return (f"gradient check {verdict}: largest error {self.max_error:.2e} at coordinate "
                f"{self.worst + 1} (analytic {self.analytic[self.worst]:.8g}, numerical "
                f"{self.numerical[self.worst]:.8g}; tolerance {self.tolerance:.0e})")


def check_gradient(f: Callable, *point: float, h: float = 1e-5,
                   tolerance: float = 1e-6) -> GradientCheck:
    """Compare gradient(f, *point) with numerical_gradient(f, *point) and report the worst."""
    analytic = gradient(f, *point)
    numerical = numerical_gradient(f, *point, h=h)
    scale = np.maximum(1.0, np.maximum(np.abs(analytic), np.abs(numerical)))
    errors = np.abs(analytic - numerical) / scale
    errors = np.where(np.isnan(errors), np.inf, errors)
    worst = int(np.argmax(errors))
    return GradientCheck(analytic, numerical, float(errors[worst]), worst, tolerance)
