"""LayerLab: a batch through the book's dense layer (NNFS ch. 9). Change one entry of the inputs
X, the weights W, the biases b or the gradient dvalues from the next layer, and watch the core's
dinputs = dvalues·Wᵀ, dweights = Xᵀ·dvalues and dbiases = the column sums of dvalues; one entry
is written out as the neuron-level chain rule that backward recorded, a term per path.

(Over 350 lines: the entries, the slider, the readouts and the chain text of one entry all
read the same arrays and the same chosen entry; the drawings are in layer_parts.py.)"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from typing import Any

import ipywidgets as widgets
import numpy as np

from ..nn import EntryChain, LayerBackward, book_layer, entry_chain, layer_arrays, layer_backward
from ._base import BookExample
from ._common import (
    PALETTE,
    Message,
    SliderChoiceCallbacks,
    describe_lab,
    fmt,
    guarded,
    make_slider,
    tagged,
)
from .figure import Figure, FigureStateOnDisplay
from .layer_parts import matrix_table, results_figure

# what the learner can change: name -> (what it is, slider range, slider step)
PARTS: dict[str, tuple[str, tuple[float, float], float]] = {
    "X": ("inputs", (-10.0, 10.0), 0.1),
    "W": ("weights", (-2.0, 2.0), 0.01),
    "b": ("biases", (-5.0, 5.0), 0.1),
    "dvalues": ("gradient from the next layer", (-5.0, 5.0), 0.1),
}
RESULTS = {"dinputs": "dvalues·Wᵀ", "dweights": "Xᵀ·dvalues", "dbiases": "column sums of dvalues"}
# which leaves each gradient is of, and what its paths run over
LEAF = {"dinputs": "X", "dweights": "W", "dbiases": "b"}
_ENTRY = re.compile(r"(X|W|b|dvalues)\[(\d+)(?:,(\d+))?\]")


def entry_name(part: str, row: int, column: int) -> str:
    """'X[1,2]'; a bias row has one index: 'b[2]', 'dbiases[2]'."""
    return f"{part}[{column}]" if part in ("b", "dbiases") else f"{part}[{row},{column}]"


class LayerLab(SliderChoiceCallbacks, BookExample, FigureStateOnDisplay, widgets.VBox):
    """The book's layer: X (samples, inputs), W (inputs, neurons), b (1, neurons) and dvalues
    (samples, neurons) = dL/d output, by default the book's example (`gradlab.nn.book_layer`).

    A dropdown picks an entry ("X[1,1]", "W[0,2]", "b[1]", "dvalues[2,0]") and the slider sets
    it; the heatmaps show dinputs, dweights and dbiases from the core's backward pass
    (`gradlab.nn.layer_backward`); a second dropdown (or a click on a heatmap's cell) picks an
    entry of a result, written below as the recorded chain rule of the layer built neuron by
    neuron (`gradlab.nn.entry_chain`): one term local × upstream per path, summed.

    `.arrays` maps X, W, b, dvalues to the current numbers, `.result` is the LayerBackward and
    `.chain` the EntryChain shown; `.sliders` maps the chosen entry to the slider.
    """

    __repr__ = describe_lab

    def __init__(self, inputs=None, weights=None, biases=None, dvalues=None,
                 change: str = "X[1,1]", explain: str = "dweights[1,2]") -> None:
        book = book_layer()
        given = {"inputs": inputs, "weights": weights, "biases": biases, "dvalues": dvalues}
        X, W, b, dv = layer_arrays(*[book[k] if v is None else v for k, v in given.items()])
        self.arrays: dict[str, np.ndarray] = {"X": X, "W": W, "b": b, "dvalues": dv}
        self.start = {name: array.copy() for name, array in self.arrays.items()}
        # how a test process recomputes the numbers shown: gradlab.nn.Dense at the point `at`
        self._check = {"kind": "layer",
                       "shapes": {name: list(a.shape) for name, a in self.arrays.items()}}
        self.message = Message()
        self.locate(change)  # a ValueError naming the entries, for a bad choice
        self.parameter = change
        self.choice = widgets.Dropdown(options=self.entries(), value=change,
                                       description="change",
                                       layout=widgets.Layout(width="210px"))
        part, _ = self.locate(change)
        self.slider = make_slider(change, self.value_of(change), *PARTS[part][1],
                                  step=PARTS[part][2])
        self.slider.readout_format = ".4"  # d3 "g" without trailing zeros: 2.7, not 2.700
        options = [entry_name(name, r, c) for name in RESULTS
                   for r, c in np.ndindex(self._result_shape(name))]
        if explain not in options:
            raise ValueError(f"explain must be an entry of a result, one of {options[0]} ... "
                             f"{options[-1]}; got {explain!r}")
        self.explain = widgets.Dropdown(options=options, value=explain, description="explain",
                                        layout=widgets.Layout(width="230px"))
        self.inputs_view = widgets.HTML()
        self.chain_view = widgets.HTML()
        self.figure = self._build_figure()
        self.figures = [self.figure]
        self.result: LayerBackward | None = None
        self.chain: EntryChain | None = None
        self._syncing = False
        self._disagreement = ""
        self._sync_slider()  # the exact value (make_slider snaps to its grid), range widened
        book_numbers = all(v is None for v in given.values())
        # the slider stays on the entry the learner chose (at its starting number)
        self.book_row([self.explain], book=book_numbers,
                      tooltip=f"back to the {'book' if book_numbers else 'start'}'s X, W, b and "
                              f"dvalues, explain {explain}")
        controls = widgets.HBox([self.choice, self.slider, self.book_button],
                                layout=widgets.Layout(flex_flow="row wrap",
                                                      align_items="center"))
        explain_row = widgets.HBox(
            [self.explain, widgets.HTML("<span style='font-size:14px;color:#555'>&nbsp; or "
                                        "click a cell of a result</span>")],
            layout=widgets.Layout(align_items="center"))
        super().__init__(children=[controls, self.message, self.inputs_view, self.figure,
                                   explain_row, self.chain_view])
        self.slider.observe(self._on_slider, names="value")
        self.choice.observe(self._on_choice, names="value")
        self.explain.observe(self._on_explain, names="value")
        for trace in self.figure.data:
            trace.on_click(self._on_cell)
        self.update()

    # -- entries ---------------------------------------------------------------------------------

    def entries(self) -> list[str]:
        """Every entry the slider can change: X[n,i], W[i,j], b[j], dvalues[n,j]."""
        return [entry_name(name, r, c) for name, array in self.arrays.items()
                for r, c in np.ndindex(array.shape)]

    def locate(self, entry: str) -> tuple[str, tuple[int, int]]:
        """'W[1,2]' -> ('W', (1, 2)); 'b[2]' -> ('b', (0, 2)). ValueError naming the choices."""
        match = _ENTRY.fullmatch(str(entry).replace(" ", ""))
        if match:
            name, first, second = match.groups()
            index = (0, int(first)) if second is None else (int(first), int(second))
            rows, columns = self.arrays[name].shape
            if (name == "b") == (second is None) and index[0] < rows and index[1] < columns:
                return name, index
        shapes = ", ".join(f"{name}[{'j' if name == 'b' else 'r,c'}] {a.shape}"
                           for name, a in self.arrays.items())
        raise ValueError(f"no entry {entry!r}: choose one of {shapes} (indices count from 0)")

    def value_of(self, entry: str) -> float:
        name, index = self.locate(entry)
        return float(self.arrays[name][index])

    @property
    def sliders(self) -> dict[str, widgets.FloatSlider]:
        return {self.parameter: self.slider}

    def _result_shape(self, name: str) -> tuple[int, int]:
        return self.arrays[LEAF[name]].shape

    # -- choosing and moving ---------------------------------------------------------------------

    @guarded
    def choose(self, entry: str) -> None:
        """Put another entry (e.g. 'W[0,2]', 'dvalues[1,0]') on the slider."""
        self.locate(entry)
        self.parameter = entry
        self._sync_slider()
        self.update()

    def _sync_slider(self) -> None:
        """The dropdown and the slider show the chosen entry, its range and its exact value
        (the range widened if the value lies outside it), without triggering an update."""
        entry = self.parameter
        part, _ = self.locate(entry)
        value = self.value_of(entry)
        (lo, hi), step = PARTS[part][1], PARTS[part][2]
        lo, hi = min(lo, value), max(hi, value)
        self._syncing = True
        try:
            if self.choice.value != entry:
                self.choice.value = entry
            # widen first and narrow after, so min <= value <= max holds at every assignment
            self.slider.min, self.slider.max = min(lo, self.slider.min), max(hi, self.slider.max)
            self.slider.step = step
            self.slider.value = value
            self.slider.min, self.slider.max = lo, hi
            self.slider.description = entry
        finally:
            self._syncing = False

    @guarded
    def update(self, point: Mapping[str, float] | None = None) -> None:
        """Redraw from the slider (or `point`, entry name -> value, written in first): the
        results by the core's backward pass, the heatmaps and the explained entry's chain."""
        for entry, value in (point or {}).items():
            self.locate(entry)
            if not np.isfinite(float(value)):
                raise ValueError(f"{entry} must be a finite number, got {value!r}")
        if point:
            for entry, value in point.items():
                name, index = self.locate(entry)
                self.arrays[name][index] = float(value)
            if self.parameter in point:
                self._sync_slider()
        else:
            name, index = self.locate(self.parameter)
            self.arrays[name][index] = float(self.slider.value)
        X, W, b, dv = (self.arrays[k] for k in ("X", "W", "b", "dvalues"))
        self.result = layer_backward(X, W, b, dv)
        self.chain = entry_chain(X, W, b, dv, self.explain.value)
        self._draw_inputs()
        self._draw_results()
        self._draw_chain()
        self._warn()

    def point(self) -> dict[str, float]:
        """Every entry's value, keyed by its name: where the numbers shown were computed."""
        return {entry_name(name, r, c): float(array[r, c]) for name, array in self.arrays.items()
                for r, c in np.ndindex(array.shape)}

    # -- drawing ---------------------------------------------------------------------------------

    def _build_figure(self) -> Figure:
        return results_figure({name: self._result_shape(name) for name in RESULTS})

    def _draw_results(self) -> None:
        result = self.result
        name, (row, column) = self._explained()
        panel = list(RESULTS).index(name) + 1
        suffix = "" if panel == 1 else str(panel)
        box = {"type": "rect", "xref": f"x{suffix}", "yref": f"y{suffix}",
               "x0": column - 0.5, "x1": column + 0.5, "y0": row - 0.5, "y1": row + 0.5,
               "line": {"color": PALETTE["point"], "width": 4}}
        with self.figure.batch_update():
            for name, values in (("dinputs", result.dinputs), ("dweights", result.dweights),
                                 ("dbiases", result.dbiases)):
                heatmap = self.figure.trace(name)
                heatmap.set(z=values)
                heatmap.set(text=[[fmt(v) for v in line] for line in values])
            self.figure.layout.shapes = [box]

    def _explained(self) -> tuple[str, tuple[int, int]]:
        text = self.explain.value
        name = text.split("[", 1)[0]
        numbers = [int(k) for k in text[len(name) + 1:-1].split(",")]
        return name, ((0, numbers[0]) if len(numbers) == 1 else (numbers[0], numbers[1]))

    def _tag(self, value: float, of: str, digits: int = 4) -> str:
        return tagged(fmt(value, digits), "", of, self.point(), value, self._check)

    def _matrix(self, part: str, title: str, values: np.ndarray,
                used: set[tuple[int, int]], tag: str | None = None) -> str:
        """One matrix as a small table (see matrix_table); numbers tagged as `tag`[r,c]."""
        changed = self.locate(self.parameter) if self.parameter.startswith(part + "[") else None
        shown = ((lambda r, c: self._tag(values[r, c], entry_name(tag, r, c))) if tag
                 else (lambda r, c: html.escape(fmt(values[r, c]))))
        return matrix_table(part, title, values.shape, shown, used,
                            changed[1] if changed is not None else None)

    def _used(self) -> dict[str, set[tuple[int, int]]]:
        """The entries of X, W and dvalues the explained entry is a sum of products of."""
        name, (row, column) = self._explained()
        samples = self.arrays["X"].shape[0]
        neurons = self.arrays["W"].shape[1]
        used: dict[str, set[tuple[int, int]]] = {"X": set(), "W": set(), "dvalues": set()}
        if name == "dweights":  # sum over samples n of X[n,i] dvalues[n,j]
            used["X"] = {(n, row) for n in range(samples)}
            used["dvalues"] = {(n, column) for n in range(samples)}
        elif name == "dinputs":  # sum over neurons j of W[i,j] dvalues[n,j]
            used["W"] = {(column, j) for j in range(neurons)}
            used["dvalues"] = {(row, j) for j in range(neurons)}
        else:  # sum over samples n of 1 * dvalues[n,j]
            used["dvalues"] = {(n, column) for n in range(samples)}
        return used

    def _draw_inputs(self) -> None:
        used = self._used()
        a = self.arrays
        blocks = [self._matrix("X", "X, inputs", a["X"], used["X"]),
                  self._matrix("W", "W, weights", a["W"], used["W"]),
                  self._matrix("b", "b, biases", a["b"], set()),
                  self._matrix("output", "output = X·W + b", self.result.output, set(),
                               tag="output"),
                  self._matrix("dvalues", "dvalues = ∂L/∂output", a["dvalues"],
                               used["dvalues"])]
        self.inputs_view.value = ("<div style='display:flex;flex-wrap:wrap;align-items:"
                                  "flex-start'>" + "".join(blocks) + "</div>")

    def _draw_chain(self) -> None:
        chain, result = self.chain, self.result
        name, (row, column) = self._explained()
        leaf = chain.leaf
        if name == "dweights":
            why = (f"{leaf} multiplies input {row} in neuron {column}'s sum, once for every "
                   f"sample n: L depends on it along {len(chain.terms)} paths, one per sample")
            local, upstream = f"X[n,{row}]", f"dvalues[n,{column}]"
        elif name == "dinputs":
            why = (f"{leaf}, input {column} of sample {row}, feeds every neuron j (times "
                   f"W[{column},j]): L depends on it along {len(chain.terms)} paths, one per "
                   "neuron")
            local, upstream = f"W[{column},j]", f"dvalues[{row},j]"
        else:
            why = (f"{leaf} is added to neuron {column}'s sum in every sample n: L depends on it "
                   f"along {len(chain.terms)} paths, one per sample")
            local, upstream = "1", f"dvalues[n,{column}]"
        over = "n" if chain.over == "sample" else "j"
        heads = [f"{chain.over} {over}", "through", f"local = {local}",
                 f"upstream = {upstream}", "contribution = local × upstream"]
        head = "padding:3px 10px;border-bottom:2px solid #222;text-align:right"
        cell = "padding:3px 10px;border-bottom:1px solid #ddd;text-align:right"
        lines = ["<table style='border-collapse:collapse;font-size:15px'><tr>"
                 + "".join(f"<th style='{head}'>{html.escape(h)}</th>" for h in heads) + "</tr>"]
        for term in chain.terms:
            cells = [str(term.index), html.escape(term.via), fmt(term.local),
                     fmt(term.upstream), fmt(term.contribution)]
            lines.append("<tr>" + "".join(f"<td style='{cell}'>{c}</td>" for c in cells)
                         + "</tr>")
        lines.append("</table>")
        matrix = {"dinputs": result.dinputs, "dweights": result.dweights,
                  "dbiases": result.dbiases}[name]
        entry = float(matrix[row, column])
        same = np.isclose(chain.total, entry, rtol=1e-12, atol=1e-12)
        verdict = ("✓ the same number" if same
                   else "✗ they differ: please report this as a bug")
        sizes = {k: int(np.prod(self._result_shape(k))) for k in RESULTS}
        total_text = self._tag(chain.total, chain.entry, 6)
        entry_text = self._tag(entry, chain.entry, 6)
        self.chain_view.value = (
            "<div style='font-size:15px;line-height:1.5'>"
            f"<b>{html.escape(chain.entry)} = ∂L/∂{html.escape(leaf)}</b>: "
            f"{html.escape(why)}. Backward recorded one step into {html.escape(leaf)} per path, "
            "local × upstream:</div>" + "".join(lines)
            + "<div style='font-size:15px;line-height:1.6;margin-top:4px'>"
            f"sum of the contributions (backward's grad of {html.escape(leaf)}) = "
            f"<b>{total_text}</b> &nbsp;·&nbsp; entry [{row},{column}] of "
            f"{html.escape(RESULTS[name])}, by the matrix backward = <b>{entry_text}</b> "
            f"&nbsp;{verdict}<br><span style='color:#555'>Every entry is such a sum: "
            f"{sizes['dinputs']} entries of dinputs (a term per neuron), {sizes['dweights']} of "
            f"dweights and {sizes['dbiases']} of dbiases (a term per sample), all at once in "
            "three matrix products.</span></div>")
        self._disagreement = "" if same else (
            f"the chain's sum {fmt(chain.total, 6)} and the matrix entry {fmt(entry, 6)} differ")

    def _warn(self) -> None:
        value = self.value_of(self.parameter)
        if self._disagreement:
            self.message.show(self._disagreement, "error")
        elif value <= self.slider.min or value >= self.slider.max:
            self.message.show(f"{self.parameter} is at the end of its range ({fmt(value)})",
                              "info")
        else:
            self.message.clear()

    # -- callbacks -------------------------------------------------------------------------------

    @guarded
    def _on_explain(self, change: dict) -> None:
        self.update()

    @guarded
    def _on_cell(self, trace: Any, points: Any, state: Any) -> None:
        """A click on a heatmap's cell explains that entry."""
        if not points.xs:
            return
        column, row = int(round(points.xs[0])), int(round(points.ys[0]))
        self.explain.value = entry_name(trace.name, row, column)  # its observer redraws

    def restore_start(self) -> None:
        """After the explained entry: the numbers the lab started with (the book's X, W, b
        and dvalues unless others were given); the slider keeps its entry."""
        for name, array in self.start.items():
            self.arrays[name] = array.copy()
        self._sync_slider()
        self.update()
