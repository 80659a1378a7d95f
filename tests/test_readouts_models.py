"""What a learner reads in the neuron, layer, model, optimizer and training labs, in an
Exercise's feedback and in Progress, checked label by label against numbers worked out
independently: SymPy for the neuron's partials, plain numpy for the book's model, the dense
layer and the optimizers' update rules (tests/oracles.py), counting by hand for Progress. The
text is read as rendered (tests/visible.py), never from the data-gradlab-* tags."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
import sympy as sp
from oracles import (
    S,
    agrees,
    entry_index,
    from_latex,
    layer_by_hand,
    model_forward,
    model_gradients,
    model_loss,
    optimizer_steps,
    partial,
    same_formula,
    sym,
    train_by_hand,
    value,
    with_entries,
)
from visible import html_lines, lines, shown_pairs, tables

from gradlab.model import BookModel, small_batch
from gradlab.views import (
    Exercise,
    LayerLab,
    LossLab,
    LossSurface,
    NeuronLab,
    OptimizerRace,
    Progress,
    TrainingLab,
)


def said(widget) -> str:
    return "\n".join(html_lines(widget.value))


def shown_number(text: str) -> float:
    return float(text.replace("−", "-").replace("×10^", "e"))


# -- NeuronLab ----------------------------------------------------------------------------------

NEURON = "relu(x1*w1 + x2*w2 + x3*w3 + b)"
BOOK_NEURON = {"x1": 1, "x2": -2, "x3": 3, "w1": -3, "w2": -1, "w3": 2, "b": 1}


def check_neuron(lab: NeuronLab) -> None:
    at = {name: float(slider.value) for name, slider in lab.sliders.items()}
    z = sum(at[f"x{i}"] * at[f"w{i}"] for i in (1, 2, 3)) + at["b"]
    z_text, out_text = re.fullmatch(r"z = w·x \+ b = (\S+), out = ReLU\(z\) = (\S+)",
                                    said(lab.output)).groups()
    assert agrees(z_text, z) and agrees(out_text, max(z, 0.0))
    head, *rows = tables(lab.table)[0]
    assert [row[0] for row in rows] == [f"∂f/∂{name}" for name in BOOK_NEURON]
    for row in rows:
        name = row[0].removeprefix("∂f/∂")
        exact = partial(NEURON, name, at)
        assert agrees(row[2], exact), row  # value (backward)
        assert agrees(row[3], exact), row  # central difference, away from the kink
        factors = [shown_number(t) for t in row[1].rsplit(" = ", 1)[1].split(" × ")]
        assert math.prod(factors) == pytest.approx(exact, abs=5e-3), row  # the path's locals
    dvalue = float(lab.dvalue.value)
    update = said(lab.step_readout)
    assert agrees(re.search(r"dvalue = ∂L/∂out = (\S+);", update).group(1), dvalue)
    assert agrees(re.search(r"ReLU′\(z\) = (\S+)", update).group(1), float(z > 0))
    dw = re.search(r"dw = dvalue · ReLU′\(z\) · x = \[(.*?)\]", update).group(1).split(", ")
    upstream = "dvalue*" + NEURON
    for name, shown in zip(("w1", "w2", "w3"), dw, strict=True):
        assert agrees(shown, partial(upstream, name, {**at, "dvalue": dvalue})), update
    db = re.search(r"db = dvalue · ReLU′\(z\) = (\S+)", update).group(1)
    assert agrees(db, partial(upstream, "b", {**at, "dvalue": dvalue}))


def test_the_neurons_output_partials_and_gradient_are_sympys():
    lab = NeuronLab()
    check_neuron(lab)
    for name, number in (("x2", 1.5), ("w3", -0.5), ("b", 2.0)):
        lab.sliders[name].value = number
        check_neuron(lab)
    lab.dvalue.value = -0.5
    check_neuron(lab)
    lab.sliders["b"].value = -10  # z < 0: ReLU is off, every partial 0
    check_neuron(lab)
    assert "ReLU is off" in lab.message.text


def test_one_update_step_moves_each_weight_by_lr_times_its_gradient():
    """The book's neuron, dvalue 1, lr 0.001: w = [-3, -1, 2] - 0.001 * [1, -2, 3], b = 1 - 0.001,
    then out = ReLU(w·x + b) (by hand); the sliders move there."""
    lab = NeuronLab()
    for dvalue, lr in ((1.0, 0.001), (-0.5, 0.05)):
        lab.book_example()
        lab.dvalue.value, lab.rate.value = dvalue, lr
        lab.update_button.click()
        x = np.array([1.0, -2.0, 3.0])
        w = np.array([-3.0, -1.0, 2.0]) - lr * dvalue * x
        b = 1.0 - lr * dvalue
        last = said(lab.step_readout).splitlines()[-1]
        shown_lr, shown_w, shown_b, before, after = re.fullmatch(
            r"last step \(lr = (\S+)\): w = \[(.*?)\], b = (\S+); out (\S+) → (\S+)", last).groups()
        assert agrees(shown_lr, lr) and agrees(shown_b, b)
        assert all(agrees(t, v) for t, v in zip(shown_w.split(", "), w, strict=True))
        assert agrees(before, 6.0) and agrees(after, max(float(w @ x + b), 0.0))
        assert [lab.sliders[n].value for n in ("w1", "w2", "w3", "b")] == pytest.approx(
            [*w, b], abs=1e-12)
        check_neuron(lab)


# -- LossLab and LossSurface -----------------------------------------------------------------------

X, Y = small_batch()


def start_params() -> dict[str, np.ndarray]:
    """The lesson's model's starting numbers (the input the lab is given)."""
    return {name: p.data.copy() for name, p in BookModel(weight_scale=1, bias=0.1).params.items()}


def column_by_hand(label: str, n: int, forward: dict, G: np.ndarray, dz1: np.ndarray,
                   params: dict) -> float | tuple:
    """What the chain table's column `label` holds for sample n, by hand."""
    p = forward["p"]
    rules = [
        (r"∂L/∂p\[n,yₙ\]", lambda: -1.0 / (len(Y) * p[n, Y[n]])),
        (r"∂L/∂z2\[n,:\]", lambda: tuple(G[n])),
        (r"∂L/∂z2\[n,(\d)\]", lambda k: G[n, int(k)]),
        (r"a1\[n,(\d)\]", lambda j: forward["a1"][n, int(j)]),
        (r"∂L/∂a1\[n,(\d)\]", lambda j: (G @ params["W2"].T)[n, int(j)]),
        (r"ReLU′\(z1\[n,(\d)\]\)", lambda j: float(forward["z1"][n, int(j)] > 0)),
        (r"∂L/∂z1\[n,(\d)\]", lambda j: dz1[n, int(j)]),
        (r"X\[n,(\d)\]", lambda i: X[n, int(i)]),
        (r"∂z\d\[n,\d\]/∂b\d\[\d\]", lambda: 1.0),
    ]
    for pattern, rule in rules:
        match = re.fullmatch(pattern, label)
        if match:
            return rule(*match.groups())
    raise AssertionError(f"no rule by hand for the column {label!r}")


def check_loss_lab(lab: LossLab, params: dict[str, np.ndarray]) -> None:
    entry = lab.parameter
    readout = said(lab.readout)
    shown = dict(shown_pairs(readout))
    assert agrees(shown[entry], float(lab.slider.value))
    assert agrees(shown["loss L"], model_loss(params, X, Y))
    named = next(label for label in shown if label.startswith("∂L/∂"))
    name, index = entry_index(re.match(r"∂L/∂(\S+) by backward", named).group(1))
    exact = float(model_gradients(params, X, Y)[name][index])
    assert agrees(shown[named], exact), readout
    central = re.search(r"by central differences \(h = 10\^-5\) = (\S+)", readout).group(1)
    assert agrees(central, exact)
    # the chain table: a row per sample, each column by hand, the sum of the contributions
    head, labels, *rows = tables(lab.table)[0]
    forward = model_forward(params, X)
    G = (forward["p"] - np.eye(3)[Y]) / len(Y)
    dz1 = (G @ params["W2"].T) * (forward["z1"] > 0)
    samples, foot = rows[:len(Y)], rows[len(Y):]
    contributions = []
    for n, row in enumerate(samples):
        assert row[:2] == [str(n), str(Y[n])]
        for label, cell in zip(labels[2:-1], row[2:-1], strict=True):
            expected = column_by_hand(label, n, forward, G, dz1, params)
            if isinstance(expected, tuple):
                cells = cell.strip("()").split(", ")
                assert all(agrees(c, e, digits=3)
                           for c, e in zip(cells, expected, strict=True)), label
            else:
                assert agrees(cell, expected), (n, label, cell, expected)
        factors = [column_by_hand(label, n, forward, G, dz1, params) for label in
                   re.search(r"contribution = (.*?)\. ", said(lab.table)).group(1).split(" × ")]
        contributions.append(math.prod(factors))
        assert agrees(row[-1], contributions[-1]), (n, row)
    assert sum(contributions) == pytest.approx(exact, abs=1e-12)
    assert [row[0] for row in foot] == [f"sum of the {len(Y)} contributions",
                                        f"∂L/∂{entry} by backward",
                                        "by central differences (h = 10^-5)"]
    assert all(agrees(row[1], exact) for row in foot)


def test_the_loss_labs_readout_and_chain_are_the_model_worked_by_hand():
    lab = LossLab(BookModel(weight_scale=1, bias=0.1), parameter="W1[0,1]")
    params = start_params()
    check_loss_lab(lab, params)
    for entry, moves in (("W1[0,1]", (0.3, -0.5)), ("b2[2]", (0.6,)), ("W2[1,0]", (-1.0,)),
                         ("b1[1]", (0.4,)), ("W1[1,3]", (0.2,))):
        if lab.parameter != entry:
            lab.choice.value = entry
        for number in moves:
            lab.slider.value = float(lab.slider.value) + number * (lab.slider.max -
                                                                   lab.slider.min) / 4
            params = with_entries(params, {entry: float(lab.slider.value)})
            check_loss_lab(lab, params)
    lab.reset_button.click()
    check_loss_lab(lab, start_params())


def test_the_loss_surfaces_gradient_and_step_are_the_model_worked_by_hand():
    lab = LossSurface(BookModel(weight_scale=1, bias=0.1), entries=("W1[0,1]", "b2[2]"))
    params = start_params()
    for lr, presses in ((1.0, 2), (5.0, 1), (0.2, 1)):
        lab.rate_slider.value = lr
        for _ in range(presses):
            a, b = lab.entries
            shown = said(lab.readout).splitlines()
            where = dict(shown_pairs(shown[0]))
            assert agrees(where[a], params[entry_index(a)[0]][entry_index(a)[1]])
            assert agrees(where[b], params[entry_index(b)[0]][entry_index(b)[1]])
            assert agrees(where["loss L"], model_loss(params, X, Y))
            grads = model_gradients(params, X, Y)
            gradient = {}
            for label, text in shown_pairs(shown[1]):
                entry = label.split("∂L/∂")[1]
                gradient[entry] = grads[entry_index(entry)[0]][entry_index(entry)[1]]
                assert agrees(text, gradient[entry]), (label, text)
            assert set(gradient) == {a, b}
            step = re.search(r"−(\S+) × gradient = \((\S+), (\S+)\) → L = (\S+)", shown[2])
            assert agrees(step.group(1), lr)
            assert agrees(step.group(2), -lr * gradient[a])
            assert agrees(step.group(3), -lr * gradient[b])
            after = with_entries(params, {a: where_value(params, a) - lr * gradient[a],
                                          b: where_value(params, b) - lr * gradient[b]})
            assert agrees(step.group(4), model_loss(after, X, Y))
            lab.step_button.click()
            last = said(lab.readout).splitlines()[-1]
            went, before, now = re.fullmatch(r"last step: L went (\w+), from (\S+) to (\S+)",
                                             last).groups()
            assert agrees(before, model_loss(params, X, Y))
            assert agrees(now, model_loss(after, X, Y))
            assert went == ("down" if model_loss(after, X, Y) < model_loss(params, X, Y) else "up")
            params = after
    lab.reset_button.click()
    assert agrees(dict(shown_pairs(said(lab.readout)))["loss L"], model_loss(start_params(), X, Y))


def where_value(params: dict[str, np.ndarray], entry: str) -> float:
    name, index = entry_index(entry)
    return float(params[name][index])


# -- LayerLab ----------------------------------------------------------------------------------

BOOK_X = np.array([[1, 2, 3, 2.5], [2, 5, -1, 2], [-1.5, 2.7, 3.3, -0.8]])
BOOK_W = np.array([[0.2, 0.8, -0.5, 1], [0.5, -0.91, 0.26, -0.5], [-0.26, -0.27, 0.17, 0.87]]).T
BOOK_B = np.array([[2.0, 3, 0.5]])
BOOK_DV = np.array([[1.0, 1, 1], [2, 2, 2], [3, 3, 3]])


def matrix_shown(rows: list[list[str]]) -> np.ndarray:
    """A matrix table as shown (first row: column indices; first cell of a row: its index)."""
    return np.array([[shown_number(c) for c in row[1:]] for row in rows[1:]])


def check_layer(lab: LayerLab, arrays: dict[str, np.ndarray]) -> None:
    by_hand = layer_by_hand(arrays["X"], arrays["W"], arrays["b"], arrays["dvalues"])
    shown = tables(lab.inputs_view)
    titles = [t for t in html_lines(lab.inputs_view.value) if "(" in t and "×" in t]
    for title, table in zip(titles, shown, strict=True):
        name = title.split(",")[0].split(" = ")[0]
        expected = by_hand["output"] if name == "output" else arrays[name]
        assert np.allclose(matrix_shown(table), expected, rtol=5e-4, atol=1e-9), title
    for trace in lab.figure.data:  # the heatmaps' numbers: dinputs, dweights, dbiases
        numbers = np.array([[shown_number(t) for t in row] for row in trace.text])
        assert np.allclose(numbers, by_hand[trace.name], rtol=5e-4, atol=1e-9), trace.name
    explained = lab.explain.value
    name, inside = explained[:-1].split("[")
    index = [int(k) for k in inside.split(",")]
    row, column = (0, index[0]) if len(index) == 1 else index
    text = said(lab.chain_view)
    head, *terms = tables(lab.chain_view)[0]
    contributions = []
    for term in terms:
        local, upstream, contribution = (shown_number(c) for c in term[2:])
        k = int(term[0])
        if name == "dweights":  # sum over samples n of X[n,i] dvalues[n,j]
            expected = (arrays["X"][k, row], arrays["dvalues"][k, column])
        elif name == "dinputs":  # sum over neurons j of W[i,j] dvalues[n,j]
            expected = (arrays["W"][column, k], arrays["dvalues"][row, k])
        else:
            expected = (1.0, arrays["dvalues"][k, column])
        assert (local, upstream) == pytest.approx(expected, rel=5e-4), term
        assert agrees(term[4], expected[0] * expected[1])
        contributions.append(expected[0] * expected[1])
    exact = by_hand[name][row, column]
    assert sum(contributions) == pytest.approx(exact)
    total, entry = re.search(r"sum of the contributions \(.*?\) = (\S+) · entry \[\d+,\d+\] of "
                             r".*?, by the matrix backward = (\S+) ", text).groups()
    assert agrees(total, exact) and agrees(entry, exact)
    assert text.startswith(f"{explained} = ∂L/∂")


def test_the_layer_labs_matrices_and_chains_are_numpys():
    lab = LayerLab()
    arrays = {"X": BOOK_X.copy(), "W": BOOK_W.copy(), "b": BOOK_B.copy(),
              "dvalues": BOOK_DV.copy()}
    check_layer(lab, arrays)
    for change, number, explain in (("X[1,1]", 4.0, "dweights[1,2]"),
                                    ("W[0,2]", -1.5, "dinputs[2,0]"),
                                    ("dvalues[2,0]", -2.5, "dbiases[0]"),
                                    ("b[1]", 0.5, "dinputs[1,3]")):
        lab.choice.value = change
        lab.slider.value = number
        part, inside = change[:-1].split("[")
        index = [int(k) for k in inside.split(",")]
        arrays[part][(0, index[0]) if len(index) == 1 else tuple(index)] = number
        for entry in (explain, "dweights[3,1]"):
            lab.explain.value = entry
            check_layer(lab, arrays)
    lab.book_button.click()
    check_layer(lab, {"X": BOOK_X, "W": BOOK_W, "b": BOOK_B, "dvalues": BOOK_DV})


# -- OptimizerRace ----------------------------------------------------------------------------

RACE_LINE = re.compile(r"(SGD \+ momentum|SGD|AdaGrad|RMSProp|Adam): f = (\S+) at \((\S+), (\S+)\)")


def check_race(race: OptimizerRace) -> None:
    """Every optimizer's f and point after k steps, by its update rule from the start, with the
    settings its sliders show and the gradient of the f the plot names, by SymPy."""
    readout = said(race.readout)
    k = int(re.search(r"step (\d+) of", readout).group(1))
    assert k == race.play.value
    title = race.curves.layout.yaxis.title.text
    f = sym(title.split(" = ", 1)[1])
    partials = [sp.diff(f, S(n)) for n in "xy"]

    def gradient(p):
        point = {S("x"): p[0], S("y"): p[1]}
        return [float(d.subs(point)) for d in partials]

    start = (float(race.map.data[3].x[0]), float(race.map.data[3].y[0]))
    shown = RACE_LINE.findall(readout)
    assert [name for name, *_ in shown] == ["SGD", "SGD + momentum", "AdaGrad", "RMSProp", "Adam"]
    for name, f_text, x_text, y_text in shown:
        settings = {"lr": float(race.rates[name].value),
                    "decay": float(race.decay_slider.value)}
        if name == "SGD + momentum":
            settings["momentum"] = float(race.momentum_slider.value)
        x, y = optimizer_steps(name, gradient, start, settings, k)[-1]
        assert agrees(x_text, x, digits=3) and agrees(y_text, y, digits=3), (name, x, y)
        assert agrees(f_text, float(f.subs({S("x"): x, S("y"): y}))), (name, f_text)


def test_the_races_readout_is_each_optimizers_rule_worked_by_hand():
    race = OptimizerRace("valley", steps=20)
    check_race(race)
    race.step_button.click()
    check_race(race)
    race.rates["SGD"].value = 0.1
    race.momentum_slider.value = 0.5
    race.decay_slider.value = 0.01
    check_race(race)
    for surface in ("bowl", "rosenbrock"):
        race.surface_choice.value = surface
        race.play.value = 12
        check_race(race)
    race.reset_button.click()
    check_race(race)


# -- TrainingLab ------------------------------------------------------------------------------

def test_the_training_labs_readout_is_the_model_trained_by_hand():
    """After a Step (5 epochs) the readout shows the loss and accuracy of the 5th forward pass
    (after 4 updates) and the rate the last update used, lr / (1 + decay * 4); the first point
    of each gradient-norm curve is the norm of that layer's gradient at the start."""
    from gradlab.trainer import Trainer

    trainer = Trainer("adam")
    X, y = trainer.X, trainer.y  # the spiral data and the starting weights: the lab's input
    start = {name: data.copy() for name, data in trainer.start.items()}
    lab = TrainingLab("adam")
    assert "loss –" in said(lab.progress)  # epoch 0: nothing trained yet, nothing claimed
    for optimizer, lr in (("Adam", None), ("SGD", None), ("SGD", 0.5)):
        if lab.trainer.optimizer_name != optimizer:
            lab.optimizer_choice.value = optimizer
        if lr is not None:
            lab.rate_slider.value = lr
        lab.step_button.click()
        settings = {"lr": float(lab.rate_slider.value), "decay": float(lab.decay_slider.value)}
        readout = said(lab.progress)
        epoch, loss, accuracy, name, rate = re.search(
            r"epoch (\d+) of \d+ · loss (\S+) · accuracy (\S+) % · (.*?), learning rate now (\S+)",
            readout).groups()
        assert (epoch, name) == ("5", optimizer)
        params = train_by_hand(optimizer, start, X, y, settings, 4)
        assert agrees(loss, model_loss(params, X, y)), readout
        predicted = np.argmax(model_forward(params, X)["p"], axis=1)
        assert accuracy == f"{100 * float(np.mean(predicted == y)):.1f}"
        assert agrees(rate, settings["lr"] / (1 + settings["decay"] * 4))
        grads = model_gradients(start, X, y)
        for trace, (w, b) in zip(lab.norm_figure.data, (("W1", "b1"), ("W2", "b2")),
                                 strict=True):
            assert w[1] in trace.name  # "‖∂L/∂(W1, b1)‖, dense 1"
            norm = math.sqrt(float(np.sum(grads[w] ** 2) + np.sum(grads[b] ** 2)))
            assert trace.y[0] == pytest.approx(norm, rel=1e-9)


# -- Exercise and Progress ----------------------------------------------------------------------

def test_a_number_exercises_feedback_and_answer_are_sympys():
    exercise = Exercise("x^3 - 2x", at={"x": 2}, partial="x", hints=["a", "b", "c"])
    question = lines(exercise)[0]
    formula, variable, point = re.search(r"f = (.*?), what is ∂f/∂(\w+) at (\w+ = \S+)\?",
                                         question).groups()
    at = {point.split(" = ")[0]: float(point.split(" = ")[1])}
    exact = partial(formula, variable, at)  # 3x^2 - 2 at 2: 10
    exercise.check("ten")  # not a number: a message, not a try
    assert exercise.wrong_tries == 0 and "Not yet" not in " ".join(lines(exercise))
    exercise.check(str(exact + 1))
    assert "Not yet" in lines(exercise)[1] and "Hint 1." in " ".join(lines(exercise))
    exercise.check(str(exact * (1 + 5e-4)))  # within the tolerance 1e-3 * max(1, |10|)
    assert lines(exercise)[1].startswith("ℹ Correct!")
    exercise.show_answer()
    answer = lines(exercise)[-1]
    label, number = shown_pairs(answer.removeprefix("Answer. "))[0]
    assert label == f"∂f/∂{variable}" and agrees(number, exact)


def test_the_other_kinds_answers_are_sympys():
    formula = Exercise.formula("x^2*y", "x")
    formula.check(str(sp.diff(sym("x^2*y"), S("y"))))  # the other partial: wrong
    assert "Not yet" in " ".join(lines(formula))
    formula.show_answer()
    shown = re.search(r"\$\\frac\{\\partial f\}\{\\partial (\w+)\} = (.*?)\$", lines(formula)[-1])
    assert shown.group(1) == "x"
    assert same_formula(from_latex(shown.group(2)), sp.diff(sym("x^2*y"), S("x")))

    f = "3x^3*z - y^2 + 5z + 2y*z"
    vector = Exercise.gradient(f, at={"x": 1, "y": 2, "z": 3})
    names = re.search(r"∇f = \((.*?)\)", lines(vector)[0]).group(1).split(", ")
    vector.show_answer()
    numbers = re.search(r"∇f = \((.*?)\) at", lines(vector)[-1]).group(1).split(", ")
    at = {"x": 1, "y": 2, "z": 3}
    for name, number in zip(names, numbers, strict=True):
        assert agrees(number, partial(f, name.removeprefix("∂f/∂"), at))

    which = Exercise.which_inputs("max(x, y)", at={"x": -1, "y": 0.5})
    which.show_answer()
    assert lines(which)[-1] == "Answer. y"  # 0.5 > -1: only y moves max


def test_progress_counts_what_the_learner_did():
    exercises = [Exercise("x*y", at={"x": 3, "y": 2}, partial="x"),
                 Exercise("x^2", at={"x": 1.5}), Exercise.formula("2x + 3y^2", "y")]
    progress = Progress(exercises)
    assert lines(progress) == ["Progress. 0 of 3 exercises solved."]
    exercises[0].check(str(value("y", {"y": 2})))  # ∂(xy)/∂x = y = 2
    assert lines(progress) == ["Progress. 1 of 3 exercises solved."]
    exercises[2].check("6y")
    exercises[1].show_answer()
    assert lines(progress) == ["Progress. 2 of 3 exercises solved (1 answer shown)."]
    assert progress.bar.value == 2 and progress.bar.max == 3
    progress.reset_button.click()
    assert lines(progress) == ["Progress. 0 of 3 exercises solved."]
