"""An interest's score is kept to 3 decimals (goal 8: Redis memory per profile), and the value
stays in the layout the release before (00c9c14) reads and writes, both ways, during a rolling
deploy: ``"<score> <when>"``.

It was kept to 6 significant digits ("1.93303 300", 12 bytes), where a score decayed between
views rarely is whole: a week-in profile holds about 18 interests, two bytes each to spare. The
engine reads a score rounded to one decimal (``Profile.interest_now``), so 3 decimals change no
rule's answer. The release before's readers are copied here as they were (its Lua pattern and
its Python partition, store/replies.py at 00c9c14): a value this release writes parses with
them, and one that release wrote (six digits) reads here as it did there. A real Redis, the
real record script.
"""

from __future__ import annotations

import json
import re

import pytest
import redis

from omotenashi.engine.change import Change
from omotenashi.ids import new_vid
from omotenashi.store.replies import profile_from_reply
from omotenashi.store.store import LOAD_SCRIPT, PARTS, RECORD_SCRIPT

HALF_LIFE = 7 * 86400.0
NOW = 1_800_000_000.0
OLD_LUA = re.compile(r"^(\S+) (\S+)$")  # 00c9c14's scripts.py: string.match(v, '^(%S+) (%S+)$')


def old_python(value: str, base: float) -> tuple[float, float]:
    """00c9c14's store/replies.py, an interest's value read (its ``elif kind == "i"``)."""
    score, _, at = value.partition(" ")
    return float(score) or 0.0, base + float(at)


def keys(vid: str) -> list[str]:
    return [f"omo:{{{vid}}}:{part}" for part in (*PARTS, "profile")]


def record(client: redis.Redis, vid: str, change: Change) -> None:
    script = client.register_script(RECORD_SCRIPT)
    script(keys=keys(vid), args=[json.dumps(change.payload(3600, HALF_LIFE))])


@pytest.mark.parametrize(
    ("ages", "stored", "score"),
    [
        # 1 + 0.5^(1/10): 1.933032991..., kept as "1.93303" before
        ((HALF_LIFE / 10,), "1.933", 1.933),
        ((HALF_LIFE / 3,), "1.794", 1.794),  # 1.7937005...: "1.7937" before
        ((HALF_LIFE,), "1.5", 1.5),  # no trailing zeros
        ((60.0,), "2", 2.0),  # 1.99993...: "1.99993" before
        ((0.0,), "2", 2.0),  # the same second: a whole count, as before
        ((HALF_LIFE / 10, HALF_LIFE / 10), "2.804", 2.804),  # 1 + 0.933... * 1.933
    ],
)
def test_an_interest_is_kept_to_three_decimals_in_the_layout_the_release_before_reads(
    omotenashi_redis: redis.Redis, ages: tuple[float, ...], stored: str, score: float
) -> None:
    vid = new_vid()
    now = NOW
    record(omotenashi_redis, vid, Change(now=now, new_visit=True, topics=["kyoto"]))
    for age in ages:
        now += age
        record(omotenashi_redis, vid, Change(now=now, topics=["kyoto"]))
    text = omotenashi_redis.hget(keys(vid)[0], "ikyoto")
    assert isinstance(text, str)
    kept, _, at = text.partition(" ")
    assert kept == stored
    assert at == str(int(now - NOW))
    assert OLD_LUA.match(text)  # the release before's record and merge scripts read it
    assert old_python(text, NOW) == (score, now // 1)
    loaded = profile_from_reply(omotenashi_redis.register_script(LOAD_SCRIPT)(keys=keys(vid)))
    assert loaded.interests["kyoto"] == (score, now // 1)


def test_a_score_the_release_before_kept_reads_here_as_there(
    omotenashi_redis: redis.Redis,
) -> None:
    vid = new_vid()
    record(omotenashi_redis, vid, Change(now=NOW, new_visit=True, topics=["kyoto"]))
    omotenashi_redis.hset(keys(vid)[0], "ikyoto", "1.93303 300")  # as 00c9c14 wrote it
    loaded = profile_from_reply(omotenashi_redis.register_script(LOAD_SCRIPT)(keys=keys(vid)))
    assert loaded.interests["kyoto"] == old_python("1.93303 300", NOW) == (1.93303, NOW + 300)
    record(omotenashi_redis, vid, Change(now=NOW + 300, topics=["kyoto"]))  # this one's write
    value = omotenashi_redis.hget(keys(vid)[0], "ikyoto")
    assert value == "2.933 300"
