"""TrainingLab driven headlessly: Play ticks train and redraw, the regions are the model's argmax
worked in numpy from its weights, Reset restores the starting weights, trace counts stay fixed,
bad settings show messages."""

import base64
import math
import struct
import zlib

import numpy as np
import plotly  # noqa: F401 - required: a missing one fails the tests
import pytest

from gradlab.model import BookModel  # noqa: E402
from gradlab.trainer import Trainer  # noqa: E402
from gradlab.views.figure import sent as sent_to_page  # noqa: E402
from gradlab.views.figure import spy  # noqa: E402
from gradlab.views.training_lab import (  # noqa: E402
    CLASS_COLOURS,
    CLASS_TINTS,
    EPOCHS_PER_TICK,
    EXTENT,
    GRID,
    TrainingLab,
)


def numpy_classes(params, points):
    a1 = np.maximum(points @ params["W1"] + params["b1"], 0.0)
    return np.argmax(a1 @ params["W2"] + params["b2"], axis=1)


@pytest.fixture(scope="module")
def trained():
    lab = TrainingLab()
    lab.play.value = 10  # ten ticks: 100 epochs
    return lab


def test_ticks_train_and_the_loss_curve_falls(trained):
    history = trained.trainer.history
    assert trained.trainer.epochs == 10 * EPOCHS_PER_TICK == len(history)
    loss = np.asarray(trained.curve_figure.data[0].y, dtype=float)
    assert loss[0] == pytest.approx(math.log(3), abs=1e-3)
    assert loss[-1] < loss[0] - 0.2
    np.testing.assert_allclose(loss, history.loss)
    assert f"epoch {10 * EPOCHS_PER_TICK}</b>" in trained.progress.value
    norms = np.asarray(trained.norm_figure.data[0].y, dtype=float)
    np.testing.assert_allclose(norms, history.grad_norm["dense 1"])


def picture_pixels(source: str) -> tuple[np.ndarray, list[str]]:
    """The palette indexes and palette of a data:image/png URI (8-bit palette, no filter),
    decoded here with zlib and struct, not with the lab's encoder."""
    data = base64.b64decode(source.removeprefix("data:image/png;base64,"))
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    chunks, at = {}, 8
    while at < len(data):
        (length,) = struct.unpack(">I", data[at:at + 4])
        kind, body = data[at + 4:at + 8], data[at + 8:at + 8 + length]
        assert struct.unpack(">I", data[at + 8 + length:at + 12 + length])[0] == \
            zlib.crc32(kind + body) & 0xFFFFFFFF
        chunks[kind] = chunks.get(kind, b"") + body
        at += 12 + length
    width, height, depth, colour_type = struct.unpack(">IIBB", chunks[b"IHDR"][:10])
    assert (depth, colour_type) == (8, 3)
    rows = np.frombuffer(zlib.decompress(chunks[b"IDAT"]), dtype=np.uint8)
    rows = rows.reshape(height, width + 1)
    assert not rows[:, 0].any()  # filter "none" on every row
    palette = chunks[b"PLTE"]
    colours = ["#" + palette[i:i + 3].hex() for i in range(0, len(palette), 3)]
    return rows[:, 1:], colours


def test_decision_regions_are_numpys_argmax_from_the_weights(trained):
    params = {name: p.data for name, p in trained.trainer.model.params.items()}
    (picture,) = trained.region_figure.layout.images
    pixels, colours = picture_pixels(picture.source)
    # the palette: each class's tint (regions), its colour (points), white (outlines)
    assert colours == [c.lower() for c in (*CLASS_TINTS[:3], *CLASS_COLOURS[:3], "#ffffff")]
    # the picture spans the grid with each grid point at the centre of its cell
    axis = np.linspace(-EXTENT, EXTENT, GRID)
    cell = axis[1] - axis[0]
    assert picture.x == pytest.approx(-EXTENT - cell / 2)
    assert picture.y == pytest.approx(EXTENT + cell / 2)
    assert picture.sizex == picture.sizey == pytest.approx(2 * EXTENT + cell)
    assert pixels.shape[0] == pixels.shape[1] and pixels.shape[0] % GRID == 0
    size = pixels.shape[0] // GRID
    # every cell's centre pixel (the top row of the picture is the highest x2) ...
    rows, columns = np.meshgrid(np.arange(GRID), np.arange(GRID), indexing="ij")
    shown = pixels[(GRID - 1 - rows) * size + size // 2, columns * size + size // 2]
    points = np.column_stack([axis[columns.ravel()], axis[rows.ravel()]])
    expected = numpy_classes(params, points).reshape(GRID, GRID)
    # ... shows numpy's class there, unless a data point is drawn over it
    region = shown < 3
    assert region.mean() > 0.7
    np.testing.assert_array_equal(shown[region], expected[region])
    assert len(set(shown[region])) >= 2  # after 100 epochs it no longer says one class


def test_the_data_points_are_drawn_in_their_class_colour(trained):
    (picture,) = trained.region_figure.layout.images
    pixels, _ = picture_pixels(picture.source)
    X, y = trained.trainer.X, trained.trainer.y
    side = pixels.shape[0]
    columns = np.floor((X[:, 0] - picture.x) / picture.sizex * side).astype(int)
    rows = np.floor((picture.y - X[:, 1]) / picture.sizey * side).astype(int)
    at = pixels[rows, columns]
    assert np.all(at >= 3)  # a point (its colour or its white outline), never a region's tint
    # its own class's colour, unless a point drawn later overlaps it (the spiral's centre)
    assert np.mean(at - 3 == y) > 0.8


def test_reset_restores_the_starting_weights():
    lab = TrainingLab(epochs=30)
    lab.reset()
    book = BookModel(2, 64, 3, seed=0)
    for name, param in lab.trainer.model.params.items():
        np.testing.assert_array_equal(param.data, book.params[name].data)
    assert lab.play.value == 0 and lab.trainer.epochs == 0
    assert list(lab.curve_figure.data[0].x) == [0.0]  # only the start, epoch 0, again


def test_trace_counts_stay_fixed_over_many_ticks():
    lab = TrainingLab()
    counts = [len(f.data) for f in lab.figures]
    for value in range(1, 31):
        lab.play.value = value
    lab.step()
    assert lab.trainer.epochs == 31 * EPOCHS_PER_TICK
    lab.optimizer_choice.value = "RMSProp"
    lab.play.value = 3
    assert [len(f.data) for f in lab.figures] == counts == [3, 2, 2]  # 3 classes' legends
    assert len(lab.region_figure.layout.images) == 1  # one picture, replaced each time


def test_a_new_picture_of_the_regions_is_sent_as_a_still_frame():
    lab = TrainingLab()
    lab.step()
    messages = sent_to_page(lab.region_figure, ("animate", "relayout"))
    lab.rate_slider.value = lab.rate_slider.options[0][1]  # starts over: the start's regions
    ((kind, message),) = messages
    assert kind == "animate", "a relayout replots"
    (picture,) = lab.region_figure.layout.images
    assert message["relayout_data"] == {"images[0].source": picture.source}
    assert message["animation_opts"]["frame"]["redraw"] is False


def test_choosing_an_optimizer_takes_the_books_settings_and_starts_over():
    lab = TrainingLab(epochs=20)
    lab.optimizer_choice.value = "RMSProp"
    assert lab.rate_slider.value == pytest.approx(0.02)
    assert lab.decay_slider.value == 1e-5
    assert lab.trainer.epochs == 0 and lab.play.value == 0
    assert "starts over" in lab.message.text
    assert lab.momentum_slider.disabled
    lab.optimizer_choice.value = "SGD + momentum"
    assert not lab.momentum_slider.disabled
    lab.momentum_slider.value = 0.5
    assert lab.trainer.optimizer.momentum == 0.5


def test_bad_settings_show_messages_and_keep_the_previous_ones():
    lab = TrainingLab()
    lab.configure(lr=-1.0)
    assert "lr must be > 0" in lab.message.text and lab.message.kind == "error"
    assert lab.trainer.settings["lr"] == 0.05
    lab.configure("newton")
    assert "no optimizer 'newton'" in lab.message.text


def test_an_overflowing_run_stops_play_and_says_why():
    lab = TrainingLab("sgd", lr=1e300, decay=0.0)
    lab.play.value = 2
    assert "training stopped at epoch" in lab.message.text
    assert lab.message.kind == "warning"
    assert lab.play.playing is False


def test_the_loss_is_tagged_with_the_training_that_recomputes_it():
    """At epoch 0 only the learning rate is shown (Adam's 0.05); after a tick the last loss,
    whose tag names the optimizer, the epochs and the settings read from the point."""
    import html
    import json
    import re

    def tags(lab):
        return {of: (json.loads(html.unescape(at)), float(v), json.loads(html.unescape(c)))
                for of, at, v, c in re.findall(
                    r'data-gradlab-of="([^"]*)" data-gradlab-at="([^"]*)" '
                    r'data-gradlab-value="([^"]*)" data-gradlab-check="([^"]*)"',
                    lab.progress.value)}

    lab = TrainingLab()
    assert set(tags(lab)) == {"lr"} and tags(lab)["lr"][1] == 0.05
    lab.step()
    at, value, check = tags(lab)[""]
    assert at == {"learning rate": 0.05, "learning-rate decay": 5e-7}
    assert check == {"kind": "training", "trainer": {}, "optimizer": "Adam",
                     "epochs": EPOCHS_PER_TICK,
                     "settings": {"lr": "learning rate", "decay": "learning-rate decay"}}
    assert value == lab.trainer.history.loss[-1]


def test_at_epoch_0_the_curves_show_the_start_without_training():
    """Before any update the loss plot shows epoch 0's loss, ~ln 3 (weights of size 0.01 give
    near-uniform softmax), and the trainer's weights have not moved."""
    lab = TrainingLab()
    assert list(lab.curve_figure.data[0].x) == [0.0]
    assert lab.curve_figure.data[0].y[0] == pytest.approx(math.log(3), abs=1e-3)
    assert len(lab.norm_figure.data[0].y) == 1 and lab.norm_figure.data[0].y[0] > 0
    assert lab.trainer.epochs == 0 and len(lab.trainer.history) == 0
    for name, start in lab.trainer.start.items():
        np.testing.assert_array_equal(lab.trainer.model.params[name].data, start)


def test_the_picture_encoder_refuses_what_it_cannot_draw():
    from gradlab.views._png import palette_png

    with pytest.raises(ValueError, match="palette indexes"):
        palette_png(np.array([[0, 3]]), ["#000000", "#ffffff"])
    with pytest.raises(ValueError, match="2-D"):
        palette_png(np.zeros(4, dtype=int), ["#000000"])
    pixels, colours = picture_pixels("data:image/png;base64," + base64.b64encode(
        palette_png(np.array([[1, 0, 1]]), ["#102030", "#a0b0c0"])).decode())
    assert pixels.tolist() == [[1, 0, 1]] and colours == ["#102030", "#a0b0c0"]


def test_epoch_0_after_new_settings_shows_the_start_measured_afresh():
    lab = TrainingLab("adam", epochs=20)
    lab.configure(lr=0.02)
    lab.step()
    lab.configure(lr=0.01)  # epoch 0 a second time: the start is not worked out again
    assert lab.trainer.epochs == 0
    fresh = Trainer("adam", lr=0.01)
    fresh.step(1)  # row 0: measured at the starting weights, before the first update
    assert list(lab.curve_figure.data[0].y) == [fresh.history.loss[0]]
    assert list(lab.curve_figure.data[1].y) == [fresh.history.accuracy[0]]
    assert list(lab.norm_figure.data[0].y) == [fresh.history.grad_norm["dense 1"][0]]
    start = {name: p.data for name, p in BookModel(2, 64, 3, seed=0).params.items()}
    axis = np.linspace(-EXTENT, EXTENT, GRID)
    gx, gy = np.meshgrid(axis, axis)
    expected = numpy_classes(start, np.column_stack([gx.ravel(), gy.ravel()]))
    np.testing.assert_array_equal(lab.regions.ravel(), expected)  # the starting weights


def test_the_curves_axes_hold_every_point_and_stay_put_for_most_ticks():
    """The axes end at steps (epochs 100, 200, 500, 1000 ...; loss 1.2, 1.5, 2 ...; whole
    decades for the norms): most ticks redraw only the lines, and every point is inside."""
    lab = TrainingLab("sgd", lr=1.0)
    assert list(lab.curve_figure.layout.xaxis.range) == [0, 100]
    assert list(lab.curve_figure.layout.yaxis.range) == [0, 1.2]  # 1.05 ln 3 = 1.15 -> 1.2
    sent = {"animate": 0, "update": 0}  # still frames, whole redraws
    for figure in (lab.curve_figure, lab.norm_figure):
        spy(figure, lambda kind, _: sent.__setitem__(kind, sent[kind] + 1),
            ("animate", "update"))
    for tick in range(1, 121):  # 600 epochs
        lab.play.value = tick
        curves, norms = lab.curve_figure, lab.norm_figure
        last = lab.trainer.epochs
        for figure in (curves, norms):
            low, high = figure.layout.xaxis.range
            assert low == 0 and last <= high <= 2.5 * max(100, last)
        top = curves.layout.yaxis.range[1]
        loss = np.asarray(curves.data[0].y)
        assert loss.max() <= top <= 1.5 * loss.max()  # the highest loss fills most of it
        norm = np.concatenate([np.asarray(t.y, dtype=float) for t in norms.data])
        low, high = norms.layout.yaxis.range
        assert float(low).is_integer() and float(high).is_integer()
        assert 10 ** low <= np.nanmin(norm) and np.nanmax(norm) <= 10 ** high
    assert list(lab.curve_figure.layout.xaxis.range) == [0, 1000]
    assert sent["animate"] >= 200 and sent["update"] <= 12  # of 240 figure redraws
