"""``omotenashi check`` on rules that share a slot and a priority: one warning per slot and
priority, naming at most ten rules, at the first of them, and never a rule already reported
as unable to fire."""

from __future__ import annotations

from pathlib import Path

import pytest

from omotenashi.cli.main import main

SAME = "with the same priority"


def rule(name: str, slot: str = "hero", extra: str = "") -> str:
    return f'  - {{id: {name}, slot: {slot}, text: X, why: "because {name}"{extra}}}\n'


NEVER = rule("never", extra=", when: {new: true, visits: {at_least: 3}}")
ENDED = rule("ended", extra=", schedule: {end: 2020-01-01T00:00:00Z}")
FIFTEEN = "".join(rule(f"r{i:02}") for i in range(15))


@pytest.mark.parametrize(
    ("rules", "warnings"),
    [
        (
            rule("a") + rule("b"),
            [
                "rules/site.yaml:2: warning: rules 'a' and 'b' fill 'hero' with the same "
                "priority (50) and can both hold: 'a' wins by coming first; give one a higher "
                "priority if that is not what you mean"
            ],
        ),
        (
            FIFTEEN,
            [
                "rules/site.yaml:2: warning: rules 'r00', 'r01', 'r02', 'r03', 'r04', 'r05', "
                "'r06', 'r07', 'r08', 'r09' and 5 more fill 'hero' with the same priority (50) "
                "and more than one can hold at once: the first listed that holds wins; give one "
                "a higher priority if that is not what you mean"
            ],
        ),
        (NEVER + ENDED + rule("alone"), []),
        (
            NEVER + rule("a") + ENDED + rule("b"),
            ["rules/site.yaml:3: warning: rules 'a' and 'b' fill 'hero'"],
        ),
        (
            rule("d", extra=", when: {stage: interest}")
            + rule("e", extra=", when: {stage: loyalty}"),
            [],
        ),
        (rule("a") + rule("b", extra=", priority: 60") + rule("c", "tagline"), []),
        (
            rule("a") + rule("b") + rule("c", "tagline") + rule("d", "tagline"),
            [
                "rules/site.yaml:2: warning: rules 'a' and 'b'",
                "rules/site.yaml:4: warning: rules 'c' and 'd'",
            ],
        ),
    ],
    ids=[
        "two-rules",
        "fifteen-rules-one-warning",
        "never-and-ended-are-not-paired",
        "never-and-ended-left-out-of-the-list",
        "disjoint-stages",
        "other-priority-or-slot",
        "one-warning-per-slot",
    ],
)
def test_rules_sharing_a_slot_and_a_priority_are_one_warning(
    rules: str,
    warnings: list[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    (tmp_path / "rules").mkdir()
    (tmp_path / "snippets").mkdir()
    (tmp_path / "rules" / "site.yaml").write_text("rules:\n" + rules)
    monkeypatch.chdir(tmp_path)
    main(["check", "rules"])
    found = [line for line in capsys.readouterr().out.splitlines() if SAME in line]
    assert len(found) == len(warnings), found
    for line, start in zip(found, warnings, strict=True):
        assert line.startswith(start), line
