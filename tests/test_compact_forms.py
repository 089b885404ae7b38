"""The profile's compact forms (store/forms.py, ``OMOTENASHI_REDIS_COMPACT``): written only with
the setting on, read by every reader of this release whatever it is set to, and the same answers
either way: visits, interests, shown rules and their reasons, caps, merges, erase, the export.
Old forms (the release before's) read as ever; a compact profile written with the setting off
is written back in the full forms the release before reads."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
import redis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from omotenashi.engine.change import Change
from omotenashi.engine.profile import Profile
from omotenashi.identity.cookie import user_profile_id
from omotenashi.ids import new_vid
from omotenashi.metrics import Metrics
from omotenashi.settings import Settings
from omotenashi.store.argument import record_argument
from omotenashi.store.replies import profile_from_reply
from omotenashi.store.seed import seed_profile
from omotenashi.store.store import LOAD_SCRIPT, PARTS, RECORD_SCRIPT, Store
from omotenashi.store.why import encode

from .test_store_layout import FAMILY, page

pytestmark = pytest.mark.anyio

HALF_LIFE = 7 * 86400.0
NOW = 1_800_000_000.0
X = "you have looked at pages about Hawaii 2 or more times"
E = encode(X)  # as the profile keeps it: "\x01Hawaii 2\x02"


def keys(vid: str) -> list[str]:
    return [f"omo:{{{vid}}}:{part}" for part in (*PARTS, "profile")]


def record(client: redis.Redis, vid: str, change: Change, compact: bool) -> None:
    arg = json.loads(record_argument(change, 3600, HALF_LIFE, 0)) | {"compact": compact}
    client.register_script(RECORD_SCRIPT)(keys=keys(vid), args=[json.dumps(arg)])


def load(client: redis.Redis, vid: str) -> Profile:
    return profile_from_reply(client.register_script(LOAD_SCRIPT)(keys=keys(vid)))  # type: ignore[arg-type]


def raw(client: redis.Redis, vid: str) -> dict[str, str]:
    return client.hgetall(f"omo:{{{vid}}}:p2")  # type: ignore[return-value]


names = st.sampled_from(["hawaii", "bali", "a-long-topic-name", "x"])
rules = st.sampled_from(["hero", "tag", "picks"])
reasons = st.lists(st.sampled_from([X, "your cart", "z" * 40, "y" * 30]), max_size=3)


@st.composite
def steps(draw: Any) -> list[tuple[Change, bool]]:
    out, now = [], NOW
    for _ in range(draw(st.integers(1, 4))):
        now += draw(st.sampled_from([0, 0.5, 60, 3 * 86400]))
        shown = draw(st.lists(rules, max_size=2, unique=True))
        change = Change(
            now=now,
            view=draw(st.booleans()),
            new_visit=draw(st.booleans()),
            topics=draw(st.lists(names, max_size=2, unique=True)),
            shown=shown,
            caps={r: ["d1", 1] for r in shown},
        )
        said = draw(st.lists(rules, max_size=2, unique=True))
        change.shown_why = {
            r: [draw(st.sampled_from([now, now - 30])), draw(reasons)] for r in said
        }
        out.append((change, draw(st.booleans())))
    return out


@settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(changes=steps())
def test_any_mix_of_compact_and_full_writes_reads_as_full_writes_alone(
    omotenashi_redis: redis.Redis, changes: list[tuple[Change, bool]]
) -> None:
    """Each write with the setting on or off (a rollout, a rollback of the setting): the
    profile read after each is the one written with it off throughout."""
    full, mixed = new_vid(), new_vid()
    for change, compact in changes:
        record(omotenashi_redis, full, change, False)
        record(omotenashi_redis, mixed, change, compact)
        assert vars(load(omotenashi_redis, mixed)) == vars(load(omotenashi_redis, full))
        if not compact:  # written with it off: the full forms, field by field
            assert raw(omotenashi_redis, mixed) == raw(omotenashi_redis, full)


def test_a_first_page_written_compact_leaves_out_what_it_can(omotenashi_redis: redis.Redis) -> None:
    vid = new_vid()
    first = page(NOW, {"hero": [X]}, new_visit=True, topics=["hawaii"])
    record(omotenashi_redis, vid, first, True)
    record(omotenashi_redis, vid, page(NOW + 60, {"tag": [X]}, topics=["bali"]), True)
    fields = raw(omotenashi_redis, vid)
    assert "N" not in fields and fields["V"] == "2" and fields["L"] == "60"
    assert fields["ihawaii"] == "1" and fields["ibali"] == "1 60"  # the first page's: F's time
    assert fields["shero"] == "1 0 \x1f" + E  # L has moved on: written out
    assert fields["stag"] == "1 \x1f" + E  # L's time
    p = load(omotenashi_redis, vid)
    assert (p.visits, p.views, p.visit_start) == (1, 2, NOW)
    assert p.interests == {"hawaii": (1.0, NOW), "bali": (1.0, NOW + 60)}
    assert p.shown_why == {"hero": (NOW, [X]), "tag": (NOW + 60, [X])}


@pytest.mark.parametrize(
    ("fields", "visits", "interest", "why"),
    [  # the release before's forms: a missing N is no visit (seen through events only)
        ({"F": "100", "L": "9", "eview": "1"}, 0, None, None),
        ({"F": "100", "L": "9", "V": "3", "N": "1", "ia": "2 5"}, 1, (2.0, 105.0), None),
        ({"F": "100", "L": "9", "V": "1", "N": "2", "sr": "1 5 \x1fx"}, 2, None, (105.0, ["x"])),
        (
            {"F": "100", "L": "9", "V": "1", "N": "1", "sr": "1 5 0", "0": "x"},
            1,
            None,
            (105.0, ["x"]),
        ),
        # the compact forms: N of 1 beside views, an interest at F, a shown rule at L
        ({"F": "100", "L": "9", "V": "2", "ia": "2.5"}, 1, (2.5, 100.0), None),
        ({"F": "100", "L": "9", "V": "2", "sr": "1 \x1fx"}, 1, None, (109.0, ["x"])),
        ({"F": "100", "L": "9", "V": "2", "sr": "1 .0", "0": "x"}, 1, None, (109.0, ["x"])),
        ({"F": "100", "L": "9", "V": "2", "sr": "1 ."}, 1, None, (109.0, [])),
        ({"F": "100", "L": "9", "V": "2", "N": "0"}, 0, None, None),  # (no page does that)
    ],
)
def test_both_forms_read_as_written(
    fields: dict[str, str],
    visits: int,
    interest: tuple[float, float] | None,
    why: tuple[float, list[str]] | None,
) -> None:
    p = profile_from_reply([[x for kv in fields.items() for x in kv], [], None])
    assert p.visits == visits
    assert p.interests.get("a") == interest
    assert p.shown_why.get("r") == why


@pytest.mark.parametrize("compact", [False, True])
def test_a_compact_profile_written_on_is_read_and_kept_by_the_scripts(
    omotenashi_redis: redis.Redis, compact: bool
) -> None:
    """A compact profile as the setting on leaves it; the next page (setting on, or off: a
    rollback of the setting) counts the visit, decays the interest and keeps the reason's time."""
    vid = new_vid()
    f = {"F": "1800000000", "L": "60", "V": "2", "ihawaii": "2", "shero": "1 \x1f" + E}
    omotenashi_redis.hset(f"omo:{{{vid}}}:p2", mapping=f)
    later = NOW + 7 * 86400
    record(
        omotenashi_redis,
        vid,
        Change(now=later, view=True, new_visit=True, topics=["hawaii"]),
        compact,
    )
    p = load(omotenashi_redis, vid)
    assert (p.visits, p.views, p.visit_start) == (2, 3, later)
    assert p.interests == {"hawaii": (2.0, later)}  # 2 halved in a week, and this page's 1
    assert p.shown_why == {"hero": (NOW + 60, [X])}
    if not compact:  # as the release before writes them
        fields = raw(omotenashi_redis, vid)
        assert (fields["N"], fields["ihawaii"], fields["shero"]) == (
            "2",
            "2 604800",
            "1 60 \x1f" + E,
        )


@pytest.fixture(params=[False, True], ids=["full", "compact"])
async def either(
    omotenashi_redis_url: str, omotenashi_redis: redis.Redis, request: Any
) -> AsyncIterator[Store]:
    cfg = {"url": omotenashi_redis_url, "read_timeout": 2.0, "write_timeout": 2.0}
    made = Store(Settings(redis=cfg | {"compact": request.param}).redis, Metrics())
    made.connect(omotenashi_redis_url)
    try:
        yield made
    finally:
        await made.aclose()


async def journey(store: Store) -> tuple[str, str]:
    """A returning family visitor's first pages, then a sign-in with an earlier anonymous
    profile (its first visit before the user's: every time is moved with F)."""
    anon, user = new_vid(), user_profile_id("salt", new_vid())
    first = page(NOW, FAMILY, new_visit=True, topics=["hawaii", "family"], items=["kyoto"])
    first.caps = {"hawaii-image": ["d20819", 1]}
    await store.record(user, first, HALF_LIFE)
    await store.record(
        user, page(NOW + 60, {"family-picks": FAMILY["family-picks"]}, topics=["hawaii"]), HALF_LIFE
    )
    await store.record(
        anon, page(NOW - 3600, {"hawaii-image": [X]}, new_visit=True, topics=["bali"]), HALF_LIFE
    )
    await store.record(anon, page(NOW - 3500, {}, topics=["bali"]), HALF_LIFE)
    return anon, user


async def test_a_journey_and_its_merge_give_the_same_answers_either_way(
    either: Store, omotenashi_redis: redis.Redis
) -> None:
    anon, user = await journey(either)
    before = await either.load(user)
    assert (before.visits, before.views, before.shown["hawaii-image"]) == (1, 2, 1)
    assert before.shown_why["hawaii-image"] == (NOW, FAMILY["hawaii-image"])
    assert before.shown_why["family-picks"] == (NOW + 60, FAMILY["family-picks"])
    assert before.interests["family"] == (1.0, NOW) and before.caps == {
        "hawaii-image": ("d20819", 1)
    }
    fields = raw(omotenashi_redis, user)
    assert ("N" not in fields) is either.cfg.compact
    assert (fields["ifamily"] == "1") is either.cfg.compact
    assert await either.merge(anon, user, NOW + 120, HALF_LIFE)
    merged = await either.load(user)
    assert (merged.first_seen, merged.visits, merged.views) == (NOW - 3600, 2, 4)
    assert merged.interests["family"] == (1.0, NOW) and merged.interests["bali"][1] == NOW + 120
    assert merged.shown_why["hawaii-image"] == (NOW, FAMILY["hawaii-image"])
    assert merged.shown_why["family-picks"] == (NOW + 60, FAMILY["family-picks"])
    assert merged.shown == {**before.shown, "hawaii-image": 2}
    export = merged.to_export()
    assert export["visits"] == 2 and export["interests"]
    await either.erase(user)
    assert omotenashi_redis.keys(f"omo:{{{user}}}:*") == []


async def test_a_merge_gives_the_same_profile_either_way(
    store: Store, omotenashi_redis_url: str
) -> None:
    on = Store(Settings(redis={"url": omotenashi_redis_url, "compact": True}).redis, Metrics())
    on.connect(omotenashi_redis_url)
    try:
        got = []
        for s in (store, on):
            anon, user = await journey(s)
            await s.merge(anon, user, NOW + 120, HALF_LIFE)
            got.append(vars(await s.load(user)) | {"merged": None, "joined": None})
        assert got[0] == got[1]
    finally:
        await on.aclose()


def test_seeding_over_a_compact_profile_keeps_its_times(omotenashi_redis: redis.Redis) -> None:
    """``profile set`` moves L: a shown rule kept at L's time is written out first."""
    vid = new_vid()
    record(omotenashi_redis, vid, page(NOW, {"hero": [X]}, new_visit=True, topics=["a"]), True)
    assert raw(omotenashi_redis, vid)["shero"] == "1 \x1f" + E
    seed_profile(omotenashi_redis, vid, last_seen=NOW + 500, events={"x": 1})
    p = load(omotenashi_redis, vid)
    assert (p.visits, p.last_seen, p.shown_why) == (1, NOW + 500, {"hero": (NOW, [X])})
    assert p.interests == {"a": (1.0, NOW)}
