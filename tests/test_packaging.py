"""The project's foundation: dependencies declared once in spirit, and a light `import gradlab`."""

import re
import subprocess
import sys
from pathlib import Path

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
