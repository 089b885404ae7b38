"""A visitor's switch racing their other requests (real Valkey, the real middleware): a page
whose profile read came before an erase (a reset or an erase in another tab, consent withdrawn,
a revoke) is decided and recorded after it; so is a beacon, a sign-in's merge, and a page view
that learns recommendation pairs. Nothing of the erased profile chooses that page, and nothing
of it is written again: not the profile, not the visitor's pairs, not the rate counter."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx
import pytest
import redis

from omotenashi import Omotenashi, Settings
from omotenashi.asgi.api import identify, revoke
from omotenashi.asgi.visitor import get_visitor
from omotenashi.engine.change import Change
from omotenashi.recommend.coview import Learning
from omotenashi.store.privacy import revoke as deny
from omotenashi.store.store import PARTS, Store

from .conftest import form_token, origin, page_app
from .test_middleware import PAGE, RULES, SNIPPETS, Make

pytestmark = pytest.mark.anyio

WELCOME = "Welcome back"  # the block chosen from the visitor's interest (two earlier views)
Switch = Callable[[Omotenashi, httpx.AsyncClient, str], Awaitable[None]]


def gated(gate: asyncio.Event, entered: asyncio.Event, page: str = PAGE) -> Any:
    """The test ``page``; ``/slow`` answers only once ``gate`` is set (a slow page in one tab,
    its profile read sent before the app ran, while the visitor acts in another)."""
    inner = page_app(page)

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope.get("path") == "/slow":
            entered.set()
            await gate.wait()
        await inner(scope, receive, send)

    return app


@contextlib.asynccontextmanager
async def returning(
    app: Any, settings: Settings
) -> AsyncIterator[tuple[Omotenashi, httpx.ASGITransport, httpx.AsyncClient]]:
    """The middleware over ``app`` and a tab of a visitor who has seen the page twice (their
    interest recorded); the middleware is shut down after."""
    mw = Omotenashi(app, settings=settings)
    await mw.startup()
    try:
        transport = httpx.ASGITransport(app=mw)
        async with httpx.AsyncClient(transport=transport, base_url="http://shop.test") as tab:
            for _ in range(2):
                await tab.get("/")
            await mw.drain()
            yield mw, transport, tab
    finally:
        await mw.shutdown()


def second_tab(tab: httpx.AsyncClient, transport: httpx.ASGITransport) -> httpx.AsyncClient:
    """Another tab of ``tab``'s visitor: the same app (``transport``), the same cookie."""
    other = httpx.AsyncClient(transport=transport, base_url="http://shop.test")
    other.cookies.set("omo_vid", tab.cookies["omo_vid"], domain="shop.test")
    return other


async def _form(tab: httpx.AsyncClient, action: str) -> None:
    """The preferences page's button ``action``, as the visitor presses it."""
    page = await tab.get("/_omotenashi/preferences")
    form = {"csrf": form_token(page.text), "action": action, "confirm": "yes"}
    done = await tab.post("/_omotenashi/preferences", data=form, headers={"origin": origin(tab)})
    assert done.status_code == 303 and "failed" not in done.headers["location"]


async def _reset(mw: Omotenashi, tab: httpx.AsyncClient, pid: str) -> None:
    await _form(tab, "reset")


async def _erase(mw: Omotenashi, tab: httpx.AsyncClient, pid: str) -> None:
    await _form(tab, "erase")


async def _revoke(mw: Omotenashi, tab: httpx.AsyncClient, pid: str) -> None:
    await revoke(mw, visitor_id=pid, ttl=600)


SWITCHES: dict[str, Switch] = {"reset": _reset, "erase": _erase, "revoke": _revoke}


@pytest.mark.parametrize(
    ("switch", "expired"),
    [("reset", False), ("erase", False), ("revoke", False), ("reset", True), ("erase", True)],
)
async def test_a_page_read_before_an_erase_is_neither_decided_from_it_nor_written(
    make_settings: Make, omotenashi_redis: redis.Redis, switch: str, expired: bool
) -> None:
    """``expired``: the page's read found no profile (it had expired): its view, written
    after the erase, would start one again under the erased id."""
    gate, entered = asyncio.Event(), asyncio.Event()
    settings = make_settings(RULES, SNIPPETS)
    async with returning(gated(gate, entered), settings) as (mw, transport, tab):
        pid = mw.signer.identify(f"omo_vid={tab.cookies['omo_vid']}").vid
        if expired:
            omotenashi_redis.delete(*omotenashi_redis.keys(f"omo:{{{pid}}}:*"))
        else:
            assert WELCOME in (await tab.get("/")).text
        await mw.drain()
        async with second_tab(tab, transport) as other:
            slow = asyncio.ensure_future(other.get("/slow"))
            await entered.wait()  # its profile read has gone out: the app runs
            await SWITCHES[switch](mw, tab, pid)  # the other tab
            gate.set()
            page = (await slow).text
        await mw.drain()
    assert WELCOME not in page  # nothing of the erased profile chose this page
    assert set(omotenashi_redis.hgetall(f"omo:{{{pid}}}:p2")) <= {"revoked"}
    assert omotenashi_redis.keys(f"omo:{{{pid}}}:*") in ([], [f"omo:{{{pid}}}:p2"])


def _learning(item: str) -> Learning:
    """What a returning visitor's first view of ``item`` teaches: the shared co-views only
    (until release 48 it wrote the visitor's own pairs too, their ``also`` key)."""
    return Learning(popular=[], co={item: [("osaka-food", 1.5)]}, item=item)


async def pairs_after(store: Store, pid: str, switch: str) -> list[str]:
    """Another process's page view (this one knows of no erase): read before an erase (or a
    revoke), recorded after it with what it teaches, and refused (the profile it was made from
    is gone; the id revoked). The keys of the visitor's left then."""
    now = time.time()
    await store.record(pid, Change(now=now - 60, view=True, topics=["kyoto"]), 86400.0)
    read = await store.load(pid)
    assert read.first_seen is not None
    if switch == "erase":
        await store.erase(pid)
    else:
        await deny(store, pid, PARTS, now + 600, 600)
    late = Change(now=now, view=True, items=["kyoto-races"], since=read.first_seen)
    await store.record(pid, late, 86400.0, _learning("kyoto-races"))
    return sorted(await store.client.keys(store.key(pid, "*")))


@pytest.mark.parametrize("switch", ["erase", "revoke"])
async def test_a_page_view_read_before_an_erase_brings_back_no_recommendation_pairs(
    store: Store, switch: str
) -> None:
    left = await pairs_after(store, f"v-races-{switch}", switch)
    assert left == ([] if switch == "erase" else [store.key(f"v-races-{switch}", "p2")])
    assert (await store.load(f"v-races-{switch}")).also == {}


async def test_a_page_view_teaches_the_shared_co_views_and_keeps_no_pair_of_the_visitor(
    store: Store, omotenashi_redis: redis.Redis
) -> None:
    pid, now = "v-races-kept", time.time()
    omotenashi_redis.delete("omo:rec:co:kyoto-kept")
    await store.record(pid, Change(now=now - 60, view=True), 86400.0)
    read = await store.load(pid)
    assert read.first_seen is not None
    late = Change(now=now, view=True, items=["kyoto-kept"], since=read.first_seen)
    await store.record(pid, late, 86400.0, _learning("kyoto-kept"))
    assert omotenashi_redis.zrange("omo:rec:co:kyoto-kept", 0, -1) == ["osaka-food"]
    assert (await store.load(pid)).also == {}
    assert not omotenashi_redis.exists(f"omo:{{{pid}}}:also")


async def test_a_beacon_read_before_an_erase_stores_nothing_and_says_so(
    make_settings: Make, omotenashi_redis: redis.Redis, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The events were on their way when the visitor erased (another tab): its read came
    first. Nothing is stored, not even the rate counter, and the answer says why."""
    journey = "beacon:\n  events: [video_play]\n"
    mw = Omotenashi(page_app(PAGE), settings=make_settings(RULES, SNIPPETS, journey=journey))
    await mw.startup()
    try:
        transport = httpx.ASGITransport(app=mw)
        async with httpx.AsyncClient(transport=transport, base_url="http://shop.test") as tab:
            await tab.get("/")
            await mw.drain()
            pid = mw.signer.identify(f"omo_vid={tab.cookies['omo_vid']}").vid
            load = mw.store.load

            async def erased_after_the_read(vid: str, **kwargs: Any) -> Any:
                profile = await load(vid, **kwargs)
                monkeypatch.setattr(mw.store, "load", load)  # once
                await mw.store.erase(pid)  # the other tab's erase lands now
                return profile

            monkeypatch.setattr(mw.store, "load", erased_after_the_read)
            sent = await tab.post(
                "/_omotenashi/events",
                json={"name": "video_play"},
                headers={"origin": origin(tab)},
            )
            await mw.drain()
        assert sent.status_code == 202
        assert "erased" in sent.json()["reason"]
        assert omotenashi_redis.keys(f"omo:{{{pid}}}:*") == []
    finally:
        await mw.shutdown()


async def test_a_sign_in_merges_nothing_of_an_anonymous_profile_erased_after_its_read(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The merge read the anonymous profile, then the visitor erased it in another tab: the
    user's profile must not get it back."""
    anon, user = "v-races-anon", "u-races-user"
    await store.record(anon, Change(now=time.time(), view=True, topics=["kyoto"]), 86400.0)
    load = store.load

    async def erased_after_the_read(pid: str, **kwargs: Any) -> Any:
        profile = await load(pid, **kwargs)
        if pid == anon:
            monkeypatch.setattr(store, "load", load)
            await store.erase(anon)
        return profile

    monkeypatch.setattr(store, "load", erased_after_the_read)
    assert not await store.merge(anon, user, time.time(), 86400.0)
    merged = await store.load(user)
    assert (merged.views, dict(merged.interests)) == (0, {})


async def test_a_sign_in_in_another_tab_is_no_erase_to_a_page_read_before_it(
    make_settings: Make, omotenashi_redis: redis.Redis
) -> None:
    """A sign-in folds the anonymous profile into the user's, then deletes the anonymous keys:
    moved, not erased. A page of the same visitor read before it, in another tab, is still
    theirs to be decided from (the merge counted as an erase, and blanked it)."""
    gate, entered = asyncio.Event(), asyncio.Event()
    slow_app = gated(gate, entered)

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope.get("path") == "/login":
            await identify(scope, "alice")
        await slow_app(scope, receive, send)

    async with returning(app, make_settings(RULES, SNIPPETS)) as (mw, transport, tab):
        assert WELCOME in (await tab.get("/")).text
        await mw.drain()
        async with second_tab(tab, transport) as other:
            slow = asyncio.ensure_future(other.get("/slow"))
            await entered.wait()  # its profile read has gone out: the app runs
            await tab.get("/login")  # the sign-in, in the first tab: merged
            gate.set()
            page = (await slow).text
        await mw.drain()
        assert WELCOME in (await tab.get("/")).text  # (the user's profile has it now)
    assert WELCOME in page


@pytest.mark.parametrize("switch", ["reset", "erase", "revoke"])
@pytest.mark.parametrize("sync", [False, True])
async def test_the_apps_own_read_of_the_profile_after_an_erase_is_empty(
    make_settings: Make, switch: str, sync: bool
) -> None:
    """The app reads ``visitor.profile`` (on the event loop once the reply is in, or in a
    worker thread as a sync view does) after the visitor erased it in another tab: it gets
    what ``await visitor.loaded()`` gets, an empty profile, not the read from before."""
    gate, entered = asyncio.Event(), asyncio.Event()
    seen: list[dict[str, Any]] = []

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        visitor = get_visitor(scope)
        if scope["path"] == "/slow" and visitor is not None:
            entered.set()
            await gate.wait()
            reading = visitor.reading
            while reading is not None and reading.peek() is None:  # until its reply is in
                await asyncio.sleep(0.01)
            read = lambda: visitor.profile  # noqa: E731
            profile = await asyncio.to_thread(read) if sync else read()
            seen.append(dict(profile.interests))
        await page_app(PAGE)(scope, receive, send)

    async with returning(app, make_settings(RULES, SNIPPETS)) as (mw, transport, tab):
        pid = mw.signer.identify(f"omo_vid={tab.cookies['omo_vid']}").vid
        async with second_tab(tab, transport) as other:
            slow = asyncio.ensure_future(other.get("/slow"))
            await entered.wait()
            await SWITCHES[switch](mw, tab, pid)
            gate.set()
            assert (await slow).status_code == 200
        # The same app read the same way with nothing erased: the interests are there.
        async with httpx.AsyncClient(transport=transport, base_url="http://shop.test") as t:
            for _ in range(3):
                await t.get("/")
            await mw.drain()
            gate.clear()
            entered.clear()
            slow = asyncio.ensure_future(t.get("/slow"))
            await entered.wait()
            gate.set()
            await slow
    assert seen[0] == {} and seen[1] != {}


async def test_a_beacon_whose_body_comes_after_an_erase_stores_nothing(
    make_settings: Make, omotenashi_redis: redis.Redis
) -> None:
    """concurrency67: its headers came before the erase (another tab), its body after; its
    mark was taken after the body, so it stored the events under the erased id."""
    journey = "beacon:\n  events: [video_play]\n"
    mw = Omotenashi(page_app(PAGE), settings=make_settings(RULES, SNIPPETS, journey=journey))
    await mw.startup()
    try:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=mw), base_url="http://shop.test"
        ) as tab:
            await tab.get("/")
            await mw.drain()
            cookie = tab.cookies["omo_vid"]
        pid = mw.signer.identify(f"omo_vid={cookie}").vid
        body = b'{"name": "video_play"}'
        arrived, answer = asyncio.Event(), []

        async def receive() -> dict[str, Any]:
            await arrived.wait()  # (the body comes after the erase)
            return {"type": "http.request", "body": body, "more_body": False}

        async def send(message: dict[str, Any]) -> None:
            answer.append(message)

        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "POST",
            "scheme": "http",
            "path": "/_omotenashi/events",
            "raw_path": b"/_omotenashi/events",
            "query_string": b"",
            "root_path": "",
            "headers": [
                (b"host", b"shop.test"),
                (b"origin", b"http://shop.test"),
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"cookie", f"omo_vid={cookie}".encode()),
            ],
            "client": ("127.0.0.1", 5000),
            "server": ("shop.test", 80),
        }
        beacon = asyncio.create_task(mw(scope, receive, send))
        await asyncio.sleep(0.05)  # (waiting for its body)
        await mw.store.erase(pid)
        arrived.set()
        await beacon
        await mw.drain()
        assert answer[0]["status"] == 202
        assert omotenashi_redis.keys(f"omo:{{{pid}}}:*") == []
    finally:
        await mw.shutdown()
