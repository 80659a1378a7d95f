"""The environment `make lab` and `make present` give their kernels: one BLAS thread, unless the
user chose a count (tools/lab.py, tools/present.py). The browser test of `make lab` reads a real
kernel's environment (tests/browser/test_make_lab.py)."""

from __future__ import annotations

from pathlib import Path

from siblings import load  # tools/siblings.py (tests/conftest.py puts tools/ on the path)

TOOLS = Path(__file__).resolve().parents[1] / "tools"


def _load(name: str):
    return load(name)


def test_lab_kernels_get_one_blas_thread() -> None:
    env = _load("lab").environment({"PATH": "/usr/bin"})
    for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        assert env[name] == "1"
    assert env["PATH"] == "/usr/bin"


def test_a_thread_count_the_user_set_is_kept() -> None:
    env = _load("lab").environment({"OMP_NUM_THREADS": "4"})
    assert env["OMP_NUM_THREADS"] == "4"
    assert env["OPENBLAS_NUM_THREADS"] == "1"


def test_present_kernels_get_one_blas_thread_and_the_template() -> None:
    env = _load("present").environment({"JUPYTER_PATH": "/elsewhere"})
    assert env["OPENBLAS_NUM_THREADS"] == "1"
    assert env["JUPYTER_PATH"].split(":")[-1] == "/elsewhere"
    assert env["JUPYTER_PATH"].split(":")[0].endswith("present")
