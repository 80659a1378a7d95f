"""Level curves f(x, y) = c from f's values on a grid, by marching squares (numpy only), so a
view can draw them once as plain lines instead of asking the browser to recompute them after
every slider move. Also picks round level values and a place to label each level."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

# Each cell's four edges, in the order used below: bottom (row i, between columns j and j+1),
# right (column j+1, between rows i and i+1), top (row i+1), left (column j).
_BOTTOM, _RIGHT, _TOP, _LEFT = range(4)
# A corner of a cell and the two edges that meet there (bottom-left, bottom-right, top-right,
# top-left): a segment "cutting off" that corner joins those two edges.
_CORNER_EDGES = ((_BOTTOM, _LEFT), (_BOTTOM, _RIGHT), (_RIGHT, _TOP), (_TOP, _LEFT))


@dataclass(frozen=True)
class LevelCurve:
    """The points where f = level, as polylines joined into x, y with nan breaks between them
    (plotly draws nothing across a nan). `label_at` is a point on the longest polyline (nan if
    the level never occurs on the grid), where a label naming the level can sit."""

    level: float
    x: np.ndarray
    y: np.ndarray
    label_at: tuple[float, float]


def nice_levels(low: float, high: float, count: int = 14) -> np.ndarray:
    """About `count` round levels strictly inside (low, high): the multiples of a step 1, 2,
    2.5 or 5 times a power of ten, the step nearest (on a log scale) to the range / (count + 1).
    E.g. nice_levels(0, 18, 14) -> [1, 2, ..., 17] (18 / 15 = 1.2, nearest step 1).
    Empty when the range is empty or not finite."""
    if not (np.isfinite(low) and np.isfinite(high)) or not low < high or count < 1:
        return np.empty(0)
    raw = (high - low) / (count + 1)
    power = 10.0 ** math.floor(math.log10(raw))
    step = min((m * power for m in (1, 2, 2.5, 5, 10)), key=lambda s: abs(math.log(s / raw)))
    first = math.floor(low / step) + 1
    last = math.ceil(high / step) - 1
    levels = np.arange(first, last + 1) * step
    return np.round(levels, 12)


def _crossings(z: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Which grid points are at or above the level, and where on each edge f = level:
    t along horizontal edges (between z[i, j] and z[i, j+1]) and vertical edges (z[i, j] to
    z[i+1, j]), nan where the edge does not cross (or touches a nan corner)."""
    above = z >= level
    with np.errstate(divide="ignore", invalid="ignore"):
        th = (level - z[:, :-1]) / (z[:, 1:] - z[:, :-1])
        tv = (level - z[:-1, :]) / (z[1:, :] - z[:-1, :])
    th = np.where(above[:, :-1] != above[:, 1:], th, np.nan)
    tv = np.where(above[:-1, :] != above[1:, :], tv, np.nan)
    return above, th, tv


def _segments(xs: np.ndarray, ys: np.ndarray, z: np.ndarray, level: float):
    """Every cell's piece of the level curve: (start edge id, end edge id) pairs and each
    crossed edge's point. Edge ids: horizontal edge (i, j) -> i*(nx-1) + j, vertical edge
    (i, j) -> ny*(nx-1) + i*nx + j, so the two cells sharing an edge name it alike."""
    ny, nx = z.shape
    above, th, tv = _crossings(z, level)
    finite = np.isfinite(z)
    # a cell with a nan corner draws nothing (the curve has a gap there)
    usable = finite[:-1, :-1] & finite[:-1, 1:] & finite[1:, :-1] & finite[1:, 1:]
    i, j = np.nonzero(usable)
    h_id = lambda r, c: r * (nx - 1) + c  # noqa: E731 - two tiny index formulas
    v_id = lambda r, c: ny * (nx - 1) + r * nx + c  # noqa: E731
    ids = np.stack([h_id(i, j), v_id(i, j + 1), h_id(i + 1, j), v_id(i, j)], axis=1)
    crossed = np.stack([np.isfinite(th[i, j]), np.isfinite(tv[i, j + 1]),
                        np.isfinite(th[i + 1, j]), np.isfinite(tv[i, j])], axis=1)
    count = crossed.sum(axis=1)
    starts, ends = [], []
    # two crossed edges: one segment joining them
    two = count == 2
    order = np.argsort(~crossed[two], axis=1, kind="stable")[:, :2]
    rows = np.nonzero(two)[0]
    starts.append(ids[rows, order[:, 0]])
    ends.append(ids[rows, order[:, 1]])
    # four crossed edges (a saddle cell): cut off the two corners on the other side of the
    # centre's value, estimated as the mean of the corners
    four = np.nonzero(count == 4)[0]
    if four.size:
        fi, fj = i[four], j[four]
        corners = np.stack([z[fi, fj], z[fi, fj + 1], z[fi + 1, fj + 1], z[fi + 1, fj]], axis=1)
        centre_above = corners.mean(axis=1) >= level
        for corner, (e1, e2) in enumerate(_CORNER_EDGES):
            cut = (corners[:, corner] >= level) != centre_above
            starts.append(ids[four[cut], e1])
            ends.append(ids[four[cut], e2])
    # each crossed edge's point, by edge id
    hi, hj = np.nonzero(np.isfinite(th))
    vi, vj = np.nonzero(np.isfinite(tv))
    t_h, t_v = th[hi, hj], tv[vi, vj]
    point_x = np.full(ny * (nx - 1) + (ny - 1) * nx, np.nan)
    point_y = np.full_like(point_x, np.nan)
    point_x[h_id(hi, hj)] = xs[hj] + t_h * (xs[hj + 1] - xs[hj])
    point_y[h_id(hi, hj)] = ys[hi]
    point_x[v_id(vi, vj)] = xs[vj]
    point_y[v_id(vi, vj)] = ys[vi] + t_v * (ys[vi + 1] - ys[vi])
    return np.concatenate(starts), np.concatenate(ends), point_x, point_y


def _chain(starts: np.ndarray, ends: np.ndarray) -> list[list[int]]:
    """Segments joined end to end into polylines of edge ids (a closed curve repeats its
    first id at the end). Each crossed edge belongs to at most two cells, so every id has
    at most two segments and the walk never branches."""
    starts_list, ends_list = starts.tolist(), ends.tolist()
    at: dict[int, list[int]] = {}  # edge id -> the segments touching it
    for k, (a, b) in enumerate(zip(starts_list, ends_list, strict=True)):
        at.setdefault(a, []).append(k)
        at.setdefault(b, []).append(k)
    used = [False] * len(starts_list)
    lines = []
    # open curves first, walked from an end (an edge on the grid's border or beside a gap),
    # then the closed ones from anywhere
    for start in sorted(at, key=lambda node: len(at[node]) != 1):
        while True:
            line, node = [start], start
            while True:
                free = [k for k in at[node] if not used[k]]
                if not free:
                    break
                k = free[0]
                used[k] = True
                node = ends_list[k] if starts_list[k] == node else starts_list[k]
                line.append(node)
            if len(line) == 1:
                break
            lines.append(line)
    return lines


def level_curves(xs: np.ndarray, ys: np.ndarray, z: np.ndarray,
                 levels: np.ndarray | list[float]) -> list[LevelCurve]:
    """The curves f = c for each level c, from z[i, j] = f(xs[j], ys[i]) (the layout of
    numpy's meshgrid), by marching squares: on each grid edge whose ends lie on opposite
    sides of c the crossing is interpolated linearly, t = (c - f_a) / (f_b - f_a), and each
    cell joins its crossings. A cell with a nan corner is skipped (a gap in the curve).

    For f = x^2 + y^2 the level 1 is the unit circle: its points satisfy x^2 + y^2 = 1 up to
    the error of linear interpolation on the grid.
    """
    xs, ys = np.asarray(xs, dtype=np.float64), np.asarray(ys, dtype=np.float64)
    z = np.asarray(z, dtype=np.float64)
    if z.shape != (ys.size, xs.size) or xs.size < 2 or ys.size < 2:
        raise ValueError(f"z must have shape (len(ys), len(xs)) with at least 2 of each, "
                         f"got z {z.shape}, xs {xs.shape}, ys {ys.shape}")
    curves = []
    for level in np.asarray(levels, dtype=np.float64).ravel():
        starts, ends, px, py = _segments(xs, ys, z, float(level))
        lines = _chain(starts, ends)
        parts_x, parts_y = [], []
        label = (math.nan, math.nan)
        if lines:
            longest = max(lines, key=len)
            middle = longest[len(longest) // 2]
            label = (float(px[middle]), float(py[middle]))
        for line in lines:
            parts_x += [px[line], [np.nan]]
            parts_y += [py[line], [np.nan]]
        x = np.concatenate(parts_x) if parts_x else np.empty(0)
        y = np.concatenate(parts_y) if parts_y else np.empty(0)
        curves.append(LevelCurve(float(level), x, y, label))
    return curves


def joined(curves: list[LevelCurve]) -> tuple[np.ndarray, np.ndarray]:
    """All the curves' points as one x, y pair with nan breaks (one plot trace)."""
    if not curves:
        return np.empty(0), np.empty(0)
    return (np.concatenate([c.x for c in curves]), np.concatenate([c.y for c in curves]))


def svg_path(x: np.ndarray, y: np.ndarray) -> str:
    """Polylines with nan breaks as one SVG path in data coordinates ("M x,y L x,y ... M ..."):
    a plot draws it as a single element, where a line trace makes one element per piece."""
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    drawn = np.isfinite(x) & np.isfinite(y)
    starts = drawn & ~np.concatenate([[False], drawn[:-1]])  # first point after a break
    commands = np.where(starts, "M", "L")[drawn]
    return "".join(f"{c}{a:.6g},{b:.6g}" for c, a, b in zip(commands, x[drawn], y[drawn],
                                                          strict=True))


def spread_labels(curves: list[LevelCurve], x_range: tuple[float, float],
                  y_range: tuple[float, float]) -> list[tuple[float, float]]:
    """A label point on each curve, spread out so labels do not pile up: greedily, each level
    takes its point farthest from the labels already placed (distances in units of the
    plot's width and height), keeping off the outer 8% of the plot where a label would be
    cut. (nan, nan) for a level with no points."""
    (x0, x1), (y0, y1) = x_range, y_range
    placed: list[tuple[float, float]] = []
    chosen = []
    for curve in curves:
        u, v = (curve.x - x0) / (x1 - x0), (curve.y - y0) / (y1 - y0)  # 0..1 across the plot
        ok = np.isfinite(u) & np.isfinite(v)
        inner = ok & (u > 0.08) & (u < 0.92) & (v > 0.08) & (v < 0.92)
        candidates = np.flatnonzero(inner if inner.any() else ok)
        if candidates.size == 0:
            chosen.append((math.nan, math.nan))
            continue
        if placed:
            pu, pv = np.array(placed).T
            gap = np.hypot(u[candidates, None] - pu, v[candidates, None] - pv).min(axis=1)
            best = candidates[int(np.argmax(gap))]
        else:
            best = candidates[0]
        placed.append((u[best], v[best]))
        chosen.append((float(curve.x[best]), float(curve.y[best])))
    return chosen
