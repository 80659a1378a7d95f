"""tools/site.py's checks, without a download: a Pyodide-built file whose sha256 differs from the
official lock stops the build with a message naming it, a tarball that is not npm's fails its
integrity check, the official packages come with everything they depend on, and the site's
shortcut settings keep the arrow keys for a focused slider. (`make test-site` builds the site
and drives it in Chromium: tests/site/.)"""

from __future__ import annotations

import base64
import hashlib
import json
import zipfile
from pathlib import Path

import pytest
from siblings import load  # tools/siblings.py (tests/conftest.py puts tools/ on the path)

ROOT = Path(__file__).resolve().parents[1]


site = load("site")


def _bundle(tmp_path: Path, files: dict[str, bytes]) -> Path:
    path = tmp_path / "bundle.whl"
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in files.items():
            archive.writestr(site.PYODIDE_BUNDLE_DIR + name, data)
    return path


def _lock(files: dict[str, bytes], depends: dict[str, list[str]] | None = None) -> dict:
    depends = depends or {}
    return {"info": {"version": site.PYODIDE_VERSION}, "packages": {
        name.split("-")[0]: {"name": name.split("-")[0], "file_name": name,
                             "sha256": hashlib.sha256(data).hexdigest(),
                             "depends": depends.get(name.split("-")[0], [])}
        for name, data in files.items()}}


WHEEL = "numpy-2.0.2-cp312-cp312-pyodide_2024_0_wasm32.whl"


def test_an_official_file_is_copied_when_its_hash_is_the_lock_s(tmp_path: Path) -> None:
    files = {WHEEL: b"the official build"}
    out = tmp_path / "out"
    out.mkdir()
    entries = site.copy_official(_lock(files), _bundle(tmp_path, files), out, ["numpy"])
    assert (out / WHEEL).read_bytes() == b"the official build"
    assert entries["numpy"]["sha256"] == hashlib.sha256(b"the official build").hexdigest()


def test_a_file_that_differs_from_the_official_lock_stops_the_build(tmp_path: Path) -> None:
    lock = _lock({WHEEL: b"the official build"})
    bundle = _bundle(tmp_path, {WHEEL: b"a rebuilt or tampered file"})
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(site.BuildError) as error:
        site.copy_official(lock, bundle, out, ["numpy"])
    message = str(error.value)
    assert WHEEL in message and "official pyodide-lock.json" in message
    assert hashlib.sha256(b"a rebuilt or tampered file").hexdigest() in message
    assert not (out / WHEEL).exists()  # nothing unchecked is left in the site


def test_a_file_missing_from_the_bundle_stops_the_build(tmp_path: Path) -> None:
    lock = _lock({WHEEL: b"x"})
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(site.BuildError, match="has no numpy"):
        site.copy_official(lock, _bundle(tmp_path, {}), out, ["numpy"])


def test_the_official_packages_come_with_what_they_depend_on() -> None:
    lock = _lock({"ssl-1.whl": b"s", "openssl-1.zip": b"o", "numpy-2.whl": b"n",
                  "prompt_toolkit-3.whl": b"p", "ipython-8.whl": b"i"},
                 {"ssl": ["openssl"], "ipython": ["prompt-toolkit"]})
    assert site.closure(lock, ["ssl", "ipython"]) == ["ipython", "openssl", "prompt_toolkit",
                                                      "ssl"]
    with pytest.raises(site.BuildError, match="scipy"):
        site.closure(lock, ["scipy"])


def test_only_npm_s_published_tarball_passes_the_integrity_check(tmp_path: Path) -> None:
    fake = tmp_path / "pyodide.tgz"
    fake.write_bytes(b"not pyodide")
    assert not site.npm_integrity_ok(fake)
    digest = base64.b64encode(hashlib.sha512(b"not pyodide").digest()).decode()
    assert site.NPM_INTEGRITY != f"sha512-{digest}"


def test_the_site_keeps_the_arrow_keys_for_a_focused_slider() -> None:
    shortcuts = site.settings_overrides()["@jupyterlab/shortcuts-extension:shortcuts"]
    by_key = {}
    for entry in shortcuts["shortcuts"]:
        by_key.setdefault(entry["keys"][0], []).append(entry)
    assert set(by_key) == {"ArrowLeft", "ArrowRight"}
    for entries in by_key.values():  # JupyterLab 4.4's binding off, one for a focused cell on
        (off,) = [e for e in entries if e.get("disabled")]
        (on,) = [e for e in entries if not e.get("disabled")]
        assert off["selector"].endswith(" :focus") and on["selector"].endswith(".jp-Cell:focus")


def test_the_kernel_preloads_gradlab_and_takes_nothing_from_pypi() -> None:
    config = site.jupyter_lite_config()["jupyter-config-data"]
    kernel = config["litePluginSettings"]["@jupyterlite/pyodide-kernel-extension:kernel"]
    assert kernel["disablePyPIFallback"] is True
    assert "gradlab" in kernel["loadPyodideOptions"]["packages"]
    assert "pyodideUrl" not in kernel  # set by the build to the site's own copy
    json.dumps(config)
