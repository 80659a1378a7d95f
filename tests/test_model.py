"""The book's whole model (dense -> ReLU -> dense -> softmax -> cross-entropy): the core's
gradients against central differences and the book's backprop formulas, both worked here in plain
numpy, the logits' gradient against (softmax - onehot) / N, a wrong rule caught by check() (whose
error is a true relative error with a stated floor), what the recorded backward pass left at each
stage, the chain for one entry as a sum over samples and paths, the entries' visible spans, the
loss on a grid and one descent step."""

import dataclasses
import math

import numpy as np
import pytest
from nnfs.datasets import spiral_data

import gradlab.model as model_module
from gradlab import ops
from gradlab.engine import apply
from gradlab.model import FLOOR, TOLERANCE, BookModel, small_batch
from gradlab.model_check import compare

# -- the model in plain numpy, independent of the core -----------------------------------------


def numpy_forward(params, X, y):
    """(z1, a1, z2, p, loss) of dense -> ReLU -> dense -> softmax -> cross-entropy."""
    z1 = X @ params["W1"] + params["b1"]
    a1 = np.maximum(z1, 0.0)
    z2 = a1 @ params["W2"] + params["b2"]
    e = np.exp(z2 - z2.max(axis=1, keepdims=True))
    p = e / e.sum(axis=1, keepdims=True)
    loss = -np.mean(np.log(p[np.arange(len(y)), y]))
    return z1, a1, z2, p, loss


def numpy_central_differences(params, X, y, h=1e-5):
    """(L(w + h) - L(w - h)) / 2h for every entry of every parameter."""
    grads = {}
    for name, value in params.items():
        grad = np.zeros_like(value)
        for index in np.ndindex(value.shape):
            ahead = {k: v.copy() for k, v in params.items()}
            behind = {k: v.copy() for k, v in params.items()}
            ahead[name][index] += h
            behind[name][index] -= h
            grad[index] = (numpy_forward(ahead, X, y)[-1]
                           - numpy_forward(behind, X, y)[-1]) / (2 * h)
        grads[name] = grad
    return grads


def book_backprop(params, X, y):
    """The book's backward pass, by hand: G = (p - onehot) / N, dW2 = a1^T G, db2 = sum G,
    dz1 = G W2^T where z1 > 0 (else 0), dW1 = X^T dz1, db1 = sum dz1."""
    z1, a1, _, p, _ = numpy_forward(params, X, y)
    onehot = np.eye(p.shape[1])[y]
    G = (p - onehot) / len(y)
    dz1 = (G @ params["W2"].T) * (z1 > 0)
    return {"W1": X.T @ dz1, "b1": dz1.sum(axis=0, keepdims=True),
            "W2": a1.T @ G, "b2": G.sum(axis=0, keepdims=True)}


def params_of(model):
    return {name: p.data.copy() for name, p in model.params.items()}


def lesson_model():
    """The lesson's start: the book's normal numbers at scale 1, every bias 0.1."""
    return BookModel(weight_scale=1, bias=0.1)


def lively_model(seed=3):
    """Weights of size ~1 and non-zero biases: partials of size ~0.1, some ReLUs off, and no
    ReLU input at its kink (the spiral's centre X = 0 would give z1 = b1 = 0 at the start)."""
    model = BookModel(seed=seed)
    rng = np.random.default_rng(seed + 100)
    for param in model.params.values():
        param.data = rng.normal(0.0, 1.0, param.data.shape)
    return model


# -- the batch ---------------------------------------------------------------------------------


def test_small_batch_is_the_books_spiral_and_leaves_numpys_global_state_alone():
    np.random.seed(12345)
    expected_next = np.random.rand(3)
    np.random.seed(12345)
    X, y = small_batch(samples=5, classes=3)
    assert np.array_equal(np.random.rand(3), expected_next)  # the global stream is untouched
    assert X.shape == (15, 2) and y.tolist() == [0] * 5 + [1] * 5 + [2] * 5
    # each class's radii are linspace(0, 1, 5): the spiral starts at the centre
    assert np.linalg.norm(X, axis=1).reshape(3, 5) == pytest.approx(
        np.tile([0.0, 0.25, 0.5, 0.75, 1.0], (3, 1)))
    saved = np.random.get_state()
    np.random.seed(0)  # what nnfs.init() does before the book draws its data
    book_X, book_y = spiral_data(samples=5, classes=3)
    np.random.set_state(saved)
    assert np.array_equal(X, book_X) and np.array_equal(y, book_y)
    assert not np.array_equal(small_batch(seed=1)[0], X)


# -- the model ---------------------------------------------------------------------------------


def test_the_model_has_the_books_layers_and_starting_weights():
    model = BookModel(n_inputs=2, n_hidden=4, n_classes=3, seed=0)
    rng = np.random.default_rng(0)  # both layers draw from one stream, W1 first
    assert np.array_equal(model.params["W1"].data, 0.01 * rng.standard_normal((2, 4)))
    assert np.array_equal(model.params["W2"].data, 0.01 * rng.standard_normal((4, 3)))
    assert model.params["b1"].data.tolist() == [[0.0] * 4]
    assert model.params["b2"].data.tolist() == [[0.0] * 3]
    assert [p.label for p in model.params.values()] == ["W1", "b1", "W2", "b2"]
    assert model.settings == {}  # the defaults: BookModel() builds it again


def test_weight_scale_and_bias_give_the_same_draws_scaled_and_every_bias_set():
    model = BookModel(weight_scale=1, bias=0.1)
    rng = np.random.default_rng(0)
    assert np.array_equal(model.params["W1"].data, rng.standard_normal((2, 4)))
    assert np.array_equal(model.params["W2"].data, rng.standard_normal((4, 3)))
    assert model.params["b1"].data.tolist() == [[0.1] * 4]
    assert model.params["b2"].data.tolist() == [[0.1] * 3]
    assert model.settings == {"weight_scale": 1.0, "bias": 0.1}
    again = BookModel(**model.settings)
    for name in model.params:
        assert np.array_equal(again.params[name].data, model.params[name].data)
    assert BookModel(seed=5, n_hidden=6).settings == {"seed": 5, "n_hidden": 6}
    for bad in ({"weight_scale": 0}, {"weight_scale": float("nan")}, {"bias": float("inf")}):
        with pytest.raises(ValueError, match="weight_scale"):
            BookModel(**bad)


def test_the_starting_loss_is_about_log_3_and_matches_numpy():
    model = BookModel()
    X, y = small_batch()
    loss = model.loss(X, y).data
    # tiny weights: logits ~ 0, softmax ~ 1/3 each, L ~ -log(1/3) = log 3
    assert loss == pytest.approx(math.log(3), abs=1e-3)
    assert loss == pytest.approx(numpy_forward(params_of(model), X, y)[-1], rel=1e-12)


@pytest.mark.parametrize("seed", [0, 3, 7])
def test_every_gradient_matches_numpy_central_differences_and_the_book(seed):
    model = lively_model(seed)
    X, y = small_batch()
    grads = model.backward(X, y)
    numerical = numpy_central_differences(params_of(model), X, y)
    by_hand = book_backprop(params_of(model), X, y)
    assert max(np.abs(g).max() for g in grads.values()) > 0.01  # not a vacuous comparison
    for name in ("W1", "b1", "W2", "b2"):
        assert grads[name].shape == model.params[name].data.shape
        assert grads[name] == pytest.approx(numerical[name], abs=1e-8), name
        assert grads[name] == pytest.approx(by_hand[name], abs=1e-12), name


def test_the_books_starting_model_gradients_match_too():
    model = BookModel()
    X, y = small_batch()
    grads = model.backward(X, y)
    by_hand = book_backprop(params_of(model), X, y)
    numerical = numpy_central_differences(params_of(model), X, y)
    for name in grads:
        assert grads[name] == pytest.approx(by_hand[name], abs=1e-15)
        assert grads[name] == pytest.approx(numerical[name], abs=1e-9)


def test_backward_twice_gives_the_same_gradients_not_their_sum():
    model = lively_model()
    X, y = small_batch()
    first = model.backward(X, y)
    second = model.backward(X, y)
    for name in first:
        assert np.array_equal(first[name], second[name])


def test_check_passes_reports_per_parameter_and_leaves_the_weights_alone():
    model = lively_model()
    X, y = small_batch()
    before = params_of(model)
    check = model.check(X, y)
    assert check.passed and bool(check)
    assert set(check.parameters) == {"W1", "b1", "W2", "b2"}
    numerical = numpy_central_differences(before, X, y)
    for name, part in check.parameters.items():
        assert part.numerical == pytest.approx(numerical[name], abs=1e-10)
        assert part.max_error < 1e-6 and part.passed
    assert check.max_error == max(p.max_error for p in check.parameters.values())
    assert check[check.worst].max_error == check.max_error
    for name, data in before.items():
        assert np.array_equal(model.params[name].data, data)
    assert str(check).count("below 1e-5") == 4


def test_the_checks_error_is_relative_with_the_floor_it_states():
    """|a - n| / max(|a|, |n|, 1e-4): relative for a partial of 1e-3 (where the old measure,
    divided by max(1, ...), called a 10 % error 1e-4), relative to the floor below it."""
    analytic = np.array([[1e-3, 2.0, 1e-9]])
    ten_percent_off = np.array([[1.1e-3, 2.0, 1e-9]])
    check = compare("W", analytic, ten_percent_off, TOLERANCE)
    assert check.max_error == pytest.approx(1e-4 / 1.1e-3) and check.worst == (0, 0)
    assert not check.passed
    # a partial far below the floor: its round-off is judged against 1e-4, not itself
    tiny = compare("W", np.array([[1e-9]]), np.array([[1.5e-9]]), TOLERANCE)
    assert tiny.max_error == pytest.approx(0.5e-9 / FLOOR) and tiny.passed
    relative = compare("W", np.array([[3.0]]), np.array([[3.0 + 3e-4]]), TOLERANCE)
    assert relative.max_error == pytest.approx(3e-4 / (3.0 + 3e-4))  # relative above 1 too
    assert "max(|backward|, |central|, 1e-4)" in str(BookModel().check(*small_batch()))


@pytest.mark.parametrize("make", [BookModel, lesson_model, lively_model])
def test_a_correct_model_passes_with_room_to_spare(make):
    model = make()
    X, y = small_batch()
    check = model.check(X, y)
    numerical = numpy_central_differences(params_of(model), X, y)
    for name, part in check.parameters.items():
        a, n = part.analytic, numerical[name]
        by_hand = np.max(np.abs(a - n) / np.maximum(np.maximum(np.abs(a), np.abs(n)), 1e-4))
        assert part.max_error == pytest.approx(by_hand, rel=0.5, abs=1e-9)
        assert part.max_error < TOLERANCE / 10, name


def wrong_relu(x):
    """ReLU whose local derivative forgets the switch: 1 everywhere instead of step(a)."""
    rule = dataclasses.replace(ops.RELU, local=lambda out, a: (np.ones_like(a),))
    return apply(rule, x)


def test_a_wrong_relu_rule_fails_the_check_for_the_first_layer_only(monkeypatch):
    model = lively_model()
    X, y = small_batch()
    z1 = numpy_forward(params_of(model), X, y)[0]
    assert (z1 < 0).any()  # some ReLUs are off, so the wrong rule makes a difference
    monkeypatch.setattr(model_module, "relu", wrong_relu)
    check = model.check(X, y)
    assert not check.passed and "FAILED" in str(check)
    assert not check["W1"].passed and not check["b1"].passed
    assert check["W2"].passed and check["b2"].passed  # they sit after the ReLU
    assert check.worst in ("W1", "b1") and check.max_error > 1e-3


def test_a_wrong_softmax_rule_fails_the_check_everywhere(monkeypatch):
    # dropping the "- sum(g * s)" term of softmax's vector-Jacobian product
    rule = dataclasses.replace(ops.SOFTMAX, vjp=(lambda g, s, a, axis: s * g,))
    monkeypatch.setattr(model_module, "softmax", lambda v, axis=-1: apply(rule, v, arg=axis))
    model = lively_model()
    X, y = small_batch()
    check = model.check(X, y)
    assert not check.passed
    assert not check["b2"].passed and not check["W2"].passed


def test_logits_gradient_is_softmax_minus_onehot_over_n_from_numpy():
    model = lively_model()
    X, y = small_batch()
    _, _, z2, _, _ = numpy_forward(params_of(model), X, y)
    e = np.exp(z2 - z2.max(axis=1, keepdims=True))
    softmax = e / e.sum(axis=1, keepdims=True)
    expected = (softmax - np.eye(3)[y]) / len(y)
    result = model.logits_gradient(X, y)
    assert result.core == pytest.approx(expected, abs=1e-14)
    assert result.formula == pytest.approx(expected, abs=1e-14)
    assert result.max_difference < 1e-14
    assert np.abs(expected).max() > 0.01  # a real gradient, not zeros
    # each row of (softmax - onehot) sums to 0, so the core's rows do too
    assert result.core.sum(axis=1) == pytest.approx(np.zeros(len(y)), abs=1e-15)


def test_logits_gradient_core_side_is_what_backward_left_on_the_logits_node():
    model = lively_model()
    X, y = small_batch()
    result = model.backward_pass(X, y)
    assert np.array_equal(result.logits.core, result.forward.logits.grad)


# -- entries by name ---------------------------------------------------------------------------


def test_entries_name_every_weight_and_bias_once():
    model = BookModel()
    entries = model.entries()
    assert len(entries) == 2 * 4 + 4 + 4 * 3 + 3 == len(set(entries))
    assert entries[0] == "W1[0,0]" and "b1[3]" in entries and entries[-1] == "b2[2]"
    assert model.locate("W2[3,2]") == ("W2", (3, 2))
    assert model.locate("b1[2]") == ("b1", (0, 2))


@pytest.mark.parametrize("bad", ["W3[0,0]", "W2[4,0]", "b1[4]", "b1[0,1]", "W1[1]", "x", ""])
def test_locate_refuses_what_is_not_an_entry_and_names_the_choices(bad):
    with pytest.raises(ValueError, match=r"no parameter entry .*W1\[i,j\]"):
        BookModel().locate(bad)


def test_loss_along_one_entry_matches_numpy_and_puts_the_entry_back():
    model = lively_model()
    X, y = small_batch()
    before = params_of(model)
    values = np.array([-1.0, 0.0, 0.5, 2.0])
    losses = model.loss_along(X, y, "W1[1,2]", values)
    for value, loss in zip(values, losses, strict=True):
        params = {k: v.copy() for k, v in before.items()}
        params["W1"][1, 2] = value
        assert loss == pytest.approx(numpy_forward(params, X, y)[-1], rel=1e-12)
    assert np.array_equal(model.params["W1"].data, before["W1"])
    model.set_entry("b2[1]", 0.75)
    assert model.value_of("b2[1]") == 0.75 and model.params["b2"].data[0, 1] == 0.75


def test_a_batch_that_does_not_fit_the_model_is_refused_clearly():
    model = BookModel()
    with pytest.raises(ValueError, match=r"shape \(samples, 2\)"):
        model.loss(np.zeros((4, 3)), [0, 1, 2, 0])
    with pytest.raises(ValueError, match="class indices"):
        model.loss(np.zeros((2, 2)), [0, 5])


# -- the summary a notebook prints -------------------------------------------------------------


def test_summary_prints_stable_rounded_numbers():
    model = BookModel()
    X, y = small_batch()
    text = model.summary(X, y)
    assert text == model.summary(X, y)
    loss = numpy_forward(params_of(model), X, y)[-1]
    assert f"loss = {loss:.6g}" in text
    assert text.count("below 1e-5") == 4 and "passed" in text and "agree" in text
    assert "start (the book's): weights 0.01 x standard normal (seed 0), biases 0" in text
    by_hand = book_backprop(params_of(model), X, y)
    assert f"{by_hand['W2'][2, 1]:.4g}" in text and f"{by_hand['W1'][0, 1]:.4g}" in text
    lesson = lesson_model().summary(X, y)
    assert "start: weights 1 x standard normal (seed 0), biases 0.1" in lesson
    assert f"loss = {numpy_forward(params_of(lesson_model()), X, y)[-1]:.6g}" in lesson


# -- the recorded stages and the chain for one entry -------------------------------------------


def test_the_recorded_stages_are_each_nodes_gradient_worked_in_numpy():
    model = lesson_model()
    X, y = small_batch()
    params = params_of(model)
    z1, _, _, p, _ = numpy_forward(params, X, y)
    onehot, n = np.eye(3)[y], len(y)
    recorded = model.backward_pass(X, y).recorded
    assert recorded.probs == pytest.approx(-onehot / (n * p), rel=1e-12)  # cross-entropy
    G = (p - onehot) / n
    assert recorded.logits == pytest.approx(G, abs=1e-15)  # after softmax
    assert recorded.activated == pytest.approx(G @ params["W2"].T, abs=1e-15)  # after dense 2
    assert np.array_equal(recorded.relu_local, (z1 > 0).astype(float))  # ReLU's 0 or 1
    assert recorded.hidden == pytest.approx((G @ params["W2"].T) * (z1 > 0), abs=1e-15)
    assert 0 < recorded.relu_local.sum() < recorded.relu_local.size  # some on, some off


def index_notation(params, X, y, entry):
    """The lesson's formula by explicit loops: dL/dW1[i,j] = sum_n sum_k dL/dz2[n,k] W2[j,k]
    ReLU'(z1[n,j]) X[n,i] (X[n,i] -> 1 for b1[j]); dL/dW2[j,k] = sum_n dL/dz2[n,k] a1[n,j]
    (a1 -> 1 for b2[k]); with dL/dz2 = (p - onehot) / N."""
    z1, a1, _, p, _ = numpy_forward(params, X, y)
    G = (p - np.eye(3)[y]) / len(y)
    name, rest = entry.split("[")
    index = [int(t) for t in rest.rstrip("]").split(",")]
    total = 0.0
    for n in range(len(y)):
        if name in ("W1", "b1"):
            i, j = index if name == "W1" else (None, index[0])
            for k in range(3):
                total += (G[n, k] * params["W2"][j, k] * float(z1[n, j] > 0)
                          * (X[n, i] if name == "W1" else 1.0))
        else:
            j, k = index if name == "W2" else (None, index[0])
            total += G[n, k] * (a1[n, j] if name == "W2" else 1.0)
    return total


def test_the_index_notation_chain_is_the_partial_by_central_differences():
    """The lesson's double sum over samples and paths, by loops, against numpy's central
    differences, for every entry of the lesson's model (no z1 near the kink there)."""
    model = lesson_model()
    X, y = small_batch()
    params = params_of(model)
    numerical = numpy_central_differences(params, X, y)
    for entry in model.entries():
        name, index = model.locate(entry)
        assert index_notation(params, X, y, entry) == pytest.approx(
            numerical[name][index], rel=1e-6, abs=1e-10), entry


def test_the_chain_adds_up_to_backward_and_its_columns_are_the_recorded_stages():
    model = lesson_model()
    X, y = small_batch()
    params = params_of(model)
    result = model.backward_pass(X, y)
    numerical = numpy_central_differences(params, X, y)
    for entry in model.entries():
        chain = model.chain(X, y, entry, result)
        name, index = model.locate(entry)
        assert chain.backward == result.gradients[name][index]
        assert chain.total == pytest.approx(chain.backward, rel=1e-13, abs=1e-17)
        assert chain.total == pytest.approx(numerical[name][index], rel=1e-6, abs=1e-10)
        assert chain.samples == 15 and np.array_equal(chain.targets, y)
        assert chain.columns[0].stage == "cross-entropy"
        assert np.array_equal(chain.columns[0].values, result.recorded.probs[np.arange(15), y])
    chain = model.chain(X, y, "W1[0,1]", result)
    assert [c.stage for c in chain.columns] == ["cross-entropy", "softmax", "dense 2", "ReLU",
                                                "ReLU", "dense 1"]
    recorded = result.recorded
    assert np.array_equal(chain.column("dL/dz2[n,:]").values, recorded.logits)
    assert np.array_equal(chain.column("dL/da1[n,1]").values, recorded.activated[:, 1])
    assert np.array_equal(chain.column("ReLU'(z1[n,1])").values, recorded.relu_local[:, 1])
    assert np.array_equal(chain.column("dL/dz1[n,1]").values, recorded.hidden[:, 1])
    assert np.array_equal(chain.column("X[n,0]").values, X[:, 0])
    assert np.array_equal(chain.contributions, recorded.hidden[:, 1] * X[:, 0])
    assert np.array_equal(chain.paths, params["W2"][1, :]) and chain.index == (0, 1)
    # dense 2's sum over the three paths, one per class: dL/da1[n,1] = sum_k G[n,k] W2[1,k]
    assert chain.column("dL/da1[n,1]").values == pytest.approx(
        recorded.logits @ chain.paths, abs=1e-16)
    bias = model.chain(X, y, "b2[2]", result)
    assert [c.label for c in bias.columns] == ["dL/dp[n,y_n]", "dL/dz2[n,2]", "dz2[n,2]/db2[2]"]
    assert np.array_equal(bias.contributions, recorded.logits[:, 2]) and bias.paths is None
    weight2 = model.chain(X, y, "W2[3,1]", result)
    assert np.array_equal(weight2.contributions,
                          recorded.logits[:, 1] * result.forward.activated.data[:, 3])
    assert "sum of contributions" in str(chain) and "-0 " not in str(chain)
    with pytest.raises(ValueError, match="no parameter entry"):
        model.chain(X, y, "W1[2,0]")


# -- spans, grids, steps -----------------------------------------------------------------------


def test_every_entry_of_the_lesson_model_has_a_span_where_the_loss_visibly_changes():
    model = lesson_model()
    X, y = small_batch()
    params = params_of(model)
    loss = numpy_forward(params, X, y)[-1]
    for entry in model.entries():
        span = model.visible_span(X, y, entry)
        name, index = model.locate(entry)
        here = params[name][index]
        losses = []
        for value in here + np.linspace(-span, span, 41):
            changed = {k: v.copy() for k, v in params.items()}
            changed[name][index] = value
            losses.append(numpy_forward(changed, X, y)[-1])
        assert max(losses) - min(losses) > 0.1 * loss, entry  # by numpy, 41 points
        smaller = [s for s in (0.5, 1.0, 2.0, 3.0, 5.0, 10.0, 20.0) if s < span]
        if smaller:  # the smallest that does: the next smaller one does not
            along = model.loss_along(X, y, entry, here + np.linspace(-smaller[-1],
                                                                     smaller[-1], 21))
            assert along.max() - along.min() < 0.1 * loss, entry
    flat = BookModel()  # the book's start: W2 ~ 0.01, W1's entries hardly matter
    assert flat.visible_span(X, y, "W1[0,0]") == 20.0


def test_loss_grid_is_numpys_loss_on_the_grid():
    model = lesson_model()
    X, y = small_batch()
    params = params_of(model)
    xs, ys = np.array([-0.5, 0.0, 0.7]), np.array([0.1, 1.0])
    grid = model.loss_grid(X, y, ["W1[0,1]", "W1[1,1]"], xs, ys)
    assert grid.shape == (2, 3)
    for i, b in enumerate(ys):
        for j, a in enumerate(xs):
            changed = {k: v.copy() for k, v in params.items()}
            changed["W1"][0, 1], changed["W1"][1, 1] = a, b
            assert grid[i, j] == pytest.approx(numpy_forward(changed, X, y)[-1], rel=1e-12)
    for name, data in params.items():
        assert np.array_equal(model.params[name].data, data)
    with pytest.raises(ValueError, match="two different entries"):
        model.loss_grid(X, y, ["b2[0]", "b2[0]"], xs, ys)


@pytest.mark.parametrize("batch", ["spiral", "one sample", "one-hot rows"])
def test_the_stacked_losses_are_the_cores_forward_pass_at_each_point(batch):
    """loss_grid and loss_along stack their settings in one numpy pass: each of its losses is
    what the core's own graph gives with the entries set (a fresh forward pass per point), and
    the parameters are neither changed nor shared with the stacked copies."""
    model = lively_model()
    X, y = small_batch()
    if batch == "one sample":
        X, y = X[4], y[4:5]
    elif batch == "one-hot rows":
        y = np.eye(3)[y]
    before = params_of(model)
    xs, ys = np.array([-1.5, 0.0, 0.25, 2.0]), np.array([-0.3, 0.8, 1.9])
    grid = model.loss_grid(X, y, ["W1[0,1]", "b2[0]"], xs, ys)
    along = model.loss_along(X, y, "W2[3,1]", ys)
    assert grid.shape == (3, 4) and along.shape == (3,)
    for i, b in enumerate(ys):
        for j, a in enumerate(xs):
            alone = lively_model()
            alone.set_entry("W1[0,1]", a)
            alone.set_entry("b2[0]", b)
            assert grid[i, j] == pytest.approx(float(alone.loss(X, y).data), rel=1e-12)
        alone = lively_model()
        alone.set_entry("W2[3,1]", b)
        assert along[i] == pytest.approx(float(alone.loss(X, y).data), rel=1e-12)
    assert len(set(grid.ravel().tolist())) == grid.size  # every point a setting of its own
    for name, data in before.items():
        assert np.array_equal(model.params[name].data, data)


def test_a_descent_step_moves_each_entry_against_its_partial_and_is_not_taken():
    model = lesson_model()
    X, y = small_batch()
    params = params_of(model)
    numerical = numpy_central_differences(params, X, y)
    step = model.descent_step(X, y, ["W1[0,1]", "b2[2]"], lr=2.0)
    gradient = np.array([numerical["W1"][0, 1], numerical["b2"][0, 2]])
    assert step.gradient == pytest.approx(gradient, rel=1e-6)
    assert step.after == pytest.approx(step.before - 2.0 * gradient, rel=1e-6)
    changed = {k: v.copy() for k, v in params.items()}
    changed["W1"][0, 1], changed["b2"][0, 2] = step.after
    assert step.loss_after == pytest.approx(numpy_forward(changed, X, y)[-1], rel=1e-12)
    assert step.loss_after < step.loss_before == pytest.approx(numpy_forward(params, X, y)[-1])
    for name, data in params.items():
        assert np.array_equal(model.params[name].data, data)
    with pytest.raises(ValueError, match="learning rate"):
        model.descent_step(X, y, ["b2[0]"], lr=0)


def test_moved_entries_names_what_differs_from_the_start():
    model = lesson_model()
    assert model.moved_entries() == {}
    model.set_entry("W2[3,1]", 0.25)
    model.set_entry("b1[2]", -1.0)
    assert model.moved_entries() == {"b1[2]": -1.0, "W2[3,1]": 0.25}
