"""data47: the "Your data" page in words a visitor reads at once. The show counts say what is
counted, over what time and how many counts are kept, in two short sentences (not "how many
blocks of one kind were shown (1 count)"); the records joined at a sign-in are counted as
sign-ins ("the last joined" said of a single one read as if there were more); items bought or
viewed in the same second (a purchase's items share its time: the store keeps no order within
a second) come in the order of the names the list shows, not of ids the visitor never sees."""

from __future__ import annotations

import pytest
import redis

from omotenashi.engine.change import Change
from omotenashi.engine.limits import MAX_MERGED
from omotenashi.engine.profile import Profile
from omotenashi.engine.restraint import Prefs
from omotenashi.engine.ruleset import RuleSet
from omotenashi.ids import new_vid
from omotenashi.respect import shown
from omotenashi.store.store import Store

AT = 1_796_000_000.0  # 30 November 2026, 00:53:20 UTC
DAY = 86400.0
COUNTS = "How often blocks were shown to you"
JOINED = "Earlier visits joined to your account"
SPANS = "one visit, one day, one week or all time, as the site sets it"


def section(profile: Profile, heading: str, titles: dict[str, str] | None = None) -> list[str]:
    """The data page's lines under the heading that opens so ([] without one)."""
    names: shown.Names | None = (titles, {}) if titles is not None else None
    rows = shown.data_sections(profile, RuleSet(), Prefs(), names)
    return next((lines for title, lines in rows if title.startswith(heading)), [])


@pytest.mark.parametrize(
    ("caps", "said"),
    [
        (
            {"fan": ("v1", 2)},
            f"We count how often one block was shown to you. The count covers {SPANS}, and is "
            "in the download.",
        ),
        (
            {"fan": ("v1", 2), "other": ("d20790", 1)},
            f"We count how often each of 2 blocks was shown to you. Each count covers {SPANS}; "
            "both are in the download.",
        ),
        (
            {
                "fan": ("v1", 1),
                "~intent:welcome:visit": ("v1", 1),
                "~intent:welcome:week": ("w2926", 1),
                "~name": ("v1", 1),
            },
            "We count how often one block was shown to you, how often blocks on one subject "
            "were shown to you in all, and how often we greeted you by name. Each count covers "
            f"{SPANS}; all 4 are in the download.",
        ),
        (
            {"~intent:welcome:visit": ("v1", 1), "~intent:sale:day": ("d20790", 2)},
            "We count how often blocks on each of 2 subjects were shown to you in all. Each "
            f"count covers {SPANS}; both are in the download.",
        ),
        (
            {"~name": ("d20790", 1)},
            f"We count how often we greeted you by name. The count covers {SPANS}, and is in "
            "the download.",
        ),
    ],
    ids=["one-block", "two-blocks", "block-subject-name", "two-subjects", "name-only"],
)
def test_the_show_counts_say_what_they_count_plainly(
    caps: dict[str, tuple[str, int]], said: str
) -> None:
    assert section(Profile(caps=caps), COUNTS) == [said]


@pytest.mark.parametrize(
    ("merged", "said"),
    [
        (
            {"a" * 22: AT},
            "What we kept about you before you signed in was joined to your account on "
            "30 November 2026, 00:53 UTC",
        ),
        (
            {"a" * 22: AT, "b" * 22: AT + DAY},
            "What we kept about you before 2 of your sign-ins was joined to your account, the "
            "last time on 01 December 2026, 00:53 UTC",
        ),
        (  # the store keeps the latest MAX_MERGED ids: there may have been more
            {f"{n:022}": AT + n for n in range(MAX_MERGED)},
            f"What we kept about you before at least {MAX_MERGED} of your sign-ins was joined "
            "to your account, the last time on 30 November 2026, 00:53 UTC",
        ),
    ],
    ids=["one", "two", "as-many-as-kept"],
)
def test_what_was_joined_at_a_sign_in_is_counted_in_sign_ins(
    merged: dict[str, float], said: str
) -> None:
    assert section(Profile(merged=merged), JOINED) == [said]


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("change", "heading"),
    [
        (Change(now=AT, bought=["a9", "b1", "c5"], purchases=1), "What you bought"),
        (Change(now=AT, view=True, items=["a9", "b1", "c5"]), "Things you looked at"),
    ],
    ids=["bought-together", "viewed-in-one-second"],
)
async def test_items_of_one_second_come_in_the_order_of_their_names(
    store: Store, omotenashi_redis: redis.Redis, change: Change, heading: str
) -> None:
    vid = new_vid()
    await store.record(vid, Change(now=AT - 60, view=True), DAY)
    await store.record(vid, change, DAY)
    profile = await store.load(vid)
    titles = {"a9": "Zen garden walk", "b1": "Alps by train", "c5": "Moon festival"}
    lines = [line.split(" (")[0] for line in section(profile, heading, titles)]
    assert lines == ["Alps by train", "Moon festival", "Zen garden walk"]
