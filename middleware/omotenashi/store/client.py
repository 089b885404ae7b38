"""The redis-py client for a Redis URL: plain, Sentinel or Cluster, with a bounded pool and
explicit timeouts (the store's other client, for plain servers, is store/pipeline.py)."""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote, urlparse

from redis.asyncio import BlockingConnectionPool, Redis
from redis.asyncio.connection import Connection, parse_url
from redis.asyncio.retry import Retry
from redis.asyncio.sentinel import Sentinel
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError

from omotenashi.settings import RedisSettings
from omotenashi.store.clusterask import asking_kept
from omotenashi.store.clusterstart import OpenedCluster
from omotenashi.store.opening import OpenedSentinelConnection, opened, opened_in
from omotenashi.store.sentinelwatch import following


def make_client(url: str, cfg: RedisSettings) -> tuple[Any, list[Any]]:
    """A client with a bounded pool and explicit timeouts, for a plain, Sentinel or Cluster URL,
    and the other clients (Sentinel's) to close with it.

    Recovery after a Redis restart: a command that meets a connection error is sent once more
    on the same connection object, reconnected (a stale pooled socket costs one retry, not a
    failed page); a connection idle for ``health_check_interval`` seconds is PINGed first.

    Connections open in a task of their own, shielded, within the connect timeout and some
    passes of the event loop (store/opening.py): on a busy process a read gives up on its own
    time limit while the connection goes on opening for the next (the Cluster client's too,
    and its slot map and script loads: store/clusterstart.py).
    A Sentinel's primary is asked for every second, and followed when it moves
    (store/sentinelwatch.py).

    RESP2 (redis-py 8 asks for RESP3 with a HELLO on every connection): a server or proxy
    that knows no HELLO serves it, as it serves the fast path (store/pipeline.py). A
    ``protocol=`` in the URL still wins.
    """
    common: dict[str, Any] = {
        "socket_timeout": max(cfg.read_timeout, cfg.write_timeout),
        "socket_connect_timeout": cfg.connect_timeout,
        "decode_responses": True,
        "protocol": 2,
    }
    if not cfg.cluster:  # the Cluster client has its own retry (and refreshes the slot map)
        common["retry"] = Retry(NoBackoff(), 1)
        common["retry_on_error"] = [RedisConnectionError]
        common["health_check_interval"] = cfg.health_check_interval
    if url.lower().startswith("redis+sentinel://"):  # a scheme is any case (RFC 3986)
        parsed = urlparse(url)
        hosts = [
            (h.split(":")[0], int(h.split(":")[1]) if ":" in h else 26379)
            for h in parsed.netloc.split("@")[-1].split(",")
        ]
        service = parsed.path.strip("/") or "mymaster"
        # the Sentinels' own connections: redis-py's default (the socket options), in RESP2
        asked = {k: v for k, v in common.items() if k.startswith("socket_")} | {"protocol": 2}
        # the URL's user and password are the primary's (as in a redis:// URL); the Sentinels'
        # own connections send none (one that has no password refuses an AUTH)
        login: dict[str, Any] = {
            name: unquote(value)
            for name, value in (("username", parsed.username), ("password", parsed.password))
            if value
        }
        sentinel = Sentinel(hosts, sentinel_kwargs=asked, **common)  # type: ignore[no-untyped-call, unused-ignore]
        for each in sentinel.sentinels:  # (the Sentinels' own clients take no class)
            each.connection_pool.connection_class = opened(each.connection_pool.connection_class)
        client = sentinel.master_for(
            service,
            max_connections=cfg.max_connections,
            connection_class=OpenedSentinelConnection,
            **common,
            **login,
        )
        # (followed first: closed before the Sentinels' clients it asks)
        return client, [*following(client.connection_pool), *sentinel.sentinels]
    if cfg.cluster:
        cluster = OpenedCluster.from_url(url, max_connections=cfg.max_connections, **common)
        opened_in(cluster)
        asking_kept(cluster)  # (redis-py's ASKING on the command's own connection)
        return cluster, []
    # A blocking pool: a burst past max_connections waits for a connection instead of failing
    # with "Too many connections", for as long as the longest call's time limit (a page's
    # read and write are bounded by theirs, store.py ``_run``; an erase, a revoke or a merge
    # by this wait and their socket timeout): a wait of the connect timeout alone lost the
    # page views of a burst (crash61: "No connection available" at 0.25 s of a 0.5 s write)
    pool = BlockingConnectionPool.from_url(
        url,
        max_connections=cfg.max_connections,
        timeout=max(cfg.connect_timeout, cfg.read_timeout, cfg.write_timeout)
        + cfg.write_batch_interval,
        connection_class=opened(parse_url(url).get("connection_class", Connection)),
        **common,
    )
    return Redis.from_pool(pool), []
