"""``omotenashi profile set`` (and the seeding fixture) refuse a value the profile could not
hold: an interest's score, an event's or a cart item's count that is no number is one line
and exit 2, never a profile that silently reads 0."""

from __future__ import annotations

import pytest
import redis

from omotenashi.cli.main import main

VID = "cd" * 16


@pytest.mark.parametrize(
    ("field", "says"),
    [
        (
            "interest.hawaii=high",
            "profile field 'interests': 'hawaii' must be a number, got 'high'",
        ),
        ("interest.hawaii=NaN", "'hawaii' must be a number"),
        ("event.video_play=often", "'video_play' must be a whole number >= 0, got 'often'"),
        ("event.video_play=1.5", "'video_play' must be a whole number >= 0, got 1.5"),
        ("cart.kona=-1", "'kona' must be a whole number >= 0, got -1"),
        ("cart.kona=true", "'kona' must be a whole number >= 0, got True"),
        ("interest.hawaii=2.5", ""),
        ("event.video_play=3", ""),
        # (config53: a count below 0 or in parts was stored)
        ("visits=-3", "profile field 'visits' must be a whole number >= 0, got -3"),
        ("views=2.5", "profile field 'views' must be a whole number >= 0, got 2.5"),
        ("purchases=-1", "profile field 'purchases' must be a whole number >= 0, got -1"),
        ("absent_days=-2", "profile field 'absent_days' must be 0 or more, got -2"),
        ("visits=3", ""),
        ("absent_days=1.5", ""),
        ("last_seen=-1", "profile field 'last_seen' must be a Unix time in seconds (0 or more)"),
        ("last_seen=1796600000", ""),
    ],
)
def test_profile_set_refuses_a_value_that_is_no_number(
    field: str,
    says: str,
    omotenashi_redis_url: str,
    omotenashi_redis: redis.Redis,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("OMOTENASHI_REDIS_URL", omotenashi_redis_url)
    code = main(["profile", "set", VID, field])
    err = capsys.readouterr().err
    assert (code, says in err) == ((2, True) if says else (0, True)), err
    assert err.count("\n") == (1 if says else 0)
    assert omotenashi_redis.exists(f"omo:{{{VID}}}:p2") == (0 if says else 1)


def test_profile_set_writes_nothing_to_a_revoked_id(
    omotenashi_redis_url: str,
    omotenashi_redis: redis.Redis,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # (cli61: it wrote the name given, and cut the deny-list's 400 days to the idle expiry)
    key = f"omo:{{{VID}}}:p2"
    omotenashi_redis.hset(key, "revoked", "1")
    omotenashi_redis.expire(key, 34_560_000)
    monkeypatch.setenv("OMOTENASHI_REDIS_URL", omotenashi_redis_url)
    try:
        code = main(["profile", "set", VID, "attr.first_name=Aiko", "stage=loyalty"])
        err = capsys.readouterr().err
        held, ttl = omotenashi_redis.hgetall(key), omotenashi_redis.ttl(key)
    finally:
        omotenashi_redis.delete(key)
    assert code == 2 and f"{VID!r} is revoked: nothing about it is written" in err, err
    assert held == {"revoked": "1"} and ttl > 34_000_000
