"""Fixtures of the site's browser test (`make test-site`, which builds the site first and names it
in GRADLAB_SITE): the built site served on a loopback port, Debian's Chromium as the other
browser tests drive it (tests/browser/chromium.py), and a fresh offline context per lesson.

Without GRADLAB_SITE, `make test` and a bare `pytest tests` leave this folder out (a build and a
run of the site take minutes): it runs only where `make test-site` asks for it."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
SITE = os.environ.get("GRADLAB_SITE", "")
if SITE:  # the browser harness of tests/browser/ and this folder's server
    sys.path[:0] = [str(HERE), str(HERE.parent / "browser")]
else:
    collect_ignore = ["test_site.py"]


@pytest.fixture(scope="session")
def site_folder() -> Path:
    folder = Path(SITE)
    assert (folder / "jupyter-lite.json").is_file(), f"GRADLAB_SITE={SITE}: no site built there"
    return folder


@pytest.fixture(scope="session")
def site(site_folder: Path) -> Iterator[object]:
    from site_server import start_site

    server = start_site(site_folder)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    from chromium import CHROMIUM_ARGS, ensure_chromium, unavailable
    from playwright.sync_api import sync_playwright

    path, reason = ensure_chromium()
    if path is None:
        unavailable(reason)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS,
                                              headless=True, timeout=60_000)
        try:
            yield launched
        finally:
            launched.close()
