"""Redis Sentinel: the store finds the primary through a real sentinel the test starts."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
import redis

from omotenashi import EmbeddedRedis, Omotenashi, Settings
from omotenashi.store.embedded import find_server_binary, free_port

from .conftest import client_for
from .test_events import JOURNEY, RULES, hero, shop

Make = Callable[..., Settings]


PASSWORD = "p@ss:w/rd"  # (characters a URL must escape)


@pytest.fixture(scope="module", params=["open", "password"])
def sentinel_url(
    tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Iterator[str]:
    primary = EmbeddedRedis().start()
    login, auth = "", ""
    if request.param == "password":  # the primary asks for one; the URL gives it
        with redis.Redis(port=primary.port) as admin:
            admin.config_set("requirepass", PASSWORD)
        login, auth = f":{quote(PASSWORD, safe='')}@", f"sentinel auth-pass shop {PASSWORD}\n"
    port = free_port()
    conf: Path = tmp_path_factory.mktemp("sentinel") / "sentinel.conf"
    conf.write_text(
        f"port {port}\nbind 127.0.0.1\nsentinel monitor shop 127.0.0.1 {primary.port} 1\n{auth}"
    )
    proc = subprocess.Popen(
        [str(find_server_binary()), str(conf), "--sentinel"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                with redis.Redis(port=port) as probe:
                    if probe.execute_command("SENTINEL", "GET-MASTER-ADDR-BY-NAME", "shop"):
                        break
            except redis.ConnectionError:
                pass
            assert time.monotonic() < deadline, "the sentinel did not come up"
            time.sleep(0.1)
        yield f"redis+sentinel://{login}127.0.0.1:{port}/shop"
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        primary.close()


@pytest.mark.anyio
@pytest.mark.parametrize("scheme", ["redis+sentinel", "Redis+Sentinel"])  # any case (RFC 3986)
async def test_pages_are_personalised_through_sentinel(
    make_settings: Make, sentinel_url: str, scheme: str
) -> None:
    url = sentinel_url.replace("redis+sentinel", scheme)
    mw = Omotenashi(shop(), settings=make_settings(RULES, journey=JOURNEY, redis={"url": url}))
    async with client_for(mw) as client:
        for path in ("/", "/tours/kyoto"):
            await client.get(path)
        assert hero(await client.get("/")) == "Stage interest"
    assert mw.metrics["redis_error"] == 0
