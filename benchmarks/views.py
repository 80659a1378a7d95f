"""How long each live view takes, in Python, from setting a slider's value to its figures being
updated (observers run synchronously), beside a bare baseline: one FigureWidget whose marker
follows a slider. Then 10,000 slider changes per view, with memory and trace counts before/after.

Widgets get a null comm that serializes every message as a kernel would (plotly's binary
buffers included) and then drops it, so the cost of talking to the browser is in the numbers.
Views are timed in interleaved rounds (A, B, C, A, B, C, ...) so they share the machine's noise.
Budgets (issue 3): <= 5 ms per building block, <= 15 ms for Explorer and NeuronLab.
Run: `python benchmarks/views.py [--changes 300] [--memory-changes 10000] [--quick]`.
"""

from __future__ import annotations

import argparse
import gc
import resource
import sys
import time
from collections.abc import Callable

import numpy as np


class NullComm:
    """Stands in for a kernel's comm: counts what would be sent, keeps nothing."""

    comm_id = "bench"
    kernel = "a kernel"  # ipywidgets only sends state when the comm has a kernel

    messages = 0
    bytes = 0

    def __init__(self, *args, **kwargs) -> None:
        pass

    def open(self, *args, **kwargs) -> None:
        pass

    def on_msg(self, *args, **kwargs) -> None:
        pass

    def close(self, *args, **kwargs) -> None:
        pass

    def send(self, data=None, metadata=None, buffers=None) -> None:
        NullComm.messages += 1
        NullComm.bytes += sum(memoryview(b).nbytes for b in buffers or ())


def install_null_comm() -> None:
    import comm

    comm.create_comm = lambda *args, **kwargs: NullComm()


# -- the views --------------------------------------------------------------------------------

def baseline():
    """The peer: one FigureWidget whose marker follows a slider, nothing else."""
    import ipywidgets as widgets
    import plotly.graph_objects as go

    slider = widgets.FloatSlider(value=1.0, min=-3.0, max=3.0, step=0.03)
    figure = go.FigureWidget([go.Scatter(x=[1.0], y=[1.0], mode="markers")])

    def follow(change):
        with figure.batch_update():
            figure.data[0].x = [change["new"]]
            figure.data[0].y = [change["new"] ** 2]

    slider.observe(follow, names="value")
    box = widgets.VBox([figure, slider])
    box.sliders, box.figures = {"x": slider}, [figure]
    return box


def views() -> list[tuple[str, float, Callable, str]]:
    """(label, budget in ms, factory, slider name)."""
    from gradlab.views import (
        ChainRule,
        ComputationGraph,
        Curve,
        Explorer,
        GradientField,
        NeuronLab,
        PartialsTable,
        Surface,
    )

    return [
        ("baseline: marker follows slider", 5.0, baseline, "x"),
        ("Curve x^2 (tangent + secant)", 5.0, lambda: Curve("x^2"), "x"),
        ("Surface x^2*y", 5.0, lambda: Surface("x^2*y"), "x"),
        ("Surface x^2*y + tangent plane", 5.0, lambda: Surface("x^2*y", plane=True), "x"),
        ("GradientField x^2+y^2", 5.0, lambda: GradientField("x^2+y^2"), "x"),
        ("GradientField + arrows + descent", 5.0,
         lambda: GradientField("x^2+y^2", arrows=True, descent=True), "x"),
        ("ComputationGraph x^2*y + x", 5.0, lambda: ComputationGraph("x^2*y + x"), "x"),
        ("ChainRule 3(2x^2)^5", 5.0, lambda: ChainRule("3(2x^2)^5"), "x"),
        ("PartialsTable x^2*y", 5.0, lambda: PartialsTable("x^2*y"), "x"),
        ("Explorer x^2*y", 15.0, lambda: Explorer("x^2*y"), "x"),
        ("Explorer x*y*z", 15.0, lambda: Explorer("x*y*z"), "x"),
        ("Explorer log(x)*sin(x)", 15.0, lambda: Explorer("log(x)*sin(x)"), "x"),
        ("NeuronLab", 15.0, lambda: NeuronLab(), "w1"),
    ]


def alternating(slider, i: int) -> float:
    """Two values a few steps apart inside the range (never the same value twice running,
    which would not fire the observers)."""
    lo, hi = slider.min, slider.max
    return lo + (hi - lo) * (0.55 if i % 2 else 0.6)


def time_changes(built, changes: int) -> dict[str, list[float]]:
    times: dict[str, list[float]] = {label: [] for label in built}
    for i in range(changes):
        for label, (view, name) in built.items():  # interleaved: A, B, C, A, B, C, ...
            slider = view.sliders[name]
            value = alternating(slider, i)
            start = time.perf_counter()
            slider.value = value
            times[label].append(time.perf_counter() - start)
    return times


def rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--changes", type=int, default=300, help="timed changes per view")
    parser.add_argument("--memory-changes", type=int, default=10_000)
    parser.add_argument("--quick", action="store_true", help="60 timed, 1,000 memory changes")
    parser.add_argument("--no-comm", action="store_true",
                        help="no null comm: leaves out message serialization")
    args = parser.parse_args()
    if args.quick:
        args.changes, args.memory_changes = 60, 1_000
    if not args.no_comm:
        install_null_comm()

    import plotly

    print(f"python {sys.version.split()[0]}, plotly {plotly.__version__}, "
          f"{'null comm (serialization included)' if not args.no_comm else 'no comm'}")
    table = views()
    built = {}
    for label, _, make, name in table:
        view = make()
        for i in range(10):  # warm up: first-use imports and caches
            view.sliders[name].value = alternating(view.sliders[name], i)
        built[label] = (view, name)
    NullComm.messages = NullComm.bytes = 0
    times = time_changes(built, args.changes)
    per_change = NullComm.messages / max(1, args.changes * len(built))

    base = float(np.median(times[table[0][0]]))
    print(f"\nslider change -> figures updated, {args.changes} changes per view "
          f"(~{per_change:.1f} comm messages per change on average)")
    print(f"{'view':36} {'median ms':>10} {'p95 ms':>8} {'/ baseline':>11} {'budget':>7}  ok")
    for label, budget, _, _ in table:
        median = float(np.median(times[label])) * 1e3
        p95 = float(np.percentile(times[label], 95)) * 1e3
        verdict = "yes" if median <= budget else "NO"
        print(f"{label:36} {median:10.2f} {p95:8.2f} {median / (base * 1e3):10.1f}x "
              f"{budget:6.0f}  {verdict}")

    print(f"\nmemory: {args.memory_changes:,} slider changes per view "
          f"(RSS, Python's allocated blocks, trace counts before -> after)")
    print(f"{'view':36} {'RSS MB before':>13} {'after':>8} {'growth':>7} {'blocks +':>9} "
          f"{'traces':>10}")
    for label, _, _, _ in table:
        view, name = built[label]
        slider = view.sliders[name]
        traces_before = [len(f.data) for f in view.figures]
        gc.collect()
        rss_before, blocks_before = rss_mb(), sys.getallocatedblocks()
        for i in range(args.memory_changes):
            slider.value = alternating(slider, i)
        gc.collect()
        rss_after, blocks_after = rss_mb(), sys.getallocatedblocks()
        traces_after = [len(f.data) for f in view.figures]
        traces = (f"{sum(traces_before)}->{sum(traces_after)}"
                  + ("" if traces_before == traces_after else " CHANGED"))
        print(f"{label:36} {rss_before:13.1f} {rss_after:8.1f} {rss_after - rss_before:7.1f} "
              f"{blocks_after - blocks_before:9d} {traces:>10}")


if __name__ == "__main__":
    main()
