"""Every way the store writes, against a real Redis: the auto-pipelined fast path and the
redis-py client (a URL with options, Sentinel, Cluster), with measurement counters and with
co-view learning; the queued write (``record_soon``) through a flushed script cache and a
refused write; what a merge carries over; how long a one-visit profile lives (the client each
kind of URL makes: test_store_clients.py)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
import redis

from omotenashi import StoreError
from omotenashi.engine.change import Change
from omotenashi.identity.cookie import user_profile_id
from omotenashi.ids import new_vid
from omotenashi.metrics import Metrics
from omotenashi.recommend.coview import Learning
from omotenashi.settings import RedisSettings
from omotenashi.store import clusterread, scripts
from omotenashi.store import store as store_module
from omotenashi.store.pipeline import Script
from omotenashi.store.store import Store

pytestmark = pytest.mark.anyio
DAY = 86400.0
NOW = 1_800_000_000.0
# Keys of their own: the shared ones written here (popular items, counters) stay out of the
# way of other tests on the same server.
PREFIX = "store-paths"
CFG: dict[str, Any] = {
    "read_timeout": 0.2,
    "write_timeout": 0.7,
    "connect_timeout": 0.3,
    "health_check_interval": 12,
    "max_connections": 7,
}


def settings(**more: Any) -> RedisSettings:
    return RedisSettings(**{**CFG, **more})


def opened(url: str) -> Store:
    store = Store(RedisSettings(url=url, key_prefix=PREFIX), Metrics())
    store.connect(url)
    return store


def page_view(**more: Any) -> Change:
    return Change(now=NOW, view=True, new_visit=True, topics=["hawaii"], **more)


@pytest.mark.parametrize("options", ["", "?socket_keepalive=true"], ids=["fast", "redis-py"])
@pytest.mark.parametrize("counted", [False, True], ids=["", "counted"])
@pytest.mark.parametrize("learned", [False, True], ids=["", "learned"])
async def test_every_way_of_recording_writes_the_same_profile(
    options: str,
    counted: bool,
    learned: bool,
    omotenashi_redis_url: str,
    omotenashi_redis: redis.Redis,
) -> None:
    store = opened(omotenashi_redis_url + options)
    assert (store.fast is None) == bool(options)
    vid, day = new_vid(), "2027-01-15"
    change = page_view(items=["kona"])
    if counted:  # each counter with the visitor-record field it stands for (store/stats.py)
        change.measure = {"r|hero": "t:1", "g|hero|buy": "1"}
        change.stats = {(day, "x|t|hero"): 1, (day, "c|t|hero|buy"): 2}
    learning = Learning(
        popular=[("kona", 1.0)],
        co={"kona": [("maui", 0.5)]},
        item="kona",  # the view's item: the record finds it a first view (once, of the two)
    )
    try:
        # twice, as two concurrent requests that both read "not counted yet": counted once
        for _ in range(2):
            await store.record(vid, change, DAY, learning if learned else None)
        if store.fast is not None:
            await store.fast.drain()
        profile = await store.load(vid)
        counters = await store.read_stats([day, "2027-01-16"])
    finally:
        await store.aclose()
    assert (profile.views, profile.visits, profile.first_seen) == (2, 2, NOW)  # new_visit twice
    assert set(profile.interest_now(NOW, DAY)) == {"hawaii"}
    assert counters == ({day: {"x|t|hero": "1", "c|t|hero|buy": "2"}} if counted else {})
    if counted:  # kept until the end of that day plus the retention period
        assert omotenashi_redis.ttl(f"{PREFIX}:stats:{day}") > 0
    assert profile.also == {} and not omotenashi_redis.exists(f"{PREFIX}:{{{vid}}}:also")
    # the two records taught the shared keys once: the first found the item not yet viewed
    assert omotenashi_redis.zscore(f"{PREFIX}:rec:pop", "kona") == (1.0 if learned else None)
    assert omotenashi_redis.zscore(f"{PREFIX}:rec:co:kona", "maui") == (0.5 if learned else None)
    if learned:  # their expiry tells the hour or the day, not the moment of the write (eye54)
        hour, day = 3600_000, 86400_000
        assert omotenashi_redis.pexpiretime(f"{PREFIX}:rec:pop") % hour == 0
        assert omotenashi_redis.pexpiretime(f"{PREFIX}:rec:co:kona") % day == 0


def timed(metrics: Metrics, name: str) -> float:
    """The total seconds of a latency histogram, as Prometheus reads it."""
    line = [x for x in metrics.exposition().splitlines() if x.startswith(name.encode())]
    return float(line[0].split()[-1])


def written(metrics: Metrics) -> bytes:
    """The count of timed writes, as Prometheus reads it."""
    line = [
        x
        for x in metrics.exposition().splitlines()
        if x.startswith(b"omotenashi_redis_write_seconds_count")
    ]
    return line[0].split()[-1]


@pytest.mark.parametrize("flushed", [False, True], ids=["", "scripts-flushed"])
async def test_a_queued_page_view_is_written_even_after_the_script_cache_is_flushed(
    flushed: bool, omotenashi_redis_url: str, omotenashi_redis: redis.Redis
) -> None:
    store = opened(omotenashi_redis_url)
    vid = new_vid()
    try:
        await store.load(vid)  # connected, scripts loaded
        assert store.can_queue
        if flushed:  # a restarted or flushed server has forgotten the scripts: NOSCRIPT
            omotenashi_redis.script_flush()
        change = page_view(measure={"r|hero": "t:1"}, stats={("2027-01-15", "x|t|hero"): 1})
        await asyncio.wait_for(store.record_soon(vid, change, DAY), 5)
        profile = await store.load(vid)
        counters = await store.read_stats(["2027-01-15"])
        errors = (store.metrics["record_error"], store.metrics["redis_error"])
    finally:
        await store.aclose()
    assert (profile.views, profile.visits) == (1, 1)
    assert counters == {"2027-01-15": {"x|t|hero": "1"}}  # the counters ride the queued write
    assert errors == (0, 0) and store.breaker.failures == 0
    if not flushed:
        assert written(store.metrics) != b"0.0"
    for histogram in ("omotenashi_redis_write_seconds_sum", "omotenashi_redis_read_seconds_sum"):
        assert 0 < timed(store.metrics, histogram) < 10  # the call's duration, not the clock


async def test_a_refused_queued_write_is_counted_never_raised(
    omotenashi_redis_url: str, omotenashi_redis: redis.Redis, caplog: pytest.LogCaptureFixture
) -> None:
    store = opened(omotenashi_redis_url)
    vid = new_vid()
    try:
        await store.load(vid)
        omotenashi_redis.set(store.key(vid, "p2"), "not a hash")  # WRONGTYPE in the script
        await asyncio.wait_for(store.record_soon(vid, page_view(), DAY), 5)
    finally:
        await store.aclose()
    assert (store.metrics["record_error"], store.metrics["redis_error"]) == (1, 1)
    assert store.metrics["redis_refused"] == 1  # an error reply: the server is up
    assert store.breaker.failures == 0 and written(store.metrics) == b"0.0"
    assert "(ReplyError: Redis refused: WRONGTYPE" in caplog.records[-1].getMessage()


@pytest.mark.parametrize(("user", "short"), [(False, True), (True, False)], ids=["visitor", "user"])
async def test_a_profile_of_one_visit_expires_sooner_unless_it_is_a_users(
    user: bool, short: bool, omotenashi_redis_url: str, omotenashi_redis: redis.Redis
) -> None:
    store = opened(omotenashi_redis_url)
    pid = user_profile_id("salt", new_vid()) if user else new_vid()
    try:
        await store.record(pid, page_view(), DAY)
        assert store.fast is not None
        await store.fast.drain()  # the write queue, written
    finally:
        await store.aclose()
    ttl = omotenashi_redis.ttl(store.key(pid, "p2"))
    cfg = store.cfg
    assert 0 < ttl <= (cfg.new_ttl if short else cfg.idle_ttl)
    assert (ttl <= cfg.new_ttl) == short


async def test_a_merge_carries_every_part_of_the_anonymous_profile_over(
    omotenashi_redis_url: str,
) -> None:
    store = opened(omotenashi_redis_url)
    anon, user = new_vid(), user_profile_id("salt", new_vid())
    change = page_view(
        events={"join_club": 2},
        stage="consideration",
        shown=["hero"],
        shown_why={"hero": [NOW, ["you have looked at pages about hawaii"]]},
    )
    try:
        await store.record(anon, change, DAY)
        assert await store.merge(anon, user, NOW + DAY, DAY)  # a day later: interest halved
        merged, gone = await store.load(user), await store.load(anon)
    finally:
        await store.aclose()
    assert (merged.events, merged.stage, merged.shown) == (
        {"join_club": 2},
        "consideration",
        {"hero": 1},
    )
    assert merged.interest_now(NOW + DAY, DAY) == {"hawaii": 0.5}
    assert merged.shown_why["hero"][1] == ["you have looked at pages about hawaii"]
    assert (gone.views, gone.events) == (0, {})


COUNTED = {("2027-01-15", "x|t|hero"): 1}
LEARNED = Learning(popular=[("kona", 1.0)], co={"kona": [("maui", 0.5)]})
SLOW_CALLS: dict[str, Any] = {
    "record": lambda s, v: s.record(v, page_view(), DAY),
    "record-counted": lambda s, v: s.record(
        v, page_view(measure={"r|hero": "t:1"}, stats=COUNTED), DAY
    ),
    # the co-view learning write: its pipeline is closed when the timeout cancels it (an
    # unclosed one is a ResourceWarning, an error under the project's pytest settings)
    "record-learned": lambda s, v: s.record(v, page_view(), DAY, LEARNED),
    "merge": lambda s, v: s.merge(v, "u" + v, NOW, DAY),
}


@pytest.mark.parametrize("call", SLOW_CALLS.values(), ids=list(SLOW_CALLS))
async def test_every_write_of_the_redis_py_path_gives_up_at_its_timeout(
    call: Any,
    omotenashi_redis_url: str,
    omotenashi_redis: redis.Redis,
    caplog: pytest.LogCaptureFixture,
) -> None:
    store = opened(omotenashi_redis_url + "?socket_keepalive=true")
    vid = new_vid()
    try:
        await store.load(vid)  # connected before the pause
        store.cfg = store.cfg.model_copy(update={"read_timeout": 0.05, "write_timeout": 0.05})
        omotenashi_redis.client_pause(400)
        with pytest.raises(StoreError, match="did not answer within 0.05s"):
            await call(store, vid)
        said = caplog.records[-1].getMessage()
        assert said.endswith(
            "(no answer within 0.05s: Redis slow or unreachable, "
            "or this process too busy to read the answer)"
        )
    finally:
        await asyncio.sleep(0.45)  # the pause ends; close on a live server
        await store.aclose()


READS: dict[str, Any] = {
    "load": lambda s, v: s.load(v),
    "visit": lambda s, v: s.load_visit(v, None),
    "visit-item": lambda s, v: s.load_visit(v, "kona"),
}


@pytest.mark.parametrize("read", READS.values(), ids=list(READS))
async def test_a_read_waits_for_the_visitors_write_not_yet_queued(
    read: Any, omotenashi_redis_url: str
) -> None:
    store = opened(omotenashi_redis_url)
    vid = new_vid()
    try:
        await store.load(vid)

        async def late() -> None:  # e.g. waiting for the connection
            await asyncio.sleep(0.1)
            await store.record(vid, page_view(), DAY)

        write = asyncio.ensure_future(late())
        store.writing(vid, write)
        got = await asyncio.wait_for(read(store, vid), 5)
        profile = got[0] if isinstance(got, tuple) else got
        assert write.done() and vid not in store.unqueued
        stuck: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        store.writing(vid, stuck)  # a write that never ends holds a read for write_timeout
        store.cfg = store.cfg.model_copy(update={"write_timeout": 0.05})
        again = await asyncio.wait_for(read(store, vid), 5)
        stuck.cancel()
    finally:
        await store.aclose()
    assert profile.views == 1
    assert (again[0] if isinstance(again, tuple) else again).views == 1


@pytest.mark.parametrize(
    ("first", "second", "views"),
    [(0.2, 0.1, 2), (0.1, 0.2, 2), (None, 0.2, 1)],
    ids=["first-slower", "second-slower", "first-fails"],
)
async def test_a_read_waits_for_every_write_not_yet_queued(
    first: float | None, second: float, views: int, omotenashi_redis_url: str
) -> None:
    store = opened(omotenashi_redis_url)
    vid = new_vid()

    async def late(delay: float | None) -> None:
        await asyncio.sleep(delay or 0.05)
        if delay is None:
            raise StoreError("this write failed")
        await store.record(vid, page_view(), DAY)

    try:
        await store.load(vid)
        writes = [asyncio.ensure_future(late(first)), asyncio.ensure_future(late(second))]
        for write in writes:
            store.writing(vid, write)
        profile = await asyncio.wait_for(store.load(vid), 5)
        await asyncio.gather(*writes, return_exceptions=True)
    finally:
        await store.aclose()
    assert profile.views == views and vid not in store.unqueued


PATHS = {"fast": "", "redis-py": "?socket_keepalive=true"}


def profile_of(read: Any) -> Any:
    return read[0] if isinstance(read, tuple) else read


@pytest.mark.parametrize("read", READS.values(), ids=list(READS))
@pytest.mark.parametrize("options", PATHS.values(), ids=list(PATHS))
async def test_a_profile_is_read_while_a_failover_pauses_writes(
    read: Any, options: str, omotenashi_redis_url: str, omotenashi_redis: redis.Redis
) -> None:
    store = opened(omotenashi_redis_url + options)
    other = redis.asyncio.Redis.from_url(omotenashi_redis_url)
    vid = new_vid()
    try:
        await store.record(vid, page_view(), DAY)
        await read(store, vid)  # connected, scripts loaded
        omotenashi_redis.execute_command("CLIENT", "PAUSE", "5000", "WRITE")
        write = asyncio.ensure_future(other.set(f"{PREFIX}:paused", "1"))
        await asyncio.wait({write}, timeout=0.3)  # sent, and held by the pause
        profile = profile_of(await read(store, vid))
        waited = not write.done()
        omotenashi_redis.execute_command("CLIENT", "UNPAUSE")
        await asyncio.wait_for(write, 5)
    finally:
        omotenashi_redis.execute_command("CLIENT", "UNPAUSE")
        await other.aclose()
        await store.aclose()
    assert profile.views == 1 and waited  # the read answered while the write waited


@pytest.mark.parametrize("options", PATHS.values(), ids=list(PATHS))
async def test_a_server_that_refuses_the_read_only_line_gets_the_plain_load_script(
    options: str,
    omotenashi_redis_url: str,
    omotenashi_redis: redis.Redis,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    plain = scripts.LOAD_PLAIN
    # Valkey refuses an unknown flag as Redis 6 refuses any "#!" first line
    refused = "#!lua flags=no-such-flag\n" + plain
    monkeypatch.setattr(store_module, "LOAD_SCRIPT", refused)  # (the fast path's)
    monkeypatch.setattr(clusterread, "LOAD_SCRIPT", refused)  # (redis-py's: store/clusterread.py)
    store = opened(omotenashi_redis_url + options)
    vid = new_vid()
    try:
        await store.record(vid, page_view(), DAY)
        profiles = [await store.load(vid), (await store.load_visit(vid, "kona"))[0]]
        errors = store.metrics["redis_error"]
    finally:
        await store.aclose()
    assert [p.views for p in profiles] == [1, 1] and errors == 0
    assert omotenashi_redis.script_exists(Script(plain).sha) == [True]


@pytest.mark.parametrize("options", PATHS.values(), ids=list(PATHS))
async def test_a_wrong_password_is_said_once_as_a_refused_connection(
    options: str, omotenashi_redis_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    wrong = omotenashi_redis_url.replace("redis://", "redis://nobody:sesame@") + options
    cfg = RedisSettings(url=wrong, key_prefix=PREFIX, breaker_failures=2, breaker_reset=0)
    store = Store(cfg, Metrics())
    store.connect(wrong)
    try:
        for _ in range(4):
            with pytest.raises(StoreError):
                await store.load(new_vid())
    finally:
        await store.aclose()
    said = [r.getMessage() for r in caplog.records if r.name == "omotenashi"]
    shown = wrong.replace("sesame", "***")
    assert len(said) == 1 and "sesame" not in said[0], said
    assert said[0].startswith("omotenashi: Redis refused the connection: ")
    assert said[0].endswith(f" (check OMOTENASHI_REDIS_URL: {shown})")
