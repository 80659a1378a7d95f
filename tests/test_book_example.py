"""The "book's example" button of every lab: built as its lesson builds it, every control moved
away (sliders, dropdowns, toggles, text boxes, Play), the button clicked, and what the learner
reads then checked against an independent oracle at the chapter's numbers (SymPy, calculus by
hand, plain numpy), never against the lab's own earlier output. Also: every public lab has the
button, each lesson shows it, its label and tooltip say what it restores."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import ipywidgets as widgets
import numpy as np
import pytest
from oracles import (
    agrees,
    layer_by_hand,
    model_gradients,
    model_loss,
    optimizer_steps,
    partial,
    sym,
    value,
)
from visible import html_lines, shown_pairs, tables, text

import gradlab.views as views
from gradlab.model import BookModel, small_batch
from gradlab.views import (
    ChainRule,
    ComputationGraph,
    Curve,
    Explorer,
    GradientField,
    LayerLab,
    LossLab,
    LossSurface,
    NeuronLab,
    OptimizerRace,
    PartialsTable,
    Surface,
    TrainingLab,
)

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
NOT_LABS = {"Exercise", "Progress"}  # checked answers and a tally: no numbers to put back

# every lab call of the lessons, as the notebook writes it, and the same call here
LESSON_CALLS = {
    'Curve("x^2")': lambda: Curve("x^2"),
    'Curve("x^3 - 2x", secant=True)': lambda: Curve("x^3 - 2x", secant=True),
    'Surface("x^2 * y", secant=True)': lambda: Surface("x^2 * y", secant=True),
    'PartialsTable("x^2 * y", symbolic=False)': lambda: PartialsTable("x^2 * y", symbolic=False),
    'Surface("2x + 3y^2")': lambda: Surface("2x + 3y^2"),
    'Surface("x * y")': lambda: Surface("x * y"),
    'PartialsTable("x * (1 - x^2 - y^2)", parts="product")':
        lambda: PartialsTable("x * (1 - x^2 - y^2)", parts="product"),
    'PartialsTable("3x^3*z - y^2 + 5z + 2y*z", parts="terms")':
        lambda: PartialsTable("3x^3*z - y^2 + 5z + 2y*z", parts="terms"),
    'Surface("max(x, y)")': lambda: Surface("max(x, y)"),
    'PartialsTable("max(x, y)")': lambda: PartialsTable("max(x, y)"),
    'Curve("relu(x)", secant=True, sides=True)':
        lambda: Curve("relu(x)", secant=True, sides=True),
    'GradientField("x^2 + 3y^2", arrows=True, along=True, arrow_scale=0.2)':
        lambda: GradientField("x^2 + 3y^2", arrows=True, along=True, arrow_scale=0.2),
    'GradientField("x^2 + 3y^2", descent=True, learning_rate=0.1, arrow_scale=0.2)':
        lambda: GradientField("x^2 + 3y^2", descent=True, learning_rate=0.1, arrow_scale=0.2),
    'ChainRule("3(2x^2)^5", inner="2x^2")': lambda: ChainRule("3(2x^2)^5", inner="2x^2"),
    'ComputationGraph("3(2x^2)^5")': lambda: ComputationGraph("3(2x^2)^5"),
    'ChainRule("exp(-x^2)")': lambda: ChainRule("exp(-x^2)"),
    'ComputationGraph("exp(-x^2)")': lambda: ComputationGraph("exp(-x^2)"),
    'ChainRule("exp(-x^2 - y^2)")': lambda: ChainRule("exp(-x^2 - y^2)"),
    'ChainRule("(x*y + y)^2")': lambda: ChainRule("(x*y + y)^2"),
    'ComputationGraph("(x*y + y)^2")': lambda: ComputationGraph("(x*y + y)^2"),
    'NeuronLab()': lambda: NeuronLab(),
    'LayerLab()': lambda: LayerLab(),
    'LossLab(BookModel(weight_scale=1, bias=0.1), parameter="W1[0,1]")':
        lambda: LossLab(BookModel(weight_scale=1, bias=0.1), parameter="W1[0,1]"),
    'LossSurface(BookModel(weight_scale=1, bias=0.1), entries=("W1[0,1]", "b2[2]"))':
        lambda: LossSurface(BookModel(weight_scale=1, bias=0.1), entries=("W1[0,1]", "b2[2]")),
    'Explorer("x^2 - y^2")': lambda: Explorer("x^2 - y^2"),
    'OptimizerRace("valley", steps=20)': lambda: OptimizerRace("valley", steps=20),
    'TrainingLab("adam")': lambda: TrainingLab("adam"),
}

CONTROLS = (widgets.FloatSlider, widgets.IntSlider, widgets.SelectionSlider, widgets.Dropdown,
            widgets.ToggleButtons, widgets.Checkbox, widgets.Text, widgets.Play)


def displayed(widget) -> list:
    """Every widget in the lab's displayed tree."""
    found = [widget]
    for child in getattr(widget, "children", ()) or ():
        found += displayed(child)
    return found


def move_every_control(lab) -> None:
    """Move each control the learner can reach away from where it is, and press Play / Step
    where the lab has one; the visible text must then differ (else the check proves nothing)."""
    before = text(lab)
    for control in [w for w in displayed(lab) if isinstance(w, CONTROLS)]:
        if control.disabled:
            continue
        if isinstance(control, widgets.Play):
            control.value = min(control.max, control.value + 3)
            control.playing = True
        elif isinstance(control, widgets.Text):
            control.value = "x^3 + 2y"
        elif isinstance(control, widgets.Checkbox):
            control.value = not control.value
        elif isinstance(control, (widgets.Dropdown, widgets.SelectionSlider,
                                  widgets.ToggleButtons)):
            options = [o[1] if isinstance(o, tuple) else o for o in control.options]
            control.value = options[(options.index(control.value) + 1) % len(options)]
        else:
            away = control.min + 0.37 * (control.max - control.min)
            if isinstance(control, widgets.IntSlider):
                away = round(away)
            control.value = away if control.value != away else control.max
    for button in [w for w in displayed(lab) if isinstance(w, widgets.Button)]:
        if button.description.startswith("Step") or button.description.startswith("one step"):
            button.click()
    assert text(lab) != before, "moving every control changed nothing the learner reads"


def moved_and_restored(lesson_call: str):
    """The lab as the lesson builds it, every control moved, then its button clicked."""
    lab = LESSON_CALLS[lesson_call]()
    assert lab.book_button.description == "book's example"
    move_every_control(lab)
    lab.book_button.click()
    assert lab.message.kind != "error", lab.message.text
    for play in [w for w in displayed(lab) if isinstance(w, widgets.Play)]:
        assert not play.playing  # stopped
    return lab


def said(lab) -> dict[str, str]:
    """{label: number as printed} for every "label = number" the lab shows (the last wins)."""
    return dict(shown_pairs(text(lab)))


# -- the expression labs: SymPy at the lab's start point ------------------------------------------

@pytest.mark.parametrize("call, formula", [
    ('Curve("x^2")', "x^2"),
    ('Curve("x^3 - 2x", secant=True)', "x^3 - 2x"),
    ('Curve("relu(x)", secant=True, sides=True)', "relu(x)"),
])
def test_a_curve_goes_back_to_x_1_and_h_one_half(call, formula):
    lab = moved_and_restored(call)
    readout = " ".join(html_lines(lab.readout.value))
    at = {"x": 1.0}
    shown = dict(shown_pairs(readout))
    assert agrees(shown["x"], 1.0)
    assert agrees(shown["f(x)"], value(formula, at))
    assert agrees(shown["tangent slope f'(x)"], partial(formula, "x", at))
    # the secant to the right of x with h = 0.5: (f(1.5) - f(1)) / 0.5
    secant = (value(formula, {"x": 1.5}) - value(formula, at)) / 0.5
    match = re.search(r"secant slope \(f\(x\+h\) − f\(x\)\)/h = (\S+) for h = (\S+)", readout)
    assert match is not None, readout
    assert agrees(match.group(1), secant) and agrees(match.group(2), 0.5)


@pytest.mark.parametrize("call, formula", [
    ('Surface("x^2 * y", secant=True)', "x^2 * y"),
    ('Surface("2x + 3y^2")', "2x + 3y^2"),
    ('Surface("x * y")', "x * y"),
    ('Surface("max(x, y)")', "max(x, y)"),
])
def test_a_surface_goes_back_to_1_1_without_the_plane(call, formula):
    lab = moved_and_restored(call)
    at = {"x": 1.0, "y": 1.0}
    first = html_lines(lab.readout.value)[0]
    assert first.startswith("f(1, 1) = ")
    assert agrees(first.split(" = ")[1].split(" ")[0], value(formula, at))
    shown = dict(shown_pairs(first))
    for name in ("x", "y"):
        if formula != "max(x, y)":  # at the tie x = y the lab explains the kink instead
            assert agrees(shown[f"∂f/∂{name}"], partial(formula, name, at)), first
    assert lab.plane_box.value is False and lab.figure.data[6].visible is False


@pytest.mark.parametrize("call", [c for c in LESSON_CALLS if c.startswith("PartialsTable")])
def test_a_partials_table_goes_back_to_its_start_point(call):
    lab = moved_and_restored(call)
    formula = re.search(r'"(.*?)"', call).group(1)
    at = {name: 1.0 for name in lab.sliders}
    head, *body = tables(lab)[0]
    column = head.index("value (backward)")
    rows = {row[0]: row for row in body}
    assert set(rows) == {f"∂f/∂{name}" for name in at}
    if formula == "max(x, y)":  # the tie at (1, 1): SymPy has no derivative there
        return
    for name in at:
        assert agrees(rows[f"∂f/∂{name}"][column], partial(formula, name, at))


@pytest.mark.parametrize("call", [c for c in LESSON_CALLS if c.startswith("GradientField")])
def test_a_gradient_field_goes_back_to_its_point_and_options(call):
    lab = moved_and_restored(call)
    first = html_lines(lab.readout.value)[0]
    at = {"x": 1.0, "y": 1.0}
    assert first.startswith("f(1, 1) = ") and agrees(first.split(" = ")[1].split(" ")[0],
                                                     value("x^2 + 3y^2", at))
    vector = re.search(r"= \[(\S+), (\S+)\] ·", first).groups()
    assert agrees(vector[0], 2 * 1.0) and agrees(vector[1], 6 * 1.0)  # [2x, 6y] by hand
    assert lab.arrows_box.value == ("arrows=True" in call)
    assert lab.descent_box.value == ("descent=True" in call)
    assert lab.rate_slider.value == 0.1
    if lab.along_slider is not None:
        assert lab.along_slider.value == 0


@pytest.mark.parametrize("call", [c for c in LESSON_CALLS if c.startswith("ChainRule")])
def test_a_chain_rule_goes_back_to_its_start_point(call):
    lab = moved_and_restored(call)
    formula = re.search(r'"(.*?)"', call).group(1)
    at = {name: 1.0 for name in lab.sliders}
    shown = text(lab)
    core = re.findall(r"the core's (?:dh/d|∂h/∂)(\w+) = (\S+)", shown)
    assert core, shown
    for name, number in core:
        assert agrees(number, partial(formula, name, at)), (name, number)


@pytest.mark.parametrize("call", [c for c in LESSON_CALLS if c.startswith("ComputationGraph")])
def test_a_graph_goes_back_to_its_start_point_with_the_replay_at_its_end(call):
    lab = moved_and_restored(call)
    formula = re.search(r'"(.*?)"', call).group(1)
    at = {name: 1.0 for name in lab.sliders}
    summary = " ".join(html_lines(lab.summary.value))
    shown = dict(shown_pairs(summary))
    assert agrees(shown["f"], value(formula, at))
    for name in at:
        assert agrees(shown[f"∂f/∂{name}"], partial(formula, name, at))
    assert re.search(r"All \d+ steps done", text(lab))
    assert lab.step_index == len(lab.steps)


def test_the_explorer_goes_back_to_its_function_and_point():
    lab = moved_and_restored('Explorer("x^2 - y^2")')
    assert lab.text_box.value == "x^2 - y^2" and lab.text_message.text == ""
    first = html_lines(lab.readout.value)[0]
    assert first.startswith("f(1, 1) = ")
    assert agrees(first.split(" = ")[1].split(" ")[0], value("x^2 - y^2", {"x": 1, "y": 1}))
    vector = re.search(r"= \[(\S+), (\S+)\]$", first).groups()
    assert agrees(vector[0], 2.0) and agrees(vector[1], -2.0)  # [2x, -2y] by hand
    assert re.search(r"All \d+ steps done", text(lab))


# -- the neuron and the layer: the book's numbers by hand ---------------------------------------

def test_the_neuron_goes_back_to_the_books_numbers():
    lab = moved_and_restored("NeuronLab()")
    x, w, b = np.array([1.0, -2.0, 3.0]), np.array([-3.0, -1.0, 2.0]), 1.0  # NNFS ch. 9
    z = float(x @ w + b)
    shown = re.fullmatch(r"z = w·x \+ b = (\S+), out = ReLU\(z\) = (\S+)",
                         html_lines(lab.output.value)[0]).groups()
    assert agrees(shown[0], z) and agrees(shown[1], max(z, 0.0))
    update = " ".join(html_lines(lab.step_readout.value))
    dw = re.search(r"dw = dvalue · ReLU′\(z\) · x = \[(.*?)\]", update).group(1).split(", ")
    assert all(agrees(t, 1.0 * xi) for t, xi in zip(dw, x, strict=True))  # dvalue 1, z > 0
    assert "last step" not in update
    assert agrees(lab.rate.value, 0.001) and agrees(lab.dvalue.value, 1.0)
    assert re.search(r"All \d+ steps done", text(lab))


BOOK_X = np.array([[1.0, 2.0, 3.0, 2.5], [2.0, 5.0, -1.0, 2.0], [-1.5, 2.7, 3.3, -0.8]])
BOOK_W = np.array([[0.2, 0.8, -0.5, 1.0], [0.5, -0.91, 0.26, -0.5],
                   [-0.26, -0.27, 0.17, 0.87]]).T
BOOK_B = np.array([[2.0, 3.0, 0.5]])
BOOK_DV = np.array([[1.0, 1.0, 1.0], [2.0, 2.0, 2.0], [3.0, 3.0, 3.0]])


def test_the_layer_goes_back_to_the_books_numbers():
    lab = moved_and_restored("LayerLab()")
    expected = layer_by_hand(BOOK_X, BOOK_W, BOOK_B, BOOK_DV)
    shown = tables(lab)
    grids = [np.array([[float(c.replace("−", "-")) for c in row[1:]] for row in table[1:]])
             for table in shown[:5]]
    for grid, exact in zip(grids, (BOOK_X, BOOK_W, BOOK_B, expected["output"], BOOK_DV),
                           strict=True):
        assert grid.shape == exact.shape
        assert all(agrees(f"{g:g}", e) for g, e in zip(grid.ravel(), exact.ravel(),
                                                       strict=True))
    assert lab.explain.value == "dweights[1,2]"
    total = re.search(r"sum of the contributions \(backward's grad of W\[1,2\]\) = (\S+)",
                      text(lab)).group(1)
    assert agrees(total, expected["dweights"][1, 2])


# -- the model labs: the lesson's starting weights, plain numpy ----------------------------------

X, Y = small_batch()


def start_params() -> dict[str, np.ndarray]:
    """The lesson's model's starting numbers (the input the lab is given)."""
    return {name: p.data.copy() for name, p in BookModel(weight_scale=1, bias=0.1).params.items()}


def test_the_loss_lab_goes_back_to_the_starting_weights_and_entry():
    lab = moved_and_restored(
        'LossLab(BookModel(weight_scale=1, bias=0.1), parameter="W1[0,1]")')
    params = start_params()
    shown = dict(shown_pairs(" ".join(html_lines(lab.readout.value))))
    assert agrees(shown["W1[0,1]"], params["W1"][0, 1], digits=6)
    assert agrees(shown["loss L"], model_loss(params, X, Y))
    assert agrees(shown["∂L/∂W1[0,1] by backward"], model_gradients(params, X, Y)["W1"][0, 1],
                  digits=6)
    assert lab.choice.value == "W1[0,1]"


def test_the_loss_surface_goes_back_to_the_starting_weights_entries_and_rate():
    lab = moved_and_restored('LossSurface(BookModel(weight_scale=1, bias=0.1), '
                             'entries=("W1[0,1]", "b2[2]"))')
    params = start_params()
    readout = "\n".join(html_lines(lab.readout.value))
    shown = dict(shown_pairs(readout))
    assert agrees(shown["loss L"], model_loss(params, X, Y))
    grads = model_gradients(params, X, Y)
    assert agrees(shown["gradient by backward: ∂L/∂W1[0,1]"], grads["W1"][0, 1], digits=6)
    assert agrees(shown["∂L/∂b2[2]"], grads["b2"][0, 2], digits=6)
    assert "next step: −1 × gradient" in readout  # learning rate 1 again
    assert (lab.first.value, lab.second.value) == ("W1[0,1]", "b2[2]")
    assert lab.last is None and len(lab.trail) == 1


# -- the optimizer race and the training lab: runs by hand -------------------------------------

def test_the_race_goes_back_to_the_valley_at_step_20():
    from gradlab.surfaces import SURFACES

    lab = moved_and_restored('OptimizerRace("valley", steps=20)')
    valley = SURFACES["valley"]  # the lesson's input: f, start and each optimizer's rate
    f = sym(valley.expression.text)
    import sympy as sp

    x, y = sorted(f.free_symbols, key=str)
    grad = sp.lambdify([x, y], [sp.diff(f, x), sp.diff(f, y)])
    readout = " ".join(html_lines(lab.readout.value))
    assert readout.startswith("step 20 of")
    found = re.findall(r"■ ([A-Za-z +]+): f = (\S+) at \((\S+), (\S+)\)", readout)
    assert len(found) == 5
    for name, shown_f, shown_x, shown_y in found:
        settings = {"lr": valley.rates[name], "decay": 0.0, "momentum": 0.9}
        p = optimizer_steps(name, lambda q: grad(*q), valley.start, settings, 20)[-1]
        assert agrees(shown_x, p[0], digits=3) and agrees(shown_y, p[1], digits=3), name
        assert agrees(shown_f, float(f.subs({x: p[0], y: p[1]}))), name


def test_the_training_lab_goes_back_to_adam_at_epoch_0():
    lab = moved_and_restored('TrainingLab("adam")')
    readout = " ".join(html_lines(lab.progress.value))
    # the book's Adam: learning rate 0.05, decay 5e-7 (NNFS ch. 10); nothing trained yet
    assert re.fullmatch(r"epoch 0 of \d+ · loss – · accuracy – · Adam, learning rate now 0\.05",
                        readout), readout
    assert (lab.rate_slider.value, lab.decay_slider.value) == (0.05, 5e-7)
    assert lab.play.value == 0 and lab.trainer.epochs == 0
    assert all(len(trace.x) <= 1 for trace in lab.curve_figure.data)  # no curve drawn yet
    assert lab.message.text == ""


@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "adagrad", "rmsprop", "adam"])
def test_the_training_lab_goes_back_to_any_optimizer_it_started_with(optimizer):
    from gradlab.trainer import OPTIMIZERS, optimizer_name

    lab = TrainingLab(optimizer)
    name = optimizer_name(optimizer)
    lab.optimizer_choice.value = "SGD" if name != "SGD" else "Adam"
    lab.rate_slider.value = 0.5
    lab.step_button.click()
    lab.book_button.click()
    book = OPTIMIZERS[name].book  # the book's settings for it (NNFS ch. 10)
    assert lab.trainer.optimizer_name == name and lab.trainer.epochs == 0
    assert (lab.rate_slider.value, lab.decay_slider.value) == (book["lr"], book["decay"])
    assert "epoch 0 of" in html_lines(lab.progress.value)[0] and lab.message.text == ""


# -- every lab has it, each lesson shows it ----------------------------------------------------

def lesson_calls() -> list[tuple[str, str]]:
    """(notebook, call text) for every lab a lesson's code cell builds."""
    labs = set(views.__all__) - NOT_LABS
    calls = []
    for path in sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb")):
        for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
            if cell["cell_type"] != "code":
                continue
            source = "".join(cell["source"])
            for node in ast.walk(ast.parse(source)):
                if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                        and node.func.id in labs):
                    calls.append((path.name, ast.get_source_segment(source, node)))
    return calls


def test_every_public_lab_has_the_button():
    labs = sorted(set(views.__all__) - NOT_LABS)
    built = {type(make()).__name__ for make in (LESSON_CALLS[c] for c in LESSON_CALLS)}
    assert set(labs) <= built, f"labs no lesson call here builds: {set(labs) - built}"
    for name in labs:
        lab_class = getattr(views, name)
        assert callable(getattr(lab_class, "book_example", None)), name
    for make in LESSON_CALLS.values():
        lab = make()
        assert isinstance(lab.book_button, widgets.Button)
        assert lab.book_button in displayed(lab), type(lab).__name__
        assert lab.book_button.tooltip.startswith("back to ")


def test_each_lessons_labs_are_built_here_and_show_the_button():
    calls = lesson_calls()
    lessons_with_labs = {name[:2] for name, _ in calls}
    assert lessons_with_labs == {f"{n:02d}" for n in range(12)}, lessons_with_labs
    for notebook, call in calls:
        assert call in LESSON_CALLS, f"{notebook} builds {call}: add it to LESSON_CALLS"


@pytest.mark.parametrize("lab, label", [
    (lambda: NeuronLab(point={"x1": 2.0}), "start values"),
    (lambda: NeuronLab(point={"x1": 1.0}), "book's example"),
    (lambda: LayerLab(inputs=BOOK_X + 1), "start values"),
    (lambda: Curve("x^2", ranges={"x": (2.0, 5.0)}), "start values"),
    (lambda: ComputationGraph("x*y", point={"x": 2.0}), "start values"),
    (lambda: LossLab(BookModel()), "start values"),
    (lambda: LossSurface(BookModel(weight_scale=1, bias=0.2)), "start values"),
    (lambda: OptimizerRace(momentum=0.5), "start values"),
    (lambda: TrainingLab("adam", lr=0.01), "start values"),
    (lambda: Explorer("x^2", ranges={"x": (2.0, 4.0)}), "start values"),
])
def test_a_lab_built_at_other_numbers_says_start_values(lab, label):
    assert lab().book_button.description == label


def test_start_values_go_back_to_the_learners_numbers_not_the_books():
    lab = NeuronLab(point={"x1": 2.0})
    lab.sliders["x1"].value = -4.0
    lab.sliders["b"].value = 5.0
    lab.book_button.click()
    z = 2.0 * -3.0 + -2.0 * -1.0 + 3.0 * 2.0 + 1.0  # by hand: x1 = 2, the rest the book's
    shown = re.fullmatch(r"z = w·x \+ b = (\S+), out = ReLU\(z\) = (\S+)",
                         html_lines(lab.output.value)[0]).groups()
    assert agrees(shown[0], z)
    graph = ComputationGraph("x*y", point={"x": 2.0, "y": -1.5})
    graph.sliders["x"].value = 0.5
    graph.book_button.click()
    summary = dict(shown_pairs(" ".join(html_lines(graph.summary.value))))
    assert agrees(summary["f"], -3.0) and agrees(summary["∂f/∂x"], -1.5)


def test_the_tooltip_names_what_it_restores():
    assert PartialsTable("3x^3*z - y^2 + 5z + 2y*z").book_button.tooltip == \
        "back to x = 1, y = 1, z = 1"
    assert Surface("x^2 * y").book_button.tooltip == "back to x = 1, y = 1, tangent plane off"
    tip = Curve("relu(x)", secant=True, sides=True).book_button.tooltip
    assert tip == "back to x = 1, secant step h = 0.5, secant's second point = right: x + h"
    assert "x = [1, −2, 3], w = [−3, −1, 2], b = 1" in NeuronLab().book_button.tooltip
