"""Live views: plotly FigureWidgets and ipywidgets sliders that redraw in place from the core's
numbers (this package imports plotly and ipywidgets; `import gradlab` does not import it).

Each name is imported on first use, so one view's import cost (or a missing optional file)
never burdens another.
"""

from __future__ import annotations

import importlib
from typing import Any

# public name -> module (relative to this package) that defines it
_HOMES = {
    "Curve": "curve",
    "Exercise": "exercise",
    "Progress": "progress",
    "Surface": "surface",
    "GradientField": "field",
    "LossLab": "loss",
    "LossSurface": "loss_surface",
    "ComputationGraph": "computation_graph",
    "ChainRule": "chain",
    "PartialsTable": "table",
    "Explorer": "explorer",
    "NeuronLab": "neuron",
    "LayerLab": "layer",
    "OptimizerRace": "race",
    "TrainingLab": "training_lab",
}

__all__ = sorted(_HOMES)


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module 'gradlab.views' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{_HOMES[name]}", __name__), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
