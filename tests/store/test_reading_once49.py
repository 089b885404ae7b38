"""A profile read sent ahead is parsed once: when its reply's done callback reads it (for what
starts before the page is decided, asgi/ownpairs.py) while the engine is already waiting for
it, the engine gets that same profile, not a second parse of the same reply."""

from __future__ import annotations

from typing import Any

import pytest
import redis

import omotenashi.store.store as store_module
from omotenashi.engine.profile import Profile
from omotenashi.ids import new_vid
from omotenashi.store import replies
from omotenashi.store.reading import ProfileRead
from tests.conftest import store_on

pytestmark = pytest.mark.anyio


async def test_a_read_awaited_while_its_callback_reads_it_is_parsed_once(
    omotenashi_redis_url: str, omotenashi_redis: redis.Redis, monkeypatch: pytest.MonkeyPatch
) -> None:
    parsed: list[Any] = []
    real = replies.profile_from_reply

    def counted(reply: Any) -> Profile:
        parsed.append(reply)
        return real(reply)

    monkeypatch.setattr(store_module, "_profile", counted)  # (Store.profile_of parses it)
    async with store_on(omotenashi_redis_url, key_prefix="once49") as store:
        vid = new_vid()
        await store.load(vid)  # connected: the next read goes ahead on the fast path
        parsed.clear()
        read = ProfileRead(store, vid)
        assert read._sent is not None
        early: list[Profile] = []
        read.when_here(early.append)
        got = await read.profile()  # awaited before the reply is here
    assert len(early) == 1 and early[0] is got
    assert len(parsed) == 1
