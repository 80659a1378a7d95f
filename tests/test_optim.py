"""The optimizers' first steps against the book's formulas (ch. 10), worked by hand.

Most tests minimise f(w) = w^2 (so grad = 2w) from w = 1 with a real training loop:
build the graph, backward, step, zero_grad. eps = 1e-7 is kept in the arithmetic; the
tolerance (1e-12 relative) is far below its effect (~5e-8), so eps is checked as well.
"""

import math

import numpy as np
import pytest

import gradlab as gl
from gradlab.optim import SGD, Adagrad, Adam, Optimizer, RMSprop

OPTIMIZERS = [SGD, Adagrad, RMSprop, Adam]


def trajectory(optimizer_class, start, steps=3, **settings):
    """The values of w after each step of minimising sum(w^2) from start."""
    w = gl.Value(start, label="w")
    optimizer = optimizer_class([w], **settings)
    seen = []
    for _ in range(steps):
        loss = (w * w).sum() if isinstance(w.data, np.ndarray) else w * w
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
        seen.append(w.data)
    return seen


def close(expected):
    return pytest.approx(expected, rel=1e-12, abs=1e-15)


# -- SGD ---------------------------------------------------------------------------------------

def test_sgd_steps_against_the_gradient():
    # w -= 0.1 * 2w: 1 - 0.2 = 0.8; 0.8 - 0.16 = 0.64; 0.64 - 0.128 = 0.512
    assert trajectory(SGD, 1.0, lr=0.1) == close([0.8, 0.64, 0.512])


def test_sgd_momentum_adds_a_fraction_of_the_previous_update():
    # update = 0.9 * previous - 0.1 * grad
    # step 1: grad 2,    update = 0           - 0.2   = -0.2,   w = 0.8
    # step 2: grad 1.6,  update = 0.9 * -0.2  - 0.16  = -0.34,  w = 0.46
    # step 3: grad 0.92, update = 0.9 * -0.34 - 0.092 = -0.398, w = 0.062
    assert trajectory(SGD, 1.0, lr=0.1, momentum=0.9) == close([0.8, 0.46, 0.062])


def test_sgd_momentum_state_holds_the_previous_update():
    w = gl.Value(1.0)
    optimizer = SGD([w], lr=0.1, momentum=0.9)
    (w * w).backward()
    optimizer.step()
    assert optimizer.state[0]["momentum"] == close(-0.2)  # 0.9 * 0 - 0.1 * 2


def test_sgd_decay_lowers_the_learning_rate_each_step():
    # current_lr = 0.1 / (1 + 0.5 * iterations): 0.1, 0.1/1.5 = 0.0666..., 0.1/2 = 0.05
    # step 1: w = 1 - 0.1 * 2 = 0.8
    # step 2: w = 0.8 - (0.1/1.5) * 1.6 = 0.8 - 0.10666... = 0.69333... (= 52/75)
    # step 3: w = 52/75 - 0.05 * 104/75 = 52/75 * 0.9 = 0.624
    assert trajectory(SGD, 1.0, lr=0.1, decay=0.5) == close([0.8, 52 / 75, 0.624])


def test_sgd_with_momentum_and_decay():
    # current_lr: 0.1, then 0.1/1.5; update = 0.9 * previous - current_lr * grad
    # step 1: update = -0.2, w = 0.8
    # step 2: update = 0.9 * -0.2 - (0.1/1.5) * 1.6 = -0.18 - 0.10666... = -0.28666...,
    #         w = 0.8 - 0.28666... = 0.51333...
    assert trajectory(SGD, 1.0, 2, lr=0.1, decay=0.5, momentum=0.9) == close(
        [0.8, 0.8 - 0.18 - 0.16 / 1.5])


# -- Adagrad -----------------------------------------------------------------------------------

def test_adagrad_divides_by_the_root_of_the_summed_squared_gradients():
    # lr = 0.5; cache += grad^2; w -= 0.5 * grad / (sqrt(cache) + 1e-7)
    # step 1: grad 2,            cache 4,           w = 1 - 1/(2 + 1e-7)            = 0.5000000250
    # step 2: grad 1.00000005,   cache 5.0000001,   w = 0.50000002 - 0.5*1.00000005/2.2360680
    #                                                                               = 0.2763932283
    # step 3: grad 0.5527864566, cache 5.3055729666, w = 0.2763932283 - 0.2763932283/2.3033829
    #                                                                               = 0.1563987578
    assert trajectory(Adagrad, 1.0, lr=0.5) == close(
        [0.5000000249999987, 0.2763932283057483, 0.15639875775983064])


def test_adagrad_on_an_array_value_works_element_by_element():
    # element 0 as in the test above; element 1 from w = -2:
    # step 1: grad -4, cache 16, w = -2 + 0.5 * 4 / (4 + 1e-7)                = -1.5000000125
    # step 2: grad -3.000000025, cache 25.00000015, w = -1.5 + 0.5 * 3/5.0000001 = -1.2000000169
    # step 3: grad -2.4000000338, cache 30.7600003122, w = -1.2 + 1.2/5.5461703 = -0.9836344851
    steps = trajectory(Adagrad, [1.0, -2.0], lr=0.5)
    assert all(isinstance(w, np.ndarray) and w.shape == (2,) for w in steps)
    assert [w[0] for w in steps] == close(
        [0.5000000249999987, 0.2763932283057483, 0.15639875775983064])
    assert [w[1] for w in steps] == close(
        [-1.5000000124999997, -1.2000000168999996, -0.9836344850597829])


# -- RMSprop -----------------------------------------------------------------------------------

def test_rmsprop_divides_by_the_root_of_a_moving_average_of_squared_gradients():
    # lr = 0.1, rho = 0.9; cache = 0.9 cache + 0.1 grad^2; w -= 0.1 grad / (sqrt(cache) + 1e-7)
    # step 1: grad 2,            cache 0.4,        w = 1 - 0.2/0.6324556             = 0.6837722840
    # step 2: grad 1.3675445680, cache 0.36 + 0.1870178 = 0.5470178,
    #                            w = 0.6837723 - 0.1367545/0.7396065                = 0.4988706730
    # step 3: grad 0.9977413460, cache 0.4923160 + 0.0995488 = 0.5918648,
    #                            w = 0.4988707 - 0.0997741/0.7693275                = 0.3691806245
    assert trajectory(RMSprop, 1.0, lr=0.1, rho=0.9) == close(
        [0.6837722839831541, 0.4988706729986989, 0.3691806245176633])


def test_rmsprop_cache_after_one_step():
    w = gl.Value(1.0)
    optimizer = RMSprop([w], lr=0.1, rho=0.75)
    (w * w).backward()
    optimizer.step()
    assert optimizer.state[0]["cache"] == close(1.0)  # 0.75 * 0 + 0.25 * 2^2


# -- Adam --------------------------------------------------------------------------------------

def test_adam_corrects_both_moving_averages_for_starting_at_zero():
    # lr = 0.1, beta1 = 0.9, beta2 = 0.999
    # step 1: grad 2; m = 0.2, c = 0.004; m_hat = 0.2/0.1 = 2, c_hat = 0.004/0.001 = 4
    #         w = 1 - 0.1 * 2/(2 + 1e-7)                                          = 0.9000000050
    # step 2: grad 1.80000001; m = 0.18 + 0.18 = 0.36, c = 0.003996 + 0.00324 = 0.007236
    #         m_hat = 0.36/(1 - 0.81) = 1.8947368, c_hat = 0.007236/(1 - 0.998001) = 3.6198099
    #         w = 0.9 - 0.1 * 1.8947368/(1.9025798 + 1e-7)                        = 0.8004122379
    # step 3: grad 1.6008244758; m = 0.324 + 0.1600824 = 0.4840824,
    #         c = 0.0072288 + 0.0025626 = 0.0097914
    #         m_hat = 0.4840824/0.271 = 1.7862821, c_hat = 0.0097914/0.002997001 = 3.2670670
    #         w = 0.8004122 - 0.1 * 1.7862821/1.8075030                           = 0.7015862870
    assert trajectory(Adam, 1.0, lr=0.1) == close(
        [0.9000000049999998, 0.8004122378766997, 0.7015862869714917])


def test_adam_state_holds_the_uncorrected_averages():
    w = gl.Value(1.0)
    optimizer = Adam([w], lr=0.1)
    (w * w).backward()
    optimizer.step()
    assert optimizer.state[0]["momentum"] == close(0.2)  # 0.9 * 0 + 0.1 * 2
    assert optimizer.state[0]["cache"] == close(0.004)  # 0.999 * 0 + 0.001 * 2^2


def test_adam_keeps_each_parameters_state_apart_and_decays():
    # f(a, b) = a^2 + 3b, so b's grad is 3 at every step. With a constant gradient the
    # corrected averages are exactly grad and grad^2, so b moves by current_lr * 3/(3 + 1e-7):
    # current_lr = 0.1 / (1 + 0.5 * iterations) = 0.1, 0.0666..., 0.05
    # b: 0 - 0.1 * 0.99999997 = -0.0999999967; - 0.0666667 * 0.99999997 = -0.1666666611;
    #    - 0.05 * 0.99999997 = -0.2166666594
    # a (grad 2a) takes its first step as in the test above, with its own averages: 0.9000000050
    a, b = gl.Value(1.0, label="a"), gl.Value(0.0, label="b")
    optimizer = Adam([a, b], lr=0.1, decay=0.5)
    seen_b = []
    for _ in range(3):
        (a * a + 3 * b).backward()
        optimizer.step()
        optimizer.zero_grad()
        seen_b.append(b.data)
        if optimizer.iterations == 1:
            assert a.data == close(0.9000000049999998)
    assert seen_b == close([-0.0999999966666668, -0.16666666111111084, -0.21666665944444422])
    assert optimizer.state[1]["momentum"] == close(0.813)  # 0.9*(0.9*0.3 + 0.3) + 0.3
    assert optimizer.current_lr == close(0.05)


# -- shared behaviour --------------------------------------------------------------------------

@pytest.mark.parametrize("optimizer_class", OPTIMIZERS)
def test_current_lr_follows_one_over_one_plus_decay_times_iterations(optimizer_class):
    w = gl.Value(1.0)
    optimizer = optimizer_class([w], lr=0.3, decay=0.5)
    assert optimizer.current_lr == close(0.3) and optimizer.iterations == 0
    # after step k, current_lr is the rate step k used: 0.3/(1 + 0.5(k - 1)) = 0.3, 0.2, 0.15
    for iterations, expected in [(1, 0.3), (2, 0.2), (3, 0.15)]:
        w.grad = 1.0
        optimizer.step()
        assert optimizer.iterations == iterations
        assert optimizer.current_lr == close(expected)


@pytest.mark.parametrize("optimizer_class", OPTIMIZERS)
def test_step_changes_data_only_and_zero_grad_clears_grads(optimizer_class):
    scalar, array = gl.Value(1.0), gl.Value([[1.0, 2.0]])
    optimizer = optimizer_class([scalar, array], lr=0.1)
    (scalar * 2 + array.sum()).backward()
    optimizer.step()
    # data moved against the gradient (grads 2 and [1, 1] are positive), and kept its kind
    assert type(scalar.data) is float and scalar.data < 1.0
    assert array.data.shape == (1, 2) and np.all(array.data < [[1.0, 2.0]])
    assert scalar.grad == 2.0 and array.grad.tolist() == [[1.0, 1.0]]  # step leaves grads
    optimizer.zero_grad()
    assert scalar.grad == 0.0 and type(scalar.grad) is float
    assert array.grad.tolist() == [[0.0, 0.0]]


def test_step_replaces_an_array_instead_of_writing_into_it():
    data = np.array([1.0, 2.0])
    w = gl.Value(data)
    held = w.data  # e.g. what a view or a graph node still refers to
    w.grad = np.array([1.0, 1.0])
    SGD([w], lr=0.5).step()
    assert held.tolist() == [1.0, 2.0] and w.data.tolist() == [0.5, 1.5]


def test_a_grad_of_the_wrong_shape_is_reported():
    w = gl.Value([1.0, 2.0], label="w")
    w.grad = np.ones(3)
    with pytest.raises(ValueError, match=r"'w'.*shape \(2,\).*shape \(3,\)"):
        SGD([w]).step()
    assert w.data.tolist() == [1.0, 2.0]


def test_the_default_settings_are_the_books():
    w = [gl.Value(1.0)]
    assert SGD(w).lr == 1.0 and SGD(w).decay == 0.0 and SGD(w).momentum == 0.0
    assert Adagrad(w).lr == 1.0 and Adagrad(w).eps == 1e-7
    rmsprop = RMSprop(w)
    assert (rmsprop.lr, rmsprop.eps, rmsprop.rho) == (0.001, 1e-7, 0.9)
    adam = Adam(w)
    assert (adam.lr, adam.eps, adam.beta1, adam.beta2) == (0.001, 1e-7, 0.9, 0.999)
    assert all(issubclass(cls, Optimizer) for cls in OPTIMIZERS)


def test_params_may_be_any_iterable_of_values():
    a, b = gl.Value(1.0), gl.Value(2.0)
    optimizer = SGD(p for p in (a, b))
    assert optimizer.params == [a, b]


# -- bad settings ------------------------------------------------------------------------------

@pytest.mark.parametrize("params, message", [
    ([], "empty"),
    (gl.Value(1.0), r"pass \[x\]"),
    (3.0, "list of Values"),
    ([gl.Value(1.0), 2.0], "entry 1 is 2.0"),
])
def test_bad_params_are_refused(params, message):
    with pytest.raises(ValueError, match=message):
        SGD(params)


def test_the_same_value_twice_is_refused():
    w = gl.Value(1.0)
    with pytest.raises(ValueError, match="same Value twice"):
        Adam([w, w])


@pytest.mark.parametrize("optimizer_class", OPTIMIZERS)
@pytest.mark.parametrize("settings, message", [
    ({"lr": 0.0}, "lr must be > 0"),
    ({"lr": -1.0}, "lr must be > 0"),
    ({"lr": math.inf}, "lr must be > 0"),
    ({"lr": math.nan}, "lr must be > 0"),
    ({"lr": "0.1"}, "lr must be a number"),
    ({"lr": True}, "lr must be a number"),
    ({"decay": -1e-3}, "decay must be >= 0"),
])
def test_bad_shared_settings_are_refused(optimizer_class, settings, message):
    with pytest.raises(ValueError, match=message):
        optimizer_class([gl.Value(1.0)], **settings)


@pytest.mark.parametrize("optimizer_class, settings, message", [
    (SGD, {"momentum": 1.0}, r"momentum must be in \[0, 1\)"),
    (SGD, {"momentum": -0.1}, r"momentum must be in \[0, 1\)"),
    (Adagrad, {"eps": 0.0}, "eps must be > 0"),
    (RMSprop, {"rho": 1.0}, r"rho must be in \[0, 1\)"),
    (RMSprop, {"eps": -1e-7}, "eps must be > 0"),
    (Adam, {"beta1": 1.0}, r"beta1 must be in \[0, 1\)"),
    (Adam, {"beta2": -0.5}, r"beta2 must be in \[0, 1\)"),
    (Adam, {"beta2": math.nan}, r"beta2 must be in \[0, 1\)"),
])
def test_bad_optimizer_settings_are_refused(optimizer_class, settings, message):
    with pytest.raises(ValueError, match=message):
        optimizer_class([gl.Value(1.0)], **settings)
