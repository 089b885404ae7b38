"""Signing in carries everything the anonymous profile held: frequency caps (the stricter state of
each), the items bought (a union) and the recommendation pairs (their scores added), within the
bounds and expiry the record script keeps, against a real Redis."""

from __future__ import annotations

import math
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
from omotenashi.store.recs import LEARN_SCRIPT, OWN, SHARED
from omotenashi.store.store import Store

from .conftest import client_for

pytestmark = pytest.mark.anyio
DAY = 86400.0
HALF_LIFE = 7 * DAY
NOW = 1_800_000_000.0
TODAY, YESTERDAY = f"d{int(NOW // DAY)}", f"d{int(NOW // DAY) - 1}"

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
    if also:
        r.zadd(store.key(vid, "also"), also)


@pytest.mark.parametrize("user_had", [False, True], ids=["new-user", "user-with-a-profile"])
async def test_caps_bought_and_pairs_carry_over(
    store: Store, omotenashi_redis: redis.Redis, user_had: bool
) -> None:
    anon, user = new_vid(), user_profile_id("salt", new_vid())
    await seed(store, omotenashi_redis, anon, 0, ["kyoto", "both"], {"a>b": 3.0, "a>c": 1.0})
    if user_had:
        await seed(store, omotenashi_redis, user, 1, ["lapland", "both"], {"a>b": 3.0, "x>y": 2.0})
    assert await store.merge(anon, user, NOW, HALF_LIFE) is True
    merged = await store.load(user)
    if user_had:
        assert merged.caps == {rule: want for rule, _, _, want in CAPS}
        assert merged.purchased == {"kyoto", "lapland", "both"}
        assert merged.also == pytest.approx({"a>b": 4.0, "a>c": 1.0, "x>y": 2.0})  # log2 sums
    else:
        assert merged.caps == {rule: c for rule, c, _, _ in CAPS if c is not None}
        assert merged.purchased == {"kyoto", "both"}
        assert merged.also == {"a>b": 3.0, "a>c": 1.0}
    assert omotenashi_redis.keys(f"omo:{{{anon}}}:*") == []
    ttl = store.cfg.idle_ttl  # a user's keys: the full idle expiry, the pairs' key too
    assert ttl - 5 <= omotenashi_redis.ttl(store.key(user, "also")) <= ttl


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
    best = sorted({**mine, **theirs}.items(), key=lambda kv: -kv[1])[:ALSO_KEEP]
    assert merged.also == dict(best)


def log_add(x: float, y: float) -> float:
    return max(x, y) + math.log2(1 + 2 ** (min(x, y) - max(x, y)))


async def test_pair_scores_add_as_learning_adds_them(
    store: Store, omotenashi_redis: redis.Redis
) -> None:
    anon, user = new_vid(), user_profile_id("salt", new_vid())
    await seed(store, omotenashi_redis, user, 1, [], {"a>b": 10.25, "c>d": -3.0})
    await seed(store, omotenashi_redis, anon, 0, [], {"a>b": 7.125, "c>d": -3.0})
    assert await store.merge(anon, user, NOW, HALF_LIFE) is True
    also = (await store.load(user)).also
    assert also == pytest.approx({"a>b": log_add(10.25, 7.125), "c>d": -2.0}, abs=5e-3)


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
async def test_pair_scores_are_kept_to_two_decimals(
    store: Store, omotenashi_redis: redis.Redis, first: float, then: float
) -> None:
    """Redis writes a sorted set's scores as text in its compact encoding: a full double
    ("11.200272807128359") took a fifth of a visitor's pairs; two decimals are kept."""
    anon, user = new_vid(), user_profile_id("salt", new_vid())
    await seed(store, omotenashi_redis, user, 1, [], {"a>b": first})
    await seed(store, omotenashi_redis, anon, 0, [], {"a>b": then})
    assert await store.merge(anon, user, NOW, HALF_LIFE) is True
    assert omotenashi_redis.zscore(store.key(user, "also"), "a>b") == round(log_add(first, then), 2)
    own, shared = store.key(user, "also"), "omo:rec:co:a"
    for x in (first, then):  # learning: a visitor's own pairs rounded, the shared lists not
        omotenashi_redis.eval(LEARN_SCRIPT, 1, own, 10, 60, OWN, "c>d", x)
        omotenashi_redis.eval(LEARN_SCRIPT, 1, shared, 10, 60, SHARED, "b", x)
    assert omotenashi_redis.zscore(own, "c>d") == round(log_add(round(first, 2), then), 2)
    assert omotenashi_redis.zscore(shared, "b") == pytest.approx(log_add(first, then), abs=1e-12)


def test_popularity_keeps_growing_for_an_item_viewed_hundreds_of_thousands_of_times(
    omotenashi_redis: redis.Redis,
) -> None:
    """A view adds log2(1 + 1/views) to an item's score: below a millionth past ~1.4M decayed
    views, which a score kept to a few decimals would drop (the shared lists are not rounded)."""
    key, big = "omo:rec:pop", math.log2(3_000_000)
    omotenashi_redis.eval(LEARN_SCRIPT, 1, key, 10, 60, SHARED, "top", big)
    for _ in range(100):
        omotenashi_redis.eval(LEARN_SCRIPT, 1, key, 10, 60, SHARED, "top", 0.0)
    grown = 2 ** float(omotenashi_redis.zscore(key, "top")) - 3_000_000
    assert grown == pytest.approx(100, rel=0.01)


@pytest.mark.parametrize("member", ["AAAAAAkyoto1", "~AAAAAA\x1fkyoto"], ids=["codes", "apart"])
async def test_this_release_s_pairs_keep_their_scores_as_whole_numbers(
    store: Store, omotenashi_redis: redis.Redis, member: str
) -> None:
    """This release keeps a pair's score × 100 as a whole number (1-3 bytes in Redis's compact
    sorted set, where ``10.43`` took 5): a sign-in's merge and learning add in log2 and keep it
    so; a pair of the release before (``seed>item``) beside it keeps its two decimals."""
    anon, user = new_vid(), user_profile_id("salt", new_vid())
    await seed(store, omotenashi_redis, user, 1, [], {member: 1025.0, "a>b": 10.25})
    await seed(store, omotenashi_redis, anon, 0, [], {member: 712.0, "a>b": 7.12})
    assert await store.merge(anon, user, NOW, HALF_LIFE) is True
    own = store.key(user, "also")
    merged = round(100 * log_add(10.25, 7.12))
    assert omotenashi_redis.zscore(own, member) == merged
    assert omotenashi_redis.zscore(own, "a>b") == round(log_add(10.25, 7.12), 2)
    omotenashi_redis.eval(LEARN_SCRIPT, 1, own, 10, 60, OWN, member, 9.5)
    learned = round(100 * log_add(merged / 100, 9.5))
    assert omotenashi_redis.zscore(own, member) == learned
    also = (await store.load(user)).also
    assert pair_score(member, also[member]) == pytest.approx(learned / 100)
    assert pair_score("a>b", also["a>b"]) == round(log_add(10.25, 7.12), 2)
    assert omotenashi_redis.object("encoding", own) == "listpack"
