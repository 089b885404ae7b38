"""A password on an event loop too busy to come back within the connect timeout (sentinel58).

A wrong one: every read had given up waiting for the opening before AUTH was refused, the
refusal was dropped with the opening (nobody waited for it) and a wrong password was said as
timeouts ("Redis did not answer within 0.15s"), never as what it is. It is kept on the
connection now, and the next read is told it (store/opening.py).

A right one, through a Sentinel whose own connection opened anew within the primary's opening:
both shared one limit, AUTH's round trip did not fit, every opening ran out and the breaker
opened while Redis answered at once. The primary's connection opens within its own limit now,
once the Sentinels said where it is.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import os
import signal
from collections.abc import Iterator
from urllib.parse import quote

import pytest
import redis

from omotenashi import EmbeddedRedis
from omotenashi.errors import StoreError
from omotenashi.ids import new_vid
from omotenashi.store.store import Store
from tests.conftest import store_on
from tests.store.test_saturated_connect57 import kill_connections, reads_until_served
from tests.store.test_saturated_loop56 import saturated
from tests.test_sentinel import PASSWORD, sentinel_url

pytestmark = pytest.mark.anyio

__all__ = ["sentinel_url"]  # (a fixture, used by name)

LOGIN = f":{quote(PASSWORD, safe='')}@"
REFUSED = "omotenashi: Redis refused the connection: "


@pytest.fixture
def guarded() -> Iterator[EmbeddedRedis]:
    """A server of its own that asks for :data:`PASSWORD`."""
    with EmbeddedRedis() as server:
        with redis.Redis(port=server.port) as admin:
            admin.config_set("requirepass", PASSWORD)
        yield server


def url_for(via: str, server: EmbeddedRedis, sentinel: str, login: str) -> str:
    """The store's URL with ``login``: a plain one with an option the fast path does not read
    (redis-py's client), or the Sentinel's."""
    if via == "fast":  # (no options: Omotenashi's own connection, store/pipeline.py)
        return server.url.replace("redis://", f"redis://{login}")
    if via == "options":
        return server.url.replace("redis://", f"redis://{login}") + "?health_check_interval=10"
    return sentinel.replace(LOGIN, login)


async def reads_until_said(store: Store, caplog: pytest.LogCaptureFixture, tries: int) -> None:
    """Reads (each fails), until the refusal is said; past an open breaker's reset."""
    for _ in range(tries):
        with pytest.raises(StoreError):
            await store.load(new_vid())
        if any(r.getMessage().startswith(REFUSED) for r in caplog.records):
            return
        await asyncio.sleep(store.cfg.breaker_reset / 4)


def said_by(caplog: pytest.LogCaptureFixture, name: str) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == name]


@pytest.mark.parametrize("sentinel_url", ["password"], indirect=True)
@pytest.mark.parametrize("via", ["fast", "options", "sentinel"])
async def test_a_wrong_password_on_a_busy_loop_is_said_as_a_refused_password(
    guarded: EmbeddedRedis, sentinel_url: str, via: str, caplog: pytest.LogCaptureFixture
) -> None:
    wrong = url_for(via, guarded, sentinel_url, "nobody:sesame@")
    async with store_on(wrong, read_timeout=0.15, breaker_reset=0.4) as store:
        async with saturated():  # 0.2 s a pass: every read gives up before AUTH is answered
            await reads_until_said(store, caplog, 16)
        said = [line for line in said_by(caplog, "omotenashi") if line.startswith(REFUSED)]
        assert len(said) == 1, said_by(caplog, "omotenashi")  # (after timeouts, maybe)
        assert said[0].endswith(f" (check OMOTENASHI_REDIS_URL: {store.url})"), said
        assert "sesame" not in said[0]
    del store  # (its connections hold their openings)
    await asyncio.sleep(0.3)
    gc.collect()  # (an opening's error nobody retrieved: asyncio logs it as its task goes)
    assert not [m for m in said_by(caplog, "asyncio") if "never retrieved" in m]


@pytest.mark.parametrize("sentinel_url", ["password"], indirect=True)
@pytest.mark.parametrize("via", ["options", "sentinel"])
async def test_a_right_password_on_a_busy_loop_serves_reads_once_the_connection_opens(
    guarded: EmbeddedRedis, sentinel_url: str, via: str
) -> None:
    """The Sentinel's own connections are closed too: the primary's opening opens one anew
    (as when the Sentinel watch's read ran out on the busy loop: store/sentinelwatch.py)."""
    url = url_for(via, guarded, sentinel_url, LOGIN)
    async with store_on(url, read_timeout=0.15, breaker_reset=0.4) as store:
        await store.load(new_vid())  # (connected)
        if via == "options":
            primary = redis.Redis(port=guarded.port, password=PASSWORD)
        else:
            host, port = await store.client.connection_pool.get_master_address()
            primary = redis.Redis(host=host, port=port, password=PASSWORD)
        with primary, redis.Redis(port=int(sentinel_url.rsplit(":", 1)[1].split("/")[0])) as s:
            async with saturated():
                kill_connections(primary)
                if via == "sentinel":
                    kill_connections(s)
                outcomes = await reads_until_served(store, 16, past_breaker=True)
        # the first reads may give up while the connection opens; then it serves them
        assert outcomes[-3:] == ["Profile"] * 3, outcomes
        assert store.breaker.state == "closed"


async def test_a_store_closed_right_after_a_refused_read_leaves_no_connection(
    guarded: EmbeddedRedis,
) -> None:
    """eye59b: a read told the kept refusal left the fast path's connect tasks to start a pass
    later; a close in between cleared nothing they had yet, and they opened both connections
    after it (with the password put right meanwhile: left open)."""
    url = guarded.url.replace("redis://", "redis://:put-right@")
    async with store_on(url, read_timeout=0.5) as store:
        for _ in range(3):  # the server asks for another password: refused
            with pytest.raises(StoreError):
                await store.load(new_vid())
            await asyncio.sleep(0.05)
        with redis.Redis(port=guarded.port, password=PASSWORD) as admin:
            admin.config_set("requirepass", "put-right")  # (no pass of the loop till the close)
        with contextlib.suppress(StoreError):  # told the last opening's refusal (its retry
            await store.load(new_vid())  # may find the opening that refusal started, open)
    await asyncio.sleep(0.5)
    gc.collect()
    with redis.Redis(port=guarded.port, password="put-right") as admin:
        me = admin.client_id()
        assert [c["cmd"] for c in admin.client_list() if c["id"] != str(me)] == []


async def test_a_kept_refusal_is_not_said_for_a_server_that_stopped_answering_since(
    guarded: EmbeddedRedis,
) -> None:
    """eye59b: the kept refusal was said to every read while the next opening ran, so a server
    that stopped answering after refusing was said to refuse the password for as long as that
    opening waited; it is said to the read that starts the opening, the others wait for it."""
    url = guarded.url.replace("redis://", "redis://nobody:sesame@") + "?health_check_interval=10"
    assert guarded._proc is not None
    said: list[list[str]] = [[], []]  # before the server stopped, after
    async with store_on(url, read_timeout=0.15, connect_timeout=1.0, breaker_reset=0.2) as st:
        for stopped in (0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1):
            if stopped and not said[1]:
                os.kill(guarded._proc.pid, signal.SIGSTOP)
            try:
                await st.load(new_vid())
                said[stopped].append("read")
            except StoreError as exc:
                said[stopped].append("refused" if "password" in str(exc) else str(exc))
            await asyncio.sleep(0.1)
        os.kill(guarded._proc.pid, signal.SIGCONT)
    assert said[0] == ["refused"] * 3 and said[1].count("refused") <= 1, said
