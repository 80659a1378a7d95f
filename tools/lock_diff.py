"""`make test-latest`: which packages the newest versions allowed by pyproject.toml's ranges move,
against a lock (the versions this Python would get from it).

    python tools/lock_diff.py requirements/test.txt installed.txt

`installed.txt` is `pip list --format=freeze`; prints one line per package whose version differs
(or that only one side has), and "(none)" when the two agree."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name


def pins(lines: Iterable[str]) -> dict[str, str]:
    """{name: version} of the `name==version` lines whose markers hold on this Python (a lock's
    hash lines, comments and options are skipped)."""
    found = {}
    for raw in lines:
        line = raw.split("#", 1)[0].strip().rstrip("\\").strip()
        if not line or line.startswith("-"):
            continue
        try:
            requirement = Requirement(line)
        except InvalidRequirement:
            continue
        if requirement.marker is not None and not requirement.marker.evaluate():
            continue
        versions = [spec.version for spec in requirement.specifier if spec.operator == "=="]
        if versions:
            found[canonicalize_name(requirement.name)] = versions[0]
    return found


def differences(locked: dict[str, str], installed: dict[str, str]) -> list[str]:
    lines = []
    for name in sorted(locked.keys() | installed.keys()):
        old, new = locked.get(name), installed.get(name)
        if old != new:
            lines.append(f"{name}: {old or '(not in the lock)'} -> {new or '(not installed)'}")
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("lock", type=Path)
    parser.add_argument("installed", type=Path)
    options = parser.parse_args(argv)
    installed = pins(options.installed.read_text().splitlines())
    installed.pop("gradlab", None)  # gradlab itself is not in a lock
    found = differences(pins(options.lock.read_text().splitlines()), installed)
    print("\n".join(found) or "(none)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
