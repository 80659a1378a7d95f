"""`make lab`: JupyterLab on notebooks/ with the settings the browser tests use (jupyter/settings/:
no news or update toast, which would ask to reach the internet; every cell rendered; a lesson's
kernel started without a "Select Kernel" question, the preferred one when the kernel a notebook
names is missing), started as root too (containers, classroom VMs), where JupyterLab otherwise
refuses with "Running as root is not recommended". Without make (Windows, conda):
`python tools/lab.py`."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
NOTEBOOKS = REPO / "notebooks"
# JupyterLab reads overrides.json (new defaults for its settings) from its app_settings_dir.
SETTINGS = REPO / "jupyter" / "settings"
# gradlab's own lab extensions (no build step): gradlab-rise-shims lets widgets draw in
# jupyterlab-rise's slideshow. Both JupyterLab (which serves the files) and RISE list them.
LABEXTENSIONS = REPO / "jupyter" / "labextensions"
PORT = 8888
# The teacher's tools (`make test` installs nbgrader for tests/test_assignments.py, and with it
# notebook 7) add server extensions to the venv: the learner's lab runs without them (their lab
# extensions are switched off in jupyter/settings/page_config.json).
TEACHER_SERVER_EXTENSIONS = (
    "nbgrader.server_extensions.formgrader",
    "nbgrader.server_extensions.validate_assignment",
    "nbgrader.server_extensions.assignment_list",
    "nbgrader.server_extensions.course_list",
    "notebook",
)


# One BLAS thread in the kernels: numpy's matrix products in a lesson are small, and OpenBLAS's
# default (a thread per core) made a training tick 2.5x slower on a 2-core laptop, its threads
# spinning against the browser's (80-94 ms against 33-35 ms per Play tick; benchmarks/README.md).
# Set for the server, so every kernel it starts inherits them; a value the user set is kept.
ONE_THREAD = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS",
              "VECLIB_MAXIMUM_THREADS")


def environment(base: Mapping[str, str] = os.environ) -> dict[str, str]:
    """`base` with one BLAS thread for the kernels (unless `base` names a count itself)."""
    env = dict(base)
    for name in ONE_THREAD:
        env.setdefault(name, "1")
    return env


def running_as_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


def command(root: Path = NOTEBOOKS, port: int = PORT, *, python: str = sys.executable,
            open_browser: bool = True) -> list[str]:
    """The JupyterLab command line `make lab` runs (and the browser tests start, with their own
    folders for state added)."""
    args = [
        python, "-m", "jupyterlab",
        f"--ServerApp.root_dir={root}",
        f"--ServerApp.port={port}",
        f"--LabApp.app_settings_dir={SETTINGS}",
        f"--LabApp.extra_labextensions_path={LABEXTENSIONS}",
        f"--RiseApp.extra_labextensions_path={LABEXTENSIONS}",
        # the server never asks PyPI for a newer JupyterLab or for extensions (offline rooms)
        "--LabApp.check_for_updates_class=jupyterlab.handlers.announcements.NeverCheckForUpdate",
        "--LabApp.extension_manager=readonly",
        # window.jupyterapp: the browser tests run JupyterLab's commands (Run All) through it
        "--LabApp.expose_app_in_browser=True",
        *(f"--ServerApp.jpserver_extensions={name}=False" for name in TEACHER_SERVER_EXTENSIONS),
    ]
    if running_as_root():
        args.append("--allow-root")  # containers and classroom VMs run as root
    if not open_browser:
        args.append("--no-browser")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=PORT)
    parser.add_argument("--no-browser", action="store_true",
                        help="do not open a browser tab (print the address only)")
    options = parser.parse_args(argv)
    args = command(port=options.port, open_browser=not options.no_browser)
    return run(args, environment())


def run(args: list[str], env: dict[str, str] | None = None) -> int:
    """Hand this process over to `args` (POSIX: exec, so Ctrl+C and make's signals reach the
    server itself); on Windows, whose exec returns to the prompt at once, wait for it instead."""
    if os.name == "nt":
        try:
            return subprocess.call(args, env=env)
        except KeyboardInterrupt:
            return 130
    if env is None:
        os.execv(args[0], args)
    os.execve(args[0], args, env)
    return 0  # not reached


if __name__ == "__main__":
    sys.exit(main())
