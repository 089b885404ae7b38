"""Editors change the rules between two of a visitor's pages (a real reload, the real
middleware, a real Redis): a kind the visitor switched off stays off while no rule has it and
after its rules come back, the browsing history included; a cap whose period is lengthened
keeps counting what was shown inside the new period."""

from __future__ import annotations

import re
import textwrap
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
import redis

from omotenashi import Omotenashi, Settings

from .conftest import client_for, page_app
from .conftest import form_token as csrf
from .test_private_switches import PAGE, PREFS, SAME_SITE

pytestmark = pytest.mark.anyio
Make = Callable[..., Settings]
OFFER = '  - {id: offer, slot: hero, text: "Spring offer", category: offers, why: "Our offer."}\n'
BACK = (
    '  - {id: back, slot: side, text: "Welcome back", category: browsing-history,\n'
    '     why: "You have been here before.", when: {interest: {tours: {at_least: 1}}}}\n'
)


async def edit(mw: Omotenashi, rules_dir: Path, text: str) -> None:
    """Rewrite the rules and reload them, as the watcher does."""
    (rules_dir / "site.yaml").write_text(textwrap.dedent(text))
    before = mw.rules.current
    await mw.rules.check()
    assert mw.rules.current is not before, "the edit was refused"


async def recorded(client: httpx.AsyncClient, r: redis.Redis) -> bool:
    """Whether the next page view is recorded (the profile's view count moves)."""
    (key,) = r.keys("omo:{*}:p2")
    views = r.hget(key, "V")
    await client.get("/")
    return r.hget(key, "V") != views


async def save(client: httpx.AsyncClient, leave: str = "") -> None:
    """Save the preferences page as shown, every kind it lists ticked but ``leave``."""
    page = (await client.get(PREFS)).text
    kinds = [k for k in re.findall(r'name="category" value="([^"]+)"', page) if k != leave]
    listed = re.findall(r'name="listed_category" value="([^"]+)"', page)  # as a browser sends
    form = {"csrf": csrf(page), "action": "save", "category": kinds, "listed_category": listed}
    assert (await client.post(PREFS, data=form, headers=SAME_SITE)).status_code == 303


@pytest.mark.parametrize(
    ("kind", "without", "text"),
    [("offers", BACK, "Spring offer"), ("browsing-history", OFFER, "Welcome back")],
    ids=["a-kind", "the-history"],
)
async def test_a_kind_switched_off_stays_off_while_no_rule_has_it_and_after(
    make_settings: Make,
    omotenashi_redis: redis.Redis,
    tmp_path: Path,
    kind: str,
    without: str,
    text: str,
) -> None:
    """A save while no rule has the kind (renamed back, between seasons) switched it back on
    (the history's back on recorded every page again): the page lists its switch, unticked, and
    a save that leaves it so keeps it off."""
    mw = Omotenashi(page_app(PAGE), settings=make_settings("rules:\n" + OFFER + BACK))
    async with client_for(mw) as client:
        await client.get("/")
        await save(client, leave=kind)
        off = (await client.get("/")).text
        await edit(mw, tmp_path / "rules", "rules:\n" + without)
        listed = (await client.get(PREFS)).text
        await save(client, leave=kind)  # every other switch the page shows, on
        counted = await recorded(client, omotenashi_redis)
        await edit(mw, tmp_path / "rules", "rules:\n" + OFFER + BACK)
        back = (await client.get("/")).text
    assert text not in off
    assert text not in back
    assert counted is (kind != "browsing-history")  # history off: the page is not recorded
    assert re.search(rf'value="{kind}"\s*aria-describedby', listed)  # its switch, unticked


@pytest.mark.parametrize("kind", ["offers", "browsing-history"])
async def test_a_kind_the_rules_lack_can_be_switched_back_on(
    make_settings: Make, omotenashi_redis: redis.Redis, tmp_path: Path, kind: str
) -> None:
    """The switch of a kind kept off while no rule has it works: ticked and saved, the kind is
    on again (the browsing history too: the next page is recorded)."""
    mw = Omotenashi(page_app(PAGE), settings=make_settings("rules:\n" + OFFER + BACK))
    async with client_for(mw) as client:
        await client.get("/")
        await save(client, leave=kind)
        await edit(mw, tmp_path / "rules", "rules:\n" + (BACK if kind == "offers" else OFFER))
        await save(client)  # every switch ticked, the kind the rules lack too
        counted = await recorded(client, omotenashi_redis)
        await edit(mw, tmp_path / "rules", "rules:\n" + OFFER + BACK)
        back = (await client.get("/")).text
    assert counted
    assert ("Spring offer" if kind == "offers" else "Welcome back") in back


@pytest.mark.parametrize(("was", "now"), [("day", "week"), ("visit", "day"), ("day", "ever")])
async def test_a_lengthened_cap_keeps_counting_what_was_shown_in_the_new_period(
    make_settings: Make, omotenashi_redis: redis.Redis, tmp_path: Path, was: str, now: str
) -> None:
    def rule(views: int, per: str) -> str:
        offer = '{id: offer, slot: hero, text: "Spring offer", why: "Our offer."'
        return f"rules:\n  - {offer}, cap: {{views: {views}, per: {per}}}}}\n"

    mw = Omotenashi(page_app(PAGE), settings=make_settings(rule(2, was)))
    async with client_for(mw) as client:
        before = ["Spring offer" in (await client.get("/")).text for _ in range(3)]
        await edit(mw, tmp_path / "rules", rule(2, now))
        after = ["Spring offer" in (await client.get("/")).text for _ in range(2)]
        await edit(mw, tmp_path / "rules", rule(3, now))
        third = ["Spring offer" in (await client.get("/")).text for _ in range(2)]
    assert before == [True, True, False]
    assert after == [False, False]  # shown twice in this visit: twice today, this week, ever
    assert third == [True, False]  # one more under a cap of three, then no more


async def test_the_history_switch_is_listed_and_works_while_no_rule_has_its_kind(
    make_settings: Make, omotenashi_redis: redis.Redis, tmp_path: Path
) -> None:
    """The browsing history's switch holds every rule back and stops the recording, whatever
    the rules' kinds: the page lists it always, and it switches off and back on."""
    mw = Omotenashi(page_app(PAGE), settings=make_settings("rules:\n" + OFFER))
    async with client_for(mw) as client:
        await client.get("/")
        page = (await client.get(PREFS)).text
        await save(client, leave="browsing-history")
        off = await recorded(client, omotenashi_redis)
        await save(client)
        on = await recorded(client, omotenashi_redis)
    assert re.search(r'value="browsing-history" checked', page)  # listed, on
    assert (off, on) == (False, True)
