"""The level curve f(x, y) = c through a point, as a path the point can slide along: f keeps its
value c all the way, so the gradient at the sliding point stays perpendicular to the path.
Built from the grid's marching-squares curve (`contours`) and pulled exactly onto f = c by
Newton steps along the core's gradient."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from . import contours

# f(x, y) and its gradient (df/dx, df/dy), both from the core, on floats or on arrays
Values = Callable[[np.ndarray, np.ndarray], np.ndarray]
Gradient = Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]

NEWTON_STEPS = 8  # at most: from a grid curve's point 2 or 3 reach f = c to rounding


def onto_level(x, y, level: float, value: Values, gradient: Gradient,
               steps: int = NEWTON_STEPS) -> tuple[np.ndarray, np.ndarray]:
    """Points (x, y) moved onto the level curve f = level by Newton steps along the gradient:
    p <- p - (f(p) - level) grad f(p) / |grad f(p)|^2 (the step that makes the tangent plane's
    value equal the level), until f = level to rounding or after `steps` steps. A point where
    the gradient is 0 or not finite stays where it is."""
    x, y = np.array(x, dtype=np.float64), np.array(y, dtype=np.float64)
    for _ in range(steps):
        miss = np.broadcast_to(np.asarray(value(x, y), dtype=np.float64), x.shape) - level
        if np.all(~np.isfinite(miss) | (np.abs(miss) <= 4e-16 * (1 + abs(level)))):
            break
        gx, gy = (np.broadcast_to(np.asarray(g, dtype=np.float64), x.shape)
                  for g in gradient(x, y))
        norm = gx * gx + gy * gy
        ok = np.isfinite(miss) & np.isfinite(norm) & (norm > 0)
        with np.errstate(invalid="ignore", divide="ignore"):
            factor = np.where(ok, miss / np.where(ok, norm, 1.0), 0.0)
        x, y = x - factor * gx, y - factor * gy
    return x, y


@dataclass(frozen=True)
class LevelPath:
    """The level curve f = `level` through `anchor` as a polyline `points` (n x 2) with the
    anchor first, walked in the direction of the gradient turned 90 degrees counter-clockwise,
    (-df/dy, df/dx); `lengths` is the arc length from the anchor to each point. A `closed`
    curve returns to the anchor (its last point); an open one runs from the plot's edge
    behind the anchor (`back`, the part walked backwards, anchor first) to the edge ahead."""

    level: float
    anchor: tuple[float, float]
    points: np.ndarray
    lengths: np.ndarray
    back: np.ndarray
    back_lengths: np.ndarray
    closed: bool
    value: Values
    gradient: Gradient

    @property
    def drawn(self) -> tuple[np.ndarray, np.ndarray]:
        """The whole curve as x, y (an open one: the part behind reversed, then the part
        ahead)."""
        whole = self.points if self.closed else np.concatenate([self.back[::-1],
                                                                self.points[1:]])
        return whole[:, 0].copy(), whole[:, 1].copy()

    @property
    def span(self) -> tuple[float, float]:
        """The arc lengths reachable from the anchor: behind (negative) and ahead. A closed
        curve of length L: half way round either way, (-L/2, L/2)."""
        if self.closed:
            half = float(self.lengths[-1]) / 2
            return -half, half
        return -float(self.back_lengths[-1]), float(self.lengths[-1])

    def length_at(self, along: float) -> float:
        """The signed arc length from the anchor of the point `along` of the way, along in
        [-1, 1] (clipped): along * (the length ahead) for along >= 0, else along * (the
        length behind)."""
        along = min(max(float(along), -1.0), 1.0)
        behind, ahead = self.span
        return along * ahead if along >= 0 else -along * behind

    def at_length(self, s: float) -> tuple[float, float]:
        """The point at signed arc length s from the anchor (ahead for s > 0), placed on the
        polyline, then pulled onto f = level."""
        if self.closed:
            total = float(self.lengths[-1])
            points, lengths, target = self.points, self.lengths, s % total
        elif s >= 0:
            points, lengths, target = self.points, self.lengths, s
        else:
            points, lengths, target = self.back, self.back_lengths, -s
        x = float(np.interp(target, lengths, points[:, 0]))
        y = float(np.interp(target, lengths, points[:, 1]))
        px, py = onto_level(x, y, self.level, self.value, self.gradient)
        return float(px), float(py)

    def at(self, along: float) -> tuple[float, float]:
        """The point `along` of the way from the anchor: along in [-1, 1], 0 the anchor,
        1 half way round a closed curve ahead (-1 behind: the same point), or the end ahead
        (-1: behind) of an open one."""
        return self.anchor if along == 0 else self.at_length(self.length_at(along))

    def tangent(self, along: float) -> tuple[float, float]:
        """The unit tangent of the curve at the point `along` of the way, pointing ahead:
        the chord between the points a ten-thousandth of the curve's length behind and ahead
        of it (both on f = level)."""
        behind, ahead = self.span
        s = self.length_at(along)
        h = 1e-4 * (ahead - behind)
        lo, hi = (s - h, s + h) if self.closed else (max(s - h, behind), min(s + h, ahead))
        (x0, y0), (x1, y1) = self.at_length(lo), self.at_length(hi)
        norm = math.hypot(x1 - x0, y1 - y0)
        return ((x1 - x0) / norm, (y1 - y0) / norm) if norm > 0 else (math.nan, math.nan)


def _pieces(x: np.ndarray, y: np.ndarray) -> list[np.ndarray]:
    """Polylines with nan breaks as a list of (n, 2) arrays of at least 2 points."""
    breaks = np.flatnonzero(~(np.isfinite(x) & np.isfinite(y)))
    pieces, start = [], 0
    for end in [*breaks.tolist(), x.size]:
        if end - start >= 2:
            pieces.append(np.column_stack([x[start:end], y[start:end]]))
        start = end + 1
    return pieces


def _arc(points: np.ndarray) -> np.ndarray:
    """Cumulative arc length along a polyline, 0 at its first point."""
    return np.concatenate([[0.0], np.cumsum(np.hypot(*np.diff(points, axis=0).T))])


def _nearest_on(piece: np.ndarray, point: np.ndarray) -> tuple[float, int, float]:
    """(distance, segment index k, fraction t along segment k) of the point of the polyline
    nearest to `point`."""
    start, step = piece[:-1], np.diff(piece, axis=0)
    squared = np.einsum("ij,ij->i", step, step)
    with np.errstate(invalid="ignore", divide="ignore"):
        t = np.clip(np.einsum("ij,ij->i", point - start, step) / squared, 0.0, 1.0)
    t = np.where(squared > 0, t, 0.0)
    gap = np.hypot(*(start + t[:, None] * step - point).T)
    k = int(np.argmin(gap))
    return float(gap[k]), k, float(t[k])


def _heading(ahead: np.ndarray, behind: np.ndarray) -> np.ndarray:
    """The direction the polyline `ahead` leaves its first point in (else the reverse of the
    one `behind` leaves it in): its first step of non-zero length."""
    for line, sign in ((ahead, 1.0), (behind, -1.0)):
        steps = line[1:] - line[0]
        moving = np.flatnonzero(np.hypot(*steps.T) > 0)
        if moving.size:
            return sign * steps[moving[0]]
    return np.zeros(2)


def level_path(xs: np.ndarray, ys: np.ndarray, z: np.ndarray, anchor: tuple[float, float],
               value: Values, gradient: Gradient) -> LevelPath | None:
    """The level curve through `anchor` on the grid z[i, j] = f(xs[j], ys[i]) (the grid the
    level curves are drawn from), or None where there is no curve to slide along: f or its
    gradient undefined at the anchor, the gradient 0 there (a minimum, maximum or saddle:
    the level set is not a curve through it), or no grid curve near it.

    For f = x^2 + y^2 through (1, 0) it is the unit circle, walked counter-clockwise:
    at(0.5) is (0, 1), a quarter of the way round."""
    ax, ay = float(anchor[0]), float(anchor[1])
    level = float(value(np.float64(ax), np.float64(ay)))
    gx, gy = (float(g) for g in gradient(np.float64(ax), np.float64(ay)))
    if not all(math.isfinite(t) for t in (level, gx, gy)) or gx == gy == 0:
        return None
    (curve,) = contours.level_curves(xs, ys, z, [level])
    pieces = _pieces(curve.x, curve.y)
    if not pieces:
        return None
    here = np.array([ax, ay])
    found = [(*_nearest_on(piece, here), piece) for piece in pieces]
    gap, k, t, piece = min(found, key=lambda item: item[0])
    cell = math.hypot(xs[1] - xs[0], ys[1] - ys[0])
    if gap > 2 * cell:
        return None
    px, py = onto_level(piece[:, 0], piece[:, 1], level, value, gradient)
    piece = np.column_stack([px, py])
    closed = len(piece) > 3 and np.allclose(piece[0], piece[-1], atol=1e-9 * (1 + cell))
    # the anchor splits segment k: what comes after it, and what came before
    ahead = np.concatenate([[here], piece[k + 1:]])
    behind = np.concatenate([[here], piece[k::-1]]) if t > 0 else \
        np.concatenate([[here], piece[k - 1::-1]]) if k > 0 else here[None, :]
    if closed:  # round the loop: after the anchor, then from the start back to it
        ahead = np.concatenate([ahead, piece[1:k + 1], [here]])
        behind = ahead[::-1].copy()
    # walk the way the gradient turned counter-clockwise points
    forward = np.array([-gy, gx])
    if float(_heading(ahead, behind) @ forward) < 0:
        ahead, behind = behind, ahead
    return LevelPath(level=level, anchor=(ax, ay), points=ahead, lengths=_arc(ahead),
                     back=behind, back_lengths=_arc(behind), closed=bool(closed),
                     value=value, gradient=gradient)
