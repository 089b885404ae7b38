"""Values over 64 bytes are kept in pieces (store/pieces.py), so one long referrer, UTM value,
attribute or reason no longer turns a visitor's whole profile into Redis's larger encoding:
read back exactly, rewritten without stale pieces, by the scripts and by the seeding tool."""

from __future__ import annotations

import json

import pytest
import redis
from hypothesis import given
from hypothesis import strategies as st

from omotenashi.engine import limits
from omotenashi.engine.change import Change
from omotenashi.identity.cookie import user_profile_id
from omotenashi.ids import new_vid
from omotenashi.store import pieces
from omotenashi.store.seed import seed_profile
from omotenashi.store.store import Store

NOW = 1_800_000_000.0
DAY = 86400.0
TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=400)


@given(TEXT)
def test_pieces_are_whole_characters_of_at_most_64_bytes_that_join_back(text: str) -> None:
    parts = pieces.split(text)
    assert "".join(parts) == text and all(len(p.encode()) <= 64 for p in parts)
    assert len(parts) == 1 or all(parts)
    assert pieces.joined(pieces.rewrite([], {"fref": text})[0]) == {"fref": text}


@given(TEXT, TEXT)
def test_a_rewrite_leaves_no_stale_piece(first: str, second: str) -> None:
    hash_ = pieces.rewrite([], {"fa": first, "fb": first})[0]
    write, drop = pieces.rewrite(list(hash_), {"fa": second})
    for name in drop:
        hash_.pop(name, None)
    hash_.update(write)
    assert pieces.joined(hash_) == {"fa": second, "fb": first}
    extra = [len(pieces.split(v)) - 1 for v in (second, first)]
    assert sum(f[:1] == pieces.MARK for f in hash_) == sum(extra) + any(extra)
    assert hash_.get(pieces.MARK) == (str(sum(map(bool, extra))) if any(extra) else None)


LONG = {
    "utm_content": "https://blog.example/2026/11/our-favourite-places-to-see-the-northern-lights"
    "?utm_medium=social&ref=" + "x" * 150,
    "utm_campaign": "winter-sale-2026-lapland-and-kyoto-—-15%-off-" + "é日" * 40,
    "utm_source": "n",
}
ATTRS = {"bio": "Likes " + "quiet onsen towns, " * 11, "first_name": "Aiko"}
REASON = "you are not on the page /tours/kyoto-autumn or the page /tours/lapland-aurora"


def visit(now: float, attrs: dict[str, object], first: dict[str, str] | None = None) -> Change:
    change = Change(now=now, view=True, new_visit=first is not None, shown=["r"], attrs=attrs)
    change.first = first or {}
    change.shown_why = {"r": [now, [REASON]]}
    return change


def values(r: redis.Redis, key: str) -> dict[str, str]:
    return {str(k): str(v) for k, v in r.hgetall(key).items()}


pytestmark = pytest.mark.anyio


async def test_long_values_keep_the_profile_compact_and_read_back_exactly(
    store: Store, omotenashi_redis: redis.Redis
) -> None:
    vid = new_vid()
    key = store.key(vid, "p2")
    await store.record(vid, visit(NOW, ATTRS, LONG), DAY)
    assert omotenashi_redis.object("encoding", key) == "listpack"
    assert max(len(v.encode()) for v in values(omotenashi_redis, key).values()) <= 64
    profile = await store.load(vid)
    assert profile.first_touch == LONG and profile.attrs == ATTRS
    assert profile.shown_why == {"r": (NOW, [REASON])}
    assert omotenashi_redis.hget(key, pieces.MARK) == "4"  # content, campaign, bio, reason
    await store.record(vid, visit(NOW + 60, {"bio": "short now"}), DAY)  # rewritten shorter
    assert omotenashi_redis.hget(key, pieces.MARK) == "3"
    assert not any(f.endswith(":abio") for f in values(omotenashi_redis, key))
    assert (await store.load(vid)).attrs == {"bio": "short now", "first_name": "Aiko"}
    await store.erase(vid)
    assert omotenashi_redis.keys(f"omo:{{{vid}}}:*") == []


async def test_long_values_merge_on_sign_in(store: Store, omotenashi_redis: redis.Redis) -> None:
    anon, user = new_vid(), user_profile_id("salt", new_vid())
    await store.record(user, visit(NOW, {"first_name": "Aiko"}, {"utm_source": "x"}), DAY)
    await store.record(anon, visit(NOW - 60, ATTRS, LONG), DAY)
    assert await store.merge(anon, user, NOW + 60, DAY)
    assert omotenashi_redis.object("encoding", store.key(user, "p2")) == "listpack"
    merged = await store.load(user)
    assert merged.attrs == ATTRS and merged.shown_why == {"r": (NOW, [REASON])}


def test_the_seeding_tool_writes_pieces_and_leaves_none_stale(
    omotenashi_redis: redis.Redis,
) -> None:
    pid = new_vid()
    key = f"omo:{{{pid}}}:p2"
    seed_profile(omotenashi_redis, pid, attrs=ATTRS)
    assert omotenashi_redis.object("encoding", key) == "listpack"
    assert pieces.joined(values(omotenashi_redis, key))["abio"] == json.dumps(ATTRS["bio"])
    seed_profile(omotenashi_redis, pid, attrs={"bio": "short"})
    left = values(omotenashi_redis, key)
    assert not any(f[:1] == pieces.MARK for f in left) and left["abio"] == '"short"'


def consistent(r: redis.Redis, key: str) -> dict[str, str]:
    """The hash as written, after checking how it is kept: every name and value at most 64
    bytes, every piece and hashed field with its own, and the count true."""
    raw = values(r, key)
    assert all(len(f.encode()) <= 64 and len(v.encode()) <= 64 for f, v in raw.items())
    owners = {pieces.owner(f) for f in raw if pieces.owner(f) != f}
    assert owners <= set(raw)  # no piece without its field
    hashed = [f for f in raw if f[:1] == pieces.HASHED]
    assert {pieces.NAME + f[1:] for f in hashed} == {f for f in raw if f[:1] == pieces.NAME}
    assert raw.get(pieces.MARK) == (str(len(hashed) + len(owners)) if hashed or owners else None)
    assert r.object("encoding", key) == "listpack"
    return pieces.joined(raw)


SLUG = "a-week-in-the-japanese-alps-walking-the-nakasendo-trail-with-a-local-guide-{}"
TOPIC = "北海道の冬の祭りと温泉を巡る旅{}"  # 15 characters: 45 bytes and more


async def test_long_item_ids_and_topics_keep_the_profile_compact(
    store: Store, omotenashi_redis: redis.Redis
) -> None:
    vid = new_vid()
    key = store.key(vid, "p2")
    items = [SLUG.format(n) for n in range(limits.VIEWED_KEEP + 5)]
    for n, item in enumerate(items):  # the first five viewed go (VIEWED_KEEP)
        change = Change(now=NOW + n, view=True, items=[item], topics=[TOPIC.format(n % 3)])
        change.cart_add = {item: 1} if n < 3 else {}
        await store.record(vid, change, DAY)
    await store.record(vid, Change(now=NOW + 99, cart_remove=[items[0]]), DAY)
    await store.record(vid, Change(now=NOW + 99, bought=[items[1]], purchases=1), DAY)
    whole = consistent(omotenashi_redis, key)
    profile = await store.load(vid)
    assert set(profile.viewed) == set(items[5:]) and profile.cart == dict.fromkeys(items[1:3], 1)
    assert profile.purchased == {items[1]}
    assert set(profile.interests) == {TOPIC.format(n) for n in range(3)}
    assert f"w{items[0]}" not in whole and f"c{items[0]}" not in whole


async def test_long_names_merge_and_erase(store: Store, omotenashi_redis: redis.Redis) -> None:
    anon, user = new_vid(), user_profile_id("salt", new_vid())
    await store.record(user, Change(now=NOW, view=True, items=[SLUG.format("u")]), DAY)
    await store.record(anon, Change(now=NOW, view=True, items=[SLUG.format("a")]), DAY)
    assert await store.merge(anon, user, NOW + 1, DAY)
    consistent(omotenashi_redis, store.key(user, "p2"))
    assert set((await store.load(user)).viewed) == {SLUG.format("u"), SLUG.format("a")}
    await store.erase(user)
    assert omotenashi_redis.keys(f"omo:{{{user}}}:*") == []


@given(st.lists(st.tuples(st.text(min_size=1, max_size=40), TEXT), max_size=6))
def test_python_writes_long_names_as_the_scripts_do(entries: list[tuple[str, str]]) -> None:
    fields = {"w" + name * 3: value for name, value in entries}
    write, drop = pieces.rewrite([], fields)
    assert drop == ([] if pieces.MARK in write else [pieces.MARK])
    assert pieces.joined(write) == fields
    assert all(len(f.encode()) <= 64 and len(v.encode()) <= 64 for f, v in write.items())


async def test_a_long_name_written_whole_before_stays_one_entry(
    store: Store, omotenashi_redis: redis.Redis
) -> None:
    """A profile written before long names were hashed holds them whole (in the larger
    encoding): they are read, changed and removed as they are, never doubled by a hashed
    copy; the seeding tool writes over them the same way."""
    vid, item, other = new_vid(), SLUG.format("old"), SLUG.format("older")
    key = store.key(vid, "p2")
    omotenashi_redis.hset(key, mapping={"F": int(NOW), "V": 1, f"c{item}": 2, f"w{item}": 0})
    omotenashi_redis.hset(key, mapping={f"w{other}": 0})
    change = Change(now=NOW + 100, view=True, items=[item])
    change.cart_remove = [item]
    await store.record(vid, change, DAY)
    assert f"c{item}" not in omotenashi_redis.hkeys(key)
    again = Change(now=NOW + 200, view=True)
    again.cart_add = {item: 1, other: 3}
    await store.record(vid, again, DAY)
    profile = await store.load(vid)
    assert profile.cart == {item: 1, other: 3}
    assert profile.viewed == {item: NOW + 100, other: NOW}
    names = {f for f in omotenashi_redis.hkeys(key) if f.startswith(("c", "w", pieces.HASHED))}
    hashed = {pieces.key_of(f"c{item}"), pieces.key_of(f"c{other}")}  # cart entries made anew
    assert names == {f"w{item}", f"w{other}"} | hashed
    seed_profile(omotenashi_redis, vid, viewed=[other], cart={item: 5})
    assert pieces.key_of(f"w{other}") not in omotenashi_redis.hkeys(key)  # still whole, once
    assert (await store.load(vid)).cart == {item: 5, other: 3}
