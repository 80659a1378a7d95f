"""Start and stop a private JupyterLab for the browser tests and the latency benchmark: loopback
only, a random token, a free port, its own settings, workspaces and runtime folders in a temp
directory, so a run never writes into the repository or the user's ~/.jupyter."""

from __future__ import annotations

import atexit
import ctypes
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

# tools/siblings.py; tests/conftest.py puts tools/ on the path, and so does this line for the
# benchmarks and tools/pictures.py, which use this harness outside pytest
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tools"))
from siblings import load  # noqa: E402


# The settings `make lab` starts with (JupyterLab's "overrides", i.e. new defaults), from the
# one file in the project: no news/update toast (it would ask to reach the internet and cover
# the notebook); every cell rendered (windowing off), so a plot below the fold is drawn.
def _load_lab_tool():
    """tools/lab.py as a module."""
    return load("lab")


LAB = _load_lab_tool()
SETTINGS_OVERRIDES = json.loads((LAB.SETTINGS / "overrides.json").read_text())

START_TIMEOUT = 90.0  # seconds; a cold start on a busy 2-core machine takes ~5 s
STOP_TIMEOUT = 15.0


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class LabServer:
    """A running JupyterLab: `url(path)` gives an address with the token, `stop()` ends it and
    the kernels it started (they share its process group)."""

    root: Path
    port: int
    token: str
    process: subprocess.Popen
    log_path: Path
    _log: object = field(repr=False, default=None)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def lab_url(self, notebook: str) -> str:
        """Address that opens `notebook` (relative to the root) in a fresh workspace."""
        return f"{self.base}/lab/tree/{notebook}?reset&token={self.token}"

    def log_tail(self, lines: int = 40) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def stop(self) -> None:
        """SIGTERM to the whole process group (server and kernels), SIGKILL if it lingers.
        Safe to call twice."""
        if self._log is None:
            return  # already stopped
        if self.process.poll() is None:
            _signal_group(self.process, signal.SIGTERM)
            try:
                self.process.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                pass
        # kernels may outlive a server that was killed: end whatever is left of the group
        _signal_group(self.process, signal.SIGKILL)
        if self.process.poll() is None:
            self.process.wait(STOP_TIMEOUT)
        self._log.close()
        self._log = None


try:  # loaded here, in the parent: the forked child should only make the call
    _PRCTL = ctypes.CDLL(None).prctl if sys.platform.startswith("linux") else None
except (OSError, AttributeError):
    _PRCTL = None


def _die_with_parent() -> None:
    """In the child, before exec: on Linux, get SIGTERM when the test process dies (even by
    SIGKILL), so no JupyterLab outlives an aborted run; elsewhere a no-op."""
    if _PRCTL is not None:
        _PRCTL(1, signal.SIGTERM)  # PR_SET_PDEATHSIG = 1


def _signal_group(process: subprocess.Popen, sig: int) -> None:
    try:
        os.killpg(process.pid, sig)  # the server was started as the leader of its own group
    except (ProcessLookupError, PermissionError):
        pass


def stop_group(process: subprocess.Popen, first: int = signal.SIGINT, wait: float = 15) -> None:
    """Stop a server started as the leader of its own process group (`make lab`, Voila): `first`
    (SIGINT, as Ctrl+C: JupyterLab and Voila then shut their kernels down), up to `wait`
    seconds for it to end, then SIGKILL to whatever is left of the group."""
    _signal_group(process, first)
    try:
        process.wait(wait)
    except subprocess.TimeoutExpired:
        pass
    _signal_group(process, signal.SIGKILL)
    try:
        process.wait(wait)
    except subprocess.TimeoutExpired:
        pass


def start_lab(root: Path, state: Path, python: str = sys.executable) -> LabServer:
    """Start JupyterLab on `root` (which the caller filled with notebooks) and wait until its
    REST API answers. `state` is an empty folder for settings, workspaces and runtime files.
    Raises RuntimeError with the server's log when it does not come up."""
    state.mkdir(parents=True, exist_ok=True)
    for name in ("user-settings", "workspaces", "runtime", "config", "data", "ipython"):
        (state / name).mkdir(exist_ok=True)

    port, token = free_port(), secrets.token_hex(16)
    env = LAB.environment(os.environ)  # `make lab`'s: one BLAS thread in the kernels
    env.update(
        JUPYTER_CONFIG_DIR=str(state / "config"),  # ignore the user's own jupyter config
        JUPYTER_RUNTIME_DIR=str(state / "runtime"),
        # the notebook-signing key and user-level files land here, not in ~/.local; kernels
        # and lab extensions are still found in the venv (sys.prefix/share/jupyter)
        JUPYTER_DATA_DIR=str(state / "data"),
        IPYTHONDIR=str(state / "ipython"),  # kernels keep their history here, not in ~
        PYTHONDONTWRITEBYTECODE="1",
    )
    # `make lab`'s own command line (tools/lab.py), with this run's folders, port and token
    command = [
        *LAB.command(root, port, python=python, open_browser=False),
        "--ServerApp.ip=127.0.0.1",
        "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}",
        f"--LabApp.user_settings_dir={state / 'user-settings'}",
        f"--LabApp.workspaces_dir={state / 'workspaces'}",
        "--ServerApp.terminals_enabled=False",
    ]
    log_path = state / "jupyterlab.log"
    log = open(log_path, "w")  # noqa: SIM115 - closed by LabServer.stop
    process = subprocess.Popen(
        command, cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL, start_new_session=True, preexec_fn=_die_with_parent,
    )
    server = LabServer(root, port, token, process, log_path, log)
    atexit.register(server.stop)  # also when the caller forgets, or an exception escapes
    try:
        _wait_ready(server)
    except BaseException:
        server.stop()
        raise
    return server


# loopback requests must not go through a proxy named in the environment
_DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def _wait_ready(server: LabServer) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    url = f"{server.base}/api/status?token={server.token}"
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(
                f"JupyterLab exited with code {server.process.returncode}:\n{server.log_tail()}"
            )
        try:
            with _DIRECT.open(url, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.25)
    raise RuntimeError(f"JupyterLab did not answer within {START_TIMEOUT:.0f} s:\n"
                       f"{server.log_tail()}")
