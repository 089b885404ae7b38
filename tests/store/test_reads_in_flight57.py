"""tlsfail57: a server closing its connections while reads are in flight (CLIENT KILL under
load, a managed Redis rotating connections, a proxy in front restarting) failed every profile
read sent ahead of the app: the store tries a read that met a broken connection once more,
within its time limit, but for a read sent ahead it awaited the same failed reply again. The
second try is a fresh read on a fresh connection; the page is personalised, the breaker stays
closed. A plain front and a TLS one (tests/store/tlsfront.py) in front of the real server."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
import redis

from omotenashi.errors import StoreError
from omotenashi.ids import new_vid
from omotenashi.store.reading import ProfileRead
from tests.conftest import store_on
from tests.store.tlsfront import front_of

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize("tls", [False, True], ids=["plain", "tls"])
async def test_reads_in_flight_when_the_server_closes_connections_are_read_again(
    omotenashi_redis_url: str, omotenashi_redis: redis.Redis, tmp_path: Path, tls: bool
) -> None:
    db = omotenashi_redis_url.split("?")[0].rsplit("/", 1)[-1] or "0"
    with front_of(omotenashi_redis_url, tmp_path if tls else None) as front:
        scheme, query = ("rediss", f"?ssl_ca_certs={tmp_path / 'ca.pem'}") if tls else ("redis", "")
        url = f"{scheme}://localhost:{front.port}/{db}{query}"
        async with store_on(url, read_timeout=2.0) as store:
            await store.load(new_vid())  # (connected: reads go out at once)
            front.held.set()  # the server answers; its replies wait here ...
            reads = [ProfileRead(store, new_vid()) for _ in range(5)]
            assert all(r._sent is not None for r in reads), "sent ahead"
            await asyncio.sleep(0.05)
            front.close_all()  # ... and every connection ends with them unread
            front.held.clear()
            outcomes = []
            for reading in reads:
                try:
                    outcomes.append(type(await reading.profile()).__name__)
                except StoreError as exc:
                    outcomes.append(str(exc))
            assert outcomes == ["Profile"] * 5, outcomes
            assert store.breaker.state == "closed"
            assert store.metrics["redis_retry"] >= 1
