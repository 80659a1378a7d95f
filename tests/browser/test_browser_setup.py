"""The browser harness's own decisions: where Chromium comes from, when the suite skips and
when it must fail (checked without a browser), and that the private JupyterLab really serves
the settings that switch off the news/update toast."""

from __future__ import annotations

import json
import urllib.request

import chromium
import lab_server
import pytest
from _pytest.outcomes import Failed, Skipped


def test_a_chosen_chromium_that_is_missing_is_reported_not_installed(monkeypatch) -> None:
    monkeypatch.setenv("GRADLAB_CHROMIUM", "/nonexistent/chromium")
    monkeypatch.setattr(chromium, "install_chromium", lambda: pytest.fail("must not install"))
    path, reason = chromium.ensure_chromium()
    assert path is None
    assert "/nonexistent/chromium" in reason


def test_without_chromium_and_apt_the_reason_says_so(monkeypatch) -> None:
    monkeypatch.delenv("GRADLAB_CHROMIUM", raising=False)
    monkeypatch.setattr(chromium, "find_chromium", lambda: None)
    monkeypatch.setattr(chromium, "apt_usable", lambda: False)
    path, reason = chromium.ensure_chromium()
    assert path is None
    assert "no Chromium" in reason and "apt-get" in reason


def test_missing_chromium_is_installed_with_apt_when_apt_is_usable(monkeypatch) -> None:
    monkeypatch.delenv("GRADLAB_CHROMIUM", raising=False)
    installed = []
    monkeypatch.setattr(chromium, "find_chromium",
                        lambda: "/usr/bin/chromium" if installed else None)
    monkeypatch.setattr(chromium, "apt_usable", lambda: True)
    monkeypatch.setattr(chromium, "install_chromium", lambda: installed.append(True) or "")
    assert chromium.ensure_chromium() == ("/usr/bin/chromium", "")
    assert installed == [True]


def test_a_learner_skips_but_ci_fails(monkeypatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(Skipped, match="no Chromium"):
        chromium.unavailable("no Chromium here")
    monkeypatch.setenv("CI", "true")
    with pytest.raises(Failed, match="cannot run in CI: no Chromium"):
        chromium.unavailable("no Chromium here")


def test_settings_switch_off_news_and_update_checks() -> None:
    notification = lab_server.SETTINGS_OVERRIDES["@jupyterlab/apputils-extension:notification"]
    # JupyterLab's schema types fetchNews as the string "true"/"false"/"none"
    assert notification == {"fetchNews": "false", "checkForUpdates": False}


def test_the_server_applies_the_settings_overrides(lab) -> None:
    """Overrides become the defaults of the schemas JupyterLab serves: JupyterLab ships
    fetchNews "none" (ask with a toast) and checkForUpdates true; the private server must serve
    "false" and false, from jupyter/settings/ (the file `make lab` reads; nothing in the venv)."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

    def defaults(plugin: str) -> dict:
        url = f"{lab.base}/lab/api/settings/{plugin}?token={lab.token}"
        with opener.open(url, timeout=30) as response:
            properties = json.load(response)["schema"]["properties"]
        return {name: spec.get("default") for name, spec in properties.items()}

    notification = defaults("@jupyterlab/apputils-extension:notification")
    assert notification["fetchNews"] == "false"
    assert notification["checkForUpdates"] is False
    assert defaults("@jupyterlab/notebook-extension:tracker")["windowingMode"] == "none"
