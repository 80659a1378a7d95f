"""Lesson 8, backpropagation through the loss: every formula of its text checked with SymPy or
numpy by hand, every "Try this" driven in the labs built as the notebook builds them and checked
against an independent oracle (the model's forward pass written here in numpy, central
differences), and the printed summary's numbers against the same numpy."""

import json
import math
import re
from pathlib import Path

import numpy as np
import pytest
import sympy as sp

pytest.importorskip("plotly")

from gradlab.model import BookModel, small_batch  # noqa: E402
from gradlab.views import Exercise, LossLab, LossSurface  # noqa: E402
from gradlab.views._common import fmt  # noqa: E402
from gradlab.views.loss_surface import ARROW, NEXT_STEP  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = ROOT / "notebooks" / "08_backprop_through_the_loss.ipynb"
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


def test_the_exercises_expect_the_shortcuts_answers():
    a, b, c = sp.symbols("a b c", real=True)
    L = -sp.log(sp.exp(a) / (sp.exp(a) + sp.exp(b) + sp.exp(c)))
    point = {a: 2, b: 1, c: 0}
    pa = sp.exp(2) / (sp.exp(2) + sp.E + 1)
    pb = sp.E / (sp.exp(2) + sp.E + 1)
    assert sp.simplify(sp.diff(L, a).subs(point) - (pa - 1)) == 0
    assert sp.simplify(sp.diff(L, b).subs(point) - pb) == 0
    # the sum over samples: two samples share the bias b of class 0's logit
    u0, v0, u1, v1, bias = sp.symbols("u0 v0 u1 v1 b", real=True)
    two = -(sp.log(sp.exp(u0 + bias) / (sp.exp(u0 + bias) + sp.exp(v0)))
            + sp.log(sp.exp(v1) / (sp.exp(u1 + bias) + sp.exp(v1)))) / 2
    where = {u0: 1, v0: 0, u1: sp.Rational(1, 2), v1: 1, bias: 0}
    p00 = sp.E / (sp.E + 1)
    p10 = sp.exp(sp.Rational(1, 2)) / (sp.exp(sp.Rational(1, 2)) + sp.E)
    shared = sp.diff(two, bias).subs(where)
    assert sp.simplify(shared - ((p00 - 1) / 2 + (p10 - 0) / 2)) == 0  # one term per sample
    code = code_cells()
    expression = "-log(exp(a)/(exp(a) + exp(b) + exp(c)))"
    summed = ("-(log(exp(u0 + b)/(exp(u0 + b) + exp(v0))) + "
              "log(exp(v1)/(exp(u1 + b) + exp(v1))))/2")
    asked = [(expression, {"a": 2, "b": 1, "c": 0}, "a", float(pa - 1)),
             (expression, {"a": 2, "b": 1, "c": 0}, "b", float(pb)),
             (summed, {"u0": 1, "v0": 0, "u1": 0.5, "v1": 1, "b": 0}, "b", float(shared))]
    for formula, at, partial, answer in asked:
        call = f'Exercise("{formula}", at={json.dumps(at)}, partial="{partial}"'
        assert any(cell.startswith(call) for cell in code), call
        exercise = Exercise(formula, at=at, partial=partial)
        assert exercise.expected == pytest.approx(answer, rel=1e-12)
        assert exercise.check(round(answer, 4)) and not exercise.check(-round(answer, 4))
        assert fmt(answer, 4) not in printed_summary()  # the page does not give them away
        assert f"{answer:.4g}" not in printed_summary()


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
    arrow = surface.figure.data[ARROW]
    assert arrow.x[1] - arrow.x[0] == pytest.approx(ga, rel=1e-6)  # drawn to scale 1
    assert arrow.y[1] - arrow.y[0] == pytest.approx(gb, rel=1e-6)


def test_try_step_moves_both_entries_and_the_loss_goes_down_turned_around_arrow(batch):
    X, y = batch
    assert "At learning rate 1 the dashed step is the\n  arrow turned around" in text()
    surface = lesson_surface()
    assert surface.rate_slider.value == 1.0
    params = start_params()
    ga, gb = central(params, X, y, "W1[0,1]"), central(params, X, y, "b2[2]")
    arrow, step = surface.figure.data[ARROW], surface.figure.data[NEXT_STEP]
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
