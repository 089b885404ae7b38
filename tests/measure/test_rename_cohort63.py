"""A renamed measured rule (``formerly:``) files a visitor's conversion beside their first
exposure, under the former id it is kept under: once the rule left the files (its rename
unknown), the record under the former id had no mark of the goal, and the visitor's next
purchase was counted again; and the report's row of the id now held conversions of visitors
exposed under the former id, a cohort of its own (marketer63). Real middleware, real Redis."""

from __future__ import annotations

import datetime as dt
import time
import uuid
from collections.abc import Callable

import httpx
import pytest

from omotenashi import Omotenashi, Settings
from omotenashi.asgi.measuring import cohorts

from ..conftest import Written, client_for
from .test_measure_concurrency import BEACON, JOURNEY
from .test_measure_middleware import arm, counts, shop
from .test_measure_phases import GOALS, rules

pytestmark = pytest.mark.anyio


async def test_a_renamed_rule_gone_from_the_files_counts_a_visitors_goal_once(
    make_settings: Callable[..., Settings],
) -> None:
    redis = {"key_prefix": f"m{uuid.uuid4().hex[:12]}"}
    before = rules("50%")
    renamed = before.replace("id: promo,", "id: spring, formerly: [promo],")
    gone = GOALS + "rules: []\n"
    jar: dict[str, str] = {}
    for text, step in ((before, "/"), (renamed, "/buy"), (gone, "/buy"), (renamed, "/buy")):
        mw = Omotenashi(shop(), settings=make_settings(text, redis=redis))
        async with client_for(mw) as client:
            client.cookies.update(jar)
            answer = await (client.get(step) if step == "/" else client.post(step))
            assert answer.status_code == 200
            jar = dict(client.cookies)
            day = dt.datetime.fromtimestamp(time.time(), dt.UTC).date().isoformat()
            counted = (await mw.store.read_stats([day]))[day]
    conversions = {k: int(v) for k, v in counted.items() if k.startswith("c|")}
    assert list(conversions.values()) == [1], counted  # once, whatever the rules knew
    assert all("|promo|" in name for name in conversions)  # beside its exposure's id


async def test_a_goal_by_the_beacon_after_a_rename_is_filed_beside_the_exposure_too(
    make_settings: Callable[..., Settings],
) -> None:
    # (last63c: the beacon filed it under the id now, and counted it again once it was gone)
    redis = {"key_prefix": f"m{uuid.uuid4().hex[:12]}"}
    goals = GOALS + "  - {id: signup, event: signup}\n"
    before = goals + 'rules:\n  - {id: promo, slot: hero, text: Promo, holdout: 50%, why: "Hi."}\n'
    renamed = before.replace("id: promo,", "id: spring, formerly: [promo],")
    jar: dict[str, str] = {}
    for text, step in ((before, "page"), (renamed, "beacon"), (goals + "rules: []\n", "beacon")):
        mw = Omotenashi(shop(), settings=make_settings(text, redis=redis, journey=JOURNEY))
        async with client_for(mw) as client:
            client.cookies.update(jar)
            if step == "page":
                await client.get("/")
            else:
                sent = await client.post(
                    "/_omotenashi/events", json={"name": "signup"}, headers=BEACON
                )
                assert sent.status_code < 300, sent.text
            await mw.drain()
            jar = dict(client.cookies)
            got = await counts(mw)
    assert [(rule, goal) for rule, goal, _, _ in got.conversions] == [("promo", "signup")]
    assert sum(got.conversions.values()) == 1


async def test_a_sign_in_across_a_rename_keeps_the_users_own_conversions_counting(
    make_settings: Callable[..., Settings],
) -> None:
    # (final63b: a browser exposed under the former id signed in into a user exposed under the
    # id now; its conversion read as the user's, and the user's purchase was never counted)
    redis = {"key_prefix": f"m{uuid.uuid4().hex[:12]}"}
    before = rules("50%")
    renamed = before.replace("id: promo,", "id: spring, formerly: [promo],")
    mw_old = Omotenashi(shop(), settings=make_settings(before, redis=redis))

    def client(mw: Omotenashi) -> httpx.AsyncClient:
        transport = httpx.ASGITransport(app=Written(mw))
        return httpx.AsyncClient(transport=transport, base_url="http://shop.test")

    async with client(mw_old) as b:
        side_b = arm(await b.get("/"))
        jar_b = dict(b.cookies)
    await mw_old.drain()
    mw = Omotenashi(shop(), settings=make_settings(renamed, redis=redis))
    async with client(mw) as a, client(mw) as b:
        b.cookies.update(jar_b)
        for _ in range(60):
            a.cookies.clear()
            r = await a.get("/")
            side_a = "t" if 'data-omo-rule="spring"' in r.text else "c"
            if side_a != side_b:
                break
        assert side_a != side_b
        await a.post("/login")
        await b.post("/buy")
        await b.post("/login")
        await a.post("/buy")
        await mw.drain()
        got = await counts(mw)
    assert sum(got.conversions.values()) == 2, dict(got.conversions)


@pytest.mark.parametrize(
    ("measured", "expected"),
    [
        ({"r|promo": "t:100"}, {"spring": "promo"}),
        ({"r|promo": "t:100", "r|spring": "c:50"}, {}),  # one of its own: filed there
        ({"r|older": "t:50", "r|promo": "c:100"}, {"spring": "older"}),  # the earliest
        ({"r|other": "t:100"}, {}),
        ({}, {}),
    ],
)
def test_a_conversion_is_filed_under_the_id_its_first_exposure_is_kept_under(
    measured: dict[str, str], expected: dict[str, str]
) -> None:
    assert cohorts(measured, {"promo": "spring", "older": "spring"}) == expected


@pytest.mark.parametrize(
    ("measured", "read"),
    [
        # the user's own exposure wins; a former id's conversion is not read beside it
        ({"r|spring": "c:50", "r|promo": "t:10", "g|promo|buy": "1"}, {"r|spring": "c:50"}),
        # exposed under the former id only: its conversion comes with it
        (
            {"r|promo": "t:10", "g|promo|buy": "1"},
            {"r|spring": "t:10", "g|spring|buy": "1"},
        ),
        # two former ids in the same second: the one the record lists first, as cohorts files
        (
            {"r|promo": "t:10", "r|older": "c:10", "g|older|buy": "1"},
            {"r|spring": "t:10"},
        ),
        ({"r|promo|odd": "t:10"}, {"r|spring|odd": "t:10"}),  # (a field no writer makes)
    ],
)
def test_a_conversion_is_read_only_with_the_exposure_it_was_counted_for(
    measured: dict[str, str], read: dict[str, str]
) -> None:
    from omotenashi.engine.profile import Profile
    from omotenashi.engine.renames import Renames

    renames = Renames(rules={"promo": "spring", "older": "spring"})
    assert renames.profile(Profile(measured=measured)).measured == read
    kept = [n.split("|")[1] for n in measured if n.startswith("r|") and n.count("|") == 1]
    if "r|spring" not in measured and kept:
        assert cohorts(measured, renames.rules) == {"spring": kept[0]}
