"""A rule id over ``MAX_RULE_ID`` (63: the stored-data bounds count ``s<id>`` and ``k<id>`` with
it) refuses the file at its field, and the documented bounds are the limits'. (Longer field
names of a profile, a long intent's or a measured rule's, are kept by hash: store/pieces.py.)"""

from __future__ import annotations

from pathlib import Path

import pytest

from omotenashi import RuleSetError
from omotenashi.cli.editors import schemas
from omotenashi.engine import limits
from omotenashi.loader.ruleset import load_ruleset
from omotenashi.loader.snippets import Renderer

from .conftest import ROOT


def rule(name: str, slot: str, extra: str = "") -> str:
    return f'  - {{id: {name}, slot: {slot}, text: X, why: "because {slot}"{extra}}}\n'


def test_a_rule_id_over_the_limit_refuses_the_file_at_its_field(tmp_path: Path) -> None:
    (tmp_path / "rules").mkdir()
    longest, over = "a" * 63, "b" * 64
    (tmp_path / "rules" / "site.yaml").write_text(
        "rules:\n" + rule(longest, "hero") + f"  - id: {over}\n    slot: tagline\n"
        "    text: X\n    why: because\n"
    )
    with pytest.raises(RuleSetError) as info:
        load_ruleset(tmp_path / "rules", Renderer(tmp_path / "snippets"), base=tmp_path)
    assert [str(e) for e in info.value.errors] == [
        f"rules/site.yaml:3: rules[1].id: {over!r} is too long (64 characters, at most 63) "
        "(shorten it to 63 characters or fewer)"
    ]
    assert limits.MAX_RULE_ID == 63 and len(f"s{longest}") == len(f"k{longest}") == 64
    rule_schema = schemas()["rules.schema.json"]["$defs"]["Rule"]["properties"]["id"]
    assert rule_schema["maxLength"] == 63, rule_schema


def test_the_documented_bounds_are_the_limits() -> None:
    readme = (ROOT / "README.md").read_text()
    security = (ROOT / "SECURITY.md").read_text()
    for name in ("KEY_BOUND", "RULE_BOUND", "NEW_VISITOR_BOUND"):
        said = f"{getattr(limits, name):,}"
        assert f"≤ {said} bytes" in readme, name
        assert said in " ".join(security.split()), name
    assert f"≤ {limits.RULE_BOUND:,} bytes (`limits.RULE_BOUND`)" in readme
    assert f"≤ {limits.KEY_BOUND:,} bytes (`limits.KEY_BOUND`)" in readme
