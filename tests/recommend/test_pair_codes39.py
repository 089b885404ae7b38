"""A visitor's recommendation pairs kept as item codes (recommend/coview.py), read back by a
real site on real Redis after the catalogue changed, and beside pairs the release before wrote:
what the data page says of them must be true, and ranking must weigh them as the store adds."""

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
from omotenashi.recommend.coview import pair_member
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
    said = page[page.find("For suggestions") :]
    return said[: said.find("Shown to you")]


async def test_a_code_a_new_item_now_shares_is_not_said_to_be_gone(
    make_settings: Any, omotenashi_redis: redis.Redis, omotenashi_visitor: Any
) -> None:
    """A pair written while Nara was the only item with its code keeps the code; once Kobe,
    with the same code, joins the catalogue, the code names neither (each is written whole
    now), but Nara is still listed: the data page must not call it "an item the site no
    longer lists", and says which it is one of."""
    settings = make_settings(RULES, SNIPPETS, journey=JOURNEY, redis={"compact": True})
    mw = _site(settings, CATALOG)
    tours = ["/tours/kyoto-autumn", f"/tours/{NARA}"]
    async with client_for(mw) as client:
        await _teach(client, omotenashi_visitor, *tours)
        await _returning(client, omotenashi_visitor, *tours)
        cookies = dict(client.cookies)
        before = _pairs_said((await client.get("/_omotenashi/preferences/data")).text)
    assert "Kyoto in autumn: Nara deer park" in before, before
    async with client_for(_site(settings, WITH_KOBE)) as client:  # Kobe joins the catalogue
        client.cookies.update(cookies)
        said = _pairs_said((await client.get("/_omotenashi/preferences/data")).text)
    assert "no longer lists" not in said, said
    assert "~" not in said and "Kyoto in autumn: Nara deer park" in said, said


async def test_a_pair_kept_in_both_forms_counts_as_one_with_its_scores_added(
    make_settings: Any, omotenashi_redis: redis.Redis, omotenashi_visitor: Any
) -> None:
    """A pair the release before wrote (``seed>item``, ids) and the same pair this one wrote
    (codes) were learned from different views: the record and merge scripts add two scores of
    one member, so ranking adds the two forms alike (Tokyo, twice at s, before Paris at s+½),
    and the data page lists the pair once."""
    settings = make_settings(RULES, SNIPPETS, journey=JOURNEY, redis={"compact": True})
    async with client_for(_site(settings, CATALOG)) as client:
        await _teach(client, omotenashi_visitor, "/tours/kyoto-autumn", "/tours/tokyo-lights")
        client.cookies.clear()
        omotenashi_visitor(visits=2).apply(client)
        await client.get("/tours/kyoto-autumn")  # this release writes its pair Kyoto>Tokyo
        export = json.loads((await client.get("/_omotenashi/preferences/export")).text)
        [pair] = export["profile"]["recommendation_pairs"]
        assert (pair["you_viewed"], pair["viewed_with_it"]) == ("kyoto-autumn", "tokyo-lights")
        key = f"omo:{{{export['visitor_id']}}}:also"
        score = pair["score"]
        assert len(omotenashi_redis.zrange(key, 0, -1)) == 1
        # the release before's writes for this visitor, from views on its workers
        written = {"kyoto-autumn>tokyo-lights": score, "kyoto-autumn>paris-art": score + 0.5}
        omotenashi_redis.zadd(key, written)
        home = (await client.get("/")).text
        said = _pairs_said((await client.get("/_omotenashi/preferences/data")).text)
    picks = ITEM.findall(home)
    assert [i for i, _ in picks] == ["tokyo-lights", "paris-art"], picks
    assert {reason for _, reason in picks} == {"Because you viewed Kyoto in autumn"}
    assert said.count("Kyoto in autumn: Tokyo lights") == 1, said


TITLES = {"kyoto-autumn": "Kyoto in autumn", NARA: "Nara deer park", KOBE: "Kobe beef tour"}


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
    member = pair_member(then.pair_parts["kyoto-autumn"], then.pair_parts[NARA])
    names = (now.pair_titles, now.labels)
    rows = dict(data_sections(Profile(also={member: 1.0}), RuleSet(), Prefs(), names))
    assert rows[next(h for h in rows if h.startswith("For suggestions"))] == [said]
