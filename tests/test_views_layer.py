"""LayerLab driven headlessly: every number it shows (heatmap cells, the output table, the chain
table, the tagged totals) read back with the label beside it and checked against numpy worked
from the arrays; the slider, the dropdowns, a click and the reset move them; bad input gets a
clear message."""

import html
import json
import math
import re
from types import SimpleNamespace

import ipywidgets  # noqa: F401 - required: a missing one fails the tests
import numpy as np
import plotly  # noqa: F401 - required: a missing one fails the tests
import pytest

from gradlab.views import LayerLab  # noqa: E402
from gradlab.views._common import fmt  # noqa: E402

X = np.array([[1, 2, 3, 2.5], [2, 5, -1, 2], [-1.5, 2.7, 3.3, -0.8]])
W = np.array([[0.2, 0.8, -0.5, 1], [0.5, -0.91, 0.26, -0.5], [-0.26, -0.27, 0.17, 0.87]]).T
B = np.array([[2, 3, 0.5]])
DV = np.array([[1, 1, 1], [2, 2, 2], [3, 3, 3]], dtype=float)


def by_numpy(X, W, B, DV) -> dict[str, np.ndarray]:
    return {"output": X @ W + B, "dinputs": DV @ W.T, "dweights": X.T @ DV,
            "dbiases": DV.sum(axis=0, keepdims=True)}


def tags(markup: str) -> list[dict]:
    found = re.findall(r'data-gradlab-expression="([^"]*)" data-gradlab-of="([^"]*)" '
                       r'data-gradlab-at="([^"]*)" data-gradlab-value="([^"]*)"'
                       r'(?: data-gradlab-check="([^"]*)")?>([^<]*)<', markup)
    return [{"expression": html.unescape(e), "of": html.unescape(of),
             "at": json.loads(html.unescape(at)), "value": float(v),
             "check": json.loads(html.unescape(check)) if check else None,
             "text": html.unescape(text)} for e, of, at, v, check, text in found]


def entry_value(grads: dict, of: str) -> float:
    name, inside = of[:-1].split("[")
    index = [int(k) for k in inside.split(",")]
    r, c = (0, index[0]) if len(index) == 1 else index
    return float(grads[name][r, c])


def assert_shows(lab, X, W, B, DV) -> None:
    """Each heatmap (its title names the formula) and each cell's text; the output table and the
    chain's totals (their labels in the tags) against numpy."""
    grads = by_numpy(X, W, B, DV)
    titles = [a.text for a in lab.figure.layout.annotations]
    assert titles == ["dinputs = dvalues·Wᵀ", "dweights = Xᵀ·dvalues",
                      "dbiases = Σ<sub>n</sub> dvalues"]
    for trace in lab.figure.data:
        z = np.array(trace.z, dtype=float)
        assert np.allclose(z, grads[trace.name], rtol=1e-13, atol=1e-13), trace.name
        assert [list(row) for row in trace.text] == [[fmt(v) for v in row] for row in z]
    shown = tags(lab.inputs_view.value) + tags(lab.chain_view.value)
    assert {t["of"] for t in shown} >= {f"output[{n},{j}]" for n, j in np.ndindex(3, 3)}
    for t in shown:
        expected = entry_value(grads, t["of"])
        assert t["value"] == pytest.approx(expected, rel=1e-12, abs=1e-12), t["of"]
        assert float(t["text"].replace("−", "-")) == pytest.approx(expected, rel=5e-4,
                                                                  abs=1e-12)
        assert t["expression"] == "" and t["check"]["kind"] == "layer"
        at = t["at"]  # the point the number is for: every entry, keyed as the slider names it
        assert at["X[1,1]"] == X[1, 1] and at["W[3,2]"] == W[3, 2] and at["b[2]"] == B[0, 2]
        assert at["dvalues[2,0]"] == DV[2, 0] and len(at) == X.size + W.size + B.size + DV.size


def chain_rows(lab) -> list[list[str]]:
    table = lab.chain_view.value.split("<table", 1)[1].split("</table>", 1)[0]
    rows = re.findall(r"<tr>(.*?)</tr>", table)
    return [[html.unescape(c) for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row)]
            for row in rows]


def test_the_default_lab_shows_the_books_layer_by_numpy():
    lab = LayerLab()
    assert_shows(lab, X, W, B, DV)
    assert lab.slider.description == "X[1,1]" and lab.slider.value == 5.0
    assert lab.message.text == ""


def test_the_chain_table_labels_each_term_and_its_numbers():
    lab = LayerLab()  # dweights[1,2] = sum over n of X[n,1] * dvalues[n,2]
    head, *rows = chain_rows(lab)
    assert head == ["sample n", "through", "local = X[n,1]", "upstream = dvalues[n,2]",
                    "contribution = local × upstream"]
    assert rows == [[str(n), f"X[{n},1]·W[1,2]", fmt(X[n, 1]), fmt(DV[n, 2]),
                     fmt(X[n, 1] * DV[n, 2])] for n in range(3)]
    assert "✓ the same number" in lab.chain_view.value
    lab.explain.value = "dbiases[1]"  # 1 * dvalues[n,1], one per sample
    head, *rows = chain_rows(lab)
    assert head[2:4] == ["local = 1", "upstream = dvalues[n,1]"]
    assert [row[2:] for row in rows] == [["1", fmt(DV[n, 1]), fmt(DV[n, 1])] for n in range(3)]
    lab.explain.value = "dinputs[2,0]"  # W[0,j] * dvalues[2,j], one per neuron
    head, *rows = chain_rows(lab)
    assert head[:4] == ["neuron j", "through", "local = W[0,j]", "upstream = dvalues[2,j]"]
    assert [row[2:] for row in rows] == [[fmt(W[0, j]), fmt(DV[2, j]), fmt(W[0, j] * DV[2, j])]
                                         for j in range(3)]
    assert_shows(lab, X, W, B, DV)


def test_the_slider_moves_every_number_it_should():
    lab = LayerLab()
    x = X.copy()
    for value in (-3.7, 0.0, 9.9):
        lab.slider.value = value
        x[1, 1] = value
        assert_shows(lab, x, W, B, DV)
    lab.choose("dvalues[2,1]")
    assert (lab.slider.description, lab.slider.min, lab.slider.max, lab.slider.step) == (
        "dvalues[2,1]", -5.0, 5.0, 0.1)
    assert lab.slider.value == 3.0  # the entry's value, not the last one's
    lab.slider.value = -4.2
    dv = DV.copy()
    dv[2, 1] = -4.2
    assert_shows(lab, x, W, B, dv)
    lab.choice.value = "W[1,1]"  # the dropdown, as a learner picks
    assert lab.slider.value == -0.91 and lab.slider.step == 0.01  # exact, and W's step
    lab.slider.value = 1.37
    w = W.copy()
    w[1, 1] = 1.37
    assert_shows(lab, x, w, B, dv)
    lab.choose("X[1,1]")  # back to an entry moved earlier: it kept its value
    assert lab.slider.value == 9.9


def test_the_inputs_shade_the_slider_entry_and_outline_the_explained_factors():
    lab = LayerLab()
    markup = lab.inputs_view.value
    assert markup.count("background:#f6ef9a") == 1  # X[1,1]
    # dweights[1,2] = sum over n of X[n,1] dvalues[n,2]: 3 entries of X, 3 of dvalues
    assert markup.count("outline:3px") == 6
    lab.explain.value = "dinputs[0,3]"  # W[3,j] and dvalues[0,j]
    assert lab.inputs_view.value.count("outline:3px") == 6
    shape = lab.figure.layout.shapes[0]
    assert (shape.xref, shape.yref, shape.x0, shape.y0) == ("x", "y", 2.5, -0.5)


def test_a_click_on_a_cell_explains_it():
    lab = LayerLab()
    dweights = next(trace for trace in lab.figure.data if trace.name == "dweights")
    lab._on_cell(dweights, SimpleNamespace(xs=[0], ys=[3]), None)
    assert lab.explain.value == "dweights[3,0]"
    assert lab.chain.total == pytest.approx(X[:, 3] @ DV[:, 0], abs=1e-12)
    dbiases = next(trace for trace in lab.figure.data if trace.name == "dbiases")
    lab._on_cell(dbiases, SimpleNamespace(xs=[2], ys=[0]), None)
    assert lab.explain.value == "dbiases[2]"
    lab._on_cell(dbiases, SimpleNamespace(xs=[], ys=[]), None)  # a click on no cell
    assert lab.explain.value == "dbiases[2]" and lab.message.text == ""


def test_the_book_button_puts_every_entry_back():
    lab = LayerLab()
    lab.slider.value = -8.0
    lab.choose("W[0,0]")
    lab.slider.value = 1.5
    lab.book_button.click()
    assert_shows(lab, X, W, B, DV)
    assert lab.slider.description == "W[0,0]" and lab.slider.value == 0.2


def test_a_lab_of_other_numbers_widens_the_slider_to_hold_its_value():
    lab = LayerLab(inputs=np.full((2, 1), 12.5), weights=[[0.5, -1.0]], biases=[0.0, 1.0],
                   dvalues=[[1.0, 0.0], [0.0, 2.0]], change="X[0,0]", explain="dweights[0,1]")
    assert lab.slider.value == 12.5 and lab.slider.max >= 12.5
    assert lab.book_button.description == "start values"
    x = np.full((2, 1), 12.5)
    w = np.array([[0.5, -1.0]])
    dv = np.array([[1.0, 0.0], [0.0, 2.0]])
    grads = by_numpy(x, w, np.array([[0.0, 1.0]]), dv)
    assert np.allclose(lab.result.dweights, grads["dweights"])
    assert lab.chain.total == pytest.approx(25.0)  # 12.5 * 0 + 12.5 * 2
    assert "at the end of its range" in lab.message.text


def test_bad_input_gets_a_clear_message_never_a_traceback():
    with pytest.raises(ValueError, match=r"dvalues \(samples, neurons\).*dvalues \(2, 3\)"):
        LayerLab(dvalues=np.ones((2, 3)))
    with pytest.raises(ValueError, match=r"no entry 'Q\[0\]'"):
        LayerLab(change="Q[0]")
    with pytest.raises(ValueError, match="explain must be an entry of a result"):
        LayerLab(explain="dweights[9,9]")
    lab = LayerLab()
    lab.choose("X[7,0]")
    assert "no entry 'X[7,0]'" in lab.message.text and lab.message.kind == "error"
    assert lab.parameter == "X[1,1]"
    lab.update({"W[0,0]": math.nan})
    assert "W[0,0] must be a finite number" in lab.message.text
    assert lab.arrays["W"][0, 0] == W[0, 0]
    lab.slider.value = 4.0  # the next move clears the message
    assert lab.message.text == ""
    x = X.copy()
    x[1, 1] = 4.0
    assert_shows(lab, x, W, B, DV)


def test_the_figure_keeps_its_traces_over_many_moves():
    lab = LayerLab()
    (figure,) = lab.figures
    for i in range(60):
        lab.slider.value = -5 + (i % 20) * 0.5
    assert lab.figures == [figure] and len(figure.data) == 3 and len(figure.layout.shapes) == 1
