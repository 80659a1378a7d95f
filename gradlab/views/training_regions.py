"""The training lab's map: the decision regions with the data points on them, drawn as ONE
picture (layout.images[0]) that each redraw replaces, so the browser redraws a picture, not
300 markers. Each grid point is a PIXELS x PIXELS square of its class's tint; the data points
are stamped over it as markers of their class's colour and symbol."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from ._common import OKABE_ITO, base_layout
from ._png import png_data_uri, stamp_markers, symbol_mask
from .figure import Figure

GRID = 64  # decision regions: GRID x GRID points (a cell is ~6 px on screen)
PIXELS = 6  # each cell's side in the regions' picture: about one pixel per screen pixel
MARKER_RADIUS = 4  # the data points' markers in the picture, in its pixels
EXTENT = 1.15  # the spiral lies in the unit disc
# class colours (Okabe-Ito) and the light tints of their regions; classes also differ by marker
CLASS_COLOURS = tuple(OKABE_ITO[name] for name in ("blue", "orange", "bluish green",
                                                    "reddish purple", "sky blue"))
CLASS_TINTS = ("#bfdcec", "#f9e7bf", "#bfe6da", "#f2dde9", "#d5ecf9")
CLASS_SYMBOLS = ("circle", "square", "diamond", "triangle-up", "cross")


class RegionMap:
    """The picture of the regions and its figure. `.figure` (traces: the legend's entries
    only, "class k"), `.grid_x`, `.grid_y` (the points whose classes are shown), `.regions`
    (the classes shown, row = x2 from low to high); `.show(regions)` swaps the picture."""

    def __init__(self, X: np.ndarray, y: np.ndarray, classes: int) -> None:
        if classes > len(CLASS_COLOURS):
            raise ValueError(f"the lab draws up to {len(CLASS_COLOURS)} classes, got {classes}")
        self.classes = classes
        axis = np.linspace(-EXTENT, EXTENT, GRID)
        self.grid_x, self.grid_y = np.meshgrid(axis, axis)
        self.regions = np.zeros((GRID, GRID), dtype=np.uint8)
        cell = float(axis[1] - axis[0])  # each grid point is the centre of its cell
        self.box = (float(axis[0]) - cell / 2, float(axis[-1]) + cell / 2,
                    float(axis[-1] - axis[0]) + cell)  # left, top, side
        self.points = self._points_layer(X, y)
        self.drawn = self.points >= 0
        self.figure = self._build()

    def _build(self) -> Figure:
        traces = {
            f"class {k}": go.Scatter(
                x=[None], y=[None], mode="markers", name=f"class {k}", hoverinfo="skip",
                marker={"color": CLASS_COLOURS[k], "symbol": CLASS_SYMBOLS[k], "size": 7,
                        "line": {"color": "white", "width": 0.8}})
            for k in range(self.classes)}
        left, top, side = self.box
        picture = {"source": self.picture(), "xref": "x", "yref": "y",
                   "x": left, "y": top, "sizex": side, "sizey": side,
                   "sizing": "stretch", "layer": "below", "name": "decision regions"}
        layout = base_layout(height=460, uirevision="keep", images=[picture],
                             xaxis={"title": {"text": "x1"}, "range": [-EXTENT, EXTENT],
                                    "constrain": "domain"},
                             yaxis={"title": {"text": "x2"}, "range": [-EXTENT, EXTENT],
                                    "scaleanchor": "x", "scaleratio": 1, "constrain": "domain"})
        return Figure(traces, layout)

    def _points_layer(self, X: np.ndarray, y: np.ndarray) -> np.ndarray:
        """The data points as palette indexes (class k's colour is classes + k, the outline
        2 * classes), -1 elsewhere: drawn once, laid over every picture of the regions."""
        size = GRID * PIXELS
        layer = np.full((size, size), -1, dtype=np.int16)
        left, top, side = self.box
        columns = np.floor((X[:, 0] - left) / side * size).astype(np.int64)
        rows = np.floor((top - X[:, 1]) / side * size).astype(np.int64)
        for k in range(self.classes):
            mask = symbol_mask(CLASS_SYMBOLS[k], MARKER_RADIUS)
            stamp_markers(layer, rows[y == k], columns[y == k], mask, self.classes + k,
                          2 * self.classes)
        return layer

    def picture(self) -> str:
        """self.regions as a PNG, top row first, each grid point PIXELS x PIXELS pixels of its
        class's tint, with the data points over it."""
        shown = np.repeat(np.repeat(self.regions[::-1], PIXELS, axis=0), PIXELS, axis=1)
        shown = np.where(self.drawn, self.points, shown).astype(np.uint8)
        palette = [*CLASS_TINTS[: self.classes], *CLASS_COLOURS[: self.classes], "#ffffff"]
        return png_data_uri(shown, palette)

    def show(self, regions: np.ndarray) -> None:
        """Show these classes (a new picture as a still frame), if they are not shown yet."""
        if not np.array_equal(regions, self.regions):
            self.regions = regions
            self.figure.move({}, layout={"images[0].source": self.picture()})
