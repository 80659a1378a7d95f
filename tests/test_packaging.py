"""The project's foundation: dependencies declared once in spirit (pyproject.toml's ranges,
environment.yml, the locks every install takes), and a light `import gradlab`."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent
REQUIREMENT = re.compile(r"^\s*([A-Za-z0-9_.\-]+)\s*(.*?)\s*$")


def _requirements(lines) -> dict[str, str]:
    found = {}
    for line in lines:
        name, spec = REQUIREMENT.match(line).groups()
        found[name.lower().replace("_", "-")] = spec.replace(" ", "")
    return found


def _conda_dependencies() -> tuple[dict[str, str], dict[str, str]]:
    """The conda and the pip dependencies of environment.yml (a small, fixed layout)."""
    conda, pip, in_pip = [], [], False
    text = (ROOT / "environment.yml").read_text().split("\ndependencies:", 1)[1]
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].rstrip()
        item = re.match(r"^(\s*)-\s+(.*)$", line)
        if not item:
            in_pip = in_pip and line.startswith("      ")
            continue
        indent, text = len(item.group(1)), item.group(2)
        if text == "pip:":
            in_pip = True
        elif in_pip and indent > 2:
            pip.append(text)
        else:
            in_pip = False
            conda.append(text)
    return _requirements(conda), _requirements(p for p in pip if not p.startswith("-e"))


def test_environment_yml_matches_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    declared = _requirements(project["dependencies"])
    conda, pip = _conda_dependencies()
    python = conda.pop("python")
    assert python == project["requires-python"]
    conda.pop("pip", None)
    assert {**conda, **pip} == declared, (
        "environment.yml and pyproject.toml declare different runtime dependencies")


def test_environment_yml_installs_gradlab_itself():
    text = (ROOT / "environment.yml").read_text()
    assert "conda-forge" in text and re.search(r"^\s+-\s+-e\s+\.\s*$", text, re.M)


def test_import_gradlab_does_not_import_the_views_stack():
    code = ("import sys, gradlab; heavy = [m for m in ('plotly', 'ipywidgets', 'sympy', "
            "'anywidget', 'IPython') if m in sys.modules]; print(','.join(heavy))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            cwd=ROOT, check=True)
    assert result.stdout.strip() == ""


def test_readme_quick_start_and_ci_use_the_two_commands():
    readme = (ROOT / "README.md").read_text()
    quick_start = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    commands = re.findall(r"^make \w+", quick_start, re.M)
    assert commands == ["make lab", "make test"]
    assert "make test" in (ROOT / ".ci" / "run").read_text()


# ---------------------------------------------------------------------------------------------
# The locks (requirements/*.txt, `make lock`): exact versions with hashes, in step with the ranges
# ---------------------------------------------------------------------------------------------

LOCKS = {  # lock -> the extras of pyproject.toml it holds besides the runtime dependencies
    "lab": (),
    "test": ("test", "browser", "teach"),  # teach: nbgrader, for tests/test_assignments.py
    "bench": ("test", "browser", "teach", "bench"),
    "mutate": ("test", "browser", "teach", "mutate"),
}
# packages whose internals gradlab touches: their ranges end before the next major version
TOUCHED = ("numpy", "plotly", "jupyterlab", "voila")


def _lock_entries(name: str) -> list[tuple[str, str, str, list[str]]]:
    """(package, version, marker, hashes) of each pin of requirements/<name>.txt."""
    from packaging.utils import canonicalize_name

    entries = []
    text = (ROOT / "requirements" / f"{name}.txt").read_text()
    for block in re.split(r"\n(?=\S)", text):
        first = block.split("\\", 1)[0].strip()
        if not first or first.startswith(("#", "-")):
            continue
        found = re.fullmatch(r"([A-Za-z0-9_.\-]+)==(\S+?)(?:\s*;\s*(.+?))?", first)
        assert found, f"{name}.txt: not an exact pin: {first!r}"
        package, version, marker = found.groups()
        hashes = re.findall(r"--hash=sha256:([0-9a-f]{64})", block)
        entries.append((canonicalize_name(package), version, marker or "", hashes))
    return entries


def _declared(extras: tuple[str, ...]) -> list[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return [*project["dependencies"],
            *(r for extra in extras for r in project["optional-dependencies"][extra])]


def test_every_lock_pins_exact_versions_with_hashes_and_no_local_paths():
    for name in LOCKS:
        entries = _lock_entries(name)
        assert len(entries) > 50, f"{name}.txt holds too few pins to be a full lock"
        for package, version, _, hashes in entries:
            assert hashes, f"{name}.txt: {package}=={version} has no hash"
        text = (ROOT / "requirements" / f"{name}.txt").read_text()
        # the same lock serves every machine: no index, folder or file of this one
        assert not re.search(r"file:|--index-url|--extra-index-url|--find-links|/opt/|/root/",
                             text), f"{name}.txt names something of the machine it was made on"


def test_the_locks_leave_out_the_slow_iri_checker_and_a_kernel_never_imports_it():
    # requirements/overrides.txt: jsonschema's rfc3987_syntax builds a grammar for ~2 s at import,
    # and every kernel's first FigureWidget imports jsonschema (plotly.io -> nbformat)
    for name in LOCKS:
        markers = {m for p, _, m, _ in _lock_entries(name) if p == "rfc3987-syntax"}
        assert markers <= {"sys_platform == 'never'"}, (name, markers)
    code = ("import sys, gradlab.views; from plotly.graph_objects import FigureWidget; "
            "FigureWidget(); print('rfc3987_syntax' in sys.modules, 'jsonschema' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.split()
    assert out == ["False", "True"], "a FigureWidget imported jsonschema's IRI grammar"


def test_every_lock_holds_each_declared_dependency_within_its_range():
    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    for name, extras in LOCKS.items():
        pinned: dict[str, list[tuple[str, str]]] = {}
        for package, version, marker, _ in _lock_entries(name):
            pinned.setdefault(package, []).append((version, marker))
        for text in [*_declared(extras), "setuptools>=77", "pip"]:
            requirement = Requirement(text)
            versions = pinned.get(canonicalize_name(requirement.name), [])
            assert versions, f"{name}.txt does not pin {requirement.name}"
            for version, _ in versions:
                assert requirement.specifier.contains(version, prereleases=True), (
                    f"{name}.txt pins {requirement.name}=={version}, outside {text}")


def test_the_locks_agree_on_every_version_they_share():
    entries = {name: {(p, m): v for p, v, m, _ in _lock_entries(name)} for name in LOCKS}
    for smaller, larger in (("lab", "test"), ("test", "bench")):
        for key, version in entries[smaller].items():
            assert entries[larger].get(key) == version, (
                f"{smaller}.txt pins {key[0]}=={version} ({key[1] or 'everywhere'}), "
                f"{larger}.txt {entries[larger].get(key)}")


def test_ranges_end_before_the_next_major_of_what_gradlab_reaches_into():
    from packaging.requirements import Requirement

    declared = {Requirement(r).name: Requirement(r).specifier for r in _declared(())}
    for package in TOUCHED:
        assert any(spec.operator == "<" for spec in declared[package]), (
            f"pyproject.toml: {package} needs an upper bound (gradlab uses its internals)")


def _make_dry_run(*targets: str) -> str:
    """What `make` would run for `targets` from scratch (-n: nothing runs; -B: all stale)."""
    result = subprocess.run(["make", "-n", "-B", "VENV=/nonexistent/venv", *targets], cwd=ROOT,
                            capture_output=True, text=True, check=True)
    return result.stdout


@pytest.mark.parametrize(("target", "lock"), [("lab", "lab"), ("present", "lab"),
                                              ("test", "test"), ("lint", "test"),
                                              ("notebooks", "test"), ("bench", "bench"),
                                              ("mutate", "mutate")])
def test_every_make_target_that_installs_takes_its_lock(target: str, lock: str):
    commands = _make_dry_run(target).splitlines()
    installs = [c for c in commands if " -m pip install" in c]
    assert installs, f"make {target} installs nothing"
    locked = f"--require-hashes -r requirements/{lock}.txt"
    assert any(locked in c for c in installs), f"make {target} does not install {lock}.txt"
    for command in installs:  # nothing else but the lock, then gradlab itself without deps
        for part in command.split("&&"):
            if " -m pip install" in part and "--require-hashes -r requirements/" not in part:
                assert "--no-deps" in part and part.rstrip().endswith("-e ."), part


def test_make_lock_remakes_every_lock_from_pyproject_with_hashes():
    commands = _make_dry_run("lock")
    for name, extras in LOCKS.items():
        line = next((c for c in commands.replace("\\\n", " ").splitlines()
                     if f"-o requirements/{name}.txt" in c), "")
        assert "pip compile" in line and "--generate-hashes" in line, f"{name}.txt: {line!r}"
        assert "--universal" in line  # every platform's and Python's wheels: one lock for all
        assert "pyproject.toml" in line and "requirements/build.in" in line
        assert sorted(re.findall(r"--extra (\w+)", line)) == sorted(extras), line


def test_readme_gives_the_steps_without_make_offline_and_as_root():
    readme = (ROOT / "README.md").read_text()
    without_make = readme.split("## Without make", 1)[1].split("\n## ", 1)[0]
    for step in ("python -m venv .venv", "pip install --no-deps -r requirements/lab.txt",
                 "pip install --no-deps --no-build-isolation -e .", "tools/lab.py",
                 "jupyter lab notebooks/", "conda env create -f environment.yml"):
        assert step in without_make, f"README, without make: {step!r} is missing"
    assert "not tested here" in without_make  # the conda route, said plainly
    for path in re.findall(r"(?:requirements|tools)/[\w.]+", readme):
        assert (ROOT / path).is_file(), f"README names {path}, which does not exist"
    assert "pip download --no-deps -r requirements/lab.txt -d wheelhouse" in readme
    assert "PIP_NO_INDEX=1" in readme and "--no-index --find-links wheelhouse" in readme
    assert "--allow-root" in readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
