"""In-process measurements (ASGI calls, no sockets to the app; Redis is a real server).

What each function returns is a dict of figures for ``bench/goals.py`` to print:
the share of responses personalised, CPU per personalised request (this process only, so
Redis's own work is excluded), Redis commands per request, the cost of hostile headers,
Redis memory per profile, and the process's memory over many requests and visitors.
"""

from __future__ import annotations

import asyncio
import functools
import gc
import os
import statistics
import time
from pathlib import Path
from typing import Any

import psutil
import redis
from bench.landing import JOURNEYS, call
from bench.serve import from_profile, make_app, personalised

ROOT = Path(__file__).resolve().parent.parent


@functools.cache
def from_profile_ids() -> frozenset[bytes]:
    return from_profile()


async def visitors(app: Any, count: int) -> list[bytes]:
    """Returning visitors with real profiles, a mix of journeys (:data:`JOURNEYS` in turn)."""
    cookies = []
    for index in range(count):
        first, *rest = JOURNEYS[index % len(JOURNEYS)]
        _, headers, _ = await call(app, f"/tours/{first}", None)
        if b"set-cookie" not in headers:  # (bench69: a KeyError said nothing)
            raise RuntimeError("the personalised app set no visitor cookie: is Redis up?")
        cookie = headers[b"set-cookie"].split(b";")[0]
        for tour in rest:
            await call(app, f"/tours/{tour}", cookie)
        cookies.append(cookie)
    return cookies


async def _run(app: Any, cookies: list[bytes], n: int, path: str = "/") -> tuple[float, int]:
    """CPU seconds per request of this process over ``n`` requests; responses personalised."""
    shown, ids = 0, from_profile_ids()
    gc.collect()
    start = time.process_time()
    for index in range(n):
        _, _, body = await call(app, path, cookies[index % len(cookies)])
        shown += personalised(body, ids)
    return (time.process_time() - start) / n, shown


async def cpu_and_share(url: str, requests: int, rounds: int, full: bool = False) -> dict[str, Any]:
    """CPU per personalised request (with − bare, medians of rounds) and the share shown.
    ``full``: profiles written in the full forms (``OMOTENASHI_REDIS_COMPACT`` off, as releases
    before 86f3d79 write them), the same visitors under their own keys (a key prefix as long
    as the default's)."""
    os.environ["OMOTENASHI_REDIS_URL"] = url
    if not full:
        return await _cpu_and_share(url, requests, rounds)
    names = {"OMOTENASHI_REDIS_COMPACT": "0", "OMOTENASHI_REDIS_KEY_PREFIX": "omf"}
    was = {name: os.environ.get(name) for name in names}
    os.environ.update(names)
    try:
        return await _cpu_and_share(url, requests, rounds)
    finally:
        for name, value in was.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _script_us(server: redis.Redis) -> float:
    """Microseconds the server has spent running scripts (INFO commandstats: EVAL, EVALSHA and
    their read-only forms), since it started or its stats were reset."""
    stats = server.info("commandstats")
    names = ("eval", "evalsha", "eval_ro", "evalsha_ro")
    return float(sum(stats.get(f"cmdstat_{name}", {}).get("usec", 0) for name in names))


async def _cpu_and_share(url: str, requests: int, rounds: int) -> dict[str, Any]:
    bare, app = make_app(bare=True), make_app(bare=False)
    await app.startup()
    try:
        cookies = await visitors(app, 50)
        await _run(app, cookies, 200)
        await _run(bare, cookies, 200)
        server = redis.Redis.from_url(url)
        fast = app.store.fast
        assert fast is not None, "the bench needs a plain redis:// server (the fast path)"
        before = fast.load_script.calls, fast.record_script.calls, fast.sent
        script_us = _script_us(server)
        with_, without, shown = [], [], 0
        for _ in range(rounds):
            cpu, count = await _run(app, cookies, requests)
            with_.append(cpu)
            shown += count
            without.append((await _run(bare, cookies, requests))[0])
        total = requests * rounds
        await fast.drain()  # every page view's record written: its script time counted
        server_us = (_script_us(server) - script_us) / total
        reads = (fast.load_script.calls - before[0]) / total
        writes = (fast.record_script.calls - before[1]) / total
        commands = (fast.sent - before[2]) / total
        redis_us = await _redis_client_cpu(app, cookies, requests) * 1e6
        batches, written = fast.writer.batches, fast.writer.written
        for _ in range(10):  # 50 visitors at once: how many page views share one write
            await asyncio.gather(*(call(app, "/", cookie) for cookie in cookies))
        per_write = (fast.writer.written - written) / max(fast.writer.batches - batches, 1)
        await app.store.aclose()  # every queued write sent
        memory = profile_memory(server, app.settings.redis.key_prefix)
        server.close()
    finally:
        await app.shutdown()
    cpu_with, cpu_bare = statistics.median(with_), statistics.median(without)
    return {
        "requests": requests * rounds,
        "share": shown / (requests * rounds),
        "shown": shown,
        "cpu_with_us": cpu_with * 1e6,
        "cpu_bare_us": cpu_bare * 1e6,
        "cpu_added_us": (cpu_with - cpu_bare) * 1e6,
        "cpu_redis_us": redis_us,  # of which: the Redis client's work (see _redis_client_cpu)
        "commands_per_request": commands,
        "server_us": server_us,  # the server's time in Omotenashi's scripts, per request
        "reads_per_request": reads,
        "writes_per_request": writes,
        "records_per_write": per_write,
        "profile_bytes": memory,
    }


async def _redis_client_cpu(app: Any, cookies: list[bytes], n: int) -> float:
    """CPU seconds per request of the Redis client alone: the same profile read and page-view
    write a request makes (the write queued, flushed with the next read, as requests do),
    through the same connection, without the page or the engine. What goal 4 leaves out."""
    fast = app.store.fast
    written: list[tuple[list[str], str]] = []
    original = fast.add_nowait

    def keep(keys: list[str], arg: str, stats: Any, then: Any) -> Any:
        written.append((keys, arg))
        return original(keys, arg, stats, then)

    fast.add_nowait = keep  # one real request per visitor: what their page views write
    try:
        for cookie in cookies:
            await call(app, "/", cookie)
    finally:
        del fast.add_nowait
    await app.drain()
    pairs = written[-len(cookies) :]
    assert len(pairs) == len(cookies)
    gc.collect()
    start = time.process_time()
    for index in range(n):
        keys, arg = pairs[index % len(pairs)]
        await fast.finish_load(fast.begin_load(keys), keys)
        fast.add_nowait(keys, arg, None, _unread)
    elapsed = time.process_time() - start
    await app.drain()
    return elapsed / n


def _unread(reply: Any) -> None:
    """The bench's own page views: nobody waits for their replies."""


def profile_memory(server: redis.Redis, prefix: str) -> float:
    """Median MEMORY USAGE (all keys) of the bench's visitor profiles."""
    per_visitor: dict[str, int] = {}
    for key in server.scan_iter(f"{prefix}:{{*}}:*", count=1000):
        name = key.decode()
        vid = name.split("{", 1)[1].split("}", 1)[0]
        per_visitor[vid] = per_visitor.get(vid, 0) + int(server.memory_usage(name) or 0)
    return statistics.median(per_visitor.values()) if per_visitor else 0.0


async def hostile_headers(
    url: str, requests: int, sizes: tuple[int, ...] = (8192,), rounds: int = 3
) -> dict[int, dict[str, float]]:
    """Omotenashi's own CPU per request (the personalised app's less the bare app's, both sent
    the same headers) with a new value of each size every time for each request header
    Omotenashi reads (User-Agent, Referer, Accept-Language, a cookie beside its own) and the
    query string, ÷ its own CPU with ordinary ones. The sizes and the two apps take turns
    request by request (a shared machine's speed drifts over seconds: each figure sees the
    same drift), each app first on every other request; medians of rounds."""
    os.environ["OMOTENASHI_REDIS_URL"] = url
    app, bare = make_app(bare=False), make_app(bare=True)
    await app.startup()
    runs: dict[tuple[str, int], list[float]] = {}
    try:
        cookies = await visitors(app, 10)
        await _headers_run({"omo": app, "bare": bare}, cookies, requests // 4, sizes)  # warm
        for round_ in range(rounds):  # (each round's values new too: bench69, the rounds after
            # the first met the User-Agents the first had parsed, in the cache)
            apps = {"omo": app, "bare": bare}
            spent = await _headers_run(apps, cookies, requests, sizes, (round_ + 1) * requests)
            for key, seconds in spent.items():
                runs.setdefault(key, []).append(seconds * 1e6)
    finally:
        await app.shutdown()
    mid = {key: statistics.median(values) for key, values in runs.items()}
    ours = {size: mid[("omo", size)] - mid[("bare", size)] for size in (0, *sizes)}
    return {
        size: {"ours_us": ours[size], "plain_us": ours[0], "ratio": ours[size] / ours[0]}
        for size in sizes
    }


async def _headers_run(
    apps: dict[str, Any], cookies: list[bytes], n: int, sizes: tuple[int, ...], first: int = 0
) -> dict[tuple[str, int], float]:
    """CPU seconds per request of each app with each size (0: ordinary headers), the sizes
    and the apps in turn, request by request; the values numbered from ``first``."""
    from bench import landing

    original = landing.UA
    spent = {(name, size): 0.0 for name in apps for size in (0, *sizes)}
    try:
        for index in range(n):
            for size in (0, *sizes):
                cookie = cookies[index % len(cookies)]
                if size:  # new values of that size every time: nothing to find in a cache
                    cookie = _hostile(first + index, size, cookie)
                order = list(apps.items())
                if index % 2:  # each app first half the time: the first after the values'
                    order.reverse()  # making meets the caches they swept (session 60)
                for name, target in order:
                    start = time.process_time()  # the request alone: not its headers' making
                    await call(target, "/", cookie)
                    spent[name, size] += time.process_time() - start
                landing.UA, landing.EXTRA, landing.QUERY = original, [], b""
    finally:
        landing.UA, landing.EXTRA, landing.QUERY = original, [], b""
    return {key: seconds / n for key, seconds in spent.items()}


def _hostile(index: int, size: int, cookie: bytes) -> bytes:
    """Sets the next request's User-Agent, Referer, Accept-Language and query to new values
    of ``size`` bytes; the cookie with one of that size beside ours."""
    from bench import landing

    # each size its own start (bench52: a User-Agent is parsed by its first 256 characters, so
    # the 64 KB request found the 8 KB one's parse, the same index's, in the cache)
    # (made at its size: a value made as ``pattern * size`` and cut, ~10 times the size in
    # all, swept the CPU's caches before each timed request, most for the app whose code and
    # data are the larger: Omotenashi's; session 59)
    start = f"{size}-{index}-".encode()
    big = (start * (size // len(start) + 1))[:size]
    landing.UA = b"Mozilla/5.0 (" + big
    languages = b",".join([b"en-GB;q=0.9", b"x-" + big[:8]] * (size // 20))
    landing.EXTRA = [
        (b"referer", b"https://elsewhere.example/" + big),
        (b"accept-language", languages),
    ]
    half = size // 2
    landing.QUERY = b"utm_source=" + big[:half] + b"&q=" + big[:half]
    return cookie + b"; theirs=" + big


async def memory_stability(
    url: str, requests: int, distinct: int, *, every: int = 0
) -> dict[str, Any]:
    """Process RSS after the first tenth of ``requests`` and at the end (distinct visitors);
    with ``every``, also the RSS after every that many requests (``trace``)."""
    os.environ["OMOTENASHI_REDIS_URL"] = url
    app = make_app(bare=False)
    await app.startup()
    process = psutil.Process()
    trace: list[tuple[int, float]] = []
    try:
        cookies = await visitors(app, distinct)
        warm = requests // 10
        for index in range(warm):
            await call(app, "/", cookies[index % distinct])
        gc.collect()
        early = process.memory_info().rss
        for index in range(warm, requests):
            await call(app, "/", cookies[index % distinct])
            if every and (index + 1) % every == 0:
                trace.append((index + 1, process.memory_info().rss / 2**20))
                print(f"{index + 1} requests: RSS {trace[-1][1]:.0f} MB", flush=True)
        gc.collect()
        late = process.memory_info().rss
    finally:
        await app.shutdown()
    return {
        "rss_early_mb": early / 2**20,
        "rss_late_mb": late / 2**20,
        "growth": late / early,
        "per_request": (late - early) / max(requests - warm, 1),  # bytes a request kept
        "trace": trace,
    }


def main() -> None:
    """Goal 8's memory row at full scale (1M requests from 100k visitors take 25-40 minutes):

    python -m bench.inprocess --requests 1000000 --visitors 100000
    """
    import argparse

    from omotenashi import EmbeddedRedis

    parser = argparse.ArgumentParser(description="Process memory over many requests.")
    parser.add_argument("--requests", type=int, default=1_000_000)
    parser.add_argument("--visitors", type=int, default=100_000)
    parser.add_argument("--every", type=int, default=100_000)
    args = parser.parse_args()
    url = os.environ.get("OMOTENASHI_REDIS_URL")
    server = None if url else EmbeddedRedis().start()
    try:
        out = asyncio.run(
            memory_stability(url or server.url, args.requests, args.visitors, every=args.every)  # type: ignore[union-attr]
        )
    finally:
        if server is not None:
            server.close()
    print(
        f"| 8. process memory over {args.requests:,} requests, {args.visitors:,} visitors | "
        f"{out['rss_early_mb']:.0f} -> {out['rss_late_mb']:.0f} MB ({out['growth']:.2f}x) |"
    )


if __name__ == "__main__":
    main()
