"""The profile update exists twice: ``engine.change.apply`` (this page sees it) and the store's
RECORD_SCRIPT (what Redis keeps). Random changes applied both ways to a real Redis must give the
same profile, so the two cannot drift apart unnoticed."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest
import redis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from omotenashi.engine.change import Change, apply
from omotenashi.engine.profile import FIRST_TOUCH, STAGE_ORDER, Profile
from omotenashi.ids import new_vid
from omotenashi.store.replies import profile_from_reply
from omotenashi.store.store import LOAD_SCRIPT, PARTS, RECORD_SCRIPT

HALF_LIFE = 7 * 86400.0
TTL = 3600
# Small names and few of them: the Lua script's size bounds (engine/limits.py) stay far away.
names = st.text(alphabet="abcdefgh-_0123", min_size=1, max_size=6)
few_names = st.lists(names, max_size=3, unique=True)
values = st.one_of(st.integers(-1000, 1000), st.booleans(), st.text(max_size=8), st.none())


@st.composite
def changes(draw: Any, now: float) -> Change:
    items = draw(few_names)
    return Change(
        now=now,
        view=draw(st.booleans()),
        new_visit=draw(st.booleans()),
        gap=draw(st.sampled_from([0, 1800, 4 * 86400])),  # 4 days: the second write's visit goes on
        absent_days=draw(st.none() | st.floats(0, 400, allow_nan=False).map(lambda x: round(x, 3))),
        topics=draw(few_names),
        items=items,
        shown=draw(few_names),
        events=draw(st.dictionaries(names, st.integers(1, 5), max_size=3)),
        cart_add=draw(st.dictionaries(names, st.integers(1, 5), max_size=3)),
        cart_remove=draw(st.lists(st.sampled_from(items), unique=True)) if items else [],
        cart_less=draw(st.dictionaries(names, st.integers(1, 5), max_size=2)),  # (words52)
        cart_clear=draw(st.booleans()),
        purchases=draw(st.integers(0, 2)),
        stage=draw(st.none() | st.sampled_from(STAGE_ORDER)),
        stage_back=(back := draw(st.booleans())),
        stage_was=draw(st.sampled_from(["", *STAGE_ORDER])) if back else "",  # (journey58)
        first=draw(st.dictionaries(st.sampled_from(FIRST_TOUCH), names, max_size=2)),
        attrs=draw(st.dictionaries(names, values, max_size=3)),
        caps=draw(
            st.dictionaries(
                names,
                st.tuples(st.sampled_from(["day", "week", f"v{int(now)}"]), st.integers(1, 9)).map(
                    list
                ),
            )
        ),
        bought=draw(few_names),
        unrecorded=draw(st.booleans()),  # (a page while the history is off: HO)
    )


@st.composite
def judged_changes(draw: Any, now: float) -> Change:
    """A change, with the counts its stage move was judged on (right or moved since) and a
    judgement again it took, or not (journey58: store/stagemoves.py)."""
    change = draw(changes(now))
    counts = st.integers(0, 6)
    counted = {f"e{name}": draw(counts) for name in change.events}
    if change.purchases:
        counted["P"] = draw(counts)
    if counted and draw(st.booleans()):
        change.counted, change.judged = counted, ",".join(sorted(change.events) or ["purchase"])
    change.rejudged = draw(st.sampled_from(["", "purchase", "a,purchase"]))
    return change


def record(client: redis.Redis, vid: str, change: Change, compact: bool = False) -> Profile:
    """``compact``: written in the compact forms (store/forms.py), read the same."""
    keys = [f"omo:{{{vid}}}:{part}" for part in (*PARTS, "profile")]
    script = client.register_script(RECORD_SCRIPT)
    script(keys=keys, args=[json.dumps(change.payload(TTL, HALF_LIFE) | {"compact": compact})])
    return load(client, vid)


def load(client: redis.Redis, vid: str) -> Profile:
    keys = [f"omo:{{{vid}}}:{part}" for part in (*PARTS, "profile")]
    return profile_from_reply(client.register_script(LOAD_SCRIPT)(keys=keys))  # type: ignore[arg-type]


def close(
    a: float | None, b: float | None, *, second: bool = False, decimals: bool = False
) -> bool:
    """Equal as Redis keeps numbers: interest scores to 3 decimals (``decimals``), times
    (``second``) in whole seconds (store/scripts.py)."""
    if a is None or b is None:
        return a is b
    if second:
        return math.floor(a) == b
    if decimals:
        return abs(a - b) <= 5e-4 + 1e-9 * abs(a)
    return math.isclose(a, b, rel_tol=1e-5, abs_tol=1e-9)


def assert_same(python: Profile, lua: Profile) -> None:
    exact = (
        "visits views stage attrs shown events purchases cart first_touch caps purchased unrecorded"
        " rejudge"
    ).split()
    for name in exact:
        assert getattr(python, name) == getattr(lua, name), name
    for name in ("first_seen", "last_seen", "visit_start", "cart_at", "purchase_at"):
        assert close(getattr(python, name), getattr(lua, name), second=True), name
    assert close(python.absent_days, lua.absent_days)
    assert python.viewed.keys() == lua.viewed.keys()
    assert python.bought_at.keys() == lua.bought_at.keys()
    assert all(close(at, lua.bought_at[item], second=True) for item, at in python.bought_at.items())
    assert all(close(at, lua.viewed[item], second=True) for item, at in python.viewed.items())
    assert python.interests.keys() == lua.interests.keys()
    for topic, (score, at) in python.interests.items():
        assert close(score, lua.interests[topic][0], decimals=True), topic
        assert close(at, lua.interests[topic][1], second=True), topic


@pytest.mark.parametrize("compact", [(False, False), (True, True), (True, False)])
@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    first=judged_changes(1_800_000_000.0),
    second=judged_changes(1_800_000_000.0 + 3 * 86400 + 0.125),
)
def test_python_and_lua_profile_updates_agree(
    omotenashi_redis: redis.Redis, compact: tuple[bool, bool], first: Change, second: Change
) -> None:
    """``compact``: each write in the compact forms or not (on, then off: a rollback)."""
    vid = new_vid()
    before = record(omotenashi_redis, vid, first, compact[0])  # whatever state it left
    assert_same(apply(Profile(), first, HALF_LIFE), before)
    after = record(omotenashi_redis, vid, second, compact[1])
    assert_same(apply(before, second, HALF_LIFE), after)


@pytest.mark.parametrize(
    ("stage", "back", "moved"),
    [
        ("interest", False, "consideration"),
        ("interest", True, "interest"),
        ("loyalty", False, "loyalty"),
    ],
)
def test_the_stage_moves_forward_unless_a_decay_rule_moves_it_back(
    omotenashi_redis: redis.Redis, stage: str, back: bool, moved: str
) -> None:
    vid = new_vid()
    before = record(omotenashi_redis, vid, Change(now=1.0, stage="consideration"))
    change = Change(now=2.0, stage=stage, stage_back=back)
    after = record(omotenashi_redis, vid, change)
    assert apply(before, change, HALF_LIFE).stage == after.stage == moved
