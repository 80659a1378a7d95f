"""Shared pytest settings: one hypothesis profile, modest and without deadlines (the machine is
shared, so a slow example is not a failure)."""

from hypothesis import settings

settings.register_profile("gradlab", max_examples=50, deadline=None)
settings.load_profile("gradlab")
