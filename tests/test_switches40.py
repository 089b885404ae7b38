"""Every privacy switch on every path, with OMOTENASHI_REDIS_COMPACT off and on, against a real
Redis: after GPC, DNT, consent withdrawn, "personalise nothing", browsing history off, erase or
a bot's User-Agent, no page view, beacon or co-view of the visitor is written (keys read back
with a Redis client) and no pick is chosen from them; and what the preferences and data pages
say of the visitor's recommendation pairs is true whatever form they are kept in."""

from __future__ import annotations

import re
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Route

from omotenashi import Omotenashi, Settings, consent
from omotenashi.recommend.coview import pair_part
from omotenashi.testing import SeededVisitor

from .conftest import client_for, form_token, page_words
from .recommend.test_recommend_site import PAGE, RULES, SNIPPETS

pytestmark = pytest.mark.anyio
Make = Callable[..., Settings]
Seed = Callable[..., SeededVisitor]
PREFS = "/_omotenashi/preferences"
SAME_SITE = {"origin": "http://shop.test"}
JOURNEY = """
topics:
  - {path: "/tours/kyoto-*", topics: [kyoto, japan]}
  - {path: "/tours/*", item: true}
"""
KYOTO = "  - {id: kyoto-autumn, url: /tours/kyoto-autumn, title: Kyoto in autumn}\n"
TOKYO = "  - {id: tokyo-lights, url: /tours/tokyo-lights, title: Tokyo lights}\n"
PARIS = "  - {id: paris-art, url: /tours/paris-art, title: Paris and its art}\n"
BALI = "  - {id: bali-retreat, url: /tours/bali-retreat, title: Bali retreat}\n"
CATALOG = "items:\n" + KYOTO + TOKYO + PARIS + BALI
REASON = re.compile(r"<li data-item='[a-z-]+'>[^<]*<small>([^<]*)</small>")
PERSONAL = ("Because you", "looking at")  # the reasons that name the visitor's own browsing
BOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"


def _site(make_settings: Make, compact: bool, catalog: str = CATALOG) -> Omotenashi:
    async def page(request: Request) -> HTMLResponse:
        return HTMLResponse(PAGE)

    async def withdraw(request: Request) -> HTMLResponse:  # the site's consent banner: "no"
        await consent(request, False)
        return HTMLResponse(PAGE)

    app = Starlette(routes=[Route("/withdraw", withdraw), Route("/{path:path}", page)])
    settings = make_settings(RULES, SNIPPETS, journey=JOURNEY, redis={"compact": compact})
    (Path(settings.rules.dir) / "catalog.yaml").write_text(textwrap.dedent(catalog))
    mw = Omotenashi(app, settings=settings)
    mw.store.recs.popular_cache = 0  # every view seen at once
    return mw


async def _returning(client: httpx.AsyncClient, seed: Seed, *paths: str) -> None:
    """A returning visitor (only they teach co-views) opening ``paths``."""
    client.cookies.clear()
    seed(visits=2).apply(client)
    for path in paths:
        await client.get(path)


def _keys(client: redis.Redis) -> dict[str, object]:
    """Every key and its whole value: the visitors' and the shared ones."""
    out: dict[str, object] = {}
    for name in client.keys("omo:*"):
        key = name if isinstance(name, str) else name.decode()
        kind = client.type(key)
        if kind == "zset":
            out[key] = client.zrange(key, 0, -1, withscores=True)
        elif kind == "hash":
            out[key] = client.hgetall(key)
        else:
            out[key] = client.get(key) if kind == "string" else kind
    return out


def _browsed(fields: object) -> object:
    """A profile hash's viewed items (``w``), interests (``i``) and views (``V``)."""
    if not isinstance(fields, dict):
        return fields
    return {f: v for f, v in fields.items() if f[:1] in "wiV"}


async def _save(client: httpx.AsyncClient, *, off: str = "", nothing: bool = False) -> None:
    """Save the preferences page as it is, the kind ``off`` unticked (or "personalise nothing")."""
    page = (await client.get(PREFS)).text
    kinds = set(re.findall(r'name="category" value="([^"]+)"', page))
    listed = re.findall(r'name="listed_category" value="([^"]+)"', page)
    form: dict[str, Any] = {"csrf": form_token(page), "action": "save"}
    form |= {"category": sorted(kinds - {off}), "listed_category": listed}
    saved = await client.post(PREFS, data=form | ({"nothing": "1"} if nothing else {}),
                              headers=SAME_SITE)  # fmt: skip
    assert saved.status_code == 303, saved.text


async def _switch(client: httpx.AsyncClient, switch: str) -> dict[str, str]:
    """Turn ``switch`` on for the client's visitor; the headers their browser sends from now."""
    if switch == "withdrawn":
        await client.get("/withdraw")
    elif switch == "nothing":
        await _save(client, nothing=True)
    elif switch == "history":
        await _save(client, off="browsing-history")
    elif switch == "erase":
        page = (await client.get(PREFS)).text
        form = {"csrf": form_token(page), "action": "erase", "confirm": "yes"}
        assert (await client.post(PREFS, data=form, headers=SAME_SITE)).status_code == 303
    return {"gpc": {"sec-gpc": "1"}, "dnt": {"dnt": "1"}, "bot": {"user-agent": BOT}}.get(
        switch, {}
    )


@pytest.mark.parametrize("compact", [False, True], ids=["full", "compact"])
@pytest.mark.parametrize("switch", ["gpc", "dnt", "withdrawn", "nothing", "history", "bot"])
async def test_after_a_switch_nothing_of_the_visitor_is_written_or_learned_or_used(
    make_settings: Make,
    omotenashi_redis: redis.Redis,
    omotenashi_visitor: Seed,
    switch: str,
    compact: bool,
) -> None:
    tours = ("/tours/kyoto-autumn", "/tours/tokyo-lights", "/tours/paris-art")
    async with client_for(_site(make_settings, compact)) as client:
        for _ in range(5):  # enough returning visitors for "often viewed with" and "popular"
            await _returning(client, omotenashi_visitor, *tours)
        await _returning(client, omotenashi_visitor, "/tours/bali-retreat", tours[0])
        headers = await _switch(client, switch)
        before = _keys(omotenashi_redis)
        pages = [(await client.get(path, headers=headers)).text for path in (*tours[1:], "/")]
        event = {"name": "view_item", "data": {"item": "paris-art"}}
        beacon = await client.post("/_omotenashi/events", json=event,
                                   headers=headers | SAME_SITE)  # fmt: skip
        after = _keys(omotenashi_redis)
    changed = sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))
    if switch == "history":  # what restraint needs (caps, blocks shown) is still kept: no view
        changed = [k for k in changed if not k.endswith((":p2", ":rate"))]
        profiles = [k for k in after if k.endswith(":p2")]
        assert [_browsed(before.get(k)) for k in profiles] == [_browsed(after[k]) for k in profiles]
    assert not changed, changed  # no profile, pair, co-view or popular count of theirs
    assert beacon.status_code == 202 and '"stored": false' in beacon.text, beacon.text
    said = [r for page in pages for r in REASON.findall(page)]
    assert not [r for r in said if r.startswith(PERSONAL)], said  # nothing chosen from them


@pytest.mark.parametrize("compact", [False, True], ids=["full", "compact"])
async def test_after_an_erase_nothing_of_the_old_id_is_left_or_comes_back(
    make_settings: Make, omotenashi_redis: redis.Redis, omotenashi_visitor: Seed, compact: bool
) -> None:
    tours = ("/tours/kyoto-autumn", "/tours/tokyo-lights")
    async with client_for(_site(make_settings, compact)) as client:
        for _ in range(3):
            await _returning(client, omotenashi_visitor, *tours)
        old = omotenashi_visitor(visits=2)
        await _returning(client, lambda **_: old, *tours)
        _old_pairs(omotenashi_redis, old.id, compact, ("kyoto-autumn", "tokyo-lights"))
        await _switch(client, "erase")
        await client.get("/tours/paris-art")  # the next page: a new id, unlinked
        data = page_words((await client.get(PREFS + "/data")).text)
    assert not omotenashi_redis.keys(f"omo:{{{old.id}}}:*")
    assert "Kyoto in autumn" not in data and "Tokyo lights:" not in data, data


def _old_pairs(r: redis.Redis, vid: str, compact: bool, *pairs: tuple[str, str]) -> None:
    """The visitor's ``also`` key as an earlier release wrote it (none is written since 48):
    ``seed>item`` (ids), or compact (39-47) two codes side by side, their scores × 100."""
    if compact:
        r.zadd(f"omo:{{{vid}}}:also", {pair_part(a)[1:] + pair_part(b)[1:]: 1000 for a, b in pairs})
    else:
        r.zadd(f"omo:{{{vid}}}:also", {f"{a}>{b}": 10.0 for a, b in pairs})


def _pairs_said(html: str) -> str:
    text = page_words(html)
    said = text[text.find("Kept by an earlier version") :]
    return said[: said.find("Shown to you")]


@pytest.mark.parametrize("compact", [False, True], ids=["full", "compact"])
async def test_a_pair_naming_an_item_the_site_no_longer_lists_says_so_in_either_form(
    make_settings: Make, omotenashi_redis: redis.Redis, omotenashi_visitor: Seed, compact: bool
) -> None:
    """Tokyo leaves the catalogue: the visitor's pair Kyoto > Tokyo, kept by an earlier release
    as ids or codes, names it as gone alike, never by its id as if the site still listed it."""
    tours = ("/tours/kyoto-autumn", "/tours/tokyo-lights")
    async with client_for(_site(make_settings, compact)) as client:
        for _ in range(3):
            await _returning(client, omotenashi_visitor, *tours)
        mine = omotenashi_visitor(visits=2)
        await _returning(client, lambda **_: mine, tours[0])
        _old_pairs(omotenashi_redis, mine.id, compact, ("kyoto-autumn", "tokyo-lights"))
        cookies = dict(client.cookies)
        before = _pairs_said((await client.get(PREFS + "/data")).text)
    assert "Kyoto in autumn: Tokyo lights" in before, before
    without_tokyo = "items:\n" + KYOTO + PARIS + BALI
    async with client_for(_site(make_settings, compact, without_tokyo)) as client:
        client.cookies.update(cookies)
        said = _pairs_said((await client.get(PREFS + "/data")).text)
    assert "Kyoto in autumn: an item the site no longer lists" in said, said
    assert "tokyo" not in said.lower(), said


async def test_the_preferences_page_counts_a_pair_kept_in_both_forms_once(
    make_settings: Make, omotenashi_redis: redis.Redis, omotenashi_visitor: Seed
) -> None:
    """Releases before 39 wrote Kyoto > Tokyo as ``seed>item``, 39-47 (compact) as codes: one
    pair, as the data page lists it, not "2 pairs" on the preferences page."""
    tours = ("/tours/kyoto-autumn", "/tours/tokyo-lights")
    async with client_for(_site(make_settings, True)) as client:
        for _ in range(3):
            await _returning(client, omotenashi_visitor, *tours)
        mine = omotenashi_visitor(visits=2)
        await _returning(client, lambda **_: mine, tours[0])
        for compact in (False, True):  # (from the workers of each release)
            _old_pairs(omotenashi_redis, mine.id, compact, ("kyoto-autumn", "tokyo-lights"))
        data = _pairs_said((await client.get(PREFS + "/data")).text)
        prefs = page_words((await client.get(PREFS)).text)
    assert data.count("Kyoto in autumn: Tokyo lights") == 1, data
    assert "we still keep 1 pair of items" in prefs, prefs
