"""The optimizer race on 2-D surfaces: first steps against updates worked by hand from the
gradients of calculus (the core supplies the gradient, gradlab.optim the update), divergence
and undefined gradients stopped with a reason, level curves against f by hand."""

import math

import numpy as np
import pytest

from gradlab.surfaces import SURFACES, RaceSurface, Runner, level_grid, race, surface


def test_sgd_on_the_bowl_takes_the_hand_worked_steps():
    # f = x^2 + y^2, gradient (2x, 2y): p <- p - lr * 2p = 0.8 p for lr 0.1, from (-1.5, 1.8)
    path = race("bowl", {"SGD": {"lr": 0.1}}, steps=3)["SGD"]
    expected = np.array([[-1.5, 1.8], [-1.2, 1.44], [-0.96, 1.152], [-0.768, 0.9216]])
    np.testing.assert_allclose(path.points, expected, rtol=0, atol=1e-12)
    np.testing.assert_allclose(path.losses, (expected**2).sum(axis=1), atol=1e-12)
    assert path.stopped == ""


def test_momentum_on_the_valley_takes_the_hand_worked_steps():
    # f = 0.02 x^2 + 2 y^2, gradient (0.04 x, 4 y); v <- 0.9 v - 0.1 grad, p <- p + v
    path = race("valley", {"SGD + momentum": {"lr": 0.1, "momentum": 0.9}},
                steps=2)["SGD + momentum"]
    # step 1 from (-3.5, 1.5): grad (-0.14, 6), v = (0.014, -0.6), p = (-3.486, 0.9)
    # step 2: grad (-0.13944, 3.6), v = (0.0126 + 0.013944, -0.54 - 0.36) = (0.026544, -0.9)
    np.testing.assert_allclose(path.points, [[-3.5, 1.5], [-3.486, 0.9], [-3.459456, 0.0]],
                               atol=1e-12)


def test_adam_and_adagrad_first_steps_have_the_size_of_the_learning_rate():
    # Rosenbrock at (-1.2, 1): df/dx = -2(1 - x) - 400 x (y - x^2) = -215.6, df/dy = 200 (y - x^2)
    # = -88. Adam's first step: m_hat = g, c_hat = g^2, so p <- p - lr g / (|g| + 1e-7);
    # AdaGrad's: cache = g^2, the same formula.
    gx, gy = -215.6, -88.0
    for name in ("Adam", "AdaGrad"):
        path = race("rosenbrock", {name: {"lr": 0.1}}, steps=1)[name]
        np.testing.assert_allclose(path.points[1], [-1.2 - 0.1 * gx / (abs(gx) + 1e-7),
                                                    1.0 - 0.1 * gy / (abs(gy) + 1e-7)],
                                   atol=1e-12)


def test_adagrad_second_step_divides_by_the_root_of_the_summed_squares():
    # bowl, x only: x0 = -1.5, g0 = -3, x1 = -1.5 + 0.5 * 3 / (3 + 1e-7) ~ -1.0;
    # g1 = 2 x1, cache = 9 + g1^2, x2 = x1 - 0.5 g1 / (sqrt(cache) + 1e-7)
    x1 = -1.5 + 0.5 * 3 / (3 + 1e-7)
    g1 = 2 * x1
    x2 = x1 - 0.5 * g1 / (math.sqrt(9 + g1**2) + 1e-7)
    path = race("bowl", {"AdaGrad": {"lr": 0.5}}, steps=2)["AdaGrad"]
    assert path.points[2, 0] == pytest.approx(x2, abs=1e-12)


def test_rmsprop_first_step_uses_the_forgetting_cache():
    # cache = (1 - 0.9) g^2, so the first step is lr g / (sqrt(0.1) |g| + 1e-7): ~3.16 lr
    path = race("bowl", {"RMSProp": {"lr": 0.02}}, steps=1)["RMSProp"]
    g = np.array([-3.0, 3.6])
    expected = np.array([-1.5, 1.8]) - 0.02 * g / (np.sqrt(0.1 * g**2) + 1e-7)
    np.testing.assert_allclose(path.points[1], expected, atol=1e-12)


def test_decay_shrinks_the_learning_rate_from_the_second_step():
    # lr_k = lr / (1 + decay k): step 1 uses 0.1, step 2 uses 0.1 / 1.5 with decay 0.5
    path = race("bowl", {"SGD": {"lr": 0.1, "decay": 0.5}}, steps=2)["SGD"]
    x1 = -1.5 * 0.8
    assert path.points[2, 0] == pytest.approx(x1 - (0.1 / 1.5) * 2 * x1, abs=1e-12)


def test_a_too_large_learning_rate_diverges_and_the_race_says_when():
    # lr 1.1 on the bowl: p <- (1 - 2.2) p = -1.2 p; |y_k| = 1.8 * 1.2^k first exceeds 50 at
    # k = 19 (1.2^19 = 31.9 > 27.8), so 19 points (steps 0..18) are kept
    path = race("bowl", {"SGD": {"lr": 1.1}}, steps=100)["SGD"]
    assert len(path.points) == 19
    assert "left the box" in path.stopped and "step 19" in path.stopped
    assert "smaller learning rate" in path.stopped
    assert np.all(np.isfinite(path.points))


def test_an_undefined_gradient_stops_the_path():
    # sqrt(x) + y^2 from x = 0.01: df/dx = 0.5 / sqrt(x) = 5, so SGD with lr 1 lands on
    # x = -4.99 where sqrt is undefined; the next step has no gradient to follow
    custom = RaceSurface("root", "a root", "sqrt(x) + y^2", (0.01, 1.0), (-1.0, 1.0), (-1.0, 1.0),
                     {"SGD": 1.0}, None, "")
    runner = Runner("SGD", {"lr": 1.0}, custom)
    runner.advance(5)
    assert runner.points[1] == pytest.approx((-4.99, -1.0))
    assert runner.steps == 1 and "not finite" in runner.stopped
    assert math.isnan(runner.losses[1])


def test_the_saddle_runs_away_along_y_and_says_there_is_no_minimum_in_the_box():
    path = race("saddle", {"SGD": {"lr": 0.1}}, steps=200)["SGD"]
    # y_k = 0.05 * 1.2^k (df/dy = -2y), x_k = -1.8 * 0.8^k
    np.testing.assert_allclose(path.points[5], [-1.8 * 0.8**5, 0.05 * 1.2**5], atol=1e-12)
    assert "left the box |x|, |y| ≤ 20" in path.stopped
    assert "diverged" not in path.stopped  # no minimum to miss: f simply falls without end


def test_every_surface_has_a_rate_per_optimizer_and_every_optimizer_moves():
    paths = race("valley", steps=5)
    assert list(paths) == ["SGD", "SGD + momentum", "AdaGrad", "RMSProp", "Adam"]
    for path in paths.values():
        assert path.points.shape == (6, 2) and path.losses[-1] < path.losses[0]
    for chosen in SURFACES.values():
        assert set(chosen.rates) == set(paths)


def test_bad_choices_are_refused_with_a_clear_message():
    with pytest.raises(ValueError, match="choose one of bowl, valley, rosenbrock, saddle"):
        surface("banana")
    with pytest.raises(ValueError, match="lr must be > 0"):
        race("bowl", {"SGD": {"lr": -0.1}})
    with pytest.raises(ValueError, match="no optimizer"):
        race("bowl", ["Newton"])


def test_level_grid_is_f_and_log10_of_one_plus_f_on_rosenbrock():
    xs, ys, z = level_grid(SURFACES["valley"], n=5)
    assert xs[0] == -4.0 and ys[-1] == 2.0
    assert z[4, 0] == pytest.approx(0.02 * 16 + 2 * 4)  # row = y: (x, y) = (-4, 2)
    xs, ys, z = level_grid(SURFACES["rosenbrock"], n=5)
    assert (xs[1], ys[3]) == (-1.0, 2.0)  # f = (1 + 1)^2 + 100 (2 - 1)^2 = 104
    assert z[3, 1] == pytest.approx(math.log10(105.0))
