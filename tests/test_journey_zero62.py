"""``check`` warns of a journey transition whose ``when:`` holds for every visitor from the
first page whatever count it reads: ``at_least: 0`` of purchases, the cart, an event or an
interest, and such a condition among an ``any:`` (journey62: only views and visits were known,
and every visitor became 'loyalty' on their first page unsaid)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.test_journey_checks import check

EVERYONE = (
    "rules/journey.yaml:3: warning: transitions[0].when: every visitor becomes 'loyalty' on "
    "their first page: this when: holds for everyone"
)


@pytest.mark.parametrize(
    ("when", "warned"),
    [
        ("{purchases: {at_least: 0}}", True),
        ("{cart_items: {at_least: 0}}", True),
        ("{event: {join_club: {at_least: 0}}}", True),
        ("{interest: {kyoto: {at_least: 0}}}", True),
        ("{any: [{views: {at_least: 0}}, {purchases: {at_least: 2}}]}", True),
        ("{any: [{purchases: {at_least: 1}}, {event: {join_club: {at_least: 0}}}]}", True),
        ("{purchases: {at_least: 1}}", False),
        ("{absent_days: {at_least: 0}}", False),  # (unset on a first visit: last62c)
        ("{event: {join_club: {at_least: 1}}}", False),
        ("{interest: {kyoto: {at_least: 0}, nara: {at_least: 2}}}", False),
        ("{any: [{purchases: {at_least: 1}}, {views: {at_least: 9}}]}", False),
    ],
)
def test_a_transition_that_holds_for_everyone_is_said(
    when: str,
    warned: bool,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    journey = f"transitions:\n  - to: loyalty\n    when: {when}\n"
    code, out = check(journey, tmp_path, monkeypatch, capsys)
    assert any(line.startswith(EVERYONE) for line in out) is warned, out
    assert code == 0
