"""LossLab driven headlessly: the tangent's slope is the core's partial and agrees with central
differences worked here in numpy, the point follows the slider along the loss curve, the trace
count stays fixed, and bad choices show messages."""

import numpy as np
import pytest

pytest.importorskip("plotly")

from gradlab.model import BookModel, small_batch  # noqa: E402
from gradlab.views._common import fmt  # noqa: E402
from gradlab.views.loss import SAMPLES, LossLab  # noqa: E402


def numpy_loss(params, X, y):
    """dense -> ReLU -> dense -> softmax -> mean cross-entropy, in plain numpy."""
    a1 = np.maximum(X @ params["W1"] + params["b1"], 0.0)
    z2 = a1 @ params["W2"] + params["b2"]
    e = np.exp(z2 - z2.max(axis=1, keepdims=True))
    p = e / e.sum(axis=1, keepdims=True)
    return -np.mean(np.log(p[np.arange(len(y)), y]))


def params_of(model):
    return {name: p.data.copy() for name, p in model.params.items()}


def with_entry(params, name, index, value):
    changed = {k: v.copy() for k, v in params.items()}
    changed[name][index] = value
    return changed


def numpy_partial(params, X, y, name, index, h=1e-5):
    return (numpy_loss(with_entry(params, name, index, params[name][index] + h), X, y)
            - numpy_loss(with_entry(params, name, index, params[name][index] - h), X, y)) / (2 * h)


def slope_of(trace) -> float:
    x, y = np.asarray(trace.x, dtype=float), np.asarray(trace.y, dtype=float)
    return (y[-1] - y[0]) / (x[-1] - x[0])


def lively_lab(parameter="W2[0,0]"):
    """A lab on a model with weights of size ~1 and non-zero biases (visible slopes, no ReLU
    input at its kink)."""
    model = BookModel(seed=3)
    rng = np.random.default_rng(103)
    for param in model.params.values():
        param.data = rng.normal(0.0, 1.0, param.data.shape)
    return LossLab(model, parameter=parameter)


@pytest.mark.parametrize(("entry", "name", "index"), [
    ("W2[0,0]", "W2", (0, 0)), ("W1[1,2]", "W1", (1, 2)), ("b1[3]", "b1", (0, 3)),
    ("b2[1]", "b2", (0, 1))])
@pytest.mark.parametrize("value", [-1.3, 0.4, 2.2])
def test_tangent_slope_is_the_cores_partial_and_matches_central_differences(entry, name, index,
                                                                            value):
    lab = lively_lab(entry)
    lab.sliders[entry].value = value
    params = params_of(lab.model)
    assert params[name][index] == value  # the slider wrote into the model
    X, y = small_batch()
    expected = numpy_partial(params, X, y, name, index)
    tangent = lab.figure.data[1]
    assert slope_of(tangent) == pytest.approx(lab.gradient[entry], rel=1e-9, abs=1e-12)
    assert lab.gradient[entry] == pytest.approx(expected, abs=1e-8)
    assert lab.numerical == pytest.approx(expected, abs=1e-8)
    # the core's partial, from a fresh model given the same numbers
    fresh = BookModel(seed=3)
    for key, data in params.items():
        fresh.params[key].data = data
    assert lab.gradient[entry] == pytest.approx(fresh.backward(X, y)[name][index], rel=1e-12)
    # the tangent touches the curve at the point
    assert np.interp(value, tangent.x, tangent.y) == pytest.approx(lab.value)
    assert fmt(lab.gradient[entry], 6) in lab.readout.value
    assert fmt(lab.numerical, 6) in lab.readout.value


def test_the_slider_moves_the_point_along_the_loss_curve():
    lab = lively_lab("W1[0,1]")
    X, y = small_batch()
    curve_x = np.asarray(lab.figure.data[0].x, dtype=float)
    curve_y = np.asarray(lab.figure.data[0].y, dtype=float)
    assert len(curve_x) == SAMPLES
    assert (curve_x[0], curve_x[-1]) == (lab.slider.min, lab.slider.max)
    params = params_of(lab.model)
    for t in (0, 17, SAMPLES - 1):
        assert curve_y[t] == pytest.approx(
            numpy_loss(with_entry(params, "W1", (0, 1), curve_x[t]), X, y), rel=1e-12)
    for value in (-2.0, 0.3, 1.7):
        lab.slider.value = value
        point = lab.figure.data[2]
        assert list(point.x) == [value]
        assert point.y[0] == pytest.approx(lab.model.loss(X, y).data, rel=1e-14)
        assert lab.value == pytest.approx(numpy_loss(params_of(lab.model), X, y), rel=1e-12)
    lab.slider.value = curve_x[17]  # at a sample of the curve, the point sits on it
    assert lab.figure.data[2].y[0] == pytest.approx(curve_y[17], rel=1e-14)
    # moving the chosen entry does not change the curve along it
    assert np.array_equal(np.asarray(lab.figure.data[0].y, dtype=float), curve_y)


def test_the_curve_is_recomputed_when_another_entry_was_moved():
    lab = lively_lab("b2[0]")
    before = np.asarray(lab.figure.data[0].y, dtype=float).copy()
    lab.choose("W2[1,1]")
    lab.slider.value = 2.5
    lab.choose("b2[0]")
    after = np.asarray(lab.figure.data[0].y, dtype=float)
    X, y = small_batch()
    params = params_of(lab.model)
    assert params["W2"][1, 1] == 2.5  # the earlier move stays
    assert not np.allclose(after, before)
    xs = np.asarray(lab.figure.data[0].x, dtype=float)
    assert after[5] == pytest.approx(
        numpy_loss(with_entry(params, "b2", (0, 0), xs[5]), X, y), rel=1e-12)
    assert lab.figure.layout.xaxis.title.text == "b2[0]"


def test_choosing_an_entry_puts_its_value_on_the_slider_without_changing_it():
    lab = lively_lab()
    value = lab.model.value_of("W1[1,3]")
    before = params_of(lab.model)
    lab.choice.value = "W1[1,3]"
    assert lab.parameter == "W1[1,3]" and list(lab.sliders) == ["W1[1,3]"]
    assert lab.slider.value == value and lab.slider.description == "W1[1,3]"
    for name, data in before.items():
        assert np.array_equal(lab.model.params[name].data, data)


def test_logits_table_shows_core_and_softmax_minus_onehot():
    lab = lively_lab()
    X, y = small_batch()
    params = params_of(lab.model)
    a1 = np.maximum(X @ params["W1"] + params["b1"], 0.0)
    z2 = a1 @ params["W2"] + params["b2"]
    p = np.exp(z2) / np.exp(z2).sum(axis=1, keepdims=True)
    expected = (p - np.eye(3)[y]) / len(y)
    assert lab.result.logits.core == pytest.approx(expected, abs=1e-14)
    row = "[" + ", ".join(fmt(v, 4) for v in expected[0]) + "]"
    assert lab.table.value.count(row) == 2  # once as the core's, once as the formula's


def test_trace_count_stays_fixed_after_many_updates():
    lab = LossLab()
    count = len(lab.figure.data)
    for i in range(150):
        lab.slider.value = -2.0 + 0.025 * i
    lab.choose("b1[2]")
    lab.update({"W2[1,0]": 0.5})
    assert len(lab.figure.data) == count == 3
    assert lab.message.kind != "error"


def test_an_invalid_choice_shows_a_message_and_keeps_the_previous_entry():
    lab = LossLab()
    lab.choose("W3[0,0]")
    assert "no parameter entry 'W3[0,0]'" in lab.message.text and lab.message.kind == "error"
    assert lab.parameter == "W2[0,0]"
    lab.update({"b2[7]": 1.0})
    assert "no parameter entry 'b2[7]'" in lab.message.text
    lab.update({"b2[1]": float("nan")})
    assert "b2[1] must be a finite number" in lab.message.text
    assert lab.model.value_of("b2[1]") == 0.0  # nothing was written
    lab.slider.value = 0.5
    assert lab.message.text == ""  # the next good update clears it
    bad = LossLab(parameter="W2[9,9]")
    assert bad.parameter == "W2[0,0]" and "showing W2[0,0] instead" in bad.message.text


def test_a_relu_kink_at_the_spirals_centre_is_explained():
    # the book's start: X = (0, 0) rows give z1 = b1 = 0, at the ReLU's kink. With b2 moved,
    # those rows' pulls on b1 no longer cancel, so the one-sided backward (ReLU'(0) = 0) and
    # the two-sided central difference disagree.
    lab = LossLab(parameter="b2[1]")
    lab.slider.value = 2.0
    lab.choose("b1[0]")
    X, y = small_batch()
    params = params_of(lab.model)
    centre = np.flatnonzero(np.all(X == 0, axis=1))
    assert centre.tolist() == [0, 5, 10]
    # by hand: moving b1[0] up switches unit 0 on for the centre rows (right derivative adds
    # their sum of dL/da1[:, 0]); moving it down keeps it off. Central differences average.
    a1 = np.maximum(X @ params["W1"] + params["b1"], 0.0)
    z2 = a1 @ params["W2"] + params["b2"]
    p = np.exp(z2) / np.exp(z2).sum(axis=1, keepdims=True)
    pull = ((p - np.eye(3)[y]) / len(y) @ params["W2"].T)[centre, 0].sum()
    assert abs(pull) > 1e-4
    assert lab.numerical - lab.gradient["b1[0]"] == pytest.approx(pull / 2, rel=1e-4)
    assert "kink" in lab.message.text and "ReLU'(0) = 0" in lab.message.text


def test_a_unit_that_is_off_for_every_sample_passes_no_gradient():
    lab = LossLab(parameter="b1[2]")
    lab.slider.value = -2.0  # |X| <= 1 and |W1| ~ 0.01: z1[:, 2] < 0 for every sample
    lab.choose("W1[0,2]")
    assert lab.gradient["W1[0,2]"] == 0.0 and lab.numerical == 0.0
    assert "hidden unit 2 is off" in lab.message.text


def test_a_slider_at_its_end_says_so_and_reset_restores_the_start():
    model = BookModel()
    start = params_of(model)
    lab = LossLab(model, parameter="b2[0]")
    lab.slider.value = lab.slider.max
    assert "at the end of its range" in lab.message.text
    lab.reset_button.click()
    for name, data in start.items():
        assert np.array_equal(model.params[name].data, data)
    assert lab.slider.value == 0.0 and lab.message.text == ""


def test_update_with_a_point_writes_the_model_and_widens_the_slider_if_needed():
    lab = LossLab()
    X, y = small_batch()
    lab.update({"W2[0,0]": 5.0, "b2[2]": -0.5})
    assert lab.model.value_of("W2[0,0]") == 5.0 and lab.model.value_of("b2[2]") == -0.5
    assert lab.slider.value == 5.0 and lab.slider.max >= 5.0
    assert lab.value == pytest.approx(numpy_loss(params_of(lab.model), X, y), rel=1e-12)
    assert list(lab.figure.data[2].x) == [5.0]


def test_a_batch_that_does_not_fit_is_refused_at_construction():
    with pytest.raises(ValueError, match="shape"):
        LossLab(batch=(np.zeros((3, 5)), np.array([0, 1, 2])))


def test_the_loss_and_its_partial_are_tagged_with_how_to_recompute_them():
    """The default lab's readout tags L and dL/d(entry) with the moved entries and the recipe
    (BookModel(), small_batch()); the values are numpy's loss and central difference."""
    import html
    import json
    import re

    lab = LossLab(parameter="W1[0,1]")
    lab.slider.value = 0.5
    found = re.findall(r'data-gradlab-of="([^"]*)" data-gradlab-at="([^"]*)" '
                       r'data-gradlab-value="([^"]*)" data-gradlab-check="([^"]*)"',
                       lab.readout.value)
    tags = {of: (json.loads(html.unescape(at)), float(v), json.loads(html.unescape(c)))
            for of, at, v, c in found}
    assert set(tags) == {"", "W1[0,1]"}
    params = params_of(BookModel())
    params["W1"][0, 1] = 0.5
    X, y = small_batch()
    at, value, check = tags[""]
    assert at == {"W1[0,1]": 0.5} and check == {"kind": "model", "model": {}, "batch": {}}
    assert value == pytest.approx(numpy_loss(params, X, y), rel=1e-12)
    assert tags["W1[0,1]"][1] == pytest.approx(numpy_partial(params, X, y, "W1", (0, 1)),
                                               rel=1e-6, abs=1e-9)
    lab.choose("W2[1,2]")  # W1[0,1] stays moved: the point names it too
    at = json.loads(html.unescape(re.search(r'data-gradlab-at="([^"]*)"',
                                            lab.readout.value).group(1)))
    assert at == {"W1[0,1]": 0.5, "W2[1,2]": BookModel().value_of("W2[1,2]")}
    assert "data-gradlab" not in lively_lab().readout.value  # a model from outside: no recipe
