"""The README's commands as a user runs them, in copies of the project (so nothing a server
writes touches the repository):

- `make lab` on a free port: the page comes up; a lesson opens without asking for a kernel (and
  so does a notebook naming a kernel this machine lacks: the preferred kernel starts instead),
  runs and draws its plots, with no news toast; then the server is stopped.
- `make present` on a free port: the course page lists the lessons, and a lesson is served.

Both run twice: as whoever runs the tests (root in CI and in containers; the copy uses the tests'
own venv, which must be current), and, when that is root, as an ordinary user made for the test
with `useradd`, on a fresh copy that `make` sets up by itself (its own .venv from the system's
python3, installed from the lock; the user's own empty pip cache)."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest
from chromium import unavailable
from lab_server import free_port, stop_group
from nbformat.v4 import new_code_cell, new_notebook
from notebook_page import (
    _WATCH_KERNEL,
    KERNEL_READY_MS,
    PageWatch,
    output_problems,
    run_all,
    shut_down_kernel,
    wait_for_plots,
)
from subjects import REPO, VIEWPORT

LESSON = "01_partial_derivatives.ipynb"
PRESENTED = "00_start_here.ipynb"  # the lesson `make present` serves here (the light one)
# a notebook saved where its kernel had another name (nb_conda_kernels, a course's own kernel)
GONE_KERNEL = "_kernel_elsewhere.ipynb"
START_TIMEOUT = 120.0  # seconds: make checks its stamps, then JupyterLab starts on 2 busy cores
INSTALL_TIMEOUT = 900.0  # the ordinary user's first `make lab` also installs .venv from the lock
PAGE_TIMEOUT = 240.0  # Voila runs every cell of a lesson before it sends the page
LAB_URL = re.compile(r"(http://(?:127\.0\.0\.1|localhost):\d+/lab\?token=[0-9a-f]+)")
# an ordinary user's PATH (no pyenv, no ~/.local): `make` finds the system's python3 there
USER_PATH = "/usr/local/bin:/usr/bin:/bin"
# what an ordinary user's session keeps: the network's proxy and certificates, pip's settings
PASSED_ON = re.compile(r"(?i)^(https?_proxy|no_proxy|all_proxy|ssl_cert_\w+|requests_ca_bundle"
                       r"|pip_\w+|lang|lc_\w+|tz)$")
_DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback: no proxy

# 'kernel <name>' once the notebook's kernel is idle, 'asked: <dialog>' if JupyterLab asks
# anything first (the Select Kernel dialog), false while neither
_KERNEL_OR_QUESTION = """() => {
  const dialog = document.querySelector('.jp-Dialog');
  if (dialog) return 'asked: ' + dialog.innerText.replace(/\\s+/g, ' ').slice(0, 200);
  const panel = window.jupyterapp && window.jupyterapp.shell.currentWidget;
  const kernel = panel && panel.sessionContext && panel.sessionContext.session
    && panel.sessionContext.session.kernel;
  return kernel && kernel.status === 'idle' ? 'kernel ' + kernel.name : false;
}"""


@dataclass
class Project:
    """A copy of the project, and the user (and environment) that runs commands in it."""

    path: Path
    env: dict[str, str]
    user: str | None = None  # None: whoever runs the tests
    install_timeout: float = 0.0  # extra seconds the first `make` may take to install


def copy_project(target: Path) -> None:
    """The project's files (tracked or new, not ignored) with their times: a clone."""
    files = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                           cwd=REPO, capture_output=True, check=True)
    for name in filter(None, files.stdout.decode().split("\0")):
        source, dest = REPO / name, target / name
        if source.is_file():
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, dest)
    notebook = new_notebook(cells=[new_code_cell("1 + 1")])
    notebook.metadata["kernelspec"] = {"name": "gradlab-elsewhere", "display_name": "elsewhere"}
    nbformat.write(notebook, target / "notebooks" / GONE_KERNEL)


def _clean_env(home: Path) -> dict[str, str]:
    env = {"HOME": str(home), "PATH": USER_PATH, "BROWSER": "true"}  # BROWSER: open no tab
    env.update({k: v for k, v in os.environ.items() if PASSED_ON.match(k)})
    return env


@pytest.fixture(scope="module")
def runner(tmp_path_factory: pytest.TempPathFactory) -> Project:
    """A copy run by whoever runs the tests, its .venv the one running them (an install from
    the copy would point that venv at the copy), which make must find up to date."""
    if sys.prefix == sys.base_prefix:
        pytest.fail("the tests do not run in a venv: run them with `make test`", pytrace=False)
    project = tmp_path_factory.mktemp("clone")
    copy_project(project)
    (project / ".venv").symlink_to(sys.prefix)
    if subprocess.run(["make", "-q", ".venv/.lab-installed"], cwd=project).returncode != 0:
        pytest.fail(f"{sys.prefix} is older than the lock or pyproject.toml: run the tests "
                    "with `make test`", pytrace=False)
    home = tmp_path_factory.mktemp("home")  # JupyterLab writes its workspaces there
    env = dict(os.environ, HOME=str(home), BROWSER="true")
    for name in ("JUPYTER_CONFIG_DIR", "JUPYTER_DATA_DIR", "JUPYTER_RUNTIME_DIR", "IPYTHONDIR",
                 "MAKEFLAGS", "MAKELEVEL", "MFLAGS", "VIRTUAL_ENV"):
        env.pop(name, None)
    return Project(project, env)


@pytest.fixture(scope="module")
def learner() -> Iterator[Project]:
    """A fresh copy owned and run by an ordinary user made for this test (root only)."""
    if not (hasattr(os, "geteuid") and os.geteuid() == 0):
        pytest.skip("the tests run as an ordinary user already: the runner's tests are that case")
    for tool in ("useradd", "userdel"):
        if shutil.which(tool) is None:
            unavailable(f"no `{tool}` to run `make lab` as an ordinary user")
    base = Path(tempfile.mkdtemp(prefix="gradlab-learner-", dir="/tmp"))  # not root's 0700 tmp
    user = f"gl-learner-{os.getpid()}"
    subprocess.run(["useradd", "--no-create-home", "--home-dir", str(base / "home"),
                    "--shell", "/bin/sh", user], check=True, capture_output=True)
    try:
        (base / "home").mkdir()
        copy_project(base / "project")
        subprocess.run(["chown", "-R", f"{user}:", str(base)], check=True)
        base.chmod(0o755)
        yield Project(base / "project", _clean_env(base / "home"), user, INSTALL_TIMEOUT)
    finally:
        _end_processes_of(user)
        shutil.rmtree(base, ignore_errors=True)
        subprocess.run(["userdel", user], capture_output=True)


def _end_processes_of(user: str) -> None:
    """Kernels a stopped server left behind, run by the test's own user (by their ids)."""
    try:
        uid, _ = _ids(user)
    except KeyError:
        return
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if entry.stat().st_uid == uid:
                    os.kill(int(entry.name), signal.SIGKILL)
            except OSError:
                continue


@pytest.fixture(scope="module", params=["runner", "learner"])
def project(request: pytest.FixtureRequest) -> Project:
    return request.getfixturevalue(request.param)


@dataclass
class Running:
    process: subprocess.Popen
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


def _start(project: Project, args: list[str], name: str) -> Running:
    log_path = project.path / f"{name}.log"
    # the ordinary user's own process (uid, gid, no other groups) with their environment only
    as_user = {} if project.user is None else {"user": project.user, "group": project.user,
                                               "extra_groups": []}
    with open(log_path, "w") as log:
        process = subprocess.Popen(args, cwd=project.path, env=project.env, stdout=log,
                                   stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                   start_new_session=True, **as_user)
    if project.user is not None:
        os.chown(log_path, *_ids(project.user))
    return Running(process, log_path)


def _ids(user: str) -> tuple[int, int]:
    import pwd

    entry = pwd.getpwnam(user)
    return entry.pw_uid, entry.pw_gid


def _stop(process: subprocess.Popen) -> None:
    """Ctrl+C (JupyterLab and Voila then shut their kernels down), then SIGKILL to the rest."""
    stop_group(process)


def _wait(running: Running, ready, timeout: float, what: str):
    """Poll `ready()` until it returns something; fail with the log when make exits first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if running.process.poll() is not None:
            pytest.fail(f"`{what}` exited with {running.process.returncode}:\n"
                        f"{running.log()[-3000:]}", pytrace=False)
        found = ready()
        if found:
            return found
        time.sleep(0.5)
    pytest.fail(f"`{what}` was not ready within {timeout:.0f} s:\n{running.log()[-3000:]}",
                pytrace=False)


# the address `make lab` printed -> the process it started (make), for its kernels' environment
_SERVERS: dict[str, int] = {}


def _descendants(pid: int) -> list[int]:
    """Every process under `pid` (read from /proc: a kernel's parent is the server)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parent = int(stat.rsplit(")", 1)[1].split()[1])
            children.setdefault(parent, []).append(int(entry.name))
    found, stack = [], [pid]
    while stack:
        for child in children.get(stack.pop(), []):
            found.append(child)
            stack.append(child)
    return found


def _kernel_environments(pid: int) -> list[dict[str, str]]:
    """The environment of every ipykernel under `pid`."""
    kernels = []
    for child in _descendants(pid):
        try:
            cmdline = Path(f"/proc/{child}/cmdline").read_bytes()
            environ = Path(f"/proc/{child}/environ").read_bytes()
        except OSError:
            continue
        if b"ipykernel" in cmdline:
            pairs = (item.split(b"=", 1) for item in environ.split(b"\0") if b"=" in item)
            kernels.append({k.decode(): v.decode(errors="replace") for k, v in pairs})
    return kernels


@pytest.fixture()
def make_lab(project: Project) -> Iterator[str]:
    """`make lab PORT=<free>` running; yields the address with its token that it printed."""
    port = free_port()
    running = _start(project, ["make", "lab", f"PORT={port}"], "make-lab")
    try:
        found = _wait(running, lambda: LAB_URL.search(running.log()),
                      START_TIMEOUT + project.install_timeout, "make lab")
        address = found.group(1)
        assert f":{port}/" in address, f"served on another port than PORT={port}: {address}"
        _SERVERS[address] = running.process.pid
        yield address
    finally:
        _stop(running.process)


def _open_without_question(page, url: str) -> None:
    page.goto(url, timeout=KERNEL_READY_MS)
    outcome = page.wait_for_function(_KERNEL_OR_QUESTION, timeout=KERNEL_READY_MS,
                                     polling=100).json_value()
    assert outcome == "kernel python3", f"opening {url.split('?')[0]}: {outcome}"
    page.wait_for_function(_WATCH_KERNEL, timeout=KERNEL_READY_MS)


def test_make_lab_serves_a_lesson_that_runs(make_lab: str, browser) -> None:
    base, token = make_lab.split("/lab?token=")
    # no Select Kernel question, even for a kernel this machine lacks: the preferred one starts
    # (its own page: the server ends that kernel when it stops)
    context = browser.new_context(viewport=VIEWPORT)
    watch = PageWatch(base).attach(page := context.new_page())
    try:
        _open_without_question(page, f"{base}/lab/tree/{GONE_KERNEL}?reset&token={token}")
        assert watch.console_errors == []
    finally:
        context.close()

    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    watch = PageWatch(base).attach(page)
    try:
        _open_without_question(page, f"{base}/lab/tree/{LESSON}?reset&token={token}")
        run_all(page)
        assert output_problems(page) == []
        assert wait_for_plots(page) >= 2
        assert page.locator(".jp-Dialog").count() == 0
        toasts = page.locator(".jp-Notification-Toast, .Toastify__toast").all_inner_texts()
        assert not any("news" in text.lower() for text in toasts), toasts
        assert watch.console_errors == []
        assert watch.foreign_requests() == []
        # the lesson's kernel runs numpy with one BLAS thread (tools/lab.py's environment)
        kernels = _kernel_environments(_SERVERS[make_lab])
        assert kernels, "no kernel found under the server that `make lab` started"
        for env in kernels:
            assert env.get("OPENBLAS_NUM_THREADS") == "1", env.get("OPENBLAS_NUM_THREADS")
            assert env.get("OMP_NUM_THREADS") == "1"
    finally:
        shut_down_kernel(page)
        context.close()


def _page(url: str, timeout: float) -> str | None:
    """The page at `url`, or None until it answers 200."""
    try:
        with _DIRECT.open(url, timeout=timeout) as response:
            return response.read().decode(errors="replace") if response.status == 200 else None
    except OSError:  # not listening yet (URLError is an OSError)
        return None


def test_make_present_serves_the_course(project: Project) -> None:
    port = free_port()
    running = _start(project, ["make", "present", f"PRESENT_PORT={port}"], "make-present")
    base = f"http://127.0.0.1:{port}"
    try:
        _wait(running, lambda: _page(f"{base}/", 2), START_TIMEOUT + project.install_timeout,
              "make present")
        # the course page lists what this API answers (its list is drawn in the browser)
        listed = json.loads(_page(f"{base}/voila/api/contents", 30) or "{}").get("content", [])
        names = {entry["name"] for entry in listed}
        for lesson in sorted(p.name for p in (project.path / "notebooks").glob("[0-9]*.ipynb")):
            assert lesson in names, f"the course page does not list {lesson}"
        lesson = _page(f"{base}/voila/render/{PRESENTED}", PAGE_TIMEOUT)
        assert lesson is not None, f"Voila did not serve {PRESENTED}:\n{running.log()[-3000:]}"
        title = nbformat.read(project.path / "notebooks" / PRESENTED, as_version=4).cells[0]
        assert title.source.splitlines()[0].lstrip("# ") in lesson  # its heading, rendered
        assert "There was an error when executing" not in lesson  # a cell failed
    finally:
        _stop(running.process)
