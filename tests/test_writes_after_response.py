"""Requests do not wait for Redis to acknowledge their page view: the write is queued, batched,
flushed ahead of the next read, drained by ``drain()`` and by shutdown."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
import redis

from omotenashi import Omotenashi, identify, track
from omotenashi.identity.cookie import user_profile_id

from .conftest import page_app
from .test_middleware import PAGE, RULES, SNIPPETS, Make

pytestmark = pytest.mark.anyio


JOURNEY = """
topics:
  - {path: "/tours/*", item: true}
"""
CATALOG = """
items:
  - {id: kyoto-autumn, url: /tours/kyoto-autumn, title: Kyoto in autumn, tags: [kyoto]}
"""
RULES_WITH_RECS = (
    RULES
    + """
  - id: also-like
    slot: tagline
    snippet: recs.html
    recommend: {items: 1, strategies: {popular: 1}}
    category: recommendations
    why: "Tours other visitors viewed."
"""
)
REC_SNIPPETS = {**SNIPPETS, "recs.html": "{% for i in items %}<b>{{ i.title }}</b>{% endfor %}"}


async def _views(mw: Omotenashi, cookie: str) -> int:
    ident = mw.signer.identify(f"omo_vid={cookie}")
    return (await mw.store.load(ident.user or ident.vid)).views


async def _visit(mw: Omotenashi, times: int) -> str:
    """``times`` page views of one visitor through a plain in-process client (it returns as
    soon as the app has; nothing waits for the writes); the visitor's cookie."""
    transport = httpx.ASGITransport(app=mw)
    async with httpx.AsyncClient(transport=transport, base_url="http://shop.test") as client:
        for _ in range(times):
            await client.get("/")
        cookie = client.cookies["omo_vid"]
    assert isinstance(cookie, str)
    return cookie


@pytest.mark.parametrize("times", [1, 3])
async def test_drain_waits_for_every_page_view_recorded_so_far(
    make_settings: Make, times: int
) -> None:
    mw = Omotenashi(page_app(PAGE), settings=make_settings(RULES, SNIPPETS))
    await mw.startup()
    try:
        cookie = await _visit(mw, times)
        await mw.drain()
        assert await _views(mw, cookie) == times
        assert not mw._writing  # nothing left in flight
    finally:
        await mw.shutdown()


async def test_each_read_sees_the_page_views_before_it_without_any_wait(
    make_settings: Make,
) -> None:
    mw = Omotenashi(page_app(PAGE), settings=make_settings(RULES, SNIPPETS))
    await mw.startup()
    try:
        cookie = await _visit(mw, 4)
        # The read goes out on the same connection, after the queued writes: no drain needed.
        assert await _views(mw, cookie) == 4
    finally:
        await mw.shutdown()


async def test_shutdown_writes_what_the_last_requests_recorded(make_settings: Make) -> None:
    settings = make_settings(RULES, SNIPPETS)
    mw = Omotenashi(page_app(PAGE), settings=settings)
    await mw.startup()
    cookie = await _visit(mw, 2)
    await mw.shutdown()  # no drain first
    again = Omotenashi(page_app(PAGE), settings=settings)
    await again.startup()
    try:
        assert await _views(again, cookie) == 2
    finally:
        await again.shutdown()


# -- adversarial: orderings and failures the queue must survive ------------------------------


async def _again(mw: Omotenashi, cookie: str, path: str = "/") -> httpx.Response:
    """One more request of the visitor with ``cookie`` (nothing waits for its writes)."""
    transport = httpx.ASGITransport(app=mw)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://shop.test", cookies={"omo_vid": cookie}
    ) as client:
        return await client.get(path)


async def test_after_a_script_flush_no_page_view_is_lost_or_counted_as_an_error(
    make_settings: Make, embedded_redis_factory: Any
) -> None:
    """A flushed script cache turns the queued write into a NOSCRIPT retry with the script's
    text: written once, not counted as a failure, the breaker left closed. (The read sent right
    behind it on the connection can miss it: known, see the store's record_soon.)"""
    server = embedded_redis_factory()
    settings = make_settings(RULES, SNIPPETS, redis={"url": server.url})
    mw = Omotenashi(page_app(PAGE), settings=settings)
    await mw.startup()
    admin = redis.Redis.from_url(server.url)
    try:
        cookie = await _visit(mw, 1)
        await mw.drain()
        for views in range(2, 6):
            admin.script_flush()
            await _again(mw, cookie)
            await mw.drain()
            assert await _views(mw, cookie) == views
        assert mw.metrics["record_error"] == 0 and mw.metrics["redis_error"] == 0
        assert mw.store.breaker.opened_at is None
    finally:
        admin.close()
        await mw.shutdown()


def _api_app() -> Any:
    """A JSON endpoint that tracks an event: passed through untouched, so its response does
    not wait for the visitor's profile, and its write waits for that read in a task."""

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["path"] == "/api/cart":
            await track(scope, "add_to_cart", {"item": "kyoto"})
            headers = [(b"content-type", b"application/json")]
            await send({"type": "http.response.start", "status": 200, "headers": headers})
            await send({"type": "http.response.body", "body": b'{"ok": true}'})
        elif scope["path"] == "/api/then-fail":  # answered, then a background job fails
            await track(scope, "add_to_cart", {"item": "kyoto"})
            headers = [(b"content-type", b"application/json")]
            await send({"type": "http.response.start", "status": 200, "headers": headers})
            await send({"type": "http.response.body", "body": b'{"ok": true}'})
            raise RuntimeError("the app's background job failed")
        elif scope["path"] == "/login":
            await identify(scope, "42")
            headers = [(b"content-type", b"application/json")]
            await send({"type": "http.response.start", "status": 200, "headers": headers})
            await send({"type": "http.response.body", "body": b'{"ok": true}'})
        else:
            await page_app(PAGE)(scope, receive, send)

    return app


# Keeps the server busy (about 0.2 s per 20 million): commands sent meanwhile wait, in order.
BUSY = "local x = 0 for i = 1, tonumber(ARGV[1]) do x = x + i end return 1"


@asynccontextmanager
async def _busy_after_a_visit(
    make_settings: Make, embedded_redis_factory: Any
) -> AsyncIterator[tuple[Omotenashi, redis.Redis, str, asyncio.Future[Any]]]:
    """A visitor seen once (written), then a server kept busy: commands sent meanwhile wait,
    in order. Yields the middleware, an admin client, the visitor's cookie and the busy call."""
    server = embedded_redis_factory()
    mw = Omotenashi(_api_app(), settings=make_settings(RULES, SNIPPETS, redis={"url": server.url}))
    await mw.startup()
    admin = redis.Redis.from_url(server.url, decode_responses=True)
    try:
        cookie = await _visit(mw, 1)
        await mw.drain()
        busy = asyncio.get_running_loop().run_in_executor(None, admin.eval, BUSY, 0, 30_000_000)
        await asyncio.sleep(0.05)  # the server is in the busy script now
        yield mw, admin, cookie, busy
        await busy
    finally:
        admin.close()
        await mw.shutdown()


async def test_an_erase_straight_after_a_request_is_not_undone_by_its_write(
    make_settings: Make, embedded_redis_factory: Any
) -> None:
    """The request's write waits in a task for its profile read; an erase sent meanwhile (the
    server is slow) must not be followed by that write bringing the profile back."""
    async with _busy_after_a_visit(make_settings, embedded_redis_factory) as (
        mw,
        admin,
        cookie,
        busy,
    ):
        pid = mw.signer.identify(f"omo_vid={cookie}").vid
        assert admin.keys(f"omo:{{{pid}}}:*")
        response = await _again(mw, cookie, "/api/cart")  # its read waits behind the script
        assert response.status_code == 200
        await mw.store.erase(pid)  # "erase what you keep about me", right after
        await busy
        await mw.drain()
        assert admin.keys(f"omo:{{{pid}}}:*") == []


async def test_a_sign_in_straight_after_a_request_merges_what_that_request_tracked(
    make_settings: Make, embedded_redis_factory: Any
) -> None:
    """The cart event's write still waits for its read (the server is slow) when the visitor
    signs in: the merge reads the anonymous profile after it, so the user keeps the cart."""
    async with _busy_after_a_visit(make_settings, embedded_redis_factory) as (
        mw,
        admin,
        cookie,
        busy,
    ):
        anon = mw.signer.identify(f"omo_vid={cookie}").vid
        assert (await _again(mw, cookie, "/api/cart")).status_code == 200
        assert (await _again(mw, cookie, "/login")).status_code == 200
        await busy
        await mw.drain()
        user = await mw.store.load(user_profile_id(mw.signer.user_salt, "42"))
        assert (user.cart, user.views) == ({"kyoto": 1}, 1)
        assert admin.keys(f"omo:{{{anon}}}:p2") == []  # merged, then erased


async def test_drain_waits_for_the_record_of_a_request_whose_app_failed_after_answering(
    make_settings: Make, embedded_redis_factory: Any
) -> None:
    """The response had gone (its record started) when the app raised: ``drain()`` (and a
    shutdown) still wait for that record, though the app never returned."""
    async with _busy_after_a_visit(make_settings, embedded_redis_factory) as (mw, _, cookie, _):
        with pytest.raises(RuntimeError, match="background job"):  # the read waits meanwhile
            await _again(mw, cookie, "/api/then-fail")
        await mw.drain()
        pid = mw.signer.identify(f"omo_vid={cookie}").vid
        profile = await mw.store.load(pid, after_writes=False)  # what Redis holds, no waiting
        assert profile.cart == {"kyoto": 1}


async def test_a_bug_while_queueing_the_record_still_serves_the_personalised_page(
    make_settings: Make, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The record is queued on the response's path now: a bug of ours there is counted and
    logged, never the visitor's problem (as it was when the write ran in a task)."""
    mw = Omotenashi(page_app(PAGE), settings=make_settings(RULES, SNIPPETS))
    await mw.startup()
    try:
        cookie = await _visit(mw, 1)
        await mw.drain()
        await _views(mw, cookie)  # the fast path is connected: the next record is queued
        assert mw.store.can_queue

        def broken(*args: Any) -> None:
            raise RuntimeError("a bug of ours")

        monkeypatch.setattr(mw.store, "_record_arg", broken)
        response = await _again(mw, cookie, "/?utm_campaign=spring")
        assert response.status_code == 200 and "Spring sale &amp; more" in response.text
        await mw.drain()
        assert mw.metrics["record_error"] == 1
    finally:
        await mw.shutdown()


async def test_drain_gives_up_on_a_server_that_stopped_answering(
    make_settings: Make, embedded_redis_factory: Any
) -> None:
    """A queued write whose reply never comes (the server paused): ``drain()`` (and so
    ``written()``) returns once the write timeout has passed, counting the write as failed."""
    server = embedded_redis_factory()
    timeouts = {"url": server.url, "read_timeout": 0.2, "write_timeout": 0.2}
    mw = Omotenashi(page_app(PAGE), settings=make_settings(RULES, SNIPPETS, redis=timeouts))
    await mw.startup()
    admin = redis.Redis.from_url(server.url)
    try:
        cookie = await _visit(mw, 1)
        await mw.drain()
        await _again(mw, cookie)  # read answered; its page view is queued
        admin.client_pause(30_000, all=False)  # writes (scripts too) wait from now on
        try:
            async with asyncio.timeout(15):  # far past the 0.2 s the settings allow
                await mw.drain()
        finally:
            admin.client_unpause()
    finally:
        admin.close()
        await mw.shutdown()


async def _then_drained(mw: Omotenashi, cookie: str | None = None) -> str:
    """A first visit (drained), or one more page view left in the write queue (not drained):
    each in an event loop of its own that ``asyncio.run`` ends, as a test would."""
    if cookie is None:
        cookie = await _visit(mw, 1)
        await mw.drain()
    else:
        assert (await _again(mw, cookie)).status_code == 200
    return cookie


async def _seen(mw: Omotenashi, cookie: str) -> tuple[int, int]:
    try:
        status = (await _again(mw, cookie)).status_code
        await mw.drain()
        return status, await _views(mw, cookie)
    finally:
        await mw.shutdown()


def test_page_views_queued_when_an_event_loop_ends_are_seen_by_the_next_one(
    make_settings: Make,
) -> None:
    """``asyncio.run`` ends a loop with page views still queued: its end writes them, and a
    later loop's requests are served, drained and read on a connection of their own."""
    mw = Omotenashi(page_app(PAGE), settings=make_settings(RULES, SNIPPETS))
    cookie = asyncio.run(_then_drained(mw))
    for _ in range(2):
        asyncio.run(_then_drained(mw, cookie))  # no drain: the loop ends with it queued
    assert asyncio.run(_seen(mw, cookie)) == (200, 4)


async def test_a_page_with_recommendations_reads_the_page_views_queued_before_it(
    make_settings: Make,
) -> None:
    """A recommendation page reads the profile with everyone's views, on the pooled client
    rather than the queue's connection: the page views queued before it must land first."""
    mw = Omotenashi(
        page_app(PAGE), settings=make_settings(RULES_WITH_RECS, REC_SNIPPETS, journey=JOURNEY)
    )
    (mw.settings.rules.dir / "catalog.yaml").write_text(CATALOG)
    await mw.startup()
    mw.store.recs.popular_cache = 0  # every recommendation page reads popular items
    try:
        cookie = await _visit(mw, 1)
        await mw.drain()
        pid = mw.signer.identify(f"omo_vid={cookie}").vid
        for views in range(2, 5):
            await _again(mw, cookie)  # queued: not an item page, nothing to learn
            profile, _ = await mw.store.load_visit(pid, None)
            assert profile.views == views
    finally:
        await mw.shutdown()


async def test_a_read_waits_for_every_write_of_the_profile_still_in_a_task(
    make_settings: Make,
) -> None:
    store = Omotenashi(page_app(PAGE), settings=make_settings(RULES, SNIPPETS)).store
    loop = asyncio.get_running_loop()
    first, second = loop.create_future(), loop.create_future()
    store.writing("v1", first)
    store.writing("v1", second)  # two requests of one visitor, both still in tasks
    loop.call_later(0.10, first.set_result, None)  # the earlier one ends last
    loop.call_later(0.05, second.set_result, None)
    await store.after_writes("v1")
    assert first.done() and second.done()
    await asyncio.sleep(0)  # the done callbacks run
    assert "v1" not in store.unqueued


@pytest.mark.parametrize("fresh_first", [False, True])
async def test_a_page_view_read_before_an_erase_and_written_after_it_does_not_rebuild_the_profile(
    make_settings: Make, omotenashi_redis: redis.Redis, fresh_first: bool
) -> None:
    """A request reads the profile, the visitor erases it (another tab), then the request's
    page view arrives: it was made from a profile that is gone, so it is not written, not even
    into a profile a page view made after the erase (from no profile) has started meanwhile
    (``fresh_first``: another tab, another worker). That page view is written."""
    from omotenashi.engine.change import Change

    mw = Omotenashi(page_app(PAGE), settings=make_settings(RULES, SNIPPETS))
    await mw.startup()
    try:
        cookie = await _visit(mw, 2)
        await mw.drain()
        pid = mw.signer.identify(f"omo_vid={cookie}").vid
        before = await mw.store.load(pid)
        assert before.first_seen is not None and before.views == 2
        late = Change(now=time.time(), view=True, topics=["kyoto"], since=before.first_seen)
        fresh = Change(now=before.first_seen + 5, view=True)  # from no profile, a new first visit
        await mw.store.erase(pid)
        if fresh_first:
            await mw.store.record(pid, fresh, 86400.0)
        await mw.store.record(pid, late, 86400.0)
        if not fresh_first:
            assert omotenashi_redis.keys(f"omo:{{{pid}}}:*") == []  # not rebuilt
            await mw.store.record(pid, fresh, 86400.0)
        after = await mw.store.load(pid)
        assert (after.views, dict(after.interests)) == (1, {})
    finally:
        await mw.shutdown()


async def test_a_non_html_answer_that_tracked_events_writes_them_once(
    make_settings: Make, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The record of a JSON answer is a task that takes every event there is when it runs: no
    second write is started for the same events (it used to be, and wrote nothing)."""
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    from omotenashi.asgi.responder import Responder

    async def cart(request: Request) -> JSONResponse:
        await track(request, "add_to_cart", {"item": "kyoto"})
        return JSONResponse({"ok": True})

    app = Starlette(routes=[Route("/api/cart", cart)])
    mw = Omotenashi(app, settings=make_settings(RULES, SNIPPETS))
    writes: list[object] = []
    write = Responder._write

    async def counted(self: Responder, change: Any) -> None:
        writes.append(change)
        await write(self, change)

    monkeypatch.setattr(Responder, "_write", counted)
    await mw.startup()
    try:
        transport = httpx.ASGITransport(app=mw)
        async with httpx.AsyncClient(transport=transport, base_url="http://shop.test") as client:
            await client.get("/api/cart")  # a new visitor: the cookie comes back
            await mw.drain()
            writes.clear()
            assert (await client.get("/api/cart")).status_code == 200
            cookie = client.cookies["omo_vid"]
        await mw.drain()
        assert writes == [None]  # one write, of the events
        ident = mw.signer.identify(f"omo_vid={cookie}")
        assert (await mw.store.load(ident.vid)).cart == {"kyoto": 2}
    finally:
        await mw.shutdown()


async def test_page_views_past_the_queue_limit_are_counted_dropped_not_failed(
    make_settings: Make, embedded_redis_factory: Any, caplog: pytest.LogCaptureFixture
) -> None:
    """A full write queue drops a page view and counts it once, as ``record_dropped``: not
    also as a failed write (``record_error``, ``redis_error``) nor as a failure the breaker
    logs, since Redis was asked nothing. Also right after startup, before the writes'
    connection is up."""
    server = embedded_redis_factory()
    # the 12 visits below take a few ms: far less than the queue waits to be written
    limits = {"url": server.url, "write_batch_interval": 1.0, "write_batch_size": 1000}
    settings = make_settings(RULES, SNIPPETS, redis={**limits, "write_queue_limit": 5})
    mw = Omotenashi(page_app(PAGE), settings=settings)
    await mw.startup()
    admin = redis.Redis.from_url(server.url)
    try:
        await asyncio.gather(*(_visit(mw, 1) for _ in range(8)))  # the first requests
        await mw.drain()
        assert admin.dbsize() == 5
        admin.flushall()
        for _ in range(12):  # new visitors each: 12 page views against a queue of 5
            await _visit(mw, 1)
        await mw.drain()
        assert mw.metrics["record_dropped"] == 3 + 7
        assert mw.metrics["record_error"] == 0 and mw.metrics["redis_error"] == 0
        assert not [r for r in caplog.records if "Redis failed" in r.getMessage()]
        assert len(admin.keys("omo:{*}:p2")) == 5
    finally:
        admin.close()
        await mw.shutdown()


async def test_a_page_goes_out_whole_while_redis_holds_its_write(
    make_settings: Make, omotenashi_redis: redis.Redis
) -> None:
    """Goal 3's "no write on the response path" (bench52: the table cited this file, which had
    no such test): with Redis holding every write (CLIENT PAUSE WRITE), a returning visitor's
    page goes out whole and personalised while its page view is still unwritten; it is
    written once Redis takes writes again."""
    mw = Omotenashi(page_app(PAGE), settings=make_settings(RULES, SNIPPETS))
    await mw.startup()
    try:
        cookie = await _visit(mw, 1)
        await mw.drain()
        transport = httpx.ASGITransport(app=mw)  # (not waiting for writes between requests)
        async with httpx.AsyncClient(transport=transport, base_url="http://shop.test") as client:
            client.cookies.set("omo_vid", cookie)
            omotenashi_redis.client_pause(5000, all=False)  # writes wait; reads are answered
            try:
                page = await client.get("/")
                held = mw.signer.identify(f"omo_vid={cookie}")
                views = omotenashi_redis.hget(mw.store.keys(held.vid)[0], "V")
            finally:
                omotenashi_redis.client_unpause()
        assert page.status_code == 200 and 'data-omo-rule="' in page.text  # whole, personalised
        await mw.drain()
        assert await _views(mw, cookie) == 2
        assert omotenashi_redis.hget(mw.store.keys(held.vid)[0], "V") == "2"  # (the field read)
    finally:
        await mw.shutdown()
    assert views == "1"  # (its second page view: not written yet as the page went out)
