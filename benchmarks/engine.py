"""gradlab's engine measured beside its peers, in one run, on the two workloads a learner meets.

1. Forward + backward of micrograd's demo network (a scalar MLP 2-16-16-1 on 100 points with
   the SVM max-margin loss): gradlab.Value against micrograd's Value, running one program;
   1b. the same with a fresh model every step, each peer in its own process (so each pays for
   its own garbage: timed in one process, micrograd's cyclic garbage is collected during
   gradlab's calls), with the garbage collector on as in a learner's kernel.
2. One training step of the book's spiral model (2-64-3, 300 samples, softmax + cross-entropy,
   SGD): gradlab against hand-written numpy as in the book and PyTorch eager (when installed).

Each workload first checks that the peers compute the same loss and gradients (a gate), then
times them in interleaved rounds (each peer once per round, in a random order) so they share
the machine's noise, and prints median, p95 and gradlab/peer of medians.
Run: `python benchmarks/engine.py [--quick]`.
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import sys
import time
from collections.abc import Callable
from importlib import metadata

import numpy as np

import gradlab as gl

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from book_numpy import forward_backward  # noqa: E402  (the peer training.py shares)

try:
    from micrograd.engine import Value as MicrogradValue
except ImportError:  # the `bench` extra is not installed
    MicrogradValue = None

try:
    import torch
    import torch.nn.functional as F
except ImportError:  # PyTorch is a peer when present, never a requirement
    torch = None

SEED = 0


# ---------------------------------------------------------------------------------------------
# Timing: interleaved rounds, each call timed on its own
# ---------------------------------------------------------------------------------------------

class Peer:
    """A named function to time; `prepare` runs untimed before each call (e.g. thread count)."""

    def __init__(self, name: str, run: Callable[[], object],
                 prepare: Callable[[], object] | None = None) -> None:
        self.name, self.run, self.prepare = name, run, prepare
        self.times_ns: list[int] = []


def measure(peers: list[Peer], budget_s: float, warmup: int, max_rounds: int,
            min_rounds: int = 5) -> int:
    """Warm up, then time rounds (each peer once per round) until the budget is spent.

    Each round runs the peers in a fresh random order, so every peer follows every other
    equally often: a peer can slow whichever call comes next (PyTorch's worker threads spin
    for a while after a multi-threaded call), and a rotating order (A B C, B C A, C A B)
    would hand that cost to the same peer in most rounds. Returns the number of rounds.
    """
    for _ in range(warmup):
        for peer in peers:
            if peer.prepare:
                peer.prepare()
            peer.run()
    order = np.random.default_rng(SEED)
    start = time.perf_counter()
    rounds = 0
    while rounds < max_rounds and (rounds < min_rounds or time.perf_counter() - start < budget_s):
        for index in order.permutation(len(peers)):
            peer = peers[index]
            if peer.prepare:
                peer.prepare()
            t0 = time.perf_counter_ns()
            peer.run()
            peer.times_ns.append(time.perf_counter_ns() - t0)
        rounds += 1
    return rounds


def _fmt(ns: float) -> str:
    if ns >= 1e6:
        return f"{ns / 1e6:9.2f} ms"
    return f"{ns / 1e3:9.1f} us"


def print_table(peers: list[Peer], missing: list[str]) -> dict[str, float]:
    """Median, p95 and gradlab/peer (ratio of medians; below 1 means gradlab is faster)."""
    medians = {peer.name: float(np.median(peer.times_ns)) for peer in peers}
    ours = medians[peers[0].name]
    print(f"  {'peer':<28}{'median':>12}{'p95':>12}{'gradlab/peer':>14}")
    for peer in peers:
        p95 = float(np.percentile(peer.times_ns, 95))
        ratio = "" if peer is peers[0] else f"{ours / medians[peer.name]:.2f}"
        print(f"  {peer.name:<28}{_fmt(medians[peer.name]):>12}{_fmt(p95):>12}{ratio:>14}")
    for name in missing:
        print(f"  {name:<28}{'not installed':>12}")
    return medians


# ---------------------------------------------------------------------------------------------
# Workload 1: micrograd's demo, a scalar MLP 2-16-16-1, SVM max-margin loss on 100 points
# ---------------------------------------------------------------------------------------------

def two_moons(n: int = 100, noise: float = 0.1) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaved half circles (labels -1 and +1), like scikit-learn's make_moons."""
    rng = np.random.default_rng(SEED)
    half = n // 2
    t_outer = np.linspace(0.0, np.pi, n - half)
    t_inner = np.linspace(0.0, np.pi, half)
    outer = np.column_stack([np.cos(t_outer), np.sin(t_outer)])
    inner = np.column_stack([1.0 - np.cos(t_inner), 0.5 - np.sin(t_inner)])
    X = np.vstack([outer, inner]) + rng.normal(scale=noise, size=(n, 2))
    y = np.concatenate([-np.ones(n - half), np.ones(half)])
    return X, y


def mlp_weights(sizes: list[int]) -> list[tuple[np.ndarray, np.ndarray]]:
    """One (W, b) per layer, W of shape (outputs, inputs), uniform in [-1, 1] as micrograd."""
    rng = np.random.default_rng(SEED + 1)
    return [(rng.uniform(-1.0, 1.0, size=(n_out, n_in)), rng.uniform(-1.0, 1.0, size=n_out))
            for n_in, n_out in zip(sizes[:-1], sizes[1:], strict=True)]


class ScalarMLP:
    """A network of neurons act = b + sum_i w_i x_i, relu on hidden layers, linear output.

    Written once for any scalar Value class, so gradlab and micrograd run the same program.
    """

    def __init__(self, value: type, weights: list[tuple[np.ndarray, np.ndarray]]) -> None:
        self.value = value
        self.layers = [([[value(float(w)) for w in row] for row in W], [value(float(c)) for c in b])
                       for W, b in weights]

    def __call__(self, inputs: list) -> object:
        last = len(self.layers) - 1
        for depth, (rows, biases) in enumerate(self.layers):
            acts = [sum((w * x for w, x in zip(row, inputs, strict=True)), bias)
                    for row, bias in zip(rows, biases, strict=True)]
            inputs = acts if depth == last else [act.relu() for act in acts]
        return inputs[0]

    def parameters(self) -> list:
        return [p for rows, biases in self.layers
                for row, bias in zip(rows, biases, strict=True) for p in (*row, bias)]


def svm_step(model: ScalarMLP, X: list[tuple[float, float]], y: list[float]) -> object:
    """Build the graph, loss = mean(relu(1 - y*score)) + 1e-4 sum(p^2), zero grads, backward."""
    value = model.value
    scores = [model([value(a), value(b)]) for a, b in X]
    losses = [(1 + -label * score).relu() for label, score in zip(y, scores, strict=True)]
    data_loss = sum(losses) * (1.0 / len(losses))
    reg_loss = 1e-4 * sum(p * p for p in model.parameters())
    loss = data_loss + reg_loss
    for p in model.parameters():
        p.grad = 0.0
    loss.backward()
    return loss


def graph_size(root, parents: Callable[[object], object]) -> int:
    seen, stack = {id(root)}, [root]
    while stack:
        for parent in parents(stack.pop()):
            if id(parent) not in seen:
                seen.add(id(parent))
                stack.append(parent)
    return len(seen)


def bench_scalar(quick: bool) -> None:
    print("\n== 1. scalar MLP 2-16-16-1, 100 points, SVM loss: forward + backward ==")
    X_np, y_np = two_moons()
    X = [(float(a), float(b)) for a, b in X_np]
    y = [float(label) for label in y_np]
    weights = mlp_weights([2, 16, 16, 1])
    ours = ScalarMLP(gl.Value, weights)
    if MicrogradValue is None:
        print("  micrograd: not installed (pip install -e '.[bench]', or `make bench`)")
        peers = [Peer("gradlab", lambda: svm_step(ours, X, y))]
        measure(peers, 1.0 if quick else 5.0, warmup=1, max_rounds=200)
        print_table(peers, ["micrograd"])
        return

    theirs = ScalarMLP(MicrogradValue, weights)
    loss_ours, loss_theirs = svm_step(ours, X, y), svm_step(theirs, X, y)
    grads_ours = np.array([p.grad for p in ours.parameters()])
    grads_theirs = np.array([p.grad for p in theirs.parameters()], dtype=np.float64)
    loss_gap = abs(loss_ours.data - loss_theirs.data)
    grad_gap = float(np.max(np.abs(grads_ours - grads_theirs)))
    print(f"  gate: loss gradlab {loss_ours.data:.15g}, micrograd {loss_theirs.data:.15g} "
          f"(|diff| {loss_gap:.1e}); {len(grads_ours)} gradients, max |diff| {grad_gap:.1e}")
    if not (loss_gap <= 1e-12 and np.allclose(grads_ours, grads_theirs, rtol=1e-10, atol=1e-13)):
        sys.exit("  gate FAILED: gradlab and micrograd disagree; timings would mean nothing")
    print(f"  graph nodes: gradlab {graph_size(loss_ours, lambda v: v.parents)}, "
          f"micrograd {graph_size(loss_theirs, lambda v: v._prev)}")

    # The collector stays on; before each timed call it collects, untimed, what the call before
    # left: otherwise micrograd's cyclic garbage (~65k nodes, which only the collector frees) is
    # walked by a full collection that gradlab's allocations happen to trigger, and gradlab's p95
    # shows micrograd's garbage. So each peer pays for the collections its own call causes.
    peers = [Peer("gradlab", lambda: svm_step(ours, X, y), prepare=gc.collect),
             Peer(f"micrograd {metadata.version('micrograd')}", lambda: svm_step(theirs, X, y),
                  prepare=gc.collect)]
    rounds = measure(peers, 2.0 if quick else 24.0, warmup=1 if quick else 3, max_rounds=400,
                     min_rounds=2 if quick else 3)
    print(f"  {rounds} interleaved rounds (the garbage of the call before collected untimed)")
    medians = print_table(peers, [])
    verdict = "met" if medians["gradlab"] <= medians[peers[1].name] else "NOT met"
    print(f"  target gradlab <= micrograd: {verdict}")
    ours_ns = peers[0].times_ns
    print(f"  gradlab p95/median {np.percentile(ours_ns, 95) / np.median(ours_ns):.2f} "
          "(target <= 1.5)")


def fresh_steps(kind: str, steps: int) -> list[float]:
    """`steps` SVM steps, each on a freshly built model (as a learner re-runs a cell), each timed
    once with Python's garbage collector on; this process runs one peer only, so it pays for
    its own garbage and nobody else's (micrograd's nodes hold closures over themselves, cycles
    only the collector frees; gradlab's graphs free themselves by reference counting)."""
    value = gl.Value if kind == "gradlab" else MicrogradValue
    X_np, y_np = two_moons()
    X = [(float(a), float(b)) for a, b in X_np]
    y = [float(label) for label in y_np]
    weights = mlp_weights([2, 16, 16, 1])
    times = []
    for _ in range(steps):
        t0 = time.perf_counter_ns()
        svm_step(ScalarMLP(value, weights), X, y)
        times.append(time.perf_counter_ns() - t0)
    return times


def bench_fresh(quick: bool) -> None:
    print("\n== 1b. the same, fresh parameters every step, each peer in its own process ==")
    if MicrogradValue is None:
        print("  micrograd: not installed")
        return
    import json
    import subprocess

    peers = [Peer("gradlab", lambda: None), Peer("micrograd", lambda: None)]
    for _ in range(2 if quick else 5):  # processes alternate, so both share the machine's load
        for peer in peers:
            out = subprocess.run([sys.executable, __file__, "--fresh", peer.name,
                                  "--steps", "5" if quick else "12"],
                                 capture_output=True, text=True, check=True).stdout
            peer.times_ns += json.loads(out.splitlines()[-1])
    print_table(peers, [])
    ours = peers[0].times_ns
    spread = float(np.percentile(ours, 95) / np.median(ours))
    print(f"  gradlab p95/median {spread:.2f} (target <= 1.5); gradlab/micrograd target <= 0.5")


# ---------------------------------------------------------------------------------------------
# Workload 2: the book's spiral model, one SGD step (2-64 relu, 64-3, softmax + cross-entropy)
# ---------------------------------------------------------------------------------------------

LEARNING_RATE = 1.0  # the book's SGD default


def spiral(samples: int = 100, classes: int = 3) -> tuple[np.ndarray, np.ndarray]:
    """Points on `classes` noisy arms of a spiral, as the book's spiral_data."""
    rng = np.random.default_rng(SEED + 2)
    X = np.zeros((samples * classes, 2))
    y = np.zeros(samples * classes, dtype=np.int64)
    for label in range(classes):
        rows = slice(samples * label, samples * (label + 1))
        radius = np.linspace(0.0, 1.0, samples)
        angle = np.linspace(label * 4.0, (label + 1) * 4.0, samples)
        angle += rng.normal(scale=0.2, size=samples)
        X[rows] = np.column_stack([radius * np.sin(angle * 2.5), radius * np.cos(angle * 2.5)])
        y[rows] = label
    return X, y


def spiral_weights() -> list[np.ndarray]:
    """W1 (2, 64), b1 (1, 64), W2 (64, 3), b2 (1, 3): 0.01 * normal weights, zero biases."""
    rng = np.random.default_rng(SEED + 3)
    return [0.01 * rng.standard_normal((2, 64)), np.zeros((1, 64)),
            0.01 * rng.standard_normal((64, 3)), np.zeros((1, 3))]


def gradlab_spiral(X: np.ndarray, y: np.ndarray):
    params = [gl.Value(w) for w in spiral_weights()]
    inputs = X  # the data: a plain array, so a constant of the graph (no gradient, as in torch)

    def step() -> tuple[float, list[np.ndarray]]:
        W1, b1, W2, b2 = params
        hidden = (inputs @ W1 + b1).relu()
        probs = gl.softmax(hidden @ W2 + b2)
        loss = gl.cross_entropy(probs, y)
        for p in params:
            p.grad = None  # reset: zeros when read, and backward's gradient taken as it is
        loss.backward()
        for p in params:
            p.data -= LEARNING_RATE * p.grad
        return loss.data, [p.grad for p in params]
    return step


def numpy_spiral(X: np.ndarray, y: np.ndarray):
    """The book's layers, written out (book_numpy.py), then SGD."""
    params = list(spiral_weights())

    def step() -> tuple[float, list[np.ndarray]]:
        loss, grads = forward_backward(X, y, params)
        for w, g in zip(params, grads, strict=True):
            w -= LEARNING_RATE * g
        return loss, grads
    return step


def torch_spiral(X: np.ndarray, y: np.ndarray):
    """Eager PyTorch in float64 (gradlab's dtype), F.cross_entropy on the logits."""
    params = [torch.tensor(w, requires_grad=True) for w in spiral_weights()]
    inputs, targets = torch.from_numpy(X), torch.from_numpy(y)

    def step() -> tuple[float, list[np.ndarray]]:
        W1, b1, W2, b2 = params
        hidden = torch.relu(inputs @ W1 + b1)
        loss = F.cross_entropy(hidden @ W2 + b2, targets)
        for p in params:
            p.grad = None
        loss.backward()
        grads = [p.grad for p in params]
        with torch.no_grad():
            for p, g in zip(params, grads, strict=True):
                p -= LEARNING_RATE * g
        return loss.item(), grads
    return step


def bench_spiral(quick: bool) -> None:
    print("\n== 2. spiral model 2-64-3, 300 samples, softmax + cross-entropy: one SGD step ==")
    X, y = spiral()
    steps = {"gradlab": gradlab_spiral(X, y), "numpy (the book's code)": numpy_spiral(X, y)}
    if torch is not None:
        steps["torch"] = torch_spiral(X, y)

    # The gate: the first step of each peer from the same weights.
    first = {name: step() for name, step in steps.items()}
    loss_ref, grads_ref = first["gradlab"]
    for name, (loss, grads) in first.items():
        grads = [np.asarray(g.detach() if torch is not None and torch.is_tensor(g) else g)
                 for g in grads]
        gap = max(float(np.max(np.abs(g - r))) for g, r in zip(grads, grads_ref, strict=True))
        print(f"  gate: {name:<24} loss {loss:.15g}, max |grad - gradlab's| {gap:.1e}")
        same = all(np.allclose(g, r, rtol=1e-9, atol=1e-15)
                   for g, r in zip(grads, grads_ref, strict=True))
        if abs(loss - loss_ref) > 1e-12 or not same:
            sys.exit(f"  gate FAILED: {name} disagrees with gradlab; timings would mean nothing")

    peers = [Peer("gradlab", steps["gradlab"]),
             Peer("numpy (the book's code)", steps["numpy (the book's code)"])]
    missing = []
    if torch is not None:
        default_threads = torch.get_num_threads()
        peers.append(Peer("torch eager, 1 thread", steps["torch"],
                          prepare=lambda: torch.set_num_threads(1)))
        peers.append(Peer(f"torch eager, {default_threads} threads", steps["torch"],
                          prepare=lambda: torch.set_num_threads(default_threads)))
    else:
        missing.append("torch")
    rounds = measure(peers, 2.0 if quick else 20.0, warmup=20 if quick else 200,
                     max_rounds=2_000 if quick else 40_000)
    if torch is not None:
        torch.set_num_threads(default_threads)
    print(f"  {rounds} interleaved rounds")
    medians = print_table(peers, missing)
    torch_medians = [m for name, m in medians.items() if name.startswith("torch")]
    if torch_medians:
        verdict = "met" if medians["gradlab"] <= min(torch_medians) else "NOT met"
        print(f"  target gradlab <= torch eager (its faster setting): {verdict}")


def print_environment() -> None:
    versions = [f"python {platform.python_version()}", f"numpy {np.__version__}",
                f"gradlab {gl.__version__}"]
    for name in ("micrograd", "torch"):
        try:
            versions.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            versions.append(f"{name} not installed")
    print("gradlab engine benchmark: " + ", ".join(versions))
    print(f"machine: {platform.machine()}, {os.cpu_count()} CPUs, "
          f"OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE')!r}, "
          f"OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS')!r}, "
          f"torch default threads={torch.get_num_threads() if torch is not None else 'n/a'}")
    print("times are per call; gradlab/peer is the ratio of medians (< 1: gradlab is faster)")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a short run (a few seconds)")
    parser.add_argument("--fresh", choices=["gradlab", "micrograd"], help=argparse.SUPPRESS)
    parser.add_argument("--steps", type=int, default=10, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.fresh:  # a child of part 1b
        import json

        print(json.dumps(fresh_steps(args.fresh, args.steps)))
        return
    print_environment()
    gc.collect()
    started = time.perf_counter()
    bench_scalar(args.quick)
    bench_fresh(args.quick)
    bench_spiral(args.quick)
    print(f"\ntotal {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
