"""Find the Chromium the browser tests drive (Debian's `chromium` package, never a downloaded
browser build), installing it with apt when it is missing and apt is usable (root)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

# Flags measured to work for Debian's Chromium run headless by Playwright, as root, offline:
# no sandbox (root), no GPU, and nothing that phones home (QUIC, sync, component updates).
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

_NAMES = ("chromium", "chromium-browser")
APT_TIMEOUT = 900  # seconds: apt-get update + install of chromium on a slow mirror


def find_chromium() -> str | None:
    """Path of a Chromium binary on PATH."""
    for name in _NAMES:
        path = shutil.which(name)
        if path:
            return path
    return None


def apt_usable() -> bool:
    """apt-get exists and we may install with it (root; sudo prompts would hang a test run)."""
    return shutil.which("apt-get") is not None and hasattr(os, "geteuid") and os.geteuid() == 0


def install_chromium() -> str:
    """`apt-get update` then `apt-get install -y chromium`; returns apt's output (for messages).
    Raises subprocess.CalledProcessError / TimeoutExpired when apt fails."""
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    output = []
    for command in (["apt-get", "update"], ["apt-get", "install", "-y", "chromium"]):
        done = subprocess.run(command, env=env, capture_output=True, text=True,
                              timeout=APT_TIMEOUT, stdin=subprocess.DEVNULL, check=True)
        output.append(done.stdout[-2000:])
    return "\n".join(output)


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def unavailable(reason: str) -> None:
    """Skip the calling test on a learner's machine; fail it in CI (CI=true), where the browser
    tests must always run."""
    import pytest  # here: the benchmark imports this module without pytest

    if in_ci():
        pytest.fail(f"browser tests cannot run in CI: {reason}", pytrace=False)
    pytest.skip(reason)


def ensure_chromium() -> tuple[str | None, str]:
    """(path, reason): the Chromium to drive ($GRADLAB_CHROMIUM, else chromium on PATH, else
    installed with apt when possible); when there is none, path is None and reason says why
    (for a skip or failure message)."""
    override = os.environ.get("GRADLAB_CHROMIUM")
    if override:  # a chosen binary: use it or say it is missing, never install another
        if Path(override).is_file():
            return override, ""
        return None, f"GRADLAB_CHROMIUM={override} is not a file"
    path = find_chromium()
    if path:
        return path, ""
    if not apt_usable():
        return None, ("no Chromium on this machine and no usable apt-get (needs Debian/Ubuntu "
                      "and root) to install it: install the `chromium` package to run the "
                      "browser tests")
    try:
        install_chromium()
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired, OSError) as error:
        detail = getattr(error, "stderr", "") or ""
        return None, f"`apt-get install -y chromium` failed: {error}\n{detail[-2000:]}"
    path = find_chromium()
    if path:
        return path, ""
    return None, "`apt-get install -y chromium` ran but no chromium binary is on PATH"
