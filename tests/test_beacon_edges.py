"""The beacon at its edges, against a real Redis: input Redis cannot store (a lone surrogate),
an error reply from Redis (not an outage: the breaker stays closed), a preview browser, a
revoked id, private visitors answered 202 with the reason, with a cookie or without, and a
full write queue."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest
import redis
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse
from starlette.routing import Route

from omotenashi import Omotenashi, PayloadError, Settings, get_visitor, remember, revoke, track
from omotenashi.asgi import beacon
from omotenashi.engine.change import Change, check_storable, storable
from omotenashi.identity.preview import COOKIE, ForceSigner

from .conftest import client_for

pytestmark = pytest.mark.anyio
Make = Callable[..., Settings]
BEACON = "/_omotenashi/events"
JSON = {"content-type": "application/json", "origin": "http://shop.test"}
PAGE = '<!doctype html><html><body><div data-omo-slot="hero">Default hero</div></body></html>'
RULES = """
rules:
  - {id: hello, slot: hero, text: "Hello again", when: {visits: {at_least: 1}}, why: "Hi."}
goals:
  - {id: played, event: video_play}
"""
JOURNEY = """
beacon:
  events: [view_item, video_play]
  per_minute: 100
"""
BOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"


def shop() -> Starlette:
    async def page(request: Request) -> HTMLResponse:
        return HTMLResponse(PAGE)

    async def me(request: Request) -> PlainTextResponse:
        visitor = get_visitor(request)
        assert visitor is not None
        profile = await visitor.loaded()
        return PlainTextResponse(json.dumps({"id": visitor.id, **profile.to_export()}))

    async def app_sends(request: Request) -> PlainTextResponse:  # track/remember, surrogates
        await track(request, "view_item", {"item": "\ud800"})
        await remember(request, nick="\udfff", city="Kyoto")
        return PlainTextResponse("ok")

    return Starlette(
        routes=[Route("/", page), Route("/me", me), Route("/send", app_sends, methods=["POST"])]
    )


def site(make_settings: Make, **overrides: Any) -> Omotenashi:
    return Omotenashi(shop(), settings=make_settings(RULES, journey=JOURNEY, **overrides))


async def me(client: httpx.AsyncClient) -> dict[str, Any]:
    return dict(json.loads((await client.get("/me")).text))


def keys_of(r: redis.Redis, pid: str) -> set[str]:
    return set(r.scan_iter(match=f"*{pid}*", count=1000))


@pytest.mark.parametrize(
    "body",
    [
        b'{"name":"view_item","data":{"item":"\\ud800"}}',  # the 46 bytes of the finding
        b'{"name":"view_item","data":{"item":"ok\\udc00"}}',  # a lone low surrogate
        b'{"name":"video_play","data":{"\\ud83d":"x"}}',  # in a key, of an event with no item
        b'{"events":[{"name":"video_play"},{"name":"view_item","data":{"item":"\\udbff"}}]}',
    ],
    ids=["item", "low", "key", "batch"],
)
async def test_a_lone_surrogate_is_refused_and_the_breaker_stays_closed(
    body: bytes, make_settings: Make, omotenashi_redis: redis.Redis
) -> None:
    mw = site(make_settings)
    async with client_for(mw) as attacker, client_for(mw) as other:
        await attacker.get("/")
        await other.get("/")
        pid = (await me(attacker))["id"]
        before = omotenashi_redis.hgetall(f"omo:{{{pid}}}:p2")
        answers = [await attacker.post(BEACON, content=body, headers=JSON) for _ in range(20)]
        page = await other.get("/")
        after = omotenashi_redis.hgetall(f"omo:{{{pid}}}:p2")
    assert {a.status_code for a in answers} == {422}
    assert "valid Unicode text" in answers[0].json()["error"]
    assert mw.store.breaker.state == "closed" and mw.metrics["redis_error"] == 0
    assert "Hello again" in page.text  # everyone else is still personalised
    assert after == before  # the batch's good event was not stored either


async def test_an_escaped_surrogate_pair_is_one_character_and_is_stored(
    make_settings: Make,
) -> None:
    async with client_for(site(make_settings)) as client:
        await client.get("/")
        body = b'{"name":"view_item","data":{"item":"momiji-\\ud83c\\udf41"}}'
        answer = await client.post(BEACON, content=body, headers=JSON)
        profile = await me(client)
    assert answer.status_code == 204 and profile["viewed"] == ["momiji-\U0001f341"]


async def test_the_apps_surrogates_are_left_out_and_the_rest_is_written(
    make_settings: Make, omotenashi_redis: redis.Redis
) -> None:
    mw = site(make_settings)
    async with client_for(mw) as client:
        await client.get("/")
        for _ in range(10):
            await client.post("/send")
        profile = await me(client)
    assert mw.store.breaker.state == "closed" and mw.metrics["redis_error"] == 0
    assert profile["events"] == {"view_item": 10} and profile["viewed"] == []
    assert profile["attributes"] == {"city": "Kyoto"}


async def test_an_error_reply_from_redis_does_not_open_the_breaker(
    make_settings: Make, omotenashi_redis: redis.Redis
) -> None:
    mw = site(make_settings, redis={"breaker_failures": 3, "breaker_reset": 60})
    async with client_for(mw) as broken, client_for(mw) as other:
        await broken.get("/")
        await other.get("/")
        pid = (await me(broken))["id"]
        omotenashi_redis.delete(f"omo:{{{pid}}}:p2")
        omotenashi_redis.set(f"omo:{{{pid}}}:p2", "not a hash")  # every script: WRONGTYPE
        event = '{"name": "video_play"}'
        answers = [await broken.post(BEACON, content=event, headers=JSON) for _ in range(20)]
        page = await other.get("/")
    assert {a.status_code for a in answers} == {202}
    assert mw.store.breaker.state == "closed" and mw.store.breaker.failures == 0
    assert mw.metrics["redis_refused"] >= 20 and mw.metrics["breaker_open"] == 0
    assert "Hello again" in page.text


async def test_a_preview_browsers_beacon_writes_and_counts_nothing(
    make_settings: Make, omotenashi_redis: redis.Redis
) -> None:
    settings = make_settings(RULES, journey=JOURNEY)
    mw = Omotenashi(shop(), settings=settings)
    token = ForceSigner(settings).make(rules=["hello"])
    async with client_for(mw) as client:
        await client.get("/")
        pid = (await me(client))["id"]
        before = {k: omotenashi_redis.dump(k) for k in omotenashi_redis.scan_iter("*")}
        client.cookies.set(COOKIE, token, domain="shop.test")
        event = '{"name": "video_play"}'
        answer = await client.post(BEACON, content=event, headers=JSON)
        refused = await client.post(BEACON, content='{"name": "nope"}', headers=JSON)
        after = {k: omotenashi_redis.dump(k) for k in omotenashi_redis.scan_iter("*")}
    assert answer.status_code == 202 and answer.json()["stored"] is False
    assert "previews a forced variant" in answer.json()["reason"]
    assert refused.status_code == 422  # checked as any beacon: QA sees the same errors
    assert after == before and f"omo:{{{pid}}}:rate" not in after  # no profile, no goal count


@pytest.mark.parametrize(
    ("purpose", "kept"),
    [
        ({"sec-purpose": "prefetch;prerender"}, False),  # a prerendered page's script
        ({"sec-purpose": "Prefetch"}, False),
        ({"purpose": "prefetch"}, True),  # any page's fetch() may send it: not the browser's
        ({"sec-purpose": "prerenderish"}, True),
    ],
)
async def test_a_beacon_from_a_page_not_yet_seen_writes_nothing(
    make_settings: Make, omotenashi_redis: redis.Redis, purpose: dict[str, str], kept: bool
) -> None:
    respect = {"count_prefetch": False}  # (by default a page fetched ahead counts: kept)
    mw = Omotenashi(shop(), settings=make_settings(RULES, journey=JOURNEY, respect=respect))
    async with client_for(mw) as client:
        await client.get("/")
        before = {k: omotenashi_redis.dump(k) for k in omotenashi_redis.scan_iter("*")}
        event = '{"name": "video_play"}'
        answer = await client.post(BEACON, content=event, headers={**JSON, **purpose})
        refused = await client.post(BEACON, content='{"name": "nope"}', headers=JSON)
        after = {k: omotenashi_redis.dump(k) for k in omotenashi_redis.scan_iter("*")}
    assert refused.status_code == 422  # checked as any beacon
    if kept:
        assert answer.status_code == 204 and after != before
    else:
        assert answer.status_code == 202 and answer.json()["stored"] is False
        assert "fetched ahead" in answer.json()["reason"] and after == before


async def test_a_revoked_ids_beacon_reads_its_marker_and_writes_nothing(
    make_settings: Make, omotenashi_redis: redis.Redis
) -> None:
    mw = site(make_settings)
    async with client_for(mw) as client:
        await client.get("/")
        pid = (await me(client))["id"]
        await revoke(mw, visitor_id=pid, ttl=3600)
        answer = await client.post(BEACON, content='{"name": "video_play"}', headers=JSON)
    assert answer.status_code == 202 and "turned personalisation off" in answer.json()["reason"]
    assert keys_of(omotenashi_redis, pid) == {f"omo:{{{pid}}}:p2"}  # no rate counter
    assert omotenashi_redis.hgetall(f"omo:{{{pid}}}:p2").keys() == {"revoked"}


@pytest.mark.parametrize(
    ("headers", "overrides", "reason"),
    [
        ({"sec-gpc": "1"}, {}, "Global Privacy Control"),
        ({"dnt": "1"}, {}, "Do Not Track"),
        ({}, {"respect": {"consent_required": True}}, "not given consent"),
        ({"user-agent": BOT}, {}, "bots do not send events"),
    ],
    ids=["gpc", "dnt", "consent", "bot"],
)
@pytest.mark.parametrize("cookie", [False, True], ids=["no-cookie", "cookie"])
async def test_a_private_visitor_is_told_why_with_or_without_a_cookie(
    headers: dict[str, str],
    overrides: dict[str, Any],
    reason: str,
    cookie: bool,
    make_settings: Make,
    omotenashi_redis: redis.Redis,
) -> None:
    mw = site(make_settings, **overrides)
    async with client_for(mw) as client, client_for(site(make_settings)) as plain:
        if cookie:  # a cookie from before the visitor turned GPC on (or a bot replaying one)
            await plain.get("/")
            client.cookies = plain.cookies
        before = {k: omotenashi_redis.dump(k) for k in omotenashi_redis.scan_iter("*")}
        event = '{"name": "video_play"}'
        answer = await client.post(BEACON, content=event, headers={**JSON, **headers})
        after = {k: omotenashi_redis.dump(k) for k in omotenashi_redis.scan_iter("*")}
    assert answer.status_code == 202 and answer.json()["stored"] is False
    assert reason in answer.json()["reason"]
    assert after == before and "set-cookie" not in answer.headers


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ({"item": "kyoto-autumn", "qty": 2}, True),
        ({"item": "京都 🍁"}, True),  # a real pair is one code point: fine
        ({"item": "\ud83c\udf41"}, False),  # two lone halves in a str (json.loads pairs them)
        ({"item": "\ud800"}, False),
        ({"\udfff": "key"}, False),
        ({"nested": ["ok", {"deep": "\udc00"}]}, False),
        ({"not json": object()}, False),
    ],
    ids=["plain", "pair", "halves", "lone", "key", "nested", "object"],
)
def test_what_can_be_stored_is_json_of_valid_unicode_text(value: object, ok: bool) -> None:
    assert storable(value) is ok
    if not ok:
        with pytest.raises(PayloadError, match="valid Unicode text"):
            check_storable(value)


def test_a_change_never_carries_a_string_redis_would_refuse() -> None:
    change = Change(now=1.0, attrs={"city": "Kyoto", "nick": "\ud800", "\udc00": 1})
    for name in ("view_item", "add_to_cart", "remove_from_cart"):
        change.add_event(name, {"item": "\ud800"})
    change.add_event("purchase", {"items": ["ok", "\udbff"]})
    assert change.attrs == {"city": "Kyoto"}
    assert (change.items, change.cart_add, change.cart_remove) == ([], {}, [])
    assert change.bought == ["ok"] and change.purchases == 1


@pytest.mark.parametrize(
    ("how", "reason", "logged"),
    [
        ("wrongtype", "the profile store refused the write", "WRONGTYPE"),
        ("oom", "the profile store is full", "maxmemory"),
        ("down", "the profile store is unavailable", "opened by the test"),
    ],
)
async def test_a_beacon_the_store_did_not_take_says_why(
    how: str,
    reason: str,
    logged: str,
    make_settings: Make,
    omotenashi_redis: redis.Redis,
    caplog: pytest.LogCaptureFixture,
) -> None:
    mw = site(make_settings, redis={"breaker_failures": 1, "breaker_reset": 60})
    limits = omotenashi_redis.config_get("maxmemory*")
    try:
        async with client_for(mw) as client:
            await client.get("/")
            pid = (await me(client))["id"]
            if how == "wrongtype":
                omotenashi_redis.delete(f"omo:{{{pid}}}:p2")
                omotenashi_redis.set(f"omo:{{{pid}}}:p2", "not a hash")
            elif how == "oom":  # maxmemory reached: every write refused
                omotenashi_redis.config_set("maxmemory-policy", "noeviction")
                omotenashi_redis.config_set("maxmemory", 1)
            else:
                mw.store.breaker.failure("opened by the test")
            answer = await client.post(BEACON, content='{"name": "video_play"}', headers=JSON)
    finally:
        omotenashi_redis.config_set("maxmemory", limits["maxmemory"])
        omotenashi_redis.config_set("maxmemory-policy", limits["maxmemory-policy"])
    assert answer.status_code == 202
    assert answer.json() == {"stored": False, "reason": reason}  # no server text in public
    assert logged in caplog.text  # the detail is the operator's


@pytest.mark.parametrize(
    ("length", "answer"),
    [
        ("46", None),
        (" 46 ", None),
        ("65536", None),
        ("65537", (413, "the body is over 65536 bytes")),
        ("9" * 5000, (413, "the body is over 65536 bytes")),  # past int()'s 4,300 digits
        ("²", (400, "Content-Length is not a number of bytes: '²'")),  # isdigit() says yes
        ("¹²³", (400, "Content-Length is not a number of bytes: '¹²³'")),
        ("-1", (400, "Content-Length is not a number of bytes: '-1'")),
        ("1e3", (400, "Content-Length is not a number of bytes: '1e3'")),
        ("", (400, "Content-Length is not a number of bytes: ''")),
    ],
)
def test_a_content_length_is_a_plain_number_of_bytes(
    length: str, answer: tuple[int, str] | None
) -> None:
    assert beacon.length_refused(length, 65536) == answer


async def test_an_odd_content_length_is_a_400_with_the_reason_and_no_traceback(
    make_settings: Make, omotenashi_redis: redis.Redis, caplog: pytest.LogCaptureFixture
) -> None:
    """Straight to the ASGI app (servers such as uvicorn refuse some of these themselves)."""
    mw = site(make_settings)
    await mw.startup()
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b'{"name":"video_play"}', "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    headers = [(k.encode(), v.encode()) for k, v in JSON.items()]
    headers += [(b"host", b"shop.test"), (b"content-length", "²".encode("latin-1"))]
    scope = {"type": "http", "method": "POST", "path": BEACON, "raw_path": BEACON.encode()}
    try:
        await mw({**scope, "headers": headers, "query_string": b""}, receive, send)
    finally:
        await mw.shutdown()
    assert sent[0]["status"] == 400
    assert json.loads(sent[1]["body"]) == {"error": "Content-Length is not a number of bytes: '²'"}
    assert not [r for r in caplog.records if r.exc_info]


async def test_by_default_a_prerendered_pages_beacon_is_kept(
    make_settings: Make, omotenashi_redis: redis.Redis
) -> None:
    """Where pages fetched ahead count (the default), so do the events they send."""
    mw = Omotenashi(shop(), settings=make_settings(RULES, journey=JOURNEY))
    async with client_for(mw) as client:
        await client.get("/")
        ahead = {**JSON, "sec-purpose": "prefetch;prerender"}
        answer = await client.post(BEACON, content='{"name": "video_play"}', headers=ahead)
    assert answer.status_code == 204


async def test_a_beacon_the_full_write_queue_refuses_is_told_so_and_counted_once(
    make_settings: Make, omotenashi_redis: redis.Redis, caplog: pytest.LogCaptureFixture
) -> None:
    """Events the write queue has no room for: ``202`` "not stored" with the reason, counted
    once as ``record_dropped`` (not as a failed write, nor logged as Redis failing)."""
    limits = {"write_batch_interval": 0.3, "write_batch_size": 1000, "write_queue_limit": 1}
    mw = site(make_settings, redis=limits)
    async with client_for(mw) as client:
        await client.get("/")
        transport = httpx.ASGITransport(app=mw)  # no waiting for writes between requests
        async with httpx.AsyncClient(
            transport=transport, base_url="http://shop.test", cookies=client.cookies
        ) as raw:
            event = '{"name": "video_play"}'
            answers = await asyncio.gather(
                *(raw.post(BEACON, content=event, headers=JSON) for _ in range(3))
            )
        await mw.drain()
    assert sorted(a.status_code for a in answers) == [202, 202, 204]
    refused = [a.json() for a in answers if a.status_code == 202]
    reason = "too many writes are waiting; try again shortly"
    assert refused == [{"stored": False, "reason": reason}] * 2
    assert mw.metrics["record_dropped"] == 2
    assert mw.metrics["record_error"] == 0 and mw.metrics["redis_error"] == 0
    assert not [r for r in caplog.records if "Redis failed" in r.getMessage()]


async def test_a_beacon_the_full_queue_refuses_spends_none_of_the_visitors_allowance(
    make_settings: Make, omotenashi_redis: redis.Redis
) -> None:
    """A full write queue (Redis not taking writes: here paused for them) is asked first: the
    events are answered at once, "try again shortly", and spend none of the visitor's events
    per minute (no rate key), so trying again once Redis takes writes is not answered 429."""
    limits = {"write_queue_limit": 1, "write_timeout": 0.3}
    journey = JOURNEY.replace("per_minute: 100", "per_minute: 3")
    mw = Omotenashi(shop(), settings=make_settings(RULES, journey=journey, redis=limits))
    event = '{"name": "video_play"}'
    async with client_for(mw) as client:
        await client.get("/")
        transport = httpx.ASGITransport(app=mw)  # no waiting for writes between requests
        async with httpx.AsyncClient(
            transport=transport, base_url="http://shop.test", cookies=client.cookies
        ) as raw:
            omotenashi_redis.client_pause(1500, all=False)  # writes wait, reads are answered
            try:
                await raw.get("/")  # its page view, in flight, holds the queue's one place
                full = [await raw.post(BEACON, content=event, headers=JSON) for _ in range(3)]
            finally:
                omotenashi_redis.client_unpause()
        await mw.drain()
        spent = list(omotenashi_redis.scan_iter(match="*:rate"))
        again = [await client.post(BEACON, content=event, headers=JSON) for _ in range(3)]
    assert spent == []
    reason = "too many writes are waiting; try again shortly"
    assert [a.json() for a in full] == [{"stored": False, "reason": reason}] * 3
    assert [a.status_code for a in again] == [204] * 3
    assert mw.metrics["record_dropped"] == 3


@pytest.mark.parametrize(
    ("item", "kept"),
    [("a\u0000b", []), ("a\u0085b", []), ("tab\there", []), ("京都-秋", ["京都-秋"])],
    ids=["nul", "c1", "tab", "text"],
)
async def test_an_item_id_with_a_control_character_is_not_kept(
    make_settings: Make, item: str, kept: list[str]
) -> None:
    """journey65: a NUL in a beacon's item id was kept, and written as it was into the
    visitor's own preferences page. Such an item is never kept; since security69 the beacon
    refuses the event with a 422 saying why (it was a 204, the event counted, the item left out)."""
    async with client_for(site(make_settings)) as client:
        await client.get("/")
        body = json.dumps({"name": "view_item", "data": {"item": item}}).encode()
        answer = await client.post(BEACON, content=body, headers=JSON)
        profile = await me(client)
        prefs = await client.get("/_omotenashi/preferences")
    assert answer.status_code == (204 if kept else 422) and profile["viewed"] == kept
    assert "\x00" not in prefs.text and prefs.status_code == 200


@pytest.mark.parametrize("name", ["_x", "1abc", "a" * 41, "Video_play"])
async def test_an_event_name_refused_says_what_a_name_is(make_settings: Make, name: str) -> None:
    """journey65: "_x" and a 41-letter name were told "lowercase letters, digits and _", which
    they are; the beacon said its regex."""
    rule = "an event name is 1 to 40 lowercase letters, digits and _, starting with a letter"
    async with client_for(site(make_settings)) as client:
        await client.get("/")
        answer = await client.post(BEACON, content=json.dumps({"name": name}), headers=JSON)
    assert answer.status_code == 422
    assert answer.json()["error"].endswith(f"name: {name!r} is no event name: {rule}")
    with pytest.raises(PayloadError, match=rule):
        from omotenashi.asgi.api import check_event

        check_event(name, {})


def test_a_bought_item_with_a_control_character_is_not_kept() -> None:
    """last65: a purchase's ``items`` kept "a\\x00b", shown on the preferences page as it was."""
    change = Change(now=0.0)
    change.add_event("purchase", {"items": ["a\x00b", "c\td", "kyoto-autumn"]})
    assert change.bought == ["kyoto-autumn"] and change.purchases == 1


@pytest.mark.parametrize(
    ("event", "kept"),
    [
        ({"item": "k" * 101}, []),
        ({"items": ["k" * 100 + "x", "kyoto-autumn"]}, ["kyoto-autumn"]),
        ({"items": ["k" * 100]}, ["k" * 100]),
        ({"items": ["", "kyoto-autumn", 7, None]}, ["kyoto-autumn"]),
    ],
)
def test_a_bought_item_id_past_the_bound_is_left_as_one_item_is(
    event: dict[str, object], kept: list[str]
) -> None:
    """eye65: a purchase's ``items`` were cut to 100 characters (another id, a prefix of the
    one bought) where a page's or an event's one ``item`` past 100 is not kept."""
    change = Change(now=0.0)
    change.add_event("purchase", event)
    assert change.bought == kept and change.purchases == 1


@pytest.mark.parametrize("down", [False, True])
async def test_a_beacon_without_a_cookie_while_the_store_is_down_is_told_so(
    make_settings: Make, down: bool
) -> None:
    """concurrency67: a new visitor's page, served while Redis was down, set no cookie; its
    beacon was answered 400 "no visitor cookie: events follow a page view" (it had followed
    one), where the README promises 202 and the store's state."""
    mw = Omotenashi(shop(), settings=make_settings(RULES, journey=JOURNEY))
    async with client_for(mw) as client:
        if down:
            mw.store.breaker.opened_at = mw.store.breaker.clock()  # (as five failed reads do)
        sent = await client.post(BEACON, json={"name": "video_play"}, headers=JSON)
        bad = await client.post(BEACON, json={"name": "not_allowed"}, headers=JSON)
    if down:
        assert sent.status_code == 202
        assert sent.json() == {"stored": False, "reason": "the profile store is unavailable"}
        assert bad.status_code == 422  # (what is wrong with it said first: review67)
    else:
        assert sent.status_code == 400
        assert "no visitor cookie" in sent.json()["error"]
