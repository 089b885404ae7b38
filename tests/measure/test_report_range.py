"""The days a report reads: clamped to those that can hold counts (the retention period up to
today), said so in the report; a ``since`` after the ``until`` refused with both named. A
mistyped year (``?since=0001-01-01``) read 739,000 day keys, timed out after 5 s, logged a
traceback and answered "Sorry"."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from omotenashi import Settings
from omotenashi.cli.main import main
from omotenashi.measure.collect import read_report
from omotenashi.measure.errors import MeasureError

from ..conftest import client_for
from .test_measure_cli import stats_site
from .test_measure_middleware import middleware

Make = Callable[..., Settings]
REPORT = "/_omotenashi/report"
TOKEN = "a-long-report-token"
TODAY = dt.datetime.now(dt.UTC).date()


def day(offset: int) -> str:
    return (TODAY + dt.timedelta(days=offset)).isoformat()


KEPT = "Day counts are kept 400 days (OMOTENASHI_REDIS_STATS_RETENTION)"


@pytest.mark.parametrize(
    ("query", "words"),
    [
        ({"since": "0001-01-01"}, f"{KEPT}, so the report starts at {day(-400)}, not 0001-01-01"),
        ({"since": "1900-01-01", "until": day(0)}, f"starts at {day(-400)}, not 1900-01-01"),
        ({"until": "9999-12-31"}, f"No day after today has counts, so it ends at {day(0)}"),
        ({"since": day(-1)}, ""),  # nothing to clamp: nothing said
    ],
    ids=["year-one", "1900", "far-future-until", "inside"],
)
@pytest.mark.anyio
async def test_a_range_wider_than_what_is_kept_is_clamped_and_said(
    make_settings: Make, query: dict[str, str], words: str
) -> None:
    mw = middleware(make_settings, measure={"report_token": TOKEN})
    async with client_for(mw) as client:
        await client.get("/")  # one exposure today
        page = await client.get(REPORT, params=query, headers={"authorization": f"Bearer {TOKEN}"})
    assert page.status_code == 200
    assert '<th scope="row">promo</th>' in page.text  # the visitor of today is in it
    assert (words in page.text) if words else ('<p class="warn">' not in page.text)


@pytest.mark.parametrize(
    ("query", "words"),
    [
        (
            {"since": day(-1), "until": day(-2)},
            f"since/until: since must not be after until (got '{day(-1)} > {day(-2)}')",
        ),
        ({"since": "0001-01-02", "until": "0001-01-01"}, "since must not be after until"),
    ],
)
@pytest.mark.anyio
async def test_a_since_after_the_until_is_a_400_naming_both(
    make_settings: Make, query: dict[str, str], words: str
) -> None:
    mw = middleware(make_settings, measure={"report_token": TOKEN})
    async with client_for(mw) as client:
        page = await client.get(REPORT, params=query, headers={"authorization": f"Bearer {TOKEN}"})
    assert page.status_code == 400 and words in page.text
    assert query["until"] in page.text and "--" not in page.text  # (inputs60: no flags here)


@pytest.mark.parametrize(
    ("since", "until", "shown", "note"),
    [
        ("0001-01-01", None, ("2025-10-28", None), "starts at 2025-10-28, not 0001-01-01"),
        (None, "9999-12-31", (None, "2026-12-02"), "ends at 2026-12-02, not 9999-12-31"),
        ("2026-12-01", None, ("2026-12-01", None), ""),
        (None, None, (None, None), ""),
        ("2027-01-01", None, ("2027-01-01", None), "No day from 2027-01-01 on has counts yet"),
        ("2020-01-01", "2020-03-01", ("2020-01-01", "2020-03-01"), ""),  # within 400 days
        ("2019-01-01", "2020-03-01", ("2019-01-26", "2020-03-01"), "starts at 2019-01-26"),
    ],
)
@pytest.mark.anyio
async def test_the_days_read_and_what_the_report_says_of_them(
    make_settings: Make,
    since: str | None,
    until: str | None,
    shown: tuple[str | None, str | None],
    note: str,
) -> None:
    mw = middleware(make_settings)
    async with client_for(mw):
        report = await read_report(
            mw.store,
            mw.rules.current.ruleset,
            since=since,
            until=until,
            retention_days=400,
            min_per_arm=100,
            today="2026-12-02",
        )
    assert (report.since, report.until) == shown
    assert (note in report.range_note) if note else report.range_note == ""
    assert report.as_json()["range_note"] == (report.range_note or None)


@pytest.mark.anyio
async def test_read_report_refuses_a_since_after_the_until(make_settings: Make) -> None:
    mw = middleware(make_settings)
    async with client_for(mw):
        with pytest.raises(MeasureError, match="since must not be after until"):
            await read_report(
                mw.store,
                mw.rules.current.ruleset,
                since="2026-12-02",
                until="2026-12-01",
                retention_days=400,
                min_per_arm=100,
            )


RULES = """\
goals:
  - {id: purchase, event: purchase}
rules:
  - {id: promo, slot: hero, text: Promo, holdout: 50%, why: "Everyone."}
"""


@pytest.fixture
def site(tmp_path: Path, omotenashi_redis_url: str, monkeypatch: pytest.MonkeyPatch) -> Path:
    days = {day(0): {"x|t|promo": 30, "x|c|promo": 31}}
    return stats_site(tmp_path, omotenashi_redis_url, monkeypatch, days, RULES)


def test_the_cli_clamps_a_mistyped_year_and_says_so(
    site: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["report", str(site / "rules"), "--since", "0001-01-01"]) == 0
    out = capsys.readouterr().out
    assert f"{KEPT}, so the report starts at {day(-400)}, not 0001-01-01." in out
    assert f"first exposures {day(-400)} .. today" in out
    assert main(["report", str(site / "rules"), "--since", "0001-01-01", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["since"] == day(-400) and "not 0001-01-01" in data["range_note"]
    assert data["rows"][0]["treatment"]["visitors"] == 30


def test_the_cli_refuses_a_since_after_the_until_naming_both(
    site: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["--since", "0001-01-02", "--until", "0001-01-01"]
    assert main(["report", str(site / "rules"), *args]) == 2
    err = capsys.readouterr().err
    assert "since must not be after until" in err and "(got '0001-01-02 > 0001-01-01')" in err
    assert "Traceback" not in err
