"""gradlab.geometry: the numbers behind the plots, checked against calculus worked by hand."""

import math

import numpy as np
import pytest

from gradlab import geometry


def test_with_gaps_turns_inf_and_nan_into_nan_and_keeps_the_rest():
    out = geometry.with_gaps([1.0, np.inf, -np.inf, np.nan, -2.5])
    assert out[0] == 1.0 and out[4] == -2.5
    assert np.isnan(out[1:4]).all()


def test_sample_spans_the_range_and_marks_gaps():
    with np.errstate(all="ignore"):
        xs, ys = geometry.sample(np.log, -1.0, 1.0, 5)  # xs = -1, -0.5, 0, 0.5, 1
    assert xs.tolist() == [-1.0, -0.5, 0.0, 0.5, 1.0]
    assert np.isnan(ys[:3]).all()  # log undefined (and -inf at 0): gaps
    assert ys[3] == pytest.approx(math.log(0.5)) and ys[4] == 0.0


def test_sample_broadcasts_a_constant():
    xs, ys = geometry.sample(lambda x: 3.0, 0.0, 1.0, 4)
    assert ys.tolist() == [3.0] * 4


def test_tangent_segment_of_x_squared_at_2():
    # f = x^2 at x = 2: f = 4, f' = 4; the tangent is y = 4 + 4 (t - 2)
    xs, ys = geometry.tangent_segment(2.0, 4.0, 4.0, 1.0)
    assert xs.tolist() == [1.0, 3.0]
    assert ys.tolist() == [0.0, 8.0]


def test_line_with_undefined_slope_draws_nothing():
    _, ys = geometry.line_through(0.0, 0.0, np.nan, -1.0, 1.0)
    assert np.isnan(ys).all()


def test_secant_slope_of_x_squared_is_2x_plus_h():
    # ((x + h)^2 - x^2) / h = 2x + h
    square = lambda t: t * t  # noqa: E731
    assert geometry.secant_slope(square, 2.0, 0.5) == pytest.approx(4.5)
    assert geometry.secant_slope(square, 2.0, -0.5) == pytest.approx(3.5)
    assert geometry.secant_slope(square, 2.0, 1e-3) == pytest.approx(4.001)


def test_secant_slope_is_nan_where_f_is_undefined():
    assert math.isnan(geometry.secant_slope(lambda t: math.inf if t == 0 else 1 / t, -0.5, 0.5))
    assert math.isnan(geometry.secant_slope(lambda t: t, 1.0, 0.0))


def test_slice_tangents_rise_by_the_partials():
    # f = x^2 y at (1, 2): z = 2, df/dx = 2xy = 4, df/dy = x^2 = 1
    x, y, z = geometry.slice_tangent(1.0, 2.0, 2.0, 4.0, "x", 0.5)
    assert x.tolist() == [0.5, 1.5] and y.tolist() == [2.0, 2.0] and z.tolist() == [0.0, 4.0]
    x, y, z = geometry.slice_tangent(1.0, 2.0, 2.0, 1.0, "y", 0.5)
    assert x.tolist() == [1.0, 1.0] and y.tolist() == [1.5, 2.5] and z.tolist() == [1.5, 2.5]
    with pytest.raises(ValueError):
        geometry.slice_tangent(1.0, 2.0, 2.0, 1.0, "z", 0.5)


def test_tangent_plane_at_a_corner():
    # z = 2 + 4 (x - 1) + 1 (y - 2); the corner (1.5, 2.5) gives 2 + 2 + 0.5 = 4.5
    xs, ys, z = geometry.tangent_plane(1.0, 2.0, 2.0, 4.0, 1.0, 0.5)
    assert xs.tolist() == [0.5, 1.5] and ys.tolist() == [1.5, 2.5]
    assert z[1, 1] == pytest.approx(4.5) and z[0, 0] == pytest.approx(-0.5)


def test_grid_is_indexed_z_row_by_y():
    xs, ys, gx, gy = geometry.grid((0.0, 1.0), (10.0, 12.0), 3)
    assert gx[2, 0] == 0.0 and gx[0, 2] == 1.0
    assert gy[2, 0] == 12.0 and gy[0, 2] == 10.0


def test_arrow_goes_from_the_point_by_the_vector():
    xs, ys = geometry.arrow(1.0, 2.0, 2.0, 4.0)
    assert xs.tolist() == [1.0, 3.0] and ys.tolist() == [2.0, 6.0]
    assert np.isnan(geometry.arrow(1.0, 2.0, np.nan, 4.0)[0]).all()


def test_quiver_keeps_directions_and_scales_the_longest_to_a_cell():
    gx, gy = np.array([0.0, 1.0]), np.array([0.0, 0.0])
    u, v = np.array([3.0, 0.0]), np.array([4.0, -1.0])  # lengths 5 and 1
    xs, ys = geometry.quiver(gx, gy, u, v, cell=0.5)
    assert xs.shape == (18,)  # 9 coordinates per arrow
    # first arrow: shaft from (0, 0) to (0.3, 0.4) (length 0.5, direction 3:4)
    assert (xs[0], ys[0], xs[1], ys[1]) == pytest.approx((0.0, 0.0, 0.3, 0.4))
    # second: length 1/5 of the first, straight down
    assert (xs[9], ys[9], xs[10], ys[10]) == pytest.approx((1.0, 0.0, 1.0, -0.1))
    assert np.isnan(xs[2]) and np.isnan(xs[11])  # breaks between segments


def test_quiver_leaves_out_undefined_arrows():
    xs, _ = geometry.quiver(np.zeros(2), np.zeros(2), np.array([np.inf, 1.0]),
                            np.array([0.0, 1.0]), cell=1.0)
    assert np.isnan(xs[:9]).all() and np.isfinite(xs[9])


def test_descent_on_a_bowl_steps_against_the_gradient():
    # f = x^2 + y^2: gradient [2x, 2y]; from (1, 2) with rate 0.1: (1, 2) - 0.1 [2, 4]
    bowl_gradient = lambda p: 2 * p  # noqa: E731
    path = geometry.descent_path(bowl_gradient, [1.0, 2.0], 0.1, steps=3)
    assert path.stopped == ""
    assert path.points.shape == (4, 2)
    assert path.points[1] == pytest.approx([0.8, 1.6])
    assert path.points[3] == pytest.approx([1.0 * 0.8**3, 2.0 * 0.8**3])


def test_descent_reports_divergence_with_a_large_rate():
    # rate 1.5 on the bowl multiplies p by (1 - 3) = -2 each step
    path = geometry.descent_path(lambda p: 2 * p, [1.0, 1.0], 1.5, steps=100, limit=100.0)
    assert "diverged" in path.stopped
    assert np.abs(path.points).max() <= 100.0


def test_descent_stops_where_the_gradient_is_undefined():
    path = geometry.descent_path(lambda p: np.array([np.nan]), [1.0], 0.1)
    assert "undefined" in path.stopped and path.points.shape == (1, 1)


def test_descent_stops_on_a_flat_spot():
    path = geometry.descent_path(lambda p: np.zeros(1), [1.0], 0.1)
    assert "0" in path.stopped and len(path.points) == 1
