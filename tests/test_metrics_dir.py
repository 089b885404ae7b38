"""``OMOTENASHI_METRICS_DIR``: a scrape of any worker answers the sum over the server's workers
(counters over every process that ran, gauges over those still running), and ``omotenashi
proxy --workers N`` gives its workers such a folder of its own."""

from __future__ import annotations

import asyncio
import fcntl
import json
import logging
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from omotenashi import Omotenashi, Settings, metricsdir
from omotenashi.errors import ConfigError
from omotenashi.metrics import Metrics, Tally
from omotenashi.metricsdir import LARGEST, LOCK, RETIRED, SharedDir, dump
from omotenashi.store.embedded import free_port

from .conftest import client_for, page_app
from .live_server import serving
from .test_proxy_cli import proxy, until_up

pytestmark = pytest.mark.anyio
Make = Callable[..., Settings]
PAGE = '<!doctype html><html><body><div data-omo-slot="hero">Default</div></body></html>'
RULES = 'rules:\n  - {id: hi, slot: hero, text: "Hello", why: "Everyone sees it."}\n'
METRICS = "/_omotenashi/metrics"
HUGE = LARGEST + 1  # past what a file may have
BROWSER = {"user-agent": "Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0"}


def sample(text: str, name: str, **labels: str) -> float:
    """The value of one series of an exposition (0 when it is not there)."""
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            if s.name == name and s.labels == labels:
                return float(s.value)
    return 0.0


def personalised(text: str) -> float:
    return sample(text, "omotenashi_responses_total", outcome="personalised")


def at_least(pages: int) -> Callable[[str], bool]:
    return lambda text: personalised(text) >= pages


async def scrape(client: httpx.AsyncClient) -> str:
    answer = await client.get(METRICS)
    assert answer.status_code == 200
    return answer.text


async def until(client: httpx.AsyncClient, wanted: Callable[[str], bool]) -> str:
    """Scrape until ``wanted`` holds (the workers write their files about once a second)."""
    for _ in range(300):
        text = await scrape(client)
        if wanted(text):
            return text
        await asyncio.sleep(0.05)
    raise AssertionError(f"never seen; last scrape:\n{text}")


def worker(make_settings: Make, folder: Path, **redis: Any) -> Omotenashi:
    settings = make_settings(RULES, metrics=True, metrics_dir=folder)
    if redis:
        settings = make_settings(
            RULES, metrics=True, metrics_dir=folder, redis={**settings.redis.model_dump(), **redis}
        )
    return Omotenashi(page_app(PAGE), settings=settings)


async def test_a_scrape_of_either_worker_shows_the_sum(make_settings: Make, tmp_path: Path) -> None:
    folder = tmp_path / "metrics"
    one, two = worker(make_settings, folder), worker(make_settings, folder)
    async with client_for(one) as first, client_for(two) as second:
        for _ in range(3):
            assert (await first.get("/", headers=BROWSER)).status_code == 200
        for _ in range(2):
            assert (await second.get("/", headers=BROWSER)).status_code == 200
        seen_first, seen_second = await until(first, at_least(5)), await until(second, at_least(5))
        assert len(list(folder.glob("*.json"))) == 2
    for text in (seen_first, seen_second):
        assert personalised(text) == 5
        assert sample(text, "omotenashi_requests_total") == 5
        assert sample(text, "omotenashi_rules_shown_total", rule="hi") == 5
        assert sample(text, "omotenashi_decide_seconds_count") == 5
        reads = sum(sum(mw.metrics.tally.timings["redis_read"].counts) for mw in (one, two))
        assert sample(text, "omotenashi_redis_read_seconds_count") == reads
        took = sum(mw.metrics.tally.timings["decide"].total for mw in (one, two))
        assert sample(text, "omotenashi_decide_seconds_sum") == pytest.approx(took)


async def test_an_exited_worker_still_counts_and_its_gauge_does_not(
    make_settings: Make, tmp_path: Path
) -> None:
    """Its breaker open (its Redis is gone) shows in the live sum; once it shut down, only its
    counts stay."""
    folder = tmp_path / "metrics"
    dead = f"redis://127.0.0.1:{free_port()}/0"
    one = worker(make_settings, folder)
    two = worker(make_settings, folder, url=dead, breaker_failures=1, breaker_reset=600)
    async with client_for(one) as first:
        await first.get("/", headers=BROWSER)
        async with client_for(two) as second:
            for _ in range(3):  # a new visitor, then one whose profile cannot be read
                assert (await second.get("/", headers=BROWSER)).status_code == 200
            degraded = two.metrics["degraded"]
            assert degraded >= 1 and two.store.breaker.state == "open"
            running = await until(first, lambda text: sample(text, "omotenashi_breaker_state") == 1)
        after = await scrape(first)
    responses = "omotenashi_responses_total"
    assert sample(running, responses, outcome="degraded") == degraded
    assert sample(after, responses, outcome="degraded") == degraded  # counted still
    assert sample(after, "omotenashi_breaker_state") == 0  # its breaker is not ours
    assert personalised(after) == 1 + two.metrics["personalised"]
    assert sample(after, "omotenashi_records_pending") == 0


async def test_counters_never_drop_when_a_worker_restarts(
    make_settings: Make, tmp_path: Path
) -> None:
    """Scraped once every worker's file holds its numbers (a scrape sees the others' numbers
    as of their last write, at most about a second old). A worker that shuts down adds its
    counts to retired.json and removes its file: a server recycling its workers keeps a few
    files, not one per worker it ever ran (past 1,000 of them, a scrape would drop some)."""
    folder = tmp_path / "metrics"
    seen: list[float] = []
    one = worker(make_settings, folder)
    async with client_for(one) as first:
        for restart in range(3):  # the second worker: started, used, shut down; and again
            again = worker(make_settings, folder)
            async with client_for(again) as second:
                for _ in range(2):
                    await second.get("/", headers=BROWSER)
                    await first.get("/", headers=BROWSER)
                made = 4 * (restart + 1)
                for client in (first, second, first):
                    seen.append(personalised(await until(client, at_least(made))))
            seen.append(personalised(await scrape(first)))  # the second one has exited
    assert seen == sorted(seen), seen
    assert seen[-1] == 12
    assert [f.name for f in folder.glob("*.json")] == ["retired.json"]  # the first one too


async def test_a_worker_started_again_counts_what_it_retired_once(
    make_settings: Make, tmp_path: Path
) -> None:
    """The same middleware shut down (its counts retired) and started again in one process:
    its own file then holds only what it counted since."""
    mw = worker(make_settings, tmp_path / "metrics")
    async with client_for(mw) as client:
        await client.get("/", headers=BROWSER)
    async with client_for(mw) as client:
        await client.get("/", headers=BROWSER)
        first = personalised(await until(client, at_least(2)))
        await client.get("/", headers=BROWSER)
        second = personalised(await until(client, at_least(3)))
    assert (first, second) == (2, 3)


async def test_foreign_broken_and_huge_files_are_skipped(
    make_settings: Make, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    folder = tmp_path / "metrics"
    folder.mkdir()
    good = {"format": "omotenashi-metrics/1", "pid": 1, "live": False, "counts": {"requests": 7}}
    good |= {"shown": {}, "timings": {}, "breaker": 0, "gauges": {}}
    files = {
        "notes.txt": b"a file of someone else's",
        "1-aa.json": json.dumps(good).encode(),  # an exited worker's: counted
        "2-bb.json": json.dumps(good).encode()[:40],  # cut short
        "3-cc.json": b"\xff\xfe not json",
        "4-dd.json": json.dumps({**good, "counts": {"requests": -3}}).encode(),
        "5-ee.json": json.dumps({**good, "format": "something-else/1"}).encode(),
        "6-ff.json": json.dumps({**good, "timings": {"decide": [1, 2]}}).encode(),
        "7-aa.json": json.dumps({**good, "gauges": {"x": ["y", "NaN"]}}).encode(),
        "8-bb.json": b" " * HUGE,
    }
    for name, data in files.items():
        (folder / name).write_bytes(data)
    (folder / "9-cc.json").mkdir()  # a folder, not a file
    mw = worker(make_settings, folder)
    with caplog.at_level(logging.WARNING, logger="omotenashi"):
        async with client_for(mw) as client:
            await client.get("/", headers=BROWSER)
            texts = [await scrape(client) for _ in range(3)]
    assert [sample(text, "omotenashi_requests_total") for text in texts] == [8, 8, 8]
    warned = [r.getMessage() for r in caplog.records if "metrics dir" in r.getMessage()]
    skipped = set(files) - {"1-aa.json"} | {"9-cc.json"}
    assert len(warned) == len(skipped), warned  # one each, not one per scrape
    assert all(any(f"/{name}'" in line for line in warned) for name in skipped), warned


async def test_without_the_setting_each_process_counts_its_own(make_settings: Make) -> None:
    one = Omotenashi(page_app(PAGE), settings=make_settings(RULES, metrics=True))
    two = Omotenashi(page_app(PAGE), settings=make_settings(RULES, metrics=True))
    assert one.settings.metrics_dir is None and one.metrics.shared is None
    async with client_for(one) as first, client_for(two) as second:
        await first.get("/", headers=BROWSER)
        await second.get("/", headers=BROWSER)
        assert personalised(await scrape(first)) == 1


def written(folder: Path) -> int:
    """Pages personalised, as the workers' files in ``folder`` say."""
    files = [json.loads(path.read_bytes()) for path in folder.glob("*.json")]
    return sum(doc["counts"].get("personalised", 0) for doc in files)


async def origin_page(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] == "http":
        start = {"type": "http.response.start", "status": 200}
        await send({**start, "headers": [(b"content-type", b"text/html; charset=utf-8")]})
        await send({"type": "http.response.body", "body": PAGE.encode()})


async def test_the_proxy_gives_its_workers_one_metrics_dir(
    omotenashi_redis_url: str, tmp_path: Path
) -> None:
    """``--workers 2`` with metrics on: whichever worker a scrape reaches, the personalised
    count is every request's, and never goes down; the folder goes when the proxy does."""
    rules, temp = tmp_path / "rules", tmp_path / "temp"
    rules.mkdir()
    temp.mkdir()
    (rules / "site.yaml").write_text(RULES)
    env = {**os.environ, "OMOTENASHI_REDIS_URL": omotenashi_redis_url, "TMPDIR": str(temp)}
    env |= {"OMOTENASHI_SECRET_KEYS": "k" * 32, "OMOTENASHI_METRICS": "true"}
    env |= {"OMOTENASHI_RULES_DIR": str(rules), "OMOTENASHI_RESPECT_FRESH_SHARE": "0"}
    env.pop("OMOTENASHI_METRICS_DIR", None)
    port = free_port()
    async with serving(origin_page) as origin:
        process = await proxy(origin, port, env, "--workers", "2")
        try:
            url = f"http://127.0.0.1:{port}"
            fresh = httpx.Limits(max_keepalive_connections=0)  # a new connection each time
            async with httpx.AsyncClient(base_url=url, limits=fresh, headers=BROWSER) as client:
                await until_up(client, url + METRICS)
                [shared] = temp.glob("omotenashi-metrics-*")
                made = 0
                for _ in range(25):  # until both workers have served (one may start late,
                    # or take every connection on a busy machine: CI)
                    pages = await asyncio.gather(*(client.get("/") for _ in range(40)))
                    assert all(p.status_code == 200 and "Hello" in p.text for p in pages)
                    made += len(pages)
                    for _ in range(300):  # until the workers' files hold every request
                        if written(shared) == made:
                            break
                        await asyncio.sleep(0.05)
                    if len(list(shared.glob("*.json"))) == 2:
                        break
                assert len(list(shared.glob("*.json"))) == 2  # one file per worker
                counts = [personalised(await scrape(client)) for _ in range(20)]
        finally:
            if process.returncode is None:
                process.terminate()
            await process.wait()
    assert counts == [made] * len(counts)
    assert not list(temp.glob("omotenashi-metrics-*"))  # removed as the proxy stopped


async def test_retired_counts_are_read_afresh_when_time_and_size_say_the_same(
    tmp_path: Path,
) -> None:
    """A file system with coarse times (1 s: ext3, some NFS): retired.json rewritten in the
    same second with the same size is still read again, by scrapes and by the next retirement
    (a stale read lowered the counter, and a retirement on it lost the other's counts)."""

    def worker_with(requests: int) -> tuple[Metrics, SharedDir]:
        metrics = Metrics()
        metrics.inc("requests", requests)
        return metrics, SharedDir(tmp_path, metrics)

    (_, d1), (m2, d2), (_, d3) = worker_with(5), worker_with(0), worker_with(1)
    for shared in (d1, d2, d3):
        shared.start()
    d1.stop()  # retired: 5
    retired = tmp_path / RETIRED
    stamp = retired.stat().st_mtime_ns
    assert d2.total(m2.tally).counts["requests"] == 6  # 5 retired, 1 of the third's file
    d3.stop()  # retired: 6, the same size, given the same time
    os.utime(retired, ns=(stamp, stamp))
    seen = d2.total(m2.tally).counts["requests"]
    d2.stop()
    fresh = SharedDir(tmp_path, Metrics())  # a reader that never read it before
    assert (seen, fresh.total(Metrics().tally).counts["requests"]) == (6, 6)


async def test_a_scrape_reads_the_folder_off_the_event_loop(
    make_settings: Make, tmp_path: Path
) -> None:
    """The folder's lock held (as a worker folding its file into retired.json holds it): the
    scrape waits for it in a worker thread while the loop serves a page; on the loop, nothing
    would be served until the lock went (a timer lets it go, so the old way ends too)."""
    folder = tmp_path / "metrics"
    one = worker(make_settings, folder)
    async with client_for(one) as client:
        await client.get("/", headers=BROWSER)
        with open(folder / LOCK, "a+b") as held:
            fcntl.flock(held, fcntl.LOCK_EX)
            timer = threading.Timer(30, fcntl.flock, (held, fcntl.LOCK_UN))
            timer.start()
            scraping = asyncio.ensure_future(scrape(client))
            await asyncio.sleep(0)
            page = await client.get("/", headers=BROWSER)
            served_first = not scraping.done()
            fcntl.flock(held, fcntl.LOCK_UN)
            timer.cancel()
        text = await scraping
    assert page.status_code == 200 and served_first
    assert personalised(text) >= 1


async def test_the_writes_of_each_second_are_made_off_the_event_loop(
    make_settings: Make, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    written_by: list[tuple[int, float]] = []  # (thread, requests counted) of each file made

    def spied(tally: Tally, *args: Any) -> bytes:
        written_by.append((threading.get_ident(), tally.counts["requests"]))
        return dump(tally, *args)

    monkeypatch.setattr(metricsdir, "dump", spied)
    one = worker(make_settings, tmp_path / "metrics")
    async with client_for(one) as client:
        await client.get("/", headers=BROWSER)  # written within about a second
        for _ in range(300):
            if any(n for _, n in written_by):
                break
            await asyncio.sleep(0.05)
    loop_thread = threading.get_ident()
    assert [thread != loop_thread for thread, n in written_by if n][:1] == [True]


async def test_a_write_copied_before_the_worker_stops_is_not_made_after(tmp_path: Path) -> None:
    """Its file would come back after its counts went into retired.json: counted twice."""
    metrics = Metrics()
    metrics.inc("requests", 2)
    shared = SharedDir(tmp_path, metrics)
    shared.start()
    copied = shared._copy(live=True)  # as the write of each second copies, before its thread
    assert copied is not None
    shared.stop()
    await asyncio.to_thread(shared._put, *copied)
    assert [p.name for p in tmp_path.glob("*.json")] == [RETIRED]
    assert SharedDir(tmp_path, Metrics()).total(Tally()).counts["requests"] == 2


@pytest.mark.skipif(
    not Path("/proc/self/stat").exists(),
    reason="a zombie worker is told by /proc/<pid>/stat, which only Linux has; elsewhere its "
    "gauges go once its file is 10 s old, as before (the README says so)",
)
async def test_a_killed_worker_not_yet_reaped_counts_but_its_breaker_does_not(
    make_settings: Make, tmp_path: Path
) -> None:
    """A worker killed a moment ago whose manager has not reaped it (a zombie: its pid is
    there) wrote 'live' and an open breaker: its counts stay, its gauges go (workers58)."""
    folder = tmp_path / "metrics"
    folder.mkdir()
    child = os.fork()
    if child == 0:  # ends at once; not waited for until the end: a zombie meanwhile
        os._exit(0)
    try:
        while Path(f"/proc/{child}/stat").read_bytes().split(b") ", 1)[1][:1] != b"Z":
            await asyncio.sleep(0.01)
        tally = Tally()
        tally.counts["requests"] = 5
        tally.breaker = 2  # open
        (folder / f"{child}-aa.json").write_bytes(dump(tally, child, True, {}))
        async with client_for(worker(make_settings, folder)) as client:
            text = await scrape(client)
    finally:
        os.waitpid(child, 0)
    assert sample(text, "omotenashi_requests_total") == 5  # (a scrape is not counted)
    assert sample(text, "omotenashi_breaker_state") == 0


def test_a_metrics_dir_that_is_a_file_stops_the_app_at_start(
    make_settings: Make, tmp_path: Path
) -> None:
    """ops65: a file as OMOTENASHI_METRICS_DIR was only a warning, and every worker counted
    on its own while the scrapes were said to sum them."""
    (tmp_path / "metrics").write_text("not a folder")
    for folder in (tmp_path / "metrics", tmp_path / "metrics" / "sub"):  # (under it: review66)
        settings = make_settings(RULES, metrics=True, metrics_dir=folder)
        with pytest.raises(ConfigError, match=r"^OMOTENASHI_METRICS_DIR: it is, or is under, a"):
            Omotenashi(page_app("<p>ok</p>"), settings=settings)
