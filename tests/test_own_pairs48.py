"""A visitor's own recommendation pairs are worked out when read, from the shared co-views of
the items they viewed (recommend/coview.py own_co_views, store/seeds.py): none is kept per
visitor, and a process that never read a seed's co-views (just started) reads them before the
page is decided, so the visitor's "Because you viewed ..." is there from its first page."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
import redis

from omotenashi import Omotenashi
from omotenashi.store import seeds

from .conftest import client_for, page_app
from .recommend.test_recommend_site import PAGE, RULES, SNIPPETS
from .test_switches40 import CATALOG, JOURNEY, REASON, Make, Seed, _returning, _site

pytestmark = pytest.mark.anyio


TOURS = ("/tours/kyoto-autumn", "/tours/tokyo-lights")


async def _taught(client: Any, visitor: Seed) -> Any:
    """Three others teach co-views (Kyoto with Tokyo); the visitor returned, viewed Kyoto."""
    for _ in range(3):
        await _returning(client, visitor, *TOURS)
    mine = visitor(visits=2)
    await _returning(client, lambda **_: mine, TOURS[0])
    return mine


@pytest.mark.parametrize("restarted", [False, True], ids=["same-process", "new-process"])
async def test_own_pairs_come_from_shared_co_views_and_no_key_of_the_visitor_keeps_them(
    restarted: bool, make_settings: Make, omotenashi_redis: redis.Redis, omotenashi_visitor: Seed
) -> None:
    async with client_for(_site(make_settings, True)) as client:
        mine = await _taught(client, omotenashi_visitor)
        cookies = dict(client.cookies)
        home = "" if restarted else (await client.get("/")).text
    if restarted:  # the co lists this process kept are gone with it
        async with client_for(_site(make_settings, True)) as client:
            client.cookies.update(cookies)
            home = (await client.get("/")).text
    assert "Because you viewed Kyoto in autumn" in REASON.findall(home), home
    assert omotenashi_redis.keys(f"omo:{{{mine.id}}}:also") == []


@pytest.mark.parametrize("how", ["slow", "refused"])
async def test_a_cold_read_that_fails_serves_the_page_without_those_pairs(
    how: str,
    make_settings: Make,
    omotenashi_redis: redis.Redis,
    omotenashi_visitor: Seed,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A new process has kept no co list: the visitor's seeds are read before the page is
    decided. Redis paused past the read timeout just then (``slow``: paused once the profile
    is read, as the process starts reading its lists), or answering that read with an error (a
    wrong type at the key): the page is served, personalised, without the pairs those seeds
    give (the read is not made twice for it), and the next page has them."""
    async with client_for(_site(make_settings, True)) as client:
        await _taught(client, omotenashi_visitor)
        cookies = dict(client.cookies)
    settings = make_settings(RULES, SNIPPETS, journey=JOURNEY, redis={"read_timeout": 0.1})
    (Path(settings.rules.dir) / "catalog.yaml").write_text(CATALOG)
    site = Omotenashi(page_app(PAGE), settings=settings)  # a new process: no list kept
    read_lists = seeds.read_lists

    async def paused(store: Any, items: list[str]) -> Any:
        omotenashi_redis.execute_command("CLIENT", "PAUSE", "400", "ALL")
        return await read_lists(store, items)

    kept = omotenashi_redis.dump("omo:rec:co:kyoto-autumn")
    if how == "slow":
        monkeypatch.setattr(seeds, "read_lists", paused)
    else:
        omotenashi_redis.delete("omo:rec:co:kyoto-autumn")
        omotenashi_redis.set("omo:rec:co:kyoto-autumn", "not a sorted set")
    async with client_for(site) as client:
        client.cookies.update(cookies)
        home = await client.get("/")
        monkeypatch.undo()
        await asyncio.sleep(0.5)  # (paused: until it answers again)
        omotenashi_redis.delete("omo:rec:co:kyoto-autumn")
        omotenashi_redis.restore("omo:rec:co:kyoto-autumn", 0, kept)
        again = (await client.get("/")).text
    assert home.status_code == 200 and "Because you viewed" not in home.text, home.text
    assert REASON.findall(home.text), home.text  # personalised still: popular items
    assert site.metrics["redis_timeout" if how == "slow" else "redis_refused"] == 1
    assert site.metrics["own_pairs_error"] == 0 and site.metrics["splice_error"] == 0
    assert "Because you viewed Kyoto in autumn" in REASON.findall(again), again


async def test_a_bug_starting_the_pairs_read_serves_the_page(
    make_settings: Make, omotenashi_visitor: Seed, monkeypatch: pytest.MonkeyPatch
) -> None:
    """eye48: the reads start as the request's responder is built, before the page's own
    guard: a bug there is counted and the page is served, personalised, never a 5xx."""
    from omotenashi.asgi import ownpairs

    def broken(*_: object) -> object:
        raise ValueError("a bug")

    mw = _site(make_settings, True)
    async with client_for(mw) as client:
        await _taught(client, omotenashi_visitor)
        monkeypatch.setattr(ownpairs, "_wanted", broken)
        home = await client.get("/")
    assert home.status_code == 200 and "data-omo-rule=" in home.text
    assert mw.metrics["own_pairs_error"] >= 1
