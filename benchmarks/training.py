"""One training step of the book's spiral model with Adam (lr 0.05, decay 5e-7), as the training
lab runs it, beside hand-written numpy as in the book and PyTorch eager (when installed); then the
live TrainingLab's ticks (EPOCHS_PER_TICK epochs and one redraw) per second with its plots.

A gate first checks that the three compute the same loss and gradients at step 1 and the same
weights after it. Peers are timed in interleaved rounds (each once per round, in a random order)
and printed as median, p95 and gradlab/peer. Targets: a step no slower than PyTorch eager; the
live lab at >= 20 redraws per second. Run: `python benchmarks/training.py [--quick]`.
(benchmarks/engine.py compares the bare forward + backward + SGD step; this file is about the
optimizer's step as trained in the lab, and the lab itself.)
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from gradlab.trainer import Trainer

sys.path.insert(0, str(Path(__file__).resolve().parent))
from book_numpy import forward_backward  # noqa: E402  (the peer engine.py shares)

try:
    import torch
except ImportError:  # a peer when present, never a requirement
    torch = None

# the variables tools/lab.py sets to 1 for the kernels of `make lab` and `make present`
ONE_THREAD = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS",
              "VECLIB_MAXIMUM_THREADS")
LR, DECAY, EPS, BETA1, BETA2 = 0.05, 5e-7, 1e-7, 0.9, 0.999


def gradlab_step():
    trainer = Trainer("adam", lr=LR, decay=DECAY)

    def step():
        trainer.step(1)
        grads = [p.grad for p in trainer.model.params.values()]
        return trainer.history.loss[-1], grads, [p.data for p in trainer.model.params.values()]

    return step, {name: data.copy() for name, data in trainer.start.items()}, trainer


def numpy_step(start: dict, X: np.ndarray, y: np.ndarray):
    """The book's code written out (book_numpy.py, accuracy included as the lab computes it),
    then Adam with pre/post update."""
    params = [start[n].copy() for n in ("W1", "b1", "W2", "b2")]
    moments = [np.zeros_like(p) for p in params]
    caches = [np.zeros_like(p) for p in params]
    it = [0]

    def step():
        loss, grads = forward_backward(X, y, params, accuracy=True)
        lr = LR / (1 + DECAY * it[0])
        t = it[0] + 1
        for i, g in enumerate(grads):
            moments[i] = BETA1 * moments[i] + (1 - BETA1) * g
            caches[i] = BETA2 * caches[i] + (1 - BETA2) * g**2
            m_hat, c_hat = moments[i] / (1 - BETA1**t), caches[i] / (1 - BETA2**t)
            params[i] = params[i] - lr * m_hat / (np.sqrt(c_hat) + EPS)
        it[0] += 1
        return loss, grads, params

    return step


def torch_step(start: dict, X: np.ndarray, y: np.ndarray):
    """Eager PyTorch in float64, torch.optim.Adam (its formula is the book's) with the book's
    decay applied to the learning rate before each step."""
    params = [torch.tensor(start[n], requires_grad=True) for n in ("W1", "b1", "W2", "b2")]
    optimizer = torch.optim.Adam(params, lr=LR, betas=(BETA1, BETA2), eps=EPS)
    inputs, targets = torch.from_numpy(X), torch.from_numpy(y)
    it = [0]

    def step():
        W1, b1, W2, b2 = params
        logits = torch.relu(inputs @ W1 + b1) @ W2 + b2
        loss = torch.nn.functional.cross_entropy(logits, targets)
        _accuracy = (logits.argmax(dim=1) == targets).double().mean()
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        for group in optimizer.param_groups:
            group["lr"] = LR / (1 + DECAY * it[0])
        optimizer.step()
        it[0] += 1
        return loss.item(), [p.grad for p in params], params

    return step


def as_numpy(values) -> list[np.ndarray]:
    return [v.detach().numpy() if torch is not None and torch.is_tensor(v) else np.asarray(v)
            for v in values]


def timed_rounds(peers: dict, seconds: float, warmup: int) -> dict[str, list[float]]:
    """Interleaved rounds in a fresh random order each, so every peer follows every other
    equally often (a peer that leaves threads spinning slows whichever call comes next; a
    rotating order would hand that cost to one peer most of the time)."""
    for _ in range(warmup):
        for run in peers.values():
            run()
    times: dict[str, list[float]] = {name: [] for name in peers}
    names = list(peers)
    order = np.random.default_rng(0)
    start, rounds = time.perf_counter(), 0
    while rounds < 5 or time.perf_counter() - start < seconds:
        for name in order.permutation(names):
            t0 = time.perf_counter()
            peers[name]()
            times[name].append(time.perf_counter() - t0)
        rounds += 1
    return times


def table(times: dict[str, list[float]]) -> dict[str, float]:
    medians = {name: float(np.median(t)) for name, t in times.items()}
    ours = next(iter(medians.values()))
    print(f"  {'peer':<30}{'median':>11}{'p95':>11}{'gradlab/peer':>14}{'rounds':>8}")
    for i, (name, t) in enumerate(times.items()):
        ratio = "" if i == 0 else f"{ours / medians[name]:.2f}"
        print(f"  {name:<30}{medians[name] * 1e3:>8.3f} ms{np.percentile(t, 95) * 1e3:>8.3f} ms"
              f"{ratio:>14}{len(t):>8}")
    return medians


def bench_step(quick: bool) -> None:
    print("\n== 1. one Adam training step, spiral 2-64-3, 300 samples ==")
    ours, start, trainer = gradlab_step()
    X, y = trainer.X, trainer.y
    peers = {"gradlab (Trainer.step)": ours, "numpy (the book's code)": numpy_step(start, X, y)}
    if torch is not None:
        peers["torch eager"] = torch_step(start, X, y)
    first = {name: run() for name, run in peers.items()}
    loss_ref, grads_ref, params_ref = first["gradlab (Trainer.step)"]
    grads_ref, params_ref = as_numpy(grads_ref), as_numpy(params_ref)
    for name, (loss, grads, params) in first.items():
        grad_gap = max(float(np.max(np.abs(g - r))) for g, r in zip(as_numpy(grads), grads_ref,
                                                                     strict=True))
        weight_gap = max(float(np.max(np.abs(p - r))) for p, r in zip(as_numpy(params),
                                                                       params_ref, strict=True))
        print(f"  gate: {name:<26} loss {loss:.15g}, max |grad - gradlab's| {grad_gap:.1e}, "
              f"max |weight - gradlab's| after step 1 {weight_gap:.1e}")
        if abs(loss - loss_ref) > 1e-12 or grad_gap > 1e-12 or weight_gap > 1e-9:
            sys.exit(f"  gate FAILED: {name} disagrees with gradlab; timings would mean nothing")
    if torch is None:
        print("  torch: not installed (.venv/bin/python -m pip install torch==2.13.0)")
    times = timed_rounds(peers, 2.0 if quick else 15.0, warmup=5 if quick else 50)
    medians = table(times)
    if torch is not None:
        verdict = "met" if medians["gradlab (Trainer.step)"] <= medians["torch eager"] else \
            "NOT met"
        print(f"  target gradlab <= torch eager: {verdict}")


def bench_lab(quick: bool) -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from views import install_null_comm  # serializes every widget message, as a kernel would

    install_null_comm()
    from gradlab.views.training_lab import EPOCHS_PER_TICK, TrainingLab

    print(f"\n== 2. the live TrainingLab: one Play tick = {EPOCHS_PER_TICK} epochs + one redraw "
          "==")
    lab = TrainingLab()
    ticks, redraws = [], []
    budget = 3.0 if quick else 15.0
    start = time.perf_counter()
    while time.perf_counter() - start < budget and lab.play.value < lab.play.max:
        t0 = time.perf_counter()
        lab.play.value += 1  # what the browser's Play widget does every 50 ms
        ticks.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        lab.update()
        redraws.append(time.perf_counter() - t0)
    tick, redraw = float(np.median(ticks)), float(np.median(redraws))
    print(f"  {len(ticks)} ticks up to epoch {lab.trainer.epochs}")
    print(f"  tick (train + redraw): median {tick * 1e3:.1f} ms, p95 "
          f"{np.percentile(ticks, 95) * 1e3:.1f} ms; redraw alone: median {redraw * 1e3:.1f} ms")
    rate = 1.0 / tick
    print(f"  {rate:.1f} redraws per second, {rate * EPOCHS_PER_TICK:.0f} epochs per second")
    print(f"  target >= 20 redraws per second: {'met' if rate >= 20 else 'NOT met'}")


def lab_ticks(seconds: float) -> list[float]:
    """The TrainingLab's Play ticks (train + redraw, seconds each) for `seconds`, from epoch 0."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from views import install_null_comm

    install_null_comm()
    from gradlab.views.training_lab import TrainingLab

    lab, ticks = TrainingLab(), []
    start = time.perf_counter()
    while time.perf_counter() - start < seconds and lab.play.value < lab.play.max:
        t0 = time.perf_counter()
        lab.play.value += 1
        ticks.append(time.perf_counter() - t0)
    return ticks


def bench_threads(quick: bool) -> None:
    """The lab's tick in a kernel with OpenBLAS's default threads (one per core) and with the
    one thread `make lab` gives its kernels (tools/lab.py), each in its own process (a thread
    count is read when numpy loads), runs alternating so both share the machine's load."""
    from gradlab.views.training_lab import EPOCHS_PER_TICK

    print("\n== 3. the lab's tick: BLAS threads as numpy defaults vs one (as `make lab` sets) ==")
    settings = {"default threads": {}, "one thread": {name: "1" for name in ONE_THREAD}}
    ticks: dict[str, list[float]] = {name: [] for name in settings}
    for _ in range(2 if quick else 4):
        for name, extra in settings.items():
            env = {k: v for k, v in os.environ.items() if k not in ONE_THREAD} | extra
            out = subprocess.run([sys.executable, __file__, "--ticks", "1.5" if quick else "5"],
                                 env=env, capture_output=True, text=True, check=True).stdout
            ticks[name] += json.loads(out.splitlines()[-1])
    base = float(np.median(ticks["default threads"]))
    for name, t in ticks.items():
        median = float(np.median(t))
        print(f"  {name:<16} tick median {median * 1e3:6.1f} ms, p95 "
              f"{np.percentile(t, 95) * 1e3:6.1f} ms, {EPOCHS_PER_TICK / median:5.0f} epochs/s, "
              f"{median / base:.2f}x default ({len(t)} ticks)")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a short run (a few seconds)")
    parser.add_argument("--ticks", type=float, help=argparse.SUPPRESS)  # a child of part 3
    args = parser.parse_args(argv)
    if args.ticks:
        print(json.dumps(lab_ticks(args.ticks)))
        return
    print(f"python {platform.python_version()}, numpy {np.__version__}, torch "
          f"{torch.__version__ if torch is not None else 'not installed'}; "
          f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}")
    bench_step(args.quick)
    bench_lab(args.quick)
    bench_threads(args.quick)


if __name__ == "__main__":
    main()
