"""The data page and the preferences page count a visitor's suggestion pairs alike: two pairs
whose items the site no longer lists are two (one line saying so), and one such pair kept in
both forms (ids, as the release before wrote it, and codes) is one."""

from __future__ import annotations

import pytest
import redis

from omotenashi.recommend.coview import pair_part

from .conftest import client_for, page_words
from .test_switches40 import PREFS, REASON, Make, Seed, _pairs_said, _returning, _save, _site

pytestmark = pytest.mark.anyio


def _codes(seed: str, item: str) -> str:
    """A pair as releases 39-47 wrote it (compact): two codes side by side, no ``~``."""
    return pair_part(seed)[1:] + pair_part(item)[1:]


@pytest.mark.parametrize(
    ("members", "line", "count"),
    [
        (  # two tours gone from the catalogue, each viewed with Kyoto: two pairs
            ["kyoto-autumn>gone-one", "kyoto-autumn>gone-two"],
            "Kyoto in autumn: an item the site no longer lists (2 pairs)",
            "we still keep 2 pairs of items",
        ),
        (  # the same in codes (compact forms)
            [_codes("kyoto-autumn", "gone-one"), _codes("kyoto-autumn", "gone-two")],
            "Kyoto in autumn: an item the site no longer lists (2 pairs)",
            "we still keep 2 pairs of items",
        ),
        (  # one tour gone, its pair kept as ids and as codes: one pair
            ["kyoto-autumn>gone-one", _codes("kyoto-autumn", "gone-one")],
            "Kyoto in autumn: an item the site no longer lists",
            "we still keep 1 pair of items",
        ),
        (  # a listed one in both forms beside a gone one
            ["kyoto-autumn>paris-art", _codes("kyoto-autumn", "paris-art"), "bali-retreat>gone"],
            "Kyoto in autumn: Paris and its art",
            "we still keep 2 pairs of items",
        ),
        (  # both items gone: said once, not "an item ...: an item ..."
            ["gone-a>gone-b"],
            "an item the site no longer lists: another one",
            "we still keep 1 pair of items",
        ),
    ],
    ids=["two-gone", "two-gone-codes", "one-gone-both-forms", "listed-both-forms", "both-gone"],
)
async def test_pairs_are_counted_alike_on_both_pages(
    members: list[str],
    line: str,
    count: str,
    make_settings: Make,
    omotenashi_redis: redis.Redis,
    omotenashi_visitor: Seed,
) -> None:
    async with client_for(_site(make_settings, False)) as client:
        mine = omotenashi_visitor(visits=2)
        await _returning(client, lambda **_: mine, "/tours/kyoto-autumn")
        key = f"omo:{{{mine.id}}}:also"
        omotenashi_redis.delete(key)
        omotenashi_redis.zadd(key, dict.fromkeys(members, 1.0))
        data = _pairs_said((await client.get(PREFS + "/data")).text)
        prefs = page_words((await client.get(PREFS)).text)
    assert data.count(line) == 1, data
    assert count in prefs, prefs
    assert "(2 pairs)" not in data or "(2 pairs)" in line, data


@pytest.mark.parametrize("compact", [False, True], ids=["full", "compact"])
async def test_no_pair_of_the_visitor_is_kept_their_suggestions_come_from_shared_co_views(
    make_settings: Make, omotenashi_redis: redis.Redis, omotenashi_visitor: Seed, compact: bool
) -> None:
    """No ``also`` key is ever written, suggestions on or off (until 48 a key of the visitor's
    own pairs was, while a suggestion of theirs was on): the pairs come from the shared co lists
    of the items they viewed. Switched off, none is suggested; their browsing still teaches
    everyone's co-views; switched on again, "Because you viewed" is back, from those lists."""
    tours = (
        "/tours/kyoto-autumn",
        "/tours/tokyo-lights",
        "/tours/bali-retreat",
        "/tours/paris-art",
    )
    async with client_for(_site(make_settings, compact)) as client:
        for _ in range(3):  # others teach co-views: what a visitor's own pairs come from
            await _returning(client, omotenashi_visitor, *tours)
        mine = omotenashi_visitor(visits=2)
        await _returning(client, lambda **_: mine, "/")
        await _save(client, off="recommendations")
        shared = _shared(omotenashi_redis)
        for tour in tours[:2]:
            await client.get(tour)
        learned = _shared(omotenashi_redis) != shared
        await _save(client)  # all on again
        for tour in tours[2:]:  # (a tour seen again the same day teaches nothing new)
            await client.get(tour)
        home = (await client.get("/")).text
    assert omotenashi_redis.keys("omo:{*}:also") == []
    assert learned, "shared co-views are learned from browsing history, still on"
    assert any(r.startswith("Because you viewed") for r in REASON.findall(home)), home


def _shared(server: redis.Redis) -> dict[str, list[tuple[str, float]]]:
    return {
        k: server.zrange(k, 0, -1, withscores=True)
        for k in server.keys("omo:rec:*")
        if server.type(k) == "zset"
    }


@pytest.mark.parametrize(
    ("interests", "said"),
    [
        ({f"topic{n}": 10 - n * 0.5 for n in range(10)}, ", and 2 more."),
        ({"kyoto": 5, "japan": 1}, "kyoto (strong), japan (some)."),
        ({"kyoto": 0}, None),  # nothing left of it: no sentence with nothing in it
    ],
    ids=["cut", "whole", "faded"],
)
async def test_the_preferences_page_says_how_many_interests_it_leaves_out(
    interests: dict[str, float],
    said: str | None,
    make_settings: Make,
    omotenashi_redis: redis.Redis,
    omotenashi_visitor: Seed,
) -> None:
    """It names the strongest eight and says how many more there are (the data page lists
    them all): it used to stop at eight as if there were no more."""
    async with client_for(_site(make_settings, False)) as client:
        mine = omotenashi_visitor(visits=2, interests=interests)
        await _returning(client, lambda **_: mine, "/")
        prefs = page_words((await client.get(PREFS)).text)
    sentence = prefs[prefs.find("You have shown interest in:") :].split(".")[0] + "."
    if said is None:
        assert "You have shown interest in" not in prefs, prefs
    else:
        assert sentence.endswith(said), sentence


async def test_two_listed_items_whose_codes_meet_are_two_pairs(
    make_settings: Make, omotenashi_redis: redis.Redis, omotenashi_visitor: Seed
) -> None:
    """t145789 and t229448 share a code (1 in 2^36): each is still its own pair, by its id."""
    catalog = "items:\n" + "".join(
        f"  - {{id: {i}, url: /tours/{i}, title: Tour {i}}}\n"
        for i in ("kyoto-autumn", "t145789", "t229448")
    )
    async with client_for(_site(make_settings, False, catalog)) as client:
        mine = omotenashi_visitor(visits=2)
        await _returning(client, lambda **_: mine, "/tours/kyoto-autumn")
        key = f"omo:{{{mine.id}}}:also"
        omotenashi_redis.delete(key)
        omotenashi_redis.zadd(key, {"kyoto-autumn>t145789": 1.0, "kyoto-autumn>t229448": 1.0})
        data = _pairs_said((await client.get(PREFS + "/data")).text)
        prefs = page_words((await client.get(PREFS)).text)
    assert "Tour t145789" in data and "Tour t229448" in data, data
    assert "we still keep 2 pairs of items" in prefs, prefs
