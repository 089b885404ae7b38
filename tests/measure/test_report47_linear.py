"""The report's build is linear in rules x days: each field name read is parsed once (not
once for the counts, once for the phases and once for the gaps check, on every day), and the
days counted are listed once per report (not once per rule and per planned row)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import AsyncIterator
from types import SimpleNamespace
from typing import Any

import pytest
import redis

from omotenashi.measure import counting
from omotenashi.measure.collect import read_report
from omotenashi.measure.counting import Arm
from omotenashi.measure.report import Counts, RuleSpec, build
from omotenashi.store.store import Store

from ..conftest import store_on

TODAY = dt.datetime.now(dt.UTC).date()


def fields(rules: int) -> dict[str, int]:
    out: dict[str, int] = {}
    for n in range(rules):
        out |= {f"x|t|r{n}": 900, f"x|c|r{n}": 100, f"h|t10|r{n}": 900, f"h|c10|r{n}": 100}
        out |= {f"c|t|r{n}|buy": 90, f"c|c|r{n}|buy": 8}
    return out


@pytest.fixture
async def prefixed(omotenashi_redis_url: str) -> AsyncIterator[Store]:
    """A store of its own key prefix on the test server."""
    async with store_on(omotenashi_redis_url, key_prefix=f"p{uuid.uuid4().hex[:12]}") as made:
        yield made


@pytest.mark.parametrize(("rules", "days"), [(1, 1), (3, 5), (10, 30)])
@pytest.mark.anyio
async def test_each_field_read_is_parsed_once(
    prefixed: Store,
    omotenashi_redis: redis.Redis,
    monkeypatch: pytest.MonkeyPatch,
    rules: int,
    days: int,
) -> None:
    written: dict[Any, Any] = fields(rules)
    for back in range(days):
        day = (TODAY - dt.timedelta(days=back)).isoformat()
        omotenashi_redis.hset(f"{prefixed.cfg.key_prefix}:stats:{day}", mapping=written)
    parsed: list[str] = []
    parse = counting.parse_field

    def counted(name: str) -> Any:
        parsed.append(name)
        return parse(name)

    monkeypatch.setattr(counting, "parse_field", counted)
    ruleset = SimpleNamespace(rules=[], goals=[])
    report = await read_report(
        prefixed, ruleset, since=None, until=None, retention_days=400, min_per_arm=100,
        today=TODAY.isoformat(),
    )  # fmt: skip
    assert len(report.rows) == rules  # every rule read, and counted
    assert len(parsed) == len(written)  # each name once, whichever day it is first read on


def counts(rules: int, days: int) -> Counts:
    out = Counts()
    for n in range(rules):
        for back in range(days):
            day = (TODAY - dt.timedelta(days=back)).isoformat()
            out.exposures[(f"r{n}", Arm.TREATMENT, day)] = 50_000
            out.exposures[(f"r{n}", Arm.CONTROL, day)] = 50_000
            out.conversions[(f"r{n}", "buy", Arm.TREATMENT, day)] = 15_000
            out.conversions[(f"r{n}", "buy", Arm.CONTROL, day)] = 10_000
    return out


@pytest.mark.parametrize(("rules", "days"), [(2, 3), (5, 10), (40, 2)])
def test_the_days_counted_are_listed_once_per_report(
    monkeypatch: pytest.MonkeyPatch, rules: int, days: int
) -> None:
    listed: list[int] = []
    days_of = Counts.__dict__["days"].fget

    def listing(self: Counts) -> list[str]:
        listed.append(1)
        found: list[str] = days_of(self)
        return found

    monkeypatch.setattr(Counts, "days", property(listing))
    specs = [RuleSpec(f"r{n}", 50.0, ("buy",)) for n in range(rules)]
    report = build(counts(rules, days), specs, ["buy"])
    assert all(row.planned_on for row in report.rows)  # each planned row dated
    assert all(len(points) == days for points in report.daily.values())
    assert len(listed) == 1
