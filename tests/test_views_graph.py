"""The graph views driven headlessly: set sliders, step the replay, and check the numbers shown
against derivatives worked by hand (and the recorded steps they must come from)."""

import math

import ipywidgets  # noqa: F401 - required: a missing one fails the tests
import plotly  # noqa: F401 - required: a missing one fails the tests
import pytest

import gradlab as gl  # noqa: E402
from gradlab.views._common import fmt  # noqa: E402
from gradlab.views.chain import ChainRule  # noqa: E402
from gradlab.views.computation_graph import ComputationGraph  # noqa: E402
from gradlab.views.neuron import NeuronLab  # noqa: E402
from gradlab.views.table import PartialsTable  # noqa: E402


def node_text(view, label):
    """The value/grad text under the leaf named `label`."""
    i = next(i for i, n in enumerate(view.graph_layout.nodes) if n.label == label and not n.parents)
    return view.figure.data[3].text[i]


# -- ComputationGraph ----------------------------------------------------------------------------

def test_x_times_x_shows_two_contributions_into_x_adding_to_2x():
    view = ComputationGraph("x*x", point={"x": 3.0})
    assert len(view.steps) == 2 and view.play.max == view.step_slider.max == 2
    view.show_step(1)
    assert "local ∂(x·x)/∂x = x = 3  ×  upstream 1  =  contribution 3" in view.readout_text
    assert "x's grad so far: 3 (contribution 1 of 2" in view.readout_text
    assert node_text(view, "x") == "value 3<br>grad 3"
    view.show_step(2)
    assert "x's grad so far: 6 (contribution 2 of 2" in view.readout_text  # 2x = 6
    assert node_text(view, "x") == "value 3<br>grad 6"
    assert list(view.figure.data[2].text) == ["3", "3"]  # both edges: d(x*x)/d(either x) = x


def test_the_replay_at_step_k_shows_the_kth_recorded_step():
    view = ComputationGraph("x*y + z", point={"x": 2.0, "y": 3.0, "z": 4.0})
    assert view.step_index == len(view.steps) == 4  # it opens on the finished pass
    for k, step in enumerate(view.steps, start=1):
        view.show_step(k)
        assert view.readout_text.startswith(f"Step {k} of 4")
        assert f"upstream {fmt(step.upstream)}" in view.readout_text
        assert f"contribution {fmt(step.contribution)}" in view.readout_text
        # the highlighted edge is the one the step travels
        lay = view.graph_layout
        child, parent = lay.index(step.node), lay.index(step.parent)
        assert list(view.figure.data[5].x) == [lay.x[child], lay.x[parent]]
    # by hand: d(xy + z)/dx = y = 3 arrives at x in the step from x*y to x
    step_to_x = next(k for k, s in enumerate(view.steps, 1) if s.parent.label == "x")
    view.show_step(step_to_x)
    assert "∂(x·y)/∂x = y = 3  ×  upstream 1  =  contribution 3" in view.readout_text
    assert node_text(view, "x") == "value 2<br>grad 3"


def test_before_any_step_only_the_output_has_a_grad():
    view = ComputationGraph("x*y + z", point={"x": 2.0, "y": 3.0, "z": 4.0})
    view.reset_button.click()
    assert view.step_index == 0
    texts = list(view.figure.data[3].text)
    assert texts[-1] == "value 10<br>grad 1"
    assert all(text.endswith("grad 0") for text in texts[:-1])
    assert view.readout_text.startswith("Start")
    view.step_button.click()
    assert view.step_index == 1
    view.show_step(4)
    view.step_button.click()  # at the end, Step starts the replay again
    assert view.step_index == 1


def test_a_slider_move_rerecords_in_place():
    view = ComputationGraph("x*x + 3x", point={"x": 1.0})
    figure = view.figure
    positions = (list(figure.data[3].x), list(figure.data[3].y))
    for i in range(60):
        view.sliders["x"].value = -2 + i * 0.05
    view.sliders["x"].value = 2.0
    assert view.figure is figure and len(figure.data) == 6
    assert (list(figure.data[3].x), list(figure.data[3].y)) == positions
    assert node_text(view, "x") == "value 2<br>grad 7"  # d(x^2 + 3x)/dx = 2x + 3
    assert view.gradient == {"x": 7.0}


def test_undefined_numbers_show_as_words_with_a_message():
    view = ComputationGraph("log(x)", point={"x": 1.0})
    assert view.message.text == ""
    view.sliders["x"].value = -1.0
    assert node_text(view, "x") == "value −1<br>grad −1"  # d ln(x)/dx = 1/x, though ln undefined
    assert view.figure.data[3].text[-1] == "value undefined<br>grad 1"
    assert "undefined" in view.message.text
    view.sliders["x"].value = 0.0
    assert node_text(view, "x") == "value 0<br>grad ∞"
    view.sliders["x"].value = 2.0
    assert view.message.text == ""


def test_an_exception_in_a_callback_shows_in_the_widget():
    view = ComputationGraph("x*x", point={"x": 1.0})

    def broken(point):
        raise ZeroDivisionError("boom")

    view.source.build = broken
    view.sliders["x"].value = 2.0
    assert view.message.text == "Could not update: ZeroDivisionError: boom"


def test_a_builder_and_a_fixed_value_graph_are_drawn_too():
    def f(a, b):
        return gl.Value(a, label="a") * gl.Value(b, label="b")

    view = ComputationGraph(f, point={"a": 2.0, "b": 5.0})
    assert view.gradient == {"a": 5.0, "b": 2.0}
    x = gl.Value(3.0, label="x")
    fixed = ComputationGraph(x * x + 1)
    assert fixed.sliders == {}
    assert fixed.value == 10.0 and fixed.gradient == {"x": 6.0}
    fixed.update()  # replaying again must not add the grads up twice
    assert fixed.gradient == {"x": 6.0}


# -- ChainRule -----------------------------------------------------------------------------------

def test_chain_rule_of_a_composition_at_x_1_and_then_half():
    view = ChainRule("3(2x^2)^5", point={"x": 1.0})
    numbers = view.numbers["x"]
    # by hand, g = 2x^2 = 2: dh/dg = 15 g^4 = 240, dg/dx = 4x = 4, dh/dx = 960
    assert (numbers["dh_dg"], numbers["dg_dx"], numbers["chain"]) == (240.0, 4.0, 960.0)
    assert numbers["paths"] == [[3.0, 80.0, 2.0, 2.0]]
    assert numbers["core"] == 960.0
    assert "240 × 4 = 960" in view.readout_text
    assert "3 · 5·g^4 · 2 · 2·x = 3 × 80 × 2 × 2 = 960" in view.readout_text
    assert r"240\times 4 = 960" in view.readout.value
    view.sliders["x"].value = 0.5
    numbers = view.numbers["x"]
    # g = 0.5: dh/dg = 15/16, dg/dx = 2, dh/dx = 1.875
    assert numbers["dh_dg"] == pytest.approx(0.9375, abs=1e-15)
    assert numbers["dg_dx"] == pytest.approx(2.0, abs=1e-15)
    assert numbers["chain"] == pytest.approx(1.875, abs=1e-15)
    assert "0.9375 × 2 = 1.875" in view.readout_text


def test_chain_rule_with_an_inner_function_given_as_text():
    view = ChainRule("3(2x^2)^5", inner="2x^2", point={"x": 1.0})
    assert view.numbers["x"]["dh_dg"] == 240.0
    assert "15 g^{4}" in view.readout.value  # the symbolic dh/dg from Expression.partial
    with pytest.raises(ValueError, match="not a part"):
        ChainRule("3(2x^2)^5", inner="sin(x)")


def test_chain_rule_with_several_inputs_sums_over_paths():
    view = ChainRule("x*y + x", point={"x": 2.0, "y": 3.0})
    assert sorted(math.prod(p) for p in view.numbers["x"]["paths"]) == [1.0, 3.0]
    assert view.numbers["x"]["sum"] == 4.0  # d(xy + x)/dx = y + 1
    assert view.numbers["y"]["sum"] == 2.0  # d/dy = x
    assert "the sum over paths = 4" in view.readout_text
    inner = ChainRule("sin(x*y)", point={"x": 1.0, "y": 2.0})
    # h = sin(g), g = xy: dh/dg = cos(2), dg/dx = y = 2
    assert inner.numbers["x"]["dh_dg"] == pytest.approx(math.cos(2.0), abs=1e-15)
    assert inner.numbers["x"]["dg_dx"] == 2.0
    assert inner.numbers["x"]["chain"] == pytest.approx(2 * math.cos(2.0), abs=1e-15)


def tanh_of_square(x: float) -> gl.Value:
    """h = tanh(x * x), x made once (one leaf)."""
    leaf = gl.Value(x, label="x")
    return gl.tanh(leaf * leaf)


def tanh_of_two_leaves(x: float) -> gl.Value:
    """h = tanh(x * x) from two leaves that are both labelled x."""
    return gl.tanh(gl.Value(x, label="x") * gl.Value(x, label="x"))


def test_a_variable_made_once_gets_the_whole_chain():
    view = ChainRule(tanh_of_square, point={"x": 0.8})
    by_hand = 2 * 0.8 * (1 - math.tanh(0.64) ** 2)  # d tanh(x^2)/dx = 2x (1 - tanh^2(x^2))
    assert view.numbers["x"]["sum"] == pytest.approx(by_hand, rel=1e-12)
    assert view.numbers["x"]["chain"] == pytest.approx(by_hand, rel=1e-12)


@pytest.mark.parametrize("view", [ChainRule, PartialsTable])
def test_two_leaves_labelled_as_one_variable_are_refused_with_the_way_out(view):
    """A chain follows one leaf: with x * x made of two, it gave dh/dx = x (1 - tanh^2), half
    the derivative, while the core's sum over both leaves was right (only the cross warned)."""
    with pytest.raises(ValueError, match=r"two leaves of the graph are labelled 'x'.*"
                                         r"x = Value\(x, label='x'\)"):
        view(tanh_of_two_leaves, point={"x": 0.8})
    fixed = gl.Value(2.0, label="x") * gl.Value(2.0, label="x")
    with pytest.raises(ValueError, match="two leaves of the graph are labelled 'x'"):
        view(fixed)


@pytest.mark.parametrize("view", [ChainRule, PartialsTable])
def test_a_graph_that_grows_a_second_leaf_on_a_slider_says_so_and_keeps_its_numbers(view):
    def grows(x: float, y: float) -> gl.Value:
        """x made twice once y passes 0."""
        leaf = gl.Value(x, label="x")
        second = gl.Value(x, label="x") if y > 0 else leaf
        return leaf * second + gl.Value(y, label="y")

    lab = view(grows, point={"x": 0.5, "y": -1.0})
    before = lab.numbers if view is ChainRule else lab.rows
    lab.sliders["y"].value = 1.0
    assert "two leaves of the graph are labelled 'x'" in lab.message.text
    assert lab.message.kind == "error"
    assert (lab.numbers if view is ChainRule else lab.rows) == before


@pytest.mark.parametrize(("x", "step"), [(0.01, 0.01), (-2.99, 0.01), (0.005, 0.005),
                                          (1.0, 0.02), (2.5, 0.02)])
def test_a_point_off_the_default_step_is_kept_by_a_finer_round_step(x, step):
    """The default step on [-3, 3] is 0.02; a point given on a finer round step (down to a
    tenth of it) keeps its value, the step finer, so the page's slider can hold it too."""
    view = ChainRule("x^2", point={"x": x})
    slider = view.sliders["x"]
    assert (slider.min, slider.max, slider.step) == (-3.0, 3.0, step)
    assert slider.value == x
    positions = (x - slider.min) / slider.step  # the page puts a value on min + k * step
    assert positions == pytest.approx(round(positions), abs=1e-9)
    assert view.numbers["x"]["core"] == pytest.approx(2 * x, rel=1e-12)  # d(x^2)/dx = 2x


def test_a_point_on_no_round_step_is_put_on_the_default_one():
    view = ChainRule("x^2", point={"x": 0.123})  # would need a step of 0.001, 20x finer
    slider = view.sliders["x"]
    assert slider.step == 0.02 and slider.value == pytest.approx(0.12, abs=1e-12)
    assert view.numbers["x"]["core"] == pytest.approx(0.24, rel=1e-12)


# -- PartialsTable -------------------------------------------------------------------------------

def test_partials_table_rows_match_hand_worked_partials():
    table = PartialsTable("x^2*y + sin(y)", point={"x": 1.5, "y": 0.5})
    x_row, y_row = table.rows
    assert (x_row["variable"], y_row["variable"]) == ("x", "y")
    assert x_row["value"] == pytest.approx(1.5, abs=1e-12)  # 2xy
    assert y_row["value"] == pytest.approx(2.25 + math.cos(0.5), abs=1e-12)  # x^2 + cos y
    for row in table.rows:
        assert abs(row["numerical"] - row["value"]) < 1e-6
        assert row["difference"] == abs(row["numerical"] - row["value"])
    assert "x" in x_row["symbolic"] and "cos" in y_row["symbolic"]
    table.sliders["x"].value = -1.0
    assert table.rows[0]["value"] == pytest.approx(-1.0, abs=1e-12)  # 2 * -1 * 0.5
    assert "−1" in table.table.value


def test_partials_table_undefined_point():
    table = PartialsTable("log(x)", point={"x": 2.0})
    assert table.rows[0]["value"] == 0.5
    table.sliders["x"].value = -1.0
    assert math.isnan(table.value)
    assert "undefined" in table.table.value and "undefined" in table.message.text


def test_partials_table_explains_a_kink():
    table = PartialsTable("max(x, y)", point={"x": 1.0, "y": 1.0})
    x_row = table.rows[0]
    # at a tie the core's convention gives 0; central differences give (1 + h - 1) / 2h = 1/2
    assert x_row["value"] == 0.0
    assert x_row["numerical"] == pytest.approx(0.5, abs=1e-6)
    assert "kink" in table.message.text
    table.sliders["x"].value = 2.0
    assert table.rows[0]["value"] == 1.0 and table.message.text == ""


def test_chain_rule_where_h_is_undefined_says_so():
    view = ChainRule("log(x)^2", point={"x": 2.0})
    # g = ln x: dh/dg = 2g = 2 ln 2, dg/dx = 1/x = 1/2
    assert view.numbers["x"]["dh_dg"] == pytest.approx(2 * math.log(2.0), abs=1e-15)
    assert view.numbers["x"]["dg_dx"] == 0.5
    view.sliders["x"].value = -1.0
    assert math.isnan(view.numbers["x"]["chain"])
    assert "undefined" in view.message.text
    assert "the core's dh/dx = undefined ✓" in view.readout_text


# -- NeuronLab -----------------------------------------------------------------------------------

def test_neuron_lab_defaults_match_the_book():
    lab = NeuronLab()
    # z = 1*-3 + -2*-1 + 3*2 + 1 = 6 > 0, so out = 6 and d out/dz = 1
    assert lab.value == 6.0
    assert lab.gradient == {"x1": -3.0, "x2": -1.0, "x3": 2.0,  # d/dx_i = w_i
                            "w1": 1.0, "w2": -2.0, "w3": 3.0,  # d/dw_i = x_i
                            "b": 1.0}
    assert lab.message.text == ""
    for row in lab.table.rows:
        assert abs(row["numerical"] - lab.gradient[row["variable"]]) < 1e-6
    assert "step(" in lab.table.rows[0]["chain"]  # the path's locals, ReLU's first


def test_neuron_lab_with_relu_off_has_zero_partials():
    lab = NeuronLab()
    lab.sliders["b"].value = -4.0  # z = -3 + 2 + 6 - 4 = 1 > 0: still on
    assert lab.value == pytest.approx(1.0, abs=1e-12)
    lab.sliders["b"].value = -5.0
    lab.sliders["w3"].value = 1.0  # z = -3 + 2 + 3 - 5 = -3 < 0: off
    assert lab.z == pytest.approx(-3.0, abs=1e-12)
    assert lab.value == 0.0
    assert set(lab.gradient.values()) == {0.0}
    assert "ReLU is off" in lab.message.text
    assert all(abs(row["numerical"]) < 1e-6 for row in lab.table.rows)


def test_neuron_lab_trace_count_is_fixed_after_many_updates():
    lab = NeuronLab()
    (figure,) = lab.figures
    for i in range(150):
        lab.sliders["w1"].value = -3 + (i % 30) * 0.2
    assert lab.figures == [figure] and len(figure.data) == 6


def tagged_numbers(markup: str) -> dict[str, tuple[str, dict, float, str]]:
    """of -> (expression, at, exact value, text) of each number tagged with data-gradlab-*."""
    import json

    from visible import tags

    return {tag["of"]: (tag["expression"], json.loads(tag["at"]), float(tag["value"]), text)
            for tag, text in tags(markup)}


def test_neuron_lab_tags_its_output_and_partials_with_the_neuron_formula():
    """Book defaults: z = 1(-3) + (-2)(-1) + 3(2) + 1 = 6 > 0, out = 6, d out/d w1 = x1 = 1,
    d out/d x3 = w3 = 2, d out/d b = 1 (by hand)."""
    lab = NeuronLab()
    point = {"x1": 1.0, "x2": -2.0, "x3": 3.0, "w1": -3.0, "w2": -1.0, "w3": 2.0, "b": 1.0}
    out = tagged_numbers(lab.output.value)[""]
    assert out == ("relu(x1*w1 + x2*w2 + x3*w3 + b)", point, 6.0, "6")
    table = tagged_numbers(lab.table.table.value)
    assert {k: v[2] for k, v in table.items() if k in ("w1", "x3", "b", "")} == {
        "w1": 1.0, "x3": 2.0, "b": 1.0, "": 6.0}
    assert all(v[0] == "relu(x1*w1 + x2*w2 + x3*w3 + b)" and v[1] == point
               for v in table.values())
    lab.sliders["x1"].value = 2.0  # z = 3, d out/d w1 = x1 = 2
    assert tagged_numbers(lab.table.table.value)["w1"][1:3] == ({**point, "x1": 2.0}, 2.0)


def test_a_graph_on_its_own_states_f_and_its_gradient_tagged():
    """h = 3(2x^2)^5 at x = 1: h = 96, dh/dx = 15(2x^2)^4 * 4x = 15 * 16 * 4 = 960."""
    view = ComputationGraph("3(2x^2)^5", point={"x": 1.0})
    numbers = tagged_numbers(view.summary.value)
    assert numbers[""][1:] == ({"x": 1.0}, 96.0, "96")
    assert numbers["x"][1:] == ({"x": 1.0}, 960.0, "960")
    assert gl.parse(numbers["x"][0]).gradient(x=1.0)["x"] == 960.0  # the tag parses back
    shared = ComputationGraph("x*y", sliders=view.sliders | {"y": view.sliders["x"]})
    assert shared.summary not in shared.children  # a composite shows these numbers itself


def test_chain_rule_tags_the_cores_derivative():
    view = ChainRule("3(2x^2)^5", point={"x": 1.0})
    assert tagged_numbers(view.readout.value)["x"][1:] == ({"x": 1.0}, 960.0, "960")
