"""Serve a built site (make site) on a free loopback port, as `make serve-site` does (Python's
http.server), and keep a browser context offline: every request to another host is aborted and
recorded. Shared by tests/site/ and benchmarks/site.py."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

START_TIMEOUT = 30.0  # seconds


@dataclass
class SiteServer:
    """A static server of `folder` at `base` (http://127.0.0.1:PORT)."""

    folder: Path
    base: str
    process: subprocess.Popen

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_site(folder: Path) -> SiteServer:
    """`python -m http.server` on 127.0.0.1 serving `folder`; returns once it answers."""
    if not (folder / "jupyter-lite.json").is_file():
        raise FileNotFoundError(f"{folder} holds no built site: run `make site`")
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1",
         "--directory", str(folder)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
    server = SiteServer(folder, f"http://127.0.0.1:{port}", process)
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        try:
            with urllib.request.urlopen(f"{server.base}/jupyter-lite.json", timeout=5):
                return server
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                server.stop()
                raise RuntimeError(f"the site server on port {port} did not start") from None
            time.sleep(0.2)


@dataclass
class Offline:
    """Route of a browser context: requests to the site go through, every other one is aborted
    and recorded in `foreign` (blob: and data: URLs stay inside the page)."""

    base: str
    local: list[str] = field(default_factory=list)
    foreign: list[str] = field(default_factory=list)

    def attach(self, context) -> Offline:
        context.route("**/*", self._route)
        context.on("page", lambda page: page.on("websocket", self._on_socket))
        return self

    def _route(self, route) -> None:
        url = route.request.url
        if url.startswith((f"{self.base}/", "blob:", "data:")):
            self.local.append(url)
            route.continue_()
        else:
            self.foreign.append(url)
            route.abort()

    def _on_socket(self, socket) -> None:
        if not socket.url.startswith(self.base.replace("http://", "ws://", 1) + "/"):
            self.foreign.append(socket.url)
