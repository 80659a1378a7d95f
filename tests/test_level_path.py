"""level_path: the level curve through a point as a path to slide along, checked against curves
known by hand (circles, hyperbolas)."""

import math

import numpy as np
import pytest

import gradlab as gl
from gradlab import geometry
from gradlab.level_path import level_path, onto_level


def path_of(text, anchor, box=(-3.0, 3.0), n=60):
    expression = gl.parse(text)
    xs, ys, gx, gy = geometry.grid(box, box, n)
    z = geometry.with_gaps(np.broadcast_to(expression.evaluate(x=gx, y=gy), gx.shape))

    def value(x, y):
        return expression.evaluate(x=x, y=y)

    def gradient(x, y):
        g = expression.gradient(x=x, y=y)
        return g["x"], g["y"]

    return level_path(xs, ys, z, anchor, value, gradient)


def test_the_unit_circle_walked_counter_clockwise_by_arc_length():
    path = path_of("x^2 + y^2", (1.0, 0.0))
    assert path.closed and path.level == 1.0
    assert path.lengths[-1] == pytest.approx(2 * math.pi, rel=1e-3)  # polyline of a circle
    assert path.at(0) == (1.0, 0.0)
    # a quarter of the way round is half of the way to the far side: (0, 1), counter-clockwise
    assert path.at(0.5) == pytest.approx((0.0, 1.0), abs=1e-3)
    assert path.at(-0.5) == pytest.approx((0.0, -1.0), abs=1e-3)
    assert path.at(1) == pytest.approx(path.at(-1), abs=1e-9)
    assert path.at(1) == pytest.approx((-1.0, 0.0), abs=1e-3)
    for along in np.linspace(-1, 1, 41):
        x, y = path.at(along)
        assert math.hypot(x, y) == pytest.approx(1.0, abs=1e-12)  # pulled exactly onto f = 1
        tx, ty = path.tangent(along)
        assert tx * x + ty * y == pytest.approx(0.0, abs=1e-6)  # a circle's tangent is ⊥ radius
        assert x * ty - y * tx > 0  # counter-clockwise
    x, y = path.drawn
    assert np.hypot(x, y) == pytest.approx(np.ones(len(x)), abs=1e-12)


def test_an_open_curve_runs_from_edge_to_edge_of_the_plot():
    # x*y = 1 through (1, 1): the branch in the first quadrant, from (1/3, 3) to (3, 1/3)
    path = path_of("x*y", (1.0, 1.0))
    assert not path.closed
    ends = {tuple(np.round(path.at(along), 6)) for along in (-1, 1)}
    assert ends == {(round(1 / 3, 6), 3.0), (3.0, round(1 / 3, 6))}
    # ahead is the gradient (y, x) = (1, 1) turned counter-clockwise: (-1, 1), to the upper left
    x, y = path.at(0.5)
    assert x < 1 < y and x * y == pytest.approx(1.0, abs=1e-12)
    behind, ahead = path.span
    assert behind < 0 < ahead


def test_no_path_where_the_gradient_is_zero_or_f_is_undefined():
    assert path_of("x^2 + y^2", (0.0, 0.0)) is None  # the minimum: a single point
    assert path_of("x*y", (0.0, 0.0)) is None  # a saddle: two crossing lines
    assert path_of("log(x) + y", (-1.0, 0.0)) is None  # undefined


def test_onto_level_takes_newton_steps_along_the_gradient():
    def value(x, y):
        return x * x + y * y

    def gradient(x, y):
        return 2 * x, 2 * y

    x, y = onto_level(np.array([2.0, 0.3]), np.array([0.0, 0.4]), 1.0, value, gradient)
    assert np.hypot(x, y) == pytest.approx([1.0, 1.0], abs=1e-9)
    assert y[0] == 0.0 and x[1] / y[1] == pytest.approx(0.3 / 0.4)  # along the radius
    # where the gradient is 0 the point stays
    assert onto_level(0.0, 0.0, 1.0, value, gradient) == (0.0, 0.0)
