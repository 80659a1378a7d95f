"""The chain table of LossLab: for one weight or bias, a row per sample with what the recorded
backward pass left at each stage (cross-entropy, softmax, dense 2, ReLU, dense 1), the sample's
contribution, and the contributions' sum beside backward's partial and central differences."""

from __future__ import annotations

import html
import re
from typing import Any

import numpy as np

from ..model import BackwardPass
from ..model_chain import Chain
from ._common import fmt

CELL = "padding:1px 7px;border-bottom:1px solid #ddd;text-align:right;white-space:nowrap"
HEAD = "padding:2px 7px;border-bottom:2px solid #222;text-align:right"
STAGE = "padding:2px 7px;text-align:center;font-weight:normal;color:#555;border-bottom:1px solid"
IDLE = "color:#999"  # a row whose contribution is exactly 0


def _math(label: str) -> str:
    """'dL/dz2[n,:]' -> '∂L/∂z2[n,:]', 'dz1[n,0]/db1[0]' -> '∂z1[n,0]/∂b1[0]', "ReLU'" ->
    'ReLU′', 'y_n' -> 'yₙ' (HTML-escaped)."""
    text = re.sub(r"(^|/)d(?=[A-Za-z])", r"\1∂", label)
    return html.escape(text.replace("'", "′").replace("y_n", "yₙ"))


def _cell(value: Any) -> str:
    if np.ndim(value):
        return "(" + ", ".join(fmt(v, 3) for v in value) + ")"
    return fmt(value, 4)


def chain_table(chain: Chain, result: BackwardPass, numerical: float) -> str:
    """The chain as an HTML table: a row per sample (stage headers over the columns), then the
    sum of the contributions beside backward's dL/d(entry) and central differences."""
    columns = chain.columns
    stages: list[tuple[str, int]] = []
    for column in columns:
        if stages and stages[-1][0] == column.stage:
            stages[-1] = (column.stage, stages[-1][1] + 1)
        else:
            stages.append((column.stage, 1))
    head = ("<tr><th style='" + STAGE + "' colspan='2'></th>"
            + "".join(f"<th style='{STAGE}' colspan='{count}'>{html.escape(stage)}</th>"
                      for stage, count in stages)
            + f"<th style='{STAGE}'></th></tr>")
    labels = ["n", "class"] + [_math(c.label) for c in columns] + ["contribution"]
    head += "<tr>" + "".join(f"<th style='{HEAD}'>{label}</th>" for label in labels) + "</tr>"
    body = []
    for n in range(chain.samples):
        cells = [str(n), str(int(chain.targets[n]))]
        cells += [_cell(c.values[n]) for c in columns] + [fmt(chain.contributions[n], 4)]
        idle = f";{IDLE}" if chain.contributions[n] == 0 else ""
        body.append("<tr>" + "".join(f"<td style='{CELL}{idle}'>{c}</td>" for c in cells)
                    + "</tr>")
    width = len(labels) - 1
    entry = html.escape(chain.entry)
    sums = [(f"sum of the {chain.samples} contributions", chain.total),
            (f"∂L/∂{entry} by backward", chain.backward),
            ("by central differences (h = 10^-5)", numerical)]
    foot = "".join(f"<tr><td style='{CELL};font-weight:bold' colspan='{width}'>{text}</td>"
                   f"<td style='{CELL};font-weight:bold'>{fmt(value, 6)}</td></tr>"
                   for text, value in sums)
    product = " × ".join(_math(c.label) for c in columns[_last_upstream(chain):])
    lines = [f"The chain from L back to {entry}, one row per sample: contribution = {product}. "
             "Every ∂L/∂… is what the backward pass recorded; grey rows contribute 0."]
    if chain.paths is not None:
        j = chain.index[1]
        lines.append(f"Dense 2's local derivatives are the weights W2[{j},:] = "
                     f"{_cell(chain.paths)}: ∂L/∂a1[n,{j}] = Σₖ ∂L/∂z2[n,k] · W2[{j},k], "
                     "one path per class, added up.")
    after = (f"∂L/∂z2 from cross-entropy's and softmax's own rules and the shortcut "
             f"(p − one-hot)/N differ by at most {fmt(result.logits.max_difference, 2)} over "
             "the batch.")
    return (f"<div style='font-size:14px;margin:4px 0'>{'<br>'.join(lines)}</div>"
            "<table style='border-collapse:collapse;font-size:13px'>" + head
            + "".join(body) + foot + "</table>"
            f"<div style='font-size:13px;color:#555;margin:4px 0'>{after}</div>")


def _last_upstream(chain: Chain) -> int:
    return max(i for i, column in enumerate(chain.columns) if column.upstream)
