"""A left-to-right layered layout of a Value graph (numpy only, no graphviz): leaves on the
left, the output on the right, each node in the column of its depth, and the edges as line
paths; a reused node (x in x*x) gets one slightly curved path per use, so every use shows.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import ops
from .engine import Value
from .expression.nodes import number_text

BEND = 0.3  # how far (in rows) the middle of a repeated edge is pushed off the straight line
CURVE_POINTS = 13  # samples along a curved edge; a straight edge needs only its two ends

# The symbol a learner reads on a node, by the primitive's name: the registry's (ops.py).
SYMBOLS: dict[str, str] = {name: op.symbol or name for name, op in ops.TABLE.items()}


def node_symbol(node: Value) -> str:
    """What a node's marker says: its variable name, its constant, or its operation (x² is
    written '^2', the exponent being a setting of the node rather than a node of the graph)."""
    if not node.parents:
        if node.label:
            return node.label
        return (number_text(node.data, short=True) if np.ndim(node.data) == 0
                else f"[{node.data.shape}]")
    if node.op == "**":
        return "^" + number_text(node.arg, short=True)
    return SYMBOLS.get(node.op, node.op)


@dataclass(frozen=True)
class Edge:
    """One use of `parent` by `child` (entry `slot` of child.parents), as a path to draw.

    x, y: the path's points; label_x, label_y: where its local derivative is written.
    """

    parent: int  # index into Layout.nodes
    child: int
    slot: int
    x: np.ndarray
    y: np.ndarray
    label_x: float
    label_y: float


@dataclass(frozen=True)
class Layout:
    """Node positions and edge paths of the graph that ends in `nodes[-1]`.

    nodes are in topological order (each after its parents), x[i] is node i's column (its
    depth), y[i] its row; `signature` identifies the graph's shape, so a rebuilt graph with
    the same shape reuses the layout.
    """

    nodes: tuple[Value, ...]
    x: np.ndarray
    y: np.ndarray
    edges: tuple[Edge, ...]
    signature: tuple

    @property
    def columns(self) -> int:
        return int(self.x.max()) + 1 if len(self.x) else 0

    @property
    def rows(self) -> int:
        """The largest number of nodes in one column."""
        return int(np.bincount(self.x.astype(int)).max()) if len(self.x) else 0

    def index(self, node: Value) -> int:
        for i, candidate in enumerate(self.nodes):
            if candidate is node:
                return i
        raise ValueError("that node is not part of this graph")


def graph_signature(order: list[Value] | tuple[Value, ...]) -> tuple:
    """The shape of a graph given in topological order: for each node its operation, its
    setting and the positions of its parents (leaves: their label). Values do not count."""
    position = {id(node): i for i, node in enumerate(order)}
    return tuple(
        (node.op, repr(node.arg), tuple(position[id(p)] for p in node.parents))
        if node.parents else ("", node.label)
        for node in order
    )


def depths(order: list[Value]) -> np.ndarray:
    """Each node's column: an operation sits one right of its deepest parent; a leaf sits just
    left of its first user, so a constant like the 3 of 3*x stays beside the node using it."""
    position = {id(node): i for i, node in enumerate(order)}
    depth = np.zeros(len(order))
    for i, node in enumerate(order):
        if node.parents:
            depth[i] = 1 + max(depth[position[id(p)]] for p in node.parents)
    first_use = np.full(len(order), np.inf)
    for i, node in enumerate(order):
        for parent in node.parents:
            j = position[id(parent)]
            first_use[j] = min(first_use[j], depth[i])
    for i, node in enumerate(order):
        if not node.parents and np.isfinite(first_use[i]):
            depth[i] = first_use[i] - 1
    return depth


def rows(order: list[Value], depth: np.ndarray) -> np.ndarray:
    """Each node's row, placed from the output leftwards: a node aims at the mean height of its
    users (parent 0 above parent 1, so edges do not cross), then a column's nodes are pushed
    apart to at least one row between neighbours and re-centred on their aims."""
    position = {id(node): i for i, node in enumerate(order)}
    users: list[list[tuple[int, int]]] = [[] for _ in order]
    for i, node in enumerate(order):
        for slot, parent in enumerate(node.parents):
            users[position[id(parent)]].append((i, slot))
    y = np.zeros(len(order))
    for column in sorted(set(depth.tolist()), reverse=True):
        members = [i for i in range(len(order)) if depth[i] == column]
        aims = []
        for i in members:
            if not users[i]:
                aims.append(0.0)
                continue
            heights = [y[child] + ((len(order[child].parents) - 1) / 2 - slot) * 0.8
                       for child, slot in users[i]]
            aims.append(float(np.mean(heights)))
        ranked = sorted(range(len(members)), key=lambda k: (-aims[k], members[k]))
        placed = np.empty(len(members))
        for rank, k in enumerate(ranked):
            placed[rank] = aims[k] if rank == 0 else min(aims[k], placed[rank - 1] - 1.0)
        placed += np.mean(aims) - np.mean(placed)
        for rank, k in enumerate(ranked):
            y[members[k]] = placed[rank]
    return y


def _edge_path(x0: float, y0: float, x1: float, y1: float, offset: float):
    """The points of an edge and its middle; offset != 0 bows it sideways (a quadratic Bezier
    whose middle lies `offset` off the straight line)."""
    if offset == 0:
        return np.array([x0, x1]), np.array([y0, y1]), (x0 + x1) / 2, (y0 + y1) / 2
    dx, dy = x1 - x0, y1 - y0
    length = float(np.hypot(dx, dy)) or 1.0
    cx = (x0 + x1) / 2 - 2 * offset * dy / length  # control point: twice the middle's offset
    cy = (y0 + y1) / 2 + 2 * offset * dx / length
    t = np.linspace(0.0, 1.0, CURVE_POINTS)
    xs = (1 - t) ** 2 * x0 + 2 * (1 - t) * t * cx + t**2 * x1
    ys = (1 - t) ** 2 * y0 + 2 * (1 - t) * t * cy + t**2 * y1
    return xs, ys, float(xs[CURVE_POINTS // 2]), float(ys[CURVE_POINTS // 2])


def layout(out: Value) -> Layout:
    """Lay out the graph ending in `out`: columns by depth, rows by the users' heights, and
    one path per edge (x*x gives two edges from x, bowed apart)."""
    order = out.topological_order()
    position = {id(node): i for i, node in enumerate(order)}
    x = depths(order)
    y = rows(order, x)
    edges = []
    for child, node in enumerate(order):
        repeats: dict[int, list[int]] = {}
        for slot, parent in enumerate(node.parents):
            repeats.setdefault(position[id(parent)], []).append(slot)
        for parent, slots in repeats.items():
            for k, slot in enumerate(slots):
                offset = (k - (len(slots) - 1) / 2) * BEND * 2 if len(slots) > 1 else 0.0
                xs, ys, mx, my = _edge_path(x[parent], y[parent], x[child], y[child], offset)
                edges.append(Edge(parent, child, slot, xs, ys, mx, my))
    edges.sort(key=lambda e: (e.child, e.slot))
    return Layout(tuple(order), x, y, tuple(edges), graph_signature(order))


def joined_paths(paths: list[tuple[np.ndarray, np.ndarray]]) -> tuple[list, list]:
    """Several paths as one plotly line trace: their points with None between paths."""
    xs: list = []
    ys: list = []
    for px, py in paths:
        xs.extend(px.tolist())
        ys.extend(py.tolist())
        xs.append(None)
        ys.append(None)
    return xs, ys
