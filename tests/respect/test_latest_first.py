""" "You recently looked at" and "What you bought" name the latest first, as kept in a real
Redis (each viewed item's time, each bought item's last purchase), not the first ids in
alphabetical order: on the preferences page (the latest 10, and how many more) and on the data
page (all of them, up to its cut)."""

from __future__ import annotations

import pytest
import redis

from omotenashi.engine.change import Change, apply
from omotenashi.engine.journey import Journey
from omotenashi.engine.profile import Profile
from omotenashi.engine.restraint import Prefs
from omotenashi.engine.ruleset import RuleSet
from omotenashi.ids import new_vid
from omotenashi.respect import shown
from omotenashi.respect.facts import describe
from omotenashi.store.store import Store

pytestmark = pytest.mark.anyio
NOW = 1_796_000_000.0
DAY = 86400.0


def said(profile: Profile, opening: str) -> str:
    """The preferences page's sentence that opens so ("" without one)."""
    lines = describe(profile, NOW + 1000, Journey(), None, "UTC")
    return next((line for line in lines if line.startswith(opening)), "")


def listed(profile: Profile, heading: str) -> list[str]:
    """The data page's lines under the heading that opens so."""
    rows = shown.data_sections(profile, RuleSet(), Prefs())
    return next(lines for title, lines in rows if title.startswith(heading))


@pytest.mark.parametrize(
    ("bought", "sentence", "lines"),
    [
        # (seconds after NOW, item): the times the store keeps, not the ids' order
        (
            [(0, "alps"), (99, "zen")],
            "What you bought, the latest first: zen, alps.",
            ["zen", "alps"],
        ),
        # bought again: its last purchase counts
        (
            [(0, "alps"), (99, "zen"), (200, "alps")],
            "What you bought, the latest first: alps, zen.",
            ["alps", "zen"],
        ),
        (
            [(n, f"item-{n:02}") for n in range(12)],
            "What you bought, the latest first: "
            + ", ".join(f"item {n:02}" for n in range(11, 1, -1))
            + ", and 2 more.",
            [f"item {n:02}" for n in range(11, -1, -1)],
        ),
    ],
)
async def test_what_you_bought_names_the_latest_first(
    store: Store,
    omotenashi_redis: redis.Redis,
    bought: list[tuple[int, str]],
    sentence: str,
    lines: list[str],
) -> None:
    vid = new_vid()
    await store.record(vid, Change(now=NOW, view=True), DAY)
    for at, item in bought:
        await store.record(vid, Change(now=NOW + at, bought=[item], purchases=1), DAY)
    profile = await store.load(vid)
    assert said(profile, "What you bought") == sentence
    assert listed(profile, "What you bought") == lines


@pytest.mark.parametrize(
    ("viewed", "sentence", "first"),
    [
        (["alps", "zen"], "You recently looked at: zen, alps.", ["zen", "alps"]),
        (["zen", "alps", "zen"], "You recently looked at: zen, alps.", ["zen", "alps"]),
        (
            [f"item-{n:02}" for n in range(12)],
            "You recently looked at: "
            + ", ".join(f"item {n:02}" for n in range(11, 1, -1))
            + ", and 2 more.",
            [f"item {n:02}" for n in range(11, -1, -1)],
        ),
        (
            ["zen", *(f"item-{n:02}" for n in range(12)), "alps"],  # one seen last, one first
            "You recently looked at: alps, "
            + ", ".join(f"item {n:02}" for n in range(11, 2, -1))
            + ", and 4 more.",
            ["alps", *(f"item {n:02}" for n in range(11, -1, -1)), "zen"],
        ),
    ],
)
async def test_you_recently_looked_at_names_the_latest_first(
    store: Store,
    omotenashi_redis: redis.Redis,
    viewed: list[str],
    sentence: str,
    first: list[str],
) -> None:
    vid = new_vid()
    for at, item in enumerate(viewed):
        await store.record(vid, Change(now=NOW + at, view=True, items=[item]), DAY)
    profile = await store.load(vid)
    assert said(profile, "You recently looked at") == sentence
    lines = listed(profile, "Things you looked at (the latest first)")
    assert [line.split(" (")[0] for line in lines] == first  # each with its day


def test_an_item_without_a_time_comes_last() -> None:
    """A profile made in this process (a purchase just recorded) has no time for it yet."""
    profile = Profile(purchased=frozenset({"alps", "zen", "moon"}), bought_at={"zen": NOW})
    assert said(profile, "What you bought") == "What you bought, the latest first: zen, alps, moon."


async def test_the_page_sees_the_purchase_time_the_store_keeps(
    store: Store, omotenashi_redis: redis.Redis
) -> None:
    """``engine.change.apply`` (what the page itself sees) keeps each item's last purchase as
    the store's script does."""
    vid, here = new_vid(), Profile()
    for at, item in [(0, "alps"), (99, "zen"), (200, "alps")]:
        change = Change(now=NOW + at + 0.5, bought=[item], purchases=1)
        here = apply(here, change, DAY)
        await store.record(vid, change, DAY)
    kept = await store.load(vid)
    assert kept.bought_at == {"alps": NOW + 200, "zen": NOW + 99}  # (whole seconds)
    assert {i: int(at) for i, at in here.bought_at.items()} == kept.bought_at


def test_topics_on_the_data_page_go_by_the_names_shown() -> None:
    # (visitor60: by their ids, "trips for two" came before "culture", "Bali" after nothing)
    profile = Profile(interests={t: (1.0, NOW) for t in ("couple", "culture", "bali", "zen")})
    labels = {"couple": "trips for two", "zen": "Zen gardens", "bali": "Bali"}
    rows = shown.data_sections(profile, RuleSet(), Prefs(), ({}, labels))
    lines = next(lines for title, lines in rows if title.startswith("Topics you looked at"))
    assert [line.split(":")[0] for line in lines] == [
        "Bali",
        "culture",
        "trips for two",
        "Zen gardens",
    ]
