"""Random visitor lives against a real Redis, checking how every profile is kept after each step
(store/pieces.py): long values in pieces and long names by hash through records, merges on
sign-in, the seeding tool and erase; what is read back is what was written."""

from __future__ import annotations

import random
from typing import Any

import pytest
import redis

from omotenashi.engine.change import Change
from omotenashi.identity.cookie import user_profile_id
from omotenashi.ids import new_vid
from omotenashi.store.seed import seed_profile
from omotenashi.store.store import Store

from .test_pieces import consistent

pytestmark = pytest.mark.anyio
DAY = 86400.0
CHARS = ["a", "é", "日", "😀", "/", '"', "\\", " "]
FIRST = ("utm_content", "utm_campaign")  # (a referrer is cut to its site: test_old_referrers.py)


def text(rnd: random.Random) -> str:
    """Around the cuts: 1 to 250 UTF-8 bytes of characters of every width."""
    size, out = rnd.choice([1, 62, 63, 64, 65, 66, 127, 128, 129, 250]), ""
    while len(out.encode()) < size:
        out += rnd.choice(CHARS)
    return out


def item(rnd: random.Random) -> str:
    """An item id: short, or a long URL slug (its profile field names over 64 bytes)."""
    return f"slug-{'x' * rnd.choice([1, 58, 59, 60, 80, 95])}{rnd.randint(0, 30)}"


def empty() -> dict[str, Any]:
    return {"attrs": {}, "first": {}, "why": {}, "cart": {}}


async def step(
    rnd: random.Random, store: Store, r: redis.Redis, pid: str, model: dict[str, Any], now: float
) -> None:
    """One random thing a visitor does, and what the model expects of it."""
    op = rnd.choice(["attr", "first", "why", "items", "cart", "cart", "seed"])
    change = Change(now=now, view=True)
    if op == "attr":
        change.attrs = {rnd.choice("xyz"): text(rnd) for _ in range(rnd.randint(1, 3))}
        model["attrs"].update(change.attrs)
    elif op == "first":
        change.first = {key: text(rnd) for key in FIRST}
        for key, value in change.first.items():
            model["first"].setdefault(key, value)
    elif op == "why":
        rule, said = rnd.choice(["r1", "r2"]), [text(rnd) for _ in range(rnd.randint(0, 3))]
        change.shown, change.shown_why = [rule], {rule: [now, said]}
        model["why"][rule] = said
    elif op == "items":
        change.items = [item(rnd) for _ in range(rnd.randint(1, 6))]
        change.topics = [text(rnd).replace(" ", "x") for _ in range(2)]
    elif op == "cart":
        change.cart_add = {item(rnd): rnd.randint(1, 3) for _ in range(2)}
        change.cart_remove = [i for i in model["cart"] if rnd.random() < 0.5]
        for gone in change.cart_remove:
            model["cart"].pop(gone)
        for added, qty in change.cart_add.items():
            model["cart"][added] = model["cart"].get(added, 0) + qty
    else:
        attrs = {rnd.choice("xyz"): text(rnd)}
        seed_profile(r, pid, attrs=attrs)
        model["attrs"].update(attrs)
        return
    await store.record(pid, change, DAY)


@pytest.mark.parametrize("seed", [1, 2, 3])
async def test_random_lives_keep_every_profile_compact_and_exact(
    store: Store, omotenashi_redis: redis.Redis, seed: int
) -> None:
    rnd, now = random.Random(seed), 1_800_000_000.0
    for _ in range(2):
        anon, user = new_vid(), user_profile_id("salt", new_vid())
        models = {anon: empty(), user: empty()}
        for _ in range(25):
            now += 60
            pid = rnd.choice([anon, anon, user])
            if pid == user and rnd.random() < 0.2 and await store.merge(anon, user, now, DAY):
                mine, theirs = models[user], models.pop(anon)
                for part in ("attrs", "first", "why"):
                    mine[part] = {**theirs[part], **mine[part]}
                for added, qty in theirs["cart"].items():
                    mine["cart"][added] = mine["cart"].get(added, 0) + qty
                anon = new_vid()
                models[anon] = empty()
            else:
                await step(rnd, store, omotenashi_redis, pid, models[pid], now)
            for who, model in models.items():
                if omotenashi_redis.exists(store.key(who, "p2")):
                    consistent(omotenashi_redis, store.key(who, "p2"))
                got = await store.load(who)
                first = {k: got.first_touch[k] for k in FIRST if k in got.first_touch}
                assert (got.attrs, first) == (model["attrs"], model["first"])
                assert got.cart == model["cart"]
                assert {k: why for k, (_, why) in got.shown_why.items()} == model["why"]
        for who in models:
            await store.erase(who)
            assert omotenashi_redis.keys(f"omo:{{{who}}}:*") == []
