"""Every notebook, run in JupyterLab in Chromium as a learner would (Run All): no error output,
no console error, no request leaving the local server, plots drawn; then in EVERY lab (each
cell that makes one; a notebook without a lab fails) a slider moved with the keyboard must
redraw the lab, and what its text then says, labels and numbers together as rendered, must
agree with oracles independent of gradlab (lab_claims: SymPy's derivative of the variable the
LABEL names; the book's model, optimizers and layer in numpy by hand); the tagged numbers must
also be the core's at the new point.

Readout convention (for views): an element showing a number carries
`data-gradlab-expression` (the expression text in gradlab's language), `data-gradlab-of`
("" for f itself, a variable name for the partial along it), `data-gradlab-at` (JSON object of
the point, keyed by the sliders' labels, e.g. {"x": 1.5}) and `data-gradlab-value` (repr of the
exact float); its text is the number as the learner reads it.

A number that is not one expression's has an empty expression and a `data-gradlab-check` JSON
naming how this process recomputes it with the core; the settings it needs are read from `at`,
so the point the test waits for is the point it recomputes:
- {"kind": "model", "model": {...}, "batch": {...}}: gradlab.model.BookModel(**model) with every
  entry in `at` set (e.g. "W1[0,1]"), on small_batch(**batch); of "" is the loss, of an entry
  d loss / d entry (LossLab).
- {"kind": "race", "surface", "optimizer", "steps", "settings": {setting: label in at}}: f at
  the end of gradlab.surfaces.race(surface, {optimizer: settings}, steps)'s path (OptimizerRace).
- {"kind": "training", "trainer": {...}, "optimizer", "epochs", "settings": {...}}:
  Trainer(optimizer, **settings, **trainer) trained `epochs` epochs; of "" is the last recorded
  loss, of "lr" the learning rate now (TrainingLab).
- {"kind": "layer", "shapes": {"X": [n, i], "W": [i, j], "b": [1, j], "dvalues": [n, j]}}: a
  gradlab.nn.Dense with `at`'s W and b (entries "W[0,1]", "b[2]"), fed `at`'s X, backward with
  its dvalues; of names the entry shown, "output[n,j]", "dinputs[n,i]", "dweights[i,j]" or
  "dbiases[j]" (LayerLab).
The race starts at step 0 and the training at epoch 0, where a learning rate changes nothing
drawn: the test presses Step first (and, as moving a training slider starts training over,
presses it again after the move)."""

from __future__ import annotations

import math
import time

import numpy as np
import pytest
from lab_claims import settled_claim_problems
from lab_slider import (
    Lab,
    Readout,
    find_lab,
    lab_text,
    plot_drawing,
    press_button,
    press_slider,
    readouts,
    slider_readout,
    wait_for_check,
    wait_for_labs,
    wait_for_new_drawing,
    wait_for_new_text,
    wait_for_readouts_at,
)
from notebook_page import (
    RENDER_MS,
    UPDATE_MS,
    open_notebook,
    output_problems,
    parse_number,
    run_all,
    undrawn_plots,
)
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from subjects import CANARY, SCREENSHOTS, lab_cells, subject_notebooks

import gradlab as gl
from gradlab.model import BookModel, small_batch
from gradlab.surfaces import race
from gradlab.trainer import Trainer
from gradlab.views.training_lab import EPOCHS_PER_TICK

RACE_STEPS = 3  # Step presses before moving a race's learning rate


def settings_from(readout: Readout) -> dict[str, float]:
    """The optimizer settings a check names, read from the readout's point."""
    return {key: readout.at[label] for key, label in readout.check["settings"].items()}


def checked_number(readout: Readout) -> float:
    """What the core says a readout tagged with data-gradlab-check should show."""
    check = readout.check
    kind = check.get("kind")
    if kind == "model":
        model = BookModel(**check["model"])
        for entry, value in readout.at.items():
            model.set_entry(entry, value)
        result = model.backward_pass(*small_batch(**check["batch"]))
        if not readout.of:
            return result.loss
        name, index = model.locate(readout.of)
        return float(result.gradients[name][index])
    if kind == "race":
        optimizer = check["optimizer"]
        path = race(check["surface"], {optimizer: settings_from(readout)},
                    steps=check["steps"])[optimizer]
        return float(path.losses[-1])
    if kind == "training":
        trainer = Trainer(check["optimizer"], **settings_from(readout), **check["trainer"])
        trainer.step(check["epochs"])
        if readout.of == "lr":
            return float(trainer.optimizer.current_lr)
        return float(trainer.history.loss[-1]) if not readout.of else math.nan
    if kind == "layer":
        return layer_number(readout)
    raise ValueError(f"unknown data-gradlab-check kind {kind!r}")


def layer_number(readout: Readout) -> float:
    """An entry of a dense layer's output or gradients at the readout's point, by Dense and
    backward (the check kind "layer")."""
    arrays = {}
    for name, (rows, columns) in readout.check["shapes"].items():
        arrays[name] = np.array([[readout.at[f"{name}[{c}]" if name == "b" else f"{name}[{r},{c}]"]
                                  for c in range(columns)] for r in range(rows)])
    layer = gl.nn.Dense(*arrays["W"].shape)
    layer.weights.data, layer.biases.data = arrays["W"], arrays["b"]
    inputs = gl.Value(arrays["X"])
    output = layer(inputs)
    output.backward(arrays["dvalues"])
    results = {"output": output.data, "dinputs": inputs.grad, "dweights": layer.weights.grad,
               "dbiases": layer.biases.grad}
    name, inside = readout.of[:-1].split("[")
    index = [int(k) for k in inside.split(",")]
    row, column = (0, index[0]) if len(index) == 1 else index
    return float(results[name][row, column])


def core_number(readout: Readout) -> float:
    """What the core says the readout should show: f, or its partial along `of`, at the point."""
    if readout.check is not None:
        return checked_number(readout)
    expression = gl.parse(readout.expression)
    if not readout.of:
        return float(expression.evaluate(**readout.at))
    return float(expression.gradient(**readout.at)[readout.of])


def same_number(a: float, b: float, rel: float, abs_: float = 1e-12) -> bool:
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    if math.isinf(a) or math.isinf(b):
        return a == b
    return math.isclose(a, b, rel_tol=rel, abs_tol=abs_)


def shown_number_matches(text: str, value: float) -> bool:
    """The text shows `value` rounded to the digits it prints ("2.2" for 2.2000000000000006,
    "1.5e-05"); the last printed digit may be off by rounding only."""
    shown_text = text.split("=")[-1].strip().replace("×10^", "e")
    try:
        shown = parse_number(shown_text)
    except ValueError:
        return False
    if not math.isfinite(shown) or not math.isfinite(value):
        return same_number(shown, value, rel=0.0)
    mantissa, _, exponent = shown_text.lower().partition("e")
    decimals = len(mantissa.split(".", 1)[1]) if "." in mantissa else 0
    scale = 10.0 ** int(exponent) if exponent else 1.0
    return abs(shown - value) <= 0.5 * 10.0 ** -decimals * scale * (1 + 1e-9) + 1e-12


def check_readouts(shown: list[Readout]) -> list[str]:
    """Readouts whose exact value or visible text disagrees with the core."""
    wrong = []
    for readout in shown:
        expected = core_number(readout)
        if not same_number(readout.value, expected, rel=1e-9):
            wrong.append(f"{readout.of or 'f'} of {readout.expression} at {readout.at}: "
                         f"shows {readout.value!r}, the core says {expected!r}")
        elif not shown_number_matches(readout.text, expected):
            wrong.append(f"{readout.of or 'f'} of {readout.expression} at {readout.at}: "
                         f"text {readout.text!r} is not {expected!r}")
    return wrong


def run_notebook(page, lab, name: str, cells: list[int] = ()) -> int:
    """Open `name`, Run All, wait until each lab cell shows its slider and drawn plots (a
    condition, however long a slow machine takes, within RENDER_MS); returns the number of
    plots drawn."""
    open_notebook(page, lab.lab_url(name))
    run_all(page)
    try:
        wait_for_labs(page, list(cells))
    except PlaywrightTimeout:
        pytest.fail(f"{name}: the labs of cells {list(cells)} did not all show a slider and "
                    f"drawn plots within {RENDER_MS / 1000:.0f} s: {undrawn_plots(page)}")
    return page.locator(".js-plotly-plot").count()


@pytest.mark.parametrize("name", subject_notebooks())
def test_notebook_runs_clean_and_every_lab_responds(page, lab, name: str) -> None:
    """Every lab of the notebook (each cell that makes one) is found, one of its sliders moved
    by keyboard, and what its text then says checked: against SymPy or numpy by hand where a
    label names a number (lab_claims), and the tags against the core (check_readouts)."""
    page, watch = page
    cells = lab_cells(name)
    assert cells, f"{name} makes no lab: every lesson has one"
    plots = run_notebook(page, lab, name, cells)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.evaluate("() => window.jupyterapp.shell.collapseLeft()")  # the notebook, full width
    if plots:
        page.locator(".js-plotly-plot").first.scroll_into_view_if_needed()
    page.screenshot(path=str(SCREENSHOTS / f"{name.removesuffix('.ipynb')}.png"))

    assert output_problems(page) == []
    assert watch.console_errors == []
    assert watch.foreign_requests() == []
    assert plots >= 1, "no plot was drawn"
    assert undrawn_plots(page) == []

    for cell in cells:
        found = find_lab(page, cell)
        assert found is not None, f"cell {cell} makes a lab, but the page shows no slider in it"
        move_slider_and_check(page, watch, found)


def check_kinds(page, found: Lab) -> set[str]:
    return {r.check.get("kind") for r in readouts(page, found) if r.check is not None}


def step_and_wait(page, found: Lab, kind: str, key: str, value: int, presses: int = 1) -> None:
    """Press the lab's Step button and wait until its checked readouts show `key` = value."""
    for _ in range(presses):
        press_button(page, found, "Step")
    try:
        wait_for_check(page, found, kind, key, value)
    except PlaywrightTimeout:
        pytest.fail(f"{presses} press(es) of Step did not bring the {kind} readouts to "
                    f"{key} = {value} within {UPDATE_MS / 1000:.0f} s")


def move_slider_and_check(page, watch, found: Lab) -> None:
    """Move the lab's slider one step by keyboard; wait until its plots (or, without a plot,
    its text) change and its readouts are at the new point; then check what its text claims
    against the oracles (lab_claims) and the tagged numbers against the core."""
    kinds = check_kinds(page, found)
    where = f"cell {found.cell}, slider {found.variable!r}"
    if "race" in kinds:  # Step moves every path on (at step 0 each is the start alone)
        now = max(r.check["steps"] for r in readouts(page, found)
                  if r.check is not None and r.check.get("kind") == "race")
        step_and_wait(page, found, "race", "steps", now + RACE_STEPS, presses=RACE_STEPS)
    if "training" in kinds:  # at epoch 0 nothing is trained yet: train a Step first
        step_and_wait(page, found, "training", "epochs", EPOCHS_PER_TICK)
    drawing = plot_drawing(page, found)
    text = lab_text(page, found)
    key = "ArrowLeft" if found.at_max else "ArrowRight"
    press_slider(page, found, key)
    moved = f"{key} on {where}"
    try:
        if drawing:
            wait_for_new_drawing(page, found, drawing)
        else:  # a table or the chain rule: no plot, the text changes
            wait_for_new_text(page, found, text)
    except PlaywrightTimeout:
        pytest.fail(f"the lab did not change within {UPDATE_MS / 1000:.0f} s of {moved}")
    if "training" in kinds:  # the new setting starts training over: then train a Step again
        try:
            wait_for_check(page, found, "training", "epochs", 0)
        except PlaywrightTimeout:
            pytest.fail(f"training did not start over within {UPDATE_MS / 1000:.0f} s of {moved}")
        step_and_wait(page, found, "training", "epochs", EPOCHS_PER_TICK)

    new_value = slider_readout(page, found)
    assert new_value != found.value, f"{where}: the slider's readout did not move"
    assert (new_value > found.value) == (key == "ArrowRight")
    # the readout rounds the slider's value to its printed decimals
    tol = 0.5 * 10.0 ** -found.decimals + 1e-12
    assert readouts(page, found), (
        f"{where}: the lab shows no readout tagged with data-gradlab-* attributes (see this "
        "module's docstring), so its numbers cannot be checked")
    try:
        wait_for_readouts_at(page, found, found.variable, new_value, tol)
    except PlaywrightTimeout:
        pytest.fail(f"the readouts are still not at "
                    f"{found.variable} = {new_value} {UPDATE_MS / 1000:.0f} s after {moved}")
    shown = readouts(page, found)
    if not any(found.variable in r.at for r in shown):  # a setting no readout is tagged with
        assert lab_text(page, found) != text, f"{where}: the text did not change"
    if "training" in kinds:
        assert any(r.check and r.check.get("kind") == "training" and r.of == "" for r in shown), (
            "the training lab shows no tagged loss after a Step")
    checked, wrong = settled_claim_problems(page, found, UPDATE_MS)
    assert wrong == [], f"{where}: what the lab says disagrees with the oracles"
    assert checked >= 1, f"{where}: no label beside a number that an oracle can check"
    assert check_readouts(shown) == []
    assert output_problems(page) == []
    assert watch.console_errors == []
    assert watch.foreign_requests() == []


def test_checks_catch_an_error_and_an_outside_request(page, lab) -> None:
    """The canary notebook loads an image from a remote host and raises: the same checks that
    pass on the notebooks must report both (so they are able to fail)."""
    page, watch = page
    run_notebook(page, lab, CANARY)
    problems = output_problems(page)
    assert any("ValueError: canary" in p for p in problems), problems
    assert any("not executed" in p for p in problems), problems  # Run All stops at the error
    # the page asks for the image as it shows the output: wait for that request (a condition)
    deadline = time.monotonic() + UPDATE_MS / 1000
    while not any("198.51.100.7" in url for url in watch.foreign_requests()):
        assert time.monotonic() < deadline, watch.requests
        page.wait_for_timeout(100)  # lets Playwright deliver the page's events


def test_readout_check_rejects_a_wrong_number() -> None:
    """check_readouts flags a value the core disagrees with (d(x^2)/dx at 3 is 6, not 5) and a
    text that does not show the value, and accepts the right one."""
    right = Readout("x^2", "x", {"x": 3.0}, 6.0, "6")
    wrong_value = Readout("x^2", "x", {"x": 3.0}, 5.0, "5")
    wrong_text = Readout("x^2", "x", {"x": 3.0}, 6.0, "6.5")
    value = Readout("x*y", "", {"x": 2.0, "y": -1.5}, -3.0, "\u22123")
    assert check_readouts([right, value]) == []
    assert len(check_readouts([wrong_value])) == 1
    assert len(check_readouts([wrong_text])) == 1


def _loss_by_hand(model: BookModel, X, y) -> tuple[float, np.ndarray]:
    """The book's forward pass written out in numpy (no core): the loss
    L = -mean(log softmax(relu(X W1 + b1) W2 + b2)[i, y_i]) and dL/dW2 = a1^T (p - onehot) / N."""
    W1, b1, W2, b2 = (np.asarray(model.params[k].data) for k in ("W1", "b1", "W2", "b2"))
    a1 = np.maximum(X @ W1 + b1, 0.0)
    z2 = a1 @ W2 + b2
    p = np.exp(z2 - z2.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    n = len(y)
    onehot = np.eye(p.shape[1])[y]
    return float(-np.mean(np.log(p[np.arange(n), y]))), a1.T @ ((p - onehot) / n)


def test_checked_readouts_reject_a_wrong_number() -> None:
    """The data-gradlab-check recomputations agree with numbers worked out independently (one
    SGD step by hand, the model's loss and dL/dW2 in plain numpy) and reject a wrong value and
    a value shown for other settings than the point claims."""
    # SGD on the valley f = 0.02x^2 + 2y^2 from (-3.5, 1.5), lr 0.45: one step x - lr df/dx
    x1, y1 = -3.5 - 0.45 * (0.04 * -3.5), 1.5 - 0.45 * (4 * 1.5)
    f1 = 0.02 * x1 ** 2 + 2 * y1 ** 2
    labels = {"lr": "learning rate, SGD", "decay": "learning-rate decay (all)"}
    race_check = {"kind": "race", "surface": "valley", "optimizer": "SGD", "steps": 1,
                  "settings": labels}
    at = {"learning rate, SGD": 0.45, "learning-rate decay (all)": 0.0}
    right_race = Readout("", "", at, f1, f"{f1:.4g}", race_check)
    wrong_race = Readout("", "", at, f1 * 1.001, f"{f1 * 1.001:.4g}", race_check)
    other_rate = Readout("", "", {**at, "learning rate, SGD": 0.5}, f1, f"{f1:.4g}", race_check)

    start = BookModel()
    X, y = small_batch()
    start.set_entry("W1[0,1]", 0.5)
    loss, dW2 = _loss_by_hand(start, X, y)
    model_check = {"kind": "model", "model": {}, "batch": {}}
    moved = {"W1[0,1]": 0.5}
    right_loss = Readout("", "", moved, loss, f"{loss:.6g}", model_check)
    right_slope = Readout("", "W2[0,0]", moved, float(dW2[0, 0]), f"{dW2[0, 0]:.6g}",
                          model_check)
    unmoved = Readout("", "", {"W1[0,1]": BookModel().value_of("W1[0,1]")}, loss,
                      f"{loss:.6g}", model_check)

    trainer = Trainer("adam")
    first_loss, _ = _loss_by_hand(trainer.model, trainer.X, trainer.y)  # before any update
    settings = {"learning rate": 0.05, "learning-rate decay": 5e-7}
    training_check = {"kind": "training", "trainer": {}, "optimizer": "Adam", "epochs": 1,
                      "settings": {"lr": "learning rate", "decay": "learning-rate decay"}}
    right_training = Readout("", "", settings, first_loss, f"{first_loss:.4g}", training_check)
    right_rate = Readout("", "lr", settings, 0.05, "0.05", training_check)
    other_training = Readout("", "", {**settings, "learning rate": 0.5}, first_loss * 1.01,
                             f"{first_loss * 1.01:.4g}", {**training_check, "epochs": 2})

    assert check_readouts([right_race, right_loss, right_slope, right_training, right_rate]) == []
    for wrong in (wrong_race, other_rate, unmoved, other_training):
        assert len(check_readouts([wrong])) == 1, wrong


def test_layer_readouts_are_recomputed_and_a_wrong_one_rejected() -> None:
    """The "layer" check against the book's layer worked in numpy: dweights = X^T dvalues,
    dinputs = dvalues W^T, dbiases = column sums, output = X W + b; a wrong value and a value
    shown for another point are rejected."""
    X = np.array([[1, 2, 3, 2.5], [2, 5, -1, 2], [-1.5, 2.7, 3.3, -0.8]])
    W = np.array([[0.2, 0.8, -0.5, 1], [0.5, -0.91, 0.26, -0.5],
                  [-0.26, -0.27, 0.17, 0.87]]).T
    b = np.array([[2, 3, 0.5]])
    dv = np.array([[1.0, 1, 1], [2, 2, 2], [3, 3, 3]])
    at = {f"X[{n},{i}]": X[n, i] for n, i in np.ndindex(X.shape)}
    at |= {f"W[{i},{j}]": W[i, j] for i, j in np.ndindex(W.shape)}
    at |= {f"b[{j}]": b[0, j] for j in range(3)}
    at |= {f"dvalues[{n},{j}]": dv[n, j] for n, j in np.ndindex(dv.shape)}
    check = {"kind": "layer", "shapes": {"X": [3, 4], "W": [4, 3], "b": [1, 3],
                                         "dvalues": [3, 3]}}
    numbers = {"dweights[1,2]": (X.T @ dv)[1, 2], "dinputs[2,3]": (dv @ W.T)[2, 3],
               "dbiases[1]": dv.sum(axis=0)[1], "output[0,2]": (X @ W + b)[0, 2]}
    right = [Readout("", of, at, value, f"{value:.6g}", check) for of, value in numbers.items()]
    assert check_readouts(right) == []
    wrong = Readout("", "dweights[1,2]", at, 20.2, "20.2", check)
    elsewhere = Readout("", "dweights[1,2]", {**at, "X[1,1]": 4.0}, 20.1, "20.1", check)
    for bad in (wrong, elsewhere):
        assert len(check_readouts([bad])) == 1, bad
