"""A recommendation's surprises ("Something different", ``serendipity:``) are drawn per visitor
and day: the site's day (``OMOTENASHI_RULES_TIMEZONE``), as caps and measurement count, not
UTC's. On a Tokyo site they stayed until 09:00 there and changed then. The demo's rules and
catalogue, through the engine."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from demo_site.app import demo_settings

from omotenashi.engine.facts import Device, RequestInfo
from omotenashi.engine.page import EngineConfig, personalise_page
from omotenashi.engine.profile import Profile
from omotenashi.engine.understand import Visit
from omotenashi.loader.reload import load_all
from omotenashi.settings import RespectSettings

ROOT = Path(__file__).resolve().parent.parent.parent
DEMO = load_all(demo_settings(ROOT).rules)
TOKYO = ZoneInfo("Asia/Tokyo")
PAGE = (
    '<!doctype html><html><head></head><body><div data-omo-slot="also-like">default</div>'
    "</body></html>"
)
QUIET = RespectSettings(fresh_share=0.0, budget=6, disclosure=False, page_panel=False)


def suggestions(visitor: str, moment: str) -> str:
    """The also-like block ``visitor`` (interested in Japan) gets at ``moment``, Tokyo time."""
    now = datetime.fromisoformat(moment).replace(tzinfo=TOKYO).timestamp()
    profile = Profile(
        visits=3,
        views=12,
        first_seen=now - 9 * 86400,
        last_seen=now - 3600,
        visit_start=now,
        interests={"kyoto": (4.0, now), "japan": (4.0, now), "culture": (3.0, now)},
    )
    visit = Visit(
        visitor_id=visitor,
        profile=profile,
        now=now,
        request=RequestInfo.from_parts("/", "", {}),
        device=Device("desktop", "Chrome", "Linux", False),
        is_new=False,
    )
    config = EngineConfig(respect=QUIET, zone=TOKYO)
    html = personalise_page(PAGE, visit, DEMO.ruleset, DEMO.journey, config, DEMO.catalog).html
    assert 'data-omo-rule="you-may-also-like"' in html
    return html


@pytest.mark.parametrize(
    ("visitor", "first", "then", "same"),
    [
        # UTC's midnight (09:00 in Tokyo) between them: the same Tokyo day, the same surprises
        ("visitor-0", "2026-12-04T08:30", "2026-12-04T09:10", True),
        ("visitor-9", "2026-12-04T08:30", "2026-12-04T09:10", True),
        # Tokyo's midnight between them: another day, another draw
        ("visitor-0", "2026-12-04T23:50", "2026-12-05T00:10", False),
        ("visitor-2", "2026-12-04T23:50", "2026-12-05T00:10", False),
    ],
)
def test_surprises_are_drawn_per_site_day(visitor: str, first: str, then: str, same: bool) -> None:
    assert (suggestions(visitor, first) == suggestions(visitor, then)) is same
