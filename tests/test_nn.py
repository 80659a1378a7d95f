"""Dense layers: the book's initialisation, the forward rule and its gradients worked by hand,
and a short training run of the book's spiral model (Neural Networks from Scratch, ch. 10).
"""

import math
import subprocess
import sys

import numpy as np
import pytest
from nnfs.datasets import spiral_data

import gradlab as gl
from gradlab.nn import Dense
from gradlab.optim import Adam


def book_spiral_data():
    """The book's data: nnfs.init() seeds numpy's global generator with 0, then spiral_data
    draws from it. We seed and then restore the global state instead of calling nnfs.init(),
    which also patches np.dot, np.zeros and np.random.randn for the whole process."""
    saved = np.random.get_state()
    np.random.seed(0)
    try:
        return spiral_data(samples=100, classes=3)
    finally:
        np.random.set_state(saved)


def test_importing_nnfs_datasets_patches_nothing_in_numpy():
    code = ("import numpy as np\n"
            "before = (np.dot, np.zeros, np.eye, np.random.randn)\n"
            "import nnfs, nnfs.datasets\n"
            "print((np.dot, np.zeros, np.eye, np.random.randn) == before)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True)
    assert result.stdout.strip() == "True"


# -- initialisation ----------------------------------------------------------------------------

def test_weights_and_biases_have_the_books_shapes_and_start():
    layer = Dense(2, 3, seed=0)
    assert isinstance(layer.weights, gl.Value) and isinstance(layer.biases, gl.Value)
    assert layer.weights.shape == (2, 3) and layer.biases.shape == (1, 3)
    assert layer.biases.data.tolist() == [[0.0, 0.0, 0.0]]
    assert (layer.weights.label, layer.biases.label) == ("weights", "biases")
    assert layer.parameters() == [layer.weights, layer.biases]


def test_weights_are_a_hundredth_of_standard_normal_numbers():
    weights = Dense(200, 200, seed=0).weights.data
    # 40,000 draws: the sample spread is within ~0.4% of 0.01, the mean within ~5e-5 of 0
    assert weights.std() == pytest.approx(0.01, rel=0.02)
    assert abs(weights.mean()) < 2.5e-4
    expected = 0.01 * np.random.default_rng(7).standard_normal((4, 5))
    assert np.array_equal(Dense(4, 5, seed=7).weights.data, expected)


def test_a_seed_repeats_the_weights_and_a_generator_continues_its_stream():
    assert np.array_equal(Dense(3, 4, seed=1).weights.data, Dense(3, 4, seed=1).weights.data)
    assert not np.array_equal(Dense(3, 4, seed=1).weights.data, Dense(3, 4, seed=2).weights.data)
    rng = np.random.default_rng(5)
    first, second = Dense(3, 4, seed=rng), Dense(3, 4, seed=rng)
    assert not np.array_equal(first.weights.data, second.weights.data)
    assert np.array_equal(first.weights.data, Dense(3, 4, seed=5).weights.data)


@pytest.mark.parametrize("seed", [None, 0])
def test_numpys_global_random_state_is_neither_used_nor_changed(seed):
    np.random.seed(123)
    before = np.random.get_state()[1].copy()
    Dense(5, 5, seed=seed)
    assert np.array_equal(np.random.get_state()[1], before)
    # the same global seed does not give the same layer: the layer has its own generator
    np.random.seed(0)
    one = Dense(5, 5).weights.data
    np.random.seed(0)
    assert not np.array_equal(Dense(5, 5).weights.data, one)


@pytest.mark.parametrize("n_inputs, n_neurons", [(0, 3), (2, -1), (2.0, 3), (True, 3),
                                                 (2, "3")])
def test_bad_sizes_are_refused(n_inputs, n_neurons):
    with pytest.raises(ValueError, match="must be a positive whole number"):
        Dense(n_inputs, n_neurons)


# -- forward and backward ----------------------------------------------------------------------

def hand_layer() -> Dense:
    layer = Dense(2, 3)
    layer.weights.data = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    layer.biases.data = np.array([[0.5, -1.0, 0.0]])
    return layer


def test_output_is_inputs_times_weights_plus_biases():
    # row [1, 2]:  [1*1 + 2*4 + 0.5, 1*2 + 2*5 - 1, 1*3 + 2*6 + 0] = [9.5, 11, 15]
    # row [-1, 0]: [-1 + 0.5, -2 - 1, -3 + 0]                      = [-0.5, -3, -3]
    layer = hand_layer()
    out = layer(np.array([[1.0, 2.0], [-1.0, 0.0]]))
    assert isinstance(out, gl.Value)
    assert out.data.tolist() == [[9.5, 11.0, 15.0], [-0.5, -3.0, -3.0]]
    assert layer([[1, 2], [-1, 0]]).data.tolist() == out.data.tolist()  # a list works too


def test_a_single_sample_gives_one_row():
    out = hand_layer()([1.0, 2.0])
    assert out.data.tolist() == [[9.5, 11.0, 15.0]]


def test_gradients_reach_weights_biases_and_inputs():
    # L = sum(out), so dL/dout is all ones (2 x 3):
    # dL/dW = x^T @ ones = [[1 - 1]*3, [2 + 0]*3] = [[0, 0, 0], [2, 2, 2]]
    # dL/db = ones summed over the 2 rows = [[2, 2, 2]]
    # dL/dx = ones @ W^T = [[1+2+3, 4+5+6]] per row = [[6, 15], [6, 15]]
    layer = hand_layer()
    x = gl.Value([[1.0, 2.0], [-1.0, 0.0]])
    layer(x).sum().backward()
    assert layer.weights.grad.tolist() == [[0.0, 0.0, 0.0], [2.0, 2.0, 2.0]]
    assert layer.biases.grad.tolist() == [[2.0, 2.0, 2.0]]
    assert x.grad.tolist() == [[6.0, 15.0], [6.0, 15.0]]


@pytest.mark.parametrize("inputs", [np.ones((4, 3)), np.ones(3), np.ones((2, 2, 2)), 1.0])
def test_inputs_of_the_wrong_shape_are_reported(inputs):
    with pytest.raises(ValueError, match=r"Dense\(2, 3\) needs inputs of shape \(samples, 2\)"):
        Dense(2, 3)(inputs)


# -- the book's model --------------------------------------------------------------------------

def test_the_books_spiral_model_learns_with_adam():
    X, y = book_spiral_data()
    assert X.shape == (300, 2) and sorted(set(y.tolist())) == [0, 1, 2]
    rng = np.random.default_rng(0)
    dense1, dense2 = Dense(2, 64, seed=rng), Dense(64, 3, seed=rng)
    optimizer = Adam(dense1.parameters() + dense2.parameters(), lr=0.05, decay=5e-7)
    losses = []
    for _ in range(301):
        probs = gl.softmax(dense2(dense1(X).relu()))
        loss = gl.cross_entropy(probs, y)
        losses.append(loss.data)
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
    # Weights of size 0.01 make every output near 0, so the first probabilities are near 1/3.
    assert losses[0] == pytest.approx(math.log(3), abs=0.01)
    # Measured: ~0.65 after 100 steps, ~0.37 after 300 (accuracy ~0.87).
    assert losses[100] < 0.8 and losses[300] < 0.5
    accuracy = np.mean(np.argmax(probs.data, axis=1) == y)
    assert accuracy > 0.75
