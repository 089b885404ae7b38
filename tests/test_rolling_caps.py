"""A capped block shown by the release before this one (26754c7) counts here: during a rolling
deploy, a visitor's pages alternate between the two, and after an upgrade the counts are its.

That release keeps a cap's count under UTC's day (``d<n>``: Unix time // 86400) and week from a
Thursday (``w<n>``: Unix time // 604800); this one under the site's day and Monday week. Its
count was read as another period's: a once-a-day block shown there at 01:00 in Tokyo was shown
again here at 01:30, and a once-a-week block shown on a Monday again the same Monday (on every
site). The rule's last showing (``shown_why``, which both keep) is in this period: it counts.
The profile is seeded with the fields that release writes (captured from it: ``k<rule>`` the
count, ``s<rule>`` times shown, when, why), then the real middleware, a real Redis.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import redis
from starlette.applications import Starlette
from starlette.responses import HTMLResponse
from starlette.routing import Route

from omotenashi import Omotenashi, Settings

from .conftest import client_for
from .test_clock_skew import clock, vid_of

__all__ = ["clock"]  # the fixture, used by name below
pytestmark = pytest.mark.anyio
Make = Callable[..., Settings]
PAGE = '<!doctype html><html><body><div data-omo-slot="hero">Default</div></body></html>'


def at(zone: str, text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(zone)).timestamp()


def old_key(per: str, when: float) -> str:
    """The period the release before counts a showing at ``when`` in (its period_key)."""
    return f"d{int(when // 86400)}" if per == "day" else f"w{int(when // (7 * 86400))}"


@pytest.mark.parametrize(
    ("zone", "per", "shown_there", "page_here", "shown_again"),
    [
        # Tokyo's 01:00 is UTC's day before: once a day, not again at 01:30
        ("Asia/Tokyo", "day", "2026-12-04T01:00", "2026-12-04T01:30", False),
        # a Monday: its Thursday week began last Thursday, this one's week on that Monday
        ("UTC", "week", "2026-12-07T10:00", "2026-12-07T11:00", False),
        ("Asia/Tokyo", "week", "2026-12-08T08:00", "2026-12-09T20:00", False),
        # New York's 20:00 is UTC's next day: counted on (it was already)
        ("America/New_York", "day", "2026-12-03T20:00", "2026-12-03T21:00", False),
        # shown on the site's day before: shown again, once a day
        ("Asia/Tokyo", "day", "2026-12-03T20:00", "2026-12-04T01:00", True),
        ("UTC", "week", "2026-12-06T10:00", "2026-12-07T11:00", True),  # Sunday, Monday
    ],
)
async def test_a_block_the_release_before_showed_counts_in_this_period(
    make_settings: Make,
    omotenashi_redis: redis.Redis,
    clock: list[float],
    zone: str,
    per: str,
    shown_there: str,
    page_here: str,
    shown_again: bool,
) -> None:
    rules = f"""
rules:
  - {{id: once, slot: hero, text: Sale, cap: {{views: 1, per: {per}}}, why: "A sale.",
     when: {{path: ["/sale"]}}}}
"""
    settings = make_settings(rules)
    settings = settings.model_copy(
        update={"rules": settings.rules.model_copy(update={"timezone": zone})}
    )
    app = Starlette(routes=[Route("/{path}", lambda r: HTMLResponse(PAGE))])
    mw = Omotenashi(app, settings=settings)
    async with client_for(mw) as client:
        shown = at(zone, shown_there)
        clock[0] = shown - 60 - time.time() + clock[0]
        await client.get("/home", headers={"accept": "text/html"})  # the visitor's first page
        key = f"{settings.redis.key_prefix}:{{{vid_of(mw, client)}}}:p2"
        first = int(omotenashi_redis.hget(key, "F") or 0)
        assert first  # (the profile is there)
        omotenashi_redis.hset(  # what the release before wrote when it showed the block
            key,
            mapping={
                "konce": f"{old_key(per, shown)}:1",
                "sonce": f"1 {int(shown) - first} \x1fyou are on the page /sale",
            },
        )
        clock[0] = at(zone, page_here) - time.time() + clock[0]
        page = await client.get("/sale", headers={"accept": "text/html"})
    assert ('data-omo-rule="once"' in page.text) is shown_again
