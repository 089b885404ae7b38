"""``check`` warns of a rule asking for a stage no transition or decay of the journey moves
anyone to: every visitor starts in awareness and stays in the stages the journey reaches, so
the rule shows to no one but previews (it was silent)."""

from __future__ import annotations

from pathlib import Path

import pytest

from .test_cli_check import check_site

REACHES = "transitions:\n  - {to: interest, when: {views: {at_least: 3}}}\n"


def check(
    journey: str | None,
    when: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> list[str]:
    rule = f'rules:\n  - id: a\n    slot: hero\n    text: X\n    why: "because"\n    when: {when}\n'
    files = {"site.yaml": rule} | ({"journey.yaml": journey} if journey is not None else {})
    code, out = check_site(tmp_path, monkeypatch, capsys, files)
    assert code == 0
    return [line for line in out if "asks for stage" in line]


@pytest.mark.parametrize(
    ("journey", "when", "said"),
    [
        (REACHES, "{stage: [loyalty]}", "no visitor gets there now"),
        (REACHES, "{stage: [purchase, loyalty]}", "stage 'purchase' or 'loyalty'"),
        (None, "{stage: [interest]}", "no visitor gets there now"),  # no journey: no one moves
        (REACHES, "{any: [{stage: [loyalty]}, {visits: {at_least: 2}}]}", "this branch holds"),
        (REACHES, "{stage: [interest, loyalty]}", None),  # one of them is reached
        (REACHES, "{stage: [awareness]}", None),  # where everyone starts
        (REACHES, "{not: {stage: [loyalty]}}", None),  # holds for everyone: not this warning
        (
            REACHES
            + "decay:\n  - {from: [interest], to: awareness, when: {absent_days: {at_least: 9}}}\n",
            "{stage: [interest]}",
            None,
        ),
        ("transitions:\n  - {to: loyalty, on: [join_club]}\n", "{stage: [loyalty]}", None),
    ],
)
def test_a_rule_asking_for_a_stage_no_one_reaches_is_said(
    journey: str | None,
    when: str,
    said: str | None,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    found = check(journey, when, tmp_path, monkeypatch, capsys)
    if said is None:
        assert found == []
    else:
        assert len(found) == 1 and said in found[0], found
        assert found[0].startswith("rules/site.yaml:6: warning: rules[0].when.")
        assert "add a transition 'to: " in found[0]
