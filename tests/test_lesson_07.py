"""Lesson 7 as a learner meets it: the book's layer example and its printed results checked
against numpy and the book's own numbers; the LayerLab built as the notebook builds it and
driven to each state a "Try this" asks for, with what the text says happens checked against
numpy formulas (never the core); and the exercises, made from the notebook's own cells (read
with ast): each answer checked with numpy, plausible wrong answers rejected, each checkable in
the lab, and no answer on the page before the learner gives one."""

import json
import re

import ipywidgets  # noqa: F401 - required: a missing one fails the tests
import numpy as np
import plotly  # noqa: F401 - required: a missing one fails the tests
import practice_checks as practice  # noqa: E402
import pytest
import visible  # noqa: E402
from lesson_page import (  # noqa: E402
    Lesson,
    arithmetic,
    assert_cells_hide_their_code,
    assert_ends_with_progress,
    assert_key_answers,
    assert_progress_counts,
    number_texts,
)
from lesson_page import shows_answer as shows  # noqa: E402

import gradlab as gl  # noqa: E402
from gradlab.views import Exercise, LayerLab  # noqa: E402

LESSON = Lesson("07_layer_backprop", "07-05", ("LayerLab(",))
NOTEBOOK = LESSON.path

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
    assert "Change dvalues[0,2] to 0: predict which entries of the three results change" in text
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
    return [(tag["of"], float(tag["value"])) for tag, _ in visible.tags(markup)]


# -- the exercises, made from the notebook's own cells -------------------------------------------


def made(cell_id: str) -> Exercise:
    """The exercise exactly as the notebook's cell makes it (read with ast), made fresh."""
    maker, args, kwargs = exercise_calls()[cell_id]
    return maker(*args, **kwargs)


def exercise_calls() -> dict:
    return practice.exercise_calls_by_cell(cells())


def answer_texts(exercise: Exercise) -> set[str]:
    if exercise.kind == "number":
        return number_texts(exercise.expected)
    return {exercise.expected} if isinstance(exercise.expected, str) else set(exercise.expected)


def entry_of(name: str, grads: dict) -> float:
    part, inside = name[:-1].split("[")
    index = [int(k) for k in inside.split(",")]
    return float(grads[part][(0, index[0]) if len(index) == 1 else tuple(index)])


EXERCISES = ("07-14", "07-20", "07-15", "07-21")
# each number exercise: the entry it asks for and the dvalues it sets, as the question says
NUMBERS = {
    "07-14": ("dweights[2,0]", {"dvalues[0,0]": 1, "dvalues[1,0]": 0, "dvalues[2,0]": -2}),
    "07-15": ("dinputs[1,3]", {"dvalues[1,0]": 1, "dvalues[1,1]": -1, "dvalues[1,2]": 2}),
    "07-21": ("dbiases[1]", {"dvalues[0,1]": 1.5, "dvalues[1,1]": -2, "dvalues[2,1]": 4}),
}


def with_dvalues(point: dict) -> np.ndarray:
    dv = DV.copy()
    for name, value in point.items():
        dv[tuple(int(k) for k in name[len("dvalues["):-1].split(","))] = value
    return dv


def test_the_lesson_has_four_exercises_each_after_its_idea_then_progress():
    ids = [c["id"] for c in cells()]
    assert list(exercise_calls()) == list(EXERCISES)
    assert [made(i).kind for i in EXERCISES] == ["number", "choice", "number", "number"]
    # one weight (07-03): dweights and the shape; one input (07-17); one bias (07-18)
    assert ids.index("07-03") < ids.index("07-14") < ids.index("07-20") < ids.index("07-17") \
        < ids.index("07-15") < ids.index("07-18") < ids.index("07-21") < ids.index("07-04")
    assert_ends_with_progress(["".join(c["source"]) for c in cells()])
    assert_progress_counts([made(i) for i in EXERCISES])


@pytest.mark.parametrize("cell_id", list(NUMBERS))
def test_each_number_exercise_is_the_numpy_entry_and_checkable_in_the_lab(cell_id):
    exercise = made(cell_id)
    entry, point = NUMBERS[cell_id]
    dv = with_dvalues(point)
    answer = entry_of(entry, numpy_gradients(X, W, dv))
    assert exercise.expected == pytest.approx(answer, abs=1e-12)
    assert f"What is {entry} = " in exercise.question_text
    # the hint's worked step is the sum, by SymPy; and the hints stop before the number
    assert arithmetic(exercise.hints[2]) == pytest.approx(answer, abs=1e-12)
    # the lab: set the dvalues the question names, explain the entry
    lab = LayerLab()
    lab.explain.value = entry
    for name, value in point.items():
        lab.choose(name)
        lab.slider.value = float(value)
    assert lab.chain.total == pytest.approx(answer, abs=1e-12)
    assert exercise.check(f"{answer:g}") is True
    assert exercise.check(f"{-answer:g}") is False and "sign" in exercise.result.message


def test_exercise_dweights_2_0_uses_column_2_of_x_and_column_0_of_the_new_dvalues():
    exercise = made("07-14")
    assert "column 0 is [1, 0, −2]. Column 2 of X is [3, −1, 3.3]" in exercise.question_text
    assert [exercise.at[f"x{n}"] for n in range(3)] == X[:, 2].tolist()
    assert [exercise.at[f"d{n}"] for n in range(3)] == with_dvalues(NUMBERS["07-14"][1])[:, 0] \
        .tolist()
    dv = with_dvalues(NUMBERS["07-14"][1])
    for wrong in (X[:, 2].sum(),  # the local derivatives alone
                  X[2, :3] @ dv[:, 0],  # row 2 of X instead of column 2
                  X[:, 2] @ DV[:, 0]):  # the book's dvalues, not the new ones
        assert exercise.check(f"{wrong:g}") is False


def test_exercise_dinputs_1_3_uses_row_3_of_w_and_row_1_of_the_new_dvalues():
    exercise = made("07-15")
    assert "row 1 is [1, −1, 2]. Row 3 of W is [1, −0.5, 0.87]" in exercise.question_text
    assert [exercise.at[f"w{j}"] for j in range(3)] == W[3, :].tolist()
    dv = with_dvalues(NUMBERS["07-15"][1])
    assert [exercise.at[f"d{j}"] for j in range(3)] == dv[1, :].tolist()
    for wrong in (W[3, :].sum(),  # the weights alone
                  W[:3, 3 - 1] @ dv[1, :],  # a column of W instead of row 3
                  W[3, :] @ DV[1, :]):  # the book's dvalues
        assert exercise.check(f"{wrong:g}") is False


def test_exercise_dbiases_1_is_the_column_sum_whatever_x_and_w_are():
    exercise = made("07-21")
    assert "column 1 is [1.5, −2, 4]" in exercise.question_text
    # the expression is the book's layer: u_n = sum_i X[n,i] W[i,1], b = b[1]
    assert [exercise.at[f"u{n}"] for n in range(3)] == pytest.approx((X @ W[:, 1]).tolist(),
                                                                      abs=1e-12)
    assert exercise.at["b"] == B[0, 1]
    dv = with_dvalues(NUMBERS["07-21"][1])
    for wrong in (DV[:, 1].sum(),  # the book's dbiases
                  dv[:, 1] @ (X @ W + B)[:, 1],  # L itself, not its partial
                  dv[1, :].sum()):  # a row sum instead of a column sum
        assert exercise.check(f"{wrong:g}") is False


def test_exercise_the_shape_of_dweights_and_what_each_wrong_shape_is():
    exercise = made("07-20")
    assert "5 samples with 2 inputs each (X is 5×2) goes through 4 neurons" in \
        exercise.question_text
    rng = np.random.default_rng(0)
    x, w = rng.normal(size=(5, 2)), rng.normal(size=(2, 4))
    b, dv = rng.normal(size=(1, 4)), rng.normal(size=(5, 4))
    grads = numpy_gradients(x, w, dv)
    assert exercise.expected == str(grads["dweights"].shape) == str(w.shape) == "(2, 4)"
    # each wrong option's feedback names what really has that shape
    shapes = {"X": x.shape, "dinputs": grads["dinputs"].shape, "output": (x @ w + b).shape,
              "dvalues": dv.shape, "biases": b.shape, "dbiases": grads["dbiases"].shape}
    feedback = exercise.problem.feedback
    assert set(feedback) == set(exercise.problem.options) - {"(2, 4)"}
    for option, text in feedback.items():
        named = [name for name in shapes if re.search(rf"\b{name}\b", text)]
        if option != "(4, 2)":  # W transposed: checked below
            assert named and all(str(shapes[name]) == option for name in named), (option, text)
        assert exercise.check(option) is False and exercise.result.message == text
    assert str(w.T.shape) == "(4, 2)" and "swapped" in feedback["(4, 2)"]
    assert exercise.check("(2, 4)") is True


def test_no_answer_is_on_the_page_before_the_learner_answers():
    outputs = LESSON.saved_outputs()
    prose = text_of("markdown")
    exercises = {cell_id: made(cell_id) for cell_id in EXERCISES}
    hints = [hint for e in exercises.values() for hint in e.hints]
    lab = LayerLab()  # at the book's numbers, as the page opens
    shown = re.sub(r"<[^>]+>", " ", lab.inputs_view.value + lab.chain_view.value)
    shown += " ".join(text for trace in lab.figure.data for row in trace.text for text in row)
    assert "20.1" in shown and "4.11" in shown  # the readouts were read
    for cell_id, exercise in exercises.items():
        questions = ([] if exercise.kind == "choice" else
                     [e.question_text for e in exercises.values()])
        for answer in answer_texts(exercise):
            for where, text in (("output", outputs), ("prose", prose), ("lab", shown)):
                assert not shows(text, answer), (cell_id, answer, where)
            assert not any(shows(text, answer) for text in [*hints, *questions]), \
                (cell_id, answer)


def test_the_answer_key_has_every_exercise_with_the_cores_answer():
    key = LESSON.key.read_text()
    assert_key_answers(key, [made(cell_id) for cell_id in EXERCISES])
    assert len(re.findall(r"^### Try this: ", key, flags=re.M)) == 5


def test_the_exercise_cells_hide_their_code_which_holds_the_hints_and_the_choice():
    """The code of an exercise holds its hints and a choice's answer: JupyterLab shows the
    cell collapsed, so a learner meets the question, not the answer."""
    by_id = {c["id"]: c for c in cells()}
    assert '"(2, 4)"' in "".join(by_id["07-20"]["source"])  # the answer is in the code
    assert_cells_hide_their_code(by_id, {c: made(c) for c in EXERCISES}, answer_texts, shows)
