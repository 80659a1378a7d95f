"""What a learner waits for before the first picture, kernel side, beside a baseline in one run.

1. Imports: `import gradlab.views` and plotly's FigureWidget in a fresh Python, with and without
   jsonschema's IRI format checker (`rfc3987_syntax`, which builds a grammar for ~2 s when it is
   imported: python-jsonschema/jsonschema#1428). The locks leave that package out (see
   requirements/overrides.txt); "with" is measured only where it is installed.
2. Each lesson run in a fresh kernel (nbclient, as JupyterLab's Run All asks a kernel), beside a
   baseline notebook with one bare FigureWidget and one slider, run before, between and after
   the lessons: the kernel's start, its import cell and the construction of every lab after it
   (the cells' times as the kernel reports them). Targets: every lesson <= 1.5x the baseline;
   the labs of a lesson built in <= 300 ms after the imports. gradlab imports SymPy only when
   a formula is first shown, and the formulas the lessons show are in a table written when the
   lessons are built (gradlab/expression/worked.py), so no lesson should import it. Should one,
   it is run again with `import sympy` added to its import cell, and "after imports" is that
   run's labs (SymPy's import is then in "imports"). Each lesson is also run without the table
   (as with a SymPy other than the one that wrote it): the columns "without the table".

3. The training lab played for 10 minutes (--quick: 20 s), reset at its last epoch and played
   again: the kernel's resident memory over time (goal: flat, every lesson's kernel <= 200 MB).

The browser's part (the first plotly draw, MathJax) is in browser_latency.py.
Run: `python benchmarks/startup.py [--quick] [--rounds N] [--play-seconds S] [notebooks ...]`.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbformat.v4 import new_code_cell, new_notebook

REPO = Path(__file__).resolve().parents[1]
NOTEBOOKS = REPO / "notebooks"
sys.path.insert(0, str(REPO / "tools"))
from lab import environment  # noqa: E402  (the kernels' environment of `make lab`)
from worked_table import without_table  # noqa: E402  (the table of SymPy's results out of reach)

IMPORT = ("import time; t = time.perf_counter(); import gradlab.views; "
          "from plotly.graph_objects import FigureWidget; "
          "print(time.perf_counter() - t)")
WITHOUT = "import sys; sys.modules['rfc3987_syntax'] = None; "  # an ImportError, as if absent

BASELINE = new_notebook(cells=[
    new_code_cell("import ipywidgets as widgets\nimport plotly.graph_objects as go\n"
                  "from plotly.graph_objects import FigureWidget  # its import, as gradlab.views"),
    new_code_cell("figure = go.FigureWidget(go.Scatter(x=[0, 1], y=[0, 1]))\n"
                  "slider = widgets.FloatSlider(min=0, max=1)\n"
                  "widgets.VBox([slider, figure])"),
])


def import_times(rounds: int) -> None:
    print("\n== 1. import gradlab.views and FigureWidget, fresh Python each time ==")
    present = subprocess.run([sys.executable, "-c", "import importlib.util as u; "
                              "print(u.find_spec('rfc3987_syntax') is not None)"],
                             capture_output=True, text=True, check=True).stdout.strip()
    variants = {"without rfc3987_syntax": WITHOUT + IMPORT}
    if present == "True":
        variants = {"with rfc3987_syntax": IMPORT, **variants}
    times: dict[str, list[float]] = {name: [] for name in variants}
    for _ in range(rounds):
        for name, code in variants.items():
            out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                 check=True, env=environment()).stdout
            times[name].append(float(out.split()[-1]))
    for name, values in times.items():
        print(f"  {name:<24} median {statistics.median(values) * 1e3:7.0f} ms "
              f"(min {min(values) * 1e3:.0f}, {len(values)} runs)")
    if present != "True":
        print("  with rfc3987_syntax: not installed here (the locks leave it out)")


def _seconds(cell: nbformat.NotebookNode) -> float:
    timing = cell.metadata.get("execution", {})
    start, end = timing.get("iopub.execute_input"), timing.get("shell.execute_reply")
    if not (start and end):
        return 0.0
    parse = datetime.fromisoformat
    return (parse(end.replace("Z", "+00:00")) - parse(start.replace("Z", "+00:00"))).total_seconds()


RSS = new_code_cell("import sys\n"
                    "print(int(open('/proc/self/status').read().split('VmRSS:')[1].split()[0]),"
                    " 'sympy' in sys.modules)")


def run_fresh(book: nbformat.NotebookNode) -> tuple[float, float, float, float, bool]:
    """(seconds from asking for a kernel to the last cell done, the first code cell's
    kernel time (the imports), the other cells' kernel time (the labs), the kernel's resident
    memory in MB after them, whether SymPy was imported)."""
    book = nbformat.from_dict(book)
    book.cells.append(RSS)
    client = NotebookClient(book, timeout=300, kernel_name="python3", record_timing=True,
                            resources={"metadata": {"path": str(NOTEBOOKS)}})
    start = time.perf_counter()
    client.execute()
    total = time.perf_counter() - start
    rss, sympy = book.cells.pop().outputs[0]["text"].split()
    cells = [_seconds(cell) for cell in book.cells if cell.cell_type == "code"]
    return total, cells[0], sum(cells[1:]), int(rss) / 1024, sympy == "True"


def with_sympy_imported(book: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The lesson with `import sympy` at the end of its first code cell."""
    book = nbformat.from_dict(book)
    first = next(cell for cell in book.cells if cell.cell_type == "code")
    first.source += "\nimport sympy"
    return book


def lessons(paths: list[Path], rounds: int) -> None:
    print("\n== 2. Run All in a fresh kernel: each lesson beside a bare FigureWidget + slider ==")
    base_runs = []
    runs: dict[str, list[tuple]] = {path.stem: [] for path in paths}
    books = {path.stem: nbformat.read(path, as_version=4) for path in paths}
    for _ in range(rounds):
        base_runs.append(run_fresh(BASELINE))
        for index, (name, book) in enumerate(books.items()):
            run = run_fresh(book)
            after = run_fresh(with_sympy_imported(book))[2] if run[4] else run[2]
            cold = run_fresh(without_table(book))
            runs[name].append((*run, after, cold[0], cold[3], cold[4]))
            if index == len(books) // 2:
                base_runs.append(run_fresh(BASELINE))
    base_runs.append(run_fresh(BASELINE))
    def medians(found: list[tuple]) -> list:
        """Each column's median over the runs; SymPy: imported in any of them."""
        columns = list(zip(*found, strict=True))
        return [any(column) if i in (4, 8) else statistics.median(column)
                for i, column in enumerate(columns)]

    rows = [(name, medians(found)) for name, found in runs.items()]
    base = statistics.median(run[0] for run in base_runs)
    print(f"  baseline: {base:.2f} s (median of {len(base_runs)} runs, kernel start included); "
          f"its figure and slider after the imports: "
          f"{statistics.median(run[2] for run in base_runs):.2f} s")
    base_rss = statistics.median(run[3] for run in base_runs)
    print(f"  baseline's kernel after it: {base_rss:.0f} MB")
    print(f"  lessons: medians of {rounds} runs each")
    print(f"  {'':<32}{'':<64}| without the table")
    print(f"  {'lesson':<32}{'total':>8}{'x base':>8}{'imports':>9}{'labs':>9}{'SymPy':>7}"
          f"{'after imports':>15}{'RSS':>8} |{'total':>7}{'x base':>8}{'SymPy':>7}{'RSS':>8}")
    for name, row in rows:
        total, imports, labs, rss, sympy, after, cold, cold_rss, cold_sympy = row
        flag = "" if total <= 1.5 * base else "  > 1.5x"
        slow = "" if after <= 0.3 else "  labs > 300 ms"
        print(f"  {name:<32}{total:>7.2f}s{total / base:>8.2f}{imports:>8.2f}s{labs:>8.2f}s"
              f"{'yes' if sympy else 'no':>7}{after:>14.2f}s{rss:>5.0f} MB |{cold:>6.2f}s"
              f"{cold / base:>8.2f}{'yes' if cold_sympy else 'no':>7}{cold_rss:>5.0f} MB"
              f"{flag}{slow}")
    largest = max(row[1][3] for row in rows)
    print(f"  largest kernel: {largest:.0f} MB (goal <= 200); a 24 GB node holds "
          f"{int(24 * 1024 * 0.9 // largest)} such kernels with 10% left for the system")


def _rss_mb() -> float:
    return int(open("/proc/self/status").read().split("VmRSS:")[1].split()[0]) / 1024


def play(seconds: float) -> None:
    """The training lab played for `seconds` (to its last epoch, reset, again, as a learner
    would), the kernel's resident memory printed every tenth of the time."""
    sys.path.insert(0, str(REPO / "benchmarks"))
    from views import install_null_comm  # serializes every widget message, as a kernel would

    install_null_comm()
    from gradlab.views.training_lab import TrainingLab

    lab = TrainingLab()
    start = time.perf_counter()
    samples, ticks, next_sample = [], 0, 0.0
    while (elapsed := time.perf_counter() - start) < seconds:
        if elapsed >= next_sample:
            samples.append((elapsed, _rss_mb()))
            next_sample += seconds / 10
        if lab.play.value >= lab.play.max:
            lab.reset()
        lab.play.value += 1
        ticks += 1
    samples.append((time.perf_counter() - start, _rss_mb()))
    print("\n== 3. the training lab played (to its end, reset, again), kernel's memory ==")
    print(f"  {ticks} ticks; RSS " + ", ".join(f"{mb:.0f} MB at {t:.0f} s" for t, mb in samples))
    growth = samples[-1][1] - samples[1][1]
    print(f"  growth after the first tenth: {growth:+.1f} MB (goal: flat)")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds, three lessons")
    parser.add_argument("notebooks", nargs="*", type=Path)
    parser.add_argument("--rounds", type=int, help="runs of each lesson (default 3, --quick 1)")
    parser.add_argument("--play-seconds", type=float,
                        help="part 3's length (default 600, --quick 20; 0 skips it)")
    parser.add_argument("--play", type=float, help=argparse.SUPPRESS)  # the child of part 3
    options = parser.parse_args(argv)
    if options.play:
        play(options.play)
        return
    os.environ.update(environment())  # kernels inherit one BLAS thread, as in `make lab`
    paths = options.notebooks or sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
    if options.quick and not options.notebooks:
        paths = paths[1:4]
    print(f"python {sys.version.split()[0]}; {os.cpu_count()} CPUs, load average "
          f"{os.getloadavg()[0]:.1f}")
    import_times(3 if options.quick else 7)
    lessons(paths, options.rounds or (1 if options.quick else 3))
    # its own process, one BLAS thread as in `make lab`
    seconds = options.play_seconds if options.play_seconds is not None else (
        20 if options.quick else 600)
    if seconds > 0:
        subprocess.run([sys.executable, __file__, "--play", str(seconds)], env=environment(),
                       check=True)


if __name__ == "__main__":
    main()
