"""Fixtures of the browser tests: Debian's Chromium (installed with apt when missing), a private
JupyterLab on a loopback port serving copies of the notebooks, and a fresh page per test that
records console errors and every request. Without Chromium and a usable apt the tests are
skipped, except in CI (CI=true), where they fail instead."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from chromium import CHROMIUM_ARGS, ensure_chromium, unavailable
from lab_server import start_lab
from notebook_page import PageWatch, shut_down_kernel
from scratch_notebooks import canary_notebook, lab_notebook, write
from subjects import CANARY, NOTEBOOKS, SCRATCH_LAB, VIEWPORT


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "browser: drives JupyterLab in Chromium (run alone with -m browser)")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def chromium_path() -> str:
    path, reason = ensure_chromium()
    if path is None:
        unavailable(reason)
    return path


@pytest.fixture(scope="session")
def browser(chromium_path: str) -> Iterator[object]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # a required test dependency (the test lock has it): fail, never skip
        pytest.fail("Playwright for Python is not installed (pip install -e '.[browser]')",
                    pytrace=False)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=chromium_path, args=CHROMIUM_ARGS, headless=True, timeout=60_000)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture(scope="session")
def lab(tmp_path_factory: pytest.TempPathFactory, chromium_path: str) -> Iterator[object]:
    """JupyterLab on copies of notebooks/ (it autosaves: the repo's files stay untouched)."""
    base = tmp_path_factory.mktemp("jupyterlab")
    root = base / "root"
    root.mkdir()
    for path in NOTEBOOKS.glob("*.ipynb"):
        shutil.copy2(path, root / path.name)
    if not any(root.glob("*.ipynb")):
        write(lab_notebook(), root / SCRATCH_LAB)
    (root / CANARY).parent.mkdir()
    write(canary_notebook(), root / CANARY)

    server = start_lab(root, base / "state")
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture()
def page(lab, browser) -> Iterator[tuple[object, object]]:
    """(page, watch): a new browser context per test, so no state leaks between notebooks.
    (`lab` comes first: the server is forked before Playwright starts its threads.)"""
    context = browser.new_context(viewport=VIEWPORT)
    new_page = context.new_page()
    watch = PageWatch(lab.base).attach(new_page)
    try:
        yield new_page, watch
    finally:
        shut_down_kernel(new_page)
        context.close()
