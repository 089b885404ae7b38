"""A value in pieces never makes a piece's name longer than Redis keeps compact (goal 8).

A piece is named ``\\x1e<k>:<field>``: for a field of 61-64 bytes that is 65 bytes or more, and
the whole profile left Redis's compact encoding (hypothesis found it, store/test_pieces.py). A
name over 56 bytes whose value is in pieces is now kept by its hash, as a name over 64 bytes
always was, by the scripts and by the seeding tool alike; one kept whole till then goes. The
release before (00c9c14) reads and writes a hashed name of any length as its own (its scan:
a hashed name over a whole one). A real Redis, the real record script.
"""

from __future__ import annotations

import json

import pytest
import redis

from omotenashi.engine.change import Change
from omotenashi.ids import new_vid
from omotenashi.store import pieces
from omotenashi.store.replies import profile_from_reply
from omotenashi.store.store import LOAD_SCRIPT, PARTS, RECORD_SCRIPT

NOW = 1_800_000_000.0


def keys(vid: str) -> list[str]:
    return [f"omo:{{{vid}}}:{part}" for part in (*PARTS, "profile")]


def record(client: redis.Redis, vid: str, change: Change) -> None:
    script = client.register_script(RECORD_SCRIPT)
    script(keys=keys(vid), args=[json.dumps(change.payload(3600, 7 * 86400.0))])


@pytest.mark.parametrize(
    ("name", "values", "hashed"),
    [
        ("n" * 62, ["v" * 100], True),  # "a" + 62 bytes: a piece's name was 66
        ("n" * 63, ["short", "v" * 100], True),  # whole, then in pieces: hashed, once
        ("n" * 63, ["v" * 100, "short"], True),  # hashed stays hashed
        ("n" * 55, ["v" * 300], False),  # 56 bytes: its pieces' names fit
        ("é" * 31, ["v" * 100], True),  # bytes, not characters: 63
        ("n" * 62, ["short"], False),  # no pieces: whole
    ],
)
def test_no_piece_name_is_longer_than_redis_keeps_compact(
    omotenashi_redis: redis.Redis, name: str, values: list[str], hashed: bool
) -> None:
    vid = new_vid()
    key = keys(vid)[0]
    record(omotenashi_redis, vid, Change(now=NOW, new_visit=True))
    for n, value in enumerate(values, 1):
        record(omotenashi_redis, vid, Change(now=NOW + n, attrs={name: value}))
    raw = omotenashi_redis.hgetall(key)
    assert all(len(f.encode()) <= 64 and len(v.encode()) <= 64 for f, v in raw.items())
    assert omotenashi_redis.object("encoding", key) == "listpack"
    assert (f"a{name}" not in raw) is hashed  # one entry: hashed, or whole
    loaded = profile_from_reply(omotenashi_redis.register_script(LOAD_SCRIPT)(keys=keys(vid)))
    assert loaded.attrs == {name: values[-1]}
    # the seeding tool writes the same fields over the same hash
    write, drop = pieces.rewrite(list(raw), {f"a{name}": json.dumps(values[-1])})
    assert {f: v for f, v in raw.items() if f in write} == write
    assert not set(drop) & set(raw)  # nothing stale: the state the scripts left


def test_the_seeding_tool_hashes_a_name_kept_whole_till_its_value_is_in_pieces() -> None:
    field = "a" + "n" * 62
    first, _ = pieces.rewrite([], {field: "short"})
    assert first == {field: "short"}
    write, drop = pieces.rewrite(list(first), {field: "v" * 100})
    assert field in drop and field not in write
    assert all(len(f.encode()) <= 64 and len(v.encode()) <= 64 for f, v in write.items())
    assert pieces.joined(write) == {field: "v" * 100}
