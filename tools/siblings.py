"""tools/ is a folder of scripts, not a package: `load("course")` gives tools/course.py as a
module, registered once in sys.modules as gradlab_tools_course (its dataclasses need their module
there), so a script and the tests that load it share one module. A script reaches this file
through its own folder, which Python puts first on sys.path when it runs the script; the tests
put tools/ on sys.path in tests/conftest.py."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

TOOLS = Path(__file__).resolve().parent


def load(name: str) -> ModuleType:
    """tools/<name>.py as the module gradlab_tools_<name> (executed once per process)."""
    module_name = f"gradlab_tools_{name}"
    if module_name not in sys.modules:
        spec = importlib.util.spec_from_file_location(module_name, TOOLS / f"{name}.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules[module_name] = module
        try:
            spec.loader.exec_module(module)
        except BaseException:
            del sys.modules[module_name]
            raise
    return sys.modules[module_name]
