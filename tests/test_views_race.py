"""OptimizerRace driven headlessly: the drawn paths are the hand-worked updates, sliders
recompute only what they change, Play ticks keep the trace counts fixed, divergence shows a
message, Reset goes back to step 0."""


import numpy as np
import plotly  # noqa: F401 - required: a missing one fails the tests
import pytest

from gradlab.views.figure import sent as sent_to_page  # noqa: E402
from gradlab.views.race import MAX_STEPS, NAMES, OptimizerRace  # noqa: E402


def trace_xy(trace):
    return np.asarray(trace.x, dtype=float), np.asarray(trace.y, dtype=float)


def test_first_sgd_step_on_the_valley_is_drawn_where_calculus_puts_it():
    race = OptimizerRace("valley")
    race.step()
    # f = 0.02x^2 + 2y^2 from (-3.5, 1.5), lr 0.45: x1 = -3.5 - 0.45 * 0.04 * (-3.5) = -3.437,
    # y1 = 1.5 - 0.45 * 4 * 1.5 = -1.2 (it overshoots across the valley: the zig-zag)
    x, y = trace_xy(race.map.trace("SGD").data)
    np.testing.assert_allclose(x, [-3.5, -3.437], atol=1e-12)
    np.testing.assert_allclose(y, [1.5, -1.2], atol=1e-12)
    loss_x, loss_y = trace_xy(race.curves.data[NAMES.index("SGD")])
    np.testing.assert_allclose(loss_y, [0.02 * 3.5**2 + 2 * 1.5**2, 0.02 * 3.437**2 + 2 * 1.44],
                               atol=1e-12)
    heads_x, heads_y = trace_xy(race.map.trace("heads").data)
    assert heads_x[NAMES.index("SGD")] == pytest.approx(-3.437)
    assert "step 1</b>" in race.readout.value


def test_a_learning_rate_slider_recomputes_its_own_path_only():
    race = OptimizerRace("valley", steps=3)
    adam_before = race.paths["Adam"].copy()
    race.rates["SGD"].value = 0.1
    # x1 = -3.5 + 0.1 * 0.14 = -3.486, y1 = 1.5 - 0.1 * 6 = 0.9
    np.testing.assert_allclose(race.paths["SGD"][1], [-3.486, 0.9], atol=1e-12)
    assert len(race.paths["SGD"]) == 4  # still showing step 3
    np.testing.assert_array_equal(race.paths["Adam"], adam_before)


def test_momentum_slider_changes_the_momentum_path():
    race = OptimizerRace("bowl", steps=2)
    race.momentum_slider.value = 0.0
    # momentum 0: plain SGD with lr 0.05 on the bowl, p <- 0.9 p
    np.testing.assert_allclose(race.paths["SGD + momentum"][2], [-1.5 * 0.81, 1.8 * 0.81],
                               atol=1e-12)


def test_play_ticks_keep_the_trace_counts_fixed():
    race = OptimizerRace("rosenbrock")
    counts = [len(race.map.data), len(race.curves.data)]
    for value in range(0, MAX_STEPS + 1, 25):
        race.play.value = value
    race.choose("saddle")
    race.play.value = 60
    race.choose("bowl")
    # the map: levels, their values, minimum, start, a path each, the heads
    assert [len(race.map.data), len(race.curves.data)] == counts == [4 + len(NAMES) + 1, 5]
    assert len(race.paths["SGD"]) == 1  # a new surface starts at step 0
    race.play.value = MAX_STEPS
    assert "race is over" in race.message.text


def test_a_diverging_optimizer_is_stopped_and_named_in_the_message():
    race = OptimizerRace("valley")
    race.rates["SGD"].value = 0.6  # y <- (1 - 2.4) y: |y| grows 1.4 times a step
    race.play.value = 20
    assert "SGD left the box" in race.message.text and race.message.kind == "warning"
    x, y = trace_xy(race.map.trace("SGD").data)
    assert np.all(np.abs(y) <= 50)
    assert len(y) == race.runners["SGD"].steps + 1
    # the others keep going
    assert len(race.paths["Adam"]) == 21


def test_reset_goes_back_to_the_start():
    race = OptimizerRace("bowl", steps=10)
    race.reset()
    assert race.play.value == 0
    for name in NAMES:
        np.testing.assert_array_equal(race.paths[name], [[-1.5, 1.8]])


def test_choosing_a_surface_draws_its_levels_and_sets_its_rates():
    race = OptimizerRace("valley")
    race.surface_choice.value = "rosenbrock"
    assert race.rates["SGD"].value == pytest.approx(0.001)
    # the level curves are Rosenbrock's f = (1 - x)^2 + 100 (y - x^2)^2 at round values of
    # log10(1 + f); the labels show f itself
    xs = np.asarray(race.map.data[0].x, dtype=float)
    ys = np.asarray(race.map.data[0].y, dtype=float)
    drawn = np.isfinite(xs)
    assert drawn.sum() > 200
    f = (1 - xs[drawn]) ** 2 + 100 * (ys[drawn] - xs[drawn] ** 2) ** 2
    labels = np.array([float(t.replace("−", "-").replace("×10^", "e"))
                       for t in race.map.data[1].text])
    levels = np.log10(1 + labels)  # round numbers: 0.2, 0.4, ...
    assert levels == pytest.approx(np.round(levels, 1), abs=0.01)
    error = np.abs(np.log10(1 + f)[:, None] - levels[None, :]).min(axis=1)
    # straight-line interpolation on the 80-point grid: tight almost everywhere, looser where
    # log10(1 + f) bends sharply across a cell (the valley's floor)
    assert np.median(error) < 0.01
    assert error.max() < 0.2
    label_x, label_y = np.asarray(race.map.data[1].x), np.asarray(race.map.data[1].y)
    label_f = (1 - label_x) ** 2 + 100 * (label_y - label_x ** 2) ** 2
    assert label_f == pytest.approx(labels, rel=0.05, abs=0.05)
    assert race.curves.layout.yaxis.type == "log"
    race.surface_choice.value = "saddle"
    assert race.curves.layout.yaxis.type == "linear"  # f falls below 0 there


def test_an_unknown_surface_shows_a_message_and_the_valley():
    race = OptimizerRace("banana")
    assert race.surface.name == "valley"
    assert "no surface 'banana'" in race.message.text
    assert repr(race).startswith("OptimizerRace")


def test_each_final_f_is_tagged_with_the_race_that_recomputes_it():
    """After one step SGD's f is 0.02 * 3.437^2 + 2 * 1.2^2 (by hand); its tag names the race
    and reads the settings from the point, keyed by the sliders' labels."""
    import html
    import json
    import re

    race = OptimizerRace("valley")
    race.step()
    found = [(json.loads(html.unescape(at)), float(v), json.loads(html.unescape(c)))
             for at, v, c in re.findall(r'data-gradlab-at="([^"]*)" data-gradlab-value="([^"]*)" '
                                        r'data-gradlab-check="([^"]*)"', race.readout.value)]
    assert len(found) == len(NAMES)
    at, value, check = next(t for t in found if t[2]["optimizer"] == "SGD")
    assert value == pytest.approx(0.02 * 3.437**2 + 2 * 1.2**2, rel=1e-12)
    assert check == {"kind": "race", "surface": "valley", "optimizer": "SGD", "steps": 1,
                     "settings": {"lr": "learning rate, SGD",
                                  "decay": "learning-rate decay (all)"}}
    assert at == {"learning rate, SGD": 0.45, "learning-rate decay (all)": 0.0}
    race.rates["SGD"].value = 0.3
    assert "&quot;learning rate, SGD&quot;: 0.3" in race.readout.value


def test_paths_reach_the_browser_as_contiguous_buffers():
    """A column of the points array is not contiguous; the widget's comm refuses such a buffer
    (seen in JupyterLab as 'Buffer 0 ... is not contiguous'), so what is sent must be."""
    race = OptimizerRace("valley")
    messages = sent_to_page(race.map, ("restyle", "animate"))
    race.step()
    sent = [data for kind, message in messages
            for data in ([message["restyle_data"]] if kind == "restyle"
                         else message["styles_data"])]
    assert sent
    arrays = [value for data in sent for values in data.values()
              for value in (values if isinstance(values, list) else [values])
              if isinstance(value, np.ndarray)]
    assert arrays and all(value.flags["C_CONTIGUOUS"] for value in arrays)


def test_a_learning_rate_redraws_only_its_path_and_the_heads():
    race = OptimizerRace("valley", steps=10)
    messages = sent_to_page(race.map, ("animate",))
    sent = []
    before = {name: race.paths[name].copy() for name in NAMES}
    slider = race.rates["RMSProp"]
    values = [value for _, value in slider.options]
    slider.value = values[values.index(slider.value) - 1]
    sent = [race.map.names_at(message["trace_indexes"]) for _, message in messages]
    assert sent == [["RMSProp", "heads"]]
    for name in NAMES:  # the others' paths are the ones drawn before, and still shown
        if name != "RMSProp":
            np.testing.assert_array_equal(race.paths[name], before[name])
            x, _ = trace_xy(race.map.trace(name).data)
            np.testing.assert_array_equal(x, before[name][:, 0])
    assert not np.array_equal(race.paths["RMSProp"], before["RMSProp"])
    race.step()  # a step moves every path
    assert race.map.names_at(messages[-1][1]["trace_indexes"]) == [*NAMES, "heads"]


def test_past_step_20_the_loss_plot_widens_in_one_redraw():
    race = OptimizerRace("valley", steps=20)
    messages = sent_to_page(race.curves, ("update", "restyle"))
    race.step()
    updates = [message for kind, message in messages if kind == "update"]
    restyles = [message for kind, message in messages if kind == "restyle"]
    (message,) = updates
    assert not restyles
    assert message["relayout_data"] == {"xaxis.range": [0, 21]}
    assert [len(x) for x in message["restyle_data"]["x"]] == [22] * len(NAMES)
    assert list(race.curves.layout.xaxis.range) == [0, 21]
