"""gradient, numerical_gradient and check_gradient against partials worked by hand (the
chapter's examples), and a check that fails, as it must, on a deliberately wrong derivative."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

import gradlab as gl
from gradlab import ops
from gradlab.engine import Value, apply

# (name, f, [(point, hand-worked partials)]): f works on Values and on floats alike.
EXAMPLES = [
    ("x + y", lambda x, y: x + y,
     [((1.0, 2.0), (1.0, 1.0)), ((-3.0, 0.5), (1.0, 1.0))]),
    ("x y", lambda x, y: x * y,  # df/dx = y, df/dy = x
     [((2.0, 3.0), (3.0, 2.0)), ((-1.5, 4.0), (4.0, -1.5))]),
    ("2x + 3y^2", lambda x, y: 2 * x + 3 * y**2,  # 2, 6y
     [((1.0, 2.0), (2.0, 12.0)), ((5.0, -0.5), (2.0, -3.0))]),
    ("3x^3 z - y^2 + 5z + 2yz", lambda x, y, z: 3 * x**3 * z - y**2 + 5 * z + 2 * y * z,
     # 9x^2 z, -2y + 2z, 3x^3 + 5 + 2y
     [((1.0, 2.0, 3.0), (27.0, 2.0, 12.0)),
      ((-2.0, 0.5, 1.5), (54.0, 2.0, -18.0)),
      ((0.5, -1.0, -2.0), (-4.5, -2.0, 3.375))]),
    ("3 (2x^2)^5", lambda x: 3 * (2 * x**2) ** 5,  # 3 * 5 (2x^2)^4 * 4x = 960 x^9
     [((1.0,), (960.0,)), ((-0.5,), (960 * (-0.5) ** 9,)), ((1.2,), (960 * 1.2**9,))]),
]
POINTS = [pytest.param(f, point, partials, id=f"{name} at {point}")
          for name, f, cases in EXAMPLES for point, partials in cases]


@pytest.mark.parametrize(("f", "point", "partials"), POINTS)
def test_gradient_by_reverse_mode_matches_the_hand_worked_partials(f, point, partials):
    np.testing.assert_allclose(gl.gradient(f, *point), partials, rtol=1e-12)


@pytest.mark.parametrize(("f", "point", "partials"), POINTS)
def test_central_differences_match_the_hand_worked_partials(f, point, partials):
    np.testing.assert_allclose(gl.numerical_gradient(f, *point), partials, rtol=1e-7, atol=1e-7)


@pytest.mark.parametrize(("f", "point", "partials"), POINTS)
def test_check_gradient_passes_on_correct_code(f, point, partials):
    check = gl.check_gradient(f, *point)
    assert check.passed and bool(check)
    assert check.max_error <= check.tolerance
    assert "passed" in str(check)


def test_numerical_gradient_accepts_a_function_returning_a_value():
    # f = sin(x) e^y; df/dx = cos(x) e^y, df/dy = sin(x) e^y
    f = lambda x, y: gl.sin(x) * gl.exp(y)  # noqa: E731
    expected = [math.cos(0.7) * math.exp(-0.3), math.sin(0.7) * math.exp(-0.3)]
    np.testing.assert_allclose(gl.numerical_gradient(f, 0.7, -0.3), expected, rtol=1e-8)
    np.testing.assert_allclose(gl.gradient(f, 0.7, -0.3), expected, rtol=1e-12)


def test_a_constant_function_has_a_zero_gradient():
    np.testing.assert_array_equal(gl.gradient(lambda x, y: 4.0, 1.0, 2.0), [0.0, 0.0])


# ---------------------------------------------------------------------------------------------
# A check that cannot fail is no check
# ---------------------------------------------------------------------------------------------

def test_check_gradient_fails_on_a_wrong_derivative_and_names_the_coordinate():
    # d(a*b)/db is a, but this rule claims 2a: wrong in the second coordinate only
    wrong_mul = dataclasses.replace(ops.MUL, local=lambda out, a, b: (b, 2 * a))
    f = lambda x, y: apply(wrong_mul, x, y)  # noqa: E731
    check = gl.check_gradient(f, 2.0, 3.0)
    assert not check.passed and not check
    np.testing.assert_allclose(check.analytic, [3.0, 4.0])  # y, and the wrong 2x
    np.testing.assert_allclose(check.numerical, [3.0, 2.0], rtol=1e-8)  # y, x
    assert check.worst == 1
    assert check.max_error == pytest.approx(2.0 / 4.0, rel=1e-6)  # |4 - 2| / max(1, 4, 2)
    assert "FAILED" in str(check) and "coordinate 2" in str(check)


def test_check_gradient_fails_at_a_kink():
    """relu at 0: the core says 0 (the convention), central differences see (h - 0)/2h = 1/2."""
    check = gl.check_gradient(lambda x: x.relu() if isinstance(x, Value) else max(x, 0.0), 0.0)
    assert not check.passed
    assert check.analytic[0] == 0.0 and check.numerical[0] == pytest.approx(0.5)


# ---------------------------------------------------------------------------------------------
# Clear errors
# ---------------------------------------------------------------------------------------------

def _vector_valued(x):
    return Value([1.0, 2.0]) * x


@pytest.mark.parametrize("function", [gl.gradient, gl.numerical_gradient, gl.check_gradient])
def test_f_must_return_a_single_number(function):
    with pytest.raises(ValueError, match="single number"):
        function(_vector_valued, 1.0)


@pytest.mark.parametrize("h", [0.0, -1e-3, math.nan, math.inf])
def test_the_step_must_be_positive_and_finite(h):
    with pytest.raises(ValueError, match="h"):
        gl.numerical_gradient(lambda x: x * x, 1.0, h=h)


def test_a_step_that_is_not_a_number_is_refused_clearly():
    with pytest.raises((TypeError, ValueError), match="h"):
        gl.numerical_gradient(lambda x: x * x, 1.0, h="small")


def test_the_point_must_be_given_and_numeric():
    with pytest.raises(ValueError, match="point"):
        gl.gradient(lambda: 1.0)
    with pytest.raises(TypeError, match="numbers"):
        gl.numerical_gradient(lambda x: x, "one")
