"""Signing in carries everything the anonymous profile held: frequency caps (the stricter state of
each), the items bought (a union) and the viewed items (from which recommendation pairs are
worked out: no pair is carried, nor kept, since release 48; an ``also`` key of an earlier
release is erased with the anonymous profile), within the bounds and expiry the record script
keeps, against a real Redis."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest
import redis
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse
from starlette.routing import Route

from omotenashi import Omotenashi, Settings, identify, track
from omotenashi.engine import limits
from omotenashi.engine.change import Change
from omotenashi.identity.cookie import user_profile_id
from omotenashi.ids import new_vid
from omotenashi.recommend.coview import ALSO_KEEP, pair_score
from omotenashi.store.recs import LEARN_SCRIPT, SHARED
from omotenashi.store.store import Store

from .conftest import client_for

pytestmark = pytest.mark.anyio
DAY = 86400.0
HALF_LIFE = 7 * DAY
NOW = 1_800_000_000.0
TODAY, YESTERDAY = f"d{int(NOW // DAY)}", f"d{int(NOW // DAY) - 1}"
OLD_TTL = 3600  # what an earlier release last gave an ``also`` key (the expiry of then)

# rule: anonymous cap, the user's own (None: none), what the signed-in profile holds
CAPS: list[tuple[str, tuple[str, int] | None, tuple[str, int] | None, tuple[str, int]]] = [
    ("promo", ("ever", 3), None, ("ever", 3)),  # only the visitor's: carried
    ("seen-more-anon", ("ever", 3), ("ever", 1), ("ever", 3)),  # same period: the larger count
    ("seen-more-user", ("ever", 1), ("ever", 4), ("ever", 4)),
    ("daily", (TODAY, 2), (TODAY, 1), (TODAY, 2)),
    ("changed", (TODAY, 2), ("ever", 1), ("ever", 1)),  # the cap changed: the user's own
    ("newer-day", (TODAY, 1), (YESTERDAY, 5), (TODAY, 1)),  # yesterday's restrains nothing
    ("older-day", (YESTERDAY, 5), (TODAY, 1), (TODAY, 1)),
    ("~name", (TODAY, 1), None, (TODAY, 1)),  # the name's and the intents' entries too
    ("user-only", None, ("week", 2), ("week", 2)),
]


def caps_of(side: int) -> dict[str, list[object]]:
    return {rule: [c[0], c[1]] for rule, *both, _ in CAPS if (c := both[side]) is not None}


async def seed(
    store: Store, r: redis.Redis, vid: str, side: int, bought: list[str], also: dict[str, float]
) -> None:
    change = Change(now=NOW - 600, view=True, caps=caps_of(side), bought=bought, purchases=1)
    await store.record(vid, change, HALF_LIFE)
    if also:  # as an earlier release wrote it, with the profile's expiry of then
        r.zadd(store.key(vid, "also"), also)
        r.expire(store.key(vid, "also"), OLD_TTL)


@pytest.mark.parametrize("user_had", [False, True], ids=["new-user", "user-with-a-profile"])
async def test_caps_and_bought_carry_over_and_old_pairs_do_not(
    store: Store, omotenashi_redis: redis.Redis, user_had: bool
) -> None:
    """Caps and items bought carry over; the anonymous profile's ``also`` key (an earlier
    release's) is not carried (the viewed items are, from which pairs are worked out) but
    erased with the rest of it; the user's own old key is left as it was kept, its expiry not
    renewed: it lapses when that release said (until 48b the merge renewed it)."""
    anon, user = new_vid(), user_profile_id("salt", new_vid())
    await seed(store, omotenashi_redis, anon, 0, ["kyoto", "both"], {"a>b": 3.0, "a>c": 1.0})
    if user_had:
        await seed(store, omotenashi_redis, user, 1, ["lapland", "both"], {"a>b": 3.0, "x>y": 2.0})
    assert await store.merge(anon, user, NOW, HALF_LIFE) is True
    merged = await store.load(user)
    if user_had:
        assert merged.caps == {rule: want for rule, _, _, want in CAPS}
        assert merged.purchased == {"kyoto", "lapland", "both"}
        assert merged.also == {"a>b": 3.0, "x>y": 2.0}  # (its own: nothing added)
    else:
        assert merged.caps == {rule: c for rule, c, _, _ in CAPS if c is not None}
        assert merged.purchased == {"kyoto", "both"}
        assert merged.also == {}
    assert omotenashi_redis.keys(f"omo:{{{anon}}}:*") == []
    kept = omotenashi_redis.ttl(store.key(user, "also"))
    assert 0 < kept <= OLD_TTL if user_had else kept == -2
    hash_ttl = omotenashi_redis.ttl(store.key(user, "p2"))  # the profile's: the full idle one
    assert store.cfg.idle_ttl - 5 <= hash_ttl <= store.cfg.idle_ttl


async def test_the_bounds_hold_across_a_merge(store: Store, omotenashi_redis: redis.Redis) -> None:
    anon, user = new_vid(), user_profile_id("salt", new_vid())
    mine = {f"u{i}>x": float(i) for i in range(ALSO_KEEP)}
    theirs = {f"a{i}>x": i + 0.5 for i in range(ALSO_KEEP)}
    full = [f"item{i}" for i in range(limits.MAX_BOUGHT)]
    await seed(store, omotenashi_redis, user, 1, full, mine)
    await seed(store, omotenashi_redis, anon, 0, ["one-more"], theirs)
    assert await store.merge(anon, user, NOW, HALF_LIFE) is True
    merged = await store.load(user)
    # the latest 50, as the record script keeps them (one time for all: the last by name go on)
    assert merged.purchased == {*full[1:], "one-more"}
    assert merged.also == mine  # no pair carried: the old key is the user's own, as kept


def log_add(x: float, y: float) -> float:
    return max(x, y) + math.log2(1 + 2 ** (min(x, y) - max(x, y)))


@pytest.mark.parametrize("member", ["AAAAAAkyoto1", "~AAAAAA\x1fkyoto"], ids=["codes", "apart"])
async def test_an_earlier_release_s_pairs_read_back_as_kept(
    store: Store, omotenashi_redis: redis.Redis, member: str
) -> None:
    """Releases 39-47 kept a pair's score × 100 as a whole number, the ones before as log2 to
    two decimals (``seed>item``): the export and the data page read both as log2 scores."""
    user = user_profile_id("salt", new_vid())
    await seed(store, omotenashi_redis, user, 1, [], {member: 1025.0, "a>b": 10.25})
    also = (await store.load(user)).also
    assert pair_score(member, also[member]) == pair_score("a>b", also["a>b"]) == 10.25


RULES = """
rules:
  - {id: promo, slot: hero, text: "Capped promo", cap: {views: 3, per: ever}, why: "A promo."}
"""
PAGE = '<!doctype html><html><body><div data-omo-slot="hero">Default</div></body></html>'


def app() -> Starlette:
    async def page(request: Request) -> HTMLResponse:
        return HTMLResponse(PAGE)

    async def login(request: Request) -> RedirectResponse:
        await identify(request, request.path_params["user"])
        return RedirectResponse("/", status_code=303)

    async def buy(request: Request) -> RedirectResponse:
        await track(request, "purchase", {"items": [request.path_params["item"]]})
        return RedirectResponse("/", status_code=303)

    return Starlette(
        routes=[
            Route("/", page),
            Route("/login/{user}", login, methods=["POST"]),
            Route("/buy/{item}", buy, methods=["POST"]),
        ]
    )


async def shows(client: httpx.AsyncClient) -> bool:
    return "Capped promo" in (await client.get("/")).text


@pytest.mark.parametrize("user_had", [False, True], ids=["new-user", "user-with-a-profile"])
async def test_a_capped_rule_stays_hidden_after_signing_in(
    make_settings: Callable[..., Settings], omotenashi_redis: redis.Redis, user_had: bool
) -> None:
    middleware = Omotenashi(app(), settings=make_settings(RULES))
    async with client_for(middleware) as phone, client_for(middleware) as laptop:
        if user_had:  # the user saw it once on another device
            await laptop.post("/login/aiko")
            assert await shows(laptop)
            await laptop.post("/buy/lapland")
        assert [await shows(phone) for _ in range(4)] == [True, True, True, False]
        await phone.post("/buy/kyoto")
        await phone.post("/login/aiko")
        assert not await shows(phone)  # "ever: 3" carried over: the promise holds
        if user_had:
            assert not await shows(laptop)  # same person, other device
        user = user_profile_id(middleware.signer.user_salt, "aiko")
        export: Any = (await middleware.store.load(user)).to_export()
    assert export["caps"]["promo"]["count"] == 3
    assert export["purchased"] == (["kyoto", "lapland"] if user_had else ["kyoto"])


@pytest.mark.parametrize(
    ("anon_items", "user_items", "full"),
    [
        (["a"], ["b"], False),
        ([f"a{i}" for i in range(30)], [f"u{i}" for i in range(30)], True),  # 60 > 50 kept
        ([f"a{i}" for i in range(60)], [], True),  # the anonymous list had let items go
    ],
)
async def test_a_viewed_list_that_let_items_go_stays_so_across_a_merge(
    store: Store, omotenashi_redis: redis.Redis, anon_items: list[str], user_items: list[str],
    full: bool,
) -> None:  # fmt: skip
    """Once a visitor's viewed list has let an item go, their views teach recommendations no
    more (recommend/coview.py): a sign-in must not reset that, nor hide an overflow it makes."""
    anon, user = new_vid(), user_profile_id("salt", new_vid())
    await store.record(anon, Change(now=NOW - 600, view=True, items=anon_items), HALF_LIFE)
    if user_items:
        await store.record(user, Change(now=NOW - 900, view=True, items=user_items), HALF_LIFE)
    assert (await store.load(anon)).viewed_full == (len(anon_items) > limits.VIEWED_KEEP)
    assert await store.merge(anon, user, NOW, HALF_LIFE) is True
    merged = await store.load(user)
    assert merged.viewed_full is full
    assert len(merged.viewed) == min(limits.VIEWED_KEEP, len(anon_items) + len(user_items))


async def test_what_was_counted_for_popularity_stays_counted_across_a_merge(
    store: Store, omotenashi_redis: redis.Redis
) -> None:
    """Counted items carry their mark over (either side's), and the user's own keep theirs
    when the older anonymous profile moves the first visit back (the times are rebased)."""
    anon, user = new_vid(), user_profile_id("salt", new_vid())
    await store.record(anon, Change(now=NOW - 900, view=True, items=["a", "b"]), HALF_LIFE)
    await store.record(user, Change(now=NOW - 600, view=True, items=["c", "b"]), HALF_LIFE)
    # "a" not counted yet (anonymous); "b" counted on the anonymous side only; "c" counted
    omotenashi_redis.hset(store.key(anon, "p2"), mapping={"wa": "0?", "wb": "0"})
    omotenashi_redis.hset(store.key(user, "p2"), mapping={"wb": "0?", "wc": "0"})
    assert (await store.load(user)).uncounted == {"b"}
    assert await store.merge(anon, user, NOW, HALF_LIFE) is True
    merged = await store.load(user)
    assert merged.uncounted == {"a"}
    assert merged.viewed == {"a": NOW - 900, "b": NOW - 600, "c": NOW - 600}


@pytest.mark.parametrize(("first", "then"), [(10.25, 7.125), (11.200272807128359, 11.2003181)])
def test_the_shared_lists_keep_their_scores_whole(
    omotenashi_redis: redis.Redis, first: float, then: float
) -> None:
    """Learning adds in log2 and never rounds a shared list's score (the visitor's own pairs,
    rounded to two decimals until 48, are no longer kept)."""
    shared = "omo:rec:co:a"
    omotenashi_redis.delete(shared)
    for x in (first, then):
        omotenashi_redis.eval(LEARN_SCRIPT, 1, shared, 10, int(time.time()) + 60, SHARED, "b", x)
    assert omotenashi_redis.zscore(shared, "b") == pytest.approx(log_add(first, then), abs=1e-12)


def test_popularity_keeps_growing_for_an_item_viewed_hundreds_of_thousands_of_times(
    omotenashi_redis: redis.Redis,
) -> None:
    """A view adds log2(1 + 1/views) to an item's score: below a millionth past ~1.4M decayed
    views, which a score kept to a few decimals would drop (the shared lists are not rounded)."""
    key, big = "omo:rec:pop", math.log2(3_000_000)
    omotenashi_redis.eval(LEARN_SCRIPT, 1, key, 10, int(time.time()) + 60, SHARED, "top", big)
    for _ in range(100):
        omotenashi_redis.eval(LEARN_SCRIPT, 1, key, 10, int(time.time()) + 60, SHARED, "top", 0.0)
    grown = 2 ** float(omotenashi_redis.zscore(key, "top")) - 3_000_000
    assert grown == pytest.approx(100, rel=0.01)
