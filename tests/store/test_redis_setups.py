"""Redis setups that refuse something, against real private servers: one that knows no HELLO
(renamed away, as a RESP2-only proxy) still personalises; one that refuses EVAL still erases
and revokes; a command refused (an ACL's NOPERM, a command renamed away) is said as one ERROR
line naming it and what it stops, with no script's text; a full server (OOM) stays a warning.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import pytest
import redis

from omotenashi import EmbeddedRedis, StoreError
from omotenashi.engine.change import Change
from omotenashi.ids import new_vid
from omotenashi.metrics import Metrics
from omotenashi.settings import RedisSettings
from omotenashi.store import privacy
from omotenashi.store.refusals import command_refused
from omotenashi.store.sentinelwatch import Following
from omotenashi.store.store import PARTS, Store, make_client

from ..conftest import ROOT, client_for
from ..test_demo import demo

pytestmark = pytest.mark.anyio
PATHS = {"fast": "", "redis-py": "?socket_keepalive=true"}
PREFIX = "redis-setups"
USER = "qa-setups"
NOW = 1_800_000_000.0
Factory = Callable[..., EmbeddedRedis]


def renamed(command: str) -> list[str]:
    return ["--rename-command", command, ""]


def user_url(server: EmbeddedRedis, *rules: str) -> str:
    """A URL logging in as a user the ACL ``rules`` allow (``~*`` and the like)."""
    with redis.Redis.from_url(server.url) as admin:
        admin.execute_command("ACL", "SETUSER", USER, "on", ">pw-1", "&*", *rules)
    return server.url.replace("redis://", f"redis://{USER}:pw-1@")


def opened(url: str) -> Store:
    store = Store(RedisSettings(url=url, key_prefix=PREFIX, breaker_failures=50), Metrics())
    store.connect(url)
    return store


def page_view() -> Change:
    return Change(now=NOW, view=True, new_visit=True, topics=["hawaii"])


def lines(caplog: pytest.LogCaptureFixture) -> list[tuple[int, str]]:
    return [(r.levelno, r.getMessage()) for r in caplog.records if r.name == "omotenashi"]


@pytest.mark.parametrize("options", PATHS.values(), ids=list(PATHS))
async def test_a_server_that_knows_no_hello_personalises(
    options: str, embedded_redis_factory: Factory
) -> None:
    """redis-py 8 asks for RESP3 (HELLO 3) on every connection; the home page's
    recommendations are read through it, and a server or proxy that knows no HELLO left
    every page as the app made it."""
    server = embedded_redis_factory(extra_args=renamed("HELLO"))
    async with client_for(demo(server.url + options)) as client:
        for _ in range(2):
            assert (await client.get("/tours/hawaii-family")).status_code == 200
        home = await client.get("/")
    assert "<h1>Aloha, families!</h1>" in home.text
    assert "<h2>Made for families</h2>" in home.text


@pytest.mark.parametrize(
    ("url", "kind"),
    [("redis://h:6379/0", "plain"), ("redis+sentinel://s1:26379/shop", "sentinel")],
)
async def test_every_client_asks_for_resp2(url: str, kind: str) -> None:
    client, closed_with = make_client(url, RedisSettings())
    others = [o for o in closed_with if not isinstance(o, Following)]  # (the Sentinels')
    cluster, _ = make_client("redis://node1:7000/0", RedisSettings(cluster=True))
    try:
        asked = [client.connection_pool.connection_kwargs.get("protocol")]
        asked += [o.connection_pool.connection_kwargs.get("protocol") for o in others]
        asked.append(cluster.connection_kwargs.get("protocol"))
    finally:
        for made in (client, cluster, *closed_with):
            await made.aclose()
    assert asked == [2] * (len(others) + 2) and len(others) == (kind == "sentinel")


@pytest.mark.parametrize("refuses", ["acl", "renamed"])
@pytest.mark.parametrize("options", PATHS.values(), ids=list(PATHS))
async def test_a_server_that_refuses_eval_still_erases_and_revokes(
    options: str, refuses: str, embedded_redis_factory: Factory
) -> None:
    if refuses == "acl":
        server = embedded_redis_factory()
        url = user_url(server, "~*", "+@all", "-eval")
    else:
        server = embedded_redis_factory(extra_args=renamed("EVAL"))
        url = server.url
    store = opened(url + options)
    erased, revoked = new_vid(), new_vid()
    try:
        for pid in (erased, revoked):
            await store.record(pid, page_view(), 86400.0)
        assert (await store.load(erased)).views == 1
        await privacy.mark_uncounted(store, erased)  # (review70b: it ran by EVAL)
        assert (await store.load(erased)).unrecorded_nothing
        await store.erase(erased)
        await privacy.revoke(store, revoked, PARTS, NOW, 3600)
        denied = await privacy.is_revoked(store, revoked)
        await privacy.mark_uncounted(store, revoked)  # (nothing on a revoked id)
    finally:
        await store.aclose()
    with redis.Redis.from_url(server.url, decode_responses=True) as admin:
        assert admin.keys(f"{PREFIX}:{{{erased}}}:*") == []
        assert admin.keys(f"{PREFIX}:{{{revoked}}}:*") == [store.keys(revoked)[0]]
        assert admin.hgetall(store.keys(revoked)[0]) == {"revoked": str(int(NOW))}
    assert denied


# (server arguments, ACL rules of the user, what the line names)
REFUSING: dict[str, tuple[list[str], tuple[str, ...], str]] = {
    "evalsha-acl": ([], ("~*", "+@all", "-evalsha"), "the 'evalsha' command (NOPERM)"),
    "script-acl": ([], ("~*", "+@all", "-script"), "the 'script|load' command (NOPERM)"),
    "script-renamed": (renamed("SCRIPT"), (), "the 'SCRIPT' command (unknown command)"),
    "keys-acl": ([], ("~other:*", "+@all"), "a key outside the user's key pattern (NOPERM)"),
}


@pytest.mark.parametrize("setup", list(REFUSING))
@pytest.mark.parametrize("options", PATHS.values(), ids=list(PATHS))
async def test_a_refused_command_is_one_error_line_saying_what_it_stops(
    options: str, setup: str, embedded_redis_factory: Factory, caplog: pytest.LogCaptureFixture
) -> None:
    args, rules, what = REFUSING[setup]
    server = embedded_redis_factory(extra_args=args)
    url = user_url(server, *rules) if rules else server.url
    store = opened(url + options)
    try:
        for _ in range(3):
            with pytest.raises(StoreError):
                await store.load(new_vid())
        with pytest.raises(StoreError):
            await store.erase(new_vid())
    finally:
        await store.aclose()
    assert lines(caplog) == [
        (
            logging.ERROR,
            f"omotenashi: Redis refuses {what}: Omotenashi cannot personalise pages or erase a "
            "visitor's data while it does; the README's Redis section lists the commands it "
            "needs (1 refused since the last such line)",
        )
    ]


async def test_a_full_server_is_still_a_warning(
    embedded_redis_factory: Factory, caplog: pytest.LogCaptureFixture
) -> None:
    server = embedded_redis_factory(
        extra_args=["--maxmemory", "1", "--maxmemory-policy", "noeviction"]
    )
    store = opened(server.url)
    try:
        with pytest.raises(StoreError):
            await store.hit_rate_limit(new_vid(), 5)
        refused = store.metrics["redis_refused"]
    finally:
        await store.aclose()
    said = lines(caplog)
    assert refused == 1 and [level for level, _ in said] == [logging.WARNING], said
    assert said[0][1].startswith("omotenashi: Redis refused a command (")  # the first line
    assert "OutOfMemoryError" in said[0][1] and "when used memory" in said[0][1]


# What Valkey 8.1 and Redis 7.0 (the first of each pair) say, as redis-py gives it (no code)
# and as the fast path does (the code first).
SAID: list[tuple[str, Any]] = [
    (
        "ERR unknown command 'HELLO', with args beginning with: '3' ",
        ("the 'HELLO' command", "unknown command", "personalise pages"),
    ),
    (
        "NOPERM User u has no permissions to run the 'hgetall' command",
        ("the 'hgetall' command", "NOPERM", "personalise pages"),
    ),
    (
        "NOPERM User u has no permissions to run the 'del' command",
        ("the 'del' command", "NOPERM", "personalise pages or erase a visitor's data"),
    ),
    (
        "this user has no permissions to run the 'eval' command",
        ("the 'eval' command", "NOPERM", "personalise pages"),  # the erase needs no EVAL
    ),
    ("No permissions to access a key", ("a key outside the user's key pattern", "NOPERM")),
    (
        "this user has no permissions to access one of the keys used as arguments",
        ("a key outside the user's key pattern", "NOPERM"),
    ),
    (
        "ACL failure in script: User u has no permissions to run the 'hgetall' command script: "
        "2e9d, on @user_script:1.",
        ("the 'hgetall' command", "NOPERM"),
    ),
    (
        "The user executing the script can't run this command or subcommand script: 2e9d, "
        "on @user_script:1.",
        ("a command in a script", "NOPERM"),
    ),
    (
        "The user executing the script can't access at least one of the keys mentioned in the "
        "command arguments script: 3b0b, on @user_script:1.",
        ("a key outside the user's key pattern", "NOPERM"),
    ),
    ("Unknown command called from script script: 2e9d", ("a command in a script",)),
    ("Unknown Redis command called from script script: 2e9d", ("a command in a script",)),
    ("OOM command not allowed when used memory > 'maxmemory'.", None),
    ("WRONGTYPE Operation against a key holding the wrong kind of value", None),
    ("ERR user_script:114: invalid unicode escape code", None),
]


@pytest.mark.parametrize(("text", "said"), SAID)
def test_what_a_refused_command_says_is_read_in_every_wording(text: str, said: Any) -> None:
    found = command_refused(text)
    assert (found if said is None else found and found[: len(said)]) == said


def test_the_qa_tools_speak_resp2_too(
    embedded_redis_factory: Factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``omotenashi profile set`` wrote through a client of its own that asked for RESP3:
    against a server that knows no HELLO it failed, blaming the server."""
    from omotenashi.cli.main import main

    server = embedded_redis_factory(extra_args=renamed("HELLO"))
    monkeypatch.setenv("OMOTENASHI_REDIS_URL", server.url)
    vid = new_vid()
    assert main(["profile", "set", vid, "stage=loyalty"]) == 0
    with redis.Redis.from_url(server.url, protocol=2, decode_responses=True) as check:
        assert check.hget(f"omo:{{{vid}}}:p2", "G") == "5"


async def test_the_readmes_acl_user_runs_every_write(embedded_redis_factory: Factory) -> None:
    """The README's ACL line, exactly: a page view, the *Personalise nothing* mark (review70b:
    it called EXISTS, which the line does not allow, and the visitor was told a false count),
    an erase and a revocation."""
    line = next(
        x for x in (ROOT / "README.md").read_text().splitlines() if x.startswith("ACL SETUSER")
    )
    rules = [r.replace("~omo:*", f"~{PREFIX}:*") for r in line.split()[3:] if r != ">PASSWORD"]
    server = embedded_redis_factory()
    url = user_url(server, *rules)
    store = opened(url)
    marked, revoked = new_vid(), new_vid()
    try:
        for pid in (marked, revoked):
            await store.record(pid, page_view(), 86400.0)
        await privacy.mark_uncounted(store, marked)
        profile = await store.load(marked)
        await store.erase(marked)
        await privacy.revoke(store, revoked, PARTS, NOW, 3600)
    finally:
        await store.aclose()
    assert profile.views == 1 and profile.unrecorded_nothing and not profile.unrecorded
    with redis.Redis.from_url(server.url, decode_responses=True) as admin:
        assert admin.keys(f"{PREFIX}:{{{marked}}}:*") == []
        assert admin.hgetall(store.keys(revoked)[0]) == {"revoked": str(int(NOW))}
