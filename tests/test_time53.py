"""time53: clocks and calendars at their edges.

- ``time: "00:00-00:00"`` (meant as all day, or a slip) held at no time, and ``check`` said
  nothing; it is "can never fire".
- ``omotenashi force --time 9999-12-31T23:00`` in a zone west of UTC signed a moment past
  Python's years: every forced page failed (an error log, the bare page, no word to QA).
- A report range ending in year 1 was an OverflowError (the web page said "try again in a
  moment"); ``--since 20261205`` was taken, and a bad day was named "day", not ``--since``.
- The preferences page's "at the latest N days" rounded the idle expiry down (2.5 days: "2").
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from omotenashi import Settings
from omotenashi.identity.cookie import CookieSigner
from omotenashi.measure.collect import read_days
from omotenashi.measure.errors import MeasureError
from omotenashi.measure.report import parse_day
from omotenashi.respect.preferences import PreferencesPage

from .test_cli_check import check_site
from .test_editb47_never import HEAD, said_first


@pytest.mark.parametrize("window", ["00:00-00:00", "09:30-09:30"])
def test_an_empty_time_window_can_never_fire(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    window: str,
) -> None:
    extra = f'    when:\n      time: "{window}"\n'
    said = (
        f"r.yaml:7: error: rule 'kyoto-hero' can never fire: time: {window!r} holds at no time "
        "(a window ends just before its end time; for the whole day remove time:, and a window "
        "may cross midnight, e.g. 22:00-02:00)"
    )
    said_first(check_site(tmp_path, monkeypatch, capsys, {"r.yaml": HEAD + extra}), 1, said)


def test_a_window_across_midnight_is_not_said(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    extra = '    when:\n      time: "22:00-02:00"\n'
    assert check_site(tmp_path, monkeypatch, capsys, {"r.yaml": HEAD + extra}) == (0, [])


@pytest.mark.parametrize(
    ("given", "ok"),
    [("2026-12-05", True), ("20261205", False), ("2026-1-5", False), ("0001-01-01", True)],
)
def test_a_report_day_is_yyyy_mm_dd_and_named_as_given(given: str, ok: bool) -> None:
    if ok:
        assert parse_day(given, "--since") == given
        return
    with pytest.raises(MeasureError) as caught:
        parse_day(given, "--since")
    assert str(caught.value).startswith("--since: expected a date as YYYY-MM-DD")


def test_a_report_range_in_year_1_is_read_not_an_overflow(omotenashi_redis_url: str) -> None:
    from omotenashi.metrics import Metrics
    from omotenashi.store.store import Store

    async def read() -> tuple[str, str]:
        store = Store(Settings().redis, Metrics())
        store.connect(omotenashi_redis_url)
        try:
            got = await read_days(store, since="0001-01-01", until="0001-01-02", retention_days=400)
        finally:
            await store.aclose()
        return got.first, got.last

    assert asyncio.run(read()) == ("0001-01-01", "0001-01-02")


@pytest.mark.parametrize(
    ("ttl", "said"), [(86400 * 90, "90 days"), (216000, "3 days"), (60, "1 day")]
)
def test_the_idle_expiry_is_never_understated(ttl: int, said: str) -> None:
    settings = Settings(redis={"idle_ttl": ttl})
    assert PreferencesPage(settings, CookieSigner(settings)).idle == said
