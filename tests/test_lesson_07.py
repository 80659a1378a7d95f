"""Lesson 7 as a learner meets it: the book's layer example and its printed results checked
against numpy and the book's own numbers; the LayerLab built as the notebook builds it and
driven to each state a "Try this" asks for, with what the text says happens checked against
numpy formulas (never the core); and the exercises' answers kept off the page."""

import json
import re
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("plotly")
pytest.importorskip("ipywidgets")

import gradlab as gl  # noqa: E402
from gradlab.views import Exercise, LayerLab  # noqa: E402

NOTEBOOK = Path(__file__).resolve().parent.parent / "notebooks" / "07_layer_backprop.ipynb"

# the book's example, typed from the chapter (not read from gradlab)
X = np.array([[1, 2, 3, 2.5], [2, 5, -1, 2], [-1.5, 2.7, 3.3, -0.8]])
W = np.array([[0.2, 0.8, -0.5, 1], [0.5, -0.91, 0.26, -0.5], [-0.26, -0.27, 0.17, 0.87]]).T
B = np.array([[2, 3, 0.5]])
DV = np.array([[1, 1, 1], [2, 2, 2], [3, 3, 3]], dtype=float)
# the book's printed results, and dweights worked by hand: row i of X^T times the column
# [1, 2, 3] of dvalues, e.g. 1*1 + 2*2 - 1.5*3 = 0.5 and 2*1 + 5*2 + 2.7*3 = 20.1
BOOK_DINPUTS = [[0.44, -0.38, -0.07, 1.37], [0.88, -0.76, -0.14, 2.74],
                [1.32, -1.14, -0.21, 4.11]]
BOOK_DBIASES = [[6, 6, 6]]
HAND_DWEIGHTS = [[0.5] * 3, [20.1] * 3, [10.9] * 3, [4.1] * 3]


def numpy_gradients(X, W, dv):
    return {"dinputs": dv @ W.T, "dweights": X.T @ dv,
            "dbiases": dv.sum(axis=0, keepdims=True)}


def cells() -> list[dict]:
    return json.loads(NOTEBOOK.read_text())["cells"]


def text_of(kind: str) -> str:
    return "\n".join("".join(c["source"]) for c in cells() if c["cell_type"] == kind)


def printed(needle: str) -> str:
    """The saved output of the code cell whose source contains `needle`."""
    cell = next(c for c in cells() if c["cell_type"] == "code" and needle in "".join(c["source"]))
    return "".join("".join(o.get("text", "")) for o in cell["outputs"])


def printed_matrix(text: str, title: str) -> np.ndarray:
    """The rows printed under the line starting with `title`."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(title))
    rows = []
    for line in lines[start + 1:]:
        if not line.startswith("  ["):
            break
        rows.append([float(v) for v in line.strip()[1:-1].split()])
    return np.array(rows)


def lab_as_in_the_notebook() -> LayerLab:
    assert any("".join(c["source"]).strip() == "LayerLab()" for c in cells())
    return LayerLab()


def heatmaps(lab) -> dict[str, np.ndarray]:
    return {trace.name: np.array(trace.z, dtype=float) for trace in lab.figure.data}


def changed(before: dict, after: dict) -> dict[str, set]:
    return {name: {tuple(int(i) for i in index)
                   for index in zip(*np.nonzero(~np.isclose(before[name], after[name],
                                                             rtol=0, atol=1e-12)), strict=True)}
            for name in before}


# -- the book's example and the printed numbers ------------------------------------------------

def test_the_book_example_in_gradlab_is_the_chapters():
    book = gl.nn.book_layer()
    for name, array in (("inputs", X), ("weights", W), ("biases", B), ("dvalues", DV)):
        assert np.array_equal(book[name], array)


def test_numpy_agrees_with_the_books_results_and_the_hand_dweights():
    grads = numpy_gradients(X, W, DV)
    assert np.allclose(grads["dinputs"], BOOK_DINPUTS, atol=1e-12)
    assert np.allclose(grads["dbiases"], BOOK_DBIASES, atol=1e-12)
    assert np.allclose(grads["dweights"], HAND_DWEIGHTS, atol=1e-12)


def test_the_printed_results_are_the_books():
    source = text_of("code")
    assert "X = np.array([[1, 2, 3, 2.5], [2, 5, -1, 2], [-1.5, 2.7, 3.3, -0.8]])" in source
    assert ("W = np.array([[0.2, 0.8, -0.5, 1], [0.5, -0.91, 0.26, -0.5], "
            "[-0.26, -0.27, 0.17, 0.87]]).T") in source
    assert "b = np.array([[2, 3, 0.5]])" in source
    assert "dvalues = np.array([[1, 1, 1], [2, 2, 2], [3, 3, 3]])" in source
    text = printed("gl.nn.layer_backward(X, W, b, dvalues)")
    grads = numpy_gradients(X, W, DV)
    assert np.allclose(printed_matrix(text, "output = inputs·weights + biases"), X @ W + B,
                       atol=5e-6)
    assert np.allclose(printed_matrix(text, "dinputs = dvalues·weightsᵀ"), BOOK_DINPUTS,
                       atol=5e-6)
    assert np.allclose(printed_matrix(text, "dweights = inputsᵀ·dvalues"), grads["dweights"],
                       atol=5e-6)
    assert np.allclose(printed_matrix(text, "dbiases = the column sums"), BOOK_DBIASES,
                       atol=5e-6)
    assert "dinputs = dvalues·weightsᵀ, shape (3, 4)" in text
    assert "dweights = inputsᵀ·dvalues, shape (4, 3)" in text


def test_the_printed_chain_is_the_sum_over_samples_worked_by_hand():
    text = printed('gl.nn.entry_chain(X, W, b, dvalues, "dweights[1,2]")')
    for n in range(3):  # X[n,1] * dvalues[n,2]
        assert (f"sample {n}: via X[{n},1]·W[1,2]: {X[n, 1]:g} × {DV[n, 2]:g} = "
                f"{X[n, 1] * DV[n, 2]:g}") in text
    assert text.rstrip().endswith(f"= {(X[:, 1] @ DV[:, 2]):g}")


# -- the core the lab draws from, against numpy ------------------------------------------------

def test_layer_backward_and_every_entry_chain_agree_with_numpy_on_random_layers():
    rng = np.random.default_rng(7)
    for samples, n_inputs, neurons in ((3, 4, 3), (2, 5, 1), (1, 1, 2)):
        X_, W_ = rng.normal(size=(samples, n_inputs)), rng.normal(size=(n_inputs, neurons))
        b_, dv = rng.normal(size=(1, neurons)), rng.normal(size=(samples, neurons))
        result = gl.nn.layer_backward(X_, W_, b_, dv)
        grads = numpy_gradients(X_, W_, dv)
        assert np.allclose(result.output, X_ @ W_ + b_, rtol=1e-13, atol=1e-13)
        for name, expected in grads.items():
            assert np.allclose(getattr(result, name), expected, rtol=1e-13, atol=1e-13)
            for r, c in np.ndindex(expected.shape):
                entry = f"{name}[{c}]" if name == "dbiases" else f"{name}[{r},{c}]"
                chain = gl.nn.entry_chain(X_, W_, b_, dv, entry)
                assert chain.total == pytest.approx(expected[r, c], rel=1e-12, abs=1e-12)
                if name == "dweights":  # X[n,i] * dvalues[n,j], one per sample
                    local, up = X_[:, r], dv[:, c]
                elif name == "dinputs":  # W[i,j] * dvalues[n,j], one per neuron
                    local, up = W_[c, :], dv[r, :]
                else:  # 1 * dvalues[n,j], one per sample
                    local, up = np.ones(samples), dv[:, c]
                assert [t.local for t in chain.terms] == pytest.approx(local.tolist())
                assert [t.upstream for t in chain.terms] == pytest.approx(up.tolist())
                assert [t.contribution for t in chain.terms] == pytest.approx(
                    (local * up).tolist())


def test_the_core_rejects_a_layer_that_does_not_fit_clearly():
    with pytest.raises(ValueError, match=r"weights \(n_inputs, neurons\).*weights \(3, 3\)"):
        gl.nn.layer_backward(X, np.ones((3, 3)), B, DV)
    with pytest.raises(ValueError, match="finite"):
        gl.nn.layer_backward(X, W, B, np.full((3, 3), np.nan))
    with pytest.raises(ValueError, match=r"no entry 'dweights\[4,0\]'"):
        gl.nn.entry_chain(X, W, B, DV, "dweights[4,0]")
    with pytest.raises(ValueError, match="no entry"):
        gl.nn.entry_chain(X, W, B, DV, "dbiases[0,1]")  # a bias row has one index


# -- each Try this ------------------------------------------------------------------------------

def test_the_tries_say_what_these_tests_check():
    text = text_of("markdown")
    assert "Read the table for dweights[1,2]: three terms" in text
    assert "Change dvalues[0,2] to 0: which entries of the three results change? Column 2 of " \
           "dweights,\n  row 0 of dinputs and dbiases[2]." in text
    assert "Change X[1,1] (now 5): only row 1 of dweights changes, and dinputs not at all." in text
    assert "Change a bias, b[0]: the output changes, but not one gradient does." in text
    assert "Explain dinputs[0,3], then change W[3,1]" in text


def test_dweights_1_2_has_three_terms_and_no_weight_in_them():
    lab = lab_as_in_the_notebook()
    assert lab.explain.value == "dweights[1,2]"
    terms = lab.chain.terms
    assert [t.index for t in terms] == [0, 1, 2]
    assert [t.local for t in terms] == X[:, 1].tolist()
    assert [t.upstream for t in terms] == DV[:, 2].tolist()
    assert lab.chain.total == pytest.approx(X[:, 1] @ DV[:, 2], abs=1e-12)
    # no weight in them: other weights leave the chain as it is
    lab.choose("W[1,2]")
    lab.slider.value = -1.5
    assert [t.contribution for t in lab.chain.terms] == (X[:, 1] * DV[:, 2]).tolist()


def test_zeroing_dvalues_0_2_changes_column_2_of_dweights_row_0_of_dinputs_and_dbiases_2():
    lab = lab_as_in_the_notebook()
    before = heatmaps(lab)
    lab.choose("dvalues[0,2]")
    assert lab.slider.min <= 0.0 <= lab.slider.max
    lab.slider.value = 0.0
    after = heatmaps(lab)
    dv = DV.copy()
    dv[0, 2] = 0.0
    expected = numpy_gradients(X, W, dv)
    for name in after:
        assert np.allclose(after[name], expected[name], atol=1e-12)
    assert changed(before, after) == {
        "dweights": {(i, 2) for i in range(4)},
        "dinputs": {(0, i) for i in range(4)},
        "dbiases": {(0, 2)},
    }


def test_changing_x_1_1_moves_only_row_1_of_dweights_and_no_dinputs():
    lab = lab_as_in_the_notebook()
    assert lab.parameter == "X[1,1]" and lab.slider.value == 5.0
    before = heatmaps(lab)
    for value in (7.0, -2.5):
        assert lab.slider.min <= value <= lab.slider.max
        lab.slider.value = value
        x = X.copy()
        x[1, 1] = value
        after = heatmaps(lab)
        assert np.allclose(after["dweights"], numpy_gradients(x, W, DV)["dweights"], atol=1e-12)
        assert changed(before, after) == {"dweights": {(1, j) for j in range(3)},
                                          "dinputs": set(), "dbiases": set()}


def test_changing_a_bias_moves_the_output_but_no_gradient():
    lab = lab_as_in_the_notebook()
    before = heatmaps(lab)
    lab.choose("b[0]")
    lab.slider.value = -1.0
    assert changed(before, heatmaps(lab)) == {"dinputs": set(), "dweights": set(),
                                              "dbiases": set()}
    b = B.astype(float).copy()
    b[0, 0] = -1.0
    shown = {of: value for of, value in tagged(lab.inputs_view.value) if of.startswith("output")}
    expected = X @ W + b
    assert shown == {f"output[{n},{j}]": pytest.approx(expected[n, j], abs=1e-12)
                     for n, j in np.ndindex(3, 3)}
    assert shown["output[0,0]"] != pytest.approx((X @ W + B)[0, 0])


def test_changing_w_3_1_moves_column_3_of_dinputs_and_term_1_of_dinputs_0_3():
    lab = lab_as_in_the_notebook()
    lab.explain.value = "dinputs[0,3]"
    assert [t.local for t in lab.chain.terms] == W[3, :].tolist()
    before, terms_before = heatmaps(lab), lab.chain.terms
    lab.choose("W[3,1]")
    lab.slider.value = 1.2
    w = W.copy()
    w[3, 1] = 1.2
    assert changed(before, heatmaps(lab)) == {"dinputs": {(n, 3) for n in range(3)},
                                              "dweights": set(), "dbiases": set()}
    moved = [j for j, (a, b) in enumerate(zip(terms_before, lab.chain.terms, strict=True))
             if a != b]
    assert moved == [1] and lab.chain.terms[1].local == 1.2
    assert lab.chain.total == pytest.approx((DV @ w.T)[0, 3], abs=1e-12)


def tagged(markup: str) -> list[tuple[str, float]]:
    return [(of, float(value)) for of, value in re.findall(
        r'data-gradlab-of="([^"]*)" data-gradlab-at="[^"]*" data-gradlab-value="([^"]*)"',
        markup)]


# -- the exercises ------------------------------------------------------------------------------

EXERCISES = [
    # dweights[2,0] with dvalues' column 0 = [1, 0, -2]: 3*1 + (-1)*0 + 3.3*(-2) = -3.6
    ("d0*x0*w + d1*x1*w + d2*x2*w", "w",
     {"d0": 1, "d1": 0, "d2": -2, "x0": 3, "x1": -1, "x2": 3.3, "w": -0.5},
     "dweights[2,0]", {"dvalues[0,0]": 1, "dvalues[1,0]": 0, "dvalues[2,0]": -2}, -3.6),
    # dinputs[1,3] with dvalues' row 1 = [1, -1, 2]: 1*1 + (-1)*(-0.5) + 2*0.87 = 3.24
    ("d0*w0*x + d1*w1*x + d2*w2*x", "x",
     {"d0": 1, "d1": -1, "d2": 2, "w0": 1, "w1": -0.5, "w2": 0.87, "x": 2},
     "dinputs[1,3]", {"dvalues[1,0]": 1, "dvalues[1,1]": -1, "dvalues[1,2]": 2}, 3.24),
]


@pytest.mark.parametrize("expression, partial, at, entry, point, answer", EXERCISES)
def test_each_exercise_is_right_checkable_in_the_lab_and_not_on_the_page(
        expression, partial, at, entry, point, answer):
    source = text_of("code")
    assert f'Exercise("{expression}", partial="{partial}", at={json.dumps(at)}' in source
    exercise = Exercise(expression, at=at, partial=partial)
    assert exercise.expected == pytest.approx(answer, abs=1e-12)
    dv = DV.copy()
    for name, value in point.items():
        n, j = (int(k) for k in name[len("dvalues["):-1].split(","))
        dv[n, j] = value
    name, (r, c) = entry.split("[")[0], (int(k) for k in entry[:-1].split("[")[1].split(","))
    assert numpy_gradients(X, W, dv)[name][r, c] == pytest.approx(answer, abs=1e-12)
    lab = LayerLab()  # the text: set the dvalues it names, explain the entry
    lab.explain.value = entry
    for name_, value in point.items():
        lab.choose(name_)
        lab.slider.value = float(value)
    assert lab.chain.total == pytest.approx(answer, abs=1e-12)
    outputs = "".join(printed(needle) for needle in ("layer_backward", "entry_chain"))
    assert f"{answer:g}" not in outputs
    assert f'data-gradlab-value="{answer!r}"' not in LayerLab().chain_view.value
