"""Redis slow, down, full or flapping under a burst of distinct visitors: every page is the
app's or this visitor's own, and after recovery every connection answers its own replies."""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import signal
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Route

from omotenashi import Omotenashi, Settings, track
from omotenashi.errors import StoreError
from omotenashi.ids import new_vid
from omotenashi.metrics import Metrics
from omotenashi.store.embedded import EmbeddedRedis
from omotenashi.store.store import Store

from .conftest import client_for

pytestmark = pytest.mark.anyio
Make = Callable[..., Settings]
VISITORS = 80
PAGE = (
    "<!doctype html><html><head><title>t</title></head><body>"
    '<section data-omo-slot="mine">default</section></body></html>'
)
RULES = """
rules:
  - id: mine
    slot: mine
    snippet: mine.html
    recommend: {items: 1, strategies: {recently_viewed: 1}}
    why: "You viewed it."
"""
SNIPPETS = {"mine.html": "{% for i in items %}<b>{{ i.title }}</b>{% endfor %}"}


def title(n: int) -> str:
    return f"Secret{n:04d}x"


def shop() -> Starlette:
    async def tour(request: Request) -> HTMLResponse:
        await track(request, "view_item", {"item": request.path_params["slug"]})
        return HTMLResponse(PAGE)

    async def home(request: Request) -> HTMLResponse:
        return HTMLResponse(PAGE)

    return Starlette(routes=[Route("/tours/{slug}", tour), Route("/", home)])


def site(make_settings: Make, url: str, **redis_cfg: Any) -> Omotenashi:
    """Tours t0..t79, one a visitor; the home page shows the visitor's own viewed tour (an
    empty profile, as after a restart, gets the catalog's first item: Filler, no one's)."""
    items = "  - {id: filler, url: /f, title: Filler, tags: [x]}\n" + "\n".join(
        f"  - {{id: t{n}, url: /tours/t{n}, title: {title(n)}, tags: [x]}}" for n in range(VISITORS)
    )
    cfg = {"url": url, "read_timeout": 0.3, "write_timeout": 0.3, "connect_timeout": 0.3}
    settings = make_settings(RULES, SNIPPETS, redis={**cfg, **redis_cfg}, respect={"budget": 6})
    (Path(settings.rules.dir) / "catalog.yaml").write_text("items:\n" + items + "\n")
    return Omotenashi(shop(), settings=settings)


def check(n: int, page: httpx.Response, seen: dict[str, int]) -> None:
    assert page.status_code == 200, (n, page.status_code, page.text[:300])
    others = [t for t in range(VISITORS) if t != n and title(t) in page.text]
    assert not others, f"visitor {n} saw {others!r}"
    kind = "mine" if title(n) in page.text else "default"
    if kind == "default":
        assert ">default</section>" in page.text or "Filler" in page.text, page.text
    seen[kind] = seen.get(kind, 0) + 1


async def disrupt(kind: str, server: EmbeddedRedis, admin: redis.Redis) -> None:
    """One disruption of the server, in the background of a burst; returns once it is over."""
    proc = server._proc
    assert proc is not None
    if kind == "pause":
        admin.execute_command("CLIENT", "PAUSE", "1200", "ALL")
        await asyncio.sleep(1.4)
    elif kind == "sleep":  # the server busy in one command
        await asyncio.to_thread(admin.execute_command, "DEBUG", "SLEEP", "1.2")
    elif kind == "sigstop":
        os.kill(proc.pid, signal.SIGSTOP)
        await asyncio.sleep(1.2)
        os.kill(proc.pid, signal.SIGCONT)
    elif kind in ("restart", "sigkill"):  # back on the same port, every profile lost
        if kind == "sigkill":
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
        server.stop()
        await asyncio.sleep(0.8)
        server.start()
    elif kind == "flap":  # stopped, answering, connections killed, again
        for _ in range(4):
            os.kill(proc.pid, signal.SIGSTOP)
            await asyncio.sleep(0.25)
            os.kill(proc.pid, signal.SIGCONT)
            await asyncio.sleep(0.1)
            admin.execute_command("CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes")
            await asyncio.sleep(0.1)
    else:  # full: every write refused (OOM), reads answered
        admin.config_set("maxmemory-policy", "noeviction")
        admin.config_set("maxmemory", "1")
        await asyncio.sleep(1.0)
        admin.config_set("maxmemory", "0")


def visitors(mw: Omotenashi) -> list[httpx.AsyncClient]:
    """One client (one cookie jar) per visitor."""
    return [
        httpx.AsyncClient(transport=httpx.ASGITransport(app=mw), base_url="http://shop.test")
        for _ in range(VISITORS)
    ]


async def view_own(clients: list[httpx.AsyncClient]) -> None:
    """Each visitor views their own item."""
    for n, c in enumerate(clients):
        assert (await c.get(f"/tours/t{n}")).status_code == 200


async def burst(clients: list[httpx.AsyncClient], seen: dict[str, int]) -> None:
    """Every visitor at once asks for the home page."""
    pages = await asyncio.gather(*(c.get("/") for c in clients))
    for n, page in enumerate(pages):
        check(n, page, seen)


@pytest.mark.parametrize("path", ["auto-pipelined", "redis-py"])
@pytest.mark.parametrize(
    "kind", ["pause", "sleep", "sigstop", "restart", "sigkill", "flap", "full"]
)
async def test_a_burst_through_an_outage_serves_only_each_visitors_own_page(
    make_settings: Make, embedded_redis_factory: Any, kind: str, path: str
) -> None:
    server = embedded_redis_factory(extra_args=["--enable-debug-command", "yes"])
    url = server.url + ("?protocol=2" if path == "redis-py" else "")  # (a query: redis-py's)
    mw = site(make_settings, url)
    admin = redis.Redis.from_url(server.url, protocol=2)
    seen: dict[str, int] = {}
    async with client_for(mw):
        clients = visitors(mw)
        try:
            await view_own(clients)
            await mw.drain()

            async def rounds() -> None:
                for _ in range(6):
                    await burst(clients, seen)

            await asyncio.gather(rounds(), disrupt(kind, server, admin))
            await asyncio.sleep(1.5)  # past the breaker's reset
            # (the outage's cancelled reads are behind us: checked with time to answer, as a
            # loaded machine needs: flake68 saw a round of 0.3 s reads time out there)
            mw.store.cfg = mw.store.cfg.model_copy(update={"read_timeout": 2.0})
            await view_own(clients)  # (a restarted server lost every profile)
            await mw.drain()
            whole = 0
            for _ in range(10):  # counted, never timed: a round where every page is theirs
                after: dict[str, int] = {}
                await burst(clients, after)
                if after == {"mine": VISITORS}:
                    whole += 1
                    break
                # (a round that timed out on a loaded machine opened the breaker: the next
                # ones within its reset would all be the default pages; the site's own; and a
                # view recorded while it was open is lost, as documented: viewed again)
                await asyncio.sleep(mw.settings.redis.breaker_reset)
                await view_own(clients)
                await mw.drain()
            # No connection a reply behind: each visitor's own read, all at once, is theirs.
            ids = [mw.signer.identify(f"omo_vid={c.cookies['omo_vid']}").vid for c in clients]
            wrong, answered = [], 0
            for _ in range(10):  # counted: a round where every read is answered
                read = await asyncio.gather(
                    *(mw.store.load(i) for i in ids), return_exceptions=True
                )
                got = [(n, p) for n, p in enumerate(read) if not isinstance(p, BaseException)]
                wrong += [n for n, p in got if set(p.viewed) != {f"t{n}"}]
                if len(got) == VISITORS:
                    answered += 1
                    break
                await asyncio.sleep(mw.settings.redis.breaker_reset)  # (one timed out)
        finally:
            admin.close()
            for c in clients:
                await c.aclose()
    assert sum(seen.values()) == 6 * VISITORS
    assert whole == 1, after
    assert answered == 1 and wrong == []


@pytest.mark.parametrize("path", ["auto-pipelined", "redis-py"])
@pytest.mark.parametrize("how", [signal.SIGSTOP, signal.SIGKILL])
async def test_shutdown_with_redis_gone_returns_and_every_page_is_whole(
    make_settings: Make, embedded_redis_factory: Any, how: signal.Signals, path: str
) -> None:
    server = embedded_redis_factory()
    mw = site(make_settings, server.url + ("?protocol=2" if path == "redis-py" else ""))
    await mw.startup()
    clients = visitors(mw)
    seen: dict[str, int] = {}
    try:
        await view_own(clients)
        assert server._proc is not None
        os.kill(server._proc.pid, how)
        await burst(clients, seen)
        pages = await asyncio.gather(*(c.get(f"/tours/t{n}") for n, c in enumerate(clients)))
        assert [p.status_code for p in pages] == [200] * VISITORS
    finally:
        await mw.shutdown()  # returns (bounded by the write timeout), the server still gone
        for c in clients:
            await c.aclose()
        if how == signal.SIGSTOP and server._proc is not None:
            os.kill(server._proc.pid, signal.SIGCONT)
    assert sum(seen.values()) == VISITORS
    assert mw.metrics["degraded"] > 0


@pytest.mark.parametrize("path", ["auto-pipelined", "redis-py"])
@pytest.mark.parametrize("pause", [False, True])
async def test_visitors_who_leave_mid_read_never_shift_anyone_elses_reply(
    make_settings: Make, embedded_redis_factory: Any, path: str, pause: bool
) -> None:
    """Half the visitors give up at once (their reads cancelled in flight, CVE-2023-28859),
    with the server answering or paused for a moment; the others' pages are their own."""
    server = embedded_redis_factory()
    url = server.url + ("?protocol=2" if path == "redis-py" else "")
    mw = site(make_settings, url, read_timeout=2.0, write_timeout=2.0)
    admin = redis.Redis.from_url(server.url, protocol=2)
    seen: dict[str, int] = {}
    gone = 0

    async def leave(c: httpx.AsyncClient, after: int) -> None:
        nonlocal gone
        task = asyncio.ensure_future(c.get("/"))
        for _ in range(after):  # a few turns of the loop: the read is on the wire
            await asyncio.sleep(0)
        gone += task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    async def stay(n: int, c: httpx.AsyncClient) -> None:
        check(n, await c.get("/"), seen)

    async with client_for(mw):
        clients = visitors(mw)
        try:
            await view_own(clients)
            await mw.drain()
            for turn in range(6):
                if pause:
                    admin.execute_command("CLIENT", "PAUSE", "30", "ALL")
                await asyncio.gather(
                    *(
                        leave(c, (n + turn) % 7) if (n + turn) % 2 else stay(n, c)
                        for n, c in enumerate(clients)
                    )
                )
            for _ in range(2):
                await burst(clients, seen)
        finally:
            admin.close()
            for c in clients:
                await c.aclose()
    assert gone > 0
    assert seen == {"mine": 6 * VISITORS // 2 + 2 * VISITORS}


@pytest.mark.parametrize("path", ["auto-pipelined", "redis-py"])
@pytest.mark.parametrize("read", ["load", "load_visit", "rate_limit"])
async def test_reads_cancelled_in_flight_leave_every_connection_in_step(
    omotenashi_redis_url: str, omotenashi_redis: redis.Redis, path: str, read: str
) -> None:
    """Hundreds of distinct visitors' reads given up at random moments (some while the server
    is paused), then every visitor's read, all at once, answers that visitor's own profile."""
    url = omotenashi_redis_url + ("?protocol=2" if path == "redis-py" else "")
    # (5 s: the last 200 reads at once through 8 connections took over 2 s on a CI machine
    # that another test run shared; what is asserted is whose reply each read gets)
    cfg = {"url": url, "read_timeout": 5.0, "write_timeout": 5.0, "max_connections": 8}
    store = Store(Settings(redis={**cfg, "breaker_failures": 10**6}).redis, Metrics())
    store.connect(url)
    ids = [new_vid() for _ in range(200)]
    for n, vid in enumerate(ids):
        omotenashi_redis.hset(f"omo:{{{vid}}}:p2", "V", n + 1)
    rng = random.Random(40)
    calls = {
        "load": lambda vid: store.load(vid),
        "load_visit": lambda vid: store.load_visit(vid, "some-item"),  # (a pipeline)
        "rate_limit": lambda vid: store.hit_rate_limit(vid, 10**6),  # (MULTI/EXEC)
    }
    gave_up, wrong = 0, []

    def views(n: int, reply: Any) -> int:
        profile = reply if read == "load" else reply[0] if read == "load_visit" else None
        return n + 1 if profile is None and reply is False else getattr(profile, "views", -1)

    async def impatient(n: int, vid: str) -> None:
        nonlocal gave_up
        with contextlib.suppress(TimeoutError, StoreError):
            reply = await asyncio.wait_for(calls[read](vid), rng.random() / 100)
            wrong.extend([n] if views(n, reply) != n + 1 else [])
            return
        gave_up += 1

    try:
        for turn in range(12):
            if turn % 4 == 1:
                omotenashi_redis.execute_command("CLIENT", "PAUSE", "60", "ALL")
            await asyncio.gather(*(impatient(n, vid) for n, vid in enumerate(ids)))
        replies = [await asyncio.gather(*(calls[read](vid) for vid in ids)) for _ in range(2)]
        loaded = await asyncio.gather(*(store.load(vid) for vid in ids))
    finally:
        await store.aclose()
    assert gave_up > 0 and wrong == []
    assert [n for r in replies for n, reply in enumerate(r) if views(n, reply) != n + 1] == []
    assert [n for n, profile in enumerate(loaded) if profile.views != n + 1] == []
