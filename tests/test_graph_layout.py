"""The graph layout and the chain read off a recorded backward pass (numpy-only core), checked
against graphs and derivatives worked by hand."""

import math

import numpy as np
import pytest

import gradlab as gl
from gradlab.graph_layout import graph_signature, joined_paths, layout, node_symbol
from gradlab.paths import (
    chain_product,
    find_node,
    formula,
    formulas,
    inner_node,
    is_variable,
    local_rule,
    paths,
)


def composition(x: float):
    """h = 3(2x^2)^5, its inner function g = 2x^2 and the leaf x."""
    leaf = gl.Value(x, label="x")
    g = 2 * leaf**2
    return 3 * g**5, g, leaf


def neuron(values=(1.0, -2.0, 3.0, -3.0, -1.0, 2.0, 1.0)):
    x1, x2, x3, w1, w2, w3, b = (gl.Value(v, label=n) for v, n in
                                 zip(values, ("x1", "x2", "x3", "w1", "w2", "w3", "b"),
                                     strict=True))
    return (x1 * w1 + x2 * w2 + x3 * w3 + b).relu()


# -- layout --------------------------------------------------------------------------------------

@pytest.mark.parametrize("build", [lambda: composition(1.0)[0], neuron,
                                   lambda: gl.Value(2.0, label="x") * gl.Value(3.0, label="y")])
def test_every_edge_runs_left_to_right_and_the_output_is_alone_on_the_right(build):
    out = build()
    lay = layout(out)
    assert lay.nodes[-1] is out
    for edge in lay.edges:
        assert lay.x[edge.parent] < lay.x[edge.child]
        # each path starts at its parent and ends at its child
        assert (edge.x[0], edge.y[0]) == (lay.x[edge.parent], lay.y[edge.parent])
        assert (edge.x[-1], edge.y[-1]) == (lay.x[edge.child], lay.y[edge.child])
    assert list(lay.x).count(lay.x.max()) == 1 and lay.x[-1] == lay.x.max()


def test_one_edge_per_use_of_a_parent():
    out = neuron()
    lay = layout(out)
    uses = sum(len(node.parents) for node in out.topological_order())
    assert len(lay.edges) == uses == 13  # 3 products and 3 sums of 2 inputs each, one relu
    assert {(e.child, e.slot) for e in lay.edges} == {
        (lay.index(n), s) for n in lay.nodes for s in range(len(n.parents))}


def test_nodes_in_one_column_are_at_least_a_row_apart():
    lay = layout(neuron())
    for column in set(lay.x.tolist()):
        ys = np.sort(lay.y[lay.x == column])
        assert np.all(np.diff(ys) >= 1.0 - 1e-12)
    assert lay.rows == 6  # x1 w1 x2 w2 x3 w3 all feed the first column of products


def test_x_times_x_gets_two_edges_bowed_apart():
    x = gl.Value(3.0, label="x")
    lay = layout(x * x)
    assert len(lay.edges) == 2
    first, second = lay.edges
    assert (first.parent, first.child) == (second.parent, second.child)
    assert {first.slot, second.slot} == {0, 1}
    # distinct paths: their middles (where the local derivatives are written) are apart
    assert abs(first.label_y - second.label_y) > 0.3
    assert len(first.x) > 2 and len(second.x) > 2


def test_a_constant_sits_just_left_of_the_node_using_it():
    h, g, x = composition(1.0)
    lay = layout(h)
    three = h.parents[0]
    assert lay.x[lay.index(three)] == lay.x[lay.index(h)] - 1
    assert lay.x[lay.index(x)] == 0


def test_the_signature_ignores_values_but_not_shape():
    assert graph_signature(composition(1.0)[0].topological_order()) == graph_signature(
        composition(-4.0)[0].topological_order())
    x = gl.Value(1.0, label="x")
    assert graph_signature((x * x).topological_order()) != graph_signature(
        (x + x).topological_order())


def test_joined_paths_break_between_edges():
    xs, ys = joined_paths([(np.array([0.0, 1.0]), np.array([0.0, 0.0])),
                           (np.array([1.0, 2.0]), np.array([1.0, 1.0]))])
    assert xs == [0.0, 1.0, None, 1.0, 2.0, None]
    assert ys == [0.0, 0.0, None, 1.0, 1.0, None]


def test_node_symbols():
    h, g, x = composition(1.0)
    assert [node_symbol(n) for n in (h, h.parents[1], g, x)] == ["×", "^5", "×", "x"]
    assert node_symbol(gl.relu(x)) == "ReLU"


# -- the chain along paths -----------------------------------------------------------------------

def test_the_one_path_of_a_composition_holds_the_hand_worked_locals():
    h, g, x = composition(1.0)
    steps = h.backward(record=True)
    (path,) = paths(steps, h, x)
    # d(3u)/du = 3; d(g^5)/dg = 5 g^4 = 5 * 2^4 = 80; d(2v)/dv = 2; d(x^2)/dx = 2x = 2
    assert path.locals == [3.0, 80.0, 2.0, 2.0]
    assert path.product == 960.0 == x.grad
    assert chain_product(steps, h, g) == 240.0  # dh/dg = 15 g^4 = 15 * 16
    assert chain_product(steps, g, x) == 4.0  # dg/dx = 4x


def test_x_times_x_has_two_paths_that_add_to_2x():
    x = gl.Value(3.0, label="x")
    out = x * x
    steps = out.backward(record=True)
    found = paths(steps, out, x)
    assert [p.product for p in found] == [3.0, 3.0]
    assert sum(p.product for p in found) == 6.0  # d(x^2)/dx = 2x


def test_the_sum_over_paths_is_the_partial():
    x, y = gl.Value(2.0, label="x"), gl.Value(3.0, label="y")
    out = x * y + x
    steps = out.backward(record=True)
    assert sorted(p.product for p in paths(steps, out, x)) == [1.0, 3.0]  # d/dx = y + 1
    assert [p.product for p in paths(steps, out, y)] == [2.0]  # d/dy = x


def test_too_many_paths_is_refused():
    x = gl.Value(1.0, label="x")
    out = x
    for _ in range(7):  # each squaring doubles the paths: 2^7 = 128
        out = out * out
    steps = out.backward(record=True)
    with pytest.raises(ValueError, match="paths"):
        paths(steps, out, x)


def test_the_inner_function_is_the_argument_of_the_outermost_nonlinear_step():
    h, g, x = composition(1.0)
    assert inner_node(h) is g
    y = gl.Value(2.0, label="y")
    assert formula(inner_node(gl.sin(x * y) * 4 + 1)) == "x*y"
    assert inner_node(x * y) is None  # a product of two variables: nothing to split off
    assert inner_node(gl.sin(x)) is None  # sin of a bare variable: no inner function


def test_constants_labelled_with_their_text_are_not_variables():
    three = gl.Value(3.0, label="3")
    x = gl.Value(1.0, label="x")
    assert not is_variable(three) and is_variable(x)
    assert not is_variable(gl.Value(3.14, label="pi"), variables=("x",))
    h = three * gl.exp(x)
    assert inner_node(h) is None  # 3 * exp(x): the 3 is a constant, exp's argument is x


def test_find_node_matches_a_separately_built_formula():
    h, g, x = composition(0.5)
    other_x = gl.Value(7.0, label="x")
    assert find_node(h, 2 * other_x**2) is g
    assert find_node(h, 3 * other_x**2) is None


def test_formula_text():
    x, y = gl.Value(1.0, label="x"), gl.Value(2.0, label="y")
    h, g, _ = composition(1.0)
    assert formula(h) == "3*(2*x^2)^5"
    assert formula(h, {id(g): "g"}) == "3*g^5"
    assert formula(-(x - y) / (x + y) ** gl.Value(2.0)) == "-(x - y)/(x + y)^2"
    assert formula(x**-1 - (y - x)) == "x^(-1) - (y - x)"
    assert formula(gl.maximum(x, y * 2)) == "max(x, y*2)"


def test_local_rules_written_in_the_operands():
    x, y = gl.Value(2.0, label="x"), gl.Value(0.5, label="y")
    h, g, _ = composition(1.0)
    steps = h.backward(record=True)
    texts = formulas(h, {id(g): "g"})
    assert [local_rule(s, texts) for s in steps if s.parent is g] == ["5*g^4"]
    out = gl.sin(x * y).relu()
    steps = out.backward(record=True)
    texts = formulas(out)
    assert [local_rule(s, texts) for s in steps] == ["step(sin(x*y))", "cos(x*y)", "y", "x"]
    assert math.isclose(steps[1].local, math.cos(1.0))
