"""The profile's layout (store/scripts.py): one compact hash per visitor, reasons kept exactly
and once, times that follow a merge, and the first layout's deny markers and keys honoured."""

from __future__ import annotations

import pytest
import redis

from omotenashi.engine import limits
from omotenashi.engine.change import Change, apply
from omotenashi.identity.cookie import user_profile_id
from omotenashi.ids import new_vid
from omotenashi.store import privacy
from omotenashi.store.store import Store
from omotenashi.store.why import MORE_PHRASES, PHRASES, decode, encode

from .test_store_contracts import HALF_LIFE

pytestmark = pytest.mark.anyio

NOW = 1_800_000_000.0
# A returning family visitor of the demo: what the first of bench/landing.py's JOURNEYS holds.
FAMILY = {
    "hawaii-image": ["you have looked at pages about Hawaii 2 or more times"],
    "you-may-also-like": [
        "Hawaii for couples: Because you have been looking at Hawaii",
        "Bali retreat for two: Because you have been looking at beach holidays",
        "Lapland aurora nights: Because you have been looking at family holidays",
        "Iceland ring road: Something different",
    ],
    "interest-tagline": ["you have been exploring what we offer"],
    "hawaii-family-hero": [
        "you have looked at pages about family holidays 2 or more times",
        "you have looked at pages about Hawaii 2 or more times",
        "you looked at “Hawaii for families”",
    ],
    "family-picks": ["you have looked at pages about family holidays"],
}


def page(now: float, why: dict[str, list[str]], **more: object) -> Change:
    change = Change(now=now, view=True, shown=list(why), **more)  # type: ignore[arg-type]
    change.shown_why = {rule: [now, list(said)] for rule, said in why.items()}
    return change


@pytest.mark.parametrize(
    ("sentence", "stored"),
    [
        ("you have looked at pages about Hawaii 2 or more times", None),
        ("Tokyo lights: Because you viewed Kyoto in autumn", None),
        ("your cart is empty", None),
        ("plain words, no stock phrase at all", "plain words, no stock phrase at all"),
        ("日本語の理由 “quoted”", "日本語の理由 “quoted”"),
        ("a\x01b\tc\nd", "a b c d"),  # control characters (never written) are kept as spaces
        ("a\x80b\x9fc", None),  # C1 ones are kept (a link's campaign can hold one: final45)
    ],
)
def test_a_reason_reads_back_as_it_was_said(sentence: str, stored: str | None) -> None:
    assert decode(encode(sentence)) == (sentence if stored is None else stored)
    assert len(encode(sentence)) <= len(sentence)
    assert stored is None or encode(sentence) == stored


def test_the_stock_phrases_are_shortened() -> None:
    for phrase in PHRASES:
        assert len(encode(phrase)) == 1 and decode(encode(phrase)) == phrase
    for phrase in MORE_PHRASES:  # NUL and a capital
        assert len(encode(phrase)) == 2 and decode(encode(phrase)) == phrase


@pytest.mark.parametrize(
    ("sentence", "stored"),
    [
        ("we have no record of you buying “Kyoto in autumn”", "\x00A“Kyoto in autumn”"),
        ("we have no record of an earlier visit of yours", "\x00Can earlier visit of yours"),
        ("you looked at “Bali”, which is in our sale list", "\x04Bali”\x00F"),
    ],
)
def test_the_phrases_after_the_first_thirty_are_kept_in_two_bytes(
    sentence: str, stored: str
) -> None:
    assert encode(sentence) == stored and decode(stored) == sentence


@pytest.mark.parametrize(
    ("old", "read"),
    [  # C0 codes only, as releases before wrote; a C1 character of a campaign's as it was
        (
            "\x0dthe page\x1f\x04Kyoto in autumn”",
            "you have seen the page\x1fyou looked at “Kyoto in autumn”",
        ),
        ("\x14our a\x80b link", "you came from our a\x80b link"),
    ],
)
def test_what_a_release_before_more_phrases_stored_reads_back_the_same(old: str, read: str) -> None:
    assert decode(old) == read


def test_a_code_a_later_release_added_reads_as_nothing() -> None:
    assert decode("\x00Zyou") == "you"  # never a wrong phrase


async def test_a_typical_profile_is_one_compact_hash_with_its_reasons_exact(
    store: Store,  # noqa: F811
    omotenashi_redis: redis.Redis,
) -> None:
    vid = new_vid()
    first = page(NOW, FAMILY, new_visit=True, topics=["hawaii", "family"], items=["hawaii-family"])
    await store.record(vid, first, HALF_LIFE)
    await store.record(vid, page(NOW + 60, FAMILY, topics=["hawaii", "beach"]), HALF_LIFE)
    profile = await store.load(vid)
    key = f"omo:{{{vid}}}:p2"
    assert omotenashi_redis.keys(f"omo:{{{vid}}}:*") == [key]
    assert omotenashi_redis.object("encoding", key) == "listpack"  # small: see store/scripts.py
    assert profile.shown == dict.fromkeys(FAMILY, 2)
    assert profile.shown_why == {rule: (NOW + 60, said) for rule, said in FAMILY.items()}
    assert (profile.first_seen, profile.last_seen, profile.visit_start) == (NOW, NOW + 60, NOW)
    assert profile.viewed == {"hawaii-family": NOW}
    assert profile.interests["hawaii"][1] == profile.interests["beach"][1] == NOW + 60
    assert profile.interest_now(NOW + 60, HALF_LIFE) == {"hawaii": 2.0, "family": 1.0, "beach": 1.0}
    numbered = {f: decode(v) for f, v in omotenashi_redis.hgetall(key).items() if f.isdigit()}
    assert sorted(numbered.values()) == sorted(FAMILY["you-may-also-like"])  # too long inline


@pytest.mark.parametrize(
    ("said", "numbered"),
    [
        (["you have been exploring what we offer"], 0),  # in the rule's own value
        (["you have looked at pages about family holidays", "your cart is empty"], 0),
        (["Tokyo lights: Because you viewed Kyoto in autumn", "x" * 40], 2),  # too long: numbered
        ([], 0),
    ],
)
async def test_short_reasons_live_in_their_rules_value_and_long_ones_are_numbered(
    store: Store,  # noqa: F811
    omotenashi_redis: redis.Redis,
    said: list[str],
    numbered: int,
) -> None:
    vid = new_vid()
    await store.record(vid, page(NOW, {"a": said}), HALF_LIFE)
    assert (await store.load(vid)).shown_why == {"a": (NOW, said)}
    fields = omotenashi_redis.hkeys(f"omo:{{{vid}}}:p2")
    assert sum(f.isdigit() for f in fields) == numbered


X, Y, Z = "x" * 61, "y" * 61, "z" * 61  # too long to be kept in a rule's own value


@pytest.mark.parametrize(
    ("later", "kept"),
    [
        ({"a": [Z]}, {Y, Z}),  # X is said by no rule any more: gone
        ({"b": [X]}, {X, Y}),
        ({"a": [], "b": []}, set()),
    ],
)
async def test_a_reason_is_kept_once_and_only_while_a_rule_says_it(
    store: Store,  # noqa: F811
    omotenashi_redis: redis.Redis,
    later: dict[str, list[str]],
    kept: set[str],
) -> None:
    vid = new_vid()
    await store.record(vid, page(NOW, {"a": [X, Y], "b": [Y]}), HALF_LIFE)
    await store.record(vid, page(NOW + 1, later), HALF_LIFE)
    fields = omotenashi_redis.hgetall(f"omo:{{{vid}}}:p2")
    assert {decode(str(v)) for f, v in fields.items() if f.isdigit()} == kept
    said = {"a": [X, Y], "b": [Y]} | later
    assert {r: w for r, (_, w) in (await store.load(vid)).shown_why.items()} == said


async def test_merging_an_earlier_first_visit_keeps_every_time_true(
    store: Store,  # noqa: F811
) -> None:
    anon, user = new_vid(), user_profile_id("salt", new_vid())
    mine = page(NOW, {"a": ["mine"]}, new_visit=True, topics=["hawaii"], items=["kyoto"])
    await store.record(user, mine, HALF_LIFE)
    await store.record(anon, page(NOW - 3600, {"b": ["theirs"]}, new_visit=True), HALF_LIFE)
    assert await store.merge(anon, user, NOW + 60, HALF_LIFE)
    merged = await store.load(user)
    assert (merged.first_seen, merged.last_seen, merged.visit_start) == (NOW - 3600, NOW, NOW)
    assert merged.interests == {"hawaii": (1.0, NOW)} and merged.viewed == {"kyoto": NOW}
    assert merged.shown_why == {"a": (NOW, ["mine"]), "b": (NOW - 3600, ["theirs"])}
    assert merged.merged == {anon: NOW + 60}


async def test_a_deny_marker_of_the_first_layout_still_holds(
    store: Store,  # noqa: F811
    omotenashi_redis: redis.Redis,
) -> None:
    vid = new_vid()
    old = f"omo:{{{vid}}}:profile"
    omotenashi_redis.hset(old, "revoked", int(NOW))
    omotenashi_redis.expire(old, 3600)
    await store.record(vid, page(NOW, {"a": ["x"]}, topics=["hawaii"]), HALF_LIFE)
    assert not omotenashi_redis.exists(f"omo:{{{vid}}}:p2")  # nothing written
    assert (await store.load(vid)).revoked and await privacy.is_revoked(store, vid)
    await store.erase(vid)  # the marker stays, in this layout's hash
    assert omotenashi_redis.keys(f"omo:{{{vid}}}:*") == [f"omo:{{{vid}}}:p2"]
    assert omotenashi_redis.hgetall(f"omo:{{{vid}}}:p2") == {"revoked": str(int(NOW))}
    assert 0 < omotenashi_redis.ttl(f"omo:{{{vid}}}:p2") <= 3600


LONG = [  # over 64 bytes once coded: kept in pieces (store/pieces.py), cut between characters
    "you are not on the page /tours/kyoto-autumn or the page /tours/lapland-aurora",
    "you looked at “Lapland aurora nights”, which is in our sale list" + " and more" * 3,
    "é" * 40 + "日本語の理由" * 9,  # two- and three-byte characters across every cut
    "🌸" * 33,  # four bytes each: 132 bytes
    "x" * 64 + "y",
    "z" * 800,  # the longest kept (engine/limits.py MAX_REASON_BYTES)
]


@pytest.mark.parametrize("said", [[s] for s in LONG] + [LONG[:3], [LONG[0], "short", LONG[0]]])
async def test_a_long_reason_is_kept_in_pieces_and_the_hash_stays_compact(
    store: Store,  # noqa: F811
    omotenashi_redis: redis.Redis,
    said: list[str],
) -> None:
    vid = new_vid()
    await store.record(vid, page(NOW, {"a": said, "b": said[:1]}), HALF_LIFE)
    key = f"omo:{{{vid}}}:p2"
    raw = omotenashi_redis.hgetall(key)
    assert max(len(v.encode()) for v in raw.values()) <= 64  # each piece whole characters
    assert omotenashi_redis.object("encoding", key) == "listpack"
    assert (await store.load(vid)).shown_why == {"a": (NOW, said), "b": (NOW, said[:1])}
    await store.record(vid, page(NOW + 1, {"a": ["short"], "b": ["short"]}), HALF_LIFE)
    left = omotenashi_redis.hkeys(key)  # no reason, nor any piece of one, left behind
    assert not any(f.isdigit() or f[:1] == "\x1e" for f in left)


async def test_long_reasons_merge_in_pieces_too(
    store: Store,  # noqa: F811
    omotenashi_redis: redis.Redis,
) -> None:
    anon, user = new_vid(), user_profile_id("salt", new_vid())
    await store.record(user, page(NOW, {"a": LONG[:2]}, new_visit=True), HALF_LIFE)
    await store.record(anon, page(NOW - 60, {"b": LONG[2:4]}, new_visit=True), HALF_LIFE)
    assert await store.merge(anon, user, NOW + 60, HALF_LIFE)
    key = f"omo:{{{user}}}:p2"
    assert omotenashi_redis.object("encoding", key) == "listpack"
    merged = (await store.load(user)).shown_why
    assert merged == {"a": (NOW, LONG[:2]), "b": (NOW - 60, LONG[2:4])}


async def test_a_new_interest_takes_the_place_of_the_weakest_once_the_profile_is_full(
    store: Store,  # noqa: F811
) -> None:
    vid = new_vid()
    full = [f"t{n:02d}" for n in range(limits.MAX_TOPICS)]
    await store.record(vid, page(NOW, {}, new_visit=True, topics=full[:10]), HALF_LIFE)
    later = NOW + HALF_LIFE  # the first ten have decayed to 0.5 by now
    await store.record(vid, page(later, {}, topics=full[10:]), HALF_LIFE)
    await store.record(vid, page(later, {}, topics=full[10:]), HALF_LIFE)  # the rest: 2
    before, change = await store.load(vid), page(later + 60, {}, topics=["new"])
    await store.record(vid, change, HALF_LIFE)
    kept = (await store.load(vid)).interests
    assert len(kept) == limits.MAX_TOPICS and "new" in kept  # it was refused for good
    assert set(full) - set(kept) == {"t00"}  # the weakest (a tie: the first name) went
    assert apply(before, change, HALF_LIFE).interests.keys() == kept.keys()  # as the engine sees


async def test_a_full_profile_keeps_its_stronger_interests_over_a_weaker_new_one(
    store: Store,  # noqa: F811
) -> None:
    anon, user = new_vid(), user_profile_id("salt", new_vid())
    full = [f"t{n:02d}" for n in range(limits.MAX_TOPICS)]
    for _ in range(3):  # each of the user's at 3
        await store.record(user, page(NOW, {}, topics=full), HALF_LIFE)
    await store.record(anon, page(NOW - 3 * HALF_LIFE, {}, topics=["old"]), HALF_LIFE)
    for _ in range(4):  # "fresh" at 4: stronger than the weakest of the user's
        await store.record(anon, page(NOW, {}, topics=["fresh"]), HALF_LIFE)
    assert await store.merge(anon, user, NOW, HALF_LIFE)
    kept = (await store.load(user)).interests
    assert len(kept) == limits.MAX_TOPICS and "fresh" in kept and "old" not in kept


@pytest.mark.parametrize(
    ("fraction", "topics", "gone"),
    [
        (0.0, ["new1", "new2", "t05"], {"t00", "t01"}),
        (0.5, ["new1", "new2", "t05"], {"t00", "t01"}),
        (0.999, ["new1", "new2", "t05"], {"t00", "t01"}),
        (0.5, ["new1", "t00", "new2"], {"t01", "t02"}),  # t00, held and on the page, stays
    ],
)
async def test_a_full_profile_takes_a_page_s_new_topics_as_the_engine_sees_them(
    store: Store,  # noqa: F811
    fraction: float,
    topics: list[str],
    gone: set[str],
) -> None:
    """Every new topic of a page gets in (none makes room for another of the page's), whatever
    the held ones' strength, and Redis keeps what the engine's view of the page said."""
    vid = new_vid()
    full = [f"t{n:02d}" for n in range(limits.MAX_TOPICS)]
    for _ in range(3):  # all at 3: stronger than any new one
        await store.record(vid, page(NOW, {}, topics=full), HALF_LIFE)
    before = await store.load(vid)
    change = page(NOW + 3600 + fraction, {}, topics=topics)
    await store.record(vid, change, HALF_LIFE)
    kept = (await store.load(vid)).interests
    assert set(topics) <= kept.keys() and len(kept) == limits.MAX_TOPICS
    assert set(full) - set(kept) == gone  # a tie: the first names went
    held = [t for t in topics if t in before.interests]  # read again: grown, not started anew
    assert all(kept[t][0] > before.interest_now(NOW + 3600, HALF_LIFE)[t] for t in held)
    assert apply(before, change, HALF_LIFE).interests.keys() == kept.keys()
