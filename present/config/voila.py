"""Voila's settings for `make present` (tools/present.py puts this folder on JUPYTER_CONFIG_PATH):
the projector's tree page lists the course - the lessons in order with their learning goals -
which tools/present.py's page_config_hook reads from the notebooks at each visit."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tools"))
from siblings import load  # noqa: E402  (tools/siblings.py)

_present = load("present")

c = get_config()  # noqa: F821 (Voila's config loader defines get_config)
c.VoilaConfiguration.page_config_hook = _present.page_config_hook
