"""The browser tests' oracles can fail (no browser needed): text as a page renders it, with a
label beside a wrong number, a vector's components swapped, a point other than the sliders',
or a model's, optimizer's, training's or layer's number off, is reported; the right text is
not."""

from __future__ import annotations

import numpy as np
import pytest
from lab_claims import claim_problems, partial_claims
from lab_slider import Readout, TextBlock
from oracles import model_gradients, model_loss, optimizer_steps, train_by_hand, with_entries

from gradlab.model import BookModel, small_batch
from gradlab.trainer import Trainer

AT = {"x": 1.0, "y": 1.0}


def tagged(formula: str, of: str = "", at: dict | None = None) -> Readout:
    """A tag as a view writes it (its value is never used by the oracles)."""
    return Readout(formula, of, dict(at or AT), 0.0, "0")


def block(text: str, *tags: Readout) -> TextBlock:
    """The text, and its lines with tabs as a table's rows (as innerText shows a table)."""
    rows = [line.split("\t") for line in text.splitlines() if "\t" in line]
    return TextBlock(text, list(tags) or [tagged("2x + 3y^2")], [rows] if rows else [])


def problems(text: str, *tags: Readout, sliders: dict | None = None) -> list[str]:
    checked, wrong = claim_problems([block(text, *tags)], sliders or {"x": "1", "y": "1"})
    assert checked >= 1, text
    return wrong


@pytest.mark.parametrize("text", [
    "f(1, 1) = 5 · ∂f/∂x = 2 (slope along x) · ∂f/∂y = 6 (slope along y)",  # Surface
    "f(1, 1) = 5 · gradient ∇f = [∂f/∂x, ∂f/∂y] = [2, 6] · length 6.325",  # GradientField
    "at x = 1, y = 1: f = 5 · ∂f/∂x = 2 · ∂f/∂y = 6 (every grad, after the whole pass)",
    "v\tsymbolic ∂f/∂v\tvalue (backward)\tcentral difference\tdifference\n"
    "∂f/∂x\t2\t2\t2\t2×10^-12\n∂f/∂y\t6y\t6\t6\t1×10^-12",  # PartialsTable
    "the sum over paths = 2; the core's ∂h/∂x = 2 ✓",  # ChainRule of h(x, y)
    "the product of the locals = 2; the core's dh/dx = 2 ✓",  # ChainRule of h(x)
])
def test_the_right_partials_pass(text):
    assert problems(text) == []


@pytest.mark.parametrize("text", [
    "f(1, 1) = 5 · ∂f/∂x = 6 (slope along x) · ∂f/∂y = 6 (slope along y)",  # y's beside x
    "gradient ∇f = [∂f/∂x, ∂f/∂y] = [6, 2]",  # swapped components
    "at x = 1, y = 1: f = 5 · ∂f/∂x = 6 · ∂f/∂y = 2",
    "v\tsymbolic ∂f/∂v\tvalue (backward)\n∂f/∂x\t6y\t6\n∂f/∂y\t6y\t6",  # another row's
    "the product of the locals = 6; the core's ∂h/∂x = 6 ✓",
    "∂f/∂z = 2",  # a variable f does not have
])
def test_a_label_beside_a_wrong_number_is_reported(text):
    assert problems(text) != []


def test_the_point_must_be_the_sliders():
    assert problems("∂f/∂x = 2", sliders={"x": "1.5", "y": "1"}) != []


def test_a_curves_slope_is_the_derivative_of_the_variable_it_names():
    tag = tagged("x^3 - 2x", at={"x": 2.0})
    assert partial_claims("tangent slope f'(x) = 10 · secant") == [("x", "10")]
    assert problems("tangent slope f'(x) = 10", tag, sliders={"x": "2"}) == []
    assert problems("tangent slope f'(x) = 12", tag, sliders={"x": "2"}) != []


def test_the_models_loss_and_partials_are_worked_by_hand():
    check = {"kind": "model", "model": {"weight_scale": 1.0, "bias": 0.1}, "batch": {}}
    at = {"W1[0,1]": 0.25}
    start = {k: p.data for k, p in BookModel(weight_scale=1, bias=0.1).params.items()}
    X, y = small_batch()
    params = with_entries(start, at)
    loss = model_loss(params, X, y)
    slope = float(model_gradients(params, X, y)["W1"][0, 1])
    tag = Readout("", "", at, 0.0, "", check)
    right = f"loss L = {loss:.6g} · ∂L/∂W1[0,1] by backward = {slope:.6g}"
    wrong = f"loss L = {loss:.6g} · ∂L/∂W1[0,1] by backward = {slope * 1.01:.6g}"
    assert problems(right, tag, sliders={}) == []
    assert problems(wrong, tag, sliders={}) != []


def test_each_optimizers_place_in_the_race_is_worked_by_hand():
    labels = {"lr": "learning rate, SGD", "decay": "learning-rate decay (all)"}
    check = {"kind": "race", "surface": "valley", "optimizer": "SGD", "steps": 3,
             "settings": labels}
    tag = Readout("", "", {"learning rate, SGD": 0.45, "learning-rate decay (all)": 0.0}, 0.0,
                  "", check)
    x, y = optimizer_steps("SGD", lambda p: [0.04 * p[0], 4 * p[1]], (-3.5, 1.5),
                           {"lr": 0.45, "decay": 0.0}, 3)[-1]
    f = 0.02 * x * x + 2 * y * y
    assert problems(f"■ SGD: f = {f:.4g} at ({x:.3g}, {y:.3g})", tag, sliders={}) == []
    assert problems(f"■ SGD: f = {f:.4g} at ({y:.3g}, {x:.3g})", tag, sliders={}) != []


def test_a_layers_explained_entry_is_worked_by_hand():
    X = np.array([[1.0, 2], [3, -1]])
    W = np.array([[0.5, -1], [2, 0.25]])
    b = np.array([[0.1, 0.2]])
    dv = np.array([[1.0, -2], [0.5, 3]])
    at = {f"X[{n},{i}]": X[n, i] for n, i in np.ndindex(X.shape)}
    at |= {f"W[{i},{j}]": W[i, j] for i, j in np.ndindex(W.shape)}
    at |= {f"b[{j}]": b[0, j] for j in range(2)}
    at |= {f"dvalues[{n},{j}]": dv[n, j] for n, j in np.ndindex(dv.shape)}
    check = {"kind": "layer", "shapes": {"X": [2, 2], "W": [2, 2], "b": [1, 2],
                                         "dvalues": [2, 2]}}
    tag = Readout("", "dweights[1,0]", at, 0.0, "", check)
    entry = (X.T @ dv)[1, 0]
    text = ("dweights[1,0] = ∂L/∂W[1,0]: ... sum of the contributions = {0} · entry [1,0] of "
            "Xᵀ·dvalues, by the matrix backward = {0} ✓")
    assert problems(text.format(f"{entry:g}"), tag, sliders={}) == []
    assert problems(text.format(f"{entry + 1:g}"), tag, sliders={}) != []


def test_the_training_readout_is_worked_by_hand():
    trainer = Trainer("sgd")
    settings = {"lr": 1.0, "decay": 1e-3}
    params = train_by_hand("SGD", trainer.start, trainer.X, trainer.y, settings, 4)
    loss = model_loss(params, trainer.X, trainer.y)
    labels = {"lr": "learning rate", "decay": "learning-rate decay"}
    check = {"kind": "training", "trainer": {}, "optimizer": "SGD", "epochs": 5,
             "settings": labels}
    tag = Readout("", "", {"learning rate": 1.0, "learning-rate decay": 1e-3}, 0.0, "", check)
    # as the page renders it: &nbsp; around the dots is U+00A0
    text = ("epoch 5 of 10000 \xa0·\xa0 loss {} · accuracy 40.0 % \xa0·\xa0 SGD, learning "
            "rate now {}")
    assert problems(text.format(f"{loss:.4g}", f"{1 / 1.004:.4g}"), tag, sliders={}) == []
    assert problems(text.format(f"{loss:.4g}", "0.999"), tag, sliders={}) != []
    assert problems(text.format(f"{loss * 1.01:.4g}", f"{1 / 1.004:.4g}"), tag,
                    sliders={}) != []
