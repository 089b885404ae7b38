"""Redis Cluster: every visitor's keys share a hash slot, so reads, writes, merges and erasure
work on a real three-node Valkey cluster that the test starts itself."""

from __future__ import annotations

import json
import logging
import random
import socket
import subprocess
import textwrap
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

import pytest
import redis

from omotenashi import EmbeddedRedis, Omotenashi, Settings
from omotenashi.identity.cookie import CookieSigner, Identity
from omotenashi.ids import new_vid
from omotenashi.metrics import Metrics
from omotenashi.recommend.coview import CO_HALF_LIFE, MIN_CO_SUPPORT, Learning, log_increment
from omotenashi.settings import RedisSettings
from omotenashi.store.embedded import find_server_binary
from omotenashi.store.privacy import counters as counters_of
from omotenashi.store.privacy import is_revoked
from omotenashi.store.seed import seed
from omotenashi.store.seeds import seed_lists
from omotenashi.store.store import PARTS, Store
from omotenashi.testing import unavailable

from .conftest import client_for, page_app
from .own_suite import run_own_suite
from .recommend.test_recommend_site import CATALOG as RECS_CATALOG
from .recommend.test_recommend_site import ITEM
from .recommend.test_recommend_site import JOURNEY as RECS_JOURNEY
from .recommend.test_recommend_site import PAGE as RECS_PAGE
from .recommend.test_recommend_site import RULES as RECS_RULES
from .recommend.test_recommend_site import SNIPPETS as RECS_SNIPPETS
from .store.test_store_paths import DAY, page_view
from .test_events import JOURNEY, RULES, hero, me, shop

Make = Callable[..., Settings]


def _cluster_ports(count: int) -> list[int]:
    """Free ports whose cluster bus ports (port + 10000) are free and valid too."""
    ports: list[int] = []
    candidate = random.randrange(20000, 30000)
    while len(ports) < count:
        candidate += 1
        if all(_free(p) for p in (candidate, candidate + 10000)):
            ports.append(candidate)
    return ports


def _free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


@pytest.fixture(scope="module")
def cluster_url() -> Iterator[str]:
    cli = find_server_binary().parent / "valkey-cli"
    if not cli.exists():
        unavailable("no valkey-cli next to the server binary to create a cluster")
    nodes = [
        EmbeddedRedis(port, extra_args=["--cluster-enabled", "yes"]).start()
        for port in _cluster_ports(3)
    ]
    try:
        subprocess.run(
            [
                str(cli),
                "--cluster",
                "create",
                *(f"127.0.0.1:{n.port}" for n in nodes),
                "--cluster-replicas",
                "0",
                "--cluster-yes",
            ],
            check=True,
            capture_output=True,
            timeout=60,
        )
        deadline = time.monotonic() + 20
        for node in nodes:  # each node says the cluster is down until its gossip says not
            probe = redis.Redis(port=node.port)
            while b"cluster_state:ok" not in probe.execute_command("CLUSTER", "INFO"):
                assert time.monotonic() < deadline, f"node {node.port}: the cluster is not up"
                time.sleep(0.1)
            probe.close()
        yield nodes[0].url
    finally:
        for node in nodes:
            node.close()


@pytest.mark.anyio
async def test_the_journey_on_a_cluster(make_settings: Make, cluster_url: str) -> None:
    settings = make_settings(RULES, journey=JOURNEY, redis={"url": cluster_url, "cluster": True})
    mw = Omotenashi(shop(), settings=settings)
    async with client_for(mw) as client:
        await client.get("/")
        await client.get("/tours/kyoto")
        assert hero(await client.get("/")) == "Stage interest"
        await client.post("/add/kyoto")
        await client.post("/login/cluster-user")  # a merge across two hash slots
        profile = await me(client)
        assert profile["cart"] == {"kyoto": 1} and profile["stage"] == "consideration"
        assert hero(await client.get("/")) == "Stage consideration"
        beacon = await client.post(
            "/_omotenashi/events",
            content='{"name": "video_play"}',
            headers={"content-type": "application/json"},
        )
        assert beacon.status_code == 204  # the rate limit's transaction runs in one slot
        assert (await me(client))["events"]["video_play"] == 1
    assert mw.metrics["redis_error"] == 0 and mw.metrics["record_error"] == 0


@pytest.mark.anyio
async def test_the_co_lists_of_a_visitor_s_viewed_items_are_read_in_one_trip_on_a_cluster(
    cluster_url: str,
) -> None:
    """A visitor's own pairs come from the shared co lists of their viewed items, in other
    slots than their profile: the cold read (store/seeds.py) reads them in one redis-py
    pipeline across the nodes, then keeps them (no read the next time)."""
    prefix = f"seeds-{new_vid()}"
    store = Store(RedisSettings(url=cluster_url, cluster=True, key_prefix=prefix), Metrics())
    store.connect(cluster_url)
    items = [f"tour-{n}" for n in range(6)]  # (their keys in slots all over the cluster)
    score = log_increment(time.time(), CO_HALF_LIFE) + 3  # 8 decayed co-views: supported
    try:
        for item in items:
            await store.client.zadd(f"{prefix}:rec:co:{item}", {f"{item}-with": score})
        got = await seed_lists(store, items)
        again = await seed_lists(store, items)
    finally:
        await store.aclose()
    assert got == again == {item: [(f"{item}-with", 1.0)] for item in items}
    assert store.metrics["seed_lists_read"] == len(items) and store.metrics["redis_error"] == 0


def _recs_site(make_settings: Make, cluster_url: str, prefix: str) -> Omotenashi:
    """tests/recommend's site (a catalogue, an ``also-like`` recommend rule) on the cluster,
    under its own key prefix: shared keys no other test on the cluster writes."""
    settings = make_settings(
        RECS_RULES,
        RECS_SNIPPETS,
        journey=RECS_JOURNEY,
        redis={"url": cluster_url, "cluster": True, "key_prefix": prefix},
    )
    (Path(settings.rules.dir) / "catalog.yaml").write_text(textwrap.dedent(RECS_CATALOG))
    mw = Omotenashi(page_app(RECS_PAGE), settings=settings)
    mw.store.recs.popular_cache = 0  # every page reads the shared keys too
    return mw


def _returning(cluster_url: str, settings: Settings) -> tuple[str, str]:
    """A returning visitor (only they teach co-views), seeded on the cluster: id, cookie."""
    vid, cfg = new_vid(), settings.redis
    sync = redis.RedisCluster.from_url(cluster_url, decode_responses=True)
    try:
        seed(sync, vid, {"visits": 2}, key_prefix=cfg.key_prefix, ttl=86400)
    finally:
        sync.close()
    return vid, CookieSigner(settings).sign(Identity(vid=vid, is_new=False, issued_at=time.time()))


@pytest.mark.anyio
@pytest.mark.parametrize("flush", [False, True], ids=["scripts-known", "script-cache-flushed"])
async def test_item_pages_are_personalised_and_teach_on_a_cluster(
    make_settings: Make, cluster_url: str, caplog: pytest.LogCaptureFixture, flush: bool
) -> None:
    """Every item page reads its co-views with the profile and records its view: scripts in a
    Cluster pipeline (redis-py refuses EVALSHA there), also after the nodes forgot them.
    Personalised, recorded, taught (the shared keys; no pair kept for the visitor); no Redis
    error, no tripped breaker, no warning."""
    prefix = f"recs-{flush}"
    mw = _recs_site(make_settings, cluster_url, prefix)
    caplog.set_level(logging.WARNING)
    vids, pages = [], []
    async with client_for(mw) as client:
        caplog.clear()  # (the startup's own notes: a short test key, no user salt)
        for n in range(int(MIN_CO_SUPPORT) + 1):  # the last one finds co-views to pair with
            vid, cookie = _returning(cluster_url, mw.settings)
            client.cookies.clear()
            client.cookies.set("omo_vid", cookie, domain="shop.test")
            for item in ("kyoto-autumn", "tokyo-lights"):
                pages.append(await client.get(f"/tours/{item}"))
            vids.append(vid)
            if flush and n == 0:
                await mw.store.client.script_flush()  # every node (a restart, a failover)
        await mw.drain()
    assert all(ITEM.findall(page.text) for page in pages), [page.text for page in pages]
    sync = redis.RedisCluster.from_url(cluster_url, decode_responses=True)
    try:
        for vid in vids:
            fields = sync.hkeys(f"{prefix}:{{{vid}}}:p2")
            assert {"wkyoto-autumn", "wtokyo-lights"} <= set(fields), fields
        assert not sync.exists(*(f"{prefix}:{{{vid}}}:also" for vid in vids))
        assert sorted(sync.zrange(f"{prefix}:rec:pop", 0, -1)) == ["kyoto-autumn", "tokyo-lights"]
        assert sync.zrange(f"{prefix}:rec:co:kyoto-autumn", 0, -1) == ["tokyo-lights"]
        assert sync.zrange(f"{prefix}:rec:co:tokyo-lights", 0, -1) == ["kyoto-autumn"]
    finally:
        sync.close()
    counted = {name: mw.metrics[name] for name in ("redis_error", "degraded", "learn_lost")}
    assert counted == {"redis_error": 0, "degraded": 0, "learn_lost": 0}
    assert mw.store.breaker.opened_at is None and mw.metrics["record_error"] == 0
    assert not [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]


@pytest.mark.anyio
@pytest.mark.parametrize("counted", [False, True], ids=["", "counted"])
@pytest.mark.parametrize("learned", [False, True], ids=["", "learned"])
async def test_every_way_of_recording_writes_the_same_profile_on_a_cluster(
    cluster_url: str, counted: bool, learned: bool
) -> None:
    """tests/store/test_store_paths.py's recording, on the cluster: the record, the counters in
    other slots and the shared keys; then one read of the profile with the item's co-views, the
    counters, a revoke check and an export."""
    prefix = f"paths-{counted}-{learned}"
    store = Store(RedisSettings(url=cluster_url, cluster=True, key_prefix=prefix), Metrics())
    store.connect(cluster_url)
    vid, day = new_vid(), "2027-01-15"
    change = page_view(items=["kona"])
    if counted:
        change.measure = {"r|hero": "t:1", "g|hero|buy": "1"}
        change.stats = {(day, "x|t|hero"): 1, (day, "c|t|hero|buy"): 2}
    learning = Learning(
        popular=[("kona", 1.0)],
        co={"kona": [("maui", 0.5)]},
        item="kona",  # the view's item: the record finds it a first view (once, of the two)
    )
    try:  # the nodes know the record script, not the learning one (a new release's first)
        await store.client.script_flush()
        await store.record(new_vid(), page_view(), DAY)
        ttls: list[int] = []
        for again in (False, True):  # two concurrent views' records: counted, taught once
            view = replace(change, new_visit=not again)  # (one visit: kept new_ttl seconds)
            await store.record(vid, view, DAY, learning if learned else None)
            ttls += [await store.client.ttl(store.key(vid, part)) for part in PARTS]
        profile, shared = await store.load_visit(vid, "kona")
        counters = await store.read_stats([day, "2027-01-16"])
        revoked, export = await is_revoked(store, vid), await counters_of(store, vid)
        co = await store.client.zrange(f"{prefix}:rec:co:kona", 0, -1, withscores=True)
    finally:
        await store.aclose()
    assert (profile.views, profile.visits, profile.also) == (2, 1, {})
    assert counters == ({day: {"x|t|hero": "1", "c|t|hero|buy": "2"}} if counted else {})
    assert co == ([("maui", 0.5)] if learned else [])
    assert 0 < ttls[0] < store.cfg.idle_ttl and ttls[1] == -2, ttls  # no "also" key written
    assert ttls[2:] == ttls[:2]
    assert shared.co_views == {}  # read, but one visitor is no support for a claim
    assert not revoked and export["kept_for_seconds"] is not None
    assert (store.metrics["redis_error"], store.metrics["learn_lost"]) == (0, 0)


@pytest.mark.parametrize("action", ["set", "show"])
def test_the_profile_command_reaches_a_visitor_on_another_node(
    cluster_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    action: str,
) -> None:
    """``omotenashi profile set`` (store/seed.py) wrote through a plain client: a visitor whose
    slot another node serves was refused (MOVED)."""
    from omotenashi.cli.main import main

    monkeypatch.setenv("OMOTENASHI_REDIS_URL", cluster_url)
    monkeypatch.setenv("OMOTENASHI_REDIS_CLUSTER", "true")
    sync = redis.RedisCluster.from_url(cluster_url, decode_responses=True)
    try:
        here = int(cluster_url.rsplit(":", 1)[1].split("/")[0])
        vid = next(
            v for v in iter(new_vid, "") if sync.get_node_from_key(f"omo:{{{v}}}:p2").port != here
        )
        assert main(["profile", "set", vid, "stage=loyalty", "interest.kyoto=2"]) == 0
        if action == "show":
            capsys.readouterr()
            assert main(["profile", "show", vid]) == 0
            assert json.loads(capsys.readouterr().out)["stage"] == "loyalty"
        assert sync.hget(f"omo:{{{vid}}}:p2", "G") == "5"
    finally:
        sync.close()


SEEDS_MANY = """
import redis

def test_it(omotenashi_visitor):
    vids = [omotenashi_visitor(stage="loyalty").id for _ in range(20)]  # on every node
    sync = redis.RedisCluster.from_url("{url}", decode_responses=True)
    assert [sync.hget(f"omo:{{{{{{vid}}}}}}:p2", "G") for vid in vids] == ["5"] * 20
"""


def test_a_qa_suite_seeds_visitors_of_a_cluster_site(tmp_path: Path, cluster_url: str) -> None:
    """The pytest plugin's ``omotenashi_visitor`` seeded through a plain client: a visitor
    whose slot another node serves failed the QA engineer's test (MOVED)."""
    (tmp_path / "test_site.py").write_text(SEEDS_MANY.format(url=cluster_url))
    env = {"OMOTENASHI_REDIS_URL": "{url}", "OMOTENASHI_REDIS_CLUSTER": "true"}
    done = run_own_suite(
        tmp_path,
        ["--base-url", "http://127.0.0.1:9"],  # a site never started: only seeding runs
        {**env, "OMOTENASHI_SECRET_KEYS": "k"},
        kept=lambda k: k not in ("REDIS_URL", "CI", "PYTEST_ADDOPTS") and "OMOTENASHI_" not in k,
        redis_url=cluster_url,
    )
    assert done.returncode == 0, done.stdout + done.stderr
