"""The README's first command as a user runs it: `make lab` in a copy of the project (so the
autosaved notebook never touches the repository), on a free port, as whoever runs the tests (root
in CI and in containers). The page must come up, a lesson must open without asking for a kernel,
run, draw its plots, and show no news toast; then the server is stopped."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from lab_server import free_port
from notebook_page import PageWatch, open_notebook, output_problems, run_all, wait_for_plots
from subjects import REPO, VIEWPORT

LESSON = "01_partial_derivatives.ipynb"
START_TIMEOUT = 120.0  # seconds: make checks its stamps, then JupyterLab starts on 2 busy cores
URL = re.compile(r"(http://(?:127\.0\.0\.1|localhost):\d+/lab\?token=[0-9a-f]+)")


def copy_project(target: Path) -> None:
    """The project's files (tracked or new, not ignored), their times kept, and the repository's
    .venv linked in: the copy is the project as a clone after `make test`. make must find the
    install up to date there: an install from the copy would point the shared .venv at it."""
    files = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                           cwd=REPO, capture_output=True, check=True)
    for name in filter(None, files.stdout.decode().split("\0")):
        source, dest = REPO / name, target / name
        if source.is_file():
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, dest)
    (target / ".venv").symlink_to(REPO / ".venv")


def _stop(process: subprocess.Popen) -> None:
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(process.pid, sig)
        except (ProcessLookupError, PermissionError):
            return
        try:
            process.wait(15)
            return
        except subprocess.TimeoutExpired:
            continue


@pytest.fixture(scope="module")
def make_lab(tmp_path_factory: pytest.TempPathFactory, chromium_path: str) -> Iterator[str]:
    """`make lab PORT=<free>` running; yields the address with its token that it printed."""
    if not (REPO / ".venv" / "bin" / "python").exists():
        pytest.fail("no .venv: run the tests with `make test`", pytrace=False)
    project = tmp_path_factory.mktemp("clone")
    copy_project(project)
    stale = subprocess.run(["make", "-q", ".venv/.lab-installed"], cwd=project)
    if stale.returncode != 0:
        pytest.fail("the .venv is older than pyproject.toml: run the tests with `make test`",
                    pytrace=False)
    home = tmp_path_factory.mktemp("home")
    # a user's machine: their own home (JupyterLab writes its workspaces there); no browser tab
    env = dict(os.environ, HOME=str(home), BROWSER="true")
    for name in ("JUPYTER_CONFIG_DIR", "JUPYTER_DATA_DIR", "JUPYTER_RUNTIME_DIR", "IPYTHONDIR",
                 "MAKEFLAGS", "MAKELEVEL", "MFLAGS"):
        env.pop(name, None)
    port = free_port()
    log_path = project / "make-lab.log"
    with open(log_path, "w") as log:
        process = subprocess.Popen(["make", "lab", f"PORT={port}"], cwd=project, env=env,
                                   stdout=log, stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + START_TIMEOUT
        address = None
        while address is None and time.monotonic() < deadline:
            if process.poll() is not None:
                pytest.fail(f"`make lab` exited with {process.returncode}:\n"
                            f"{log_path.read_text()[-3000:]}", pytrace=False)
            found = URL.search(log_path.read_text(errors="replace"))
            address = found.group(1) if found else None
            time.sleep(0.5)
        if address is None:
            pytest.fail(f"`make lab` printed no address within {START_TIMEOUT:.0f} s:\n"
                        f"{log_path.read_text()[-3000:]}", pytrace=False)
        assert f":{port}/" in address, f"served on another port than PORT={port}: {address}"
        yield address
    finally:
        _stop(process)


def test_make_lab_serves_a_lesson_that_runs(make_lab: str, browser) -> None:
    base, token = make_lab.split("/lab?token=")
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    watch = PageWatch(base).attach(page)
    try:
        open_notebook(page, f"{base}/lab/tree/{LESSON}?reset&token={token}")
        assert page.locator(".jp-Dialog").count() == 0, (
            "opening a lesson asked a question: " + page.locator(".jp-Dialog").inner_text())
        run_all(page)
        assert output_problems(page) == []
        assert wait_for_plots(page) >= 2
        toasts = page.locator(".jp-Notification-Toast, .Toastify__toast").all_inner_texts()
        assert not any("news" in text.lower() for text in toasts), toasts
        assert watch.console_errors == []
        assert watch.foreign_requests() == []
    finally:
        context.close()
