"""`make present`: serve the notebooks with Voila for a classroom projector - code hidden, large
type (the `projector` template in present/), one notebook per page, and nothing fetched from
outside the local server, so a lesson runs in a room without internet. It opens on the course
page: the lessons in order, each with its learning goal, each a link that opens it. Without make
(Windows, conda): `python tools/present.py`."""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import re
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))  # also when loaded from elsewhere
from siblings import load  # noqa: E402  (tools/siblings.py)

REPO = Path(__file__).resolve().parents[1]
NOTEBOOKS = REPO / "notebooks"
# Voila looks for templates in <dir>/voila/templates/<name>/ for every dir on JUPYTER_PATH.
TEMPLATES = REPO / "present"
# ... and for its settings in voila.py in every dir on JUPYTER_CONFIG_PATH: present/config/voila.py
# hands the course page its lessons (page_config_hook below).
CONFIG = REPO / "present" / "config"
TEMPLATE = "projector"
PORT = 8866  # Voila's usual port; `make present PORT=...` changes it
# The lab extensions the learner's JupyterLab switches off (the teacher's tools, nbgrader and
# notebook 7, which `make test` installs): the projector's pages load none of them either.
PAGE_CONFIG = REPO / "jupyter" / "settings" / "page_config.json"


def disabled_extensions() -> list[str]:
    return list(json.loads(PAGE_CONFIG.read_text()).get("disabledExtensions", []))


def command(target: Path = NOTEBOOKS, port: int = PORT, *, open_browser: bool = True,
            python: str = sys.executable) -> list[str]:
    """The Voila command line: `target` is the notebooks folder (a list to pick from, each
    notebook opening as its own page) or one notebook. Loopback only: the projected laptop
    serves itself, and nobody else on the room's network can run its kernels."""
    args = [
        python, "-m", "voila", str(target),
        f"--port={port}",
        "--Voila.ip=127.0.0.1",
        f"--template={TEMPLATE}",
        "--theme=light",  # dark slides wash out on most projectors
        "--strip_sources=True",  # the audience sees text, plots and sliders, never code
        # a ?template=... in an address must not bring back a template that links a CDN
        "--VoilaConfiguration.allow_template_override=NO",
        *(f"--VoilaConfiguration.extension_denylist={name}" for name in disabled_extensions()),
    ]
    if not open_browser:
        args.append("--no-browser")
    return args


def environment(base: Mapping[str, str] = os.environ) -> dict[str, str]:
    """`base` with present/ first on JUPYTER_PATH, so Voila finds the projector template, and
    present/config/ first on JUPYTER_CONFIG_PATH, so it reads present/config/voila.py (nothing
    is installed into the venv or ~/.jupyter), and one BLAS thread for the kernels, as
    `make lab` gives them."""
    env = _lab_tool().environment(base)
    for name, first in (("JUPYTER_PATH", TEMPLATES), ("JUPYTER_CONFIG_PATH", CONFIG)):
        paths = [str(first), *filter(None, env.get(name, "").split(os.pathsep))]
        env[name] = os.pathsep.join(paths)
    return env


# -- the course page -------------------------------------------------------------------------------

def course(folder: Path, prefix: str = "") -> list[dict]:
    """The lessons of `folder` in order, for the course page: each one's notebook (`path`,
    relative to Voila's root: `prefix` + its name), its title and its learning goal, as plain
    text and as HTML with the maths drawn (tools/texhtml.py: no MathJax on that page)."""
    course_tool = _tool("course")
    texhtml = _tool("texhtml")
    lessons = []
    for lesson in course_tool.lessons(folder):
        goal = re.sub(r"^<p>|</p>\s*$", "", texhtml.markdown_html(lesson.goal).strip())
        lessons.append({"path": f"{prefix}{lesson.path.name}", "number": lesson.number,
                        "title": lesson.title, "goal": lesson.goal,
                        "title_html": texhtml.text_html(lesson.title), "goal_html": goal})
    return lessons


def page_config_hook(page_config: dict, base_url: str, settings: Mapping, log: Any,
                     voila_configuration: Any, notebook_path: str = "", **_: Any) -> dict:
    """Voila's page_config_hook (set by present/config/voila.py): on a folder's page, the
    lessons of that folder as page_config["gradlabCourse"], which the projector's tree page
    lists. A notebook's page is left as it is; when a lesson cannot be read, the page shows
    Voila's plain list of files and the reason is logged, never an error page."""
    try:
        folder = Path(settings["contents_manager"].root_dir) / notebook_path
        if folder.is_dir():
            prefix = f"{notebook_path.strip('/')}/" if notebook_path.strip("/") else ""
            page_config["gradlabCourse"] = course(folder, prefix)
    except Exception as error:  # noqa: BLE001 - a course page must never break the server
        log.warning("gradlab: the course page shows the plain list of files: %s", error)
    return page_config


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("notebook", nargs="?", default=str(NOTEBOOKS),
                        help="one notebook to show (default: the list of all of them)")
    parser.add_argument("--port", type=int, default=PORT)
    parser.add_argument("--no-browser", action="store_true",
                        help="do not open a browser tab (print the address only)")
    options = parser.parse_args(argv)
    if importlib.util.find_spec("voila") is None:
        print("Voila is not installed in this Python: run `make present` (or "
              "`pip install -e .`).", file=sys.stderr)
        return 1
    target = Path(options.notebook)
    if not target.exists():
        print(f"no such notebook or folder: {target}", file=sys.stderr)
        return 1
    args = command(target.resolve(), options.port, open_browser=not options.no_browser)
    return _lab_tool().run(args, environment())  # Voila takes over this process (and Ctrl+C)


def _lab_tool() -> ModuleType:
    return load("lab")


def _tool(name: str) -> ModuleType:
    return load(name)


if __name__ == "__main__":
    sys.exit(main())
