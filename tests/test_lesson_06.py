"""Lesson 6 as a learner meets it: the NeuronLab built as the notebook builds it, driven to each
state a "Try this" asks for, and what the text says happens checked against the neuron worked
by hand (plain Python and SymPy, never the core); the printed numbers checked the same way."""

import json
import re
from pathlib import Path

import pytest

pytest.importorskip("plotly")
pytest.importorskip("ipywidgets")

import sympy as sp  # noqa: E402

from gradlab.views import Exercise  # noqa: E402
from gradlab.views.neuron import NeuronLab  # noqa: E402

NOTEBOOK = Path(__file__).resolve().parent.parent / "notebooks" / "06_neuron_backprop.ipynb"
BOOK = {"x1": 1.0, "x2": -2.0, "x3": 3.0, "w1": -3.0, "w2": -1.0, "w3": 2.0, "b": 1.0}
NAMES = tuple(BOOK)


def cells() -> dict[str, dict]:
    return {cell["id"]: cell for cell in json.loads(NOTEBOOK.read_text())["cells"]}


def source(cell_id: str) -> str:
    return "".join(cells()[cell_id]["source"])


def printed(cell_id: str) -> str:
    return "".join("".join(o.get("text", "")) for o in cells()[cell_id].get("outputs", []))


def by_hand(p: dict[str, float], dvalue: float = 1.0) -> dict[str, float]:
    """z, out and dL/dv = dvalue * ReLU'(z) * (the other factor), in plain Python."""
    z = p["x1"] * p["w1"] + p["x2"] * p["w2"] + p["x3"] * p["w3"] + p["b"]
    on = 1.0 if z > 0 else 0.0  # ReLU'(z), 0 at the kink as the book
    grads = {f"w{i}": dvalue * on * p[f"x{i}"] for i in (1, 2, 3)}
    grads |= {f"x{i}": dvalue * on * p[f"w{i}"] for i in (1, 2, 3)}
    return {"z": z, "out": max(z, 0.0), "b": dvalue * on, **grads}


def hand_step(p: dict[str, float], dvalue: float, lr: float) -> dict[str, float]:
    """w -= lr dw, b -= lr db with the gradient by hand."""
    grads = by_hand(p, dvalue)
    new = dict(p)
    for name in ("w1", "w2", "w3", "b"):
        new[name] = p[name] - lr * grads[name]
    return new


def lab_as_in_the_notebook() -> NeuronLab:
    assert source("06-04").strip() == "NeuronLab()"
    return NeuronLab()


def test_the_tries_say_what_these_tests_check():
    tries, update = source("06-05"), source("06-13")
    assert "the first step goes through ReLU" in tries
    assert "Lower $b$ below $-5$, until $z < 0$" in tries and "*every* partial becomes 0" in tries
    assert "Double $x_1$ (from 1 to 2): which partial doubles" in tries
    assert "Press *one step*" in update and "output drops to the new output" in update
    assert "set dvalue to $-1$" in update and "the output rises" in update
    assert "choose lr = 0.3 and press *one step* three times" in update
    assert "the second time to 0, and the third step changes nothing" in update


def test_replay_goes_through_relu_first_then_the_sums_then_every_product():
    lab = lab_as_in_the_notebook()
    graph = lab.graph
    graph.reset_button.click()
    graph.step_button.click()
    assert graph.step_index == 1
    first = graph.steps[0]
    assert first.node.op == "relu" and first.local == 1.0  # by hand: z = 6 > 0, ReLU' = 1
    assert "Step 1 of" in graph.readout_text
    ops = [step.node.op for step in graph.steps]
    products = [i for i, op in enumerate(ops) if op == "*"]
    assert ops[1] == "+" and len(products) == 6  # three products, each to both of its inputs
    by_node = {}
    for step in graph.steps:
        if step.node.op == "*":
            by_node.setdefault(id(step.node), []).append(step)
    assert len(by_node) == 3 and all(len(s) == 2 for s in by_node.values())
    # the why: ReLU'(6) = 1 and each sum's local derivative is 1, so every product gets 1
    assert all(step.upstream == 1.0 for step in graph.steps if step.node.op == "*")
    for _ in range(len(graph.steps) - 1):
        graph.step_button.click()
    assert graph.step_index == len(graph.steps)


@pytest.mark.parametrize("b", [-5.1, -6.0, -10.0])
def test_lowering_b_below_minus_5_turns_relu_off_and_every_partial_to_0(b):
    lab = lab_as_in_the_notebook()
    lab.sliders["b"].value = b
    assert lab.sliders["b"].value == b  # the slider reaches it
    hand = by_hand({**BOOK, "b": b})
    assert hand["z"] < 0 and lab.z == pytest.approx(hand["z"], abs=1e-12)
    assert lab.value == 0.0
    assert lab.gradient == dict.fromkeys(NAMES, 0.0)
    assert all(hand[name] == 0.0 for name in NAMES)
    assert "ReLU is off" in lab.message.text
    assert all(abs(row["numerical"]) < 1e-9 for row in lab.table.rows)


def test_just_above_minus_5_relu_is_still_on():
    lab = lab_as_in_the_notebook()
    lab.sliders["b"].value = -4.9
    assert lab.z == pytest.approx(0.1, abs=1e-12) and lab.gradient["w3"] == 3.0
    assert lab.message.text == ""


def test_doubling_x1_doubles_only_d_out_d_w1():
    lab = lab_as_in_the_notebook()
    before = dict(lab.gradient)
    lab.sliders["x1"].value = 2.0
    after = lab.gradient
    hand = by_hand({**BOOK, "x1": 2.0})
    assert after == {name: pytest.approx(hand[name], abs=1e-12) for name in NAMES}
    doubled = [name for name in NAMES if before[name] != 0 and after[name] == 2 * before[name]]
    assert doubled == ["w1"]


def test_one_step_moves_the_sliders_to_the_books_weights_and_lowers_the_output():
    lab = lab_as_in_the_notebook()
    lab.update_button.click()
    hand = hand_step(BOOK, dvalue=1.0, lr=0.001)
    # the book's numbers, by hand: dw = x = [1, -2, 3], db = 1
    assert [hand["w1"], hand["w2"], hand["w3"], hand["b"]] == pytest.approx(
        [-3.001, -0.998, 1.997, 0.999], abs=1e-15)
    for name in ("w1", "w2", "w3", "b"):
        assert lab.sliders[name].value == pytest.approx(hand[name], abs=1e-15)
    assert lab.value == pytest.approx(by_hand(hand)["out"], abs=1e-12)
    assert lab.value == pytest.approx(5.985, abs=1e-12) and lab.value < 6.0
    # the question: w2 went up, w1 and w3 down (each against the sign of x_i)
    assert lab.sliders["w2"].value > BOOK["w2"]
    assert lab.sliders["w1"].value < BOOK["w1"] and lab.sliders["w3"].value < BOOK["w3"]
    assert "out 6 → <b>5.985</b>" in lab.step_readout.value
    assert lab.last_step is not None and lab.last_step.new_output == lab.value


def test_a_negative_dvalue_makes_the_step_raise_the_output():
    lab = lab_as_in_the_notebook()
    lab.update_button.click()
    lab.book_button.click()
    assert {n: s.value for n, s in lab.sliders.items()} == BOOK and lab.last_step is None
    lab.dvalue.value = -1.0
    assert lab.dvalue.value == -1.0
    lab.update_button.click()
    hand = by_hand(hand_step(BOOK, dvalue=-1.0, lr=0.001))
    assert hand["out"] > 6.0 and lab.value == pytest.approx(hand["out"], abs=1e-12)


def test_lr_0_3_three_steps_drop_the_output_to_0_and_then_nothing_moves():
    lab = lab_as_in_the_notebook()
    lab.book_button.click()
    lab.rate.value = 0.3
    assert lab.rate.value == 0.3  # one of the slider's choices
    point, outputs, points = dict(BOOK), [], []
    for _ in range(3):
        lab.update_button.click()
        point = hand_step(point, dvalue=1.0, lr=0.3)
        outputs.append(lab.value)
        points.append({n: s.value for n, s in lab.sliders.items()})
        assert lab.value == pytest.approx(by_hand(point)["out"], abs=1e-12)
    assert outputs[0] < 6.0 and outputs[0] > 0 and outputs[1] == 0.0 and outputs[2] == 0.0
    assert by_hand(points[1])["z"] < 0  # ReLU off after the second step
    assert points[2] == points[1]  # the third step moved nothing: every gradient is 0
    assert lab.gradient == dict.fromkeys(NAMES, 0.0)


def test_a_slider_end_stops_a_step_and_says_so():
    lab = lab_as_in_the_notebook()
    lab.sliders["w3"].value = 4.5
    lab.dvalue.value = -2.0
    lab.rate.value = 0.5
    lab.update_button.click()  # w3 + 0.5 * 2 * 3 = 7.5, beyond 5
    assert lab.sliders["w3"].value == 5.0
    assert "w3 reached the end of its slider" in lab.message.text


def test_the_update_readout_tags_dw_and_db_with_the_upstream_formula():
    lab = lab_as_in_the_notebook()
    lab.dvalue.value = 0.5
    found = re.findall(r'data-gradlab-expression="([^"]*)" data-gradlab-of="([^"]*)" '
                       r'data-gradlab-at="([^"]*)" data-gradlab-value="([^"]*)"[^>]*>([^<]*)<',
                       lab.step_readout.value)
    assert {of for _, of, *_ in found} == {"w1", "w2", "w3", "b"}
    hand = by_hand(BOOK, dvalue=0.5)
    for expression, of, at, value, text in found:
        assert expression == "dvalue*relu(x1*w1 + x2*w2 + x3*w3 + b)"
        assert json.loads(at.replace("&quot;", '"'))["dvalue"] == 0.5
        assert float(value) == hand[of]
        assert float(text.replace("−", "-")) == hand[of]


def test_the_printed_update_is_the_books_step_worked_by_hand():
    assert "gl.nn.neuron_step(inputs=[1, -2, 3], weights=[-3, -1, 2], bias=1, dvalue=1.0, " \
           "lr=0.001)" in source("06-12")
    text = printed("06-12")
    hand = hand_step(BOOK, dvalue=1.0, lr=0.001)
    grads = by_hand(BOOK)
    assert "out = ReLU(z) = 6\n" in text
    assert f"dw = dvalue·ReLU'(z)·x = [{grads['w1']:g}, {grads['w2']:g}, {grads['w3']:g}]" \
        in text
    assert f"db = dvalue·ReLU'(z) = {grads['b']:g}" in text
    assert (f"w - 0.001·dw = [{hand['w1']:.6g}, {hand['w2']:.6g}, {hand['w3']:.6g}],  "
            f"b - 0.001·db = {hand['b']:.6g}") in text
    new_out = by_hand(hand)["out"]
    assert f"out = ReLU(z) = {new_out:.6g}  (lower by {6 - new_out:.6g})" in text
    assert "5.985" in text and "[-3.001, -0.998, 1.997]" in text  # the book's numbers


def test_the_exercise_asks_for_a_number_the_page_does_not_show():
    text = source("06-06")
    assert 'Exercise("0.5*relu(x1*w1 + x2*w2 + x3*w3 + b)", partial="w3"' in text
    assert 'at={"x1": 1, "x2": -2, "x3": 3, "w1": -3, "w2": -1, "w3": 2, "b": 1}' in text
    exercise = Exercise("0.5*relu(x1*w1 + x2*w2 + x3*w3 + b)", at=BOOK, partial="w3")
    answer = by_hand(BOOK, dvalue=0.5)["w3"]  # 0.5 * 1 * x3 = 1.5
    assert answer == 1.5 and exercise.expected == pytest.approx(answer, abs=1e-12)
    outputs = "".join(printed(cell_id) for cell_id in cells())
    assert not re.search(r"(?<![\d.])1\.5(?![\d])", outputs)
    lab = NeuronLab()  # at the default point the lab shows dvalue 1's gradient, not 0.5's
    assert "data-gradlab-value=\"1.5\"" not in lab.step_readout.value


def test_the_summary_partials_agree_with_sympy():
    text = printed("06-08")
    symbols = sp.symbols("x1 x2 x3 w1 w2 w3 b")
    x1, x2, x3, w1, w2, w3, b = symbols
    z = x1 * w1 + x2 * w2 + x3 * w3 + b
    f = sp.Piecewise((z, z > 0), (0, True))
    at = dict(zip(symbols, [BOOK[str(s)] for s in symbols], strict=True))
    assert f"  f = {float(f.subs(at)):g}\n" in text
    for symbol in symbols:
        value = float(sp.diff(f, symbol).subs(at))
        assert re.search(rf"∂f/∂{symbol} = .*= {value:g}\n", text), (symbol, value)
