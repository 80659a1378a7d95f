"""Shared pytest settings: one hypothesis profile, modest and without deadlines (the machine is
shared, so a slow example is not a failure), and tools/ on sys.path."""

import sys
from pathlib import Path

from hypothesis import settings

# tools/ holds scripts, not a package: tests load them with tools/siblings.py's `load`
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))

settings.register_profile("gradlab", max_examples=50, deadline=None)
settings.load_profile("gradlab")
