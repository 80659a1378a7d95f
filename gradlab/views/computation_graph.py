"""The computation graph of an expression, drawn left to right with each node's value and grad
and each edge's local derivative, and a Step / Play / Reset control that replays the recorded
backward pass one chain-rule step at a time (`local x upstream = contribution`).

(Over 350 lines: the drawing of the graph, its replay and the step's readout share one
recorded backward pass and its layout; the source of the numbers is in graph_source.py.)"""

from __future__ import annotations

import html
from typing import Any

import ipywidgets as widgets
import numpy as np
import plotly.graph_objects as go

from ..engine import Step, Value
from ..expression.nodes import ATOM
from ..graph_layout import Layout, graph_signature, joined_paths, layout, node_symbol
from ..paths import formulas, is_variable, local_rule
from ._base import BookExample
from ._common import (
    PALETTE,
    Message,
    base_layout,
    describe_lab,
    fmt,
    guarded,
    tagged,
)
from .figure import Figure, FigureStateOnDisplay
from .graph_source import (
    GraphSource,
    current_point,
    leaf_gradient,
    number,
    own_sliders,
    pretty,
    shared_sliders,
)

PLAY_INTERVAL_MS = 1200  # long enough to read one step's numbers aloud


def label_spot(edge: Any, lay: Layout) -> tuple[float, float]:
    """Where an edge's local derivative is written: the edge's middle, except on an edge that
    skips columns, whose middle may sit on a node of a column in between (and its text): there,
    the middle of the edge's last column gap, before the node it enters."""
    span = abs(float(lay.x[edge.child] - lay.x[edge.parent]))
    if span <= 1:
        return edge.label_x, edge.label_y
    t = (span - 0.5) / span  # 0 at the parent, 1 at the child
    along = np.linspace(0.0, 1.0, len(edge.x))
    return float(np.interp(t, along, edge.x)), float(np.interp(t, along, edge.y))


class ComputationGraph(BookExample, FigureStateOnDisplay, widgets.VBox):
    """The graph of f laid out left to right: each node shows its operation, value and grad,
    each edge its local derivative d child / d parent. Step / Play / Reset replay the recorded
    backward pass: at step k the k-th recorded step is highlighted and the readout shows
    `local x upstream = contribution` and the input's grad so far (a reused node such as the x
    of x*x receives two contributions, which add up: 2x).

    ComputationGraph("x*y + x")  or  ComputationGraph(builder)  or  ComputationGraph(value)
    """

    __repr__ = describe_lab

    def __init__(self, expression: Any, sliders: dict[str, widgets.FloatSlider] | None = None,
                 point: dict[str, float] | None = None,
                 ranges: dict[str, tuple[float, float]] | None = None,
                 formula: str | None = None) -> None:
        self.source = GraphSource(expression)
        self.message = Message()
        self.owns_sliders = sliders is None
        # f in gradlab's expression language (a builder's given by its owner): tags the
        # summary's numbers so a browser test can recompute them with the core
        self.formula = formula or (self.source.expression.text
                                   if self.source.expression is not None else None)
        self.sliders = (own_sliders(self.source.variables, point, ranges) if sliders is None
                        else shared_sliders(sliders, self.source.variables))
        self.graph_layout: Layout | None = None
        self.out: Value | None = None
        self.steps: list[Step] = []
        self.readout = widgets.HTML()
        self.readout_text = ""
        # standing alone, the graph states f and its gradient at the point (a composite
        # that shares its sliders shows those numbers itself)
        self.summary = widgets.HTML()
        self._quiet = False
        self.figure = Figure({
            "edges": go.Scatter(name="edges", mode="lines", hoverinfo="skip",
                                line={"color": PALETTE["muted"], "width": 2}),
            "current edge": go.Scatter(name="current edge", mode="lines", hoverinfo="skip",
                                       line={"color": PALETTE["tangent"], "width": 6}),
            "local derivatives": go.Scatter(
                name="local derivatives", mode="markers+text", hoverinfo="skip",
                textposition="middle center",
                marker={"symbol": "square", "size": 24, "color": "white", "opacity": 0.85},
                textfont={"size": 13, "color": PALETTE["function"]}),
            "nodes": go.Scatter(
                name="nodes", mode="markers+text", textposition="bottom center",
                hoverinfo="text", textfont={"size": 13},
                marker={"size": 40, "line": {"width": 2, "color": PALETTE["function"]}}),
            "operations": go.Scatter(
                name="operations", mode="text", textposition="middle center",
                hoverinfo="skip", textfont={"size": 15, "color": PALETTE["text"]}),
            "current step": go.Scatter(
                name="current step", mode="markers", hoverinfo="skip",
                marker={"symbol": ["circle-open", "diamond-open"], "size": [54, 54],
                        "line": {"width": 4}, "color": [PALETTE["point"], PALETTE["tangent"]]}),
        }, layout=base_layout(
            # the title sits on the plot's top edge, left, under the modebar's row (which
            # plotly puts in the top right corner of the figure, over a centred title)
            showlegend=False, title={"text": "Computation graph: value and grad on each node, "
                                     "local derivative on each edge", "font": {"size": 15},
                                     "x": 0, "xref": "paper", "xanchor": "left",
                                     "y": 1, "yref": "paper", "yanchor": "bottom",
                                     "pad": {"b": 12}},
            xaxis={"visible": False}, yaxis={"visible": False}, margin={"l": 10, "r": 10,
                                                                        "t": 72, "b": 10}))
        self.figures = [self.figure]
        self.step_slider = widgets.IntSlider(value=0, min=0, max=0, description="step",
                                             continuous_update=True)
        self.play = widgets.Play(value=0, min=0, max=0, interval=PLAY_INTERVAL_MS,
                                 description="Play")
        widgets.jslink((self.play, "value"), (self.step_slider, "value"))  # ticks in the browser
        self.step_button = widgets.Button(description="Step", icon="step-forward",
                                          tooltip="apply the next chain-rule step")
        self.reset_button = widgets.Button(description="Reset", icon="undo",
                                           tooltip="back to the start: only the output's grad is 1")
        self.step_button.on_click(self._on_step)
        self.reset_button.on_click(self._on_reset)
        self.step_slider.observe(self._on_step_index, names="value")
        controls = widgets.HBox([self.play, self.step_button, self.reset_button,
                                 self.step_slider], layout=widgets.Layout(flex_flow="row wrap"))
        children = ([*self.sliders.values()] if self.owns_sliders else [])
        children += self.book_row(children, book=point is None and ranges is None,
                                  shown=self.owns_sliders)
        summary = [self.summary] if self.owns_sliders else []
        super().__init__(children=[*children, *summary, self.figure, controls, self.readout,
                                   self.message])
        if self.owns_sliders:
            for slider in self.sliders.values():
                slider.observe(self._on_slider, names="value")
        self.update(at_end=True)

    # -- public --------------------------------------------------------------------------------

    @property
    def step_index(self) -> int:
        """How many recorded steps are applied (0: only the output's grad, 1, is set)."""
        return int(self.step_slider.value)

    @property
    def value(self) -> float:
        return float(self.out.data)

    @property
    def gradient(self) -> dict[str, float]:
        return leaf_gradient(self.out, self.source.names)

    def update(self, point: dict[str, float] | None = None, at_end: bool = False) -> None:
        """Rebuild the graph at the point (default: the sliders'), record its backward pass and
        redraw the numbers; the replay stays at its step (at_end: jump to the last step)."""
        out = self.source.build(current_point(self.sliders, self.source.variables, point))
        steps = out.backward(record=True)
        order = out.topological_order()
        if self.graph_layout is None or graph_signature(order) != self.graph_layout.signature:
            self.graph_layout = layout(out)
            self._draw_structure(steps, order)
        self.out, self.steps, self.order = out, steps, order
        self.position = {id(node): i for i, node in enumerate(order)}
        self.texts = formulas(out)
        n = len(steps)
        index = n if at_end else min(self.step_index, n)
        self._quiet = True  # the slider moves below; draw once, after it
        try:
            self.step_slider.max = n
            self.play.max = n
            self.step_slider.value = index
        finally:
            self._quiet = False
        self._warn_if_undefined()
        self._draw_step(index)
        if self.owns_sliders:
            self._write_summary(current_point(self.sliders, self.source.variables, point))

    def show_step(self, k: int) -> None:
        """Show the graph after k recorded steps (the replay's position)."""
        k = max(0, min(int(k), len(self.steps)))
        if k == self.step_index:
            self._draw_step(k)
        else:
            self.step_slider.value = k  # its observer draws

    # -- drawing -------------------------------------------------------------------------------

    def _draw_structure(self, steps: list[Step], order: list[Value]) -> None:
        """Positions, edge paths and symbols: only when the graph's shape changes. An edge the
        backward pass sends no step along (into a constant) gets no local-derivative label."""
        lay = self.graph_layout
        position = {id(node): i for i, node in enumerate(order)}
        stepped = {(position[id(s.node)], s.index) for s in steps}
        labelled = [(e.child, e.slot) in stepped for e in lay.edges]
        edge_x, edge_y = joined_paths([(e.x, e.y) for e in lay.edges])
        names = self.source.names
        kinds = ["variable" if is_variable(n, names) else "constant" if not n.parents
                 else "operation" for n in lay.nodes]
        fill = {"variable": PALETTE["slice_x"], "constant": "#e6e6e6", "operation": "white"}
        symbol = {"variable": "square", "constant": "square", "operation": "circle"}
        top, bottom = float(lay.y.max()), float(lay.y.min())
        texts = formulas(lay.nodes[-1])
        self._highlighted: tuple | None = ("redraw",)  # the positions changed
        with self.figure.batch_update():
            self.figure.trace("edges").set(x=edge_x, y=edge_y)
            spots = [label_spot(e, lay) if shown else (None, None)
                     for e, shown in zip(lay.edges, labelled, strict=True)]
            self.figure.trace("local derivatives").set(x=[p[0] for p in spots],
                                                       y=[p[1] for p in spots])
            nodes = self.figure.trace("nodes")
            nodes.set(x=lay.x.tolist(), y=lay.y.tolist(),
                      marker={"color": [fill[k] for k in kinds],
                              "symbol": [symbol[k] for k in kinds]})
            nodes.set(hovertext=[pretty(texts[id(n)][0]) for n in lay.nodes])
            self.figure.trace("operations").set(x=lay.x.tolist(), y=lay.y.tolist(),
                                                text=[node_symbol(n) for n in lay.nodes])
            self.figure.layout.height = max(320, 80 * lay.rows + 117)  # 72 px for the title
            self.figure.layout.xaxis.range = [-0.6, lay.columns - 0.4]
            self.figure.layout.yaxis.range = [bottom - 0.9, top + 0.5]

    def _grads_after(self, k: int) -> list[Any]:
        """Each node's grad after the first k steps: the output's is 1 (the seed), an input's is
        the `total` of the last step that reached it, and 0 before any step did."""
        grads: list[Any] = [0.0] * len(self.order)
        grads[-1] = 1.0
        for step in self.steps[:k]:
            grads[self.position[id(step.parent)]] = step.total
        return grads

    def _draw_step(self, k: int) -> None:
        lay, order = self.graph_layout, self.order
        grads = self._grads_after(k)
        node_text = [f"value {number(node.data)}<br>grad {number(grad)}"
                     for node, grad in zip(order, grads, strict=True)]
        local = {(self.position[id(s.node)], s.index): s.local for s in self.steps}
        edge_text = [number(local[(e.child, e.slot)]) if (e.child, e.slot) in local else ""
                     for e in lay.edges]
        highlighted = None
        if k > 0:
            step = self.steps[k - 1]
            highlighted = (self.position[id(step.node)], self.position[id(step.parent)],
                           step.index)
        if highlighted == self._highlighted:  # a slider drag keeps the step: only numbers
            self.figure.move({"nodes": {"text": node_text},
                              "local derivatives": {"text": edge_text}})
        else:
            with self.figure.batch_update():
                self.figure.trace("nodes").set(text=node_text)
                self.figure.trace("local derivatives").set(text=edge_text)
                self._highlight(highlighted)
        self._write_readout(k)

    def _highlight(self, highlighted: tuple[int, int, int] | None) -> None:
        """Ring the node applying the step and the input receiving it; thicken their edge."""
        lay = self.graph_layout
        ring_x: list = [None, None]
        ring_y: list = [None, None]
        edge_x: list = []
        edge_y: list = []
        if highlighted is not None:
            child, parent, slot = highlighted
            ring_x, ring_y = [lay.x[child], lay.x[parent]], [lay.y[child], lay.y[parent]]
            for edge in lay.edges:
                if (edge.child, edge.slot) == (child, slot):
                    edge_x, edge_y = edge.x.tolist(), edge.y.tolist()
        self.figure.trace("current edge").set(x=edge_x, y=edge_y)
        self.figure.trace("current step").set(x=ring_x, y=ring_y)
        self._highlighted = highlighted

    def _write_readout(self, k: int) -> None:
        n = len(self.steps)
        if k == 0:
            text = (f"Start: the output's grad is d out / d out = 1. Press Step or Play to apply "
                    f"the chain rule one edge at a time ({n} steps).")
            self.readout_text = text
            self.readout.value = f"<div style='font-size:15px'>{html.escape(text)}</div>"
            return
        step = self.steps[k - 1]
        filled = pretty(local_rule(step, self.texts))
        name = pretty(self.texts[id(step.parent)][0])
        node_name = pretty(self.texts[id(step.node)][0])
        wrapped = name if self.texts[id(step.parent)][1] >= ATOM else f"({name})"
        derivative = f"∂({node_name})/∂{wrapped} = {filled}"
        if filled != number(step.local):
            derivative += f" = {number(step.local)}"
        arrivals = [s for s in self.steps if s.parent is step.parent]
        which = arrivals.index(step) + 1
        count = (f" (contribution {which} of {len(arrivals)}, added up)" if len(arrivals) > 1
                 else "")
        lines = [
            f"Step {k} of {n}: the {node_symbol(step.node)} node ({node_name} = "
            f"{number(step.node.data)}) passes its grad to its input {name}.",
            f"local {derivative}  ×  upstream {number(step.upstream)}  =  contribution "
            f"{number(step.contribution)}",
            f"{name}'s grad so far: {number(step.total)}{count}",
        ]
        if k == n:
            lines.append(f"All {n} steps done: every grad is complete.")
        self.readout_text = "\n".join(lines)
        body = "<br>".join(html.escape(line) for line in lines)
        self.readout.value = f"<div style='font-size:15px;line-height:1.5'>{body}</div>"

    def _write_summary(self, at: dict[str, float]) -> None:
        """f = out's value and each variable's grad after the whole backward pass."""
        if np.ndim(self.out.data) != 0:
            self.summary.value = ""
            return
        value, gradient = self.value, self.gradient

        def shown(number: float, of: str) -> str:
            text = fmt(number)
            if self.formula is None:
                return html.escape(text)
            return tagged(text, self.formula, of, at, number)

        parts = [f"f = {shown(value, '')}"]
        parts += [f"∂f/∂{html.escape(name)} = {shown(gradient[name], name)}"
                  for name in self.source.variables]
        where = ", ".join(f"{html.escape(name)} = {fmt(at[name])}"
                          for name in self.source.variables)
        self.summary.value = ("<div style='font-size:15px'>"
                              + (f"at {where}: " if where else "")
                              + " &nbsp;·&nbsp; ".join(parts)
                              + " (every grad, after the whole backward pass)</div>")

    def _warn_if_undefined(self) -> None:
        values = [np.asarray(node.data, dtype=float) for node in self.order]
        grads = [np.asarray(step.total, dtype=float) for step in self.steps]
        if all(np.all(np.isfinite(v)) for v in values + grads):
            self.message.clear()
            return
        self.message.show("Some numbers are undefined or infinite at this point (e.g. the log of "
                          "a number <= 0, or a division by zero): they show as 'undefined' or "
                          "'∞'.", "warning")

    # -- callbacks -----------------------------------------------------------------------------

    @guarded
    def _on_slider(self, change: dict) -> None:
        self.update()

    @guarded
    def _on_step_index(self, change: dict) -> None:
        if not self._quiet and self.out is not None and change["new"] <= len(self.steps):
            self._draw_step(int(change["new"]))

    @guarded
    def _on_step(self, button: widgets.Button) -> None:
        k = self.step_index
        self.step_slider.value = k + 1 if k < len(self.steps) else 1  # at the end: start over

    def restore_start(self) -> None:
        """As the lab started: the replay stopped, at its end (every grad filled in)."""
        self.play.playing = False
        self.update(at_end=True)

    @guarded
    def _on_reset(self, button: widgets.Button) -> None:
        self.play.playing = False
        if self.step_index == 0:
            self._draw_step(0)
        self.step_slider.value = 0
