"""The client each kind of URL makes: a plain one, Sentinel, Cluster; their pools, timeouts and
retries (no server needed: clients connect on first use); a store with no connection or
behind an open breaker; the keys a script is given; an error in the client's own code."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from redis.asyncio import BlockingConnectionPool
from redis.asyncio.cluster import RedisCluster
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError

from omotenashi import StoreError
from omotenashi.ids import new_vid
from omotenashi.metrics import Metrics
from omotenashi.settings import RedisSettings
from omotenashi.store import store as store_module
from omotenashi.store.sentinelwatch import Following
from omotenashi.store.store import Store, make_client
from tests.store.test_store_paths import opened, settings

pytestmark = pytest.mark.anyio


def client_options(kwargs: dict[str, Any]) -> tuple[Any, ...]:
    return tuple(kwargs.get(k) for k in ("socket_timeout", "socket_connect_timeout"))


async def test_a_plain_url_gets_a_bounded_blocking_pool_that_retries_once() -> None:
    client, others = make_client("redis://cache.internal:6380/2", settings())
    pool = client.connection_pool
    kwargs = pool.connection_kwargs
    assert isinstance(pool, BlockingConnectionPool) and others == []
    # the wait for a connection: within the call's own limit (crash61), the longest one
    assert (pool.max_connections, pool.timeout) == (7, pytest.approx(0.7 + 0.002))
    assert (kwargs["host"], kwargs["port"], kwargs["db"]) == ("cache.internal", 6380, 2)
    assert client_options(kwargs) == (0.7, 0.3)
    assert kwargs["decode_responses"] is True and kwargs["health_check_interval"] == 12
    assert kwargs["retry_on_error"] == [RedisConnectionError]
    assert kwargs["retry"]._retries == 1 and isinstance(kwargs["retry"]._backoff, NoBackoff)
    await client.aclose()


@pytest.mark.parametrize(
    ("url", "sentinels", "service"),
    [
        ("redis+sentinel://:pw@s1:26380,s2/shop", [("s1", 26380), ("s2", 26379)], "shop"),
        ("redis+sentinel://s3:5000", [("s3", 5000)], "mymaster"),
    ],
)
async def test_a_sentinel_url_names_its_sentinels_and_service(
    url: str, sentinels: list[tuple[str, int]], service: str
) -> None:
    client, closed_with = make_client(url, settings())
    pool = client.connection_pool
    [follows, *others] = closed_with  # the primary followed (sentinel58), then the Sentinels
    assert isinstance(follows, Following) and not follows.task.done()
    await follows.aclose()
    assert [
        (o.connection_pool.connection_kwargs["host"], o.connection_pool.connection_kwargs["port"])
        for o in others
    ] == sentinels
    assert (pool.service_name, pool.max_connections) == (service, 7)
    assert client_options(pool.connection_kwargs) == (0.7, 0.3)
    assert pool.connection_kwargs["decode_responses"] is True
    assert pool.connection_kwargs["health_check_interval"] == 12
    assert pool.connection_kwargs["retry"]._retries == 1
    for o in others:
        assert client_options(o.connection_pool.connection_kwargs) == (0.7, 0.3)
        await o.aclose()
    await client.aclose()


async def test_a_cluster_client_keeps_its_own_retry() -> None:
    client, others = make_client("redis://node1:7000/0", settings(cluster=True))
    kwargs = client.connection_kwargs
    assert isinstance(client, RedisCluster) and others == []
    assert (kwargs["max_connections"], kwargs["decode_responses"]) == (7, True)
    assert client_options(kwargs) == (0.7, 0.3)
    assert "retry_on_error" not in kwargs and kwargs["health_check_interval"] == 0
    await client.aclose()


async def test_a_store_without_a_connection_or_behind_an_open_breaker_refuses_at_once(
    omotenashi_redis_url: str,
) -> None:
    with pytest.raises(StoreError, match="^no Redis connection$"):
        await Store(settings(), Metrics()).hit_rate_limit(new_vid(), 5)
    with pytest.raises(StoreError, match="^no Redis connection$"):  # not a TypeError
        await Store(settings(), Metrics()).load(new_vid())
    store = opened(omotenashi_redis_url)
    try:
        for _ in range(store.cfg.breaker_failures):
            store.breaker.failure("test")
        with pytest.raises(StoreError, match="^circuit breaker open$"):
            await store.load(new_vid())
        assert store.metrics["breaker_open"] == 1
        assert b"omotenashi_breaker_state 1.0" in store.metrics.exposition()
    finally:
        await store.aclose()


@pytest.mark.parametrize(("prefix", "vid"), [("omo", "v1"), ("site-2", "u{x}"), ("omo", "")])
def test_the_keys_a_script_is_given_are_the_parts_then_the_first_layouts_profile(
    prefix: str, vid: str
) -> None:
    store = Store(RedisSettings(key_prefix=prefix), Metrics())
    parts = [*store_module.PARTS, "profile"]
    assert store.keys(vid) == [store.key(vid, part) for part in parts]
    assert store.keys(vid)[0] == f"{prefix}:{{{vid}}}:p2"


@pytest.mark.parametrize("timing", ["redis_read", "redis_write"])
async def test_a_client_that_fails_in_its_own_code_is_a_failed_call(
    omotenashi_redis_url: str, timing: str
) -> None:
    """redis-py's async cluster client once met a connection another task was closing and
    raised AttributeError ('NoneType' object has no attribute 'writelines') from its own code:
    it reached the page and broke it. Any error of the client is a StoreError (the page is
    served as the app made it), counted as a Redis error."""
    store = opened(omotenashi_redis_url)

    async def fails() -> None:
        await asyncio.sleep(0)
        raise AttributeError("'NoneType' object has no attribute 'writelines'")

    try:
        with pytest.raises(StoreError, match="^Redis client failed: AttributeError"):
            await store._run(fails, 1.0, timing)
        assert store.metrics["redis_error"] == 1
        assert (await store.load(new_vid())).views == 0  # the store still answers
    finally:
        await store.aclose()
