"""A day whose counts Redis lost is not a day without visitors (measure/gaps.py).

A past day's hash goes first under an eviction policy by use; a visitor of that day who
converts later starts it again with one conversion. The report read that day as one without
exposures (and its late conversion as one of the other days' visitors'), pooled it, and said
nothing. Each counting write now adds what it gave a day to one ledger hash: a day holding
less than its ledger says is named in every output and left out. Real middleware, real Valkey
(evicted by DEL, and under allkeys-lru on a server of the test's own), real Cluster.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import redis

from omotenashi import EmbeddedRedis, Omotenashi, Settings
from omotenashi.cli.main import main
from omotenashi.measure import gaps
from omotenashi.measure.collect import read_report
from omotenashi.measure.gaps import Gap
from omotenashi.measure.htmlreport import render_html
from omotenashi.measure.report import Report
from omotenashi.measure.text import render_text
from omotenashi.store import stats

from ..conftest import client_for
from ..test_cluster import cluster_url  # noqa: F401  (the three-node cluster fixture)
from .test_measure_cli import stats_site
from .test_measure_middleware import RULES, shop
from .test_measure_phases import DAY, clock, visit

__all__ = ["clock"]  # the fixture, used by name below
pytestmark = pytest.mark.anyio
Make = Callable[..., Settings]


def today() -> str:
    return dt.datetime.fromtimestamp(time.time(), dt.UTC).date().isoformat()


def counting(make_settings: Make, **redis_settings: Any) -> Omotenashi:
    prefix = f"g{uuid.uuid4().hex[:12]}"
    settings = make_settings(RULES, redis={"key_prefix": prefix, **redis_settings})
    return Omotenashi(shop(), settings=settings)


async def report_of(mw: Omotenashi, until: str | None = None) -> Report:
    async with client_for(mw):  # the store is open while the app runs
        return await read_report(
            mw.store, mw.rules.current.ruleset, since=None, until=until, retention_days=5,
            min_per_arm=10, today=today(),
        )  # fmt: skip


def promo(report: Report) -> tuple[int, int]:
    row = next(row for row in report.rows if (row.rule, row.goal) == ("promo", "purchase"))
    return row.n_t + row.n_c, row.x_t + row.x_c


def day_key(mw: Omotenashi, day: str) -> str:
    return stats.stats_key(mw.settings.redis.key_prefix, day)


def unread(r: redis.Redis, key: bytes, days: int) -> None:
    """``key`` as if not read for ``days`` days (its LRU idle time), its expiry kept."""
    dumped, expiry = r.dump(key), r.pexpiretime(key)
    kept = {"absttl": True} if expiry > 0 else {}
    r.restore(key, max(expiry, 0), dumped, replace=True, idletime=days * 86400, **kept)


@pytest.mark.parametrize("late", [False, True], ids=["evicted", "started-again-by-a-late-goal"])
async def test_a_day_redis_lost_is_named_in_every_output_and_left_out(
    make_settings: Make, clock: list[float], omotenashi_redis: redis.Redis, late: bool
) -> None:
    mw = counting(make_settings)
    first = today()
    async with client_for(mw) as returning:  # exposed on the first day, converts later
        await returning.get("/")
        cookies = dict(returning.cookies)
    await visit(mw, 30)
    clock[0] = DAY
    second = await visit(mw, 20)
    omotenashi_redis.delete(day_key(mw, first))  # evicted (allkeys-lru: a past day goes first)
    if late:  # the visitor of the first day converts: its hash starts again, one goal in it
        async with client_for(mw, cookies=cookies) as back:
            await back.post("/buy")
        assert omotenashi_redis.hgetall(day_key(mw, first))  # (one conversion, no exposure)
    report = await report_of(mw)
    left = 1 if late else 0
    assert report.gaps == (Gap(first, 31 + left, left),)  # (the late goal in both)
    assert promo(report) == (sum(second.values()), 0)  # the second day's visitors alone
    said = f"Counts missing for {first} ({31 + left} counted, {'1' if late else 'none'} left)"
    assert said in render_text(report) and said in render_html(report)
    assert report.as_json()["missing_days"] == [{"day": first, "counted": 31 + left, "left": left}]


async def test_a_day_evicted_under_allkeys_lru_is_named(
    make_settings: Make,
    clock: list[float],
    embedded_redis_factory: Callable[..., EmbeddedRedis],
) -> None:
    """A real eviction: a server of this test's own, full, evicting by use. The first day's
    hash is made three days unread (RESTORE ... IDLETIME, as a past day is on a live site),
    the profiles one; today's hash and the ledger were written moments ago, as on every
    counting day."""
    server = embedded_redis_factory()
    mw = counting(make_settings, url=server.url)
    first = today()
    await visit(mw, 30)
    clock[0] = DAY
    await visit(mw, 10)
    r = redis.Redis.from_url(server.url)
    key, ledger = day_key(mw, first), day_key(mw, stats.LEDGER)
    in_use = {ledger, day_key(mw, today())}  # today's counts and the ledger: written now
    for name in r.scan_iter(count=1000):  # unread since: the first day 3 days, profiles 1
        if name.decode() not in in_use:
            unread(r, name, 3 if name.decode() == key else 1)
    r.set("fill", "x" * 200)
    fill = r.dump("fill")
    r.delete("fill")
    r.config_set("maxmemory-policy", "allkeys-lru")
    r.config_set("maxmemory-samples", 64)
    r.config_set("maxmemory", int(r.info("memory")["used_memory"]) + 200_000)
    for n in range(50_000):  # until Redis evicts the first day's hash
        # other data, unread for an hour: idler than today's hash and the ledger whatever a
        # burst of evictions takes or a sample misses (fills written fresh were as fresh as
        # those two to the second of the LRU clock, and CI once saw both go with the first day)
        r.restore(f"fill:{n}", 0, fill, idletime=3600)
        if not r.exists(key):
            break
    assert not r.exists(key) and r.exists(ledger) and r.exists(day_key(mw, today()))
    r.config_set("maxmemory", 0)  # room for the report's connection
    r.close()
    report = await report_of(mw)
    assert report.gaps == (Gap(first, 30, 0),)


@pytest.mark.parametrize(
    ("dropped", "flushed"),
    [(False, False), (True, False), (False, True)],
    ids=["refused-full", "queue-full", "refused-after-noscript"],
)
async def test_counts_never_written_are_said_once_redis_takes_writes_again(
    make_settings: Make,
    embedded_redis_factory: Callable[..., EmbeddedRedis],
    dropped: bool,
    flushed: bool,
) -> None:
    """A full server refuses the writes (OOM), or a full write queue drops them: the process
    adds them up per day and puts them in the ledger with the next write that succeeds.
    ``flushed``: the server forgot the record script first (NOSCRIPT), and refuses the record
    sent again with its text."""
    server = embedded_redis_factory()
    mw = counting(make_settings, url=server.url, write_queue_limit=1 if dropped else 1000)
    r = redis.Redis.from_url(server.url)
    async with client_for(mw) as client:
        await client.get("/")  # connected: the page views below go into the write queue
        await mw.drain()
        if not dropped:
            r.config_set("maxmemory-policy", "noeviction")
            r.config_set("maxmemory", 1)  # full: every write refused, every read served
        if flushed:
            r.script_flush()
        client.cookies.clear()  # eight new visitors at once (a queue of one drops 7 or so)
        await asyncio.gather(*(client.get("/") for _ in range(8)))
        await mw.drain()
        r.config_set("maxmemory", 0)
        lost = mw.metrics["record_dropped" if dropped else "record_error"]
        client.cookies.clear()
        await client.get("/")  # written: the losses follow it into the ledger
        await mw.drain()
        report = await read_report(
            mw.store, mw.rules.current.ruleset, since=None, until=None, retention_days=5,
            min_per_arm=10, today=today(),
        )  # fmt: skip
    r.close()
    assert lost > 0 and report.unwritten == ((today(), lost),)
    said = f"Counts not written on {today()} (up to {lost:,})"
    assert said in render_text(report) and said in render_html(report)
    assert report.as_json()["unwritten"] == [{"day": today(), "counts": lost}]
    assert report.gaps == ()  # (the day holds what was written: nothing is missing)


@pytest.mark.parametrize(
    ("before", "same_day", "evicted"),
    [
        ({"x|t|promo": 7, "x|c|promo": 6}, False, False),  # the release before, alone
        ({"x|t|promo": 7, "x|c|promo": 6}, True, False),  # both releases on one day
        ({"x|t|promo": 7, "x|c|promo": 6}, False, True),  # its day evicted: nobody can tell
    ],
    ids=["release-before", "rolling-deploy", "release-before-evicted"],
)
async def test_a_day_the_release_before_counted_is_not_called_missing(
    make_settings: Make,
    omotenashi_redis: redis.Redis,
    before: dict[str, int],
    same_day: bool,
    evicted: bool,
) -> None:
    """The release before writes no ledger: its counts never make a day look short."""
    mw = counting(make_settings)
    omotenashi_redis.hset(day_key(mw, today()), mapping=before)
    made = await visit(mw, 10) if same_day else {"t": 0, "c": 0}
    if evicted:
        omotenashi_redis.delete(day_key(mw, today()))
    report = await report_of(mw)
    assert report.gaps == ()
    assert promo(report)[0] == (0 if evicted else 13) + sum(made.values())
    assert "Counts missing" not in render_text(report)
    # (measure67: "first exposures start .. today": the word a placeholder)
    assert "first exposures the oldest day kept .. today" in render_text(report)
    assert "the oldest day kept to today" in render_html(report)


async def test_a_day_past_the_retention_period_is_not_missing(
    make_settings: Make, omotenashi_redis: redis.Redis
) -> None:
    """Every day's hash expires after the retention period: the ledger's older days are not
    losses (a range that ends before then reads them)."""
    mw = counting(make_settings)
    old = (dt.date.fromisoformat(today()) - dt.timedelta(days=8)).isoformat()
    omotenashi_redis.hset(day_key(mw, stats.LEDGER), mapping={old: 40})
    report = await report_of(mw, until=old)
    assert report.gaps == ()


async def test_a_day_lost_on_a_cluster_is_named(
    make_settings: Make,
    cluster_url: str,  # noqa: F811
) -> None:
    """On Cluster the ledger is in a slot of its own, written after the counters."""
    mw = counting(make_settings, url=cluster_url, cluster=True)
    made = await visit(mw, 12)
    report = await report_of(mw)
    assert report.gaps == () and promo(report)[0] == sum(made.values())
    client = redis.RedisCluster.from_url(cluster_url, decode_responses=True)
    ledger = client.hgetall(day_key(mw, stats.LEDGER))
    assert {k: v for k, v in ledger.items() if not k.startswith("goal")} == {today(): "12"}
    client.delete(day_key(mw, today()))
    client.close()
    assert (await report_of(mw)).gaps == (Gap(today(), 12, 0),)


def test_the_cli_says_so_beside_its_json(
    tmp_path: Path,
    omotenashi_redis_url: str,
    omotenashi_redis: redis.Redis,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    kept, lost = (
        (dt.date.fromisoformat(today()) - dt.timedelta(days=n)).isoformat() for n in (2, 1)
    )
    fields = {"x|t|promo": 300, "x|c|promo": 300, "c|t|promo|purchase": 30}
    site = stats_site(tmp_path, omotenashi_redis_url, monkeypatch, {kept: fields})
    prefix = os.environ["OMOTENASHI_REDIS_KEY_PREFIX"]
    omotenashi_redis.hset(stats.stats_key(prefix, stats.LEDGER), mapping={kept: 630, lost: 500})
    assert main(["report", str(site / "rules"), "--since", kept, "--json"]) == 0
    out = capsys.readouterr()
    assert json.loads(out.out)["missing_days"] == [{"day": lost, "counted": 500, "left": 0}]
    assert f"WARNING: Counts missing for {lost} (500 counted, none left)" in out.err


def test_the_ledger_is_read_by_the_name_the_store_gives_it() -> None:
    assert gaps.LEDGER == stats.LEDGER


async def test_days_that_expired_under_a_shorter_retention_are_not_blamed_on_eviction(
    make_settings: Make, clock: list[float], omotenashi_redis: redis.Redis
) -> None:
    """Counted when the retention was one day; the report now keeps 30 (the setting raised):
    the ledger still knows the day its hash expired from, as it should have. The warning must
    not tell the operator Redis evicted it and send them to the eviction policy alone."""
    mw = counting(make_settings, stats_retention=86400)
    clock[0] = -10 * DAY  # ten days ago: its hash expires at once under a day's retention
    old = today()
    await visit(mw, 5)
    clock[0] = 0
    assert not omotenashi_redis.exists(day_key(mw, old))
    async with client_for(mw):
        report = await read_report(
            mw.store, mw.rules.current.ruleset, since=None, until=None, retention_days=30,
            min_per_arm=10, today=today(),
        )  # fmt: skip
    assert report.gaps == (Gap(old, 5, 0),)
    assert "expired under a shorter OMOTENASHI_REDIS_STATS_RETENTION" in render_text(report)


@pytest.mark.parametrize(
    "options", ["", "?health_check_interval=30"], ids=["fast-path", "redis-py-client"]
)
async def test_the_ledger_lets_go_of_days_older_than_it_keeps(
    make_settings: Make, omotenashi_redis_url: str, omotenashi_redis: redis.Redis, options: str
) -> None:
    """Each day adds a field or two to the ledger: the first counting write of a day deletes
    those of the days it keeps no longer (over 400 days ago, longer than any retention but
    the longest), not later ones: a report after the retention was raised still tells days
    that expired under the shorter one (the test above)."""
    mw = counting(make_settings, url=omotenashi_redis_url + options, stats_retention=86400)
    ledger = day_key(mw, stats.LEDGER)
    now = dt.datetime.fromtimestamp(time.time(), dt.UTC).date()
    gone = [(now - dt.timedelta(days=stats.LEDGER_DAYS + n)).isoformat() for n in (4, 20, 33)]
    kept = (now - dt.timedelta(days=stats.LEDGER_DAYS)).isoformat()
    old = {day: 5 for day in [*gone, kept]} | {f"lost|{day}": 2 for day in [*gone, kept]}
    omotenashi_redis.hset(ledger, mapping=old)
    await visit(mw, 3)
    await mw.drain()
    fields = {k for k in omotenashi_redis.hkeys(ledger) if not k.startswith("goal")}
    assert fields == {kept, f"lost|{kept}", today()}  # (the goals' marks: goalmarks.py)
