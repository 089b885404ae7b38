"""TLS on the fast path (issue 15, goal 3, for managed Redis that takes only TLS): a
``rediss://`` URL (with at most TLS options) is read and written on the auto-pipelined
connections, as a plain server is: one read round trip before the app, page views written after
the response in batches; before, it went to redis-py. The server is verified as redis-py
verifies it, from the same options: its certificate required and its name checked unless the
URL says otherwise. A real TLS port (tests/store/tlsfront.py) in front of the real server."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import redis

from omotenashi import Omotenashi, Settings
from omotenashi.engine.change import Change
from omotenashi.errors import StoreError
from omotenashi.ids import new_vid
from omotenashi.store.tls import fast_url
from omotenashi.testing import written
from tests.conftest import client_for, page_app, store_on
from tests.store.test_saturated_connect57 import kill_connections, reads_until_served
from tests.store.test_saturated_loop56 import saturated
from tests.store.tlsfront import tls_front
from tests.test_middleware import PAGE, RULES, SNIPPETS

pytestmark = pytest.mark.anyio


@pytest.fixture
def front(omotenashi_redis_url: str, tmp_path: Path) -> Iterator[tuple[int, Path]]:
    with tls_front(omotenashi_redis_url, tmp_path) as got:
        yield got


def _db(url: str) -> str:
    return url.split("?")[0].rsplit("/", 1)[-1] if url.count("/") > 2 else "0"


@pytest.mark.parametrize(
    ("url", "fast"),
    [
        ("rediss://localhost:6380", True),
        ("rediss://u:p@localhost:6380/2?ssl_ca_certs=/ca.pem&ssl_check_hostname=false", True),
        ("rediss://localhost:6380?ssl_cert_reqs=none", True),
        ("REDISS://localhost:6380", True),
        ("rediss://localhost:6380?socket_keepalive=true", False),  # (an option of redis-py's)
        ("rediss://localhost:6380?ssl_cert_reqs=none&health_check_interval=5", False),
        ("redis://localhost:6379?ssl_cert_reqs=none", False),
    ],
)
def test_tls_urls_take_the_fast_path(url: str, fast: bool) -> None:
    assert fast_url(url) is fast


async def test_a_tls_server_is_read_and_written_on_the_fast_path(
    omotenashi_redis_url: str, omotenashi_redis: redis.Redis, front: tuple[int, Path]
) -> None:
    port, ca = front
    url = f"rediss://localhost:{port}/{_db(omotenashi_redis_url)}?ssl_ca_certs={ca}"
    async with store_on(url, read_timeout=2.0) as store:  # (the first read opens TLS)
        assert store.fast is not None
        vid = new_vid()
        assert (await store.load(vid)).visits == 0
        change = Change(now=1_800_000_000.0, view=True, new_visit=True, topics=["kyoto"])
        await store.record(vid, change, 86400.0)
        assert (await store.load(vid)).visits == 1
        assert store.fast.pipe.tls is not None and store.fast.wpipe.tls is not None
    assert omotenashi_redis.keys(f"*{vid}*"), "written through the TLS port"


@pytest.mark.parametrize(
    ("query", "host", "refused"),
    [
        ("", "localhost", "certificate verify failed"),  # a CA the system does not know
        ("?ssl_ca_certs={ca}", "127.0.0.1", "certificate verify failed"),  # not its name
        ("?ssl_ca_certs={ca}&ssl_check_hostname=false", "127.0.0.1", None),
        ("?ssl_cert_reqs=none", "127.0.0.1", None),
    ],
)
async def test_the_server_is_verified_as_redis_py_verifies_it(
    omotenashi_redis_url: str,
    omotenashi_redis: redis.Redis,
    front: tuple[int, Path],
    query: str,
    host: str,
    refused: str | None,
) -> None:
    port, ca = front
    url = f"rediss://{host}:{port}/{_db(omotenashi_redis_url)}" + query.format(ca=ca)
    fast = await _outcome(url)
    slow = await _outcome(url + ("&" if "?" in url else "?") + "socket_keepalive=true")
    assert (fast is None) == (refused is None) == (slow is None), (fast, slow)
    if refused is not None:
        assert refused in str(fast) and refused in str(slow), (fast, slow)


async def _outcome(url: str) -> StoreError | None:
    async with store_on(url, read_timeout=2.0, connect_timeout=2.0) as store:
        try:
            await store.load(new_vid())
        except StoreError as exc:
            return exc
    return None


async def test_a_tls_connection_opened_anew_on_a_busy_loop_serves_reads(
    omotenashi_redis_url: str, omotenashi_redis: redis.Redis, front: tuple[int, Path]
) -> None:
    """(last56 P2, over TLS: its handshake is more passes of the loop.)"""
    port, ca = front
    url = f"rediss://localhost:{port}/{_db(omotenashi_redis_url)}?ssl_ca_certs={ca}"
    async with store_on(url, read_timeout=2.0) as store:
        await store.load(new_vid())  # (connected: TCP, TLS, scripts, with time to spare)
        store.cfg = store.cfg.model_copy(update={"read_timeout": 0.15})
        async with saturated():
            kill_connections(omotenashi_redis)
            outcomes = await reads_until_served(store, 10)
        assert outcomes[-3:] == ["Profile"] * 3, outcomes


async def test_a_site_on_a_tls_server_personalises_its_pages(
    omotenashi_redis_url: str,
    omotenashi_redis: redis.Redis,
    front: tuple[int, Path],
    make_settings: Callable[..., Settings],
) -> None:
    port, ca = front
    url = f"rediss://localhost:{port}/{_db(omotenashi_redis_url)}?ssl_ca_certs={ca}"
    settings = make_settings(RULES, SNIPPETS, redis={"url": url})
    mw = Omotenashi(page_app(PAGE), settings=settings)
    async with client_for(mw) as client:
        await client.get("/")  # (a page about Hawaii: the interest is recorded)
        await written()
        again = await client.get("/")
    assert mw.store.fast is not None
    assert "<h1>Welcome back</h1>" in again.text, again.text


async def test_a_certificate_file_that_cannot_be_read_fails_reads_not_the_start(
    omotenashi_redis_url: str,
    omotenashi_redis: redis.Redis,
    front: tuple[int, Path],
    make_settings: Callable[..., Settings],
    tmp_path: Path,
) -> None:
    """As on redis-py: the connection fails (said, the page served as the app made it); the
    app still starts. (Made at once, the context raised FileNotFoundError out of the startup.)"""
    port, _ = front
    missing = tmp_path / "no-such-ca.pem"
    url = f"rediss://localhost:{port}/{_db(omotenashi_redis_url)}?ssl_ca_certs={missing}"
    async with store_on(url, read_timeout=1.0, connect_timeout=1.0) as store:
        with pytest.raises(StoreError, match="No such file"):
            await store.load(new_vid())
    settings = make_settings(RULES, SNIPPETS, redis={"url": url})
    mw = Omotenashi(page_app(PAGE), settings=settings)
    async with client_for(mw) as client:
        response = await client.get("/")
    assert response.status_code == 200 and response.text == PAGE
