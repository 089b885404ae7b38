"""The co lists a visitor's own pairs come from are read while the app runs: started as soon
as the profile is here (read before the app, or its reply arriving while the app works), not
after the app has answered. A request that ends before its page is decided (the app raised,
answered JSON, or its client left) leaves that read to finish for the next page, and nothing
pending once the site shuts down. Only a catalogue item's list is kept: pages of made-up
items (``/tours/<anything>``) push none of the kept lists out."""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import textwrap
from pathlib import Path
from typing import Any

import pytest
import redis
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from omotenashi import Omotenashi, get_visitor

from .conftest import client_for
from .recommend.test_recommend_site import PAGE, RULES, SNIPPETS
from .test_switches40 import CATALOG, JOURNEY, REASON, Make, Seed, _returning, _site

pytestmark = pytest.mark.anyio
TOURS = ("/tours/kyoto-autumn", "/tours/tokyo-lights")
KYOTO = "kyoto-autumn"


async def _viewed_kyoto(make_settings: Make, omotenashi_visitor: Seed) -> dict[str, str]:
    """Others view Kyoto with Tokyo; the visitor views Kyoto: their cookies (for a site that
    has kept no list yet: a new process)."""
    async with client_for(_site(make_settings, True)) as client:
        for _ in range(3):
            await _returning(client, omotenashi_visitor, *TOURS)
        mine = omotenashi_visitor(visits=2)
        await _returning(client, lambda **_: mine, TOURS[0])
        return dict(client.cookies)


def _new_process(
    make_settings: Make, answer: str, seen: dict[str, Any], cache: float
) -> Omotenashi:
    """A site that has kept no co list, whose app, for a returning visitor, waits (a bounded
    while) until this process holds Kyoto's list, then answers as ``answer`` says."""
    holder: list[Omotenashi] = []

    async def page(request: Request) -> Response:
        visitor = get_visitor(request)
        if visitor is None or visitor.is_new:
            return HTMLResponse(PAGE)
        recs = holder[0].store.recs
        seen["ahead"] = visitor.reading is not None  # the profile not awaited by anyone yet
        for _ in range(300):  # (3 s at most: the test fails, it never hangs)
            if KYOTO in recs._lists:
                break
            await asyncio.sleep(0.01)
        seen["during_app"] = KYOTO in recs._lists
        if answer == "raises":
            raise RuntimeError("the app's own failure")
        if answer == "json":
            return JSONResponse({"ok": True})
        if answer == "gone":
            await asyncio.Event().wait()  # until the server cancels it (its client left)
        return HTMLResponse(PAGE)

    app = Starlette(routes=[Route("/{path:path}", page)])
    settings = make_settings(RULES, SNIPPETS, journey=JOURNEY, redis={"compact": True})
    (Path(settings.rules.dir) / "catalog.yaml").write_text(textwrap.dedent(CATALOG))
    mw = Omotenashi(app, settings=settings)
    mw.store.recs.popular_cache = cache
    holder.append(mw)
    return mw


@pytest.mark.parametrize("ahead", [False, True], ids=["read-before-the-app", "read-sent-ahead"])
async def test_the_lists_are_read_while_the_app_runs(
    ahead: bool, make_settings: Make, omotenashi_redis: redis.Redis, omotenashi_visitor: Seed
) -> None:
    """``read-before-the-app``: the popular items are read with the profile before the app
    runs (none cached); ``read-sent-ahead``: they are cached, so the profile's read is sent
    ahead and its reply comes while the app runs. Either way the visitor's lists are read (or
    being read) before the app answers (until 48b: only after it had)."""
    cookies = await _viewed_kyoto(make_settings, omotenashi_visitor)
    seen: dict[str, Any] = {}
    site = _new_process(make_settings, "page", seen, 5.0 if ahead else 0.0)
    async with client_for(site) as client:
        if ahead:
            await client.get("/")  # a new visitor's page: the popular items read, cached 5 s
        client.cookies.clear()  # (the new visitor's cookie goes)
        client.cookies.update(cookies)
        home = (await client.get("/")).text
    assert seen == {"ahead": ahead, "during_app": True}
    assert "Because you viewed Kyoto in autumn" in REASON.findall(home), home
    assert site.metrics["seed_lists_read"] == 1 and site.metrics["own_pairs_error"] == 0


@pytest.mark.parametrize("answer", ["raises", "json", "gone"])
async def test_a_request_that_ends_early_leaves_its_read_to_finish_and_nothing_pending(
    answer: str, make_settings: Make, omotenashi_redis: redis.Redis, omotenashi_visitor: Seed
) -> None:
    cookies = await _viewed_kyoto(make_settings, omotenashi_visitor)
    seen: dict[str, Any] = {}
    site = _new_process(make_settings, answer, seen, 5.0)
    unseen: list[dict[str, Any]] = []
    loop = asyncio.get_running_loop()
    handler = loop.get_exception_handler()
    loop.set_exception_handler(lambda _, context: unseen.append(context))
    try:
        async with client_for(site) as client:
            await client.get("/")  # (the popular items cached: the profile read goes ahead)
            client.cookies.clear()
            client.cookies.update(cookies)
            request = asyncio.ensure_future(client.get("/"))
            while "during_app" not in seen:
                await asyncio.sleep(0.01)
            if answer == "gone":
                request.cancel()
            with contextlib.suppress(RuntimeError, asyncio.CancelledError):
                got = await request
                assert answer == "json" and got.json() == {"ok": True}
        assert seen["during_app"]  # read while the app ran, kept for the next page
        assert not site.store.recs.tasks and not site.store.recs.reading  # nothing pending
    finally:
        loop.set_exception_handler(handler)
    assert unseen == [] and site.metrics["own_pairs_error"] == 0


@pytest.mark.parametrize("new", [True, False], ids=["new-visitor", "returning"])
async def test_pages_of_items_outside_the_catalogue_keep_no_list(
    new: bool, make_settings: Make, omotenashi_visitor: Seed
) -> None:
    """``/tours/<anything>`` names an item by its path: only a catalogue item's co list is
    read with the profile and kept (until 48b any was, raw from the URL, up to 4,096 of them:
    every list a visitor's pairs need pushed out)."""
    site = _site(make_settings, False)
    made_up = [f"not-listed-{secrets.token_hex(4)}" for _ in range(30)]
    async with client_for(site) as client:
        if not new:
            omotenashi_visitor(visits=2).apply(client)
        for item in made_up:
            assert (await client.get(f"/tours/{item}")).status_code == 200
        await client.get(TOURS[0])
    kept = site.store.recs._lists
    assert not any(item in kept for item in made_up)
    assert KYOTO in kept  # a catalogue item's list is kept


async def test_a_request_for_a_made_up_item_reads_no_list_before_the_app(
    make_settings: Make, omotenashi_redis: redis.Redis
) -> None:
    """Nothing to read for it: the page's item is not one whose co-views exist."""
    site = _site(make_settings, False)
    async with client_for(site) as client:
        before = omotenashi_redis.info("commandstats").get("cmdstat_zrevrange", {}).get("calls", 0)
        await client.get("/tours/not-listed-at-all")
        after = omotenashi_redis.info("commandstats").get("cmdstat_zrevrange", {}).get("calls", 0)
    assert after - before == 2  # the popular items and this week's counts only (not cached:
    # popular_cache 0; recs60)
