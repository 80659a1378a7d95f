"""Value and backward: the book's neuron and dense layer, kinks, broadcasting, reused nodes,
accumulation, deep graphs, the recorded chain-rule steps, micrograd's API, and IEEE results.

Expected numbers are worked by hand (or printed in Neural Networks from Scratch, ch. 8-9), or
computed here with numpy from the formula, never read back from gradlab.
"""

from __future__ import annotations

import math
import subprocess
import sys
import warnings

import numpy as np
import pytest

import gradlab as gl
from gradlab import Value

# ---------------------------------------------------------------------------------------------
# Kinks: the conventions, worked by hand
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("x", "y", "dx", "dy"), [
    (3.0, 2.0, 1.0, 0.0),   # x wins: d max/dx = 1
    (2.0, 3.0, 0.0, 1.0),   # y wins
    (2.0, 2.0, 0.0, 0.0),   # a tie: 0 for both (the convention)
    (-1.0, -5.0, 1.0, 0.0),
])
def test_max_takes_the_gradient_of_the_larger_and_none_at_a_tie(x, y, dx, dy):
    a, b = Value(x), Value(y)
    out = gl.maximum(a, b)
    out.backward()
    assert out.data == max(x, y)
    assert (a.grad, b.grad) == (dx, dy)
    a, b = Value(np.array([x])), Value(np.array([y]))  # the array path keeps the convention
    gl.maximum(a, b).backward(np.ones(1))
    assert (a.grad[0], b.grad[0]) == (dx, dy)


@pytest.mark.parametrize(("x", "y", "dx", "dy"), [
    (3.0, 2.0, 0.0, 1.0), (2.0, 3.0, 1.0, 0.0), (2.0, 2.0, 0.0, 0.0)])
def test_min_takes_the_gradient_of_the_smaller_and_none_at_a_tie(x, y, dx, dy):
    a, b = Value(x), Value(y)
    gl.minimum(a, b).backward()
    assert (a.grad, b.grad) == (dx, dy)


@pytest.mark.parametrize(("x", "out", "slope"), [(-2.0, 0.0, 0.0), (0.0, 0.0, 0.0),
                                                  (3.0, 3.0, 1.0)])
def test_relu_is_flat_up_to_and_at_zero_and_slope_one_after(x, out, slope):
    v = Value(x)
    y = v.relu()
    y.backward()
    assert (y.data, v.grad) == (out, slope)
    array = Value(np.array([x, x]))
    gl.relu(array).backward(np.ones(2))
    np.testing.assert_array_equal(array.grad, [slope, slope])


def test_power_of_a_negative_base_with_an_integer_exponent():
    x = Value(-2.0)
    y = x**3  # y = x^3 = -8; dy/dx = 3x^2 = 12
    y.backward()
    assert (y.data, x.grad) == (-8.0, 12.0)


# ---------------------------------------------------------------------------------------------
# The book's neuron (ch. 9) and dense layer
# ---------------------------------------------------------------------------------------------

X, W, B = [1.0, -2.0, 3.0], [-3.0, -1.0, 2.0], 1.0  # w.x + b = -3 + 2 + 6 + 1 = 6


def test_neuron_with_scalar_values():
    """out = relu(w.x + b) = 6 > 0, so dout/dw_i = x_i, dout/dx_i = w_i, dout/db = 1."""
    xs = [Value(v) for v in X]
    ws = [Value(v) for v in W]
    b = Value(B)
    out = (sum(w * x for w, x in zip(ws, xs, strict=True)) + b).relu()
    out.backward()
    assert out.data == 6.0
    assert [w.grad for w in ws] == X
    assert [x.grad for x in xs] == W
    assert b.grad == 1.0


def test_neuron_with_arrays_and_matmul():
    x, w, b = Value(X), Value(W), Value(B)
    out = (w @ x + b).relu()
    out.backward()
    assert out.data == 6.0
    np.testing.assert_array_equal(w.grad, X)
    np.testing.assert_array_equal(x.grad, W)
    assert b.grad == 1.0


def test_dense_layer_backward_matches_the_book():
    inputs = Value([[1, 2, 3, 2.5], [2, 5, -1, 2], [-1.5, 2.7, 3.3, -0.8]])
    weights = Value(np.array([[0.2, 0.8, -0.5, 1], [0.5, -0.91, 0.26, -0.5],
                              [-0.26, -0.27, 0.17, 0.87]]).T)
    biases = Value([[2, 3, 0.5]])
    out = inputs @ weights + biases
    out.backward([[1, 1, 1], [2, 2, 2], [3, 3, 3]])
    np.testing.assert_allclose(weights.grad, [[0.5] * 3, [20.1] * 3, [10.9] * 3, [4.1] * 3],
                               atol=1e-12)
    np.testing.assert_allclose(biases.grad, [[6, 6, 6]], atol=1e-12)
    np.testing.assert_allclose(inputs.grad, [[0.44, -0.38, -0.07, 1.37],
                                             [0.88, -0.76, -0.14, 2.74],
                                             [1.32, -1.14, -0.21, 4.11]], atol=1e-12)


def test_softmax_then_cross_entropy_gives_softmax_minus_onehot_over_n():
    """d loss / d z = (softmax(z) - onehot) / N, the book's combined shortcut (ch. 9)."""
    rng = np.random.default_rng(7)
    logits = rng.normal(size=(4, 3))
    targets = np.array([0, 2, 1, 2])
    z = Value(logits)
    loss = gl.cross_entropy(gl.softmax(z), targets)
    loss.backward()

    e = np.exp(logits)
    probs = e / e.sum(axis=1, keepdims=True)
    onehot = np.eye(3)[targets]
    np.testing.assert_allclose(loss.data, -np.mean(np.log(probs[np.arange(4), targets])))
    np.testing.assert_allclose(z.grad, (probs - onehot) / 4, atol=1e-12)

    def numpy_loss(zz):
        p = np.exp(zz) / np.exp(zz).sum(axis=1, keepdims=True)
        return -np.mean(np.log(p[np.arange(4), targets]))

    h = 1e-6
    numerical = np.zeros_like(logits)
    for k in np.ndindex(logits.shape):
        ahead, behind = logits.copy(), logits.copy()
        ahead[k] += h
        behind[k] -= h
        numerical[k] = (numpy_loss(ahead) - numpy_loss(behind)) / (2 * h)
    np.testing.assert_allclose(z.grad, numerical, atol=1e-8)


# ---------------------------------------------------------------------------------------------
# Broadcasting, reuse, accumulation, zeroing
# ---------------------------------------------------------------------------------------------

def test_bias_row_added_to_a_batch_gets_the_column_sums():
    batch = Value(np.arange(15.0).reshape(5, 3))
    bias = Value([[0.1, 0.2, 0.3]])
    upstream = np.arange(15.0).reshape(5, 3) / 10
    (batch + bias).backward(upstream)
    assert bias.grad.shape == (1, 3)
    np.testing.assert_allclose(bias.grad, [[3.0, 3.5, 4.0]])  # 0+.3+.6+.9+1.2 = 3, ...
    np.testing.assert_array_equal(batch.grad, upstream)


def test_scalar_times_array_sums_back_to_a_float():
    s = Value(2.0)
    a = Value([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    (s * a).backward(np.ones((2, 3)))
    assert type(s.grad) is float and s.grad == 21.0  # d sum(s a)/ds = sum(a)
    np.testing.assert_array_equal(a.grad, np.full((2, 3), 2.0))


def test_a_reused_node_is_two_parents_and_gets_both_contributions():
    x = Value(3.0)
    y = x * x
    assert y.parents == (x, x)
    y.backward()
    assert x.grad == 6.0  # d x^2/dx = 2x


def test_a_node_used_in_two_terms_sums_its_partials():
    x, y = Value(2.0), Value(5.0)
    f = x * y + x  # df/dx = y + 1, df/dy = x
    f.backward()
    assert (x.grad, y.grad) == (6.0, 2.0)


def _accumulation_graph():
    x, y = Value(2.0, label="x"), Value(3.0, label="y")
    xy = x * y
    f = (xy + x) * y  # f = x y^2 + x y; df/dx = y^2 + y = 12, df/dy = 2xy + x = 14
    return x, y, xy, f


def test_a_second_backward_doubles_every_grad_exactly():
    """Intermediates' grads must not be fed back as upstream: leaves double, not more."""
    x, y, xy, f = _accumulation_graph()
    f.backward()
    assert (x.grad, y.grad, xy.grad, f.grad) == (12.0, 14.0, 3.0, 1.0)  # df/d(xy) = y
    f.backward()
    assert (x.grad, y.grad, xy.grad, f.grad) == (24.0, 28.0, 6.0, 2.0)


def test_zero_grad_resets_every_node_of_the_graph():
    x, y, xy, f = _accumulation_graph()
    a = Value(np.ones((2, 2)))
    g = f * (a * 2.0).sum()
    g.backward()
    g.zero_grad()
    for node in g.topological_order():
        assert np.shape(node.grad) == np.shape(node.data)
        assert np.all(node.grad == 0.0)
    f.backward()
    assert (x.grad, y.grad) == (12.0, 14.0)


def test_backward_of_an_array_needs_a_grad_of_its_shape():
    out = Value([1.0, 2.0]) * 3.0
    with pytest.raises(ValueError, match="needs grad="):
        out.backward()
    with pytest.raises(ValueError, match="shape"):
        out.backward(np.ones(3))
    with pytest.raises(ValueError, match="shape"):
        Value(2.0).backward(np.ones(2))


# ---------------------------------------------------------------------------------------------
# Graph size and order
# ---------------------------------------------------------------------------------------------

def test_a_chain_of_100000_nodes_backpropagates_without_recursion_error():
    x = Value(1.5)
    y = x
    for _ in range(100_000):
        y = -y  # d(-y)/dy = -1, 100000 times: (-1)^100000 = 1
    assert len(y.topological_order()) == 100_001
    y.backward()
    assert x.grad == 1.0


def test_a_wide_graph_with_30000_uses_of_one_leaf():
    x = Value(2.0)
    terms = [x * float(k % 7) for k in range(30_000)]
    while len(terms) > 1:  # a balanced sum, so the graph is wide, not deep
        terms = [terms[i] + terms[i + 1] if i + 1 < len(terms) else terms[i]
                 for i in range(0, len(terms), 2)]
    terms[0].backward()
    assert x.grad == float(sum(k % 7 for k in range(30_000)))


def test_topological_order_lists_each_node_once_after_its_parents():
    x, y, xy, f = _accumulation_graph()
    order = f.topological_order()
    position = {id(node): i for i, node in enumerate(order)}
    assert len(order) == len(position) == 5  # x, y, xy, xy + x, f
    assert order[-1] is f
    for node in order:
        for parent in node.parents:
            assert position[id(parent)] < position[id(node)]


# ---------------------------------------------------------------------------------------------
# Recorded steps: local x upstream = contribution
# ---------------------------------------------------------------------------------------------

def test_recorded_steps_of_a_small_graph_worked_by_hand():
    x, y = Value(2.0, label="x"), Value(3.0, label="y")
    xy = x * y
    f = xy + x
    steps = f.backward(record=True)
    table = [(s.node, s.parent, s.local, s.upstream, s.contribution, s.total) for s in steps]
    assert table == [
        (f, xy, 1.0, 1.0, 1.0, 1.0),   # d(xy + x)/d(xy) = 1
        (f, x, 1.0, 1.0, 1.0, 1.0),    # d(xy + x)/dx = 1
        (xy, x, 3.0, 1.0, 3.0, 4.0),   # d(xy)/dx = y = 3; x's total 1 + 3
        (xy, y, 2.0, 1.0, 2.0, 2.0),   # d(xy)/dy = x = 2
    ]
    assert [s.rule for s in steps] == ["1", "1", "b", "a"]


def test_x_times_x_records_two_steps_into_x():
    x = Value(3.0)
    y = x * x
    steps = y.backward(record=True)
    assert [(s.parent, s.index, s.contribution, s.total) for s in steps] == [
        (x, 0, 3.0, 3.0), (x, 1, 3.0, 6.0)]


def _mixed_graph():
    """Arrays, broadcasting, reuse and a reduction: f = sum(tanh(a * s + a) * b)."""
    a = Value([[0.5, -1.0, 2.0], [1.5, 0.25, -0.5]])
    s = Value(1.5)
    b = Value([[2.0], [-1.0]])
    f = ((a * s + a).tanh() * b).sum()
    return f, (a, s, b)


def test_contributions_into_each_node_add_up_to_its_grad():
    f, _ = _mixed_graph()
    steps = f.backward(record=True)
    for node in f.topological_order():
        if node is f:
            continue
        into = [s.contribution for s in steps if s.parent is node]
        assert into, "every node but the output receives at least one step"
        np.testing.assert_allclose(sum(into), node.grad, rtol=1e-12)
        last = [s for s in steps if s.parent is node][-1]
        np.testing.assert_allclose(last.total, node.grad, rtol=1e-12)


def test_each_elementwise_contribution_is_local_times_upstream():
    f, _ = _mixed_graph()
    for s in f.backward(record=True):
        if s.local is None:  # the sum: a vector-Jacobian product, upstream spread out
            assert s.node.op == "sum"
            continue
        product = np.broadcast_to(np.asarray(s.local) * s.upstream, np.shape(s.node.data))
        # summed back over the axes the parent was broadcast along
        shape = np.shape(s.parent.data)
        expected = product.sum() if shape == () else product.sum(
            axis=tuple(i for i, n in enumerate(shape) if n == 1), keepdims=True)
        np.testing.assert_allclose(s.contribution, expected, rtol=1e-12)
        assert np.shape(s.contribution) == shape


def test_steps_come_in_reverse_topological_order():
    f, _ = _mixed_graph()
    position = {id(node): i for i, node in enumerate(f.topological_order())}
    steps = f.backward(record=True)
    nodes = [position[id(s.node)] for s in steps]
    assert nodes == sorted(nodes, reverse=True)
    assert all(position[id(s.parent)] < position[id(s.node)] for s in steps)
    assert f.backward() is None  # nothing recorded unless asked


# ---------------------------------------------------------------------------------------------
# micrograd's API: its programs run unchanged (micrograd itself is not a test dependency)
# ---------------------------------------------------------------------------------------------

def _micrograd_readme_program(a, b):
    """The example of micrograd's README, verbatim apart from the names of the inputs."""
    c = a + b
    d = a * b + b**3
    c += c + 1
    c += 1 + c + (-a)
    d += d * 2 + (b + a).relu()
    d += 3 * d + (b - a).relu()
    e = c - d
    f = e**2
    g = f / 2.0
    g += 10.0 / f
    return g


def test_micrograd_readme_example_runs_and_matches_sympy():
    import sympy
    a, b = Value(-4.0), Value(2.0)
    g = _micrograd_readme_program(a, b)
    g.backward()

    # The same program on sympy symbols, relu as Max(x, 0): b + a = -2 < 0 and b - a = 6 > 0,
    # so neither relu sits at its kink and sympy's derivative is the one wanted.
    sa, sb = sympy.symbols("a b")

    class Symbol:  # just enough of a Value for the program: arithmetic and .relu()
        def __init__(self, e):
            self.e = e

    for name in ("add", "sub", "mul", "truediv", "pow"):
        op = getattr(sympy.Expr, f"__{name}__")
        rop = getattr(sympy.Expr, f"__r{name}__")
        setattr(Symbol, f"__{name}__", lambda s, o, op=op: Symbol(op(s.e, getattr(o, "e", o))))
        setattr(Symbol, f"__r{name}__", lambda s, o, rop=rop: Symbol(rop(s.e, o)))
    Symbol.__neg__ = lambda s: Symbol(-s.e)
    Symbol.relu = lambda s: Symbol(sympy.Max(s.e, 0))
    expr = _micrograd_readme_program(Symbol(sa), Symbol(sb)).e
    point = {sa: -4, sb: 2}
    assert g.data == pytest.approx(float(expr.subs(point)), rel=1e-12)
    assert a.grad == pytest.approx(float(sympy.diff(expr, sa).subs(point)), rel=1e-12)
    assert b.grad == pytest.approx(float(sympy.diff(expr, sb).subs(point)), rel=1e-12)
    # and the figures micrograd's README prints
    assert (round(g.data, 4), round(a.grad, 4), round(b.grad, 4)) == (24.7041, 138.8338, 645.5773)


def test_micrograd_style_training_loop():
    """Fit y = w x + c by gradient descent, micrograd style: p.grad = 0, backward, p.data -= ..."""
    xs, ys = [1.0, 2.0, -1.0], [3.0, 5.0, -1.0]  # y = 2x + 1
    w, c = Value(0.5), Value(0.0)
    params = [w, c]
    lr = 0.05
    for _ in range(3):
        loss = sum((w * x + c - y) ** 2 for x, y in zip(xs, ys, strict=True))
        for p in params:
            p.grad = 0
        loss.backward()
        # by hand: dL/dw = sum 2 (w x + c - y) x, dL/dc = sum 2 (w x + c - y)
        residuals = [w.data * x + c.data - y for x, y in zip(xs, ys, strict=True)]
        assert w.grad == pytest.approx(sum(2 * r * x for r, x in zip(residuals, xs, strict=True)))
        assert c.grad == pytest.approx(sum(2 * r for r in residuals))
        for p in params:
            p.data -= lr * p.grad
    assert isinstance(w.data, float) and isinstance(loss.data, float)
    later = sum((w * x + c - y) ** 2 for x, y in zip(xs, ys, strict=True))
    assert later.data < loss.data  # gradient descent went downhill


def test_micrograd_operators_and_attributes():
    v, y, s = Value(3.0), Value(2.0), Value(-1.5)
    assert (1 + v).data == 4.0 and (v - 1).data == 2.0 and (1 - v).data == -2.0
    assert (-y * s).data == 3.0 and (2 * v).data == 6.0 and (v / 2).data == 1.5
    assert (6 / v).data == 2.0 and (v**2).data == 9.0 and sum([v, y, s]).data == 3.5
    two_to_v = 2**v
    two_to_v.backward()
    assert two_to_v.data == 8.0
    assert v.grad == pytest.approx(8.0 * math.log(2.0))  # d 2^v/dv = 2^v ln 2
    prod = v * y
    assert prod._prev == {v, y} and prod._op == "*"
    assert (v * v)._prev == {v}  # micrograd's set: one entry; gradlab's parents keep both
    assert v._prev == set() and v._op == ""


# ---------------------------------------------------------------------------------------------
# What a Value holds
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("number", [3, 3.0, np.float32(3.0), np.int64(3), np.array(3.0)])
def test_a_number_becomes_a_python_float_with_a_zero_grad(number):
    v = Value(number)
    assert type(v.data) is float and v.data == 3.0
    assert type(v.grad) is float and v.grad == 0.0


def test_an_array_becomes_a_float64_copy_with_zero_grads_of_its_shape():
    source = np.array([[1, 2, 3], [4, 5, 6]], dtype=np.int32)
    v = Value(source)
    assert v.data.dtype == np.float64 and v.data.shape == (2, 3)
    source[0, 0] = 99
    assert v.data[0, 0] == 1.0  # a copy: later changes to the source do not leak in
    floats = np.array([1.0, 2.0])
    w = Value(floats)
    floats[0] = 99.0
    assert w.data[0] == 1.0
    np.testing.assert_array_equal(v.grad, np.zeros((2, 3)))
    assert Value([1, 2]).data.dtype == np.float64


@pytest.mark.parametrize("bad", ["abc", None, b"1", ["a", "b"], object(), [1.0, None]])
def test_data_that_is_not_numbers_is_a_type_error(bad):
    with pytest.raises(TypeError, match="number"):
        Value(bad)


def test_a_value_and_a_string_do_not_add():
    with pytest.raises(TypeError):
        Value(1.0) + "a"
    with pytest.raises(TypeError):
        "a" * Value(1.0)


# ---------------------------------------------------------------------------------------------
# Out of domain: IEEE nan/inf, never an exception or a warning
# ---------------------------------------------------------------------------------------------

OUT_OF_DOMAIN = [
    ("log(-1)", lambda x: gl.log(x), -1.0, math.nan),
    ("log(0)", lambda x: x.log(), 0.0, -math.inf),
    ("1/0", lambda x: 1 / x, 0.0, math.inf),
    ("-1/0", lambda x: -1 / x, 0.0, -math.inf),
    ("0/0", lambda x: x / x, 0.0, math.nan),
    ("exp(1000)", lambda x: x.exp(), 1000.0, math.inf),
    ("(-8)**(1/3)", lambda x: x ** (1 / 3), -8.0, math.nan),
    ("0**-1", lambda x: x**-1, 0.0, math.inf),
    ("sqrt(-1)", lambda x: gl.sqrt(x), -1.0, math.nan),
    ("(-8)**Value(1/3)", lambda x: x ** Value(1 / 3), -8.0, math.nan),
]


@pytest.mark.parametrize(("f", "x", "expected"), [case[1:] for case in OUT_OF_DOMAIN],
                         ids=[case[0] for case in OUT_OF_DOMAIN])
def test_out_of_domain_gives_ieee_values_quietly(f, x, expected):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        scalar = Value(x)
        out = f(scalar)
        out.backward()
        array = Value([x, 2.0])
        out_array = f(array)
        out_array.backward(np.ones(2))
    np.testing.assert_array_equal(out.data, expected)
    np.testing.assert_array_equal(out_array.data[0], expected)
    assert np.isfinite(out_array.data[1])  # the in-domain entry is unaffected
    assert np.isfinite(array.grad[1])


def test_quiet_primitives_leave_numpy_error_state_as_it_was():
    before = np.geterr()
    with np.errstate(divide="raise"):  # a learner's own setting survives gradlab's quiet ops
        out = Value([0.0, 1.0]).log()
        out.backward(np.ones(2))
        with pytest.raises(FloatingPointError):
            np.log(np.zeros(1))
    assert np.geterr() == before
    assert out.data[0] == -math.inf


def test_quiet_primitives_without_numpys_error_state_variable():
    """On a numpy without the context variable (numpy 1.x), the public np.errstate is used."""
    code = ("import sys, types, warnings\n"
            "import numpy as np\n"
            "real = sys.modules['numpy._core._ufunc_config']\n"
            "sys.modules['numpy._core._ufunc_config'] = types.ModuleType('hidden')\n"
            "import gradlab as gl\n"
            "sys.modules['numpy._core._ufunc_config'] = real\n"
            "warnings.simplefilter('error')\n"
            "x = gl.Value([0.0, -1.0, 1000.0])\n"
            "out = x.log() + x.exp() + 1 / x\n"
            "out.backward(np.ones(3))\n"
            "print(hasattr(gl.ops, '_QUIET_STATE'), out.data.tolist(), np.geterr()['divide'])")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True)
    # log 0 + e^0 + 1/0 = -inf + inf: nan; log(-1): nan; the third is e^1000: inf
    assert result.stdout.split() == ["False", "[nan,", "nan,", "inf]", "warn"]


def test_numpy_arrays_on_the_left_defer_to_value():
    # the book writes np.dot(inputs, weights): a plain array times a Value must build a node
    X = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    W = Value(np.ones((2, 4)))
    out = X @ W
    assert isinstance(out, Value) and out.shape == (3, 4)
    scaled = np.array([1.0, 2.0]) * Value(3.0)
    assert isinstance(scaled, Value)
    out.sum().backward()
    # d sum(XW) / dW[i, j] = sum_k X[k, i]: column sums 9 and 12, by hand
    np.testing.assert_array_equal(W.grad, [[9.0] * 4, [12.0] * 4])


def test_leaf_grads_are_their_own_arrays():
    # a + b passes the upstream gradient on unchanged; each leaf must still own its grad
    a, b = Value(np.zeros(3)), Value(np.ones(3))
    (a + b).backward(np.array([1.0, 2.0, 3.0]))
    assert a.grad is not b.grad
    a.grad *= 0
    np.testing.assert_array_equal(b.grad, [1.0, 2.0, 3.0])


def test_numbers_written_into_a_formula_are_constants_that_backward_passes_by():
    # f = 3x + 2 at x = 5: df/dx = 3; the 3 and the 2 are not variables: no steps reach them
    x = Value(5.0, label="x")
    f = 3 * x + 2
    steps = f.backward(record=True)
    assert x.grad == 3.0
    constants = [p for p in f.topological_order() if p.is_constant]
    assert sorted(c.data for c in constants) == [2.0, 3.0]
    assert all(c.grad == 0.0 for c in constants)
    assert [s.parent for s in steps if s.parent.is_constant] == []
    # a Value the learner made is a variable, whatever its value
    three = Value(3.0)
    (three * x).backward()
    assert three.grad == 5.0 and not three.is_constant


def test_a_plain_array_of_data_gets_no_gradient_but_the_weights_do():
    X = np.array([[1.0, 2.0], [3.0, 4.0]])
    W = Value(np.eye(2))
    out = (X @ W).sum()
    out.backward()
    np.testing.assert_array_equal(W.grad, [[4.0, 4.0], [6.0, 6.0]])  # column sums of X
    data_leaf = out.parents[0].parents[0]
    assert data_leaf.is_constant and np.all(data_leaf.grad == 0)


def test_a_graph_frees_itself_without_the_garbage_collector():
    # no reference cycles: a learner's kernel frees each graph by reference counting as soon as
    # it is dropped, so the collector never has to walk it (benchmarks/engine.py, part 1b)
    import gc
    import weakref

    from gradlab.engine import Value

    gc.collect()
    gc.disable()
    try:
        w = [Value(0.1 * i, label=f"w{i}") for i in range(8)]
        x = [Value(float(i)) for i in range(8)]
        act = sum((wi * xi for wi, xi in zip(w, x, strict=True)), Value(0.5)).relu()
        loss = (act - 1.0) ** 2 + act.exp() * 0.0 + w[0].tanh()
        steps = loss.backward(record=True)
        assert steps, "backward recorded no step"
        inner = weakref.ref(act)
        del act, loss, steps, x
        assert inner() is None, "a node outlived its graph without the collector"
        assert w[0].grad != 0.0  # the leaves keep their gradients
        assert gc.collect() == 0
    finally:
        gc.enable()
