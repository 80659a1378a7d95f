"""Every primitive of gradlab.ops.TABLE checked against central differences of a formula written
here, independently of gradlab, on the scalar (Python float) path and on the array path.

Inputs are kept off kinks (relu, step, sign, abs near 0; max, min near a tie) and inside
domains (log, sqrt, division, powers): at a kink the derivative is a convention, tested by hand
in test_engine.py, and central differences cannot tell which side is meant.
"""

from __future__ import annotations

import itertools
import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import gradlab as gl
from gradlab import ops
from gradlab.engine import Value, apply
from gradlab.ops import NO_ARG

H = 1e-6  # central-difference step; errors ~ H^2 * f''' (truncation) + 1e-16 * |f| / H (rounding)
RTOL, ATOL = 1e-5, 1e-6


def central_differences(loss: Callable[..., float], inputs: list) -> list[np.ndarray]:
    """d loss / d input, one coordinate at a time: (loss(x + h e_k) - loss(x - h e_k)) / 2h."""
    inputs = [np.array(x, dtype=np.float64) for x in inputs]
    partials = []
    for i, x in enumerate(inputs):
        partial = np.zeros(x.shape)
        for k in np.ndindex(x.shape):
            ahead = [y.copy() for y in inputs]
            behind = [y.copy() for y in inputs]
            ahead[i][k] += H
            behind[i][k] -= H
            partial[k] = (float(loss(*ahead)) - float(loss(*behind))) / (2 * H)
        partials.append(partial)
    return partials


# ---------------------------------------------------------------------------------------------
# Elementwise primitives: an independent numpy formula and a domain per input
# ---------------------------------------------------------------------------------------------

def off_zero(low: float, high: float) -> st.SearchStrategy[float]:
    """|a| in [low, high], either sign: away from the kink of relu, abs, step, sign at 0."""
    return st.tuples(st.booleans(), st.floats(low, high)).map(lambda t: -t[1] if t[0] else t[1])


ANY = st.floats(-5, 5)
POSITIVE = st.floats(0.5, 4)
# For max/min, a = n + u and b = m + v with u in [0, 0.4], v in [0.5, 0.9]: a - b is never
# within 0.1 of 0 (no tie), while either one can be the larger.
TIE_FREE_A = st.builds(lambda n, u: n + u, st.integers(-3, 3), st.floats(0, 0.4))
TIE_FREE_B = st.builds(lambda n, v: n + v, st.integers(-3, 3), st.floats(0.5, 0.9))


@dataclass(frozen=True)
class Elementwise:
    reference: Callable  # the forward rule, written with numpy here (not taken from gradlab)
    domains: tuple[st.SearchStrategy[float], ...]  # one per input
    setting: st.SearchStrategy | None = None  # the constant (the n of a ** n), if any
    special_setting: float | None = None  # the constant used with nan/inf inputs

    def __call__(self, inputs, arg=NO_ARG):
        return self.reference(*inputs) if arg is NO_ARG else self.reference(*inputs, arg)


ELEMENTWISE: dict[str, Elementwise] = {
    "+": Elementwise(lambda a, b: a + b, (ANY, ANY)),
    "-": Elementwise(lambda a, b: a - b, (ANY, ANY)),
    "*": Elementwise(lambda a, b: a * b, (ANY, ANY)),
    "/": Elementwise(lambda a, b: a / b, (ANY, off_zero(0.5, 5))),
    "pow": Elementwise(np.power, (POSITIVE, st.floats(-2.5, 2.5))),
    "max": Elementwise(np.maximum, (TIE_FREE_A, TIE_FREE_B)),
    "min": Elementwise(np.minimum, (TIE_FREE_A, TIE_FREE_B)),
    "neg": Elementwise(lambda a: -a, (ANY,)),
    "**": Elementwise(np.power, (POSITIVE,),
                      setting=st.sampled_from([0.0, 1.0, 2.0, 3.0, -1.0, -2.0, 0.5, 1.5]),
                      special_setting=3.0),
    "exp": Elementwise(np.exp, (ANY,)),
    "log": Elementwise(np.log, (st.floats(0.2, 10),)),
    "sqrt": Elementwise(np.sqrt, (st.floats(0.2, 10),)),
    "tanh": Elementwise(np.tanh, (ANY,)),
    "sigmoid": Elementwise(lambda a: 1.0 / (1.0 + np.exp(-a)), (ANY,)),
    "softplus": Elementwise(lambda a: np.logaddexp(0.0, a), (ANY,)),  # ln(e^0 + e^a)
    "relu": Elementwise(lambda a: np.where(a <= 0, 0.0, a), (off_zero(0.01, 5),)),
    "sin": Elementwise(np.sin, (ANY,)),
    "cos": Elementwise(np.cos, (ANY,)),
    "abs": Elementwise(np.abs, (off_zero(0.01, 5),)),
    "step": Elementwise(lambda a: np.where(a > 0, 1.0, 0.0), (off_zero(0.01, 5),)),
    "sign": Elementwise(np.sign, (off_zero(0.01, 5),)),
}

UNARY_SHAPES = [(4,), (2, 3)]
BINARY_SHAPES = [((3, 1), (1, 4)), ((2, 3), ()), ((), (2, 3)), ((2, 3), (2, 3)),
                 ((4,), (3, 4)), ((3,), ())]


def _build(name: str, leaves: list[Value], arg=NO_ARG) -> Value:
    return apply(ops.TABLE[name], *leaves, arg=arg)


def _draw_setting(data, case: Elementwise):
    return NO_ARG if case.setting is None else data.draw(case.setting, label="setting")


@pytest.mark.parametrize("name", sorted(ELEMENTWISE))
@given(data=st.data())
def test_scalar_path_matches_central_differences(name, data):
    """Python floats in, Python floats out (value and grad), and grad = central difference."""
    case = ELEMENTWISE[name]
    values = [data.draw(domain, label=f"input {i}") for i, domain in enumerate(case.domains)]
    arg = _draw_setting(data, case)
    leaves = [Value(v) for v in values]
    out = _build(name, leaves, arg)
    assert type(out.data) is float
    assert out.data == pytest.approx(float(case(values, arg)), rel=1e-12, abs=1e-12)

    out.backward()
    expected = central_differences(lambda *xs: case(xs, arg), values)
    for leaf, partial in zip(leaves, expected, strict=True):
        assert type(leaf.grad) is float
        assert leaf.grad == pytest.approx(float(partial), rel=RTOL, abs=ATOL)


@pytest.mark.parametrize("name", sorted(ELEMENTWISE))
@settings(max_examples=30)
@given(data=st.data())
def test_array_path_matches_central_differences(name, data):
    """d/dtheta of sum(out * g) for a random upstream g, with broadcasting between operands:
    each grad is summed back to its operand's shape."""
    case = ELEMENTWISE[name]
    shapes = data.draw(st.sampled_from(UNARY_SHAPES if len(case.domains) == 1 else BINARY_SHAPES)
                       .map(lambda s: s if isinstance(s[0], tuple) else (s,)), label="shapes")
    inputs = [data.draw(hnp.arrays(np.float64, shape, elements=domain), label=f"input {i}")
              for i, (shape, domain) in enumerate(zip(shapes, case.domains, strict=True))]
    arg = _draw_setting(data, case)
    leaves = [Value(x) for x in inputs]
    out = _build(name, leaves, arg)
    out_shape = np.broadcast_shapes(*shapes)
    assert np.shape(out.data) == out_shape
    np.testing.assert_allclose(out.data, case(inputs, arg), rtol=1e-12, atol=1e-12)

    upstream = data.draw(hnp.arrays(np.float64, out_shape, elements=st.floats(-2, 2)),
                         label="upstream")
    out.backward(upstream)
    expected = central_differences(lambda *xs: np.sum(case(xs, arg) * upstream), inputs)
    for leaf, shape, partial in zip(leaves, shapes, expected, strict=True):
        assert np.shape(leaf.grad) == shape
        np.testing.assert_allclose(leaf.grad, partial, rtol=RTOL, atol=ATOL)


SPECIAL = [math.inf, -math.inf, math.nan, 0.0, -1.0, 1000.0]


@pytest.mark.parametrize("name", sorted(ELEMENTWISE))
def test_nan_and_inf_flow_through_quietly_and_alike_on_both_paths(name):
    """An out-of-domain result upstream (exp(1000) = inf, log(-1) = nan) reaches every primitive:
    each gives IEEE values (as numpy's own formula does), no exception and no warning, on floats
    and arrays alike, forward and backward."""
    case = ELEMENTWISE[name]
    arg = NO_ARG if case.setting is None else case.special_setting
    combos = list(itertools.product(SPECIAL, repeat=len(case.domains)))
    columns = [np.array(column) for column in zip(*combos, strict=True)]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        leaves = [Value(column) for column in columns]
        out = _build(name, leaves, arg)
        out.backward(np.ones(len(combos)))
        for k, combo in enumerate(combos):
            scalar_leaves = [Value(v) for v in combo]
            scalar_out = _build(name, scalar_leaves, arg)
            scalar_out.backward()
            np.testing.assert_array_equal(scalar_out.data, out.data[k], err_msg=f"at {combo}")
            for scalar_leaf, leaf in zip(scalar_leaves, leaves, strict=True):
                np.testing.assert_array_equal(scalar_leaf.grad, leaf.grad[k],
                                              err_msg=f"grad at {combo}")
    with np.errstate(all="ignore"):
        np.testing.assert_array_equal(out.data, case(columns, arg))


# ---------------------------------------------------------------------------------------------
# Matrix primitives: d/dtheta of sum(out * g) for a random upstream g
# ---------------------------------------------------------------------------------------------

def _softmax(a, axis):
    e = np.exp(a - np.max(a, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)


def _cross_entropy(p, targets):
    """-(1/N) sum_i log p[i, target_i], the one-hot rows built here with np.eye."""
    targets = np.asarray(targets)
    p2 = np.atleast_2d(p)
    onehot = targets.reshape(p2.shape) if targets.shape == np.shape(p) else \
        np.eye(p2.shape[1])[targets.reshape(-1)]
    return -np.sum(onehot * np.log(p2)) / p2.shape[0]


@dataclass(frozen=True)
class Matrix:
    name: str
    shapes: tuple[tuple[int, ...], ...]
    build: Callable[..., Value]  # through gradlab's public API
    reference: Callable[..., np.ndarray]  # with numpy, here
    probabilities: bool = False  # inputs in [0.05, 0.95] (unnormalized is fine for d/dp)

    def __str__(self) -> str:
        return f"{self.name}{list(self.shapes)}"


def _matmul(a_shape, b_shape):
    return Matrix("@", (a_shape, b_shape), lambda a, b: a @ b, np.matmul)


def _reduction(name, shape, axis):
    return Matrix(name, (shape,), lambda a: getattr(a, name)(axis=axis),
                  lambda a: getattr(np, name)(a, axis=axis))


def _softmax_case(shape, axis):
    return Matrix("softmax", (shape,), lambda a: gl.softmax(a, axis=axis),
                  lambda a: _softmax(a, axis))


def _cross_entropy_case(shape, targets):
    return Matrix("cross_entropy", (shape,), lambda p: gl.cross_entropy(p, targets),
                  lambda p: _cross_entropy(p, targets), probabilities=True)


AXES = [None, 0, 1, -1, (0, 2), (1,), (-1, 0)]
MATRIX: dict[str, list[Matrix]] = {
    "@": [_matmul((3, 4), (4, 2)), _matmul((4,), (4, 2)), _matmul((3, 4), (4,)),
          _matmul((4,), (4,)), _matmul((2, 3, 4), (4, 5)), _matmul((2, 3, 4), (2, 4, 5)),
          _matmul((4,), (2, 4, 3)), _matmul((2, 1, 3, 4), (5, 4, 2))],
    "sum": [_reduction("sum", (2, 3, 4), axis) for axis in AXES] + [_reduction("sum", (5,), 0)],
    "mean": [_reduction("mean", (2, 3, 4), axis) for axis in AXES]
    + [_reduction("mean", (5,), None)],
    "softmax": [_softmax_case((3, 4), -1), _softmax_case((3, 4), 0), _softmax_case((5,), 0),
                _softmax_case((2, 3, 4), 1),
                # many short rows: gradlab reduces them in a column-major copy
                _softmax_case((40, 3), -1), _softmax_case((40, 3), 1)],
    "cross_entropy": [_cross_entropy_case((3, 4), [0, 3, 1]),
                      _cross_entropy_case((3, 4), np.eye(4)[[2, 0, 0]]),
                      _cross_entropy_case((4,), 2),
                      _cross_entropy_case((4,), [0.0, 1.0, 0.0, 0.0]),
                      _cross_entropy_case((40, 3), np.arange(40) % 3)],
}
MATRIX_CASES = [case for cases in MATRIX.values() for case in cases]


@pytest.mark.parametrize("case", MATRIX_CASES, ids=str)
@settings(max_examples=15)
@given(seed=st.integers(0, 2**32 - 1))
def test_matrix_primitive_matches_central_differences(case, seed):
    rng = np.random.default_rng(seed)
    low, high = (0.05, 0.95) if case.probabilities else (-2.0, 2.0)
    inputs = [rng.uniform(low, high, size=shape) for shape in case.shapes]
    leaves = [Value(x) for x in inputs]
    out = case.build(*leaves)
    assert out.op == case.name
    np.testing.assert_allclose(out.data, case.reference(*inputs), rtol=1e-12, atol=1e-12)

    out_shape = np.shape(out.data)
    upstream = rng.normal(size=out_shape) if out_shape else float(rng.normal())
    out.backward(upstream)
    expected = central_differences(lambda *xs: np.sum(case.reference(*xs) * upstream), inputs)
    for leaf, x, partial in zip(leaves, inputs, expected, strict=True):
        assert np.shape(leaf.grad) == np.shape(x)
        np.testing.assert_allclose(leaf.grad, partial, rtol=RTOL, atol=ATOL)


# ---------------------------------------------------------------------------------------------
# The table as a whole
# ---------------------------------------------------------------------------------------------

def test_every_primitive_in_the_table_has_a_test_case():
    """Adding a primitive to ops.TABLE without a case here fails this test."""
    assert not set(ELEMENTWISE) & set(MATRIX)
    assert set(ELEMENTWISE) | set(MATRIX) == set(ops.TABLE)
    for name in ELEMENTWISE:  # an elementwise case needs a local-derivative rule...
        assert ops.TABLE[name].local is not None, name
        assert len(ops.TABLE[name].partials) == len(ELEMENTWISE[name].domains), name
    for name in MATRIX:  # ...a matrix case, a vector-Jacobian product
        assert ops.TABLE[name].vjp is not None, name


PUBLIC_SPELLINGS: dict[str, Callable[[Value, Value], Value]] = {
    "+": lambda a, b: a + b, "-": lambda a, b: a - b, "*": lambda a, b: a * b,
    "/": lambda a, b: a / b, "pow": lambda a, b: a ** b, "max": gl.maximum, "min": gl.minimum,
    "neg": lambda a, b: -a, "**": lambda a, b: a ** 2, "exp": lambda a, b: a.exp(),
    "log": lambda a, b: gl.log(a), "sqrt": lambda a, b: a.sqrt(), "tanh": lambda a, b: gl.tanh(a),
    "sigmoid": lambda a, b: a.sigmoid(), "relu": lambda a, b: a.relu(),
    "softplus": lambda a, b: gl.softplus(a),
    "sin": lambda a, b: gl.sin(a), "cos": lambda a, b: a.cos(), "abs": lambda a, b: abs(a),
    "step": lambda a, b: gl.step(a), "sign": lambda a, b: gl.sign(a),
}


@pytest.mark.parametrize("name", sorted(ELEMENTWISE))
def test_each_public_spelling_makes_its_primitive(name):
    a, b = Value(1.5), Value(0.5)
    out = PUBLIC_SPELLINGS[name](a, b)
    assert out.op == name
    assert out.parents[0] is a
    with np.errstate(all="ignore"):
        expected = ELEMENTWISE[name]((1.5, 0.5)[: len(ELEMENTWISE[name].domains)],
                                     NO_ARG if ELEMENTWISE[name].setting is None else 2.0)
    assert out.data == pytest.approx(float(expected))
