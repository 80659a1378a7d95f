"""The plotting blocks driven headlessly: set sliders, then check the traces and the numbers
shown against derivatives worked by hand (and against the core)."""

import gc
import re
import sys

import numpy as np
import plotly  # noqa: F401 - required: a missing one fails the tests
import pytest

import gradlab as gl  # noqa: E402
from gradlab.views import Curve, GradientField, Surface  # noqa: E402
from gradlab.views._common import Message, fmt, guarded  # noqa: E402
from gradlab.views.field import ARROWS  # noqa: E402
from gradlab.views.figure import sent as sent_to_page  # noqa: E402
from gradlab.views.figure import spy  # noqa: E402


def slope_of(trace) -> float:
    """The slope of a 2-point line trace: rise over run."""
    x, y = np.asarray(trace.x, dtype=float), np.asarray(trace.y, dtype=float)
    return (y[-1] - y[0]) / (x[-1] - x[0])


# -- Curve --------------------------------------------------------------------------------------


@pytest.mark.parametrize("x", [-2.5, -1.0, 0.5, 2.0])
def test_tangent_slope_of_x_squared_is_2x_and_the_cores(x):
    curve = Curve("x^2")
    curve.sliders["x"].value = x
    tangent = curve.figure.data[1]
    assert slope_of(tangent) == pytest.approx(2 * x)  # by hand: d(x^2)/dx = 2x
    assert slope_of(tangent) == pytest.approx(gl.parse("x^2").gradient(x=x)["x"])
    # the tangent touches the curve at the point
    assert np.interp(x, tangent.x, tangent.y) == pytest.approx(x * x)
    assert list(curve.figure.data[4].x) == [x] and list(curve.figure.data[4].y) == [x * x]
    assert fmt(2 * x) in curve.readout.value
    assert tangent.name == "tangent"  # the legend stays put: a move redraws only the lines


def test_curve_samples_f_over_the_sliders_range():
    curve = Curve("x^2", ranges={"x": (-2.0, 4.0)})
    xs, ys = np.asarray(curve.figure.data[0].x), np.asarray(curve.figure.data[0].y)
    assert xs[0] == -2.0 and xs[-1] == 4.0
    assert ys == pytest.approx(xs**2)


def test_secant_slope_is_the_forward_difference_and_approaches_the_tangent():
    curve = Curve("x^2")
    curve.sliders["x"].value = 2.0
    curve.h_slider.value = 0.5
    # ((x + h)^2 - x^2) / h = 2x + h = 4.5
    assert curve.secant_slope == pytest.approx(4.5)
    assert slope_of(curve.figure.data[2]) == pytest.approx(4.5)
    assert list(curve.figure.data[3].x) == pytest.approx([2.0, 2.5])
    assert list(curve.figure.data[3].y) == pytest.approx([4.0, 6.25])
    shown = re.sub("<[^>]+>", "", curve.readout.value)
    assert "= 4.5 for h = 0.5" in shown
    curve.h_slider.value = 0.001
    assert curve.secant_slope == pytest.approx(4.001)
    assert abs(curve.secant_slope - curve.slope) < 0.0011


def test_curve_of_one_variable_of_several_holds_the_others():
    # f = x^2 y with y = 3: df/dx = 2xy = 12 at x = 2
    curve = Curve("x^2*y", variable="x")
    curve.sliders["y"].value = 3.0
    curve.sliders["x"].value = 2.0
    assert slope_of(curve.figure.data[1]) == pytest.approx(12.0)
    assert np.asarray(curve.figure.data[0].y)[-1] == pytest.approx(3.0**2 * 3.0)


def test_log_at_a_negative_x_says_why_and_hides_the_tangent():
    curve = Curve("log(x)")
    curve.sliders["x"].value = -1.0
    assert "log is undefined for x ≤ 0" in curve.message.text
    assert curve.message.kind == "warning"
    assert np.isnan(np.asarray(curve.figure.data[1].y, dtype=float)).all()
    assert np.isnan(np.asarray(curve.figure.data[4].y, dtype=float)).all()


def test_log_curve_has_a_gap_left_of_zero_and_says_so():
    curve = Curve("log(x)")
    curve.sliders["x"].value = 1.0
    xs = np.asarray(curve.figure.data[0].x)
    ys = np.asarray(curve.figure.data[0].y, dtype=float)
    assert np.isnan(ys[xs <= 0]).all() and np.isfinite(ys[xs > 0]).all()
    assert "gap" in curve.message.text and curve.message.kind == "info"
    assert slope_of(curve.figure.data[1]) == pytest.approx(1.0)  # d log x / dx = 1/x


def test_one_over_x_at_zero_is_a_division_by_zero():
    curve = Curve("1/x")
    curve.sliders["x"].value = 0.0
    assert "division by zero" in curve.message.text


def test_exp_overflow_is_named():
    curve = Curve("exp(x)", ranges={"x": (-1000.0, 1000.0)})
    curve.sliders["x"].value = 800.0
    assert "exp overflows" in curve.message.text
    ys = np.asarray(curve.figure.data[0].y, dtype=float)
    assert np.isnan(ys[-1]) and np.isfinite(ys[0])  # e^1000 is a gap, e^-1000 is not


def test_infinite_derivative_hides_the_tangent():
    curve = Curve("sqrt(x)")  # d sqrt(x)/dx = 1 / (2 sqrt(x)) is infinite at 0
    curve.sliders["x"].value = 0.0
    assert "derivative" in curve.message.text
    assert np.isnan(np.asarray(curve.figure.data[1].y, dtype=float)).all()


def test_slider_at_the_end_of_its_range_gets_an_info_message():
    curve = Curve("x^2")
    curve.sliders["x"].value = 3.0
    assert curve.message.text.startswith("x is at the end of its range")
    curve.sliders["x"].value = 1.0
    assert curve.message.text == ""


def test_an_exception_inside_a_callback_is_shown_not_raised(monkeypatch):
    curve = Curve("x^2")

    def broken(**values):
        raise RuntimeError("boom")

    monkeypatch.setattr(curve.expression, "gradient", broken)
    curve.sliders["x"].value = 2.0  # would raise without the guard
    assert curve.message.text == "Could not update: RuntimeError: boom"
    assert curve.message.kind == "error"


def test_guarded_keeps_the_traceback_out_and_returns_none():
    class View:
        message = Message()

        @guarded
        def handler(self):
            raise ZeroDivisionError("no")

    assert View().handler() is None
    assert View.message.text == "Could not update: ZeroDivisionError: no"


def test_shared_sliders_are_not_observed_by_the_block():
    owner = Curve("x^2")
    curve = Curve("x^3", sliders=owner.sliders)
    owner.sliders["x"].value = 2.0
    assert curve.slope != pytest.approx(12.0)  # the owner has not called update yet
    curve.update()
    assert curve.slope == pytest.approx(12.0)  # 3x^2
    curve.update({"x": 1.0})
    assert curve.slope == pytest.approx(3.0)


# -- Surface ------------------------------------------------------------------------------------


def test_surface_slices_tangents_have_the_partials_of_x2y():
    # f = x^2 y at (1, 2): df/dx = 2xy = 4, df/dy = x^2 = 1
    surface = Surface("x^2*y")
    surface.sliders["x"].value = 1.0
    surface.sliders["y"].value = 2.0
    along_x, along_y = surface.figure.data[3], surface.figure.data[4]
    assert np.ptp(along_x.y) == 0 and np.ptp(along_y.x) == 0  # each in its slice's plane
    assert (along_x.z[1] - along_x.z[0]) / (along_x.x[1] - along_x.x[0]) == pytest.approx(4.0)
    assert (along_y.z[1] - along_y.z[0]) / (along_y.y[1] - along_y.y[0]) == pytest.approx(1.0)
    core = gl.parse("x^2*y").gradient(x=1.0, y=2.0)
    assert surface.partials == pytest.approx((core["x"], core["y"]))
    assert "∂f/∂x = 4" in along_x.name and "∂f/∂y = 1" in along_y.name
    slice_x = surface.figure.data[1]  # y held at 2: z = 2 x^2
    assert set(slice_x.y) == {2.0}
    assert np.asarray(slice_x.z) == pytest.approx(2 * np.asarray(slice_x.x) ** 2)
    assert list(surface.figure.data[5].z) == [2.0]


def test_surface_grid_is_computed_once_while_the_point_moves():
    surface = Surface("x^2*y")
    before = surface.figure.data[0].z
    surface.sliders["x"].value = 0.3
    assert surface.figure.data[0].z is before
    xs, ys, z = (np.asarray(a) for a in (surface.figure.data[0].x, surface.figure.data[0].y,
                                         surface.figure.data[0].z))
    assert z[5, 7] == pytest.approx(xs[7] ** 2 * ys[5])


def test_tangent_plane_passes_through_the_point_with_the_partials():
    surface = Surface("x^2*y", plane=True)
    surface.sliders["x"].value = 1.0
    surface.sliders["y"].value = 2.0
    xs, ys = np.asarray(surface.figure.data[6].x), np.asarray(surface.figure.data[6].y)
    z = np.asarray(surface.figure.data[6].z)
    # z = 2 + 4 (x - 1) + 1 (y - 2) at every corner
    for i in range(2):
        for j in range(2):
            assert z[i, j] == pytest.approx(2 + 4 * (xs[j] - 1) + (ys[i] - 2))


def test_surface_of_three_variables_plots_the_chosen_pair():
    # f = x y z at (1, 2, 3) plotted against (x, z): df/dx = yz = 6, df/dz = xy = 2
    surface = Surface("x*y*z", variables=("x", "z"))
    for name, value in (("x", 1.0), ("y", 2.0), ("z", 3.0)):
        surface.sliders[name].value = value
    assert surface.partials == pytest.approx((6.0, 2.0))


# -- Gradient field -----------------------------------------------------------------------------


def test_gradient_arrow_of_a_bowl_is_the_gradient():
    # f = x^2 + y^2 at (1, 2): gradient [2x, 2y] = [2, 4]
    field = GradientField("x^2 + y^2")
    field.sliders["x"].value = 1.0
    field.sliders["y"].value = 2.0
    arrow = field.figure.data[3]
    assert list(arrow.x) == pytest.approx([1.0, 3.0])
    assert list(arrow.y) == pytest.approx([2.0, 6.0])
    core = gl.parse("x^2 + y^2").gradient(x=1.0, y=2.0)
    assert field.gradient == pytest.approx((core["x"], core["y"]))
    assert "[2, 4]" in re.sub("<[^>]+>", "", field.readout.value)  # the text a learner reads


def test_descent_first_step_is_point_minus_rate_times_gradient():
    field = GradientField("x^2 + y^2", descent=True, learning_rate=0.1)
    field.sliders["x"].value = 1.0
    field.sliders["y"].value = 2.0
    path = field.figure.data[2]
    # (1, 2) - 0.1 [2, 4] = (0.8, 1.6); then (0.64, 1.28)
    assert (path.x[0], path.y[0]) == pytest.approx((1.0, 2.0))
    assert (path.x[1], path.y[1]) == pytest.approx((0.8, 1.6))
    assert (path.x[2], path.y[2]) == pytest.approx((0.64, 1.28))
    assert field.figure.data[2].visible is True


def test_descent_with_too_large_a_rate_reports_divergence():
    field = GradientField("x^2 + y^2", descent=True, learning_rate=3.0)
    field.sliders["x"].value = 1.0  # each step multiplies p by 1 - 2*3 = -5
    assert "diverged" in field.message.text
    assert len(field.figure.data[2].x) < 21


def test_arrows_over_the_plane_point_along_the_gradient():
    field = GradientField("x^2 + y^2", arrows=True)
    # drawn as one SVG path shape "M x,y L x,y M ...": per arrow its shaft (tail to tip), then
    # the head's two barbs (tip to left, tip to right)
    assert field.figure.layout.shapes[ARROWS].visible is True
    path = field.figure.layout.shapes[ARROWS].path
    pieces = np.array([[[float(t) for t in p.split(",")] for p in piece.split("L")]
                       for piece in path.split("M")[1:]])
    assert pieces.shape[1:] == (2, 2) and len(pieces) % 3 == 0
    shafts = pieces[0::3]
    start, step = shafts[:, 0], shafts[:, 1] - shafts[:, 0]
    moving = np.linalg.norm(step, axis=1) > 0
    assert moving.sum() > 100
    # the gradient [2x, 2y] points straight away from the origin: step parallel to start
    # (up to the path's 6 significant digits)
    cross = start[moving, 0] * step[moving, 1] - start[moving, 1] * step[moving, 0]
    assert cross == pytest.approx(0.0, abs=5e-5)
    assert (np.einsum("ij,ij->i", start[moving], step[moving]) > 0).all()
    field.arrows_box.value = False
    assert field.figure.layout.shapes[ARROWS].visible is False


def test_level_curves_hold_f_on_the_grid():
    # f = x*y: every drawn point of the level curves lies on a hyperbola x*y = c for one of
    # the labelled levels c, and both signs of c are drawn (f spans -9..9 on [-3, 3]^2)
    field = GradientField("x*y")
    x = np.asarray(field.figure.data[0].x, dtype=float)
    y = np.asarray(field.figure.data[0].y, dtype=float)
    values = field.figure.trace("level values").data
    levels = np.array([float(t.replace("−", "-")) for t in values.text])
    assert levels.min() < 0 < levels.max()
    drawn = np.isfinite(x)
    assert drawn.sum() > 200
    # linear interpolation on the 60-point grid (step 6/59) errs by at most ~h^2/4 in x*y
    error = np.abs((x * y)[drawn][:, None] - levels[None, :]).min(axis=1)
    assert error.max() < 0.01
    # each label sits on its own level
    labels = np.asarray(values.x) * np.asarray(values.y)
    assert labels == pytest.approx(levels, abs=0.01)


def test_gradient_undefined_message_for_log():
    field = GradientField("log(x) + y")
    field.sliders["x"].value = -1.0
    assert "log is undefined for x ≤ 0" in field.message.text
    assert np.isnan(np.asarray(field.figure.data[3].x, dtype=float)).all()


# -- every block: fixed traces, flat memory ------------------------------------------------------


@pytest.mark.parametrize("make", [lambda: Curve("x^2"), lambda: Surface("x^2*y", plane=True),
                                  lambda: GradientField("x^2+y^2", arrows=True, descent=True)])
def test_trace_count_is_fixed_after_many_updates(make):
    view = make()
    count = len(view.figure.data)
    figure = view.figure
    slider = view.sliders["x"]
    for i in range(200):
        slider.value = -2.0 + (i % 40) * 0.1
    assert len(view.figure.data) == count and view.figure is figure


def test_memory_stays_flat_over_2000_slider_changes():
    # allocated blocks, not tracemalloc (which makes each change ~10x slower): any object kept
    # per change (a growing list, a cache per value) would add >= 2000 blocks
    curve = Curve("x^2*exp(-x)")
    slider = curve.sliders["x"]
    for i in range(200):  # warm caches first
        slider.value = 0.5 if i % 2 else 0.7
    gc.collect()
    before = sys.getallocatedblocks()
    for i in range(2000):
        slider.value = 0.5 if i % 2 else 0.7
    gc.collect()
    assert sys.getallocatedblocks() - before < 1000
    assert len(curve.figure.data) == 5


# -- move: points redrawn without redrawing the plot ---------------------------------------------


def test_move_updates_the_figure_and_asks_the_browser_for_no_redraw():
    curve = Curve("x^2")
    sent = []
    spy(curve.figure, lambda kind, message: sent.append(message), ("animate",))
    curve.sliders["x"].value = 2.0
    assert len(sent) == 1
    (message,) = sent
    assert message["animation_opts"]["frame"] == {"duration": 0, "redraw": False}
    assert message["animation_opts"]["transition"] == {"duration": 0}
    assert curve.figure.names_at(message["trace_indexes"]) == [
        "tangent", "point", "secant", "secant points"]
    # what was sent is what the Python figure now holds (a late page draws the same)
    for index, style in zip(message["trace_indexes"], message["styles_data"], strict=True):
        assert list(curve.figure.data[index].x) == list(style["x"])
    assert list(curve.figure.trace("point").data.y) == [4.0]
    curve.update()  # nothing changed: nothing is sent
    assert len(sent) == 1


def test_move_refuses_traces_that_change_different_properties():
    curve = Curve("x^2")
    with pytest.raises(ValueError, match="same properties"):
        curve.figure.move({"tangent": {"x": np.zeros(2), "y": np.zeros(2)},
                           "point": {"x": np.zeros(1)}})


def test_move_swaps_a_layout_picture_without_a_relayout():
    curve = Curve("x^2")
    figure = curve.figure
    figure.add_layout_image(source="data:image/png;base64,AAAA", x=0, y=1, sizex=1, sizey=1)
    messages = sent_to_page(figure, ("animate", "relayout"))
    figure.move({}, layout={"images[0].source": "data:image/png;base64,BBBB"})
    sent = [message for kind, message in messages if kind == "animate"]
    relaid = [message for kind, message in messages if kind == "relayout"]
    assert figure.layout.images[0].source == "data:image/png;base64,BBBB"
    assert not relaid  # plotly's relayout message would replot the whole figure
    (message,) = sent
    assert message["relayout_data"] == {"images[0].source": "data:image/png;base64,BBBB"}
    assert message["styles_data"] == [] and message["trace_indexes"] == []
    assert message["animation_opts"]["frame"] == {"duration": 0, "redraw": False}
    figure.move({}, layout={"images[0].source": "data:image/png;base64,BBBB"})
    assert len(messages) == 1  # the same picture again: nothing is sent


def test_move_refuses_layout_changes_a_still_frame_would_not_draw():
    curve = Curve("x^2")
    for path in ("xaxis.range", "images[0].x", "title.text"):
        with pytest.raises(ValueError, match="images"):
            curve.figure.move({}, layout={path: 1})


def test_replot_sends_points_and_axes_in_one_update():
    curve = Curve("x^2")
    sent = sent_to_page(curve.figure, ("update",))
    x = np.linspace(0, 1, 5)[::2]  # not contiguous: replot makes it so
    curve.figure.replot({"function": {"x": x, "y": x ** 2}}, {"xaxis.range": [0, 1]})
    ((_, message),) = sent
    style, layout = message["restyle_data"], message["relayout_data"]
    indexes = message["trace_indexes"]
    assert list(style) == ["x", "y"] and list(style["x"][0]) == [0.0, 0.5, 1.0]
    assert style["x"][0].flags["C_CONTIGUOUS"]
    assert layout == {"xaxis.range": [0, 1]} and indexes == [0]
    assert list(curve.figure.layout.xaxis.range) == [0, 1]
    assert list(curve.figure.trace("function").data.y) == [0.0, 0.25, 1.0]
