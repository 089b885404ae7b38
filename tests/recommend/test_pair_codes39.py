"""A visitor's recommendation pairs as releases 39-47 kept them (item codes, recommend/coview.py;
none is written since 48: they are worked out from the shared co-views), read back by a real
site on real Redis after the catalogue changed, and beside pairs the release before wrote: what
the data page says of them must be true, and ranking no longer reads them."""

from __future__ import annotations

import json
import re
import textwrap
from pathlib import Path
from typing import Any

import pytest
import redis

from omotenashi import Omotenashi
from omotenashi.engine.profile import Profile
from omotenashi.engine.restraint import Prefs
from omotenashi.engine.ruleset import RuleSet
from omotenashi.recommend.catalog import Catalog, Item
from omotenashi.recommend.coview import CODE_CHARS
from omotenashi.respect.shown import data_sections

from ..conftest import client_for, page_app
from .test_recommend_site import SNIPPETS, _returning, _teach

pytestmark = pytest.mark.anyio
PAGE = (
    "<!doctype html><html><head><title>t</title></head><body><main>page</main>"
    '<section data-omo-slot="also-like"><h2>More tours</h2></section></body></html>'
)
JOURNEY = 'topics:\n  - {path: "/tours/*", item: true}\n'
RULES = """
rules:
  - id: also-like
    slot: also-like
    snippet: recs.html
    recommend:
      items: 2
      strategies: {also_viewed: 1}
    category: recommendations
    why: "Tours picked from what you and other visitors viewed."
"""
ITEM = re.compile(r"<li data-item='([a-z0-9-]+)'>[^<]*<small>([^<]*)</small>")
NARA, KOBE = "tour-38147", "tour-301346"  # one code, "~J4DsLH" (tests/recommend COLLIDING)
CATALOG = f"""
items:
  - {{id: kyoto-autumn, url: /tours/kyoto-autumn, title: Kyoto in autumn}}
  - {{id: tokyo-lights, url: /tours/tokyo-lights, title: Tokyo lights}}
  - {{id: paris-art, url: /tours/paris-art, title: Paris and its art}}
  - {{id: {NARA}, url: /tours/{NARA}, title: Nara deer park}}
"""
WITH_KOBE = CATALOG + f"  - {{id: {KOBE}, url: /tours/{KOBE}, title: Kobe beef tour}}\n"


def _site(settings: Any, catalog: str) -> Omotenashi:
    (Path(settings.rules.dir) / "catalog.yaml").write_text(textwrap.dedent(catalog))
    mw = Omotenashi(page_app(PAGE), settings=settings)
    mw.store.recs.popular_cache = 0
    return mw


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def _pairs_said(html: str) -> str:
    page = _text(html)
    said = page[page.find("Kept by an earlier version") :]
    return said[: said.find("Shown to you")]


def _old_key(omotenashi_redis: redis.Redis, vid: str, pairs: dict[str, float]) -> None:
    """An ``also`` key as an earlier release wrote it with the profile (it expires with it)."""
    omotenashi_redis.zadd(f"omo:{{{vid}}}:also", pairs)


def _member(catalog: Catalog, seed: str, item: str) -> str:
    """A pair as releases 39-47 wrote it: two codes side by side, without their ``~``, or
    the two sides apart by a unit separator (a side that is no code)."""
    sides = catalog.pair_parts[seed], catalog.pair_parts[item]
    if all(len(side) == CODE_CHARS + 1 and side[0] == "~" for side in sides):
        return sides[0][1:] + sides[1][1:]
    return "\x1f".join(sides)


async def test_a_code_a_new_item_now_shares_is_not_said_to_be_gone(
    make_settings: Any, omotenashi_redis: redis.Redis, omotenashi_visitor: Any
) -> None:
    """A pair written while Nara was the only item with its code keeps the code; once Kobe,
    with the same code, joins the catalogue, the code names neither, but Nara is still listed:
    the data page must not call it "an item the site no longer lists", and says which it is
    one of."""
    settings = make_settings(RULES, SNIPPETS, journey=JOURNEY, redis={"compact": True})
    mw = _site(settings, CATALOG)
    tours = ["/tours/kyoto-autumn", f"/tours/{NARA}"]
    async with client_for(mw) as client:
        await _returning(client, omotenashi_visitor, *tours)
        vid = json.loads((await client.get("/_omotenashi/preferences/export")).text)["visitor_id"]
        then = _catalog("kyoto-autumn", NARA)
        _old_key(omotenashi_redis, vid, {_member(then, "kyoto-autumn", NARA): 1000})
        cookies = dict(client.cookies)
        before = _pairs_said((await client.get("/_omotenashi/preferences/data")).text)
    assert "Kyoto in autumn: Nara deer park" in before, before
    async with client_for(_site(settings, WITH_KOBE)) as client:  # Kobe joins the catalogue
        client.cookies.update(cookies)
        said = _pairs_said((await client.get("/_omotenashi/preferences/data")).text)
    assert "no longer lists" not in said, said
    assert "~" not in said and "Kyoto in autumn: Nara deer park" in said, said


async def test_pairs_of_earlier_releases_are_listed_once_and_never_ranked(
    make_settings: Any, omotenashi_redis: redis.Redis, omotenashi_visitor: Any
) -> None:
    """A pair the release before 39 wrote (``seed>item``, ids) and the same pair 39-47 wrote
    (codes): the data page lists the pair once; ranking reads neither (Paris, in the old key
    only, is never suggested): the visitor's pairs come from the shared co-views of what they
    viewed (Tokyo, viewed with Kyoto by others), and no ``also`` key is written."""
    settings = make_settings(RULES, SNIPPETS, journey=JOURNEY, redis={"compact": True})
    async with client_for(_site(settings, CATALOG)) as client:
        await _teach(client, omotenashi_visitor, "/tours/kyoto-autumn", "/tours/tokyo-lights")
        client.cookies.clear()
        omotenashi_visitor(visits=2).apply(client)
        await client.get("/tours/kyoto-autumn")
        export = json.loads((await client.get("/_omotenashi/preferences/export")).text)
        assert export["profile"]["recommendation_pairs"] == []
        key = f"omo:{{{export['visitor_id']}}}:also"
        assert omotenashi_redis.exists(key) == 0  # (written on this view until release 48)
        coded = _member(_catalog("kyoto-autumn", "tokyo-lights"), "kyoto-autumn", "tokyo-lights")
        written = {
            coded: 1000,
            "kyoto-autumn>tokyo-lights": 9.0,
            "kyoto-autumn>paris-art": 10.5,
        }  # the earlier releases' writes for this visitor, from views on their workers
        _old_key(omotenashi_redis, export["visitor_id"], written)
        home = (await client.get("/")).text
        said = _pairs_said((await client.get("/_omotenashi/preferences/data")).text)
    picks = ITEM.findall(home)
    assert picks[0] == ("tokyo-lights", "Because you viewed Kyoto in autumn"), picks
    assert "paris-art" not in dict(picks), picks
    assert said.count("Kyoto in autumn: Tokyo lights") == 1, said


TITLES = {"kyoto-autumn": "Kyoto in autumn", NARA: "Nara deer park", KOBE: "Kobe beef tour"}
TITLES |= {"tokyo-lights": "Tokyo lights"}


def _catalog(*ids: str) -> Catalog:
    return Catalog(tuple(Item(id=i, url=f"/t/{i}", title=TITLES[i]) for i in ids))


@pytest.mark.parametrize(
    ("written", "read", "said"),
    [
        ((NARA,), (NARA,), "Kyoto in autumn: Nara deer park"),
        ((NARA,), (NARA, KOBE), "Kyoto in autumn: Nara deer park or Kobe beef tour"),
        ((NARA,), (KOBE, NARA), "Kyoto in autumn: Kobe beef tour or Nara deer park"),
        ((NARA,), (), "Kyoto in autumn: an item the site no longer lists"),
        ((NARA, KOBE), (NARA,), "Kyoto in autumn: Nara deer park"),
        ((NARA, KOBE), (NARA, KOBE), "Kyoto in autumn: Nara deer park"),
    ],
)
def test_the_data_page_names_a_pair_s_item_truly_whatever_the_catalogue_became(
    written: tuple[str, ...], read: tuple[str, ...], said: str
) -> None:
    """A pair as the site wrote it with the catalogue of then (``written``), on the data page
    with the catalogue of now (``read``): the item by its title, both titles where two items
    came to share its code, and gone only when no item of the catalogue has that code."""
    then, now = _catalog("kyoto-autumn", *written), _catalog("kyoto-autumn", *read)
    member = _member(then, "kyoto-autumn", NARA)
    names = (now.pair_titles, now.labels)
    rows = dict(data_sections(Profile(also={member: 1.0}), RuleSet(), Prefs(), names))
    assert rows[next(h for h in rows if h.startswith("Kept by an earlier version"))] == [said]
