"""Caps count in the site's days and weeks (``OMOTENASHI_RULES_TIMEZONE``), not UTC's: "once a
day" on a Tokyo site is once between Tokyo's midnights, whatever UTC's date does at 09:00 there,
and a week runs Monday to Sunday there. The real middleware, a real Redis and this process's
clock moved (``clock``, as in test_clock_skew)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from starlette.applications import Starlette
from starlette.responses import HTMLResponse
from starlette.routing import Route

from omotenashi import Omotenashi, Settings
from omotenashi.engine.periods import first_date, period_key, within
from omotenashi.errors import ConfigError

from .conftest import client_for
from .test_clock_skew import clock

__all__ = ["clock"]  # the fixture, used by name below
pytestmark = pytest.mark.anyio
Make = Callable[..., Settings]
PAGE = '<!doctype html><html><body><div data-omo-slot="hero">Default</div></body></html>'
TOKYO, NEW_YORK = ZoneInfo("Asia/Tokyo"), ZoneInfo("America/New_York")


def at(zone: ZoneInfo, text: str) -> float:
    """The Unix time of ``text`` (ISO, no offset) on ``zone``'s clocks."""
    return datetime.fromisoformat(text).replace(tzinfo=zone).timestamp()


@pytest.mark.parametrize(
    ("per", "zone", "first", "then", "same"),
    [
        # 08:30 and 09:10 in Tokyo are one Tokyo day, but UTC's date changes between them
        ("day", TOKYO, "2026-12-03T08:30", "2026-12-03T09:10", True),
        ("day", TOKYO, "2026-12-03T23:50", "2026-12-04T00:10", False),
        # New York's 25-hour day (clocks back at 02:00): one day from midnight to midnight
        ("day", NEW_YORK, "2026-11-01T00:30", "2026-11-01T23:30", True),
        ("day", NEW_YORK, "2026-11-01T23:30", "2026-11-02T00:30", False),
        # weeks run Monday to Sunday: Wednesday and Thursday are one week (Unix weeks split them)
        ("week", UTC, "2026-12-02T12:00", "2026-12-03T12:00", True),
        ("week", TOKYO, "2026-12-06T23:00", "2026-12-07T01:00", False),  # Sunday, Monday
        ("week", TOKYO, "2026-11-30T00:30", "2026-12-06T23:30", True),  # Monday to Sunday
    ],
)
def test_a_period_is_the_sites_day_or_week(
    per: str, zone: ZoneInfo, first: str, then: str, same: bool
) -> None:
    key = period_key(per, at(zone, first), None, zone)
    assert (period_key(per, at(zone, then), None, zone) == key) is same


@pytest.mark.parametrize(
    ("stored", "key", "inside"),
    [
        # a visit begun at 23:50 Tokyo time (14:50 UTC) is inside that Tokyo day, not the next
        (f"v{int(at(TOKYO, '2026-12-03T23:50'))}", "d20790", True),
        (f"v{int(at(TOKYO, '2026-12-03T23:50'))}", "d20791", False),
        # a day is inside its Monday-to-Sunday week: Thursday 2026-12-03 (day 20790)
        ("d20790", f"w{(20790 + 3) // 7}", True),
        ("d20794", f"w{(20790 + 3) // 7}", False),  # the Monday after
    ],
)
def test_what_a_shorter_period_counted_is_inside_the_sites_longer_one(
    stored: str, key: str, inside: bool
) -> None:
    assert within(stored, key, TOKYO) is inside


def test_a_day_and_a_week_are_named_by_the_sites_date() -> None:
    day = period_key("day", at(TOKYO, "2026-12-03T01:00"), None, TOKYO)  # 2026-12-02 in UTC
    week = period_key("week", at(TOKYO, "2026-12-03T01:00"), None, TOKYO)
    assert (first_date(day), first_date(week)) == ("2026-12-03", "2026-11-30")  # that Monday


async def test_a_daily_cap_holds_across_utc_midnight_on_a_tokyo_site(
    make_settings: Make, clock: list[float]
) -> None:
    """Shown at 08:30 in Tokyo, the once-a-day block is not shown again at 09:10 (it was, when
    days were UTC's), and is again after Tokyo's midnight; the export says when its day began."""
    rules = """
rules:
  - {id: once, slot: hero, text: Sale, cap: {views: 1, per: day}, why: "A sale this week."}
"""
    settings = make_settings(rules)
    tokyo = settings.rules.model_copy(update={"timezone": "Asia/Tokyo"})
    settings = settings.model_copy(update={"rules": tokyo})
    app = Starlette(routes=[Route("/", lambda r: HTMLResponse(PAGE))])
    mw = Omotenashi(app, settings=settings)
    shown = []
    async with client_for(mw) as client:
        for moment in ("2026-12-03T08:30", "2026-12-03T09:10", "2026-12-04T00:10"):
            clock[0] = at(TOKYO, moment) - time.time() + clock[0]
            page = await client.get("/", headers={"accept": "text/html"})
            shown.append('data-omo-rule="once"' in page.text)
        exported = json.loads((await client.get("/_omotenashi/preferences/export")).content)
    assert shown == [True, False, True]
    cap = exported["profile"]["caps"]["once"]
    assert cap == {"period": "day", "since": "2026-12-04T00:00:00+09:00", "count": 1}  # Tokyo's


@pytest.mark.parametrize(
    ("zone", "hint"), [("Asia/Tokio", "'Asia/Tokyo'"), ("Mars/Olympus", "IANA name")]
)
def test_a_zone_that_is_not_one_is_refused_at_startup(zone: str, hint: str) -> None:
    with pytest.raises(
        ConfigError, match=f"OMOTENASHI_RULES_TIMEZONE.*{zone!r} is not a time zone.*{hint}"
    ):
        Settings(rules={"timezone": zone})
