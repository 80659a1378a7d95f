"""Voila's settings for `make present` (tools/present.py puts this folder on JUPYTER_CONFIG_PATH):
the projector's tree page lists the course - the lessons in order with their learning goals -
which tools/present.py's page_config_hook reads from the notebooks at each visit."""

import importlib.util
from pathlib import Path

_spec = importlib.util.spec_from_file_location(
    "gradlab_tools_present", Path(__file__).resolve().parents[2] / "tools" / "present.py")
_present = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_present)

c = get_config()  # noqa: F821 (Voila's config loader defines get_config)
c.VoilaConfiguration.page_config_hook = _present.page_config_hook
