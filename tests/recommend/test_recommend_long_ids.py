"""Long item ids in a visitor's recommendation pairs as earlier releases kept them (digests or
codes, recommend/coview.py ``pair_part``; no pair is kept since 48, an old key is still read
and erased): what the visitor reads of them (the data page, the download) names the items."""

from __future__ import annotations

import json
import re
import textwrap
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis

from omotenashi import Omotenashi, Settings
from omotenashi.recommend.coview import long_part, pair_part

from ..conftest import client_for, page_app
from .test_recommend_site import PAGE, RULES, SNIPPETS, _returning, _teach

pytestmark = pytest.mark.anyio
LONG_A = "a-week-in-the-japanese-alps-walking-the-nakasendo-trail"
LONG_B = "hokkaido-snow-festival-with-the-family-in-february"
JOURNEY = 'topics:\n  - {path: "/tours/*", item: true}\n'
CATALOG = f"""
items:
  - {{id: {LONG_A}, url: /tours/{LONG_A}, title: Nakasendo walk, tags: [japan]}}
  - {{id: {LONG_B}, url: /tours/{LONG_B}, title: Snow festival, tags: [japan]}}
  - {{id: bali, url: /tours/bali, title: Bali retreat, tags: [bali]}}
"""


def _shop(settings: Settings) -> Omotenashi:
    """The shop with its catalogue of two long ids and a short one."""
    (Path(settings.rules.dir) / "catalog.yaml").write_text(textwrap.dedent(CATALOG))
    mw = Omotenashi(page_app(PAGE), settings=settings)
    mw.store.recs.popular_cache = 0
    return mw


async def _viewed(client: httpx.AsyncClient, seed: Any, r: redis.Redis, compact: bool) -> None:
    """Returning visitors teach the three tours' co-views, then one more views them, whose
    ``also`` key an earlier release wrote: two codes side by side (39-47, compact) or the
    ids, a long one as its digest (before)."""
    tours = [f"/tours/{LONG_A}", f"/tours/{LONG_B}", "/tours/bali"]
    await _teach(client, seed, *tours)
    await _returning(client, seed, *tours)
    vid = json.loads((await client.get("/_omotenashi/preferences/export")).text)["visitor_id"]
    key = f"omo:{{{vid}}}:also"
    assert r.exists(key) == 0  # (written by these views until release 48)
    pair = pair_part(LONG_A)[1:] + pair_part(LONG_B)[1:]
    r.zadd(key, {pair: 1000} if compact else {f"{long_part(LONG_A)}>{long_part(LONG_B)}": 10.0})


@pytest.mark.parametrize("compact", [False, True], ids=["as-before", "compact"])
async def test_the_data_page_and_the_download_name_long_items(
    make_settings: Any, omotenashi_redis: redis.Redis, omotenashi_visitor: Any, compact: bool
) -> None:
    """Kept as digests (16 hex digits) as the release before keeps them, or as two codes side
    by side with OMOTENASHI_REDIS_COMPACT: either way named on the data page and the download."""
    settings = make_settings(RULES, SNIPPETS, journey=JOURNEY, redis={"compact": compact})
    async with client_for(_shop(settings)) as client:
        await _viewed(client, omotenashi_visitor, omotenashi_redis, compact)
        html = (await client.get("/_omotenashi/preferences/data")).text
        page = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))
        data = json.loads((await client.get("/_omotenashi/preferences/export")).text)
    said = page[page.find("Kept by an earlier version") :][:300]
    assert "Nakasendo walk: Snow festival" in said and "~" not in said
    pairs = data["profile"]["recommendation_pairs"]
    assert {"you_viewed": LONG_A, "viewed_with_it": LONG_B} in [
        {k: p[k] for k in ("you_viewed", "viewed_with_it")} for p in pairs
    ]
    assert not any(p[k].startswith("~") for p in pairs for k in ("you_viewed", "viewed_with_it"))


@pytest.mark.parametrize("compact", [False, True], ids=["as-before", "compact"])
async def test_the_data_page_says_an_item_has_gone_where_its_code_names_nothing_now(
    make_settings: Any, omotenashi_redis: redis.Redis, omotenashi_visitor: Any, compact: bool
) -> None:
    """A long item's digest, or any item's code: once the item leaves the catalogue its code
    names nothing, and the data page says so, not the code."""
    settings = make_settings(RULES, SNIPPETS, journey=JOURNEY, redis={"compact": compact})
    async with client_for(_shop(settings)) as client:
        await _viewed(client, omotenashi_visitor, omotenashi_redis, compact)
        cookies = dict(client.cookies)
    catalog = Path(settings.rules.dir) / "catalog.yaml"
    catalog.write_text(textwrap.dedent(CATALOG).replace(f"  - {{id: {LONG_B},", "  # gone:"))
    later = Omotenashi(page_app(PAGE), settings=settings)
    async with client_for(later) as client:
        client.cookies.update(cookies)
        html = (await client.get("/_omotenashi/preferences/data")).text
    page = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))
    said = page[page.find("Kept by an earlier version") :][:300]
    assert "Nakasendo walk: an item the site no longer lists" in said and "~" not in said
