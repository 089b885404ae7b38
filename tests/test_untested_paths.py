"""Paths mutation testing found untested: conditions, erase, the catch-all before the app, the
breaker for new visitors, the beacon's answers, cookie refresh, non-HTTP scopes; and the
operator's view (metrics, startup warnings)."""

from __future__ import annotations

import asyncio
import json
import logging
from pathlib import Path
from typing import Any

import pytest
import redis

from omotenashi import Omotenashi, Settings, StoreError
from omotenashi.asgi import announce
from omotenashi.engine.facts import Facts
from omotenashi.ids import new_vid
from omotenashi.metrics import Metrics
from omotenashi.store.privacy import LEGACY_FAMILIES
from omotenashi.store.store import PARTS, Store

from .conftest import client_for, page_app
from .test_conditions import BASE, holds
from .test_events import BEACON, mw
from .test_middleware import PAGE, RULES, SNIPPETS, Make

SHOPPER = Facts(
    cart_items=3,
    viewed=frozenset({"kyoto", "lapland"}),
    first_touch={"referrer": "https://news.example/travel", "utm_source": "Newsletter-May"},
    attrs={"plan": "gold-plus"},
)


@pytest.mark.parametrize(
    ("when", "expected"),
    [
        ({"cart_items": {"at_least": 3}}, True),
        ({"cart_items": {"gt": 3}}, False),
        ({"cart_items": 3}, True),
        ({"viewed": ["kyoto", "oslo"]}, True),
        ({"viewed": ["oslo"]}, False),
        ({"first_referrer": "*news.example*"}, True),
        ({"first_referrer": ["*google.*"]}, False),
        ({"first_utm": {"utm_source": {"contains": "newsletter"}}}, True),
        ({"first_utm": {"utm_source": {"contains": "ads"}}}, False),
        ({"attr": {"plan": {"contains": "GOLD"}}}, True),
        ({"attr": {"missing": {"contains": "x"}}}, False),
    ],
)
def test_history_conditions(when: dict[str, Any], expected: bool) -> None:
    assert holds(when, SHOPPER) is expected
    if "cart_items" in when or "viewed" in when or "first_referrer" in when:
        assert holds(when, BASE) is False  # nothing in the cart, nothing viewed, no first visit


@pytest.mark.parametrize(
    ("when", "expected"),
    [
        ({"time": "10:30-11:00"}, True),  # the start is in the window
        ({"time": "10:00-10:30"}, False),  # the end is not
        ({"time": "10:30-06:00"}, True),  # overnight, from the start
        ({"time": "22:00-10:30"}, False),  # overnight, up to the end
        ({"time": "22:00-10:31"}, True),
        ({"language": "fr"}, True),  # fr-CA is French
        ({"language": "f"}, False),  # a prefix of a tag is not a language
        ({"language": "fr-ca"}, True),
        ({"language": "ca"}, False),
    ],
)
def test_window_edges_and_language_prefixes(when: dict[str, Any], expected: bool) -> None:
    at = BASE.now.replace(hour=10, minute=30, second=0)
    assert holds(when, Facts(now=at, languages=("fr-ca",))) is expected


pytestmark = pytest.mark.anyio


async def test_erase_deletes_every_part_and_the_rate_counter(
    omotenashi_redis_url: str, omotenashi_redis: redis.Redis
) -> None:
    cfg = {"url": omotenashi_redis_url, "read_timeout": 2.0, "write_timeout": 2.0}
    store = Store(Settings(redis=cfg).redis, Metrics())
    store.connect(omotenashi_redis_url)
    vid, other = new_vid(), new_vid()
    for pid in (vid, other):
        for part in (*PARTS, "rate", *LEGACY_FAMILIES):  # the first layout's keys go too
            omotenashi_redis.hset(f"omo:{{{pid}}}:{part}", "x", 1)
    try:
        await store.erase(vid)
    finally:
        await store.aclose()
    assert omotenashi_redis.keys(f"omo:{{{vid}}}:*") == []
    assert len(omotenashi_redis.keys(f"omo:{{{other}}}:*")) == len(PARTS) + 1 + len(LEGACY_FAMILIES)


async def test_a_bug_while_preparing_the_request_serves_the_apps_page(
    make_settings: Make, monkeypatch: pytest.MonkeyPatch
) -> None:
    mw_ = Omotenashi(page_app(PAGE), settings=make_settings(RULES, SNIPPETS))

    def broken(scope: Any) -> None:
        raise RuntimeError("a bug of ours")

    monkeypatch.setattr(mw_.arrival, "guest", broken)
    async with client_for(mw_) as client:
        response = await client.get("/?utm_campaign=spring")
    assert (response.status_code, response.text) == (200, PAGE)
    assert "set-cookie" not in response.headers
    assert b'omotenashi_responses_total{outcome="error"} 1.0' in mw_.metrics.exposition()


async def test_a_new_visitor_while_the_breaker_is_open_gets_the_apps_page_at_once(
    make_settings: Make, omotenashi_redis: redis.Redis
) -> None:
    """Open and due to try again: the new visitor's request starts the breaker's probe (a
    PING) and does not wait for it: its page goes out while the PING still waits on a paused
    server, and no Redis call of its own is refused (it has none)."""
    settings = make_settings(
        RULES, SNIPPETS, redis={"breaker_failures": 1, "breaker_reset": 0.0, "read_timeout": 2}
    )
    mw_ = Omotenashi(page_app(PAGE), settings=settings)
    async with client_for(mw_) as client:
        await client.get("/")  # connected
        client.cookies.clear()
        mw_.store.breaker.failure("opened by the test")
        asked = mw_.metrics["breaker_open"]
        omotenashi_redis.execute_command("CLIENT", "PAUSE", "500", "ALL")
        response = await client.get("/?utm_campaign=spring")
        probing = mw_.store.breaker.probing  # the PING waits on the paused server
        for _ in range(100):  # the pause ends: the PING's answer closes the breaker
            if mw_.store.breaker.state == "closed":
                break
            await asyncio.sleep(0.05)
    assert (response.status_code, response.text) == (200, PAGE)
    assert "set-cookie" not in response.headers  # no cookie for a profile we cannot keep
    assert probing and mw_.store.breaker.state == "closed"
    assert mw_.metrics["breaker_open"] == asked  # a new visitor has nothing to read
    assert mw_.metrics["degraded"] == 1


@pytest.mark.parametrize("options", ["", "?socket_keepalive=true"], ids=["fast", "redis-py"])
async def test_after_an_outage_new_visitors_alone_close_the_breaker(
    make_settings: Make, omotenashi_redis: redis.Redis, omotenashi_redis_url: str, options: str
) -> None:
    settings = make_settings(
        RULES,
        SNIPPETS,
        redis={
            "url": omotenashi_redis_url + options,
            "breaker_failures": 1,
            "breaker_reset": 0.1,
            "read_timeout": 0.05,
        },
    )
    mw_ = Omotenashi(page_app(PAGE), settings=settings)
    async with client_for(mw_) as client:
        await client.get("/")  # connected
        omotenashi_redis.execute_command("CLIENT", "PAUSE", "300", "ALL")
        with pytest.raises(StoreError, match="did not answer"):
            await mw_.store.load(new_vid())  # no answer: the breaker opens
        assert mw_.store.breaker.state == "open"
        for _ in range(100):  # only new visitors, no cookie kept
            client.cookies.clear()
            await client.get("/?utm_campaign=spring")
            if mw_.store.breaker.state == "closed":
                break
            await asyncio.sleep(0.05)
        client.cookies.clear()
        response = await client.get("/?utm_campaign=spring")
    assert mw_.store.breaker.state == "closed"
    assert "Spring sale" in response.text and "set-cookie" in response.headers
    assert b"omotenashi_breaker_state 0.0" in mw_.metrics.exposition()


def beacon_post(events: int) -> dict[str, Any]:
    body = {"events": [{"name": "video_play"}] * events}
    return {
        "content": json.dumps(body),
        "headers": {"content-type": "application/json", "origin": "http://shop.test"},
    }


@pytest.mark.parametrize(
    ("events", "headers", "status", "says"),
    [
        (20, {}, 204, None),
        (21, {}, 422, "events"),
        (1, {"sec-gpc": "1"}, 202, "nothing is stored"),
        (1, {"user-agent": "Googlebot/2.1"}, 202, "bots do not send events"),
    ],
    ids=["twenty-events", "twenty-one-events", "gpc", "bot"],
)
async def test_beacon_answers(
    make_settings: Make, events: int, headers: dict[str, str], status: int, says: str | None
) -> None:
    site = mw(make_settings)
    async with client_for(site) as client:
        await client.get("/")
        post = beacon_post(events)
        headers = {**post["headers"], **headers}
        response = await client.post(BEACON, content=post["content"], headers=headers)
    assert response.status_code == status, response.text
    if says is not None:
        assert says in response.text
    kind = {204: "accepted", 202: "dropped"}.get(status, "refused")
    assert site.metrics[f"beacon_{kind}"] == 1


async def test_the_beacon_says_nothing_was_stored_while_redis_is_down(make_settings: Make) -> None:
    site = mw(make_settings)
    async with client_for(site) as client:
        await client.get("/")
        site.store.breaker.opened_at = site.store.breaker.clock()  # as after an outage
        site.store.breaker.state = "open"
        post = beacon_post(1)
        response = await client.post(BEACON, **post)
    assert response.status_code == 202 and "unavailable" in response.json()["reason"]


@pytest.mark.parametrize(("refresh_after", "refreshed"), [(0, True), (3600, False)])
async def test_an_old_cookie_is_issued_again(
    make_settings: Make, refresh_after: int, refreshed: bool
) -> None:
    settings = make_settings(RULES, SNIPPETS, cookie={"refresh_after": refresh_after})
    async with client_for(Omotenashi(page_app(PAGE), settings=settings)) as client:
        first = await client.get("/")
        second = await client.get("/")
    assert "set-cookie" in first.headers
    assert ("set-cookie" in second.headers) is refreshed


@pytest.mark.parametrize("kind", ["websocket", "custom"])
async def test_non_http_scopes_reach_the_app_untouched(make_settings: Make, kind: str) -> None:
    seen: list[dict[str, Any]] = []

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        seen.append(scope)

    site = Omotenashi(app, settings=make_settings(RULES, SNIPPETS))
    scope = {"type": kind, "path": "/", "headers": [(b"cookie", b"omo_vid=x")]}
    await site(scope, None, None)
    assert seen == [{"type": kind, "path": "/", "headers": [(b"cookie", b"omo_vid=x")]}]
    assert site.metrics["requests"] == 0


@pytest.mark.parametrize(("enabled", "status"), [(True, 200), (False, 404)])
async def test_prometheus_metrics_are_served_only_when_asked(
    make_settings: Make, enabled: bool, status: int
) -> None:
    site = Omotenashi(page_app(PAGE), settings=make_settings(RULES, SNIPPETS, metrics=enabled))
    async with client_for(site) as client:
        await client.get("/")
        await client.get("/")  # a returning visitor with an interest: the hero rule
        await client.get("/", headers={"user-agent": "Googlebot/2.1"})
        scraped = await client.get("/_omotenashi/metrics")
    assert scraped.status_code == status
    if enabled:
        text = scraped.text
        assert scraped.headers["content-type"].startswith("text/plain")
        for line in (
            'omotenashi_responses_total{outcome="personalised"} 1.0',
            'omotenashi_responses_total{outcome="default"} 1.0',
            'omotenashi_responses_total{outcome="bypassed"} 1.0',
            'omotenashi_rules_shown_total{rule="returning-hero"} 1.0',
            "omotenashi_redis_read_seconds_count 1.0",
            "omotenashi_decide_seconds_count 2.0",
            "omotenashi_breaker_state 0.0",
        ):
            assert line in text, line


def test_the_registry_joins_the_apps_own() -> None:
    from prometheus_client import CollectorRegistry, generate_latest

    metrics, app_registry = Metrics(), CollectorRegistry()
    app_registry.register(metrics.registry)
    metrics.inc("rule_error")
    metrics.inc("reload")
    text = generate_latest(app_registry).decode()
    assert "omotenashi_rule_reload_failures_total 1.0" in text
    assert "omotenashi_rule_reloads_total 1.0" in text


SALT = "s" * 32  # (a salt of one character is warned of: config69)


@pytest.mark.parametrize(
    ("setup", "keys", "salt", "warned"),
    [
        ("missing", ["k" * 32], SALT, ["does not exist"]),
        ("empty", ["k" * 32], SALT, ["holds no .yaml file"]),
        ("rules", ["change-me"], SALT, ["key 1 of 1 in OMOTENASHI_SECRET_KEYS is a placeholder"]),
        ("rules", ["k" * 32, "a-long-random-secret"], SALT, ["key 2 of 2 in OMOTENASHI_SECRET_"]),
        ("rules", ["k" * 15], SALT, ["key 1 of 1 in OMOTENASHI_SECRET_KEYS has 15 characters"]),
        ("rules", ["k" * 8, "Secret"], SALT, ["has 8 characters", "is a placeholder"]),
        (
            "rules",
            ["k" * 32],
            "",
            ["no OMOTENASHI_USER_SALT: signed-in users' profile ids derive from the oldest"],
        ),
        (
            "rules",
            [],
            "",
            [
                "no OMOTENASHI_USER_SALT: signed-in users' profile ids derive from the "
                "signing key, here a random one per process"
            ],
        ),
        ("rules", ["k" * 32], SALT, []),
    ],
)
def test_startup_warnings(
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
    setup: str,
    keys: list[str],
    salt: str,
    warned: list[str],
) -> None:
    monkeypatch.setenv("OMOTENASHI_SECRET_KEYS", ",".join(keys))  # (where a site sets them)
    rules = tmp_path / "rules"
    if setup != "missing":
        rules.mkdir()
    if setup == "rules":
        (rules / "site.yaml").write_text("rules: []\n")
    settings = Settings(
        secret_keys=keys,
        user_salt=salt,
        rules={"dir": rules},
        redis={"url": "redis://:hunter2@cache.internal:6379/0"},
    )
    caplog.set_level(logging.INFO, logger="omotenashi")
    announce.announce(settings)
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == len(warned)
    assert all(w in text for w, text in zip(warned, warnings, strict=True))
    [line] = [r.getMessage() for r in caplog.records if r.levelno == logging.INFO]
    assert "redis://:***@cache.internal:6379/0" in line and "hunter2" not in line
    assert all(k not in line for k in keys) and (not salt or '"user_salt": "***"' in line)


def test_a_weak_key_given_in_code_is_not_said_to_be_in_the_variable(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """(qaguide51) The demo and the mounting sample give their key in code: the warning named
    OMOTENASHI_SECRET_KEYS, which was not set."""
    monkeypatch.delenv("OMOTENASHI_SECRET_KEYS", raising=False)
    (tmp_path / "rules").mkdir()
    settings = Settings(secret_keys=["change-me"], user_salt="s", rules={"dir": tmp_path / "rules"})
    caplog.set_level(logging.WARNING, logger="omotenashi")
    announce.announce(settings)
    said = [r.getMessage() for r in caplog.records if "key 1 of 1" in r.getMessage()]
    assert len(said) == 1 and "key 1 of 1 of the signing keys (secret_keys) is a" in said[0]
