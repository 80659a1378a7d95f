"""Lesson 8, backpropagation through the loss: every formula of its text checked with SymPy or
numpy by hand, every "Try this" driven in the labs built as the notebook builds them and checked
against an independent oracle (the model's forward pass written here in numpy, central
differences), and the printed summary's numbers against the same numpy. The exercises are made
from the notebook's own cells (read with ast): each answer checked against SymPy, numpy or the
lab driven as the question says, plausible wrong answers rejected, and no answer on the page
before the learner answers; the teacher's notes hold every exercise and every "Try this"."""

import json
import math
import re

import numpy as np
import plotly  # noqa: F401 - required: a missing one fails the tests
import practice_checks as practice  # noqa: E402
import pytest
import sympy as sp
from lesson_page import (  # noqa: E402
    Lesson,
    assert_cells_hide_their_code,
    assert_ends_with_progress,
    assert_key_answers,
    assert_progress_counts,
    number_texts,
    plain,
)
from lesson_page import shows_answer as shows  # noqa: E402

from gradlab.model import BookModel, small_batch  # noqa: E402
from gradlab.views import Exercise, LossLab, LossSurface  # noqa: E402
from gradlab.views._common import fmt  # noqa: E402

LESSON = Lesson("08_backprop_through_the_loss", "07-03", ("LossLab(", "LossSurface("))
NOTEBOOK = LESSON.path
H = 1e-5


def cells():
    return json.loads(NOTEBOOK.read_text())["cells"]


def code_cells() -> list[str]:
    return ["".join(c["source"]) for c in cells() if c["cell_type"] == "code"]


def text() -> str:
    return "\n".join("".join(c["source"]) for c in cells() if c["cell_type"] == "markdown")


def printed_summary() -> str:
    for cell in cells():
        if "".join(cell["source"]).strip() == "print(model.summary(X, y))":
            return "".join(cell["outputs"][0]["text"])
    raise AssertionError("the lesson prints no summary")


# -- the model in plain numpy ------------------------------------------------------------------


def start_params(weight_scale=1.0, bias=0.1):
    """The lesson's start, drawn here: the book's normal numbers (one stream, W1 then W2)."""
    rng = np.random.default_rng(0)
    return {"W1": weight_scale * rng.standard_normal((2, 4)), "b1": np.full((1, 4), bias),
            "W2": weight_scale * rng.standard_normal((4, 3)), "b2": np.full((1, 3), bias)}


def forward(params, X, y):
    z1 = X @ params["W1"] + params["b1"]
    a1 = np.maximum(z1, 0.0)
    z2 = a1 @ params["W2"] + params["b2"]
    e = np.exp(z2 - z2.max(axis=1, keepdims=True))
    p = e / e.sum(axis=1, keepdims=True)
    return z1, a1, z2, p, -np.mean(np.log(p[np.arange(len(y)), y]))


def loss(params, X, y):
    return forward(params, X, y)[-1]


def entry_of(name):
    """'W1[0,1]' -> ('W1', (0, 1)); 'b2[2]' -> ('b2', (0, 2))."""
    key, rest = name.split("[")
    index = tuple(int(t) for t in rest.rstrip("]").split(","))
    return key, (index if len(index) == 2 else (0, index[0]))


def setting(params, entry, value):
    key, index = entry_of(entry)
    changed = {k: v.copy() for k, v in params.items()}
    changed[key][index] = value
    return changed


def central(params, X, y, entry, h=H):
    key, index = entry_of(entry)
    here = params[key][index]
    return (loss(setting(params, entry, here + h), X, y)
            - loss(setting(params, entry, here - h), X, y)) / (2 * h)


def params_of(model):
    return {name: p.data.copy() for name, p in model.params.items()}


@pytest.fixture
def batch():
    return small_batch()


def lesson_lab() -> LossLab:
    """The lab as the notebook builds it (the test below checks the cell says so)."""
    return LossLab(BookModel(weight_scale=1, bias=0.1), parameter="W1[0,1]")


def lesson_surface() -> LossSurface:
    return LossSurface(BookModel(weight_scale=1, bias=0.1), entries=("W1[0,1]", "b2[2]"))


def test_the_notebook_builds_the_labs_and_the_model_as_these_tests_do():
    code = code_cells()
    assert 'LossLab(BookModel(weight_scale=1, bias=0.1), parameter="W1[0,1]")' in code
    assert ('LossSurface(BookModel(weight_scale=1, bias=0.1), entries=("W1[0,1]", "b2[2]"))'
            in code)
    assert "X, y = small_batch()\nmodel = BookModel(weight_scale=1, bias=0.1)" in code


# -- "The loss is one long chain" --------------------------------------------------------------


def test_the_batch_the_shapes_and_where_the_weights_start(batch):
    X, y = batch
    assert X.shape == (15, 2) and sorted(set(y.tolist())) == [0, 1, 2]  # N = 15, 3 classes
    model = BookModel(weight_scale=1, bias=0.1)
    assert model.params["W1"].data.shape == (2, 4) and model.params["W2"].data.shape == (4, 3)
    book = BookModel()
    ours = start_params()
    for name in ("W1", "W2"):  # the same normal numbers: the book's times 100
        assert np.array_equal(model.params[name].data, ours[name])
        assert model.params[name].data == pytest.approx(100 * book.params[name].data)
    # the book's start: logits near 0, softmax near 1/3, L near ln 3
    _, _, z2, p, book_loss = forward(params_of(book), X, y)
    assert np.abs(z2).max() < 0.01 and np.abs(p - 1 / 3).max() < 0.01
    assert book_loss == pytest.approx(math.log(3), abs=1e-3)
    # the centre points X = (0, 0) give z1 = b1: 0.1 here, 0 (the kink) with the book's biases
    centre = np.all(X == 0, axis=1)
    assert centre.sum() == 3
    assert np.all(forward(ours, X, y)[0][centre] == 0.1)
    assert np.all(forward(start_params(bias=0.0), X, y)[0][centre] == 0.0)
    assert "one long chain of functions" in text()


# -- the local derivatives, by SymPy -----------------------------------------------------------


def test_cross_entropy_and_softmax_derivatives_and_the_shortcut_by_sympy():
    z = sp.symbols("z0:3", real=True)
    N = sp.Symbol("N", positive=True)
    S = sum(sp.exp(v) for v in z)
    p = [sp.exp(v) / S for v in z]
    for c in range(3):
        for k in range(3):
            delta = 1 if c == k else 0
            assert sp.simplify(sp.diff(p[c], z[k]) - p[c] * (delta - p[k])) == 0
    q = sp.symbols("q0:3", positive=True)
    for true in range(3):
        t = [1 if k == true else 0 for k in range(3)]
        L = -sum(t[k] * sp.log(q[k]) for k in range(3)) / N  # one sample's share
        for k in range(3):
            assert sp.simplify(sp.diff(L, q[k]) - (-t[k] / (N * q[k]))) == 0
        L_of_z = L.subs(dict(zip(q, p, strict=True)))
        for k in range(3):  # through the three paths: (p_k - t_k) / N
            assert sp.simplify(sp.diff(L_of_z, z[k]) - (p[k] - t[k]) / N) == 0
    # "raising z_k raises p_k and lowers all the others"
    at = {z[0]: 0.3, z[1]: -1.2, z[2]: 2.0}
    assert sp.diff(p[1], z[1]).subs(at) > 0
    assert sp.diff(p[0], z[1]).subs(at) < 0 and sp.diff(p[2], z[1]).subs(at) < 0


# -- the chain for one weight ------------------------------------------------------------------


def test_the_sum_over_samples_and_paths_is_the_partial(batch):
    """The lesson's double sum, by loops, for W1[i,j], b1[j] (last factor 1), W2[j,k] and
    b2[k], and the matrix forms of lesson 7, against central differences."""
    X, y = batch
    params = start_params()
    z1, a1, _, p, _ = forward(params, X, y)
    G = (p - np.eye(3)[y]) / len(y)  # dL/dz2
    W2 = params["W2"]
    for i in range(2):
        for j in range(4):
            double = sum(G[n, k] * W2[j, k] * float(z1[n, j] > 0) * X[n, i]
                         for n in range(15) for k in range(3))
            assert double == pytest.approx(central(params, X, y, f"W1[{i},{j}]"), rel=1e-6)
    for j in range(4):
        double = sum(G[n, k] * W2[j, k] * float(z1[n, j] > 0) for n in range(15)
                     for k in range(3))
        assert double == pytest.approx(central(params, X, y, f"b1[{j}]"), rel=1e-6)
    for j in range(4):
        for k in range(3):
            single = sum(G[n, k] * a1[n, j] for n in range(15))
            assert single == pytest.approx(central(params, X, y, f"W2[{j},{k}]"),
                                           rel=1e-6, abs=1e-10)
    for k in range(3):
        assert G[:, k].sum() == pytest.approx(central(params, X, y, f"b2[{k}]"), rel=1e-6)
    dz1 = (G @ W2.T) * (z1 > 0)  # dL/da1 = dL/dz2 W2^T, times ReLU'
    assert (X.T @ dz1)[0, 1] == pytest.approx(central(params, X, y, "W1[0,1]"), rel=1e-6)
    # "summed over k, the first two give dL/da1[n,j]": against L as a function of a1 alone
    assert r"\partial L/\partial a_1[n,j] = \sum_k \frac{\partial L}{\partial z_2[n,k]}\,W_2[j,k]" \
        in text()

    def loss_of_a1(a1_changed):
        z2 = a1_changed @ W2 + params["b2"]
        e = np.exp(z2 - z2.max(axis=1, keepdims=True))
        return -np.mean(np.log((e / e.sum(axis=1, keepdims=True))[np.arange(len(y)), y]))

    for n, j in ((1, 0), (4, 2), (12, 3)):
        up, down = a1.copy(), a1.copy()
        up[n, j] += H
        down[n, j] -= H
        by_central = (loss_of_a1(up) - loss_of_a1(down)) / (2 * H)
        inner = sum(G[n, k] * W2[j, k] for k in range(3))
        assert inner == pytest.approx(by_central, rel=1e-6, abs=1e-12)


# -- the LossLab's "Try this" ------------------------------------------------------------------


def grid_value(slider, k):
    """A position of the slider as the page computes it: min + k * step."""
    return slider.min + k * slider.step


def test_try_contributions_add_up_to_backward_and_central_differences_anywhere(batch):
    X, y = batch
    lab = lesson_lab()
    for k in (0, 23, 100, 151, 200):
        lab.slider.value = min(grid_value(lab.slider, k), lab.slider.max)
        params = params_of(lab.model)
        expected = central(params, X, y, "W1[0,1]")
        assert lab.chain.total == pytest.approx(expected, rel=1e-6, abs=1e-10)
        assert lab.gradient["W1[0,1]"] == pytest.approx(expected, rel=1e-6, abs=1e-10)
        assert lab.numerical == pytest.approx(expected, rel=1e-6, abs=1e-10)
        assert lab.message.kind != "error"


def test_try_the_two_reasons_a_row_contributes_nothing_at_the_start(batch):
    X, y = batch
    assert "the rows of samples 0, 5 and 10 contribute 0 although their ReLU′ is 1" in text()
    assert "the rows of samples 3, 7 and 13 contribute 0 for another reason" in text()
    lab = lesson_lab()
    z1 = forward(start_params(), X, y)[0]
    relu = lab.chain.column("ReLU'(z1[n,1])").values
    contributions = lab.chain.contributions
    for n in (0, 5, 10):  # ReLU' is 1, but X[n,0] = 0: the spiral's centre
        assert z1[n, 1] > 0 and relu[n] == 1 and X[n, 0] == 0 and contributions[n] == 0
    for n in (3, 7, 13):  # X[n,0] is not 0, but unit 1 is off: ReLU' = 0
        assert z1[n, 1] <= 0 and relu[n] == 0 and X[n, 0] != 0 and contributions[n] == 0
    others = [n for n in range(15) if n not in (0, 5, 10, 3, 7, 13)]
    assert np.all(contributions[others] != 0)


def test_try_lowering_b1_1_switches_unit_1_off_for_every_sample(batch):
    X, y = batch
    assert "Choose `b1[1]` and lower it to the end of its slider" in text()
    lab = lesson_lab()
    lab.choice.value = "b1[1]"
    lab.slider.value = lab.slider.min  # the end of its slider
    params = params_of(lab.model)
    z1 = forward(params, X, y)[0]
    assert np.all(z1[:, 1] <= 0)  # off for every sample
    assert central(params, X, y, "b1[1]") == 0.0 and lab.gradient["b1[1]"] == 0.0
    assert np.all(lab.chain.column("ReLU'(z1[n,1])").values == 0)
    # the curve is flat there: the loss does not change over the first steps of the slider
    flat = [loss(setting(params, "b1[1]", grid_value(lab.slider, k)), X, y) for k in range(8)]
    assert max(flat) - min(flat) < 1e-15
    assert "hidden unit 1 is off" in lab.message.text


def test_try_the_bottom_of_b2_2s_curve_where_the_rows_cancel(batch):
    X, y = batch
    assert "Choose `b2[2]` and move it to the bottom of the curve" in text()
    assert "the samples of class 2 pull one way, the others the other" in text()
    lab = lesson_lab()
    lab.choice.value = "b2[2]"
    params = params_of(lab.model)
    positions = [grid_value(lab.slider, k) for k in range(201)]
    losses = [loss(setting(params, "b2[2]", v), X, y) for v in positions]
    bottom = positions[int(np.argmin(losses))]
    assert lab.slider.min < bottom < lab.slider.max  # inside the range, not at an end
    lab.slider.value = bottom
    at = setting(params, "b2[2]", bottom)
    p = forward(at, X, y)[3]
    rows = (p[:, 2] - (y == 2)) / len(y)  # each sample's term, by numpy
    assert lab.chain.contributions == pytest.approx(rows, abs=1e-16)
    assert abs(central(at, X, y, "b2[2]")) < 0.02 * np.abs(rows).sum()  # close to 0 ...
    assert np.all(rows[y == 2] < 0) and np.all(rows[y != 2] > 0)  # ... yet the rows are not
    assert lab.gradient["b2[2]"] == pytest.approx(central(at, X, y, "b2[2]"), abs=1e-9)


@pytest.mark.parametrize("exactly", [False, True])
def test_try_b1_0_at_zero_puts_the_centre_on_the_kink(batch, exactly):
    X, y = batch
    assert "Choose `b1[0]` and move it to 0" in text()
    lab = lesson_lab()
    lab.choice.value = "b1[0]"
    k = int(round((0.0 - lab.slider.min) / lab.slider.step))
    value = 0.0 if exactly else grid_value(lab.slider, k)  # what the slider shows as 0
    assert abs(value) < 1e-12
    lab.slider.value = value
    params = params_of(lab.model)
    z1 = forward(params, X, y)[0]
    centre = np.all(X == 0, axis=1)
    assert np.all(np.abs(z1[centre, 0]) <= H)  # on the kink, within h
    # backward takes one side's slope, central differences average both: they disagree
    G = (forward(params, X, y)[3] - np.eye(3)[y]) / len(y)
    one_sided = ((G @ params["W2"].T)[:, 0] * (z1[:, 0] > 0)).sum()
    assert lab.gradient["b1[0]"] == pytest.approx(one_sided, abs=1e-12)
    assert abs(central(params, X, y, "b1[0]") - one_sided) > 1e-4
    assert "disagree" in lab.message.text and "kink" in lab.message.text


# -- the summary -------------------------------------------------------------------------------


def test_the_printed_summary_is_numpys(batch):
    X, y = batch
    text_ = printed_summary()
    params = start_params()
    z1, a1, _, p, L = forward(params, X, y)
    assert f"loss = {L:.6g}" in text_
    assert "passed" in text_ and text_.count("largest relative error below 1e-5") == 4
    assert "relative error = |backward - central| / max(|backward|, |central|, 1e-4)" in text_
    G = (p - np.eye(3)[y]) / len(y)
    dz1 = (G @ params["W2"].T) * (z1 > 0)
    by_hand = {"W1": X.T @ dz1, "b1": dz1.sum(axis=0, keepdims=True), "W2": a1.T @ G,
               "b2": G.sum(axis=0, keepdims=True)}
    for name, grad in by_hand.items():
        line = re.search(rf"d loss / d {name} \(\dx\d\) = (.*)", text_).group(1)
        printed = np.array(json.loads(line))
        assert printed.shape == grad.shape
        assert printed == pytest.approx(grad, rel=1e-3, abs=1e-12), name
        # central differences agree with them, to the relative error the summary states
        numerical = np.array([[central(params, X, y, name_of(name, i, j))
                               for j in range(grad.shape[1])] for i in range(grad.shape[0])])
        errors = np.abs(grad - numerical) / np.maximum(
            np.maximum(np.abs(grad), np.abs(numerical)), 1e-4)
        assert errors.max() < 1e-5, name


def name_of(name, i, j):
    return f"{name}[{j}]" if name.startswith("b") else f"{name}[{i},{j}]"


def test_the_lab_and_the_printed_summary_agree():
    lab = lesson_lab()
    line = re.search(r"d loss / d W1 \(2x4\) = (.*)", printed_summary()).group(1)
    printed = json.loads(line)[0][1]
    assert fmt(lab.gradient["W1[0,1]"], 4) == fmt(printed, 4)
    assert lab.slider.value == start_params()["W1"][0, 1]  # the exact start, not rounded


# -- the LossSurface's "Try this" --------------------------------------------------------------


def test_the_surface_prose_27_parameters_and_an_arrow_that_points_uphill(batch):
    X, y = batch
    surface = lesson_surface()
    assert len(surface.model.entries()) == 27
    params = start_params()
    ga, gb = central(params, X, y, "W1[0,1]"), central(params, X, y, "b2[2]")
    uphill = setting(setting(params, "W1[0,1]", params["W1"][0, 1] + 1e-3 * ga),
                     "b2[2]", params["b2"][0, 2] + 1e-3 * gb)
    assert loss(uphill, X, y) > loss(params, X, y)
    arrow = surface.figure.trace("arrow").data
    assert arrow.x[1] - arrow.x[0] == pytest.approx(ga, rel=1e-6)  # drawn to scale 1
    assert arrow.y[1] - arrow.y[0] == pytest.approx(gb, rel=1e-6)


def test_try_step_moves_both_entries_and_the_loss_goes_down_turned_around_arrow(batch):
    X, y = batch
    assert "At learning rate 1 the dashed step is the\n  arrow turned around" in text()
    surface = lesson_surface()
    assert surface.rate_slider.value == 1.0
    params = start_params()
    ga, gb = central(params, X, y, "W1[0,1]"), central(params, X, y, "b2[2]")
    arrow, step = surface.figure.trace("arrow").data, surface.figure.trace("next step").data
    # at learning rate 1 the dashed step is the arrow turned around
    assert step.x[1] - step.x[0] == pytest.approx(-(arrow.x[1] - arrow.x[0]), rel=1e-12)
    assert step.y[1] - step.y[0] == pytest.approx(-(arrow.y[1] - arrow.y[0]), rel=1e-12)
    surface.step_button.click()
    after = params_of(surface.model)
    assert after["W1"][0, 1] == pytest.approx(params["W1"][0, 1] - ga, rel=1e-6)
    assert after["b2"][0, 2] == pytest.approx(params["b2"][0, 2] - gb, rel=1e-6)
    assert loss(after, X, y) < loss(params, X, y)
    assert "went down" in surface.readout.value


def test_try_four_more_steps_each_lowers_the_loss_by_less(batch):
    X, y = batch
    assert "Press *Step* four more times: $L$ goes down at every step, and by less each time" \
        in text()
    surface = lesson_surface()
    losses = [loss(params_of(surface.model), X, y)]
    for _ in range(5):
        surface.step_button.click()
        losses.append(loss(params_of(surface.model), X, y))
    drops = -np.diff(losses)
    assert np.all(drops > 0) and np.all(np.diff(drops) < 0)


def test_try_a_learning_rate_of_10_jumps_across_the_valley_and_the_loss_goes_up(batch):
    X, y = batch
    assert "set the learning rate to 10 and press *Step*: the step jumps across" in text()
    assert "and $L$ goes **up**" in text()
    surface = lesson_surface()
    surface.step()
    surface.reset_button.click()
    options = [value for _, value in surface.rate_slider.options]
    assert 10.0 in options
    surface.rate_slider.value = 10.0
    before = params_of(surface.model)
    surface.step_button.click()
    after = params_of(surface.model)
    assert loss(after, X, y) > loss(before, X, y)
    # across the valley: along the step's segment the loss first falls, then rises above
    # where it started
    a0, b0 = before["W1"][0, 1], before["b2"][0, 2]
    a1, b1 = after["W1"][0, 1], after["b2"][0, 2]
    along = [loss(setting(setting(before, "W1[0,1]", a0 + s * (a1 - a0)), "b2[2]",
                          b0 + s * (b1 - b0)), X, y) for s in np.linspace(0, 1, 41)]
    assert min(along) < along[0] < along[-1]
    assert "went up" in surface.readout.value


# -- the exercises, made from the notebook's own cells -----------------------------------------

EXERCISES = ("07-07", "08-13", "08-20", "08-19", "08-21", "08-22")
LOGITS = "-log(exp(a)/(exp(a) + exp(b) + exp(c)))"


def cells_by_id() -> dict[str, dict]:
    return {cell["id"]: cell for cell in cells()}


def source(cell_id: str) -> str:
    return "".join(cells_by_id()[cell_id]["source"])


def made(cell_id: str) -> Exercise:
    """The exercise exactly as the notebook's cell makes it (read with ast), made fresh."""
    maker, args, kwargs = exercise_calls()[cell_id]
    return maker(*args, **kwargs)


def exercise_calls() -> dict:
    return practice.exercise_calls_by_cell(cells())


def softmax(z) -> np.ndarray:
    e = np.exp(np.asarray(z, dtype=float))
    return e / e.sum()


def test_the_lesson_has_six_exercises_of_four_kinds_each_after_its_idea_then_progress():
    ids = [cell["id"] for cell in cells()]
    assert list(exercise_calls()) == list(EXERCISES)
    kinds = [made(i).kind for i in EXERCISES]
    assert kinds == ["formula", "vector", "choice", "number", "choice", "number"]
    # the softmax/cross-entropy exercises after their derivation; the chain's after the chain
    # and before the lab whose Try this names the reasons; the descent ones after the surface
    assert ids.index("08-12") < ids.index("07-07") < ids.index("08-13") < ids.index("08-14")
    assert ids.index("08-14") < ids.index("08-20") < ids.index("08-19") < ids.index("07-05")
    assert ids.index("08-17") < ids.index("08-21") < ids.index("08-22") < ids.index("08-24")
    assert_ends_with_progress([source(i) for i in ids])
    assert_progress_counts([made(i) for i in EXERCISES])


def test_the_exercise_cells_hide_their_code_which_holds_the_hints():
    assert_cells_hide_their_code(cells_by_id(), {c: made(c) for c in EXERCISES}, answer_texts,
                                 shows)


def test_exercise_1_the_formula_of_dL_da_is_softmax_minus_one_hot():
    exercise = made("07-07")
    assert exercise.kind == "formula" and exercise.partial == "a"
    assert exercise.expression.text == LOGITS
    a, b, c = sp.symbols("a b c", real=True)
    S = sp.exp(a) + sp.exp(b) + sp.exp(c)
    oracle = sp.diff(-sp.log(sp.exp(a) / S), a)
    assert sp.simplify(oracle - (sp.exp(a) / S - 1)) == 0  # p_a - t_a with t_a = 1
    # the checker shows SymPy's simplified form: no log left, the same function
    shown = sp.sympify(exercise.answer_text.replace("^", "**"),
                       locals={"a": a, "b": b, "c": c})
    assert sp.simplify(shown - oracle) == 0 and "log" not in exercise.answer_text
    assert len(exercise.answer_text) < len(exercise.expected.text)
    rng = np.random.default_rng(8)
    for point in rng.uniform(-3, 3, (10, 3)):
        at = dict(zip("abc", point.tolist(), strict=True))
        ours = exercise.expected.evaluate(**at)
        assert ours == pytest.approx(float(oracle.subs({a: at["a"], b: at["b"], c: at["c"]})),
                                     rel=1e-12)
    for right in ("exp(a)/(exp(a) + exp(b) + exp(c)) - 1",
                  "-(exp(b) + exp(c))/(exp(a) + exp(b) + exp(c))",
                  "(exp(a) - (exp(a) + exp(b) + exp(c)))/(exp(a) + exp(b) + exp(c))"):
        assert exercise.problem.check(right).correct, right
    p_a = "exp(a)/(exp(a) + exp(b) + exp(c))"
    wrongs = {p_a: "yours gives",  # the one-hot's 1 forgotten
              f"1 - {p_a}": "the sign is wrong",  # t - p
              "exp(b)/(exp(a) + exp(b) + exp(c))": "that is ∂f/∂b",  # the other partial
              f"{p_a} - 1/3": "yours gives"}  # a third instead of the one-hot's 1
    for wrong, told in wrongs.items():
        result = exercise.problem.check(wrong)
        assert not result.correct and told in result.message, (wrong, result.message)
    # the question's p_a is softmax's first component, and the rule hint's one-hot row is the
    # first class's
    p_a = exercise.question_text.split("with p_a = ")[1].split(".")[0]
    names = {"a": a, "b": b, "c": c, "e": sp.E}
    assert sp.simplify(sp.sympify(p_a.replace("^", "**"), locals=names) - sp.exp(a) / S) == 0
    assert "t = (1, 0, 0)" in exercise.hints[1]


def test_exercise_2_the_vector_dL_dz_at_2_1_0_is_softmax_minus_one_hot():
    exercise = made("08-13")
    assert exercise.kind == "vector" and exercise.expression.text == LOGITS
    assert exercise.at == {"a": 2.0, "b": 1.0, "c": 0.0}
    assert "z = (a, b, c) = (2, 1, 0)" in exercise.question_text
    p = softmax([2, 1, 0])
    hand = p - np.array([1.0, 0.0, 0.0])
    assert list(exercise.expected.values()) == pytest.approx(hand.tolist(), rel=1e-12)
    assert hand.sum() == pytest.approx(0.0, abs=1e-15)  # the components add up to 0
    # and SymPy agrees, component by component
    a, b, c = sp.symbols("a b c", real=True)
    L = -sp.log(sp.exp(a) / (sp.exp(a) + sp.exp(b) + sp.exp(c)))
    for value, v in zip(hand, (a, b, c), strict=True):
        assert float(sp.diff(L, v).subs({a: 2, b: 1, c: 0})) == pytest.approx(value, rel=1e-12)
    typed = ", ".join(f"{v:.4g}" for v in hand)
    assert exercise.check(typed) is True
    for wrong in (p,  # softmax, the one-hot row not taken away
                  -hand,  # one-hot minus softmax
                  p - np.array([0.0, 1.0, 0.0]),  # the wrong true class
                  hand[::-1]):  # the order of c, b, a
        assert exercise.check(", ".join(f"{v:.4g}" for v in wrong)) is False


def test_exercise_3_a_unit_that_is_off_has_relus_local_derivative_0_in_the_lab(batch):
    exercise = made("08-20")
    assert exercise.kind == "choice" and exercise.expected.startswith("ReLU")
    X, y = batch
    stages = ("cross-entropy", "softmax", "dense 2", "ReLU", "dense 1")
    options = exercise.problem.options
    assert [o.split(" (")[0] for o in options] == list(stages)
    lab = lesson_lab()
    seen = 0
    for entry in ("W1[0,1]", "W1[1,1]", "W1[0,2]", "W1[1,3]", "b1[1]", "b1[2]"):
        lab.choice.value = entry
        key, (i, j) = entry_of(entry)
        z1 = forward(params_of(lab.model), X, y)[0]
        off = np.flatnonzero(z1[:, j] < 0)  # the numpy oracle: unit j is off for these
        chain = lab.chain
        assert {c.stage for c in chain.columns} <= set(stages)
        for n in off:
            zero = {c.stage for c in chain.columns
                    if not c.upstream and np.ndim(c.values[n]) == 0 and c.values[n] == 0}
            assert zero == {"ReLU"}, (entry, n, zero)  # the only local factor that is 0
            assert chain.contributions[n] == 0
            # the other stages' local derivatives are not 0 there
            assert chain.column("dL/dp[n,y_n]").values[n] != 0  # cross-entropy's -1/(N p)
            assert np.all(chain.paths != 0)  # dense 2's W2[j,:]
            seen += 1
        # the chain table the learner reads has the stage ReLU over the ReLU' column
        assert "ReLU" in lab.table.value and f"ReLU′(z1[n,{j}])" in lab.table.value
    assert seen >= 6
    # whatever the other factors are: sample 3 has an input X[3,0] that is not 0
    lab.choice.value = "W1[0,1]"
    assert X[3, 0] != 0 and lab.chain.column("X[n,0]").values[3] != 0
    assert lab.chain.contributions[3] == 0
    for wrong in options:
        if wrong != exercise.expected:
            assert exercise.problem.check(wrong).correct is False
            assert exercise.problem.check(wrong).message == exercise.problem.feedback[wrong]


def test_exercise_4_the_shared_bias_adds_one_term_per_sample():
    exercise = made("08-19")
    u0, v0, u1, v1, bias = sp.symbols("u0 v0 u1 v1 b", real=True)
    two = -(sp.log(sp.exp(u0 + bias) / (sp.exp(u0 + bias) + sp.exp(v0)))
            + sp.log(sp.exp(v1) / (sp.exp(u1 + bias) + sp.exp(v1)))) / 2
    assert exercise.expression.text == ("-(log(exp(u0 + b)/(exp(u0 + b) + exp(v0))) + "
                                        "log(exp(v1)/(exp(u1 + b) + exp(v1))))/2")
    assert exercise.at == {"u0": 1.0, "v0": 0.0, "u1": 0.5, "v1": 1.0, "b": 0.0}
    where = {u0: 1, v0: 0, u1: sp.Rational(1, 2), v1: 1, bias: 0}
    p00 = sp.E / (sp.E + 1)
    p10 = sp.exp(sp.Rational(1, 2)) / (sp.exp(sp.Rational(1, 2)) + sp.E)
    shared = sp.diff(two, bias).subs(where)
    assert sp.simplify(shared - ((p00 - 1) / 2 + (p10 - 0) / 2)) == 0  # one term per sample
    answer = float(shared)
    assert exercise.expected == pytest.approx(answer, rel=1e-12)
    assert exercise.check(f"{answer:.4g}") is True
    for wrong in (float((p00 - 1) / 2),  # sample 0's term only
                  float(p10 / 2),  # sample 1's term only
                  float(p00 - 1 + p10),  # the 1/N forgotten
                  -answer):
        assert exercise.check(f"{wrong:.4g}") is False


def test_exercise_5_a_negative_partial_makes_the_descent_step_raise_the_entry(batch):
    exercise = made("08-21")
    assert exercise.kind == "choice" and exercise.expected == "w increases"
    assert r"\partial L/\partial w < 0" in exercise.question_text
    X, y = batch
    params = start_params()
    # the numpy oracle: entries whose partial at the start is negative
    negative = [e for e in BookModel(weight_scale=1, bias=0.1).entries()
                if central(params, X, y, e) < -1e-3]
    assert "b2[1]" in negative and len(negative) >= 3
    surface = lesson_surface()
    for entry in ["b2[1]", *negative[:2]]:  # b2[1]: the teacher's notes use it
        surface.reset()
        surface.choose(entry, "b2[2]" if entry != "b2[2]" else "b2[0]")
        before = params_of(surface.model)
        for rate in [value for _, value in surface.rate_slider.options]:
            surface.rate_slider.value = rate  # every learning rate the lab offers
            assert surface.next.after[0] > surface.next.before[0], (entry, rate)
        surface.rate_slider.value = 0.1
        surface.step_button.click()
        after = params_of(surface.model)
        key, index = entry_of(entry)
        assert after[key][index] > before[key][index]  # w increases ...
        assert loss(after, X, y) < loss(before, X, y)  # ... and L goes down
    for wrong in exercise.problem.options:
        if wrong != exercise.expected:
            assert exercise.problem.check(wrong).correct is False


def test_exercise_6_one_step_of_b2_2_at_learning_rate_2_as_the_lab_takes_it(batch):
    exercise = made("08-22")
    assert exercise.kind == "number" and exercise.expression.text == "b - lr*g"
    at = exercise.at
    X, y = batch
    params = start_params()
    g = central(params, X, y, "b2[2]")  # the numpy oracle for the partial the readout shows
    assert at["b"] == params["b2"][0, 2] == 0.1  # the lesson's bias start, as the question says
    assert "b2[2] = 0.1" in exercise.question_text and "learning rate set to 2" in \
        exercise.question_text and at["lr"] == 2
    assert at["g"] == pytest.approx(g, abs=1e-7)  # the readout's number, to its 6 digits
    surface = lesson_surface()
    assert fmt(at["g"], 6) in surface.readout.value  # what the readout shows at the start
    answer = 0.1 - 2 * g
    assert exercise.expected == pytest.approx(answer, abs=1e-6)
    assert exercise.check(f"{answer:.4g}") is True
    # the lab, driven as the question says: the start, learning rate 2, one Step
    assert 2.0 in [value for _, value in surface.rate_slider.options]
    surface.rate_slider.value = 2.0
    surface.step_button.click()
    assert surface.model.value_of("b2[2]") == pytest.approx(answer, abs=1e-9)
    assert fmt(surface.model.value_of("b2[2]"), 6) in surface.readout.value
    for wrong in (0.1 + 2 * g,  # a step uphill
                  0.1 - g,  # learning rate 1, the lab's default
                  0.1,  # no step
                  surface.model.value_of("W1[0,1]")):  # the other entry after the step
        assert not math.isclose(wrong, answer, abs_tol=1e-2)
        assert exercise.check(f"{wrong:.4g}") is False


# -- no answer on the page before the learner answers ------------------------------------------

NUMBER_SPECS = ("g", ".3f", ".4f", ".3g", ".4g", ".6g")  # the roundings a page might show


def answer_texts(exercise: Exercise) -> set[str]:
    """The exercise's answer in the forms a page might show it."""
    if exercise.kind == "number":
        return number_texts(exercise.expected, NUMBER_SPECS)
    if exercise.kind == "vector":
        values = list(exercise.expected.values())
        texts = {exercise.answer_text}
        for spec in ("g", ".3f", ".3g", ".4g"):
            parts = [format(v, spec) for v in values]
            for sep in (", ", ",", " ", "; "):
                texts |= {sep.join(parts), sep.join(parts[:2])}
        texts |= {t for v in values for t in number_texts(v, NUMBER_SPECS)
                  if len(t.lstrip("-−")) >= 6}
        return texts | {t.replace("-", "−") for t in texts}
    if exercise.kind == "formula":
        text = exercise.answer_text
        return {text, text.replace(" ", ""), "p_a - 1", "p_a − 1", "p_a-1", "p_a−1"}
    return {exercise.expected}


def formula_pieces(page: str) -> list:
    """Every piece of the page between '=', ',', ':', ';' and '$' that reads as a formula in
    a, b and c (with exp), as SymPy reads it."""
    a, b, c = sp.symbols("a b c", real=True)
    for old, new in (("−", "-"), ("·", "*"), ("^", "**"), ("e**a", "exp(a)"),
                     ("e**b", "exp(b)"), ("e**c", "exp(c)")):
        page = page.replace(old, new)
    pieces = []
    for piece in re.split(r"[=,:;$\n]", page):
        piece = piece.strip().rstrip(".")
        if not re.fullmatch(r"[0-9abcexp+\-*/(). ]+", piece) or "a" not in piece:
            continue
        try:
            pieces.append(sp.sympify(piece, locals={"a": a, "b": b, "c": c}))
        except (sp.SympifyError, SyntaxError, TypeError):
            continue
    return pieces


def default_readouts() -> str:
    """What the two labs show at their default points: readouts, the chain table, messages,
    trace names, and the coordinates of the surface's point, arrow and next step (hover)."""
    lab, surface = lesson_lab(), lesson_surface()
    shown = [plain(lab.readout.value), plain(lab.table.value), lab.message.text,
             plain(surface.readout.value), surface.message.text]
    shown += [trace.name or "" for figure in (lab.figure, surface.figure)
              for trace in figure.data]
    for name in ("arrow", "next step"):
        trace = surface.figure.trace(name).data
        shown += [f"{v:.4g}" for v in (*trace.x, *trace.y)]
    return "\n".join(shown)


def test_no_answer_is_on_the_page_before_the_learner_answers():
    exercises = {cell_id: made(cell_id) for cell_id in EXERCISES}
    page = {"saved outputs": LESSON.saved_outputs(), "prose": text(),
            "readouts": default_readouts(),
            "hints": "\n".join(h for e in exercises.values() for h in e.hints)}
    assert "0.101264" in page["readouts"]  # the readouts were read
    a, b, c = sp.symbols("a b c", real=True)
    for cell_id, exercise in exercises.items():
        questions = "\n".join(e.question_text for i, e in exercises.items() if i != cell_id)
        for where, shown in {**page, "other questions": questions}.items():
            for answer in answer_texts(exercise):
                assert not shows(shown, answer), (cell_id, where, answer)
            if exercise.kind == "formula":
                target = sp.exp(a) / (sp.exp(a) + sp.exp(b) + sp.exp(c)) - 1
                assert not any(sp.simplify(p - target) == 0 for p in formula_pieces(shown)), \
                    (cell_id, where)
    # the descent step is asked at a learning rate the surface does not start at, so its
    # dashed next step is not the answer
    assert lesson_surface().rate_slider.value != exercises["08-22"].at["lr"]


def test_the_leak_check_finds_an_answer_in_each_form():
    """The check above can fail: it finds each kind of answer where it is written."""
    a, b, c = sp.symbols("a b c", real=True)
    target = sp.exp(a) / (sp.exp(a) + sp.exp(b) + sp.exp(c)) - 1
    for cell_id in EXERCISES:
        exercise = made(cell_id)
        if exercise.kind == "number":
            assert any(shows(f"so b = {exercise.expected:.4g}.", t)
                       for t in answer_texts(exercise))
        elif exercise.kind == "vector":
            values = ", ".join(f"{v:.3g}" for v in exercise.expected.values())
            assert any(shows(f"∂L/∂z = ({values})", t) for t in answer_texts(exercise))
            first = list(exercise.expected.values())[0]
            assert any(shows(f"∂L/∂a = {first:.6g}", t) for t in answer_texts(exercise))
        elif exercise.kind == "formula":
            written = "∂L/∂a = -(e^b + e^c)/(e^a + e^b + e^c)"
            assert any(sp.simplify(p - target) == 0 for p in formula_pieces(written))
        else:
            assert any(shows(f"the answer: {exercise.expected}.", t)
                       for t in answer_texts(exercise))


# -- the teacher's notes -----------------------------------------------------------------------

def try_this() -> list[str]:
    found = []
    for cell in cells():
        body = "".join(cell["source"])
        if cell["cell_type"] == "markdown" and "**Try this:**" in body:
            found += [line for line in body.split("**Try this:**")[1].splitlines()
                      if line.startswith("- ")]
    return found


def test_the_teachers_notes_have_a_plan_every_exercise_with_the_cores_answer_and_each_try():
    key = LESSON.key.read_text(encoding="utf-8")
    assert_key_answers(key, [made(cell_id) for cell_id in EXERCISES])
    assert len(try_this()) == 8
    assert len(re.findall(r"^### Try this: ", key, flags=re.M)) == len(try_this())
