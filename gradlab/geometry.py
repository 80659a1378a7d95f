"""The geometry the live views draw, computed with numpy from numbers the core supplies: sampled
curves with gaps where f is undefined, tangent and secant lines, the slices of a surface through
a point, grids, arrows, and the path gradient descent takes."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import NamedTuple

import numpy as np


def with_gaps(values) -> np.ndarray:
    """`values` as a float array with nan wherever it is not finite (inf or nan), so a plot
    leaves a gap instead of drawing a line off to infinity."""
    values = np.array(values, dtype=np.float64)
    values[~np.isfinite(values)] = np.nan
    return values


def sample(f: Callable[[np.ndarray], object], lo: float, hi: float,
           n: int = 200) -> tuple[np.ndarray, np.ndarray]:
    """n points of y = f(x) for x evenly spaced on [lo, hi]; f receives the whole array
    (vectorized) and non-finite values become nan (gaps). A constant f is broadcast."""
    xs = np.linspace(lo, hi, n)
    ys = np.broadcast_to(np.asarray(f(xs), dtype=np.float64), xs.shape)
    return xs, with_gaps(ys)


def line_through(x0: float, y0: float, slope: float, lo: float,
                 hi: float) -> tuple[np.ndarray, np.ndarray]:
    """The two ends, at x = lo and x = hi, of the line y = y0 + slope (x - x0).

    Returns nan ends (nothing drawn) when the point or the slope is not finite.
    """
    xs = np.array([lo, hi], dtype=np.float64)
    if not (np.isfinite(x0) and np.isfinite(y0) and np.isfinite(slope)):
        return xs, np.full(2, np.nan)
    return xs, y0 + slope * (xs - x0)


def tangent_segment(x0: float, y0: float, slope: float,
                    half_width: float) -> tuple[np.ndarray, np.ndarray]:
    """The tangent at (x0, y0) drawn from x0 - half_width to x0 + half_width:
    y = y0 + slope (x - x0)."""
    return line_through(x0, y0, slope, x0 - half_width, x0 + half_width)


def secant_slope(f: Callable[[float], float], x: float, h: float) -> float:
    """The forward difference (f(x + h) - f(x)) / h: the slope of the secant through
    (x, f(x)) and (x + h, f(x + h)); it tends to f'(x) as h -> 0. nan if either value is not
    finite (or h is 0)."""
    if h == 0:
        return float("nan")
    here, ahead = float(f(x)), float(f(x + h))
    if not (np.isfinite(here) and np.isfinite(ahead)):
        return float("nan")
    return (ahead - here) / h


def slice_tangent(x0: float, y0: float, z0: float, slope: float, along: str,
                  half_width: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The tangent of a surface's slice through (x0, y0, z0), as two 3-D end points.

    along "x": y is held at y0 and z = z0 + slope (x - x0), slope = df/dx;
    along "y": x is held at x0 and z = z0 + slope (y - y0), slope = df/dy.
    """
    if along not in ("x", "y"):
        raise ValueError(f"along must be 'x' or 'y', got {along!r}")
    offsets = np.array([-half_width, half_width])
    rises = slope * offsets if np.isfinite(slope) and np.isfinite(z0) else np.full(2, np.nan)
    if along == "x":
        return x0 + offsets, np.full(2, float(y0)), z0 + rises
    return np.full(2, float(x0)), y0 + offsets, z0 + rises


def tangent_plane(x0: float, y0: float, z0: float, dfdx: float, dfdy: float,
                  half_width: float, n: int = 2) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The plane z = z0 + df/dx (x - x0) + df/dy (y - y0) on the square of side 2 half_width
    around (x0, y0), as n x n grids (nan everywhere if a number is not finite)."""
    xs = np.linspace(x0 - half_width, x0 + half_width, n)
    ys = np.linspace(y0 - half_width, y0 + half_width, n)
    gx, gy = np.meshgrid(xs, ys)
    if not all(np.isfinite(v) for v in (z0, dfdx, dfdy)):
        return xs, ys, np.full(gx.shape, np.nan)
    return xs, ys, z0 + dfdx * (gx - x0) + dfdy * (gy - y0)


def grid(x_range: tuple[float, float], y_range: tuple[float, float],
         n: int = 40) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """n evenly spaced xs and ys over the ranges and their meshgrid (X[i, j] = xs[j],
    Y[i, j] = ys[i]), the layout plotly's Surface and Contour expect for z[i][j]."""
    xs = np.linspace(*x_range, n)
    ys = np.linspace(*y_range, n)
    gx, gy = np.meshgrid(xs, ys)
    return xs, ys, gx, gy


def arrow(x0: float, y0: float, u: float, v: float) -> tuple[np.ndarray, np.ndarray]:
    """The shaft of the arrow from (x0, y0) to (x0 + u, y0 + v): its two ends (nan if a
    component is not finite, so nothing is drawn)."""
    if not all(np.isfinite(t) for t in (x0, y0, u, v)):
        return np.full(2, np.nan), np.full(2, np.nan)
    return np.array([x0, x0 + u]), np.array([y0, y0 + v])


def quiver(gx: np.ndarray, gy: np.ndarray, u: np.ndarray, v: np.ndarray, cell: float,
           head: float = 0.3) -> tuple[np.ndarray, np.ndarray]:
    """Arrows (u, v) at the points (gx, gy) as one polyline with nan breaks: per arrow a shaft
    and two barbs of its head, i.e. 9 coordinates (3 segments of 2 points, each followed by a
    nan). All arrows share one scale so the longest is `cell` long; directions and relative
    lengths stay true. Arrows whose components are not finite are left out (nan)."""
    gx, gy, u, v = (np.ravel(np.asarray(a, dtype=np.float64)) for a in (gx, gy, u, v))
    finite = np.isfinite(u) & np.isfinite(v)
    u, v = np.where(finite, u, 0.0), np.where(finite, v, 0.0)  # no inf arithmetic (warnings)
    lengths = np.hypot(u, v)
    longest = lengths.max() if lengths.size else 0.0
    scale = cell / longest if longest > 0 else 0.0
    du, dv = u * scale, v * scale
    tip_x, tip_y = gx + du, gy + dv
    # the barbs point back from the tip, turned 25 degrees either side of the shaft
    back_x, back_y = -du * head, -dv * head
    cos, sin = np.cos(np.radians(25)), np.sin(np.radians(25))
    left_x, left_y = tip_x + cos * back_x - sin * back_y, tip_y + sin * back_x + cos * back_y
    right_x, right_y = tip_x + cos * back_x + sin * back_y, tip_y - sin * back_x + cos * back_y
    gap = np.full_like(gx, np.nan)
    xs = np.stack([gx, tip_x, gap, tip_x, left_x, gap, tip_x, right_x, gap], axis=1)
    ys = np.stack([gy, tip_y, gap, tip_y, left_y, gap, tip_y, right_y, gap], axis=1)
    xs[~finite | (lengths == 0)] = np.nan
    ys[~finite | (lengths == 0)] = np.nan
    return xs.ravel(), ys.ravel()


class DescentPath(NamedTuple):
    """The points gradient descent visited (row k = the point after k steps) and why it
    stopped: "" when it took every step, otherwise a sentence for the learner."""

    points: np.ndarray
    stopped: str


def descent_path(gradient: Callable[[np.ndarray], np.ndarray], start, learning_rate: float,
                 steps: int = 30, limit: float = 1e6) -> DescentPath:
    """Gradient descent from `start`: p_{k+1} = p_k - learning_rate * gradient(p_k).

    `gradient` returns the core's gradient at a point. Stops early, saying why, when the
    gradient is not finite (f undefined there), when a point leaves the box |p_i| <= limit
    (diverging: the learning rate is too large), or when the gradient is exactly 0.
    """
    # plain floats: the points have 2 or 3 coordinates, where numpy's per-call overhead
    # would cost more than the arithmetic
    point = [float(p) for p in np.ravel(start)]
    points = [point]
    for _ in range(steps):
        grad = [float(g) for g in np.ravel(gradient(np.array(point)))]
        if not all(math.isfinite(g) for g in grad):
            return DescentPath(np.array(points), "descent stopped: the gradient is undefined "
                                                 "(or infinite) at the last point")
        if not any(grad):
            return DescentPath(np.array(points), "descent stopped: the gradient is 0 "
                                                 "(a flat spot)")
        point = [p - learning_rate * g for p, g in zip(point, grad, strict=True)]
        if not all(math.isfinite(p) and abs(p) <= limit for p in point):
            return DescentPath(np.array(points), "descent diverged: the steps grow without "
                                                 "bound; try a smaller learning rate")
        points.append(point)
    return DescentPath(np.array(points), "")
