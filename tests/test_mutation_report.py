"""tools/mutation_report.py: the share killed counts only mutants a test killed; a survivor
listed in tests/mutants/explained.txt counts as explained, apart; an entry that no longer
survives is named, so the list cannot go stale quietly."""

from __future__ import annotations

import json

import pytest
from mutation_report import EXPLAINED, explained, report

SURFACE = "gradlab.views.surface.xǁSurfaceǁ_secant_readout__mutmut_"


def _run(tmp_path, codes: dict[str, int | None]):
    meta = tmp_path / "mutants" / "gradlab" / "views" / "surface.py.meta"
    meta.parent.mkdir(parents=True)
    meta.write_text(json.dumps({"exit_code_by_key": codes}), encoding="utf-8")
    return tmp_path


def test_explained_survivors_are_counted_apart_from_the_killed(tmp_path, capsys) -> None:
    # 1 killed, 1 timeout (counts as killed), 2 survived of which 1 explained, 1 not run
    dest = _run(tmp_path, {f"{SURFACE}1": 1, f"{SURFACE}2": 36, f"{SURFACE}3": 0,
                           f"{SURFACE}4": 0, f"{SURFACE}5": None})
    why = {f"{SURFACE}3": "equivalent: h has 2 digits", f"{SURFACE}1": "was explained",
           f"{SURFACE}9": "gone"}
    assert report(dest, markdown=True, why=why) == 0
    out = capsys.readouterr().out
    row = next(line for line in out.splitlines() if line.startswith("surface.Surface._secant"))
    # killed 2, survived 2, no tests 0, run 4, total 5, 50% killed; 1 explained, 75%
    assert row.split()[1:] == ["2", "2", "0", "4", "5", "50.0%", "1", "75.0"]
    unexplained = out.split("not explained (1;")[1].split("\n\n")[0]
    assert f"{SURFACE}4" in unexplained and f"{SURFACE}3" not in unexplained
    stale = out.split("but not surviving")[1]
    assert f"{SURFACE}1" in stale and f"{SURFACE}9" in stale and f"{SURFACE}3" not in stale
    assert "| surface.Surface._secant_readout | 4 | 2 | 2 | 1 | 50.0 | 75.0 |" in out


def test_the_explained_list_gives_a_reason_for_every_mutant(tmp_path) -> None:
    listed = explained(EXPLAINED)
    assert listed and all(reason.split(":")[0] in {"equivalent", "unreachable", "style only",
                                                   "boundary", "wording only"}
                          for reason in listed.values())
    bad = tmp_path / "explained.txt"
    bad.write_text("# a comment\ngradlab.views.x.x_f__mutmut_1\n", encoding="utf-8")
    with pytest.raises(ValueError, match="has no reason"):
        explained(bad)
