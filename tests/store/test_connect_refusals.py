"""What the store makes of a server that refuses it at connect, against a real Redis: a full
server (maxclients) is an outage, neither a wrong URL nor a reason to give up the read-only
load script; only a refused ``#!lua`` first line is; a connection dropped while it is set up
fails as a store error; and every URL the store logs has its secrets masked."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import redis

from omotenashi import EmbeddedRedis, StoreError
from omotenashi.ids import new_vid
from omotenashi.metrics import Metrics
from omotenashi.settings import RedisSettings
from omotenashi.store import scripts
from omotenashi.store.breaker import masked, misconfigured
from omotenashi.store.pipeline import AutoPipeline, PipelineError, Script, shebang_refused
from omotenashi.store.store import Store

pytestmark = pytest.mark.anyio
PREFIX = "connect-refusals"
PATHS = {"fast": "", "redis-py": "?socket_keepalive=true"}
USER = "qa-refusals"


@contextmanager
def full(admin: redis.Redis) -> Iterator[None]:
    """The server refuses any new connection ("ERR max number of clients reached")."""
    before = admin.config_get("maxclients")["maxclients"]
    admin.config_set("maxclients", admin.info("clients")["connected_clients"])
    try:
        yield
    finally:
        admin.config_set("maxclients", before)


@pytest.fixture
def login(request: pytest.FixtureRequest, omotenashi_redis: redis.Redis) -> Iterator[str]:
    """``user:password@`` of a user of its own (the default user stays open to others)."""
    if not request.param:
        yield ""
        return
    omotenashi_redis.execute_command("ACL", "SETUSER", USER, "on", ">pw-1", "~*", "&*", "+@all")
    try:
        yield f"{USER}:pw-1@"
    finally:
        omotenashi_redis.execute_command("ACL", "DELUSER", USER)


def opened(url: str) -> Store:
    cfg = RedisSettings(url=url, key_prefix=PREFIX, breaker_failures=50, breaker_reset=0)
    store = Store(cfg, Metrics())
    store.connect(url)
    return store


@pytest.mark.parametrize("options", PATHS.values(), ids=list(PATHS))
@pytest.mark.parametrize("login", [False, True], ids=["open", "password"], indirect=True)
async def test_a_full_server_is_an_outage_and_the_read_only_load_script_stays(
    options: str,
    login: str,
    omotenashi_redis_url: str,
    omotenashi_redis: redis.Redis,
    caplog: pytest.LogCaptureFixture,
) -> None:
    url = omotenashi_redis_url.replace("redis://", f"redis://{login}") + options
    omotenashi_redis.script_flush()
    store = opened(url)
    try:
        with full(omotenashi_redis), pytest.raises(StoreError) as raised:
            await store.load(new_vid())
        profile = await store.load(new_vid())  # the server has room again
    finally:
        await store.aclose()
    said = " ".join(r.getMessage() for r in caplog.records if r.name == "omotenashi")
    assert not misconfigured(raised.value.__cause__ or raised.value)
    # (not a URL to fix; the maxclients hint may name the URL's max_connections=)
    assert "check OMOTENASHI_REDIS_URL" not in said and "refused the connection" not in said, said
    assert profile.views == 0
    flagged, plain = Script(scripts.LOAD_SCRIPT).sha, Script(scripts.LOAD_PLAIN).sha
    assert omotenashi_redis.script_exists(flagged, plain) == [True, False]


@pytest.mark.parametrize(
    ("reply", "plain"),
    [
        # Redis 6 compiles the "#!lua flags=" line as Lua (its function wraps the text)
        (
            "ERR Error compiling script (new function): user_script:1: unexpected symbol near '#'",
            True,
        ),
        ("Unexpected flag in script shebang: no-such-flag", True),  # Redis 7+, Valkey
        ("ERR max number of clients reached", False),
        ("NOAUTH Authentication required.", False),
        ("OOM command not allowed when used memory > 'maxmemory'.", False),
        ("ERR Error compiling script (new function): user_script:2: ... near '<eof>'", False),
        ("NOPERM this user has no permissions to run the 'script|load' command", False),
    ],
)
def test_only_a_refused_first_line_switches_to_the_plain_load_script(
    reply: str, plain: bool
) -> None:
    script = Script(scripts.LOAD_SCRIPT, scripts.LOAD_PLAIN)
    assert (shebang_refused(reply), script.plain_for(reply)) == (plain, plain)
    assert Script(scripts.LOAD_PLAIN, scripts.LOAD_PLAIN).plain_for(reply) is False


async def test_a_command_on_a_dropped_connection_is_a_store_error(
    omotenashi_redis_url: str,
) -> None:
    pipe = AutoPipeline(omotenashi_redis_url, connect_timeout=1.0, stall=1.0)
    await pipe.connect()
    assert await pipe.call("PING") == "PONG"
    pipe.drop("gone")
    with pytest.raises(PipelineError):  # not an AssertionError: the breaker counts it
        pipe.call("PING")
    pipe.close()


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("redis://:s3cret@h:6379/0", "redis://:***@h:6379/0"),
        ("redis://user:s3cret@h/0", "redis://user:***@h/0"),
        ("redis://s3cret@h:6379/0", "redis://***@h:6379/0"),  # the password as the user
        ("redis://s3cret@h:6379/0?protocol=2", "redis://***@h:6379/0?protocol=2"),
        ("redis://default:s3c/ret@h/0", "redis://default:***@h/0"),  # unquoted "/"
        ("rediss://:s3c@ret@h/0", "rediss://:***@h/0"),  # unquoted "@"
        ("unix:///run/r.sock?db=1&password=s3cret", "unix:///run/r.sock?db=1&password=***"),
        ("redis://h:6379/0?socket_timeout=1", "redis://h:6379/0?socket_timeout=1"),
    ],
)
def test_a_logged_url_shows_no_secret(url: str, shown: str) -> None:
    assert masked(url) == shown


@pytest.fixture(scope="module")
def locked() -> Iterator[str]:
    """A server of its own that asks for a password (the shared one stays open)."""
    with EmbeddedRedis() as server:
        redis.Redis.from_url(server.url).config_set("requirepass", "s3cret")
        yield server.url


@pytest.mark.parametrize("options", PATHS.values(), ids=list(PATHS))
async def test_a_password_given_as_the_user_is_masked_in_the_log(
    options: str, locked: str, caplog: pytest.LogCaptureFixture
) -> None:
    store = opened(locked.replace("redis://", "redis://s3cret@") + options)
    try:
        with pytest.raises(StoreError):
            await store.load(new_vid())
    finally:
        await store.aclose()
    said = [r.getMessage() for r in caplog.records if r.name == "omotenashi"]
    assert any("check OMOTENASHI_REDIS_URL: redis://***@" in line for line in said), said
    assert not any("s3cret" in line for line in said), said
