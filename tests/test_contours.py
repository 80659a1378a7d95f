"""gradlab.contours against level curves worked by hand: circles of x^2 + y^2, the hyperbolas
and crossing axes of the saddle x*y, a single saddle cell, gaps where f is undefined."""

import math

import numpy as np
import pytest

from gradlab.contours import joined, level_curves, nice_levels, spread_labels, svg_path


def grid(f, n, lo=-3.0, hi=3.0):
    xs = np.linspace(lo, hi, n)
    ys = np.linspace(lo, hi, n)
    gx, gy = np.meshgrid(xs, ys)
    return xs, ys, f(gx, gy)


def polylines(curve):
    """The curve's polylines (split at the nan breaks)."""
    breaks = np.flatnonzero(np.isnan(curve.x))
    pieces, start = [], 0
    for end in breaks:
        pieces.append(np.stack([curve.x[start:end], curve.y[start:end]], axis=1))
        start = end + 1
    return pieces


def test_circles_of_a_bowl_hold_f_to_the_grids_accuracy():
    # f = x^2 + y^2: level c is the circle of radius sqrt(c). Along a grid edge f is a
    # parabola in one coordinate (f'' = 2), so straight-line interpolation errs by at most
    # t(1 - t) h^2 <= h^2 / 4 with h the grid step.
    xs, ys, z = grid(lambda x, y: x**2 + y**2, 41)
    h = xs[1] - xs[0]
    for curve in level_curves(xs, ys, z, [1.0, 4.0]):
        pieces = polylines(curve)
        assert len(pieces) == 1  # one closed curve, walked end to end
        ring = pieces[0]
        assert ring[0] == pytest.approx(ring[-1])  # closed: it comes back to its start
        f = ring[:, 0] ** 2 + ring[:, 1] ** 2
        assert np.abs(f - curve.level).max() <= h**2 / 4 + 1e-12
        # it goes all the way round: the angle covers every eighth of the turn
        angles = np.arctan2(ring[:, 1], ring[:, 0])
        eighths = np.floor((angles + math.pi) / (math.pi / 4)) % 8  # angle pi is -pi
        assert len(np.unique(eighths)) == 8
        lx, ly = curve.label_at
        assert lx**2 + ly**2 == pytest.approx(curve.level, abs=h**2 / 4)


def test_hyperbolas_of_the_saddle_are_exact_and_in_their_quadrants():
    # f = x*y is linear along every grid edge, so interpolation is exact: x*y = c. Level 2 is
    # two branches, in the quadrants where x and y share a sign; level -2 in the other two.
    xs, ys, z = grid(lambda x, y: x * y, 30)
    above, below = level_curves(xs, ys, z, [2.0, -2.0])
    for curve, sign in ((above, 1), (below, -1)):
        pieces = polylines(curve)
        assert len(pieces) == 2
        for piece in pieces:
            assert piece[:, 0] * piece[:, 1] == pytest.approx(curve.level, abs=1e-12)
            assert len(set(np.sign(piece[:, 0]).tolist())) == 1  # a branch keeps its side
            assert (np.sign(piece[:, 0]) * np.sign(piece[:, 1]) == sign).all()
            assert not np.allclose(piece[0], piece[-1])  # open: from border to border


def test_level_zero_of_the_saddle_is_the_two_axes():
    # x*y = 0 on a grid with no point on the axes: the centre cell crosses on all four edges
    # and must join them into the cross x = 0, y = 0, not into a closed loop
    xs, ys, z = grid(lambda x, y: x * y, 30)
    (curve,) = level_curves(xs, ys, z, [0.0])
    x, y = joined([curve])
    drawn = np.isfinite(x)
    on_an_axis = (np.abs(x[drawn]) < 1e-12) | (np.abs(y[drawn]) < 1e-12)
    assert on_an_axis.all()
    assert y[drawn][np.abs(x[drawn]) < 1e-12].min() == pytest.approx(-3.0)
    assert y[drawn][np.abs(x[drawn]) < 1e-12].max() == pytest.approx(3.0)
    assert x[drawn][np.abs(y[drawn]) < 1e-12].min() == pytest.approx(-3.0)
    assert x[drawn][np.abs(y[drawn]) < 1e-12].max() == pytest.approx(3.0)


def segments_of(curve):
    return sorted(tuple(sorted(map(tuple, np.round(piece, 12).tolist())))
                  for piece in polylines(curve))


def test_one_saddle_cell_cuts_off_the_corners_opposite_its_centre():
    # corners f(0,0) = 1, f(1,0) = -1, f(1,1) = 1, f(0,1) = -1; the centre (mean) is 0
    xs, ys = np.array([0.0, 1.0]), np.array([0.0, 1.0])
    z = np.array([[1.0, -1.0], [-1.0, 1.0]])  # z[i, j] = f(xs[j], ys[i])
    level_zero, level_half = level_curves(xs, ys, z, [0.0, 0.5])
    # c = 0: the centre counts as above, so the two corners below (-1) are cut off, each by
    # a segment between the midpoints of its edges
    assert segments_of(level_zero) == [((0.0, 0.5), (0.5, 1.0)), ((0.5, 0.0), (1.0, 0.5))]
    # c = 0.5: the centre (0) is below, so the corners at 1 are cut off; along the bottom edge
    # f = 1 - 2x = 0.5 at x = 0.25, along the left edge f = 1 - 2y = 0.5 at y = 0.25
    assert segments_of(level_half) == [((0.0, 0.25), (0.25, 0.0)), ((0.75, 1.0), (1.0, 0.75))]


def test_undefined_values_leave_a_gap():
    # f = x^2 + y^2 undefined (nan) for x < 0: the unit circle keeps only its right half
    xs, ys, z = grid(lambda x, y: np.where(x < 0, np.nan, x**2 + y**2), 41)
    (curve,) = level_curves(xs, ys, z, [1.0])
    drawn = np.isfinite(curve.x)
    assert drawn.sum() > 10
    assert (curve.x[drawn] >= 0).all()
    assert len(polylines(curve)) == 1


def test_a_level_outside_the_values_draws_nothing():
    xs, ys, z = grid(lambda x, y: x**2 + y**2, 11)
    (curve,) = level_curves(xs, ys, z, [100.0])
    assert curve.x.size == 0 and curve.y.size == 0
    assert all(math.isnan(t) for t in curve.label_at)


def test_grid_shape_must_match():
    with pytest.raises(ValueError, match="shape"):
        level_curves(np.arange(3.0), np.arange(4.0), np.zeros((3, 4)), [0.5])


def test_nice_levels_are_round_and_inside_the_range():
    # range 18 over 15 gaps = 1.2: the nearest round step is 1
    assert nice_levels(0.0, 18.0, 14).tolist() == list(range(1, 18))
    # 36 / 15 = 2.4: step 2.5, the multiples strictly inside (0, 36)
    assert nice_levels(0.0, 36.0, 14).tolist() == [2.5 * k for k in range(1, 15)]
    assert nice_levels(-9.0, 9.0, 14).tolist() == list(range(-8, 9))
    assert nice_levels(0.2, 0.9, 6).tolist() == pytest.approx([0.3, 0.4, 0.5, 0.6, 0.7, 0.8])
    assert nice_levels(1.0, 1.0).size == 0
    assert nice_levels(float("nan"), 1.0).size == 0


def test_svg_path_starts_a_new_piece_after_each_break():
    x = np.array([0.0, 1.0, np.nan, 2.0, 3.0, 4.0, np.nan])
    y = np.array([0.0, 0.5, np.nan, 1.0, np.nan, 2.0, np.nan])
    # (3, nan) is not drawn, so (4, 2) starts a third piece
    assert svg_path(x, y) == "M0,0L1,0.5M2,1M4,2"


def test_labels_spread_out_and_stay_on_their_curves():
    # the circles x^2 + y^2 = 1, 2, ..., 8: each label on its own circle, no two closer than
    # a tenth of the plot, none in the outer 8% of it
    xs, ys, z = grid(lambda x, y: x**2 + y**2, 41)
    curves = level_curves(xs, ys, z, np.arange(1.0, 9.0))
    spots = np.array(spread_labels(curves, (-3.0, 3.0), (-3.0, 3.0)))
    assert spots[:, 0] ** 2 + spots[:, 1] ** 2 == pytest.approx(np.arange(1.0, 9.0), abs=0.01)
    gaps = np.hypot(*(spots[:, None, :] - spots[None, :, :]).transpose(2, 0, 1)) / 6.0
    assert gaps[~np.eye(len(spots), dtype=bool)].min() > 0.1
    assert (np.abs(spots) < 3.0 * 0.84).all()
