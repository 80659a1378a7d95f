"""Explorer driven from Python: sliders, the numbers it shows, typing new (and invalid)
functions, and choosing the plotted pair for three variables."""

import html
import json
import re

import numpy as np
import plotly  # noqa: F401 - required: a missing one fails the tests
import pytest
import visible  # noqa: E402

from gradlab.views import Curve, Explorer, GradientField, Surface  # noqa: E402


def test_two_variables_get_surface_field_and_live_numbers():
    lab = Explorer("x^2*y")
    assert sorted(lab.sliders) == ["x", "y"]
    assert [type(p) for p in lab.plots] == [Surface, GradientField]
    lab.sliders["x"].value = 2.0
    lab.sliders["y"].value = 3.0
    # f = x^2 y = 12; df/dx = 2xy = 12, df/dy = x^2 = 4
    assert lab.value == pytest.approx(12.0)
    assert lab.gradient == pytest.approx({"x": 12.0, "y": 4.0})
    assert lab.plots[0].partials == pytest.approx((12.0, 4.0))
    arrow = lab.plots[1].figure.data[3]
    assert list(arrow.x) == pytest.approx([2.0, 14.0])
    assert list(arrow.y) == pytest.approx([3.0, 7.0])
    assert "[12, 4]" in plain(lab.readout.value)
    assert lab.table.gradient == pytest.approx({"x": 12.0, "y": 4.0})


def plain(markup: str) -> str:
    """The text a learner reads in a widget's HTML (tags dropped, entities decoded)."""
    return html.unescape(re.sub(r"<[^>]+>", "", markup))


def tags(markup: str) -> list[tuple[str, str, dict, float, str]]:
    """(expression, of, at, value, text) of each tagged number (the browser tests' convention)."""
    return [(tag["expression"], tag["of"], json.loads(tag["at"]), float(tag["value"]), text)
            for tag, text in visible.tags(markup)]


def test_every_number_shown_is_tagged_with_where_it_comes_from():
    """f = x^2 y at (2, 3): f = 12, df/dx = 2xy = 12, df/dy = x^2 = 4 (by hand); the readouts of
    the Explorer, its surface, its gradient field and its table carry these tags."""
    lab = Explorer("x^2*y")
    lab.sliders["x"].value = 2.0
    lab.sliders["y"].value = 3.0
    expected = {"": 12.0, "x": 12.0, "y": 4.0}
    point = {"x": 2.0, "y": 3.0}
    for markup in (lab.readout.value, lab.plots[0].readout.value, lab.plots[1].readout.value,
                   lab.table.table.value):
        found = tags(markup)
        assert found, markup
        for expression, of, at, value, text in found:
            assert (expression, at) == ("x^2*y", point)
            assert value == pytest.approx(expected[of])
            assert float(text) == pytest.approx(expected[of])
    assert {t[1] for t in tags(lab.readout.value)} == {"", "x", "y"}


def test_figures_are_updated_in_place():
    lab = Explorer("x^2*y")
    figures = list(lab.figures)
    counts = [len(f.data) for f in figures]
    for i in range(50):
        lab.sliders["x"].value = 0.1 * (i % 20) - 1.0
    assert all(a is b for a, b in zip(lab.figures, figures, strict=True))
    assert [len(f.data) for f in lab.figures] == counts


def test_one_variable_gets_a_curve():
    lab = Explorer("x^3", ranges={"x": (-2.0, 2.0)})
    assert [type(p) for p in lab.plots] == [Curve]
    assert (lab.sliders["x"].min, lab.sliders["x"].max) == (-2.0, 2.0)
    lab.sliders["x"].value = 1.5
    assert lab.gradient["x"] == pytest.approx(3 * 1.5**2)
    assert lab.plots[0].slope == pytest.approx(6.75)


def test_invalid_text_shows_the_parsers_message_and_keeps_the_function():
    lab = Explorer("x^2*y")
    lab.text_box.value = "x^2 +* y"
    assert "column" in lab.text_message.text and lab.text_message.kind == "error"
    assert lab.expression.text == "x^2*y"
    lab.sliders["x"].value = 1.0  # the old function still works
    lab.sliders["y"].value = 2.5
    assert lab.value == pytest.approx(2.5)


def test_a_new_valid_function_rebuilds_the_sliders_and_then_updates_in_place():
    lab = Explorer("x^2*y")
    lab.text_box.value = "x^2 +* y"
    lab.text_box.value = "sin(t) * 2"
    assert lab.text_message.text == ""
    assert sorted(lab.sliders) == ["t"]
    lab.sliders["t"].value = 0.5
    assert lab.value == pytest.approx(2 * np.sin(0.5))
    assert lab.gradient["t"] == pytest.approx(2 * np.cos(0.5))  # d(2 sin t)/dt = 2 cos t


def test_a_new_function_keeps_the_values_of_variables_it_shares():
    lab = Explorer("x^2*y")
    lab.sliders["x"].value = 2.0
    lab.text_box.value = "x + z"
    assert lab.sliders["x"].value == 2.0


def test_three_variables_choose_the_plotted_pair():
    lab = Explorer("x*y*z")
    assert [box.options for box in lab.pair_boxes] == [("x", "y", "z")] * 2
    assert lab.plots[0].pair == ("x", "y")
    lab.pair_boxes[1].value = "z"
    assert lab.plots[0].pair == ("x", "z") and lab.plots[1].pair == ("x", "z")
    for name, value in (("x", 1.0), ("y", 2.0), ("z", 3.0)):
        lab.sliders[name].value = value
    # f = xyz at (1, 2, 3): df/dx = yz = 6, df/dz = xy = 2
    assert lab.plots[0].partials == pytest.approx((6.0, 2.0))
    assert lab.gradient == pytest.approx({"x": 6.0, "y": 3.0, "z": 2.0})


def test_the_same_variable_twice_is_refused_with_a_message():
    lab = Explorer("x*y*z")
    lab.pair_boxes[1].value = "x"
    assert "two different variables" in lab.message.text
    assert lab.plots[0].pair == ("x", "y")


def test_undefined_value_is_reported():
    lab = Explorer("log(x) * y")
    lab.sliders["x"].value = -1.0
    assert np.isnan(lab.value)
    assert "undefined" in lab.message.text
    assert "log is undefined for x ≤ 0" in lab.plots[0].message.text


def test_a_constant_has_no_plots():
    lab = Explorer("2 + 3")
    assert lab.plots == [] and lab.sliders == {}
    assert lab.value == pytest.approx(5.0) and lab.gradient == {}
