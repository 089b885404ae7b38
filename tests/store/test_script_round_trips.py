"""A page's read and its record each make one round trip on the redis-py path too (a URL with
options, TLS, Sentinel): redis-py sends ``SCRIPT EXISTS`` ahead of a pipeline that holds a
registered script, a round trip before every item page's read (the profile with its co-views)
and every record that teaches recommendations. Script calls in a pipeline go as ``EVAL`` or
``EVALSHA`` commands (store/scripted.py), loaded when a server answers ``NOSCRIPT``."""

from __future__ import annotations

import textwrap
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import redis

from omotenashi import Omotenashi, Settings
from omotenashi.identity.cookie import CookieSigner, Identity
from omotenashi.ids import new_vid
from omotenashi.recommend.coview import MIN_CO_SUPPORT
from omotenashi.store.seed import seed

from ..conftest import client_for, page_app
from ..recommend.test_recommend_site import CATALOG, ITEM, JOURNEY, PAGE, RULES, SNIPPETS

pytestmark = pytest.mark.anyio
Make = Callable[..., Settings]


def calls(server: redis.Redis, command: str) -> int:
    return int(server.info("commandstats").get(f"cmdstat_{command}", {}).get("calls", 0))


@pytest.mark.parametrize("flush", [False, True], ids=["known", "flushed"])
async def test_item_pages_send_no_script_exists(
    make_settings: Make, omotenashi_redis_url: str, omotenashi_redis: redis.Redis, flush: bool
) -> None:
    url = omotenashi_redis_url + "?health_check_interval=30"  # options: redis-py's client
    settings = make_settings(RULES, SNIPPETS, journey=JOURNEY, redis={"url": url})
    (Path(settings.rules.dir) / "catalog.yaml").write_text(textwrap.dedent(CATALOG))
    mw = Omotenashi(page_app(PAGE), settings=settings)
    mw.store.recs.popular_cache = 0  # every page reads the shared keys too
    pages = []
    async with client_for(mw) as client:
        assert mw.store.fast is None  # (the redis-py path)
        omotenashi_redis.config_resetstat()
        for n in range(int(MIN_CO_SUPPORT) + 1):
            vid = new_vid()
            seed(omotenashi_redis, vid, {"visits": 2}, key_prefix="omo", ttl=86400)
            cookie = CookieSigner(settings).sign(
                Identity(vid=vid, is_new=False, issued_at=time.time())
            )
            client.cookies.clear()
            client.cookies.set("omo_vid", cookie, domain="shop.test")
            for item in ("kyoto-autumn", "tokyo-lights"):
                pages.append(await client.get(f"/tours/{item}"))
            if flush and n == 0:
                omotenashi_redis.script_flush()  # a restart, a failover
        await mw.drain()
    assert all(ITEM.findall(page.text) for page in pages[-2:]), [p.text for p in pages]
    assert calls(omotenashi_redis, "script|exists") == 0
    assert omotenashi_redis.zrange("omo:rec:co:kyoto-autumn", 0, -1) == ["tokyo-lights"]
    assert mw.metrics["redis_error"] == 0 and mw.metrics["learn_lost"] == 0
