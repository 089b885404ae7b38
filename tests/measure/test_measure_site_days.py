"""Measurement is filed under the site's days (``OMOTENASHI_RULES_TIMEZONE``), as caps are: a
first exposure at 08:30 in Tokyo is that Tokyo day's, though UTC's date is the day before, the
report reads up to the site's today and says whose days they are, and a day's counts are kept
until its end in any zone. The real middleware and a real Redis; the clock moved as in
test_clock_skew."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, tzinfo
from zoneinfo import ZoneInfo

import pytest
import redis

from omotenashi import Omotenashi, Settings
from omotenashi.measure.counting import Arm, Seen, tally
from omotenashi.measure.report import Report
from omotenashi.measure.text import render_text
from omotenashi.store.stats import expire_at

from ..conftest import client_for
from ..test_clock_skew import clock
from .test_measure_middleware import middleware, shop

__all__ = ["clock"]  # the fixture, used by name below
pytestmark = pytest.mark.anyio
Make = Callable[..., Settings]
TOKYO = ZoneInfo("Asia/Tokyo")
AT = datetime(2026, 12, 3, 23, 30, tzinfo=UTC).timestamp()  # 08:30 on 4 December in Tokyo


@pytest.mark.parametrize(("zone", "day"), [(UTC, "2026-12-03"), (TOKYO, "2026-12-04")])
def test_an_exposure_and_its_conversion_are_filed_under_the_sites_day(
    zone: tzinfo, day: str
) -> None:
    first = tally(
        seen={},
        converted=set(),
        exposed_now={"r": Arm.TREATMENT},
        goals_hit=set(),
        now=AT,
        zone=zone,
    )
    later = tally(
        seen={"r": Seen(Arm.TREATMENT, int(AT))},
        converted=set(),
        exposed_now={},
        goals_hit={"buy"},
        now=AT + 3 * 3600,
        zone=zone,
    )
    assert list(first.increments) == [(day, "x|t|r")]
    assert list(later.increments) == [(day, "c|t|r|buy")]


async def test_a_tokyo_sites_statistics_are_its_own_days(
    make_settings: Make, omotenashi_redis: redis.Redis, clock: list[float]
) -> None:
    plain = middleware(make_settings).settings  # a key prefix of its own
    tokyo = plain.model_copy(
        update={"rules": plain.rules.model_copy(update={"timezone": "Asia/Tokyo"})}
    )
    mw = Omotenashi(shop(), settings=tokyo)
    clock[0] = AT - time.time() + clock[0]
    async with client_for(mw) as client:
        await client.get("/")
    prefix = tokyo.redis.key_prefix
    assert omotenashi_redis.exists(f"{prefix}:stats:2026-12-04")
    assert not omotenashi_redis.exists(f"{prefix}:stats:2026-12-03")


def test_the_report_says_whose_days_they_are() -> None:
    report = Report([], {}, None, None, 0.95, 100, zone="Asia/Tokyo")
    assert "(Asia/Tokyo days)" in render_text(report).splitlines()[0]


def test_a_days_counts_are_kept_until_it_ends_in_any_zone() -> None:
    end_in_the_last_zone = datetime(2026, 12, 4, 12, tzinfo=UTC).timestamp()  # UTC-12's midnight
    assert expire_at("2026-12-03", 0) >= end_in_the_last_zone
