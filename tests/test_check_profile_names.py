"""Names of the site's that become field names of a visitor's profile (one Redis hash, compact
only while every field name is at most 64 bytes): a rule id over ``MAX_RULE_ID`` (63, so that
``s<id>`` and ``k<id>`` fit) refuses the file at its field; ``omotenashi check`` warns of an
intent (``k~intent:<intent>:<period>``) or a measured rule's id (``mr|<rule>``,
``mg|<rule>|<goal>``) that makes one longer. The documented bounds are the limits'."""

from __future__ import annotations

from pathlib import Path

import pytest

from omotenashi import RuleSetError
from omotenashi.cli.editors import schemas
from omotenashi.cli.main import main
from omotenashi.engine import limits
from omotenashi.loader.ruleset import load_ruleset
from omotenashi.loader.snippets import Renderer

from .conftest import ROOT

LARGER = "about four times the memory"
GOALS = "goals:\n  - {id: purchase, event: purchase}\n  - {id: brochure-kyoto-autumn, path: /b}\n"


def rule(name: str, slot: str, extra: str = "") -> str:
    return f'  - {{id: {name}, slot: {slot}, text: X, why: "because {slot}"{extra}}}\n'


def capped(intent: str, per: str) -> str:
    return f", intent: {intent}, cap: {{views: 2, per: {per}}}"


def warned(
    text: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> list[str]:
    """``omotenashi check``'s warnings about profile field names for this rule file."""
    (tmp_path / "rules").mkdir()
    (tmp_path / "snippets").mkdir()
    (tmp_path / "rules" / "site.yaml").write_text(text)
    monkeypatch.chdir(tmp_path)
    assert main(["check", "rules"]) == 0
    return [line for line in capsys.readouterr().out.splitlines() if LARGER in line]


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


INTENT_50 = "i" * 50
INTENT_WARNING = (
    f"rules/site.yaml:2: warning: rules[0].intent: the intent {INTENT_50!r} makes the profile "
    "field 'k~intent:<intent>:visit' (its blocks counted per visit, as a capped rule of it "
    "counts) 65 bytes long; Redis keeps a profile compact only while every field name is at "
    "most 64 bytes, so every visitor shown a block with this intent is stored in its larger "
    f"encoding, {LARGER} (use an intent of at most 49 characters)"
)
MEASURED_50 = "m" * 50
GOAL_WARNING = (
    f"rules/site.yaml:5: warning: rules[0].id: rule {MEASURED_50!r} is measured (holdout:), "
    "which makes the profile field 'mg|<rule id>|<goal>' 75 bytes long for the goal "
    "'brochure-kyoto-autumn' (every site goal is recorded, whatever goals: says); Redis keeps a "
    "profile compact only while every field name is at most 64 bytes, so every visitor who "
    f"reaches that goal after being exposed to it is stored in its larger encoding, {LARGER} "
    "(use a rule id of at most 39 characters, or shorter goal ids)"
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # k~intent:<intent>:<period>: 10 bytes and the period's besides the intent
        ("rules:\n" + rule("a", "hero", capped(INTENT_50, "visit")), [INTENT_WARNING]),
        ("rules:\n" + rule("a", "hero", capped("i" * 49, "visit")), []),
        ("rules:\n" + rule("a", "hero", capped(INTENT_50, "day")), []),  # 63 bytes
        (
            "rules:\n" + rule("a", "hero", capped("i" * 52, "day")),
            ["rules/site.yaml:2: warning: rules[0].intent: the intent 'iiii"],
        ),
        # the longest period its capped rules use, said once, at the first rule naming it
        (
            "rules:\n"
            + rule("a", "hero", f", intent: {INTENT_50}")
            + rule("b", "tagline", capped(INTENT_50, "day"))
            + rule("c", "side", capped(INTENT_50, "visit")),
            [INTENT_WARNING],
        ),
        ("rules:\n" + rule("a", "hero", f", intent: {'i' * 60}"), []),  # never counted: no cap
        # mr|<rule>: 3 bytes besides the id; mg|<rule>|<goal>: 4 and the longest site goal's
        ("rules:\n" + rule("m" * 61, "hero", ", holdout: 10%"), []),
        (
            "rules:\n" + rule("m" * 62, "hero", ", holdout: 10%"),
            [
                f"rules/site.yaml:2: warning: rules[0].id: rule {'m' * 62!r} is measured "
                "(holdout:), which makes the profile field 'mr|<rule id>' 65 bytes long; Redis "
                "keeps a profile compact only while every field name is at most 64 bytes, so "
                "every visitor exposed to it (shown it or held out) is stored in its larger "
                f"encoding, {LARGER} (use a rule id of at most 61 characters)"
            ],
        ),
        # every site goal is recorded, whatever the rule's goals: names
        (
            GOALS + "rules:\n" + rule(MEASURED_50, "hero", ", holdout: 10%, goals: [purchase]"),
            [GOAL_WARNING],
        ),
        (GOALS + "rules:\n" + rule("m" * 39, "hero", ", holdout: 10%"), []),
        (GOALS + "rules:\n" + rule(MEASURED_50, "hero"), []),  # not measured: no record
    ],
    ids=[
        "intent-50-per-visit",
        "intent-49-per-visit",
        "intent-50-per-day",
        "intent-52-per-day",
        "intent-once-at-its-first-rule",
        "intent-never-capped",
        "measured-61",
        "measured-62",
        "measured-with-a-long-goal",
        "measured-39-with-a-long-goal",
        "not-measured",
    ],
)
def test_a_name_that_makes_a_profile_field_name_too_long_is_a_warning(
    text: str,
    expected: list[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    found = warned(text, tmp_path, monkeypatch, capsys)
    assert len(found) == len(expected), found
    for line, start in zip(found, expected, strict=True):
        assert line.startswith(start), line


def test_the_documented_bounds_are_the_limits() -> None:
    readme = (ROOT / "README.md").read_text()
    security = (ROOT / "SECURITY.md").read_text()
    for name in ("KEY_BOUND", "RULE_BOUND", "NEW_VISITOR_BOUND"):
        said = f"{getattr(limits, name):,}"
        assert f"≤ {said} bytes" in readme, name
        assert said in " ".join(security.split()), name
    assert f"≤ {limits.RULE_BOUND:,} bytes (`limits.RULE_BOUND`)" in readme
    assert f"≤ {limits.KEY_BOUND:,} bytes (`limits.KEY_BOUND`)" in readme
