"""The data page and the preferences page count a visitor's suggestion pairs alike: two pairs
whose items the site no longer lists are two (one line saying so), and one such pair kept in
both forms (ids, as the release before wrote it, and codes) is one."""

from __future__ import annotations

import pytest
import redis

from omotenashi.recommend.coview import pair_member, pair_part

from .conftest import client_for, page_words
from .test_switches40 import PREFS, Make, Seed, _pairs_said, _returning, _site

pytestmark = pytest.mark.anyio


def _codes(seed: str, item: str) -> str:
    return pair_member(pair_part(seed), pair_part(item))


@pytest.mark.parametrize(
    ("members", "line", "count"),
    [
        (  # two tours gone from the catalogue, each viewed with Kyoto: two pairs
            ["kyoto-autumn>gone-one", "kyoto-autumn>gone-two"],
            "Kyoto in autumn: an item the site no longer lists (2 pairs)",
            "we keep 2 pairs of items",
        ),
        (  # the same in codes (compact forms)
            [_codes("kyoto-autumn", "gone-one"), _codes("kyoto-autumn", "gone-two")],
            "Kyoto in autumn: an item the site no longer lists (2 pairs)",
            "we keep 2 pairs of items",
        ),
        (  # one tour gone, its pair kept as ids and as codes: one pair
            ["kyoto-autumn>gone-one", _codes("kyoto-autumn", "gone-one")],
            "Kyoto in autumn: an item the site no longer lists",
            "we keep 1 pair of items",
        ),
        (  # a listed one in both forms beside a gone one
            ["kyoto-autumn>paris-art", _codes("kyoto-autumn", "paris-art"), "bali-retreat>gone"],
            "Kyoto in autumn: Paris and its art",
            "we keep 2 pairs of items",
        ),
    ],
    ids=["two-gone", "two-gone-codes", "one-gone-both-forms", "listed-both-forms"],
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
