"""Lesson 6 as a learner meets it: the NeuronLab built as the notebook builds it, driven to each
state a "Try this" asks for, and what the text says happens checked against the neuron worked
by hand (plain Python and SymPy, never the core); the printed numbers checked the same way.
The exercises are made from the notebook's own cells (read with ast): each answer checked by
hand, plausible wrong answers rejected, each checkable in the lab, and no answer on the page."""

import json
import math
import re

import ipywidgets  # noqa: F401 - required: a missing one fails the tests
import numpy as np  # noqa: E402
import plotly  # noqa: F401 - required: a missing one fails the tests
import practice_checks as practice  # noqa: E402
import pytest
import sympy as sp  # noqa: E402
from lesson_page import (  # noqa: E402
    Lesson,
    arithmetic,
    assert_cells_hide_their_code,
    assert_ends_with_progress,
    assert_key_answers,
    assert_progress_counts,
    number_texts,
)
from lesson_page import shows_answer as shows  # noqa: E402

import gradlab as gl  # noqa: E402
from gradlab.views import Exercise  # noqa: E402
from gradlab.views.neuron import NeuronLab  # noqa: E402

LESSON = Lesson("06_neuron_backprop", "06-03", ("NeuronLab(",))
NOTEBOOK = LESSON.path
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
    assert "Lower $b$ below $-5$, until $z < 0$: what happens to the seven partials" in tries
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


# -- the exercises, made from the notebook's own cells -------------------------------------------


def made(cell_id: str) -> Exercise:
    """The exercise exactly as the notebook's cell makes it (read with ast), made fresh."""
    maker, args, kwargs = exercise_calls()[cell_id]
    return maker(*args, **kwargs)


def exercise_calls() -> dict:
    return practice.exercise_calls_by_cell(list(cells().values()))


def answer_texts(exercise: Exercise) -> set[str]:
    """The exercise's answer in the forms a page might show it."""
    if exercise.kind == "number":
        return number_texts(exercise.expected)
    if exercise.kind == "vector":
        values = list(exercise.expected.values())
        texts = {exercise.answer_text}
        for spec in ("g", ".2f", ".3g"):
            parts = [format(v, spec) for v in values]
            for sep in (", ", ",", "  ", " "):
                texts |= {sep.join(parts), sep.join(parts[:-1])}  # all, and dw alone
        return texts | {t.replace("-", "−") for t in texts}
    if exercise.kind == "formula":
        text = exercise.answer_text
        return {text, text.replace(" ", ""), str(exercise.expected._sympy())}
    return {exercise.expected} if isinstance(exercise.expected, str) else set(exercise.expected)


EXERCISES = ("06-16", "06-06", "06-17", "06-18")


def test_the_lesson_has_four_exercises_of_four_kinds_each_after_its_idea_then_progress():
    ids = list(cells())
    assert list(exercise_calls()) == list(EXERCISES)
    assert [made(i).kind for i in EXERCISES] == ["choice", "vector", "formula", "number"]
    # ReLU off: after the lab's Try this, before the update; the update's: after its Try this
    assert ids.index("06-05") < ids.index("06-16") < ids.index("06-11")
    assert ids.index("06-13") < ids.index("06-06") < ids.index("06-17") < ids.index("06-18") \
        < ids.index("06-07")
    assert_ends_with_progress([source(i) for i in ids])
    assert_progress_counts([made(i) for i in EXERCISES])


def test_no_answer_is_on_the_page_before_the_learner_answers():
    outputs, text = LESSON.saved_outputs(), LESSON.prose()
    exercises = {cell_id: made(cell_id) for cell_id in EXERCISES}
    words = [hint for e in exercises.values() for hint in e.hints]
    lab = NeuronLab()  # its readouts at the default point
    readouts = " ".join([lab.output.value, lab.step_readout.value, lab.table.children[0].value,
                         lab.message.text])
    assert readouts.count("data-gradlab-value") >= 8  # the readouts were read
    for cell_id, exercise in exercises.items():
        # a choice's answer is one of its options, which its question may name
        questions = ([] if exercise.kind == "choice" else
                     [e.question_text for e in exercises.values()])
        for answer in answer_texts(exercise):
            assert not shows(outputs, answer), (cell_id, answer)
            assert not shows(text, answer), (cell_id, answer)
            assert not any(shows(w, answer) for w in [*words, *questions]), (cell_id, answer)
            assert not shows(re.sub(r"<[^>]+>", " ", readouts), answer), (cell_id, answer)


def test_exercise_relu_off_none_of_the_seven_gets_a_gradient():
    exercise = made("06-16")
    maker, (expression, *_), kwargs = exercise_calls()["06-16"]
    point = {name: float(v) for name, v in kwargs["at"].items()}
    assert maker == Exercise.which_inputs and expression == "relu(x1*w1 + x2*w2 + x3*w3 + b)"
    # the question describes this neuron
    assert "inputs x = [2, 1, −1], weights w = [−3, 1, 2], bias b = 1" in exercise.question_text
    assert [point[n] for n in ("x1", "x2", "x3", "w1", "w2", "w3", "b")] == [2, 1, -1, -3, 1, 2, 1]
    hand = by_hand(point)
    assert hand["z"] < 0 and all(hand[name] == 0 for name in NAMES)
    assert exercise.expected == ("none of them",)
    assert arithmetic(exercise.hints[2].split("z = ")[1].split(".")[0]) == hand["z"]
    for wrong in (("x1", "w1"), ("b",), ("x1", "x2", "x3", "w1", "w2", "w3", "b")):
        assert exercise.check(wrong) is False
        assert "is 0 at this point" in exercise.result.message
    # checkable in the lab: this neuron on the sliders turns ReLU off
    lab = NeuronLab()
    for name, value in point.items():
        lab.sliders[name].value = value
    assert lab.gradient == dict.fromkeys(NAMES, 0.0) and "ReLU is off" in lab.message.text


def test_exercise_dw_and_db_for_dvalue_minus_half():
    exercise = made("06-06")
    assert "dvalue = −0.5 for the book's neuron" in exercise.question_text
    assert exercise.expression.text == "-0.5*relu(1*w1 - 2*w2 + 3*w3 + b)"
    assert exercise.at == {"w1": -3.0, "w2": -1.0, "w3": 2.0, "b": 1.0}
    hand = by_hand(BOOK, dvalue=-0.5)  # dvalue * ReLU'(6) * x_i, dvalue * ReLU'(6)
    expected = [hand["w1"], hand["w2"], hand["w3"], hand["b"]]
    assert expected == [-0.5, 1.0, -1.5, -0.5]
    assert list(exercise.expected.values()) == pytest.approx(expected, abs=1e-12)
    assert exercise.check(", ".join(f"{v:g}" for v in expected)) is True
    plain = by_hand(BOOK)
    for wrong in ([-v for v in expected],  # the sign of dvalue dropped
                  [plain["w1"], plain["w2"], plain["w3"], plain["b"]],  # dvalue = 1's
                  [hand["x1"], hand["x2"], hand["x3"], hand["b"]]):  # dx instead of dw
        assert exercise.check(", ".join(f"{v:g}" for v in wrong)) is False
    # checkable in the lab: dvalue = -0.5 shows this dw and db
    lab = NeuronLab()
    lab.dvalue.value = -0.5
    found = dict(re.findall(r'data-gradlab-of="([^"]*)" data-gradlab-at="[^"]*" '
                            r'data-gradlab-value="([^"]*)"', lab.step_readout.value))
    assert [float(found[n]) for n in ("w1", "w2", "w3", "b")] == expected


def test_exercise_formula_for_what_the_neuron_sends_back_for_x2():
    exercise = made("06-17")
    assert exercise.expression.text == "dvalue*relu(x1*w1 + x2*w2 + x3*w3 + b)"
    assert exercise.partial == "x2"
    dvalue, x1, x2, x3, w1, w2, w3, b = sp.symbols("dvalue x1 x2 x3 w1 w2 w3 b", real=True)
    z = x1 * w1 + x2 * w2 + x3 * w3 + b
    oracle = sp.diff(dvalue * sp.Max(0, z), x2)  # SymPy: dvalue*w2*Heaviside(z)
    symbols = (dvalue, x1, x2, x3, w1, w2, w3, b)
    rng = np.random.default_rng(6)
    checked = 0
    for _ in range(40):
        point = dict(zip(symbols, rng.uniform(-3, 3, len(symbols)).tolist(), strict=True))
        if abs(float(z.subs(point))) < 1e-3:
            continue  # away from the kink, where SymPy's Heaviside(0) is a convention
        ours = exercise.expected.evaluate(**{str(s): v for s, v in point.items()})
        assert ours == pytest.approx(float(oracle.subs(point)), abs=1e-12)
        checked += 1
    assert checked > 30
    sum_ = "x1*w1 + x2*w2 + x3*w3 + b"
    for right in (f"dvalue*w2*step({sum_})", f"w2 * dvalue * step({sum_})",
                  f"dvalue·w2·step({sum_})"):
        assert exercise.problem.check(right).correct, right
    wrongs = {f"w2*step({sum_})": "yours gives",  # dvalue forgotten
              "dvalue*w2": "the partial gives 0",  # ReLU' forgotten: wrong where z < 0
              f"dvalue*x2*step({sum_})": "that is ∂f/∂w2",  # the weight's partial
              f"-dvalue*w2*step({sum_})": "the sign is wrong"}
    for wrong, told in wrongs.items():
        result = exercise.problem.check(wrong)
        assert not result.correct and told in result.message, (wrong, result.message)


def test_exercise_the_output_after_one_step_with_dvalue_2_and_lr_0_01():
    exercise = made("06-18")
    assert "dvalue = 2, and the learning rate is lr = 0.01" in exercise.question_text
    assert exercise.at == {**BOOK, "dvalue": 2.0, "lr": 0.01}
    after = hand_step(BOOK, dvalue=2.0, lr=0.01)
    answer = by_hand(after)["out"]
    assert answer == pytest.approx(5.7, abs=1e-12)
    assert exercise.expected == pytest.approx(answer, abs=1e-12)
    worked = exercise.hints[2].split("new z = ")[1].rstrip(".")
    assert arithmetic(worked) == pytest.approx(by_hand(after)["z"], abs=1e-12)
    for wrong in (by_hand(hand_step(BOOK, 1.0, 0.01))["out"],  # dvalue = 1
                  by_hand(hand_step(BOOK, -2.0, 0.01))["out"],  # a step uphill: + lr * dw
                  6.0):  # the output before the step
        assert not math.isclose(wrong, answer)
        assert exercise.check(f"{wrong:g}") is False
    # checkable in the lab: dvalue 2, lr 0.01, one step
    lab = NeuronLab()
    lab.dvalue.value = 2.0
    lab.rate.value = 0.01
    assert (lab.dvalue.value, lab.rate.value) == (2.0, 0.01)
    lab.update_button.click()
    assert lab.value == pytest.approx(answer, abs=1e-12)


def test_the_answer_key_has_every_exercise_with_the_cores_answer():
    key = LESSON.key.read_text()
    assert_key_answers(key, [made(cell_id) for cell_id in EXERCISES])
    assert len(re.findall(r"^### Try this: ", key, flags=re.M)) == 6  # 3 + 3 bullets


def test_the_exercise_cells_hide_their_code_which_holds_the_hints():
    """The code of an exercise holds its hints (and a choice's answer): JupyterLab shows the
    cell collapsed, so a learner meets the question, not the worked step."""
    assert_cells_hide_their_code(cells(), {c: made(c) for c in EXERCISES}, answer_texts, shows)


def test_a_weight_or_an_input_ends_in_a_product_and_the_bias_in_the_sum():
    """'every partial goes through ReLU's derivative, then through the sum, then, for a weight
    or an input (not the bias), through one product': in the core's recorded backward pass the
    last step into each w_i and x_i is a product, the one into b a sum."""
    assert ("then, for a weight or an input (not the bias), through one product"
            in " ".join(source("06-02").split()))
    out = gl.parse("relu(x1*w1 + x2*w2 + x3*w3 + b)").graph(x1=1, x2=-2, x3=3, w1=-3, w2=-1,
                                                                w3=2, b=1)
    last_into = {step.parent.label: step.node.op for step in out.backward(record=True)
                 if step.parent.label}
    assert last_into == {"b": "+", **{f"{v}{i}": "*" for v in "wx" for i in (1, 2, 3)}}
