"""Mutation testing of the views and the rule table (`make mutate`, issue 13), in steps.

`stage DEST`: copy gradlab/, tests/, notebooks/, docs/ and pyproject.toml into DEST
(build/mutate/), where mutmut 3 runs, so a run sees one snapshot of the sources. In that copy a
method decorated `@guarded` or `@property` is rewritten as `def name(...)` followed by
`name = guarded(name)` (the same object: that is what a decorator line means). mutmut 3 does not
mutate decorated functions, and `Surface.update`, `GradientField.update` and `Curve.update`,
where readouts are written, are `@guarded`.

`report DEST`: mutmut's verdicts (the `mutants/**/*.py.meta` files of the run) as killed /
survived / other and % killed per module, then the same for the readout code (READOUT below),
function by function, and the readout code's surviving mutants by name (`mutmut show NAME` in
DEST prints one's diff). A survivor listed in tests/mutants/explained.txt (one per line: the
mutant's name, then why no test can or should kill it) counts as explained, never as killed;
the list names the explained ones that no longer survive (killed now, or gone), so it cannot
go stale quietly. `--markdown` prints the readout table for benchmarks/README.md.

`survivors DEST`: the readout code's survivors and not-yet-run mutants, by name, for
`make mutate MUTANTS=survivors` after new tests (mutmut runs every mutant it is given by name).
A function changed since the run gets new mutants only when mutmut runs: name its mutants too
(or run MUTANTS=readout).
"""

from __future__ import annotations

import argparse
import ast
import json
import re
import shutil
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# The readout code: the functions of gradlab/views that turn a number into the text a learner
# reads, or place that text beside its label ("∂f/∂x = 3"), the exercise's shown answer among
# them. Module -> function names as mutmut names them (Class.method for a method).
READOUT: dict[str, tuple[str, ...]] = {
    "gradlab.views._common": ("fmt", "tagged"),
    "gradlab.views._base": ("View.shown_partials", "View.where", "View.at_limit", "_reason"),
    "gradlab.views.surface": ("Surface.update", "Surface._secant_readout",
                              "Surface._update_slice"),
    "gradlab.views.field": ("GradientField.update", "GradientField._arrow_name"),
    "gradlab.views.curve": ("Curve._readout",),
    "gradlab.views.computation_graph": ("ComputationGraph._write_readout",
                                        "ComputationGraph._write_summary"),
    "gradlab.views.table": ("PartialsTable.update", "PartialsTable._draw",
                            "PartialsTable._draw_terms", "PartialsTable._draw_product",
                            "PartialsTable._chains", "_paren"),
    "gradlab.views.chain": ("ChainRule._write", "ChainRule._path_lines", "_tex", "_tex_factor",
                            "html_formula"),
    "gradlab.views.exercise": ("Exercise._solution",),
}

# mutmut's exit codes (mutmut/stats.py): 1 and 3 killed, 0 survived, 36/24/-24/152/255
# timeout, 37 caught by a type check, None not run yet, 33/5 no test reaches the mutant
KILLED = {1, 3, 37}
TIMEOUT = {36, 24, -24, 152, 255}
SURVIVED = {0}
NO_TESTS = {5, 33}

UNDECORATED = ("guarded", "property")
EXPLAINED = ROOT / "tests" / "mutants" / "explained.txt"


def explained(path: Path = EXPLAINED) -> dict[str, str]:
    """{mutant name: why it survives} from `path`: "NAME reason..." per line, # comments."""
    found: dict[str, str] = {}
    if not path.exists():
        return found
    for raw in path.read_text(encoding="utf-8").splitlines():
        text = raw.strip()
        if not text or text.startswith("#"):
            continue
        name, _, reason = text.partition(" ")
        if not reason.strip():
            raise ValueError(f"{path}: {name} has no reason")
        found[name] = reason.strip()
    return found


def undecorate(source: str) -> str:
    """A method under `@guarded` or `@property` (its only decorator) -> `def name(...)` ...
    then `name = guarded(name)` after its body: the same class attribute, written so that
    mutmut mutates the method."""
    lines = source.split("\n")
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.ClassDef):
            continue
        for item in node.body:
            if (isinstance(item, ast.FunctionDef) and len(item.decorator_list) == 1
                    and isinstance(item.decorator_list[0], ast.Name)
                    and item.decorator_list[0].id in UNDECORATED):
                found.append(item)
    for item in sorted(found, key=lambda f: f.lineno, reverse=True):
        deco = item.decorator_list[0]
        indent = " " * item.col_offset
        lines.insert(item.end_lineno, f"{indent}{item.name} = {deco.id}({item.name})")
        del lines[deco.lineno - 1]
    return "\n".join(lines)


def stage(dest: Path) -> None:
    """Copy the sources into `dest` (files unchanged since the last stage keep their time, so
    mutmut keeps their results) and undecorate the views."""
    dest.mkdir(parents=True, exist_ok=True)
    for name in ("gradlab", "tests", "notebooks", "docs"):  # the lesson tests read the last two
        for path in sorted((ROOT / name).rglob("*")):
            if "__pycache__" in path.parts or path.is_dir():
                continue
            target = dest / path.relative_to(ROOT)
            text = None
            if path.suffix == ".py" and path.parent.name == "views":
                text = undecorate(path.read_text(encoding="utf-8"))
            _put(path, target, text)
    _put(ROOT / "pyproject.toml", dest / "pyproject.toml", None)


def _put(source: Path, target: Path, text: str | None) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    if text is None:
        if not target.exists() or target.read_bytes() != source.read_bytes():
            shutil.copy2(source, target)
    elif not target.exists() or target.read_text(encoding="utf-8") != text:
        target.write_text(text, encoding="utf-8")


def verdicts(dest: Path) -> dict[str, int | None]:
    """{mutant name: mutmut's exit code} from the run in `dest`."""
    found: dict[str, int | None] = {}
    for meta in sorted((dest / "mutants").rglob("*.py.meta")):
        found.update(json.loads(meta.read_text(encoding="utf-8"))["exit_code_by_key"])
    return found


def split_name(mutant: str) -> tuple[str, str]:
    """'gradlab.views.surface.xǁSurfaceǁupdate__mutmut_3' -> ('gradlab.views.surface',
    'Surface.update'); 'gradlab.views._common.x_fmt__mutmut_1' -> (..._common, 'fmt')."""
    base = re.sub(r"__mutmut_\d+$", "", mutant)
    module, _, function = base.rpartition(".")
    if function.startswith("xǁ"):
        _, cls, method = function.split("ǁ")
        return module, f"{cls}.{method}"
    return module, function[2:]


def tally(codes: list[int | None]) -> Counter:
    count: Counter = Counter()
    for code in codes:
        count["total"] += 1
        if code in KILLED:
            count["killed"] += 1
        elif code in TIMEOUT:
            count["timeout"] += 1
        elif code in SURVIVED:
            count["survived"] += 1
        elif code in NO_TESTS:
            count["no tests"] += 1
        elif code is None:
            count["not run"] += 1
        else:
            count["other"] += 1
    return count


def line(name: str, count: Counter) -> str:
    """name, killed (a timeout counts as killed), survived, no tests, run, % killed of run."""
    run, caught = _run_caught(count)
    score = f"{100 * caught / run:5.1f}%" if run else "    -"
    return (f"{name:<45} {caught:>6} {count['survived']:>8} {count['no tests']:>8} "
            f"{run:>5} {count['total']:>6} {score}")


HEAD = f"{'':<45} {'killed':>6} {'survived':>8} {'no tests':>8} {'run':>5} {'total':>6} % killed"


def report(dest: Path, only_run: bool = False, markdown: bool = False,
           why: dict[str, str] | None = None) -> int:
    found = verdicts(dest)
    if not found:
        print(f"no mutmut results in {dest / 'mutants'}: run `make mutate` first")
        return 1
    why = explained() if why is None else why
    by_module: dict[str, list] = {}
    by_function: dict[tuple[str, str], list[str]] = {}  # -> the function's mutants' names
    for mutant, code in found.items():
        module, function = split_name(mutant)
        by_module.setdefault(module, []).append(code)
        by_function.setdefault((module, function), []).append(mutant)
    print("Per module (every mutant of gradlab/views/ and gradlab/ops.py):")
    print(HEAD)
    everything: list = []
    for module in sorted(by_module):
        count = tally(by_module[module])
        if only_run and count["total"] == count["not run"]:
            continue
        everything += by_module[module]
        print(line(module, count))
    print(line("all", tally(everything)))
    print("\nThe readout code (tools/mutation_report.py READOUT), function by function:")
    print(HEAD + "  explained  % killed or explained")
    rows: list[tuple[str, Counter, int]] = []
    survivors: list[str] = []
    for module, functions in READOUT.items():
        for function in functions:
            names = sorted(by_function.get((module, function), ()), key=_natural)
            alive = [m for m in names if found[m] in SURVIVED or found[m] in NO_TESTS]
            rows.append((f"{module.rsplit('.', 1)[-1]}.{function}",
                         tally([found[m] for m in names]), sum(m in why for m in alive)))
            survivors += alive
    total = Counter()
    for _, count, _ in rows:
        total.update(count)
    rows.append(("readout code", total, sum(m in why for m in survivors)))
    for name, count, known in rows:
        print(f"{line(name, count)} {known:>10} {_share(count, known):>8}")
    unexplained = [m for m in survivors if m not in why]
    if unexplained:
        print(f"\nSurviving readout mutants not explained ({len(unexplained)}; "
              f"`mutmut show NAME` in {dest}):")
        for mutant in unexplained:
            print(f"  {mutant}")
    stale = sorted(m for m in why if m not in survivors
                   and (m not in found or found[m] is not None))
    if stale:
        print(f"\nIn {EXPLAINED.name} but not surviving (killed now, or no such mutant): "
              f"{len(stale)}")
        for mutant in stale:
            print(f"  {mutant}")
    if markdown:
        print("\n| readout function | run | killed | survived | explained | % killed |"
              " % killed or explained |\n|---|---:|---:|---:|---:|---:|---:|")
        for name, count, known in rows:
            run, caught = _run_caught(count)
            bold = "**" if name == "readout code" else ""
            score = f"{100 * caught / run:.1f}" if run else "-"
            print(f"| {bold}{name}{bold} | {run} | {caught} | {count['survived']} | {known} |"
                  f" {score} | {_share(count, known)} |")
    return 0


def _run_caught(count: Counter) -> tuple[int, int]:
    """How many mutants ran, and how many of them were killed (a timeout counts as killed)."""
    return count["total"] - count["not run"], count["killed"] + count["timeout"]


def _share(count: Counter, known: int) -> str:
    """% of the run killed or explained."""
    run, caught = _run_caught(count)
    return f"{100 * (caught + known) / run:.1f}" if run else "-"


def _natural(name: str) -> tuple[str, int]:
    base, _, number = name.rpartition("_")
    return base, int(number) if number.isdigit() else 0


def to_rerun(dest: Path) -> list[str]:
    """The readout code's mutants that survived, found no test, or have not run (a changed
    function's, after `stage`): what new tests could change (`make mutate MUTANTS=survivors`)."""
    found = verdicts(dest)
    readout = {(module, function) for module, functions in READOUT.items()
               for function in functions}
    return sorted((m for m, code in found.items() if split_name(m) in readout
                   and (code is None or code in SURVIVED or code in NO_TESTS)), key=_natural)


def readout_patterns() -> list[str]:
    """mutmut name patterns selecting the readout code (`mutmut run PATTERN...`)."""
    patterns = []
    for module, functions in READOUT.items():
        for function in functions:
            if "." in function:
                cls, method = function.split(".")
                patterns.append(f"{module}.xǁ{cls}ǁ{method}__mutmut_*")
            else:
                patterns.append(f"{module}.x_{function}__mutmut_*")
    return patterns


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("command", choices=("stage", "report", "readout-patterns", "survivors"))
    parser.add_argument("dest", type=Path, nargs="?", default=ROOT / "build" / "mutate")
    parser.add_argument("--only-run", action="store_true",
                        help="leave out modules none of whose mutants has been run")
    parser.add_argument("--markdown", action="store_true",
                        help="also print the readout table as markdown")
    args = parser.parse_args(argv)
    if args.command == "stage":
        stage(args.dest)
        return 0
    if args.command == "readout-patterns":
        print(" ".join(readout_patterns()))
        return 0
    if args.command == "survivors":
        names = to_rerun(args.dest)
        print(" ".join(names) if names else "'nothing to rerun'")
        return 0
    return report(args.dest, args.only_run, args.markdown)


if __name__ == "__main__":
    sys.exit(main())
