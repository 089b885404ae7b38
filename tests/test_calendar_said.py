"""Every date a visitor, editor or marketer reads says whose calendar it is in, truthfully: a
cap's day or week in the export (and ``omotenashi profile show``) is when it began on the site's
clocks (``OMOTENASHI_RULES_TIMEZONE``), with their offset, also where daylight saving time skips
midnight; the preferences page gives the first visit's date, and when each block was last shown,
on the site's calendar and names it;
``omotenashi report`` says its days are the site's (``--help``, ``--json``). The real middleware,
a real Redis and this process's clock moved (``clock``, as in test_clock_skew)."""

from __future__ import annotations

import json
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
from omotenashi.cli.main import main
from omotenashi.measure.report import Report

from .conftest import client_for
from .test_clock_skew import clock

__all__ = ["clock"]  # the fixture, used by name below
pytestmark = pytest.mark.anyio
Make = Callable[..., Settings]
PAGE = '<!doctype html><html><body><div data-omo-slot="hero">Default</div></body></html>'
RULES = """
rules:
  - {id: capped, slot: hero, text: Sale, cap: {views: 5, per: %s}, why: "A sale this week."}
"""


def at(zone: str, text: str) -> float:
    """The Unix time of ``text`` (ISO, no offset) on ``zone``'s clocks."""
    return datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(zone)).timestamp()


def site(make_settings: Make, zone: str, per: str = "day") -> Omotenashi:
    settings = make_settings(RULES % per)
    settings = settings.model_copy(
        update={"rules": settings.rules.model_copy(update={"timezone": zone})}
    )
    app = Starlette(routes=[Route("/", lambda r: HTMLResponse(PAGE))])
    return Omotenashi(app, settings=settings)


@pytest.mark.parametrize(
    ("per", "zone", "moment", "since"),
    [
        ("day", "Asia/Tokyo", "2026-12-04T08:30", "2026-12-04T00:00:00+09:00"),  # UTC: the 3rd
        # daylight saving time skips midnight: the day begins at 01:00, at its new offset
        ("day", "America/Santiago", "2026-09-06T12:00", "2026-09-06T01:00:00-03:00"),
        ("day", "Asia/Beirut", "2026-03-29T12:00", "2026-03-29T01:00:00+03:00"),
        ("day", "America/Havana", "2026-03-08T12:00", "2026-03-08T01:00:00-04:00"),
        ("week", "America/Santiago", "2026-09-09T12:00", "2026-09-07T00:00:00-03:00"),
        ("day", "Asia/Kolkata", "2026-12-04T03:00", "2026-12-04T00:00:00+05:30"),
        ("week", "Asia/Kathmandu", "2026-12-06T23:50", "2026-11-30T00:00:00+05:45"),
        ("day", "Pacific/Chatham", "2026-12-04T00:10", "2026-12-04T00:00:00+13:45"),
        ("day", "Pacific/Kiritimati", "2026-12-04T00:30", "2026-12-04T00:00:00+14:00"),
        ("day", "Etc/GMT+12", "2026-12-03T23:30", "2026-12-03T00:00:00-12:00"),
        ("week", "UTC", "2026-12-03T23:30", "2026-11-30T00:00:00Z"),
    ],
)
async def test_the_export_says_when_a_caps_period_began_on_the_sites_clocks(
    make_settings: Make, clock: list[float], per: str, zone: str, moment: str, since: str
) -> None:
    mw = site(make_settings, zone, per)
    async with client_for(mw) as client:
        clock[0] = at(zone, moment) - time.time() + clock[0]
        page = await client.get("/", headers={"accept": "text/html"})
        exported = json.loads((await client.get("/_omotenashi/preferences/export")).content)
    assert 'data-omo-rule="capped"' in page.text
    assert exported["profile"]["caps"]["capped"] == {"period": per, "since": since, "count": 1}


@pytest.mark.parametrize(
    ("zone", "moment", "said"),
    [
        ("Asia/Tokyo", "2026-12-04T08:30", "04 December 2026 (Asia/Tokyo time)"),  # UTC: 3rd
        ("Etc/GMT+12", "2026-12-03T20:00", "03 December 2026 (Etc/GMT+12 time)"),  # UTC: 4th
        ("America/Santiago", "2026-09-06T01:30", "06 September 2026 (America/Santiago time)"),
        ("UTC", "2026-12-03T23:30", "03 December 2026 (UTC time)"),
    ],
)
async def test_the_preferences_page_gives_the_first_visit_on_the_sites_calendar(
    make_settings: Make, clock: list[float], zone: str, moment: str, said: str
) -> None:
    mw = site(make_settings, zone)
    async with client_for(mw) as client:
        clock[0] = at(zone, moment) - time.time() + clock[0]
        await client.get("/", headers={"accept": "text/html"})
        page = await client.get("/_omotenashi/preferences")
    assert f"The first visit we have on record was on {said}." in page.text


@pytest.mark.parametrize(
    ("zone", "moment", "said"),
    [
        ("Asia/Tokyo", "2026-12-04T08:30", "Last shown 04 December 2026, 08:30 (Asia/Tokyo time)"),
        ("Asia/Kathmandu", "2026-12-04T00:10", "04 December 2026, 00:10 (Asia/Kathmandu time)"),
        ("UTC", "2026-12-03T23:30", "Last shown 03 December 2026, 23:30 UTC"),
    ],
)
async def test_the_preferences_page_says_when_a_block_was_shown_on_the_sites_clock(
    make_settings: Make, clock: list[float], zone: str, moment: str, said: str
) -> None:
    """As the first visit's date is (one moment, one clock on one page): a Tokyo visitor read
    "Last shown 03 December 2026, 23:30 UTC" beside a first visit "on 04 December 2026"."""
    mw = site(make_settings, zone)
    async with client_for(mw) as client:
        clock[0] = at(zone, moment) - time.time() + clock[0]
        await client.get("/", headers={"accept": "text/html"})
        page = await client.get("/_omotenashi/preferences")
    assert said in " ".join(page.text.split())


@pytest.mark.parametrize(
    ("zone", "moment", "said"),
    [
        ("Asia/Tokyo", "2026-12-04T08:30", "04 December 2026, 08:30 (Asia/Tokyo time)"),
        ("Etc/GMT+12", "2026-12-03T20:00", "03 December 2026, 20:00 (Etc/GMT+12 time)"),
        ("UTC", "2026-12-03T23:30", "03 December 2026, 23:30 UTC"),
    ],
)
async def test_the_data_page_gives_every_time_on_the_sites_clock(
    make_settings: Make, clock: list[float], zone: str, moment: str, said: str
) -> None:
    """The page of everything kept (first and last seen, a topic's last point, a measurement
    group's start ...) on the clock the preferences page names: it gave them in UTC, so a Tokyo
    visitor read "First seen: 03 December 2026, 23:30 UTC" beside a first visit on the 4th."""
    mw = site(make_settings, zone)
    async with client_for(mw) as client:
        clock[0] = at(zone, moment) - time.time() + clock[0]
        await client.get("/", headers={"accept": "text/html"})
        page = " ".join((await client.get("/_omotenashi/preferences/data")).text.split())
    assert f"First seen: {said}" in page
    assert f"Last seen: {said}" in page
    assert (" UTC" in page) == (zone == "UTC")


def test_profile_show_gives_a_caps_day_on_the_sites_clocks(
    omotenashi_redis_url: str,
    omotenashi_redis: redis.Redis,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    clock: list[float],
) -> None:
    monkeypatch.setenv("OMOTENASHI_REDIS_URL", omotenashi_redis_url)
    monkeypatch.setenv("OMOTENASHI_RULES_TIMEZONE", "Asia/Kathmandu")
    clock[0] = at("Asia/Kathmandu", "2026-12-04T03:00") - time.time() + clock[0]
    vid = "cd" * 16
    assert main(["profile", "set", vid, "cap.promo=day:2"]) == 0
    capsys.readouterr()
    assert main(["profile", "show", vid]) == 0
    shown = json.loads(capsys.readouterr().out)
    since = "2026-12-04T00:00:00+05:45"  # Kathmandu's day; UTC's date was the 3rd
    assert shown["caps"]["promo"] == {"period": "day", "since": since, "count": 2}


def test_the_reports_json_names_whose_days_they_are() -> None:
    report = Report([], {}, "2026-12-01", "2026-12-03", 0.95, 100, zone="Asia/Tokyo")
    assert report.as_json()["time_zone"] == "Asia/Tokyo"


@pytest.mark.parametrize("option", ["--since", "--until"])
def test_the_report_commands_days_are_the_sites(
    option: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit):
        main(["report", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    said = text[text.rindex(f"{option} DAY") :].split(" --", 1)[0]
    assert "UTC" not in said and "the site's days" in said
