"""LossLab and LossSurface driven headlessly, checked against the model worked here in plain
numpy: the tangent's slope is the core's partial and agrees with central differences, the lab
starts from and resets to the model's exact numbers (so it agrees with the printed summary),
each entry's slider range makes the loss change visibly, the chain table adds up, the readouts
are tagged so a test can rebuild them; the surface's arrow is backward's gradient and its Step
moves both entries by -lr * gradient."""

import html
import json
import re

import numpy as np
import plotly  # noqa: F401 - required: a missing one fails the tests
import pytest

from gradlab.model import BookModel, small_batch  # noqa: E402
from gradlab.views._common import fmt  # noqa: E402
from gradlab.views.loss import SAMPLES, STEPS, LossLab  # noqa: E402
from gradlab.views.loss_surface import LossSurface  # noqa: E402


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
    input at its kink), given from outside."""
    model = BookModel(seed=3)
    rng = np.random.default_rng(103)
    for param in model.params.values():
        param.data = rng.normal(0.0, 1.0, param.data.shape)
    return LossLab(model, parameter=parameter)


def tags_of(readout_html):
    """{of: (at, value, check)} of the data-gradlab-* spans in a readout."""
    found = re.findall(r'data-gradlab-of="([^"]*)" data-gradlab-at="([^"]*)" '
                       r'data-gradlab-value="([^"]*)" data-gradlab-check="([^"]*)"', readout_html)
    return {of: (json.loads(html.unescape(at)), float(v), json.loads(html.unescape(c)))
            for of, at, v, c in found}


def rebuilt(check, at):
    """What the browser test does with a tag: BookModel(**model) with every entry of `at` set."""
    model = BookModel(**check["model"])
    for entry, value in at.items():
        model.set_entry(entry, value)
    return params_of(model)


# -- LossLab ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("entry", "name", "index"), [
    ("W2[0,0]", "W2", (0, 0)), ("W1[1,2]", "W1", (1, 2)), ("b1[3]", "b1", (0, 3)),
    ("b2[1]", "b2", (0, 1))])
@pytest.mark.parametrize("share", [0.05, 0.4, 0.93])
def test_tangent_slope_is_the_cores_partial_and_matches_central_differences(entry, name, index,
                                                                            share):
    lab = lively_lab(entry)
    value = lab.slider.min + share * (lab.slider.max - lab.slider.min)
    lab.sliders[entry].value = value
    params = params_of(lab.model)
    assert params[name][index] == value  # the slider wrote into the model
    X, y = small_batch()
    expected = numpy_partial(params, X, y, name, index)
    tangent = lab.figure.data[1]
    assert slope_of(tangent) == pytest.approx(lab.gradient[entry], rel=1e-9, abs=1e-12)
    assert lab.gradient[entry] == pytest.approx(expected, abs=1e-8)
    assert lab.numerical == pytest.approx(expected, abs=1e-8)
    # the tangent touches the curve at the point
    assert np.interp(value, tangent.x, tangent.y) == pytest.approx(lab.value)
    assert fmt(lab.gradient[entry], 6) in lab.readout.value
    assert fmt(lab.numerical, 6) in lab.readout.value


def test_the_lab_starts_from_and_resets_to_the_exact_weights_and_agrees_with_the_summary():
    """The issue: a slider rounded W1[0,1] = -0.00132 to 0, so the lab showed another
    dL/dW1[0,1] than the summary. Now the slider holds the exact value; Reset puts it back."""
    model = BookModel()  # the book's start: W1[0,1] = -0.00132...
    X, y = small_batch()
    start = params_of(model)
    lab = LossLab(model)  # W1[0,1] by default
    assert lab.parameter == "W1[0,1]"
    assert lab.slider.value == start["W1"][0, 1] and lab.slider.value != 0
    for name, data in start.items():  # building the lab moved nothing
        assert np.array_equal(model.params[name].data, data)
    by_numpy = numpy_partial(start, X, y, "W1", (0, 1))
    assert lab.gradient["W1[0,1]"] == pytest.approx(by_numpy, rel=1e-5)
    printed = float(re.search(r"d loss / d W1 \(2x4\) = \[\[[^,]+, ([^,]+),",
                              BookModel().summary(X, y)).group(1))
    assert fmt(lab.gradient["W1[0,1]"], 4) == fmt(printed, 4)  # lab and summary agree
    lab.slider.value = lab.slider.max
    lab.choose("b2[1]")
    lab.slider.value = lab.slider.min
    lab.reset_button.click()
    for name, data in start.items():
        assert np.array_equal(model.params[name].data, data)
    lab.choose("W1[0,1]")
    assert lab.slider.value == start["W1"][0, 1]
    assert lab.gradient["W1[0,1]"] == pytest.approx(by_numpy, rel=1e-5)


def test_an_entrys_slider_is_centred_on_its_exact_value_with_its_visible_span():
    lab = LossLab()
    X, y = small_batch()
    for entry in ("W1[1,2]", "b1[1]", "W2[1,0]", "b2[0]"):
        value = lab.model.value_of(entry)
        before = params_of(lab.model)
        lab.choice.value = entry
        span = lab.model.visible_span(X, y, entry)
        assert lab.parameter == entry and list(lab.sliders) == [entry]
        assert lab.slider.value == value and lab.slider.description == entry
        assert lab.slider.min == value - span and lab.slider.max == value + span
        assert lab.slider.step == span / STEPS
        for name, data in before.items():  # choosing changes nothing
            assert np.array_equal(lab.model.params[name].data, data)


def test_the_loss_changes_visibly_over_every_entrys_range():
    """Over each entry's slider range the loss (by numpy, on the curve's points) varies by
    more than 5 % of its value: every curve visibly bends or climbs."""
    lab = LossLab()
    X, y = small_batch()
    for entry in lab.model.entries():
        lab.choose(entry)
        name, index = lab.model.locate(entry)
        params = params_of(lab.model)
        xs = np.asarray(lab.figure.data[0].x, dtype=float)
        losses = np.array([numpy_loss(with_entry(params, name, index, t), X, y) for t in xs])
        assert losses.max() - losses.min() > 0.05 * numpy_loss(params, X, y), entry


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
    for share in (0.1, 0.5, 0.85):
        value = lab.slider.min + share * (lab.slider.max - lab.slider.min)
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
    lab.slider.value = lab.slider.max
    moved = lab.slider.max
    lab.choose("b2[0]")
    after = np.asarray(lab.figure.data[0].y, dtype=float)
    X, y = small_batch()
    params = params_of(lab.model)
    assert params["W2"][1, 1] == moved  # the earlier move stays
    assert not np.allclose(after, before)
    xs = np.asarray(lab.figure.data[0].x, dtype=float)
    assert after[5] == pytest.approx(
        numpy_loss(with_entry(params, "b2", (0, 0), xs[5]), X, y), rel=1e-12)
    assert lab.figure.layout.xaxis.title.text == "b2[0]"


def test_the_chain_table_adds_up_to_backward_row_by_row():
    lab = LossLab()
    X, y = small_batch()
    params = params_of(lab.model)
    z1 = X @ params["W1"] + params["b1"]
    a1 = np.maximum(z1, 0.0)
    z2 = a1 @ params["W2"] + params["b2"]
    p = np.exp(z2) / np.exp(z2).sum(axis=1, keepdims=True)
    G = (p - np.eye(3)[y]) / len(y)
    by_hand = (G @ params["W2"].T)[:, 1] * (z1[:, 1] > 0) * X[:, 0]  # each sample's term
    chain = lab.chain
    assert chain.contributions == pytest.approx(by_hand, abs=1e-16)
    table = lab.table.value
    assert table.count("<tr>") == 2 + 15 + 3  # two header rows, a row per sample, the sums
    for n in (1, 4, 9):
        assert f">{fmt(by_hand[n], 4)}<" in table
    assert f">{fmt(by_hand.sum(), 6)}<" in table  # sum, backward and central differences
    assert table.count(f">{fmt(by_hand.sum(), 6)}<") == 3
    idle = [n for n in range(15) if by_hand[n] == 0]
    assert table.count("color:#999") == 9 * len(idle)  # those rows are greyed, cell by cell
    assert fmt(params["W2"][1, 0], 3) in table  # the paths' weights W2[1,:]
    difference = np.max(np.abs(lab.result.logits.core - G))
    assert difference < 1e-15 and "(p − one-hot)/N differ by at most" in table


def test_trace_count_stays_fixed_after_many_updates():
    lab = LossLab()
    count = len(lab.figure.data)
    for i in range(150):
        lab.slider.value = lab.slider.min + (i % 50) / 50 * (lab.slider.max - lab.slider.min)
    lab.choose("b1[2]")
    lab.update({"W2[1,0]": 0.5})
    assert len(lab.figure.data) == count == 3
    assert lab.message.kind != "error"


def test_an_invalid_choice_shows_a_message_and_keeps_the_previous_entry():
    lab = LossLab()
    lab.choose("W3[0,0]")
    assert "no parameter entry 'W3[0,0]'" in lab.message.text and lab.message.kind == "error"
    assert lab.parameter == "W1[0,1]"
    lab.update({"b2[7]": 1.0})
    assert "no parameter entry 'b2[7]'" in lab.message.text
    lab.update({"b2[1]": float("nan")})
    assert "b2[1] must be a finite number" in lab.message.text
    assert lab.model.value_of("b2[1]") == 0.1  # nothing was written
    lab.slider.value = lab.slider.value + lab.slider.step
    assert lab.message.text == ""  # the next good update clears it
    bad = LossLab(parameter="W2[9,9]")
    assert bad.parameter == "W1[0,1]" and "showing W1[0,1] instead" in bad.message.text


def test_a_relu_kink_at_the_spirals_centre_is_explained():
    # the book's start: X = (0, 0) rows give z1 = b1 = 0, at the ReLU's kink. With b2 moved,
    # those rows' pulls on b1 no longer cancel, so the one-sided backward (ReLU'(0) = 0) and
    # the two-sided central difference disagree.
    lab = LossLab(BookModel(), parameter="b2[1]")
    lab.slider.value = lab.slider.max
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
    assert abs(pull) > 1e-5
    assert lab.numerical - lab.gradient["b1[0]"] == pytest.approx(pull / 2, rel=1e-3)
    assert "kink" in lab.message.text and "ReLU'(0) = 0" in lab.message.text
    # backward = central - pull / 2: the slope from below, where the centre rows' unit is off
    assert "ReLU'(0) = 0, the slope of the side where the unit is off" in lab.message.text


def test_a_unit_that_is_off_for_every_sample_passes_no_gradient():
    lab = LossLab(parameter="b1[2]")
    lab.slider.value = lab.slider.min  # b1[2] = 0.1 - 2: below -max(X W1[:, 2])
    X, y = small_batch()
    assert np.all(X @ lab.model.params["W1"].data[:, 2] + lab.slider.value < 0)
    lab.choose("W1[0,2]")
    assert lab.gradient["W1[0,2]"] == 0.0 and lab.numerical == 0.0
    assert "hidden unit 2 is off" in lab.message.text


def test_a_slider_at_its_end_says_so_and_reset_restores_the_start():
    model = BookModel(weight_scale=1, bias=0.1)
    start = params_of(model)
    lab = LossLab(model, parameter="b2[0]")
    lab.slider.value = lab.slider.min + 2 * STEPS * lab.slider.step  # as the page computes it
    assert "at the end of its range" in lab.message.text
    lab.reset_button.click()
    for name, data in start.items():
        assert np.array_equal(model.params[name].data, data)
    assert lab.slider.value == 0.1 and lab.message.text == ""


def test_update_with_a_point_writes_the_model_and_centres_the_slider_on_it():
    lab = LossLab()
    X, y = small_batch()
    lab.update({"W1[0,1]": 5.0, "b2[2]": -0.5})
    assert lab.model.value_of("W1[0,1]") == 5.0 and lab.model.value_of("b2[2]") == -0.5
    assert lab.slider.value == 5.0 and lab.slider.min < 5.0 < lab.slider.max
    assert lab.slider.min + lab.slider.max == pytest.approx(10.0)
    assert lab.value == pytest.approx(numpy_loss(params_of(lab.model), X, y), rel=1e-12)
    assert list(lab.figure.data[2].x) == [5.0]


def test_a_batch_that_does_not_fit_is_refused_at_construction():
    with pytest.raises(ValueError, match="shape"):
        LossLab(batch=(np.zeros((3, 5)), np.array([0, 1, 2])))
    with pytest.raises(TypeError, match="BookModel"):
        LossLab(model="a model")


def test_the_loss_and_its_partial_are_tagged_with_how_to_recompute_them():
    """The readout tags L and dL/d(entry) with the entries that differ from the recipe's start
    and the recipe (BookModel(**settings), small_batch()); rebuilt that way, numpy gives the
    values shown."""
    lab = LossLab(BookModel(weight_scale=1, bias=0.1), parameter="W1[0,1]")
    moved = lab.slider.min + 37 * lab.slider.step
    lab.slider.value = moved
    tags = tags_of(lab.readout.value)
    assert set(tags) == {"", "W1[0,1]"}
    X, y = small_batch()
    at, value, check = tags[""]
    assert at == {"W1[0,1]": moved}
    assert check == {"kind": "model", "model": {"weight_scale": 1.0, "bias": 0.1}, "batch": {}}
    params = rebuilt(check, at)
    assert value == pytest.approx(numpy_loss(params, X, y), rel=1e-12)
    assert tags["W1[0,1]"][1] == pytest.approx(numpy_partial(params, X, y, "W1", (0, 1)),
                                               rel=1e-6, abs=1e-9)
    lab.choose("W2[1,2]")  # W1[0,1] stays moved: the point names it too
    at = tags_of(lab.readout.value)[""][0]
    assert at == {"W1[0,1]": moved, "W2[1,2]": lab.model.value_of("W2[1,2]")}
    # a model from outside, moved before: the tags name every entry that differs from its
    # recipe, so the rebuilt model is the lab's
    outside = lively_lab()
    at, value, check = tags_of(outside.readout.value)[""]
    assert check["model"] == {"seed": 3} and len(at) == 27
    assert value == pytest.approx(numpy_loss(rebuilt(check, at), X, y), rel=1e-12)
    batch = small_batch(seed=4)
    assert "data-gradlab" not in LossLab(batch=batch).readout.value  # no recipe for the batch


# -- LossSurface --------------------------------------------------------------------------------


def test_the_surfaces_arrow_is_backwards_gradient_and_the_point_is_the_models():
    surface = LossSurface()
    X, y = small_batch()
    params = params_of(surface.model)
    ga = numpy_partial(params, X, y, "W1", (0, 1))
    gb = numpy_partial(params, X, y, "b2", (0, 2))
    assert surface.gradient["W1[0,1]"] == pytest.approx(ga, rel=1e-6)
    assert surface.gradient["b2[2]"] == pytest.approx(gb, rel=1e-6)
    assert surface.numerical["W1[0,1]"] == pytest.approx(ga, rel=1e-6)
    arrow = surface.figure.trace("arrow").data
    assert surface.scale == 1.0 and "drawn" not in arrow.name
    start = (params["W1"][0, 1], params["b2"][0, 2])
    assert list(arrow.x) == pytest.approx([start[0], start[0] + ga], rel=1e-6)
    assert list(arrow.y) == pytest.approx([start[1], start[1] + gb], rel=1e-6)
    assert list(surface.figure.trace("point").data.x) == [start[0]]
    assert surface.value == pytest.approx(numpy_loss(params, X, y), rel=1e-12)
    # the axes have one scale, so the arrow crosses the level curve at a right angle: along
    # the level curve's direction (-gb, ga) L does not change, to first order
    assert surface.figure.layout.yaxis.scaleanchor == "x"
    unit = np.array([-gb, ga]) / np.hypot(ga, gb)
    h = 1e-5
    along = [numpy_loss(with_entry(with_entry(params, "W1", (0, 1), start[0] + s * unit[0]),
                                   "b2", (0, 2), start[1] + s * unit[1]), X, y)
             for s in (h, -h)]
    assert abs(along[0] - along[1]) / (2 * h) < 1e-6 * np.hypot(ga, gb) + 1e-9


def test_the_surfaces_level_labels_name_the_loss_on_their_curves():
    surface = LossSurface()
    X, y = small_batch()
    params = params_of(surface.model)
    labels = surface.figure.trace("level values").data
    assert len(labels.text) >= 8
    spread = []
    for a, b, text in zip(labels.x, labels.y, labels.text, strict=True):
        loss = numpy_loss(with_entry(with_entry(params, "W1", (0, 1), a), "b2", (0, 2), b), X, y)
        spread.append(abs(loss - float(text.replace("−", "-"))))
    assert max(spread) < 2e-3  # a label rounds its level; the curve is the grid's interpolation


def test_step_moves_both_entries_against_their_partials_and_the_loss_drops():
    surface = LossSurface()
    X, y = small_batch()
    losses = [numpy_loss(params_of(surface.model), X, y)]
    for _ in range(5):
        params = params_of(surface.model)
        ga = numpy_partial(params, X, y, "W1", (0, 1))
        gb = numpy_partial(params, X, y, "b2", (0, 2))
        preview = list(surface.figure.trace("next step").data.x)  # where the dashed step ends
        surface.step_button.click()
        after = params_of(surface.model)
        assert after["W1"][0, 1] == pytest.approx(params["W1"][0, 1] - 1.0 * ga, rel=1e-6)
        assert after["b2"][0, 2] == pytest.approx(params["b2"][0, 2] - 1.0 * gb, rel=1e-6)
        assert preview[1] == pytest.approx(after["W1"][0, 1], rel=1e-12)
        for name in ("b1", "W2"):  # the rest held
            assert np.array_equal(after[name], params[name])
        losses.append(numpy_loss(after, X, y))
        assert surface.last.loss_after == pytest.approx(losses[-1], rel=1e-12)
    assert all(b < a for a, b in zip(losses, losses[1:], strict=False))
    assert "went down" in surface.readout.value
    trail = surface.figure.data[2]
    assert len(trail.x) == 6  # the start and five steps


def test_a_step_that_leaves_the_window_widens_it_and_keeps_the_trail():
    surface = LossSurface()
    surface.rate_slider.value = 10.0
    assert "leaves the window" in surface.message.text
    surface.step()
    a, b = surface.point
    ca, cb, half = surface.window
    assert abs(a - ca) <= half and abs(b - cb) <= half
    start = surface.trail[0]
    assert abs(start[0] - ca) <= half and abs(start[1] - cb) <= half and len(surface.trail) == 2
    assert surface.last.loss_after > surface.last.loss_before  # overshot the valley
    assert "went up" in surface.readout.value


def test_the_surface_resets_to_the_exact_start_and_changes_its_entries():
    model = BookModel(weight_scale=1, bias=0.1)
    start = params_of(model)
    surface = LossSurface(model, entries=("W2[2,1]", "b1[1]"))
    assert surface.figure.layout.xaxis.title.text == "W2[2,1]"
    surface.step()
    surface.step()
    surface.reset_button.click()
    for name, data in start.items():
        assert np.array_equal(model.params[name].data, data)
    assert surface.last is None and len(surface.trail) == 1
    surface.second.value = "W2[2,1]"  # the same entry twice: refused, nothing redrawn
    assert "two different entries" in surface.message.text
    assert surface.entries == ("W2[2,1]", "b1[1]")
    surface.second.value = "b2[0]"
    assert surface.entries == ("W2[2,1]", "b2[0]")
    assert surface.figure.layout.yaxis.title.text == "b2[0]"
    assert len(surface.figure.data) == 6
    with pytest.raises(ValueError, match="two different entries"):
        LossSurface(entries=("b2[0]", "b2[0]"))


def test_the_surfaces_readouts_are_tagged_for_the_browser_test():
    surface = LossSurface()
    surface.step()
    tags = tags_of(surface.readout.value)
    assert set(tags) == {"", "W1[0,1]", "b2[2]"}
    X, y = small_batch()
    for of, (at, value, check) in tags.items():
        assert set(at) == {"W1[0,1]", "b2[2]"}
        params = rebuilt(check, at)
        if of == "":
            assert value == pytest.approx(numpy_loss(params, X, y), rel=1e-12)
        else:
            name, index = BookModel().locate(of)
            assert value == pytest.approx(numpy_partial(params, X, y, name, index), rel=1e-6)
