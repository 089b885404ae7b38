"""The journey's ``when``s read a ``timezone:`` above ``any``, ``all`` or ``not`` as rules do:
the ``time`` inside is the zone's (README, upgrading notes: transitions and segments written
that way move and group visitors at other hours)."""

from __future__ import annotations

import textwrap
from datetime import UTC, datetime
from pathlib import Path

import pytest

from omotenashi.engine.facts import Facts
from omotenashi.loader.journey import load_journey

JOURNEY = """
transitions:
  - to: interest
    when: {timezone: Asia/Tokyo, any: [{time: "09:00-10:00"}, {weekday: [sun]}]}
decay:
  - {from: [interest], to: awareness, when: {timezone: Asia/Tokyo, not: {time: "00:00-09:00"}}}
segments:
  tokyo_morning: {timezone: Asia/Tokyo, all: [{time: "09:00-10:00"}]}
"""

# (now, in UTC; moved to interest? in the segment? moved back from interest?)
MOMENTS = [
    (datetime(2026, 12, 4, 0, 30, tzinfo=UTC), True, True, True),  # 09:30 Fri in Tokyo
    (datetime(2026, 12, 4, 9, 30, tzinfo=UTC), False, False, True),  # 18:30 Fri in Tokyo
    (datetime(2026, 12, 3, 23, 30, tzinfo=UTC), False, False, False),  # 08:30 Fri in Tokyo
]


@pytest.mark.parametrize(("now", "moves", "grouped", "back"), MOMENTS)
def test_a_journey_reads_the_time_inside_in_the_zone_above(
    tmp_path: Path, now: datetime, moves: bool, grouped: bool, back: bool
) -> None:
    (tmp_path / "journey.yaml").write_text(textwrap.dedent(JOURNEY))
    journey = load_journey(tmp_path, timezone="UTC")
    facts = Facts(now=now)
    assert journey.next_stage("awareness", facts, frozenset(), False)[0] == (
        "interest" if moves else "awareness"
    )
    assert ("tokyo_morning" in journey.derive_segments(facts)) is grouped
    assert journey.next_stage("interest", facts, frozenset(), True)[1] is back  # moved back?
