"""What a lab's rendered text claims, checked against oracles independent of gradlab: each
"label = number" a learner reads in the page (innerText: a table row's cells separated by tabs)
is compared with the number worked out for what the LABEL names, never with the number the
view wrote into its data-gradlab-* tags.

- "∂f/∂x = 2", "[∂f/∂x, ∂f/∂y] = [2, 6]", a table row "∂f/∂x <tab> ... <tab> 2", "the core's
  ∂h/∂x = 960", "tangent slope f'(x) = 1": SymPy's derivative (tests/oracles.py) of the
  expression the block's tags name, along the variable the label names, at the point the tags
  give (checked against the sliders the learner sees).
- the book's model ("loss L = ", "∂L/∂W1[0,1] ... = "), an optimizer's path ("SGD: f = .. at
  (x, y)"), a training run ("loss ..", "learning rate now ..") and a dense layer's chain
  ("by the matrix backward = "): worked out in plain numpy, from the settings the tags name.
"""

from __future__ import annotations

import re
import time
from collections.abc import Mapping

import numpy as np
from lab_slider import TextBlock, slider_readouts, text_blocks
from oracles import (
    agrees,
    entry_index,
    layer_by_hand,
    model_gradients,
    model_loss,
    optimizer_steps,
    partial,
    sym,
    train_by_hand,
    with_entries,
)

NUMBER = r"[−\-]?(?:\d+(?:\.\d*)?|\.\d+)(?:×10\^[−\-]?\d+|e[−\-+]?\d+)?|undefined|[−\-]?∞"
_SCALAR = re.compile(rf"∂f/∂(\w+) = ({NUMBER})(?![\w.])")
_VECTOR = re.compile(r"\[((?:∂f/∂\w+, )*∂f/∂\w+)\] = \[([^\]]+)\]")
_CHAIN = re.compile(rf"the core's (?:dh/d|∂h/∂)(\w+) = ({NUMBER})")
_SLOPE = re.compile(rf"tangent slope f'\((\w+)\) = ({NUMBER})")
_ENTRY = r"(?:W1|b1|W2|b2)\[\d+(?:,\d+)?\]"
_MODEL_PARTIAL = re.compile(rf"∂L/∂({_ENTRY})(?: by backward)?(?: = |\t)({NUMBER})(?![\w.])")
_LOSS = re.compile(rf"loss L = ({NUMBER})")
_RACE = re.compile(rf"(SGD \+ momentum|SGD|AdaGrad|RMSProp|Adam): f = ({NUMBER}) at "
                   rf"\(({NUMBER}), ({NUMBER})\)")


def partial_claims(text: str, tables: list = ()) -> list[tuple[str, str]]:
    """(variable, number as shown) for every partial of f the text states by its label, and
    for every row of a partials table (its rows as lists of cell texts)."""
    claims = [m.groups() for m in _SCALAR.finditer(text)]
    for labels, numbers in _VECTOR.findall(text):
        names = [label.removeprefix("∂f/∂") for label in labels.split(", ")]
        shown = numbers.split(", ")
        claims += list(zip(names, shown, strict=False))
        if len(names) != len(shown):
            claims.append(("?", f"{len(names)} labels for {len(shown)} numbers"))
    claims += [m.groups() for m in _CHAIN.finditer(text)]
    claims += [m.groups() for m in _SLOPE.finditer(text)]
    for table in tables:
        claims += table_claims(table)
    return claims


def table_claims(rows: list[list[str]]) -> list[tuple[str, str]]:
    """A partials table: its header names the column "value (backward)"; each row after it
    starts with its label ∂f/∂v."""
    column = None
    claims = []
    for cells in rows:
        if "value (backward)" in cells:
            column = cells.index("value (backward)")
        elif column is not None and len(cells) > column and re.fullmatch(r"∂f/∂\w+", cells[0]):
            claims.append((cells[0].removeprefix("∂f/∂"), cells[column]))
    return claims


def point_problems(block: TextBlock, sliders: Mapping[str, str]) -> tuple[dict, list[str]]:
    """The point the block's tags claim (one for all of them), and where it disagrees with a
    slider's readout the learner sees (to the readout's digits)."""
    points = {tuple(sorted(r.at.items())) for r in block.readouts}
    problems = [f"the readouts claim {len(points)} different points: {points}"] \
        if len(points) > 1 else []
    at = dict(points.pop()) if points else {}
    for name, shown in sliders.items():
        if name in at and not agrees(shown, at[name], digits=3):  # a readout's .3g
            problems.append(f"the slider {name!r} shows {shown}, the readouts are at {at[name]}")
    return at, problems


def expression_problems(block: TextBlock, sliders: Mapping[str, str]) -> tuple[int, list[str]]:
    """(claims checked, problems) for the partials of the block's one expression."""
    expressions = {r.expression for r in block.readouts if r.expression}
    if len(expressions) != 1:
        return 0, []
    formula = expressions.pop()
    at, problems = point_problems(block, sliders)
    claims = partial_claims(block.text, block.tables)
    for variable, shown in claims:
        if variable not in at:
            problems.append(f"{shown!r} is labelled ∂f/∂{variable}, not a variable at {at}")
            continue
        exact = partial(formula, variable, at)
        if not agrees(shown, exact):
            problems.append(f"∂f/∂{variable} of {formula} at {at} shows {shown}; SymPy's "
                            f"derivative is {exact!r}")
    return len(claims), problems


def _start(check: Mapping) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray]:
    """The model and batch a "model" check names: the lab's input, not its output."""
    from gradlab.model import BookModel, small_batch

    params = {name: p.data.copy() for name, p in BookModel(**check["model"]).params.items()}
    return params, *small_batch(**check["batch"])


def model_problems(block: TextBlock) -> tuple[int, list[str]]:
    """LossLab / LossSurface: the loss and each ∂L/∂entry the text names, by numpy by hand."""
    checks = [r for r in block.readouts if r.check and r.check.get("kind") == "model"]
    if not checks:
        return 0, []
    start, X, y = _start(checks[0].check)
    at, problems = point_problems(block, {})
    params = with_entries(start, at)
    grads = model_gradients(params, X, y)
    count = 0
    for shown in _LOSS.findall(block.text):
        count += 1
        if not agrees(shown, model_loss(params, X, y)):
            problems.append(f"loss L shows {shown}, by hand {model_loss(params, X, y)!r}")
    for entry, shown in _MODEL_PARTIAL.findall(block.text):
        count += 1
        name, index = entry_index(entry)
        if not agrees(shown, float(grads[name][index])):
            problems.append(f"∂L/∂{entry} shows {shown}, by hand {grads[name][index]!r}")
    return count, problems


def race_problems(block: TextBlock) -> tuple[int, list[str]]:
    """OptimizerRace: each optimizer's f and point after k steps, by its update rule by hand
    from the surface's start, with the settings its sliders are at."""
    from gradlab.surfaces import SURFACES

    checks = {r.check["optimizer"]: r for r in block.readouts
              if r.check and r.check.get("kind") == "race"}
    problems = []
    claims = _RACE.findall(block.text)
    for name, f_text, x_text, y_text in claims:
        readout = checks.get(name)
        if readout is None:
            problems.append(f"{name}: no tagged settings to work it out from")
            continue
        surface = SURFACES[readout.check["surface"]]
        settings = {key: readout.at[label] for key, label in readout.check["settings"].items()}
        f = sym(surface.text)
        grad = _gradient_of(surface.text)
        x, y = optimizer_steps(name, grad, surface.start, settings, readout.check["steps"])[-1]
        expected_f = float(f.subs({s: v for s, v in zip(sorted(f.free_symbols, key=str),
                                                        (x, y), strict=True)}))
        if not (agrees(x_text, x, digits=3) and agrees(y_text, y, digits=3)
                and agrees(f_text, expected_f)):
            problems.append(f"{name}: shows f = {f_text} at ({x_text}, {y_text}); by hand "
                            f"f = {expected_f!r} at ({x!r}, {y!r})")
    return len(claims), problems


def _gradient_of(text: str):
    import sympy as sp

    f = sym(text)
    x, y = sorted(f.free_symbols, key=str)
    partials = [sp.diff(f, x), sp.diff(f, y)]
    return lambda p: [float(d.subs({x: p[0], y: p[1]})) for d in partials]


_TRAINING = re.compile(rf"epoch (\d+) of \d+ · loss ({NUMBER}) · accuracy \S+ % · (.*?), "
                       rf"learning rate now ({NUMBER})")


def training_problems(block: TextBlock) -> tuple[int, list[str]]:
    """TrainingLab: after E epochs the loss of the E-th forward pass (E - 1 updates) and the
    rate of the last update, lr / (1 + decay (E - 1)), by numpy by hand."""
    checks = [r for r in block.readouts if r.check and r.check.get("kind") == "training"]
    match = _TRAINING.search(block.text)
    if not checks or not match:
        return 0, []
    from gradlab.trainer import Trainer

    epochs, loss_text, optimizer, rate_text = match.groups()
    epochs = int(epochs)
    check = checks[0]
    settings = {key: check.at[label] for key, label in check.check["settings"].items()}
    trainer = Trainer(optimizer, **check.check["trainer"])  # its data and starting weights
    settings = {**trainer.settings, **settings}
    params = train_by_hand(optimizer, trainer.start, trainer.X, trainer.y, settings, epochs - 1)
    problems = []
    loss = model_loss(params, trainer.X, trainer.y)
    if not agrees(loss_text, loss):
        problems.append(f"epoch {epochs}: loss shows {loss_text}, by hand {loss!r}")
    rate = settings["lr"] / (1 + settings["decay"] * (epochs - 1))
    if not agrees(rate_text, rate):
        problems.append(f"epoch {epochs}: the learning rate shows {rate_text}, by hand {rate!r}")
    return 2, problems


_LAYER = re.compile(rf"(\w+)\[(\d+)(?:,(\d+))?\] = ∂L/∂\w+\[.*?by the matrix backward = "
                    rf"({NUMBER})", re.S)


def layer_problems(block: TextBlock) -> tuple[int, list[str]]:
    """LayerLab: the explained entry of dinputs, dweights or dbiases, by numpy by hand from
    the X, W, b and dvalues the tags give."""
    checks = [r for r in block.readouts if r.check and r.check.get("kind") == "layer"]
    match = _LAYER.search(block.text)
    if not checks or not match:
        return 0, []
    at, problems = point_problems(block, {})
    arrays = {}
    for name, (rows, columns) in checks[0].check["shapes"].items():
        arrays[name] = np.array([[at[f"{name}[{c}]" if name == "b" else f"{name}[{r},{c}]"]
                                  for c in range(columns)] for r in range(rows)])
    by_hand = layer_by_hand(arrays["X"], arrays["W"], arrays["b"], arrays["dvalues"])
    name, first, second, shown = match.groups()
    row, column = (0, int(first)) if second is None else (int(first), int(second))
    exact = float(by_hand[name][row, column])
    if not agrees(shown, exact):
        problems.append(f"{name}[{first}{',' + second if second else ''}] shows {shown}, by "
                        f"hand {exact!r}")
    return 1, problems


def claim_problems(blocks: list[TextBlock], sliders: Mapping[str, str]) -> tuple[int, list[str]]:
    """Every checkable claim of a lab's text: how many were checked, and the wrong ones."""
    count, problems = 0, []
    for block in blocks:
        # as rendered, &nbsp; is U+00A0: read it, and a run of spaces, as the one space it
        # looks like
        block = TextBlock(_spaces(block.text), block.readouts,
                          [[[_spaces(c) for c in row] for row in table]
                           for table in block.tables])
        for checker in (lambda b: expression_problems(b, sliders), model_problems,
                        race_problems, training_problems, layer_problems):
            checked, wrong = checker(block)
            count += checked
            problems += wrong
    return count, problems


def _spaces(text: str) -> str:
    return re.sub(r"[ \xa0]+", " ", text)


def settled_claim_problems(page, found, timeout_ms: float) -> tuple[int, list[str]]:
    """claim_problems of the lab's rendered text, read again every 250 ms until no claim is
    wrong or `timeout_ms` has passed: on a busy machine one part of a lab (its graph, its
    table) can be redrawn a moment after the readouts the caller waited for. A claim that stays
    wrong is still reported, so a wrong label beside a number fails as before."""
    deadline = time.monotonic() + timeout_ms / 1000
    while True:
        checked, wrong = claim_problems(text_blocks(page, found), slider_readouts(page, found))
        if not wrong or time.monotonic() > deadline:
            return checked, wrong
        page.wait_for_timeout(250)
